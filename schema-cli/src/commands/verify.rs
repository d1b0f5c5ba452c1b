//! `schema verify`: do the applied migrations still match the files? Exit code 4 when one was
//! modified, is missing from the folder, or failed. What the SQL check found in old migrations
//! (and downs that restore columns in another order) comes first, as notes: they change no
//! exit code.

use super::status::{is_drift, EntryJson};
use super::{Ctx, Exit};
use crate::output::{count, Style};
use crate::Error;
use schema_runtime::{MigrationState, StatusEntry};
use serde::Serialize;

pub(crate) async fn run(ctx: Ctx<'_>) -> Result<Exit, Error> {
    let entries = ctx.migrator.status(ctx.pool).await?;
    let checked = entries
        .iter()
        .filter(|e| !matches!(e.state, MigrationState::Pending | MigrationState::Running))
        .count();
    let problems: Vec<&StatusEntry> = entries.iter().filter(|e| is_drift(e)).collect();
    let notes = ctx.migrator.migrations().check_notes();
    if ctx.out.json {
        ctx.out.json(&VerifyJson {
            ok: problems.is_empty(),
            checked,
            problems: problems.iter().map(|e| EntryJson::from(*e)).collect(),
            notes,
        })?;
    } else {
        for note in notes {
            ctx.out
                .line(&format!("{}: {note}", ctx.out.paint("note", Style::Note)))?;
        }
        // Not a problem, but not checked either: say so rather than only "ok".
        for e in entries
            .iter()
            .filter(|e| e.state == MigrationState::Running)
        {
            ctx.out.line(&format!(
                "{}: {} is being applied by another process now (its row says `running` and that process holds the migration lock); verify again once it has finished",
                ctx.out.paint(e.state.as_str(), Style::Note),
                place(e)
            ))?;
        }
        for e in &problems {
            let (what, fix) = explain(e);
            ctx.out.line(&format!(
                "{}: {} {what}; {fix}",
                ctx.out.paint(e.state.as_str(), Style::Bad),
                place(e)
            ))?;
        }
        if problems.is_empty() {
            ctx.out.line(&format!(
                "{}: {} match their files",
                ctx.out.paint("ok", Style::Good),
                count(checked, "applied migration")
            ))?;
        } else {
            ctx.out.line(&format!(
                "\n{} of {} applied do not match the folder",
                count(problems.len(), "migration"),
                checked
            ))?;
        }
    }
    Ok(if problems.is_empty() {
        Exit::Ok
    } else {
        Exit::Drift
    })
}

/// The migration as a line names it: its file, or its version and description.
fn place(e: &StatusEntry) -> String {
    let migration = if e.repeatable {
        "repeatable migration".to_owned()
    } else {
        format!("migration {}", e.version)
    };
    e.file.as_deref().map_or_else(
        || format!("{migration} (`{}`)", e.description),
        |file| format!("{file}: {migration}"),
    )
}

/// What a drift state means, and what to do about it.
fn explain(e: &StatusEntry) -> (&'static str, String) {
    match e.state {
        MigrationState::Modified => (
            "was applied with another checksum than the file has now",
            "restore the file as it was applied (a change belongs in a new migration)".to_owned(),
        ),
        MigrationState::Missing => (
            "is applied in the database but has no file in the folder",
            "restore the file, or point `--source` at the folder that has it".to_owned(),
        ),
        _ if e.interrupted => (
            "was being applied by a process that stopped before it finished (its row says `running` and no run holds the migration lock)",
            match e.progress {
                Some(progress) => format!(
                    "{progress}: run the rest with `resume`, or check which of its statements took effect, finish or undo the rest by hand, then mark it resolved with `repair {}`",
                    e.version
                ),
                None => format!(
                    "check which of its statements took effect, finish or undo the rest by hand, then mark it resolved with `repair {}`",
                    e.version
                ),
            },
        ),
        _ => (
            "failed part-way and is recorded as failed",
            match e.progress {
                Some(progress) => format!(
                    "{progress}: run the rest with `resume`, or finish or undo its statements by hand, then mark it resolved with `repair {}`",
                    e.version
                ),
                None => format!(
                    "finish or undo its statements by hand, then mark it resolved with `repair {}`",
                    e.version
                ),
            },
        ),
    }
}

#[derive(Serialize)]
struct VerifyJson<'a> {
    ok: bool,
    checked: usize,
    problems: Vec<EntryJson<'a>>,
    /// What the SQL check reported without failing: problems in old migrations.
    notes: &'a [&'static str],
}
