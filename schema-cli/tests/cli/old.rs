//! `--old <VERSION>|none`: where old migrations end, as the macro's `old` option; and a down
//! that restores a table's columns in another order, a warning even in the newest migration.

use crate::support::{tables, Project};

/// Migration 2's down forgets the index on `bio` (it fails); migration 3, the newest, drops in
/// its down an index it did not create (it does not undo its up).
fn broken_downs() -> Project {
    let project = Project::new();
    project.write(
        "1_create_authors.sql",
        "CREATE TABLE authors (id INTEGER PRIMARY KEY, name TEXT NOT NULL);\n",
    );
    project.write(
        "2_add_author_bio.up.sql",
        "ALTER TABLE authors ADD COLUMN bio TEXT;\nCREATE INDEX authors_bio ON authors (bio);\n",
    );
    project.write(
        "2_add_author_bio.down.sql",
        "ALTER TABLE authors DROP COLUMN bio;\n",
    );
    project.write(
        "3_create_books.up.sql",
        "CREATE TABLE books (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES authors (id));\n",
    );
    project.write(
        "3_create_books.down.sql",
        "DROP TABLE books;\nDROP INDEX authors_bio;\n",
    );
    project
}

#[test]
fn old_says_where_old_migrations_end() {
    let project = broken_downs();

    // By default the newest down is judged in full: refused, nothing done.
    let run = project.schema(&["up", "-q"]).code(1);
    assert!(
        run.stderr
            .contains("migrations/3_create_books.down.sql: reverting `migrations/3_create_books.up.sql` does not restore the schema"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("2_add_author_bio.down.sql"),
        "{}",
        run.stderr
    );
    assert!(!project.sqlite_file().exists());

    // Old up to 3: both downs are notes of `verify`, and the folder applies.
    project.schema(&["--old", "3", "up", "-q"]).code(0);
    assert!(tables(&project.sqlite_file()).contains(&"books".to_owned()));
    let verify = project.schema(&["--old", "3", "verify"]).code(0);
    let notes: Vec<&str> = verify
        .stdout
        .lines()
        .filter(|l| l.starts_with("note: migrations/"))
        .collect();
    assert_eq!(notes.len(), 2, "{}", verify.stdout);
    assert!(
        notes[0].starts_with("note: migrations/2_add_author_bio.down.sql:1:1: "),
        "{notes:?}"
    );
    assert!(
        notes[1].starts_with("note: migrations/3_create_books.down.sql: "),
        "{notes:?}"
    );
    let json = project
        .schema(&["--old", "3", "verify", "--json"])
        .code(0)
        .json();
    assert_eq!(json["notes"].as_array().unwrap().len(), 2, "{json}");

    // Old up to 1: migration 2 is new, its down an error too; `none`: every problem is one.
    for old in ["1", "none"] {
        let run = project.schema(&["--old", old, "status"]).code(1);
        assert!(
            run.stderr
                .contains("migrations/2_add_author_bio.down.sql:1:1: ")
                && run.stderr.contains("migrations/3_create_books.down.sql: "),
            "--old {old}: {}",
            run.stderr
        );
    }

    // Anything else is a usage error.
    let run = project.schema(&["--old", "soon", "status"]).code(2);
    assert!(
        run.stderr.contains("expected a version or `none`"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_column_added_back_at_the_end_by_the_newest_down_is_a_warning() {
    let project = Project::new();
    project.write(
        "1_create_authors.sql",
        "CREATE TABLE authors (id INTEGER PRIMARY KEY, born INTEGER, name TEXT NOT NULL);\n",
    );
    project.write(
        "2_drop_author_born.up.sql",
        "ALTER TABLE authors DROP COLUMN born;\n",
    );
    project.write(
        "2_drop_author_born.down.sql",
        "ALTER TABLE authors ADD COLUMN born INTEGER;\n",
    );
    let note = "note: migrations/2_drop_author_born.down.sql: reverting `migrations/2_drop_author_born.up.sql` restores table `authors` with the columns in another order";
    for old in [None, Some("none")] {
        let with = |args: &[&'static str]| -> Vec<&'static str> {
            match old {
                Some(old) => [&["--old", old][..], args].concat(),
                None => args.to_vec(),
            }
        };
        project.schema(&with(&["up", "-q"])).code(0);
        let verify = project.schema(&with(&["verify"])).code(0);
        assert!(
            verify.stdout.starts_with(note),
            "--old {old:?}: {}",
            verify.stdout
        );
        project.schema(&with(&["down", "-q"])).code(0);
    }
}
