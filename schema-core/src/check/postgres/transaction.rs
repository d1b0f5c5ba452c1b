//! PostgreSQL commands that "cannot be executed inside a transaction block" (its reference pages
//! say so of each): in a file that runs in the migration's transaction they pass the build and
//! fail the deploy. Found in squawk's syntax tree, so a word in a comment or a string is never
//! one.
//!
//! `ALTER TYPE … ADD VALUE` is not among them: it runs in a transaction from PostgreSQL 12 on
//! (every supported release), and only using the new value in the same transaction fails.

use squawk_syntax::{SyntaxKind, SyntaxNode};

/// Each statement (or clause) of the tree under `root` that PostgreSQL refuses inside a
/// transaction block: its byte offset and the command as it is usually written.
pub(super) fn outside_transaction_only(root: &SyntaxNode) -> Vec<(usize, &'static str)> {
    root.descendants()
        .filter_map(|node| {
            let command = refused_in_transaction(&node)?;
            Some((usize::from(node.text_range().start()), command))
        })
        .collect()
}

/// The command `node` is, if PostgreSQL refuses it inside a transaction block.
fn refused_in_transaction(node: &SyntaxNode) -> Option<&'static str> {
    use SyntaxKind as K;
    let concurrently = || has_token(node, K::CONCURRENTLY_KW);
    match node.kind() {
        K::CREATE_INDEX if concurrently() => Some("CREATE INDEX CONCURRENTLY"),
        K::DROP_INDEX if concurrently() => Some("DROP INDEX CONCURRENTLY"),
        K::REINDEX => reindex_refused(node),
        K::DETACH_PARTITION if concurrently() => {
            Some("ALTER TABLE … DETACH PARTITION … CONCURRENTLY")
        }
        K::VACUUM => Some("VACUUM"),
        // Without a table, CLUSTER reclusters every table, each in a transaction of its own.
        K::CLUSTER if !has_child(node, &[K::TABLE_NAME_REF, K::CLUSTER_LEGACY]) => {
            Some("CLUSTER without a table")
        }
        K::CREATE_DATABASE => Some("CREATE DATABASE"),
        K::DROP_DATABASE => Some("DROP DATABASE"),
        K::ALTER_DATABASE if has_child(node, &[K::SET_TABLESPACE]) => {
            Some("ALTER DATABASE … SET TABLESPACE")
        }
        K::CREATE_TABLESPACE => Some("CREATE TABLESPACE"),
        K::DROP_TABLESPACE => Some("DROP TABLESPACE"),
        K::ALTER_SYSTEM => Some("ALTER SYSTEM"),
        K::DISCARD if has_child(node, &[K::DISCARD_ALL]) => Some("DISCARD ALL"),
        // It creates a replication slot unless told not to (`connect` or `create_slot` false).
        K::CREATE_SUBSCRIPTION if !option_off(node, &["connect", "create_slot"]) => {
            Some("CREATE SUBSCRIPTION (which creates a replication slot)")
        }
        _ => None,
    }
}

/// `REINDEX DATABASE`, `REINDEX SYSTEM` and `REINDEX … CONCURRENTLY` (after the target word or
/// among the options), as written.
fn reindex_refused(node: &SyntaxNode) -> Option<&'static str> {
    use SyntaxKind as K;
    let tokens = || {
        node.descendants_with_tokens()
            .filter_map(|e| e.into_token())
            .map(|t| t.kind())
    };
    let target = tokens().find(|k| {
        matches!(
            k,
            K::INDEX_KW | K::TABLE_KW | K::SCHEMA_KW | K::DATABASE_KW | K::SYSTEM_KW
        )
    });
    match target {
        Some(K::DATABASE_KW) => Some("REINDEX DATABASE"),
        Some(K::SYSTEM_KW) => Some("REINDEX SYSTEM"),
        _ if tokens().any(|k| k == K::CONCURRENTLY_KW) => Some("REINDEX … CONCURRENTLY"),
        _ => None,
    }
}

/// Whether `node` or one of its child nodes holds a `kind` token directly (not in a name or an
/// expression deeper down).
fn has_token(node: &SyntaxNode, kind: SyntaxKind) -> bool {
    let direct = |n: &SyntaxNode| {
        n.children_with_tokens()
            .filter_map(|e| e.into_token())
            .any(|t| t.kind() == kind)
    };
    direct(node) || node.children().any(|child| direct(&child))
}

/// Whether `node` has a child node of one of `kinds`.
fn has_child(node: &SyntaxNode, kinds: &[SyntaxKind]) -> bool {
    node.children().any(|child| kinds.contains(&child.kind()))
}

