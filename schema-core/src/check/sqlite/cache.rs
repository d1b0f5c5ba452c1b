//! Checkpoints of the SQLite check between builds: the in-memory database as the chain left
//! it after some number of migrations, saved in a folder of the target directory, so that a
//! rebuild after an edit applies again only the migrations from the first changed one on.
//!
//! A checkpoint is reused only when everything that led to it is identical: the same files in
//! the same order (path, kind, directives, the SQL itself, and each up's down), the same
//! settings (dialect, the line between old and new migrations, the checker's version and
//! SQLite's), and only when the migrations before it reported nothing at all. Every problem
//! is therefore still found by applying the files that produce it: a checkpoint only stands
//! for migrations that ran clean. A migration whose effect a database file does not hold (a
//! `PRAGMA`, an attached or temporary database) ends the chain of checkpoints. A checkpoint that
//! cannot be read, whose bytes do not match the checksum written beside it, or that is not laid
//! out as a database file, is ignored.

use crate::checksum::{hex, sum64};
use crate::migration::{Migration, MigrationKind, MigrationSet};
use rusqlite::{Connection, DatabaseName};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Bumped whenever what a checkpoint holds or how it is keyed changes.
const FORMAT: &str = "schema-check-cache 2";

/// The checkpoints of one folder's chain.
pub(super) struct ChainCache {
    dir: PathBuf,
    /// Names this folder's checkpoints, whatever their contents.
    stem: String,
    /// `keys[i]`: the key of the chain after its first `i + 1` ups where a checkpoint may be
    /// written there, `None` elsewhere; only as far as each of them can be checkpointed.
    keys: Vec<Option<String>>,
    /// Whether a checkpoint was restored: then those before it are still valid and only the
    /// last two are written again.
    warm: bool,
    /// Cleared when a migration reported something: no checkpoint after it.
    clean: bool,
}

/// A checkpoint's bytes, summed to tell a damaged file, with their length ([`sum64`]).
fn sum(bytes: &[u8]) -> String {
    format!("{}:{:016x}", bytes.len(), sum64(bytes))
}

/// Whether `bytes` are laid out as a database file: SQLite's header, and as many pages of its
/// page size as the header counts. What a backup from the file refused before, without SQLite
/// reading the schema (which the check's connection does anyway at its first statement).
fn looks_like_a_database(bytes: &[u8]) -> bool {
    let Some(header) = bytes.get(..100) else {
        return false;
    };
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => usize::from(n),
    };
    let pages = u32::from_be_bytes([header[28], header[29], header[30], header[31]]);
    header.starts_with(b"SQLite format 3\0")
        && page_size >= 512
        && page_size.is_power_of_two()
        && usize::try_from(pages)
            .is_ok_and(|pages| pages.checked_mul(page_size) == Some(bytes.len()))
}

/// `bytes` in memory SQLite allocated, as `deserialize` takes them.
fn sqlite_owned(bytes: &[u8]) -> Option<rusqlite::serialize::OwnedData> {
    let len = u64::try_from(bytes.len()).ok()?;
    // SAFETY: `sqlite3_malloc64` returns null or a block of `len` bytes, which the copy fills
    // before SQLite is given it; `OwnedData` frees it with `sqlite3_free`.
    unsafe {
        let block = std::ptr::NonNull::new(rusqlite::ffi::sqlite3_malloc64(len).cast::<u8>())?;
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), block.as_ptr(), bytes.len());
        Some(rusqlite::serialize::OwnedData::from_raw_nonnull(
            block,
            bytes.len(),
        ))
    }
}

/// Whether the database file holds all a migration did: not when it changes the connection
/// (`PRAGMA`), another database (`ATTACH`) or makes temporary objects.
fn checkpointable(m: &Migration) -> bool {
    // SQLite reads its keywords without regard to ASCII case, and only ASCII's. The standard
    // library's `to_ascii_lowercase` is built optimised, where the macro's dependencies are
    // not, and maps bytes where `to_lowercase` read every character (8 ms of every build at
    // 1,000 migrations).
    let sql = m.sql.to_ascii_lowercase();
    !["pragma", "attach", "detach", "temp"]
        .iter()
        .any(|word| sql.contains(word))
}

fn feed(hasher: &mut Sha256, m: &Migration) {
    let directives: Vec<String> = m.directives.iter().map(|d| format!("{d:?}")).collect();
    let text = format!(
        "{}\0{}\0{}\0{:?}\0{}\0{:?}\0{}\0",
        m.display_path,
        m.version,
        m.description,
        m.kind,
        m.noop,
        directives,
        m.sql.len()
    );
    hasher.update(text.as_bytes());
    hasher.update(sql_digest(m));
}

