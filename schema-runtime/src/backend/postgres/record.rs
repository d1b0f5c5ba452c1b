//! How PostgreSQL spells the engine's records ([`Syntax`]), and the transactions that write
//! them.

use super::xact::begin_locked;
use super::PgBackend;
use crate::tracking::records::{Rendered, Syntax, Target, Write};
use crate::tracking::state::ModuleState;
use crate::MigrateError;
use sqlx::postgres::PgConnection;
use sqlx::Executor;

/// A string literal that means the same whatever `standard_conforming_strings` is.
pub(super) fn literal(value: &str) -> String {
    format!("E'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

/// A `timestamptz` column as UTC text, to the millisecond, as SQLite stores it.
fn time_text(column: &str) -> String {
    format!(r#"to_char({column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')"#)
}

/// A time given as UTC text.
fn time_literal(text: &str) -> String {
    format!("CAST({} AS TIMESTAMPTZ)", literal(text))
}

/// Another tool's time: a `timestamptz`, a `timestamp` (read in the session's time zone, as
/// PostgreSQL casts it), or text PostgreSQL reads as a time.
fn time_of_other_tool(column: &str) -> String {
    time_text(&format!("CAST({column} AS TIMESTAMPTZ)"))
}

const SYNTAX: Syntax = Syntax {
    literal,
    now: "now()",
    time_text,
    time_literal,
    quote: super::quote_ident,
    time_of_other_tool,
};

impl PgBackend<'_> {
    /// Where this run's records go.
    pub(super) fn target(&self) -> Target<'_> {
        self.ctx.target([&self.m, &self.h, &self.modules], SYNTAX)
    }

    /// `writes` as SQL text.
    pub(super) fn render(&self, writes: &[Write]) -> Rendered {
        self.target().render(writes)
    }

    /// Runs `writes` inside the caller's transaction `tx`. In transaction lock mode the engine
    /// computed the module state without the lock: it is computed again from the rows, under
    /// the transaction's lock, after the other writes.
    pub(super) async fn run_records(
        &self,
        tx: &mut PgConnection,
        writes: &[Write],
    ) -> Result<(), MigrateError> {
        let recount = Self::transaction_mode(&self.settings)
            && writes
                .iter()
                .any(|w| matches!(w, Write::Module(ModuleState::Clean { .. })));
        let failed = MigrateError::db("recording in the tracking tables");
        if !recount {
            let text = self.render(writes).text;
            tx.execute(sqlx::raw_sql(&text)).await.map_err(failed)?;
            return Ok(());
        }
        let rest: Vec<Write> = writes
            .iter()
            .filter(|w| !matches!(w, Write::Module(_)))
            .cloned()
            .collect();
        if !rest.is_empty() {
            let text = self.render(&rest).text;
            (&mut *tx)
                .execute(sqlx::raw_sql(&text))
                .await
                .map_err(failed)?;
        }
        let state = self.module_state_from_rows(tx).await?;
        let text = self.render(&[Write::Module(state)]).text;
        tx.execute(sqlx::raw_sql(&text))
            .await
            .map_err(MigrateError::db("recording the module's state"))?;
        Ok(())
    }

    /// Writes `writes` in one transaction that holds the migration lock.
    pub(super) async fn write_records(&mut self, writes: &[Write]) -> Result<(), MigrateError> {
        let mut conn = self.take_conn().await?;
        let result = async {
            let mut tx = begin_locked!(self, conn);
            self.run_records(&mut tx, writes).await?;
            tx.commit()
                .await
                .map_err(MigrateError::db("recording in the tracking tables"))
        }
        .await;
        self.put_conn(conn);
        result
    }
}

impl PgBackend<'_> {
    /// [`Backend::write_adoption`](crate::backend::Backend::write_adoption): checked and
    /// written in one transaction that holds the lock, so that of boots adopting at once in
    /// transaction lock mode exactly one records the history.
    pub(super) async fn write_adoption_records(
        &mut self,
        writes: &[Write],
        first: i64,
    ) -> Result<bool, MigrateError> {
        let mut conn = self.take_conn().await?;
        let result = async {
            let mut tx = begin_locked!(self, conn);
            if self.status_of(&mut tx, first).await?.is_some() {
                tx.rollback()
                    .await
                    .map_err(MigrateError::db("leaving an adoption another process made"))?;
                return Ok(false);
            }
            self.run_records(&mut tx, writes).await?;
            tx.commit()
                .await
                .map_err(MigrateError::db("recording in the tracking tables"))?;
            Ok(true)
        }
        .await;
        self.put_conn(conn);
        result
    }
}

#[cfg(test)]
mod tests {
    use super::literal;

    #[test]
    fn literals_survive_quotes_and_backslashes() {
        assert_eq!(literal(r"it's \ fine"), r"E'it''s \\ fine'");
    }
}
