//! The form `embed_migrations!` writes a set in, and the [`Migration`]s made of it once, at
//! first use.
//!
//! A `Migration` holds six pointers; in a position-independent binary each is a relocation
//! the loader applies at start (24 bytes of table each, and a written page), and each path
//! was a string of its own with a symbol of its own: about 430 bytes a migration beyond its
//! SQL. The macro writes instead, for each file, its text (`include_str!`, the one pointer),
//! spans of one string holding every path of the set, and its checksums; what few files have
//! (another SQL than the file's, a second checksum, directives) goes in a short list beside.
//! The runtime makes the set's `Migration`s the first time it is asked for them, once per
//! process: about 280 bytes less of binary a migration, for about 90 KB more resident memory
//! at 1,000 migrations (the list made on the heap, and the packed one read once, against the
//! relocated one it replaces). A boot with nothing to do only counts the packed list.

use crate::{Checksum, Directive, Migration};
use schema_core::record::{Record, Span};
use std::sync::{Mutex, PoisonError};

/// A set as `embed_migrations!` writes it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct PackedSet {
    /// Each migration's file (`include_str!`, without a BOM), in the set's order.
    pub sources: &'static [&'static str],
    /// Each migration's [`Record`], end to end, in the same order: its version, kind,
    /// checksums, and its path, version and description as spans of `text`.
    pub records: &'static [u8],
    /// What few migrations have beyond a record, by index, in index order.
    pub extras: &'static [Extra],
    /// Every path of the set, and any version or description that is not part of its file's
    /// name.
    pub text: &'static str,
}

/// What the migration at `index` has beyond its record.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Extra {
    pub index: u32,
    /// The SQL it runs where that is not its file.
    pub sql: Option<&'static str>,
    pub legacy_checksum: Option<Checksum>,
    pub directives: &'static [Directive],
}

impl PackedSet {
    /// How many migrations the set holds.
    pub(crate) fn len(&self) -> usize {
        self.sources.len()
    }

    /// How many of them apply: all but the downs.
    #[cfg(any(feature = "sqlite", feature = "postgres", test))]
    pub(crate) fn applying_count(&self) -> usize {
        (0..self.len())
            .filter(|&index| Record::kind_of(self.records, index) != crate::MigrationKind::Down)
            .count()
    }

    fn unpack(&self) -> Vec<Migration> {
        debug_assert!(self.extras.is_sorted_by_key(|e| e.index));
        let mut extras = self.extras.iter().peekable();
        (0..)
            .zip(self.sources)
            .map(|(index, &source)| {
                let extra = extras.next_if(|e| e.index == index);
                let record = Record::decode(self.records, index as usize);
                migration(&record, source, self.text, extra)
            })
            .collect()
    }
}

fn migration(
    record: &Record,
    source: &'static str,
    text: &'static str,
    extra: Option<&Extra>,
) -> Migration {
    // The macro wrote spans within the text; one that is not reads as empty, never panics.
    let at = |(start, len): Span| {
        let start = start as usize;
        start
            .checked_add(len as usize)
            .and_then(|end| text.get(start..end))
            .unwrap_or_default()
    };
    Migration {
        version: record.version,
        version_text: at(record.version_text),
        description: at(record.description),
        kind: record.kind,
        sql: extra.and_then(|e| e.sql).unwrap_or(source),
        source,
        checksum: record.checksum,
        legacy_checksum: extra.and_then(|e| e.legacy_checksum),
        loose_checksum: record.loose_checksum,
        statement_count: record.statement_count as usize,
        directives: extra.map_or(&[], |e| e.directives),
        noop: record.noop,
        path: at(record.path),
    }
}

