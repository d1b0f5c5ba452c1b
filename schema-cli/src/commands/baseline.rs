//! `schema baseline <V>`: mark everything up to V as applied without running it.

use super::{Ctx, Exit};
use crate::output::{count, versions};
use crate::Error;
use serde::Serialize;

pub(crate) async fn run(version: i64, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let marked = ctx.migrator.baseline(ctx.pool, version).await?;
    if ctx.out.json {
        ctx.out.json(&BaselineJson {
            baseline: version,
            marked: &marked,
        })?;
    } else if marked.is_empty() {
        ctx.out.line(&format!(
            "nothing to mark: every migration up to {version} is already recorded"
        ))?;
    } else {
        ctx.out.line(&format!(
            "marked {} as applied without running: {}",
            count(marked.len(), "migration"),
            versions(&marked)
        ))?;
    }
    Ok(Exit::Ok)
}

#[derive(Serialize)]
struct BaselineJson<'a> {
    baseline: i64,
    marked: &'a [i64],
}
