//! PostgreSQL test databases: a template database per set and fingerprint, built once on the
//! server under an advisory lock, and per test a copy of it: one made ready ahead
//! ([`spares`]), or `CREATE DATABASE … TEMPLATE …` when none is.

mod spares;
mod template;

use super::error::db;
use super::{TestDatabase, TestError, TestOptions};
use crate::Checksum;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::{Connection, PgConnection};
use std::collections::HashMap;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime};
use template::Build;

/// What dropping a PostgreSQL test database takes: the server, and the database's name.
#[derive(Debug)]
pub(super) struct Place {
    server: PgConnectOptions,
    /// The connection the database was created on, to drop it on.
    admin: Option<PgPool>,
    name: String,
}

/// The templates this process made sure of, by server and [`TestOptions::key`].
type Templates = Mutex<HashMap<(String, Checksum), Arc<tokio::sync::OnceCell<String>>>>;

static TEMPLATES: OnceLock<Templates> = OnceLock::new();
static NEXT: AtomicU64 = AtomicU64::new(0);

/// How many connections a test's pool may open.
const POOL_SIZE: u32 = 5;
/// How long a copy is retried while other sessions are connected to the template.
const IN_USE_WAIT: Duration = Duration::from_secs(3);
/// A test database older than this with nobody connected is one a killed process left.
const STALE_AFTER: Duration = Duration::from_secs(10 * 60);

/// `object_in_use`: "source database … is being accessed by other users".
const OBJECT_IN_USE: &str = "55006";
/// `insufficient_privilege`: "permission denied to create database".
const INSUFFICIENT_PRIVILEGE: &str = "42501";
/// The first server version with `CREATE DATABASE … STRATEGY`.
const STRATEGY_SINCE: i32 = 150000;

