//! `schema import-sqlx` and `schema import-versions <table>`: adopt a database that another
//! tool migrated.

use super::{Ctx, Exit};
use crate::cli::ImportArgs;
use crate::output::{count, versions as list};
use crate::Error;
use serde::Serialize;

pub(crate) async fn sqlx(args: &ImportArgs, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let imported = migrator(args, &ctx).import_sqlx(ctx.pool).await?;
    render("_sqlx_migrations", &imported, &ctx)
}

pub(crate) async fn versions(table: &str, args: &ImportArgs, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let imported = migrator(args, &ctx)
        .import_versions_table(ctx.pool, table)
        .await?;
    render(table, &imported, &ctx)
}

fn migrator<'a>(args: &ImportArgs, ctx: &Ctx<'a>) -> schema_runtime::Migrator<'a> {
    let migrator = ctx.migrator.clone();
    if args.ignore_missing {
        migrator.ignore_missing()
    } else {
        migrator
    }
}

fn render(from: &str, imported: &[i64], ctx: &Ctx<'_>) -> Result<Exit, Error> {
    if ctx.out.json {
        ctx.out.json(&ImportJson { from, imported })?;
    } else if imported.is_empty() {
        ctx.out.line(&format!(
            "nothing to import from `{from}`: every version is already recorded"
        ))?;
    } else {
        ctx.out.line(&format!(
            "imported {} from `{from}`: {}",
            count(imported.len(), "migration"),
            list(imported)
        ))?;
    }
    Ok(Exit::Ok)
}

#[derive(Serialize)]
struct ImportJson<'a> {
    from: &'a str,
    imported: &'a [i64],
}
