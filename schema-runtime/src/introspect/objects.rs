//! What the comparison needs of each object of the model: its key among its siblings, a
//! summary for a missing or extra one, and its attributes for a changed one.

use super::diff::ObjectKind;
use super::model::{
    Check, Column, Enum, ForeignKey, Index, Sequence, Table, Trigger, Unique, View,
};

/// An object the comparison walks: its key among its siblings, a summary for a missing or
/// extra one, and its attributes for a changed one.
pub(crate) trait Object {
    const KIND: ObjectKind;
    /// What names it among its siblings.
    fn key(&self) -> String;
    /// What defines it, in a few words.
    fn summary(&self) -> Option<String>;
    /// Its attributes, by name, as text.
    fn attributes(&self) -> Vec<(&'static str, Option<String>)>;
}

/// A list of objects by key, in key order: how the comparison and the migration plan pair two
/// lists. One sort over keys and indexes, compiled once, where a `BTreeMap<String, &T>` per
/// kind of object compiled the map and its sort again for each kind (about forty copies of the
/// sort, which every build linking the runtime unoptimised reads and throws away). As a map
/// collected from the list, a key that comes again takes its last object.
pub(crate) struct Keyed(Vec<(String, usize)>);

impl Keyed {
    /// The objects of `items` by key: each key with the index of its (last) object.
    pub(crate) fn of<T: Object>(items: &[T]) -> Keyed {
        Keyed::from_keys(items.iter().map(T::key).collect())
    }

    fn from_keys(keys: Vec<String>) -> Keyed {
        let mut keyed: Vec<(String, usize)> = keys.into_iter().zip(0..).collect();
        // Stable: objects of one key stay in list order, and the last one is kept.
        keyed.sort_by(|a, b| a.0.cmp(&b.0));
        let mut kept: Vec<(String, usize)> = Vec::with_capacity(keyed.len());
        for item in keyed {
            match kept.last_mut() {
                Some(last) if last.0 == item.0 => *last = item,
                _ => kept.push(item),
            }
        }
        Keyed(kept)
    }

    /// The index of the object keyed `key`.
    pub(crate) fn get(&self, key: &str) -> Option<usize> {
        self.0
            .binary_search_by(|(k, _)| k.as_str().cmp(key))
            .ok()
            .map(|at| self.0[at].1)
    }

    pub(crate) fn contains(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Each key with its object's index, in key order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, usize)> {
        self.0.iter().map(|(key, at)| (key.as_str(), *at))
    }
}

pub(crate) fn list(items: &[String]) -> String {
    items.join(", ")
}

fn yes_no(value: bool) -> Option<String> {
    Some(if value { "yes" } else { "no" }.to_owned())
}

impl Object for Column {
    const KIND: ObjectKind = ObjectKind::Column;
    fn key(&self) -> String {
        self.name.clone()
    }
    fn summary(&self) -> Option<String> {
        let mut s = self.data_type.clone();
        if !self.nullable {
            s.push_str(" NOT NULL");
        }
        if let Some(default) = &self.default {
            s.push_str(&format!(" DEFAULT {default}"));
        }
        Some(s.trim().to_owned())
    }
    fn attributes(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("type", Some(self.data_type.clone())),
            ("nullable", yes_no(self.nullable)),
            ("default", self.default.clone()),
            (
                "generated",
                self.generated.as_ref().map(|g| {
                    format!(
                        "{} {}",
                        g.expression,
                        if g.stored { "STORED" } else { "VIRTUAL" }
                    )
                }),
            ),
            ("identity", self.identity.clone()),
            ("collation", self.collation.clone()),
        ]
    }
}

impl Object for Unique {
    const KIND: ObjectKind = ObjectKind::Unique;
    fn key(&self) -> String {
        format!("({})", list(&self.columns))
    }
    fn summary(&self) -> Option<String> {
        Some(format!("UNIQUE ({})", list(&self.columns)))
    }
    fn attributes(&self) -> Vec<(&'static str, Option<String>)> {
        vec![("name", self.name.clone())]
    }
}

impl Object for Check {
    const KIND: ObjectKind = ObjectKind::Check;
    fn key(&self) -> String {
        format!(": {}", self.expression)
    }
    fn summary(&self) -> Option<String> {
        Some(format!("CHECK ({})", self.expression))
    }
    fn attributes(&self) -> Vec<(&'static str, Option<String>)> {
        vec![("name", self.name.clone())]
    }
}

