//! The run's session on PostgreSQL: a connection of the application's pool, so that the pool's
//! `after_connect` hooks (a `search_path`, a role) hold for the migrations as they hold for the
//! application, and the settings it was lent with, put back when a migration changed them.
//!
//! A setting changed with `SET` (not `SET LOCAL`) or `set_config(.., false)` outlives the
//! transaction that changed it, and the connection goes back to the pool with it: a migration's
//! `SET session_replication_role = replica` would leave foreign keys unchecked for the
//! application. Behind a transaction-pooling proxy the server connection then serves other
//! clients, so closing the client's connection is not enough: the values are set back on the
//! server, inside the migration's transaction where there is one.

use crate::backend::progress::{any_word, first_word};
use sqlx::pool::PoolConnection;
use sqlx::postgres::{PgConnection, Postgres};
use sqlx::{Connection, Row};
use std::ops::{Deref, DerefMut};

/// A pool connection the run holds. Dropped before [`Session::release`] (a run cancelled or
/// panicking part-way, an error on the way), it is closed instead of returned: closing the
/// session rolls back what it was running and frees its advisory lock, and the pool never gets
/// a connection in a state nobody knows.
pub(super) struct Session {
    conn: PoolConnection<Postgres>,
    clean: bool,
}

impl Session {
    pub(super) fn new(conn: PoolConnection<Postgres>) -> Self {
        Session { conn, clean: false }
    }

    /// Hands the connection back to the pool; the caller checked that it is as it was lent.
    pub(super) fn release(mut self) {
        self.clean = true;
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if !self.clean {
            self.conn.close_on_drop();
        }
    }
}

impl Deref for Session {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        &self.conn
    }
}

impl DerefMut for Session {
    fn deref_mut(&mut self) -> &mut PgConnection {
        &mut self.conn
    }
}

/// Every setting a session may change (those of context `user` and `superuser`), but the
/// current transaction's own, which end with it; and the role and session user, which
/// `pg_settings` does not list.
// language=PostgreSQL
const SETTINGS: &str = "SELECT name, setting FROM pg_settings
      WHERE context IN ('user', 'superuser') AND name NOT LIKE 'transaction\\_%'
    UNION ALL SELECT 'session_authorization', current_setting('session_authorization')
    UNION ALL SELECT 'role', current_setting('role')";

/// One short value that changes when any of [`SETTINGS`] does: what a migration is checked
/// with, in one query.
// language=PostgreSQL
const DIGEST: &str =
    "SELECT md5(string_agg(name || '=' || coalesce(setting, ''), ',' ORDER BY name))
    FROM (SELECT name, setting FROM pg_settings
            WHERE context IN ('user', 'superuser') AND name NOT LIKE 'transaction\\_%'
          UNION ALL SELECT 'session_authorization', current_setting('session_authorization')
          UNION ALL SELECT 'role', current_setting('role')) s";

/// The settings of a session at one moment, to compare with and to set back.
#[derive(Debug, Clone)]
pub(super) struct Snapshot {
    names: Vec<String>,
    values: Vec<Option<String>>,
    digest: String,
}

impl Snapshot {
    /// The settings of `conn` now. Two queries; once or twice per run.
    pub(super) async fn read(conn: &mut PgConnection, cached: bool) -> Result<Self, sqlx::Error> {
        let rows = sqlx::query(SETTINGS)
            .persistent(cached)
            .fetch_all(&mut *conn)
            .await?;
        let mut names = Vec::with_capacity(rows.len());
        let mut values = Vec::with_capacity(rows.len());
        for row in &rows {
            names.push(row.try_get::<String, _>(0)?);
            values.push(row.try_get::<Option<String>, _>(1)?);
        }
        let digest = digest(conn, cached).await?;
        Ok(Snapshot {
            names,
            values,
            digest,
        })
    }

