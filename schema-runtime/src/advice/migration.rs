//! The advice as one migration: the indexes to create and to drop, merged, written as an up
//! and a down file.

use super::indexes::{table_indexes, Key};
use super::{unqualified, Finding, IndexKey, NewIndex};
use crate::introspect::{Index, Schema};
use schema_core::Dialect;
use serde::Serialize;

/// The indexes the advice creates and drops.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Changes {
    /// The indexes to create, one per table and keys; none that another one starts with.
    pub create: Vec<NewIndex>,
    /// The existing indexes to drop: the duplicate and redundant ones, and those an index
    /// created here starts with.
    pub drop: Vec<Index>,
}

/// A migration's two files.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MigrationSql {
    /// The up file.
    pub up: String,
    /// The down file: it drops what the up creates and creates again what it drops.
    pub down: String,
}

impl Changes {
    /// The changes the findings ask for, with unique names given to the new indexes (the
    /// findings keep theirs in step through [`name_indexes`]).
    pub(crate) fn of(schema: &Schema, findings: &[Finding]) -> Changes {
        let mut create: Vec<NewIndex> = Vec::new();
        for new in findings.iter().filter_map(|f| f.create.as_ref()) {
            if !create
                .iter()
                .any(|c| c.table == new.table && c.keys == new.keys)
            {
                create.push(new.clone());
            }
        }
        // An index that another new one starts with is served by that one.
        let starts = |short: &NewIndex, long: &NewIndex| {
            short.table == long.table
                && short.keys.len() < long.keys.len()
                && long.keys[..short.keys.len()] == short.keys[..]
        };
        let mut kept: Vec<NewIndex> = create
            .iter()
            .filter(|c| !create.iter().any(|o| starts(c, o)))
            .cloned()
            .collect();
        kept.sort_by(|a, b| a.name.cmp(&b.name));
        let mut drop: Vec<Index> = Vec::new();
        for name in findings.iter().filter_map(|f| f.drop.as_ref()) {
            if let Some(index) = schema.indexes.iter().find(|i| &i.name == name) {
                if !drop.contains(index) {
                    drop.push(index.clone());
                }
            }
        }
        // An existing plain index that a new one starts with would be redundant once it is
        // built: the next advice would say so.
        for table in &schema.tables {
            for existing in table_indexes(schema, table) {
                let Some(index) = existing.index else {
                    continue;
                };
                let replaced = !existing.unique
                    && existing.predicate.is_none()
                    && existing.method == "btree"
                    && index.include.is_empty()
                    && kept.iter().any(|new| {
                        new.table == table.name
                            && new.keys.len() > existing.keys.len()
                            && existing
                                .keys
                                .iter()
                                .zip(&new.keys)
                                .all(|(k, n)| *k == key_of(n))
                    });
                if replaced && !drop.contains(index) {
                    drop.push(index.clone());
                }
            }
        }
        Changes { create: kept, drop }
    }

    /// Whether there is nothing to change.
    pub fn is_empty(&self) -> bool {
        self.create.is_empty() && self.drop.is_empty()
    }

    /// The migration for `dialect`'s database. On PostgreSQL both files are `-- no-transaction`
    /// and build and drop each index `CONCURRENTLY`, so that writes go on meanwhile.
    pub fn migration(&self, dialect: Dialect) -> MigrationSql {
        let postgres = dialect == Dialect::Postgres;
        let (head, concurrently) = if postgres {
            (
                "-- no-transaction\n-- Written by `schema advise`. Each index is built and dropped CONCURRENTLY,\n-- outside a transaction, so that writes to its table go on meanwhile.\n",
                " CONCURRENTLY",
            )
        } else {
            ("-- Written by `schema advise`.\n", "")
        };
        let mut up = head.to_owned();
        let mut down = head.to_owned();
        for new in &self.create {
            up.push_str(&create_new(new, concurrently));
        }
        for index in &self.drop {
            up.push_str(&format!(
                "DROP INDEX{concurrently} {};\n",
                crate::introspect::qualified_name(&index.name)
            ));
            let create = index.to_sql(dialect);
            down.push_str(&create.replacen(" INDEX ", &format!(" INDEX{concurrently} "), 1));
        }
        for new in &self.create {
            let name = match new.table.rsplit_once('.') {
                Some((schema, _)) => format!("{schema}.{}", new.name),
                None => new.name.clone(),
            };
            down.push_str(&format!(
                "DROP INDEX{concurrently} IF EXISTS {};\n",
                crate::introspect::qualified_name(&name)
            ));
        }
        MigrationSql { up, down }
    }
}

fn create_new(new: &NewIndex, concurrently: &str) -> String {
    let keys: Vec<String> = new
        .keys
        .iter()
        .map(|k| {
            let column = crate::introspect::qualified_name(&k.column);
            if k.descending {
                format!("{column} DESC")
            } else {
                column
            }
        })
        .collect();
    format!(
        "CREATE INDEX{concurrently} {} ON {} ({});\n",
        crate::introspect::qualified_name(&new.name),
        crate::introspect::qualified_name(&new.table),
        keys.join(", ")
    )
}

/// An existing index's key as a new one's.
fn key_of(new: &IndexKey) -> Key {
    Key {
        text: new.column.clone(),
        column: true,
        desc: new.descending,
        rest: String::new(),
    }
}

