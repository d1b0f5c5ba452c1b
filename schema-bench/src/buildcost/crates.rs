//! The scratch crates of `schema-bench build`: the same generated migrations embedded three
//! ways (no macro, sqlx's `migrate!`, this project's `embed_migrations!`), each a small binary
//! that migrates a database at boot and prints its peak resident set size.

use crate::generate::{self, Dialect, GeneratedFile};
use std::fmt::Write as _;
use std::io;
use std::path::{Path, PathBuf};

/// One way of embedding the migrations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `include_str!` of each file in a static array, applied one transaction each: the floor.
    NoMacro,
    /// sqlx's `migrate!` and `Migrator::run`.
    Sqlx,
    /// `embed_migrations!` and `Migrations::run`, SQL check on.
    Schema,
    /// `embed_migrations!(…, check = false)`: what the check itself costs the rebuild.
    SchemaUnchecked,
    /// sqlx with PostgreSQL alone (built only, for its size).
    SqlxPostgres,
    /// schema-runtime with `default-features = false, features = ["postgres"]`.
    SchemaPostgres,
}

impl Kind {
    /// The crates whose rebuild is timed and whose binary is run, in the table's order.
    pub const SQLITE: [Kind; 4] = [
        Kind::NoMacro,
        Kind::Sqlx,
        Kind::Schema,
        Kind::SchemaUnchecked,
    ];
    /// The PostgreSQL-only crates, built in release for their size.
    pub const POSTGRES: [Kind; 2] = [Kind::SqlxPostgres, Kind::SchemaPostgres];

    pub fn slug(self) -> &'static str {
        match self {
            Kind::NoMacro => "no-macro",
            Kind::Sqlx => "sqlx",
            Kind::Schema => "schema",
            Kind::SchemaUnchecked => "schema-unchecked",
            Kind::SqlxPostgres => "sqlx-postgres",
            Kind::SchemaPostgres => "schema-postgres",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::NoMacro => "no macro",
            Kind::Sqlx => "sqlx `migrate!`",
            Kind::Schema => "this project",
            Kind::SchemaUnchecked => "this project, `check = false`",
            Kind::SqlxPostgres => "sqlx, PostgreSQL only",
            Kind::SchemaPostgres => "this project, PostgreSQL only",
        }
    }

    fn dialect(self) -> Dialect {
        match self {
            Kind::SqlxPostgres | Kind::SchemaPostgres => Dialect::Postgres,
            _ => Dialect::Sqlite,
        }
    }

    /// The package (and binary) name; the size keeps crates of different sizes apart in the
    /// shared target folder.
    pub fn package(self, n: usize) -> String {
        format!("bench-build-{}-{n}", self.slug())
    }
}

/// A scratch crate written into `root`.
pub struct ScratchCrate {
    pub root: PathBuf,
    pub package: String,
    /// The file a rebuild measurement edits: the middle one, so that half the chain is before it.
    pub touched: PathBuf,
    /// Bytes of SQL in the folder.
    pub sql_bytes: u64,
}

/// sqlx as the workspace has it, with the driver of `dialect`.
fn sqlx_dependency(dialect: Dialect) -> String {
    let driver = match dialect {
        Dialect::Sqlite => "sqlite",
        Dialect::Postgres => "postgres",
    };
    format!(
        "sqlx = {{ version = \"0.8.6\", default-features = false, features = [\"runtime-tokio\", \"macros\", \"migrate\", \"{driver}\"] }}\n"
    )
}

const TOKIO: &str = "tokio = { version = \"1\", features = [\"macros\", \"rt\"] }\n";

/// Reads the process's peak resident set size, and what is resident at the end split into
/// file pages (the binary and the libraries) and anonymous memory (heap and stacks), and
/// prints them with the count applied.
const REPORT: &str = r#"
fn report(applied: usize) {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    let kib = |field: &str| {
        status
            .lines()
            .find_map(|line| line.strip_prefix(field))
            .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    println!(
        "applied {applied} peak_rss_kib {} file_kib {} anon_kib {}",
        kib("VmHWM:"),
        kib("RssFile:"),
        kib("RssAnon:")
    );
}
"#;

fn connect(dialect: Dialect) -> &'static str {
    match dialect {
        Dialect::Sqlite => {
            r#"    let target = std::env::args().nth(1).expect("the database file");
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(&target)
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.expect("connect");
"#
        }
        Dialect::Postgres => {
            r#"    let target = std::env::args().nth(1).expect("the database URL");
    let pool = sqlx::PgPool::connect(&target).await.expect("connect");
"#
        }
    }
}

