//! `schema diagram`: the database's tables, columns, keys and foreign keys drawn as Mermaid,
//! Graphviz DOT or a self-contained HTML page, on stdout.

use super::{dump, Ctx, Exit};
use crate::cli::DiagramArgs;
use crate::diagram;
use crate::Error;

pub(crate) async fn run(args: &DiagramArgs, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let schema = dump::read(&args.schema, &ctx).await?;
    let module = ctx.migrator.module_name();
    let mut title = if args.schema.expected {
        "The schema the migrations make".to_owned()
    } else {
        "The database's schema".to_owned()
    };
    if let Some(prefix) = ctx.migrator.migrations().prefix() {
        title.push_str(&format!(" (module `{module}`, objects `{prefix}*`)"));
    }
    let drawing = diagram::render(&schema, args.format, &title);
    ctx.out.line(drawing.trim_end_matches('\n'))?;
    Ok(Exit::Ok)
}
