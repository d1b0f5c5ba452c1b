//! How SQLite spells the engine's records ([`Syntax`]), and the transaction that writes them.

use super::{SqliteBackend, NOW};
use crate::tracking::records::{Rendered, Syntax, Target, Write};
use crate::MigrateError;
use sqlx::{Connection, Executor};

/// A string literal. A string with a NUL, which would end the SQL text early, is written as
/// a blob cast to text.
pub(super) fn literal(value: &str) -> String {
    if value.contains('\0') {
        let hex: String = value.bytes().map(|b| format!("{b:02x}")).collect();
        return format!("CAST(X'{hex}' AS TEXT)");
    }
    format!("'{}'", value.replace('\'', "''"))
}

/// Times are stored as the text they read as.
fn time_text(column: &str) -> String {
    column.to_owned()
}

/// Another tool's time: text SQLite's date functions read (`2024-05-04 09:02:41`, ISO 8601
/// with `Z` or an offset), or a number of seconds since 1970.
fn time_of_other_tool(column: &str) -> String {
    format!(
        "CASE WHEN typeof({column}) IN ('integer', 'real') \
         THEN strftime('%Y-%m-%dT%H:%M:%fZ', {column}, 'unixepoch') \
         ELSE strftime('%Y-%m-%dT%H:%M:%fZ', {column}) END"
    )
}

/// A name in backquotes: a double-quoted name that names no column would read as a string.
fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

const SYNTAX: Syntax = Syntax {
    literal,
    now: NOW,
    time_text,
    time_literal: literal,
    quote,
    time_of_other_tool,
};

impl SqliteBackend<'_> {
    /// Where this run's records go.
    pub(super) fn target(&self) -> Target<'_> {
        self.ctx.target([&self.m, &self.h, &self.modules], SYNTAX)
    }

    /// `writes` as SQL text.
    pub(super) fn render(&self, writes: &[Write]) -> Rendered {
        self.target().render(writes)
    }

    /// Writes `writes` in one `BEGIN IMMEDIATE` transaction (tables left to the first write
    /// are created in it).
    pub(super) async fn write_records(&mut self, writes: &[Write]) -> Result<(), MigrateError> {
        let create = if self.tables_deferred {
            self.create_tables_sql()
        } else {
            String::new()
        };
        let text = format!("{create}\n{}", self.render(writes).text);
        let mut conn = self.take_conn().await?;
        let result = async {
            let mut tx = conn.begin_with("BEGIN IMMEDIATE").await?;
            (&mut *tx).execute(sqlx::raw_sql(&text)).await?;
            tx.commit().await
        }
        .await;
        self.conn = Some(conn);
        result.map_err(MigrateError::db("recording in the tracking tables"))?;
        self.tables_deferred = false;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn literals_survive_quotes_and_nul() {
        assert_eq!(literal(r"it's \ fine"), r"'it''s \ fine'");
        assert_eq!(literal("a\0b"), "CAST(X'610062' AS TEXT)");
    }
}
