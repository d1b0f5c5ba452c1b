//! What each up of a chain fed into its checkpoints' keys (its path, version, description,
//! kind, directives and a digest of its SQL, and its down's), kept from one build to the next
//! in `<stem>.feeds` beside the checkpoints.
//!
//! A checkpoint's key stands for everything before it, so an edit of a file leaves every
//! checkpoint after it unnamed, even when the edit leaves the database as it was: a comment, a
//! `-- schema:` line, a file renamed. With the last build's feeds, the check tells which ups
//! changed since, and where the chain is past the last of them with the database byte for
//! byte as that build had it there, the checkpoints that build wrote further on stand for this
//! chain as well (see `ChainCache::take_up`).

use crate::saved;
use std::path::Path;

const FORMAT: &[u8] = b"schema-check-feeds 1\0";

/// The bytes each up fed into the keys, end to end.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Feeds {
    bytes: Vec<u8>,
    /// Where each up's bytes end.
    ends: Vec<usize>,
}

impl Feeds {
    /// Appends what the next up fed; `feed` writes it.
    pub(super) fn push(&mut self, feed: impl FnOnce(&mut Vec<u8>)) {
        feed(&mut self.bytes);
        self.ends.push(self.bytes.len());
    }

    pub(super) fn len(&self) -> usize {
        self.ends.len()
    }

    /// What the up at `index` fed.
    pub(super) fn get(&self, index: usize) -> &[u8] {
        let start = index.checked_sub(1).map_or(0, |before| self.ends[before]);
        &self.bytes[start..self.ends[index]]
    }

    /// How many ups `self` and `other` share before the last one they differ in, the last
    /// included: the count of ups after which the chains are fed alike to their end. `None`
    /// when they differ in length or not at all.
    pub(super) fn changed_through(&self, other: &Feeds) -> Option<usize> {
        if self.len() != other.len() {
            return None;
        }
        (0..self.len())
            .rev()
            .find(|&index| self.get(index) != other.get(index))
            .map(|index| index + 1)
    }

    /// The file's bytes: the format, the stem of the chain, each up's length and bytes, sealed
    /// with a sum of all that.
    fn encode(&self, stem: &str) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.bytes.len() + 4 * self.len() + 64);
        out.extend_from_slice(FORMAT);
        out.extend_from_slice(stem.as_bytes());
        out.push(0);
        out.extend_from_slice(&u32::try_from(self.len()).unwrap_or(u32::MAX).to_le_bytes());
        for index in 0..self.len() {
            let up = self.get(index);
            out.extend_from_slice(&u32::try_from(up.len()).unwrap_or(u32::MAX).to_le_bytes());
            out.extend_from_slice(up);
        }
        saved::seal(out)
    }

    /// What [`encode`](Self::encode) wrote for `stem`; `None` for bytes it did not write.
    fn decode(bytes: &[u8], stem: &str) -> Option<Feeds> {
        let mut rest = saved::unseal(bytes)?
            .strip_prefix(FORMAT)?
            .strip_prefix(stem.as_bytes())?
            .strip_prefix(b"\0")?;
        let mut take = |len: usize| -> Option<&[u8]> {
            let (taken, after) = rest.split_at_checked(len)?;
            rest = after;
            Some(taken)
        };
        let word = |bytes: &[u8]| -> Option<usize> {
            Some(u32::from_le_bytes(bytes.try_into().ok()?) as usize)
        };
        let count = word(take(4)?)?;
        let mut feeds = Feeds::default();
        for _ in 0..count {
            let len = word(take(4)?)?;
            let up = take(len)?;
            feeds.push(|out| out.extend_from_slice(up));
        }
        rest.is_empty().then_some(feeds)
    }

    /// The feeds the last build of the chain named `stem` kept in `dir`, if any.
    pub(super) fn load(dir: &Path, stem: &str) -> Option<Feeds> {
        let bytes = std::fs::read(Self::path(dir, stem)).ok()?;
        Self::decode(&bytes, stem)
    }

    /// Keeps these feeds for the next build, unless the file holds them already.
    pub(super) fn save(&self, dir: &Path, stem: &str) {
        saved::write(&Self::path(dir, stem), &self.encode(stem));
    }

    fn path(dir: &Path, stem: &str) -> std::path::PathBuf {
        dir.join(format!("{stem}.feeds"))
    }
}

#[cfg(test)]
mod tests {
    use super::Feeds;

    fn feeds(ups: &[&[u8]]) -> Feeds {
        let mut feeds = Feeds::default();
        for up in ups {
            feeds.push(|out| out.extend_from_slice(up));
        }
        feeds
    }

    #[test]
    fn feeds_read_back_as_written_for_their_stem_only() {
        let written = feeds(&[b"a\0one", b"", b"\xff\x00two"]);
        let bytes = written.encode("0123abcd");
        assert_eq!(Feeds::decode(&bytes, "0123abcd"), Some(written));
        assert_eq!(Feeds::decode(&bytes, "0123abce"), None);
        assert_eq!(
            Feeds::decode(&feeds(&[]).encode("s"), "s"),
            Some(feeds(&[]))
        );
    }

    #[test]
    fn damaged_or_cut_feeds_are_not_read() {
        let bytes = feeds(&[b"one", b"two"]).encode("s");
        for cut in 0..bytes.len() {
            assert_eq!(Feeds::decode(&bytes[..cut], "s"), None, "cut at {cut}");
        }
        for at in 0..bytes.len() {
            let mut damaged = bytes.clone();
            damaged[at] ^= 0x20;
            assert_eq!(Feeds::decode(&damaged, "s"), None, "damaged at {at}");
        }
    }

    #[test]
    fn the_last_changed_up_is_found_in_chains_of_one_length() {
        let before = feeds(&[b"1", b"2", b"3", b"4"]);
        assert_eq!(
            before.changed_through(&feeds(&[b"1", b"2", b"3", b"4"])),
            None
        );
        assert_eq!(
            before.changed_through(&feeds(&[b"1", b"x", b"3", b"4"])),
            Some(2)
        );
        assert_eq!(
            before.changed_through(&feeds(&[b"x", b"2", b"x", b"4"])),
            Some(3)
        );
        assert_eq!(
            before.changed_through(&feeds(&[b"1", b"2", b"3", b"x"])),
            Some(4)
        );
        assert_eq!(before.changed_through(&feeds(&[b"1", b"2", b"3"])), None);
    }
}