    /// Sets back on `conn` the settings that differ from these, and the custom settings
    /// (`app.tenant`) in `custom` to the values they had before the migration (see
    /// [`custom_before`]); `Err` names those that could not be set back (the caller closes the
    /// connection, or rolls the migration back). Only what can be compared is: the values of
    /// this snapshot, the custom settings a migration names, and a setting a library loaded
    /// since (`CREATE EXTENSION`), which goes back to its default. Inside a transaction each
    /// value is set in a savepoint of its own, so that one refused does not abort it.
    pub(super) async fn restore(
        &self,
        conn: &mut PgConnection,
        cached: bool,
        custom: &Custom,
    ) -> Result<(), String> {
        if custom.names.is_empty() {
            match digest(conn, cached).await {
                Ok(now) if now == self.digest => return Ok(()),
                Ok(_) => {}
                Err(e) => return Err(format!("the settings could not be read: {e}")),
            }
        }
        let mut changed = self.changed(conn, cached, custom).await?;
        // The session user first (setting it resets the role), then no role, for the values
        // that need the session user's privileges, then the role the connection was lent with.
        let others = changed.iter().any(|(name, _)| name != "role");
        if others {
            if let Some(i) = self.names.iter().position(|n| n == "role") {
                if !changed.iter().any(|(name, _)| name == "role") {
                    changed.push(("role".to_owned(), self.values[i].clone()));
                }
                changed.push(("role".to_owned(), Some("none".to_owned())));
            }
        }
        crate::order::sort_by_key(&mut changed, |(name, value)| {
            match (name.as_str(), value.as_deref()) {
                ("session_authorization", _) => 0,
                ("role", Some("none")) if others => 1,
                ("role", _) => 3,
                _ => 2,
            }
        });
        for (name, value) in &changed {
            tracing::info!(setting = %name, "setting back a connection setting a migration changed");
            if let Err(e) = set_back(conn, name, value.as_deref().unwrap_or("")).await {
                tracing::warn!(setting = %name, error = %e, "could not set back a connection setting a migration changed");
            }
        }
        let left = self.changed(conn, cached, custom).await?;
        if left.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = left.iter().map(|(name, _)| format!("`{name}`")).collect();
        Err(names.join(", "))
    }

    /// The settings that differ from these, with the value each goes back to.
    async fn changed(
        &self,
        conn: &mut PgConnection,
        cached: bool,
        custom: &Custom,
    ) -> Result<Vec<(String, Option<String>)>, String> {
        // language=PostgreSQL
        let changed = "SELECT o.name, o.setting
              FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS o(name, setting, n)
              LEFT JOIN pg_settings s ON s.name = o.name
              WHERE coalesce(s.setting, current_setting(o.name, true)) IS DISTINCT FROM o.setting
            UNION ALL SELECT s.name, s.reset_val FROM pg_settings s
              WHERE s.context IN ('user', 'superuser') AND s.name LIKE '%.%'
                AND s.name <> ALL ($1::text[]) AND s.setting IS DISTINCT FROM s.reset_val
            UNION ALL SELECT c.name, c.setting
              FROM unnest($3::text[], $4::text[]) AS c(name, setting)
              WHERE c.name <> ALL ($1::text[])
                AND coalesce(current_setting(c.name, true), '') <> coalesce(c.setting, '')";
        let rows = sqlx::query(changed)
            .persistent(cached)
            .bind(&self.names)
            .bind(&self.values)
            .bind(&custom.names)
            .bind(&custom.values)
            .fetch_all(&mut *conn)
            .await
            .map_err(|e| format!("the settings could not be compared: {e}"))?;
        Ok(rows
            .iter()
            .filter_map(|row| Some((row.try_get(0).ok()?, row.try_get(1).ok()?)))
            .collect())
    }
}

/// The custom settings (`app.tenant`: a prefix, a dot, a name) some migrations name, with
/// their values before the migrations ran. PostgreSQL lists no custom setting nobody defined
/// (`pg_settings` leaves them out), so those a migration may change are found in its text.
#[derive(Debug, Default)]
pub(super) struct Custom {
    names: Vec<String>,
    values: Vec<Option<String>>,
}

/// The custom settings `sql` names when it may change a setting, read on `conn` before it runs.
pub(super) async fn custom_before(
    conn: &mut PgConnection,
    cached: bool,
    sql: &[&str],
) -> Result<Custom, sqlx::Error> {
    let names = custom_names(sql);
    if names.is_empty() {
        return Ok(Custom::default());
    }
    let values = sqlx::query_scalar("SELECT current_setting(n, true) FROM unnest($1::text[]) n")
        .persistent(cached)
        .bind(&names)
        .fetch_all(conn)
        .await?;
    Ok(Custom { names, values })
}

/// The words of `sql` that may name a custom setting (two identifiers joined by a dot), in
/// lower case, when it may change a setting at all. Errs towards more: a qualified table name
/// is read too, and is no setting.
fn custom_names(sql: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for sql in sql.iter().filter(|sql| may_change_settings(sql)) {
        let lower = sql.to_ascii_lowercase();
        for word in lower.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '.')) {
            let mut parts = word.split('.');
            let (Some(prefix), Some(name), None) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            let identifier = |part: &str| {
                part.chars()
                    .next()
                    .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            };
            if identifier(prefix) && identifier(name) && !names.iter().any(|n| n == word) {
                names.push(word.to_owned());
            }
        }
    }
    names
}

