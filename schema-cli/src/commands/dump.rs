//! `schema dump`: the database's schema, normalized as `diff` compares it, printed as the SQL
//! that makes it (`--json`: the model); `--expected` prints the schema the migrations make.

use super::{Ctx, Exit};
use crate::cli::{DumpArgs, SchemaArgs};
use crate::Error;
use schema_core::Dialect;
use schema_runtime::introspect::Schema;
use schema_runtime::{DbPool, MigrateError};

pub(crate) async fn run(args: &DumpArgs, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let schema = read(&args.schema, &ctx).await?;
    if ctx.out.json {
        ctx.out.json(&schema)?;
    } else {
        let sql = schema.to_sql(dialect(ctx.pool));
        ctx.out.line(sql.trim_end_matches('\n'))?;
    }
    Ok(Exit::Ok)
}

/// The schema `args` asks for, as the migrator's module sees it: without the tracking tables
/// and, under a table prefix, only the module's own objects.
pub(super) async fn read(args: &SchemaArgs, ctx: &Ctx<'_>) -> Result<Schema, Error> {
    if !args.expected {
        return Ok(ctx.migrator.live_schema(ctx.pool).await?);
    }
    let dev_url = match (dialect(ctx.pool), &args.dev_url) {
        (Dialect::Postgres, None) => return Err(MigrateError::NoDevDatabase.into()),
        (Dialect::Postgres, Some(url)) => {
            crate::secret::remember(url);
            Some(url.as_str())
        }
        // SQLite applies the migrations in memory; a dev URL from the environment is not for
        // it.
        _ => None,
    };
    let expected = ctx.migrator.expected_schema(dev_url).await?;
    Ok(match ctx.migrator.migrations().prefix() {
        Some(prefix) => expected.only_prefixed(prefix),
        None => expected,
    })
}

/// The kind of database `pool` is.
pub(super) fn dialect(pool: DbPool<'_>) -> Dialect {
    match pool {
        DbPool::Postgres(_) => Dialect::Postgres,
        _ => Dialect::Sqlite,
    }
}
