//! The examples run as the README says: the service migrates its file on boot (twice is a
//! no-op), the assistant activates, lists, deactivates and removes its plugins, and the testing
//! example makes a migrated database of its own on SQLite and PostgreSQL and drops it; the
//! models example writes the JSON Schema documents of its Rust types, which read as models.

use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

/// An example's binary, as `cargo run --example` builds it. `cargo test` builds examples only as
/// test harnesses, so the binaries are built here once per run, with the cargo that runs the
/// tests (which holds no lock on the target folder while tests run), into the same folder.
fn example(name: &str) -> PathBuf {
    static BUILT: OnceLock<()> = OnceLock::new();
    BUILT.get_or_init(|| {
        let status = Command::new(env!("CARGO"))
            .args(["build", "--workspace", "--examples", "--quiet"])
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .unwrap();
        assert!(status.success(), "building the examples failed");
    });
    let exe = std::env::current_exe().unwrap();
    let dir = exe.parent().unwrap().parent().unwrap().join("examples");
    let path = dir.join(name);
    assert!(path.exists(), "{} is not built", path.display());
    path
}

fn run(name: &str, env: (&str, &std::path::Path), args: &[&str]) -> String {
    let out = Command::new(example(name))
        .args(args)
        .env(env.0, env.1)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{name} {args:?} failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn the_service_migrates_on_boot_and_a_second_boot_does_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("service.db");
    let first = run("service", ("SERVICE_DATABASE", &db), &[]);
    assert!(
        first.contains("applied 20250101090000 create_accounts"),
        "{first}"
    );
    let second = run("service", ("SERVICE_DATABASE", &db), &[]);
    assert!(second.contains("up to date"), "{second}");
    assert!(!second.contains(": applied"), "{second}");
}

#[test]
fn the_assistant_tours_its_plugins_and_remembers_their_state() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("assistant.db");
    let tour = run("assistant", ("ASSISTANT_DATABASE", &db), &["tour"]);
    for line in [
        "core: applied 20250101090000 create_users",
        "calendar: active, 2 migration(s) applied",
        "notes: active, 2 migration(s) applied",
        "calendar holds 1 event(s), notes 1 page(s)",
        "notes: deactivated, its 1 page(s) kept",
        "calendar: removed, 2 migration(s) reverted",
    ] {
        assert!(tour.contains(line), "`{line}` missing from:\n{tour}");
    }
    // A new process: the state lives in the database. The calendar's tables are gone, the
    // notes' kept.
    let list = run(
        "assistant",
        ("ASSISTANT_DATABASE", &db),
        &["migrate", "modules", "--json"],
    );
    let modules: serde_json::Value = serde_json::from_str(&list).unwrap();
    let state = |name: &str| {
        modules["modules"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing from {list}"))
            .clone()
    };
    assert_eq!(state("core")["active"], true);
    assert_eq!(state("calendar")["active"], false);
    assert_eq!(state("calendar")["applied"], 0);
    assert_eq!(state("notes")["active"], false);
    assert_eq!(state("notes")["applied"], 2);
    let activated = run(
        "assistant",
        ("ASSISTANT_DATABASE", &db),
        &["activate", "notes"],
    );
    assert!(
        activated.contains("notes: active, 0 migration(s) applied"),
        "{activated}"
    );
}

#[test]
fn the_testing_example_makes_uses_and_drops_a_database_on_both_servers() {
    let url = std::env::var("SCHEMA_TEST_DATABASE_URL").unwrap_or_else(|_| {
        panic!("SCHEMA_TEST_DATABASE_URL is not set: run the tests with `scripts/test`, which starts PostgreSQL")
    });
    let out = Command::new(example("testing"))
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "testing failed: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("sqlite: signed up user 1 on "), "{stdout}");
    assert!(stdout.contains("postgres: 0 users on "), "{stdout}");
    assert!(stdout.contains(", copied from "), "{stdout}");
}

#[test]
fn the_models_example_writes_the_schemas_of_its_types_as_models() {
    let dir = tempfile::tempdir().unwrap();
    let models = dir.path().join("models");
    let out = run(
        "models",
        ("RUST_LOG", dir.path()),
        &[models.to_str().unwrap()],
    );
    for table in ["users", "posts", "tags"] {
        assert!(models.join(format!("{table}.json")).exists(), "{out}");
        assert!(out.contains(&format!("CREATE TABLE {table} (")), "{out}");
    }
    assert!(out.contains("CREATE TABLE posts_tags ("), "{out}");
    assert!(
        out.contains("CHECK (status IN ('draft', 'published'))"),
        "{out}"
    );
    // The same files on PostgreSQL: the types and the GIN index the attributes ask for.
    let on_postgres =
        schema_runtime::models::Models::load(&models, schema_core::Dialect::Postgres).unwrap();
    let schema = on_postgres.schema();
    let posts = schema.tables.iter().find(|t| t.name == "posts").unwrap();
    let types: Vec<(&str, &str, bool)> = posts
        .columns
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str(), c.nullable))
        .collect();
    assert_eq!(
        types,
        [
            ("id", "bigint", false),
            ("author_id", "bigint", false),
            ("title", "text", false),
            ("status", "text", false),
            ("rating", "double precision", true),
            ("metadata", "jsonb", false),
        ]
    );
    let gin: Vec<&str> = schema
        .indexes
        .iter()
        .filter(|i| i.method == "gin")
        .map(|i| i.name.as_str())
        .collect();
    assert_eq!(gin, ["posts_metadata_idx"]);
}
