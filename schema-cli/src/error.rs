//! What can stop a command, and how it is printed: `error: ...` on stderr, then each cause,
//! then the command line's hint.

use crate::secret::scrub;
use schema_runtime::MigrateError;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;

/// A command that could not be done. Every message says what to do next.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The migrations folder has problems; each is printed on a line of its own.
    #[error("migrations folder `{dir}` has {} problem{}; nothing was done", errors.len(), if errors.len() == 1 { "" } else { "s" })]
    Folder {
        /// The folder as given.
        dir: String,
        /// Every problem, each naming its file.
        errors: Vec<schema_core::Error>,
    },
    /// A command that needs a database without one.
    #[error("no database given; pass `--database-url <URL>` or set `DATABASE_URL`")]
    NoDatabaseUrl,
    /// A URL of a database this tool does not support.
    #[error(
        "unsupported database URL `{url}`; use `sqlite:<path>` or `postgres://user@host/database`"
    )]
    UnsupportedUrl {
        /// The URL, without its password.
        url: String,
    },
    /// A URL that sqlx cannot parse.
    #[error("invalid database URL `{url}`")]
    InvalidUrl {
        /// The URL, without its password.
        url: String,
        /// What sqlx said.
        #[source]
        source: sqlx::Error,
    },
    /// An SQLite file that does not exist, for a command that does not create it.
    #[error("database file `{}` does not exist; check the URL, or create it with `schema up`", path.display())]
    NoDatabaseFile {
        /// The file.
        path: PathBuf,
    },
    /// An SQLite URL that names no file.
    #[error("the database URL `{url}` names no file; use `sqlite:<path>`, like `sqlite:app.db`, or `sqlite::memory:`")]
    NoSqliteFile {
        /// The URL as given.
        url: String,
    },
    /// An SQLite file in a folder that does not exist.
    #[error("the folder `{}` of the database file `{}` does not exist; create the folder first (`schema up` creates the file, not its folder), or check the URL", dir.display(), path.display())]
    NoDatabaseDir {
        /// The folder.
        dir: PathBuf,
        /// The file.
        path: PathBuf,
    },
    /// A file that SQLite cannot read as a database.
    #[error("`{}` is not an SQLite database SQLite can read (another kind of file, or an encrypted one); check the URL", path.display())]
    NotADatabase {
        /// The file.
        path: PathBuf,
        /// What SQLite said.
        #[source]
        source: sqlx::Error,
    },
    /// `modules activate|deactivate|remove` without the application's registered modules.
    #[error("`modules {action}` works on the modules an application registers; run it through the commands the application mounts over them (`schema_cli::run_modules`)")]
    NoRegisteredModules {
        /// `activate`, `deactivate` or `remove`.
        action: &'static str,
    },
    /// The database cannot be reached.
    #[error("cannot connect to `{url}`")]
    Connect {
        /// The URL, without its password.
        url: String,
        /// What sqlx said.
        #[source]
        source: sqlx::Error,
    },
    /// The runtime refused or failed.
    #[error(transparent)]
    Migrate(#[from] MigrateError),
    /// A name for `new` that would not make a migration file name.
    #[error("`{name}` cannot name a migration: {reason}; use letters, digits, `_` and `-`, like `create_users`")]
    InvalidName {
        /// The name given.
        name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The next version for `new` would not fit an i64.
    #[error("the folder's highest version is {highest}, so there is no next version")]
    NoNextVersion {
        /// The highest version in the folder.
        highest: i64,
    },
    /// In a diesel folder, which runs in name order, the new version would not sort last.
    #[error("the new migration's version `{text}` sorts before the folder's `{greatest}`, and a diesel folder runs its migrations in the order of their names, so it would run too early; name the existing folders with zero-padded versions (as `{padded}`), or leave out `--sequential` to name the new one by the time")]
    SortsBeforeExisting {
        /// The new version as it would be written.
        text: String,
        /// The greatest version text in the folder.
        greatest: String,
        /// The greatest version, padded to the new version's width.
        padded: String,
    },
    /// A file or folder that cannot be created.
    #[error("cannot create `{}`", path.display())]
    Create {
        /// The path.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// `diff --write` refused: why, and what to do.
    #[error("cannot write a fix migration: {reason}")]
    Write {
        /// What is wrong and how to go on.
        reason: String,
    },
    /// `lint --allow` names no lint rule.
    #[error("`--allow {rule}` names no lint rule; `schema lint` shows each finding's rule, and docs/lints.md lists them all")]
    UnknownLintRule {
        /// The name given.
        rule: String,
    },
    /// `lint --since` could not ask git what changed.
    #[error("cannot list the files changed since `{since}` with `git {command}`: {reason}; run `schema lint` inside the repository, with a commit, branch or tag git knows")]
    Git {
        /// The ref given.
        since: String,
        /// The git command, without `git`.
        command: String,
        /// What git said, or why it could not run.
        reason: String,
    },
    /// The models have problems; each is printed on a line of its own.
    #[error("models folder `{dir}` has {} problem{}; nothing was written", problems.len(), if problems.len() == 1 { "" } else { "s" })]
    Models {
        /// The folder as given.
        dir: String,
        /// Every problem, each naming its file and JSON pointer.
        problems: Vec<schema_runtime::models::Problem>,
    },
    /// A file or folder that cannot be read.
    #[error("cannot read `{}`", path.display())]
    Read {
        /// The path.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// `advise` on PostgreSQL migrations without a server to apply them to.
    #[error("advice on PostgreSQL migrations needs a server to apply them to; pass `--dev-url <URL>` (a database on a server where a scratch database can be created), or `--database-url <URL>` to advise on a live database")]
    NoDevUrl,
    /// `new --from-models` or `diff --models` on PostgreSQL without a server for scratch
    /// databases.
    #[error("the models are compared on PostgreSQL as a scratch database makes them; pass `--dev-url <URL>` (a database on a server where a scratch database can be created and dropped)")]
    NoModelsDevUrl,
    /// An SQLCipher key given to a `schema` built without SQLCipher.
    #[error("a key for an encrypted SQLite database is given (`SCHEMA_SQLITE_KEY`, `SCHEMA_SQLITE_PASSPHRASE` or `--key-prompt`), but this `schema` was built without SQLCipher; build it with `--features sqlcipher`")]
    NoSqlcipher,
    /// Both a raw key and a passphrase are given.
    #[error("both `{first}` and `{second}` are set; set only one")]
    TwoKeys {
        /// The raw key's variable.
        first: &'static str,
        /// The passphrase's variable.
        second: &'static str,
    },
    /// The passphrase could not be read from the terminal.
    #[error("cannot read the passphrase from the terminal; set it in `SCHEMA_SQLITE_PASSPHRASE` instead")]
    Prompt {
        /// What the terminal said.
        #[source]
        source: std::io::Error,
    },
    /// `rekey` without a new key and without a terminal to ask on.
    #[error("no new key given; set `SCHEMA_SQLITE_NEW_PASSPHRASE` (or `SCHEMA_SQLITE_NEW_KEY`, raw hex), or run `schema rekey` on a terminal to be asked")]
    NoNewKey,
    /// `rekey` without the current key.
    #[error("no key given for the encrypted database; set `SCHEMA_SQLITE_PASSPHRASE` (or `SCHEMA_SQLITE_KEY`, raw hex), or pass `--key-prompt` to be asked")]
    NoKey,
    /// `rekey` on a database that is not an SQLite file.
    #[error("`rekey` changes the key of an encrypted SQLite file; `{url}` is not one")]
    RekeyNotSqlite {
        /// The URL, without its password.
        url: String,
    },
    /// The two new passphrases typed differ.
    #[error("the two new passphrases differ; nothing was changed")]
    PassphrasesDiffer,
    /// The encrypted database cannot be opened as asked, or a key is refused.
    #[cfg(feature = "sqlcipher")]
    #[error(transparent)]
    Encryption(#[from] schema_runtime::sqlcipher::EncryptionError),
    /// The async runtime cannot start.
    #[error("cannot start the async runtime")]
    Runtime(#[source] std::io::Error),
    /// The results cannot be written to stdout (other than a closed pipe, which is not an
    /// error).
    #[error("cannot write to stdout")]
    Stdout(#[source] std::io::Error),
}

/// Prints `error` on stderr as `error: ...`, each folder problem on a line of its own, then
/// each cause as `  caused by: ...`, then the command line's hint (a flag or command that
/// resolves it) as `hint: ...`. `program` is what the commands are run as (see
/// [`crate::hint::hint`]).
pub(crate) fn print(error: &Error, program: &str) {
    let stderr = std::io::stderr();
    let colour = stderr.is_terminal() && crate::output::colour_allowed();
    let mut w = stderr.lock();
    let label = if colour {
        "\x1b[1;31merror\x1b[0m"
    } else {
        "error"
    };
    // A failure to write to stderr leaves nowhere to report it.
    if let Error::Folder { errors, .. } = error {
        for e in errors {
            let _ = writeln!(w, "{label}: {}", scrub(&e.to_string()));
        }
    }
    if let Error::Models { problems, .. } = error {
        for p in problems {
            let _ = writeln!(w, "{label}: {p}");
        }
    }
    // Every text goes through `scrub`: a driver's message may quote the URL it was given.
    let _ = writeln!(w, "{label}: {}", scrub(&error.to_string()));
    for cause in causes(error) {
        let _ = writeln!(w, "  caused by: {cause}");
    }
    let before = applied_before(error);
    if !before.is_empty() {
        let versions: Vec<String> = before.iter().map(i64::to_string).collect();
        let _ = writeln!(
            w,
            "  applied before the failure, and kept: {}",
            versions.join(", ")
        );
    }
    if let Some(hint) = crate::hint::hint(error, program) {
        let _ = writeln!(w, "hint: {hint}");
    }
}

/// The versions a failed run applied (or reverted) before its failure, which stand.
fn applied_before(error: &Error) -> Vec<i64> {
    match error {
        Error::Migrate(e) => e.applied_before().iter().map(|m| m.version).collect(),
        _ => Vec::new(),
    }
}

/// The text of every source of `error`, outermost first, scrubbed of passwords. No message of
/// ours repeats its source, so each is shown as it is, down to sqlx's database error: its
/// message is already the one of the driver's error under it, which is left out.
fn causes(error: &Error) -> Vec<String> {
    let mut causes = Vec::new();
    let mut cause = std::error::Error::source(error);
    while let Some(e) = cause {
        causes.push(scrub(&e.to_string()));
        if matches!(
            e.downcast_ref::<sqlx::Error>(),
            Some(sqlx::Error::Database(_))
        ) {
            break;
        }
        cause = e.source();
    }
    causes
}

/// Under `--json`: the error as one JSON document on stdout too, so that a script reading
/// stdout gets a document on failure as well: `{"error": ..., "causes": [...], "problems":
/// [...], "hint": ..., "applied_before": [...]}` (`problems`: each problem of a folder that does
/// not load; `hint`: the command line's flag or command that resolves it, or `null`;
/// `applied_before`: the versions a failed run applied before its failure).
pub(crate) fn print_json(error: &Error, program: &str) {
    let problems: Vec<String> = match error {
        Error::Folder { errors, .. } => errors.iter().map(|e| scrub(&e.to_string())).collect(),
        Error::Models { problems, .. } => problems.iter().map(ToString::to_string).collect(),
        _ => Vec::new(),
    };
    let document = serde_json::json!({
        "error": scrub(&error.to_string()),
        "causes": causes(error),
        "problems": problems,
        "hint": crate::hint::hint(error, program),
        "applied_before": applied_before(error),
        "exit_code": 1,
    });
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_default();
    text.push('\n');
    // A failure to write to stdout leaves nowhere to report it; stderr has the error already.
    let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
}

impl Error {
    /// A failure of the models of `dir`: their problems, or the databases' error.
    pub(crate) fn models(
        dir: &std::path::Path,
        error: schema_runtime::models::ModelsError,
    ) -> Error {
        match error {
            schema_runtime::models::ModelsError::Invalid { problems } => Error::Models {
                dir: dir.display().to_string(),
                problems,
            },
            schema_runtime::models::ModelsError::Migrate(e) => Error::Migrate(e),
            other => Error::Write {
                reason: other.to_string(),
            },
        }
    }
}
