//! Secrets in a database URL, hidden from every message: each URL the command shows goes
//! through [`redact`], and each error text it prints through [`scrub`].

use std::ops::Range;
use std::sync::Mutex;

/// What a hidden secret is shown as.
const MASK: &str = "***";

/// `url` with every secret in it replaced by `***`: the password of `user:password@`, and the
/// value of each parameter whose name says it holds a secret (`password`, `sslpassword`, any
/// name with `pass`, `pwd`, `secret`, `token` or `key` in it), whether in the query of a URL
/// (`postgres://u@h/db?password=…`) or in a libpq connection string (`host=h password=…`).
pub(crate) fn redact(url: &str) -> String {
    let mut out = String::with_capacity(url.len());
    let mut from = 0;
    for span in secret_spans(url) {
        out.push_str(&url[from..span.start]);
        out.push_str(MASK);
        from = span.end;
    }
    out.push_str(&url[from..]);
    out
}

/// Where the secrets of `url` are, in order.
fn secret_spans(url: &str) -> Vec<Range<usize>> {
    if !has_scheme(url) {
        return pair_spans(url);
    }
    let mut spans = Vec::new();
    let query_start = url.find('?').unwrap_or(url.len());
    let base = &url[..query_start];
    if let Some(authority) = base.find("://").map(|i| i + 3) {
        let end = base[authority..]
            .find('/')
            .map_or(base.len(), |i| authority + i);
        if let Some(at) = base[authority..end].rfind('@').map(|i| authority + i) {
            if let Some(colon) = base[authority..at].find(':').map(|i| authority + i) {
                spans.push(colon + 1..at);
            }
        }
    }
    let mut start = query_start + 1;
    while start <= url.len() {
        let end = url[start..].find('&').map_or(url.len(), |i| start + i);
        let pair = &url[start..end];
        if let Some(eq) = pair.find('=') {
            if secret_key(&pair[..eq]) {
                spans.push(start + eq + 1..end);
            }
        }
        start = end + 1;
    }
    spans
}

/// Whether `text` starts with a URL scheme (`postgres:`, `sqlite:`).
fn has_scheme(text: &str) -> bool {
    let scheme_len = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')))
        .unwrap_or(text.len());
    scheme_len > 0
        && text.starts_with(|c: char| c.is_ascii_alphabetic())
        && text[scheme_len..].starts_with(':')
}

/// Where the secret values of a libpq connection string (`host=db password='a b'`) are. A
/// value is a word, or quoted with `'` (where `\'` is a quote).
fn pair_spans(text: &str) -> Vec<Range<usize>> {
    let mut spans = Vec::new();
    let mut pos = 0;
    while let Some(eq) = text[pos..].find('=').map(|i| pos + i) {
        let key = text[pos..eq].split_whitespace().next_back().unwrap_or("");
        let after = &text[eq + 1..];
        let start = eq + 1 + (after.len() - after.trim_start().len());
        let end = start + value_len(&text[start..]);
        if secret_key(key) {
            spans.push(start..end);
        }
        pos = end.max(eq + 1);
    }
    spans
}

/// Length of the libpq value at the start of `text`.
fn value_len(text: &str) -> usize {
    if !text.starts_with('\'') {
        return text.find(char::is_whitespace).unwrap_or(text.len());
    }
    let mut escaped = false;
    for (i, c) in text.char_indices().skip(1) {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            '\'' => return i + 1,
            _ => {}
        }
    }
    text.len()
}

/// Whether a parameter named `key` (percent-encoded or not) holds a secret.
fn secret_key(key: &str) -> bool {
    let key = percent_decode(key).to_ascii_lowercase();
    ["pass", "pwd", "secret", "token", "key"]
        .iter()
        .any(|word| key.contains(word))
}

/// `text` with `%XX` escapes decoded (as sqlx decodes a URL's parameter names).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The shortest secret [`scrub`] hides outside the URL.
const MIN_SCRUBBED: usize = 4;

/// The secrets of the URL in use, as written and decoded, for [`scrub`].
static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Remembers the secrets of `url`, so that [`scrub`] hides them wherever they show up (in what
/// a driver says about the URL, say), as written and percent-decoded.
pub(crate) fn remember(url: &str) {
    let mut found: Vec<String> = Vec::new();
    for span in secret_spans(url) {
        let secret = &url[span];
        found.push(secret.to_owned());
        found.push(percent_decode(secret));
    }
    // A secret of a character or two would mask that text everywhere, garbling every message,
    // and hides little: it is masked in the URL, not elsewhere.
    found.retain(|s| s.chars().count() >= MIN_SCRUBBED);
    if let Ok(mut secrets) = SECRETS.lock() {
        secrets.extend(found);
    }
}

/// `text` with every remembered secret replaced by `***`.
pub(crate) fn scrub(text: &str) -> String {
    let Ok(secrets) = SECRETS.lock() else {
        return text.to_owned();
    };
    let mut out = text.to_owned();
    // Longest first, so that a secret inside another does not leave part of it.
    let mut secrets: Vec<&String> = secrets.iter().collect();
    secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for secret in secrets {
        out = out.replace(secret.as_str(), MASK);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_every_secret_of_a_url() {
        assert_eq!(
            redact("postgres://app:s3cret@db:5432/app"),
            "postgres://app:***@db:5432/app"
        );
        assert_eq!(redact("postgres://app@db/app"), "postgres://app@db/app");
        assert_eq!(redact("sqlite:app.db"), "sqlite:app.db");
        assert_eq!(
            redact(
                "postgres://u@h/db?sslmode=require&password=s3cret&SSLPassword=k3y&%70assword=x"
            ),
            "postgres://u@h/db?sslmode=require&password=***&SSLPassword=***&%70assword=***"
        );
        assert_eq!(
            redact("postgresql://u:p%40ss@h/db?application_name=a&api_token=t"),
            "postgresql://u:***@h/db?application_name=a&api_token=***"
        );
    }

    #[test]
    fn redacts_the_secrets_of_a_connection_string() {
        assert_eq!(
            redact("host=db port=5432 password=s3cret dbname=app"),
            "host=db port=5432 password=*** dbname=app"
        );
        assert_eq!(
            redact("host=db password = 'a \\' b' sslpassword=x"),
            "host=db password = *** sslpassword=***"
        );
    }

    #[test]
    fn remembers_the_secrets_it_hid() {
        remember("postgres://u:p%40ss@h/db?password=query-secret&sslmode=require");
        assert_eq!(
            scrub("failed for p%40ss, p@ss and query-secret in sslmode=require"),
            "failed for ***, *** and *** in sslmode=require"
        );
    }
}
