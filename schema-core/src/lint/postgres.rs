//! The PostgreSQL lints: squawk's linter over the syntax tree of each file, with the rules of
//! [`catalogue`](super::catalogue).

use super::catalogue::{lint_rule, postgres_ids};
use super::words::{altered_table, created_names, dropped_name, emptied_before};
use super::Raw;
use crate::dialect::Dialect;
use crate::migration::Migration;
use squawk_linter::{Linter, Rule};

/// The rules that find a dropped object: a file that creates the object again (a repeatable
/// migration's `DROP VIEW IF EXISTS v; CREATE VIEW v …`) replaces it, it does not remove it.
const DROPS: &[&str] = &[
    "ban-drop-table",
    "ban-drop-view",
    "ban-drop-function",
    "ban-drop-type",
    "ban-drop-sequence",
    "ban-drop-domain",
];

/// Lints one file. A file the parser cannot read whole is left to the check, which reports its
/// syntax errors: a tree with errors in it could make rules find what is not there.
pub(super) fn lint(m: &Migration) -> Vec<Raw> {
    let sql = m.sql.clone();
    // squawk reads `BEGIN` … `COMMIT` in the file; a file without `-- no-transaction` runs in
    // the migration's own transaction, which squawk is told to assume.
    let in_transaction = !m.no_transaction();
    let found = crate::check::with_tree(&m.sql, move |file| {
        if !file.errors().is_empty() {
            return Vec::new();
        }
        let rules: Vec<Rule> = postgres_ids().filter_map(|id| id.parse().ok()).collect();
        let mut linter = Linter::from(rules);
        linter.settings.assume_in_transaction = in_transaction;
        linter
            .lint(file, &sql)
            .into_iter()
            .map(|v| {
                (
                    v.code.to_string(),
                    usize::from(v.text_range.start()),
                    v.message,
                )
            })
            .collect::<Vec<_>>()
    })
    .unwrap_or_default();
    let created = created_names(&m.sql);
    found
        .into_iter()
        .filter_map(|(id, offset, message)| {
            let rule = lint_rule(Dialect::Postgres, &id)?;
            let replaced = DROPS.contains(&rule.id)
                && dropped_name(&m.sql, offset).is_some_and(|name| created.contains(&name));
            // A required column added to a table the file emptied first meets no row.
            let empty = rule.id == "adding-required-field"
                && altered_table(&m.sql, offset)
                    .is_some_and(|table| emptied_before(&m.sql, offset).contains(&table));
            (!replaced && !empty).then(|| Raw {
                rule: rule.id,
                offset,
                message: reword(&message),
            })
        })
        .collect()
}

/// squawk's message as this project writes them: its first sentence (the rule's reason and
/// alternative say the rest), starting lowercase, without a full stop.
fn reword(message: &str) -> String {
    let message = message.trim();
    let first_sentence_end = message
        .match_indices(". ")
        .find(|(i, _)| message[i + 2..].starts_with(|c: char| c.is_uppercase()))
        .map_or(message.len(), |(i, _)| i);
    let message = message[..first_sentence_end].trim_end_matches('.');
    let mut chars = message.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && !second.is_uppercase() => first
            .to_lowercase()
            .chain(message[first.len_utf8()..].chars())
            .collect(),
        _ => message.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::reword;

    #[test]
    fn keeps_the_first_sentence_lowercase_without_a_full_stop() {
        assert_eq!(
            reword("When Postgres stores a datetime, it drops the offset. This means 21:11+02 and 21:11-06 are equal."),
            "when Postgres stores a datetime, it drops the offset"
        );
        assert_eq!(
            reword("Missing `IF NOT EXISTS`, the migration can't be rerun."),
            "missing `IF NOT EXISTS`, the migration can't be rerun"
        );
        assert_eq!(
            reword("ADD VALUE without BEFORE"),
            "ADD VALUE without BEFORE"
        );
    }
}
