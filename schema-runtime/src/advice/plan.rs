//! A query planned by its database, and what the plan says about indexes: the tables it reads
//! whole and the sorts it makes in a temporary B-tree.

use super::indexes::table_indexes;
use super::query::{analyze, TableUse};
use super::{Finding, FindingKind, IndexKey, NewIndex, Query};
use crate::introspect::Schema;
use crate::{DbPool, MigrateError};
use schema_core::Dialect;

/// What a plan says.
#[derive(Debug, Default)]
struct Plan {
    /// Each table read whole, by the name the plan shows (an alias, or the table), with the
    /// table's own name where the plan gives it (PostgreSQL).
    scans: Vec<Scan>,
    /// Each sort in a temporary B-tree.
    sorts: usize,
    /// The lines of the plan that show them.
    lines: Vec<String>,
}

#[derive(Debug)]
struct Scan {
    shown_as: String,
    table: Option<String>,
    /// SQLite's automatic index: the columns it builds it on, for each run of the query.
    automatic: Vec<String>,
}

/// The findings on one query: planned on `pool`, whose schema is `schema`.
pub(super) async fn advise_query(
    pool: DbPool<'_>,
    schema: &Schema,
    query: &Query,
) -> Result<Vec<Finding>, MigrateError> {
    let dialect = match pool {
        #[cfg(feature = "sqlite")]
        DbPool::Sqlite(_) => Dialect::Sqlite,
        #[cfg(feature = "postgres")]
        DbPool::Postgres(_) => Dialect::Postgres,
    };
    let failed = |message: String| Finding {
        kind: FindingKind::QueryFailed,
        table: None,
        message,
        query: Some(query.clone()),
        plan: Vec::new(),
        create: None,
        drop: None,
    };
    // One statement only: a second one would be run, not planned.
    let statements = schema_core::split_statements(&query.sql);
    if statements.len() != 1 {
        return Ok(vec![failed(format!(
            "the query holds {} statements; each query must be one statement",
            statements.len()
        ))]);
    }
    let sql = statements[0].text.trim_end().trim_end_matches(';');
    let planned = match pool {
        #[cfg(feature = "sqlite")]
        DbPool::Sqlite(pool) => sqlite_plan(pool, sql).await,
        #[cfg(feature = "postgres")]
        DbPool::Postgres(pool) => postgres_plan(pool, sql, schema).await,
    };
    let plan = match planned {
        Ok(plan) => plan,
        Err(Planning::Refused(message)) => {
            return Ok(vec![failed(format!(
                "the database cannot plan the query: {message}"
            ))])
        }
        Err(Planning::Database(e)) => return Err(e),
    };
    let uses = analyze(sql, dialect, schema).unwrap_or_default();
    Ok(findings(&plan, &uses, schema, query))
}

/// The findings a plan gives, with the index each needs from what the query asks.
fn findings(plan: &Plan, uses: &[TableUse], schema: &Schema, query: &Query) -> Vec<Finding> {
    let mut found: Vec<Finding> = Vec::new();
    let finding = |kind, table: Option<&str>, message: String, create| Finding {
        kind,
        table: table.map(str::to_owned),
        message,
        query: Some(query.clone()),
        plan: plan.lines.clone(),
        create,
        drop: None,
    };
    let mut sorted_by: Vec<usize> = Vec::new();
    for scan in &plan.scans {
        let used = uses.iter().position(|u| {
            u.shown_as == scan.shown_as || scan.table.as_deref() == Some(u.table.as_str())
        });
        let Some(u) = used.map(|i| &uses[i]) else {
            continue;
        };
        let keys = if scan.automatic.is_empty() {
            // A table read whole for a join alone is the join's outer side: one must be.
            if u.eq.is_empty() && u.range.is_empty() {
                continue;
            }
            suggestion(u, plan.sorts > 0)
        } else {
            let mut keys: Vec<IndexKey> = Vec::new();
            for column in u.eq.iter().chain(&scan.automatic) {
                if !keys.iter().any(|k| &k.column == column) {
                    keys.push(IndexKey {
                        column: column.clone(),
                        descending: false,
                    });
                }
            }
            let n = keys.len();
            (keys, n)
        };
        if plan.sorts > 0 && u.order.is_some() && keys.0.len() > keys.1 {
            sorted_by.push(used.unwrap_or(0));
        }
        let filters: Vec<&str> =
            u.eq.iter()
                .chain(&u.range)
                .chain(&scan.automatic)
                .map(String::as_str)
                .collect();
        let message = format!(
            "reads all of `{}` to filter on {}",
            u.table,
            filters.join(", ")
        );
        found.push(served_or_new(
            finding(FindingKind::FullScan, Some(&u.table), message, None),
            schema,
            u,
            keys,
        ));
    }
    if plan.sorts > 0 {
        let sorting = uses
            .iter()
            .enumerate()
            .find(|(_, u)| u.order.is_some())
            .or_else(|| uses.iter().enumerate().find(|(_, u)| u.group.is_some()));
        match sorting {
            Some((i, _)) if sorted_by.contains(&i) => {}
            Some((_, u)) => {
                let what = if u.order.is_some() { "ORDER BY" } else { "GROUP BY" };
                let message = format!("sorts the rows of `{}` for its {what} in a temporary B-tree", u.table);
                let keys = suggestion(u, true);
                found.push(served_or_new(finding(FindingKind::TemporarySort, Some(&u.table), message, None), schema, u, keys));
            }
            None => found.push(finding(
                FindingKind::TemporarySort,
                None,
                "sorts its rows in a temporary B-tree; no index of one table serves the order (it is over several tables, expressions or a view)".to_owned(),
                None,
            )),
        }
    }
    found
}

