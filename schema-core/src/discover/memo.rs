//! The checksums of a folder's files, kept between builds beside the SQL check's checkpoints.
//!
//! The macro's dependencies build unoptimised, where SHA-256 costs about 60 µs a kilobyte (its
//! processor instructions are calls): at 1,000 migrations a file's checksum and its loose
//! checksum took 44 ms of every build's 65 ms of reading the folder. A file's sums depend on
//! its text alone, so they are kept with the text they were computed from and used again only
//! for a text equal to it byte for byte; anything else is computed afresh. The memo file ends
//! with a sum of its bytes and starts with a sum of the code that computes the checksums (and
//! the version, and the sums of a probe text), so that a damaged file, or one that other code
//! wrote, is not used.

use crate::checksum::{sum64, Checksum};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Bumped whenever what the memo holds, or how, changes.
const FORMAT: &str = "schema-sums 2";

/// The code that computes the sums: a memo is used only by the code that wrote it, whatever
/// the version says (a path or git dependency changes without a new version, and the crate's
/// `OUT_DIR`, where the memo lives, outlasts it).
const CODE: [&str; 3] = [
    include_str!("../checksum.rs"),
    include_str!("../directive.rs"),
    include_str!("memo.rs"),
];

/// A text with cases the checksums treat apart (a BOM, a directive line, CRLF, white space):
/// a second guard beside the code's own sum.
const PROBE: &str = "\u{feff}-- schema: no-check\r\nCREATE TABLE p (x INT);\t\r\n";

/// What reading a file computes from a text of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Sums {
    /// [`Checksum::of_migration`].
    pub checksum: Checksum,
    /// [`Checksum::loose_of_migration`].
    pub loose: Checksum,
    /// [`Checksum::legacy_of_migration`].
    pub legacy: Option<Checksum>,
}

impl Sums {
    pub(crate) fn of(text: &str) -> Sums {
        Sums {
            checksum: Checksum::of_migration(text),
            loose: Checksum::loose_of_migration(text),
            legacy: Checksum::legacy_of_migration(text),
        }
    }
}

/// The sums known from the last build, and those of this one.
pub(crate) struct Memo {
    file: Option<PathBuf>,
    /// [`header`], computed once: the file read starts with it, the file written too.
    header: String,
    known: HashMap<String, Sums>,
    /// Each text this build asked for once, with its sums.
    used: HashMap<String, Sums>,
    missed: bool,
}

impl Memo {
    /// No memo: every sum computed.
    pub(crate) fn none() -> Memo {
        Memo {
            file: None,
            header: String::new(),
            known: HashMap::new(),
            used: HashMap::new(),
            missed: false,
        }
    }

    /// The memo of the folder `folder` in `dir`: what the last build left there, if it can be
    /// used.
    pub(crate) fn load(dir: &Path, folder: &Path) -> Memo {
        let file = crate::saved::file_for(dir, "sums", folder);
        let header = header();
        let known = std::fs::read(&file)
            .ok()
            .and_then(|bytes| parse(&bytes, &header))
            .unwrap_or_default();
        Memo {
            file: Some(file),
            header,
            known,
            used: HashMap::new(),
            missed: false,
        }
    }

    /// The sums of `text`: the memo's where it holds this very text, computed otherwise.
    pub(crate) fn sums(&mut self, text: &str) -> Sums {
        let sums = match self.known.get(text) {
            Some(sums) => *sums,
            None => {
                self.missed = true;
                Sums::of(text)
            }
        };
        if !self.used.contains_key(text) {
            self.used.insert(text.to_owned(), sums);
        }
        sums
    }

    /// Whether the memo on disk is not what this build used: a text it lacked, or one it
    /// holds that no file has any more.
    fn changed(&self) -> bool {
        self.missed || self.used.len() != self.known.len()
    }

    /// Writes the sums this build used, for the next one, when they are not what the memo
    /// held already. Whatever fails leaves the next build to compute them.
    pub(crate) fn save(self) {
        if !self.changed() {
            return;
        }
        let Some(file) = self.file else {
            return;
        };
        let mut bytes = self.header.into_bytes();
        for (text, sums) in &self.used {
            let Ok(len) = u32::try_from(text.len()) else {
                return;
            };
            bytes.extend_from_slice(&len.to_le_bytes());
            bytes.extend_from_slice(text.as_bytes());
            bytes.extend_from_slice(&sums.checksum.0);
            bytes.extend_from_slice(&sums.loose.0);
            match sums.legacy {
                Some(legacy) => {
                    bytes.push(1);
                    bytes.extend_from_slice(&legacy.0);
                }
                None => bytes.push(0),
            }
        }
        crate::saved::write(&file, &crate::saved::seal(bytes));
    }
}

