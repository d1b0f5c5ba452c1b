use schema_runtime::{Migrations, MigrationKind};

static MIGRATIONS: Migrations = schema_runtime::embed_migrations!("diesel");

fn main() {
    let order: Vec<(&str, MigrationKind)> = MIGRATIONS.iter().map(|m| (m.version_text, m.kind)).collect();
    // Diesel orders by the version text, so the 2026 folder comes before the 2027 one although
    // its dash-less number (202605271200000000) is larger.
    assert_eq!(
        order,
        [
            ("00000000000000", MigrationKind::Up),
            ("00000000000000", MigrationKind::Down),
            ("20140924113530", MigrationKind::Up),
            ("20140924113530", MigrationKind::Down),
            ("2017-08-31-230457", MigrationKind::Up),
            ("2017-08-31-230457", MigrationKind::Down),
            ("2026-05-27-120000-0000", MigrationKind::Up),
            ("2026-05-27-120000-0000", MigrationKind::Down),
            ("20270101000000", MigrationKind::Simple),
        ]
    );
    let y = &MIGRATIONS.as_slice()[4];
    assert_eq!(y.version, 20170831230457);
    assert!(y.no_transaction(), "metadata.toml says run_in_transaction = false");
    assert_eq!(y.path, "diesel/2017-08-31-230457_y/up.sql");
}
