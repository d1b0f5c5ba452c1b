//! The plan written as PostgreSQL: `ALTER TABLE` for columns, keys, checks and foreign keys,
//! `ALTER TYPE ... ADD VALUE` for a label added to an enum (a type rebuilt for one removed or
//! moved), `ALTER SEQUENCE`, and objects dropped and created whole otherwise.

use super::super::dump::{
    column, create_index, create_table, foreign_key, ident, idents, qualified,
};
use super::super::model::{Column, Enum, Sequence, Table};
use super::plan::{Plan, TableChange};
use super::Out;

pub(crate) fn render(mut plan: Plan<'_>, out: &mut Out) {
    if plan.columns_touched() {
        // A view reading a column blocks its type change or its drop.
        plan.remake_every_view();
    }
    for t in &plan.triggers_dropped {
        out.sql(format!(
            "DROP TRIGGER {} ON {}",
            ident(bare_name(&t.name)),
            qualified(&t.table)
        ));
    }
    for v in plan.views_dropped.iter().rev() {
        let kind = if v.materialized {
            "MATERIALIZED VIEW"
        } else {
            "VIEW"
        };
        out.sql(format!("DROP {kind} {}", qualified(&v.name)));
    }
    for i in &plan.indexes_dropped {
        out.sql(format!("DROP INDEX {}", qualified(&i.name)));
    }
    for change in &plan.tables_changed {
        for key in &change.foreign_keys_dropped {
            drop_constraint(out, &change.from.name, key.name.as_deref());
        }
    }
    out.gap();
    for schema in &plan.schemas_added {
        out.sql(format!("CREATE SCHEMA {}", ident(schema)));
    }
    for e in &plan.enums_added {
        out.sql(create_enum(e, &e.name));
    }
    for (from, to) in &plan.enums_changed {
        change_enum(out, &plan, from, to);
    }
    for s in &plan.sequences_added {
        out.sql(create_sequence(s));
    }
    for (_, to) in &plan.sequences_changed {
        out.sql(format!(
            "ALTER SEQUENCE {} AS {} INCREMENT {} MINVALUE {} MAXVALUE {} START {} CACHE {} {}",
            qualified(&to.name),
            to.data_type,
            to.increment,
            to.min_value,
            to.max_value,
            to.start,
            to.cache,
            if to.cycle { "CYCLE" } else { "NO CYCLE" }
        ));
    }
    out.gap();
    for table in &plan.tables_added {
        out.sql(create_table(table, true).trim_end().trim_end_matches(';'));
    }
    for change in &plan.tables_changed {
        alter_table(out, change);
    }
    if !plan.tables_dropped.is_empty() {
        let names: Vec<String> = plan
            .tables_dropped
            .iter()
            .map(|t| qualified(&t.name))
            .collect();
        out.loss(format!("drops {} and every row in them", names.join(", ")));
        out.sql(format!("DROP TABLE {}", names.join(", ")));
    }
    for table in &plan.tables_added {
        for key in &table.foreign_keys {
            out.sql(format!(
                "ALTER TABLE {} ADD {}",
                qualified(&table.name),
                foreign_key(key, true)
            ));
        }
    }
    for change in &plan.tables_changed {
        for key in &change.foreign_keys_added {
            out.sql(format!(
                "ALTER TABLE {} ADD {}",
                qualified(&change.to.name),
                foreign_key(key, true)
            ));
        }
    }
    out.gap();
    for e in &plan.enums_dropped {
        out.sql(format!("DROP TYPE {}", qualified(&e.name)));
    }
    for s in &plan.sequences_dropped {
        // A sequence owned by a dropped column went with it.
        out.sql(format!("DROP SEQUENCE IF EXISTS {}", qualified(&s.name)));
    }
    let owned = plan
        .sequences_added
        .iter()
        .map(|s| (None, *s))
        .chain(plan.sequences_changed.iter().map(|(f, t)| (Some(*f), *t)));
    for (from, to) in owned {
        if from.is_some_and(|f| f.owned_by == to.owned_by)
            || (from.is_none() && to.owned_by.is_none())
        {
            continue;
        }
        let owner = match to.owned_by.as_deref().and_then(|o| o.rsplit_once('.')) {
            Some((table, column)) => format!("{}.{}", qualified(table), ident(column)),
            None => "NONE".to_owned(),
        };
        out.sql(format!(
            "ALTER SEQUENCE {} OWNED BY {owner}",
            qualified(&to.name)
        ));
    }
    for i in &plan.indexes_created {
        out.sql(create_index(i, true).trim_end().trim_end_matches(';'));
    }
    for v in &plan.views_created {
        let kind = if v.materialized {
            "MATERIALIZED VIEW"
        } else {
            "VIEW"
        };
        out.sql(format!(
            "CREATE {kind} {} AS {}",
            qualified(&v.name),
            v.definition
        ));
    }
    for t in &plan.triggers_created {
        out.sql(&t.definition);
    }
    for schema in &plan.schemas_dropped {
        out.sql(format!("DROP SCHEMA {}", ident(schema)));
    }
}

