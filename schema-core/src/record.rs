//! The fixed-size record of one embedded migration: what `embed_migrations!` writes of each
//! file beside its text, and what the runtime reads back, at first use, into a `Migration`.
//!
//! The records of a set are one byte string, where each migration was a struct literal of
//! ten fields: at a thousand migrations the compiler spent 60-70 ms of every rebuild type
//! checking and evaluating those literals, against a few milliseconds for one string. The
//! layout is written here once, for both sides: the macro and the runtime are released
//! together and pinned to the same version of this crate.

use crate::{Checksum, MigrationKind};

/// Bytes of one record.
pub const RECORD_LEN: usize = 102;

/// `start` and length of a string within the set's text (its paths and names).
pub type Span = (u32, u32);

/// One migration's fields beside its text, as a record holds them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record {
    pub version: i64,
    pub version_text: Span,
    pub description: Span,
    pub kind: MigrationKind,
    pub noop: bool,
    pub statement_count: u32,
    pub path: Span,
    pub checksum: Checksum,
    pub loose_checksum: Checksum,
}

// Where each field lies in a record, little-endian.
const VERSION: usize = 0;
const VERSION_TEXT: usize = 8;
const DESCRIPTION: usize = 16;
const KIND: usize = 24;
const NOOP: usize = 25;
const STATEMENT_COUNT: usize = 26;
const PATH: usize = 30;
const CHECKSUM: usize = 38;
const LOOSE_CHECKSUM: usize = 70;
const _: () = assert!(LOOSE_CHECKSUM + 32 == RECORD_LEN);

fn kind_code(kind: MigrationKind) -> u8 {
    match kind {
        MigrationKind::Simple => 0,
        MigrationKind::Up => 1,
        MigrationKind::Down => 2,
        MigrationKind::Repeatable => 3,
    }
}

impl Record {
    /// The record's bytes.
    pub fn encode(&self) -> [u8; RECORD_LEN] {
        let mut out = [0; RECORD_LEN];
        let mut put = |at: usize, bytes: &[u8]| out[at..at + bytes.len()].copy_from_slice(bytes);
        put(VERSION, &self.version.to_le_bytes());
        for (at, (start, len)) in [
            (VERSION_TEXT, self.version_text),
            (DESCRIPTION, self.description),
            (PATH, self.path),
        ] {
            put(at, &start.to_le_bytes());
            put(at + 4, &len.to_le_bytes());
        }
        put(KIND, &[kind_code(self.kind)]);
        put(NOOP, &[u8::from(self.noop)]);
        put(STATEMENT_COUNT, &self.statement_count.to_le_bytes());
        put(CHECKSUM, &self.checksum.0);
        put(LOOSE_CHECKSUM, &self.loose_checksum.0);
        out
    }

    /// The record at `index` of `records`, the records of a set end to end. Never panics:
    /// what the bytes lack reads as zeros, an unknown kind as a simple migration (neither
    /// happens to bytes the macro of the same version wrote).
    pub fn decode(records: &[u8], index: usize) -> Record {
        let mut bytes = [0; RECORD_LEN];
        if let Some(found) = index
            .checked_mul(RECORD_LEN)
            .and_then(|start| records.get(start..))
        {
            let len = found.len().min(RECORD_LEN);
            bytes[..len].copy_from_slice(&found[..len]);
        }
        let array = |at: usize| -> [u8; 32] {
            let mut out = [0; 32];
            out.copy_from_slice(&bytes[at..at + 32]);
            out
        };
        let u32_at = |at: usize| {
            u32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
        };
        let span = |at: usize| (u32_at(at), u32_at(at + 4));
        let mut version = [0; 8];
        version.copy_from_slice(&bytes[VERSION..VERSION + 8]);
        Record {
            version: i64::from_le_bytes(version),
            version_text: span(VERSION_TEXT),
            description: span(DESCRIPTION),
            kind: kind_from(bytes[KIND]),
            noop: bytes[NOOP] != 0,
            statement_count: u32_at(STATEMENT_COUNT),
            path: span(PATH),
            checksum: Checksum(array(CHECKSUM)),
            loose_checksum: Checksum(array(LOOSE_CHECKSUM)),
        }
    }

    /// The kind alone of the record at `index`, as [`decode`](Self::decode) reads it.
    pub fn kind_of(records: &[u8], index: usize) -> MigrationKind {
        let code = index
            .checked_mul(RECORD_LEN)
            .and_then(|start| start.checked_add(KIND))
            .and_then(|at| records.get(at));
        kind_from(code.copied().unwrap_or(0))
    }
}

fn kind_from(code: u8) -> MigrationKind {
    match code {
        1 => MigrationKind::Up,
        2 => MigrationKind::Down,
        3 => MigrationKind::Repeatable,
        _ => MigrationKind::Simple,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(version: i64, kind: MigrationKind, seed: u8) -> Record {
        Record {
            version,
            version_text: (u32::MAX, 7),
            description: (1, u32::MAX),
            kind,
            noop: seed % 2 == 1,
            statement_count: u32::MAX - u32::from(seed),
            path: (0x0102_0304, 0x0506_0708),
            checksum: Checksum([seed; 32]),
            loose_checksum: Checksum(std::array::from_fn(|i| seed.wrapping_add(i as u8))),
        }
    }

    #[test]
    fn records_read_back_as_written_end_to_end() {
        let written = [
            record(i64::MIN, MigrationKind::Simple, 0),
            record(-1, MigrationKind::Up, 1),
            record(0, MigrationKind::Down, 0xfe),
            record(i64::MAX, MigrationKind::Repeatable, 0xff),
        ];
        let bytes: Vec<u8> = written.iter().flat_map(Record::encode).collect();
        assert_eq!(bytes.len(), written.len() * RECORD_LEN);
        for (index, record) in written.iter().enumerate() {
            assert_eq!(Record::decode(&bytes, index), *record);
            assert_eq!(Record::kind_of(&bytes, index), record.kind);
        }
    }

    /// The layout is what binaries already built hold; it changes only with the macro.
    #[test]
    fn the_layout_is_stable() {
        let bytes = record(0x0102_0304_0506_0708, MigrationKind::Down, 3).encode();
        assert_eq!(bytes[..8], [8, 7, 6, 5, 4, 3, 2, 1]);
        assert_eq!(bytes[8..16], [0xff, 0xff, 0xff, 0xff, 7, 0, 0, 0]);
        assert_eq!(bytes[24..26], [2, 1]);
        assert_eq!(bytes[30..38], [4, 3, 2, 1, 8, 7, 6, 5]);
        assert_eq!(bytes[38..70], [3; 32]);
        assert_eq!(bytes[70], 3);
        assert_eq!(bytes[101], 3 + 31);
    }

    #[test]
    fn short_or_odd_bytes_read_as_zeros_never_panic() {
        let one = record(5, MigrationKind::Up, 9).encode();
        let zero = Record::decode(&[], 0);
        assert_eq!(zero.version, 0);
        assert_eq!(zero.kind, MigrationKind::Simple);
        assert_eq!(zero.path, (0, 0));
        assert_eq!(Record::decode(&one, usize::MAX), zero);
        assert_eq!(Record::kind_of(&one, usize::MAX), MigrationKind::Simple);
        // Cut short: the version is whole, the rest zeros.
        let cut = Record::decode(&one[..10], 0);
        assert_eq!(cut.version, 5);
        assert_eq!(cut.checksum, Checksum([0; 32]));
        let mut odd = one;
        odd[KIND] = 200;
        assert_eq!(Record::decode(&odd, 0).kind, MigrationKind::Simple);
    }
}
