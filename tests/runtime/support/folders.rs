//! Migration folders written by a test at run time.

use schema_runtime::Migrations;
use tempfile::TempDir;

/// A `migrations` folder holding one file, `1_<name>.sql`, loaded as the macro would check it.
/// The folder lives as long as the `TempDir`.
pub fn one_file(name: &str, sql: &str) -> (TempDir, Migrations) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    std::fs::write(dir.path().join(format!("migrations/1_{name}.sql")), sql).unwrap();
    let set = Migrations::load(dir.path(), "migrations").unwrap_or_else(|e| panic!("{e:?}"));
    (dir, set)
}

/// A `migrations` folder holding `files` (name, SQL), loaded without the SQL check, as a
/// file opted out with `-- schema: no-check` or a set embedded with `check = false` is.
pub fn files(files: &[(&str, &str)]) -> (TempDir, Migrations) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("migrations")).unwrap();
    for (name, sql) in files {
        std::fs::write(dir.path().join("migrations").join(name), sql).unwrap();
    }
    let set = Migrations::load(dir.path(), "migrations").unwrap_or_else(|e| panic!("{e:?}"));
    (dir, set)
}

/// The 1-based line of the first `needle` in `text`.
pub fn line_of(text: &str, needle: &str) -> usize {
    1 + text[..text.find(needle).unwrap()].matches('\n').count()
}

/// The statement and line a `Failed` error names; panics on any other error.
pub fn statement_and_line(err: &schema_runtime::MigrateError) -> (usize, usize) {
    match err {
        schema_runtime::MigrateError::Failed {
            statement, line, ..
        } => (*statement, *line),
        other => panic!("{other:?}"),
    }
}