/// The `Migration`s of a packed set: made the first time a set is asked for, kept for the
/// rest of the process (one list per set the binary embeds, found by the set's address: the
/// macro writes it as a `static`, one address even where the `Migrations` is a `const`
/// copied into several places).
pub(crate) fn unpacked(set: &'static PackedSet) -> &'static [Migration] {
    type Made = (usize, &'static [Migration]);
    static MADE: Mutex<Vec<Made>> = Mutex::new(Vec::new());
    if set.sources.is_empty() {
        return &[];
    }
    let key = std::ptr::from_ref(set) as usize;
    // Nothing holding the lock can panic but an allocation failure; a poisoned list is whole.
    let mut made = MADE.lock().unwrap_or_else(PoisonError::into_inner);
    if let Some((_, list)) = made.iter().find(|(k, _)| *k == key) {
        return list;
    }
    let list: &'static [Migration] = Box::leak(set.unpack().into_boxed_slice());
    made.push((key, list));
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MigrationKind;

    const TEXT: &str = "migrations/0001_café_menu.sqlmigrations/2_b.sqlV2";

    fn record(version: i64, spans: [Span; 3], sum: u8) -> Record {
        let [path, version_text, description] = spans;
        Record {
            version,
            version_text,
            description,
            kind: MigrationKind::Simple,
            noop: false,
            statement_count: 1,
            path,
            checksum: Checksum([sum; 32]),
            loose_checksum: Checksum([sum + 1; 32]),
        }
    }

    const MENU: &str = "CREATE TABLE menu (id INTEGER);";

    /// A set as the macro writes one, made at run time and kept for the process.
    fn leaked(
        records: &[Record],
        sources: &[&'static str],
        extras: Vec<Extra>,
    ) -> &'static PackedSet {
        let bytes: Vec<u8> = records.iter().flat_map(Record::encode).collect();
        Box::leak(Box::new(PackedSet {
            sources: Box::leak(sources.to_vec().into_boxed_slice()),
            records: Box::leak(bytes.into_boxed_slice()),
            extras: Box::leak(extras.into_boxed_slice()),
            text: TEXT,
        }))
    }

    #[test]
    fn spans_read_as_the_strings_they_cover() {
        let record = record(1, [(0, 30), (11, 4), (16, 10)], 1);
        let m = migration(&record, MENU, TEXT, None);
        assert_eq!(m.path, "migrations/0001_café_menu.sql");
        assert_eq!(m.version_text, "0001");
        assert_eq!(m.description, "café_menu");
        assert_eq!(m.sql, m.source);
        assert_eq!(m.legacy_checksum, None);
        assert!(m.directives.is_empty());
        assert_eq!(m.statement_count, 1);
    }

    #[test]
    fn a_span_off_the_text_or_a_character_reads_as_empty() {
        // `é` is two bytes, 19 and 20.
        let spans = [(0, 200), (19, 1), (u32::MAX, u32::MAX)];
        let m = migration(&record(1, spans, 1), MENU, TEXT, None);
        assert_eq!((m.path, m.version_text, m.description), ("", "", ""));
    }

    #[test]
    fn a_set_is_unpacked_once_with_its_extras_where_they_belong() {
        let mut down = record(2, [(30, 18), (48, 2), (43, 1)], 3);
        down.kind = MigrationKind::Down;
        let set = leaked(
            &[record(1, [(0, 30), (11, 4), (16, 10)], 1), down],
            &[MENU, "BEGIN; SELECT 1; COMMIT;"],
            vec![Extra {
                index: 1,
                sql: Some("SELECT 1;"),
                legacy_checksum: Some(Checksum([9; 32])),
                directives: &[Directive::NoTransaction],
            }],
        );
        assert_eq!((set.len(), set.applying_count()), (2, 1));
        let first = unpacked(set);
        let again = unpacked(set);
        assert!(std::ptr::eq(first, again));
        assert_eq!(first[0].source, MENU);
        assert_eq!(first[0].sql, first[0].source);
        assert_eq!(first[0].checksum, Checksum([1; 32]));
        assert_eq!(first[0].loose_checksum, Checksum([2; 32]));
        assert_eq!(first[0].legacy_checksum, None);
        assert!(!first[0].no_transaction());
        assert_eq!(first[1].kind, MigrationKind::Down);
        assert_eq!(first[1].path, "migrations/2_b.sql");
        assert_eq!(first[1].version_text, "V2");
        assert_eq!(first[1].description, "b");
        assert_eq!(first[1].sql, "SELECT 1;");
        assert_eq!(first[1].source, "BEGIN; SELECT 1; COMMIT;");
        assert!(first[1].no_transaction());
        assert_eq!(first[1].legacy_checksum, Some(Checksum([9; 32])));
        assert!(unpacked(leaked(&[], &[], Vec::new())).is_empty());
    }

    /// Records the macro of another version could have cut short read as zeros: the
    /// migrations are still made, never a panic.
    #[test]
    fn records_shorter_than_the_sources_read_as_empty_migrations() {
        let full = leaked(
            &[record(7, [(0, 30), (11, 4), (16, 10)], 1)],
            &[MENU, MENU],
            Vec::new(),
        );
        let made = full.unpack();
        assert_eq!(made.len(), 2);
        assert_eq!(made[0].version, 7);
        assert_eq!((made[1].version, made[1].path), (0, ""));
        assert_eq!(made[1].source, MENU);
    }
}
