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
