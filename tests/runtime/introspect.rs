//! Introspection and drift: equal schemas read as equal, whatever the spelling of their SQL,
//! and each kind of hand-made change is reported with the object named. Each scenario on an
//! SQLite file and on the PostgreSQL server (the expected schema built in memory on SQLite, in
//! a scratch database on the server for PostgreSQL).

use crate::support::db::TestDb;
use crate::support::folders;
use schema_runtime::introspect::{Change, Difference, Drift, ObjectKind, Schema};
use schema_runtime::{DbPool, Migrations};

static MODULE: Migrations = schema_runtime::embed_migrations!(
    "tests/fixtures/drift_module",
    module = "calendar",
    prefix = "calendar_"
);

on_both_databases!(
    spelling_variants_read_as_the_same_schema,
    a_migrated_database_has_no_drift,
    a_column_added_by_hand_is_extra,
    a_dropped_index_is_missing,
    a_changed_default_is_reported_with_both_values,
    a_table_created_by_hand_is_extra,
    a_changed_foreign_key_action_is_reported,
    a_dropped_view_is_missing,
    a_module_compares_only_its_own_objects,
    tracking_tables_are_not_part_of_the_schema,
    every_kind_of_object_is_read_and_compares_equal,
    a_dumped_schema_applies_to_an_empty_database_and_reads_back_equal,
);

/// The set every drift scenario starts from: keys, a foreign key with an action, a check, a
/// default, a plain and a partial expression index, and a view.
const SHOP: &str = "
CREATE TABLE owners (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL UNIQUE);
CREATE TABLE items (
    id INTEGER PRIMARY KEY,
    owner_id INTEGER NOT NULL REFERENCES owners (id) ON DELETE RESTRICT,
    name TEXT NOT NULL,
    qty INTEGER NOT NULL DEFAULT 1 CHECK (qty >= 0)
);
CREATE INDEX items_by_name ON items (name);
CREATE UNIQUE INDEX items_live ON items (owner_id, lower(name)) WHERE qty > 0;
CREATE VIEW owner_names AS SELECT id, name FROM owners;
";

/// `items` rebuilt on SQLite (which cannot alter a column or a foreign key) with `columns`
/// as its definition, its indexes made again.
fn rebuild_items(columns: &str) -> String {
    format!(
        "CREATE TABLE items_new ({columns});
         INSERT INTO items_new SELECT * FROM items;
         DROP TABLE items;
         ALTER TABLE items_new RENAME TO items;
         CREATE INDEX items_by_name ON items (name);
         CREATE UNIQUE INDEX items_live ON items (owner_id, lower(name)) WHERE qty > 0;"
    )
}

/// The drift of `db` from `set`: on PostgreSQL with the test server as the dev database.
async fn verify(set: &Migrations, db: &impl TestDb) -> Drift {
    match db.pool() {
        DbPool::Postgres(pool) => set
            .verify_schema_with_dev(pool, &crate::support::pg::server_url())
            .await
            .unwrap(),
        pool => set.verify_schema(pool).await.unwrap(),
    }
}

/// `db` migrated with [`SHOP`], then changed by `by_hand`: the drift reported.
async fn drift_after(db: &impl TestDb, by_hand: &str) -> Vec<Difference> {
    let (_dir, set) = folders::one_file("shop", SHOP);
    set.run(db.pool()).await.unwrap();
    db.exec(by_hand).await;
    verify(&set, db).await.differences
}

/// Whether `differences` holds exactly one difference, of `change` to the `kind` named `name`.
fn only(differences: &[Difference], change: Change, kind: ObjectKind, name: &str) -> Difference {
    assert_eq!(differences.len(), 1, "{differences:#?}");
    let d = differences[0].clone();
    assert_eq!(
        (d.change, d.kind, d.name.as_str()),
        (change, kind, name),
        "{d:#?}"
    );
    d
}

