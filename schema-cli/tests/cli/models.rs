//! `schema new --from-models` and `schema diff --models` on the blog models
//! (`tests/fixtures/models/blog`, eleven models), each scenario run on an SQLite file and on a
//! PostgreSQL database: the migration written, applied, and compared again.

use crate::postgres::{pg_project, server_url};
use crate::support::{copy_dir, fixture_dir, Project, Run};
use serde_json::Value;
use std::path::PathBuf;

#[derive(Clone, Copy)]
enum Db {
    Sqlite,
    Postgres,
}

/// A project with the blog models in `models/` and no migration yet.
struct Case {
    project: Project,
    db: Db,
}

impl Case {
    fn new(db: Db) -> Case {
        let project = match db {
            Db::Sqlite => Project::new(),
            Db::Postgres => pg_project(None),
        };
        copy_dir(&fixture_dir("models/blog"), &project.path().join("models"));
        Case { project, db }
    }

    /// `schema <args>`, with `--dev-url` on PostgreSQL.
    fn schema(&self, args: &[&str]) -> Run {
        let server = server_url_for(self.db);
        let mut all: Vec<&str> = args.to_vec();
        if let Some(server) = &server {
            all.extend(["--dev-url", server.as_str()]);
        }
        self.project.schema(&all)
    }

    /// `schema new <name> --from-models models`, which must succeed.
    fn generate(&self, name: &str) -> Run {
        self.schema(&["new", name, "--from-models", "models"])
            .code(0)
    }

    /// `schema diff --models models`.
    fn diff(&self) -> Run {
        self.schema(&["diff", "--models", "models"])
    }

    /// Applies what is pending.
    fn up(&self) {
        self.project.schema(&["up", "-q"]).code(0);
    }

    /// Changes the model `file` in `models/`.
    fn edit(&self, file: &str, change: impl FnOnce(&mut Value)) {
        let path = self.project.path().join("models").join(file);
        let mut model: Value = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).unwrap(),
            Err(_) => Value::Null,
        };
        change(&mut model);
        std::fs::write(path, serde_json::to_string_pretty(&model).unwrap()).unwrap();
    }

    fn migration_files(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.project.migrations()) else {
            return Vec::new();
        };
        let mut files: Vec<PathBuf> = entries.map(|e| e.unwrap().path()).collect();
        files.sort();
        files
    }
}

fn server_url_for(db: Db) -> Option<String> {
    match db {
        Db::Sqlite => None,
        Db::Postgres => Some(server_url()),
    }
}

fn generates_applies_and_then_reports_nothing(db: Db) {
    let case = Case::new(db);
    let wrote = case.generate("blog");
    assert_eq!(
        wrote.stdout.matches("wrote migrations/").count(),
        2,
        "{}",
        wrote.stdout
    );
    let files = case.migration_files();
    assert_eq!(files.len(), 2);
    let up = std::fs::read_to_string(
        files
            .iter()
            .find(|f| f.to_string_lossy().ends_with(".up.sql"))
            .unwrap(),
    )
    .unwrap();
    assert!(up.contains("written by `schema new --from-models`"), "{up}");
    for table in [
        "users",
        "posts",
        "posts_tags",
        "posts_categories",
        "post_revisions",
        "user_settings",
        "events",
    ] {
        assert!(
            up.contains(&format!("CREATE TABLE {table} (")),
            "no {table} in:\n{up}"
        );
    }
    // The migrations apply but are not applied yet: the database lacks every table.
    let before = case.diff().code(4);
    assert!(
        before
            .stdout
            .contains("models/posts.json:\n  missing table `posts`"),
        "{}",
        before.stdout
    );
    case.up();
    let after = case.diff().code(0);
    assert!(
        after
            .stdout
            .starts_with("ok: the database's schema is the one the models of `models` describe"),
        "{}",
        after.stdout
    );
    let again = case
        .schema(&["new", "again", "--from-models", "models"])
        .code(0);
    assert_eq!(
        again.stdout,
        "nothing to write: the migrations make the schema the models of `models` describe\n"
    );
    assert_eq!(case.migration_files().len(), 2);
}

