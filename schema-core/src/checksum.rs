use sha2::{Digest, Sha256};
use std::fmt;

/// SHA-256 of a migration's content with a leading BOM removed and CRLF turned into LF: the same file checked out with CRLF
/// on Windows and LF on Linux has one checksum.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Checksum(pub [u8; 32]);

impl Checksum {
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

    /// SHA-256 of the bytes exactly as they are, the way sqlx checksums a file. Used to
    /// recognise rows that another tool recorded.
    pub fn of_raw(bytes: &[u8]) -> Self {
        Checksum(Sha256::digest(bytes).into())
    }

    /// Checksum of the content with every run of white space removed: two files that differ
    /// only in white space or line endings have the same loose checksum. Lets an error say
    /// "only white space differs".
    pub fn loose_of(content: &str) -> Self {
        let mut hasher = Sha256::new();
        let mut buf = [0u8; 4];
        for c in content.chars().filter(|c| !c.is_whitespace() && *c != '\u{feff}') {
            hasher.update(c.encode_utf8(&mut buf).as_bytes());
        }
        Checksum(hasher.finalize().into())
    }

    /// Lowercase hex, 64 characters.
    pub fn to_hex(&self) -> String {
        self.to_string()
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
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Checksum({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crlf_and_bom_have_the_checksum_of_the_lf_twin() {
        let lf = "CREATE TABLE a (id INTEGER);\nCREATE TABLE b (id INTEGER);\n";
        let crlf = "\u{feff}CREATE TABLE a (id INTEGER);\r\nCREATE TABLE b (id INTEGER);\r\n";
        assert_eq!(Checksum::of(lf), Checksum::of(crlf));
        assert_eq!(Checksum::of(lf), Checksum::of_raw(lf.as_bytes()));
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
    fn hex_round_trips() {
        let sum = Checksum::of("SELECT 1;");
        assert_eq!(sum.to_hex().len(), 64);
        assert_eq!(Checksum::from_hex(&sum.to_hex()), Some(sum));
        assert_eq!(Checksum::from_hex("zz"), None);
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
