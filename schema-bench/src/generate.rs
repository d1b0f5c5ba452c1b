//! Writes N realistic migration files in the sqlx layout (`<version>_<description>.sql`).
//!
//! The mix follows the one the peer measurements in `shared/PEERS.md` used: tables with
//! several columns and a foreign key to an earlier table (with the index on it), indexes,
//! views joining a table with its parent, small INSERTs, and a few ALTER TABLE / UPDATE
//! backfills. The sequence is a pure function of N, so every contender gets the same files.

use std::fmt::Write as _;
use std::io;
use std::path::Path;

/// One generated file: its name and its SQL.
pub struct GeneratedFile {
    pub name: String,
    pub sql: String,
}

/// A count of each kind of migration in a generated set, for the report.
#[derive(Debug, Default, Clone, Copy)]
pub struct Mix {
    pub tables: usize,
    pub indexes: usize,
    pub views: usize,
    pub inserts: usize,
    pub alters: usize,
    pub updates: usize,
    pub statements: usize,
}

impl std::fmt::Display for Mix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} create-table (+ FK index), {} create-index, {} create-view, {} insert, {} alter-table, {} update; {} statements",
            self.tables, self.indexes, self.views, self.inserts, self.alters, self.updates, self.statements
        )
    }
}

const NOUNS: &[&str] = &[
    "accounts",
    "projects",
    "tasks",
    "invoices",
    "orders",
    "customers",
    "products",
    "shipments",
    "payments",
    "comments",
    "labels",
    "events",
    "sessions",
    "devices",
    "teams",
    "documents",
];

const NAMES: &[&str] = &[
    "alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel",
];

/// A small deterministic generator (xorshift64*), so that no crate is needed for it.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

struct Table {
    name: String,
    parent: Option<usize>,
    extra_columns: usize,
}

