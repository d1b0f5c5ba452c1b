//! A file's text sent to SQLite in pieces of whole statements, so that applying it costs time
//! in proportion to its size.
//!
//! sqlx runs a text of several statements by preparing one statement at a time from the rest
//! of the text, and SQLite's `sqlite3_prepare_v3` copies that rest each time (it duplicates a
//! text that is not NUL-terminated before parsing it), while sqlx keeps every statement it
//! prepared until the call ends. One call for a whole file thus costs the square of its length
//! in copying (a 4 MB seed file took 13 times as long as a 1 MB one, and 50 MB did not finish)
//! and memory in proportion to its statements. A file longer than [`PIECE_BYTES`] is sent in
//! pieces of whole statements, at most that long or [`PIECE_STATEMENTS`] statements each (a
//! longer statement is a piece of its own), one call each, in the same transaction: the copying
//! is bounded by a piece per statement. A smaller file stays one call.

use crate::backend::run_counted;
use sqlx::sqlite::{Sqlite, SqliteConnection};

/// The longest file that goes in one call, and the most text a piece holds.
pub(super) const PIECE_BYTES: usize = 64 * 1024;

/// The most statements a piece holds: each statement of a piece copies the rest of it once.
pub(super) const PIECE_STATEMENTS: usize = 256;

/// `sql` in pieces of whole statements, in order, that together are the whole text; `[sql]`
/// when it is at most [`PIECE_BYTES`] long. A piece starts where a statement starts (the first
/// at the start of the text), so that the comments and blanks before a statement go with it.
pub(super) fn pieces(sql: &str) -> Vec<&str> {
    if sql.len() <= PIECE_BYTES {
        return vec![sql];
    }
    let mut pieces = Vec::new();
    let (mut start, mut count) = (0, 0);
    for stmt in schema_core::split_statements(sql) {
        let end = stmt.offset + stmt.text.len();
        if count > 0 && (end - start > PIECE_BYTES || count == PIECE_STATEMENTS) {
            pieces.push(&sql[start..stmt.offset]);
            (start, count) = (stmt.offset, 0);
        }
        count += 1;
    }
    pieces.push(&sql[start..]);
    pieces
}

/// Runs `head`, the file's `sql`, then `tail`, counting the statements SQLite reports complete
/// as [`run_counted`] does: in one call when the file is one piece, otherwise a call per piece,
/// `head` sent with the first and `tail` with the last. The calls run on one connection, in
/// whatever transaction `head` or the caller opened. Stops at the first error.
pub(super) async fn run_pieces(
    conn: &mut SqliteConnection,
    head: &str,
    sql: &str,
    tail: &str,
    completed: &mut usize,
) -> Result<(), sqlx::Error> {
    let pieces = pieces(sql);
    let last = pieces.len().saturating_sub(1);
    for (index, piece) in pieces.into_iter().enumerate() {
        let head = if index == 0 { head } else { "" };
        let tail = if index == last { tail } else { "" };
        let text = format!("{head}{piece}{tail}");
        run_counted::<Sqlite>(&mut *conn, &text, completed).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::{pieces, PIECE_BYTES, PIECE_STATEMENTS};
    use schema_core::split_statements;

    /// Checks that `pieces` covers `sql` in order, each piece starting at a statement (or the
    /// text's start), and that splitting the pieces gives the statements of the whole text.
    fn check_pieces(sql: &str) -> Vec<&str> {
        let pieces = pieces(sql);
        assert_eq!(pieces.concat(), sql);
        let whole: Vec<&str> = split_statements(sql).iter().map(|s| s.text).collect();
        let pieced: Vec<&str> = pieces
            .iter()
            .flat_map(|p| split_statements(p).into_iter().map(|s| s.text))
            .collect();
        assert_eq!(pieced, whole);
        pieces
    }

    #[test]
    fn a_small_file_is_one_piece() {
        let sql = "CREATE TABLE t (x INT);\nINSERT INTO t VALUES (1)";
        assert_eq!(check_pieces(sql), [sql]);
        let sized = |len: usize| format!("SELECT 1;\nSELECT '{}';", "x".repeat(len - 20));
        assert_eq!(sized(PIECE_BYTES).len(), PIECE_BYTES);
        assert_eq!(check_pieces(&sized(PIECE_BYTES)).len(), 1);
        assert_eq!(check_pieces(&sized(PIECE_BYTES + 1)).len(), 2);
    }

    #[test]
    fn a_large_file_is_cut_between_statements_within_the_bounds() {
        // Statements of every shape the splitter keeps whole, with comments between them.
        let mut sql = String::from("-- seed\n");
        for n in 0..3000 {
            sql.push_str(&format!(
                "/* row {n} */ INSERT INTO t VALUES ({n}, 'a;b', \"c;d\"); -- ; here\n\
                 CREATE TRIGGER tr{n} AFTER INSERT ON t BEGIN SELECT 1; SELECT 2; END;\n"
            ));
        }
        let pieces = check_pieces(&sql);
        assert!(pieces.len() > 1);
        assert!(pieces[0].starts_with("-- seed\n/* row 0 */"));
        for piece in &pieces {
            assert!(piece.len() <= PIECE_BYTES, "{}", piece.len());
            assert!(split_statements(piece).len() <= PIECE_STATEMENTS);
        }
    }

    #[test]
    fn bounds_statements_per_piece_and_keeps_a_long_statement_whole() {
        let short = "SELECT 1;".repeat(PIECE_BYTES / 9 + 1);
        let pieces = check_pieces(&short);
        assert!(pieces
            .iter()
            .all(|p| split_statements(p).len() == PIECE_STATEMENTS || p == pieces.last().unwrap()));
        let long = format!(
            "SELECT 1;\nSELECT '{}';\nSELECT 2",
            "x".repeat(2 * PIECE_BYTES)
        );
        let pieces = check_pieces(&long);
        assert_eq!(pieces.len(), 3);
        assert!(pieces[1].len() > PIECE_BYTES);
        assert_eq!(pieces[2], "SELECT 2");
    }
}
