//! The lower bounds: the bare copy of a migrated template, with no bookkeeping around it.

use crate::harness::Result;
use crate::stats::Samples;
use rusqlite::backup::{Backup, StepResult};
use rusqlite::Connection;
use sqlx::{Connection as _, Executor, PgConnection};
use std::time::{Duration, Instant};

/// Each copy, each copy with its drop, and all of them.
#[derive(Default)]
pub struct Bare {
    pub copy: Samples,
    pub whole: Samples,
    pub total: Duration,
}

/// SQLite: the files' SQL applied once to an in-memory template (each file in its own
/// transaction), then `tests` copies of it through the backup API into new in-memory
/// databases, each closed after.
pub fn sqlite(sql: &[String], tests: u32) -> Result<Bare> {
    let template = Connection::open_in_memory()?;
    for sql in sql {
        template.execute_batch(&format!("BEGIN;\n{sql}\n;\nCOMMIT;"))?;
    }
    let mut bare = Bare::default();
    let started_all = Instant::now();
    for _ in 0..tests {
        let started = Instant::now();
        let mut copy = Connection::open_in_memory()?;
        {
            let backup = Backup::new(&template, &mut copy)?;
            while backup.step(-1)? != StepResult::Done {}
        }
        bare.copy.push(started.elapsed());
        drop(copy);
        bare.whole.push(started.elapsed());
    }
    bare.total = started_all.elapsed();
    Ok(bare)
}

/// PostgreSQL: `tests` times `CREATE DATABASE … TEMPLATE template{strategy}` then
/// `DROP DATABASE`, on one connection.
pub async fn postgres(url: &str, template: &str, strategy: &str, tests: u32) -> Result<Bare> {
    let mut conn = PgConnection::connect(url).await?;
    let mut bare = Bare::default();
    let started_all = Instant::now();
    for i in 0..tests {
        let name = format!("schema_bench_copy_{i}");
        let started = Instant::now();
        conn.execute(&*format!(
            "CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"{strategy}"
        ))
        .await?;
        bare.copy.push(started.elapsed());
        conn.execute(&*format!("DROP DATABASE \"{name}\"")).await?;
        bare.whole.push(started.elapsed());
    }
    bare.total = started_all.elapsed();
    conn.close().await?;
    Ok(bare)
}

/// Drops `template` (`schema_tpl_…`) and the ready copies of it (`schema_spare_…`).
pub async fn drop_template(url: &str, template: &str) -> Result<()> {
    let mut conn = PgConnection::connect(url).await?;
    let spares = template.replacen("schema_tpl_", "schema_spare_", 1);
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname::text FROM pg_database WHERE datname LIKE $1")
            .bind(format!("{}\\_%", spares.replace('_', "\\_")))
            .fetch_all(&mut conn)
            .await?;
    for name in names.iter().map(String::as_str).chain([template]) {
        conn.execute(&*format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
            .await?;
    }
    conn.close().await?;
    Ok(())
}
