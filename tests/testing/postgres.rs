//! PostgreSQL: a template database per set, `CREATE DATABASE … TEMPLATE …` per test.

use crate::scenario::{self, Db};
use crate::{CALENDAR, CORE};
use schema_runtime::testing::{self, TestOptions};
use sqlx::PgPool;
use std::time::Duration;

/// The server `scripts/with-postgres` started.
pub fn server() -> String {
    std::env::var("DATABASE_URL")
        .expect("DATABASE_URL is set: run the tests through scripts/with-postgres")
}

/// Whether the server has the database `name`.
pub async fn exists(name: &str) -> bool {
    let admin = PgPool::connect(&server()).await.unwrap();
    let found = admin
        .number(&format!(
            "SELECT count(*) FROM pg_database WHERE datname = '{name}'"
        ))
        .await;
    admin.close().await;
    found == 1
}

#[schema_runtime::test(migrations = CORE)]
async fn sees_the_migrated_schema(pool: PgPool) {
    scenario::sees_the_migrated_schema(&pool).await;
}

#[schema_runtime::test(migrations = CORE)]
async fn writes_are_private_a(pool: PgPool) {
    scenario::writes_alone(&pool).await;
}

#[schema_runtime::test(migrations = CORE)]
async fn writes_are_private_b(pool: PgPool) {
    scenario::writes_alone(&pool).await;
}

#[schema_runtime::test(migrations = CORE, target = 20)]
async fn target_stops_the_set(pool: PgPool) {
    scenario::target_stops_the_set(&pool).await;
}

#[schema_runtime::test(
    migrations = [CORE, CALENDAR],
    fixtures = ["tests/fixtures/testing/users.sql", "tests/fixtures/testing/posts.sql"]
)]
async fn modules_then_fixtures(pool: PgPool) -> Result<(), sqlx::Error> {
    scenario::modules_then_fixtures(&pool).await;
    sqlx::query("SELECT 1").execute(&pool).await?;
    Ok(())
}

#[schema_runtime::test(migrations = CORE)]
#[should_panic(expected = "the test's own failure")]
async fn a_failing_test_fails(pool: PgPool) {
    assert_eq!(pool.number("SELECT count(*) FROM users").await, 0);
    panic!("the test's own failure");
}

/// What the attribute expands to, run here so that what it leaves can be checked after.
#[test]
fn a_failing_test_still_drops_its_database() {
    let name = std::sync::Mutex::new(None);
    let outcome = std::panic::catch_unwind(|| {
        testing::__run(TestOptions::new(&CORE), async |pool: PgPool| {
            let current: String = sqlx::query_scalar("SELECT current_database()::text")
                .fetch_one(&pool)
                .await
                .unwrap();
            *name.lock().unwrap() = Some(current);
            panic!("failing on purpose");
        })
    });
    assert!(outcome.is_err(), "the panic comes through");
    let name = name.into_inner().unwrap().expect("the test ran");
    let runtime = tokio::runtime::Runtime::new().unwrap();
    assert!(!runtime.block_on(exists(&name)), "{name} is dropped");
}

#[tokio::test]
async fn the_template_is_migrated_once() {
    let first = testing::postgres(&CORE, &server()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(20)).await;
    let second = testing::postgres(&CORE, &server()).await.unwrap();
    scenario::copied_not_migrated(&first, &second).await;
    let name = first.name().to_owned();
    first.close().await.unwrap();
    assert!(!exists(&name).await);
    let name = second.name().to_owned();
    drop(second);
    assert!(
        !exists(&name).await,
        "dropping the guard drops the database"
    );
}

#[tokio::test]
async fn parallel_databases_are_separate() {
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..6i64 {
        tasks.spawn(async move {
            let db = TestOptions::new(&CORE).postgres().await.unwrap();
            db.exec(&format!(
                "INSERT INTO users (id, email) VALUES ({i}, 'x@example.com')"
            ))
            .await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            assert_eq!(db.number("SELECT count(*) FROM users").await, 1);
            let name = db.name().to_owned();
            db.close().await.unwrap();
            name
        });
    }
    let mut names = tasks.join_all().await;
    names.sort();
    names.dedup();
    assert_eq!(names.len(), 6);
}

