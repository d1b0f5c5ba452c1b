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
fn reports_an_unsupported_keyword_with_its_file_and_pointer() {
    let model = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "slug": {"type": "string", "pattern": "^[a-z]+$"}}}"##;
    let found = problems(&[("pages.json", model)], Dialect::Sqlite);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with(
            "models/pages.json#/properties/slug/pattern: unsupported keyword `pattern`; remove it"
        ),
        "{found:?}"
    );
}

#[test]
fn reports_a_ref_that_does_not_resolve() {
    let model = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "owner": {"$ref": "people.json"}, "kind": {"$ref": "#/$defs/Kind"}}}"##;
    let found = problems(&[("pets.json", model)], Dialect::Sqlite);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(found[0].starts_with("models/pets.json#/properties/owner/$ref: `$ref` `people.json` does not resolve: no model `people.json` in the folder;"), "{found:?}");
    assert!(
        found[1].starts_with(
            "models/pets.json#/properties/kind/$ref: `$ref` `#/$defs/Kind` does not resolve"
        ),
        "{found:?}"
    );
}

#[test]
fn reports_a_type_the_database_cannot_hold() {
    let model = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "count": {"type": "integer", "format": "uint64"}, "value": {"type": ["string", "integer"]}}}"##;
    let on_postgres = problems(&[("c.json", model)], Dialect::Postgres);
    assert_eq!(
        on_postgres,
        [
            "models/c.json#/properties/count/format: an unsigned 64-bit integer does not fit PostgreSQL's largest integer (signed, 64 bits); use `\"format\": \"int64\"`, or `\"type\": \"number\"` for values past 9223372036854775807",
            "models/c.json#/properties/value/type: a PostgreSQL column holds one type, not string or integer; choose one type, or store the value as JSON with `\"type\": \"object\"`",
        ]
    );
    // SQLite's `ANY` column holds both.
    let on_sqlite = problems(&[("c.json", model)], Dialect::Sqlite);
    assert_eq!(on_sqlite.len(), 1, "{on_sqlite:?}");
}

#[test]
fn reports_two_models_with_one_table() {
    let a =
        r##"{"type": "object", "x-table": "things", "properties": {"id": {"type": "integer"}}}"##;
    let b = r##"{"type": "object", "properties": {"id": {"type": "integer"}}}"##;
    let found = problems(&[("a.json", a), ("things.json", b)], Dialect::Sqlite);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("models/things.json: the table `things` is also `models/a.json`'s;"),
        "{found:?}"
    );
}

#[test]
fn reports_a_model_without_a_primary_key_and_a_bad_default() {
    let model = r##"{"type": "object", "properties": {"code": {"type": "string", "default": 3}}}"##;
    let found = problems(&[("codes.json", model)], Dialect::Postgres);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("models/codes.json: the model has no primary key;"),
        "{found:?}"
    );
    let model = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "code": {"type": "string", "default": 3}}}"##;
    let found = problems(&[("codes.json", model)], Dialect::Postgres);
    assert_eq!(found, ["models/codes.json#/properties/code/default: the value 3 does not fit the property's type; write a value of the property's type (a string for a string, a number for a number)"]);
}

#[test]
fn reports_a_document_that_is_not_json() {
    let found = problems(&[("broken.json", "{\"type\": ")], Dialect::Sqlite);
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with("models/broken.json: not JSON: "),
        "{found:?}"
    );
}

#[test]
fn reports_two_properties_with_one_column() {
    let model = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "author_id": {"type": "integer"}, "author": {"$ref": "people.json"}}}"##;
    let people = r##"{"type": "object", "properties": {"id": {"type": "integer"}}}"##;
    let found = problems(
        &[("books.json", model), ("people.json", people)],
        Dialect::Sqlite,
    );
    assert_eq!(found, ["models/books.json#/properties/author: the column `author_id` is also the property `author_id`'s; name one of the columns another way with `x-column` (a `$ref` property's column is `<property>_id`)"]);
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
fn names_with_a_dot_are_refused_where_they_are_written() {
    let posts = r##"{"type": "object", "x-table": "app.posts", "properties": {"id": {"type": "integer"}, "a": {"type": "string", "x-column": "meta.a"}, "tags": {"type": "array", "items": {"$ref": "v1.tags.json"}, "x-join-table": "app.post_tags"}}}"##;
    let tags = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "b.c": {"type": "string"}}}"##;
    let found = problems(
        &[("posts.json", posts), ("v1.tags.json", tags)],
        Dialect::Sqlite,
    );
    let at: Vec<&str> = found
        .iter()
        .map(|p| p.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        at,
        [
            "models/posts.json#/x-table",
            "models/posts.json#/properties/a/x-column",
            "models/posts.json#/properties/tags/x-join-table",
            "models/v1.tags.json",
            "models/v1.tags.json#/properties/b.c",
        ],
        "{found:?}"
    );
    assert!(found[0].contains("`app.posts` holds a `.`, which SQL reads as `schema.name`"));
}

