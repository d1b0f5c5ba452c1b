//! When cargo rebuilds a crate that embeds a migrations folder.
//!
//! Each test writes a small crate into a temporary folder, builds and runs it with cargo, and
//! reads what the binary says it embeds. Editing a file rebuilds on its own (`include_str!`);
//! adding or removing one only rebuilds with the build script helper, and without it
//! `Migrations::stale_embedding` names the file the binary is missing.
//!
//! The crates (see `scratch`) build into `target/scratch` so that their dependencies compile
//! once across runs.

mod scratch;

use scratch::{let_the_clock_tick, one_build_at_a_time, Crate, Scratch};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// The scratch binary prints what it embeds, then what `stale_embedding()` reports.
const MAIN_RS: &str = r#"static MIGRATIONS: schema_runtime::Migrations = schema_runtime::embed_migrations!("migrations");

fn main() {
    for m in &MIGRATIONS {
        println!("migration\t{}\t{}\t{}\t{}", m.version, m.description, m.checksum, m.path);
    }
    match MIGRATIONS.stale_embedding() {
        None => println!("stale\tunknown"),
        Some(stale) => {
            for file in &stale.not_embedded {
                println!("not_embedded\t{file}");
            }
            for file in &stale.removed {
                println!("removed\t{file}");
            }
        }
    }
}
"#;

/// A scratch crate that embeds its `migrations` folder and prints what it embeds.
fn scratch(name: &str, build_script: bool) -> Scratch {
    Scratch::new(Crate {
        name,
        features: &[],
        build_script,
        main_rs: MAIN_RS,
    })
}

/// `cargo build`, and how long it took.
fn build(scratch: &Scratch) -> Duration {
    let start = Instant::now();
    scratch.cargo(&["build"]);
    start.elapsed()
}

/// `cargo run`: builds when cargo thinks it has to, then reads what the binary embeds.
fn run(scratch: &Scratch) -> Report {
    let output = scratch.cargo(&["run"]);
    let mut report = Report::parse(&String::from_utf8(output.stdout).expect("UTF-8 output"));
    report.stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    report
}

/// The build-time warning for a folder no build script watches, as the compiler shows it.
const NOT_WATCHED: &str = "`migrations` is not watched: the crate has no build script";

#[derive(Debug, Clone, PartialEq, Eq)]
struct Embedded {
    version: i64,
    description: String,
    checksum: String,
    path: String,
}

/// What the scratch binary printed.
#[derive(Debug, Default)]
struct Report {
    migrations: Vec<Embedded>,
    not_embedded: Vec<String>,
    removed: Vec<String>,
    stale_unknown: bool,
    /// What cargo printed: the build's warnings.
    stderr: String,
}

impl Report {
    fn parse(stdout: &str) -> Report {
        let mut report = Report::default();
        for line in stdout.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            match fields.as_slice() {
                ["migration", version, description, checksum, path] => {
                    report.migrations.push(Embedded {
                        version: version.parse().expect("a version"),
                        description: description.to_string(),
                        checksum: checksum.to_string(),
                        path: path.to_string(),
                    })
                }
                ["not_embedded", file] => report.not_embedded.push(file.to_string()),
                ["removed", file] => report.removed.push(file.to_string()),
                ["stale", "unknown"] => report.stale_unknown = true,
                _ => panic!("unexpected output line {line:?} in:\n{stdout}"),
            }
        }
        report
    }

    fn paths(&self) -> Vec<&str> {
        self.migrations.iter().map(|m| m.path.as_str()).collect()
    }

    fn assert_not_stale(&self) {
        assert!(!self.stale_unknown, "the build folder should still exist");
        assert!(
            self.not_embedded.is_empty() && self.removed.is_empty(),
            "the binary should embed the folder as it is: {self:#?}"
        );
    }
}

