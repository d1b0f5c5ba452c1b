//! Every module of a database booted and activated by several tasks and several processes at
//! once: each migration is applied exactly once, and the core before any plugin that builds on
//! it. On an SQLite file and on the PostgreSQL server.

use crate::modules::Reopened;
use crate::support::db::TestDb;
use crate::support::replicas::{spawn_replicas, wait_all};
use schema_runtime::Modules;
use std::collections::BTreeMap;

on_both_databases!(
    concurrent_boots_in_one_process_apply_each_migration_once,
    concurrent_boots_in_several_processes_apply_each_migration_once,
);

/// How many `apply` events each `module version` has.
async fn applies(db: &impl TestDb) -> BTreeMap<String, i64> {
    let rows = db
        .texts(
            "SELECT module || ' ' || CAST(version AS TEXT) FROM _schema_history WHERE event = 'apply' ORDER BY id",
        )
        .await;
    let mut counts = BTreeMap::new();
    for row in rows {
        *counts.entry(row).or_insert(0) += 1;
    }
    counts
}

/// Each migration of the core modules and of the two plugins, once.
fn once_each() -> BTreeMap<String, i64> {
    [
        "auth 1",
        "calendar 1",
        "calendar 2",
        "core 1",
        "core 2",
        "notes 1",
        "notes 2",
    ]
    .into_iter()
    .map(|k| (k.to_owned(), 1))
    .collect()
}

async fn concurrent_boots_in_one_process_apply_each_migration_once(db: &impl TestDb) {
    let modules = Modules::registered().unwrap();
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..6 {
        let modules = modules.clone();
        // A pool of its own, as each replica has.
        let own = Reopened::of(db).await;
        tasks.spawn(async move {
            let pool = own.pool();
            modules.boot(pool).await?;
            // Half the tasks activate in one order, half in the other.
            let (first, second) = if i % 2 == 0 {
                ("calendar", "notes")
            } else {
                ("notes", "calendar")
            };
            let a = modules.activate(pool, first).await?;
            let b = modules.activate(pool, second).await?;
            Ok::<_, schema_runtime::MigrateError>(a.applied.len() + b.applied.len())
        });
    }
    let mut applied = 0;
    while let Some(done) = tasks.join_next().await {
        applied += done.unwrap().unwrap();
    }
    assert_eq!(applied, 4);
    let pool = db.pool();
    assert_eq!(applies(db).await, once_each());
    let booted = modules.boot(pool).await.unwrap();
    assert!(
        booted.iter().all(|(_, r)| r.up_to_date_at_boot),
        "{booted:?}"
    );
}

async fn concurrent_boots_in_several_processes_apply_each_migration_once(db: &impl TestDb) {
    let children = spawn_replicas(db.address(), "modules", 4, &[]);
    let mut applied = wait_all(children);
    applied.sort();
    let expected: Vec<String> = once_each().into_keys().collect();
    assert_eq!(applied, expected);
    assert_eq!(applies(db).await, once_each());
    // The core's migrations were applied before any plugin's.
    let order = db
        .texts("SELECT module FROM _schema_history WHERE event = 'apply' ORDER BY id")
        .await;
    let last_core = order
        .iter()
        .rposition(|m| m == "core" || m == "auth")
        .unwrap();
    let first_plugin = order
        .iter()
        .position(|m| m == "calendar" || m == "notes")
        .unwrap();
    assert!(last_core < first_plugin, "{order:?}");
}