async fn spelling_variants_read_as_the_same_schema<D: TestDb>(db: &D) {
    let (_a, plain) = folders::one_file(
        "plain",
        "CREATE TABLE things (id INTEGER PRIMARY KEY, code VARCHAR(10) NOT NULL, qty int DEFAULT 0,
             label TEXT, CHECK (qty>=0));
         CREATE INDEX things_by_code ON things (code) WHERE qty > 0;
         CREATE VIEW thing_codes AS SELECT code FROM things;",
    );
    let (_b, spelled) = folders::one_file(
        "spelled",
        "create table \"things\" (\"id\" integer primary key, code character varying(10) not null,
             qty INTEGER default 0, \"label\" text, check ( qty >= 0 ));
         create index \"things_by_code\" on things (\"code\") where qty>0;
         create view thing_codes as select \"code\" from \"things\";",
    );
    plain.run(db.pool()).await.unwrap();
    let other = D::fresh().await;
    spelled.run(other.pool()).await.unwrap();
    let first = Schema::read(db.pool()).await.unwrap();
    let second = Schema::read(other.pool()).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(first.tables.len(), 1);
    let columns = &first.tables[0].columns;
    assert_eq!(columns[1].data_type, "character varying(10)");
    assert_eq!(columns[2].data_type, "integer");
    assert_eq!(first.indexes.len(), 1);
    assert!(first.indexes[0].predicate.is_some());
    // The migrations written one way compared with a database migrated the other way.
    assert_eq!(verify(&spelled, db).await.differences, []);
}

async fn a_migrated_database_has_no_drift(db: &impl TestDb) {
    let differences = drift_after(db, "SELECT 1").await;
    assert_eq!(differences, []);
    let live = Schema::read(db.pool()).await.unwrap();
    let names: Vec<&str> = live.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["items", "owners"]);
    let items = &live.tables[0];
    assert_eq!(items.foreign_keys.len(), 1);
    assert_eq!(items.foreign_keys[0].on_delete, "RESTRICT");
    assert_eq!(items.checks.len(), 1);
    assert_eq!(live.tables[1].uniques.len(), 1, "owners.name is unique");
    assert_eq!(live.views.len(), 1);
    let index_names: Vec<&str> = live.indexes.iter().map(|i| i.name.as_str()).collect();
    assert_eq!(index_names, ["items_by_name", "items_live"]);
    assert!(live.indexes[1].unique);
}

async fn a_column_added_by_hand_is_extra(db: &impl TestDb) {
    let differences = drift_after(db, "ALTER TABLE items ADD COLUMN note TEXT").await;
    let d = only(
        &differences,
        Change::Extra,
        ObjectKind::Column,
        "items.note",
    );
    assert_eq!(d.live.as_deref(), Some("text"));
    assert!(d.to_string().contains("`items.note`"), "{d}");
}

async fn a_dropped_index_is_missing(db: &impl TestDb) {
    let differences = drift_after(db, "DROP INDEX items_live").await;
    only(
        &differences,
        Change::Missing,
        ObjectKind::Index,
        "items_live",
    );
}

async fn a_changed_default_is_reported_with_both_values<D: TestDb>(db: &D) {
    let by_hand = D::either(
        rebuild_items(
            "id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL REFERENCES owners (id) ON DELETE RESTRICT,
             name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 5 CHECK (qty >= 0)",
        ),
        "ALTER TABLE items ALTER COLUMN qty SET DEFAULT 5".to_owned(),
    );
    let differences = drift_after(db, &by_hand).await;
    let d = only(
        &differences,
        Change::Changed,
        ObjectKind::Column,
        "items.qty",
    );
    assert_eq!(d.attribute.as_deref(), Some("default"));
    assert_eq!(
        (d.expected.as_deref(), d.live.as_deref()),
        (Some("1"), Some("5"))
    );
}

async fn a_table_created_by_hand_is_extra(db: &impl TestDb) {
    let differences = drift_after(db, "CREATE TABLE stray (id INTEGER)").await;
    only(&differences, Change::Extra, ObjectKind::Table, "stray");
}

