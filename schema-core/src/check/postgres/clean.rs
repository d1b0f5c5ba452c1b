//! The files the PostgreSQL check found nothing in, kept between builds beside the SQLite
//! check's checkpoints (`postgres-clean-<folder>.bin`).
//!
//! The macro's copy of squawk's parser is built unoptimised, as cargo builds a proc macro's
//! dependencies, and parsed every file at every build: about 1 s at 1,000 migrations, whatever
//! was edited. What the check finds in a file depends on its SQL alone (but for a prefix that
//! confines the set, where what the files before it created counts too, and the record is not
//! used), so a file whose SQL is byte for byte one the last build parsed clean (no syntax
//! error, nothing PostgreSQL refuses inside a transaction) is not parsed again. A file with
//! anything to report is parsed at every build, so every problem is still found by parsing the
//! file that has it. The file starts with a sum of the check's code, so that code that judges
//! otherwise does not take another's word.

use crate::checksum::sum64;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// Bumped whenever what the file holds, or how, changes.
const FORMAT: &str = "schema-postgres-clean 1";

/// The code that judges a file (with the parser, pinned to one release by this crate's
/// version): a record is used only by the code that wrote it, whatever the version says.
const CODE: [&str; 3] = [
    include_str!("mod.rs"),
    include_str!("nesting.rs"),
    include_str!("transaction.rs"),
];

/// The digests of the SQL of files parsed clean: the last build's, and this one's.
pub(super) struct Clean {
    file: PathBuf,
    /// [`header`], computed once: the file read starts with it, the file written too.
    header: String,
    known: HashSet<[u8; 32]>,
    now: Vec<[u8; 32]>,
}

fn header() -> String {
    format!(
        "{FORMAT} {} {:016x}\n",
        env!("CARGO_PKG_VERSION"),
        sum64(CODE.concat().as_bytes())
    )
}

impl Clean {
    /// What the last build of the folder `folder` left in `dir`, if this code can use it.
    pub(super) fn load(dir: &Path, folder: &Path) -> Clean {
        let file = crate::saved::file_for(dir, "postgres-clean", folder);
        let header = header();
        let known = std::fs::read(&file)
            .ok()
            .and_then(|bytes| parse(&bytes, &header))
            .unwrap_or_default();
        Clean {
            file,
            header,
            known,
            now: Vec::new(),
        }
    }

    /// Whether the last build parsed this SQL clean.
    pub(super) fn knows(&self, digest: &[u8; 32]) -> bool {
        self.known.contains(digest)
    }

    /// This build found nothing in the SQL of this digest.
    pub(super) fn add(&mut self, digest: [u8; 32]) {
        self.now.push(digest);
    }

    /// Keeps this build's clean files for the next one.
    pub(super) fn save(mut self) {
        self.now.sort_unstable();
        self.now.dedup();
        let same = self.now.len() == self.known.len()
            && self.now.iter().all(|digest| self.known.contains(digest));
        if same {
            return;
        }
        let mut body = self.header.into_bytes();
        for digest in &self.now {
            body.extend_from_slice(digest);
        }
        crate::saved::write(&self.file, &crate::saved::seal(body));
    }
}

/// The digests a file that starts with `header` holds; `None` for one that is damaged, cut
/// short, or written by other code.
fn parse(bytes: &[u8], header: &str) -> Option<HashSet<[u8; 32]>> {
    let body = crate::saved::unseal(bytes)?;
    let digests = body.strip_prefix(header.as_bytes())?;
    let (chunks, rest) = digests.as_chunks::<32>();
    rest.is_empty().then(|| chunks.iter().copied().collect())
}

#[cfg(test)]
mod tests {
    use super::Clean;

    #[test]
    fn clean_files_are_kept_for_the_next_build_only_whole() {
        let dir = tempfile::tempdir().unwrap();
        let folder = std::path::Path::new("/crate/migrations");
        let mut first = Clean::load(dir.path(), folder);
        assert!(!first.knows(&[1; 32]));
        first.add([1; 32]);
        first.add([2; 32]);
        first.add([1; 32]);
        first.save();
        let second = Clean::load(dir.path(), folder);
        assert!(second.knows(&[1; 32]) && second.knows(&[2; 32]) && !second.knows(&[3; 32]));
        // Another folder's is its own.
        assert!(!Clean::load(dir.path(), std::path::Path::new("/other")).knows(&[1; 32]));
        // Damaged, it is not used.
        let file = second.file.clone();
        let mut bytes = std::fs::read(&file).unwrap();
        let last = bytes.len() - 9;
        bytes[last] ^= 1;
        std::fs::write(&file, &bytes).unwrap();
        assert!(!Clean::load(dir.path(), folder).knows(&[1; 32]));
    }
}
