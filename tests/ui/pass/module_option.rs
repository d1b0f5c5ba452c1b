// `module = "…"` names the set's tracking key and `prefix = "…"` its table prefix; without
// them a set is the `default` module with no prefix.
static CALENDAR: schema_runtime::Migrations =
    schema_runtime::embed_migrations!("calendar", module = "calendar", prefix = "calendar_");
static PLAIN: schema_runtime::Migrations = schema_runtime::embed_migrations!("migrations");

fn main() {
    assert_eq!(CALENDAR.module(), "calendar");
    assert_eq!(CALENDAR.prefix(), Some("calendar_"));
    assert_eq!(CALENDAR.migrator().module_name(), "calendar");
    assert_eq!(PLAIN.module(), "default");
    assert_eq!(PLAIN.prefix(), None);
}