pub(super) async fn create(options: &TestOptions) -> Result<TestDatabase<PgPool>, TestError> {
    #[cfg(feature = "sqlcipher")]
    if options.encryption.is_some() {
        return Err(TestError::UnsupportedOption {
            option: "encrypted",
            database: "PostgreSQL",
        });
    }
    if options.in_file {
        return Err(TestError::UnsupportedOption {
            option: "in_file",
            database: "PostgreSQL",
        });
    }
    let url = match &options.url {
        Some(url) => url.clone(),
        None => std::env::var("DATABASE_URL").map_err(|_| TestError::NoServer)?,
    };
    let server =
        PgConnectOptions::from_str(&url).map_err(|source| TestError::InvalidUrl { source })?;
    let admin = connect(&server).await?;
    remove_stale(&admin, &server).await;

    let role = server.get_username().to_owned();
    let extra = format!("postgres {role}");
    let identity = options.identity(&extra).to_hex();
    let template = format!(
        "schema_tpl_{}_{}",
        &identity[..16],
        &options.key(&extra).to_hex()[..16]
    );
    let cell = {
        let mut templates = lock(TEMPLATES.get_or_init(Default::default));
        let key = (server_name(&server), options.key(&extra));
        templates.entry(key).or_default().clone()
    };
    cell.get_or_try_init(|| async {
        let build = Build {
            admin: &admin,
            server: &server,
            options,
            name: &template,
            identity: &identity[..16],
        };
        build.ensure().await?;
        Ok::<_, TestError>(template.clone())
    })
    .await?;

    let name = format!(
        "schema_test_{}_{}_{}_{}",
        &identity[..8],
        unix_seconds(),
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let spares = options.spares.unwrap_or_else(spares::from_env);
    if spares == 0 || !spares::take(&admin, &template, &name).await {
        copy_template(&admin, &server, &template, &name).await?;
    }
    spares::top_up(&server, &template, spares);
    let pool = PgPoolOptions::new()
        .max_connections(POOL_SIZE)
        .connect_with(server.clone().database(&name))
        .await;
    let mut place = Place {
        server,
        admin: Some(admin),
        name: name.clone(),
    };
    match pool {
        Ok(pool) => Ok(TestDatabase {
            pool,
            place: super::Place::Postgres(place),
            name,
            template,
        }),
        Err(source) => {
            let _ = place.drop_now().await;
            Err(TestError::Unreachable {
                server: server_name(&place.server),
                source,
            })
        }
    }
}

/// `CREATE DATABASE name TEMPLATE template`, retried for a while when other sessions are
/// connected to the template (PostgreSQL refuses to copy a database in use).
async fn copy_template(
    admin: &PgPool,
    server: &PgConnectOptions,
    template: &str,
    name: &str,
) -> Result<(), TestError> {
    let strategy = match admin.acquire().await {
        Ok(mut conn) => strategy(&mut conn, server).await,
        Err(_) => "",
    };
    let sql = copy_sql(name, template, strategy);
    let started = Instant::now();
    loop {
        match create_database(admin, server, &sql).await {
            Err(TestError::Database { source, .. })
                if code(&source).as_deref() == Some(OBJECT_IN_USE) =>
            {
                if started.elapsed() > IN_USE_WAIT {
                    return Err(TestError::TemplateInUse {
                        template: template.to_owned(),
                        waited: started.elapsed(),
                    });
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            done => return done,
        }
    }
}

/// `CREATE DATABASE name TEMPLATE template`, with `strategy` ([`strategy`]).
fn copy_sql(name: &str, template: &str, strategy: &str) -> String {
    format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"{strategy}")
}

/// How the server copies a template best: ` STRATEGY = FILE_COPY` from PostgreSQL 15 on (the
/// files copied whole; the default there, `WAL_LOG`, writes every page of the template to the
/// write-ahead log), nothing before. Asked once per server and process.
async fn strategy(conn: &mut PgConnection, server: &PgConnectOptions) -> &'static str {
    static VERSIONS: OnceLock<Mutex<HashMap<String, i32>>> = OnceLock::new();
    let server = server_name(server);
    if let Some(version) = lock(VERSIONS.get_or_init(Default::default)).get(&server) {
        return strategy_for(*version);
    }
    let version = sqlx::query_scalar::<_, String>("SHOW server_version_num")
        .fetch_one(&mut *conn)
        .await
        .ok()
        .and_then(|v| v.parse::<i32>().ok())
        .unwrap_or(0);
    lock(VERSIONS.get_or_init(Default::default)).insert(server, version);
    strategy_for(version)
}

fn strategy_for(version: i32) -> &'static str {
    if version >= STRATEGY_SINCE {
        " STRATEGY = FILE_COPY"
    } else {
        ""
    }
}

/// Runs `sql`, a `CREATE DATABASE`, telling a role that may not create databases.
async fn create_database(
    admin: &PgPool,
    server: &PgConnectOptions,
    sql: &str,
) -> Result<(), TestError> {
    match sqlx::raw_sql(sql).execute(admin).await {
        Ok(_) => Ok(()),
        Err(source) if code(&source).as_deref() == Some(INSUFFICIENT_PRIVILEGE) => {
            Err(TestError::CannotCreateDatabase {
                role: server.get_username().to_owned(),
                server: server_name(server),
                source,
            })
        }
        Err(source) => Err(db("creating a test database")(source)),
    }
}

async fn drop_database(admin: &PgPool, name: &str) -> Result<(), TestError> {
    sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        .execute(admin)
        .await
        .map(drop)
        .map_err(db(format!("dropping test database `{name}`")))
}

