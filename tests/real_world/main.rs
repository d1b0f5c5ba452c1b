//! Real-world migration folders from open-source Rust services, kept unchanged in
//! `tests/fixtures/real` (where each comes from, and its licence: the README there).
//!
//! Each folder is embedded with `embed_migrations!` (`folders.rs`), so a folder the build check
//! refuses fails this test binary's build. At run time each is applied twice on fresh databases
//! of its kind: by the tool that wrote it (sqlx's `Migrator`, diesel's harness, refinery's
//! `Runner`) and by this project; the two schemas must be the same, line for line (the runtime
//! suite's `support/dump.rs`). On the database its tool migrated, the embedded set's first run
//! adopts the tool's history as a user switching tools would see it: every migration adopted,
//! none applied, the schema unchanged. Where the folder has downs that its tool runs back to
//! empty, both revert the whole chain, and nothing but the tracking tables may be left.
//!
//! `cargo test --test real_world sqlite` runs the SQLite folders; the PostgreSQL ones need the
//! server: `scripts/with-postgres cargo test --test real_world postgres`.

#[path = "../runtime/support/mod.rs"]
#[macro_use]
#[allow(dead_code, unused_macros)]
mod support;

mod folders;
mod tools;

use folders::{Downs, Folder};
use schema_runtime::{MigrationKind, MigrationState};
use tools::{RealDb, Revert};

/// `folder` applied by its own tool and by this project leaves the same schema; reverted by
/// both, as far as its tool can, too.
async fn same_schema_as_its_tool<D: RealDb>(folder: &Folder) {
    let fresh = D::fresh().await.dump().await;

    let theirs = D::fresh().await;
    theirs.apply_with_tool(folder).await;
    let expected = theirs.dump().await;
    assert_ne!(expected, fresh, "`{}` left nothing", folder.name);
    let set = folder.migrations();
    adopts_what_its_tool_applied(&theirs, folder, &expected).await;

    let ours = D::fresh().await;
    let report = set
        .run(ours.pool())
        .await
        .unwrap_or_else(|e| panic!("`{}` fails to apply: {e:?}", folder.name));
    let ups = set.iter().filter(|m| m.kind != MigrationKind::Down).count();
    assert_eq!(report.applied.len(), ups, "`{}`", folder.name);
    assert_same(folder, "applied", &expected, &ours.dump().await);

    match folder.downs {
        Downs::None => {}
        Downs::All { left } => {
            revert_with_tool(&theirs, folder, Revert::All).await;
            let mut expected = fresh.clone();
            expected.extend(left.iter().map(|line| line.to_string()));
            expected.sort();
            assert_same(
                folder,
                "reverted by its tool",
                &expected,
                &theirs.dump().await,
            );
            set.migrator()
                .revert_to(ours.pool(), -1)
                .await
                .unwrap_or_else(|e| panic!("`{}` fails to revert: {e:?}", folder.name));
            assert_same(folder, "reverted", &expected, &ours.dump().await);
        }
        Downs::Newest { count, blocker } => {
            revert_with_tool(&theirs, folder, Revert::Newest(count)).await;
            let expected = theirs.dump().await;
            let report = set
                .migrator()
                .revert_last(ours.pool(), count)
                .await
                .unwrap_or_else(|e| panic!("`{}` fails to revert: {e:?}", folder.name));
            assert_eq!(report.reverted.len(), count, "`{}`", folder.name);
            assert_same(folder, "reverted", &expected, &ours.dump().await);
            let refused = theirs
                .revert_with_tool(folder, Revert::Newest(1))
                .await
                .expect_err("its tool now reverts the next one: revert more");
            assert!(refused.contains(blocker), "`{}`: {refused}", folder.name);
        }
    }
}

