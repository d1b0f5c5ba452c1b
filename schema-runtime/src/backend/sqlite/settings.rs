//! The state of the run's connection that a migration may change, put back after it: a
//! `PRAGMA foreign_keys = OFF` or `PRAGMA ignore_check_constraints = ON` would otherwise stay
//! on the pool's connection and hold for the application.
//!
//! SQLite has no statement that runs SQL given as a value, so a migration changes the
//! connection only with a statement that names what it changes: `PRAGMA`, `ATTACH`, `DETACH`,
//! a `TEMP` object. A file that contains none of these words (ASCII case-insensitive, in any
//! position, comments included) is not checked at all, and costs nothing; one that does is
//! compared before and after, and what differs is set back, or the connection is closed when
//! something cannot be (a pragma with no value to read, a temporary object, a database
//! detached). An in-memory database lives only as long as its connections, so its connection
//! is never closed: what cannot be set back is logged and stays. (A function the application
//! registers that runs SQL itself is not seen.)

use super::SqliteBackend;
use sqlx::pool::PoolConnection;
use sqlx::sqlite::{Sqlite, SqliteConnection};
use sqlx::{Executor, Row};

impl SqliteBackend<'_> {
    /// Puts the run's connection back after a call that ran a migration's statements on
    /// their own: what they changed on the connection is set back first (when its transaction
    /// state is known); closed instead when that state is unknown (a rollback that failed).
    pub(super) async fn hand_back(
        &mut self,
        mut conn: PoolConnection<Sqlite>,
        lent: Option<Lent>,
        mut unknown_state: bool,
    ) {
        // Closing the connection to an in-memory database would lose the database: it is
        // rolled back once more and kept.
        if unknown_state && self.is_in_memory(&mut conn).await {
            super::control::roll_back_kept(&mut conn).await;
            unknown_state = false;
        }
        let conn = match lent {
            Some(lent) if !unknown_state => lent.restore(conn).await,
            _ => Some(conn),
        };
        match conn {
            Some(conn) if unknown_state => drop(conn.detach()),
            Some(conn) => self.conn = Some(conn),
            None => {}
        }
    }
}

/// The pragmas of a connection whose value can be read and set back as it was read.
const PRAGMAS: &[&str] = &[
    "analysis_limit",
    "automatic_index",
    "busy_timeout",
    "cache_size",
    "cache_spill",
    "cell_size_check",
    "checkpoint_fullfsync",
    "defer_foreign_keys",
    "foreign_keys",
    "fullfsync",
    "hard_heap_limit",
    "ignore_check_constraints",
    "journal_size_limit",
    "legacy_alter_table",
    "locking_mode",
    "max_page_count",
    "query_only",
    "read_uncommitted",
    "recursive_triggers",
    "reverse_unordered_selects",
    "secure_delete",
    "soft_heap_limit",
    "synchronous",
    "temp_store",
    "threads",
    "trusted_schema",
    "writable_schema",
];

/// Pragmas of the connection with no value to read in a query: a file that names one has its
/// connection closed after it.
const UNREADABLE: &[&str] = &["mmap_size", "wal_autocheckpoint"];

/// Whether `sql` may change its connection's state: it holds one of the words every such
/// statement holds (`temp` also as the `temp.` schema).
fn may_change(sql: &str) -> bool {
    crate::backend::progress::any_word(sql, |word| {
        matches!(
            word,
            "pragma" | "attach" | "detach" | "temp" | "temporary" | "load_extension"
        )
    })
}

/// `None` when none of `sqls` may change the connection; otherwise whether one names a pragma
/// whose value cannot be read.
fn unreadable_named(sqls: &[&str]) -> Option<bool> {
    let texts: Vec<String> = sqls
        .iter()
        .filter(|sql| may_change(sql))
        .map(|sql| sql.to_ascii_lowercase())
        .collect();
    if texts.is_empty() {
        return None;
    }
    Some(
        texts
            .iter()
            .any(|sql| UNREADABLE.iter().any(|p| sql.contains(p))),
    )
}

/// The query reading the state: each pragma, then the attached databases, the temporary
/// objects, the journal mode (belongs to the file too: never set back, the connection is
/// closed instead) and whether `LIKE` ignores case (`case_sensitive_like`, which has no getter).
fn query() -> String {
    let mut columns: Vec<String> = PRAGMAS
        .iter()
        .map(|p| format!("CAST((SELECT * FROM pragma_{p}) AS TEXT)"))
        .collect();
    columns.push("(SELECT group_concat(name, ',') FROM pragma_database_list)".to_owned());
    columns
        .push("(SELECT group_concat(type || ' ' || name, ',') FROM temp.sqlite_master)".to_owned());
    columns.push("(SELECT journal_mode FROM pragma_journal_mode)".to_owned());
    columns.push("CAST('a' LIKE 'A' AS TEXT)".to_owned());
    format!("SELECT {}", columns.join(", "))
}

