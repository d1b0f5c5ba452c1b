//! Reading another migration tool's history table: the query the engine asks for ([`OtherQuery`],
//! rendered once for every database in its [`Syntax`]) and the values a store hands back
//! ([`Value`]). Every column is read as a bigint, a text, bytes, a flag or a time, so that a
//! store decodes five kinds of value whatever types the other tool declared.

use crate::tracking::records::Syntax;

/// How a column of another tool's table is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Read {
    /// A whole number (`CAST(.. AS BIGINT)`), for columns the tool declares as integers.
    Int,
    /// Text (`CAST(.. AS TEXT)`), whatever the column holds.
    Text,
    /// The bytes as stored (sqlx's checksum).
    Bytes,
    /// A boolean, read as 1 (true) or 0 (false or NULL).
    Flag,
    /// A time, read as UTC text in the tracking tables' format (`2026-12-04T18:59:32.123Z`), or
    /// NULL when the value does not read as a time.
    Time,
}

/// One value of a row of another tool's table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Value {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

impl Value {
    pub(crate) fn int(&self) -> Option<i64> {
        match self {
            Value::Int(v) => Some(*v),
            _ => None,
        }
    }

    pub(crate) fn text(&self) -> Option<&str> {
        match self {
            Value::Text(v) => Some(v),
            _ => None,
        }
    }

    /// A flag is true (see [`Read::Flag`]).
    pub(crate) fn flag(&self) -> bool {
        self.int().is_some_and(|v| v != 0)
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        match self {
            Value::Bytes(v) => v,
            _ => &[],
        }
    }
}

/// A query of another tool's table: its columns, each read as [`Read`] says, in the order of
/// `order_by` (a column of the table, or none).
#[derive(Debug, Clone)]
pub(crate) struct OtherQuery<'a> {
    /// The tool, named in an error when the table lacks a column.
    pub tool: &'static str,
    /// The table, a plain identifier, optionally after one `schema.`.
    pub table: &'a str,
    pub columns: Vec<(&'a str, Read)>,
    pub order_by: Option<&'a str>,
}

impl OtherQuery<'_> {
    /// The query in a database's spelling.
    pub(crate) fn sql(&self, syntax: &Syntax) -> String {
        // `schema.table` quoted part by part; the names were checked to be plain identifiers.
        let quoted = |name: &str| {
            name.split('.')
                .map(syntax.quote)
                .collect::<Vec<_>>()
                .join(".")
        };
        let columns: Vec<String> = self
            .columns
            .iter()
            .map(|(name, read)| {
                let c = quoted(name);
                match read {
                    Read::Int => format!("CAST({c} AS BIGINT)"),
                    Read::Text => format!("CAST({c} AS TEXT)"),
                    Read::Bytes => c,
                    Read::Flag => format!("CAST(CASE WHEN {c} THEN 1 ELSE 0 END AS BIGINT)"),
                    Read::Time => (syntax.time_of_other_tool)(&c),
                }
            })
            .collect();
        let order = self
            .order_by
            .map(|c| format!(" ORDER BY {}", quoted(c)))
            .unwrap_or_default();
        format!(
            "SELECT {} FROM {}{order}",
            columns.join(", "),
            quoted(self.table)
        )
    }

    /// How each column is read, in order.
    pub(crate) fn reads(&self) -> impl Iterator<Item = Read> + '_ {
        self.columns.iter().map(|(_, read)| *read)
    }
}

/// Decodes one row of an [`OtherQuery`], from either database.
pub(crate) fn decode_row<'r, R>(
    row: &'r R,
    reads: impl Iterator<Item = Read>,
) -> Result<Vec<Value>, sqlx::Error>
where
    R: sqlx::Row,
    usize: sqlx::ColumnIndex<R>,
    i64: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    Vec<u8>: sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
    reads
        .enumerate()
        .map(|(i, read)| {
            Ok(match read {
                Read::Int | Read::Flag => row.try_get::<Option<i64>, _>(i)?.map(Value::Int),
                Read::Text | Read::Time => row.try_get::<Option<String>, _>(i)?.map(Value::Text),
                Read::Bytes => row.try_get::<Option<Vec<u8>>, _>(i)?.map(Value::Bytes),
            }
            .unwrap_or(Value::Null))
        })
        .collect()
}