impl Object for ForeignKey {
    const KIND: ObjectKind = ObjectKind::ForeignKey;
    fn key(&self) -> String {
        format!("({}) -> {}", list(&self.columns), self.references)
    }
    fn summary(&self) -> Option<String> {
        Some(format!(
            "REFERENCES {}({}) ON DELETE {} ON UPDATE {}",
            self.references,
            list(&self.referenced_columns),
            self.on_delete,
            self.on_update
        ))
    }
    fn attributes(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("name", self.name.clone()),
            ("referenced_columns", Some(list(&self.referenced_columns))),
            ("on_delete", Some(self.on_delete.clone())),
            ("on_update", Some(self.on_update.clone())),
            (
                "deferrable",
                Some(self.deferrable.clone()).filter(|d| !d.is_empty()),
            ),
        ]
    }
}

impl Object for Table {
    const KIND: ObjectKind = ObjectKind::Table;
    fn key(&self) -> String {
        self.name.clone()
    }
    fn summary(&self) -> Option<String> {
        let names: Vec<String> = self.columns.iter().map(|c| c.name.clone()).collect();
        Some(format!("columns {}", list(&names)))
    }
    fn attributes(&self) -> Vec<(&'static str, Option<String>)> {
        vec![(
            "options",
            Some(list(&self.options)).filter(|o| !o.is_empty()),
        )]
    }
}

impl Object for Index {
    const KIND: ObjectKind = ObjectKind::Index;
    fn key(&self) -> String {
        self.name.clone()
    }
    fn summary(&self) -> Option<String> {
        let mut s = format!(
            "{}ON {} USING {} ({})",
            if self.unique { "UNIQUE " } else { "" },
            self.table,
            self.method,
            list(&self.keys)
        );
        if let Some(predicate) = &self.predicate {
            s.push_str(&format!(" WHERE {predicate}"));
        }
        Some(s)
    }
    fn attributes(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("table", Some(self.table.clone())),
            ("unique", yes_no(self.unique)),
            ("keys", Some(list(&self.keys))),
            (
                "include",
                Some(list(&self.include)).filter(|i| !i.is_empty()),
            ),
            ("predicate", self.predicate.clone()),
            ("method", Some(self.method.clone())),
        ]
    }
}

impl Object for View {
    const KIND: ObjectKind = ObjectKind::View;
    fn key(&self) -> String {
        self.name.clone()
    }
    fn summary(&self) -> Option<String> {
        Some(self.definition.clone())
    }
    fn attributes(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("definition", Some(self.definition.clone())),
            ("materialized", yes_no(self.materialized)),
        ]
    }
}

impl Object for Trigger {
    const KIND: ObjectKind = ObjectKind::Trigger;
    fn key(&self) -> String {
        format!("{} on {}", self.name, self.table)
    }
    fn summary(&self) -> Option<String> {
        Some(self.definition.clone())
    }
    fn attributes(&self) -> Vec<(&'static str, Option<String>)> {
        vec![("definition", Some(self.definition.clone()))]
    }
}

impl Object for Sequence {
    const KIND: ObjectKind = ObjectKind::Sequence;
    fn key(&self) -> String {
        self.name.clone()
    }
    fn summary(&self) -> Option<String> {
        Some(self.data_type.clone())
    }
    fn attributes(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("type", Some(self.data_type.clone())),
            ("start", Some(self.start.to_string())),
            ("increment", Some(self.increment.to_string())),
            ("min_value", Some(self.min_value.to_string())),
            ("max_value", Some(self.max_value.to_string())),
            ("cache", Some(self.cache.to_string())),
            ("cycle", yes_no(self.cycle)),
            ("owned_by", self.owned_by.clone()),
        ]
    }
}

impl Object for Enum {
    const KIND: ObjectKind = ObjectKind::Enum;
    fn key(&self) -> String {
        self.name.clone()
    }
    fn summary(&self) -> Option<String> {
        Some(list(&self.labels))
    }
    fn attributes(&self) -> Vec<(&'static str, Option<String>)> {
        vec![("labels", Some(list(&self.labels)))]
    }
}

#[cfg(test)]
mod tests {
    use super::Keyed;

    fn keyed(keys: &[&str]) -> Keyed {
        Keyed::from_keys(keys.iter().map(|k| (*k).to_owned()).collect())
    }

    #[test]
    fn keys_come_in_order_and_a_repeated_key_keeps_its_last_object() {
        let k = keyed(&["users", "orders", "b", "orders", "a"]);
        let all: Vec<(&str, usize)> = k.iter().collect();
        assert_eq!(all, [("a", 4), ("b", 2), ("orders", 3), ("users", 0)]);
        assert_eq!(k.get("orders"), Some(3));
        assert_eq!(k.get("users"), Some(0));
        assert!(k.contains("a"));
        assert!(!k.contains("order"));
        assert_eq!(k.get(""), None);
    }

    #[test]
    fn an_empty_list_has_no_keys() {
        let k = keyed(&[]);
        assert_eq!(k.iter().count(), 0);
        assert!(!k.contains("a"));
    }
}
