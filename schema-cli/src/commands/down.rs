//! `schema down [N | --to V]`: revert the newest N migrations, or every one after V.

use super::{Ctx, Exit};
use crate::cli::DownArgs;
use crate::Error;
use std::time::Duration;

pub(crate) async fn run(args: &DownArgs, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let migrator = ctx
        .migrator
        .clone()
        .lock_timeout(Duration::from_secs(args.lock_timeout));
    let report = match args.to {
        Some(version) => migrator.revert_to(ctx.pool, version).await?,
        None => migrator.revert_last(ctx.pool, args.count).await?,
    };
    if !ctx.out.json && report.reverted.is_empty() {
        ctx.out.line("nothing to revert")?;
    } else {
        super::up::render_report(&report, &ctx)?;
    }
    if !ctx.out.json && !report.kept_repeatable.is_empty() {
        let names: Vec<String> = report
            .kept_repeatable
            .iter()
            .map(|d| format!("`{d}`"))
            .collect();
        ctx.out.line(&format!(
            "still applied: repeatable {} {} (a repeatable migration has no down: its objects stay, and the next `up` applies it again only if its file changed)",
            if names.len() == 1 { "migration" } else { "migrations" },
            names.join(", ")
        ))?;
    }
    Ok(Exit::Ok)
}
