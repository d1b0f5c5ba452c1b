//! The HTML page: one file, its style inline, the diagram as inline SVG, no script, nothing
//! fetched; a header with the title and a legend above it.

use super::svg::{self, escape};
use super::Graph;
use std::fmt::Write;

pub(super) fn render(graph: &Graph, title: &str) -> String {
    let title = escape(title);
    let mut out = String::new();
    let _ = write!(
        out,
        r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body {{ margin: 0; font-family: 'DejaVu Sans', Helvetica, Arial, sans-serif; color: #1b2733; background: #f6f8fa; }}
header {{ padding: 12px 20px; background: #ffffff; border-bottom: 1px solid #d0d7de; }}
h1 {{ font-size: 18px; margin: 0 0 4px 0; }}
.legend {{ font-size: 13px; color: #5b6b7b; }}
.legend b {{ color: #a0522d; }}
.diagram {{ overflow: auto; padding: 12px; }}
.diagram svg {{ display: block; background: #ffffff; border: 1px solid #d0d7de; }}
</style>
</head>
<body>
<header>
<h1>{title}</h1>
<div class="legend">{} · <b>PK</b> primary key · <b>FK</b> foreign key · <b>UK</b> unique · <b style="color:#8b1a1a">NN</b> not null (name in bold) · an arrow points from a foreign key to the row it references; dashed when it may be NULL</div>
</header>
<div class="diagram">
"##,
        tally(graph)
    );
    out.push_str(&svg::render(graph));
    out.push_str("</div>\n</body>\n</html>\n");
    out
}

/// `3 tables, 2 foreign keys`.
fn tally(graph: &Graph) -> String {
    let plural =
        |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    format!(
        "{}, {}",
        plural(graph.tables.len(), "table", "tables"),
        plural(graph.edges.len(), "foreign key", "foreign keys")
    )
}
