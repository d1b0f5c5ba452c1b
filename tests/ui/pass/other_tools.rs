use schema_runtime::{MigrationKind, Migrations};

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("other_tools");

fn main() {
    let found: Vec<(&str, MigrationKind, usize)> = MIGRATIONS
        .iter()
        .map(|m| (m.description, m.kind, m.statement_count))
        .collect();
    assert_eq!(
        found,
        [
            ("create_users", MigrationKind::Simple, 1),
            ("seed", MigrationKind::Simple, 1),
            ("create_posts", MigrationKind::Up, 2),
            ("create_posts", MigrationKind::Down, 2),
            ("create_tags", MigrationKind::Up, 1),
            ("create_tags", MigrationKind::Down, 1),
            ("index_tags", MigrationKind::Simple, 1),
            ("user_emails", MigrationKind::Repeatable, 2),
        ]
    );
    let versions: Vec<i64> = MIGRATIONS.versioned().map(|m| m.version).collect();
    assert_eq!(versions, [1, 2, 3, 4, 5]);
    let wrapped = MIGRATIONS.as_slice()[6];
    assert!(wrapped.source.starts_with("BEGIN TRANSACTION;"));
    assert!(wrapped.sql.trim_start().starts_with("CREATE INDEX"));
    assert!(MIGRATIONS.as_slice()[7].is_repeatable());
}
