//! Directives: leading `--` comment lines that change how a migration is applied.

use crate::diagnostic::line_column;
use std::borrow::Cow;

/// The prefix of this tool's own directives: `-- schema: no-transaction`. A leading comment
/// with this prefix and an unknown name is an error, not silently ignored.
pub const DIRECTIVE_PREFIX: &str = "schema:";

/// A directive read from a migration's leading comment lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Directive {
    /// Run the file outside a transaction, statement by statement (`-- no-transaction`, sqlx's
    /// spelling, or `-- schema: no-transaction`). Needed for `CREATE INDEX CONCURRENTLY` and
    /// other statements that refuse to run inside a transaction.
    NoTransaction,
    /// Leave the file out of the build-time SQL check (`-- schema: no-check`): its syntax is not
    /// checked, and with SQLite its statements are still applied, so that later files can use
    /// what it creates, but a statement that fails is skipped instead of reported. A reversible
    /// pair with the directive on either file is not checked for undoing its up. For SQL the
    /// checker cannot judge, such as a statement that needs a loadable extension.
    NoCheck,
}

impl Directive {
    /// Every directive, for documentation and for error messages.
    pub const ALL: &'static [Directive] = &[Directive::NoTransaction, Directive::NoCheck];

    /// The name written after the prefix.
    pub fn name(self) -> &'static str {
        match self {
            Directive::NoTransaction => "no-transaction",
            Directive::NoCheck => "no-check",
        }
    }

    /// The directive called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Directive::ALL.iter().copied().find(|d| d.name() == name)
    }
}

/// A leading comment line that uses [`DIRECTIVE_PREFIX`] with a name this version does not know.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownDirective {
    /// The name as written.
    pub name: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column of the name.
    pub column: usize,
}

/// Reads the directives from the leading lines of `sql`: lines that are blank or `--`
/// comments, up to the first line of anything else. Directives further down are plain comments.
pub fn parse_directives(sql: &str) -> (Vec<Directive>, Vec<UnknownDirective>) {
    let mut found = Vec::new();
    let mut unknown = Vec::new();
    let body = sql.strip_prefix('\u{feff}').unwrap_or(sql);
    let bom = sql.len() - body.len();
    let mut offset = 0;
    for raw_line in body.split_inclusive('\n') {
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim();
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix("--") else {
            break;
        };
        let text = comment.trim();
        let directive = if let Some(rest) = text.strip_prefix(DIRECTIVE_PREFIX) {
            let name = rest.trim();
            match Directive::from_name(name) {
                Some(d) => Some(d),
                // A lint allow list, read by `allowed_lint_rules`.
                None if lint_allow_list(name).is_some() => None,
                None => {
                    let name_at = line_start + raw_line.find(DIRECTIVE_PREFIX).unwrap_or(0);
                    let name_at =
                        name_at + DIRECTIVE_PREFIX.len() + (rest.len() - rest.trim_start().len());
                    let (line, column) = line_column(sql, bom + name_at);
                    unknown.push(UnknownDirective {
                        name: name.to_owned(),
                        line,
                        column,
                    });
                    None
                }
            }
        } else {
            // sqlx's spelling, kept so that sqlx folders work unchanged.
            (text == "no-transaction").then_some(Directive::NoTransaction)
        };
        if let Some(d) = directive {
            if !found.contains(&d) {
                found.push(d);
            }
        }
    }
    (found, unknown)
}

/// The text between the brackets of `allow(…)`, the directive that allows lint rules in one
/// file.
fn lint_allow_list(name: &str) -> Option<&str> {
    name.strip_prefix(ALLOW)?
        .trim_start()
        .strip_prefix('(')?
        .trim_end()
        .strip_suffix(')')
}

/// The name of the directive that allows lint rules in one file: `-- schema: allow(rule, …)`.
pub(crate) const ALLOW: &str = "allow";

/// A rule a file allows with `-- schema: allow(…)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AllowedRule {
    /// The rule's id, as written.
    pub(crate) id: String,
    /// Byte offset of the id in the text.
    pub(crate) offset: usize,
}

