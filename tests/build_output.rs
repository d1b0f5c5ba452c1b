//! What `cargo` says when it builds a crate that embeds a migrations folder: the warnings the
//! macro emits for old migrations, and the dialect the crate's features (or its sqlx
//! dependency's) choose. Each test
//! writes a small crate (see `scratch`) and runs cargo on it.

mod scratch;

use scratch::{let_the_clock_tick, one_build_at_a_time, Crate, Scratch};

const WARNED: &str = r#"static MIGRATIONS: schema_runtime::Migrations = schema_runtime::embed_migrations!("migrations");

fn main() {
    println!("{}", MIGRATIONS.check_notes().len());
}
"#;

/// The crate of a team that silenced the warnings it knows about.
const SILENCED: &str = r#"#[allow(deprecated)]
static MIGRATIONS: schema_runtime::Migrations = schema_runtime::embed_migrations!("migrations");

fn main() {
    println!("{}", MIGRATIONS.check_notes().len());
}
"#;

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn a_problem_in_an_old_down_is_a_warning_that_cargo_build_shows() {
    let _build = one_build_at_a_time();
    let scratch = Scratch::new(Crate {
        name: "schema-scratch-old-down-warning",
        features: &[],
        build_script: true,
        main_rs: WARNED,
    });
    scratch.write_migration(
        "1_create_users.up.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n\
         CREATE INDEX users_email ON users (email);\n",
    );
    // Names a table that does not exist; not the newest migration's, so old by default.
    scratch.write_migration("1_create_users.down.sql", "DROP TABLE user;\n");
    scratch.write_migration(
        "2_create_posts.up.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n",
    );
    scratch.write_migration("2_create_posts.down.sql", "DROP TABLE posts;\n");

    let built = scratch.cargo(&["build"]);
    let warnings = stderr(&built);
    assert!(
        warnings.contains("warning: use of deprecated constant")
            && warnings.contains(
                "migrations/1_create_users.down.sql:1:12: sqlite cannot apply this statement"
            )
            && warnings.contains(
                "note: a warning, not an error: migration 1 is not the newest, and only the \
                 newest migration's down fails the build"
            )
            && warnings.contains("src/main.rs:1:"),
        "{warnings}"
    );
    let ran = scratch.cargo(&["run"]);
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout),
        "1\n",
        "the note is kept"
    );

    // `#[allow(deprecated)]` on the item silences them; the notes stay for `verify`.
    let_the_clock_tick();
    std::fs::write(scratch.root.join("src/main.rs"), SILENCED).unwrap();
    let silenced = scratch.cargo(&["run"]);
    assert!(
        !stderr(&silenced).contains("warning"),
        "{}",
        stderr(&silenced)
    );
    assert_eq!(String::from_utf8_lossy(&silenced.stdout), "1\n");
}

#[test]
fn a_crate_with_only_the_postgres_feature_checks_its_sql_as_postgresql() {
    let _build = one_build_at_a_time();
    let scratch = Scratch::new(Crate {
        name: "schema-scratch-postgres-only",
        features: &["postgres"],
        build_script: true,
        main_rs: WARNED,
    });
    // Not SQLite: checked as SQLite, the build would fail on `CREATE EXTENSION`.
    let accounts = "CREATE EXTENSION IF NOT EXISTS pgcrypto;\n\
                    CREATE TABLE accounts (id uuid PRIMARY KEY DEFAULT gen_random_uuid());\n";
    scratch.write_migration("1_create_accounts.sql", accounts);
    let checked = scratch.cargo(&["check"]);
    assert!(
        !stderr(&checked).contains("warning"),
        "schema-runtime with `postgres` alone builds without a warning either:\n{}",
        stderr(&checked)
    );

    // And a statement PostgreSQL's parser refuses fails it, in PostgreSQL's words.
    let_the_clock_tick();
    let broken = format!("{accounts}ALTER TABLE accounts ADD COLUMN name text,;\n");
    scratch.write_migration("1_create_accounts.sql", &broken);
    let failed = scratch.try_cargo(&["check"]);
    assert!(!failed.status.success());
    assert!(
        stderr(&failed).contains("migrations/1_create_accounts.sql:3:42: not valid postgresql"),
        "{}",
        stderr(&failed)
    );
}

/// An sqlx user on PostgreSQL keeps schema-runtime's default features (both databases) and
/// writes `embed_migrations!()`: the macro reads the crate's `sqlx` dependency, whose features
/// name `postgres` alone, and checks the SQL as PostgreSQL.
#[test]
fn a_crate_whose_sqlx_names_postgres_checks_its_sql_as_postgresql() {
    let _build = one_build_at_a_time();
    let scratch = Scratch::new(Crate {
        name: "schema-scratch-sqlx-postgres",
        features: &["sqlite", "postgres"],
        build_script: true,
        main_rs: WARNED,
    });
    scratch.add_dependency(
        "sqlx = { version = \"0.8\", default-features = false, features = [\"runtime-tokio\", \"postgres\"] }",
    );
    // Checked as SQLite, the build would fail on `CREATE EXTENSION`.
    scratch.write_migration(
        "1_create_accounts.sql",
        "CREATE EXTENSION IF NOT EXISTS pgcrypto;\n\
         CREATE TABLE accounts (id uuid PRIMARY KEY DEFAULT gen_random_uuid());\n",
    );
    let checked = scratch.try_cargo(&["check"]);
    assert!(
        checked.status.success() && !stderr(&checked).contains("warning"),
        "checked as PostgreSQL, without a warning:\n{}",
        stderr(&checked)
    );
}

/// A crate with no build script cannot see a migration file added to its folder: the build
/// says so, as a compiler warning on stable Rust, whatever the profile (the macro emits it
/// while expanding, with no `tracing` subscriber involved), with the line to add.
#[test]
fn a_release_build_without_a_build_script_warns_that_added_files_go_unseen() {
    let _build = one_build_at_a_time();
    let scratch = Scratch::new(Crate {
        name: "schema-scratch-unwatched-release",
        features: &["sqlite"],
        build_script: false,
        main_rs: WARNED,
    });
    scratch.write_migration(
        "1_create_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
    );
    let checked = scratch.cargo(&["check", "--release"]);
    let warnings = stderr(&checked);
    assert!(
        warnings.contains("warning: use of deprecated constant")
            && warnings.contains("`migrations` is not watched: the crate has no build script")
            && warnings.contains(r#"fn main() { println!("cargo:rerun-if-changed=migrations"); }"#)
            && warnings.contains("src/main.rs:1:"),
        "{warnings}"
    );
}