/// SHA-256 of exactly the SQL the check runs. For most files that is the checksum reading the
/// folder computed already ([`Checksum::of_migration`](crate::Checksum::of_migration)): the
/// file itself, with no BOM, no line of directives and no carriage return for that checksum to
/// leave out or turn into a line feed, and no half or `BEGIN`/`COMMIT` blanked out of it (then
/// `source` is `None`). Hashing the SQL again costs 11 ms at 1,000 migrations, unoptimised.
fn sql_digest(m: &Migration) -> [u8; 32] {
    let same_text = m.source.is_none() && !m.bom && m.legacy_checksum.is_none();
    if same_text && !m.sql.contains('\r') {
        m.checksum.0
    } else {
        Sha256::digest(m.sql.as_bytes()).into()
    }
}

impl ChainCache {
    /// The checkpoints of `set` in `dir`, judged with `settings` (every option that changes
    /// the outcome, as text). `None` when the folder cannot be created.
    pub(super) fn new(dir: &Path, set: &MigrationSet, settings: &str) -> Option<ChainCache> {
        std::fs::create_dir_all(dir).ok()?;
        let mut hasher = Sha256::new();
        hasher.update(
            format!(
                "{FORMAT}\0{}\0{}\0{settings}\0{}\0",
                env!("CARGO_PKG_VERSION"),
                rusqlite::version(),
                set.dir.display()
            )
            .as_bytes(),
        );
        let stem = hex(&hasher.clone().finalize()[..8]);
        let downs = super::downs_by_key(set);
        let chain: Vec<(&Migration, Option<&Migration>)> = set
            .migrations
            .iter()
            .filter(|m| m.kind != MigrationKind::Down)
            .map(|up| {
                let down = downs.get(&(up.version, up.description.as_str())).copied();
                (up, down)
            })
            .take_while(|(up, down)| checkpointable(up) && down.is_none_or(checkpointable))
            .collect();
        let every = (chain.len() / 16).max(25);
        let last = chain.len();
        // A key is a SHA-256 of everything before it, finished only where a checkpoint may be
        // written: at 1,000 migrations, a thousand finished hashes took 9 ms of every build,
        // unoptimised, for the twenty or so the checkpoints are named by.
        let keys = (1..)
            .zip(chain)
            .map(|(ups, (up, down))| {
                feed(&mut hasher, up);
                match down {
                    Some(down) => feed(&mut hasher, down),
                    None => hasher.update(b"no down\0"),
                }
                (ups + 1 >= last || ups.is_multiple_of(every))
                    .then(|| hex(&hasher.clone().finalize()[..16]))
            })
            .collect();
        Some(ChainCache {
            dir: dir.to_owned(),
            stem,
            keys,
            warm: false,
            clean: true,
        })
    }

    /// The checkpoint after `ups` ups, where one may be written.
    fn path(&self, ups: usize) -> Option<PathBuf> {
        let key = self.keys.get(ups.checked_sub(1)?)?.as_ref()?;
        Some(self.dir.join(format!("{}-{ups}-{key}.db", self.stem)))
    }

    fn sum_path(db: &Path) -> PathBuf {
        db.with_extension("sum")
    }

    /// Loads into `db` (a fresh in-memory database) the latest checkpoint of this chain and
    /// returns how many ups it stands for; 0, with `db` left as it was, when none is usable.
    pub(super) fn restore(&mut self, db: &mut Connection) -> usize {
        for ups in (1..=self.keys.len()).rev() {
            let Some(path) = self.path(ups) else {
                continue;
            };
            let Ok(bytes) = std::fs::read(&path) else {
                continue;
            };
            let expected = std::fs::read_to_string(Self::sum_path(&path)).unwrap_or_default();
            if expected.trim() != sum(&bytes) {
                continue;
            }
            // The bytes just summed, not the file read a second time: laid out as a database
            // file (what a backup from the file refused, it refuses), deserialized into a
            // scratch connection and copied from there into the check's `:memory:` database in
            // one step. The check stays on a `:memory:` database: one deserialized in its place
            // treats journal modes and a `ROLLBACK` without a journal otherwise, so a chain
            // would not report the same from a checkpoint as without one.
            let restored = looks_like_a_database(&bytes)
                && Connection::open_in_memory().is_ok_and(|mut scratch| {
                    sqlite_owned(&bytes).is_some_and(|data| {
                        scratch.deserialize(DatabaseName::Main, data, false).is_ok()
                    }) && super::undo::copy_database(&scratch, db).is_ok()
                });
            if restored && db.is_autocommit() {
                self.warm = true;
                return ups;
            }
            // Whatever half of it was loaded is wiped: the chain starts from nothing.
            if let Ok(fresh) = Connection::open_in_memory() {
                if fresh.execute_batch("PRAGMA foreign_keys = OFF;").is_ok() {
                    *db = fresh;
                }
            }
            return 0;
        }
        0
    }

