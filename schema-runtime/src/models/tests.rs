//! The mapping of models for each database, and the problems of bad models.

use super::{Models, ModelsError};
use crate::introspect::{Check, Column, Schema, Table};
use schema_core::Dialect;

fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("a model file");
    }
    dir
}

fn load(files: &[(&str, &str)], dialect: Dialect) -> Result<Models, ModelsError> {
    let dir = folder(files);
    Models::load(dir.path(), dialect)
}

fn problems(files: &[(&str, &str)], dialect: Dialect) -> Vec<String> {
    let dir = folder(files);
    let shown = dir.path().display().to_string();
    match Models::load(dir.path(), dialect) {
        Err(ModelsError::Invalid { problems }) => problems
            .iter()
            .map(|p| p.to_string().replace(&shown, "models"))
            .collect(),
        other => panic!("expected problems, got {other:?}"),
    }
}

fn table<'a>(schema: &'a Schema, name: &str) -> &'a Table {
    let found = schema.tables.iter().find(|t| t.name == name);
    found.unwrap_or_else(|| panic!("no table `{name}` in {schema:?}"))
}

fn column<'a>(table: &'a Table, name: &str) -> &'a Column {
    let found = table.columns.iter().find(|c| c.name == name);
    found.unwrap_or_else(|| panic!("no column `{name}` in {table:?}"))
}

const USERS: &str = r##"{
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "type": "object",
  "properties": {
    "id": {"type": "string", "format": "uuid"},
    "name": {"type": "string", "maxLength": 80, "x-varchar": true},
    "bio": {"type": "string", "maxLength": 500},
    "karma": {"type": "integer", "format": "int64", "minimum": 0, "default": 0},
    "ratio": {"type": "number", "exclusiveMaximum": 1},
    "active": {"type": "boolean", "default": true},
    "born": {"type": "string", "format": "date"},
    "joined": {"type": "string", "format": "date-time", "x-default-sql": "CURRENT_TIMESTAMP"},
    "role": {"type": "string", "enum": ["reader", "writer"], "default": "reader"},
    "settings": {"type": "object", "properties": {"theme": {"type": "string", "pattern": "x"}}}
  },
  "required": ["id", "name", "karma", "active", "role"]
}"##;

const POSTS: &str = r##"{
  "$schema": "http://json-schema.org/draft-07/schema#",
  "type": "object",
  "x-table": "articles",
  "properties": {
    "id": {"type": "integer", "x-identity": true},
    "author": {"$ref": "users.json", "x-on-delete": "cascade"},
    "editor_id": {"anyOf": [{"$ref": "./users.json#"}, {"type": "null"}]},
    "status": {"$ref": "#/definitions/Status"},
    "tags": {"type": "array", "items": {"$ref": "tags.json"}},
    "meta": {"type": "object", "x-index": "gin"}
  },
  "required": ["id", "author", "status"],
  "definitions": {"Status": {"type": "string", "enum": ["draft", "published"]}}
}"##;

const TAGS: &str = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "label": {"type": "string", "x-unique": true}}, "required": ["id", "label"]}"##;

fn blog(dialect: Dialect) -> Schema {
    let models = load(
        &[
            ("users.json", USERS),
            ("posts.json", POSTS),
            ("tags.json", TAGS),
        ],
        dialect,
    );
    models.expect("the blog loads").schema().clone()
}

mod problems;

#[test]
fn maps_each_json_type_to_its_postgres_type() {
    let schema = blog(Dialect::Postgres);
    let users = table(&schema, "users");
    let types: Vec<(&str, &str, bool)> = users
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str(), c.nullable))
        .collect();
    assert_eq!(
        types,
        [
            ("id", "uuid", false),
            ("name", "character varying(80)", false),
            ("bio", "text", true),
            ("karma", "bigint", false),
            ("ratio", "numeric", true),
            ("active", "boolean", false),
            ("born", "date", true),
            ("joined", "timestamp with time zone", true),
            ("role", "text", false),
            ("settings", "jsonb", true),
        ]
    );
    assert_eq!(column(users, "active").default.as_deref(), Some("true"));
    assert_eq!(column(users, "role").default.as_deref(), Some("'reader'"));
    assert_eq!(
        column(users, "joined").default.as_deref(),
        Some("CURRENT_TIMESTAMP")
    );
    assert!(users.options.is_empty());
}

