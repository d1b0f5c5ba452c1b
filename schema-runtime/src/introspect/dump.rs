//! The model written back as SQL (`schema dump`): statements that make the schema on an empty
//! database of the same kind, in an order that applies (schemas, types and sequences first,
//! foreign keys after every table on PostgreSQL, indexes, views and triggers last).

use super::model::{Column, ForeignKey, Index, Schema, Table};
use schema_core::Dialect;
use std::fmt::Write;

/// Words that cannot be a bare name; a name that is one is quoted.
const RESERVED: &[&str] = &[
    "all",
    "and",
    "as",
    "asc",
    "between",
    "by",
    "case",
    "check",
    "collate",
    "column",
    "constraint",
    "create",
    "default",
    "delete",
    "desc",
    "distinct",
    "drop",
    "else",
    "end",
    "exists",
    "foreign",
    "from",
    "group",
    "having",
    "in",
    "index",
    "insert",
    "into",
    "is",
    "join",
    "key",
    "limit",
    "not",
    "null",
    "on",
    "or",
    "order",
    "primary",
    "references",
    "select",
    "set",
    "table",
    "then",
    "to",
    "transaction",
    "trigger",
    "union",
    "unique",
    "update",
    "user",
    "using",
    "values",
    "view",
    "when",
    "where",
    "with",
];

