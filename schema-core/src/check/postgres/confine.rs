//! Prefix confinement on PostgreSQL: what each statement creates, alters, drops, renames or
//! writes, read from squawk's syntax tree, so a name in a comment or a string never counts.
//!
//! A name counts by its last part (`public.calendar_events` is `calendar_events`). Writes are
//! `INSERT`, `UPDATE`, `DELETE`, `MERGE`, `TRUNCATE` and `COPY … FROM`, wherever they are in a
//! statement (a `WITH` clause, a rule's action). A function's body is a string to the parser
//! and is not read.

use crate::check::Action;
use squawk_syntax::{SyntaxKind, SyntaxNode};

/// What one statement does to one object: the byte offset of its name, the action, the kind
/// of object and its name.
pub(super) type Touch = (usize, Action, &'static str, String);

/// The kind [`touches`] gives a temporary object it creates: it lives on one connection only,
/// so it is no set's, and neither are the writes to it that follow.
pub(super) const TEMPORARY: &str = "temporary object";

/// Everything the tree under `root` creates, alters, drops, renames or writes, in order.
pub(super) fn touches(root: &SyntaxNode) -> Vec<Touch> {
    use SyntaxKind as K;
    let mut found = Vec::new();
    for node in root.descendants() {
        let (action, kind, holders): (Action, &'static str, &[K]) = match node.kind() {
            K::CREATE_TABLE | K::CREATE_TABLE_AS | K::CREATE_FOREIGN_TABLE => {
                (Action::Creates, "table", &[K::TABLE_NAME])
            }
            K::SELECT_INTO => (Action::Creates, "table", &[K::INTO_CLAUSE]),
            K::CREATE_INDEX => {
                if !has_child(&node, K::INDEX) {
                    unnamed_index(&node, &mut found);
                }
                (Action::Creates, "index", &[K::INDEX])
            }
            K::CREATE_TRIGGER => (Action::Creates, "trigger", &[K::TRIGGER]),
            K::CREATE_VIEW | K::CREATE_MATERIALIZED_VIEW => (Action::Creates, "view", &[K::VIEW]),
            K::CREATE_FUNCTION => (Action::Creates, "function", &[K::FUNCTION_NAME]),
            K::CREATE_PROCEDURE => (Action::Creates, "procedure", &[K::PROCEDURE_NAME]),
            K::CREATE_TYPE => (Action::Creates, "type", &[K::TYPE_NAME]),
            K::CREATE_DOMAIN => (Action::Creates, "domain", &[K::DOMAIN]),
            K::CREATE_SEQUENCE => (Action::Creates, "sequence", &[K::SEQUENCE]),
            K::NAMED_SCHEMA => (Action::Creates, "schema", &[K::SCHEMA]),
            K::DROP_TABLE | K::DROP_FOREIGN_TABLE => (Action::Drops, "table", &[K::TABLE_NAME_REF]),
            K::DROP_INDEX => (Action::Drops, "index", &[K::INDEX_REF]),
            K::DROP_VIEW | K::DROP_MATERIALIZED_VIEW => (Action::Drops, "view", &[K::VIEW_REF]),
            K::DROP_TRIGGER => (Action::Drops, "trigger", &[K::TRIGGER_REF]),
            K::DROP_TYPE => (Action::Drops, "type", &[K::TYPE_NAME_REF]),
            K::DROP_DOMAIN => (Action::Drops, "domain", &[K::DOMAIN_REF]),
            K::DROP_SEQUENCE => (Action::Drops, "sequence", &[K::SEQUENCE_REF]),
            K::DROP_SCHEMA => (Action::Drops, "schema", &[K::SCHEMA_REF]),
            K::FUNCTION_SIG => {
                let kind = match node.ancestors().nth(2).map(|n| n.kind()) {
                    Some(K::DROP_FUNCTION) => Some((Action::Drops, "function")),
                    Some(K::DROP_PROCEDURE) => Some((Action::Drops, "procedure")),
                    _ => match node.parent().map(|n| n.kind()) {
                        Some(K::ALTER_FUNCTION) => Some((Action::Alters, "function")),
                        Some(K::ALTER_PROCEDURE) => Some((Action::Alters, "procedure")),
                        _ => None,
                    },
                };
                match kind {
                    Some((action, kind)) => (action, kind, &[K::FUNCTION_NAME_REF]),
                    None => continue,
                }
            }
            K::ALTER_TABLE | K::ALTER_FOREIGN_TABLE => {
                (Action::Alters, "table", &[K::TABLE_RELATION_NAME])
            }
            K::ALTER_INDEX => (Action::Alters, "index", &[K::INDEX_REF]),
            K::ALTER_VIEW | K::ALTER_MATERIALIZED_VIEW => (Action::Alters, "view", &[K::VIEW_REF]),
            K::ALTER_TRIGGER => (Action::Alters, "trigger", &[K::TRIGGER_REF]),
            K::ALTER_TYPE => (Action::Alters, "type", &[K::TYPE_NAME_REF]),
            K::ALTER_DOMAIN => (Action::Alters, "domain", &[K::DOMAIN_REF]),
            K::ALTER_SEQUENCE => (Action::Alters, "sequence", &[K::SEQUENCE_REF]),
            K::ALTER_SCHEMA => (Action::Alters, "schema", &[K::SCHEMA_REF]),
            K::TABLE_RENAME_TO => (Action::RenamesTo, "table", &[K::TABLE_NAME]),
            K::INDEX_RENAME_TO => (Action::RenamesTo, "index", &[K::INDEX]),
            K::VIEW_RENAME_TO => (Action::RenamesTo, "view", &[K::VIEW]),
            K::TRIGGER_RENAME_TO => (Action::RenamesTo, "trigger", &[K::TRIGGER]),
            K::TYPE_RENAME_TO => (Action::RenamesTo, "type", &[K::TYPE_NAME]),
            K::DOMAIN_RENAME_TO => (Action::RenamesTo, "domain", &[K::DOMAIN]),
            K::SEQUENCE_RENAME_TO => (Action::RenamesTo, "sequence", &[K::SEQUENCE]),
            K::SCHEMA_RENAME_TO => (Action::RenamesTo, "schema", &[K::SCHEMA]),
            K::FUNCTION_RENAME_TO => (Action::RenamesTo, "function", &[K::FUNCTION_NAME]),
            K::PROCEDURE_RENAME_TO => (Action::RenamesTo, "procedure", &[K::PROCEDURE_NAME]),
            K::INSERT => (Action::WritesTo, "table", &[K::RELATION_NAME_REF]),
            K::UPDATE | K::DELETE => (Action::WritesTo, "table", &[K::RELATION_NAME]),
            K::MERGE => (Action::WritesTo, "table", &[K::TABLE_RELATION_NAME]),
            K::TRUNCATE => (Action::WritesTo, "table", &[K::TABLE_LIST]),
            K::COPY if has_child(&node, K::COPY_FROM) => {
                (Action::WritesTo, "table", &[K::COPY_TABLE])
            }
            _ => continue,
        };
        // Temporary objects are no set's; what the statements after it do to one is not
        // judged either (see [`TEMPORARY`]).
        let kind = if action == Action::Creates && temporary(&node) {
            TEMPORARY
        } else {
            kind
        };
        for holder in node.children().filter(|n| holders.contains(&n.kind())) {
            // A list (`TRUNCATE a, b`) holds one name each.
            let names: Vec<SyntaxNode> = if holder.kind() == K::TABLE_LIST {
                holder.children().collect()
            } else {
                vec![holder]
            };
            for name_node in names {
                if let Some((offset, name)) = last_name(&name_node) {
                    found.push((offset, action, kind, name));
                }
            }
        }
    }
    found
}

/// `CREATE INDEX ON t (…)`: PostgreSQL names the index after its table (`t_col_idx`), so it
/// counts as an index named like the table.
fn unnamed_index(node: &SyntaxNode, found: &mut Vec<Touch>) {
    let table = node
        .children()
        .find(|n| n.kind() == SyntaxKind::TABLE_RELATION_NAME)
        .and_then(|n| last_name(&n));
    if let Some((offset, table)) = table {
        found.push((offset, Action::Creates, "index", format!("{table}_…_idx")));
    }
}

/// Whether `node` creates a temporary object (`CREATE TEMP TABLE`, `SELECT … INTO TEMP`): it
/// lives on one connection only, and is no set's.
fn temporary(node: &SyntaxNode) -> bool {
    use SyntaxKind as K;
    has_child(node, K::TEMP)
        || node
            .children()
            .any(|c| c.kind() == K::INTO_CLAUSE && has_child(&c, K::TEMP))
}

fn has_child(node: &SyntaxNode, kind: SyntaxKind) -> bool {
    node.children().any(|n| n.kind() == kind)
}

/// The last part of the name `node` holds, unquoted, and its byte offset.
fn last_name(node: &SyntaxNode) -> Option<(usize, String)> {
    let token = node
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
        .filter(|t| {
            t.text()
                .starts_with(|c: char| c.is_alphanumeric() || c == '_' || c == '"')
        })
        .last()?;
    let text = token.text();
    let name = match text.strip_prefix('"').and_then(|t| t.strip_suffix('"')) {
        Some(quoted) => quoted.replace("\"\"", "\""),
        None => text.to_owned(),
    };
    Some((usize::from(token.text_range().start()), name))
}
