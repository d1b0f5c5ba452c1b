//! `schema new <name> --from-models <DIR>`: the reversible pair that takes the schema the
//! migrations make to the one the models describe, written after the folder's newest (named
//! as `schema new` names files there) and checked as the build checks it; `--dry-run` prints
//! it instead; models that agree with the migrations write nothing.

use super::new::{create, Shape};
use super::Exit;
use crate::cli::{Cli, NewArgs};
use crate::output::Output;
use crate::Error;
use schema_core::Dialect;
use schema_runtime::introspect::FixMigration;
use schema_runtime::models::{Models, ModelsMigration};
use schema_runtime::Migrations;
use serde::Serialize;
use std::path::{Path, PathBuf};

pub(crate) async fn run(args: &NewArgs, cli: &Cli, out: &Output) -> Result<Exit, Error> {
    let Some(dir) = &args.from_models else {
        return Ok(Exit::Ok);
    };
    let dialect = dialect(cli, args);
    let models = Models::load(dir, dialect).map_err(|e| Error::models(dir, e))?;
    let migrations = load(cli, dialect)?;
    let migrator = cli.migrator(&migrations);
    let dev_url = super::dev_url(dialect, args.dev_url.as_deref(), Error::NoModelsDevUrl)?;
    let change = migrator
        .migration_to_models(&models, dev_url)
        .await
        .map_err(|e| Error::models(dir, e))?;
    let report = |files: Vec<String>, written: bool| Report {
        written,
        files,
        change: &change,
    };
    if change.is_empty() {
        if out.json {
            return out.json(&report(Vec::new(), false)).map(|()| Exit::Ok);
        }
        out.line(&format!(
            "nothing to write: the migrations make the schema the models of `{}` describe",
            dir.display()
        ))?;
        return Ok(Exit::Ok);
    }
    if args.dry_run {
        if out.json {
            return out.json(&report(Vec::new(), false)).map(|()| Exit::Ok);
        }
        out.line("-- up:")?;
        out.line(change.migration.up.sql.trim_end())?;
        out.line("\n-- down:")?;
        out.line(change.migration.down.sql.trim_end())?;
        out.line("\n(dry run: nothing was written)")?;
        return Ok(Exit::Ok);
    }
    let paths = write(cli, args, dialect, &change.migration)?;
    let files: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    if out.json {
        return out.json(&report(files, true)).map(|()| Exit::Ok);
    }
    for file in &files {
        out.line(&format!("wrote {file}"))?;
    }
    for renamed in &change.renamed {
        out.line(&format!("renames {renamed} (`x-renamed-from`)"))?;
    }
    if change.migration.up.loses_data || change.migration.down.loses_data {
        out.line("note: a statement discards values; each is marked `-- DATA LOSS:` in the files")?;
    }
    Ok(Exit::Ok)
}

/// What was (or would be) written, under `--json`.
#[derive(Serialize)]
struct Report<'a> {
    written: bool,
    files: Vec<String>,
    #[serde(flatten)]
    change: &'a ModelsMigration,
}

/// The database the models are for: `--dialect`, else the database URL's, else PostgreSQL
/// when a dev URL is given, else SQLite.
fn dialect(cli: &Cli, args: &NewArgs) -> Dialect {
    match (cli.dialect.as_deref(), &cli.database_url, &args.dev_url) {
        (Some(name), _, _) => Dialect::from_name(name).unwrap_or_default(),
        (None, Some(url), _) if url.starts_with("postgres") => Dialect::Postgres,
        (None, Some(_), _) => Dialect::Sqlite,
        (None, None, Some(_)) => Dialect::Postgres,
        (None, None, None) => Dialect::Sqlite,
    }
}

/// The migrations folder, read and checked as the build does; a folder not made yet is empty.
fn load(cli: &Cli, dialect: Dialect) -> Result<Migrations, Error> {
    if !cli.source.exists() {
        return Ok(schema_runtime::__private::EMPTY);
    }
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

/// Writes the pair, then checks the folder as the build does; a pair that would fail the
/// build is removed again.
fn write(
    cli: &Cli,
    args: &NewArgs,
    dialect: Dialect,
    migration: &FixMigration,
) -> Result<Vec<PathBuf>, Error> {
    let shape = Shape {
        reversible: true,
        sequential: args.sequential,
    };
    let created = create(&cli.source, &args.name, shape, |file, _| {
        let short = file.rsplit('/').next().unwrap_or(file);
        if file.ends_with("down.sql") {
            header(short, &migration.down.sql)
        } else {
            header(short, &migration.up.sql)
        }
    })?;
    if let Err(e) = load(cli, dialect) {
        super::new::remove_written(&created.paths);
        return Err(e);
    }
    Ok(created.paths)
}

fn header(file: &str, sql: &str) -> String {
    // A directive must stay on the first lines.
    let (directive, rest) = match sql.strip_prefix("-- no-transaction\n") {
        Some(rest) => ("-- no-transaction\n", rest),
        None => ("", sql),
    };
    format!("{directive}-- {file}: written by `schema new --from-models`.\n{rest}\n")
}