async fn digest(conn: &mut PgConnection, cached: bool) -> Result<String, sqlx::Error> {
    sqlx::query_scalar(DIGEST)
        .persistent(cached)
        .fetch_one(conn)
        .await
}

/// Whether `sql` may leave a session setting changed by itself: a statement that starts with
/// `SET`, `RESET` or `DISCARD`, an anonymous block or procedure call (`DO`, `CALL`), whose body
/// may run `SET`, or a call of `set_config`. On the run's own session this decides whether a
/// migration is compared with the settings each migration starts from (a query of about half
/// a millisecond of the server's time, as much as a small migration's SQL); a function the file
/// calls that changes a setting by itself is not seen here, and is set back when the run hands
/// the connection back, which always compares.
pub(super) fn may_change_settings(sql: &str) -> bool {
    if sql.to_ascii_lowercase().contains("set_config") {
        return true;
    }
    crate::backend::statements(sql).iter().any(|stmt| {
        matches!(
            first_word(stmt.text).as_str(),
            "SET" | "RESET" | "DISCARD" | "DO" | "CALL"
        )
    })
}

/// Whether `sql` may leave session state that no setting shows and that cannot be set back
/// by value: a temporary object, a prepared statement (or all of sqlx's dropped), a cursor
/// kept open, a channel listened to, a session advisory lock. A connection whose migrations
/// named one is closed instead of returned to the pool. Read as words of the text, comments
/// included, so it errs towards closing.
pub(super) fn may_leave_session_state(sql: &str) -> bool {
    any_word(sql, |word| {
        matches!(
            word,
            "temp" | "temporary" | "prepare" | "deallocate" | "discard" | "declare" | "listen"
        ) || word.starts_with("pg_advisory_lock")
            || word.starts_with("pg_try_advisory_lock")
    })
}

/// `set_config(name, value, false)` in a transaction (or a savepoint of the caller's) that
/// commits only if it succeeds.
async fn set_back(conn: &mut PgConnection, name: &str, value: &str) -> Result<(), sqlx::Error> {
    let mut tx = conn.begin().await?;
    let set = sqlx::query("SELECT set_config($1, $2, false)")
        .persistent(false)
        .bind(name)
        .bind(value)
        .execute(&mut *tx)
        .await;
    match set {
        Ok(_) => tx.commit().await,
        Err(e) => {
            let _ = tx.rollback().await;
            Err(e)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::may_change_settings;

    #[test]
    fn sees_the_statements_that_may_change_a_session_setting() {
        for sql in [
            "SET search_path TO other;\nCREATE TABLE a (id INT);",
            "CREATE TABLE a (id INT);\n  set session_replication_role = replica;",
            "RESET ALL;",
            "DISCARD ALL;",
            "DO $$ BEGIN PERFORM 1; END $$;",
            "CALL fill();",
            "SELECT set_config('search_path', 'x', false);",
            "SELECT SET_CONFIG('role', 'x', false);",
        ] {
            assert!(may_change_settings(sql), "{sql}");
        }
        for sql in [
            "CREATE TABLE a (id INT);",
            "UPDATE a SET id = 1;",
            "ALTER TABLE a ALTER COLUMN id SET NOT NULL;",
            "-- SET nothing\nCREATE INDEX a_id ON a (id);",
            "CREATE FUNCTION f() RETURNS int LANGUAGE sql SET search_path = x AS 'SELECT 1';",
        ] {
            assert!(!may_change_settings(sql), "{sql}");
        }
    }

    #[test]
    fn sees_the_statements_that_may_leave_session_state() {
        use super::may_leave_session_state;
        for sql in [
            "CREATE TEMP TABLE t AS SELECT 1;",
            "create temporary table t (id int);",
            "PREPARE q AS SELECT 1;",
            "DEALLOCATE ALL;",
            "DISCARD PLANS;",
            "DECLARE c CURSOR WITH HOLD FOR SELECT 1;",
            "LISTEN jobs;",
            "SELECT pg_advisory_lock(1);",
            "SELECT pg_try_advisory_lock(1);",
        ] {
            assert!(may_leave_session_state(sql), "{sql}");
        }
        for sql in [
            "CREATE TABLE template (id INT);",
            "UPDATE a SET temperature = 1;",
            "SELECT pg_advisory_xact_lock(1);",
        ] {
            assert!(!may_leave_session_state(sql), "{sql}");
        }
    }
}