    /// Told after each up (and its down) ran: `reported` when it reported anything. Writes a
    /// checkpoint now and then while the chain is clean.
    pub(super) fn after(&mut self, db: &Connection, ups: usize, reported: bool) {
        self.clean &= !reported;
        if !self.clean || ups > self.keys.len() || !db.is_autocommit() {
            return;
        }
        // The last two, for an edit of the newest file or a file added after it; along the
        // chain only on a run that found none, for an edit further back.
        let last = self.keys.len();
        if ups + 1 < last && self.warm {
            return;
        }
        let Some(path) = self.path(ups) else {
            return;
        };
        if path.is_file() {
            return;
        }
        // The database's bytes in one copy (SQLite's serialize), written and summed as they
        // are: a backup to the file wrote it page by page through SQLite's pager, unoptimised,
        // and the sum then read it back (at 1,000 migrations 17 ms a checkpoint against 7).
        // A name of this process's own: the targets of one package build at once, each in a
        // compiler of its own, and share the crate's `OUT_DIR`.
        let partial = path.with_extension(format!("{}.partial", std::process::id()));
        let saved = db
            .serialize(DatabaseName::Main)
            .ok()
            .and_then(|bytes| {
                std::fs::write(&partial, &*bytes).ok()?;
                std::fs::write(Self::sum_path(&path), sum(&bytes)).ok()
            })
            .and_then(|()| std::fs::rename(&partial, &path).ok());
        if saved.is_none() {
            let _ = std::fs::remove_file(&partial);
        }
    }

    /// Removes this folder's checkpoints that no longer match its files: those of an earlier
    /// version of them.
    pub(super) fn prune(&self) {
        let keep: std::collections::HashSet<PathBuf> = (1..=self.keys.len())
            .filter_map(|ups| self.path(ups))
            .collect();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let ours = name
                .to_str()
                .is_some_and(|n| n.starts_with(&format!("{}-", self.stem)));
            let db = path.with_extension("db");
            if ours && !keep.contains(&db) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
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
                chain.write(
                    &format!("{i:03}_t{i}.up.sql"),
                    &format!("CREATE TABLE t{i} (id INTEGER PRIMARY KEY, name TEXT);\n"),
                );
                let down = if i % 10 == 0 {
                    format!("DROP TABLE t{i};\n")
                } else {
                    String::new()
                };
                chain.write(&format!("{i:03}_t{i}.down.sql"), &down);
            }
            chain
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
            assert_eq!(super::sql_digest(m), exact, "{}", m.display_path);
            reused += usize::from(super::sql_digest(m) == m.checksum.0);
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
        let mut ups: Vec<usize> = chain
            .checkpoints()
            .iter()
            .map(|path| {
                let name = path.file_stem().unwrap().to_str().unwrap();
                name.split('-').nth(1).unwrap().parse().unwrap()
            })
            .collect();
        ups.sort_unstable();
        assert_eq!(ups, [25, 50, 59, 60]);
    }

    #[test]
    fn a_checkpoint_is_used_only_for_an_identical_prefix() {
        let chain = Chain::new(60);
        assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
        let before = chain.checkpoints();
        assert!(before.len() >= 2, "{before:?}");

        // An edited early file is checked again: its error is found, before any checkpoint.
        chain.write("010_t10.up.sql", "CREATE TABLE t10 (id INTEGER PRIMARY KEY, name TEXT);\nCREATE INDEX t10_x ON nowhere (id);\n");
        let (errors, _) = chain.check(true);
        assert_eq!(errors, chain.check(false).0);
        assert!(
            errors.len() == 1 && errors[0].contains("010_t10.up.sql"),
            "{errors:?}"
        );
        // Put right, and then a file after the first checkpoint broken: found too.
        chain.write(
            "010_t10.up.sql",
            "CREATE TABLE t10 (id INTEGER PRIMARY KEY, name TEXT);\n",
        );
        assert_eq!(chain.check(true), (Vec::new(), Vec::new()));
        chain.write("040_t40.up.sql", "CREATE TABLE t40 (id INTEGER PRIMARY KEY, name TEXT REFERENCES t1 (nope) ON DELETE ;\n");
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
}
