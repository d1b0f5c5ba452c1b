//! The plan written as SQLite: `ALTER TABLE ADD COLUMN` and `DROP COLUMN` where SQLite allows
//! them, and every other change of a table as SQLite's 12-step rebuild (a new table made, the
//! rows copied, the old table dropped, the new one renamed, its indexes, triggers and views
//! made again), in a `-- no-transaction` file that turns the foreign keys off around its own
//! transaction and checks them before it commits, as SQLite's documentation prescribes.
//!
//! Objects are written from the statements the database stored (see [`Definitions`]) when
//! known, so that they read back exactly as they were written.

use super::super::dump::{column, create_index, create_table, ident};
use super::super::model::{Column, Table};
use super::plan::{mentions, Plan, TableChange};
use super::{Definitions, Out};

pub(crate) fn render(mut plan: Plan<'_>, to_defs: &Definitions, out: &mut Out) {
    let ways: Vec<Way> = plan
        .tables_changed
        .iter()
        .map(|c| way(c, &plan, to_defs))
        .collect();
    let rebuild = ways.iter().any(|w| matches!(w, Way::Rebuild));
    if rebuild || plan.columns_touched() {
        // A table renamed into place, or a column dropped, is refused while a view or a
        // trigger names what changes: every one is dropped first and made again last.
        plan.remake_every_view();
        plan.remake_every_trigger();
    }
    if rebuild {
        out.no_transaction = true;
        out.note("SQLite cannot alter this table in place: it is rebuilt (https://sqlite.org/lang_altertable.html#otheralter),");
        out.note("with the foreign keys off, in a transaction of its own.");
        out.sql("PRAGMA foreign_keys = OFF");
        out.sql("BEGIN");
    }
    let rebuilt: Vec<&str> = plan
        .tables_changed
        .iter()
        .zip(&ways)
        .filter(|(_, w)| matches!(w, Way::Rebuild))
        .map(|(c, _)| c.to.name.as_str())
        .collect();
    for t in &plan.triggers_dropped {
        out.sql(format!("DROP TRIGGER {}", ident(&t.name)));
    }
    for v in plan.views_dropped.iter().rev() {
        out.sql(format!("DROP VIEW {}", ident(&v.name)));
    }
    // The indexes of a rebuilt table go with it and are all made again.
    let dropped_tables: Vec<&str> = plan
        .tables_dropped
        .iter()
        .map(|t| t.name.as_str())
        .collect();
    for i in plan.from.indexes.iter().filter(|i| {
        !dropped_tables.contains(&i.table.as_str())
            && (rebuilt.contains(&i.table.as_str()) || plan.indexes_dropped.contains(i))
    }) {
        out.sql(format!("DROP INDEX {}", ident(&i.name)));
    }
    out.gap();
    for table in &plan.tables_added {
        match to_defs.get("table", &table.name) {
            Some(sql) => out.sql(sql),
            None => out.sql(create_table(table, false).trim_end().trim_end_matches(';')),
        }
    }
    for (change, way) in plan.tables_changed.iter().zip(&ways) {
        match way {
            Way::AddColumns(definitions) => {
                for definition in definitions {
                    out.sql(format!(
                        "ALTER TABLE {} ADD COLUMN {definition}",
                        ident(&change.to.name)
                    ));
                }
            }
            Way::DropColumns => {
                for c in &change.columns_dropped {
                    out.loss(format!(
                        "drops the column {}.{} and its values",
                        change.from.name, c.name
                    ));
                    out.sql(format!(
                        "ALTER TABLE {} DROP COLUMN {}",
                        ident(&change.from.name),
                        ident(&c.name)
                    ));
                }
            }
            Way::Rebuild => rebuild_table(out, change, to_defs),
        }
    }
    if !plan.tables_dropped.is_empty() {
        for t in drop_order(&plan.tables_dropped) {
            out.loss(format!("drops the table {} and every row in it", t.name));
            out.sql(format!("DROP TABLE {}", ident(&t.name)));
        }
    }
    out.gap();
    let mut created: Vec<&str> = Vec::new();
    for i in plan
        .to
        .indexes
        .iter()
        .filter(|i| rebuilt.contains(&i.table.as_str()) || plan.indexes_created.contains(i))
    {
        created.push(&i.name);
        match to_defs.get("index", &i.name) {
            Some(sql) => out.sql(sql),
            None => out.sql(create_index(i, false).trim_end().trim_end_matches(';')),
        }
    }
    for v in &plan.views_created {
        match to_defs.get("view", &v.name) {
            Some(sql) => out.sql(sql),
            None => out.sql(format!(
                "CREATE VIEW {} AS {}",
                ident(&v.name),
                v.definition
            )),
        }
    }
    for t in &plan.triggers_created {
        out.sql(to_defs.get("trigger", &t.name).unwrap_or(&t.definition));
    }
    if rebuild {
        out.gap();
        out.note("Lists every row whose foreign key the rebuild broke: none, when the data holds.");
        out.sql("PRAGMA foreign_key_check");
        out.sql("COMMIT");
        out.sql("PRAGMA foreign_keys = ON");
    }
}

