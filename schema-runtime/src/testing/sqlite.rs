//! SQLite test databases: one template per process and options, migrated once in memory, and
//! a copy of it per test through SQLite's backup API (page by page, no SQL replayed).

use super::error::db;
use super::{TestDatabase, TestError, TestOptions};
use crate::Checksum;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::{Connection, OpenFlags};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use std::collections::HashMap;
use std::path::PathBuf;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

/// A migrated template: a connection that keeps its in-memory database alive for the process.
#[derive(Debug)]
struct Template {
    name: String,
    connection: Mutex<Connection>,
}

/// What dropping an SQLite test database takes.
#[derive(Debug)]
pub(super) enum Place {
    /// A shared in-memory database, alive while this connection (or one of the pool's) is
    /// open.
    Memory(#[allow(dead_code)] Mutex<Connection>),
    /// A temporary file, with its journal.
    File(PathBuf),
}

impl Place {
    /// Frees the database: the keeping connection closed, the file and its journal removed.
    pub(super) fn remove(self) {
        match self {
            Place::Memory(keeper) => drop(keeper),
            Place::File(path) => remove_files(&path),
        }
    }
}

/// The templates of this process, by [`TestOptions::key`]. Each is built by the first test
/// that asks for it; the others wait for it.
type Templates = Mutex<HashMap<Checksum, Arc<tokio::sync::OnceCell<Arc<Template>>>>>;

static TEMPLATES: OnceLock<Templates> = OnceLock::new();
static NEXT: AtomicU64 = AtomicU64::new(0);

/// How many connections a test's pool may open.
const POOL_SIZE: u32 = 5;

/// A test file older than this, in the temporary folder, is one a killed process left.
const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

pub(super) async fn create(options: &TestOptions) -> Result<TestDatabase<SqlitePool>, TestError> {
    if options.url.is_some() {
        return Err(TestError::UnsupportedOption {
            option: "url",
            database: "SQLite",
        });
    }
    let template = template(options).await?;
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    if options.in_file {
        remove_stale_files();
        let path = std::env::temp_dir().join(format!(
            "schema_test_{}_{}_{n}.db",
            std::process::id(),
            unix_seconds()
        ));
        #[cfg(feature = "sqlcipher")]
        let copied = match &options.encryption {
            Some(encryption) => export_encrypted(&template, &path, encryption),
            None => Connection::open(&path).and_then(|mut file| copy(&template, &mut file)),
        };
        #[cfg(not(feature = "sqlcipher"))]
        let copied = Connection::open(&path).and_then(|mut file| copy(&template, &mut file));
        if let Err(source) = copied {
            remove_files(&path);
            return Err(TestError::Copy {
                destination: path.display().to_string(),
                source,
            });
        }
        let connect = SqliteConnectOptions::new().filename(&path);
        #[cfg(feature = "sqlcipher")]
        let connect = match &options.encryption {
            Some(encryption) => encryption.apply(connect),
            None => connect,
        };
        let pool = match SqlitePoolOptions::new()
            .max_connections(POOL_SIZE)
            .connect_with(connect)
            .await
        {
            Ok(pool) => pool,
            Err(e) => {
                remove_files(&path);
                return Err(db("opening the test database")(e));
            }
        };
        return Ok(TestDatabase {
            pool,
            name: path.display().to_string(),
            place: super::Place::Sqlite(Place::File(path)),
            template: template.name.clone(),
        });
    }
    let name = format!("file:schema_test_{}_{n}", std::process::id());
    let mut keeper = open_shared(&name).map_err(|source| TestError::Copy {
        destination: name.clone(),
        source,
    })?;
    copy(&template, &mut keeper).map_err(|source| TestError::Copy {
        destination: name.clone(),
        source,
    })?;
    let pool = SqlitePoolOptions::new()
        .max_connections(POOL_SIZE)
        .connect_with(shared_options(&name)?)
        .await
        .map_err(db("opening the test database"))?;
    Ok(TestDatabase {
        pool,
        name,
        place: super::Place::Sqlite(Place::Memory(Mutex::new(keeper))),
        template: template.name.clone(),
    })
}

/// The process's template for `options`, migrated by the first caller.
async fn template(options: &TestOptions) -> Result<Arc<Template>, TestError> {
    let key = options.key("sqlite");
    let cell = {
        let mut templates = TEMPLATES
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        templates.entry(key).or_default().clone()
    };
    cell.get_or_try_init(|| build(options))
        .await
        .map(Arc::clone)
}

/// Migrates a new in-memory template: the sets through the migrator on an sqlx pool, then
/// the fixtures. A connection of this module keeps it alive after the pool is closed.
async fn build(options: &TestOptions) -> Result<Arc<Template>, TestError> {
    let name = format!(
        "file:schema_tpl_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let keeper = open_shared(&name).map_err(|source| TestError::Copy {
        destination: name.clone(),
        source,
    })?;
    // One connection: the migrator refuses nothing on it, and the template sees every write.
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(shared_options(&name)?)
        .await
        .map_err(db("opening the test template"))?;
    let migrated = super::migrate((&pool).into(), options).await;
    pool.close().await;
    migrated?;
    Ok(Arc::new(Template {
        name,
        connection: Mutex::new(keeper),
    }))
}

