//! Parsing of migration file and folder names: sqlx's `<VERSION>_<description>.sql`, refinery's
//! and Flyway's `V<VERSION>__<description>.sql` (and refinery's `U`), Flyway's repeatable
//! `R__<description>.sql`, and diesel's folders.

use crate::migration::MigrationKind;
use sha2::{Digest, Sha256};

/// What a migration's name says: its version, description and kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedName {
    /// The version as a number: the key the migration is tracked under.
    pub version: i64,
    /// The version as written (`0001`, `2017-08-31-230457`): diesel orders by this text.
    pub version_text: String,
    /// The text after the version and its `_`, without the `.sql`/`.up.sql`/`.down.sql` suffix.
    pub description: String,
    /// Simple, or one half of a reversible pair.
    pub kind: MigrationKind,
}

/// Why a name does not parse. Turned into an [`crate::Error`] by the caller, which knows the
/// file's path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NameError {
    /// The name does not have the `<VERSION>_<description>` shape.
    Shape(&'static str),
    /// The version has a leading `-`.
    Negative,
    /// The version has only digits but does not fit an `i64`.
    OutOfRange(String),
    /// A Flyway version with parts (`V1.1__x.sql`, `V1_1__x.sql`): the version as written.
    Fractional(String),
}

const SHAPE: &str =
    "expected `<VERSION>_<description>.sql`, `.up.sql` or `.down.sql`, with VERSION a whole number";

/// Parses a migration file name: sqlx's `<VERSION>_<description>.sql`,
/// `<VERSION>_<description>.up.sql` or `<VERSION>_<description>.down.sql`; refinery's and
/// Flyway's `V<VERSION>__<description>.sql` (refinery's `U<VERSION>__` alike), with the same
/// `.up`/`.down` suffixes; Flyway's repeatable `R__<description>.sql`.
///
/// `None` means the file is not a `.sql` file at all and is ignored; `Some(Err(_))` means it is
/// a `.sql` file whose name is wrong.
pub fn parse_file_name(file_name: &str) -> Option<Result<ParsedName, NameError>> {
    let stem = file_name.strip_suffix(".sql")?;
    let (stem, kind) = if let Some(stem) = stem.strip_suffix(".up") {
        (stem, MigrationKind::Up)
    } else if let Some(stem) = stem.strip_suffix(".down") {
        (stem, MigrationKind::Down)
    } else {
        (stem, MigrationKind::Simple)
    };
    if let Some(description) = stem.strip_prefix("R__") {
        return Some(if kind == MigrationKind::Simple {
            Ok(ParsedName {
                version: repeatable_key(description),
                version_text: String::new(),
                description: description.to_owned(),
                kind: MigrationKind::Repeatable,
            })
        } else {
            Err(NameError::Shape(
                "a repeatable migration (`R__`) is run again whenever it changes and has no down",
            ))
        });
    }
    let parsed = match prefixed(stem) {
        Some((version_text, description)) => parse_prefixed(version_text, description),
        None => parse_version_and_description(stem, false),
    };
    Some(
        parsed.map(|(version, version_text, description)| ParsedName {
            version,
            version_text,
            description,
            kind,
        }),
    )
}

/// The version and description of refinery's and Flyway's `V<VERSION>__<description>` (and
/// refinery's `U`): `None` for a stem of another shape.
fn prefixed(stem: &str) -> Option<(&str, &str)> {
    let rest = stem.strip_prefix('V').or_else(|| stem.strip_prefix('U'))?;
    if !rest.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    rest.split_once("__")
}

fn parse_prefixed(
    version_text: &str,
    description: &str,
) -> Result<(i64, String, String), NameError> {
    // Flyway reads `_` in a version as `.`: `V1_1__x.sql` is version 1.1.
    let dotted = version_text.contains(['.', '_'])
        && version_text
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '_');
    if dotted {
        return Err(NameError::Fractional(version_text.replace('_', ".")));
    }
    if !version_text.chars().all(|c| c.is_ascii_digit()) {
        return Err(NameError::Shape(SHAPE));
    }
    let version = version_text
        .parse::<i64>()
        .map_err(|_| NameError::OutOfRange(version_text.to_owned()))?;
    Ok((version, version_text.to_owned(), description.to_owned()))
}

