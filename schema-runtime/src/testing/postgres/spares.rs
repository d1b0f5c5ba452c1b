//! Ready copies of a template: databases copied ahead, in the background, so that a test takes
//! one (a rename) instead of waiting for `CREATE DATABASE … TEMPLATE …`.
//!
//! A copy is named after its template (`schema_spare_<identity>_<key>_<pid>_<n>`), so that
//! any process that needs that template can take it: the parallel processes of nextest, and
//! the next run, which finds the copies the last one made ready. Taking one is
//! `ALTER DATABASE … RENAME TO schema_test_…`, which succeeds for one session only. Each
//! process that uses a template keeps its copies topped up on a thread of its own, while it
//! holds the template's filling lock (one process at a time fills, so that parallel processes
//! do not make more than wanted). The copies are dropped with their template.

use super::{code, copy_sql, lock, server_name, strategy};
use crate::Checksum;
use sqlx::postgres::{PgConnectOptions, PgPool};
use sqlx::{Connection, PgConnection};
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

/// How many ready copies of a template are kept when `SCHEMA_TEST_SPARES` does not say.
const DEFAULT_SPARES: usize = 4;

/// How often a filler that waits looks again (for copies another process took, or for the
/// filling lock another process held).
const POLL: Duration = Duration::from_millis(200);

/// `duplicate_database`: a copy of that name exists (a process with the same id made it).
const DUPLICATE_DATABASE: &str = "42P04";

/// The filler of each template this process uses, by server and template.
type Fillers = Mutex<HashMap<(String, String), Arc<Filler>>>;

static FILLERS: OnceLock<Fillers> = OnceLock::new();
static NEXT: AtomicU64 = AtomicU64::new(0);

/// How many ready copies to keep: `SCHEMA_TEST_SPARES`, or [`DEFAULT_SPARES`].
pub(super) fn from_env() -> usize {
    static WANTED: OnceLock<usize> = OnceLock::new();
    *WANTED.get_or_init(|| {
        std::env::var("SCHEMA_TEST_SPARES")
            .ok()
            .and_then(|v| v.trim().parse().ok())
            .unwrap_or(DEFAULT_SPARES)
    })
}

/// What the ready copies of `template` (`schema_tpl_<identity>_<key>`) are named after.
fn prefix(template: &str) -> String {
    template.replacen("schema_tpl_", "schema_spare_", 1)
}

/// A `LIKE` pattern of `text` followed by `_` and anything.
fn like_prefix(text: &str) -> String {
    format!("{}\\_%", text.replace('_', "\\_"))
}

/// The `LIKE` pattern of the ready copies of every template of `identity`.
pub(super) fn identity_pattern(identity: &str) -> String {
    like_prefix(&format!("schema_spare_{identity}"))
}

/// The template a ready copy `name` was made from, by its name.
pub(super) fn template_of(name: &str) -> Option<String> {
    let rest = name.strip_prefix("schema_spare_")?;
    let mut parts = rest.splitn(3, '_');
    let (identity, key) = (parts.next()?, parts.next()?);
    Some(format!("schema_tpl_{identity}_{key}"))
}

/// Takes a ready copy of `template` for a test: renames it to `name`. `false` when there is
/// none left to take (the test then copies the template itself).
pub(super) async fn take(admin: &PgPool, template: &str, name: &str) -> bool {
    let Ok(ready) = sqlx::query_scalar::<_, String>(
        "SELECT datname::text FROM pg_database WHERE datname LIKE $1 ORDER BY datname",
    )
    .bind(like_prefix(&prefix(template)))
    .fetch_all(admin)
    .await
    else {
        return false;
    };
    for spare in ready {
        // Another process may take the same one first: then it no longer exists by that name.
        let renamed = sqlx::raw_sql(&format!("ALTER DATABASE \"{spare}\" RENAME TO \"{name}\""))
            .execute(admin)
            .await;
        if renamed.is_ok() {
            return true;
        }
    }
    false
}

