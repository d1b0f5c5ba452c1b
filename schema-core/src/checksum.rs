use crate::directive::without_directive_lines;
use sha2::{Digest, Sha256};
use std::fmt;

/// SHA-256 of a migration's content with a leading BOM removed and CRLF turned into LF: the same file checked out with CRLF
/// on Windows and LF on Linux has one checksum.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Checksum(pub [u8; 32]);

impl Checksum {
    /// The checksum whose bytes these are, in a constant expression.
    pub const fn from_bytes(bytes: &[u8; 32]) -> Checksum {
        Checksum(*bytes)
    }

    /// Checksums `content` after removing a leading BOM and turning CRLF into LF.
    pub fn of(content: &str) -> Self {
        let mut hasher = Sha256::new();
        let content = content.strip_prefix('\u{feff}').unwrap_or(content);
        // Hash the pieces between CRs instead of building a normalised copy of the file.
        let mut rest = content;
        while let Some(cr) = rest.find("\r\n") {
            hasher.update(&rest.as_bytes()[..cr]);
            hasher.update(b"\n");
            rest = &rest[cr + 2..];
        }
        hasher.update(rest.as_bytes());
        Checksum(hasher.finalize().into())
    }

    /// The checksum a migration file is tracked by: [`Checksum::of`] its content without its
    /// leading `-- schema:` directive lines, so that adding `-- schema: no-check` to a file
    /// already applied does not change it. sqlx's `-- no-transaction` line counts as content.
    pub fn of_migration(content: &str) -> Self {
        Checksum::of(&without_directive_lines(content))
    }

    /// The checksum versions before directive lines were left out recorded for a migration:
    /// [`Checksum::of`] its whole content. `None` where it is [`Checksum::of_migration`] (the
    /// file has no `-- schema:` line), which is every file but those.
    pub fn legacy_of_migration(content: &str) -> Option<Self> {
        match without_directive_lines(content) {
            std::borrow::Cow::Borrowed(_) => None,
            std::borrow::Cow::Owned(_) => Some(Checksum::of(content)),
        }
    }

    /// [`Checksum::loose_of`] a migration's content without its leading `-- schema:` lines.
    pub fn loose_of_migration(content: &str) -> Self {
        Checksum::loose_of(&without_directive_lines(content))
    }

    /// Checksum of the content with every run of white space removed: two files that differ
    /// only in white space or line endings have the same loose checksum. Lets an error say
    /// "only white space differs".
    pub fn loose_of(content: &str) -> Self {
        let mut hasher = Sha256::new();
        // Hash the runs between white space, not one character at a time; ASCII read byte by
        // byte (the macro's copy is built unoptimised, where a `char` iterator costs several
        // calls a character), other characters decoded.
        let bytes = content.as_bytes();
        let (mut run, mut at) = (0, 0);
        while at < bytes.len() {
            let (white, len) = match bytes[at] {
                b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r' => (true, 1),
                0..=0x7f => (false, 1),
                _ => match content[at..].chars().next() {
                    Some(c) => (c.is_whitespace() || c == '\u{feff}', c.len_utf8()),
                    None => (false, bytes.len() - at),
                },
            };
            if white {
                hasher.update(&bytes[run..at]);
                run = at + len;
            }
            at += len;
        }
        hasher.update(&bytes[run..]);
        Checksum(hasher.finalize().into())
    }

    /// The fingerprint of a set of applied migrations: the XOR of one hash per
    /// `(version, checksum)`. Order does not matter and removing a migration is one more XOR, so
    /// a database can keep it up to date in the same transaction as each apply or revert, and a
    /// boot compares one stored value with one computed at build time instead of reading every
    /// row.
    pub fn fingerprint<'a>(migrations: impl IntoIterator<Item = (i64, &'a Checksum)>) -> Checksum {
        migrations
            .into_iter()
            .fold(Checksum([0; 32]), |acc, (version, checksum)| {
                acc.xor(&Checksum::fingerprint_part(version, checksum))
            })
    }

    /// One migration's share of a [`Checksum::fingerprint`].
    pub fn fingerprint_part(version: i64, checksum: &Checksum) -> Checksum {
        let mut hasher = Sha256::new();
        hasher.update(version.to_be_bytes());
        hasher.update(checksum.0);
        Checksum(hasher.finalize().into())
    }

    /// Byte-wise XOR.
    pub fn xor(&self, other: &Checksum) -> Checksum {
        let mut out = self.0;
        for (a, b) in out.iter_mut().zip(other.0) {
            *a ^= b;
        }
        Checksum(out)
    }

    /// Lowercase hex, 64 characters.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }

    /// Parses 64 hex characters; `None` for anything else.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 64 || !hex.is_ascii() {
            return None;
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).ok()?;
        }
        Some(Checksum(out))
    }
}

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checksum({self})")
    }
}

