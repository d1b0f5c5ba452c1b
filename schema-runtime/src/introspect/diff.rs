//! The differences between the schema the migrations produce and the live one.

use super::model::{PrimaryKey, Schema, Table};
use super::objects::{list, Keyed, Object};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a comparison of the live schema with the migrations' found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drift {
    /// The module compared.
    pub module: String,
    /// The module's table prefix: only objects with it were compared.
    pub prefix: Option<String>,
    /// Every difference, by object.
    pub differences: Vec<Difference>,
}

impl Drift {
    /// Whether the live schema is the one the migrations produce.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }
}

/// How the live database differs from the migrations about one object.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The migrations make it; the live database lacks it.
    Missing,
    /// The live database has it; the migrations do not make it.
    Extra,
    /// Both have it, and one attribute differs.
    Changed,
}

impl Change {
    /// `missing`, `extra` or `changed`.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Missing => "missing",
            Change::Extra => "extra",
            Change::Changed => "changed",
        }
    }
}

/// The kind of an object of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ObjectKind {
    /// A PostgreSQL schema (namespace).
    Schema,
    /// A table.
    Table,
    /// A column, named `table.column`.
    Column,
    /// A primary key, named after its table.
    PrimaryKey,
    /// A unique constraint, named `table(columns)`.
    Unique,
    /// A check constraint, named `table: expression`.
    Check,
    /// A foreign key, named `table(columns) -> referenced`.
    ForeignKey,
    /// An index.
    Index,
    /// A view.
    View,
    /// A trigger, named `name on table`.
    Trigger,
    /// A PostgreSQL sequence.
    Sequence,
    /// A PostgreSQL enum type.
    Enum,
}

impl ObjectKind {
    /// The kind in words: `table`, `column`, `primary key`, `foreign key`, ...
    pub fn as_str(self) -> &'static str {
        match self {
            ObjectKind::Schema => "schema",
            ObjectKind::Table => "table",
            ObjectKind::Column => "column",
            ObjectKind::PrimaryKey => "primary key",
            ObjectKind::Unique => "unique constraint",
            ObjectKind::Check => "check constraint",
            ObjectKind::ForeignKey => "foreign key",
            ObjectKind::Index => "index",
            ObjectKind::View => "view",
            ObjectKind::Trigger => "trigger",
            ObjectKind::Sequence => "sequence",
            ObjectKind::Enum => "enum",
        }
    }
}

/// One difference: an object missing, extra, or with one attribute changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Difference {
    /// Missing, extra or changed.
    pub change: Change,
    /// What kind of object.
    pub kind: ObjectKind,
    /// The object (see [`ObjectKind`] for how each kind is named).
    pub name: String,
    /// For a change, the attribute that differs (`type`, `nullable`, `default`, `on_delete`,
    /// ...).
    pub attribute: Option<String>,
    /// What the migrations make: the attribute's value, or for a missing object what defines
    /// it. `None` when they make nothing (an extra object) or the value is unset.
    pub expected: Option<String>,
    /// What the live database has, as `expected`.
    pub live: Option<String>,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let shown =
            |v: &Option<String>| v.as_deref().map_or("none".to_owned(), |v| format!("`{v}`"));
        write!(
            f,
            "{} {} `{}`",
            self.change.as_str(),
            self.kind.as_str(),
            self.name
        )?;
        match self.change {
            Change::Missing => {
                write!(f, ": the migrations make it, the database lacks it")?;
                if let Some(expected) = &self.expected {
                    write!(f, " ({expected})")?;
                }
                Ok(())
            }
            Change::Extra => {
                write!(f, ": the database has it, the migrations do not make it")?;
                if let Some(live) = &self.live {
                    write!(f, " ({live})")?;
                }
                Ok(())
            }
            Change::Changed => write!(
                f,
                ": {} is {} in the database, {} in the migrations",
                self.attribute.as_deref().unwrap_or("definition"),
                shown(&self.live),
                shown(&self.expected)
            ),
        }
    }
}