/// The tables to drop, each after every other dropped table that refers to it: dropping a
/// table deletes its rows, whose foreign keys act on the tables referring to them, which must
/// still be there.
fn drop_order<'a>(tables: &[&'a Table]) -> Vec<&'a Table> {
    let mut left: Vec<&Table> = tables.to_vec();
    let mut order = Vec::new();
    while !left.is_empty() {
        let referred = |t: &Table, left: &[&Table]| {
            left.iter().any(|o| {
                o.name != t.name
                    && o.foreign_keys
                        .iter()
                        .any(|k| k.references.eq_ignore_ascii_case(&t.name))
            })
        };
        // A cycle of references: the rest in name order.
        let next = (0..left.len())
            .find(|&i| !referred(left[i], &left))
            .unwrap_or(0);
        order.push(left.remove(next));
    }
    order
}

/// How a changed table is changed.
enum Way {
    /// Only columns added at the end, each in a form `ADD COLUMN` takes: their definitions.
    AddColumns(Vec<String>),
    /// Only columns dropped, none of them part of a key, an index, a check, a view or a trigger.
    DropColumns,
    /// Anything else: the 12-step rebuild.
    Rebuild,
}

fn way(change: &TableChange<'_>, plan: &Plan<'_>, to_defs: &Definitions) -> Way {
    let only_columns = !change.order_changed
        && !change.primary_key_changed
        && change.columns_changed.is_empty()
        && change.uniques_added.is_empty()
        && change.uniques_dropped.is_empty()
        && change.checks_added.is_empty()
        && change.checks_dropped.is_empty()
        && change.foreign_keys_added.is_empty()
        && change.foreign_keys_dropped.is_empty()
        && !change.options_changed;
    if !only_columns || change.from.options.iter().any(|o| o.starts_with("using ")) {
        return Way::Rebuild;
    }
    match (
        change.columns_added.is_empty(),
        change.columns_dropped.is_empty(),
    ) {
        (false, true) => addable(change, to_defs).map_or(Way::Rebuild, Way::AddColumns),
        (true, false)
            if change
                .columns_dropped
                .iter()
                .all(|c| droppable(c, change.from, plan)) =>
        {
            Way::DropColumns
        }
        _ => Way::Rebuild,
    }
}

/// The definitions of the added columns when `ALTER TABLE ADD COLUMN` can add them: they come
/// last, none is stored-generated, and a `NOT NULL` one has a literal default
/// (<https://sqlite.org/lang_altertable.html#altertabaddcol>).
fn addable(change: &TableChange<'_>, to_defs: &Definitions) -> Option<Vec<String>> {
    let kept = change.to.columns.len() - change.columns_added.len();
    if change.to.columns[kept..]
        .iter()
        .zip(&change.columns_added)
        .any(|(a, b)| a.name != b.name)
    {
        return None;
    }
    let written = to_defs
        .get("table", &change.to.name)
        .map(column_definitions)
        .unwrap_or_default();
    change
        .columns_added
        .iter()
        .map(|c| {
            let literal = c.default.as_deref().is_none_or(is_literal);
            let allowed = literal
                && c.generated.as_ref().is_none_or(|g| !g.stored)
                && (c.nullable || c.default.as_deref().is_some_and(|d| d != "null"));
            if !allowed {
                return None;
            }
            let text = match written.iter().find(|(name, _)| name == &c.name) {
                Some((_, text)) => text.clone(),
                // `ADD COLUMN` takes no default in brackets, which `column` writes.
                None => match &c.default {
                    Some(d) => column(c, false)
                        .replace(&format!(" DEFAULT ({d})"), &format!(" DEFAULT {d}")),
                    None => column(c, false),
                },
            };
            let lower = text.to_ascii_lowercase();
            let keyed = ["primary", "unique", "references", "check"]
                .iter()
                .any(|w| mentions(&lower, w));
            (!keyed).then_some(text)
        })
        .collect()
}

