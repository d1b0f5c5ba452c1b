//! The SQLite fresh apply on an encrypted file (SQLCipher, cargo feature `sqlcipher`) beside
//! a plain one, in the same run on the same generated files: this project's `run`, sqlx's
//! migrator and the lower bound (the same SQL, one transaction per file, no bookkeeping), each
//! on both; and what opening a connection costs with a passphrase (SQLCipher's PBKDF2) and
//! with a raw key.

use crate::generate::{self, Dialect};
use crate::harness::{self, check, load_all, Result};
use crate::stats::{ratio, time, Samples};
use crate::Contender;
use schema_runtime::sqlcipher::{Encryption, Key};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use sqlx::ConnectOptions;
use std::path::Path;
use std::time::Instant;

/// The contenders measured on both kinds of file.
const CONTENDERS: [Contender; 3] = [
    Contender::SchemaRun,
    Contender::Sqlx,
    Contender::LowerPerFile,
];

/// A raw key (what `derive_key` gives): no KDF on each new connection, so the timings are the
/// page encryption alone.
fn raw_key() -> Result<Encryption> {
    Ok(Encryption::new(Key::from_hex(&"3c".repeat(32))?))
}

fn options(db: &Path) -> SqliteConnectOptions {
    SqliteConnectOptions::new()
        .filename(db)
        .create_if_missing(true)
}

async fn open(db: &Path, encrypted: bool) -> Result<SqlitePool> {
    let pool = SqlitePoolOptions::new().max_connections(4);
    Ok(if encrypted {
        raw_key()?.open(options(db), pool).await?
    } else {
        pool.connect_with(options(db)).await?
    })
}

pub async fn bench(sizes: &[usize], runs: u32) -> Result<()> {
    let tmp = tempfile::Builder::new().prefix("schema-bench-").tempdir()?;
    let root = tmp.path();
    let version: String = {
        let pool = open(&root.join("probe.db"), true).await?;
        let v = sqlx::query_scalar("PRAGMA cipher_version")
            .fetch_one(&pool)
            .await?;
        pool.close().await;
        v
    };
    println!("# schema-bench: SQLite, encrypted (SQLCipher) beside plain\n");
    println!(
        "SQLCipher {version} (libsqlite3-sys's bundled build, the system's libcrypto), file \
         databases, SQLite's default journal mode, sqlx's `synchronous` (FULL), a raw key \
         (SQLCipher 4's page settings: 4096-byte pages, HMAC-SHA512); {} CPUs. Median of {runs} \
         runs (min–max), each on a new file, the six applies of a round in rotating order.\n",
        std::thread::available_parallelism().map_or(0, |n| n.get()),
    );
    for &n in sizes {
        size(root, n, runs).await?;
    }
    connect_cost(root, runs).await
}

