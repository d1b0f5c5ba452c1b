//! `schema advise`: index advice on the schema the migrations make (or a live database's) and
//! on the application's queries, printed, and with `--write NAME` written as a migration that
//! the build check accepts.

use super::new::{create, Shape};
use super::Exit;
use crate::cli::{AdviseArgs, Cli};
use crate::output::{count, Output, Style};
use crate::{db, sources, Error};
use schema_core::Dialect;
use schema_runtime::advice::{self, Advice, Finding, Query};
use schema_runtime::{DbPool, MigrateError, Migrations, TableNames};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub(crate) async fn run(args: &AdviseArgs, cli: &Cli, out: &Output) -> Result<Exit, Error> {
    let mut queries: Vec<Query> = Vec::new();
    for dir in &args.queries {
        queries.extend(sources::queries_in_folder(dir)?);
    }
    for dir in &args.sources {
        queries.extend(sources::queries_in_sources(dir)?);
    }
    let dialect = dialect(cli, args);
    let advice = match &cli.database_url {
        Some(url) => {
            let encryption = db::Encryption::from_args(&cli.cipher)?;
            let database = db::connect_read_only(url, &encryption).await?;
            let advice = live(cli, database.pool(), &queries).await;
            database.close().await;
            advice?
        }
        None => {
            let migrations = load(cli, dialect)?;
            let migrator = cli.migrator(&migrations);
            let dev_url = super::dev_url(dialect, args.dev_url.as_deref(), Error::NoDevUrl)?;
            migrator.advise(dev_url, &queries).await?
        }
    };
    let written = match &args.write {
        Some(name) if !advice.changes.is_empty() => write(cli, dialect, name, &advice)?,
        _ => Vec::new(),
    };
    if out.json {
        out.json(&AdviseJson {
            ok: advice.is_empty(),
            advice: &advice,
            written: written.iter().map(|p| p.display().to_string()).collect(),
        })?;
    } else {
        render(&advice, &written, args.write.is_some(), out)?;
    }
    Ok(Exit::Ok)
}

/// The advice on a live database: on the whole of it, or, for a module (`--module`, or a
/// table prefix with `--prefix`), on the module's objects only, as `diff` compares them: those
/// with its prefix (the one given, else the one the database records for the module), and
/// never those of the other modules' recorded prefixes.
async fn live(cli: &Cli, pool: DbPool<'_>, queries: &[Query]) -> Result<Advice, MigrateError> {
    if cli.prefix.is_none() && cli.module == schema_runtime::__private::DEFAULT_MODULE {
        let tables = TableNames::with_prefix(&cli.table_prefix);
        return advice::advise_without(pool, &tables, queries).await;
    }
    let set = match &cli.prefix {
        Some(prefix) => schema_runtime::__private::EMPTY.with_prefix(prefix),
        None => schema_runtime::__private::EMPTY,
    };
    cli.migrator(&set).advise_live(pool, queries).await
}

/// The database the advice is for: the URL's, else `--dialect`, else PostgreSQL when a dev
/// URL is given, else SQLite.
fn dialect(cli: &Cli, args: &AdviseArgs) -> Dialect {
    match (&cli.database_url, cli.dialect.as_deref(), &args.dev_url) {
        (Some(url), _, _) if url.starts_with("postgres") => Dialect::Postgres,
        (Some(_), _, _) => Dialect::Sqlite,
        (None, Some(name), _) => Dialect::from_name(name).unwrap_or_default(),
        (None, None, Some(_)) => Dialect::Postgres,
        (None, None, None) => Dialect::Sqlite,
    }
}

/// The folder, read and checked as the build does.
fn load(cli: &Cli, dialect: Dialect) -> Result<Migrations, Error> {
    let dir = cli.source.to_string_lossy();
    let loaded = if cli.no_check {
        Migrations::load(Path::new("."), &dir)
    } else {
        let options = cli.check_options(dialect);
        Migrations::load_checked(Path::new("."), &dir, &options)
    };
    loaded.map_err(|errors| Error::Folder {
        dir: dir.into_owned(),
        errors,
    })
}

/// Writes the changes as a reversible migration, then checks the folder as the build does; a
/// migration that would fail the build is removed again.
fn write(cli: &Cli, dialect: Dialect, name: &str, advice: &Advice) -> Result<Vec<PathBuf>, Error> {
    let sql = advice.changes.migration(dialect);
    let shape = Shape {
        reversible: true,
        sequential: false,
    };
    let created = create(&cli.source, name, shape, |file, _| {
        if file.ends_with("down.sql") {
            sql.down.clone()
        } else {
            sql.up.clone()
        }
    })?;
    if let Err(e) = load(cli, dialect) {
        for path in &created.paths {
            let _ = std::fs::remove_file(path);
        }
        return Err(e);
    }
    Ok(created.paths)
}

fn render(
    advice: &Advice,
    written: &[PathBuf],
    asked_to_write: bool,
    out: &Output,
) -> Result<(), Error> {
    for finding in &advice.findings {
        render_finding(finding, out)?;
    }
    let planned = count(advice.queries, "query");
    let planned = planned.replace("querys", "queries");
    if advice.is_empty() {
        out.line(&format!(
            "{}: no index advice on the schema and {planned}",
            out.paint("ok", Style::Good)
        ))?;
    } else {
        out.line(&format!(
            "{} on the schema and {planned}",
            count(advice.findings.len(), "finding")
        ))?;
    }
    if !written.is_empty() {
        for path in written {
            out.line(&format!("wrote {}", path.display()))?;
        }
    } else if asked_to_write {
        out.line("nothing to write: no index to create or drop")?;
    } else if !advice.changes.is_empty() {
        out.line(
            "`schema advise --write <NAME>` writes the indexes to create and drop as a migration",
        )?;
    }
    Ok(())
}

fn render_finding(finding: &Finding, out: &Output) -> Result<(), Error> {
    let style = match finding.kind {
        advice::FindingKind::QueryFailed => Style::Bad,
        _ => Style::Warn,
    };
    let place = match (&finding.query, &finding.table) {
        (Some(q), _) => format!("{}:{}", q.file, q.line),
        (None, Some(table)) => table.clone(),
        (None, None) => String::new(),
    };
    out.line(&format!(
        "{}: {place}: {}",
        out.paint(finding.kind.as_str(), style),
        finding.message
    ))?;
    if let Some(q) = &finding.query {
        out.line(&format!("  query: {}", one_line(&q.sql)))?;
    }
    for line in &finding.plan {
        out.line(&format!("  plan:  {line}"))?;
    }
    if let Some(index) = &finding.create {
        out.line(&format!(
            "  fix:   create index `{}` on {}",
            index.name,
            index.target()
        ))?;
    }
    if let Some(index) = &finding.drop {
        out.line(&format!("  fix:   drop index `{index}`"))?;
    }
    Ok(())
}

/// A query on one line, cut after 120 characters.
fn one_line(sql: &str) -> String {
    let text = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    if text.chars().count() > 120 {
        let cut: String = text.chars().take(117).collect();
        format!("{cut}...")
    } else {
        text
    }
}

#[derive(Serialize)]
struct AdviseJson<'a> {
    ok: bool,
    #[serde(flatten)]
    advice: &'a Advice,
    written: Vec<String>,
}
