//! Advice from the schema alone: foreign keys no index serves, and indexes another one makes
//! useless.

use super::{Finding, FindingKind, IndexKey, NewIndex};
use crate::introspect::{Index, Schema, Table};

/// The findings on `schema` itself, table by table: each foreign key whose columns lead no
/// index (nor the primary key, nor a unique constraint), and each index that duplicates
/// another or is a prefix of a longer one. The suggested indexes are not named yet.
pub fn advise_schema(schema: &Schema) -> Vec<Finding> {
    let mut findings = Vec::new();
    for table in &schema.tables {
        let indexes = table_indexes(schema, table);
        for key in &table.foreign_keys {
            if indexes.iter().any(|i| i.serves_foreign_key(&key.columns)) {
                continue;
            }
            findings.push(Finding {
                kind: FindingKind::UnindexedForeignKey,
                table: Some(table.name.clone()),
                message: format!(
                    "foreign key `{}({})` -> `{}` has no index that starts with its columns: each delete or key change in `{}` reads all of `{}`",
                    table.name,
                    key.columns.join(", "),
                    key.references,
                    key.references,
                    table.name
                ),
                query: None,
                plan: Vec::new(),
                create: Some(NewIndex {
                    name: String::new(),
                    table: table.name.clone(),
                    keys: key
                        .columns
                        .iter()
                        .map(|c| IndexKey {
                            column: c.clone(),
                            descending: false,
                        })
                        .collect(),
                }),
                drop: None,
            });
        }
        for x in indexes.iter().filter(|i| i.index.is_some()) {
            if let Some(y) = useless_beside(x, &indexes) {
                findings.push(redundancy(x, y));
            }
        }
    }
    findings
}

/// The finding that `x` is useless beside `y`.
fn redundancy(x: &Indexed<'_>, y: &Indexed<'_>) -> Finding {
    let same = x.keys.len() == y.keys.len();
    let (kind, what) = if same {
        (FindingKind::DuplicateIndex, "duplicates")
    } else {
        (FindingKind::RedundantIndex, "is redundant:")
    };
    let how = if same {
        String::new()
    } else {
        " starts with the same keys".to_owned()
    };
    Finding {
        kind,
        table: Some(x.table.to_owned()),
        message: format!("{} {what} {}{how}", x.label(), y.label(),),
        query: None,
        plan: Vec::new(),
        create: None,
        drop: x.index.map(|i| i.name.clone()),
    }
}

/// Another index or constraint that makes `x` useless, preferring the longest (which is not
/// useless itself) and, among equals, a constraint or the first by name.
fn useless_beside<'a>(x: &Indexed<'_>, all: &'a [Indexed<'a>]) -> Option<&'a Indexed<'a>> {
    all.iter()
        .filter(|y| !std::ptr::eq(*y as *const _ as *const u8, x as *const _ as *const u8))
        .filter(|y| {
            let y_covers = y.covers(x);
            let x_covers = x.covers(y);
            y_covers && (!x_covers || y.index.is_none() || y.name() < x.name())
        })
        .max_by(|a, b| {
            a.keys
                .len()
                .cmp(&b.keys.len())
                .then(b.index.is_some().cmp(&a.index.is_some()))
                .then(b.name().cmp(a.name()))
        })
}

/// An index, the primary key or a unique constraint of a table: what can serve a lookup.
#[derive(Debug)]
pub(crate) struct Indexed<'a> {
    /// The index; `None` for a constraint (which cannot be dropped as an index).
    pub index: Option<&'a Index>,
    /// `primary key` or `unique constraint`, for a constraint.
    constraint: &'static str,
    pub table: &'a str,
    pub unique: bool,
    pub keys: Vec<Key>,
    include: Vec<String>,
    pub predicate: Option<String>,
    pub method: String,
}

