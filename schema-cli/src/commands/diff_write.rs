//! `schema diff --write <name>`: a reversible migration that removes the drift, in one of two
//! directions chosen explicitly.
//!
//! - `--from-live`: the change made by hand becomes part of the chain. The pair (its up turns
//!   the expected schema into the live one) is appended to the migrations folder, named as
//!   `schema new` names files there, checked with the folder as the build checks it, and
//!   recorded as applied (`baseline`) in this database, which has its effect already. A fresh
//!   database gets the change from the file.
//! - `--to-expected`: the drift is undone on this database only. A file appended to the chain
//!   would also run on fresh databases, which already have the expected schema, and fail there;
//!   so the fix goes in a folder of its own (`--fix-dir`, `<source>-fix` by default), applied
//!   once as a module of its own: `1_live_schema.sql` (the drifted schema, marked applied with
//!   `baseline`, never run; it lets the build check judge the fix against the schema it is
//!   written for) and the pair `2_<name>`, whose up turns the live schema into the expected one.

use super::{new, Ctx, Exit};
use crate::cli::DiffArgs;
use crate::Error;
use schema_core::{CheckOptions, Dialect};
use schema_runtime::introspect::{Direction, FixMigration};
use schema_runtime::{DbPool, MigrationState, Migrations};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub(crate) async fn run(args: &DiffArgs, name: &str, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let refuse = |reason: String| Error::Write { reason };
    let direction = match (args.to_expected, args.from_live) {
        (true, false) => Direction::ToExpected,
        (false, true) => Direction::FromLive,
        _ => {
            return Err(refuse(
                "say which way it goes: `--to-expected` (undo the drift on this database) or `--from-live` (record the change made by hand as a new migration of the chain)".to_owned(),
            ))
        }
    };
    let source = ctx.source.ok_or_else(|| {
        refuse("the mounted commands have no migrations folder to write to; run `schema diff --write` in the source tree, with `--source`".to_owned())
    })?;
    // Pending, failed or edited migrations would be part of the drift, and `baseline` would
    // mark the pending ones applied.
    let unsettled: Vec<String> = ctx
        .migrator
        .status(ctx.pool)
        .await?
        .into_iter()
        .filter(|e| !e.repeatable)
        .filter(|e| !matches!(e.state, MigrationState::Applied | MigrationState::Baseline))
        .map(|e| format!("{} ({})", e.version, e.state))
        .collect();
    if !unsettled.is_empty() {
        return Err(refuse(format!(
            "the database is not at the end of its migrations: {}; run `schema status` and settle them (`up`, `repair`) first",
            unsettled.join(", ")
        )));
    }
    let dialect = match ctx.pool {
        DbPool::Postgres(_) => Dialect::Postgres,
        _ => Dialect::Sqlite,
    };
    if let Some(url) = &args.dev_url {
        crate::secret::remember(url);
    }
    let compared = ctx
        .migrator
        .compare_schemas(ctx.pool, args.dev_url.as_deref())
        .await?;
    if compared.drift.is_empty() {
        ctx.out
            .line("nothing to write: the database's schema is the one its migrations make")?;
        return Ok(Exit::Ok);
    }
    let fix = compared.migration(direction);
    let written = match direction {
        Direction::FromLive => from_live(source, name, &fix, dialect, &ctx).await?,
        Direction::ToExpected => {
            let dir = args
                .fix_dir
                .clone()
                .unwrap_or_else(|| default_fix_dir(source));
            // The fix is the module's, so it keeps to its prefix; `--old` is not for it: it
            // names versions of the source folder, and the fix folder has versions of its own.
            let mut check = CheckOptions::new(dialect);
            if let Some(prefix) = ctx.migrator.migrations().prefix() {
                check = check.with_prefix(prefix);
            }
            to_expected(&dir, name, &fix, &compared.live_sql(), &check)?
        }
    };
    report(&written, &ctx)?;
    Ok(Exit::Ok)
}

/// What was written, for the report.
#[derive(Serialize)]
struct Written {
    direction: Direction,
    files: Vec<String>,
    /// `from-live`: the version recorded as applied in this database.
    recorded: Option<i64>,
    /// `to-expected`: the commands that apply the fix to this database.
    apply: Vec<String>,
    loses_data: bool,
}

fn header(file: &str, sql: &str) -> String {
    // A directive must stay on the first lines.
    let (directive, rest) = match sql.strip_prefix("-- no-transaction\n") {
        Some(rest) => ("-- no-transaction\n", rest),
        None => ("", sql),
    };
    format!("{directive}-- {file}: written by `schema diff --write`.\n{rest}")
}

