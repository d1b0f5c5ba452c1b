//! The names the models give tables, columns, checks and indexes, held to what the database
//! keeps: PostgreSQL keeps the first 63 bytes of a name and drops the rest without an error,
//! so two long names that share their start would become one.

use super::error::Problems;
use schema_core::Dialect;
use sha2::{Digest, Sha256};

/// The bytes of a name PostgreSQL keeps (`NAMEDATALEN` - 1).
const POSTGRES_NAME_BYTES: usize = 63;

/// A name the models make up (a check's, an index's), as the database keeps it: on
/// PostgreSQL one longer than 63 bytes is cut to 54 and ends with `_` and 8 hexadecimal
/// digits of the whole name's SHA-256, so that two long names sharing their start stay two
/// and the same model always makes the same name.
pub(crate) fn generated(name: String, dialect: Dialect) -> String {
    if dialect != Dialect::Postgres || name.len() <= POSTGRES_NAME_BYTES {
        return name;
    }
    let digest = Sha256::digest(name.as_bytes());
    let mut end = POSTGRES_NAME_BYTES - 9;
    while !name.is_char_boundary(end) {
        end -= 1;
    }
    let hex: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
    format!("{}_{hex}", &name[..end])
}

/// Whether the database keeps `name` (a table's, a column's, an index's, which the model
/// gives or takes from a file or a property) whole; a problem at `pointer` when it does not.
pub(crate) fn kept(
    name: &str,
    dialect: Dialect,
    file: &str,
    pointer: &str,
    problems: &mut Problems,
) -> bool {
    if dialect != Dialect::Postgres || name.len() <= POSTGRES_NAME_BYTES {
        return true;
    }
    problems.add(
        file,
        pointer,
        format!(
            "the name `{name}` is {} bytes long, and PostgreSQL keeps {POSTGRES_NAME_BYTES}",
            name.len()
        ),
        "give it a shorter name (`x-table`, `x-column`, `x-join-table`, or the index's `name`)",
    );
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_generated_name_is_cut_with_a_hash_and_short_ones_are_kept() {
        let short = "posts_title_idx".to_owned();
        assert_eq!(generated(short.clone(), Dialect::Postgres), short);
        let long = format!("{}_a_idx", "t".repeat(70));
        let other = format!("{}_b_idx", "t".repeat(70));
        let cut = generated(long.clone(), Dialect::Postgres);
        assert_eq!(cut.len(), POSTGRES_NAME_BYTES);
        assert!(cut.starts_with(&"t".repeat(54)), "{cut}");
        assert_ne!(cut, generated(other, Dialect::Postgres));
        assert_eq!(cut, generated(long.clone(), Dialect::Postgres));
        assert_eq!(generated(long.clone(), Dialect::Sqlite), long);
        // A cut never splits a character.
        let wide = "é".repeat(40);
        assert!(generated(wide, Dialect::Postgres).len() <= POSTGRES_NAME_BYTES);
    }
}