/// The index a use needs, with how many of its first keys are equalities: the equality
/// columns, then the order (or with `for_sort` the grouping), or else one range column.
fn suggestion(u: &TableUse, for_sort: bool) -> (Vec<IndexKey>, usize) {
    let mut keys: Vec<IndexKey> =
        u.eq.iter()
            .map(|c| IndexKey {
                column: c.clone(),
                descending: false,
            })
            .collect();
    let n = keys.len();
    let order: Option<Vec<(String, bool)>> = u.order.clone().or_else(|| {
        u.group
            .as_ref()
            .filter(|_| for_sort)
            .map(|g| g.iter().map(|c| (c.clone(), false)).collect())
    });
    match order {
        Some(order) => {
            for (column, descending) in order {
                if !keys.iter().any(|k| k.column == column) {
                    keys.push(IndexKey { column, descending });
                }
            }
        }
        None => {
            if let Some(column) = u.range.first() {
                if !keys.iter().any(|k| &k.column == column) {
                    keys.push(IndexKey {
                        column: column.clone(),
                        descending: false,
                    });
                }
            }
        }
    }
    (keys, n)
}

/// `finding` with the index to create, or, when an index of the table already serves it,
/// saying so instead.
fn served_or_new(
    mut finding: Finding,
    schema: &Schema,
    u: &TableUse,
    (keys, eq): (Vec<IndexKey>, usize),
) -> Finding {
    if keys.is_empty() {
        return finding;
    }
    let existing = schema
        .tables
        .iter()
        .find(|t| t.name == u.table)
        .map(|t| table_indexes(schema, t))
        .unwrap_or_default();
    let target = NewIndex {
        name: String::new(),
        table: u.table.clone(),
        keys,
    };
    if existing.iter().any(|i| i.serves(&target.keys, eq)) {
        finding.message.push_str(&format!(
            "; an index on {} exists but the plan does not use it (a collation, a type or an expression around the column?)",
            target.target()
        ));
    } else {
        finding.create = Some(target);
    }
    finding
}

/// Why a query has no plan.
enum Planning {
    /// The database refused the query (a syntax error, an unknown table): a finding.
    Refused(String),
    /// The database could not be used: an error of the whole advice.
    Database(MigrateError),
}

fn planning(context: &str) -> impl FnOnce(sqlx::Error) -> Planning + '_ {
    move |e| match e {
        sqlx::Error::Database(db) => Planning::Refused(db.message().to_owned()),
        other => Planning::Database(MigrateError::db(context)(other)),
    }
}

