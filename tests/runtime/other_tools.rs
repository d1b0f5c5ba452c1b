//! A database another migration tool migrated is never migrated again from the first file: a
//! run refuses it when it does not adopt that history (adopting turned off, or a tool whose
//! history is imported on request); each scenario on an SQLite file and on the PostgreSQL
//! server. Adopting at boot is `adopt.rs`'s.
//! The `backfill` fixture's second file multiplies a balance by 100: applied twice, 5 becomes
//! 50,000 instead of 500.

use crate::support::db::TestDb;
use crate::support::message;
use schema_runtime::{MigrateError, Migrations};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

on_both_databases!(
    a_database_sqlx_migrated_is_refused_without_adopting_until_its_history_is_imported,
    a_database_diesel_migrated_is_refused_without_adopting_until_its_history_is_imported,
    every_known_tool_table_with_rows_is_refused,
    baseline_adopts_a_history_no_import_reads,
    an_unrelated_table_is_passed_with_ignore_other_tools,
    an_empty_table_of_another_tool_does_not_block,
    a_new_module_of_an_adopted_database_is_not_refused,
    schema_migrations_in_each_trackers_layout_is_refused,
    an_applications_own_schema_migrations_is_neither_adopted_nor_refused,
);

/// A plugin's set of one file, loaded once with the checks the macro makes.
fn plugin_notes() -> &'static Migrations {
    static SET: OnceLock<Migrations> = OnceLock::new();
    SET.get_or_init(|| {
        Migrations::load(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            "tests/fixtures/plugin_notes",
        )
        .unwrap_or_else(|e| panic!("{e:?}"))
    })
}

fn folder() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/backfill")
}

/// The `backfill` set, loaded once with the checks the macro makes.
fn backfill() -> &'static Migrations {
    static SET: OnceLock<Migrations> = OnceLock::new();
    SET.get_or_init(|| {
        Migrations::load(
            Path::new(env!("CARGO_MANIFEST_DIR")),
            "tests/fixtures/backfill",
        )
        .unwrap_or_else(|e| panic!("{e:?}"))
    })
}

async fn balance(db: &impl TestDb) -> i64 {
    db.number("SELECT balance FROM accounts WHERE id = 1").await
}

async fn recorded(db: &impl TestDb) -> usize {
    backfill()
        .status(db.pool())
        .await
        .unwrap()
        .iter()
        .filter(|e| e.applied_at.is_some())
        .count()
}

/// Runs the set's files by hand, as a tool that recorded them elsewhere did.
async fn apply_by_hand(db: &impl TestDb) {
    for m in backfill().applying() {
        db.exec(m.sql).await;
    }
}

/// Every way of applying without adopting refuses with the error naming `table`, and nothing
/// changes.
async fn every_run_refuses(db: &impl TestDb, table: &str, rows: i64) {
    let set = backfill().migrator().adopt_other_tools(false);
    let runs = [
        ("run", set.run(db.pool()).await),
        (
            "all_or_nothing",
            set.clone().all_or_nothing().run(db.pool()).await,
        ),
        ("target", set.clone().target(2).run(db.pool()).await),
        (
            "always_validate",
            set.clone().always_validate().run(db.pool()).await,
        ),
    ];
    for (how, result) in runs {
        let err = result.expect_err(how);
        let MigrateError::OtherToolHistory {
            table: ref found,
            rows: ref count,
            ..
        } = err
        else {
            panic!("{how}: {err:?}");
        };
        assert_eq!((found.as_str(), *count), (table, rows), "{how}");
        let message = message(&err);
        assert!(message.contains(&format!("`{table}`")), "{message}");
        assert!(message.contains("`baseline(version)`"), "{message}");
        assert!(message.contains("`ignore_other_tools()`"), "{message}");
        assert!(!message.contains("--"), "no command-line flag: {message}");
    }
    let err = set.dry_run(db.pool()).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::OtherToolHistory { .. }),
        "{err:?}"
    );
    assert_eq!(balance(db).await, 500, "nothing applied twice");
    assert_eq!(recorded(db).await, 0, "nothing recorded");
}

async fn a_database_sqlx_migrated_is_refused_without_adopting_until_its_history_is_imported(
    db: &impl TestDb,
) {
    db.sqlx_migrate(&folder()).await;
    assert_eq!(balance(db).await, 500);

    every_run_refuses(db, "_sqlx_migrations", 2).await;
    let off = backfill().migrator().adopt_other_tools(false);
    let err = off.run(db.pool()).await.unwrap_err();
    assert!(
        message(&err).contains("`import(Import::tool(OtherTool::Sqlx))`"),
        "{err}"
    );

    let imported = backfill().migrator().import_sqlx(db.pool()).await.unwrap();
    assert_eq!(imported, [1, 2]);
    let report = backfill().run(db.pool()).await.unwrap();
    assert!(report.applied.is_empty(), "{report:?}");
    assert_eq!(balance(db).await, 500);
}