/// A default `ADD COLUMN` accepts: a number, a string, NULL, TRUE or FALSE.
fn is_literal(default: &str) -> bool {
    let d = default.trim();
    d.starts_with('\'') && d.ends_with('\'')
        || d.trim_start_matches(['-', '+']).parse::<f64>().is_ok()
        || ["null", "true", "false"].contains(&d)
}

/// Whether `ALTER TABLE DROP COLUMN` takes the column: it is in no key, index, check,
/// generated column, view or trigger (<https://sqlite.org/lang_altertable.html#altertabdropcol>).
fn droppable(c: &Column, table: &Table, plan: &Plan<'_>) -> bool {
    let name = c.name.as_str();
    let in_key = table
        .primary_key
        .iter()
        .any(|k| k.columns.iter().any(|n| n == name))
        || table
            .uniques
            .iter()
            .any(|u| u.columns.iter().any(|n| n == name))
        || table
            .foreign_keys
            .iter()
            .any(|k| k.columns.iter().any(|n| n == name));
    let used = table.checks.iter().any(|k| mentions(&k.expression, name))
        || table
            .columns
            .iter()
            .filter_map(|o| o.generated.as_ref())
            .any(|g| mentions(&g.expression, name))
        || plan
            .from
            .indexes
            .iter()
            .filter(|i| i.table == table.name)
            .any(|i| {
                i.keys.iter().any(|k| mentions(k, name))
                    || i.predicate.as_deref().is_some_and(|p| mentions(p, name))
            });
    !in_key && !used
}

/// The table rebuilt: made anew as `to` under a temporary name, the rows of the columns both
/// have copied, the old table dropped and the new one renamed into its place.
fn rebuild_table(out: &mut Out, change: &TableChange<'_>, to_defs: &Definitions) {
    let name = &change.to.name;
    let temporary = format!("{name}__new");
    out.note(format!("Rebuild of {name}:"));
    for c in &change.columns_dropped {
        out.loss(format!(
            "the column {name}.{} is not copied: its values are lost",
            c.name
        ));
    }
    for (f, t) in &change.columns_changed {
        if f.data_type != t.data_type {
            out.loss(format!(
                "{name}.{} changes type from {} to {}: values are copied as SQLite converts them to the new type",
                t.name,
                if f.data_type.is_empty() { "none" } else { &f.data_type },
                if t.data_type.is_empty() { "none" } else { &t.data_type }
            ));
        }
        if f.nullable && !t.nullable {
            out.note(format!(
                "{name}.{}: the copy fails while a row holds NULL there",
                t.name
            ));
        }
    }
    let create = match to_defs
        .get("table", name)
        .and_then(|sql| renamed(sql, &temporary))
    {
        Some(sql) => sql,
        None => {
            let table = Table {
                name: temporary.clone(),
                ..change.to.clone()
            };
            create_table(&table, false)
                .trim_end()
                .trim_end_matches(';')
                .to_owned()
        }
    };
    out.sql(create);
    let copied: Vec<String> = change
        .to
        .columns
        .iter()
        .filter(|c| c.generated.is_none())
        .filter(|c| change.from.columns.iter().any(|f| f.name == c.name))
        .map(|c| ident(&c.name))
        .collect();
    for c in change
        .columns_added
        .iter()
        .filter(|c| !c.nullable && c.default.is_none() && c.generated.is_none())
    {
        out.note(format!(
            "{name}.{} is NOT NULL without a default: the copy fails while the table has rows",
            c.name
        ));
    }
    if !copied.is_empty() {
        let list = copied.join(", ");
        out.sql(format!(
            "INSERT INTO {} ({list}) SELECT {list} FROM {}",
            ident(&temporary),
            ident(name)
        ));
    }
    out.sql(format!("DROP TABLE {}", ident(name)));
    out.sql(format!(
        "ALTER TABLE {} RENAME TO {}",
        ident(&temporary),
        ident(name)
    ));
}

/// A stored `CREATE TABLE name ...` with its name replaced by `name`.
fn renamed(sql: &str, name: &str) -> Option<String> {
    let lower = sql.to_ascii_lowercase();
    let mut at = lower.find("table")? + "table".len();
    let rest = &lower[at..];
    at += rest.len() - rest.trim_start().len();
    if lower[at..].starts_with("if") {
        let not = lower[at..].find("exists")? + "exists".len();
        at += not;
        let rest = &lower[at..];
        at += rest.len() - rest.trim_start().len();
    }
    let end = name_end(sql, at)?;
    // `main.t`: the schema and the name.
    let end = if sql[end..].starts_with('.') {
        name_end(sql, end + 1)?
    } else {
        end
    };
    Some(format!("{}{}{}", &sql[..at], ident(name), &sql[end..]))
}

