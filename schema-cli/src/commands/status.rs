//! `schema status`: every migration with its state, and exit code 3 (pending) or 4 (drift).

use super::{Ctx, Exit};
use crate::output::{count, duration, plain, version, Style};
use crate::Error;
use schema_runtime::{MigrationState, StatusEntry};
use serde::Serialize;

pub(crate) async fn run(ctx: Ctx<'_>) -> Result<Exit, Error> {
    let entries = ctx.migrator.status(ctx.pool).await?;
    // A migration another process is applying now is still to come, not a problem.
    let pending = entries
        .iter()
        .filter(|e| matches!(e.state, MigrationState::Pending | MigrationState::Running))
        .count();
    let drift = entries.iter().filter(|e| is_drift(e)).count();
    if ctx.out.json {
        ctx.out.json(&StatusJson {
            module: Some(ctx.migrator.module_name()),
            pending,
            drift,
            migrations: entries.iter().map(EntryJson::from).collect(),
        })?;
    } else if entries.is_empty() {
        ctx.out
            .line("no migrations in the folder and none applied")?;
    } else {
        let rows: Vec<_> = entries.iter().map(row).collect();
        ctx.out.table(
            &["version", "state", "applied at", "duration", "description"],
            &rows,
        )?;
        let applied = entries.len() - pending - drift;
        let mut summary = format!("\n{} applied, {pending} pending", applied);
        if drift > 0 {
            summary.push_str(&format!(
                ", {}",
                ctx.out.paint(&count(drift, "problem"), Style::Bad)
            ));
            summary.push_str("; `verify` says what to do");
        }
        ctx.out.line(&summary)?;
    }
    Ok(if drift > 0 {
        Exit::Drift
    } else if pending > 0 {
        Exit::Pending
    } else {
        Exit::Ok
    })
}

/// Whether the entry means the database and the files disagree. A repeatable migration whose
/// file is gone is not: nothing runs it again, and no run refuses it.
pub(crate) fn is_drift(e: &StatusEntry) -> bool {
    match e.state {
        MigrationState::Missing => !e.repeatable,
        state => matches!(state, MigrationState::Modified | MigrationState::Failed),
    }
}

fn row(e: &StatusEntry) -> Vec<(String, Style)> {
    let mut description = e.description.clone();
    if e.reversible {
        description.push_str(" (reversible)");
    }
    if let Some(progress) = e.progress {
        description.push_str(&format!(" ({progress})"));
    }
    vec![
        plain(version(e.version, e.repeatable)),
        (e.state.as_str().to_owned(), Style::of_state(e.state)),
        plain(e.applied_at.as_deref().unwrap_or("-")),
        plain(e.duration_ms.map_or_else(|| "-".to_owned(), duration)),
        plain(description),
    ]
}

#[derive(Serialize)]
struct StatusJson<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    module: Option<&'a str>,
    pending: usize,
    drift: usize,
    migrations: Vec<EntryJson<'a>>,
}

/// One migration's state as JSON, shared with `verify`.
#[derive(Serialize)]
pub(crate) struct EntryJson<'a> {
    version: i64,
    /// Only for a repeatable migration, whose version is a key derived from its description.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    repeatable: bool,
    description: &'a str,
    state: &'static str,
    applied_at: Option<&'a str>,
    duration_ms: Option<i64>,
    reversible: bool,
    noop: bool,
    file: Option<&'a str>,
    /// Only for a failed migration whose process stopped while applying it.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    interrupted: bool,
    /// For a failed `-- no-transaction` migration: statements done, of how many, and the one
    /// that may have run without its end being recorded.
    #[serde(skip_serializing_if = "Option::is_none")]
    statements_done: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statements_total: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    statement_in_doubt: Option<usize>,
}

impl<'a> From<&'a StatusEntry> for EntryJson<'a> {
    fn from(e: &'a StatusEntry) -> Self {
        EntryJson {
            version: e.version,
            repeatable: e.repeatable,
            description: &e.description,
            state: e.state.as_str(),
            applied_at: e.applied_at.as_deref(),
            duration_ms: e.duration_ms,
            reversible: e.reversible,
            noop: e.noop,
            file: e.file.as_deref(),
            interrupted: e.interrupted,
            statements_done: e.progress.map(|p| p.done),
            statements_total: e.progress.map(|p| p.total),
            statement_in_doubt: e.progress.and_then(|p| p.in_doubt),
        }
    }
}