/// `name` as SQL writes it: bare when a plain lower-case word, double-quoted otherwise.
pub(crate) fn ident(name: &str) -> String {
    let plain = name.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !RESERVED.contains(&name);
    if plain {
        name.to_owned()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

/// A name of the model (`schema.name` outside `public`) as SQL writes it.
pub(crate) fn qualified(name: &str) -> String {
    match name.split_once('.') {
        Some((schema, rest)) => format!("{}.{}", ident(schema), ident(rest)),
        None => ident(name),
    }
}

/// A name of the model without its schema (an index is made in its table's schema).
pub(crate) fn bare(name: &str) -> String {
    ident(name.rsplit_once('.').map_or(name, |(_, n)| n))
}

pub(crate) fn idents(names: &[String]) -> String {
    names
        .iter()
        .map(|n| ident(n))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Schema {
    /// The schema as SQL statements for `dialect`'s database, each ending with `;` and a
    /// line break. Functions are not part of the model: a PostgreSQL trigger's function must
    /// exist before its `CREATE TRIGGER` runs.
    pub fn to_sql(&self, dialect: Dialect) -> String {
        let mut out = String::new();
        let postgres = dialect == Dialect::Postgres;
        for schema in self.schemas.iter().filter(|s| *s != "public") {
            let _ = writeln!(out, "CREATE SCHEMA {};", ident(schema));
        }
        for e in &self.enums {
            let labels: Vec<String> = e
                .labels
                .iter()
                .map(|l| format!("'{}'", l.replace('\'', "''")))
                .collect();
            let _ = writeln!(
                out,
                "CREATE TYPE {} AS ENUM ({});",
                qualified(&e.name),
                labels.join(", ")
            );
        }
        for s in &self.sequences {
            let _ = writeln!(
                out,
                "CREATE SEQUENCE {} AS {} INCREMENT {} MINVALUE {} MAXVALUE {} START {} CACHE {}{};",
                qualified(&s.name),
                s.data_type,
                s.increment,
                s.min_value,
                s.max_value,
                s.start,
                s.cache,
                if s.cycle { " CYCLE" } else { "" }
            );
        }
        for table in &self.tables {
            out.push_str(&create_table(table, postgres));
        }
        if postgres {
            for table in &self.tables {
                for key in &table.foreign_keys {
                    let _ = writeln!(
                        out,
                        "ALTER TABLE {} ADD {};",
                        qualified(&table.name),
                        foreign_key(key, postgres)
                    );
                }
            }
            for s in &self.sequences {
                if let Some((table, column)) =
                    s.owned_by.as_deref().and_then(|o| o.rsplit_once('.'))
                {
                    let _ = writeln!(
                        out,
                        "ALTER SEQUENCE {} OWNED BY {}.{};",
                        qualified(&s.name),
                        qualified(table),
                        ident(column)
                    );
                }
            }
        }
        for index in &self.indexes {
            out.push_str(&create_index(index, postgres));
        }
        for view in &self.views {
            let _ = writeln!(
                out,
                "CREATE {}VIEW {} AS {};",
                if view.materialized {
                    "MATERIALIZED "
                } else {
                    ""
                },
                qualified(&view.name),
                view.definition
            );
        }
        for trigger in &self.triggers {
            let _ = writeln!(out, "{};", trigger.definition);
        }
        out
    }
}

pub(crate) fn create_table(table: &Table, postgres: bool) -> String {
    let name = qualified(&table.name);
    if let Some(using) = table.options.iter().find(|o| o.starts_with("using ")) {
        return format!("CREATE VIRTUAL TABLE {name} {using};\n");
    }
    if let Some(of) = table
        .options
        .iter()
        .find_map(|o| o.strip_prefix("PARTITION OF "))
    {
        return format!("CREATE TABLE {name} PARTITION OF {of};\n");
    }
    let mut lines: Vec<String> = table.columns.iter().map(|c| column(c, postgres)).collect();
    if let Some(key) = &table.primary_key {
        let constraint = match (&key.name, postgres) {
            (Some(n), true) => format!("CONSTRAINT {} ", ident(n)),
            _ => String::new(),
        };
        lines.push(format!(
            "{constraint}PRIMARY KEY ({})",
            idents(&key.columns)
        ));
    }
    for unique in &table.uniques {
        let constraint = match (&unique.name, postgres) {
            (Some(n), true) => format!("CONSTRAINT {} ", ident(n)),
            _ => String::new(),
        };
        lines.push(format!("{constraint}UNIQUE ({})", idents(&unique.columns)));
    }
    for check in &table.checks {
        let constraint = check
            .name
            .as_ref()
            .map_or(String::new(), |n| format!("CONSTRAINT {} ", ident(n)));
        lines.push(format!("{constraint}CHECK ({})", check.expression));
    }
    if !postgres {
        lines.extend(table.foreign_keys.iter().map(|k| foreign_key(k, postgres)));
    }
    let unlogged = if table.options.iter().any(|o| o == "UNLOGGED") {
        "UNLOGGED "
    } else {
        ""
    };
    let mut suffix: Vec<String> = Vec::new();
    for option in &table.options {
        match option.as_str() {
            "STRICT" | "WITHOUT ROWID" => suffix.push(option.clone()),
            partition if partition.starts_with("PARTITION BY ") => {
                suffix.push(partition.to_owned())
            }
            _ => {}
        }
    }
    let separator = if postgres { " " } else { ", " };
    let suffix = if suffix.is_empty() {
        String::new()
    } else {
        format!(" {}", suffix.join(separator))
    };
    format!(
        "CREATE {unlogged}TABLE {name} (\n    {}\n){suffix};\n",
        lines.join(",\n    ")
    )
}

pub(crate) fn column(c: &Column, postgres: bool) -> String {
    let mut s = ident(&c.name);
    if !c.data_type.is_empty() {
        s.push(' ');
        s.push_str(&c.data_type);
    }
    if let Some(collation) = &c.collation {
        let _ = write!(
            s,
            " COLLATE {}",
            if postgres {
                format!("\"{collation}\"")
            } else {
                collation.clone()
            }
        );
    }
    if let Some(default) = &c.default {
        if postgres {
            let _ = write!(s, " DEFAULT {default}");
        } else {
            let _ = write!(s, " DEFAULT ({default})");
        }
    }
    if let Some(generated) = &c.generated {
        let kind = if generated.stored {
            "STORED"
        } else {
            "VIRTUAL"
        };
        let _ = write!(s, " GENERATED ALWAYS AS ({}) {kind}", generated.expression);
    }
    if let Some(identity) = &c.identity {
        let _ = write!(s, " GENERATED {} AS IDENTITY", identity.to_uppercase());
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    s
}

pub(crate) fn foreign_key(key: &ForeignKey, postgres: bool) -> String {
    let constraint = match (&key.name, postgres) {
        (Some(n), true) => format!("CONSTRAINT {} ", ident(n)),
        _ => String::new(),
    };
    let mut s = format!(
        "{constraint}FOREIGN KEY ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
        idents(&key.columns),
        qualified(&key.references),
        idents(&key.referenced_columns),
        key.on_delete,
        key.on_update
    );
    if postgres && key.deferrable != "NOT DEFERRABLE" && !key.deferrable.is_empty() {
        let _ = write!(s, " {}", key.deferrable);
    }
    s
}

impl Index {
    /// The `CREATE INDEX` statement that makes this index on `dialect`'s database, ending with
    /// `;` and a line break.
    pub fn to_sql(&self, dialect: Dialect) -> String {
        create_index(self, dialect == Dialect::Postgres)
    }
}

pub(crate) fn create_index(index: &Index, postgres: bool) -> String {
    let mut s = format!(
        "CREATE {}INDEX {} ON {}",
        if index.unique { "UNIQUE " } else { "" },
        bare(&index.name),
        qualified(&index.table)
    );
    if postgres {
        let _ = write!(s, " USING {}", index.method);
    }
    let _ = write!(s, " ({})", index.keys.join(", "));
    if !index.include.is_empty() {
        let _ = write!(s, " INCLUDE ({})", index.include.join(", "));
    }
    if let Some(predicate) = &index.predicate {
        let _ = write!(s, " WHERE {predicate}");
    }
    s.push_str(";\n");
    s
}
