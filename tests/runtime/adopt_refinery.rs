//! A folder in refinery's layout (`V1__create_accounts.sql`), embedded unchanged, adopting the
//! history refinery recorded in `refinery_schema_history`: as refinery itself writes the table
//! (`version INT4`), and as its `int8-versions` feature writes it (`version INT8`, timestamp
//! versions past `i32`, checksums over the version as an `i64`). Each scenario on an SQLite
//! file and on the PostgreSQL server.

use crate::adopt::{adopted_then_applied, balance, root, sql_of};
use crate::support::db::TestDb;
use crate::support::folders::files;
use schema_runtime::{EventKind, MigrationState, Migrations, OtherTool};
use std::hash::{Hash, Hasher};

static ADOPT_REFINERY: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/adopt_refinery");

on_both_databases!(
    a_refinery_folder_adopts_the_history_refinery_recorded_from_it,
    a_refinery_folder_adopts_a_history_with_int8_versions,
);

/// refinery reads the fixture's first two files from a folder, as its users' `embed_migrations!`
/// or `load_sql_migrations` does, and applies them with its own runner.
async fn a_refinery_folder_adopts_the_history_refinery_recorded_from_it<D: TestDb>(db: &D) {
    let dir = tempfile::tempdir().unwrap();
    let fixture = root().join("tests/fixtures/adopt_refinery");
    for name in ["V1__create_accounts.sql", "V2__balance_in_cents.sql"] {
        std::fs::copy(fixture.join(name), dir.path().join(name)).unwrap();
    }
    let migrations = refinery::load_sql_migrations(dir.path()).unwrap();
    crate::adopt::refinery_runs(db, &migrations).await;
    let recorded = db
        .texts("SELECT CAST(version AS TEXT) || ' ' || name FROM refinery_schema_history ORDER BY version")
        .await;
    assert_eq!(recorded, ["1 create_accounts", "2 balance_in_cents"]);

    let times = ["2021-03-04T05:06:07.123Z", "2021-03-05T06:07:08.000Z"];
    adopted_then_applied(db, &ADOPT_REFINERY, OtherTool::Refinery, times).await;
    let paths: Vec<&str> = ADOPT_REFINERY.iter().map(|m| m.path).collect();
    assert_eq!(
        paths,
        [
            "tests/fixtures/adopt_refinery/V1__create_accounts.sql",
            "tests/fixtures/adopt_refinery/V2__balance_in_cents.sql",
            "tests/fixtures/adopt_refinery/V3__create_notes.sql"
        ]
    );
}

/// refinery's checksum of a migration under its `int8-versions` feature: a SipHash-1-3 (keys 0)
/// of the name, the version as an `i64` and the text, through Rust's `Hash`.
fn int8_checksum(name: &str, version: i64, sql: &str) -> u64 {
    let mut hasher = siphasher::sip::SipHasher13::new();
    name.hash(&mut hasher);
    version.hash(&mut hasher);
    sql.hash(&mut hasher);
    hasher.finish()
}

/// The table as refinery's `int8-versions` feature creates it, with the rows it writes for the
/// first two migrations of a folder named with timestamps, whose SQL ran.
async fn a_refinery_folder_adopts_a_history_with_int8_versions<D: TestDb>(db: &D) {
    let names = [
        (
            20240101000001_i64,
            "create_accounts",
            "1_create_accounts.sql",
        ),
        (20240102000001, "balance_in_cents", "2_balance_in_cents.sql"),
        (20240103000001, "create_notes", "3_create_notes.sql"),
    ];
    let folder: Vec<(String, String)> = names
        .iter()
        .map(|(version, name, file)| (format!("V{version}__{name}.sql"), sql_of(file)))
        .collect();
    let folder: Vec<(&str, &str)> = folder
        .iter()
        .map(|(n, s)| (n.as_str(), s.as_str()))
        .collect();
    let (_dir, set) = files(&folder);

    db.exec(
        "CREATE TABLE IF NOT EXISTS refinery_schema_history(
             version int8 PRIMARY KEY,
             name VARCHAR(255),
             applied_on VARCHAR(255),
             checksum VARCHAR(255));",
    )
    .await;
    for ((version, name, file), at) in names[..2].iter().zip([
        "2021-03-04T05:06:07.123456789Z",
        "2021-03-05T06:07:08+00:00",
    ]) {
        let sql = sql_of(file);
        db.exec(&sql).await;
        let checksum = int8_checksum(name, *version, &sql);
        db.exec(&format!(
            "INSERT INTO refinery_schema_history (version, name, applied_on, checksum)
             VALUES ({version}, '{name}', '{at}', '{checksum}')"
        ))
        .await;
    }
    assert_eq!(balance(db).await, 500);
    if D::either(false, true) {
        assert_eq!(
            db.texts(
                "SELECT data_type::text FROM information_schema.columns
                 WHERE table_name = 'refinery_schema_history' AND column_name = 'version'"
            )
            .await,
            ["bigint"]
        );
    }

    let report = set.run(db.pool()).await.unwrap();
    let adopted = report.adopted.as_ref().expect("adopted");
    assert_eq!(adopted.tool, OtherTool::Refinery);
    assert_eq!(adopted.versions, [20240101000001, 20240102000001]);
    let applied: Vec<i64> = report.applied.iter().map(|m| m.version).collect();
    assert_eq!(applied, [20240103000001]);
    assert_eq!(balance(db).await, 500, "nothing applied twice");
    let history = set.history(db.pool()).await.unwrap();
    let events: Vec<(i64, EventKind, &str)> = history
        .iter()
        .take(2)
        .map(|e| (e.version, e.event, e.at.as_str()))
        .collect();
    assert_eq!(
        events,
        [
            (
                20240101000001,
                EventKind::Import,
                "2021-03-04T05:06:07.123Z"
            ),
            (
                20240102000001,
                EventKind::Import,
                "2021-03-05T06:07:08.000Z"
            )
        ]
    );
    let status = set.status(db.pool()).await.unwrap();
    assert!(
        status.iter().all(|e| e.state == MigrationState::Applied),
        "{status:?}"
    );
    assert!(set.run(db.pool()).await.unwrap().up_to_date_at_boot);
}
