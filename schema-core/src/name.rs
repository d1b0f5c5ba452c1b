//! Parsing of migration file and folder names.

use crate::migration::MigrationKind;

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
}

const SHAPE: &str =
    "expected `<VERSION>_<description>.sql`, `.up.sql` or `.down.sql`, with VERSION a whole number";

/// Parses a file name of the sqlx layout: `<VERSION>_<description>.sql`,
/// `<VERSION>_<description>.up.sql` or `<VERSION>_<description>.down.sql`.
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
    Some(
        parse_version_and_description(stem, false).map(|(version, version_text, description)| {
            ParsedName {
                version,
                version_text,
                description,
                kind,
            }
        }),
    )
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
            "V1__init.sql",
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
