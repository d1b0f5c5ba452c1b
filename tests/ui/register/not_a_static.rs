// What is registered is a `static` set the linker can point at.
schema_runtime::register!("calendar", core);

fn main() {}
