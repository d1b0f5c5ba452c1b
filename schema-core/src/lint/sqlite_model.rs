//! What the SQLite lints know of a statement and of the schema the files before it made, read
//! from their words: the tables, their columns (whether each is `NOT NULL`) and the tables each
//! references. What cannot be read is left unknown, and a rule that needs it stays silent.

use super::words::{name_at, skip, unquote, Word};
use std::collections::BTreeMap;

/// A column's default, as `ALTER TABLE … ADD COLUMN` judges it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ColumnDefault {
    /// No `DEFAULT`.
    None,
    /// `DEFAULT NULL`.
    Null,
    /// A literal, signed or in parentheses.
    Constant,
    /// `CURRENT_TIMESTAMP` and the like, or an expression: SQLite refuses it on a table with
    /// rows.
    NonConstant,
}

/// A column definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ColumnDef {
    pub(super) name: String,
    /// Byte offset of its name in the file.
    pub(super) at: usize,
    pub(super) not_null: bool,
    pub(super) default: ColumnDefault,
    pub(super) primary_or_unique: bool,
    /// `GENERATED ALWAYS AS (…)` or `AS (…)`.
    pub(super) generated: bool,
    /// A generated column that is `STORED`.
    pub(super) stored: bool,
    /// The table it references, if any.
    pub(super) references: Option<String>,
}

/// What one statement does, as far as the rules care.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Stmt {
    CreateTable {
        name: String,
        temporary: bool,
        /// `None` for `CREATE TABLE … AS SELECT`.
        columns: Option<Vec<ColumnDef>>,
        references: Vec<String>,
    },
    AddColumn {
        at: usize,
        table: String,
        column: ColumnDef,
    },
    DropColumn {
        at: usize,
        table: String,
        column: String,
    },
    RenameTable {
        at: usize,
        table: String,
        to: String,
    },
    RenameColumn {
        at: usize,
        table: String,
        column: String,
        to: String,
    },
    DropTable {
        at: usize,
        table: String,
    },
    CreateIndex {
        at: usize,
        table: String,
    },
    /// `PRAGMA foreign_keys = …`: whether it turns them on.
    ForeignKeys {
        on: bool,
    },
    /// `INSERT INTO table …`, and whether it fills `NULL`s with `coalesce` or `ifnull`.
    Insert {
        table: String,
        coalesce: bool,
    },
    Update {
        table: String,
    },
    /// `DELETE FROM table` without `WHERE`.
    Emptied {
        table: String,
    },
    Other,
}