#[test]
fn maps_each_json_type_to_a_strict_sqlite_type() {
    let schema = blog(Dialect::Sqlite);
    let users = table(&schema, "users");
    let types: Vec<&str> = users.columns.iter().map(|c| c.data_type.as_str()).collect();
    assert_eq!(
        types,
        ["text", "text", "text", "integer", "real", "integer", "text", "text", "text", "text"]
    );
    assert_eq!(users.options, ["STRICT"]);
    assert_eq!(column(users, "active").default.as_deref(), Some("1"));
    let checks: Vec<&str> = users.checks.iter().map(|c| c.expression.as_str()).collect();
    assert!(checks.contains(&"active IN (0, 1)"), "{checks:?}");
    assert!(checks.contains(&"json_valid(settings)"), "{checks:?}");
    assert!(checks.contains(&"length(name) <= 80"), "{checks:?}");
}

#[test]
fn enum_bounds_and_lengths_become_named_checks() {
    let schema = blog(Dialect::Postgres);
    let users = table(&schema, "users");
    let check = |name: &str, expression: &str| Check {
        name: Some(name.to_owned()),
        expression: expression.to_owned(),
    };
    assert_eq!(
        users.checks,
        [
            check("users_bio_max_length", "char_length(bio) <= 500"),
            check("users_karma_min", "karma >= 0"),
            check("users_ratio_max", "ratio < 1"),
            check("users_role_enum", "role IN ('reader', 'writer')"),
        ]
    );
    let articles = table(&schema, "articles");
    assert_eq!(
        articles.checks,
        [check(
            "articles_status_enum",
            "status IN ('draft', 'published')"
        )]
    );
}

#[test]
fn a_ref_is_a_foreign_key_with_an_index_and_the_target_key_type() {
    let schema = blog(Dialect::Postgres);
    let articles = table(&schema, "articles");
    assert_eq!(column(articles, "author_id").data_type, "uuid");
    assert!(!column(articles, "author_id").nullable);
    assert!(column(articles, "editor_id").nullable);
    assert_eq!(
        column(articles, "id").identity.as_deref(),
        Some("by default")
    );
    let keys: Vec<(&str, &str, &str)> = articles
        .foreign_keys
        .iter()
        .map(|k| {
            (
                k.columns[0].as_str(),
                k.references.as_str(),
                k.on_delete.as_str(),
            )
        })
        .collect();
    assert_eq!(
        keys,
        [
            ("author_id", "users", "CASCADE"),
            ("editor_id", "users", "NO ACTION")
        ]
    );
    let indexes: Vec<(&str, &str, &str)> = schema
        .indexes
        .iter()
        .map(|i| (i.name.as_str(), i.table.as_str(), i.method.as_str()))
        .collect();
    assert_eq!(
        indexes,
        [
            ("articles_author_id_idx", "articles", "btree"),
            ("articles_editor_id_idx", "articles", "btree"),
            ("articles_meta_idx", "articles", "gin"),
            ("articles_tags_tags_id_idx", "articles_tags", "btree"),
        ]
    );
}

#[test]
fn an_array_of_refs_is_a_join_table_with_both_keys() {
    for dialect in [Dialect::Postgres, Dialect::Sqlite] {
        let schema = blog(dialect);
        let join = table(&schema, "articles_tags");
        let columns: Vec<(&str, &str)> = join
            .columns
            .iter()
            .map(|c| (c.name.as_str(), c.data_type.as_str()))
            .collect();
        assert_eq!(
            columns,
            [("articles_id", "integer"), ("tags_id", "integer")]
        );
        let key = join.primary_key.as_ref().map(|k| k.columns.clone());
        assert_eq!(
            key,
            Some(vec!["articles_id".to_owned(), "tags_id".to_owned()])
        );
        let targets: Vec<(&str, &str)> = join
            .foreign_keys
            .iter()
            .map(|k| (k.references.as_str(), k.on_delete.as_str()))
            .collect();
        assert_eq!(targets, [("articles", "CASCADE"), ("tags", "CASCADE")]);
    }
}

