//! What a property holds ([`Kind`]), from its `type` and `format`, before a database's column
//! type is chosen for it.

use super::error::{Place, Problems};
use super::load::list;
use super::property::text;
use serde_json::{Map, Value};

/// What a column holds, before a database's type is chosen for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `string`.
    Text,
    /// `string` with `format: date-time`.
    DateTime,
    /// `string` with `format: date`.
    Date,
    /// `string` with `format: time`.
    Time,
    /// `string` with `format: uuid`.
    Uuid,
    /// `integer` (`int32`, `uint32` and smaller).
    Integer,
    /// `integer` with `format: int64` or `x-bigint`.
    BigInteger,
    /// `integer` with `format: uint64` or `uint`: more than a signed 64-bit integer holds.
    Unsigned64,
    /// `number`.
    Numeric,
    /// `number` with `format: double`.
    Double,
    /// `number` with `format: float`.
    Real,
    /// `boolean`.
    Boolean,
    /// `object` or `array`: a JSON document.
    Json,
    /// Several types at once (`["string", "integer"]`).
    Mixed(Vec<String>),
    /// A `$ref` to another model: a foreign key to its primary key.
    Reference(String),
}

const FORMATS: &[&str] = &[
    "date-time",
    "date",
    "time",
    "uuid",
    "email",
    "uri",
    "uri-reference",
    "hostname",
    "ipv4",
    "ipv6",
    "int8",
    "int16",
    "int32",
    "int64",
    "uint8",
    "uint16",
    "uint32",
    "uint64",
    "uint",
    "int",
    "float",
    "double",
];

/// The kind from `type` and `format`, and whether `null` is among the types.
pub(crate) fn kind(
    at: &impl Fn(&str) -> Place,
    file: &str,
    pointer: &str,
    s: &Map<String, Value>,
    problems: &mut Problems,
) -> Option<(Kind, bool)> {
    let types: Vec<&str> = match s.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) if ts.iter().all(Value::is_string) => {
            ts.iter().filter_map(Value::as_str).collect()
        }
        Some(other) => {
            problems.at(
                &at("type"),
                format!("`type` is {other}"),
                "write a type name, like `\"string\"`, or a list of them",
            );
            return None;
        }
        None if s.contains_key("enum") => {
            // An enum without a type: its values say it.
            let all_strings = s["enum"]
                .as_array()
                .is_some_and(|v| v.iter().all(|v| v.is_string() || v.is_null()));
            if all_strings {
                vec!["string"]
            } else {
                vec![]
            }
        }
        None => vec![],
    };
    if types.is_empty() {
        problems.add(file, pointer, "the property has no `type`", "give it a `type` (`string`, `integer`, `number`, `boolean`, `object`, `array`) or a `$ref` to another model");
        return None;
    }
    let null = types.contains(&"null");
    let types: Vec<&str> = types.into_iter().filter(|t| *t != "null").collect();
    let format = text(at, s, "format", problems);
    let format = format.as_deref();
    if s.get("format").is_some_and(|f| !f.is_string()) {
        return None;
    }
    if let Some(f) = format {
        if !FORMATS.contains(&f) {
            problems.at(
                &at("format"),
                format!("unknown format `{f}`"),
                format!("use one of {}, or leave `format` out", list(FORMATS)),
            );
            return None;
        }
    }
    let bigint = match s.get("x-bigint") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            problems.at(
                &at("x-bigint"),
                format!("`x-bigint` is {other}, not true or false"),
                "write `\"x-bigint\": true`",
            );
            return None;
        }
    };
    const TYPES: &[&str] = &["string", "integer", "number", "boolean", "object", "array"];
    if let Some(unknown) = types.iter().find(|t| !TYPES.contains(t)) {
        problems.at(
            &at("type"),
            format!("unknown type `{unknown}`"),
            "use `string`, `integer`, `number`, `boolean`, `object`, `array` or `null`",
        );
        return None;
    }
    let kind = match types.as_slice() {
        [] => {
            problems.at(
                &at("type"),
                "the only type is `null`",
                "a column holds values: give it another type beside `null`",
            );
            return None;
        }
        ["string"] => match format {
            Some("date-time") => Kind::DateTime,
            Some("date") => Kind::Date,
            Some("time") => Kind::Time,
            Some("uuid") => Kind::Uuid,
            _ => Kind::Text,
        },
        ["integer"] => match format {
            _ if bigint => Kind::BigInteger,
            Some("int64") => Kind::BigInteger,
            Some("uint64" | "uint") => Kind::Unsigned64,
            _ => Kind::Integer,
        },
        ["number"] => match format {
            Some("double") => Kind::Double,
            Some("float") => Kind::Real,
            _ => Kind::Numeric,
        },
        ["boolean"] => Kind::Boolean,
        ["object"] | ["array"] => Kind::Json,
        [one] => {
            problems.at(
                &at("type"),
                format!("unknown type `{one}`"),
                "use `string`, `integer`, `number`, `boolean`, `object`, `array` or `null`",
            );
            return None;
        }
        // JSON holds any of them.
        many if many.iter().any(|t| *t == "object" || *t == "array") => Kind::Json,
        many => Kind::Mixed(many.iter().map(|t| (*t).to_owned()).collect()),
    };
    if bigint && kind != Kind::BigInteger {
        problems.at(
            &at("x-bigint"),
            "`x-bigint` on a property that is no integer",
            "remove `x-bigint`, or make the property an `integer`",
        );
    }
    Some((kind, null))
}