/// The differences between `expected` (what the migrations make) and `live`, object by
/// object: schemas, tables with their columns and constraints, views, indexes, triggers,
/// sequences and enums.
pub fn compare(expected: &Schema, live: &Schema) -> Vec<Difference> {
    let mut out = Vec::new();
    let missing_schemas = expected
        .schemas
        .iter()
        .filter(|s| !live.schemas.contains(s));
    for schema in missing_schemas {
        out.push(whole(
            Change::Missing,
            ObjectKind::Schema,
            schema.clone(),
            None,
        ));
    }
    for schema in live
        .schemas
        .iter()
        .filter(|s| !expected.schemas.contains(s))
    {
        out.push(whole(
            Change::Extra,
            ObjectKind::Schema,
            schema.clone(),
            None,
        ));
    }
    walk(&mut out, "", &expected.tables, &live.tables, |out, e, l| {
        compare_table(out, e, l)
    });
    walk(&mut out, "", &expected.views, &live.views, |_, _, _| {});
    walk(&mut out, "", &expected.indexes, &live.indexes, |_, _, _| {});
    walk(
        &mut out,
        "",
        &expected.triggers,
        &live.triggers,
        |_, _, _| {},
    );
    walk(
        &mut out,
        "",
        &expected.sequences,
        &live.sequences,
        |_, _, _| {},
    );
    walk(&mut out, "", &expected.enums, &live.enums, |_, _, _| {});
    out
}

fn whole(change: Change, kind: ObjectKind, name: String, summary: Option<String>) -> Difference {
    let (expected, live) = match change {
        Change::Missing => (summary, None),
        _ => (None, summary),
    };
    Difference {
        change,
        kind,
        name,
        attribute: None,
        expected,
        live,
    }
}

/// Pairs `expected` and `live` by key: the unpaired are missing or extra; the paired differ
/// in each attribute that differs, then in what `inner` finds. `parent` goes before each name.
fn walk<T: Object>(
    out: &mut Vec<Difference>,
    parent: &str,
    expected: &[T],
    live: &[T],
    mut inner: impl FnMut(&mut Vec<Difference>, &T, &T),
) {
    let live_by_key = Keyed::of(live);
    let expected_keys = Keyed::of(expected);
    for (key, e) in expected_keys.iter() {
        let e = &expected[e];
        let name = format!("{parent}{key}");
        match live_by_key.get(key) {
            None => out.push(whole(Change::Missing, T::KIND, name, e.summary())),
            Some(l) => {
                let l = &live[l];
                for ((attribute, e_value), (_, l_value)) in
                    e.attributes().into_iter().zip(l.attributes())
                {
                    if e_value != l_value {
                        out.push(Difference {
                            change: Change::Changed,
                            kind: T::KIND,
                            name: name.clone(),
                            attribute: Some(attribute.to_owned()),
                            expected: e_value,
                            live: l_value,
                        });
                    }
                }
                inner(out, e, l);
            }
        }
    }
    for (key, l) in live_by_key.iter() {
        if !expected_keys.contains(key) {
            out.push(whole(
                Change::Extra,
                T::KIND,
                format!("{parent}{key}"),
                live[l].summary(),
            ));
        }
    }
}