/// The migrations of a set of `n`, in order.
pub fn generate(n: usize) -> (Vec<GeneratedFile>, Mix) {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let mut tables: Vec<Table> = Vec::new();
    let mut mix = Mix::default();
    let mut files = Vec::with_capacity(n);
    for version in 1..=n {
        let roll = rng.below(100);
        // The first few are tables, so that the other kinds have something to work on.
        let kind = if tables.len() < 3 { 0 } else { roll };
        let mut sql = String::new();
        let description;
        if kind < 40 {
            // A new table, with a foreign key to an earlier one (recent ones more likely).
            let noun = NOUNS[rng.below(NOUNS.len())];
            let name = format!("{noun}_{version}");
            let parent = if tables.is_empty() {
                None
            } else {
                let window = tables.len().min(50);
                Some(tables.len() - 1 - rng.below(window))
            };
            writeln!(sql, "-- Creates {name}.").unwrap();
            writeln!(sql, "CREATE TABLE {name} (").unwrap();
            writeln!(sql, "    id            INTEGER PRIMARY KEY,").unwrap();
            if let Some(p) = parent {
                writeln!(
                    sql,
                    "    parent_id     INTEGER REFERENCES {} (id) ON DELETE CASCADE,",
                    tables[p].name
                )
                .unwrap();
            }
            writeln!(sql, "    name          TEXT    NOT NULL,").unwrap();
            writeln!(
                sql,
                "    status        TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'archived')),"
            )
            .unwrap();
            writeln!(sql, "    amount_cents  INTEGER NOT NULL DEFAULT 0,").unwrap();
            writeln!(sql, "    note          TEXT,").unwrap();
            writeln!(
                sql,
                "    created_at    TEXT    NOT NULL DEFAULT CURRENT_TIMESTAMP,"
            )
            .unwrap();
            writeln!(sql, "    updated_at    TEXT").unwrap();
            writeln!(sql, ");").unwrap();
            mix.statements += 1;
            if parent.is_some() {
                writeln!(
                    sql,
                    "CREATE INDEX idx_{name}_parent_id ON {name} (parent_id);"
                )
                .unwrap();
                mix.statements += 1;
            }
            if rng.below(3) == 0 {
                writeln!(sql, "CREATE UNIQUE INDEX uq_{name}_name ON {name} (name);").unwrap();
                mix.statements += 1;
            }
            description = format!("create_{name}");
            tables.push(Table {
                name,
                parent,
                extra_columns: 0,
            });
            mix.tables += 1;
        } else if kind < 55 {
            let t = &tables[rng.below(tables.len())];
            let index = format!("idx_{version}_{}_status_created", t.name);
            writeln!(sql, "-- Speeds up the listing of {} by status.", t.name).unwrap();
            writeln!(
                sql,
                "CREATE INDEX {index} ON {} (status, created_at);",
                t.name
            )
            .unwrap();
            mix.statements += 1;
            description = format!("index_{}_by_status", t.name);
            mix.indexes += 1;
        } else if kind < 65 {
            // A view joining a table with its parent.
            let with_parent: Vec<usize> = (0..tables.len())
                .filter(|&i| tables[i].parent.is_some())
                .collect();
            let c = with_parent[rng.below(with_parent.len())];
            let child = &tables[c];
            let parent = &tables[child.parent.unwrap_or(0)];
            let view = format!("v_{version}_active_{}", child.name);
            writeln!(sql, "-- Active {} with their parent's name.", child.name).unwrap();
            writeln!(sql, "CREATE VIEW {view} AS").unwrap();
            writeln!(
                sql,
                "SELECT c.id, c.name, c.amount_cents, c.created_at, p.name AS parent_name"
            )
            .unwrap();
            writeln!(sql, "FROM {} AS c", child.name).unwrap();
            writeln!(sql, "JOIN {} AS p ON p.id = c.parent_id", parent.name).unwrap();
            writeln!(sql, "WHERE c.status = 'active';").unwrap();
            mix.statements += 1;
            description = format!("create_view_active_{}", child.name);
            mix.views += 1;
        } else if kind < 85 {
            // A few seed rows; the parent may still be empty, and then the key is NULL.
            let t = &tables[rng.below(tables.len())];
            let rows = 2 + rng.below(4);
            writeln!(sql, "-- Seeds {}.", t.name).unwrap();
            match t.parent {
                Some(_) => writeln!(
                    sql,
                    "INSERT INTO {} (parent_id, name, status, amount_cents) VALUES",
                    t.name
                )
                .unwrap(),
                None => writeln!(
                    sql,
                    "INSERT INTO {} (name, status, amount_cents) VALUES",
                    t.name
                )
                .unwrap(),
            }
            for row in 0..rows {
                let name = NAMES[rng.below(NAMES.len())];
                let status = if rng.below(4) == 0 {
                    "archived"
                } else {
                    "active"
                };
                let amount = rng.below(100_000);
                let sep = if row + 1 == rows { ";" } else { "," };
                match t.parent {
                    Some(p) => writeln!(
                        sql,
                        "    ((SELECT MAX(id) FROM {}), '{name} {version}.{row}', '{status}', {amount}){sep}",
                        tables[p].name
                    )
                    .unwrap(),
                    None => writeln!(
                        sql,
                        "    ('{name} {version}.{row}', '{status}', {amount}){sep}"
                    )
                    .unwrap(),
                }
            }
            mix.statements += 1;
            description = format!("seed_{}", t.name);
            mix.inserts += 1;
        } else if kind < 95 {
            let i = rng.below(tables.len());
            tables[i].extra_columns += 1;
            let t = &tables[i];
            let column = format!("extra_{version}");
            writeln!(sql, "-- Adds {column} to {}.", t.name).unwrap();
            writeln!(
                sql,
                "ALTER TABLE {} ADD COLUMN {column} TEXT NOT NULL DEFAULT '';",
                t.name
            )
            .unwrap();
            mix.statements += 1;
            if t.extra_columns.is_multiple_of(2) {
                writeln!(
                    sql,
                    "CREATE INDEX idx_{}_{column} ON {} ({column});",
                    t.name, t.name
                )
                .unwrap();
                mix.statements += 1;
            }
            description = format!("add_{column}_to_{}", t.name);
            mix.alters += 1;
        } else {
            let t = &tables[rng.below(tables.len())];
            writeln!(sql, "-- Backfills {}.updated_at.", t.name).unwrap();
            writeln!(
                sql,
                "UPDATE {} SET updated_at = created_at WHERE updated_at IS NULL AND status = 'active';",
                t.name
            )
            .unwrap();
            mix.statements += 1;
            description = format!("backfill_{}_updated_at", t.name);
            mix.updates += 1;
        }
        files.push(GeneratedFile {
            name: format!("{version:06}_{description}.sql"),
            sql,
        });
    }
    (files, mix)
}

/// Writes the files into `dir`, which must exist.
pub fn write(dir: &Path, files: &[GeneratedFile]) -> io::Result<()> {
    for f in files {
        std::fs::write(dir.join(&f.name), &f.sql)?;
    }
    Ok(())
}

/// `n` one-statement migrations for a long history whose setup stays cheap: one table, then
/// small inserts and updates of it. Validating a history costs the same whatever the files do,
/// while SQLite's DDL gets slower as the schema grows (each `CREATE` scans the schema table,
/// each `ALTER TABLE ... ADD COLUMN` re-checks the whole schema).
pub fn generate_history(n: usize) -> Vec<GeneratedFile> {
    (1..=n)
        .map(|version| {
            let (description, sql) = match version {
                1 => (
                    "create_history_items".to_owned(),
                    "CREATE TABLE history_items (\n    id     INTEGER PRIMARY KEY,\n    name   TEXT    NOT NULL,\n    amount INTEGER NOT NULL DEFAULT 0\n);\n".to_owned(),
                ),
                v if v.is_multiple_of(4) => (
                    format!("bump_item_{}", v - 1),
                    format!("UPDATE history_items SET amount = amount + 1 WHERE name = 'item {}';\n", v - 1),
                ),
                v => (
                    format!("seed_item_{v}"),
                    format!("INSERT INTO history_items (name, amount) VALUES ('item {v}', {v});\n"),
                ),
            };
            GeneratedFile {
                name: format!("{version:06}_{description}.sql"),
                sql: format!("-- History entry {version}.\n{sql}"),
            }
        })
        .collect()
}
