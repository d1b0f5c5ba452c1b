//! The large-file scenario: one migration of several megabytes (a table, then single-row
//! `INSERT`s, as a seed file is written), applied to a fresh database by this project, by
//! sqlx's migrator, and by the lower bound: the same SQL with no bookkeeping, in one
//! transaction, fed to the driver in pieces of whole statements of at most [`PIECE_BYTES`]
//! each, which keeps its cost linear in the file's size. The time per megabyte shows whether a
//! contender stays linear; a contender that exceeds `--large-timeout` at one size is stopped
//! there and not run at the larger ones.

use crate::generate::{Dialect, GeneratedFile};
use crate::harness::{self, check, load_all, BenchPool, Result};
use crate::stats::{ratio, time, Samples};
use crate::Contender;
use std::path::Path;
use std::time::Duration;

/// The table the file creates and fills.
pub const TABLE: &str = "seed";

/// The most text the lower bound sends in one call, in whole statements.
const PIECE_BYTES: usize = 64 * 1024;

/// The contenders of the scenario, in their order in the table.
const CONTENDERS: [Contender; 3] = [Contender::SchemaRun, Contender::Sqlx, Contender::LowerOneTx];

/// One generated file of about `mb` megabytes.
struct LargeFile {
    file: GeneratedFile,
    /// The file's text in pieces of whole statements, for the lower bound.
    pieces: Vec<String>,
    rows: i64,
    statements: usize,
}

/// A table of `id` plus three text columns, then single-row inserts until the file holds
/// `mb` megabytes.
fn generate(mb: usize, dialect: Dialect) -> LargeFile {
    let id = match dialect {
        Dialect::Sqlite => "INTEGER PRIMARY KEY",
        Dialect::Postgres => "BIGINT PRIMARY KEY",
    };
    let mut statements = vec![format!(
        "CREATE TABLE {TABLE} (\n    id {id},\n    name TEXT NOT NULL,\n    email TEXT NOT NULL,\n    note TEXT\n);\n"
    )];
    let bytes = mb * 1024 * 1024;
    let mut size = statements[0].len();
    let mut rows = 0;
    while size < bytes {
        rows += 1;
        let insert = format!(
            "INSERT INTO {TABLE} (id, name, email, note) VALUES ({rows}, 'customer {rows}', 'customer{rows}@example.com', 'seeded row {rows}');\n"
        );
        size += insert.len();
        statements.push(insert);
    }
    let mut pieces = vec![String::new()];
    for statement in &statements {
        if let Some(piece) = pieces
            .last_mut()
            .filter(|p| p.len() + statement.len() <= PIECE_BYTES)
        {
            piece.push_str(statement);
        } else {
            pieces.push(statement.clone());
        }
    }
    LargeFile {
        file: GeneratedFile {
            name: format!("1_seed_{mb}mb.sql"),
            sql: statements.concat(),
        },
        pieces,
        rows,
        statements: statements.len(),
    }
}

/// What one size measured: each contender's samples, or that it was stopped.
struct SizeRow {
    mb: usize,
    statements: usize,
    load: Duration,
    samples: Vec<(Contender, Samples, bool)>,
}

