//! The checksums other tools record, computed from an embedded file the way each tool computes
//! it from the file it read, so that a recorded migration is matched to its file by content.

use crate::Migration;
use sha2::{Digest, Sha384};
use siphasher::sip::SipHasher13;
use std::hash::{Hash, Hasher};

/// The file as a tool read it: the whole file (a goose or dbmate file's two halves, a wrapped
/// file's `BEGIN` and `COMMIT`), with or without a BOM (the embedded text has none, and a tool
/// that read the file with one hashed it with one).
fn as_read(m: &Migration) -> [String; 2] {
    [m.source.to_owned(), format!("\u{feff}{}", m.source)]
}

/// Whether sqlx's checksum (SHA-384 of the file as read, see sqlx-core's `Migration::new`) is
/// that of `m`. The file with LF or CRLF line endings matches too: the same file checked out on
/// another system.
pub(crate) fn sqlx_matches(m: &Migration, recorded: &[u8]) -> bool {
    let [plain, bom] = as_read(m);
    let lf = plain.replace("\r\n", "\n");
    let crlf = lf.replace('\n', "\r\n");
    [plain, bom, lf, crlf]
        .iter()
        .any(|text| Sha384::digest(text.as_bytes()).as_slice() == recorded)
}

/// Whether refinery's checksum is that of `m` recorded under `name` and `version`.
///
/// refinery (refinery-core's `Migration::unapplied`) feeds a SipHash-1-3 with keys 0 the
/// migration's name (the part of the file name after `V<version>__`), its version (an `i32`,
/// or an `i64` with its `int8-versions` feature) and the file's text, each through Rust's
/// `Hash`, and records the `u64` as decimal text. The name is the recorded one: the checksum
/// then proves the text is the file's, whatever this set calls the file.
pub(crate) fn refinery_matches(m: &Migration, name: &str, version: i64, recorded: u64) -> bool {
    let hash = |text: &str, wide: bool| {
        let mut hasher = SipHasher13::new();
        name.hash(&mut hasher);
        match i32::try_from(version) {
            Ok(narrow) if !wide => narrow.hash(&mut hasher),
            _ => version.hash(&mut hasher),
        }
        text.hash(&mut hasher);
        hasher.finish()
    };
    as_read(m)
        .iter()
        .any(|text| hash(text, false) == recorded || hash(text, true) == recorded)
}

/// Flyway's checksum of `m`: its `ChecksumCalculator` reads the file line by line
/// (`BufferedReader.readLine`, which drops `\n`, `\r\n` and `\r`), drops a BOM from the first
/// line, and feeds each line's UTF-8 bytes, without its line ending, to a CRC-32; the value is
/// stored as a signed 32-bit integer. That is the CRC-32 of the text without its BOM and
/// without any `\r` or `\n`: line endings do not change it, and neither do blank lines.
pub(crate) fn flyway(m: &Migration) -> i32 {
    static CRC_32: crc::Crc<u32> = crc::Crc::<u32>::new(&crc::CRC_32_ISO_HDLC);
    let mut digest = CRC_32.digest();
    for line in m.source.split(['\r', '\n']) {
        digest.update(line.as_bytes());
    }
    digest.finalize() as i32
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Checksum;
    use schema_core::MigrationKind;

    fn migration(sql: &'static str) -> Migration {
        Migration {
            version: 1,
            version_text: "1",
            description: "init",
            kind: MigrationKind::Simple,
            sql,
            source: sql,
            checksum: Checksum([0; 32]),
            legacy_checksum: None,
            loose_checksum: Checksum([0; 32]),
            statement_count: 1,
            directives: &[],
            noop: false,
            path: "migrations/V1__init.sql",
        }
    }

    #[test]
    fn flyway_checksum_ignores_line_endings_and_blank_lines() {
        // The CRC-32 (IEEE) of `CREATE TABLE a (id INT);INSERT INTO a VALUES (1);`, as a
        // signed integer.
        let expected = -287_911_070;
        for sql in [
            "CREATE TABLE a (id INT);\nINSERT INTO a VALUES (1);\n",
            "CREATE TABLE a (id INT);\r\nINSERT INTO a VALUES (1);",
            "CREATE TABLE a (id INT);\r\r\n\nINSERT INTO a VALUES (1);\r",
        ] {
            assert_eq!(flyway(&migration(sql)), expected, "{sql:?}");
        }
        assert_ne!(
            flyway(&migration(
                "CREATE TABLE a (id INT); INSERT INTO a VALUES (1);"
            )),
            expected
        );
    }

    #[test]
    fn sqlx_checksum_is_the_sha384_of_the_file_as_read() {
        let m = migration("SELECT 1;\r\n");
        assert!(sqlx_matches(&m, &Sha384::digest(b"SELECT 1;\r\n")));
        assert!(sqlx_matches(&m, &Sha384::digest(b"SELECT 1;\n")));
        assert!(sqlx_matches(
            &m,
            &Sha384::digest("\u{feff}SELECT 1;\r\n".as_bytes())
        ));
        assert!(!sqlx_matches(&m, &Sha384::digest(b"SELECT 2;\n")));
    }

    #[test]
    fn refinery_checksum_covers_name_version_and_text() {
        let m = migration("SELECT 1;");
        let recorded = {
            let mut hasher = SipHasher13::new();
            "init".hash(&mut hasher);
            1_i32.hash(&mut hasher);
            "SELECT 1;".hash(&mut hasher);
            hasher.finish()
        };
        assert!(refinery_matches(&m, "init", 1, recorded));
        assert!(!refinery_matches(&m, "other", 1, recorded));
        assert!(!refinery_matches(&m, "init", 2, recorded));
        assert!(!refinery_matches(
            &migration("SELECT 2;"),
            "init",
            1,
            recorded
        ));
    }
}
