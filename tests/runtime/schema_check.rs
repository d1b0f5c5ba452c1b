//! The optional check of the live schema at boot (`Migrator::schema_check`): off by default
//! and storing nothing; on, it records the module's objects when migrations are applied and
//! names what changed by hand since, as a warning in the report or as a refused run. Each
//! scenario on an SQLite file and on the PostgreSQL server.

use crate::support::db::TestDb;
use crate::support::folders;
use schema_runtime::{MigrateError, Migrations, SchemaCheck, SchemaCheckOutcome};

on_both_databases!(
    the_check_is_off_by_default_and_stores_nothing,
    the_first_run_records_and_the_next_finds_it_unchanged,
    a_change_by_hand_is_warned_with_each_object_named,
    refuse_fails_before_applying_and_record_schema_accepts_the_change,
    migrations_applied_with_the_check_off_are_recorded_again_not_reported,
    a_module_checks_only_its_own_objects,
    another_modules_prefix_recorded_later_is_not_a_change,
);

const SHOP: &str = "
CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE items (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL REFERENCES owners (id), qty INTEGER NOT NULL DEFAULT 1);
CREATE VIEW owner_names AS SELECT name FROM owners;
";

const MORE: &str = "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);";

const BY_HAND: &str = "ALTER TABLE items ADD COLUMN note TEXT;
CREATE INDEX items_by_note ON items (note);
DROP VIEW owner_names;";

fn by_hand_objects() -> Vec<String> {
    vec![
        "changed table `items`".to_owned(),
        "extra index `items_by_note`".to_owned(),
        "missing view `owner_names`".to_owned(),
    ]
}

/// The columns of the modules table.
async fn modules_columns<D: TestDb>(db: &D) -> Vec<String> {
    db.texts(D::either(
        "SELECT name FROM pragma_table_info('_schema_modules') ORDER BY cid",
        "SELECT column_name::text FROM information_schema.columns WHERE table_name = '_schema_modules' ORDER BY ordinal_position",
    ))
    .await
}

async fn run(set: &Migrations, db: &impl TestDb, check: SchemaCheck) -> Option<SchemaCheckOutcome> {
    set.migrator()
        .schema_check(check)
        .run(db.pool())
        .await
        .unwrap()
        .schema_check
}

async fn the_check_is_off_by_default_and_stores_nothing<D: TestDb>(db: &D) {
    let (_dir, set) = folders::one_file("shop", SHOP);
    let report = set.run(db.pool()).await.unwrap();
    assert_eq!(report.schema_check, None);
    db.exec(BY_HAND).await;
    assert_eq!(set.run(db.pool()).await.unwrap().schema_check, None);
    assert!(
        !modules_columns(db)
            .await
            .contains(&"schema_objects".to_owned()),
        "the tracking tables are as before"
    );
}

async fn the_first_run_records_and_the_next_finds_it_unchanged<D: TestDb>(db: &D) {
    let (_dir, set) = folders::one_file("shop", SHOP);
    // A database migrated before the check existed: its modules table gets the column, its
    // rows kept.
    set.run(db.pool()).await.unwrap();
    let rows = db.tracking_rows().await;
    assert_eq!(
        run(&set, db, SchemaCheck::Refuse).await,
        Some(SchemaCheckOutcome::Recorded)
    );
    assert!(modules_columns(db)
        .await
        .contains(&"schema_objects".to_owned()));
    assert_eq!(db.tracking_rows().await, rows);
    assert_eq!(
        run(&set, db, SchemaCheck::Refuse).await,
        Some(SchemaCheckOutcome::Unchanged)
    );
    assert_eq!(
        run(&set, db, SchemaCheck::Warn).await,
        Some(SchemaCheckOutcome::Unchanged)
    );
    // Data is not schema.
    db.exec("INSERT INTO owners (id, name) VALUES (1, 'ann')")
        .await;
    assert_eq!(
        run(&set, db, SchemaCheck::Refuse).await,
        Some(SchemaCheckOutcome::Unchanged)
    );
}

async fn a_change_by_hand_is_warned_with_each_object_named<D: TestDb>(db: &D) {
    let (_dir, set) = folders::one_file("shop", SHOP);
    assert_eq!(
        run(&set, db, SchemaCheck::Warn).await,
        Some(SchemaCheckOutcome::Recorded)
    );
    db.exec(BY_HAND).await;
    let changed = Some(SchemaCheckOutcome::Changed(by_hand_objects()));
    assert_eq!(run(&set, db, SchemaCheck::Warn).await, changed);
    // A warning records nothing: the next boot warns again.
    assert_eq!(run(&set, db, SchemaCheck::Warn).await, changed);
    // Put back, the schema is as recorded.
    db.exec("DROP INDEX items_by_note; CREATE VIEW owner_names AS SELECT name FROM owners;")
        .await;
    db.exec(D::either(
        "ALTER TABLE items DROP COLUMN note",
        "ALTER TABLE items DROP COLUMN note",
    ))
    .await;
    assert_eq!(
        run(&set, db, SchemaCheck::Warn).await,
        Some(SchemaCheckOutcome::Unchanged)
    );
}