async fn size(root: &Path, n: usize, runs: u32) -> Result<()> {
    let dir = root.join(format!("migrations-{n}"));
    std::fs::create_dir_all(&dir)?;
    let (files, _) = generate::generate(n, Dialect::Sqlite);
    generate::write(&dir, &files)?;
    let loaded = load_all(&dir).await?;
    check(loaded.sql.len() == n, "a loader did not find every file")?;
    let dbs = root.join(format!("db-{n}"));
    std::fs::create_dir_all(&dbs)?;
    let cases: Vec<(Contender, bool)> = CONTENDERS
        .iter()
        .flat_map(|c| [(*c, false), (*c, true)])
        .collect();
    let mut samples: Vec<Samples> = cases.iter().map(|_| Samples::default()).collect();
    eprintln!("[N = {n}] {runs} rounds of {} fresh applies", cases.len());
    for run in 0..runs as usize {
        for k in 0..cases.len() {
            let i = (k + run) % cases.len();
            let (contender, encrypted) = cases[i];
            let kind = if encrypted { "encrypted" } else { "plain" };
            let db = dbs.join(format!("{contender}-{kind}-{run}.db"));
            let pool = open(&db, encrypted).await?;
            let elapsed = harness::apply(contender, &pool, &loaded).await?;
            pool.close().await;
            if encrypted {
                check(
                    !schema_runtime::sqlcipher::is_plain_sqlite(&db)?,
                    "an encrypted file has a plain header",
                )?;
            }
            eprintln!("  run {run} {contender:<15} {kind:<9} {}", time(elapsed));
            samples[i].push(elapsed);
        }
    }
    let median = |c: Contender, encrypted: bool| {
        let i = cases
            .iter()
            .position(|case| *case == (c, encrypted))
            .unwrap_or(0);
        &samples[i]
    };
    println!("## N = {n}\n");
    println!("| fresh apply | plain | encrypted | encrypted / plain |");
    println!("|---|---|---|---|");
    for c in CONTENDERS {
        let (plain, encrypted) = (median(c, false), median(c, true));
        println!(
            "| {} | {} | {} | {:.2}x |",
            c.label().trim_start_matches("fresh apply, "),
            plain.show(),
            encrypted.show(),
            ratio(encrypted.median(), plain.median())
        );
    }
    let run = median(Contender::SchemaRun, true).median();
    println!(
        "| encrypted: `run` / sqlx | | | {:.2}x |",
        ratio(run, median(Contender::Sqlx, true).median())
    );
    println!(
        "| encrypted: `run` / lower bound | | | {:.2}x |\n",
        ratio(run, median(Contender::LowerPerFile, true).median())
    );
    Ok(())
}

/// What one new connection costs: plain, a raw key, a passphrase (SQLCipher 4's PBKDF2 of
/// 256,000 rounds, paid once per process and file: SQLCipher keeps the derived key).
async fn connect_cost(root: &Path, runs: u32) -> Result<()> {
    let db = root.join("connect.db");
    let passphrase = Encryption::new(Key::passphrase("a passphrase for the benchmark")?);
    passphrase
        .open(options(&db), SqlitePoolOptions::new())
        .await?
        .close()
        .await;
    let mut rows = Vec::new();
    for (label, keyed) in [
        ("plain", None),
        ("raw key", Some(raw_key()?)),
        (
            "passphrase, a file this process opened before",
            Some(passphrase),
        ),
    ] {
        let db = root.join(format!("connect-{}.db", label.replace(' ', "-")));
        if let Some(keyed) = &keyed {
            keyed
                .open(options(&db), SqlitePoolOptions::new())
                .await?
                .close()
                .await;
        }
        let mut samples = Samples::default();
        for _ in 0..runs.max(3) {
            let opts = match &keyed {
                Some(keyed) => keyed.apply(options(&db)),
                None => options(&db),
            };
            let started = Instant::now();
            let mut conn = opts.connect().await?;
            sqlx::query("SELECT count(*) FROM sqlite_master")
                .execute(&mut conn)
                .await?;
            samples.push(started.elapsed());
            sqlx::Connection::close(conn).await?;
        }
        rows.push((label, samples));
    }
    // SQLCipher keeps the key it derived from a passphrase and a file's salt for the process:
    // the rows above open a file this process opened before. A new file (a new salt) pays the
    // KDF, as the first connection of a process to an existing file does.
    let mut samples = Samples::default();
    for i in 0..runs.max(3) {
        let db = root.join(format!("fresh-{i}.db"));
        let started = Instant::now();
        let mut conn = SqliteConnectOptions::new()
            .filename(&db)
            .create_if_missing(true)
            .connect()
            .await?;
        sqlx::raw_sql("PRAGMA key = 'a passphrase for the benchmark'; CREATE TABLE t (x)")
            .execute(&mut conn)
            .await?;
        samples.push(started.elapsed());
        sqlx::Connection::close(conn).await?;
    }
    rows.push(("passphrase, a new file: the KDF runs (a new salt)", samples));
    println!("## Opening a connection (and reading the schema)\n");
    println!("| key | time |");
    println!("|---|---|");
    for (label, samples) in rows {
        println!("| {label} | {} |", samples.show());
    }
    Ok(())
}