/// Runs the scenario for each of `sizes` (megabytes), `runs` rounds each, the contenders in
/// rotating order. `open` gives a fresh database's pool for a contender's run and `close`
/// closes it (and drops the database where the server keeps one).
pub async fn bench<P: BenchPool>(
    root: &Path,
    dialect: Dialect,
    sizes: &[usize],
    runs: u32,
    timeout: Duration,
    mut open: impl AsyncFnMut(Contender, usize, usize) -> Result<P>,
    mut close: impl AsyncFnMut(P, Contender, usize, usize) -> Result<()>,
) -> Result<()> {
    let mut stopped: Vec<Contender> = Vec::new();
    let mut table = Vec::new();
    for &mb in sizes {
        let large = generate(mb, dialect);
        let dir = root.join(format!("large-{mb}mb"));
        std::fs::create_dir_all(&dir)?;
        crate::generate::write(&dir, std::slice::from_ref(&large.file))?;
        let loaded = load_all(&dir).await?;
        check(
            loaded.sql.len() == 1,
            "the large-file folder holds one migration",
        )?;
        let mut samples: Vec<(Contender, Samples, bool)> = CONTENDERS
            .iter()
            .map(|c| (*c, Samples::default(), stopped.contains(c)))
            .collect();
        eprintln!(
            "[large file, {mb} MB, {} statements] {runs} rounds",
            large.statements
        );
        for run in 0..runs as usize {
            for k in 0..CONTENDERS.len() {
                let c = CONTENDERS[(k + run) % CONTENDERS.len()];
                if stopped.contains(&c) {
                    continue;
                }
                let pool = open(c, mb, run).await?;
                let applied = tokio::time::timeout(timeout, async {
                    if c == Contender::LowerOneTx {
                        let started = std::time::Instant::now();
                        pool.lower_bound(&large.pieces, true).await?;
                        Ok(started.elapsed())
                    } else {
                        harness::apply(c, &pool, &loaded).await
                    }
                })
                .await;
                let elapsed = match applied {
                    Ok(result) => {
                        let elapsed = result?;
                        check(
                            pool.row_count(TABLE).await? == large.rows,
                            "a contender left a wrong number of rows",
                        )?;
                        Some(elapsed)
                    }
                    Err(_) => None,
                };
                close(pool, c, mb, run).await?;
                let entry = samples.iter_mut().find(|(k, _, _)| *k == c);
                if let Some((_, s, was_stopped)) = entry {
                    if let Some(elapsed) = elapsed {
                        eprintln!("  run {run} {c:<15} {}", time(elapsed));
                        s.push(elapsed);
                    } else {
                        eprintln!("  run {run} {c:<15} stopped after {}", time(timeout));
                        *was_stopped = true;
                        stopped.push(c);
                    }
                }
            }
        }
        table.push(SizeRow {
            mb,
            statements: large.statements,
            load: loaded.schema_load,
            samples,
        });
    }
    print(&table, runs, timeout);
    Ok(())
}

fn print(table: &[SizeRow], runs: u32, timeout: Duration) {
    println!("## One large migration\n");
    println!(
        "One file: a table, then single-row `INSERT`s (about 120 bytes each) up to the size, \
         applied to a fresh database. The lower bound is the same SQL with no bookkeeping in one \
         transaction, sent in pieces of whole statements of at most {} KiB (linear by \
         construction). Median (min–max) of {runs} runs; a contender that takes longer than {} \
         is stopped and not run at the larger sizes. Per MB = median / size: flat when the cost \
         is linear.\n",
        PIECE_BYTES / 1024,
        time(timeout)
    );
    println!(
        "| file | statements | `Migrations::load` | this project `run` | sqlx `Migrator::run` | lower bound | `run` / lower bound | `run` / sqlx | per MB: `run` · sqlx · lower bound |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for row in table {
        let get = |c: Contender| {
            row.samples
                .iter()
                .find(|(k, _, _)| *k == c)
                .filter(|(_, s, stopped)| !*stopped && s.len() > 0)
                .map(|(_, s, _)| s)
        };
        let shown = |c: Contender| match get(c) {
            Some(s) => s.show(),
            None => format!("> {} (stopped)", time(timeout)),
        };
        let versus = |a: Contender, b: Contender| match (get(a), get(b)) {
            (Some(a), Some(b)) => format!("**{:.2}x**", ratio(a.median(), b.median())),
            _ => "–".to_owned(),
        };
        let per_mb = |c: Contender| {
            get(c).map_or("–".to_owned(), |s| {
                time(s.median() / row.mb.max(1) as u32)
            })
        };
        println!(
            "| {} MB | {} | {} | {} | {} | {} | {} | {} | {} · {} · {} |",
            row.mb,
            row.statements,
            time(row.load),
            shown(Contender::SchemaRun),
            shown(Contender::Sqlx),
            shown(Contender::LowerOneTx),
            versus(Contender::SchemaRun, Contender::LowerOneTx),
            versus(Contender::SchemaRun, Contender::Sqlx),
            per_mb(Contender::SchemaRun),
            per_mb(Contender::Sqlx),
            per_mb(Contender::LowerOneTx),
        );
    }
    println!();
}
