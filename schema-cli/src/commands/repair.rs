//! `schema repair <V>`: mark a failed migration applied after it was put right by hand.

use super::{Ctx, Exit};
use crate::Error;
use serde::Serialize;

pub(crate) async fn run(version: i64, ctx: Ctx<'_>) -> Result<Exit, Error> {
    ctx.migrator.repair(ctx.pool, version).await?;
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
