// A plugin builds on the core and on another set (`after`, applied first in the order given):
// a foreign key to `users`, an index on `conversations`, a view and a trigger on core tables
// are no "no such table" error, and everything it creates or writes has its prefix.
static CALENDAR: schema_runtime::Migrations = schema_runtime::embed_migrations!(
    "plugins/calendar",
    module = "calendar",
    prefix = "calendar_",
    after = ["plugins/core", "plugins/base"]
);
static CALENDAR_POSTGRES: schema_runtime::Migrations = schema_runtime::embed_migrations!(
    "plugins/calendar_postgres",
    dialect = "postgres",
    prefix = "calendar_",
    after = ["plugins/core", "plugins/base"],
);
// One folder is a string; the core itself needs no prefix.
static CORE: schema_runtime::Migrations =
    schema_runtime::embed_migrations!("plugins/base", module = "tags", after = "plugins/core");

fn main() {
    assert_eq!(CALENDAR.module(), "calendar");
    assert_eq!(CALENDAR.prefix(), Some("calendar_"));
    // Only the set's own files are embedded, not those of the folders it builds on.
    let versions: Vec<i64> = CALENDAR.iter().map(|m| m.version).collect();
    assert_eq!(versions, [1, 1, 2]);
    assert_eq!(CALENDAR_POSTGRES.len(), 1);
    assert_eq!(CORE.len(), 1);
}
