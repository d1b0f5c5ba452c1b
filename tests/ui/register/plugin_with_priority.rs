// A plugin is applied by name once activated: a priority means nothing for it.
static CALENDAR: schema_runtime::Migrations =
    schema_runtime::embed_migrations!("calendar", module = "calendar");
schema_runtime::register!(CALENDAR, plugin, priority = 2);

fn main() {}