#[tokio::test]
async fn a_changed_set_rebuilds_the_template_and_drops_the_old_one() {
    let folder = tempfile::tempdir().unwrap();
    let migrations = folder.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(migrations.join("1_a.sql"), "CREATE TABLE a (id INTEGER);").unwrap();
    let before = schema_runtime::Migrations::load(folder.path(), "migrations").unwrap();
    let db = testing::postgres(&before, &server()).await.unwrap();
    let old = db.template().to_owned();
    db.close().await.unwrap();
    assert!(exists(&old).await);

    std::fs::write(migrations.join("2_b.sql"), "CREATE TABLE b (id INTEGER);").unwrap();
    let after = schema_runtime::Migrations::load(folder.path(), "migrations").unwrap();
    let db = testing::postgres(&after, &server()).await.unwrap();
    assert_ne!(db.template(), old);
    assert_eq!(
        db.number("SELECT count(*) FROM _schema_migrations").await,
        2
    );
    assert!(!exists(&old).await, "the old template is dropped");
    let new = db.template().to_owned();
    db.close().await.unwrap();
    let admin = PgPool::connect(&server()).await.unwrap();
    sqlx::raw_sql(&format!("DROP DATABASE \"{new}\""))
        .execute(&admin)
        .await
        .unwrap();
}

#[tokio::test]
async fn a_file_is_refused() {
    let error = TestOptions::new(&CORE)
        .in_file()
        .postgres()
        .await
        .unwrap_err();
    assert!(matches!(
        error,
        testing::TestError::UnsupportedOption {
            option: "in_file",
            ..
        }
    ));
}

/// The ready copies of `template` on the server.
async fn ready_copies(template: &str) -> Vec<String> {
    let admin = PgPool::connect(&server()).await.unwrap();
    let prefix = template.replacen("schema_tpl_", "schema_spare_", 1);
    let names = admin
        .texts(&format!(
            "SELECT datname::text FROM pg_database WHERE starts_with(datname, '{prefix}_') ORDER BY 1"
        ))
        .await;
    admin.close().await;
    names
}

#[tokio::test]
async fn copies_are_made_ready_ahead_and_taken() {
    // A set of its own, so that its template and copies are this test's alone.
    let folder = tempfile::tempdir().unwrap();
    let migrations = folder.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(migrations.join("1_a.sql"), "CREATE TABLE a (id INTEGER);").unwrap();
    let set = schema_runtime::Migrations::load(folder.path(), "migrations").unwrap();
    let options = TestOptions::new(&set).spares(2);
    let first = options.postgres().await.unwrap();
    let template = first.template().to_owned();
    // Made in the background, on a thread of this process.
    let started = std::time::Instant::now();
    let mut ready = ready_copies(&template).await;
    while ready.len() < 2 && started.elapsed() < Duration::from_secs(60) {
        tokio::time::sleep(Duration::from_millis(100)).await;
        ready = ready_copies(&template).await;
    }
    assert_eq!(ready.len(), 2, "{ready:?}");
    let second = options.postgres().await.unwrap();
    assert!(
        second.name().starts_with("schema_test_"),
        "{}",
        second.name()
    );
    let left = ready_copies(&template).await;
    assert!(!left.contains(&second.name().to_owned()));
    assert!(
        ready.iter().any(|name| !left.contains(name)),
        "one of {ready:?} was taken: {left:?}"
    );
    assert_eq!(second.number("SELECT count(*) FROM a").await, 0);
    assert_eq!(
        second
            .number("SELECT count(*) FROM _schema_migrations")
            .await,
        1
    );
    for db in [first, second] {
        let name = db.name().to_owned();
        db.close().await.unwrap();
        assert!(!exists(&name).await);
    }
    // Dropping the template by hand leaves its copies to the next process's clean-up; this
    // test drops them itself.
    let admin = PgPool::connect(&server()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(500)).await;
    for name in ready_copies(&template).await.into_iter().chain([template]) {
        sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .execute(&admin)
            .await
            .unwrap();
    }
}