/// Keeps `wanted` ready copies of `template` on `server`: wakes this process's filler of it,
/// started on the first call.
pub(super) fn top_up(server: &PgConnectOptions, template: &str, wanted: usize) {
    if wanted == 0 {
        return;
    }
    let key = (server_name(server), template.to_owned());
    let filler = {
        let mut fillers = lock(FILLERS.get_or_init(Default::default));
        let filler = fillers.entry(key).or_insert_with(|| {
            Arc::new(Filler {
                wake: tokio::sync::Notify::new(),
                running: AtomicBool::new(false),
            })
        });
        filler.clone()
    };
    if !filler.running.swap(true, Ordering::AcqRel) {
        let job = Job {
            server: server.clone(),
            template: template.to_owned(),
            wanted,
            filler: filler.clone(),
        };
        let spawned = std::thread::Builder::new()
            .name("schema-test-spares".to_owned())
            .spawn(move || job.run());
        if spawned.is_err() {
            filler.running.store(false, Ordering::Release);
        }
    }
    filler.wake.notify_one();
}

/// One template's filler in this process.
struct Filler {
    /// Woken when a test took a copy.
    wake: tokio::sync::Notify,
    /// Whether its thread runs (it stops when the template is gone).
    running: AtomicBool,
}

/// What a filler's thread does: its own runtime and connection (a test's runtime ends with
/// the test), for as long as the process lives. A copy under way when the process exits is
/// finished by the server and taken by a later process.
struct Job {
    server: PgConnectOptions,
    template: String,
    wanted: usize,
    filler: Arc<Filler>,
}

impl Job {
    fn run(self) {
        if let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        {
            runtime.block_on(self.fill());
        }
        self.filler.running.store(false, Ordering::Release);
    }

    async fn fill(&self) {
        let lock_key = i64::from_be_bytes(
            Checksum::of(&format!("spares {}", self.template)).0[..8]
                .try_into()
                .unwrap_or_default(),
        );
        let pattern = like_prefix(&prefix(&self.template));
        let mut session: Option<(PgConnection, &'static str)> = None;
        let mut filling = false;
        loop {
            let (conn, strategy) = match &mut session {
                Some(session) => (&mut session.0, session.1),
                None => {
                    let Ok(mut conn) = PgConnection::connect_with(&self.server).await else {
                        return;
                    };
                    let strategy = strategy(&mut conn, &self.server).await;
                    filling = false;
                    let session = session.insert((conn, strategy));
                    (&mut session.0, session.1)
                }
            };
            if !filling {
                filling = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                    .bind(lock_key)
                    .fetch_one(&mut *conn)
                    .await
                    .unwrap_or(false);
            }
            if filling {
                let ready: Result<i64, _> =
                    sqlx::query_scalar("SELECT count(*) FROM pg_database WHERE datname LIKE $1")
                        .bind(&pattern)
                        .fetch_one(&mut *conn)
                        .await;
                match ready {
                    Ok(ready) if (ready as usize) < self.wanted => {
                        let name = format!(
                            "{}_{}_{}",
                            prefix(&self.template),
                            std::process::id(),
                            NEXT.fetch_add(1, Ordering::Relaxed)
                        );
                        let made = sqlx::raw_sql(&copy_sql(&name, &self.template, strategy))
                            .execute(&mut *conn)
                            .await;
                        match made {
                            Ok(_) => continue,
                            Err(e) if code(&e).as_deref() == Some(DUPLICATE_DATABASE) => continue,
                            // The template is gone (rebuilt by another process, dropped by
                            // hand), or the server refuses: this filler stops.
                            Err(_) => return,
                        }
                    }
                    Ok(_) => {}
                    Err(_) => {
                        session = None;
                        continue;
                    }
                }
            }
            let _ = tokio::time::timeout(POLL, self.filler.wake.notified()).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ready_copy_names_its_template() {
        let template = "schema_tpl_0123456789abcdef_fedcba9876543210";
        let spare = format!("{}_4242_7", prefix(template));
        assert_eq!(
            spare,
            "schema_spare_0123456789abcdef_fedcba9876543210_4242_7"
        );
        assert!(spare.len() <= 63);
        assert_eq!(template_of(&spare).as_deref(), Some(template));
        assert_eq!(template_of("schema_test_1_2_3"), None);
    }

    #[test]
    fn patterns_match_underscores_literally() {
        assert_eq!(
            like_prefix("schema_spare_ab_cd"),
            "schema\\_spare\\_ab\\_cd\\_%"
        );
        assert_eq!(identity_pattern("ab"), "schema\\_spare\\_ab\\_%");
    }
}
