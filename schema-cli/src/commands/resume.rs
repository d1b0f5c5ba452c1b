//! `schema resume [--allow-edited] [--statement-ran | --statement-did-not-run]`: finish a
//! failed `-- no-transaction` migration from the first statement that did not complete.

use super::up::render_report;
use super::{Ctx, Exit};
use crate::cli::ResumeArgs;
use crate::Error;
use schema_runtime::{InDoubt, ResolveOptions};
use std::time::Duration;

pub(crate) async fn run(args: &ResumeArgs, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let mut options = ResolveOptions::default();
    if args.allow_edited {
        options = options.allow_edited();
    }
    if args.statement_ran {
        options = options.statement_in_doubt(InDoubt::Ran);
    } else if args.statement_did_not_run {
        options = options.statement_in_doubt(InDoubt::DidNotRun);
    }
    let migrator = ctx
        .migrator
        .clone()
        .lock_timeout(Duration::from_secs(args.lock_timeout));
    let report = migrator.resume_with(ctx.pool, options).await?;
    render_report(&report, &ctx)?;
    Ok(Exit::Ok)
}
