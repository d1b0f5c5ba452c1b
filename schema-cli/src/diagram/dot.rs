//! Graphviz DOT: a node per table whose HTML-like label is a table of its columns, each row a
//! port, and an edge per foreign key from the referencing column to the referenced one.

use super::Graph;
use std::fmt::Write;

pub(super) fn render(graph: &Graph, title: &str) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "// {}", title.replace(['\n', '\r'], " "));
    out.push_str("digraph schema {\n");
    out.push_str("    graph [rankdir=RL, nodesep=0.4, ranksep=0.9];\n");
    out.push_str("    node [shape=plaintext, fontname=\"Helvetica\", fontsize=11];\n");
    out.push_str(
        "    edge [arrowhead=normal, color=\"#5a6b7d\", fontname=\"Helvetica\", fontsize=9];\n",
    );
    for (i, table) in graph.tables.iter().enumerate() {
        let _ = writeln!(out, "    t{i} [label=<");
        out.push_str(
            "      <table border=\"0\" cellborder=\"1\" cellspacing=\"0\" cellpadding=\"3\">\n",
        );
        let _ = writeln!(
            out,
            "        <tr><td colspan=\"3\" bgcolor=\"#2f4f6f\"><font color=\"white\"><b>{}</b></font></td></tr>",
            escape(&table.name)
        );
        for (c, column) in table.columns.iter().enumerate() {
            let name = if column.not_null {
                format!("<b>{}</b>", escape(&column.name))
            } else {
                escape(&column.name)
            };
            let nullness = if column.not_null { " NOT NULL" } else { "" };
            let _ = writeln!(
                out,
                "        <tr><td port=\"c{c}\" align=\"left\">{}</td><td align=\"left\">{name}</td><td align=\"left\">{}{nullness}</td></tr>",
                column.keys().join(" "),
                escape(&column.data_type)
            );
        }
        out.push_str("      </table>>];\n");
    }
    for edge in &graph.edges {
        let port = |columns: &[usize]| columns.first().map_or(String::new(), |c| format!(":c{c}"));
        let style = if edge.required { "" } else { ", style=dashed" };
        let _ = writeln!(
            out,
            "    t{}{} -> t{}{} [label=\"{}\"{style}];",
            edge.from,
            port(&edge.from_columns),
            edge.to,
            port(&edge.to_columns),
            edge.label.replace('\\', "\\\\").replace('"', "\\\"")
        );
    }
    out.push_str("}\n");
    out
}

/// `text` inside an HTML-like label.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}
