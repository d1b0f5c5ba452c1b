//! `schema import <TOOL>`, `import-sqlx`, `import-versions <TABLE>` and `import-files <TABLE>`:
//! adopt a database that another tool (or a person) migrated.

use super::{Ctx, Exit};
use crate::cli::{ImportArgs, MigrateCommand};
use crate::output::{count, versions as list};
use crate::Error;
use schema_runtime::{Adopted, Import, OtherTool};
use serde::Serialize;

pub(crate) async fn sqlx(args: &ImportArgs, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let imported = migrator(args, &ctx).import_sqlx(ctx.pool).await?;
    if ctx.out.json {
        ctx.out.json(&ImportJson {
            from: "_sqlx_migrations",
            tool: OtherTool::Sqlx.name(),
            imported: &imported,
            baseline: &[],
            skipped: &[],
        })?;
        return Ok(Exit::Ok);
    }
    render_lines(
        "_sqlx_migrations",
        OtherTool::Sqlx,
        &imported,
        &[],
        &[],
        &ctx,
    )
}

/// `import <TOOL>`, `import-versions` and `import-files`.
pub(crate) async fn run(command: &MigrateCommand, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let (import, args) = match command {
        MigrateCommand::Import {
            tool,
            table,
            import,
        } => {
            let mut read = Import::tool(*tool);
            if let Some(table) = table {
                read = read.table(table);
            }
            (read, import)
        }
        MigrateCommand::ImportVersions {
            table,
            version_column,
            status_column,
            applied_values,
            applied_at_column,
            import,
        } => {
            let mut read = Import::versions_table(table).version_column(version_column);
            if let Some(column) = status_column {
                read = read.status_column(column);
            }
            if !applied_values.is_empty() {
                read = read.applied_values(applied_values);
            }
            if let Some(column) = applied_at_column {
                read = read.applied_at_column(column);
            }
            (read, import)
        }
        MigrateCommand::ImportFiles {
            table,
            file_column,
            applied_at_column,
            no_applied_at,
            import,
        } => {
            let read = Import::files_table(table).file_column(file_column);
            let read = if *no_applied_at {
                read.without_applied_at()
            } else {
                read.applied_at_column(applied_at_column)
            };
            (read, import)
        }
        _ => unreachable!("only the imports are routed here"),
    };
    let adopted = migrator(args, &ctx).import(ctx.pool, import).await?;
    render(&adopted, &ctx)
}

fn migrator<'a>(args: &ImportArgs, ctx: &Ctx<'a>) -> schema_runtime::Migrator<'a> {
    let migrator = ctx.migrator.clone();
    if args.ignore_missing {
        migrator.ignore_missing()
    } else {
        migrator
    }
}

/// What an import recorded, as `up` shows an adoption too.
pub(crate) fn render(adopted: &Adopted, ctx: &Ctx<'_>) -> Result<Exit, Error> {
    if ctx.out.json {
        ctx.out.json(&ImportJson::from(adopted))?;
        return Ok(Exit::Ok);
    }
    render_lines(
        &adopted.table,
        adopted.tool,
        &adopted.versions,
        &adopted.baseline,
        &adopted.skipped,
        ctx,
    )
}

fn render_lines(
    from: &str,
    tool: OtherTool,
    imported: &[i64],
    baseline: &[i64],
    skipped: &[String],
    ctx: &Ctx<'_>,
) -> Result<Exit, Error> {
    if imported.is_empty() && baseline.is_empty() {
        ctx.out.line(&format!(
            "nothing to import from `{from}`: every version is already recorded"
        ))?;
    } else {
        ctx.out.line(&adopted_line(from, tool, imported))?;
    }
    if !baseline.is_empty() {
        ctx.out.line(&format!(
            "marked {} as baseline ({tool}'s baseline covers them): {}",
            count(baseline.len(), "migration"),
            list(baseline)
        ))?;
    }
    for row in skipped {
        ctx.out.line(&format!("skipped {row}"))?;
    }
    Ok(Exit::Ok)
}

/// `imported 3 migrations from `goose_db_version` (goose): 1, 2, 3`, without its end.
pub(crate) fn adopted_line(from: &str, tool: OtherTool, versions: &[i64]) -> String {
    let source = match tool {
        OtherTool::VersionsTable | OtherTool::FilesTable => String::new(),
        tool => format!(" ({tool})"),
    };
    // A history of a thousand migrations is not a thousand numbers on one line.
    let shown = if versions.len() > 12 {
        let last = &versions[versions.len() - 3..];
        format!("{} ... {}", list(&versions[..3]), list(last))
    } else {
        list(versions)
    };
    format!(
        "imported {} from `{from}`{source}: {shown}",
        count(versions.len(), "migration"),
    )
}

#[derive(Serialize)]
pub(crate) struct ImportJson<'a> {
    from: &'a str,
    tool: &'static str,
    imported: &'a [i64],
    baseline: &'a [i64],
    skipped: &'a [String],
}

impl<'a> From<&'a Adopted> for ImportJson<'a> {
    fn from(a: &'a Adopted) -> Self {
        ImportJson {
            from: &a.table,
            tool: a.tool.name(),
            imported: &a.versions,
            baseline: &a.baseline,
            skipped: &a.skipped,
        }
    }
}
