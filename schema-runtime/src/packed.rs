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

use crate::{Checksum, Directive, Migration, MigrationKind};
use std::sync::{Mutex, PoisonError};

/// `start` and length of a string within the set's text.
pub type Span = (u32, u32);

/// A set as `embed_migrations!` writes it.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct PackedSet {
    pub migrations: &'static [Packed],
    /// What few migrations have beyond a [`Packed`], by index, in index order.
    pub extras: &'static [Extra],
    /// Every path of the set, and any version or description that is not part of its file's
    /// name.
    pub text: &'static str,
}

/// One migration as `embed_migrations!` writes it: a [`Migration`] with its path, version and
/// description as spans of the set's text, and what most migrations lack (another SQL than
/// the file's, a second checksum, directives) in an [`Extra`] of its own.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Packed {
    pub version: i64,
    pub version_text: Span,
    pub description: Span,
    pub kind: MigrationKind,
    pub source: &'static str,
    pub checksum: Checksum,
    pub loose_checksum: Checksum,
    pub statement_count: u32,
    pub noop: bool,
    pub path: Span,
}

/// What the migration at `index` has beyond its [`Packed`].
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Extra {
    pub index: u32,
    /// The SQL it runs where that is not its file.
    pub sql: Option<&'static str>,
    pub legacy_checksum: Option<Checksum>,
    pub directives: &'static [Directive],
}

impl Packed {
    fn unpack(&self, text: &'static str, extra: Option<&Extra>) -> Migration {
        // The macro wrote spans within the text; one that is not reads as empty, never panics.
        let at = |(start, len): Span| {
            let start = start as usize;
            start
                .checked_add(len as usize)
                .and_then(|end| text.get(start..end))
                .unwrap_or_default()
        };
        Migration {
            version: self.version,
            version_text: at(self.version_text),
            description: at(self.description),
            kind: self.kind,
            sql: extra.and_then(|e| e.sql).unwrap_or(self.source),
            source: self.source,
            checksum: self.checksum,
            legacy_checksum: extra.and_then(|e| e.legacy_checksum),
            loose_checksum: self.loose_checksum,
            statement_count: self.statement_count as usize,
            directives: extra.map_or(&[], |e| e.directives),
            noop: self.noop,
            path: at(self.path),
        }
    }
}

impl PackedSet {
    fn unpack(&self) -> Vec<Migration> {
        debug_assert!(self.extras.is_sorted_by_key(|e| e.index));
        let mut extras = self.extras.iter().peekable();
        (0..)
            .zip(self.migrations)
            .map(|(index, packed)| {
                let extra = extras.next_if(|e| e.index == index);
                packed.unpack(self.text, extra)
            })
            .collect()
    }
}

/// The `Migration`s of a packed set: made the first time a set is asked for, kept for the
/// rest of the process (one list per set the binary embeds, found by the set's address: the
/// macro writes it as a `static`, one address even where the `Migrations` is a `const`
/// copied into several places).
pub(crate) fn unpacked(set: &'static PackedSet) -> &'static [Migration] {
    type Made = (usize, &'static [Migration]);
    static MADE: Mutex<Vec<Made>> = Mutex::new(Vec::new());
    if set.migrations.is_empty() {
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

    const TEXT: &str = "migrations/0001_café_menu.sqlmigrations/2_b.sqlV2";

    const fn packed(version: i64, spans: [Span; 3], source: &'static str, sum: u8) -> Packed {
        let [path, version_text, description] = spans;
        Packed {
            version,
            version_text,
            description,
            kind: MigrationKind::Simple,
            source,
            checksum: Checksum([sum; 32]),
            loose_checksum: Checksum([sum + 1; 32]),
            statement_count: 1,
            noop: false,
            path,
        }
    }

    const MENU: &str = "CREATE TABLE menu (id INTEGER);";

    #[test]
    fn spans_read_as_the_strings_they_cover() {
        let m = packed(1, [(0, 30), (11, 4), (16, 10)], MENU, 1).unpack(TEXT, None);
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
        let m = packed(1, spans, MENU, 1).unpack(TEXT, None);
        assert_eq!((m.path, m.version_text, m.description), ("", "", ""));
    }

    static SET: PackedSet = PackedSet {
        migrations: &[
            packed(1, [(0, 30), (11, 4), (16, 10)], MENU, 1),
            packed(
                2,
                [(30, 18), (48, 2), (43, 1)],
                "BEGIN; SELECT 1; COMMIT;",
                3,
            ),
        ],
        extras: &[Extra {
            index: 1,
            sql: Some("SELECT 1;"),
            legacy_checksum: Some(Checksum([9; 32])),
            directives: &[Directive::NoTransaction],
        }],
        text: TEXT,
    };

    #[test]
    fn a_set_is_unpacked_once_with_its_extras_where_they_belong() {
        let first = unpacked(&SET);
        let again = unpacked(&SET);
        assert!(std::ptr::eq(first, again));
        assert_eq!(first[0].sql, first[0].source);
        assert_eq!(first[0].legacy_checksum, None);
        assert!(!first[0].no_transaction());
        assert_eq!(first[1].path, "migrations/2_b.sql");
        assert_eq!(first[1].version_text, "V2");
        assert_eq!(first[1].description, "b");
        assert_eq!(first[1].sql, "SELECT 1;");
        assert_eq!(first[1].source, "BEGIN; SELECT 1; COMMIT;");
        assert!(first[1].no_transaction());
        assert_eq!(first[1].legacy_checksum, Some(Checksum([9; 32])));
        static EMPTY: PackedSet = PackedSet {
            migrations: &[],
            extras: &[],
            text: "",
        };
        assert!(unpacked(&EMPTY).is_empty());
    }
}
