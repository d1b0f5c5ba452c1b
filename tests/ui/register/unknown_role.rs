// The role is `core` or `plugin`.
static CALENDAR: schema_runtime::Migrations =
    schema_runtime::embed_migrations!("calendar", module = "calendar");
schema_runtime::register!(CALENDAR, extension);

fn main() {}