#[test]
fn sqlite_leaves_out_indexes_of_other_methods_and_partitioning() {
    let schema = blog(Dialect::Sqlite);
    assert!(schema.indexes.iter().all(|i| i.method == "btree"));
    assert!(!schema.indexes.iter().any(|i| i.name == "articles_meta_idx"));
    let events = r##"{"type": "object", "x-partition-by": "RANGE (at)", "x-primary-key": ["id", "at"],
        "properties": {"id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}}}"##;
    let sqlite = load(&[("events.json", events)], Dialect::Sqlite).expect("loads");
    assert_eq!(table(sqlite.schema(), "events").options, ["STRICT"]);
    let postgres = load(&[("events.json", events)], Dialect::Postgres).expect("loads");
    assert_eq!(
        table(postgres.schema(), "events").options,
        ["PARTITION BY RANGE (at)"]
    );
}

#[test]
fn the_columns_keep_the_order_of_the_properties() {
    let model = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "zeta": {"type": "string"}, "alpha": {"type": "string"}}}"##;
    let models = load(&[("t.json", model)], Dialect::Sqlite).expect("loads");
    let names: Vec<&str> = table(models.schema(), "t")
        .columns
        .iter()
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(names, ["id", "zeta", "alpha"]);
}

#[test]
fn reads_a_table_rename_hint() {
    let model = r##"{"type": "object", "x-table": "revisions", "x-renamed-from": "post_revisions", "properties": {"id": {"type": "integer"}}}"##;
    let models = load(&[("revisions.json", model)], Dialect::Postgres).expect("loads");
    assert_eq!(
        models.models[0].renamed_from.as_deref(),
        Some("post_revisions")
    );
    assert_eq!(
        models.model_of("REVISIONS"),
        Some(models.models[0].file.as_str())
    );
}

#[test]
fn a_reference_to_a_key_that_is_itself_a_reference_takes_the_type_at_the_end() {
    let users = r##"{"type": "object", "properties": {"id": {"type": "string", "format": "uuid"}}, "required": ["id"]}"##;
    // A one-to-one extension of users, keyed by its user.
    let profiles = r##"{"type": "object", "x-primary-key": "user", "properties": {"user": {"$ref": "users.json"}}, "required": ["user"]}"##;
    let avatars = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "profile": {"$ref": "profiles.json"}, "seen_by": {"type": "array", "items": {"$ref": "profiles.json"}}}}"##;
    let files = [
        ("users.json", users),
        ("profiles.json", profiles),
        ("avatars.json", avatars),
    ];
    let models = load(&files, Dialect::Postgres).expect("loads");
    let schema = models.schema();
    assert_eq!(
        column(table(schema, "profiles"), "user_id").data_type,
        "uuid"
    );
    assert_eq!(
        column(table(schema, "avatars"), "profile_id").data_type,
        "uuid"
    );
    let join = table(schema, "avatars_seen_by");
    assert_eq!(column(join, "avatars_id").data_type, "integer");
    assert_eq!(column(join, "seen_by_user_id").data_type, "uuid");
    let sqlite = load(&files, Dialect::Sqlite).expect("loads");
    assert_eq!(
        column(table(sqlite.schema(), "avatars"), "profile_id").data_type,
        "text"
    );
    // Keys that refer to each other in a circle are refused, not followed for ever.
    let a =
        r##"{"type": "object", "x-primary-key": "b", "properties": {"b": {"$ref": "b.json"}}}"##;
    let b =
        r##"{"type": "object", "x-primary-key": "a", "properties": {"a": {"$ref": "a.json"}}}"##;
    let found = problems(&[("a.json", a), ("b.json", b)], Dialect::Sqlite);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("models/a.json#/properties/b/$ref: `b`'s primary key has no column type to copy; the primary keys refer to each other in a circle"), "{found:?}");
}

#[test]
fn a_json_column_takes_any_items_and_a_mixed_column_takes_values_not_documents() {
    let model = r##"{"type": "object", "properties": {
      "id": {"type": "integer"},
      "either": {"type": "array", "items": {"anyOf": [{"type": "string"}, {"type": "integer"}]}},
      "pair": {"type": "array", "items": [{"type": "string"}, {"type": "integer"}]},
      "value": {"type": ["string", "integer"], "default": 3}
    }}"##;
    let models = load(&[("t.json", model)], Dialect::Sqlite).expect("loads");
    let t = table(models.schema(), "t");
    assert_eq!(column(t, "either").data_type, "text");
    assert_eq!(column(t, "pair").data_type, "text");
    assert_eq!(column(t, "value").default.as_deref(), Some("3"));
    let model = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "value": {"type": ["string", "integer"], "default": {"a": 1}}}}"##;
    let found = problems(&[("t.json", model)], Dialect::Sqlite);
    assert_eq!(found, ["models/t.json#/properties/value/default: the value {\"a\":1} does not fit the property's type; write a value of the property's type (a string for a string, a number for a number)"]);
}