/// 64 bits over `bytes`' 8-byte words and their length, to tell a file of the check's (a
/// checkpoint, the memo of checksums) that was damaged. Not SHA-256: the macro's dependencies
/// build unoptimised, where hashing megabytes with it would cost more than what the file
/// saves. For the same reason the words come from `as_chunks` (a slice of arrays, one call),
/// not from an iterator of slices copied into arrays: unoptimised, each of those steps is a
/// call, and at 1,000 migrations the sums of an edit's three checkpoints (12 MB) took 60 ms
/// that way against 11 ms this way.
pub(crate) fn sum64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325 ^ bytes.len() as u64;
    let (words, rest) = bytes.as_chunks::<8>();
    for word in words {
        h = (h ^ u64::from_le_bytes(*word)).wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    for b in rest {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// `bytes` in lowercase hex, two characters each.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut hex = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    hex
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_bom_have_the_checksum_of_the_lf_twin() {
        let lf = "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n";
        let crlf = "\u{feff}CREATE TABLE a (id INTEGER);\r\nCREATE TABLE b (id INTEGER);\r\n";
        assert_eq!(Checksum::of(lf), Checksum::of(crlf));
        assert_eq!(
            Checksum::of(lf),
            Checksum(Sha256::digest(lf.as_bytes()).into())
        );
    }

    #[test]
    fn different_content_has_a_different_checksum() {
        assert_ne!(Checksum::of("SELECT 1;"), Checksum::of("SELECT 2;"));
    }

    #[test]
    fn a_lone_cr_is_content() {
        assert_ne!(Checksum::of("a\rb"), Checksum::of("a\nb"));
    }

    #[test]
    fn fingerprint_ignores_order_and_undoes_with_one_more_xor() {
        let (a, b) = (Checksum::of("a"), Checksum::of("b"));
        let ab = Checksum::fingerprint([(1, &a), (2, &b)]);
        assert_eq!(ab, Checksum::fingerprint([(2, &b), (1, &a)]));
        assert_ne!(ab, Checksum::fingerprint([(1, &b), (2, &a)]));
        assert_eq!(
            ab.xor(&Checksum::fingerprint_part(2, &b)),
            Checksum::fingerprint([(1, &a)])
        );
        assert_eq!(Checksum::fingerprint([]), Checksum([0; 32]));
    }

    #[test]
    fn hex_round_trips() {
        let sum = Checksum::of("SELECT 1;");
        assert_eq!(sum.to_hex().len(), 64);
        assert_eq!(Checksum::from_hex(&sum.to_hex()), Some(sum));
        assert_eq!(Checksum::from_hex("zz"), None);
        // The SHA-256 of "abc", as every implementation writes it.
        assert_eq!(
            Checksum::of("abc").to_hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(
            Checksum::of("abc").to_string(),
            Checksum::of("abc").to_hex()
        );
    }

    /// The loose checksum is stored in databases: it must stay the hash of the text's
    /// characters other than white space and BOMs, in order.
    #[test]
    fn loose_checksum_is_the_hash_of_the_non_white_space_characters() {
        let text = "\u{feff}CREATE\tTABLE  é (\r\n  id INT\u{2003}-- x\n);\n\
                    \u{85}a\u{a0}b\u{3000}c\u{feff}d\x0b\x0ce🦀 \u{2028}ü";
        let kept: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\u{feff}')
            .collect();
        let mut hasher = Sha256::new();
        hasher.update(kept.as_bytes());
        assert_eq!(Checksum::loose_of(text), Checksum(hasher.finalize().into()));
    }

    #[test]
    fn a_migration_is_tracked_without_its_directive_lines() {
        let applied = "CREATE TABLE a (id INT);\n";
        let opted_out = "-- schema: no-check\r\nCREATE TABLE a (id INT);\r\n";
        assert_eq!(Checksum::of_migration(opted_out), Checksum::of(applied));
        assert_eq!(
            Checksum::legacy_of_migration(opted_out),
            Some(Checksum::of(opted_out))
        );
        assert_eq!(Checksum::legacy_of_migration(applied), None);
        assert_eq!(Checksum::of_migration(applied), Checksum::of(applied));
        assert_eq!(
            Checksum::loose_of_migration(opted_out),
            Checksum::loose_of(applied)
        );
        // sqlx's directive is part of the file, as in sqlx's checksum.
        let sqlx = "-- no-transaction\nCREATE INDEX CONCURRENTLY i ON a (id);";
        assert_eq!(Checksum::of_migration(sqlx), Checksum::of(sqlx));
        assert_eq!(Checksum::legacy_of_migration(sqlx), None);
    }

    #[test]
    fn loose_checksum_ignores_white_space_only() {
        assert_eq!(
            Checksum::loose_of("CREATE TABLE a (id INT);\n"),
            Checksum::loose_of("CREATE  TABLE a (id INT);\r\n\n")
        );
        assert_ne!(
            Checksum::loose_of("CREATE TABLE a (id INT);"),
            Checksum::loose_of("CREATE TABLE b (id INT);")
        );
    }
}
