//! Diagrams of a schema (`schema diagram`): its tables with their columns (type, primary key,
//! foreign key, unique, `NOT NULL`) and the foreign keys between them, as Mermaid
//! (`erDiagram`), Graphviz DOT, or one self-contained HTML page whose SVG is laid out and drawn
//! here, with no script and nothing fetched.
//!
//! # Example
//!
//! ```
//! use schema_cli::diagram::{render, Format};
//! use schema_runtime::introspect::{Column, Schema, Table};
//!
//! let schema = Schema {
//!     tables: vec![Table {
//!         name: "users".into(),
//!         columns: vec![Column { name: "id".into(), data_type: "integer".into(), ..Column::default() }],
//!         ..Table::default()
//!     }],
//!     ..Schema::default()
//! };
//! let mermaid = render(&schema, Format::Mermaid, "app");
//! assert!(mermaid.starts_with("erDiagram\n"));
//! ```
//!
//! # Details
//!
//! - Only tables are drawn (not views, indexes or triggers), each foreign key as an edge from
//!   the referencing table to the referenced one. A foreign key to a table the schema does not
//!   hold (another module's, under a prefix) is listed in its column's markers but drawn as no
//!   edge.
//! - The output depends on the schema alone: the same schema gives the same bytes.

mod dot;
mod html;
mod layout;
mod mermaid;
mod svg;

use schema_runtime::introspect::Schema;

/// The kind of diagram.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// A Mermaid `erDiagram`, for Markdown that renders Mermaid.
    Mermaid,
    /// A Graphviz digraph (`dot -Tsvg`), each table an HTML-like label with a port per column.
    Dot,
    /// One HTML page with the diagram as inline SVG, laid out here: no script, nothing fetched.
    Html,
}

/// `schema` drawn as `format`; `title` names it (the page's title, a comment in the others).
pub fn render(schema: &Schema, format: Format, title: &str) -> String {
    let graph = Graph::of(schema);
    match format {
        Format::Mermaid => mermaid::render(&graph, title),
        Format::Dot => dot::render(&graph, title),
        Format::Html => html::render(&graph, title),
    }
}

/// What a diagram shows, whatever its format.
#[derive(Debug)]
pub(crate) struct Graph {
    pub tables: Vec<Node>,
    pub edges: Vec<Edge>,
}

/// A table.
#[derive(Debug)]
pub(crate) struct Node {
    pub name: String,
    pub columns: Vec<Row>,
}

/// A column of a table.
#[derive(Debug)]
pub(crate) struct Row {
    pub name: String,
    /// The type; `any` for an SQLite column declared without one.
    pub data_type: String,
    pub primary_key: bool,
    pub foreign_key: bool,
    pub unique: bool,
    pub not_null: bool,
}

impl Row {
    /// The markers shown before the column: `PK`, `FK`, `UK`, as they apply.
    pub fn keys(&self) -> Vec<&'static str> {
        let mut keys = Vec::new();
        if self.primary_key {
            keys.push("PK");
        }
        if self.foreign_key {
            keys.push("FK");
        }
        if self.unique {
            keys.push("UK");
        }
        keys
    }
}

/// A foreign key between two tables of the graph.
#[derive(Debug)]
pub(crate) struct Edge {
    /// The referencing table, by index in [`Graph::tables`].
    pub from: usize,
    /// The referencing columns, by index in its table's rows.
    pub from_columns: Vec<usize>,
    /// The referenced table.
    pub to: usize,
    /// The referenced columns.
    pub to_columns: Vec<usize>,
    /// The referencing columns' names, as a label.
    pub label: String,
    /// Whether every referencing column is `NOT NULL` (each row has a parent).
    pub required: bool,
}

impl Graph {
    pub(crate) fn of(schema: &Schema) -> Graph {
        let tables: Vec<Node> = schema
            .tables
            .iter()
            .map(|t| {
                Node {
                    name: t.name.clone(),
                    columns: t
                        .columns
                        .iter()
                        .map(|c| Row {
                            name: c.name.clone(),
                            data_type: if c.data_type.is_empty() {
                                "any".to_owned()
                            } else {
                                c.data_type.clone()
                            },
                            primary_key: t
                                .primary_key
                                .as_ref()
                                .is_some_and(|k| k.columns.contains(&c.name)),
                            foreign_key: t.foreign_keys.iter().any(|k| k.columns.contains(&c.name)),
                            unique: t.uniques.iter().any(|u| u.columns.contains(&c.name)),
                            // A primary key column is NOT NULL on PostgreSQL; SQLite's pragma
                            // says so only when written.
                            not_null: !c.nullable,
                        })
                        .collect(),
                }
            })
            .collect();
        let position = |name: &str| tables.iter().position(|t| t.name == name);
        let column =
            |table: usize, name: &str| tables[table].columns.iter().position(|c| c.name == name);
        let mut edges = Vec::new();
        for (from, table) in schema.tables.iter().enumerate() {
            for key in &table.foreign_keys {
                let Some(to) = position(&key.references) else {
                    continue;
                };
                let from_columns: Vec<usize> =
                    key.columns.iter().filter_map(|c| column(from, c)).collect();
                let to_columns: Vec<usize> = key
                    .referenced_columns
                    .iter()
                    .filter_map(|c| column(to, c))
                    .collect();
                let required = from_columns
                    .iter()
                    .all(|&c| tables[from].columns[c].not_null);
                edges.push(Edge {
                    from,
                    from_columns,
                    to,
                    to_columns,
                    label: key.columns.join(", "),
                    required,
                });
            }
        }
        Graph { tables, edges }
    }
}