/// The state of the connection before a migration that may change it.
pub(super) enum Lent {
    Read {
        values: Vec<Option<String>>,
        /// The file names a pragma whose value cannot be read.
        unreadable: bool,
    },
    /// It could not be read: the connection is closed after the migration.
    Unknown,
}

impl Lent {
    /// The state of `conn` if one of `sqls` may change it; `None` (and no query) otherwise.
    pub(super) async fn before(conn: &mut SqliteConnection, sqls: &[&str]) -> Option<Lent> {
        let unreadable = unreadable_named(sqls)?;
        Some(match read(conn).await {
            Ok(values) => Lent::Read { values, unreadable },
            Err(e) => {
                tracing::warn!(error = %e, "could not read the connection's settings");
                Lent::Unknown
            }
        })
    }

    /// Sets back on `conn` what the migration changed; returns the connection, or `None` when
    /// it was closed because something could not be set back.
    pub(super) async fn restore(
        &self,
        mut conn: PoolConnection<Sqlite>,
    ) -> Option<PoolConnection<Sqlite>> {
        let clean = match self {
            Lent::Read { values, unreadable } => !unreadable && set_back(&mut conn, values).await,
            Lent::Unknown => false,
        };
        if clean {
            return Some(conn);
        }
        if in_memory(&mut conn).await {
            tracing::warn!("a migration changed a setting of the connection to an in-memory database that could not be set back; it stays, as closing the connection would lose the database");
            return Some(conn);
        }
        tracing::info!(
            "closing a connection whose settings a migration changed and could not be set back"
        );
        drop(conn.detach());
        None
    }
}

async fn read(conn: &mut SqliteConnection) -> Result<Vec<Option<String>>, sqlx::Error> {
    let row = sqlx::query(&query()).fetch_one(&mut *conn).await?;
    (0..row.len()).map(|i| row.try_get(i)).collect()
}

/// Sets back every value that differs and can be; whether the state is then as it was.
async fn set_back(conn: &mut SqliteConnection, lent: &[Option<String>]) -> bool {
    let now = match read(conn).await {
        Ok(now) if now == lent => return true,
        Ok(now) => now,
        Err(_) => return false,
    };
    let mut statements = Vec::new();
    let mut complete = true;
    for (i, (was, is)) in lent.iter().zip(&now).enumerate() {
        if was == is {
            continue;
        }
        let value = was.as_deref().unwrap_or("");
        match PRAGMAS.get(i) {
            Some(pragma)
                if !value.is_empty()
                    && value.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') =>
            {
                statements.push(format!("PRAGMA {pragma} = {value}"));
            }
            Some(_) => complete = false,
            None => match i - PRAGMAS.len() {
                // Attached databases: detach those the migration attached.
                0 => {
                    let before: Vec<&str> = value.split(',').collect();
                    for name in is.as_deref().unwrap_or("").split(',') {
                        if !before.contains(&name) {
                            statements.push(format!("DETACH \"{}\"", name.replace('"', "\"\"")));
                        }
                    }
                }
                // `LIKE` ignored case (`'a' LIKE 'A'` was 1): case-sensitive was off.
                3 => statements.push(format!(
                    "PRAGMA case_sensitive_like = {}",
                    if value == "1" { "OFF" } else { "ON" }
                )),
                // Temporary objects, the journal mode: closed instead.
                _ => complete = false,
            },
        }
    }
    for statement in &statements {
        tracing::info!(statement = %statement, "setting back a connection setting a migration changed");
        if let Err(e) = (&mut *conn).execute(statement.as_str()).await {
            tracing::warn!(error = %e, "could not set back a connection setting");
            complete = false;
        }
    }
    complete && matches!(read(conn).await, Ok(again) if again == lent)
}

impl SqliteBackend<'_> {
    /// Whether the database is in memory (or temporary), read once per run.
    pub(super) async fn is_in_memory(&mut self, conn: &mut SqliteConnection) -> bool {
        match self.in_memory {
            Some(known) => known,
            None => in_memory(conn).await,
        }
    }
}

/// Whether `conn`'s main database is in memory (or temporary): no file behind it.
async fn in_memory(conn: &mut SqliteConnection) -> bool {
    let file = sqlx::query_scalar::<_, Option<String>>(
        "SELECT file FROM pragma_database_list WHERE name = 'main'",
    )
    .fetch_optional(&mut *conn)
    .await;
    match file {
        Ok(Some(Some(file))) => file.is_empty(),
        // Not known: kept, as closing could lose the database.
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::may_change;

    #[test]
    fn only_files_naming_connection_state_are_checked() {
        assert!(may_change("Pragma foreign_keys = off;"));
        assert!(may_change("ATTACH 'x.db' AS x;"));
        assert!(may_change("CREATE TEMPORARY TABLE t (a);"));
        assert!(!may_change("CREATE TABLE users (id INTEGER PRIMARY KEY);"));
        assert!(may_change("SELECT name FROM temp.sqlite_master;"));
        assert!(!may_change(
            "CREATE TABLE attachments (template TEXT, temperature REAL);"
        ));
    }
}
