//! The checkpoints against the chain applied from nothing.

use crate::check::{check, CheckOptions};
use crate::dialect::Dialect;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A folder of `n` clean migrations (a table each, every tenth with its down), and a
/// checkpoint folder beside it.
struct Chain {
    dir: tempfile::TempDir,
}

impl Chain {
    fn new(n: usize) -> Chain {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("migrations")).unwrap();
        let chain = Chain { dir };
        for i in 1..=n {
            chain.put_back(i);
            let down = if i % 10 == 0 {
                format!("DROP TABLE t{i};\n")
            } else {
                String::new()
            };
            chain.write(&format!("{i:03}_t{i}.down.sql"), &down);
        }
        chain
    }

    /// Writes the up of migration `i` as [`new`](Self::new) made it.
    fn put_back(&self, i: usize) {
        self.write(
            &format!("{i:03}_t{i}.up.sql"),
            &format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT);\n"),
        );
    }

    fn write(&self, file: &str, sql: &str) {
        std::fs::write(self.dir.path().join("migrations").join(file), sql).unwrap();
    }

    fn cache(&self) -> PathBuf {
        self.dir.path().join("cache")
    }

    fn checkpoints(&self) -> Vec<PathBuf> {
        let Ok(entries) = std::fs::read_dir(self.cache()) else {
            return Vec::new();
        };
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "db"))
            .collect();
        found.sort();
        found
    }

    /// After how many ups each checkpoint stands, in order.
    fn positions(&self) -> Vec<usize> {
        let mut ups: Vec<usize> = self
            .checkpoints()
            .iter()
            .map(|path| {
                let name = path.file_stem().unwrap().to_str().unwrap();
                name.split('-').nth(1).unwrap().parse().unwrap()
            })
            .collect();
        ups.sort_unstable();
        ups
    }

    /// Appends `text` to a file of the folder.
    fn append(&self, file: &str, text: &str) {
        let path = self.dir.path().join("migrations").join(file);
        let mut sql = std::fs::read_to_string(&path).unwrap();
        sql.push_str(text);
        std::fs::write(path, sql).unwrap();
    }

    /// Checks with the checkpoints, as without them, and finds one error: in `file`.
    fn finds_one_error_in(&self, file: &str) {
        let (errors, _) = self.check(true);
        assert_eq!(errors, self.check(false).0);
        assert!(errors.len() == 1 && errors[0].contains(file), "{errors:?}");
    }

    /// The check's errors and warnings, as text, with or without the checkpoints.
    fn check(&self, cached: bool) -> (Vec<String>, Vec<String>) {
        let set = crate::discover::resolve_dir(self.dir.path(), "migrations").unwrap();
        let mut options = CheckOptions::new(Dialect::Sqlite);
        if cached {
            options = options.with_cache_dir(self.cache());
        }
        match check(&set, &options) {
            Ok(warnings) => (Vec::new(), warnings.iter().map(|w| w.to_string()).collect()),
            Err(errors) => (errors.iter().map(|e| e.to_string()).collect(), Vec::new()),
        }
    }
}

fn overwrite_all(paths: &[PathBuf], bytes: &[u8], with_sum: bool) {
    for path in paths {
        std::fs::write(path, bytes).unwrap();
        if with_sum {
            let sum = super::sum(bytes);
            std::fs::write(path.with_extension("sum"), sum).unwrap();
        }
    }
}

fn is_empty_dir(dir: &Path) -> bool {
    std::fs::read_dir(dir).map_or(true, |mut d| d.next().is_none())
}