async fn a_database_diesel_migrated_is_refused_without_adopting_until_its_history_is_imported(
    db: &impl TestDb,
) {
    apply_by_hand(db).await;
    db.exec(
        "CREATE TABLE __diesel_schema_migrations (
             version VARCHAR(50) PRIMARY KEY NOT NULL,
             run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP
         );
         INSERT INTO __diesel_schema_migrations (version) VALUES ('1'), ('2');",
    )
    .await;
    assert_eq!(balance(db).await, 500);

    every_run_refuses(db, "__diesel_schema_migrations", 2).await;
    let off = backfill().migrator().adopt_other_tools(false);
    let err = off.run(db.pool()).await.unwrap_err();
    assert!(
        message(&err).contains("`import(Import::tool(OtherTool::Diesel))`"),
        "{err}"
    );

    let imported = backfill()
        .migrator()
        .import_versions_table(db.pool(), "__diesel_schema_migrations")
        .await
        .unwrap();
    assert_eq!(imported, [1, 2]);
    assert!(backfill().run(db.pool()).await.unwrap().applied.is_empty());
    assert_eq!(balance(db).await, 500);
}

async fn every_known_tool_table_with_rows_is_refused(db: &impl TestDb) {
    apply_by_hand(db).await;
    for table in [
        "refinery_schema_history",
        "schema_migrations",
        "goose_db_version",
        "flyway_schema_history",
    ] {
        db.exec(&format!(
            "CREATE TABLE {table} (version BIGINT); INSERT INTO {table} VALUES (1), (2), (3);"
        ))
        .await;
        every_run_refuses(db, table, 3).await;
        // By default too: imported on request only, or (refinery's) not laid out as the tool
        // lays it out.
        let err = backfill().run(db.pool()).await.unwrap_err();
        match table {
            "refinery_schema_history" => assert!(
                matches!(err, MigrateError::OtherTableLayout { .. }),
                "{err:?}"
            ),
            _ => assert!(
                matches!(err, MigrateError::OtherToolHistory { .. }),
                "{err:?}"
            ),
        }
        assert_eq!(recorded(db).await, 0, "nothing recorded");
        db.exec(&format!("DROP TABLE {table}")).await;
    }
    assert_eq!(balance(db).await, 500, "nothing applied twice");
}

async fn baseline_adopts_a_history_no_import_reads(db: &impl TestDb) {
    apply_by_hand(db).await;
    db.exec("CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY, version_id BIGINT, is_applied BOOLEAN); INSERT INTO goose_db_version VALUES (1, 0, TRUE), (2, 1, TRUE), (3, 2, TRUE);")
        .await;
    let err = backfill().run(db.pool()).await.unwrap_err();
    assert!(
        message(&err).contains("`import(Import::tool(OtherTool::Goose))`"),
        "{err}"
    );
    assert_eq!(
        backfill().migrator().baseline(db.pool(), 2).await.unwrap(),
        [1, 2]
    );
    assert!(backfill().run(db.pool()).await.unwrap().applied.is_empty());
    assert_eq!(balance(db).await, 500);
}

async fn an_unrelated_table_is_passed_with_ignore_other_tools(db: &impl TestDb) {
    db.exec("CREATE TABLE schema_migrations (version BIGINT); INSERT INTO schema_migrations VALUES (20240101);")
        .await;
    assert!(backfill().run(db.pool()).await.is_err());
    let report = backfill()
        .migrator()
        .ignore_other_tools()
        .run(db.pool())
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 2);
    assert_eq!(balance(db).await, 500);
    // Once the module has rows, the other table is not looked at again.
    assert!(backfill().run(db.pool()).await.unwrap().up_to_date_at_boot);
    assert!(backfill()
        .migrator()
        .always_validate()
        .run(db.pool())
        .await
        .unwrap()
        .applied
        .is_empty());
}

async fn an_empty_table_of_another_tool_does_not_block(db: &impl TestDb) {
    db.exec(
        "CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY); CREATE TABLE flyway_schema_history (version VARCHAR(50));",
    )
    .await;
    let report = backfill().run(db.pool()).await.unwrap();
    assert_eq!(report.applied.len(), 2);
    assert_eq!(balance(db).await, 500);
}

async fn a_new_module_of_an_adopted_database_is_not_refused(db: &impl TestDb) {
    db.sqlx_migrate(&folder()).await;
    let plugin = plugin_notes().migrator().module("notes");
    // Before the adoption, the plugin's first run is refused: none of sqlx's migrations is
    // the plugin's, so the history is the core's to adopt, also under `ignore_missing()`.
    for run in [plugin.clone(), plugin.clone().ignore_missing()] {
        let err = run.run(db.pool()).await.unwrap_err();
        assert!(
            matches!(err, MigrateError::OtherToolHistory { .. }),
            "{err:?}"
        );
    }
    assert_eq!(recorded(db).await, 0);
    backfill().migrator().import_sqlx(db.pool()).await.unwrap();
    // Once a module has adopted the history, a plugin added later migrates without the
    // opt-out: `_sqlx_migrations` is the history that module took over.
    let report = plugin.run(db.pool()).await.unwrap();
    assert_eq!(report.applied.len(), 1, "{report:?}");
    assert_eq!(db.number("SELECT count(*) FROM plugin_notes").await, 0);
    assert_eq!(balance(db).await, 500);
}