/// Reads one statement's words.
pub(super) fn parse(words: &[Word<'_>]) -> Stmt {
    let Some(first) = words.first() else {
        return Stmt::Other;
    };
    let parsed = if first.is("CREATE") {
        create(words)
    } else if first.is("ALTER") && words.get(1).is_some_and(|w| w.is("TABLE")) {
        alter(words)
    } else if first.is("DROP") && words.get(1).is_some_and(|w| w.is("TABLE")) {
        let at = skip(words, 2, &["IF", "EXISTS"]);
        name_at(words, at).map(|(table, _)| Stmt::DropTable {
            at: first.at,
            table,
        })
    } else if first.is("PRAGMA") {
        pragma(words)
    } else if first.is_any(&["INSERT", "REPLACE"]) {
        let at = words.iter().position(|w| w.is("INTO")).map_or(1, |i| i + 1);
        name_at(words, at).map(|(table, _)| Stmt::Insert {
            table,
            coalesce: words.iter().any(|w| w.is_any(&["coalesce", "ifnull"])),
        })
    } else if first.is("DELETE") && !words.iter().any(|w| w.is("WHERE")) {
        name_at(words, skip(words, 1, &["FROM"])).map(|(table, _)| Stmt::Emptied { table })
    } else if first.is("UPDATE") {
        let at = if words.get(1).is_some_and(|w| w.is("OR")) {
            3
        } else {
            1
        };
        name_at(words, at).map(|(table, _)| Stmt::Update { table })
    } else {
        None
    };
    parsed.unwrap_or(Stmt::Other)
}

fn create(words: &[Word<'_>]) -> Option<Stmt> {
    let mut i = 1;
    let temporary = words.get(i)?.is_any(&["TEMP", "TEMPORARY"]);
    i += usize::from(temporary);
    if words.get(i)?.is("UNIQUE") {
        i += 1;
    }
    if words.get(i)?.is("INDEX") {
        let at = skip(words, i + 1, &["IF", "NOT", "EXISTS"]);
        let (_, after) = name_at(words, at)?;
        let on = words.get(after).filter(|w| w.is("ON"))?;
        let (table, _) = name_at(words, after + 1)?;
        return Some(Stmt::CreateIndex {
            at: words[0].at.min(on.at),
            table,
        });
    }
    if !words.get(i)?.is("TABLE") {
        return None;
    }
    let (name, after) = name_at(words, skip(words, i + 1, &["IF", "NOT", "EXISTS"]))?;
    let mut references = Vec::new();
    let columns = if words.get(after).is_some_and(|w| w.text == "(") {
        let mut columns = Vec::new();
        for item in items(&words[after + 1..]) {
            let head = item.first()?;
            if head.is_any(&["CONSTRAINT", "PRIMARY", "UNIQUE", "CHECK", "FOREIGN"]) {
                references.extend(referenced(item));
            } else {
                let column = column_def(item)?;
                references.extend(column.references.clone());
                columns.push(column);
            }
        }
        Some(columns)
    } else {
        None
    };
    Some(Stmt::CreateTable {
        name,
        temporary,
        columns,
        references,
    })
}

fn alter(words: &[Word<'_>]) -> Option<Stmt> {
    let (table, i) = name_at(words, 2)?;
    let action = words.get(i)?;
    if action.is("ADD") {
        let at = skip(words, i + 1, &["COLUMN"]);
        let end = words
            .iter()
            .rposition(|w| w.text != ";")
            .map_or(0, |e| e + 1);
        let column = column_def(words.get(at..end)?)?;
        return Some(Stmt::AddColumn {
            at: action.at,
            table,
            column,
        });
    }
    if action.is("DROP") {
        let (column, _) = name_at(words, skip(words, i + 1, &["COLUMN"]))?;
        return Some(Stmt::DropColumn {
            at: action.at,
            table,
            column,
        });
    }
    if action.is("RENAME") {
        if words.get(i + 1)?.is("TO") {
            let (to, _) = name_at(words, i + 2)?;
            return Some(Stmt::RenameTable {
                at: action.at,
                table,
                to,
            });
        }
        let (column, after) = name_at(words, skip(words, i + 1, &["COLUMN"]))?;
        let (to, _) = name_at(words, after + 1).filter(|_| words[after].is("TO"))?;
        return Some(Stmt::RenameColumn {
            at: action.at,
            table,
            column,
            to,
        });
    }
    None
}

fn pragma(words: &[Word<'_>]) -> Option<Stmt> {
    let (name, after) = name_at(words, 1)?;
    if name != "foreign_keys" {
        return None;
    }
    let value = words
        .get(after..)?
        .iter()
        .find(|w| !matches!(w.text, "=" | "("))?;
    let on = !value.is_any(&["OFF", "0", "FALSE", "NO", "'off'", "'0'", "'false'", "'no'"]);
    Some(Stmt::ForeignKeys { on })
}

/// The items of a parenthesised list whose `(` came just before `words`, up to its `)`: split
/// at the commas outside nested parentheses.
fn items<'w, 'a>(words: &'w [Word<'a>]) -> Vec<&'w [Word<'a>]> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, word) in words.iter().enumerate() {
        match word.text {
            "(" => depth += 1,
            ")" if depth == 0 => {
                items.push(&words[start..i]);
                return items;
            }
            ")" => depth -= 1,
            "," if depth == 0 => {
                items.push(&words[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&words[start..]);
    items
}

/// The tables `words` names after `REFERENCES`.
fn referenced(words: &[Word<'_>]) -> Vec<String> {
    (0..words.len())
        .filter(|&i| words[i].is("REFERENCES"))
        .filter_map(|i| name_at(words, i + 1).map(|(name, _)| name))
        .collect()
}

/// A column definition: its name, then its type and constraints.
fn column_def(words: &[Word<'_>]) -> Option<ColumnDef> {
    let (name, at) = (words.first()?, 1);
    let mut column = ColumnDef {
        name: unquote(name.text),
        at: name.at,
        not_null: false,
        default: ColumnDefault::None,
        primary_or_unique: false,
        generated: false,
        stored: false,
        references: referenced(words).into_iter().next(),
    };
    let mut depth = 0usize;
    for i in at..words.len() {
        let word = &words[i];
        match word.text {
            "(" => depth += 1,
            ")" => depth = depth.saturating_sub(1),
            _ => {}
        }
        if depth > 0 {
            continue;
        }
        let next = words.get(i + 1);
        if word.is("NOT") && next.is_some_and(|w| w.is("NULL")) {
            column.not_null = true;
        } else if word.is("DEFAULT") {
            column.default = default(&words[i + 1..]);
        } else if word.is("UNIQUE") || (word.is("PRIMARY") && next.is_some_and(|w| w.is("KEY"))) {
            column.primary_or_unique = true;
        } else if word.is("AS") && next.is_some_and(|w| w.text == "(") {
            column.generated = true;
        } else if word.is("STORED") && column.generated {
            column.stored = true;
        }
    }
    Some(column)
}

/// The default that `words` (what follows `DEFAULT`) gives.
fn default(words: &[Word<'_>]) -> ColumnDefault {
    let literal = |words: &[Word<'_>]| match words {
        [w] if w.is("NULL") => Some(ColumnDefault::Null),
        [w] if is_literal(w.text) => Some(ColumnDefault::Constant),
        [sign, w] if matches!(sign.text, "-" | "+") && is_literal(w.text) => {
            Some(ColumnDefault::Constant)
        }
        _ => None,
    };
    match words.first() {
        None => ColumnDefault::None,
        Some(w) if w.text == "(" => {
            let inner = items(&words[1..]);
            match inner.as_slice() {
                [only] => literal(only).unwrap_or(ColumnDefault::NonConstant),
                _ => ColumnDefault::NonConstant,
            }
        }
        Some(w) if w.is_any(&["CURRENT_TIME", "CURRENT_DATE", "CURRENT_TIMESTAMP"]) => {
            ColumnDefault::NonConstant
        }
        Some(_) => {
            let signed = words.first().is_some_and(|w| matches!(w.text, "-" | "+"));
            let end = if signed { 2 } else { 1 };
            literal(&words[..end.min(words.len())]).unwrap_or(ColumnDefault::Constant)
        }
    }
}

/// A number, string, blob or boolean literal.
fn is_literal(text: &str) -> bool {
    text.starts_with(|c: char| c.is_ascii_digit() || c == '.' || c == '\'')
        || text.len() > 2 && (text.starts_with("x'") || text.starts_with("X'"))
        || ["TRUE", "FALSE"]
            .iter()
            .any(|k| text.eq_ignore_ascii_case(k))
}

/// A table as the files so far made it.
#[derive(Debug, Clone, Default)]
pub(super) struct Table {
    /// Its columns, when its definition could be read.
    pub(super) columns: Option<Vec<(String, bool)>>,
    /// The tables it references.
    pub(super) references: Vec<String>,
}

/// The tables the files so far made.
#[derive(Debug, Default)]
pub(crate) struct Model {
    pub(super) tables: BTreeMap<String, Table>,
}

impl Model {
    /// Whether a table other than `table` references it.
    pub(super) fn referenced_by_others(&self, table: &str) -> bool {
        self.tables
            .iter()
            .any(|(name, t)| name != table && t.references.iter().any(|r| r == table))
    }

    /// Whether `column` of `table` is known to allow `NULL`.
    pub(super) fn allows_null(&self, table: &str, column: &str) -> bool {
        let columns = self.tables.get(table).and_then(|t| t.columns.as_ref());
        columns.is_some_and(|c| c.iter().any(|(name, not_null)| name == column && !not_null))
    }

    /// Records what `stmt` does.
    pub(super) fn apply(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::CreateTable {
                name,
                temporary: false,
                columns,
                references,
            } => {
                let columns = columns
                    .as_ref()
                    .map(|c| c.iter().map(|c| (c.name.clone(), c.not_null)).collect());
                let table = Table {
                    columns,
                    references: references.clone(),
                };
                self.tables.insert(name.clone(), table);
            }
            Stmt::AddColumn { table, column, .. } => {
                let table = self.tables.entry(table.clone()).or_default();
                if let Some(columns) = &mut table.columns {
                    columns.push((column.name.clone(), column.not_null));
                }
                table.references.extend(column.references.clone());
            }
            Stmt::DropColumn { table, column, .. } => {
                if let Some(columns) = self.tables.get_mut(table).and_then(|t| t.columns.as_mut()) {
                    columns.retain(|(name, _)| name != column);
                }
            }
            Stmt::RenameColumn {
                table, column, to, ..
            } => {
                let columns = self.tables.get_mut(table).and_then(|t| t.columns.as_mut());
                for (name, _) in columns.into_iter().flatten() {
                    if name == column {
                        name.clone_from(to);
                    }
                }
            }
            Stmt::RenameTable { table, to, .. } => {
                if let Some(moved) = self.tables.remove(table) {
                    self.tables.insert(to.clone(), moved);
                }
                // SQLite rewrites the references of other tables to the new name.
                for t in self.tables.values_mut() {
                    for r in &mut t.references {
                        if r == table {
                            r.clone_from(to);
                        }
                    }
                }
            }
            Stmt::DropTable { table, .. } => {
                self.tables.remove(table);
            }
            _ => {}
        }
    }
}