async fn a_changed_foreign_key_action_is_reported<D: TestDb>(db: &D) {
    let by_hand = D::either(
        rebuild_items(
            "id INTEGER PRIMARY KEY, owner_id INTEGER NOT NULL REFERENCES owners (id) ON DELETE CASCADE,
             name TEXT NOT NULL, qty INTEGER NOT NULL DEFAULT 1 CHECK (qty >= 0)",
        ),
        "ALTER TABLE items DROP CONSTRAINT items_owner_id_fkey;
         ALTER TABLE items ADD CONSTRAINT items_owner_id_fkey FOREIGN KEY (owner_id)
             REFERENCES owners (id) ON DELETE CASCADE"
            .to_owned(),
    );
    let differences = drift_after(db, &by_hand).await;
    let d = only(
        &differences,
        Change::Changed,
        ObjectKind::ForeignKey,
        "items(owner_id) -> owners",
    );
    assert_eq!(d.attribute.as_deref(), Some("on_delete"));
    assert_eq!(
        (d.expected.as_deref(), d.live.as_deref()),
        (Some("RESTRICT"), Some("CASCADE"))
    );
}

async fn a_dropped_view_is_missing(db: &impl TestDb) {
    let differences = drift_after(db, "DROP VIEW owner_names").await;
    only(
        &differences,
        Change::Missing,
        ObjectKind::View,
        "owner_names",
    );
}

async fn a_module_compares_only_its_own_objects(db: &impl TestDb) {
    let (_dir, core) = folders::one_file("core", "CREATE TABLE users (id INTEGER PRIMARY KEY);");
    core.run(db.pool()).await.unwrap();
    MODULE.run(db.pool()).await.unwrap();
    let drift = verify(&MODULE, db).await;
    assert_eq!(
        (drift.module.as_str(), drift.prefix.as_deref()),
        ("calendar", Some("calendar_"))
    );
    assert_eq!(
        drift.differences,
        [],
        "the core's `users` is not the module's"
    );

    db.exec("CREATE TABLE calendar_notes (id INTEGER); CREATE TABLE other_notes (id INTEGER)")
        .await;
    let drift = verify(&MODULE, db).await;
    only(
        &drift.differences,
        Change::Extra,
        ObjectKind::Table,
        "calendar_notes",
    );
}

async fn tracking_tables_are_not_part_of_the_schema(db: &impl TestDb) {
    let (_dir, set) = folders::one_file("one", "CREATE TABLE kept (id INTEGER PRIMARY KEY);");
    set.run(db.pool()).await.unwrap();
    db.exec("CREATE TABLE _sqlx_migrations (version BIGINT PRIMARY KEY)")
        .await;
    let schema = Schema::read(db.pool()).await.unwrap();
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["kept"]);
}

/// Every kind of object each database has, read back with no drift, and each in the model.
const SQLITE_RICH: &str = "
CREATE TABLE accounts (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL COLLATE NOCASE,
    name TEXT,
    name_upper TEXT GENERATED ALWAYS AS (upper(name)) VIRTUAL,
    created_at TEXT NOT NULL DEFAULT (datetime('now')),
    UNIQUE (email)
) STRICT;
CREATE TABLE logs (account_id INTEGER REFERENCES accounts ON UPDATE CASCADE, line TEXT);
CREATE INDEX logs_recent ON logs (account_id DESC, lower(line)) WHERE line IS NOT NULL;
CREATE TRIGGER accounts_log AFTER INSERT ON accounts BEGIN INSERT INTO logs VALUES (new.id, 'created'); END;
CREATE VIEW account_emails AS SELECT email FROM accounts;
";

const POSTGRES_RICH: &str = "
CREATE SCHEMA audit;
CREATE TYPE mood AS ENUM ('happy', 'sad');
CREATE SEQUENCE ticket_numbers START 100 INCREMENT 5;
CREATE TABLE accounts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    serial_no SERIAL,
    email TEXT NOT NULL COLLATE \"C\",
    tags TEXT[] NOT NULL DEFAULT '{}',
    feeling mood,
    name TEXT,
    name_upper TEXT GENERATED ALWAYS AS (upper(name)) STORED,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT accounts_email_key UNIQUE (email)
);
CREATE TABLE audit.logs (
    account_id BIGINT REFERENCES accounts ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED,
    line TEXT
);
CREATE INDEX accounts_tags ON accounts USING gin (tags);
CREATE INDEX logs_recent ON audit.logs (account_id DESC, lower(line)) INCLUDE (line) WHERE line IS NOT NULL;
CREATE FUNCTION log_account() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN INSERT INTO audit.logs VALUES (NEW.id, 'created'); RETURN NEW; END $$;
CREATE TRIGGER accounts_log AFTER INSERT ON accounts FOR EACH ROW EXECUTE FUNCTION log_account();
CREATE VIEW account_emails AS SELECT email FROM accounts;
CREATE MATERIALIZED VIEW account_count AS SELECT count(*) AS n FROM accounts;
";