/// What a memo this code can use starts with: the format, the version, a sum of the code that
/// computes the sums, and the probe's sums.
fn header() -> String {
    let probe = Sums::of(PROBE);
    let legacy = probe.legacy.map(|c| c.to_hex()).unwrap_or_default();
    let code = sum64(CODE.concat().as_bytes());
    format!(
        "{FORMAT} {} {code:016x} {} {} {legacy}\n",
        env!("CARGO_PKG_VERSION"),
        probe.checksum.to_hex(),
        probe.loose.to_hex()
    )
}

/// The entries of a memo file; `None` for a file that is damaged, cut short or of another
/// format or version.
fn parse(bytes: &[u8], header: &str) -> Option<HashMap<String, Sums>> {
    let body = crate::saved::unseal(bytes)?;
    let mut rest = body.strip_prefix(header.as_bytes())?;
    let mut known = HashMap::new();
    while !rest.is_empty() {
        let (len, after) = rest.split_first_chunk::<4>()?;
        let len = usize::try_from(u32::from_le_bytes(*len)).ok()?;
        let text = std::str::from_utf8(after.get(..len)?).ok()?;
        let after = &after[len..];
        let (checksum, after) = after.split_first_chunk::<32>()?;
        let (loose, after) = after.split_first_chunk::<32>()?;
        let (legacy, after) = match after.split_first()? {
            (0, after) => (None, after),
            (1, after) => {
                let (legacy, after) = after.split_first_chunk::<32>()?;
                (Some(Checksum(*legacy)), after)
            }
            _ => return None,
        };
        let sums = Sums {
            checksum: Checksum(*checksum),
            loose: Checksum(*loose),
            legacy,
        };
        known.insert(text.to_owned(), sums);
        rest = after;
    }
    Some(known)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXTS: [&str; 4] = [
        "CREATE TABLE a (x INT);\n",
        "-- schema: no-check\r\nCREATE TABLE b (x INT);\r\n",
        "\u{feff}CREATE TABLE c (x INT);\n",
        "CREATE   TABLE d\t(x INT);\n\n",
    ];

    fn memo_of(dir: &Path) -> Memo {
        Memo::load(dir, Path::new("/crate/migrations"))
    }

    fn file_of(dir: &Path) -> PathBuf {
        memo_of(dir).file.unwrap()
    }

    /// Fills a memo with `TEXTS` and saves it.
    fn saved(dir: &Path) {
        let mut memo = memo_of(dir);
        for text in TEXTS {
            assert_eq!(memo.sums(text), Sums::of(text));
        }
        memo.save();
    }

    #[test]
    fn a_saved_memo_gives_the_sums_back_for_the_same_text_only() {
        let dir = tempfile::tempdir().unwrap();
        saved(dir.path());
        let mut memo = memo_of(dir.path());
        assert_eq!(memo.known.len(), TEXTS.len());
        for text in TEXTS {
            assert_eq!(memo.sums(text), Sums::of(text));
        }
        assert!(!memo.missed);
        // One byte more is another text.
        let edited = format!("{}-- edit\n", TEXTS[0]);
        assert_eq!(memo.sums(&edited), Sums::of(&edited));
        assert!(memo.missed);
        memo.save();
        // The next build knows the edited text, and only what this one used.
        let memo = memo_of(dir.path());
        assert_eq!(memo.known.len(), TEXTS.len() + 1);
        assert_eq!(memo.known.get(edited.as_str()), Some(&Sums::of(&edited)));
    }

    /// A build that reads what the memo holds, a text twice included, leaves the file alone.
    #[test]
    fn a_build_with_nothing_new_does_not_write_the_memo_again() {
        let dir = tempfile::tempdir().unwrap();
        saved(dir.path());
        let mut memo = memo_of(dir.path());
        for text in TEXTS.iter().chain(&TEXTS[..1]) {
            memo.sums(text);
        }
        assert!(!memo.changed());
        // One file fewer is a change: its text is dropped from the memo.
        let mut memo = memo_of(dir.path());
        for text in &TEXTS[1..] {
            memo.sums(text);
        }
        assert!(memo.changed());
        memo.save();
        assert_eq!(memo_of(dir.path()).known.len(), TEXTS.len() - 1);
    }

    #[test]
    fn a_memo_that_is_damaged_cut_short_or_of_another_version_is_not_used() {
        let dir = tempfile::tempdir().unwrap();
        saved(dir.path());
        let file = file_of(dir.path());
        let good = std::fs::read(&file).unwrap();
        assert!(parse(&good, &header()).is_some());
        // A checksum's byte changed, or the sum's.
        let mut damaged = good.clone();
        let at = damaged.len() - 40;
        damaged[at] ^= 1;
        assert!(parse(&damaged, &header()).is_none());
        let mut damaged = good.clone();
        *damaged.last_mut().unwrap() ^= 1;
        assert!(parse(&damaged, &header()).is_none());
        // Cut short, with the sum of what is left: an entry stops part-way.
        let mut cut = good[..good.len() - 8 - 20].to_vec();
        let sum = sum64(&cut);
        cut.extend_from_slice(&sum.to_le_bytes());
        assert!(parse(&cut, &header()).is_none());
        // Another version's header, summed.
        let mut other = good[..good.len() - 8].to_vec();
        other[FORMAT.len() + 1] ^= 1;
        let sum = sum64(&other);
        other.extend_from_slice(&sum.to_le_bytes());
        assert!(parse(&other, &header()).is_none());
        assert!(parse(b"", &header()).is_none());
        // A memo that cannot be used is computed afresh.
        std::fs::write(&file, &damaged).unwrap();
        let mut memo = memo_of(dir.path());
        assert!(memo.known.is_empty());
        assert_eq!(memo.sums(TEXTS[1]), Sums::of(TEXTS[1]));
    }

    /// Reading a folder through the memo reads what reading it without gives, from the first
    /// build on, for files of every shape, and after an edit.
    #[test]
    fn a_folder_read_through_the_memo_is_the_folder() {
        let root = crate::discover::tests::every_shape();
        let cache = tempfile::tempdir().unwrap();
        let folder = root.path().join("migrations");
        let read = |cached: bool| {
            let cache = cached.then_some(cache.path());
            crate::discover::resolve_dir_cached(root.path(), "migrations", cache).unwrap()
        };
        let plain = read(false);
        assert_eq!(read(true), plain, "the build that fills the memo");
        assert!(!Memo::load(cache.path(), &plain.dir).known.is_empty());
        assert_eq!(read(true), plain, "the build that reads it");
        std::fs::write(
            folder.join("001_plain.sql"),
            "CREATE TABLE a (x INT, y INT);\n",
        )
        .unwrap();
        let edited = read(false);
        assert_ne!(edited.migrations[0].checksum, plain.migrations[0].checksum);
        assert_eq!(read(true), edited, "after an edit");
        // The memo is what gives the sums: one written with other sums for a file's very
        // text (`011_same.sql`'s) gives those.
        let mut memo = Memo::load(cache.path(), &edited.dir);
        memo.known.clear();
        let other = Checksum([7; 32]);
        let fake = Sums {
            checksum: other,
            loose: other,
            legacy: None,
        };
        memo.used
            .insert("CREATE TABLE a (x INT);\n".to_owned(), fake);
        memo.missed = true;
        memo.save();
        let same = read(true);
        let same = same.migrations.iter().find(|m| m.description == "same");
        assert_eq!(same.map(|m| m.checksum), Some(other));
    }

    #[test]
    fn a_write_a_killed_build_left_behind_is_removed() {
        let dir = tempfile::tempdir().unwrap();
        let file = file_of(dir.path());
        let left = file.with_extension("4242.partial");
        let other = dir.path().join("sums-0011223344556677.4242.partial");
        std::fs::write(&left, b"half a memo").unwrap();
        std::fs::write(&other, b"another folder's").unwrap();
        saved(dir.path());
        assert!(!left.exists());
        assert!(other.exists(), "another folder's memo is left alone");
        assert!(file.exists());
    }

    #[test]
    fn without_a_folder_nothing_is_kept() {
        let mut memo = Memo::none();
        assert_eq!(memo.sums(TEXTS[0]), Sums::of(TEXTS[0]));
        memo.save();
    }
}