/// The key a repeatable migration `R__<description>.sql` is tracked under in place of a
/// version: a negative number (versions are never negative) derived from its description, so
/// that it stays the same from one build to the next and in every database. Renaming the file
/// makes it another repeatable migration.
pub fn repeatable_key(description: &str) -> i64 {
    let digest = Sha256::new()
        .chain_update(b"repeatable migration\0")
        .chain_update(description.as_bytes())
        .finalize();
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    // 0 ..= i64::MAX, then -1 ..= i64::MIN.
    let positive = (u64::from_be_bytes(first) >> 1) as i64;
    -1 - positive
}

/// Whether a tracked version is the key of a repeatable migration ([`repeatable_key`]).
pub fn is_repeatable_key(version: i64) -> bool {
    version < 0
}

/// Parses a diesel migration folder name, `<VERSION>_<name>`, where diesel allows dashes in the
/// version (`2017-08-31-230457`, `2026-05-27-120000-0000`); the dashes are dropped to get the
/// number. The kind of the result is [`MigrationKind::Up`]; the caller sets it.
pub fn parse_diesel_dir_name(dir_name: &str) -> Result<ParsedName, NameError> {
    parse_version_and_description(dir_name, true).map(|(version, version_text, description)| {
        ParsedName {
            version,
            version_text,
            description,
            kind: MigrationKind::Up,
        }
    })
}