impl Indexed<'_> {
    fn name(&self) -> &str {
        self.index.map_or("", |i| i.name.as_str())
    }

    /// `index `x` (a, b)` or `the primary key (a)`.
    fn label(&self) -> String {
        let keys: Vec<String> = self.keys.iter().map(Key::to_string).collect();
        match self.index {
            Some(i) => format!("index `{}` ({})", i.name, keys.join(", ")),
            None => format!("the {} ({})", self.constraint, keys.join(", ")),
        }
    }

    /// Whether `self` serves every lookup `x` serves and enforces what `x` enforces.
    fn covers(&self, x: &Indexed<'_>) -> bool {
        let n = x.keys.len();
        let prefix = self.keys.len() >= n && self.keys[..n] == x.keys[..];
        let prefix = prefix && (self.method == "btree" || self.keys.len() == n);
        let available = x
            .include
            .iter()
            .all(|c| self.include.contains(c) || self.keys.iter().any(|k| &k.text == c));
        // A unique index enforces its keys' uniqueness: only another with the same keys does.
        let enforces = !x.unique || (self.unique && self.keys.len() == n);
        self.table == x.table
            && self.method == x.method
            && self.predicate == x.predicate
            && prefix
            && available
            && enforces
    }

    /// Whether a lookup by `columns` (equality on each, in any order) is served: a b-tree whose
    /// first keys are these columns, plain (no collation), whole or partial on `IS NOT NULL`
    /// of them.
    fn serves_foreign_key(&self, columns: &[String]) -> bool {
        let n = columns.len();
        if self.method != "btree" || self.keys.len() < n {
            return false;
        }
        let plain = self.keys[..n]
            .iter()
            .all(|k| k.column && k.rest.is_empty() && columns.contains(&k.text));
        let mut leading: Vec<&str> = self.keys[..n].iter().map(|k| k.text.as_str()).collect();
        leading.sort_unstable();
        leading.dedup();
        let predicate_ok = match &self.predicate {
            None => true,
            Some(p) => only_not_null(p, columns),
        };
        plain && leading.len() == n && predicate_ok
    }

    /// Whether this serves equality on `eq` then the order of `rest`: its first keys are the
    /// columns of `eq` (any order), then `rest` as given, or with every direction reversed (a
    /// b-tree is read backwards as well).
    pub(crate) fn serves(&self, keys: &[IndexKey], equalities: usize) -> bool {
        if self.method != "btree" || self.predicate.is_some() || self.keys.len() < keys.len() {
            return false;
        }
        let (eq, rest) = keys.split_at(equalities.min(keys.len()));
        let head = &self.keys[..eq.len()];
        let eq_ok = eq
            .iter()
            .all(|k| head.iter().any(|h| h.column && h.text == k.column));
        let tail = &self.keys[eq.len()..keys.len()];
        let same = |flip: bool| {
            tail.iter()
                .zip(rest)
                .all(|(h, k)| h.column && h.text == k.column && (h.desc != k.descending) == flip)
        };
        eq_ok && (same(false) || same(true))
    }
}

/// Whether `predicate` is `column IS NOT NULL` for some of `columns`, joined by `AND`.
fn only_not_null(predicate: &str, columns: &[String]) -> bool {
    let text = predicate.to_ascii_lowercase().replace(['(', ')'], " ");
    text.split(" and ").all(|part| {
        let words: Vec<&str> = part.split_whitespace().collect();
        match words.as_slice() {
            [column, "is", "not", "null"] => columns
                .iter()
                .any(|c| c.eq_ignore_ascii_case(column.trim_matches('"'))),
            _ => false,
        }
    })
}

/// One key of an index, read from the model's text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    /// The column (without quotes) or the expression.
    pub text: String,
    /// Whether `text` is a column rather than an expression.
    pub column: bool,
    /// `DESC`.
    pub desc: bool,
    /// Anything else: a collation, an operator class, `NULLS FIRST|LAST`, in lower case.
    pub rest: String,
}

