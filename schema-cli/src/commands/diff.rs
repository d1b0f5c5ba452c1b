//! `schema diff`: does the database have the schema its migrations make? The migrations are
//! applied to a database of their own (SQLite: in memory; PostgreSQL: a scratch database on the
//! `--dev-url` server, dropped afterwards), both schemas are read and compared. Each
//! difference is a line, `--json` gives them as data; exit code 4 when there is any.

use super::{Ctx, Exit};
use crate::cli::DiffArgs;
use crate::output::{count, Style};
use crate::Error;
use schema_runtime::introspect::{Change, Drift};

pub(crate) async fn run(args: &DiffArgs, ctx: Ctx<'_>) -> Result<Exit, Error> {
    if let Some(dir) = &args.models {
        return super::diff_models::run(args, dir, ctx).await;
    }
    if let Some(name) = &args.write {
        return super::diff_write::run(args, name, ctx).await;
    }
    let drift = match &args.dev_url {
        Some(url) => {
            crate::secret::remember(url);
            ctx.migrator.verify_schema_with_dev(ctx.pool, url).await?
        }
        None => ctx.migrator.verify_schema(ctx.pool).await?,
    };
    if ctx.out.json {
        ctx.out.json(&DiffJson {
            ok: drift.is_empty(),
            drift: &drift,
        })?;
    } else {
        render(&drift, &ctx)?;
    }
    Ok(if drift.is_empty() {
        Exit::Ok
    } else {
        Exit::Drift
    })
}

fn render(drift: &Drift, ctx: &Ctx<'_>) -> Result<(), Error> {
    let scope = match &drift.prefix {
        Some(prefix) => format!(" (module `{}`, objects `{prefix}*`)", drift.module),
        None => String::new(),
    };
    if drift.is_empty() {
        return ctx.out.line(&format!(
            "{}: the database's schema is the one its migrations make{scope}",
            ctx.out.paint("ok", Style::Good)
        ));
    }
    for d in &drift.differences {
        let style = match d.change {
            Change::Missing | Change::Extra => Style::Bad,
            Change::Changed => Style::Warn,
        };
        // The change's word painted, the rest as the runtime words it.
        let text = d.to_string();
        let rest = text.strip_prefix(d.change.as_str()).unwrap_or(&text);
        ctx.out.line(&format!(
            "{}{rest}",
            ctx.out.paint(d.change.as_str(), style)
        ))?;
    }
    ctx.out.line(&format!(
        "\n{} between the database and its migrations{scope}; a change made by hand belongs in a new migration",
        count(drift.differences.len(), "difference")
    ))
}

#[derive(serde::Serialize)]
struct DiffJson<'a> {
    ok: bool,
    #[serde(flatten)]
    drift: &'a Drift,
}
