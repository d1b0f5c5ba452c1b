//! The template database of a set: built once on the server, under an advisory lock, by
//! whichever process needs it first.

use super::{create_database, drop_database, spares};
use crate::testing::error::db;
use crate::testing::{TestError, TestOptions};
use crate::Checksum;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use std::time::{Duration, Instant};

/// How long to wait for another process that builds the same template.
const BUILD_WAIT: Duration = Duration::from_secs(300);

/// A template to make sure of: its name, what it holds, and where.
pub(super) struct Build<'a> {
    pub(super) admin: &'a PgPool,
    pub(super) server: &'a PgConnectOptions,
    pub(super) options: &'a TestOptions,
    /// `schema_tpl_<identity>_<key>`.
    pub(super) name: &'a str,
    /// What the names of this template's older versions start with.
    pub(super) identity: &'a str,
}

impl Build<'_> {
    /// Makes sure the template is built: by this process under the lock, or already by
    /// another. A template is complete once it refuses connections (set as the build's last
    /// step), which also keeps sessions off it so that copies of it are not refused.
    pub(super) async fn ensure(&self) -> Result<(), TestError> {
        let Build {
            admin,
            name,
            identity,
            ..
        } = *self;
        if is_complete(admin, name).await? {
            return Ok(());
        }
        let lock = i64::from_be_bytes(Checksum::of(identity).0[..8].try_into().unwrap_or_default());
        let started = Instant::now();
        loop {
            let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
                .bind(lock)
                .fetch_one(admin)
                .await
                .map_err(db("taking the test template's lock"))?;
            if locked {
                break;
            }
            if started.elapsed() > BUILD_WAIT {
                return Err(TestError::TemplateLockTimeout {
                    template: name.to_owned(),
                    waited: started.elapsed(),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let built = self.build_locked().await;
        // The session's lock also ends with the connection, should this fail.
        let _ = sqlx::query("SELECT pg_advisory_unlock($1)")
            .bind(lock)
            .execute(admin)
            .await;
        built
    }

    async fn build_locked(&self) -> Result<(), TestError> {
        let Build {
            admin,
            server,
            options,
            name,
            identity,
        } = *self;
        // Another process may have built it while this one waited for the lock.
        if is_complete(admin, name).await? {
            return Ok(());
        }
        // Older templates of these sets (a migration or fixture changed since), and this one if
        // a process stopped half-way through it, with the ready copies of them. A template
        // another process copies from right now cannot be dropped: it is left for a later run.
        let old: Vec<String> = sqlx::query_scalar(
            "SELECT datname::text FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2",
        )
        .bind(format!("schema\\_tpl\\_{identity}\\_%"))
        .bind(spares::identity_pattern(identity))
        .fetch_all(admin)
        .await
        .map_err(db("listing old test templates"))?;
        for old in old {
            let _ = drop_database(admin, &old).await;
        }
        create_database(admin, server, &format!("CREATE DATABASE \"{name}\"")).await?;
        let pool = PgPoolOptions::new()
            .max_connections(1)
            .connect_with(server.clone().database(name))
            .await
            .map_err(db("connecting to the new test template"))?;
        let migrated = crate::testing::migrate((&pool).into(), options).await;
        pool.close().await;
        if let Err(e) = migrated {
            let _ = drop_database(admin, name).await;
            return Err(e);
        }
        sqlx::raw_sql(&format!(
            "ALTER DATABASE \"{name}\" ALLOW_CONNECTIONS false"
        ))
        .execute(admin)
        .await
        .map_err(db("marking the test template complete"))?;
        Ok(())
    }
}

async fn is_complete(admin: &PgPool, name: &str) -> Result<bool, TestError> {
    let allows: Option<bool> =
        sqlx::query_scalar("SELECT datallowconn FROM pg_database WHERE datname = $1")
            .bind(name)
            .fetch_optional(admin)
            .await
            .map_err(db("looking for the test template"))?;
    Ok(allows == Some(false))
}
