//! The fix migration written from drift (`Compared::migration`), round-tripped on a corpus of
//! hand-made changes, on each database and in both directions. Each case migrates a fresh
//! database with a small set, makes one change by hand, writes the fix, and then:
//!
//! - (a) the folder the written files go in passes the build check (`schema_core::check`,
//!   through `Migrations::load_checked`, what `embed_migrations!` runs);
//! - (b) once applied, the database's schema is the one the migrations make (no drift);
//! - (c) once reverted with its down, the change made by hand is back.
//!
//! `to-expected`: the fix goes in a folder of its own, run as a module of its own: `1_live.sql`
//! (the drifted schema, marked applied by `baseline`, so the check judges the fix against the
//! schema it is written for) and the pair `2_fix`, whose up undoes the drift.
//! `from-live`: the pair is appended to the set's own folder, recorded as applied (the
//! database already has its effect), and the set then makes the live schema.

mod postgres_cases;
mod sqlite_cases;

use crate::support::db::TestDb;
use schema_core::{CheckOptions, Dialect};
use schema_runtime::introspect::{compare, Direction, Drift, Schema};
use schema_runtime::{DbPool, Migrations};
use std::path::Path;

fn dialect(db: &impl TestDb) -> Dialect {
    match db.pool() {
        DbPool::Postgres(_) => Dialect::Postgres,
        _ => Dialect::Sqlite,
    }
}

fn dev_url(db: &impl TestDb) -> Option<String> {
    match db.pool() {
        DbPool::Postgres(_) => Some(crate::support::pg::server_url()),
        _ => None,
    }
}

/// The folder `dir` under `root`, loaded with the build check of the database's dialect.
fn load_checked(root: &Path, dir: &str, dialect: Dialect) -> Migrations {
    Migrations::load_checked(root, dir, &CheckOptions::new(dialect)).unwrap_or_else(|errors| {
        let listing: Vec<String> = std::fs::read_dir(root.join(dir))
            .unwrap()
            .map(|e| {
                let path = e.unwrap().path();
                format!(
                    "--- {}\n{}",
                    path.display(),
                    std::fs::read_to_string(&path).unwrap()
                )
            })
            .collect();
        panic!(
            "the build check refuses {dir}:\n{}\n\n{}",
            errors
                .iter()
                .map(|e| e.to_string())
                .collect::<Vec<_>>()
                .join("\n"),
            listing.join("\n")
        )
    })
}

async fn drift(set: &Migrations, module: &str, db: &impl TestDb) -> Drift {
    let migrator = set.migrator().module(module);
    match dev_url(db) {
        Some(url) => migrator
            .verify_schema_with_dev(db.pool(), &url)
            .await
            .unwrap(),
        None => migrator.verify_schema(db.pool()).await.unwrap(),
    }
}

/// One case, one direction: `base` migrated, `by_hand` run, the fix written and round-tripped.
pub async fn round_trip(db: &impl TestDb, base: &str, by_hand: &str, direction: Direction) {
    let dialect = dialect(db);
    let root = tempfile::tempdir().unwrap();
    let folder = root.path().join("migrations");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(folder.join("1_base.sql"), base).unwrap();
    let set = load_checked(root.path(), "migrations", dialect);
    set.run(db.pool()).await.unwrap();
    let before = Schema::read(db.pool()).await.unwrap();
    db.exec(by_hand).await;
    let compared = set
        .migrator()
        .compare_schemas(db.pool(), dev_url(db).as_deref())
        .await
        .unwrap();
    assert!(
        !compared.drift.is_empty(),
        "the change made by hand is not seen: {by_hand}"
    );
    let drifted = compared.live.clone();
    let fix = compared.migration(direction);
    let shown = format!("-- up\n{}\n-- down\n{}", fix.up.sql, fix.down.sql);
    match direction {
        Direction::FromLive => {
            std::fs::write(folder.join("2_fix.up.sql"), &fix.up.sql).unwrap();
            std::fs::write(folder.join("2_fix.down.sql"), &fix.down.sql).unwrap();
            // (a)
            let recorded = load_checked(root.path(), "migrations", dialect);
            recorded.migrator().baseline(db.pool(), 2).await.unwrap();
            // (b)
            let after = drift(&recorded, "default", db).await;
            assert!(
                after.is_empty(),
                "drift left after recording:\n{after:#?}\n{shown}"
            );
            // (c)
            recorded
                .migrator()
                .revert_last(db.pool(), 1)
                .await
                .unwrap_or_else(|e| panic!("{e}\n{shown}"));
            let reverted = Schema::read(db.pool()).await.unwrap();
            assert_eq!(
                compare(&before, &reverted),
                [],
                "the down does not undo the up:\n{shown}"
            );
            assert!(!drift(&recorded, "default", db).await.is_empty());
        }
        Direction::ToExpected => {
            let fixes = root.path().join("fix");
            std::fs::create_dir(&fixes).unwrap();
            std::fs::write(fixes.join("1_live.sql"), compared.live_sql()).unwrap();
            std::fs::write(fixes.join("2_fix.up.sql"), &fix.up.sql).unwrap();
            std::fs::write(fixes.join("2_fix.down.sql"), &fix.down.sql).unwrap();
            // (a)
            let fix_set = load_checked(root.path(), "fix", dialect);
            let migrator = fix_set.migrator().module("fix");
            migrator.baseline(db.pool(), 1).await.unwrap();
            migrator
                .run(db.pool())
                .await
                .unwrap_or_else(|e| panic!("{e}\n{shown}"));
            // (b)
            let after = drift(&set, "default", db).await;
            assert!(
                after.is_empty(),
                "drift left after the fix:\n{after:#?}\n{shown}"
            );
            // (c)
            migrator
                .revert_last(db.pool(), 1)
                .await
                .unwrap_or_else(|e| panic!("{e}\n{shown}"));
            let reverted = Schema::read(db.pool()).await.unwrap();
            assert_eq!(
                compare(&drifted, &reverted),
                [],
                "the down does not bring the drift back:\n{shown}"
            );
        }
    }
}

/// A test per case and direction, on one database.
macro_rules! fix_cases {
    ($db:ty, $base:expr, { $($name:ident => $by_hand:expr,)* }) => {
        $(
            mod $name {
                use super::*;
                use $crate::support::db::TestDb;
                use schema_runtime::introspect::Direction;

                #[tokio::test]
                async fn to_expected() {
                    let db = <$db as TestDb>::fresh().await;
                    $crate::fix_migration::round_trip(&db, $base, &$by_hand, Direction::ToExpected).await;
                }

                #[tokio::test]
                async fn from_live() {
                    let db = <$db as TestDb>::fresh().await;
                    $crate::fix_migration::round_trip(&db, $base, &$by_hand, Direction::FromLive).await;
                }
            }
        )*
    };
}
pub(crate) use fix_cases;
