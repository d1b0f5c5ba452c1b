//! `schema up [--to V] [--dry-run]`: apply what is pending, or print the plan.

use super::{Ctx, Exit};
use crate::cli::UpArgs;
use crate::output::{count, duration, plain, version, Style};
use crate::Error;
use schema_runtime::{AppliedMigration, PlannedMigration, Report};
use serde::Serialize;
use std::time::Duration;

pub(crate) async fn run(args: &UpArgs, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let mut migrator = ctx
        .migrator
        .clone()
        .lock_timeout(Duration::from_secs(args.lock_timeout))
        // A command run by hand is no boot: it reads every applied row, so that it agrees with
        // `status` about a tracking row deleted or edited by hand.
        .always_validate();
    if let Some(version) = args.to {
        migrator = migrator.target(version);
    }
    if args.all_or_nothing {
        migrator = migrator.all_or_nothing();
    }
    if args.allow_out_of_order {
        migrator = migrator.allow_out_of_order();
    }
    if args.ignore_missing {
        migrator = migrator.ignore_missing();
    }
    if args.ignore_other_tools {
        migrator = migrator.ignore_other_tools();
    }
    if args.no_adopt {
        migrator = migrator.adopt_other_tools(false);
    }
    if args.dry_run {
        let plan = migrator.dry_run(ctx.pool).await?;
        render_plan(&plan, &ctx)?;
    } else {
        let report = migrator.run(ctx.pool).await?;
        render_report(&report, &ctx)?;
    }
    Ok(Exit::Ok)
}

fn render_plan(plan: &[PlannedMigration], ctx: &Ctx<'_>) -> Result<(), Error> {
    if ctx.out.json {
        return ctx.out.json(&PlanJson {
            dry_run: true,
            plan: plan.iter().map(PlannedJson::from).collect(),
        });
    }
    if plan.is_empty() {
        return ctx.out.line("nothing to apply: the database is up to date");
    }
    ctx.out.line(&format!(
        "-- dry run: {} would be applied, in this order; nothing was changed",
        count(plan.len(), "migration")
    ))?;
    for m in plan {
        let mut header = format!("-- {} {}", version(m.version, m.repeatable), m.file);
        if m.no_transaction {
            header.push_str(" (no transaction)");
        }
        ctx.out.line("")?;
        ctx.out.line(&ctx.out.paint(&header, Style::Note))?;
        ctx.out.line(m.sql.trim_end())?;
    }
    Ok(())
}

pub(crate) fn render_report(report: &Report, ctx: &Ctx<'_>) -> Result<(), Error> {
    if ctx.out.json {
        return ctx.out.json(&ReportJson::from(report));
    }
    let elapsed = duration(report.elapsed.as_millis() as i64);
    if let Some(adopted) = &report.adopted {
        let line = super::import::adopted_line(&adopted.table, adopted.tool, &adopted.versions);
        ctx.out.line(&line.replacen("imported", "adopted", 1))?;
    }
    if report.applied.is_empty() && report.reverted.is_empty() {
        return ctx.out.line(&format!(
            "nothing to apply: {} already applied ({elapsed})",
            count(report.already_applied, "migration")
        ));
    }
    let (done, verb) = if report.reverted.is_empty() {
        (&report.applied, "applied")
    } else {
        (&report.reverted, "reverted")
    };
    let rows: Vec<_> = done
        .iter()
        .map(|m| {
            vec![
                plain(version(m.version, m.repeatable)),
                (verb.to_owned(), Style::Good),
                plain(duration(m.duration.as_millis() as i64)),
                plain(m.description.clone()),
            ]
        })
        .collect();
    ctx.out
        .table(&["version", "event", "duration", "description"], &rows)?;
    ctx.out.line(&format!(
        "\n{verb} {} in {elapsed}",
        count(done.len(), "migration")
    ))
}

#[derive(Serialize)]
struct PlanJson<'a> {
    dry_run: bool,
    plan: Vec<PlannedJson<'a>>,
}

#[derive(Serialize)]
struct PlannedJson<'a> {
    version: i64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    repeatable: bool,
    description: &'a str,
    file: &'a str,
    no_transaction: bool,
    sql: &'a str,
}

impl<'a> From<&'a PlannedMigration> for PlannedJson<'a> {
    fn from(m: &'a PlannedMigration) -> Self {
        PlannedJson {
            version: m.version,
            repeatable: m.repeatable,
            description: &m.description,
            file: &m.file,
            no_transaction: m.no_transaction,
            sql: m.sql,
        }
    }
}

/// A run's or a revert's report as JSON, shared with `down`.
#[derive(Serialize)]
struct ReportJson<'a> {
    module: &'a str,
    applied: Vec<DoneJson<'a>>,
    reverted: Vec<DoneJson<'a>>,
    already_applied: usize,
    adopted: Option<super::import::ImportJson<'a>>,
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    kept_repeatable: &'a [String],
    elapsed_ms: u128,
}

#[derive(Serialize)]
struct DoneJson<'a> {
    version: i64,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    repeatable: bool,
    description: &'a str,
    duration_ms: u128,
}

impl<'a> From<&'a Report> for ReportJson<'a> {
    fn from(r: &'a Report) -> Self {
        let done = |list: &'a [AppliedMigration]| {
            list.iter()
                .map(|m| DoneJson {
                    version: m.version,
                    repeatable: m.repeatable,
                    description: &m.description,
                    duration_ms: m.duration.as_millis(),
                })
                .collect()
        };
        ReportJson {
            module: &r.module,
            applied: done(&r.applied),
            reverted: done(&r.reverted),
            already_applied: r.already_applied,
            adopted: r.adopted.as_ref().map(Into::into),
            kept_repeatable: &r.kept_repeatable,
            elapsed_ms: r.elapsed.as_millis(),
        }
    }
}
