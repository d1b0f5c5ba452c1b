//! The typed model of a database's schema, the same for every database: what introspection
//! reads and what the drift comparison compares.

use serde::{Deserialize, Serialize};

/// A database's schema, normalized: names as the database folds them, types in one spelling,
/// expressions as the database prints them, every list in name order, and the tracking tables
/// (this crate's and other migration tools') left out. Two databases with equal schemas read
/// as equal values.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    /// PostgreSQL: the schemas (namespaces) other than the system ones, `public` included.
    /// Empty on SQLite.
    pub schemas: Vec<String>,
    /// The tables, by name.
    pub tables: Vec<Table>,
    /// The views (and PostgreSQL's materialized views), by name.
    pub views: Vec<View>,
    /// The indexes made with `CREATE INDEX`, by name: not those behind a primary key or a
    /// unique constraint, which are part of their table.
    pub indexes: Vec<Index>,
    /// The triggers, by name.
    pub triggers: Vec<Trigger>,
    /// PostgreSQL: the sequences, by name (those behind an identity column are part of it).
    pub sequences: Vec<Sequence>,
    /// PostgreSQL: the enum types, by name.
    pub enums: Vec<Enum>,
}

/// A table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    /// The name; on PostgreSQL qualified (`audit.events`) unless in `public`.
    pub name: String,
    /// The columns, in the table's order.
    pub columns: Vec<Column>,
    /// The primary key, if any.
    pub primary_key: Option<PrimaryKey>,
    /// The unique constraints, by columns.
    pub uniques: Vec<Unique>,
    /// The check constraints, by expression.
    pub checks: Vec<Check>,
    /// The foreign keys, by columns.
    pub foreign_keys: Vec<ForeignKey>,
    /// What else defines the table, normalized: SQLite's `STRICT`, `WITHOUT ROWID` and a
    /// virtual table's `USING module(...)`; PostgreSQL's `UNLOGGED` and `PARTITION BY ...`.
    pub options: Vec<String>,
}

/// A column of a table.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    /// The name.
    pub name: String,
    /// The type in one spelling (`integer`, `character varying(10)`, `timestamp with time
    /// zone`): PostgreSQL's own (`format_type`), and the same spelling for SQLite's declared
    /// types (`int` and `INTEGER` are both `integer`). Empty for an SQLite column declared
    /// without a type.
    pub data_type: String,
    /// Whether it accepts NULL.
    pub nullable: bool,
    /// The default, as the database prints it (normalized on SQLite: spacing, case of
    /// keywords, quotes of identifiers, redundant parentheses).
    pub default: Option<String>,
    /// A generated column's expression and kind.
    pub generated: Option<Generated>,
    /// PostgreSQL: `always` or `by default` for an identity column.
    pub identity: Option<String>,
    /// The collation, when not the type's default.
    pub collation: Option<String>,
}

/// How a generated column is computed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    /// The expression, normalized.
    pub expression: String,
    /// Whether it is stored (`STORED`) rather than computed when read (`VIRTUAL`).
    pub stored: bool,
}

/// A primary key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    /// The constraint's name (PostgreSQL; SQLite keeps none).
    pub name: Option<String>,
    /// The columns, in key order.
    pub columns: Vec<String>,
}

/// A unique constraint (on SQLite, a `UNIQUE` written in the table).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unique {
    /// The constraint's name (PostgreSQL; SQLite keeps none).
    pub name: Option<String>,
    /// The columns, in key order.
    pub columns: Vec<String>,
}

/// A check constraint.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// The constraint's name, when it has one.
    pub name: Option<String>,
    /// The expression, normalized (PostgreSQL: as `pg_get_constraintdef` prints it).
    pub expression: String,
}

/// A foreign key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    /// The constraint's name (PostgreSQL; SQLite keeps none).
    pub name: Option<String>,
    /// The referencing columns, in key order.
    pub columns: Vec<String>,
    /// The referenced table.
    pub references: String,
    /// The referenced columns, in key order (the referenced table's primary key when the
    /// foreign key names none).
    pub referenced_columns: Vec<String>,
    /// `NO ACTION`, `RESTRICT`, `CASCADE`, `SET NULL` or `SET DEFAULT`.
    pub on_delete: String,
    /// As `on_delete`.
    pub on_update: String,
    /// `NOT DEFERRABLE`, `DEFERRABLE INITIALLY IMMEDIATE` or `DEFERRABLE INITIALLY DEFERRED`
    /// on PostgreSQL; empty on SQLite, whose pragmas do not tell.
    pub deferrable: String,
}

/// An index made with `CREATE INDEX`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// The name; on PostgreSQL qualified unless in `public`.
    pub name: String,
    /// The indexed table.
    pub table: String,
    /// Whether it is `UNIQUE`.
    pub unique: bool,
    /// Each key: a column name or an expression, normalized, with its order where not the
    /// default (PostgreSQL: ` DESC`, ` NULLS FIRST`, a non-default operator class; SQLite, in
    /// its normalized spelling: ` collate nocase`, ` desc`).
    pub keys: Vec<String>,
    /// PostgreSQL: the `INCLUDE` columns.
    pub include: Vec<String>,
    /// A partial index's `WHERE` predicate, normalized.
    pub predicate: Option<String>,
    /// PostgreSQL: the access method (`btree`, `gin`, `gist`, `hash`, `brin`, ...). `btree` on
    /// SQLite, which has no other.
    pub method: String,
}

/// A view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    /// The name; on PostgreSQL qualified unless in `public`.
    pub name: String,
    /// The query, normalized (PostgreSQL: as `pg_get_viewdef` prints it).
    pub definition: String,
    /// PostgreSQL: a materialized view.
    pub materialized: bool,
}

/// A trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    /// The name (PostgreSQL: qualified by its table's schema unless `public`).
    pub name: String,
    /// The table or view it fires on.
    pub table: String,
    /// The whole definition, normalized (PostgreSQL: as `pg_get_triggerdef` prints it; the
    /// function it calls is not compared).
    pub definition: String,
}

/// A PostgreSQL sequence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    /// The name, qualified unless in `public`.
    pub name: String,
    /// `smallint`, `integer` or `bigint`.
    pub data_type: String,
    /// The first value.
    pub start: i64,
    /// The step.
    pub increment: i64,
    /// The smallest value.
    pub min_value: i64,
    /// The largest value.
    pub max_value: i64,
    /// How many values are cached.
    pub cache: i64,
    /// Whether it wraps around.
    pub cycle: bool,
    /// The column that owns it (`table.column`), as `serial` makes.
    pub owned_by: Option<String>,
}

/// A PostgreSQL enum type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enum {
    /// The name, qualified unless in `public`.
    pub name: String,
    /// The labels, in the type's order.
    pub labels: Vec<String>,
}
