//! What PostgreSQL is known to leave behind when a statement run outside a transaction fails:
//! a `CREATE [UNIQUE] INDEX CONCURRENTLY` that fails (duplicate keys, a cancel, a deadlock)
//! leaves its index in the catalog, marked invalid. Running the statement again then fails on
//! the name, and `IF NOT EXISTS` would skip it and keep the invalid index.

/// The index a `CREATE [UNIQUE] INDEX CONCURRENTLY [IF NOT EXISTS] name ...` statement names,
/// as written; `None` for another statement or an index left to be named by the server.
pub(crate) fn concurrent_index(text: &str) -> Option<String> {
    let mut words = text
        .split(|c: char| c.is_whitespace() || c == '(')
        .filter(|w| !w.is_empty());
    let mut next_is = |keyword: &str| {
        words
            .next()
            .is_some_and(|w| w.eq_ignore_ascii_case(keyword))
    };
    if !next_is("CREATE") {
        return None;
    }
    let rest: Vec<&str> = words.collect();
    let rest = match rest.first() {
        Some(w) if w.eq_ignore_ascii_case("UNIQUE") => &rest[1..],
        _ => &rest[..],
    };
    let is = |i: usize, keyword: &str| rest.get(i).is_some_and(|w| w.eq_ignore_ascii_case(keyword));
    if !(is(0, "INDEX") && is(1, "CONCURRENTLY")) {
        return None;
    }
    let at = if is(2, "IF") && is(3, "NOT") && is(4, "EXISTS") {
        5
    } else {
        2
    };
    let name = rest.get(at)?;
    (!name.eq_ignore_ascii_case("ON")).then(|| name.to_string())
}

/// What to tell the user about index `name`, left invalid.
pub(crate) fn invalid_index(name: &str) -> String {
    format!("index `{name}` was left INVALID by the failed statement; drop it (`DROP INDEX CONCURRENTLY {name}`) before retrying")
}

#[cfg(test)]
mod tests {
    use super::concurrent_index;

    #[test]
    fn names_the_index_of_a_concurrent_create() {
        let named = |s: &str| concurrent_index(s);
        assert_eq!(
            named("CREATE UNIQUE INDEX CONCURRENTLY u_email ON users (email);").as_deref(),
            Some("u_email")
        );
        assert_eq!(
            named("create index concurrently if not exists s.i on t(c)").as_deref(),
            Some("s.i")
        );
        assert_eq!(named("CREATE INDEX CONCURRENTLY ON t (c);"), None);
        assert_eq!(named("CREATE INDEX i ON t (c);"), None);
        assert_eq!(named("VACUUM;"), None);
    }
}
