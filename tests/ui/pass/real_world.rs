use schema_runtime::{Checksum, MigrationKind, Migrations};

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("real_world");

fn main() {
    let found: Vec<(i64, &str, MigrationKind, bool)> = MIGRATIONS
        .iter()
        .map(|m| (m.version, m.description, m.kind, m.noop))
        .collect();
    assert_eq!(
        found,
        [
            (0, "setup", MigrationKind::Simple, false),
            (1, "init", MigrationKind::Up, false),
            (1, "init", MigrationKind::Down, true),
            (2, "comment_only", MigrationKind::Simple, true),
            (3, "crlf_and_bom", MigrationKind::Simple, false),
            (20240309082057, "release_view.sql", MigrationKind::Up, false),
            (20240309082057, "release_view.sql", MigrationKind::Down, true),
        ]
    );
    let crlf = &MIGRATIONS.as_slice()[4];
    assert!(!crlf.sql.starts_with('\u{feff}'));
    assert!(crlf.sql.contains("\r\n"), "the SQL runs as written");
    assert_eq!(
        crlf.checksum,
        Checksum::of("CREATE TABLE crlf (id INTEGER);\nINSERT INTO crlf VALUES (1);\n")
    );
    assert_eq!(MIGRATIONS.as_slice()[1].version_text, "0001");
    assert_eq!(
        MIGRATIONS.as_slice()[0].sql,
        "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT)"
    );
    assert_eq!(MIGRATIONS.dir(), "real_world");
}