/// `schema_migrations` as golang-migrate (`version, dirty`, here with a dirty row), dbmate and
/// Rails (`version` as text) and Ecto (`version, inserted_at`) lay it out: each is a tool's
/// history, refused by every run until imported, baselined or declared unrelated; dbmate's is
/// imported as a table of versions.
async fn schema_migrations_in_each_trackers_layout_is_refused<D: TestDb>(db: &D) {
    apply_by_hand(db).await;
    let layouts = [
        (
            "golang-migrate",
            D::either(
                "CREATE TABLE schema_migrations (version uint64, dirty bool);
                 CREATE UNIQUE INDEX version_unique ON schema_migrations (version);
                 INSERT INTO schema_migrations VALUES (2, 1);",
                "CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
                 INSERT INTO schema_migrations VALUES (2, TRUE);",
            ),
            1,
        ),
        (
            "dbmate",
            "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
             INSERT INTO schema_migrations VALUES ('1'), ('2');",
            2,
        ),
        (
            "Rails",
            "CREATE TABLE \"schema_migrations\" (\"version\" varchar NOT NULL PRIMARY KEY);
             INSERT INTO schema_migrations VALUES ('20240101120000');",
            1,
        ),
        (
            "Ecto",
            D::either(
                "CREATE TABLE \"schema_migrations\" (\"version\" INTEGER PRIMARY KEY, \"inserted_at\" TEXT);
                 INSERT INTO schema_migrations VALUES (1, '2024-01-01T00:00:00'), (2, '2024-01-02T00:00:00');",
                "CREATE TABLE \"schema_migrations\" (\"version\" bigint, \"inserted_at\" timestamp(0), PRIMARY KEY (\"version\"));
                 INSERT INTO schema_migrations VALUES (1, '2024-01-01 00:00:00'), (2, '2024-01-02 00:00:00');",
            ),
            2,
        ),
    ];
    for (tool, ddl, rows) in layouts {
        db.exec(ddl).await;
        every_run_refuses(db, "schema_migrations", rows).await;
        let err = backfill().run(db.pool()).await.unwrap_err();
        assert!(
            matches!(err, MigrateError::OtherToolHistory { rows: r, .. } if r == rows),
            "{tool}: {err:?}"
        );
        db.exec("DROP TABLE schema_migrations").await;
    }
    // dbmate's and Rails' row per version is imported as a table of versions.
    db.exec(
        "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);
         INSERT INTO schema_migrations VALUES ('1'), ('2');",
    )
    .await;
    let imported = backfill()
        .migrator()
        .import_versions_table(db.pool(), "schema_migrations")
        .await
        .unwrap();
    assert_eq!(imported, [1, 2]);
    assert!(backfill().run(db.pool()).await.unwrap().applied.is_empty());
    assert_eq!(balance(db).await, 500);
}

/// An application's own table named `schema_migrations` (not a tracker's layout) is neither
/// adopted nor refused: the first run applies every file, with or without adopting, and
/// leaves the table as it was; another tool's table beside it is still found.
async fn an_applications_own_schema_migrations_is_neither_adopted_nor_refused(db: &impl TestDb) {
    db.exec(
        "CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT);
         INSERT INTO schema_migrations (id, title, body) VALUES
             (1, 'Moving to PostgreSQL', 'Three steps.'), (2, 'Zero-downtime deploys', NULL);
         CREATE TABLE goose_db_version (id INTEGER PRIMARY KEY, version_id BIGINT, is_applied BOOLEAN);
         INSERT INTO goose_db_version VALUES (1, 0, TRUE);",
    )
    .await;
    let err = backfill().run(db.pool()).await.unwrap_err();
    let MigrateError::OtherToolHistory { ref table, .. } = err else {
        panic!("{err:?}");
    };
    assert_eq!(table, "goose_db_version", "{err}");
    db.exec("DROP TABLE goose_db_version").await;

    let off = backfill().migrator().adopt_other_tools(false);
    assert_eq!(off.dry_run(db.pool()).await.unwrap().len(), 2);
    let report = backfill().run(db.pool()).await.unwrap();
    assert_eq!(report.applied.len(), 2, "{report:?}");
    assert!(report.adopted.is_none(), "{report:?}");
    assert_eq!(balance(db).await, 500);
    assert_eq!(recorded(db).await, 2);
    assert_eq!(
        db.texts("SELECT title || ':' || COALESCE(body, '-') FROM schema_migrations ORDER BY id")
            .await,
        [
            "Moving to PostgreSQL:Three steps.",
            "Zero-downtime deploys:-"
        ]
    );
    assert!(backfill().run(db.pool()).await.unwrap().up_to_date_at_boot);
}