/// Gives each suggested index a name, `<table>_<columns>_idx`, the same for the same table and
/// keys, and unique among the schema's indexes and the other suggestions; PostgreSQL's names
/// are cut to its 63 bytes.
pub(crate) fn name_indexes(schema: &Schema, findings: &mut [Finding]) {
    let mut named: Vec<NewIndex> = Vec::new();
    for finding in findings.iter_mut() {
        let Some(new) = finding.create.as_mut() else {
            continue;
        };
        if let Some(same) = named
            .iter()
            .find(|n| n.table == new.table && n.keys == new.keys)
        {
            new.name = same.name.clone();
            continue;
        }
        let columns: Vec<&str> = new.keys.iter().map(|k| k.column.as_str()).collect();
        let base = format!("{}_{}", unqualified(&new.table), columns.join("_"));
        let taken = |name: &str| {
            schema
                .indexes
                .iter()
                .any(|i| unqualified(&i.name).eq_ignore_ascii_case(name))
                || named.iter().any(|n| n.name.eq_ignore_ascii_case(name))
                || schema
                    .tables
                    .iter()
                    .any(|t| unqualified(&t.name).eq_ignore_ascii_case(name))
        };
        let mut n = 1;
        new.name = loop {
            let suffix = if n == 1 {
                "_idx".to_owned()
            } else {
                format!("_idx{n}")
            };
            let mut stem = base.clone();
            while stem.len() + suffix.len() > 63 {
                stem.pop();
            }
            let candidate = format!("{stem}{suffix}");
            if !taken(&candidate) {
                break candidate;
            }
            n += 1;
        };
        named.push(new.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::advice::FindingKind;
    use crate::introspect::Table;

    fn schema() -> Schema {
        Schema {
            tables: vec![Table {
                name: "posts".to_owned(),
                ..Table::default()
            }],
            indexes: vec![Index {
                name: "posts_user_idx".to_owned(),
                table: "posts".to_owned(),
                unique: false,
                keys: vec!["user_id".to_owned()],
                include: Vec::new(),
                predicate: None,
                method: "btree".to_owned(),
            }],
            ..Schema::default()
        }
    }

    fn wants(keys: &[(&str, bool)]) -> Finding {
        Finding {
            kind: FindingKind::FullScan,
            table: Some("posts".to_owned()),
            message: String::new(),
            query: None,
            plan: Vec::new(),
            create: Some(NewIndex {
                name: String::new(),
                table: "posts".to_owned(),
                keys: keys
                    .iter()
                    .map(|(c, d)| IndexKey {
                        column: c.to_string(),
                        descending: *d,
                    })
                    .collect(),
            }),
            drop: None,
        }
    }

    #[test]
    fn merges_prefixes_and_drops_the_index_a_new_one_replaces() {
        let schema = schema();
        let mut findings = vec![
            wants(&[("status", false)]),
            wants(&[("user_id", false), ("updated_at", true)]),
            wants(&[("status", false), ("score", false)]),
            wants(&[("status", false)]),
        ];
        name_indexes(&schema, &mut findings);
        assert_eq!(
            findings[0].create.as_ref().unwrap().name,
            "posts_status_idx"
        );
        assert_eq!(
            findings[3].create.as_ref().unwrap().name,
            "posts_status_idx"
        );
        let changes = Changes::of(&schema, &findings);
        let names: Vec<&str> = changes.create.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            ["posts_status_score_idx", "posts_user_id_updated_at_idx"]
        );
        assert_eq!(changes.drop[0].name, "posts_user_idx");
        let sql = changes.migration(Dialect::Postgres);
        assert_eq!(
            sql.up.lines().filter(|l| !l.starts_with("--")).collect::<Vec<_>>(),
            [
                "CREATE INDEX CONCURRENTLY posts_status_score_idx ON posts (status, score);",
                "CREATE INDEX CONCURRENTLY posts_user_id_updated_at_idx ON posts (user_id, updated_at DESC);",
                "DROP INDEX CONCURRENTLY posts_user_idx;",
            ]
        );
        assert!(sql.up.starts_with("-- no-transaction\n"));
        assert_eq!(
            sql.down
                .lines()
                .filter(|l| !l.starts_with("--"))
                .collect::<Vec<_>>(),
            [
                "CREATE INDEX CONCURRENTLY posts_user_idx ON posts USING btree (user_id);",
                "DROP INDEX CONCURRENTLY IF EXISTS posts_status_score_idx;",
                "DROP INDEX CONCURRENTLY IF EXISTS posts_user_id_updated_at_idx;",
            ]
        );
    }

    #[test]
    fn names_stay_unique_and_within_postgres_limit() {
        let schema = Schema {
            indexes: vec![Index {
                name: "posts_title_idx".to_owned(),
                ..schema().indexes[0].clone()
            }],
            ..schema()
        };
        let long = "a_very_long_column_name_that_goes_on_and_on";
        let mut findings = vec![
            wants(&[("title", false)]),
            wants(&[(long, false), (long, true)]),
        ];
        name_indexes(&schema, &mut findings);
        assert_eq!(
            findings[0].create.as_ref().unwrap().name,
            "posts_title_idx2"
        );
        let name = &findings[1].create.as_ref().unwrap().name;
        assert!(name.len() <= 63 && name.ends_with("_idx"), "{name}");
    }
}
