//! `schema lint`: what the lint rules find in the folder's migrations, as
//! `file:line:col: level rule: message` with the safe alternative, or `--json`; exit code 5 on
//! an error-level finding.

use super::Exit;
use crate::cli::{Cli, LintArgs};
use crate::db::{self, IfMissing};
use crate::output::{count, Output, Style};
use crate::Error;
use schema_core::{Dialect, Finding, Level, LintOptions, LintScope, OldMigrations};
use schema_runtime::{MigrationState, Migrations};
use serde::Serialize;
use std::path::{Path, PathBuf};

pub(crate) async fn run(cli: &Cli, args: &LintArgs, out: &Output) -> Result<Exit, Error> {
    if let Some(rule) =
        schema_core::unknown_lint_rules(args.allow.iter().map(String::as_str)).first()
    {
        return Err(Error::UnknownLintRule {
            rule: (*rule).to_owned(),
        });
    }
    let dir = cli.source.to_string_lossy().into_owned();
    let folder = |errors| Error::Folder {
        dir: dir.clone(),
        errors,
    };
    let set = schema_core::resolve_dir(Path::new("."), &dir).map_err(folder)?;
    let url = cli.database_url.as_deref();
    let dialect = match cli.dialect.as_deref() {
        Some(name) => Dialect::from_name(name).unwrap_or_default(),
        None if url.is_some_and(|u| u.starts_with("postgres")) => Dialect::Postgres,
        None => Dialect::Sqlite,
    };
    let (scope, chosen) = if let Some(since) = &args.since {
        let files = changed_since(since, &cli.source)?;
        (LintScope::Files(files), Chosen::Since(since.clone()))
    } else if let (Some(url), false) = (url, args.all) {
        match newest_applied(cli, &dir, url).await? {
            Some(version) => (LintScope::After(version), Chosen::After(version)),
            None => (LintScope::All, Chosen::All),
        }
    } else if let Some(OldMigrations::UpTo(version)) = cli.old {
        (LintScope::After(version), Chosen::After(version))
    } else {
        (LintScope::All, Chosen::All)
    };
    let options = LintOptions::new(dialect)
        .with_allow(args.allow.clone())
        .with_scope(scope);
    let findings = schema_core::lint(&set, &options);
    let tally = |level| findings.iter().filter(|f| f.level == level).count();
    let (errors, warnings, notes) = (
        tally(Level::Error),
        tally(Level::Warning),
        tally(Level::Note),
    );
    if out.json {
        out.json(&LintJson {
            dialect: dialect.name(),
            scope: chosen.name(),
            after_version: match chosen {
                Chosen::After(version) => Some(version),
                _ => None,
            },
            since: match &chosen {
                Chosen::Since(since) => Some(since),
                _ => None,
            },
            errors,
            warnings,
            notes,
            findings: findings.iter().map(FindingJson::from).collect(),
        })?;
    } else {
        for finding in &findings {
            out.line(&render(finding, out))?;
        }
        let what = match &chosen {
            Chosen::All => "every migration".to_owned(),
            Chosen::After(version) => format!("the migrations after version {version}"),
            Chosen::Since(since) => format!("the files changed since `{since}`"),
        };
        out.line(&format!(
            "{}, {}, {} in {what}",
            count(errors, "error"),
            count(warnings, "warning"),
            count(notes, "note")
        ))?;
    }
    Ok(if errors > 0 {
        Exit::LintError
    } else {
        Exit::Ok
    })
}

/// Which migrations were linted, for the summary.
enum Chosen {
    All,
    After(i64),
    Since(String),
}

impl Chosen {
    fn name(&self) -> &'static str {
        match self {
            Chosen::All => "all",
            Chosen::After(_) => "after",
            Chosen::Since(_) => "since",
        }
    }
}

/// A finding as text: its line, the source line with a caret, and the safe alternative.
fn render(f: &Finding, out: &Output) -> String {
    let style = match f.level {
        Level::Error => Style::Bad,
        Level::Warning => Style::Warn,
        Level::Note => Style::Note,
    };
    format!(
        "{}: {} {}: {}\n{}\n  help: {}\n",
        f.at,
        out.paint(f.level.name(), style),
        f.rule,
        f.message,
        f.snippet,
        f.alternative
    )
}

/// The newest version the database has applied (or baselined) in the module, if any; a
/// missing SQLite file is an empty database.
async fn newest_applied(cli: &Cli, dir: &str, url: &str) -> Result<Option<i64>, Error> {
    let migrations = Migrations::load(Path::new("."), dir).map_err(|errors| Error::Folder {
        dir: dir.to_owned(),
        errors,
    })?;
    let encryption = db::Encryption::from_args(&cli.cipher)?;
    let database = db::connect(url, IfMissing::Empty, &encryption).await?;
    let status = cli.migrator(&migrations).status(database.pool()).await;
    database.close().await;
    Ok(status?
        .iter()
        .filter(|e| !e.repeatable)
        .filter(|e| {
            matches!(
                e.state,
                MigrationState::Applied
                    | MigrationState::Baseline
                    | MigrationState::Modified
                    | MigrationState::Missing
            )
        })
        .map(|e| e.version)
        .max())
}

/// The files under `source` that git says were added or changed since `since`, committed or
/// not, and the new files it does not track yet.
fn changed_since(since: &str, source: &Path) -> Result<Vec<PathBuf>, Error> {
    let source = source.to_string_lossy();
    let diff = [
        "diff",
        "--name-only",
        "-z",
        "--diff-filter=ACMR",
        "--relative",
        since,
        "--",
        &source,
    ];
    let untracked = [
        "ls-files",
        "--others",
        "--exclude-standard",
        "-z",
        "--",
        &source,
    ];
    let mut files = Vec::new();
    for command in [&diff[..], &untracked[..]] {
        let failed = |reason: String| Error::Git {
            since: since.to_owned(),
            command: command.join(" "),
            reason,
        };
        let output = std::process::Command::new("git")
            .args(command)
            .output()
            .map_err(|e| failed(e.to_string()))?;
        if !output.status.success() {
            let said = String::from_utf8_lossy(&output.stderr);
            return Err(failed(said.trim().to_owned()));
        }
        for name in output.stdout.split(|b| *b == 0).filter(|n| !n.is_empty()) {
            let path = PathBuf::from(String::from_utf8_lossy(name).into_owned());
            files.push(path.canonicalize().unwrap_or(path));
        }
    }
    Ok(files)
}

#[derive(Serialize)]
struct LintJson<'a> {
    dialect: &'static str,
    /// `all`, `after` (the migrations after `after_version`) or `since` (the files changed
    /// since the git ref `since`).
    scope: &'static str,
    after_version: Option<i64>,
    since: Option<&'a String>,
    errors: usize,
    warnings: usize,
    notes: usize,
    findings: Vec<FindingJson<'a>>,
}

#[derive(Serialize)]
struct FindingJson<'a> {
    rule: &'static str,
    level: &'static str,
    file: &'a str,
    line: Option<usize>,
    column: Option<usize>,
    version: i64,
    message: &'a str,
    alternative: &'static str,
}

impl<'a> From<&'a Finding> for FindingJson<'a> {
    fn from(f: &'a Finding) -> Self {
        FindingJson {
            rule: f.rule,
            level: f.level.name(),
            file: &f.at.file,
            line: f.at.line,
            column: f.at.column,
            version: f.version,
            message: &f.message,
            alternative: f.alternative,
        }
    }
}
