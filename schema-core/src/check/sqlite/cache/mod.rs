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

mod feeds;

use feeds::Feeds;

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
    /// The hash of what the keys stand for before the first up.
    header: Sha256,
    /// What each up fed into the keys.
    feeds: Feeds,
    /// The ups after which a checkpoint is written along the chain.
    every: usize,
    /// The last build's chain, once read, for taking up its checkpoints after an edit.
    earlier: Earlier,
    /// Cleared when a migration reported something: no checkpoint after it.
    clean: bool,
}

/// The last build's chain, as far as taking up its checkpoints goes.
enum Earlier {
    /// Not read yet: read at the first checkpoint the run reaches with a later one to take up.
    Unread,
    /// Its checkpoints stand for this chain's from `ups` ups on, if the database is the same
    /// there; named by `keys`.
    From {
        ups: usize,
        keys: Vec<Option<String>>,
    },
    /// Nothing to take up: no feeds kept, a chain of another length, the same chain, or one
    /// whose database was found to differ.
    Nothing,
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

/// Writes what `m` feeds into the keys: its path, version, description, kind and directives as
/// text, then the digest of its SQL.
fn feed(out: &mut Vec<u8>, m: &Migration) {
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
    out.extend_from_slice(text.as_bytes());
    out.extend_from_slice(&crate::check::sql_digest(m));
}

/// The keys of a chain whose ups fed `feeds`, after `header`: each a SHA-256 of everything
/// before it, finished only where a checkpoint may be written (every `every` ups, and after
/// the last two). At 1,000 migrations a thousand finished hashes took 9 ms of every build,
/// unoptimised, for the twenty or so the checkpoints are named by.
fn keys_of(mut hasher: Sha256, feeds: &Feeds, every: usize) -> Vec<Option<String>> {
    let last = feeds.len();
    (0..last)
        .map(|index| {
            hasher.update(feeds.get(index));
            let ups = index + 1;
            (ups + 1 >= last || ups.is_multiple_of(every))
                .then(|| hex(&hasher.clone().finalize()[..16]))
        })
        .collect()
}

/// The checkpoint after `ups` ups of the chain named by `keys`.
fn named(dir: &Path, stem: &str, keys: &[Option<String>], ups: usize) -> Option<PathBuf> {
    let key = keys.get(ups.checked_sub(1)?)?.as_ref()?;
    Some(dir.join(format!("{stem}-{ups}-{key}.db")))
}

/// A checkpoint's bytes, when the sum written beside it is theirs.
fn read_checked(path: &Path) -> Option<Vec<u8>> {
    let bytes = std::fs::read(path).ok()?;
    let expected = std::fs::read_to_string(ChainCache::sum_path(path)).ok()?;
    (expected.trim() == sum(&bytes)).then_some(bytes)
}

/// Loads a checkpoint's bytes into `db`, in place of what it held. The bytes must be laid out
/// as a database file (what a backup from the file refused, it refuses); they are deserialized
/// into a scratch connection and copied from there into the check's `:memory:` database in one
/// step. The check stays on a `:memory:` database: one deserialized in its place treats
/// journal modes and a `ROLLBACK` without a journal otherwise, so a chain would not report the
/// same from a checkpoint as without one. `false` when any of it failed, `db` then holding
/// what it held or half of the checkpoint.
fn load(bytes: &[u8], db: &mut Connection) -> bool {
    looks_like_a_database(bytes)
        && Connection::open_in_memory().is_ok_and(|mut scratch| {
            sqlite_owned(bytes)
                .is_some_and(|data| scratch.deserialize(DatabaseName::Main, data, false).is_ok())
                && super::undo::copy_database(&scratch, db).is_ok()
        })
        && db.is_autocommit()
}

/// Whether two databases' bytes are the same but for the counters SQLite's header keeps of
/// the changes made to it: the file change counter, the schema cookie and the change counter's
/// copy beside the version (bytes 24-27, 40-43 and 92-95). Loading a checkpoint copies it with
/// SQLite's backup, which counts a change of the database it copies into, so a chain restored
/// from one counts differently from the same chain applied from nothing. No migration a
/// checkpoint stands for reads them: the pragmas that do end the chain of checkpoints.
fn same_database(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len()
        && a.len() >= 100
        && a[..24] == b[..24]
        && a[28..40] == b[28..40]
        && a[44..92] == b[44..92]
        && a[96..] == b[96..]
}

/// Replaces `db` with an empty database, set as the check's is.
fn wipe(db: &mut Connection) {
    if let Ok(fresh) = super::empty_database() {
        *db = fresh;
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
        let mut feeds = Feeds::default();
        for (up, down) in chain {
            feeds.push(|out| {
                feed(out, up);
                match down {
                    Some(down) => feed(out, down),
                    None => out.extend_from_slice(b"no down\0"),
                }
            });
        }
        let every = (feeds.len() / 16).max(25);
        Some(ChainCache {
            dir: dir.to_owned(),
            keys: keys_of(hasher.clone(), &feeds, every),
            stem,
            header: hasher,
            feeds,
            every,
            earlier: Earlier::Unread,
            clean: true,
        })
    }

    /// The checkpoint after `ups` ups, where one may be written.
    fn path(&self, ups: usize) -> Option<PathBuf> {
        named(&self.dir, &self.stem, &self.keys, ups)
    }

    fn sum_path(db: &Path) -> PathBuf {
        db.with_extension("sum")
    }

    /// Loads into `db` (a fresh in-memory database) the latest checkpoint of this chain and
    /// returns how many ups it stands for; 0, with `db` left as it was, when none is usable.
    pub(super) fn restore(&mut self, db: &mut Connection) -> usize {
        for ups in (1..=self.keys.len()).rev() {
            let Some(bytes) = self.path(ups).and_then(|path| read_checked(&path)) else {
                continue;
            };
            if load(&bytes, db) {
                return ups;
            }
            // Whatever half of it was loaded is wiped: the chain starts from nothing.
            wipe(db);
            return 0;
        }
        0
    }

    /// Told after each up (and its down) ran: `reported` when it reported anything. Writes a
    /// checkpoint now and then while the chain is clean; returns how many ups `db` holds when
    /// it took up the last build's checkpoints further on (see [`take_up`](Self::take_up)).
    pub(super) fn after(
        &mut self,
        db: &mut Connection,
        ups: usize,
        reported: bool,
    ) -> Option<usize> {
        self.clean &= !reported;
        if !self.clean || ups > self.keys.len() || !db.is_autocommit() {
            return None;
        }
        if let Some(taken) = self.take_up(db, ups) {
            return Some(taken);
        }
        // Along the chain, for an edit further back, and the last two, for an edit of the
        // newest file or a file added after it. Along the chain on a run restored from a
        // checkpoint too: after an edit that changed the database there, the next edit past it
        // finds checkpoints of this build to start from, or to take up.
        let path = self.path(ups)?;
        if path.is_file() {
            return None;
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
        None
    }

    /// Where the chain is past the last up that changed since the last build, at a
    /// checkpoint of that build with a later one, and the database is that checkpoint byte
    /// for byte: the rest of the chain is the ups of that build, unchanged, from the same
    /// database, so what they did then they do now, and ran clean (a checkpoint stands only
    /// for ups that did). That build's checkpoints from here on are renamed as this chain's,
    /// the latest loaded into `db`, and the count of ups it holds returned, for the check to
    /// go on from there. An edit that leaves the database as it was (a comment, a
    /// `-- schema:` line, a file renamed) then costs the ups to the next checkpoint, not the
    /// rest of the chain.
    fn take_up(&mut self, db: &mut Connection, ups: usize) -> Option<usize> {
        let last = self.keys.len();
        if ups + 1 >= last || self.keys[ups - 1].is_none() {
            return None;
        }
        if matches!(self.earlier, Earlier::Unread) {
            self.earlier = self.read_earlier();
        }
        let Earlier::From { ups: from, keys } = &self.earlier else {
            return None;
        };
        // Not past the changed ups yet, or no checkpoint of that build here: perhaps at the
        // next one.
        let there = named(&self.dir, &self.stem, keys, ups)
            .filter(|_| ups >= *from)
            .and_then(|path| read_checked(&path))?;
        let here = db.serialize(DatabaseName::Main).ok()?.to_vec();
        let Earlier::From { keys, .. } = std::mem::replace(&mut self.earlier, Earlier::Nothing)
        else {
            return None;
        };
        if !same_database(&here, &there) {
            // The edit changed the database: the rest of the chain runs.
            return None;
        }
        for taken in ups..=last {
            let from = named(&self.dir, &self.stem, &keys, taken);
            let (Some(from), Some(to)) = (from, self.path(taken)) else {
                continue;
            };
            let free = from != to && !to.is_file();
            if free && std::fs::rename(Self::sum_path(&from), Self::sum_path(&to)).is_ok() {
                let _ = std::fs::rename(&from, &to);
            }
        }
        for taken in (ups + 1..=last).rev() {
            let Some(bytes) = self.path(taken).and_then(|path| read_checked(&path)) else {
                continue;
            };
            if load(&bytes, db) {
                return Some(taken);
            }
            // Half loaded: the database as it was here, or the chain from nothing.
            if load(&here, db) {
                return None;
            }
            wipe(db);
            return Some(0);
        }
        None
    }

    /// The last build's chain: from how many ups on its checkpoints could stand for this
    /// one's, and their names.
    fn read_earlier(&self) -> Earlier {
        let Some(kept) = Feeds::load(&self.dir, &self.stem) else {
            return Earlier::Nothing;
        };
        match kept.changed_through(&self.feeds) {
            Some(ups) => Earlier::From {
                ups,
                keys: keys_of(self.header.clone(), &kept, self.every),
            },
            None => Earlier::Nothing,
        }
    }

    /// Keeps what the chain's ups fed for the next build, and removes this folder's
    /// checkpoints that no longer match its files: those of an earlier version of them.
    pub(super) fn finish(&self) {
        self.feeds.save(&self.dir, &self.stem);
        let keep: std::collections::HashSet<PathBuf> = (1..=self.keys.len())
            .filter_map(|ups| self.path(ups))
            .collect();
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        let prefix = format!("{}-", self.stem);
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            let ours = name.to_str().is_some_and(|n| n.starts_with(&prefix));
            let db = path.with_extension("db");
            if ours && !keep.contains(&db) {
                let _ = std::fs::remove_file(&path);
            }
        }
    }
}

#[cfg(test)]
mod tests;