fn compare_table(out: &mut Vec<Difference>, expected: &Table, live: &Table) {
    let column_parent = format!("{}.", expected.name);
    walk(
        out,
        &column_parent,
        &expected.columns,
        &live.columns,
        |_, _, _| {},
    );
    // Columns both have, in the order each has them: a table rebuilt by hand may reorder them.
    let order = |of: &Table, other: &Table| -> Vec<String> {
        of.columns
            .iter()
            .filter(|c| other.columns.iter().any(|o| o.name == c.name))
            .map(|c| c.name.clone())
            .collect()
    };
    let (e_order, l_order) = (order(expected, live), order(live, expected));
    if e_order != l_order {
        out.push(Difference {
            change: Change::Changed,
            kind: ObjectKind::Table,
            name: expected.name.clone(),
            attribute: Some("column order".to_owned()),
            expected: Some(list(&e_order)),
            live: Some(list(&l_order)),
        });
    }
    compare_primary_key(
        out,
        &expected.name,
        &expected.primary_key,
        &live.primary_key,
    );
    let parent = expected.name.clone();
    walk(out, &parent, &expected.uniques, &live.uniques, |_, _, _| {});
    walk(out, &parent, &expected.checks, &live.checks, |_, _, _| {});
    walk(
        out,
        &parent,
        &expected.foreign_keys,
        &live.foreign_keys,
        |_, _, _| {},
    );
}

fn compare_primary_key(
    out: &mut Vec<Difference>,
    table: &str,
    expected: &Option<PrimaryKey>,
    live: &Option<PrimaryKey>,
) {
    let columns = |k: &Option<PrimaryKey>| k.as_ref().map(|k| list(&k.columns));
    let name = |k: &Option<PrimaryKey>| k.as_ref().and_then(|k| k.name.clone());
    let (change, attribute) = match (expected, live) {
        (Some(_), None) => (Change::Missing, None),
        (None, Some(_)) => (Change::Extra, None),
        (Some(e), Some(l)) if e.columns != l.columns => (Change::Changed, Some("columns")),
        (Some(e), Some(l)) if e.name != l.name => {
            out.push(Difference {
                change: Change::Changed,
                kind: ObjectKind::PrimaryKey,
                name: table.to_owned(),
                attribute: Some("name".to_owned()),
                expected: name(expected),
                live: name(live),
            });
            return;
        }
        _ => return,
    };
    out.push(Difference {
        change,
        kind: ObjectKind::PrimaryKey,
        name: table.to_owned(),
        attribute: attribute.map(str::to_owned),
        expected: columns(expected),
        live: columns(live),
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::introspect::model::Column;

    fn column(name: &str, default: Option<&str>) -> Column {
        Column {
            name: name.to_owned(),
            data_type: "integer".to_owned(),
            nullable: true,
            default: default.map(str::to_owned),
            ..Column::default()
        }
    }

    fn table(columns: Vec<Column>) -> Schema {
        Schema {
            tables: vec![Table {
                name: "t".to_owned(),
                columns,
                ..Table::default()
            }],
            ..Schema::default()
        }
    }

    #[test]
    fn equal_schemas_have_no_difference() {
        let schema = table(vec![column("a", Some("1"))]);
        assert_eq!(compare(&schema, &schema.clone()), []);
    }

    #[test]
    fn a_changed_attribute_names_both_values() {
        let expected = table(vec![column("a", Some("1"))]);
        let live = table(vec![column("a", Some("5"))]);
        let differences = compare(&expected, &live);
        assert_eq!(differences.len(), 1);
        assert_eq!(
            differences[0].to_string(),
            "changed column `t.a`: default is `5` in the database, `1` in the migrations"
        );
    }

    #[test]
    fn columns_in_another_order_are_a_change_of_the_table_but_one_added_at_the_end_is_not() {
        let expected = table(vec![column("a", None), column("b", None)]);
        let swapped = table(vec![column("b", None), column("a", None)]);
        let differences = compare(&expected, &swapped);
        assert_eq!(differences.len(), 1);
        assert_eq!(differences[0].attribute.as_deref(), Some("column order"));
        let appended = table(vec![
            column("a", None),
            column("b", None),
            column("c", None),
        ]);
        let differences = compare(&expected, &appended);
        assert_eq!(
            (
                differences.len(),
                differences[0].change,
                differences[0].name.as_str()
            ),
            (1, Change::Extra, "t.c")
        );
    }
}