#[cfg(feature = "sqlite")]
async fn sqlite_plan(pool: &sqlx::SqlitePool, sql: &str) -> Result<Plan, Planning> {
    use sqlx::Row;
    // Parameters left unbound are NULL: a plan does not depend on their values.
    let rows = sqlx::query(&format!("EXPLAIN QUERY PLAN {sql}"))
        .fetch_all(pool)
        .await
        .map_err(planning("planning a query"))?;
    let mut plan = Plan::default();
    for row in rows {
        let detail: String = row
            .try_get("detail")
            .map_err(|e| Planning::Database(MigrateError::db("reading a query plan")(e)))?;
        let words: Vec<&str> = detail.split_whitespace().collect();
        let relevant = match words.as_slice() {
            ["SCAN", name, rest @ ..] if !rest.starts_with(&["VIRTUAL"]) && *name != "CONSTANT" => {
                plan.scans.push(Scan {
                    shown_as: name.to_lowercase(),
                    table: None,
                    automatic: Vec::new(),
                });
                true
            }
            ["SEARCH", name, ..] if detail.contains("AUTOMATIC") => {
                plan.scans.push(Scan {
                    shown_as: name.to_lowercase(),
                    table: None,
                    automatic: automatic_columns(&detail),
                });
                true
            }
            ["USE", "TEMP", "B-TREE", "FOR", rest @ ..] if !rest.starts_with(&["DISTINCT"]) => {
                plan.sorts += 1;
                true
            }
            _ => false,
        };
        if relevant {
            plan.lines.push(detail);
        }
    }
    Ok(plan)
}

/// The columns of SQLite's `SEARCH t USING AUTOMATIC COVERING INDEX (a=? AND b=?)`.
#[cfg(feature = "sqlite")]
fn automatic_columns(detail: &str) -> Vec<String> {
    let inside = detail
        .rsplit_once('(')
        .map_or("", |(_, rest)| rest.trim_end_matches(')'));
    inside
        .split(" AND ")
        .filter_map(|part| {
            part.split_once(['=', '<', '>'])
                .map(|(c, _)| c.trim().to_lowercase())
        })
        .filter(|c| !c.is_empty())
        .collect()
}

#[cfg(feature = "postgres")]
async fn postgres_plan(pool: &sqlx::PgPool, sql: &str, schema: &Schema) -> Result<Plan, Planning> {
    use sqlx::{Connection, Executor};
    let mut conn = pool
        .acquire()
        .await
        .map_err(|e| Planning::Database(MigrateError::db("connecting to plan a query")(e)))?;
    // Read only, rolled back: planning writes nothing, even on a live database.
    let mut tx = conn
        .begin_with("BEGIN READ ONLY")
        .await
        .map_err(|e| Planning::Database(MigrateError::db("starting a read-only transaction")(e)))?;
    let explained = explain_prepared(&mut tx, sql).await;
    let _ = tx.rollback().await;
    // A prepared statement outlives its transaction.
    let _ = conn.execute("DEALLOCATE schema_advise_query").await;
    let value: serde_json::Value = serde_json::from_str(&explained?).unwrap_or_default();
    let mut plan = Plan::default();
    if let Some(root) = value.get(0).and_then(|v| v.get("Plan")) {
        walk(root, schema, &mut plan);
    }
    Ok(plan)
}

/// The plan of `sql`, as PostgreSQL's JSON, prepared and explained with any value of its
/// parameters.
#[cfg(feature = "postgres")]
async fn explain_prepared(conn: &mut sqlx::PgConnection, sql: &str) -> Result<String, Planning> {
    use sqlx::{Executor, Row};
    // On tables without statistics a sequential scan or a sort looks cheapest: with both
    // disabled the planner takes an index wherever one serves the query, so that the plan
    // says whether one exists. The generic plan is the one for any parameter value.
    for setting in [
        "SET LOCAL enable_seqscan = off",
        "SET LOCAL enable_sort = off",
        "SET LOCAL plan_cache_mode = force_generic_plan",
    ] {
        conn.execute(setting)
            .await
            .map_err(|e| Planning::Database(MigrateError::db("setting up the planner")(e)))?;
    }
    // A prepared statement through the extended protocol holds one statement only.
    conn.execute(format!("PREPARE schema_advise_query AS {sql}").as_str())
        .await
        .map_err(planning("planning a query"))?;
    let parameters: i32 = sqlx::query_scalar(
        "SELECT coalesce(cardinality(parameter_types), 0) FROM pg_prepared_statements WHERE name = 'schema_advise_query'",
    )
    .fetch_one(&mut *conn)
    .await
    .map_err(planning("reading a prepared query's parameters"))?;
    let nulls = vec!["NULL"; usize::try_from(parameters).unwrap_or(0)].join(", ");
    let execute = if nulls.is_empty() {
        "EXPLAIN (FORMAT JSON) EXECUTE schema_advise_query".to_owned()
    } else {
        format!("EXPLAIN (FORMAT JSON) EXECUTE schema_advise_query({nulls})")
    };
    let row = sqlx::query(&execute)
        .fetch_one(&mut *conn)
        .await
        .map_err(planning("planning a query"))?;
    // `json` is sent as its text.
    row.try_get_unchecked::<String, _>(0)
        .map_err(|e| Planning::Database(MigrateError::db("reading a query plan")(e)))
}

