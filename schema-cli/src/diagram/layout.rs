//! Where the HTML diagram puts each table and each foreign key: tables as boxes in columns
//! layered by their foreign keys (a referenced table left of the tables that reference it), a
//! layer too tall for the page wrapped into several columns, and each foreign key as an
//! orthogonal path from the referencing column's row to the referenced column's, its vertical
//! part in a lane of its own in the gap beside the referenced table.
//!
//! Sizes are in pixels of a monospaced font of [`FONT_SIZE`], whose glyphs are [`CHAR_WIDTH`]
//! wide; the same graph always gives the same layout.

use super::{Graph, Node};

/// The font size of the column rows.
pub(super) const FONT_SIZE: i64 = 12;
/// The width of a glyph of the monospaced font at [`FONT_SIZE`] (DejaVu Sans Mono, Menlo and
/// Consolas are about 0.6 em), rounded up so that text never overflows its box.
const CHAR_WIDTH: f64 = 7.3;
/// The height of the table's name.
pub(super) const HEADER: i64 = 26;
/// The height of a column's row.
pub(super) const ROW: i64 = 18;
/// The space inside a box, left and right, and between its text columns.
pub(super) const PAD: i64 = 8;
/// The space above and below the boxes of a column, and between two of them.
const V_GAP: i64 = 28;
/// The space left free on each side of a gap's lanes (room for the arrowheads).
const GAP_MARGIN: i64 = 26;
/// The distance between two lanes of a gap.
const LANE: i64 = 7;
/// The margin around the drawing.
pub(super) const MARGIN: i64 = 20;

/// A table's box.
#[derive(Debug, Clone)]
pub(super) struct Placed {
    pub x: i64,
    pub y: i64,
    pub width: i64,
    pub height: i64,
    /// The x of each text column inside the box, from its left side: keys, name, type, `NN`.
    pub text_x: [i64; 4],
}

/// The whole drawing.
#[derive(Debug)]
pub(super) struct Layout {
    pub width: i64,
    pub height: i64,
    /// One per table, in the graph's order.
    pub boxes: Vec<Placed>,
    /// One per edge, in the graph's order: the points of its path, the last one on the
    /// referenced table's side.
    pub paths: Vec<Vec<(i64, i64)>>,
}

fn text_width(chars: usize) -> i64 {
    (chars as f64 * CHAR_WIDTH).ceil() as i64
}

/// The size of `table`'s box and where its text columns start.
fn measure(table: &Node) -> Placed {
    let widest = |f: &dyn Fn(&super::Row) -> usize| table.columns.iter().map(f).max().unwrap_or(0);
    let keys = widest(&|c| c.keys().join(" ").chars().count());
    let names = widest(&|c| c.name.chars().count());
    let types = widest(&|c| c.data_type.chars().count());
    let nn = if table.columns.iter().any(|c| c.not_null) {
        2
    } else {
        0
    };
    let mut x = PAD;
    let mut text_x = [0; 4];
    for (i, chars) in [keys, names, types, nn].into_iter().enumerate() {
        text_x[i] = x;
        if chars > 0 {
            x += text_width(chars) + PAD;
        }
    }
    // The name is bold and a little larger: 1.1 of a row's glyph.
    let header = text_width(table.name.chars().count() + 1) * 11 / 10 + 2 * PAD;
    Placed {
        x: 0,
        y: 0,
        width: x.max(header).max(80),
        height: HEADER + ROW * table.columns.len() as i64 + 6,
        text_x,
    }
}

/// The layer of each table: 0 for a table that references no other, else one more than the
/// highest layer it references. A cycle of foreign keys is cut where the walk meets it again.
fn layers(graph: &Graph) -> Vec<usize> {
    let n = graph.tables.len();
    let mut parents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for e in &graph.edges {
        if e.from != e.to && !parents[e.from].contains(&e.to) {
            parents[e.from].push(e.to);
        }
    }
    // 0: not seen; 1: on the walk's path; 2: done.
    let mut state = vec![0u8; n];
    let mut layer = vec![0usize; n];
    for start in 0..n {
        if state[start] != 0 {
            continue;
        }
        // An explicit stack: a chain of hundreds of tables must not overflow the thread's.
        let mut stack = vec![(start, 0usize)];
        state[start] = 1;
        while let Some(&mut (node, ref mut next)) = stack.last_mut() {
            if let Some(&parent) = parents[node].get(*next) {
                *next += 1;
                if state[parent] == 0 {
                    state[parent] = 1;
                    stack.push((parent, 0));
                }
            } else {
                layer[node] = parents[node]
                    .iter()
                    .filter(|&&p| state[p] == 2)
                    .map(|&p| layer[p] + 1)
                    .max()
                    .unwrap_or(0);
                state[node] = 2;
                stack.pop();
            }
        }
    }
    layer
}