async fn every_kind_of_object_is_read_and_compares_equal<D: TestDb>(db: &D) {
    let (_dir, set) = folders::files(&[("1_rich.sql", D::either(SQLITE_RICH, POSTGRES_RICH))]);
    set.run(db.pool()).await.unwrap();
    assert_eq!(verify(&set, db).await.differences, []);
    let live = Schema::read(db.pool()).await.unwrap();
    let accounts = live.tables.iter().find(|t| t.name == "accounts").unwrap();
    let column = |name: &str| accounts.columns.iter().find(|c| c.name == name).unwrap();
    assert!(column("name_upper").generated.is_some());
    assert!(column("created_at").default.is_some());
    assert_eq!(accounts.uniques.len(), 1);
    assert_eq!(live.triggers.len(), 1);
    assert_eq!(live.views.iter().filter(|v| !v.materialized).count(), 1);
    let logs = live
        .tables
        .iter()
        .find(|t| t.name.ends_with("logs"))
        .unwrap();
    assert_eq!(logs.foreign_keys[0].on_update, "CASCADE");
    assert_eq!(logs.foreign_keys[0].referenced_columns, ["id"]);
    let recent = live
        .indexes
        .iter()
        .find(|i| i.name.ends_with("logs_recent"))
        .unwrap();
    assert_eq!(recent.keys[1], D::either("lower(line)", "lower(line)"));
    assert!(recent.keys[0].contains("DESC") || recent.keys[0].contains("desc"));
    assert!(recent.predicate.is_some());
    if D::either(false, true) {
        assert_eq!(column("email").collation.as_deref(), Some("C"));
        assert_eq!(column("id").identity.as_deref(), Some("always"));
        assert_eq!(live.schemas, ["audit", "public"]);
        assert_eq!(live.enums[0].labels, ["happy", "sad"]);
        let sequences: Vec<&str> = live.sequences.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(sequences, ["accounts_serial_no_seq", "ticket_numbers"]);
        assert_eq!(live.sequences[1].start, 100);
        let tags = live
            .indexes
            .iter()
            .find(|i| i.name == "accounts_tags")
            .unwrap();
        assert_eq!(tags.method, "gin");
        assert_eq!(recent.include, ["line"]);
        assert_eq!(
            logs.foreign_keys[0].deferrable,
            "DEFERRABLE INITIALLY DEFERRED"
        );
        assert_eq!(live.views.len(), 2, "the materialized view too");
    } else {
        assert_eq!(column("email").collation.as_deref(), Some("NOCASE"));
        assert_eq!(accounts.options, ["STRICT"]);
    }
    // The model is written as JSON for `schema diff --json` and read back unchanged.
    let json = serde_json::to_string(&live).unwrap();
    assert_eq!(serde_json::from_str::<Schema>(&json).unwrap(), live);
}

/// The scratch databases on the server: none is left behind, after a comparison that worked
/// or one whose migrations failed.
#[tokio::test]
async fn postgres_scratch_databases_are_dropped_on_every_path() {
    // Alone on the server, so that no other test's scratch database is counted.
    let _alone = crate::support::pg::SERVER.write().await;
    let url = crate::support::pg::server_url();
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let scratch = async || -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname LIKE 'schema\\_dev\\_%'")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let (_ok_dir, ok) = folders::one_file("ok", "CREATE TABLE scratch_only (id INTEGER);");
    let drift = ok.verify_schema_with_dev(&pool, &url).await.unwrap();
    only(
        &drift.differences,
        Change::Missing,
        ObjectKind::Table,
        "scratch_only",
    );
    assert_eq!(scratch().await, 0);

    let (_bad_dir, bad) = folders::files(&[(
        "1_bad.sql",
        "CREATE TABLE t (id INTEGER);\nSELECT * FROM no_such_table;",
    )]);
    let err = bad.verify_schema_with_dev(&pool, &url).await.unwrap_err();
    assert!(
        matches!(
            err,
            schema_runtime::MigrateError::Failed { statement: 2, .. }
        ),
        "{err:?}"
    );
    assert_eq!(scratch().await, 0);

    let err = ok.verify_schema(&pool).await.unwrap_err();
    assert!(
        matches!(err, schema_runtime::MigrateError::NoDevDatabase),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("no dev database was given"),
        "{err}"
    );
}

