//! `schema diff` and `schema diff --models` on a database another tool migrated, before the
//! switch: sqlx applied the migrations (its `_sqlx_migrations` beside them), and the history
//! tables of the other tools stand there too, each created as its tool creates it, with a
//! row. None is drift. A table under golang-migrate's generic name `schema_migrations` but
//! not in a tracker's layout (golang-migrate's, dbmate's) is an application's own, and is
//! drift like any other. On an SQLite file
//! and on the PostgreSQL server.

use crate::postgres::{pg_project, server_url};
use crate::support::{copy_dir, fixture_dir, sqlx_migrate, Project, Run};

#[derive(Clone, Copy, PartialEq)]
enum Db {
    Sqlite,
    Postgres,
}

/// Each tool's history table as the tool creates it, with one row; `{bytes}` is the binary
/// type, `{serial}` an auto-increment key, `{now}` the current time, as each database spells
/// them.
const OTHER_TOOLS: &str = r#"
CREATE TABLE __diesel_schema_migrations (version VARCHAR(50) PRIMARY KEY NOT NULL, run_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP);
INSERT INTO __diesel_schema_migrations (version) VALUES ('20240101000001');
CREATE TABLE refinery_schema_history (version INT4 PRIMARY KEY, name VARCHAR(255), applied_on VARCHAR(255), checksum VARCHAR(255));
INSERT INTO refinery_schema_history VALUES (1, 'init', '2021-03-04T05:06:07Z', '123');
CREATE TABLE schema_migrations (version bigint NOT NULL PRIMARY KEY, dirty boolean NOT NULL);
INSERT INTO schema_migrations VALUES (1, FALSE);
CREATE TABLE goose_db_version ({serial}, version_id bigint NOT NULL, is_applied boolean NOT NULL, tstamp timestamp NULL DEFAULT {now});
INSERT INTO goose_db_version (version_id, is_applied) VALUES (0, TRUE);
CREATE TABLE flyway_schema_history ("installed_rank" INT NOT NULL, "version" VARCHAR(50), "description" VARCHAR(200) NOT NULL, "type" VARCHAR(20) NOT NULL, "script" VARCHAR(1000) NOT NULL, "checksum" INT, "installed_by" VARCHAR(100) NOT NULL, "installed_on" TIMESTAMP NOT NULL DEFAULT {now}, "execution_time" INT NOT NULL, "success" BOOLEAN NOT NULL, CONSTRAINT "flyway_schema_history_pk" PRIMARY KEY ("installed_rank"));
CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success");
INSERT INTO flyway_schema_history VALUES (1, '1', 'init', 'SQL', 'V1__init.sql', 0, 'app', CURRENT_TIMESTAMP, 5, TRUE);
"#;

/// An application's own table under golang-migrate's name: the schemas its users designed.
const OWN_SCHEMA_MIGRATIONS: &str = "DROP TABLE schema_migrations;
CREATE TABLE schema_migrations (id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT);";

fn project(db: Db) -> Project {
    match db {
        Db::Sqlite => Project::new(),
        Db::Postgres => pg_project(None),
    }
}

fn exec(db: Db, project: &Project, sql: &str) {
    match db {
        Db::Sqlite => crate::support::exec(&project.sqlite_file(), sql),
        Db::Postgres => crate::postgres::exec(project, sql),
    }
}

fn other_tools(db: Db) -> String {
    let (serial, now) = match db {
        Db::Sqlite => ("id INTEGER PRIMARY KEY AUTOINCREMENT", "(datetime('now'))"),
        Db::Postgres => ("id serial NOT NULL PRIMARY KEY", "now()"),
    };
    OTHER_TOOLS
        .replace("{serial}", serial)
        .replace("{now}", now)
}

/// `schema <args>`, with `--dev-url` on PostgreSQL.
fn schema(db: Db, project: &Project, args: &[&str]) -> Run {
    let server = (db == Db::Postgres).then(server_url);
    let mut all = args.to_vec();
    if let Some(server) = &server {
        all.extend(["--dev-url", server.as_str()]);
    }
    project.schema(&all)
}

/// The names of the tables the JSON of a `diff` lists as differences.
fn tables_differing(run: &Run) -> Vec<(String, String)> {
    run.json()["differences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "table")
        .map(|d| {
            (
                d["change"].as_str().unwrap().to_owned(),
                d["name"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn other_tools_tables_are_no_drift(db: Db) {
    let project = project(db);
    project.write(
        "1_shop.sql",
        "CREATE TABLE owners (id INTEGER PRIMARY KEY, name TEXT NOT NULL);
CREATE TABLE items (id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL REFERENCES owners (id));
CREATE INDEX items_by_owner ON items (owner_id);
",
    );
    sqlx_migrate(&project);
    exec(db, &project, &other_tools(db));
    let run = schema(db, &project, &["diff"]).code(0);
    assert_eq!(
        run.stdout,
        "ok: the database's schema is the one its migrations make\n"
    );

    exec(db, &project, OWN_SCHEMA_MIGRATIONS);
    let run = schema(db, &project, &["diff", "--json"]).code(4);
    assert_eq!(
        tables_differing(&run),
        [("extra".to_owned(), "schema_migrations".to_owned())]
    );

    // dbmate's (and Rails') table of the same name: a lone `version`.
    exec(
        db,
        &project,
        "DROP TABLE schema_migrations;
         CREATE TABLE schema_migrations (version VARCHAR(128) PRIMARY KEY);
         INSERT INTO schema_migrations VALUES ('20240101000000');",
    );
    schema(db, &project, &["diff"]).code(0);
}

#[test]
fn sqlite_other_tools_tables_are_no_drift() {
    other_tools_tables_are_no_drift(Db::Sqlite);
}

#[test]
fn postgres_other_tools_tables_are_no_drift() {
    other_tools_tables_are_no_drift(Db::Postgres);
}

/// The blog's models, their migrations written by `new --from-models` and applied by sqlx.
fn other_tools_tables_are_no_drift_from_the_models(db: Db) {
    let project = project(db);
    copy_dir(&fixture_dir("models/blog"), &project.path().join("models"));
    schema(db, &project, &["new", "blog", "--from-models", "models"]).code(0);
    sqlx_migrate(&project);
    exec(db, &project, &other_tools(db));
    let run = schema(db, &project, &["diff", "--models", "models"]).code(0);
    assert!(
        run.stdout
            .starts_with("ok: the database's schema is the one the models of `models` describe"),
        "{}",
        run.stdout
    );

    exec(db, &project, OWN_SCHEMA_MIGRATIONS);
    let run = schema(db, &project, &["diff", "--models", "models", "--json"]).code(4);
    assert_eq!(
        tables_differing(&run),
        [("extra".to_owned(), "schema_migrations".to_owned())]
    );
}

#[test]
fn sqlite_other_tools_tables_are_no_drift_from_the_models() {
    other_tools_tables_are_no_drift_from_the_models(Db::Sqlite);
}

#[test]
fn postgres_other_tools_tables_are_no_drift_from_the_models() {
    other_tools_tables_are_no_drift_from_the_models(Db::Postgres);
}