pub(super) fn layout(graph: &Graph) -> Layout {
    let mut boxes: Vec<Placed> = graph.tables.iter().map(measure).collect();
    let layer = layers(graph);
    let top = layer.iter().copied().max().unwrap_or(0);

    // The height a column may reach: about 10 wide for 16 high over the whole drawing.
    let area: i64 = boxes
        .iter()
        .map(|b| (b.height + V_GAP) * (b.width + 2 * GAP_MARGIN))
        .sum();
    let tallest = boxes.iter().map(|b| b.height).max().unwrap_or(0);
    let cap = (((area as f64) / 1.6).sqrt() as i64)
        .max(tallest + 2 * V_GAP)
        .max(400);

    // Each layer's tables in order, then cut into columns under the cap. A layer after the
    // first is ordered by where the tables it references stand, to keep edges short.
    let mut rank = vec![0f64; graph.tables.len()];
    let mut columns: Vec<Vec<usize>> = Vec::new();
    for l in 0..=top {
        let mut members: Vec<usize> = (0..graph.tables.len()).filter(|&t| layer[t] == l).collect();
        let key = |t: usize| {
            let refs: Vec<f64> = graph
                .edges
                .iter()
                .filter(|e| e.from == t && e.to != t && layer[e.to] < l)
                .map(|e| rank[e.to])
                .collect();
            if refs.is_empty() {
                f64::MAX
            } else {
                refs.iter().sum::<f64>() / refs.len() as f64
            }
        };
        let keys: Vec<f64> = (0..graph.tables.len())
            .map(|t| if layer[t] == l { key(t) } else { 0.0 })
            .collect();
        members.sort_by(|&a, &b| keys[a].total_cmp(&keys[b]).then(a.cmp(&b)));
        let mut column: Vec<usize> = Vec::new();
        let mut height = V_GAP;
        for t in members {
            let h = boxes[t].height + V_GAP;
            if !column.is_empty() && height + h > cap {
                columns.push(std::mem::take(&mut column));
                height = V_GAP;
            }
            rank[t] = columns.len() as f64 * 1e4 + height as f64;
            height += h;
            column.push(t);
        }
        if !column.is_empty() {
            columns.push(column);
        }
    }
    let mut column_of = vec![0usize; graph.tables.len()];
    for (c, members) in columns.iter().enumerate() {
        let mut y = MARGIN + V_GAP;
        for &t in members {
            column_of[t] = c;
            boxes[t].y = y;
            y += boxes[t].height + V_GAP;
        }
    }

    // The row an edge leaves from or arrives at: its first column, else the table's name.
    let top_y: Vec<i64> = boxes.iter().map(|b| b.y).collect();
    let row_y = |t: usize, columns: &[usize]| match columns.first() {
        Some(&c) => top_y[t] + HEADER + ROW * c as i64 + ROW / 2,
        None => top_y[t] + HEADER / 2,
    };
    // Each edge's gap: right of the referenced table's column when it stands left of the
    // referencing one or in the same column, left of it otherwise.
    let gap_of: Vec<usize> = graph
        .edges
        .iter()
        .map(|e| {
            let (from, to) = (column_of[e.from], column_of[e.to]);
            if to > from {
                to - 1
            } else {
                to
            }
        })
        .collect();
    let gaps = columns.len();
    let mut lanes: Vec<Vec<usize>> = vec![Vec::new(); gaps];
    for (e, &g) in gap_of.iter().enumerate() {
        lanes[g].push(e);
    }
    for lane in &mut lanes {
        lane.sort_by_key(|&e| {
            let edge = &graph.edges[e];
            (
                row_y(edge.to, &edge.to_columns),
                row_y(edge.from, &edge.from_columns),
                e,
            )
        });
    }

    // The columns' x, each gap as wide as its lanes need.
    let mut x = MARGIN;
    let mut gap_x = vec![0i64; gaps];
    for (c, members) in columns.iter().enumerate() {
        let width = members.iter().map(|&t| boxes[t].width).max().unwrap_or(0);
        for &t in members {
            boxes[t].x = x;
        }
        x += width;
        gap_x[c] = x;
        x += 2 * GAP_MARGIN + LANE * lanes[c].len().saturating_sub(1) as i64;
    }
    let width = x + MARGIN;
    let height = boxes.iter().map(|b| b.y + b.height).max().unwrap_or(0) + V_GAP + MARGIN;

    let mut paths = vec![Vec::new(); graph.edges.len()];
    for (g, lane) in lanes.iter().enumerate() {
        for (i, &e) in lane.iter().enumerate() {
            let edge = &graph.edges[e];
            let lane_x = gap_x[g] + GAP_MARGIN + LANE * i as i64;
            let (from, to) = (&boxes[edge.from], &boxes[edge.to]);
            let (from_col, to_col) = (column_of[edge.from], column_of[edge.to]);
            let from_y = row_y(edge.from, &edge.from_columns);
            let to_y = row_y(edge.to, &edge.to_columns);
            let start_x = if to_col < from_col {
                from.x
            } else {
                from.x + from.width
            };
            let end_x = if to_col > from_col {
                to.x
            } else {
                to.x + to.width
            };
            paths[e] = vec![
                (start_x, from_y),
                (lane_x, from_y),
                (lane_x, to_y),
                (end_x, to_y),
            ];
        }
    }
    Layout {
        width,
        height,
        boxes,
        paths,
    }
}
