//! What the build-time check costs: the work `embed_migrations!` does for a folder of 1,000
//! realistic migrations (every tenth one reversible), without checking and with each dialect's
//! check. It calls the same schema-core functions the macro calls.
//!
//! ```text
//! cargo run --release -p schema-core --example check_cost --features check-sqlite,check-postgres
//! cargo run -p schema-core --example check_cost --features check-sqlite,check-postgres
//! ```
//!
//! Pass a number to change the count of migrations: `-- 200`. `-- --large 1 4 16` times
//! instead one file of each size in megabytes (a table, then single-row inserts): the cost per
//! megabyte stays flat when the reading, the split and the checks are linear in the file.

use schema_core::{check, resolve_dir, CheckOptions, Dialect, MigrationSet};
use std::fmt::Write as _;
use std::time::{Duration, Instant};

/// Times each step this many times and keeps the fastest, so another build on the machine
/// disturbs the figures less.
const ROUNDS: usize = 3;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("--large") {
        let sizes = args[1..]
            .iter()
            .map(|mb| mb.parse())
            .collect::<Result<Vec<usize>, _>>()?;
        return large(&sizes);
    }
    let count: usize = match args.first() {
        Some(n) => n.parse()?,
        None => 1000,
    };
    let dir = tempfile::tempdir()?;
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations)?;
    let mut files = 0;
    for n in 1..=count {
        for (name, sql) in migration(n) {
            std::fs::write(migrations.join(name), sql)?;
            files += 1;
        }
    }
    let profile = if cfg!(debug_assertions) {
        "dev"
    } else {
        "release"
    };
    println!("{count} migrations ({files} files), {profile} profile, fastest of {ROUNDS} rounds");

    let resolve = || -> Result<MigrationSet, String> {
        resolve_dir(dir.path(), "migrations").map_err(|errors| format!("{errors:#?}"))
    };
    let read = fastest(|| resolve().map(|_| ()))?;
    println!("  resolve_dir (no check):          {read:>10.2?}");
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let options = CheckOptions::new(dialect);
        let total = fastest(|| {
            let set = resolve()?;
            check(&set, &options)
                .map(|_| ())
                .map_err(|errors| format!("{errors:#?}"))
        })?;
        let name = format!("resolve_dir + check ({dialect}):");
        println!(
            "  {name:<33}{total:>10.2?}  (check alone {:.2?})",
            total.saturating_sub(read)
        );
    }
    Ok(())
}

/// One file of each of `sizes` megabytes: `resolve_dir` (reading, checksums, the split), then
/// each dialect's check, with the time per megabyte.
fn large(sizes: &[usize]) -> Result<(), Box<dyn std::error::Error>> {
    println!("one large file (a table, then single-row inserts), fastest of {ROUNDS} rounds");
    for &mb in sizes {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("migrations"))?;
        let mut sql = String::from(
            "CREATE TABLE seed (id BIGINT PRIMARY KEY, name TEXT NOT NULL, note TEXT);\n",
        );
        let mut row = 0;
        while sql.len() < mb * 1024 * 1024 {
            row += 1;
            let _ = writeln!(
                sql,
                "INSERT INTO seed (id, name, note) VALUES ({row}, 'customer {row}', 'seeded row {row} of the large file');"
            );
        }
        std::fs::write(dir.path().join("migrations/1_seed.sql"), &sql)?;
        let resolve = || -> Result<MigrationSet, String> {
            resolve_dir(dir.path(), "migrations").map_err(|errors| format!("{errors:#?}"))
        };
        let read = fastest(|| resolve().map(|_| ()))?;
        let per_mb = |d: Duration| d / mb.max(1) as u32;
        println!(
            "  {mb} MB, {} statements: resolve_dir {read:.2?} ({:.2?} per MB)",
            row + 1,
            per_mb(read)
        );
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let options = CheckOptions::new(dialect);
            let set = resolve()?;
            let checked = fastest(|| {
                check(&set, &options)
                    .map(|_| ())
                    .map_err(|errors| format!("{errors:#?}"))
            })?;
            println!(
                "    check ({dialect}): {checked:.2?} ({:.2?} per MB)",
                per_mb(checked)
            );
        }
    }
    Ok(())
}

fn fastest(mut step: impl FnMut() -> Result<(), String>) -> Result<Duration, String> {
    let mut best = Duration::MAX;
    for _ in 0..ROUNDS {
        let start = Instant::now();
        step()?;
        best = best.min(start.elapsed());
    }
    Ok(best)
}

/// Migration `n`: a table with a foreign key to the previous one and an index; now and then
/// seed rows, a view or a trigger; every tenth one as an `.up.sql`/`.down.sql` pair whose down
/// undoes it. Valid in both dialects.
fn migration(n: usize) -> Vec<(String, String)> {
    let table = format!("table_{n:04}");
    let mut up = String::new();
    let _ = writeln!(up, "-- Migration {n}: the {table} table.");
    let _ = writeln!(up, "CREATE TABLE {table} (");
    let _ = writeln!(up, "    id BIGINT PRIMARY KEY,");
    let _ = writeln!(up, "    name TEXT NOT NULL,");
    let _ = writeln!(up, "    amount NUMERIC(12, 2) NOT NULL DEFAULT 0,");
    let _ = writeln!(
        up,
        "    created_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,"
    );
    if n > 1 {
        let parent = format!("table_{:04}", n - 1);
        let _ = writeln!(
            up,
            "    {parent}_id BIGINT REFERENCES {parent} (id) ON DELETE CASCADE,"
        );
        let _ = writeln!(up, "    UNIQUE (name, {parent}_id)");
    } else {
        let _ = writeln!(up, "    UNIQUE (name)");
    }
    let _ = writeln!(up, ");");
    let _ = writeln!(
        up,
        "CREATE INDEX {table}_created_at_idx ON {table} (created_at);"
    );
    if n.is_multiple_of(7) {
        let _ = writeln!(
            up,
            "INSERT INTO {table} (id, name, amount) VALUES (1, 'first', 10.50), (2, 'second', 0);"
        );
    }
    if n.is_multiple_of(13) {
        let _ = writeln!(
            up,
            "CREATE VIEW {table}_totals AS\n    SELECT name, SUM(amount) AS total FROM {table} GROUP BY name;"
        );
    }
    if n.is_multiple_of(3) && n > 1 {
        let _ = writeln!(
            up,
            "UPDATE table_{:04} SET amount = amount + 1 WHERE name IN (SELECT name FROM {table});",
            n - 1
        );
    }
    let stem = format!("{n:04}_create_{table}");
    if !n.is_multiple_of(10) {
        return vec![(format!("{stem}.sql"), up)];
    }
    let mut down = String::new();
    if n.is_multiple_of(13) {
        let _ = writeln!(down, "DROP VIEW {table}_totals;");
    }
    let _ = writeln!(down, "DROP INDEX {table}_created_at_idx;");
    let _ = writeln!(down, "DROP TABLE {table};");
    vec![
        (format!("{stem}.up.sql"), up),
        (format!("{stem}.down.sql"), down),
    ]
}
