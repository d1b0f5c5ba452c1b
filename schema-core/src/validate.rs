//! Rules that look at the folder as a whole, one `check_<rule>` each.

use crate::error::Error;
use crate::migration::{Migration, MigrationKind};
use std::collections::BTreeMap;

/// Every cross-file problem among `migrations` (given in file-name order).
pub(crate) fn check(migrations: &[Migration]) -> Vec<Error> {
    let mut by_version: BTreeMap<i64, Vec<&Migration>> = BTreeMap::new();
    for m in migrations {
        by_version.entry(m.version).or_default().push(m);
    }
    let mut errors = Vec::new();
    for (version, files) in by_version {
        let applying: Vec<&Migration> = files
            .iter()
            .copied()
            .filter(|m| m.kind != MigrationKind::Down)
            .collect();
        let downs: Vec<&Migration> = files
            .iter()
            .copied()
            .filter(|m| m.kind == MigrationKind::Down)
            .collect();
        check_one_migration_per_version(version, &applying, &mut errors);
        check_one_down_per_version(version, &downs, &mut errors);
        check_pairs(version, &applying, &downs, &mut errors);
    }
    errors
}

/// A version is the key a migration is tracked under, so two files that apply with one version
/// (`01_a.sql` beside `1_b.sql`, or `3_a.sql` beside `3_a.up.sql`) would make the second one
/// look applied when only the first ran.
fn check_one_migration_per_version(version: i64, applying: &[&Migration], errors: &mut Vec<Error>) {
    let Some((first, others)) = applying.split_first() else {
        return;
    };
    for other in others {
        let simple_and_pair =
            (first.kind == MigrationKind::Simple) != (other.kind == MigrationKind::Simple);
        errors.push(if simple_and_pair {
            let (simple, reversible) = if first.kind == MigrationKind::Simple {
                (first, other)
            } else {
                (other, first)
            };
            Error::SimpleAndReversible {
                version,
                simple: simple.display_path.clone(),
                reversible: reversible.display_path.clone(),
            }
        } else {
            Error::DuplicateVersion {
                version,
                first: first.display_path.clone(),
                second: other.display_path.clone(),
            }
        });
    }
}

/// Two downs of one version (`1_a.down.sql` beside a goose file `1_a.sql` with a down section,
/// or `01_a.down.sql`) would leave it to chance which one a revert runs.
fn check_one_down_per_version(version: i64, downs: &[&Migration], errors: &mut Vec<Error>) {
    if let Some((first, others)) = downs.split_first() {
        for other in others {
            errors.push(Error::DuplicateVersion {
                version,
                first: first.display_path.clone(),
                second: other.display_path.clone(),
            });
        }
    }
}

/// A down without its up could never run, and an up without its down promises a revert that
/// does not exist; both are usually a typo in one of the two names.
fn check_pairs(
    version: i64,
    applying: &[&Migration],
    downs: &[&Migration],
    errors: &mut Vec<Error>,
) {
    let ups: Vec<&Migration> = applying
        .iter()
        .copied()
        .filter(|m| m.kind == MigrationKind::Up)
        .collect();
    let simple = applying.iter().find(|m| m.kind == MigrationKind::Simple);
    for down in downs {
        if ups.iter().any(|up| up.description == down.description) {
            continue;
        }
        if let Some(up) = ups.first() {
            errors.push(Error::MismatchedPair {
                version,
                up: up.display_path.clone(),
                down: down.display_path.clone(),
            });
        } else if let Some(simple) = simple {
            errors.push(Error::SimpleAndReversible {
                version,
                simple: simple.display_path.clone(),
                reversible: down.display_path.clone(),
            });
        } else {
            errors.push(Error::DownWithoutUp {
                version,
                down: down.display_path.clone(),
                expected_up: replace_suffix(&down.display_path, ".down.sql", ".up.sql"),
            });
        }
    }
    for up in &ups {
        let has_down = downs.iter().any(|d| d.description == up.description);
        // An up whose down has another description was reported as a mismatched pair.
        if !has_down && downs.is_empty() {
            errors.push(Error::UpWithoutDown {
                version,
                up: up.display_path.clone(),
                expected_down: replace_suffix(&up.display_path, ".up.sql", ".down.sql"),
                simple: replace_suffix(&up.display_path, ".up.sql", ".sql"),
            });
        }
    }
}

fn replace_suffix(path: &str, from: &str, to: &str) -> String {
    match path.strip_suffix(from) {
        Some(stem) => format!("{stem}{to}"),
        None => path.to_owned(),
    }
}