impl Key {
    /// A key as the model writes it: `user_id`, `updated_at DESC`, `"Name" COLLATE nocase`,
    /// `lower(email)`.
    pub(crate) fn parse(raw: &str) -> Key {
        let raw = raw.trim();
        let (head, tail) = if let Some(quoted) = raw.strip_prefix('"') {
            match quoted.find('"') {
                Some(end) => (&raw[..end + 2], &raw[end + 2..]),
                None => (raw, ""),
            }
        } else if raw.contains('(') {
            // An expression: everything up to its last closing parenthesis.
            match raw.rfind(')') {
                Some(end) => (&raw[..=end], &raw[end + 1..]),
                None => (raw, ""),
            }
        } else {
            raw.split_once(char::is_whitespace).unwrap_or((raw, ""))
        };
        let column = !head.contains('(');
        let text = if column {
            head.trim_matches('"').to_owned()
        } else {
            head.to_owned()
        };
        let mut desc = false;
        let rest: Vec<String> = tail
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .filter(|w| match w.as_str() {
                "desc" => {
                    desc = true;
                    false
                }
                "asc" => false,
                _ => true,
            })
            .collect();
        let mut rest = rest.join(" ");
        // `DESC NULLS FIRST` is PostgreSQL's default for `DESC`, `ASC NULLS LAST` for `ASC`.
        if (desc && rest == "nulls first") || (!desc && rest == "nulls last") {
            rest.clear();
        }
        Key {
            text,
            column,
            desc,
            rest,
        }
    }

    fn plain(column: &str) -> Key {
        Key {
            text: column.to_owned(),
            column: true,
            desc: false,
            rest: String::new(),
        }
    }
}

impl std::fmt::Display for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)?;
        if self.desc {
            f.write_str(" DESC")?;
        }
        if !self.rest.is_empty() {
            write!(f, " {}", self.rest)?;
        }
        Ok(())
    }
}