/// The sum and the keys' text are part of what checkpoints already written hold: the
/// same bytes must keep giving the same text whatever the way it is computed.
#[test]
fn the_sum_and_the_keys_text_are_stable() {
    let bytes: Vec<u8> = (0..1_003u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert_eq!(super::sum(&bytes), "1003:76c829f36b28e4f8");
    assert_eq!(super::sum(b""), "0:cbf29ce484222325");
    assert_eq!(super::sum(b"abc"), "3:00431519134165f2");
    // Checkpoints are named by keys in this text.
    assert_eq!(super::hex(&[0x00, 0xab, 0x7f, 0x10]), "00ab7f10");
}

/// A checkpoint's key stands for the exact SQL the check runs, whether it reuses the
/// checksum of reading the folder or hashes the SQL itself: over files of every shape.
#[test]
fn the_key_hashes_exactly_the_sql_the_check_runs() {
    let dir = crate::discover::tests::every_shape();
    let set = crate::discover::resolve_dir(dir.path(), "migrations").unwrap();
    // Halves of goose's and dbmate's files among them.
    assert!(set.migrations.iter().any(|m| m.source.is_some()));
    let mut reused = 0;
    for m in &set.migrations {
        let exact: [u8; 32] = Sha256::digest(m.sql.as_bytes()).into();
        assert_eq!(crate::check::sql_digest(m), exact, "{}", m.display_path);
        reused += usize::from(crate::check::sql_digest(m) == m.checksum.0);
    }
    // The plain files, the up and down files and sqlx's directive reuse it; the others not.
    assert!((3..set.migrations.len()).contains(&reused), "{reused}");
}

/// A file after the last checkpoint may change how the database journals (a `PRAGMA`
/// ends the checkpoints, not the chain): the chain restored from a checkpoint must treat
/// it as the chain applied from nothing does, `ROLLBACK`s included.
#[test]
fn a_journal_mode_after_the_checkpoints_reports_the_same_from_them() {
    let chain = Chain::new(60);
    chain.write(
        "050_t50.up.sql",
        "-- no-transaction\nPRAGMA journal_mode = OFF;\n",
    );
    chain.write("050_t50.down.sql", "");
    // The down fails to undo its up: the check rolls it back and reports it.
    chain.write(
        "051_t51.down.sql",
        "DROP TABLE t51;\nCREATE TABLE junk (x);\n",
    );
    chain.write("052_t52.up.sql", "CREATE INDEX i52 ON t51 (name);\n");
    let uncached = chain.check(false);
    assert_eq!(
        chain.check(true),
        uncached,
        "the run that writes the checkpoints"
    );
    assert!(!chain.checkpoints().is_empty());
    assert_eq!(chain.check(true), uncached, "the run that restores one");
}

/// A checkpoint written by a chain that was itself restored from one is restored in turn.
#[test]
fn a_checkpoint_written_after_a_restore_is_restored() {
    let chain = Chain::new(60);
    assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
    chain.write(
        "060_t60.up.sql",
        "CREATE TABLE t60 (id INTEGER PRIMARY KEY, name TEXT, x INT);\n",
    );
    assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
    chain.write("061_t61.up.sql", "CREATE INDEX i61 ON t60 (x);\n");
    chain.write("061_t61.down.sql", "");
    chain.write("062_t62.up.sql", "CREATE INDEX i62 ON t61 (x);\n");
    chain.write("062_t62.down.sql", "");
    let uncached = chain.check(false);
    assert_eq!(uncached.0.len(), 1, "{uncached:?}");
    assert_eq!(chain.check(true), uncached);
}

#[test]
fn only_bytes_laid_out_as_a_database_are_loaded() {
    let db = rusqlite::Connection::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE a (x INT); CREATE INDEX a_x ON a (x);")
        .unwrap();
    let bytes = db.serialize(rusqlite::DatabaseName::Main).unwrap().to_vec();
    assert!(super::looks_like_a_database(&bytes));
    assert!(!super::looks_like_a_database(&bytes[..bytes.len() - 1]));
    assert!(!super::looks_like_a_database(&bytes[..100]));
    assert!(!super::looks_like_a_database(
        b"not a database at all, but summed"
    ));
    let mut other_magic = bytes.clone();
    other_magic[0] = b's';
    assert!(!super::looks_like_a_database(&other_magic));
    let mut odd_page = bytes.clone();
    odd_page[16..18].copy_from_slice(&1000u16.to_be_bytes());
    assert!(!super::looks_like_a_database(&odd_page));
}

#[test]
fn a_hit_reports_what_a_miss_reports() {
    let chain = Chain::new(60);
    // A problem late in the chain, and a down that does not undo its up.
    chain.write("058_t58.down.sql", "DROP TABLE t58;\n");
    chain.write("059_t59.up.sql", "INSERT INTO missing (id) VALUES (1);\n");
    let uncached = chain.check(false);
    assert!(!uncached.0.is_empty(), "{uncached:?}");
    assert!(is_empty_dir(&chain.cache()));
    let miss = chain.check(true);
    assert_eq!(miss, uncached);
    assert!(
        !chain.checkpoints().is_empty(),
        "the first run writes checkpoints"
    );
    let hit = chain.check(true);
    assert_eq!(hit, uncached);
}

/// A run from nothing writes a checkpoint every 25 ups (a sixteenth of a longer chain) and
/// after the last two; each is named by its count of ups and its key.
#[test]
fn a_run_from_nothing_writes_checkpoints_along_the_chain_and_at_its_end() {
    let chain = Chain::new(60);
    assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
    assert_eq!(chain.positions(), [25, 50, 59, 60]);
}

/// Each checkpoint's file, by the count of ups it stands after: a checkpoint taken up from
/// the last build is that build's file renamed, one written by this build a new file.
#[cfg(unix)]
fn files(chain: &Chain) -> std::collections::BTreeMap<usize, u64> {
    use std::os::unix::fs::MetadataExt;
    let ups = chain.positions();
    let mut paths = chain.checkpoints();
    paths.sort_by_key(|path| {
        let name = path.file_stem().unwrap().to_str().unwrap();
        name.split('-').nth(1).unwrap().parse::<usize>().unwrap()
    });
    ups.into_iter()
        .zip(paths)
        .map(|(ups, path)| (ups, std::fs::metadata(path).unwrap().ino()))
        .collect()
}

/// The counts of ups after which `after` holds the same checkpoint file as `before`.
#[cfg(unix)]
fn kept(
    before: &std::collections::BTreeMap<usize, u64>,
    after: &std::collections::BTreeMap<usize, u64>,
) -> Vec<usize> {
    after
        .iter()
        .filter(|(ups, file)| before.get(ups) == Some(file))
        .map(|(ups, _)| *ups)
        .collect()
}

/// An edit that leaves the database as it was (a comment, a file renamed): from the first
/// checkpoint after it, the last build's checkpoints stand for the chain, which goes on from
/// the latest of them: their files are renamed, not written again.
#[cfg(unix)]
#[test]
fn an_edit_that_leaves_the_database_as_it_was_takes_up_the_checkpoints_after_it() {
    let chain = Chain::new(100);
    assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
    assert_eq!(chain.positions(), [25, 50, 75, 99, 100]);
    let first = files(&chain);
    chain.append("030_t30.up.sql", "-- a comment\n");
    assert_eq!(chain.check(true), chain.check(false));
    let second = files(&chain);
    // 25 stands for the ups before the edit; 50 on are the first build's, renamed.
    assert_eq!(kept(&first, &second), [25, 50, 75, 99, 100]);
    // Renamed, with its down: the names change, the database does not.
    for half in ["up", "down"] {
        let folder = chain.dir.path().join("migrations");
        std::fs::rename(
            folder.join(format!("060_t60.{half}.sql")),
            folder.join(format!("060_t60_renamed.{half}.sql")),
        )
        .unwrap();
    }
    let (errors, warnings) = chain.check(true);
    assert_eq!((&errors, &warnings), (&Vec::new(), &Vec::new()));
    assert_eq!(kept(&second, &files(&chain)), [25, 50, 75, 99, 100]);
    // And a rebuild with nothing changed restores the last of them.
    assert_eq!(chain.check(true), (errors, warnings));
}

/// An edit that changes the database: the rest of the chain runs and writes its checkpoints,
/// and a later edit past it that leaves the database as it was takes those up.
#[cfg(unix)]
#[test]
fn an_edit_that_changes_the_database_runs_the_rest_of_the_chain() {
    let chain = Chain::new(100);
    assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
    let first = files(&chain);
    chain.append("031_t31.up.sql", "CREATE TABLE added (id INTEGER);\n");
    assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
    let second = files(&chain);
    assert_eq!(kept(&first, &second), [25]);
    assert_eq!(chain.positions(), [25, 50, 75, 99, 100]);
    chain.append("065_t65.up.sql", "-- a comment\n");
    assert_eq!(chain.check(true), chain.check(false));
    assert_eq!(kept(&second, &files(&chain)), [25, 50, 75, 99, 100]);
}

/// Statements whose effect on the database's bytes depends on what else the connection holds
/// (`ALTER TABLE … RENAME COLUMN` rewrites the temporary schema too, where the check keeps
/// its own table), views, triggers, tables without rowid or with `AUTOINCREMENT`, downs:
/// a run from a checkpoint leaves the same bytes as the run from nothing, so an edit that
/// leaves the database as it was takes up the checkpoints after it here too.
#[cfg(unix)]
#[test]
fn a_varied_chain_is_the_same_from_a_checkpoint_as_from_nothing() {
    let chain = Chain::new(100);
    for i in 1..=100 {
        let (up, down) = match i % 7 {
            0 => (
                format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY AUTOINCREMENT, a TEXT);\nCREATE INDEX i{i} ON t{i} (a);\n"),
                format!("DROP TABLE t{i};\n"),
            ),
            1 => (
                format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, a TEXT) WITHOUT ROWID;\n"),
                format!("-- no-transaction\nDROP TABLE t{i};\n"),
            ),
            2 => (
                format!("CREATE TABLE t{i} (id INTEGER, a TEXT);\nCREATE TABLE x{i} AS SELECT 1 AS one, 'abc' AS s;\nDROP TABLE x{i};\n"),
                String::new(),
            ),
            3 => (
                format!("CREATE TABLE t{i} (id INTEGER, a TEXT);\nCREATE VIEW v{i} AS SELECT a FROM t{i};\n"),
                format!("DROP VIEW v{i};\nDROP TABLE t{i};\n"),
            ),
            4 => (
                format!("CREATE TABLE t{i} (id INTEGER, a TEXT);\nCREATE TRIGGER tr{i} AFTER INSERT ON t{i} BEGIN UPDATE t{i} SET a = 'x'; END;\n"),
                String::new(),
            ),
            5 => (
                format!("CREATE TABLE t{i} (id INTEGER, a TEXT);\nALTER TABLE t{i} ADD COLUMN b INT DEFAULT 3;\nALTER TABLE t{i} RENAME COLUMN a TO c;\n"),
                String::new(),
            ),
            _ => (
                format!("-- no-transaction\nCREATE TABLE t{i} (id INTEGER, a TEXT);\nANALYZE;\nVACUUM;\n"),
                String::new(),
            ),
        };
        chain.write(&format!("{i:03}_t{i}.up.sql"), &up);
        chain.write(&format!("{i:03}_t{i}.down.sql"), &down);
    }
    let cold = chain.check(false);
    assert_eq!(chain.check(true), cold);
    let first = files(&chain);
    chain.append("030_t30.up.sql", "-- a comment\n");
    assert_eq!(chain.check(true), chain.check(false));
    assert_eq!(kept(&first, &files(&chain)), [25, 50, 75, 99, 100]);
}

