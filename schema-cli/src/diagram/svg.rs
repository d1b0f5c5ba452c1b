//! The laid-out graph drawn as SVG: the foreign keys first, as paths with an arrowhead at the
//! referenced table, then the tables' boxes over them, each a header with the table's name and
//! a row per column (keys, name, type, `NN` for `NOT NULL`).

use super::layout::{self, Layout, FONT_SIZE, HEADER, PAD, ROW};
use super::Graph;
use std::fmt::Write;

/// The fonts the boxes were measured for; any monospaced font is near enough.
const MONO: &str = "'DejaVu Sans Mono', Menlo, Consolas, 'Liberation Mono', monospace";

pub(super) fn render(graph: &Graph) -> String {
    let Layout {
        width,
        height,
        boxes,
        paths,
    } = layout::layout(graph);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="{MONO}" font-size="{FONT_SIZE}" role="img">"##
    );
    out.push_str(concat!(
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"9\" markerHeight=\"9\" orient=\"auto-start-reverse\">",
        "<path d=\"M0,0 L10,5 L0,10 z\" fill=\"#46607a\"/></marker>",
        "<marker id=\"dot\" viewBox=\"0 0 10 10\" refX=\"5\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\">",
        "<circle cx=\"5\" cy=\"5\" r=\"4\" fill=\"#46607a\"/></marker></defs>\n"
    ));
    let _ = writeln!(
        out,
        r##"<rect width="{width}" height="{height}" fill="#ffffff"/>"##
    );
    out.push_str("<g class=\"edges\" fill=\"none\" stroke=\"#46607a\" stroke-width=\"1.4\">\n");
    for (edge, points) in graph.edges.iter().zip(&paths) {
        let d: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, (x, y))| format!("{}{x},{y}", if i == 0 { "M" } else { "L" }))
            .collect();
        let dash = if edge.required {
            ""
        } else {
            " stroke-dasharray=\"5,3\""
        };
        let to_columns: Vec<&str> = edge
            .to_columns
            .iter()
            .map(|&c| graph.tables[edge.to].columns[c].name.as_str())
            .collect();
        let _ = writeln!(
            out,
            "<path d=\"{}\" marker-start=\"url(#dot)\" marker-end=\"url(#arrow)\"{dash}><title>{}</title></path>",
            d.join(" "),
            escape(&format!(
                "{}({}) references {}({})",
                graph.tables[edge.from].name,
                edge.label,
                graph.tables[edge.to].name,
                to_columns.join(", ")
            ))
        );
    }
    out.push_str("</g>\n");
    for (table, b) in graph.tables.iter().zip(&boxes) {
        let _ = writeln!(
            out,
            "<g class=\"table\" transform=\"translate({},{})\"><title>{}</title>",
            b.x,
            b.y,
            escape(&table.name)
        );
        let _ = writeln!(
            out,
            r##"<rect width="{}" height="{}" rx="4" fill="#ffffff" stroke="#2f4f6f" stroke-width="1.2"/>"##,
            b.width, b.height
        );
        let _ = writeln!(
            out,
            r##"<path d="M0,{HEADER} V4 Q0,0 4,0 H{w} Q{wr},0 {wr},4 V{HEADER} z" fill="#d6e4f0" stroke="#2f4f6f" stroke-width="1.2"/>"##,
            w = b.width - 4,
            wr = b.width
        );
        let _ = writeln!(
            out,
            r##"<text x="{PAD}" y="{}" font-size="{}" font-weight="bold" fill="#10283f">{}</text>"##,
            HEADER - 8,
            FONT_SIZE + 1,
            escape(&table.name)
        );
        for (i, column) in table.columns.iter().enumerate() {
            let y = HEADER + ROW * i as i64;
            if i % 2 == 1 {
                let _ = writeln!(
                    out,
                    r##"<rect x="1" y="{y}" width="{}" height="{ROW}" fill="#eef2f6"/>"##,
                    b.width - 2
                );
            }
            let base = y + ROW - 5;
            let keys = column.keys().join(" ");
            if !keys.is_empty() {
                let _ = writeln!(
                    out,
                    r##"<text x="{}" y="{base}" font-weight="bold" fill="#a0522d">{keys}</text>"##,
                    b.text_x[0]
                );
            }
            let weight = if column.not_null {
                " font-weight=\"bold\""
            } else {
                ""
            };
            let _ = writeln!(
                out,
                r##"<text x="{}" y="{base}"{weight} fill="#1b2733">{}</text>"##,
                b.text_x[1],
                escape(&column.name)
            );
            let _ = writeln!(
                out,
                r##"<text x="{}" y="{base}" fill="#5b6b7b">{}</text>"##,
                b.text_x[2],
                escape(&column.data_type)
            );
            if column.not_null {
                let _ = writeln!(
                    out,
                    r##"<text x="{}" y="{base}" fill="#8b1a1a">NN</text>"##,
                    b.text_x[3]
                );
            }
        }
        out.push_str("</g>\n");
    }
    if graph.tables.is_empty() {
        let _ = writeln!(
            out,
            r##"<text x="{PAD}" y="{}" fill="#5b6b7b">no tables</text>"##,
            layout::MARGIN + ROW
        );
    }
    out.push_str("</svg>\n");
    out
}

/// `text` in XML.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}