fn parse_version_and_description(
    stem: &str,
    allow_dashes: bool,
) -> Result<(i64, String, String), NameError> {
    if stem.starts_with('-') && stem[1..].starts_with(|c: char| c.is_ascii_digit()) {
        return Err(NameError::Negative);
    }
    let Some((version_text, description)) = stem.split_once('_') else {
        return Err(NameError::Shape(
            "there is no `_` between the version and the description",
        ));
    };
    if version_text.is_empty() {
        return Err(NameError::Shape(SHAPE));
    }
    let version_ok = version_text
        .chars()
        .all(|c| c.is_ascii_digit() || (allow_dashes && c == '-'));
    if !version_ok || !version_text.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(NameError::Shape(SHAPE));
    }
    let digits: String = version_text.chars().filter(|c| *c != '-').collect();
    let version = digits
        .parse::<i64>()
        .map_err(|_| NameError::OutOfRange(version_text.to_owned()))?;
    Ok((version, version_text.to_owned(), description.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn parsed(name: &str) -> ParsedName {
        match parse_file_name(name) {
            Some(Ok(p)) => p,
            other => panic!("{name} did not parse: {other:?}"),
        }
    }

    #[test]
    fn parses_simple_up_and_down_names() {
        let p = parsed("20250101120000_create_users.sql");
        assert_eq!(
            (p.version, p.description.as_str(), p.kind),
            (20250101120000, "create_users", MigrationKind::Simple)
        );
        assert_eq!(parsed("3_users.up.sql").kind, MigrationKind::Up);
        assert_eq!(parsed("3_users.down.sql").kind, MigrationKind::Down);
    }

    #[test]
    fn accepts_version_zero_and_zero_padding() {
        assert_eq!(parsed("0_setup.sql").version, 0);
        let p = parsed("0001_init.up.sql");
        assert_eq!((p.version, p.version_text.as_str()), (1, "0001"));
    }

    #[test]
    fn accepts_dots_inside_descriptions() {
        let p = parsed("20240309082057_release_view.sql.up.sql");
        assert_eq!(p.description, "release_view.sql");
        assert_eq!(p.kind, MigrationKind::Up);
        assert_eq!(parsed("5_v1.2_fix.sql").description, "v1.2_fix");
    }

    #[test]
    fn accepts_an_empty_description() {
        assert_eq!(parsed("7_.sql").description, "");
    }

    #[test]
    fn ignores_files_that_are_not_sql() {
        for name in [
            "README.md",
            ".gitkeep",
            "1_a.sql~",
            "1_a.sql.orig",
            "1_a.SQL",
        ] {
            assert_eq!(parse_file_name(name), None, "{name}");
        }
    }

    #[test]
    fn rejects_names_without_a_version() {
        for name in [
            "init.sql",
            "V1_init.sql",
            "v1__init.sql",
            "Vx__init.sql",
            "R1__view.sql",
            "R__view.up.sql",
            "V1.x__init.sql",
            "_a.sql",
            "1a_b.sql",
            "1.sql",
            "1-a.sql",
        ] {
            assert!(
                matches!(parse_file_name(name), Some(Err(NameError::Shape(_)))),
                "{name}"
            );
        }
    }

    #[test]
    fn parses_refinery_and_flyway_names() {
        let p = parsed("V1__init.sql");
        assert_eq!(
            (
                p.version,
                p.version_text.as_str(),
                p.description.as_str(),
                p.kind
            ),
            (1, "1", "init", MigrationKind::Simple)
        );
        assert_eq!(parsed("V0003__add_email.sql").version, 3);
        assert_eq!(parsed("U7__backfill.sql").version, 7);
        assert_eq!(parsed("V2__users.down.sql").kind, MigrationKind::Down);
        assert_eq!(parsed("V4__a__b.sql").description, "a__b");
    }

    #[test]
    fn rejects_flyway_versions_with_parts() {
        for (name, version) in [("V1.1__x.sql", "1.1"), ("V1_2_3__x.sql", "1.2.3")] {
            assert_eq!(
                parse_file_name(name),
                Some(Err(NameError::Fractional(version.into()))),
                "{name}"
            );
        }
        assert_eq!(
            parse_file_name("V99999999999999999999__x.sql"),
            Some(Err(NameError::OutOfRange("99999999999999999999".into())))
        );
    }

    #[test]
    fn a_repeatable_is_keyed_by_its_description_below_every_version() {
        let p = parsed("R__views.sql");
        assert_eq!(p.kind, MigrationKind::Repeatable);
        assert_eq!(p.description, "views");
        assert_eq!(p.version, repeatable_key("views"));
        assert!(is_repeatable_key(p.version));
        assert_ne!(repeatable_key("views"), repeatable_key("functions"));
        // The key is part of every database that recorded the migration: it must never change.
        assert_eq!(repeatable_key("views"), REPEATABLE_VIEWS_KEY);
    }

    const REPEATABLE_VIEWS_KEY: i64 = -3094973120077467793;

    #[test]
    fn rejects_negative_versions() {
        assert_eq!(parse_file_name("-1_a.sql"), Some(Err(NameError::Negative)));
    }

    #[test]
    fn rejects_versions_over_i64_max() {
        assert_eq!(parsed("9223372036854775807_max.sql").version, i64::MAX);
        assert_eq!(
            parse_file_name("9223372036854775808_a.sql"),
            Some(Err(NameError::OutOfRange("9223372036854775808".into())))
        );
    }

    #[test]
    fn drops_dashes_from_diesel_versions() {
        let p = parse_diesel_dir_name("2017-08-31-230457_create_posts").unwrap();
        assert_eq!(
            (p.version, p.version_text.as_str()),
            (20170831230457, "2017-08-31-230457")
        );
        assert_eq!(
            parse_diesel_dir_name("2026-05-27-120000-0000_z")
                .unwrap()
                .version,
            202605271200000000
        );
        assert_eq!(
            parse_diesel_dir_name("00000000000000_diesel_initial_setup")
                .unwrap()
                .version,
            0
        );
        assert!(parse_diesel_dir_name("-_x").is_err());
        assert!(parse_diesel_dir_name("fixtures").is_err());
    }

    proptest! {
        #[test]
        fn file_name_parser_never_panics(name in "\\PC{0,40}") {
            let _ = parse_file_name(&name);
            let _ = parse_diesel_dir_name(&name);
        }

        #[test]
        fn file_name_parser_never_panics_on_name_like_input(name in "-?[0-9-]{0,25}_?[a-z._]{0,10}(\\.up|\\.down)?\\.sql") {
            let _ = parse_file_name(&name);
            let _ = parse_diesel_dir_name(&name);
        }

        #[test]
        fn every_valid_name_round_trips(version in 0i64.., description in "[a-z0-9_]{0,20}") {
            let name = format!("{version}_{description}.sql");
            let p = parse_file_name(&name).unwrap().unwrap();
            prop_assert_eq!(p.version, version);
            prop_assert_eq!(p.description, description);
        }
    }
}