/// A file changed after the edit's next checkpoint: the chain is not past every change there,
/// so nothing is taken up, and what the changed file does wrong is found.
#[test]
fn a_later_change_is_checked_whatever_the_database_before_it() {
    let chain = Chain::new(100);
    assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
    chain.append("030_t30.up.sql", "-- a comment\n");
    chain.append("080_t80.up.sql", "CREATE INDEX i80 ON nowhere (id);\n");
    chain.finds_one_error_in("080_t80.up.sql");
    // Put right: checked again from before it, as before.
    chain.put_back(80);
    assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
}

/// The last build's checkpoints after the edit damaged: those that read back are taken up,
/// the others passed over, and the chain reports what it reports from nothing.
#[test]
fn damaged_checkpoints_are_passed_over_when_taken_up() {
    let chain = Chain::new(100);
    assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
    let late: Vec<PathBuf> = chain
        .checkpoints()
        .into_iter()
        .filter(|path| {
            let name = path.file_name().unwrap().to_str().unwrap();
            name.contains("-99-") || name.contains("-100-")
        })
        .collect();
    assert_eq!(late.len(), 2);
    overwrite_all(&late, b"not a database", false);
    chain.append("030_t30.up.sql", "-- a comment\n");
    // The last file broken as well, so that the run must reach it.
    chain.append("100_t100.up.sql", "CREATE INDEX i100 ON nowhere (id);\n");
    chain.finds_one_error_in("100_t100.up.sql");
}

