//! The names the models give tables, columns, checks and indexes, held to what the database
//! keeps: PostgreSQL keeps the first 63 bytes of a name and drops the rest without an error,
//! so two long names that share their start would become one.

use super::error::{Place, Problems};
use schema_core::Dialect;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// The bytes of a name PostgreSQL keeps (`NAMEDATALEN` - 1).
const POSTGRES_NAME_BYTES: usize = 63;

/// Whether `name` (a table's, a column's, an index's, which the model gives or takes from a
/// file or a property) can be used as it is; a problem at `place` when it cannot: it is empty,
/// it holds a `.` (read as `schema.name`, in SQL and in the names the models make from it), or
/// it is longer than PostgreSQL keeps.
pub(crate) fn usable(name: &str, dialect: Dialect, place: &Place, problems: &mut Problems) -> bool {
    if name.is_empty() {
        problems.at(place, "an empty name", "give it a name");
        return false;
    }
    if name.contains('.') {
        problems.at(
            place,
            format!("`{name}` holds a `.`, which would be read as `schema.name`"),
            "name it without `.` (the models make their tables in the default schema)",
        );
        return false;
    }
    if dialect == Dialect::Postgres && name.len() > POSTGRES_NAME_BYTES {
        problems.at(
            place,
            format!(
                "the name `{name}` is {} bytes long, and PostgreSQL keeps {POSTGRES_NAME_BYTES}",
                name.len()
            ),
            "give it a shorter name (`x-table`, `x-column`, `x-join-table`, the index's `name`; a join table's columns are named after the model's table and the property)",
        );
        return false;
    }
    true
}

/// Made-up names (checks of one table, or indexes of one schema) as PostgreSQL keeps them:
/// one longer than 63 bytes is cut there, as PostgreSQL cuts it itself, so that a database
/// made before keeps its names. Where that would make two names one, each long one of them
/// is cut to 54 bytes instead and ends with `_` and 8 hexadecimal digits of its whole name's
/// SHA-256. Names of 63 bytes or fewer are never changed.
pub(crate) fn fit<'a>(names: impl IntoIterator<Item = &'a mut String>, dialect: Dialect) {
    if dialect != Dialect::Postgres {
        return;
    }
    let mut names: Vec<&mut String> = names.into_iter().collect();
    let mut count: BTreeMap<String, usize> = BTreeMap::new();
    for name in &names {
        *count
            .entry(cut(name, POSTGRES_NAME_BYTES).to_owned())
            .or_default() += 1;
    }
    for name in names.iter_mut().filter(|n| n.len() > POSTGRES_NAME_BYTES) {
        let kept = cut(name, POSTGRES_NAME_BYTES).to_owned();
        **name = if count[&kept] > 1 {
            let digest = Sha256::digest(name.as_bytes());
            let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
            format!("{}_{hex}", cut(name, POSTGRES_NAME_BYTES - 9))
        } else {
            kept
        };
    }
}

/// The first `bytes` bytes of `name`, or fewer so as not to split a character.
fn cut(name: &str, bytes: usize) -> &str {
    let mut end = bytes.min(name.len());
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    &name[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fitted(names: &[String], dialect: Dialect) -> Vec<String> {
        let mut names = names.to_vec();
        fit(names.iter_mut(), dialect);
        names
    }

    #[test]
    fn long_made_up_names_are_cut_as_postgres_cuts_them_and_hashed_only_where_they_collide() {
        let long = |end: &str| format!("{}_{end}", "t".repeat(70));
        let names = vec![
            "posts_title_idx".to_owned(),
            long("a_idx"),
            "short".to_owned(),
        ];
        let cut_alone = fitted(&names, Dialect::Postgres);
        assert_eq!(cut_alone[0], "posts_title_idx");
        assert_eq!(cut_alone[1], "t".repeat(63));
        // Two that PostgreSQL would make one: each ends with its own hash.
        let names = vec![long("a_idx"), long("b_idx")];
        let apart = fitted(&names, Dialect::Postgres);
        assert_eq!(apart[0].len(), 63);
        assert!(apart[0].starts_with(&"t".repeat(54)), "{}", apart[0]);
        assert_ne!(apart[0], apart[1]);
        assert_eq!(apart, fitted(&names, Dialect::Postgres));
        // One cut onto a name of 63 bytes: the short one stays, the long one is hashed.
        let names = vec!["t".repeat(63), long("c")];
        let apart = fitted(&names, Dialect::Postgres);
        assert_eq!(apart[0], "t".repeat(63));
        assert_ne!(apart[1], apart[0]);
        assert_eq!(fitted(&names, Dialect::Sqlite), names);
        // A cut never splits a character.
        let wide = vec!["é".repeat(40)];
        assert!(fitted(&wide, Dialect::Postgres)[0].len() <= POSTGRES_NAME_BYTES);
    }
}