async fn refuse_fails_before_applying_and_record_schema_accepts_the_change<D: TestDb>(db: &D) {
    let (_one, first) = folders::one_file("shop", SHOP);
    run(&first, db, SchemaCheck::Refuse).await;
    db.exec(BY_HAND).await;
    let (_two, both) = folders::files(&[("1_shop.sql", SHOP), ("2_more.sql", MORE)]);
    let refused = both
        .migrator()
        .schema_check(SchemaCheck::Refuse)
        .run(db.pool())
        .await
        .unwrap_err();
    let MigrateError::SchemaChanged { module, objects } = &refused else {
        panic!("{refused:?}");
    };
    assert_eq!((module.as_str(), objects), ("default", &by_hand_objects()));
    let message = refused.to_string();
    assert!(
        message.starts_with("the schema of module `default` changed since its migrations were last applied: changed table `items`, extra index `items_by_note`, missing view `owner_names`; nothing was applied; "),
        "{message}"
    );
    assert!(message.contains("record_schema(pool)"), "{message}");
    assert_eq!(
        db.applied_versions().await.len(),
        1,
        "2_more was not applied"
    );

    // The change was meant: recorded, the run goes on and applies what is pending.
    both.migrator().record_schema(db.pool()).await.unwrap();
    let report = both
        .migrator()
        .schema_check(SchemaCheck::Refuse)
        .run(db.pool())
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 1);
    assert_eq!(report.schema_check, Some(SchemaCheckOutcome::Recorded));
    assert_eq!(
        run(&both, db, SchemaCheck::Refuse).await,
        Some(SchemaCheckOutcome::Unchanged)
    );
}

async fn migrations_applied_with_the_check_off_are_recorded_again_not_reported<D: TestDb>(db: &D) {
    let (_one, first) = folders::one_file("shop", SHOP);
    run(&first, db, SchemaCheck::Refuse).await;
    let (_two, both) = folders::files(&[("1_shop.sql", SHOP), ("2_more.sql", MORE)]);
    both.run(db.pool()).await.unwrap();
    // The record is of the first migration's schema; `notes` came with a migration since.
    assert_eq!(
        run(&both, db, SchemaCheck::Refuse).await,
        Some(SchemaCheckOutcome::Recorded)
    );
    assert_eq!(
        run(&both, db, SchemaCheck::Refuse).await,
        Some(SchemaCheckOutcome::Unchanged)
    );
}

static CALENDAR: Migrations = schema_runtime::embed_migrations!(
    "tests/fixtures/drift_module",
    module = "calendar",
    prefix = "calendar_"
);

async fn a_module_checks_only_its_own_objects<D: TestDb>(db: &D) {
    let (_dir, core) = folders::one_file("shop", SHOP);
    run(&core, db, SchemaCheck::Refuse).await;
    assert_eq!(
        run(&CALENDAR, db, SchemaCheck::Refuse).await,
        Some(SchemaCheckOutcome::Recorded)
    );
    // The core's tables changed: not the calendar's business.
    db.exec(BY_HAND).await;
    assert_eq!(
        run(&CALENDAR, db, SchemaCheck::Refuse).await,
        Some(SchemaCheckOutcome::Unchanged)
    );
    db.exec("CREATE TABLE calendar_extra (id INTEGER)").await;
    let refused = CALENDAR
        .migrator()
        .schema_check(SchemaCheck::Refuse)
        .run(db.pool())
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, MigrateError::SchemaChanged { module, objects } if module == "calendar" && objects == &["extra table `calendar_extra`".to_owned()]),
        "{refused:?}"
    );
}

/// The core recorded its objects while the calendar's row held no prefix (a database an
/// earlier version migrated): the calendar's tables were among them. Once the calendar's
/// prefix is recorded they are the calendar's, unchanged, and the core's check does not call
/// them missing.
async fn another_modules_prefix_recorded_later_is_not_a_change<D: TestDb>(db: &D) {
    let (_dir, core) = folders::one_file("shop", SHOP);
    CALENDAR.run(db.pool()).await.unwrap();
    db.exec("UPDATE _schema_modules SET prefix = NULL WHERE module = 'calendar'")
        .await;
    assert_eq!(
        run(&core, db, SchemaCheck::Refuse).await,
        Some(SchemaCheckOutcome::Recorded)
    );
    db.exec("UPDATE _schema_modules SET prefix = 'calendar_' WHERE module = 'calendar'")
        .await;
    assert_eq!(
        run(&core, db, SchemaCheck::Refuse).await,
        Some(SchemaCheckOutcome::Unchanged)
    );
    // A change to the core is still found.
    db.exec(BY_HAND).await;
    assert_eq!(
        run(&core, db, SchemaCheck::Warn).await,
        Some(SchemaCheckOutcome::Changed(by_hand_objects()))
    );
}
