use crate::check::PrefixViolation;
use crate::diagnostic::Location;
use crate::dialect::Dialect;
use std::path::PathBuf;

/// A problem with a migrations folder or one of its files. Every message names the file (and
/// line and column where there is one), says what is wrong and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The folder does not exist.
    #[error("migrations folder `{dir}` not found at `{}`; create it, or give the path relative to the crate's Cargo.toml", resolved.display())]
    MissingDirectory {
        /// The folder as given.
        dir: String,
        /// Where it was looked for.
        resolved: PathBuf,
    },
    /// The folder (or a diesel migration folder) exists but cannot be read.
    #[error("cannot read migrations folder `{dir}` at `{}`: {reason}; check that it is a folder and readable", resolved.display())]
    UnreadableDirectory {
        /// The folder as shown.
        dir: String,
        /// Its absolute path.
        resolved: PathBuf,
        /// What the operating system said.
        reason: String,
    },
    /// A migration file cannot be read.
    #[error("{file}: cannot read the file: {reason}")]
    UnreadableFile {
        /// The file as shown.
        file: String,
        /// What the operating system said.
        reason: String,
    },
    /// A `.sql` file (or diesel folder) whose name is not a migration name.
    #[error("{file}: not a migration name: {reason}; rename it like `{example}`")]
    UnparsableName {
        /// The file as shown.
        file: String,
        /// What is wrong with the name.
        reason: String,
        /// A name that would work.
        example: String,
    },
    /// A Flyway version with parts (`V1.1__x.sql`, `V1_1__x.sql`), which no whole number
    /// stands for.
    #[error("{file}: the version `{version}` has parts, but versions here are whole numbers, so it cannot be tracked as Flyway tracks it; rename the file with a whole-number version that keeps its place in the order (`V2__…`, and the files after it renumbered)")]
    FractionalVersion {
        /// The file as shown.
        file: String,
        /// The version as Flyway reads it (`1.1`).
        version: String,
    },
    /// A version written with a `-`.
    #[error("{file}: the version is negative; versions are whole numbers from 0 up, rename the file without the `-`")]
    NegativeVersion {
        /// The file as shown.
        file: String,
    },
    /// A version that does not fit an `i64`.
    #[error("{file}: the version `{version}` is larger than the largest version, 9223372036854775807 (i64::MAX); use a smaller number, such as a `YYYYMMDDHHMMSS` timestamp")]
    VersionOutOfRange {
        /// The file as shown.
        file: String,
        /// The version as written.
        version: String,
    },
    /// Two migrations with one version (`01_a.sql` beside `1_b.sql` counts).
    #[error(
        "{second}: version {version} is already used by `{first}`; give one of them a new version"
    )]
    DuplicateVersion {
        /// The version.
        version: i64,
        /// The file that has it first.
        first: String,
        /// The other file.
        second: String,
    },
    /// A `.down.sql` without its `.up.sql`.
    #[error(
        "{down}: down migration without its up migration; add `{expected_up}`, or delete this file"
    )]
    DownWithoutUp {
        /// The version.
        version: i64,
        /// The down file.
        down: String,
        /// The up file that would complete the pair.
        expected_up: String,
    },
    /// A `.up.sql` without its `.down.sql`.
    #[error("{up}: up migration without its down migration; add `{expected_down}` (it may be empty), or rename this file to `{simple}` to make it forward only")]
    UpWithoutDown {
        /// The version.
        version: i64,
        /// The up file.
        up: String,
        /// The down file that would complete the pair.
        expected_down: String,
        /// The simple name it could have instead.
        simple: String,
    },
    /// An up and a down with one version but different descriptions.
    #[error("{down}: its description differs from its up migration `{up}`; give both files the same name before `.up.sql`/`.down.sql`")]
    MismatchedPair {
        /// The version.
        version: i64,
        /// The up file.
        up: String,
        /// The down file.
        down: String,
    },
    /// One version that is both a simple migration and a reversible pair.
    #[error("{simple}: version {version} is both a simple migration and reversible (`{reversible}`); keep either the `.sql` file or the `.up.sql`/`.down.sql` pair")]
    SimpleAndReversible {
        /// The version.
        version: i64,
        /// The simple file.
        simple: String,
        /// A file of the pair.
        reversible: String,
    },
    /// A file that is not UTF-8.
    #[error("{at}: the file is not valid UTF-8; save it as UTF-8")]
    NotUtf8 {
        /// Where the first invalid byte is.
        at: Location,
    },
    /// A file with a zero byte in it.
    #[error("{at}: the file has a NUL (zero) byte; SQLite and PostgreSQL stop reading SQL there, so everything after it would be lost: remove it (a file saved as UTF-16 is full of them: save it as UTF-8)")]
    NulByte {
        /// Where the first zero byte is.
        at: Location,
    },
    /// A `/*` comment that is never closed.
    #[error("{at}: this `/*` comment is never closed, so the database would read everything after it as comment: close it with `*/` (comments nest, as in PostgreSQL: each `/*` inside it needs its own `*/`)")]
    UnterminatedComment {
        /// Where the comment starts.
        at: Location,
    },
    /// A statement that ends the transaction a migration runs in, in a file without
    /// `-- no-transaction`.
    #[error("{at}: this statement ends the transaction the migration runs in, so what the file ran before it would be committed apart from the rest, and the migration could no longer be rolled back or recorded as one: remove it (each migration already runs in a transaction of its own), or put `-- no-transaction` at the top of the file and manage its transactions in it")]
    EndsMigrationTransaction {
        /// Where the statement starts.
        at: Location,
    },
    /// A file without `-- no-transaction` that opens and ends a transaction of its own, other
    /// than one plain `BEGIN` … `COMMIT` around the whole file (which runs as the migration's
    /// transaction).
    #[error("{at}: the file opens and ends a transaction of its own (`BEGIN` … `COMMIT`), but each migration already runs in one, which the file's `COMMIT` would end early; a file that is one plain `BEGIN` … `COMMIT` and nothing else runs as the migration's transaction, and this one is not: remove both statements, or put `-- no-transaction` at the top of the file to keep them")]
    OwnTransaction {
        /// Where the statement that opens it starts.
        at: Location,
    },
    /// A `-- no-transaction` file that opens a transaction and does not end it.
    #[error("{at}: this statement opens a transaction that the file does not end, and in a `-- no-transaction` file nothing else will: what the file runs after it, and what is written next on that connection, would never be committed; {end}")]
    TransactionLeftOpen {
        /// Where the statement that opens it starts.
        at: Location,
        /// How to end it.
        end: &'static str,
    },
    /// A repeatable migration (`R__…`) that says it runs outside a transaction.
    #[error("{file}: a repeatable migration runs again each time it changes, so it runs in a transaction, all or nothing; remove the `no-transaction` directive, or move the statement that needs it into a versioned migration")]
    RepeatableNoTransaction {
        /// The file as shown.
        file: String,
    },
    /// A goose annotation this tool cannot honour as goose does (`-- +goose ENVSUB ON`).
    #[error("{at}: `{marker}` {reason}")]
    UnsupportedMarker {
        /// Where the marker is.
        at: Location,
        /// The marker line as written.
        marker: String,
        /// Why, and what to do.
        reason: &'static str,
    },
    /// A goose or dbmate marker in a place it does not belong.
    #[error("{at}: `{marker}` {problem}")]
    MisplacedMarker {
        /// Where the marker is.
        at: Location,
        /// The marker line as written.
        marker: String,
        /// What is wrong, and what to do.
        problem: String,
    },
    /// A statement before the first section marker of a goose or dbmate file.
    #[error("{at}: this statement comes before `{marker}`, so it belongs to neither the up nor the down section; move it under `{marker}`")]
    StatementOutsideSections {
        /// Where the statement starts.
        at: Location,
        /// The first marker of the file, as written.
        marker: String,
    },
    /// A string, quoted name or dollar-quoted body that is never closed.
    #[error("{at}: this {what} is never closed, so the database would read everything after it as part of it: {close}")]
    UnterminatedQuote {
        /// Where it opens.
        at: Location,
        /// `string`, `quoted name`, `bracketed name` or `dollar-quoted body`.
        what: &'static str,
        /// How to close it.
        close: &'static str,
    },
    /// A leading comment with the tool's prefix and an unknown name.
    #[error("{at}: unknown directive `{name}`; the known directives are {known}, and a comment that is not a directive must not start with `schema:`")]
    UnknownDirective {
        /// Where the directive's name is.
        at: Location,
        /// The name as written.
        name: String,
        /// The known directives, listed.
        known: String,
    },
    /// Files of the sqlx layout beside diesel migration folders.
    #[error("{file}: the folder mixes migration files with diesel migration folders (`{folder}`); keep one layout")]
    MixedLayouts {
        /// A migration file.
        file: String,
        /// A diesel folder.
        folder: String,
    },
    /// A diesel `metadata.toml` that holds something other than `run_in_transaction = true`
    /// or `false`.
    #[error("{at}: {reason}; diesel's `metadata.toml` holds one setting, written `run_in_transaction = false` (or `true`, the default)")]
    InvalidDieselMetadata {
        /// Where the setting (or the TOML error) is.
        at: Location,
        /// What is wrong with it.
        reason: String,
    },
    /// A diesel migration folder without `up.sql`.
    #[error("{folder}: diesel migration folder without `up.sql`; add it, or remove the folder")]
    MissingUpFile {
        /// The folder as shown.
        folder: String,
    },
    /// A statement that SQLite refuses when the chain of migrations is applied in order: its
    /// syntax, or a table, column or other object that does not exist at that point.
    #[error("{at}: sqlite cannot apply this statement: {reason}; {fix}\n{snippet}")]
    SqliteRejects {
        /// Where the statement (or the token SQLite points at) is.
        at: Location,
        /// What SQLite said, as it said it.
        reason: String,
        /// What to do about it.
        fix: &'static str,
        /// The offending line with a caret under the location.
        snippet: String,
    },
    /// A view or trigger that names a table or column that does not exist once every migration
    /// is applied: SQLite accepts it, and fails each time it is used.
    #[error("{at}: {what} that does not exist once every migration is applied; fix the name, or create what it uses in a migration, or opt the file out with `-- schema: no-check`\n{snippet}")]
    DanglingReference {
        /// The statement that creates the view or trigger.
        at: Location,
        /// The object and what it uses: ``view `totals` uses a column `amout` ``.
        what: String,
        /// The offending line with a caret under the location.
        snippet: String,
    },
    /// A statement that does not parse as PostgreSQL.
    #[error("{at}: not valid postgresql: {reason}; fix the statement, or opt the file out with `-- schema: no-check`\n{snippet}")]
    PostgresSyntax {
        /// Where the parser stopped.
        at: Location,
        /// What it expected.
        reason: String,
        /// The offending line with a caret under the location.
        snippet: String,
    },
    /// A PostgreSQL statement nested deeper than the check can parse without overflowing its
    /// stack (brackets, prefix operators such as `-` or `NOT`, chains of `=` or `||`, `CASE`).
    #[error("{at}: the statement nests deeper than the check follows: more than {limit} brackets, operators and keywords are open at once here; write it with less nesting (split a long chain of operators or nested expressions into several statements, a `CASE` or an `IN (…)` list), or opt the file out with `-- schema: no-check`")]
    NestedTooDeep {
        /// Where the nesting passes the limit.
        at: Location,
        /// How deep the check follows.
        limit: usize,
    },
    /// A PostgreSQL command that cannot run inside a transaction block (`CREATE INDEX
    /// CONCURRENTLY`, `VACUUM`, `CREATE DATABASE`, ...) in a file that runs in the migration's
    /// transaction: it passes the build and fails the deploy.
    #[error("{at}: `{command}` cannot run inside a transaction block, and this file runs in the migration's transaction, so the deploy would fail; put `-- no-transaction` at the top of the file (best with this statement alone in it, since a `-- no-transaction` file is not rolled back as a whole)\n{snippet}")]
    OutsideTransactionOnly {
        /// Where the statement (or clause) starts.
        at: Location,
        /// The command, as it is usually written.
        command: &'static str,
        /// The offending line with a caret under the location.
        snippet: String,
    },
    /// A down migration that does not bring the schema back to what it was before its up.
    #[error("{down}: reverting `{up}` does not restore the schema ({}); make the down drop what the up creates and restore what it drops or changes, or opt the pair out with `-- schema: no-check`, or, if the migration has run everywhere and its down will not run again, mark it old (`old = <version>`)", describe_difference(.left_behind, .missing, .changed))]
    DownDoesNotUndoUp {
        /// The up file.
        up: String,
        /// The down file.
        down: String,
        /// Objects the up created that are still there after the down (`index \`a_idx\``).
        left_behind: Vec<String>,
        /// Objects there before the up that the down did not bring back.
        missing: Vec<String>,
        /// Objects whose definition differs from the one before the up.
        changed: Vec<String>,
    },
    /// A statement of a set confined to a table prefix (`prefix = "calendar_"`) that creates,
    /// changes, drops, renames or writes an object whose name does not start with it.
    #[error("{violation}")]
    OutsidePrefix {
        /// Where, what and how to fix it (boxed: the error stays small).
        violation: Box<PrefixViolation>,
    },
    /// A folder named by `after = …` that is missing or does not resolve as a migrations
    /// folder.
    #[error("`after = \"{dir}\"`: {problem}; `after` names the folders of migrations this set builds on, relative to the crate root like the set's own folder")]
    BaseFolder {
        /// The folder as given.
        dir: String,
        /// What is wrong with it.
        problem: Box<Error>,
    },
    /// The check was asked for a dialect this build of schema-core cannot check.
    #[error("checking {dialect} migrations needs schema-core's `{feature}` feature; enable it, or turn the check off")]
    CheckUnavailable {
        /// The dialect asked for.
        dialect: Dialect,
        /// The cargo feature that brings its checker.
        feature: &'static str,
    },
    /// The checker itself could not run (SQLite could not open an in-memory database).
    #[error(
        "the sql check cannot run: {reason}; turn it off with `check = false` if this persists"
    )]
    CheckCannotRun {
        /// What went wrong.
        reason: String,
    },
}

impl Error {
    /// The migration file a problem of the SQL check is in, as shown in messages; `None` for
    /// problems of the folder or of the checker itself.
    pub fn file(&self) -> Option<&str> {
        match self {
            Error::SqliteRejects { at, .. }
            | Error::DanglingReference { at, .. }
            | Error::PostgresSyntax { at, .. }
            | Error::NestedTooDeep { at, .. }
            | Error::OutsideTransactionOnly { at, .. } => Some(&at.file),
            Error::OutsidePrefix { violation } => Some(&violation.at.file),
            Error::DownDoesNotUndoUp { down, .. } => Some(down),
            _ => None,
        }
    }
}

/// `left behind: index `a`, view `b`; missing: table `c`` for [`Error::DownDoesNotUndoUp`].
fn describe_difference(left_behind: &[String], missing: &[String], changed: &[String]) -> String {
    [
        ("left behind", left_behind),
        ("missing", missing),
        ("changed", changed),
    ]
    .iter()
    .filter(|(_, objects)| !objects.is_empty())
    .map(|(what, objects)| format!("{what}: {}", objects.join(", ")))
    .collect::<Vec<_>>()
    .join("; ")
}
