//! The untimed pass that counts what each fresh apply and each no-op call costs in round
//! trips (through the counting proxy of `wire`), commits and WAL.

use super::wire::{Proxy, Snapshot};
use super::{open_pool, Server};
use crate::harness::{self, BenchPool, Loaded, Result};
use crate::Contender;
use sqlx::postgres::PgSslMode;

impl Server {
    /// The server's next transaction id and WAL insert position: the difference of two
    /// readings is the number of transactions that wrote (each a commit that waits for its WAL
    /// flush) and the WAL written in between.
    async fn counters(&self) -> Result<ServerCounts> {
        let (xid, wal) = sqlx::query_as(
            "SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint,
                    pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '0/0')::bigint",
        )
        .fetch_one(&self.admin)
        .await?;
        Ok(ServerCounts { xid, wal })
    }
}

/// Server-wide counters (see [`Server::counters`]).
#[derive(Clone, Copy)]
struct ServerCounts {
    xid: i64,
    wal: i64,
}

/// What one operation cost in messages, transactions and WAL.
pub(super) struct Counted {
    what: &'static str,
    wire: Snapshot,
    server: ServerCounts,
    /// Per migration: divided by N.
    per_file: bool,
}

/// Counts what each contender's fresh apply and each tool's no-op call sends, through the
/// proxy, on databases of their own: round trips, connections opened, transactions that
/// wrote, WAL. Untimed: the proxy adds its own latency.
pub(super) async fn count(
    server: &Server,
    proxy: &Proxy,
    n: usize,
    contenders: &[Contender],
    loaded: &Loaded,
    noop: Option<(&str, &str)>,
) -> Result<Vec<Counted>> {
    let through = |name: &str| {
        server
            .options(name)
            .host("127.0.0.1")
            .port(proxy.port)
            .ssl_mode(PgSslMode::Disable)
    };
    let mut out = Vec::new();
    for &c in contenders {
        let name = server.name(&format!("{n}_{c}_counted"));
        server.create(&name).await?;
        let pool = open_pool(through(&name)).await?;
        let apply = async || harness::apply(c, &pool, loaded).await.map(drop);
        out.push(measured(c.label(), true, server, proxy, apply).await?);
        pool.close().await;
        server.drop_db(&name).await?;
    }
    if let Some((schema_db, sqlx_db)) = noop {
        // After a warm-up call each, as in the timed calls: the statements a tool caches on the
        // connection are prepared (a process's first call also pays their preparation).
        let schema_pool = open_pool(through(schema_db)).await?;
        let sqlx_pool = open_pool(through(sqlx_db)).await?;
        let schema = async || {
            let migrator = loaded.schema.migrator();
            schema_pool.schema_run(migrator).await.map(drop)
        };
        schema().await?;
        let what = "no-op boot, migrator call, this project";
        out.push(measured(what, false, server, proxy, schema).await?);
        let sqlx = async || sqlx_pool.sqlx_run(&loaded.sqlx).await;
        sqlx().await?;
        let what = "no-op boot, migrator call, sqlx";
        out.push(measured(what, false, server, proxy, sqlx).await?);
        schema_pool.close().await;
        sqlx_pool.close().await;
    }
    Ok(out)
}

/// What `op` sent through the proxy, and what it made the server do. Waits a little before
/// each reading, so that the pool's release of a connection (a ping, in a task of its own) is
/// counted with the call it follows.
async fn measured(
    what: &'static str,
    per_file: bool,
    server: &Server,
    proxy: &Proxy,
    op: impl AsyncFnOnce() -> Result<()>,
) -> Result<Counted> {
    let settle = || tokio::time::sleep(std::time::Duration::from_millis(50));
    settle().await;
    let (wire, before) = (proxy.snapshot(), server.counters().await?);
    op().await?;
    settle().await;
    let after = server.counters().await?;
    Ok(Counted {
        what,
        wire: proxy.snapshot() - wire,
        server: ServerCounts {
            xid: after.xid - before.xid,
            wal: after.wal - before.wal,
        },
        per_file,
    })
}

pub(super) fn print_counts(n: usize, counted: &[Counted]) {
    if counted.is_empty() {
        println!("(Round trips not counted: the counting proxy needs a TCP server address.)\n");
        return;
    }
    println!("### PostgreSQL, N = {n}: round trips, commits and WAL\n");
    println!(
        "Counted in an untimed pass through a counting proxy, each apply on a database of its \
         own, the no-op calls after a warm-up call: round trips are the client's simple queries \
         and `Sync`s (each waits for the server's `ReadyForQuery`), the pool's pings included (a \
         `Sync` alone: sqlx's pool sends one when it hands out an idle connection, and one when \
         it takes it back, after the call returned); commits are the transactions that wrote \
         (each waits for its WAL flush when `synchronous_commit` is on), from the server's next \
         transaction id; WAL is what the server wrote meanwhile. Both are server-wide, so a \
         background transaction or the readings' own WAL may add a few. Connections opened are the pool's new ones (this project takes \
         the session that holds its lock from the pool; start-up exchanges are not in the \
         round trips).\n"
    );
    println!(
        "| operation | round trips | of which the pool's pings | per migration | commits | per migration | WAL | per migration | connections opened |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for c in counted {
        let per = |x: f64, unit: &str| {
            if c.per_file {
                format!("{:.2}{unit}", x / n as f64)
            } else {
                String::new()
            }
        };
        let kib = c.server.wal as f64 / 1024.0;
        println!(
            "| {} | {} | {} | {} | {} | {} | {kib:.0} KiB | {} | {} |",
            c.what,
            c.wire.round_trips,
            c.wire.pings,
            per(c.wire.round_trips as f64, ""),
            c.server.xid,
            per(c.server.xid as f64, ""),
            per(kib, " KiB"),
            c.wire.connections
        );
    }
    println!();
}