#[test]
fn with_the_build_script_cargo_rebuilds_when_a_migration_is_edited_added_or_removed() {
    let _build = one_build_at_a_time();
    let scratch = scratch("schema-scratch-rebuild-with-build-script", true);
    scratch.write_migration(
        "1_create_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
    );

    let first = run(&scratch);
    assert!(
        !first.stderr.contains("is not watched"),
        "a watched folder needs no warning:\n{}",
        first.stderr
    );
    assert_eq!(first.paths(), ["migrations/1_create_users.sql"]);
    assert_eq!(first.migrations[0].version, 1);
    assert_eq!(first.migrations[0].description, "create_users");
    first.assert_not_stale();

    // Edited: the binary embeds the new content.
    let_the_clock_tick();
    scratch.write_migration(
        "1_create_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n",
    );
    let edited = run(&scratch);
    assert_eq!(edited.paths(), ["migrations/1_create_users.sql"]);
    assert_ne!(
        edited.migrations[0].checksum, first.migrations[0].checksum,
        "editing the file should rebuild the crate with the new checksum"
    );
    edited.assert_not_stale();

    // Added: the build script makes cargo rebuild, and the macro finds the new file.
    let_the_clock_tick();
    scratch.write_migration(
        "2_create_posts.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n",
    );
    let added = run(&scratch);
    assert_eq!(
        added.paths(),
        [
            "migrations/1_create_users.sql",
            "migrations/2_create_posts.sql"
        ],
        "adding a file should rebuild the crate with the build script"
    );
    assert_eq!(added.migrations[0], edited.migrations[0]);
    added.assert_not_stale();

    // Removed: back to one migration.
    let_the_clock_tick();
    std::fs::remove_file(scratch.migration("2_create_posts.sql")).unwrap();
    let removed = run(&scratch);
    assert_eq!(
        removed.paths(),
        ["migrations/1_create_users.sql"],
        "removing a file should rebuild the crate"
    );
    assert_eq!(removed.migrations[0], edited.migrations[0]);
    removed.assert_not_stale();
}

#[test]
fn without_the_build_script_an_added_migration_is_not_embedded_but_stale_embedding_names_it() {
    let _build = one_build_at_a_time();
    let scratch = scratch("schema-scratch-rebuild-without-build-script", false);
    scratch.write_migration(
        "1_create_users.sql",
        "CREATE TABLE users (id INTEGER PRIMARY KEY);\n",
    );

    let first = run(&scratch);
    assert_eq!(first.paths(), ["migrations/1_create_users.sql"]);
    first.assert_not_stale();
    // The build says so, with the line to add, in every profile.
    assert!(first.stderr.contains(NOT_WATCHED), "{}", first.stderr);
    assert!(
        first
            .stderr
            .contains(r#"fn main() { println!("cargo:rerun-if-changed=migrations"); }"#),
        "{}",
        first.stderr
    );

    let_the_clock_tick();
    scratch.write_migration(
        "2_create_posts.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY);\n",
    );
    let added = run(&scratch);
    assert_eq!(
        added.migrations, first.migrations,
        "without a build script cargo does not know the folder changed, so nothing is rebuilt"
    );
    assert!(!added.stale_unknown, "the build folder still exists");
    assert_eq!(added.not_embedded, ["migrations/2_create_posts.sql"]);
    assert!(added.removed.is_empty(), "{added:#?}");
}

#[test]
fn editing_a_file_of_a_folder_the_set_builds_on_rebuilds_and_checks_the_set_again() {
    let _build = one_build_at_a_time();
    let scratch = Scratch::new(Crate {
        name: "schema-scratch-rebuild-after-folder",
        features: &[],
        build_script: false,
        main_rs: r#"static CALENDAR: schema_runtime::Migrations = schema_runtime::embed_migrations!(
    "migrations",
    prefix = "calendar_",
    after = "core"
);

fn main() {
    println!("{}", CALENDAR.len());
}
"#,
    });
    let core = scratch.root.join("core");
    std::fs::create_dir(&core).unwrap();
    let users = core.join("1_create_users.sql");
    std::fs::write(
        &users,
        "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT);\n",
    )
    .unwrap();
    scratch.write_migration(
        "1_create_events.sql",
        "CREATE TABLE calendar_events (id INTEGER PRIMARY KEY, user_id INTEGER REFERENCES users (id));\n\
         CREATE INDEX calendar_users_email ON users (email);\n",
    );
    build(&scratch);

    // The core renames the column the plugin indexes: nothing of the plugin changed, but its
    // build checked it against the core, so cargo must run the check again.
    let_the_clock_tick();
    std::fs::write(
        &users,
        "CREATE TABLE users (id INTEGER PRIMARY KEY, mail TEXT);\n",
    )
    .unwrap();
    let output = scratch.try_cargo(&["build"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "editing the core should rebuild the plugin and fail its check:\n{stderr}"
    );
    assert!(
        stderr.contains("migrations/1_create_events.sql:2:45: sqlite cannot apply this statement: no such column `email`"),
        "{stderr}"
    );
}

/// The files of the check's checkpoints a scratch crate's builds keep (in its `OUT_DIR`).
fn checkpoints(package: &str) -> Vec<std::path::PathBuf> {
    let build = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/scratch/debug/build");
    let mut files = Vec::new();
    for entry in std::fs::read_dir(build).unwrap().flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let folder = entry.path().join("out").join("schema-check");
        if name.starts_with(&format!("{package}-")) && folder.is_dir() {
            files.extend(
                std::fs::read_dir(folder)
                    .unwrap()
                    .flatten()
                    .map(|f| f.path()),
            );
        }
    }
    files
}