/// A user of `folder`'s tool switches by changing the macro call: the embedded set's first run
/// on the database the tool migrated adopts the tool's history, every up in it, and applies
/// nothing; the schema stays as the tool left it, with this project's tracking tables added and
/// no table dropped, the tool's own included; the status shows every migration applied, at a
/// time. A second run finds nothing to do. Before that, the database the tool migrated has no
/// drift from the set (what `schema diff` reports): the tool's history table is not one.
async fn adopts_what_its_tool_applied<D: RealDb>(theirs: &D, folder: &Folder, expected: &[String]) {
    let set = folder.migrations();
    // What `schema diff` says before the switch: the tool's history table is no drift.
    let drift = match D::either(false, true).then(support::pg::server_url) {
        None => set.migrator().verify_schema(theirs.pool()).await,
        Some(dev) => {
            set.migrator()
                .verify_schema_with_dev(theirs.pool(), &dev)
                .await
        }
    }
    .unwrap_or_else(|e| panic!("`{}`: no diff: {e:?}", folder.name));
    assert!(
        drift.is_empty(),
        "`{}`: its tool's database differs from the migrations: {:#?}",
        folder.name,
        drift.differences
    );
    let tables = theirs.tables().await;
    let report = set
        .run(theirs.pool())
        .await
        .unwrap_or_else(|e| panic!("`{}` fails to adopt: {e:?}", folder.name));
    let applied: Vec<i64> = report.applied.iter().map(|m| m.version).collect();
    assert_eq!(applied, [0; 0], "`{}`: applied twice", folder.name);
    let adopted = report
        .adopted
        .unwrap_or_else(|| panic!("`{}`: nothing adopted", folder.name));
    assert_eq!(adopted.tool, folder.tool.other_tool(), "`{}`", folder.name);
    let ups: Vec<i64> = set
        .iter()
        .filter(|m| m.kind != MigrationKind::Down)
        .map(|m| m.version)
        .collect();
    assert_eq!(adopted.versions, ups, "`{}`: not all adopted", folder.name);
    assert_eq!(
        (adopted.baseline.len(), adopted.skipped.len()),
        (0, 0),
        "`{}`: {adopted:?}",
        folder.name
    );
    assert_same(folder, "adopted", expected, &theirs.dump().await);
    let after = theirs.tables().await;
    let added: Vec<&String> = after.iter().filter(|t| !tables.contains(t)).collect();
    assert!(
        tables.iter().all(|t| after.contains(t)) && added.iter().all(|t| t.starts_with("_schema_")),
        "`{}`: tables before adopting {tables:?}, after {after:?}",
        folder.name
    );
    let status = set.status(theirs.pool()).await.unwrap();
    assert!(
        status
            .iter()
            .all(|e| e.state == MigrationState::Applied && e.applied_at.is_some()),
        "`{}`: {status:?}",
        folder.name
    );
    let again = set.run(theirs.pool()).await.unwrap();
    assert!(
        again.applied.is_empty() && again.adopted.is_none(),
        "`{}`: {again:?}",
        folder.name
    );
}

async fn revert_with_tool(db: &impl RealDb, folder: &Folder, count: Revert) {
    db.revert_with_tool(folder, count)
        .await
        .unwrap_or_else(|e| panic!("`{}`: its own tool cannot revert it: {e}", folder.name));
}

/// Fails naming the lines only one of two sorted dumps has, rather than printing both whole.
fn assert_same(folder: &Folder, after: &str, expected: &[String], actual: &[String]) {
    let missing: Vec<&str> = expected
        .iter()
        .filter(|l| !actual.contains(l))
        .map(|l| l.as_str())
        .collect();
    let extra: Vec<&str> = actual
        .iter()
        .filter(|l| !expected.contains(l))
        .map(|l| l.as_str())
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && expected.len() == actual.len(),
        "`{}` {after}: not the schema expected\nexpected, missing:\n  {}\nnot expected, found:\n  {}",
        folder.name,
        missing.join("\n  "),
        extra.join("\n  "),
    );
}

/// torrust-index sets `PRAGMA foreign_keys` off and on inside the transaction its table rebuild
/// runs in, where SQLite ignores it: the build goes on, with a warning for each.
#[test]
fn torrust_index_builds_with_a_warning_for_each_pragma_its_transaction_ignores() {
    let notes = folders::TORRUST_INDEX_SQLITE_FOLDER
        .migrations()
        .check_notes();
    let file = "tests/fixtures/real/torrust-index-sqlite/20240305120015_torrust_add_independent_root_hash_field.sql";
    assert_eq!(notes.len(), 2, "{notes:#?}");
    for (note, line) in notes.iter().zip([1, 160]) {
        assert!(
            note.starts_with(&format!(
                "{file}:{line}:1: `PRAGMA foreign_keys` has no effect here"
            )),
            "{note}"
        );
    }
}

/// One test per folder, named after it, in a module per database.
macro_rules! folders {
    ($db:ty: $($test:ident => $folder:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $test() {
                super::same_schema_as_its_tool::<$db>(&crate::folders::$folder).await;
            }
        )*
    };
}

mod sqlite {
    folders! { crate::support::sqlite::Db:
        atuin_client => ATUIN_CLIENT_FOLDER,
        atuin_client_records => ATUIN_CLIENT_RECORDS_FOLDER,
        atuin_client_ai_sessions => ATUIN_CLIENT_AI_SESSIONS_FOLDER,
        apalis => APALIS_SQLITE_FOLDER,
        aquadoggo => AQUADOGGO_SQLITE_FOLDER,
        torrust_index => TORRUST_INDEX_SQLITE_FOLDER,
        fang => FANG_SQLITE_FOLDER,
    }
}

mod postgres {
    folders! { crate::support::pg::Db:
        atuin_server => ATUIN_SERVER_POSTGRES_FOLDER,
        sqlxmq => SQLXMQ_FOLDER,
        apalis => APALIS_POSTGRES_FOLDER,
        aquadoggo => AQUADOGGO_POSTGRES_FOLDER,
        fang => FANG_POSTGRES_FOLDER,
        lemmy => LEMMY_FOLDER,
        rauthy => RAUTHY_POSTGRES_FOLDER,
    }
}
