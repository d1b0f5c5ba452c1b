//! PostgreSQL test databases that cannot be made: each error names the cause and the fix,
//! never a password.

use crate::postgres::{exists, server};
use crate::CORE;
use schema_runtime::testing::{TestError, TestOptions};
use sqlx::PgPool;

/// `server()` with `user:password@` and `host` in place of its own.
fn as_user(user: &str, host: &str) -> String {
    let url = server();
    let rest = url.split_once('@').unwrap().1;
    let port_and_db = rest.split_once(':').unwrap().1;
    format!("postgres://{user}@{host}:{port_and_db}")
}

fn message(error: &TestError) -> String {
    let mut text = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        text.push_str(&format!(" | {cause}"));
        source = cause.source();
    }
    text
}

#[tokio::test]
async fn no_server_listening() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("postgres://tester:hunter2@127.0.0.1:{port}/postgres");
    let error = TestOptions::new(&CORE)
        .url(url)
        .postgres()
        .await
        .unwrap_err();
    let TestError::Unreachable { server, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(server, &format!("tester@127.0.0.1:{port}/postgres"));
    let text = message(&error);
    assert!(text.starts_with(&format!("cannot connect to the PostgreSQL server at tester@127.0.0.1:{port}/postgres; start the server")), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[tokio::test]
async fn a_role_that_may_not_create_databases() {
    let admin = PgPool::connect(&server()).await.unwrap();
    sqlx::raw_sql(
        "DO $$ BEGIN
             IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'schema_no_createdb') THEN
                 CREATE ROLE schema_no_createdb LOGIN NOCREATEDB PASSWORD 'hunter2';
             END IF;
         END $$",
    )
    .execute(&admin)
    .await
    .unwrap();
    let url = as_user("schema_no_createdb:hunter2", "127.0.0.1");
    let error = TestOptions::new(&CORE)
        .url(url)
        .postgres()
        .await
        .unwrap_err();
    let TestError::CannotCreateDatabase { role, .. } = &error else {
        panic!("{error:?}")
    };
    assert_eq!(role, "schema_no_createdb");
    let text = message(&error);
    assert!(
        text.contains("role `schema_no_createdb` may not create databases"),
        "{text}"
    );
    assert!(
        text.contains("`ALTER ROLE schema_no_createdb CREATEDB`"),
        "{text}"
    );
    assert!(
        text.contains("permission denied to create database"),
        "{text}"
    );
    assert!(!text.contains("hunter2"), "{text}");
}

/// Runs `no_url_child` in a process of its own without `DATABASE_URL`: this process's other
/// tests read the variable.
#[test]
fn no_url_at_all() {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["postgres_errors::no_url_child", "--exact", "--nocapture"])
        .env_remove("DATABASE_URL")
        .env(CHILD, "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "{stdout}");
}

/// Set for the process `no_url_at_all` starts.
const CHILD: &str = "SCHEMA_TESTING_NO_URL_CHILD";

/// The half of `no_url_at_all` that runs without `DATABASE_URL` (nothing to do otherwise).
#[tokio::test]
async fn no_url_child() {
    if std::env::var_os(CHILD).is_none() {
        return;
    }
    assert!(std::env::var_os("DATABASE_URL").is_none());
    let error = TestOptions::new(&CORE).postgres().await.unwrap_err();
    assert!(matches!(error, TestError::NoServer), "{error:?}");
    assert!(error.to_string().contains("set `DATABASE_URL`"), "{error}");
}

#[tokio::test]
async fn a_template_in_use_is_retried_then_named() {
    // A template of its own (a target no other test asks for), so that no other test copies
    // from it meanwhile.
    // No copies made ready ahead: the test is about the copy itself.
    let options = TestOptions::new(&CORE).target(10).url(server()).spares(0);
    let db = options.postgres().await.unwrap();
    let template = db.template().to_owned();
    db.close().await.unwrap();
    let admin = PgPool::connect(&server()).await.unwrap();
    sqlx::raw_sql(&format!(
        "ALTER DATABASE \"{template}\" ALLOW_CONNECTIONS true"
    ))
    .execute(&admin)
    .await
    .unwrap();
    let url = server().rsplit_once('/').unwrap().0.to_owned() + "/" + &template;
    let intruder = PgPool::connect(&url).await.unwrap();
    let started = std::time::Instant::now();
    let error = options.postgres().await.unwrap_err();
    assert!(
        started.elapsed() >= std::time::Duration::from_secs(2),
        "retried for a while first"
    );
    let TestError::TemplateInUse {
        template: named, ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(named, &template);
    assert!(
        error
            .to_string()
            .contains("close the sessions connected to it"),
        "{error}"
    );
    intruder.close().await;
    sqlx::raw_sql(&format!(
        "ALTER DATABASE \"{template}\" ALLOW_CONNECTIONS false"
    ))
    .execute(&admin)
    .await
    .unwrap();
    // Once they are gone, copies work again.
    options.postgres().await.unwrap().close().await.unwrap();
}

#[tokio::test]
async fn a_killed_process_leaves_nothing_for_long() {
    let admin = PgPool::connect(&server()).await.unwrap();
    let an_hour_ago = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
        - 3600;
    let stale = format!("schema_test_00000000_{an_hour_ago}_1_0");
    let recent = format!("schema_test_00000000_{}_1_1", an_hour_ago + 3590);
    for name in [&stale, &recent] {
        sqlx::raw_sql(&format!("CREATE DATABASE \"{name}\""))
            .execute(&admin)
            .await
            .unwrap();
    }
    // Cleaning runs once per process and server: `localhost` names the server afresh.
    let db = TestOptions::new(&CORE)
        .url(as_user("postgres", "localhost"))
        .postgres()
        .await
        .unwrap();
    db.close().await.unwrap();
    assert!(!exists(&stale).await, "an hour old: dropped");
    assert!(exists(&recent).await, "ten seconds old: kept");
    sqlx::raw_sql(&format!("DROP DATABASE \"{recent}\""))
        .execute(&admin)
        .await
        .unwrap();
}
