// Two registrations of one module name: `Modules::registered()` refuses them, naming both
// places, instead of picking one.
static CORE: schema_runtime::Migrations =
    schema_runtime::embed_migrations!("calendar", module = "core");
schema_runtime::register!(CORE, core, priority = 1);

static CALENDAR: schema_runtime::Migrations =
    schema_runtime::embed_migrations!("calendar", module = "calendar");
schema_runtime::register!(CALENDAR, plugin);

static AGAIN: schema_runtime::Migrations =
    schema_runtime::embed_migrations!("calendar", module = "calendar");
schema_runtime::register!(AGAIN, plugin,);

fn main() {
    let Err(error) = schema_runtime::Modules::registered() else {
        panic!("two registrations of `calendar` were accepted");
    };
    let message = error.to_string();
    assert!(
        message.starts_with("module `calendar` is registered twice, at "),
        "{message}"
    );
    assert!(message.contains("register_twice.rs:9"), "{message}");
    assert!(message.contains("register_twice.rs:13"), "{message}");
}