/// Where the name starting at `at` ends: quoted (`"t"`, `` `t` ``, `[t]`) or bare.
fn name_end(sql: &str, at: usize) -> Option<usize> {
    let rest = &sql[at..];
    let first = rest.chars().next()?;
    let close = match first {
        '"' => '"',
        '`' => '`',
        '[' => ']',
        _ => {
            let len = rest
                .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(rest.len());
            return (len > 0).then_some(at + len);
        }
    };
    let mut i = 1;
    let bytes = rest.as_bytes();
    while i < bytes.len() {
        if bytes[i] == close as u8 {
            if close != ']' && bytes.get(i + 1) == Some(&(close as u8)) {
                i += 2;
                continue;
            }
            return Some(at + i + 1);
        }
        i += 1;
    }
    None
}

/// The column definitions of a stored `CREATE TABLE`, as written, with each column's name in
/// lower case: the items between its outer brackets that are not table constraints.
fn column_definitions(sql: &str) -> Vec<(String, String)> {
    let Some(open) = sql.find('(') else {
        return Vec::new();
    };
    let mut items = Vec::new();
    let mut depth = 0usize;
    let mut start = open + 1;
    let mut chars = sql[open..]
        .char_indices()
        .map(|(i, c)| (i + open, c))
        .peekable();
    while let Some((i, c)) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                for (_, d) in chars.by_ref() {
                    if d == close {
                        break;
                    }
                }
            }
            '-' if chars.peek().is_some_and(|(_, d)| *d == '-') => {
                for (_, d) in chars.by_ref() {
                    if d == '\n' {
                        break;
                    }
                }
            }
            '(' => depth += 1,
            ')' => {
                depth = depth.saturating_sub(1);
                if depth == 0 {
                    items.push(sql[start..i].trim().to_owned());
                    break;
                }
            }
            ',' if depth == 1 => {
                items.push(sql[start..i].trim().to_owned());
                start = i + 1;
            }
            _ => {}
        }
    }
    items
        .into_iter()
        .filter_map(|item| {
            let first = item.split_whitespace().next()?.to_owned();
            let lower = first.to_ascii_lowercase();
            if ["constraint", "primary", "unique", "check", "foreign"].contains(&lower.as_str()) {
                return None;
            }
            let name = lower.trim_matches(['"', '`', '[', ']']).to_owned();
            Some((name, item))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_a_table_after_the_tables_that_refer_to_it() {
        let table = |name: &str, refers: &[&str]| Table {
            name: name.to_owned(),
            foreign_keys: refers
                .iter()
                .map(|r| crate::introspect::ForeignKey {
                    name: None,
                    columns: vec!["x".to_owned()],
                    references: (*r).to_owned(),
                    referenced_columns: vec!["id".to_owned()],
                    on_delete: "CASCADE".to_owned(),
                    on_update: "NO ACTION".to_owned(),
                    deferrable: String::new(),
                })
                .collect(),
            ..Table::default()
        };
        let (a, b, c, d) = (
            table("a", &[]),
            table("b", &["a", "c"]),
            table("c", &["c"]),
            table("d", &["b"]),
        );
        let order: Vec<&str> = drop_order(&[&a, &b, &c, &d])
            .iter()
            .map(|t| t.name.as_str())
            .collect();
        assert_eq!(order, ["d", "b", "a", "c"]);
    }

    #[test]
    fn renames_a_stored_create_table() {
        assert_eq!(
            renamed("CREATE TABLE items (id INTEGER)", "items__new").as_deref(),
            Some("CREATE TABLE items__new (id INTEGER)")
        );
        assert_eq!(
            renamed("CREATE TABLE \"My \"\"T\" (id)", "t__new").as_deref(),
            Some("CREATE TABLE t__new (id)")
        );
        assert_eq!(
            renamed("CREATE TABLE IF NOT EXISTS main.[x](a)", "x__new").as_deref(),
            Some("CREATE TABLE IF NOT EXISTS x__new(a)")
        );
    }

    #[test]
    fn reads_column_definitions_as_written() {
        let defs = column_definitions(
            "CREATE TABLE t (id INTEGER PRIMARY KEY, \"Note\" TEXT DEFAULT 'a,b', n NUMERIC(10, 2), CHECK (n > 0))",
        );
        assert_eq!(
            defs,
            vec![
                ("id".to_owned(), "id INTEGER PRIMARY KEY".to_owned()),
                ("note".to_owned(), "\"Note\" TEXT DEFAULT 'a,b'".to_owned()),
                ("n".to_owned(), "n NUMERIC(10, 2)".to_owned()),
            ]
        );
    }
}
