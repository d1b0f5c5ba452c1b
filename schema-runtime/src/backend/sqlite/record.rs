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

const SYNTAX: Syntax = Syntax {
    literal,
    now: NOW,
    time_text,
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