/// Copies the template into `destination`, every page in one step.
fn copy(template: &Template, destination: &mut Connection) -> rusqlite::Result<()> {
    let source = template
        .connection
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let backup = Backup::new(&source, destination)?;
    // Busy or locked: only this process reaches either database, and not for long.
    while backup.step(-1)? != StepResult::Done {
        std::thread::sleep(Duration::from_millis(1));
    }
    Ok(())
}

/// Writes the template into the new file `path` encrypted with `encryption`: SQLite's backup
/// API copies pages between databases of one encryption only, so the file is attached with
/// the key and settings and filled by SQLCipher's `sqlcipher_export()` (schema, rows and
/// `user_version`), then detached.
#[cfg(feature = "sqlcipher")]
fn export_encrypted(
    template: &Template,
    path: &std::path::Path,
    encryption: &crate::sqlcipher::Encryption,
) -> rusqlite::Result<()> {
    let source = template
        .connection
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let path = path.to_string_lossy();
    // language=SQLite
    source.execute(
        "ATTACH DATABASE ?1 AS schema_test_copy KEY ?2",
        [path.as_ref(), encryption.key().text()],
    )?;
    let exported = (|| {
        for (name, value) in encryption.cipher_settings().pragmas() {
            source.execute_batch(&format!("PRAGMA schema_test_copy.{name} = {value}"))?;
        }
        source.query_row(
            "SELECT sqlcipher_export('schema_test_copy')",
            [],
            |_| Ok(()),
        )
    })();
    let detached = source.execute("DETACH DATABASE schema_test_copy", []);
    exported.and(detached.map(|_| ()))
}

/// A connection to the shared in-memory database `name` (`file:…`), created if missing.
fn open_shared(name: &str) -> rusqlite::Result<Connection> {
    Connection::open_with_flags(
        format!("{name}?mode=memory&cache=shared"),
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
}

fn shared_options(name: &str) -> Result<SqliteConnectOptions, TestError> {
    SqliteConnectOptions::from_str(&format!("sqlite:{name}?mode=memory&cache=shared"))
        .map_err(db("naming the in-memory test database"))
}

fn remove_files(path: &std::path::Path) {
    let _ = std::fs::remove_file(path);
    for suffix in ["-journal", "-wal", "-shm"] {
        let mut side = path.as_os_str().to_owned();
        side.push(suffix);
        let _ = std::fs::remove_file(side);
    }
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Removes, once per process, the test files a killed process left in the temporary folder:
/// named `schema_test_<pid>_<seconds>_<n>.db`, older than [`STALE_AFTER`].
fn remove_stale_files() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let Ok(entries) = std::fs::read_dir(std::env::temp_dir()) else {
            return;
        };
        let now = unix_seconds();
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let Some(rest) = name.strip_prefix("schema_test_") else {
                continue;
            };
            let seconds = rest.split('_').nth(1).and_then(|s| s.parse::<u64>().ok());
            if seconds.is_some_and(|s| now.saturating_sub(s) > STALE_AFTER.as_secs()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    });
}
