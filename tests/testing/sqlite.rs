//! SQLite: in memory and in temporary files.

use crate::scenario::{self, Db};
use crate::{CALENDAR, CORE};
use schema_runtime::testing::{self, TestOptions};
use sqlx::SqlitePool;
use std::time::Duration;

#[schema_runtime::test(migrations = CORE)]
async fn sees_the_migrated_schema(pool: SqlitePool) {
    scenario::sees_the_migrated_schema(&pool).await;
}

#[schema_runtime::test(migrations = CORE)]
async fn writes_are_private_a(pool: SqlitePool) {
    scenario::writes_alone(&pool).await;
}

#[schema_runtime::test(migrations = CORE)]
async fn writes_are_private_b(pool: SqlitePool) {
    scenario::writes_alone(&pool).await;
}

#[schema_runtime::test(migrations = CORE, target = 20)]
async fn target_stops_the_set(pool: SqlitePool) {
    scenario::target_stops_the_set(&pool).await;
}

#[schema_runtime::test(
    migrations = [CORE, CALENDAR],
    fixtures = ["tests/fixtures/testing/users.sql", "tests/fixtures/testing/posts.sql"]
)]
async fn modules_then_fixtures(pool: SqlitePool) {
    scenario::modules_then_fixtures(&pool).await;
}

#[schema_runtime::test(migrations = CORE)]
async fn every_connection_of_the_pool_sees_one_database(pool: SqlitePool) {
    let mut first = pool.acquire().await.unwrap();
    let mut second = pool.acquire().await.unwrap();
    sqlx::query("INSERT INTO users (email) VALUES ('a@example.com')")
        .execute(&mut *first)
        .await
        .unwrap();
    let seen: i64 = sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(&mut *second)
        .await
        .unwrap();
    assert_eq!(seen, 1);
}

#[schema_runtime::test(migrations = CORE)]
async fn returns_a_result(pool: SqlitePool) -> Result<(), sqlx::Error> {
    let orphan = sqlx::query("INSERT INTO posts (user_id, title) VALUES (1, 'x')")
        .execute(&pool)
        .await;
    assert!(orphan.is_err(), "the foreign key holds on the copy");
    sqlx::query("SELECT count(*) FROM posts")
        .execute(&pool)
        .await?;
    Ok(())
}

#[schema_runtime::test(migrations = CORE, file = true)]
async fn a_file_when_asked(pool: SqlitePool) {
    let path = pool.connect_options().get_filename().to_owned();
    assert!(path.is_file(), "{} is a file", path.display());
    scenario::sees_the_migrated_schema(&pool).await;
}

#[schema_runtime::test(migrations = CORE)]
#[should_panic(expected = "the test's own failure")]
async fn a_failing_test_fails(pool: SqlitePool) {
    assert_eq!(pool.number("SELECT count(*) FROM users").await, 0);
    panic!("the test's own failure");
}

/// What the attribute expands to, run here so that what it leaves can be checked after.
#[test]
fn a_failing_test_still_removes_its_file() {
    let path = std::sync::Mutex::new(None);
    let outcome = std::panic::catch_unwind(|| {
        testing::__run(
            TestOptions::new(&CORE).in_file(),
            async |pool: SqlitePool| {
                let file = pool.connect_options().get_filename().to_owned();
                assert!(file.is_file());
                *path.lock().unwrap() = Some(file);
                panic!("failing on purpose");
            },
        )
    });
    assert!(outcome.is_err(), "the panic comes through");
    let path = path.into_inner().unwrap().expect("the test ran");
    assert!(!path.exists(), "{} is removed", path.display());
}

#[tokio::test]
async fn the_template_is_migrated_once() {
    let first = testing::sqlite(&CORE).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = testing::sqlite(&CORE).await.unwrap();
    scenario::copied_not_migrated(&first, &second).await;
    first.close().await.unwrap();
    second.close().await.unwrap();
}

#[tokio::test]
async fn other_options_get_another_template() {
    let whole = testing::sqlite(&CORE).await.unwrap();
    let stopped = TestOptions::new(&CORE).target(10).sqlite().await.unwrap();
    assert_ne!(whole.template(), stopped.template());
    assert_eq!(
        stopped
            .number("SELECT count(*) FROM _schema_migrations")
            .await,
        1
    );
}

#[tokio::test]
async fn parallel_databases_are_separate() {
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..8 {
        tasks.spawn(async { TestOptions::new(&CORE).sqlite().await.unwrap() });
    }
    let dbs = tasks.join_all().await;
    for (i, db) in dbs.iter().enumerate() {
        db.exec(&format!(
            "INSERT INTO users (id, email) VALUES ({i}, '{i}@example.com')"
        ))
        .await;
    }
    for db in &dbs {
        assert_eq!(db.number("SELECT count(*) FROM users").await, 1);
    }
    let mut names: Vec<&str> = dbs.iter().map(|db| db.name()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 8);
}

#[tokio::test]
async fn a_dropped_guard_frees_the_database() {
    let db = TestOptions::new(&CORE).in_file().sqlite().await.unwrap();
    let path = std::path::PathBuf::from(db.name());
    assert!(path.is_file());
    drop(db);
    assert!(!path.exists());
    // In memory: the name reaches nothing once the guard and its pool are gone.
    let db = testing::sqlite(&CORE).await.unwrap();
    let name = db.name().to_owned();
    db.close().await.unwrap();
    let reopened = SqlitePool::connect(&format!("sqlite:{name}?mode=memory&cache=shared"))
        .await
        .unwrap();
    assert_eq!(
        reopened.number("SELECT count(*) FROM sqlite_master").await,
        0
    );
}

#[tokio::test]
async fn a_server_url_is_refused() {
    let error = TestOptions::new(&CORE)
        .url("postgres://localhost/postgres")
        .sqlite()
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        testing::TestError::UnsupportedOption { option: "url", .. }
    ));
    assert!(error.to_string().contains("needs no server"), "{error}");
}
