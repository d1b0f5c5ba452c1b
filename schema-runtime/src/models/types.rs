//! What each kind of property becomes in a database: its column type, its checks and its
//! default, for PostgreSQL and for SQLite's `STRICT` tables.

use super::kind::Kind;
use super::property::{Bound, Field};
use crate::introspect::Check;
use schema_core::Dialect;
use serde_json::Value;

/// What is wrong and how to fix it.
pub(crate) type Refusal = (String, String);

/// The column type of `kind` on `dialect`'s database, or why it cannot hold it.
pub(crate) fn column_type(kind: &Kind, field: &Field, dialect: Dialect) -> Result<String, Refusal> {
    let postgres = dialect == Dialect::Postgres;
    let t = match kind {
        Kind::Unsigned64 => {
            return Err((
                format!("an unsigned 64-bit integer does not fit {}'s largest integer (signed, 64 bits)", name(dialect)),
                "use `\"format\": \"int64\"`, or `\"type\": \"number\"` for values past 9223372036854775807".to_owned(),
            ))
        }
        Kind::Mixed(types) if postgres => {
            return Err((
                format!("a PostgreSQL column holds one type, not {}", types.join(" or ")),
                "choose one type, or store the value as JSON with `\"type\": \"object\"`".to_owned(),
            ))
        }
        // A reference takes its target key's type, which the caller knows.
        Kind::Reference(_) => String::new(),
        _ if postgres => match kind {
            Kind::Text if field.varchar => format!("character varying({})", field.max_length.unwrap_or(0)),
            Kind::Text => "text".to_owned(),
            Kind::DateTime => "timestamp with time zone".to_owned(),
            Kind::Date => "date".to_owned(),
            Kind::Time => "time without time zone".to_owned(),
            Kind::Uuid => "uuid".to_owned(),
            Kind::Integer => "integer".to_owned(),
            Kind::BigInteger => "bigint".to_owned(),
            Kind::Numeric => "numeric".to_owned(),
            Kind::Double => "double precision".to_owned(),
            Kind::Real => "real".to_owned(),
            Kind::Boolean => "boolean".to_owned(),
            _ => "jsonb".to_owned(),
        },
        Kind::Integer | Kind::BigInteger | Kind::Boolean => "integer".to_owned(),
        Kind::Numeric | Kind::Double | Kind::Real => "real".to_owned(),
        Kind::Mixed(_) => "any".to_owned(),
        _ => "text".to_owned(),
    };
    Ok(t)
}

fn name(dialect: Dialect) -> &'static str {
    if dialect == Dialect::Postgres {
        "PostgreSQL"
    } else {
        "SQLite"
    }
}

/// The checks of a column of `table`: `enum`, `minimum`/`maximum`, `minLength`/`maxLength`,
/// and on SQLite a boolean's `0`/`1` and a JSON document's validity.
pub(crate) fn checks(table: &str, field: &Field, dialect: Dialect) -> Result<Vec<Check>, Refusal> {
    let postgres = dialect == Dialect::Postgres;
    let col = crate::introspect::dump_ident(&field.column);
    let named = |what: &str, expression: String| Check {
        name: Some(format!("{table}_{}_{what}", field.column)),
        expression,
    };
    let mut out = Vec::new();
    let values: Vec<&Value> = field.enum_values.iter().filter(|v| !v.is_null()).collect();
    if !values.is_empty() {
        let literals: Result<Vec<String>, Refusal> = values
            .iter()
            .map(|v| literal(v, &field.kind, dialect))
            .collect();
        out.push(named(
            "enum",
            format!("{col} IN ({})", literals?.join(", ")),
        ));
    }
    let bound = |b: &Bound, lower: bool| {
        let op = match (lower, b.exclusive) {
            (true, false) => ">=",
            (true, true) => ">",
            (false, false) => "<=",
            (false, true) => "<",
        };
        format!("{col} {op} {}", b.value)
    };
    if let Some(b) = &field.minimum {
        out.push(named("min", bound(b, true)));
    }
    if let Some(b) = &field.maximum {
        out.push(named("max", bound(b, false)));
    }
    let length = if postgres { "char_length" } else { "length" };
    if let Some(n) = field.min_length {
        out.push(named("min_length", format!("{length}({col}) >= {n}")));
    }
    if let Some(n) = field.max_length.filter(|_| !(postgres && field.varchar)) {
        out.push(named("max_length", format!("{length}({col}) <= {n}")));
    }
    if !postgres && field.kind == Kind::Boolean {
        out.push(named("bool", format!("{col} IN (0, 1)")));
    }
    if !postgres && field.kind == Kind::Json {
        out.push(named("json", format!("json_valid({col})")));
    }
    Ok(out)
}

/// The column's `DEFAULT`: `x-default-sql` as written, or `default` as a literal.
pub(crate) fn default(field: &Field, dialect: Dialect) -> Result<Option<String>, Refusal> {
    if let Some(sql) = &field.default_sql {
        return Ok(Some(sql.clone()));
    }
    match &field.default {
        None | Some(Value::Null) => Ok(None),
        Some(value) => literal(value, &field.kind, dialect).map(Some),
    }
}

/// `value` as an SQL literal for a column of `kind`, or why it does not fit.
pub(crate) fn literal(value: &Value, kind: &Kind, dialect: Dialect) -> Result<String, Refusal> {
    let postgres = dialect == Dialect::Postgres;
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let fits = match (kind, value) {
        (Kind::Json, v) => {
            let text = quote(&v.to_string());
            return Ok(if postgres {
                format!("{text}::jsonb")
            } else {
                text
            });
        }
        // SQLite's `ANY` column: a value of one of the property's types, not a document.
        (Kind::Mixed(types), v) => types.iter().any(|t| match (t.as_str(), v) {
            ("string", Value::String(_)) | ("boolean", Value::Bool(_)) => true,
            ("number", Value::Number(_)) => true,
            ("integer", Value::Number(n)) => n.is_i64() || n.is_u64() || whole_float(n).is_some(),
            _ => false,
        }),
        (Kind::Boolean, Value::Bool(b)) => {
            return Ok(match (postgres, b) {
                (true, true) => "true".to_owned(),
                (true, false) => "false".to_owned(),
                (false, true) => "1".to_owned(),
                (false, false) => "0".to_owned(),
            })
        }
        (Kind::Integer | Kind::BigInteger | Kind::Unsigned64, Value::Number(n)) => {
            if let Some(whole) = whole_float(n) {
                return Ok(whole);
            }
            n.is_i64() || n.is_u64()
        }
        (Kind::Numeric | Kind::Double | Kind::Real, Value::Number(_)) => true,
        (Kind::Text | Kind::DateTime | Kind::Date | Kind::Time | Kind::Uuid, Value::String(_)) => {
            true
        }
        (Kind::Reference(_), Value::String(_) | Value::Number(_)) => true,
        _ => false,
    };
    if !fits {
        return Err((
            format!("the value {value} does not fit the property's type"),
            "write a value of the property's type (a string for a string, a number for a number)"
                .to_owned(),
        ));
    }
    Ok(match value {
        Value::String(s) => quote(s),
        Value::Bool(b) => b.to_string(),
        other => other.to_string(),
    })
}

/// A number written with a fraction of zero (`1.0`), which JSON Schema counts as an integer,
/// as an integer literal (`1`).
fn whole_float(n: &serde_json::Number) -> Option<String> {
    let f = n.as_f64().filter(|_| n.is_f64())?;
    // Within the range of a signed 64-bit integer, where every whole `f64` converts exactly.
    (f.fract() == 0.0 && f.abs() < 9.0e18).then(|| format!("{}", f as i64))
}