/// Every index of `table`, its primary key and unique constraints included.
pub(crate) fn table_indexes<'a>(schema: &'a Schema, table: &'a Table) -> Vec<Indexed<'a>> {
    let mut all = Vec::new();
    if let Some(key) = &table.primary_key {
        all.push(Indexed {
            index: None,
            constraint: "primary key",
            table: &table.name,
            unique: true,
            keys: key.columns.iter().map(|c| Key::plain(c)).collect(),
            include: Vec::new(),
            predicate: None,
            method: "btree".to_owned(),
        });
    }
    for unique in &table.uniques {
        all.push(Indexed {
            index: None,
            constraint: "unique constraint",
            table: &table.name,
            unique: true,
            keys: unique.columns.iter().map(|c| Key::plain(c)).collect(),
            include: Vec::new(),
            predicate: None,
            method: "btree".to_owned(),
        });
    }
    for index in schema.indexes.iter().filter(|i| i.table == table.name) {
        all.push(Indexed {
            index: Some(index),
            constraint: "",
            table: &table.name,
            unique: index.unique,
            keys: index.keys.iter().map(|k| Key::parse(k)).collect(),
            include: index
                .include
                .iter()
                .map(|c| c.trim_matches('"').to_owned())
                .collect(),
            predicate: index.predicate.clone(),
            method: index.method.clone(),
        });
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::introspect::{ForeignKey, PrimaryKey, Unique};

    fn index(name: &str, keys: &[&str], unique: bool, predicate: Option<&str>) -> Index {
        Index {
            name: name.to_owned(),
            table: "posts".to_owned(),
            unique,
            keys: keys.iter().map(|k| k.to_string()).collect(),
            include: Vec::new(),
            predicate: predicate.map(str::to_owned),
            method: "btree".to_owned(),
        }
    }

    fn posts(indexes: Vec<Index>, uniques: &[&[&str]]) -> Schema {
        Schema {
            tables: vec![Table {
                name: "posts".to_owned(),
                primary_key: Some(PrimaryKey {
                    name: None,
                    columns: vec!["id".to_owned()],
                }),
                uniques: uniques
                    .iter()
                    .map(|cols| Unique {
                        name: None,
                        columns: cols.iter().map(|c| c.to_string()).collect(),
                    })
                    .collect(),
                foreign_keys: vec![ForeignKey {
                    name: None,
                    columns: vec!["user_id".to_owned()],
                    references: "users".to_owned(),
                    referenced_columns: vec!["id".to_owned()],
                    on_delete: "CASCADE".to_owned(),
                    on_update: "NO ACTION".to_owned(),
                    deferrable: String::new(),
                }],
                ..Table::default()
            }],
            indexes,
            ..Schema::default()
        }
    }

    fn kinds(schema: &Schema) -> Vec<(FindingKind, Option<String>)> {
        advise_schema(schema)
            .into_iter()
            .map(|f| (f.kind, f.drop))
            .collect()
    }

    #[test]
    fn finds_a_foreign_key_without_an_index() {
        let found = advise_schema(&posts(vec![], &[]));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].kind, FindingKind::UnindexedForeignKey);
        assert_eq!(
            found[0].create.as_ref().unwrap().target(),
            "posts (user_id)"
        );
    }

    #[test]
    fn a_foreign_key_is_served_by_the_first_keys_of_an_index_or_a_unique_constraint() {
        let by_index = posts(vec![index("a", &["user_id", "title"], false, None)], &[]);
        assert_eq!(kinds(&by_index), vec![]);
        let by_unique = posts(vec![], &[&["user_id", "slug"]]);
        assert_eq!(kinds(&by_unique), vec![]);
        let second = posts(vec![index("a", &["title", "user_id"], false, None)], &[]);
        assert_eq!(kinds(&second)[0].0, FindingKind::UnindexedForeignKey);
        let not_null = posts(
            vec![index("a", &["user_id"], false, Some("user_id is not null"))],
            &[],
        );
        assert_eq!(kinds(&not_null), vec![]);
        let other_partial = posts(
            vec![index("a", &["user_id"], false, Some("deleted = 0"))],
            &[],
        );
        assert_eq!(kinds(&other_partial)[0].0, FindingKind::UnindexedForeignKey);
    }

    #[test]
    fn a_prefix_is_redundant_and_the_same_keys_are_a_duplicate() {
        let schema = posts(
            vec![
                index("a", &["user_id"], false, None),
                index("b", &["user_id", "updated_at DESC"], false, None),
                index("c", &["user_id", "updated_at DESC"], false, None),
            ],
            &[],
        );
        assert_eq!(
            kinds(&schema),
            vec![
                (FindingKind::RedundantIndex, Some("a".to_owned())),
                (FindingKind::DuplicateIndex, Some("c".to_owned())),
            ]
        );
    }

    #[test]
    fn a_unique_index_is_not_redundant_to_a_longer_or_non_unique_one() {
        let longer = posts(
            vec![
                index("a", &["user_id"], true, None),
                index("b", &["user_id", "title"], true, None),
            ],
            &[],
        );
        assert_eq!(kinds(&longer), vec![]);
        let same_non_unique = posts(
            vec![
                index("a", &["user_id"], true, None),
                index("b", &["user_id"], false, None),
            ],
            &[],
        );
        assert_eq!(
            kinds(&same_non_unique),
            vec![(FindingKind::DuplicateIndex, Some("b".to_owned()))]
        );
    }

    #[test]
    fn predicates_directions_and_expressions_must_match() {
        let schema = posts(
            vec![
                index("a", &["user_id"], false, Some("deleted = 0")),
                index("b", &["user_id", "title"], false, None),
                index("c", &["title DESC"], false, None),
                index("d", &["title", "id"], false, None),
                index("e", &["lower(title)"], false, None),
            ],
            &[],
        );
        assert_eq!(kinds(&schema), vec![]);
    }

    #[test]
    fn an_index_on_the_primary_key_or_a_unique_constraint_is_a_duplicate() {
        let schema = posts(
            vec![
                index("a", &["id"], false, None),
                index("b", &["slug"], false, None),
                index("u", &["user_id"], false, None),
            ],
            &[&["slug", "user_id"]],
        );
        assert_eq!(
            kinds(&schema),
            vec![
                (FindingKind::DuplicateIndex, Some("a".to_owned())),
                (FindingKind::RedundantIndex, Some("b".to_owned())),
            ]
        );
    }

    #[test]
    fn reads_keys_in_both_spellings() {
        assert_eq!(
            Key::parse("updated_at desc"),
            Key::parse("updated_at DESC NULLS FIRST")
        );
        assert_eq!(Key::parse("\"Name\" collate nocase").text, "Name");
        assert!(!Key::parse("lower(email)").column);
        assert_ne!(Key::parse("a DESC NULLS LAST"), Key::parse("a DESC"));
    }
}