#[tokio::test]
async fn sqlite_refuses_a_dev_database() {
    let db = crate::support::sqlite::fresh().await;
    let (_dir, set) = folders::one_file("one", "CREATE TABLE t (id INTEGER);");
    let err = set
        .verify_schema_with_dev(&db.pool, "postgres://localhost/dev")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            schema_runtime::MigrateError::UnsupportedOption {
                option: "dev_url",
                ..
            }
        ),
        "{err:?}"
    );
}

/// `Schema::to_sql` applied to an empty database makes the schema it was read from.
async fn a_dumped_schema_applies_to_an_empty_database_and_reads_back_equal<D: TestDb>(db: &D) {
    let (_dir, set) = folders::files(&[("1_rich.sql", D::either(SQLITE_RICH, POSTGRES_RICH))]);
    set.run(db.pool()).await.unwrap();
    let live = Schema::read(db.pool()).await.unwrap();
    let dialect = D::either(schema_core::Dialect::Sqlite, schema_core::Dialect::Postgres);
    let sql = live.to_sql(dialect);
    let copy = D::fresh().await;
    // Functions are not part of the model: the trigger's is made first.
    if let Some(function) = D::either(
        None,
        Some(POSTGRES_RICH.split("CREATE FUNCTION").nth(1).unwrap()),
    ) {
        let function = function.split("$$;").next().unwrap();
        copy.exec(&format!("CREATE FUNCTION{function}$$;")).await;
    }
    copy.exec(&sql).await;
    assert_eq!(Schema::read(copy.pool()).await.unwrap(), live, "{sql}");
}

/// SQLite's catalog read in one pass for all tables keeps each table's own facts apart: a
/// virtual table's shadow tables are left out, `WITHOUT ROWID` and `STRICT` stay on their
/// tables, a unique constraint keeps its columns, and `REFERENCES parent` without columns
/// names the parent's (composite) primary key.
#[tokio::test]
async fn sqlite_tables_read_together_keep_their_own_keys_and_options() {
    let db = crate::support::sqlite::fresh().await;
    let (_dir, set) = folders::one_file(
        "many",
        "CREATE TABLE pairs (a TEXT, b TEXT, note TEXT, PRIMARY KEY (b, a)) WITHOUT ROWID;
         CREATE TABLE Links (pair_a TEXT, pair_b TEXT, code TEXT UNIQUE,
                             FOREIGN KEY (pair_b, pair_a) REFERENCES pairs);
         CREATE TABLE plain (id INTEGER PRIMARY KEY, x INTEGER, y INTEGER, UNIQUE (y, x)) STRICT;
         CREATE VIRTUAL TABLE notes USING fts5(body);",
    );
    set.run(&db.pool).await.unwrap();
    let live = Schema::read(&db.pool).await.unwrap();
    let names: Vec<&str> = live.tables.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["links", "notes", "pairs", "plain"],
        "no fts5 shadow table"
    );
    let table = |name: &str| live.tables.iter().find(|t| t.name == name).unwrap();
    assert_eq!(table("pairs").options, ["WITHOUT ROWID"]);
    assert_eq!(
        table("pairs").primary_key.as_ref().unwrap().columns,
        ["b", "a"]
    );
    assert_eq!(table("plain").options, ["STRICT"]);
    assert_eq!(table("plain").uniques[0].columns, ["y", "x"]);
    assert_eq!(table("links").uniques[0].columns, ["code"]);
    assert!(table("links").options.is_empty());
    let key = &table("links").foreign_keys[0];
    assert_eq!(key.columns, ["pair_b", "pair_a"]);
    assert_eq!(key.references, "pairs");
    assert_eq!(key.referenced_columns, ["b", "a"]);
    assert!(set.verify_schema(&db.pool).await.unwrap().is_empty());
}
