//! `schema repair <V> [--allow-edited]`: mark a failed migration applied after it was put
//! right by hand.

use super::{Ctx, Exit};
use crate::Error;
use schema_runtime::ResolveOptions;
use serde::Serialize;

pub(crate) async fn run(version: i64, allow_edited: bool, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let mut options = ResolveOptions::default();
    if allow_edited {
        options = options.allow_edited();
    }
    ctx.migrator.repair_with(ctx.pool, version, options).await?;
    if ctx.out.json {
        ctx.out.json(&RepairJson { repaired: version })?;
    } else {
        ctx.out.line(&format!(
            "migration {version} is now recorded as applied; `up` applies the rest"
        ))?;
    }
    Ok(Exit::Ok)
}

#[derive(Serialize)]
struct RepairJson {
    repaired: i64,
}