/// The rules the leading `-- schema: allow(rule, …)` lines of `sql` allow (the lines
/// [`parse_directives`] reads directives from). Like every `-- schema:` line, such a line is
/// left out of the file's checksum, so it can be added to a file already applied.
pub(crate) fn allowed_lint_rules(sql: &str) -> Vec<AllowedRule> {
    let mut allowed = Vec::new();
    let mut offset = 0;
    for raw_line in sql.split_inclusive('\n') {
        let line_start = offset;
        offset += raw_line.len();
        let line = raw_line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        let Some(comment) = line.strip_prefix("--") else {
            break;
        };
        let is_allow = comment
            .trim()
            .strip_prefix(DIRECTIVE_PREFIX)
            .and_then(|rest| lint_allow_list(rest.trim()))
            .is_some();
        let (Some(open), Some(close)) = (raw_line.find('('), raw_line.rfind(')')) else {
            continue;
        };
        if !is_allow || close < open {
            continue;
        }
        let mut at = line_start + open + 1;
        for id in raw_line[open + 1..close].split(',') {
            let name = id.trim();
            if !name.is_empty() {
                allowed.push(AllowedRule {
                    id: name.to_owned(),
                    offset: at + (id.len() - id.trim_start().len()),
                });
            }
            at += id.len() + 1;
        }
    }
    allowed
}