/// A trigger's or an index's own name, without the schema the model writes before it.
fn bare_name(name: &str) -> &str {
    name.rsplit_once('.').map_or(name, |(_, n)| n)
}

fn drop_constraint(out: &mut Out, table: &str, name: Option<&str>) {
    match name {
        Some(name) => out.sql(format!(
            "ALTER TABLE {} DROP CONSTRAINT {}",
            qualified(table),
            ident(name)
        )),
        None => out.note(format!(
            "a constraint of {table} has no name to drop it by: drop it by hand"
        )),
    }
}

fn labels(labels: &[String]) -> String {
    labels
        .iter()
        .map(|l| format!("'{}'", l.replace('\'', "''")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn create_enum(e: &Enum, name: &str) -> String {
    format!(
        "CREATE TYPE {} AS ENUM ({})",
        qualified(name),
        labels(&e.labels)
    )
}

fn create_sequence(s: &Sequence) -> String {
    format!(
        "CREATE SEQUENCE {} AS {} INCREMENT {} MINVALUE {} MAXVALUE {} START {} CACHE {}{}",
        qualified(&s.name),
        s.data_type,
        s.increment,
        s.min_value,
        s.max_value,
        s.start,
        s.cache,
        if s.cycle { " CYCLE" } else { "" }
    )
}

/// Labels only added keep the type (`ADD VALUE`, in place); a label removed or moved needs the
/// type made again and every column of it converted.
fn change_enum(out: &mut Out, plan: &Plan<'_>, from: &Enum, to: &Enum) {
    let kept: Vec<&String> = to
        .labels
        .iter()
        .filter(|l| from.labels.contains(l))
        .collect();
    if kept.len() == from.labels.len() && kept.iter().zip(&from.labels).all(|(a, b)| *a == b) {
        for (at, label) in to.labels.iter().enumerate() {
            if from.labels.contains(label) {
                continue;
            }
            let place = match to.labels[at + 1..].iter().find(|l| from.labels.contains(l)) {
                Some(next) => format!(" BEFORE '{}'", next.replace('\'', "''")),
                None => String::new(),
            };
            out.sql(format!(
                "ALTER TYPE {} ADD VALUE '{}'{place}",
                qualified(&to.name),
                label.replace('\'', "''")
            ));
        }
        return;
    }
    let old = format!("{}__old", bare_name(&from.name));
    let old_qualified = match from.name.rsplit_once('.') {
        Some((schema, _)) => format!("{schema}.{old}"),
        None => old.clone(),
    };
    let removed: Vec<&String> = from
        .labels
        .iter()
        .filter(|l| !to.labels.contains(l))
        .collect();
    if !removed.is_empty() {
        let list: Vec<String> = removed.iter().map(|l| format!("'{l}'")).collect();
        out.loss(format!(
            "the type {} loses {}: a row holding one makes the conversion fail; change those rows first",
            from.name,
            list.join(", ")
        ));
    }
    out.sql(format!(
        "ALTER TYPE {} RENAME TO {}",
        qualified(&from.name),
        ident(&old)
    ));
    out.sql(create_enum(to, &to.name));
    let users = plan.from.tables.iter().flat_map(|t| {
        t.columns
            .iter()
            .filter(|c| c.data_type == from.name)
            .map(move |c| (t, c))
    });
    for (table, c) in users {
        let name = format!("{} ALTER COLUMN {}", qualified(&table.name), ident(&c.name));
        if c.default.is_some() {
            out.sql(format!("ALTER TABLE {name} DROP DEFAULT"));
        }
        out.sql(format!(
            "ALTER TABLE {name} TYPE {} USING {}::text::{}",
            qualified(&to.name),
            ident(&c.name),
            qualified(&to.name)
        ));
        let default = target_column(plan, table, c).and_then(|t| t.default.clone());
        if let Some(default) = default.or_else(|| c.default.clone()) {
            out.sql(format!("ALTER TABLE {name} SET DEFAULT {default}"));
        }
    }
    out.sql(format!("DROP TYPE {}", qualified(&old_qualified)));
}

/// The column `c` of `table` as `to` has it.
fn target_column<'a>(plan: &Plan<'a>, table: &Table, c: &Column) -> Option<&'a Column> {
    plan.to
        .tables
        .iter()
        .find(|t| t.name == table.name)
        .and_then(|t| t.columns.iter().find(|o| o.name == c.name))
}

fn alter_table(out: &mut Out, change: &TableChange<'_>) {
    let table = qualified(&change.to.name);
    let alter = |what: String| format!("ALTER TABLE {table} {what}");
    if change.options_changed {
        let unlogged = |t: &Table| t.options.iter().any(|o| o == "UNLOGGED");
        let others = |t: &Table| -> Vec<String> {
            t.options
                .iter()
                .filter(|o| *o != "UNLOGGED")
                .cloned()
                .collect()
        };
        if unlogged(change.from) != unlogged(change.to) {
            let to = if unlogged(change.to) {
                "UNLOGGED"
            } else {
                "LOGGED"
            };
            out.sql(alter(format!("SET {to}")));
        }
        if others(change.from) != others(change.to) {
            out.note(format!(
                "{} changes its partitioning, which ALTER TABLE cannot do: make it again by hand",
                change.to.name
            ));
        }
    }
    if change.primary_key_changed {
        if let Some(key) = &change.from.primary_key {
            drop_constraint(out, &change.from.name, key.name.as_deref());
        }
    }
    for u in &change.uniques_dropped {
        drop_constraint(out, &change.from.name, u.name.as_deref());
    }
    for c in &change.checks_dropped {
        drop_constraint(out, &change.from.name, c.name.as_deref());
    }
    for c in &change.columns_dropped {
        out.loss(format!(
            "drops the column {}.{} and its values",
            change.from.name, c.name
        ));
        out.sql(alter(format!("DROP COLUMN {}", ident(&c.name))));
    }
    for c in &change.columns_added {
        if !c.nullable && c.default.is_none() && c.generated.is_none() && c.identity.is_none() {
            out.note(format!(
                "{}.{} is NOT NULL without a default: this fails while the table has rows; give it a default first",
                change.to.name, c.name
            ));
        }
        out.sql(alter(format!("ADD COLUMN {}", column(c, true))));
    }
    for (from, to) in &change.columns_changed {
        alter_column(out, &change.to.name, from, to);
    }
    if change.order_changed {
        out.note(format!(
            "the columns of {} come in another order, which PostgreSQL cannot change without making the table again: left as it is",
            change.to.name
        ));
    }
    if change.primary_key_changed {
        if let Some(key) = &change.to.primary_key {
            let constraint = key
                .name
                .as_ref()
                .map_or(String::new(), |n| format!("CONSTRAINT {} ", ident(n)));
            out.sql(alter(format!(
                "ADD {constraint}PRIMARY KEY ({})",
                idents(&key.columns)
            )));
        }
    }
    for u in &change.uniques_added {
        let constraint = u
            .name
            .as_ref()
            .map_or(String::new(), |n| format!("CONSTRAINT {} ", ident(n)));
        out.sql(alter(format!(
            "ADD {constraint}UNIQUE ({})",
            idents(&u.columns)
        )));
    }
    for c in &change.checks_added {
        let constraint = c
            .name
            .as_ref()
            .map_or(String::new(), |n| format!("CONSTRAINT {} ", ident(n)));
        out.sql(alter(format!("ADD {constraint}CHECK ({})", c.expression)));
    }
}

fn alter_column(out: &mut Out, table: &str, from: &Column, to: &Column) {
    let col = format!(
        "ALTER TABLE {} ALTER COLUMN {}",
        qualified(table),
        ident(&to.name)
    );
    if from.generated != to.generated {
        // A column cannot become generated, nor its expression change on every server version:
        // it is made again.
        if from.generated.is_none() {
            out.loss(format!(
                "{table}.{} becomes generated: its values are replaced by the expression's",
                to.name
            ));
        }
        out.sql(format!(
            "ALTER TABLE {} DROP COLUMN {}",
            qualified(table),
            ident(&from.name)
        ));
        out.sql(format!(
            "ALTER TABLE {} ADD COLUMN {}",
            qualified(table),
            column(to, true)
        ));
        return;
    }
    let retyped = from.data_type != to.data_type || from.collation != to.collation;
    // A default is dropped when it goes, and around a change of type (it may not cast).
    let default_goes = from.default != to.default && to.default.is_none();
    if from.default.is_some() && (retyped || default_goes) {
        out.sql(format!("{col} DROP DEFAULT"));
    }
    if from.identity != to.identity {
        match (&from.identity, &to.identity) {
            (Some(_), None) => out.sql(format!("{col} DROP IDENTITY")),
            (None, Some(kind)) => out.sql(format!(
                "{col} ADD GENERATED {} AS IDENTITY",
                kind.to_uppercase()
            )),
            (_, Some(kind)) => out.sql(format!("{col} SET GENERATED {}", kind.to_uppercase())),
            (None, None) => {}
        }
    }
    if retyped {
        out.loss(format!(
            "{table}.{} changes type from {} to {}: each value is converted, and the conversion may round, cut or fail",
            to.name, from.data_type, to.data_type
        ));
        let collate = to
            .collation
            .as_ref()
            .map_or(String::new(), |c| format!(" COLLATE \"{c}\""));
        out.sql(format!(
            "{col} TYPE {}{collate} USING {}::{}",
            to.data_type,
            ident(&to.name),
            to.data_type
        ));
    }
    if from.nullable != to.nullable {
        if to.nullable {
            out.sql(format!("{col} DROP NOT NULL"));
        } else {
            out.note(format!(
                "{table}.{}: this fails while a row holds NULL there",
                to.name
            ));
            out.sql(format!("{col} SET NOT NULL"));
        }
    }
    if let Some(default) = &to.default {
        if retyped || from.default.as_ref() != Some(default) {
            out.sql(format!("{col} SET DEFAULT {default}"));
        }
    }
}
