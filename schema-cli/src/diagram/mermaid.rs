//! Mermaid's `erDiagram`: an entity per table with its attributes, a relationship per foreign
//! key (the referenced table's side one, or zero-or-one when the key may be NULL; the
//! referencing side zero or more).
//!
//! Mermaid's names and types are words (`[A-Za-z_][A-Za-z0-9_-]*`, types also `()[]`): other
//! characters become `_`, and a name that then collides with another gets a number.

use super::Graph;
use std::collections::HashSet;
use std::fmt::Write;

pub(super) fn render(graph: &Graph, title: &str) -> String {
    let mut out = String::from("erDiagram\n");
    let _ = writeln!(out, "    %% {}", one_line(title));
    let mut taken = HashSet::new();
    let names: Vec<String> = graph
        .tables
        .iter()
        .map(|t| unique(word(&t.name, false), &mut taken))
        .collect();
    for (table, name) in graph.tables.iter().zip(&names) {
        if *name != table.name {
            let _ = writeln!(out, "    %% {name} is the table {}", one_line(&table.name));
        }
        let _ = writeln!(out, "    {name} {{");
        for column in &table.columns {
            let mut line = format!(
                "        {} {}",
                word(&column.data_type, true),
                word(&column.name, false)
            );
            let keys = column.keys();
            if !keys.is_empty() {
                let _ = write!(line, " {}", keys.join(", "));
            }
            let mut notes = Vec::new();
            if column.not_null {
                notes.push("NOT NULL".to_owned());
            }
            if word(&column.name, false) != column.name {
                notes.push(column.name.replace('"', "'"));
            }
            if !notes.is_empty() {
                let _ = write!(line, " \"{}\"", notes.join(", "));
            }
            let _ = writeln!(out, "{line}");
        }
        let _ = writeln!(out, "    }}");
    }
    for edge in &graph.edges {
        let parent = if edge.required { "||" } else { "|o" };
        let _ = writeln!(
            out,
            "    {} {parent}--o{{ {} : \"{}\"",
            names[edge.to],
            names[edge.from],
            edge.label.replace('"', "'")
        );
    }
    out
}

/// `text` as a Mermaid word: letters, digits, `_` and `-` (and for a type `(`, `)`, `[`, `]`),
/// starting with a letter or `_`.
fn word(text: &str, is_type: bool) -> String {
    let mut word: String = text
        .chars()
        .map(|c| match c {
            'a'..='z' | 'A'..='Z' | '0'..='9' | '_' | '-' => c,
            '(' | ')' | '[' | ']' if is_type => c,
            _ => '_',
        })
        .collect();
    if !word.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        word.insert(0, '_');
    }
    word
}

/// `name`, or `name_2`, `name_3`... when an earlier table took it.
fn unique(name: String, taken: &mut HashSet<String>) -> String {
    let mut candidate = name.clone();
    let mut n = 1;
    while !taken.insert(candidate.clone()) {
        n += 1;
        candidate = format!("{name}_{n}");
    }
    candidate
}

/// `text` on one line, for a `%%` comment.
fn one_line(text: &str) -> String {
    text.replace(['\n', '\r'], " ")
}