#[test]
fn a_checkpoint_is_used_only_for_an_identical_prefix() {
    let chain = Chain::new(60);
    assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
    let before = chain.checkpoints();
    assert!(before.len() >= 2, "{before:?}");

    // An edited early file is checked again: its error is found, before any checkpoint.
    chain.write("010_t10.up.sql", "CREATE TABLE t10 (id INTEGER PRIMARY KEY, name TEXT);\nCREATE INDEX t10_x ON nowhere (id);\n");
    chain.finds_one_error_in("010_t10.up.sql");
    // Put right, and then a file after the first checkpoint broken: found too.
    chain.put_back(10);
    assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
    chain.write(
        "040_t40.up.sql",
        "CREATE TABLE t40 (id INTEGER PRIMARY KEY, name TEXT REFERENCES t1 (nope) ON DELETE ;\n",
    );
    let (errors, _) = chain.check(true);
    assert!(
        errors.len() == 1 && errors[0].contains("040_t40.up.sql"),
        "{errors:?}"
    );
    assert_eq!(errors, chain.check(false).0);
    // A file that uses an object an edited earlier file no longer creates.
    chain.write("040_t40.up.sql", "CREATE INDEX t40_name ON t30 (name);\n");
    chain.write("030_t30.down.sql", "");
    chain.write(
        "030_t30.up.sql",
        "CREATE TABLE t30b (id INTEGER PRIMARY KEY, name TEXT);\n",
    );
    let (errors, _) = chain.check(true);
    assert!(
        errors.iter().any(|e| e.contains("040_t40.up.sql")),
        "{errors:?}"
    );
}

