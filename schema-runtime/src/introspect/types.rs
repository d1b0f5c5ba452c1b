//! One spelling for SQLite's declared column types: PostgreSQL's (`format_type`), so that
//! `int`, `INTEGER` and `int4` are one type, and `varchar(10)` is `character varying(10)`.

/// The declared type `declared` in PostgreSQL's spelling, lower case, with its arguments
/// written without spaces (`numeric(10,2)`). A name PostgreSQL does not know stays as written,
/// in lower case.
pub(crate) fn canonical(declared: &str) -> String {
    let lower = declared.trim().to_ascii_lowercase();
    let (base, args) = match lower.find('(') {
        Some(open) => {
            let args: String = lower[open..]
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            (lower[..open].to_owned(), args)
        }
        None => (lower.clone(), String::new()),
    };
    let base = base.split_whitespace().collect::<Vec<_>>().join(" ");
    let base = match base.as_str() {
        "int" | "integer" | "int4" | "mediumint" => "integer",
        "bigint" | "int8" => "bigint",
        "smallint" | "int2" | "tinyint" => "smallint",
        "varchar" | "character varying" | "varying character" | "nvarchar" => "character varying",
        "char" | "character" | "nchar" | "native character" | "bpchar" => "character",
        "bool" | "boolean" => "boolean",
        "float" | "float8" | "double" | "double precision" => "double precision",
        "float4" | "real" => "real",
        "decimal" | "numeric" => "numeric",
        "timestamp" | "timestamp without time zone" => "timestamp without time zone",
        "timestamptz" | "timestamp with time zone" => "timestamp with time zone",
        "time" | "time without time zone" => "time without time zone",
        "timetz" | "time with time zone" => "time with time zone",
        other => other,
    };
    // PostgreSQL writes the precision of a time type inside the name: `timestamp(3) with time zone`.
    match base.split_once(" with") {
        Some((name, zone)) if !args.is_empty() && name.starts_with("time") => {
            format!("{name}{args} with{zone}")
        }
        _ => format!("{base}{args}"),
    }
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn spells_synonyms_alike() {
        assert_eq!(canonical("int"), canonical("INTEGER"));
        assert_eq!(canonical("VARCHAR ( 10 )"), "character varying(10)");
        assert_eq!(canonical("character varying(10)"), "character varying(10)");
        assert_eq!(canonical("Numeric(10, 2)"), "numeric(10,2)");
        assert_eq!(canonical("timestamptz(3)"), "timestamp(3) with time zone");
        assert_eq!(canonical("TEXT"), "text");
        assert_eq!(canonical(""), "");
        assert_ne!(canonical("varchar(10)"), canonical("varchar(20)"));
    }
}