async fn from_live(
    source: &Path,
    name: &str,
    fix: &FixMigration,
    dialect: Dialect,
    ctx: &Ctx<'_>,
) -> Result<Written, Error> {
    let (version, files) = new::new_files(source, name, true, false)?;
    let mut written: Vec<PathBuf> = Vec::new();
    for (path, file) in &files {
        let sql = if file.ends_with("down.sql") {
            &fix.down.sql
        } else {
            &fix.up.sql
        };
        let done = new::write_new(path, &header(file, sql));
        written.push(path.clone());
        if let Err(e) = done {
            new::remove_written(&written);
            return Err(e);
        }
    }
    // Checked as the folder was when it was read: `--old`, `--prefix`.
    let dir = source.to_string_lossy().into_owned();
    let checked = Migrations::load_checked(Path::new("."), &dir, &ctx.check_options(dialect));
    let set = match checked {
        Ok(set) => set,
        Err(errors) => {
            new::remove_written(&written);
            return Err(Error::Folder { dir, errors });
        }
    };
    let set = match ctx.migrator.migrations().prefix() {
        Some(prefix) => set.with_prefix(prefix),
        None => set,
    };
    set.migrator()
        .module(ctx.migrator.module_name())
        .table_names(ctx.migrator.tracking_tables().clone())
        .baseline(ctx.pool, version)
        .await?;
    Ok(Written {
        direction: Direction::FromLive,
        files: written.iter().map(|p| p.display().to_string()).collect(),
        recorded: Some(version),
        apply: Vec::new(),
        loses_data: fix.up.loses_data || fix.down.loses_data,
    })
}

fn default_fix_dir(source: &Path) -> PathBuf {
    let name = source
        .file_name()
        .map_or("migrations".into(), |n| n.to_string_lossy());
    source.with_file_name(format!("{name}-fix"))
}

fn to_expected(
    dir: &Path,
    name: &str,
    fix: &FixMigration,
    live_sql: &str,
    check: &CheckOptions,
) -> Result<Written, Error> {
    let create = |e| Error::Create {
        path: dir.to_owned(),
        source: e,
    };
    let occupied = dir.exists() && std::fs::read_dir(dir).map_err(create)?.next().is_some();
    if occupied {
        return Err(Error::Write {
            reason: format!(
                "`{}` is not empty: each fix goes in a folder of its own; name another with `--fix-dir`",
                dir.display()
            ),
        });
    }
    std::fs::create_dir_all(dir).map_err(create)?;
    let live_file = "1_live_schema.sql";
    let live_path = dir.join(live_file);
    new::write_new(
        &live_path,
        &format!(
            "-- {live_file}: the schema this fix is written for, as the database had it. Marked applied\n-- with `baseline 1`, never run: it lets the build check judge the fix.\n{live_sql}"
        ),
    )?;
    let mut written = vec![live_path];
    // Version 2, named as `new` names it after the live schema's file.
    let files = match new::new_files(dir, name, true, true) {
        Ok((_, files)) => files,
        Err(e) => {
            new::remove_written(&written);
            return Err(e);
        }
    };
    for (path, file) in &files {
        let sql = if file.ends_with("down.sql") {
            &fix.down.sql
        } else {
            &fix.up.sql
        };
        let done = new::write_new(path, &header(file, sql));
        written.push(path.clone());
        if let Err(e) = done {
            new::remove_written(&written);
            return Err(e);
        }
    }
    let shown = dir.to_string_lossy().into_owned();
    if let Err(errors) = Migrations::load_checked(Path::new("."), &shown, check) {
        new::remove_written(&written);
        return Err(Error::Folder { dir: shown, errors });
    }
    let module = format!("fix_{}", name.replace([' ', '-'], "_"));
    Ok(Written {
        direction: Direction::ToExpected,
        files: written.iter().map(|p| p.display().to_string()).collect(),
        recorded: None,
        apply: vec![
            format!("schema --source {shown} --module {module} baseline 1"),
            format!("schema --source {shown} --module {module} up"),
        ],
        loses_data: fix.up.loses_data || fix.down.loses_data,
    })
}

fn report(written: &Written, ctx: &Ctx<'_>) -> Result<(), Error> {
    if ctx.out.json {
        return ctx.out.json(written);
    }
    for file in &written.files {
        ctx.out.line(&format!("wrote {file}"))?;
    }
    if written.loses_data {
        ctx.out.line(
            "note: a statement discards values; each is marked `-- DATA LOSS:` in the files",
        )?;
    }
    match written.recorded {
        Some(version) => ctx.out.line(&format!(
            "recorded {version} as applied in this database, which has its change already; other databases get it from the file"
        )),
        None => {
            ctx.out.line("the fix is for this database only; apply it once with:")?;
            for command in &written.apply {
                ctx.out.line(&format!("  {command}"))?;
            }
            Ok(())
        }
    }
}