#[test]
fn values_of_the_wrong_json_type_are_problems_not_ignored() {
    let model = r##"{
      "type": "object",
      "x-primary-key": [1],
      "x-unique": [[true]],
      "x-renamed-from": 7,
      "x-indexes": [{"columns": ["id"], "unique": "yes", "name": 5}],
      "required": ["id", 2],
      "properties": {
        "id": {"type": "integer"},
        "a": {"type": "string", "x-column": 3},
        "b": {"type": "string", "x-default-sql": true},
        "c": {"type": "string", "x-renamed-from": false},
        "d": {"type": [1]},
        "e": {"type": "string", "format": 3},
        "f": {"type": "integer", "x-bigint": "yes"},
        "g": {"$ref": "things.json", "x-on-delete": 1},
        "h": {"type": "array", "items": {"$ref": "things.json"}, "x-join-table": 1},
        "i": {"type": "string", "x-join-table": "i_things"}
      }
    }"##;
    let found = problems(&[("things.json", model)], Dialect::Sqlite);
    let at: Vec<&str> = found
        .iter()
        .map(|p| p.split(": ").next().unwrap())
        .collect();
    for pointer in [
        "/required",
        "/properties/a/x-column",
        "/properties/b/x-default-sql",
        "/properties/c/x-renamed-from",
        "/properties/d/type",
        "/properties/e/format",
        "/properties/f/x-bigint",
        "/properties/g/x-on-delete",
        "/properties/h/x-join-table",
        "/properties/i/x-join-table",
        "/x-renamed-from",
        "/x-primary-key",
        "/x-indexes/0/unique",
        "/x-indexes/0/name",
        "/x-unique/0",
    ] {
        let expected = format!("models/things.json#{pointer}");
        assert!(
            at.contains(&expected.as_str()),
            "no {expected} in {found:#?}"
        );
    }
    assert_eq!(found.len(), 15, "{found:#?}");
}

#[test]
fn a_problem_inside_another_files_definition_is_placed_there() {
    let kinds = r##"{"type": "object", "properties": {"id": {"type": "integer"}}, "$defs": {"Either": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}}"##;
    let items = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "kind": {"$ref": "kinds.json#/$defs/Either"}}}"##;
    let found = problems(
        &[("items.json", items), ("kinds.json", kinds)],
        Dialect::Postgres,
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(
        found[0].starts_with("models/kinds.json#/$defs/Either/anyOf: unsupported `anyOf`"),
        "{found:?}"
    );
}

#[test]
fn postgres_keeps_63_bytes_of_a_name_so_long_ones_are_fitted_or_refused() {
    let long = "a_rather_long_table_name_for_the_archive_of_events";
    let model = format!(
        r##"{{"type": "object", "x-table": "{long}", "properties": {{"id": {{"type": "integer"}}, "state_of_the_processing": {{"type": "string", "enum": ["new", "done"], "x-index": true}}}}}}"##
    );
    let models = load(&[("events.json", &model)], Dialect::Postgres).expect("loads");
    let check = &table(models.schema(), long).checks[0];
    let name = check.name.as_deref().unwrap();
    assert_eq!(name.len(), 63, "{name}");
    assert!(name.starts_with("a_rather_long_table_name_for_the_archive_of_events_sta"));
    let index = &models.schema().indexes[0];
    assert_eq!(index.name.len(), 63, "{}", index.name);
    assert_ne!(&index.name, name);
    // SQLite keeps any length: the names are whole there.
    let models = load(&[("events.json", &model)], Dialect::Sqlite).expect("loads");
    let check = &table(models.schema(), long).checks[0];
    assert_eq!(
        check.name.as_deref(),
        Some(format!("{long}_state_of_the_processing_enum").as_str())
    );
    let too_long = format!(
        r##"{{"type": "object", "x-table": "{long}_and_more_of_it", "properties": {{"id": {{"type": "integer"}}}}}}"##
    );
    let found = problems(&[("events.json", &too_long)], Dialect::Postgres);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].starts_with(&format!("models/events.json#/x-table: the name `{long}_and_more_of_it` is 65 bytes long, and PostgreSQL keeps 63;")), "{found:?}");
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
