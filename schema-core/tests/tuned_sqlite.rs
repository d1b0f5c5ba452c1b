//! `tune_sqlite_for_check` in a process of its own (this test binary has one test): SQLite's
//! memory statistics stay off through a check, and the check finds what it found before.

use schema_core::{CheckOptions, Dialect};

#[test]
fn a_tuned_check_keeps_no_memory_statistics_and_finds_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let migrations = dir.path().join("migrations");
    std::fs::create_dir(&migrations).unwrap();
    std::fs::write(
        migrations.join("1_users.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n\
         ALTER TABLE users ADD COLUMN email TEXT;\n",
    )
    .unwrap();
    std::fs::write(
        migrations.join("2_posts.sql"),
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, author INTEGER REFERENCES users (id));\n\
         INSERT INTO posts (id, writer) VALUES (1, 1);\n",
    )
    .unwrap();
    let set = schema_core::resolve_dir(dir.path(), "migrations").unwrap();
    let options = CheckOptions::new(Dialect::Sqlite);

    // SAFETY: the only test of this binary, and nothing has used SQLite yet.
    unsafe { schema_core::tune_sqlite_for_check() };
    let errors = schema_core::check(&set, &options).unwrap_err();
    assert_eq!(errors.len(), 1, "{errors:?}");
    let message = errors[0].to_string();
    assert!(
        message.contains("2_posts.sql") && message.contains("writer"),
        "{message}"
    );
    // With the statistics on, the high-water mark of SQLite's memory is what the check held
    // at most; off, it never moves.
    // SAFETY: a read of SQLite's counter, without arguments that could be wrong.
    let most = unsafe { rusqlite::ffi::sqlite3_memory_highwater(0) };
    assert_eq!(most, 0);
}