/// `sql` without its leading `-- schema:` lines (each with its line end): the tool's own
/// directives, which a user may add to a file already applied (`-- schema: no-check`) without
/// changing what the file does to a database, so they are left out of its checksum. Only the
/// lines that [`parse_directives`] reads directives from count: the leading blank and `--`
/// lines; sqlx's `-- no-transaction` stays, as sqlx's own checksum keeps it. A leading BOM is
/// removed too.
pub(crate) fn without_directive_lines(sql: &str) -> Cow<'_, str> {
    let body = sql.strip_prefix('\u{feff}').unwrap_or(sql);
    let mut kept = String::new();
    let mut dropped = false;
    let mut offset = 0;
    for raw_line in body.split_inclusive('\n') {
        let line = raw_line.trim();
        if !line.is_empty() && !line.starts_with("--") {
            break;
        }
        let ours = line
            .strip_prefix("--")
            .is_some_and(|comment| comment.trim_start().starts_with(DIRECTIVE_PREFIX));
        if ours {
            dropped = true;
        } else {
            kept.push_str(raw_line);
        }
        offset += raw_line.len();
    }
    if !dropped {
        return Cow::Borrowed(body);
    }
    kept.push_str(&body[offset..]);
    Cow::Owned(kept)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_sqlx_spelling() {
        let (found, unknown) =
            parse_directives("-- no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n");
        assert_eq!(found, vec![Directive::NoTransaction]);
        assert!(unknown.is_empty());
    }

    #[test]
    fn reads_own_spelling_after_other_comments_and_blank_lines() {
        let sql = "-- Adds an index.\n\n--schema:no-transaction\nCREATE INDEX i ON t (a);";
        assert_eq!(parse_directives(sql).0, vec![Directive::NoTransaction]);
        let sql = "\u{feff}-- schema:   no-transaction  \r\nSELECT 1;";
        assert_eq!(parse_directives(sql).0, vec![Directive::NoTransaction]);
    }

    #[test]
    fn reads_no_check_beside_no_transaction() {
        let sql = "-- no-transaction\n-- schema: no-check\nCREATE VIRTUAL TABLE v USING vec0(x);";
        let found = parse_directives(sql).0;
        assert_eq!(found, vec![Directive::NoTransaction, Directive::NoCheck]);
        // Only the tool's own spelling: a bare `-- no-check` is a plain comment.
        assert_eq!(parse_directives("-- no-check\nSELECT 1;").0, vec![]);
    }

    #[test]
    fn ignores_directives_after_the_first_statement() {
        let sql = "SELECT 1;\n-- no-transaction\n-- schema: bogus\n";
        assert_eq!(parse_directives(sql), (vec![], vec![]));
    }

    #[test]
    fn rejects_unknown_directive_with_its_line_and_column() {
        let sql = "-- hello\n-- schema: no-transactions\nSELECT 1;";
        let (found, unknown) = parse_directives(sql);
        assert!(found.is_empty());
        assert_eq!(
            unknown,
            vec![UnknownDirective {
                name: "no-transactions".into(),
                line: 2,
                column: 12
            }]
        );
    }

    #[test]
    fn plain_comments_mentioning_schema_are_not_directives() {
        let sql = "-- this schema: is fine\n-- no-transaction is not wanted here\nSELECT 1;";
        assert_eq!(parse_directives(sql), (vec![], vec![]));
    }

    #[test]
    fn directive_lines_are_left_out_and_the_rest_is_kept_as_is() {
        let sql = "-- Adds a column.\r\n-- schema: no-check\r\n--schema:no-transaction\n\nALTER TABLE a ADD b INT;\n-- schema: no-check\n";
        assert_eq!(
            without_directive_lines(sql),
            "-- Adds a column.\r\n\nALTER TABLE a ADD b INT;\n-- schema: no-check\n"
        );
        // sqlx's spelling is sqlx's content, and plain comments stay.
        let sql = "-- no-transaction\n-- this schema: is fine\nCREATE INDEX i ON t (a);";
        assert!(matches!(without_directive_lines(sql), Cow::Borrowed(s) if s == sql));
        assert_eq!(without_directive_lines("\u{feff}-- schema: no-check"), "");
        assert_eq!(without_directive_lines("\u{feff}SELECT 1;"), "SELECT 1;");
    }

    #[test]
    fn reads_the_lint_rules_a_file_allows_with_their_offsets() {
        let sql = "-- Drops the old column.\n-- schema: allow(drop-column, rename-table )\n--schema:allow(index-on-existing-table)\nALTER TABLE a DROP COLUMN b;\n-- schema: allow(late)\n";
        let allowed = allowed_lint_rules(sql);
        let ids: Vec<&str> = allowed.iter().map(|a| a.id.as_str()).collect();
        assert_eq!(
            ids,
            ["drop-column", "rename-table", "index-on-existing-table"]
        );
        for a in &allowed {
            assert!(sql[a.offset..].starts_with(&a.id));
        }
        // A known directive, not an unknown one, and no directive of the runtime's.
        assert_eq!(parse_directives(sql), (vec![], vec![]));
        assert_eq!(
            parse_directives("-- schema: allow drop-column\nSELECT 1;")
                .1
                .len(),
            1
        );
    }

    #[test]
    fn an_allow_line_is_left_out_of_the_checksum() {
        let applied = "ALTER TABLE a DROP COLUMN b;\n";
        let allowed = "-- schema: allow(drop-column)\nALTER TABLE a DROP COLUMN b;\n";
        assert_eq!(without_directive_lines(allowed), applied);
        assert_eq!(
            crate::Checksum::of_migration(allowed),
            crate::Checksum::of_migration(applied)
        );
    }

    proptest! {
        #[test]
        fn reading_allowed_rules_never_panics(sql in "(\u{feff})?((--)? ?(schema:)? ?(allow)?[(), a-z\\-]{0,16}(\r?\n)){0,6}") {
            for a in allowed_lint_rules(&sql) {
                prop_assert!(sql[a.offset..].starts_with(&a.id));
            }
        }

        #[test]
        fn directive_parser_never_panics(sql in "\\PC{0,200}") {
            let _ = parse_directives(&sql);
        }

        #[test]
        fn directive_parser_never_panics_on_comment_heavy_input(sql in "(\u{feff})?((--)? ?(schema:)? ?[a-z\\- ]{0,12}(\r?\n)){0,6}") {
            let _ = parse_directives(&sql);
        }

        #[test]
        fn leaving_out_directive_lines_never_panics_and_leaves_none(sql in "(\u{feff})?((--)? ?(schema:)? ?[a-z\\- ]{0,12}(\r?\n)){0,6}[a-z; ]{0,8}") {
            let kept = without_directive_lines(&sql);
            prop_assert!(!parse_directives(&kept).0.contains(&Directive::NoCheck));
            prop_assert_eq!(without_directive_lines(&kept), kept.clone());
        }
    }
}