#[test]
fn a_restored_checkpoint_stands_for_the_migrations_before_it() {
    // White-box: a checkpoint replaced by an empty database with a matching checksum is
    // used, so a later file that reads an early table fails. Proves the hit path runs.
    let chain = Chain::new(60);
    chain.write(
        "060_t60.up.sql",
        "CREATE VIEW v60 AS SELECT name FROM t1;\n",
    );
    chain.write("060_t60.down.sql", "DROP VIEW v60;\n");
    assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
    let empty = tempfile::NamedTempFile::new().unwrap();
    let db = rusqlite::Connection::open(empty.path()).unwrap();
    db.execute_batch("CREATE TABLE other (id INTEGER);")
        .unwrap();
    drop(db);
    let bytes = std::fs::read(empty.path()).unwrap();
    overwrite_all(&chain.checkpoints(), &bytes, true);
    // The last file edited: the checkpoint before it stands for the 59 others.
    chain.write(
        "060_t60.up.sql",
        "CREATE VIEW v60 AS SELECT name, id FROM t1;\n",
    );
    let (errors, _) = chain.check(true);
    assert!(!errors.is_empty(), "the tampered checkpoint was not used");
}

#[test]
fn a_corrupt_or_unreadable_checkpoint_is_ignored() {
    let chain = Chain::new(60);
    chain.write("059_t59.up.sql", "INSERT INTO missing (id) VALUES (1);\n");
    let expected = chain.check(false);
    assert_eq!(chain.check(true), expected);
    let written = chain.checkpoints();
    assert!(!written.is_empty());
    // Garbage whose checksum does not match.
    overwrite_all(&written, b"not a database", false);
    assert_eq!(chain.check(true), expected);
    // Garbage with a matching checksum: SQLite refuses it, the chain starts over.
    let written = chain.checkpoints();
    overwrite_all(&written, b"not a database at all, but summed", true);
    assert_eq!(chain.check(true), expected);
    // A truncated file.
    let written = chain.checkpoints();
    for path in &written {
        let bytes = std::fs::read(path).unwrap();
        std::fs::write(path, &bytes[..bytes.len() / 2]).unwrap();
    }
    assert_eq!(chain.check(true), expected);
    // The folder is a file: nothing can be written, the check still runs.
    std::fs::remove_dir_all(chain.cache()).unwrap();
    std::fs::write(chain.cache(), "not a folder").unwrap();
    assert_eq!(chain.check(true), expected);
}

#[test]
fn other_settings_do_not_share_checkpoints() {
    let chain = Chain::new(30);
    let set = crate::discover::resolve_dir(chain.dir.path(), "migrations").unwrap();
    let options = CheckOptions::new(Dialect::Sqlite).with_cache_dir(chain.cache());
    check(&set, &options).unwrap();
    let first = chain.checkpoints();
    let options = options.with_old(crate::check::OldMigrations::None);
    check(&set, &options).unwrap();
    let both = chain.checkpoints();
    assert!(both.len() > first.len(), "{first:?} {both:?}");
}
