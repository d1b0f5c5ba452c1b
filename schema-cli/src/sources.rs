//! The application's SQL for `schema advise`: the statements of a folder's `.sql` files, and
//! the string literals of sqlx's query macros and functions in a crate's Rust files, each with
//! the file and line it comes from.

use crate::Error;
use schema_runtime::advice::Query;
use std::path::{Path, PathBuf};
use syn::punctuated::Punctuated;
use syn::visit::Visit;
use syn::{Expr, ExprLit, Lit, Token};

/// Every statement of every `.sql` file under `dir` (or of the file `dir`), in the order of the
/// paths.
pub(crate) fn queries_in_folder(dir: &Path) -> Result<Vec<Query>, Error> {
    let mut queries = Vec::new();
    for path in files(dir, "sql")? {
        let text = read(&path)?;
        let shown = path.display().to_string();
        for statement in schema_core::split_statements(&text) {
            let sql = statement.text.trim_end().trim_end_matches(';').trim_end();
            queries.push(Query::new(sql, shown.clone(), statement.line));
        }
    }
    Ok(queries)
}

/// The SQL of every sqlx query under `dir` (a crate's `src/`, or one file): the string literal given to
/// `query!`, `query_as!` (its second argument), `query_scalar!` and their `_unchecked` forms,
/// the file `query_file!` and its forms name (relative to the crate, `dir`'s parent), and the
/// literal first argument of a call of `query`, `query_as` or `query_scalar`. A file that is
/// not Rust syn reads is named in a note on stderr and left out.
pub(crate) fn queries_in_sources(dir: &Path) -> Result<Vec<Query>, Error> {
    let root = dir
        .canonicalize()
        .ok()
        .and_then(|d| d.parent().map(Path::to_owned));
    let mut queries = Vec::new();
    for path in files(dir, "rs")? {
        let text = read(&path)?;
        let file = match syn::parse_file(&text) {
            Ok(file) => file,
            Err(e) => {
                let at = e.span().start();
                eprintln!(
                    "note: {}:{}:{}: not read for queries: {e}",
                    path.display(),
                    at.line,
                    at.column + 1
                );
                continue;
            }
        };
        let mut finder = Finder {
            file: path.display().to_string(),
            root: root.as_deref(),
            found: Vec::new(),
            problems: Vec::new(),
        };
        finder.visit_file(&file);
        for problem in finder.problems {
            eprintln!("note: {problem}");
        }
        queries.extend(finder.found);
    }
    Ok(queries)
}

struct Finder<'a> {
    file: String,
    root: Option<&'a Path>,
    found: Vec<Query>,
    problems: Vec<String>,
}

impl Finder<'_> {
    fn literal(&mut self, expr: Option<&Expr>) {
        if let Some(Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        })) = expr
        {
            let line = lit.span().start().line;
            self.found
                .push(Query::new(lit.value(), self.file.clone(), line.max(1)));
        }
    }

    /// `query_file!("queries/x.sql")`: the file, relative to the crate.
    fn file_named(&mut self, expr: Option<&Expr>) {
        let Some(Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        })) = expr
        else {
            return;
        };
        let line = lit.span().start().line;
        let Some(root) = self.root else {
            return;
        };
        let path = root.join(lit.value());
        match std::fs::read_to_string(&path) {
            Ok(sql) => self.found.push(Query::new(
                sql,
                format!("{}:{line}: {}", self.file, lit.value()),
                1,
            )),
            Err(e) => self.problems.push(format!(
                "{}:{line}: cannot read `{}`: {e}",
                self.file,
                lit.value()
            )),
        }
    }
}

impl<'ast> Visit<'ast> for Finder<'_> {
    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let name = mac
            .path
            .segments
            .last()
            .map(|s| s.ident.to_string())
            .unwrap_or_default();
        let args = mac
            .parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
            .map(|a| a.into_iter().collect::<Vec<_>>())
            .unwrap_or_default();
        match name.as_str() {
            "query" | "query_scalar" | "query_unchecked" | "query_scalar_unchecked" => {
                self.literal(args.first())
            }
            "query_as" | "query_as_unchecked" => self.literal(args.get(1)),
            "query_file"
            | "query_file_scalar"
            | "query_file_unchecked"
            | "query_file_scalar_unchecked" => self.file_named(args.first()),
            "query_file_as" | "query_file_as_unchecked" => self.file_named(args.get(1)),
            // Another macro's arguments may hold queries (`tokio::join!(sqlx::query(...)...)`).
            _ => {
                for arg in &args {
                    self.visit_expr(arg);
                }
            }
        }
        syn::visit::visit_macro(self, mac);
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let Expr::Path(path) = &*call.func {
            let name = path.path.segments.last().map(|s| s.ident.to_string());
            if matches!(name.as_deref(), Some("query" | "query_as" | "query_scalar")) {
                self.literal(call.args.first());
            }
        }
        syn::visit::visit_expr_call(self, call);
    }
}

/// The files under `dir` whose extension is `ext`, in path order; `dir` itself when it is a
/// file.
fn files(dir: &Path, ext: &str) -> Result<Vec<PathBuf>, Error> {
    if dir.is_file() {
        return Ok(vec![dir.to_owned()]);
    }
    let mut found = Vec::new();
    let mut pending = vec![dir.to_owned()];
    while let Some(folder) = pending.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|source| Error::Read {
            path: folder.clone(),
            source,
        })?;
        for entry in entries {
            let entry = entry.map_err(|source| Error::Read {
                path: folder.clone(),
                source,
            })?;
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

fn read(path: &Path) -> Result<String, Error> {
    std::fs::read_to_string(path).map_err(|source| Error::Read {
        path: path.to_owned(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(rust: &str) -> Vec<(String, usize)> {
        let file = syn::parse_file(rust).unwrap();
        let mut finder = Finder {
            file: "src/lib.rs".to_owned(),
            root: None,
            found: Vec::new(),
            problems: Vec::new(),
        };
        finder.visit_file(&file);
        finder.found.into_iter().map(|q| (q.sql, q.line)).collect()
    }

    #[test]
    fn finds_the_literals_of_query_macros_and_calls_with_their_lines() {
        let rust = r##"
async fn feed(pool: &PgPool, user: i64) {
    let rows = sqlx::query!("SELECT id FROM posts WHERE user_id = $1", user)
        .fetch_all(pool).await;
    let typed = sqlx::query_as!(Post, r#"SELECT * FROM posts WHERE id = $1"#, 1);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM posts").fetch_one(pool).await;
    let t = tokio::join!(query("SELECT 1"), other("SELECT 2"));
    let s = format!("SELECT {}", 3);
}
"##;
        assert_eq!(
            found(rust),
            vec![
                ("SELECT id FROM posts WHERE user_id = $1".to_owned(), 3),
                ("SELECT * FROM posts WHERE id = $1".to_owned(), 5),
                ("SELECT count(*) FROM posts".to_owned(), 6),
                ("SELECT 1".to_owned(), 7),
            ]
        );
    }
}