/// The build fails on the newest migration, for the missing `table`.
fn assert_fails_on_30(scratch: &Scratch, table: &str) {
    let output = scratch.try_cargo(&["build"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{stderr}");
    assert!(
        stderr.contains("migrations/30_t30.sql:1:")
            && stderr.contains(&format!("no such table `main.{table}`")),
        "{stderr}"
    );
}

#[test]
fn the_checks_checkpoints_are_kept_between_builds_and_every_edit_is_still_checked() {
    let _build = one_build_at_a_time();
    let package = "schema-scratch-rebuild-checkpoints";
    let scratch = scratch(package, true);
    for n in 1..=30 {
        let sql = match n {
            30 => "CREATE INDEX t30_by_t5 ON t5 (id);\n".to_owned(),
            n => format!("CREATE TABLE t{n} (id INTEGER PRIMARY KEY);\n"),
        };
        scratch.write_migration(&format!("{n}_t{n}.sql"), &sql);
    }
    build(&scratch);
    assert!(
        !checkpoints(package).is_empty(),
        "a crate with a build script keeps the check's checkpoints in its OUT_DIR"
    );

    // The newest file broken: the chain before it comes from a checkpoint, the file is checked.
    let_the_clock_tick();
    scratch.write_migration("30_t30.sql", "CREATE INDEX t30_by_nope ON nope (id);\n");
    assert_fails_on_30(&scratch, "nope");

    // Back as it was: builds again.
    let_the_clock_tick();
    scratch.write_migration("30_t30.sql", "CREATE INDEX t30_by_t5 ON t5 (id);\n");
    build(&scratch);

    // An early file changed so that the unchanged newest one fails: no checkpoint after the
    // edit stands for the chain any more.
    let_the_clock_tick();
    scratch.write_migration(
        "5_t5.sql",
        "CREATE TABLE t5_renamed (id INTEGER PRIMARY KEY);\n",
    );
    assert_fails_on_30(&scratch, "t5");
}

/// One realistic migration: a table with a foreign key to the previous one and an index, now
/// and then seed rows or a view. Returns `(file name, sql)` pairs: one simple file, or an
/// `.up.sql`/`.down.sql` pair for every tenth migration.
fn realistic_migration(n: usize) -> Vec<(String, String)> {
    let table = format!("table_{n:04}");
    let mut up = String::new();
    writeln!(up, "-- Migration {n}: the {table} table.").unwrap();
    writeln!(up, "CREATE TABLE {table} (").unwrap();
    writeln!(up, "    id BIGINT PRIMARY KEY,").unwrap();
    writeln!(up, "    name TEXT NOT NULL,").unwrap();
    writeln!(up, "    amount NUMERIC(12, 2) NOT NULL DEFAULT 0,").unwrap();
    writeln!(
        up,
        "    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,"
    )
    .unwrap();
    if n > 1 {
        let parent = format!("table_{:04}", n - 1);
        writeln!(
            up,
            "    {parent}_id BIGINT REFERENCES {parent} (id) ON DELETE CASCADE,"
        )
        .unwrap();
        writeln!(up, "    UNIQUE (name, {parent}_id)").unwrap();
    } else {
        writeln!(up, "    UNIQUE (name)").unwrap();
    }
    writeln!(up, ");").unwrap();
    writeln!(
        up,
        "CREATE INDEX {table}_created_at_idx ON {table} (created_at);"
    )
    .unwrap();
    if n.is_multiple_of(7) {
        writeln!(
            up,
            "INSERT INTO {table} (id, name, amount) VALUES (1, 'first', 10.50), (2, 'second', 0);"
        )
        .unwrap();
    }
    if n.is_multiple_of(13) {
        writeln!(
            up,
            "CREATE VIEW {table}_totals AS\n    SELECT name, SUM(amount) AS total FROM {table} GROUP BY name;"
        )
        .unwrap();
    }
    let stem = format!("{n:04}_create_{table}");
    if !n.is_multiple_of(10) {
        return vec![(format!("{stem}.sql"), up)];
    }
    let mut down = String::new();
    if n.is_multiple_of(13) {
        writeln!(down, "DROP VIEW {table}_totals;").unwrap();
    }
    writeln!(down, "DROP INDEX {table}_created_at_idx;").unwrap();
    writeln!(down, "DROP TABLE {table};").unwrap();
    vec![
        (format!("{stem}.up.sql"), up),
        (format!("{stem}.down.sql"), down),
    ]
}

#[test]
fn a_thousand_migration_folder_compiles() {
    const MIGRATIONS: usize = 1000;
    let _build = one_build_at_a_time();
    let scratch = scratch("schema-scratch-thousand-migrations", true);
    let mut files = Vec::new();
    for n in 1..=MIGRATIONS {
        for (file, sql) in realistic_migration(n) {
            scratch.write_migration(&file, &sql);
            files.push(format!("migrations/{file}"));
        }
    }
    // 1,000 migrations, every tenth with a down file.
    assert_eq!(files.len(), MIGRATIONS + MIGRATIONS / 10);

    let first_build = build(&scratch);
    let report = run(&scratch);
    assert_eq!(
        report.migrations.len(),
        files.len(),
        "every generated file is embedded"
    );
    let mut embedded = report.paths();
    embedded.sort_unstable();
    let mut generated: Vec<&str> = files.iter().map(String::as_str).collect();
    generated.sort_unstable();
    assert_eq!(embedded, generated);
    let versions: Vec<i64> = report.migrations.iter().map(|m| m.version).collect();
    assert!(
        versions.windows(2).all(|w| w[0] <= w[1]),
        "apply order is by version"
    );
    report.assert_not_stale();

    // Touch one migration in the middle and time the rebuild it causes.
    let_the_clock_tick();
    let touched = scratch.migration("0500_create_table_0500.up.sql");
    let mut sql = std::fs::read_to_string(&touched).unwrap();
    sql.push_str("-- reviewed\n");
    std::fs::write(&touched, sql).unwrap();
    let rebuild = build(&scratch);
    let after = run(&scratch);
    assert_eq!(after.migrations.len(), files.len());
    let changed: Vec<&str> = report
        .migrations
        .iter()
        .zip(&after.migrations)
        .filter(|(before, after)| before.checksum != after.checksum)
        .map(|(_, after)| after.path.as_str())
        .collect();
    assert_eq!(
        changed,
        ["migrations/0500_create_table_0500.up.sql"],
        "the rebuild embeds the edited file"
    );

    eprintln!(
        "{} migration files ({MIGRATIONS} migrations): first `cargo build` of the crate {:.2?} \
         (dependencies may have been compiled already), rebuild after editing one file {:.2?}",
        files.len(),
        first_build,
        rebuild,
    );
}
