//! What changes to make, decided once for both databases: the objects to drop, create and
//! alter between a schema `from` and a schema `to`. The renderers ([`super::postgres`],
//! [`super::sqlite`]) write them as their database's SQL.

use super::super::model::{
    Check, Column, Enum, ForeignKey, Index, Schema, Sequence, Table, Trigger, Unique, View,
};
use super::super::objects::{Keyed, Object};

/// The changes that turn `from` into `to`.
pub(crate) struct Plan<'a> {
    pub from: &'a Schema,
    pub to: &'a Schema,
    pub schemas_added: Vec<&'a String>,
    pub schemas_dropped: Vec<&'a String>,
    pub enums_added: Vec<&'a Enum>,
    pub enums_dropped: Vec<&'a Enum>,
    /// Enums whose labels differ: `(from, to)`.
    pub enums_changed: Vec<(&'a Enum, &'a Enum)>,
    pub sequences_added: Vec<&'a Sequence>,
    pub sequences_dropped: Vec<&'a Sequence>,
    pub sequences_changed: Vec<(&'a Sequence, &'a Sequence)>,
    pub tables_added: Vec<&'a Table>,
    pub tables_dropped: Vec<&'a Table>,
    pub tables_changed: Vec<TableChange<'a>>,
    /// Indexes to drop: gone, or changed (made again from `to`).
    pub indexes_dropped: Vec<&'a Index>,
    pub indexes_created: Vec<&'a Index>,
    pub views_dropped: Vec<&'a View>,
    pub views_created: Vec<&'a View>,
    pub triggers_dropped: Vec<&'a Trigger>,
    pub triggers_created: Vec<&'a Trigger>,
}

/// How a table both schemas have differs.
pub(crate) struct TableChange<'a> {
    pub from: &'a Table,
    pub to: &'a Table,
    pub columns_added: Vec<&'a Column>,
    pub columns_dropped: Vec<&'a Column>,
    /// Columns both have that differ: `(from, to)`.
    pub columns_changed: Vec<(&'a Column, &'a Column)>,
    /// The columns both have come in another order.
    pub order_changed: bool,
    /// The primary key differs (columns or name).
    pub primary_key_changed: bool,
    pub uniques_added: Vec<&'a Unique>,
    pub uniques_dropped: Vec<&'a Unique>,
    pub checks_added: Vec<&'a Check>,
    pub checks_dropped: Vec<&'a Check>,
    pub foreign_keys_added: Vec<&'a ForeignKey>,
    pub foreign_keys_dropped: Vec<&'a ForeignKey>,
    /// The table's options differ (SQLite `STRICT`, `WITHOUT ROWID`; PostgreSQL `UNLOGGED`,
    /// partitioning).
    pub options_changed: bool,
}

impl TableChange<'_> {
    /// Whether anything differs.
    fn any(&self) -> bool {
        !(self.columns_added.is_empty()
            && self.columns_dropped.is_empty()
            && self.columns_changed.is_empty()
            && !self.order_changed
            && !self.primary_key_changed
            && self.uniques_added.is_empty()
            && self.uniques_dropped.is_empty()
            && self.checks_added.is_empty()
            && self.checks_dropped.is_empty()
            && self.foreign_keys_added.is_empty()
            && self.foreign_keys_dropped.is_empty()
            && !self.options_changed)
    }

    /// Whether a column is dropped, changed or moved: what a view over the table may depend on.
    pub fn touches_columns(&self) -> bool {
        !self.columns_dropped.is_empty() || !self.columns_changed.is_empty() || self.order_changed
    }
}

/// Pairs `from` and `to` by key: `(gone, new, (from, to) of those that differ)`. A changed
/// object is one whose attributes differ (see [`Object::attributes`]).
fn pair<'a, T: Object + PartialEq>(
    from: &'a [T],
    to: &'a [T],
) -> (Vec<&'a T>, Vec<&'a T>, Vec<(&'a T, &'a T)>) {
    let (from_by, to_by) = (Keyed::of(from), Keyed::of(to));
    let gone = from_by
        .iter()
        .filter(|(k, _)| !to_by.contains(k))
        .map(|(_, f)| &from[f])
        .collect();
    let new = to_by
        .iter()
        .filter(|(k, _)| !from_by.contains(k))
        .map(|(_, t)| &to[t])
        .collect();
    let changed = from_by
        .iter()
        .filter_map(|(k, f)| to_by.get(k).map(|t| (&from[f], &to[t])))
        .filter(|(f, t)| f != t)
        .collect();
    (gone, new, changed)
}

