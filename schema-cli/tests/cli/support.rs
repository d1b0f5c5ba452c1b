//! Running `schema` in a temporary project folder, and looking at its databases.

use serde_json::Value;
use sqlx::{Connection, SqliteConnection};
use std::path::{Path, PathBuf};
use std::process::Command;
use tempfile::TempDir;

/// The fixture folders shared with the runtime's tests.
pub fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

/// Copies every file (and folder) of `from` into `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// A temporary folder to run `schema` in, with its migrations in `migrations/`.
pub struct Project {
    dir: TempDir,
    /// The database the commands use, unless a test passes another.
    pub url: String,
}

impl Project {
    /// An empty folder, with an SQLite database `app.db` (not created yet).
    pub fn new() -> Project {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite:{}", dir.path().join("app.db").display());
        Project { dir, url }
    }

    /// A folder whose `migrations/` is a copy of the fixture `name`.
    pub fn with_fixture(name: &str) -> Project {
        let project = Project::new();
        project.use_fixture(name);
        project
    }

    /// Replaces `migrations/` with a copy of the fixture `name`.
    pub fn use_fixture(&self, name: &str) {
        let migrations = self.migrations();
        if migrations.exists() {
            std::fs::remove_dir_all(&migrations).unwrap();
        }
        copy_dir(&fixture_dir(name), &migrations);
    }

    /// Writes `migrations/<file>`.
    pub fn write(&self, file: &str, sql: &str) {
        let path = self.migrations().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, sql).unwrap();
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn migrations(&self) -> PathBuf {
        self.path().join("migrations")
    }

    pub fn sqlite_file(&self) -> PathBuf {
        self.path().join("app.db")
    }

    /// Runs `schema <args>` in the folder against the project's database.
    pub fn schema(&self, args: &[&str]) -> Run {
        run_schema(self.path(), Some(&self.url), args)
    }
}

/// Runs the `schema` binary in `dir`, with `DATABASE_URL` set to `url` (or unset).
pub fn run_schema(dir: &Path, url: Option<&str>, args: &[&str]) -> Run {
    let mut command = Command::new(env!("CARGO_BIN_EXE_schema"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("DATABASE_URL")
        .env_remove("NO_COLOR")
        .env("COLUMNS", "100");
    if let Some(url) = url {
        command.env("DATABASE_URL", url);
    }
    let output = command.output().unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8(output.stderr).unwrap(),
        args: args.join(" "),
    }
}

/// What a run of `schema` printed, and its exit code.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
    args: String,
}

impl Run {
    /// Asserts the exit code, showing the output when it differs.
    #[track_caller]
    pub fn code(self, expected: i32) -> Run {
        assert_eq!(
            self.code, expected,
            "`schema {}` exited with {}\n--- stdout\n{}\n--- stderr\n{}",
            self.args, self.code, self.stdout, self.stderr
        );
        self
    }

    /// stdout parsed as the one JSON document it must be.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "`schema {}` printed no JSON document ({e}):\n{}\n--- stderr\n{}",
                self.args, self.stdout, self.stderr
            )
        })
    }
}

/// The versions listed in a JSON array of numbers, or of objects with a `version`.
pub fn versions(value: &Value) -> Vec<i64> {
    value
        .as_array()
        .unwrap_or_else(|| panic!("not an array: {value}"))
        .iter()
        .map(|v| v.as_i64().or_else(|| v["version"].as_i64()).unwrap())
        .collect()
}

/// `(version, state)` of every migration in `status --json`.
pub fn states(status: &Value) -> Vec<(i64, String)> {
    status["migrations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["version"].as_i64().unwrap(),
                m["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Migrates the project's database (SQLite or PostgreSQL, as its URL says) with sqlx's own
/// migrator, as an application using sqlx would have.
pub fn sqlx_migrate(project: &Project) {
    block_on(async {
        let migrator = sqlx::migrate::Migrator::new(project.migrations().as_path())
            .await
            .unwrap();
        if project.url.starts_with("postgres") {
            let pool = sqlx::PgPool::connect(&project.url).await.unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        } else {
            let pool = sqlx::SqlitePool::connect(&format!("{}?mode=rwc", project.url))
                .await
                .unwrap();
            migrator.run(&pool).await.unwrap();
            pool.close().await;
        }
    });
}

/// A pool on `app.db` in `dir`, created if missing: an application's, for mounted commands.
pub async fn sqlite_pool(dir: &Path) -> sqlx::SqlitePool {
    sqlx::SqlitePool::connect(&format!("sqlite:{}?mode=rwc", dir.join("app.db").display()))
        .await
        .unwrap()
}

/// Runs `future` to its end on a runtime of its own.
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(future)
}

/// The schema the migrations made, without the tracking tables: `(type, name, sql)`.
pub fn dump(file: &Path) -> Vec<(String, String, Option<String>)> {
    block_on(async {
        let mut conn = SqliteConnection::connect(&format!("sqlite:{}", file.display()))
            .await
            .unwrap();
        let rows = sqlx::query_as(
            "SELECT type, name, sql FROM sqlite_master
             WHERE name NOT LIKE '\\_schema%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'
             ORDER BY type, name",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        rows
    })
}

/// Every table, tracking tables included.
pub fn tables(file: &Path) -> Vec<String> {
    block_on(async {
        let mut conn = SqliteConnection::connect(&format!("sqlite:{}", file.display()))
            .await
            .unwrap();
        let names = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
        )
        .fetch_all(&mut conn)
        .await
        .unwrap();
        conn.close().await.unwrap();
        names
    })
}

/// Runs `sql` (several statements) on the SQLite file, creating it if needed.
pub fn exec(file: &Path, sql: &str) {
    block_on(async {
        let mut conn = SqliteConnection::connect(&format!("sqlite:{}?mode=rwc", file.display()))
            .await
            .unwrap();
        sqlx::raw_sql(sql).execute(&mut conn).await.unwrap();
        conn.close().await.unwrap();
    })
}
