//! Bad models: each problem reported with its file and JSON pointer, where it is written.

use super::*;

/// The one problem `files` have: the test fails when they have none or several.
fn one_problem(files: &[(&str, &str)], dialect: Dialect) -> String {
    let found = problems(files, dialect);
    assert_eq!(found.len(), 1, "{found:#?}");
    found.into_iter().next().unwrap_or_default()
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
    let found = one_problem(&[("broken.json", "{\"type\": ")], Dialect::Sqlite);
    assert!(
        found.starts_with("models/broken.json: not JSON: "),
        "{found}"
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
    assert!(found[0].contains("`app.posts` holds a `.`, which would be read as `schema.name`"));
    // A column's former name is only ever quoted: one with a `.` is a name a migration made.
    let renamed = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "geo_lat": {"type": "number", "x-renamed-from": "geo.lat"}}}"##;
    let models = load(&[("t.json", renamed)], Dialect::Sqlite).expect("loads");
    assert_eq!(
        models.models[0].fields[1].renamed_from.as_deref(),
        Some("geo.lat")
    );
    // A join table made up from a property with a `.`.
    let posts = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "seen.by": {"type": "array", "items": {"$ref": "posts.json"}}}}"##;
    let found = problems(&[("posts.json", posts)], Dialect::Sqlite);
    assert_eq!(found.len(), 2, "{found:?}");
    assert!(
        found[0].starts_with("models/posts.json#/properties/seen.by: `posts_seen.by` holds a `.`"),
        "{found:?}"
    );
    assert!(
        found[1].starts_with("models/posts.json#/properties/seen.by: `seen.by_id` holds a `.`"),
        "{found:?}"
    );
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
    let found = one_problem(
        &[("items.json", items), ("kinds.json", kinds)],
        Dialect::Postgres,
    );
    assert!(
        found.starts_with("models/kinds.json#/$defs/Either/anyOf: unsupported `anyOf`"),
        "{found}"
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
    // Cut where PostgreSQL cuts it, so that a database made before keeps its names.
    assert_eq!(name, &format!("{long}_state_of_the_processing_enum")[..63]);
    let index = &models.schema().indexes[0];
    assert_eq!(
        index.name,
        format!("{long}_state_of_the_processing_idx")[..63]
    );
    // Two checks that the cut would make one: each ends with its own hash instead.
    let bounded = format!(
        r##"{{"type": "object", "x-table": "{long}", "properties": {{"id": {{"type": "integer"}}, "count_of_the_processed": {{"type": "integer", "minimum": 0, "maximum": 9}}}}}}"##
    );
    let models = load(&[("events.json", &bounded)], Dialect::Postgres).expect("loads");
    let checks: Vec<&str> = table(models.schema(), long)
        .checks
        .iter()
        .map(|c| c.name.as_deref().unwrap())
        .collect();
    assert_eq!(checks.len(), 2);
    assert_ne!(checks[0], checks[1]);
    assert!(checks.iter().all(|c| c.len() == 63), "{checks:?}");
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
fn a_problem_of_a_definition_is_placed_there_and_reported_once() {
    let users = r##"{"type": "object", "properties": {"id": {"type": "integer"}}, "$defs": {"Money": {"type": "number", "format": "decimal"}}}"##;
    let posts = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "price": {"$ref": "users.json#/$defs/Money"}, "cost": {"$ref": "users.json#/$defs/Money"}, "tax": {"$ref": "users.json#/$defs/Money", "format": "double"}}}"##;
    // One problem: `tax` writes its own `format` over the definition's, and takes it.
    let found = one_problem(
        &[("posts.json", posts), ("users.json", users)],
        Dialect::Sqlite,
    );
    assert!(
        found.starts_with("models/users.json#/$defs/Money/format: unknown format `decimal`"),
        "{found}"
    );
    let statuses = r##"{"type": "object", "properties": {"id": {"type": "integer"}}, "$defs": {"Status": {"type": "string", "enum": ["a", 1]}}}"##;
    let items = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "status": {"$ref": "statuses.json#/$defs/Status"}}}"##;
    let found = one_problem(
        &[("items.json", items), ("statuses.json", statuses)],
        Dialect::Postgres,
    );
    assert!(
        found.starts_with("models/statuses.json#/$defs/Status/enum: the value 1 does not fit"),
        "{found}"
    );
}

#[test]
fn long_and_empty_names_are_refused_where_they_are_written() {
    let long = "c".repeat(70);
    let model = format!(
        r##"{{"type": "object", "properties": {{"id": {{"type": "integer"}}, "a": {{"type": "string", "x-column": "{long}"}}, "tags": {{"type": "array", "items": {{"$ref": "t.json"}}, "x-join-table": "{long}"}}, "b": {{"type": "string", "x-column": ""}}, "c": {{"type": "string", "x-default-sql": ""}}, "d": {{"type": "string", "x-renamed-from": ""}}}}}}"##
    );
    let found = problems(&[("t.json", &model)], Dialect::Postgres);
    let at: Vec<&str> = found
        .iter()
        .map(|p| p.split(": ").next().unwrap())
        .collect();
    assert_eq!(
        at,
        [
            "models/t.json#/properties/a/x-column",
            "models/t.json#/properties/tags/x-join-table",
            "models/t.json#/properties/b/x-column",
            "models/t.json#/properties/c/x-default-sql",
            "models/t.json#/properties/d/x-renamed-from",
        ],
        "{found:#?}"
    );
    // SQLite keeps a long name whole.
    let found = problems(&[("t.json", &model)], Dialect::Sqlite);
    assert_eq!(found.len(), 3, "{found:#?}");
}

#[test]
fn json_content_keywords_are_taken_on_json_columns_alone() {
    let model = r##"{"type": "object", "properties": {
      "id": {"type": "integer"},
      "pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "integer"}], "items": false},
      "labels": {"type": "object", "patternProperties": {"^x-": {"type": "string"}}, "minProperties": 1}
    }}"##;
    let models = load(&[("t.json", model)], Dialect::Postgres).expect("loads");
    assert_eq!(
        column(table(models.schema(), "t"), "pair").data_type,
        "jsonb"
    );
    let model = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "kind": {"type": "string", "const": "a"}}}"##;
    let found = one_problem(&[("t.json", model)], Dialect::Postgres);
    assert!(
        found
            .starts_with("models/t.json#/properties/kind/const: `const` describes a JSON document"),
        "{found}"
    );
}

#[test]
fn each_type_of_a_list_is_checked_and_a_whole_float_is_an_integer() {
    let model = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "v": {"type": ["string", "int"]}}}"##;
    let found = one_problem(&[("t.json", model)], Dialect::Sqlite);
    assert!(
        found.starts_with("models/t.json#/properties/v/type: unknown type `int`"),
        "{found}"
    );
    let model = r##"{"type": "object", "properties": {"id": {"type": "integer"}, "n": {"type": "integer", "default": 1.0, "enum": [1.0, 2]}}}"##;
    let models = load(&[("t.json", model)], Dialect::Postgres).expect("loads");
    let t = table(models.schema(), "t");
    assert_eq!(column(t, "n").default.as_deref(), Some("1"));
    assert_eq!(t.checks[0].expression, "n IN (1, 2)");
}