/// Objects made again whole when they differ: the old one dropped, the new one created.
fn remake<'a, T: Object + PartialEq>(from: &'a [T], to: &'a [T]) -> (Vec<&'a T>, Vec<&'a T>) {
    let (mut dropped, mut created, changed) = pair(from, to);
    for (f, t) in changed {
        dropped.push(f);
        created.push(t);
    }
    (dropped, created)
}

impl<'a> Plan<'a> {
    pub fn new(from: &'a Schema, to: &'a Schema) -> Plan<'a> {
        let (enums_dropped, enums_added, enums_changed) = pair(&from.enums, &to.enums);
        let (sequences_dropped, sequences_added, sequences_changed) =
            pair(&from.sequences, &to.sequences);
        let (tables_dropped, tables_added, tables) = pair(&from.tables, &to.tables);
        let tables_changed = tables
            .into_iter()
            .map(|(f, t)| table_change(f, t))
            .filter(TableChange::any)
            .collect();
        let (indexes_dropped, indexes_created) = remake(&from.indexes, &to.indexes);
        let (views_dropped, views_created) = remake(&from.views, &to.views);
        let (triggers_dropped, triggers_created) = remake(&from.triggers, &to.triggers);
        Plan {
            from,
            to,
            schemas_added: to
                .schemas
                .iter()
                .filter(|s| !from.schemas.contains(s))
                .collect(),
            schemas_dropped: from
                .schemas
                .iter()
                .filter(|s| !to.schemas.contains(s))
                .collect(),
            enums_added,
            enums_dropped,
            enums_changed,
            sequences_added,
            sequences_dropped,
            sequences_changed,
            tables_added,
            tables_dropped,
            tables_changed,
            indexes_dropped,
            indexes_created,
            views_dropped,
            views_created,
            triggers_dropped,
            triggers_created,
        }
    }

    /// Every view is dropped first and made again last (a view cannot outlive a change of
    /// the columns it reads): widens the view lists to all of `from`'s and `to`'s.
    pub fn remake_every_view(&mut self) {
        self.views_dropped = self.from.views.iter().collect();
        self.views_created = self.to.views.iter().collect();
    }

    /// The same for triggers.
    pub fn remake_every_trigger(&mut self) {
        self.triggers_dropped = self.from.triggers.iter().collect();
        self.triggers_created = self.to.triggers.iter().collect();
    }

    /// Whether some table keeps its name but loses, changes or moves a column, or is dropped.
    pub fn columns_touched(&self) -> bool {
        !self.tables_dropped.is_empty() || self.tables_changed.iter().any(|c| c.touches_columns())
    }
}

fn table_change<'a>(from: &'a Table, to: &'a Table) -> TableChange<'a> {
    let (columns_dropped, columns_added, columns_changed) = pair(&from.columns, &to.columns);
    let common = |of: &Table, other: &Table| -> Vec<String> {
        of.columns
            .iter()
            .filter(|c| other.columns.iter().any(|o| o.name == c.name))
            .map(|c| c.name.clone())
            .collect()
    };
    let (uniques_dropped, uniques_added) = remake(&from.uniques, &to.uniques);
    let (checks_dropped, checks_added) = remake(&from.checks, &to.checks);
    let (foreign_keys_dropped, foreign_keys_added) = remake(&from.foreign_keys, &to.foreign_keys);
    TableChange {
        from,
        to,
        columns_added,
        columns_dropped,
        columns_changed,
        order_changed: common(from, to) != common(to, from),
        primary_key_changed: from.primary_key != to.primary_key,
        uniques_added,
        uniques_dropped,
        checks_added,
        checks_dropped,
        foreign_keys_added,
        foreign_keys_dropped,
        options_changed: from.options != to.options,
    }
}

/// Whether `word` occurs in `text` as a whole word (an identifier), ignoring ASCII case.
pub(crate) fn mentions(text: &str, word: &str) -> bool {
    let text = text.to_ascii_lowercase();
    let word = word.to_ascii_lowercase();
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    text.match_indices(&word).any(|(at, _)| {
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        !before.is_some_and(is_ident) && !after.is_some_and(is_ident)
    })
}