#[test]
fn sqlite_generates_applies_and_then_reports_nothing() {
    generates_applies_and_then_reports_nothing(Db::Sqlite);
}

#[test]
fn postgres_generates_applies_and_then_reports_nothing() {
    generates_applies_and_then_reports_nothing(Db::Postgres);
}

fn dry_run_prints_the_pair_and_writes_nothing(db: Db) {
    let case = Case::new(db);
    let run = case
        .schema(&["new", "blog", "--from-models", "models", "--dry-run"])
        .code(0);
    assert!(run.stdout.starts_with("-- up:\n"), "{}", run.stdout);
    assert!(
        run.stdout.contains("CREATE TABLE users ("),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\n-- down:\n"), "{}", run.stdout);
    assert!(run.stdout.contains("DROP TABLE"), "{}", run.stdout);
    assert!(
        run.stdout.ends_with("(dry run: nothing was written)\n"),
        "{}",
        run.stdout
    );
    assert_eq!(case.migration_files(), Vec::<PathBuf>::new());
}

#[test]
fn sqlite_dry_run_prints_the_pair_and_writes_nothing() {
    dry_run_prints_the_pair_and_writes_nothing(Db::Sqlite);
}

#[test]
fn postgres_dry_run_prints_the_pair_and_writes_nothing() {
    dry_run_prints_the_pair_and_writes_nothing(Db::Postgres);
}

/// Each change of a model in turn: generated, applied, and compared with the models again.
fn each_changed_model_makes_a_migration_that_leaves_no_difference(db: Db) {
    let case = Case::new(db);
    case.generate("blog");
    case.up();
    type Change = Box<dyn Fn(&mut Value)>;
    let changes: Vec<(&str, &str, Change)> = vec![
        (
            "add_subtitle",
            "posts.json",
            Box::new(|m| {
                m["properties"]["subtitle"] =
                    serde_json::json!({"type": "string", "maxLength": 120});
            }),
        ),
        (
            "drop_bio",
            "users.json",
            Box::new(|m| {
                m["properties"].as_object_mut().unwrap().shift_remove("bio");
            }),
        ),
        (
            "retype_bytes",
            "media.json",
            Box::new(|m| {
                m["properties"]["bytes"] = serde_json::json!({"type": "number", "minimum": 0});
            }),
        ),
        (
            "require_data",
            "sessions.json",
            Box::new(|m| {
                m["required"].as_array_mut().unwrap().push("data".into());
            }),
        ),
        (
            "index_created_at",
            "users.json",
            Box::new(|m| {
                m["x-indexes"] = serde_json::json!([{"columns": ["created_at"]}]);
            }),
        ),
        (
            "rename_body",
            "posts.json",
            Box::new(|m| {
                let props = m["properties"].as_object_mut().unwrap();
                props.shift_remove("body");
                props.insert(
                    "content".into(),
                    serde_json::json!({"type": "string", "x-renamed-from": "body"}),
                );
                let required = m["required"].as_array_mut().unwrap();
                required.retain(|r| r != "body");
                required.push("content".into());
            }),
        ),
        (
            "rename_revisions",
            "revisions.json",
            Box::new(|m| {
                m["x-table"] = "revisions".into();
                m["x-renamed-from"] = "post_revisions".into();
            }),
        ),
        (
            "add_pages",
            "pages.json",
            Box::new(|m| {
                *m = serde_json::json!({
                    "type": "object",
                    "properties": {
                        "id": {"type": "integer"},
                        "path": {"type": "string", "x-unique": true},
                        "editor": {"$ref": "users.json"}
                    },
                    "required": ["id", "path"]
                });
            }),
        ),
    ];
    for (name, file, change) in changes {
        case.edit(file, change);
        let drift = case.diff().code(4);
        assert!(
            drift.stdout.contains(&format!("models/{file}:")),
            "{name}: {}",
            drift.stdout
        );
        let wrote = case.generate(name);
        assert!(
            wrote.stdout.contains(&format!("_{name}.up.sql")),
            "{name}: {}",
            wrote.stdout
        );
        case.up();
        let after = case.diff().code(0);
        assert!(after.stdout.starts_with("ok:"), "{name}: {}", after.stdout);
    }
    let renamed = case
        .migration_files()
        .into_iter()
        .find(|f| f.to_string_lossy().ends_with("_rename_body.up.sql"))
        .unwrap();
    let sql = std::fs::read_to_string(renamed).unwrap();
    assert!(
        sql.contains("ALTER TABLE posts RENAME COLUMN body TO content;"),
        "{sql}"
    );
    assert!(!sql.contains("DROP COLUMN body"), "{sql}");
    let renamed = case
        .migration_files()
        .into_iter()
        .find(|f| f.to_string_lossy().ends_with("_rename_revisions.up.sql"))
        .unwrap_or_else(|| panic!("{:?}", case.migration_files()));
    let sql = std::fs::read_to_string(renamed).unwrap();
    assert!(
        sql.contains("ALTER TABLE post_revisions RENAME TO revisions;"),
        "{sql}"
    );
    assert!(!sql.contains("DROP TABLE post_revisions"), "{sql}");
    // Every down undoes its up: back to no table at all.
    case.project.schema(&["down", "--to", "0"]).code(0);
    let empty = case.diff().code(4);
    assert!(
        empty.stdout.contains("missing table `users`"),
        "{}",
        empty.stdout
    );
}

#[test]
fn sqlite_each_changed_model_makes_a_migration_that_leaves_no_difference() {
    each_changed_model_makes_a_migration_that_leaves_no_difference(Db::Sqlite);
}

#[test]
fn postgres_each_changed_model_makes_a_migration_that_leaves_no_difference() {
    each_changed_model_makes_a_migration_that_leaves_no_difference(Db::Postgres);
}

fn a_rename_without_its_hint_is_refused(db: Db) {
    let case = Case::new(db);
    case.generate("blog");
    case.edit("tags.json", |m| {
        let props = m["properties"].as_object_mut().unwrap();
        props.shift_remove("label");
        props.insert(
            "name".into(),
            serde_json::json!({"type": "string", "maxLength": 40, "x-unique": true}),
        );
        m["required"] = serde_json::json!(["id", "name"]);
    });
    let refused = case
        .schema(&["new", "rename", "--from-models", "models"])
        .code(1);
    assert_eq!(
        refused.stderr,
        "error: models/tags.json#/properties/name: `tags.label` is gone and `name` of the same type is new: a rename, or a drop and an add?; to rename it, add `\"x-renamed-from\": \"label\"` to the property; to drop one and add the other, make two migrations: first without `label`, then with `name`\n\
         error: models folder `models` has 1 problem; nothing was written\n"
    );
    assert_eq!(case.migration_files().len(), 2);
}

#[test]
fn sqlite_a_rename_without_its_hint_is_refused() {
    a_rename_without_its_hint_is_refused(Db::Sqlite);
}

#[test]
fn postgres_a_rename_without_its_hint_is_refused() {
    a_rename_without_its_hint_is_refused(Db::Postgres);
}

fn a_change_by_hand_is_drift_listed_by_model(db: Db) {
    let case = Case::new(db);
    case.generate("blog");
    case.up();
    let sql = "ALTER TABLE tags ADD COLUMN colour text; DROP INDEX sessions_expires_at_idx;";
    match db {
        Db::Sqlite => crate::support::exec(&case.project.sqlite_file(), sql),
        Db::Postgres => crate::postgres::exec(&case.project, sql),
    }
    let drift = case.diff().code(4);
    assert!(
        drift.stdout.contains("models/sessions.json:\n  missing index `sessions_expires_at_idx`: the models make it, the database lacks it"),
        "{}",
        drift.stdout
    );
    assert!(
        drift.stdout.contains("models/tags.json:\n  extra column `tags.colour`: the database has it, the models do not make it"),
        "{}",
        drift.stdout
    );
    assert!(drift.stdout.ends_with("2 differences between the database and the models; `schema new <NAME> --from-models models` writes the migration\n"), "{}", drift.stdout);
    let json = case
        .schema(&["diff", "--models", "models", "--json"])
        .code(4)
        .json();
    assert_eq!(json["ok"], false);
    let models: Vec<&str> = json["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["model"].as_str().unwrap())
        .collect();
    assert_eq!(models, ["models/sessions.json", "models/tags.json"]);
    assert_eq!(json["differences"].as_array().unwrap().len(), 2);
}

#[test]
fn sqlite_a_change_by_hand_is_drift_listed_by_model() {
    a_change_by_hand_is_drift_listed_by_model(Db::Sqlite);
}

#[test]
fn postgres_a_change_by_hand_is_drift_listed_by_model() {
    a_change_by_hand_is_drift_listed_by_model(Db::Postgres);
}

/// Runs `new --from-models` on the blog with one model replaced, and returns stderr; nothing
/// may be written.
fn refused(db: Db, file: &str, model: Value) -> String {
    let case = Case::new(db);
    case.edit(file, |m| *m = model);
    let run = case
        .schema(&["new", "bad", "--from-models", "models"])
        .code(1);
    assert_eq!(case.migration_files(), Vec::<PathBuf>::new());
    run.stderr
}

#[test]
fn an_unsupported_keyword_is_named_with_its_file_and_pointer() {
    let model = serde_json::json!({"type": "object", "properties": {"id": {"type": "integer"}, "slug": {"type": "string", "pattern": "^[a-z-]+$"}}});
    assert_eq!(
        refused(Db::Sqlite, "pages.json", model),
        "error: models/pages.json#/properties/slug/pattern: unsupported keyword `pattern`; remove it; docs/models.md lists the keywords a property takes\n\
         error: models folder `models` has 1 problem; nothing was written\n"
    );
}

#[test]
fn a_ref_that_does_not_resolve_is_named_with_its_file_and_pointer() {
    let model = serde_json::json!({"type": "object", "properties": {"id": {"type": "integer"}, "owner": {"$ref": "people.json"}}});
    assert_eq!(
        refused(Db::Sqlite, "pets.json", model),
        "error: models/pets.json#/properties/owner/$ref: `$ref` `people.json` does not resolve: no model `people.json` in the folder; refer to a model of the folder by its file name, like `categories.json`, or to a definition, like `#/$defs/Status`\n\
         error: models folder `models` has 1 problem; nothing was written\n"
    );
}

#[test]
fn a_type_postgres_cannot_hold_is_refused_there_and_held_by_sqlite() {
    let model = serde_json::json!({"type": "object", "properties": {"id": {"type": "integer"}, "value": {"type": ["string", "integer"]}}});
    assert_eq!(
        refused(Db::Postgres, "values.json", model.clone()),
        "error: models/values.json#/properties/value/type: a PostgreSQL column holds one type, not string or integer; choose one type, or store the value as JSON with `\"type\": \"object\"`\n\
         error: models folder `models` has 1 problem; nothing was written\n"
    );
    let case = Case::new(Db::Sqlite);
    case.edit("values.json", |m| *m = model);
    let run = case
        .schema(&["new", "values", "--from-models", "models", "--dry-run"])
        .code(0);
    assert!(run.stdout.contains("value any"), "{}", run.stdout);
}

#[test]
fn two_models_with_one_table_are_refused() {
    let model = serde_json::json!({"type": "object", "x-table": "tags", "properties": {"id": {"type": "integer"}}});
    assert_eq!(
        refused(Db::Sqlite, "labels.json", model),
        "error: models/tags.json: the table `tags` is also `models/labels.json`'s; give one of them another table name with `x-table` (or `x-join-table`)\n\
         error: models folder `models` has 1 problem; nothing was written\n"
    );
}

#[test]
fn postgres_without_a_dev_url_is_refused() {
    let project = pg_project(None);
    copy_dir(&fixture_dir("models/blog"), &project.path().join("models"));
    let run = project.schema(&["diff", "--models", "models"]).code(1);
    assert!(run.stderr.starts_with("error: the models are compared on PostgreSQL as a scratch database makes them; pass `--dev-url <URL>`"), "{}", run.stderr);
}

#[test]
fn json_gives_the_pair_and_what_differs() {
    let case = Case::new(Db::Sqlite);
    let dry = case
        .schema(&[
            "new",
            "blog",
            "--from-models",
            "models",
            "--dry-run",
            "--json",
        ])
        .code(0)
        .json();
    assert_eq!(dry["written"], false);
    assert_eq!(dry["files"], serde_json::json!([]));
    let up = dry["migration"]["up"]["sql"].as_str().unwrap();
    assert!(up.contains("CREATE TABLE posts_tags ("), "{up}");
    assert_eq!(dry["migration"]["down"]["loses_data"], true);
    let missing: Vec<&str> = dry["differences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "table")
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(missing.len(), 13, "{missing:?}");
    assert!(case.migration_files().is_empty());
    let written = case
        .schema(&["new", "blog", "--from-models", "models", "--json"])
        .code(0)
        .json();
    assert_eq!(written["written"], true);
    assert_eq!(written["files"].as_array().unwrap().len(), 2);
    assert_eq!(case.migration_files().len(), 2);
}

/// A project with one model `notes.json` (`id`, a required `body`), generated and applied,
/// holding a note whose body is 16 characters long.
fn notes_with_a_row() -> Project {
    let project = Project::new();
    let models = project.path().join("models");
    std::fs::create_dir_all(&models).unwrap();
    let notes = serde_json::json!({
        "type": "object",
        "properties": {"id": {"type": "integer"}, "body": {"type": "string"}},
        "required": ["id", "body"]
    });
    std::fs::write(models.join("notes.json"), notes.to_string()).unwrap();
    project
        .schema(&["new", "notes", "--from-models", "models"])
        .code(0);
    project.schema(&["up", "-q"]).code(0);
    crate::support::exec(
        &project.sqlite_file(),
        "INSERT INTO notes (id, body) VALUES (1, 'sixteen chars ok');",
    );
    // `body` becomes `content`, at most 5 characters: SQLite rebuilds the table for the check.
    let renamed = serde_json::json!({
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "content": {"type": "string", "maxLength": 5, "x-renamed-from": "body"}
        },
        "required": ["id", "content"]
    });
    std::fs::write(models.join("notes.json"), renamed.to_string()).unwrap();
    project
}

#[test]
fn sqlite_a_rename_goes_inside_the_rebuild_so_a_failed_rebuild_leaves_it_undone() {
    let project = notes_with_a_row();
    let dry = project
        .schema(&[
            "new",
            "content",
            "--from-models",
            "models",
            "--dry-run",
            "--json",
        ])
        .code(0)
        .json();
    assert_eq!(dry["renamed"], serde_json::json!(["notes.body -> content"]));
    // The rename is listed as one, not as `body` dropped and `content` added.
    let columns: Vec<&str> = dry["differences"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["kind"] == "column")
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(columns, Vec::<&str>::new(), "{dry:#}");
    let up = dry["migration"]["up"]["sql"].as_str().unwrap();
    assert!(up.starts_with("-- no-transaction\n"), "{up}");
    assert!(
        up.contains("BEGIN;\nALTER TABLE notes RENAME COLUMN body TO content;\n"),
        "{up}"
    );
    let down = dry["migration"]["down"]["sql"].as_str().unwrap();
    assert!(
        down.contains("ALTER TABLE notes RENAME COLUMN content TO body;\nCOMMIT;\n"),
        "{down}"
    );
    project
        .schema(&["new", "content", "--from-models", "models"])
        .code(0);
    // The note's body breaks the new check: the rebuild fails, and the rename with it.
    let failed = project.schema(&["up", "-q"]);
    assert_ne!(failed.code, 0, "{}", failed.stdout);
    let notes: Vec<String> = crate::support::dump(&project.sqlite_file())
        .into_iter()
        .filter(|(kind, name, _)| kind == "table" && name == "notes")
        .filter_map(|(_, _, sql)| sql)
        .collect();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].contains("body"), "{}", notes[0]);
    assert!(!notes[0].contains("content"), "{}", notes[0]);
}