fn main_rs(kind: Kind, dialect: Dialect) -> String {
    let (head, body) = match kind {
        Kind::NoMacro => (
            "mod embedded;\n",
            r#"    for sql in embedded::MIGRATIONS {
        let mut tx = pool.begin().await.expect("begin");
        sqlx::raw_sql(sql).execute(&mut *tx).await.expect("apply");
        tx.commit().await.expect("commit");
    }
    report(embedded::MIGRATIONS.len());
"#,
        ),
        Kind::Sqlx | Kind::SqlxPostgres => (
            "static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!(\"./migrations\");\n",
            r#"    MIGRATOR.run(&pool).await.expect("migrate");
    report(MIGRATOR.iter().count());
"#,
        ),
        Kind::Schema | Kind::SchemaPostgres => (
            "static MIGRATIONS: schema_runtime::Migrations = schema_runtime::embed_migrations!(\"migrations\");\n",
            r#"    let done = MIGRATIONS.run(&pool).await.expect("migrate");
    report(done.applied.len());
"#,
        ),
        Kind::SchemaUnchecked => (
            "static MIGRATIONS: schema_runtime::Migrations = schema_runtime::embed_migrations!(\"migrations\", check = false);\n",
            r#"    let done = MIGRATIONS.run(&pool).await.expect("migrate");
    report(done.applied.len());
"#,
        ),
    };
    format!(
        "{head}\n#[tokio::main(flavor = \"current_thread\")]\nasync fn main() {{\n{}{body}}}\n{REPORT}",
        connect(dialect)
    )
}

/// `src/embedded.rs` of the no-macro crate: each file's text in a static array.
fn embedded_rs(files: &[GeneratedFile]) -> String {
    let mut out = String::from("pub static MIGRATIONS: &[&str] = &[\n");
    for f in files {
        writeln!(out, "    include_str!(\"../migrations/{}\"),", f.name).unwrap();
    }
    out.push_str("];\n");
    out
}

/// Writes the crate of `kind` over `n` generated migrations into `parent/<package>`.
/// `runtime` is the schema-runtime crate's folder, `lock` the workspace's lock file.
pub fn write(
    parent: &Path,
    kind: Kind,
    n: usize,
    runtime: &Path,
    lock: &Path,
) -> io::Result<ScratchCrate> {
    let package = kind.package(n);
    let root = parent.join(&package);
    let migrations = root.join("migrations");
    std::fs::create_dir_all(&migrations)?;
    std::fs::create_dir_all(root.join("src"))?;
    let dialect = kind.dialect();
    let (files, _) = generate::generate(n, dialect);
    generate::write(&migrations, &files)?;
    let mut deps = sqlx_dependency(dialect);
    deps.push_str(TOKIO);
    match kind {
        Kind::Schema | Kind::SchemaUnchecked | Kind::SchemaPostgres => {
            let runtime = runtime.to_string_lossy().replace('\\', "/");
            let feature = match dialect {
                Dialect::Sqlite => "sqlite",
                Dialect::Postgres => "postgres",
            };
            writeln!(
                deps,
                "schema-runtime = {{ path = \"{runtime}\", default-features = false, features = [\"{feature}\"] }}"
            )
            .unwrap();
        }
        Kind::NoMacro => {
            std::fs::write(root.join("src/embedded.rs"), embedded_rs(&files))?;
        }
        Kind::Sqlx | Kind::SqlxPostgres => {}
    }
    let manifest = format!(
        "[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\n{deps}\n[workspace]\n"
    );
    std::fs::write(root.join("Cargo.toml"), manifest)?;
    // Every crate gets the one-line build script both tools recommend, so that an added file
    // rebuilds too; the no-macro crate's list is written here, so it needs none.
    if kind != Kind::NoMacro {
        std::fs::write(
            root.join("build.rs"),
            "fn main() {\n    println!(\"cargo:rerun-if-changed=migrations\");\n}\n",
        )?;
    }
    std::fs::write(root.join("src/main.rs"), main_rs(kind, dialect))?;
    finish(root, package, &files, lock)
}