/// Whether one of the `WITH (name = value)` options `names` of `node` is set to false.
fn option_off(node: &SyntaxNode, names: &[&str]) -> bool {
    let words: Vec<String> = node
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| !t.kind().is_trivia())
        .map(|t| t.text().trim_matches('\'').to_ascii_lowercase())
        .collect();
    words.windows(3).any(|w| {
        names.contains(&w[0].as_str())
            && w[1] == "="
            && matches!(w[2].as_str(), "false" | "off" | "0" | "no")
    })
}

#[cfg(test)]
mod tests {
    use crate::check::postgres::check;
    use crate::check::resolved;

    /// The messages for one transactional file holding `sql`, and for the same file with
    /// `-- no-transaction`.
    fn check_both(sql: &str) -> (Vec<String>, Vec<String>) {
        let messages = |sql: &str| -> Vec<String> {
            check(&resolved(&[("1_a.sql", sql)]), None, None)
                .iter()
                .map(ToString::to_string)
                .collect()
        };
        (
            messages(sql),
            messages(&format!("-- no-transaction\n{sql}")),
        )
    }

    #[test]
    fn refuses_each_command_postgresql_runs_only_outside_a_transaction() {
        for (sql, command) in [
            (
                "CREATE INDEX CONCURRENTLY i ON t (a);",
                "CREATE INDEX CONCURRENTLY",
            ),
            (
                "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a);",
                "CREATE INDEX CONCURRENTLY",
            ),
            (
                "DROP INDEX CONCURRENTLY IF EXISTS i;",
                "DROP INDEX CONCURRENTLY",
            ),
            ("REINDEX INDEX CONCURRENTLY i;", "REINDEX … CONCURRENTLY"),
            ("REINDEX (CONCURRENTLY) TABLE t;", "REINDEX … CONCURRENTLY"),
            ("REINDEX DATABASE app;", "REINDEX DATABASE"),
            ("REINDEX SYSTEM;", "REINDEX SYSTEM"),
            (
                "ALTER TABLE p DETACH PARTITION p1 CONCURRENTLY;",
                "DETACH PARTITION",
            ),
            ("VACUUM;", "VACUUM"),
            ("VACUUM (ANALYZE) t;", "VACUUM"),
            ("vacuum full t;", "VACUUM"),
            ("CLUSTER;", "CLUSTER without a table"),
            ("CREATE DATABASE app2;", "CREATE DATABASE"),
            ("DROP DATABASE IF EXISTS app2;", "DROP DATABASE"),
            (
                "ALTER DATABASE app SET TABLESPACE fast;",
                "ALTER DATABASE … SET TABLESPACE",
            ),
            (
                "CREATE TABLESPACE fast LOCATION '/ssd';",
                "CREATE TABLESPACE",
            ),
            ("DROP TABLESPACE fast;", "DROP TABLESPACE"),
            ("ALTER SYSTEM SET work_mem = '64MB';", "ALTER SYSTEM"),
            ("DISCARD ALL;", "DISCARD ALL"),
            (
                "CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p;",
                "CREATE SUBSCRIPTION",
            ),
        ] {
            let sql = format!("CREATE TABLE t (a int);\n{sql}\n");
            let (transactional, no_transaction) = check_both(&sql);
            assert_eq!(transactional.len(), 1, "{sql}: {transactional:#?}");
            assert!(
                transactional[0].starts_with("migrations/1_a.sql:2:")
                    && transactional[0].contains(command)
                    && transactional[0].contains("cannot run inside a transaction block")
                    && transactional[0].contains("put `-- no-transaction` at the top"),
                "{sql}: {transactional:#?}"
            );
            assert_eq!(no_transaction, Vec::<String>::new(), "{sql}");
        }
    }

    #[test]
    fn accepts_what_runs_in_a_transaction_and_words_that_are_not_commands() {
        for sql in [
            "CREATE INDEX i ON t (a);",
            "DROP INDEX i;",
            "REINDEX TABLE t;",
            "CLUSTER t USING i;",
            "ANALYZE t;",
            "DISCARD PLANS;",
            "ALTER DATABASE app SET work_mem = '64MB';",
            // PostgreSQL 12 and later run it in a transaction (only using the value fails).
            "CREATE TYPE mood AS ENUM ('sad');\nALTER TYPE mood ADD VALUE 'happy';",
            "CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p WITH (connect = false);",
            "CREATE SUBSCRIPTION s CONNECTION 'host=a' PUBLICATION p WITH (create_slot = false, enabled = false);",
            "-- CREATE INDEX CONCURRENTLY i ON t (a);\nSELECT 'VACUUM; DROP DATABASE x';",
            "/* VACUUM; */ COMMENT ON TABLE t IS 'run CREATE DATABASE by hand';",
            "CREATE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN EXECUTE 'VACUUM'; END $$;",
        ] {
            let sql = format!("CREATE TABLE t (a int);\n{sql}\n");
            assert_eq!(check_both(&sql).0, Vec::<String>::new(), "{sql}");
        }
    }
}
