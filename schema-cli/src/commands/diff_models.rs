//! `schema diff --models <DIR>`: does the database have the schema the models describe? The
//! models' tables are made on a database of their own (SQLite: in memory; PostgreSQL: a
//! scratch database on the `--dev-url` server) and read back, then compared with the live
//! schema; the differences are listed model by model. Exit code 4 when there is any.

use super::{Ctx, Exit};
use crate::cli::DiffArgs;
use crate::output::{count, Style};
use crate::Error;
use schema_core::Dialect;
use schema_runtime::introspect::{Change, Difference};
use schema_runtime::models::{Models, ModelsDrift};
use schema_runtime::DbPool;
use std::path::Path;

pub(crate) async fn run(args: &DiffArgs, dir: &Path, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let dialect = match ctx.pool {
        DbPool::Postgres(_) => Dialect::Postgres,
        _ => Dialect::Sqlite,
    };
    let models = Models::load(dir, dialect).map_err(|e| Error::models(dir, e))?;
    let dev_url = super::dev_url(dialect, args.dev_url.as_deref(), Error::NoModelsDevUrl)?;
    let drift = ctx
        .migrator
        .diff_models(ctx.pool, &models, dev_url)
        .await
        .map_err(|e| Error::models(dir, e))?;
    if ctx.out.json {
        ctx.out.json(&Json {
            ok: drift.is_empty(),
            drift: &drift,
        })?;
    } else {
        render(&drift, dir, &ctx)?;
    }
    Ok(if drift.is_empty() {
        Exit::Ok
    } else {
        Exit::Drift
    })
}

fn render(drift: &ModelsDrift, dir: &Path, ctx: &Ctx<'_>) -> Result<(), Error> {
    if drift.is_empty() {
        return ctx.out.line(&format!(
            "{}: the database's schema is the one the models of `{}` describe",
            ctx.out.paint("ok", Style::Good),
            dir.display()
        ));
    }
    for model in &drift.models {
        let title = model.model.as_deref().unwrap_or("objects no model makes");
        ctx.out.line(&format!("{title}:"))?;
        for d in &model.differences {
            let style = match d.change {
                Change::Missing | Change::Extra => Style::Bad,
                Change::Changed => Style::Warn,
            };
            ctx.out.line(&format!(
                "  {}{}",
                ctx.out.paint(d.change.as_str(), style),
                line(d)
            ))?;
        }
    }
    ctx.out.line(&format!(
        "\n{} between the database and the models; `schema new <NAME> --from-models {}` writes the migration",
        count(drift.drift.differences.len(), "difference"),
        dir.display()
    ))
}

/// A difference after its change's word, the models standing where the migrations stand in
/// `schema diff`.
fn line(d: &Difference) -> String {
    let shown = |v: &Option<String>| v.as_deref().map_or("none".to_owned(), |v| format!("`{v}`"));
    let what = format!(" {} `{}`", d.kind.as_str(), d.name);
    match d.change {
        Change::Missing => format!(
            "{what}: the models make it, the database lacks it{}",
            d.expected
                .as_ref()
                .map_or(String::new(), |e| format!(" ({e})"))
        ),
        Change::Extra => format!(
            "{what}: the database has it, the models do not make it{}",
            d.live.as_ref().map_or(String::new(), |l| format!(" ({l})"))
        ),
        Change::Changed => format!(
            "{what}: {} is {} in the database, {} in the models",
            d.attribute.as_deref().unwrap_or("definition"),
            shown(&d.live),
            shown(&d.expected)
        ),
    }
}

#[derive(serde::Serialize)]
struct Json<'a> {
    ok: bool,
    #[serde(flatten)]
    drift: &'a ModelsDrift,
}