/// Copies the workspace's lock file into the crate (its versions, already compiled for the
/// workspace and in the registry cache) and names the file an edit changes: the middle one,
/// in the order the names sort.
fn finish(
    root: PathBuf,
    package: String,
    files: &[GeneratedFile],
    lock: &Path,
) -> io::Result<ScratchCrate> {
    if lock.is_file() {
        std::fs::copy(lock, root.join("Cargo.lock"))?;
    }
    let touched = root.join("migrations").join(&files[files.len() / 2].name);
    let sql_bytes = files.iter().map(|f| f.sql.len() as u64).sum();
    Ok(ScratchCrate {
        root,
        package,
        touched,
        sql_bytes,
    })
}

/// The package of the check's floor at size `n`.
pub fn check_floor_package(n: usize) -> String {
    format!("bench-build-check-floor-{n}")
}

/// `src/main.rs` of the check's floor: reads the folder, applies its files before the one
/// named untimed, then the rest each in its own transaction, timed, and prints the time. As
/// the check, it compiles every statement and runs only those that change the schema.
const CHECK_FLOOR_MAIN: &str = r#"use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let dir = args.next().expect("the migrations folder");
    let from: usize = args.next().expect("the index of the edited file").parse().expect("a number");
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(&dir)
        .expect("the folder")
        .map(|entry| entry.expect("an entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "sql"))
        .collect();
    paths.sort();
    let files: Vec<String> = paths.iter().map(|p| std::fs::read_to_string(p).expect("a file")).collect();
    // As the check: SQLite's memory statistics off, foreign keys not enforced.
    unsafe {
        rusqlite::ffi::sqlite3_config(rusqlite::ffi::SQLITE_CONFIG_MEMSTATUS, 0 as std::ffi::c_int);
    }
    let db = rusqlite::Connection::open_in_memory().expect("open");
    db.execute_batch("PRAGMA foreign_keys = OFF;").expect("pragma");
    let mut started = Instant::now();
    for (i, sql) in files.iter().enumerate() {
        if i == from {
            started = Instant::now();
        }
        db.execute_batch("BEGIN").expect("begin");
        // As the check: every statement compiled, those that only read or write rows not run.
        let mut batch = rusqlite::Batch::new(&db, sql);
        while let Some(mut statement) = batch.next().expect("compile") {
            let text = statement.expanded_sql().unwrap_or_default();
            if !compile_only(&text) {
                let mut rows = statement.raw_query();
                while rows.next().expect("apply").is_some() {}
            }
        }
        db.execute_batch("COMMIT").expect("commit");
    }
    println!("floor_us {}", started.elapsed().as_micros());
}

/// The statements the check compiles without running, by their first word (after any
/// comments).
fn compile_only(mut sql: &str) -> bool {
    loop {
        sql = sql.trim_start();
        if let Some(rest) = sql.strip_prefix("--") {
            sql = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(rest) = sql.strip_prefix("/*") {
            sql = rest.split_once("*/").map_or("", |(_, after)| after);
        } else {
            break;
        }
    }
    let word: String = sql.chars().take_while(char::is_ascii_alphabetic).collect();
    matches!(
        word.to_ascii_uppercase().as_str(),
        "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "WITH" | "VALUES" | "EXPLAIN" | "ATTACH" | "VACUUM"
    )
}
"#;

/// The check's floor: the least the SQL check can cost a rebuild after an edit, SQLite alone
/// (rusqlite as schema-core has it, built unoptimised as cargo builds a proc macro's
/// dependencies) applying the files from the edited one on, after the ones before it.
pub fn write_check_floor(parent: &Path, n: usize, lock: &Path) -> io::Result<ScratchCrate> {
    let package = check_floor_package(n);
    let root = parent.join(&package);
    let migrations = root.join("migrations");
    std::fs::create_dir_all(&migrations)?;
    std::fs::create_dir_all(root.join("src"))?;
    let (files, _) = generate::generate(n, Dialect::Sqlite);
    generate::write(&migrations, &files)?;
    let manifest = format!(
        "[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
         [dependencies]\nrusqlite = {{ version = \"0.32.1\", default-features = false, features = [\"bundled\"] }}\n\n[workspace]\n"
    );
    std::fs::write(root.join("Cargo.toml"), manifest)?;
    std::fs::write(root.join("src/main.rs"), CHECK_FLOOR_MAIN)?;
    finish(root, package, &files, lock)
}