/// Drops, once per process and server, the test databases a killed process left: older
/// than [`STALE_AFTER`] by the time in their name, with nobody connected.
async fn remove_stale(admin: &PgPool, server: &PgConnectOptions) {
    static DONE: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    {
        let mut done = lock(DONE.get_or_init(Default::default));
        let server = server_name(server);
        if done.contains(&server) {
            return;
        }
        done.push(server);
    }
    let Ok(names) = sqlx::query_scalar::<_, String>(
        "SELECT d.datname::text FROM pg_database d
         WHERE d.datname LIKE 'schema\\_test\\_%'
           AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.datname = d.datname)",
    )
    .fetch_all(admin)
    .await
    else {
        return;
    };
    let now = unix_seconds();
    for name in names {
        let seconds = name.split('_').nth(3).and_then(|s| s.parse::<u64>().ok());
        if seconds.is_some_and(|s| now.saturating_sub(s) > STALE_AFTER.as_secs()) {
            // Without FORCE: a session that connected meanwhile keeps it.
            let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                .execute(admin)
                .await;
        }
    }
    // Ready copies of a template that is gone (dropped by hand, or by a rebuild while a copy
    // of the old one was under way).
    let Ok(orphans) = sqlx::query_scalar::<_, String>(
        "SELECT d.datname::text FROM pg_database d
         WHERE d.datname LIKE 'schema\\_spare\\_%'
           AND NOT EXISTS (SELECT 1 FROM pg_database t WHERE t.datname = $1 || substr(d.datname, 14, 33))",
    )
    .bind("schema_tpl_")
    .fetch_all(admin)
    .await
    else {
        return;
    };
    for name in orphans {
        if spares::template_of(&name).is_some() {
            let _ = sqlx::raw_sql(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                .execute(admin)
                .await;
        }
    }
}

/// A pool of one connection that stays open (a session, for the advisory lock), to create and
/// drop databases on.
async fn connect(server: &PgConnectOptions) -> Result<PgPool, TestError> {
    let unreachable = |source| TestError::Unreachable {
        server: server_name(server),
        source,
    };
    // A pool retries a refused connection until its time-out (30 s): the first connection to a
    // server in this process is tried once, alone, so that a server that is down fails at once.
    static REACHED: OnceLock<Mutex<Vec<String>>> = OnceLock::new();
    let name = server_name(server);
    let reached = REACHED.get_or_init(Default::default);
    let known = lock(reached).contains(&name);
    if !known {
        let probe = PgConnection::connect_with(server)
            .await
            .map_err(unreachable)?;
        let _ = probe.close().await;
        lock(reached).push(name);
    }
    PgPoolOptions::new()
        .max_connections(1)
        .idle_timeout(None)
        .max_lifetime(None)
        .connect_with(server.clone())
        .await
        .map_err(unreachable)
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// `user@host:port/database`: the server as messages name it, without the password.
fn server_name(server: &PgConnectOptions) -> String {
    format!(
        "{}@{}:{}/{}",
        server.get_username(),
        server.get_host(),
        server.get_port(),
        server.get_database().unwrap_or_default()
    )
}

fn code(error: &sqlx::Error) -> Option<String> {
    error
        .as_database_error()
        .and_then(|e| e.code())
        .map(|code| code.into_owned())
}

fn unix_seconds() -> u64 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

impl Place {
    /// Drops the database, on the connection it was created on.
    async fn drop_now(&mut self) -> Result<(), TestError> {
        let admin = match self.admin.take() {
            Some(admin) => admin,
            None => connect(&self.server).await?,
        };
        let dropped = drop_database(&admin, &self.name).await;
        admin.close().await;
        dropped
    }

    pub(super) async fn drop_database(mut self) -> Result<(), TestError> {
        self.drop_now().await
    }

    /// Drops the database from a guard's `Drop`: on a thread of its own with a runtime of its
    /// own (the caller's runtime may be the one blocked here), waiting for it.
    pub(super) fn drop_blocking(mut self) {
        // The connection belongs to the caller's runtime: a new one is opened instead.
        self.admin = None;
        let dropper = std::thread::spawn(move || {
            let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            let _ = runtime.block_on(self.drop_now());
        });
        let _ = dropper.join();
    }
}