/// Collects the whole-table reads and the sorts of a PostgreSQL plan node and its children.
#[cfg(feature = "postgres")]
fn walk(node: &serde_json::Value, schema: &Schema, plan: &mut Plan) {
    let text = |key: &str| node.get(key).and_then(|v| v.as_str()).unwrap_or("");
    let kind = text("Node Type");
    // An index scan whose condition leaves out the index's first column reads all of it.
    let leading_unused = || {
        leading_column(schema, text("Index Name")).is_some_and(|column| {
            !text("Index Cond")
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| word == column)
        })
    };
    let whole = match kind {
        "Seq Scan" => true,
        "Index Scan" | "Index Only Scan" => node.get("Index Cond").is_none() || leading_unused(),
        // Served when one of its index scans uses its index's first column.
        "Bitmap Heap Scan" => {
            let mut scans = Vec::new();
            bitmap_scans(node, &mut scans);
            !scans.is_empty()
                && scans.iter().all(|scan| {
                    let text = |key: &str| scan.get(key).and_then(|v| v.as_str()).unwrap_or("");
                    leading_column(schema, text("Index Name")).is_some_and(|column| {
                        !text("Index Cond")
                            .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                            .any(|word| word == column)
                    })
                })
        }
        _ => false,
    };
    if whole {
        let schema = text("Schema");
        let relation = text("Relation Name");
        let table = if schema.is_empty() || schema == "public" {
            relation.to_owned()
        } else {
            format!("{schema}.{relation}")
        };
        let mut line = format!("{kind} on {table}");
        if text("Alias") != relation {
            line.push_str(&format!(" {}", text("Alias")));
        }
        if !text("Filter").is_empty() {
            line.push_str(&format!(" (Filter: {})", text("Filter")));
        }
        plan.lines.push(line);
        plan.scans.push(Scan {
            shown_as: text("Alias").to_owned(),
            table: Some(table),
            automatic: Vec::new(),
        });
    }
    if kind == "Sort" || kind == "Incremental Sort" {
        let keys: Vec<&str> = node
            .get("Sort Key")
            .and_then(|k| k.as_array())
            .map(|a| a.iter().filter_map(|k| k.as_str()).collect())
            .unwrap_or_default();
        plan.lines
            .push(format!("{kind} (Sort Key: {})", keys.join(", ")));
        plan.sorts += 1;
    }
    for child in node
        .get("Plans")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        walk(child, schema, plan);
    }
}

/// The `Bitmap Index Scan` nodes under `node`.
#[cfg(feature = "postgres")]
fn bitmap_scans<'a>(node: &'a serde_json::Value, found: &mut Vec<&'a serde_json::Value>) {
    for child in node
        .get("Plans")
        .and_then(|p| p.as_array())
        .into_iter()
        .flatten()
    {
        if child.get("Node Type").and_then(|t| t.as_str()) == Some("Bitmap Index Scan") {
            found.push(child);
        } else {
            bitmap_scans(child, found);
        }
    }
}

/// The first column of the index `name` (an index of the model, or the one behind a primary
/// key or unique constraint of that name).
#[cfg(feature = "postgres")]
fn leading_column<'s>(schema: &'s Schema, name: &str) -> Option<&'s str> {
    if name.is_empty() {
        return None;
    }
    if let Some(index) = schema
        .indexes
        .iter()
        .find(|i| super::unqualified(&i.name) == name)
    {
        return index
            .keys
            .first()
            .map(|k| k.split_whitespace().next().unwrap_or(k).trim_matches('"'));
    }
    schema.tables.iter().find_map(|t| {
        let key = t
            .primary_key
            .as_ref()
            .filter(|k| k.name.as_deref() == Some(name))
            .map(|k| &k.columns);
        let unique = t
            .uniques
            .iter()
            .find(|u| u.name.as_deref() == Some(name))
            .map(|u| &u.columns);
        key.or(unique).and_then(|c| c.first()).map(String::as_str)
    })
}
