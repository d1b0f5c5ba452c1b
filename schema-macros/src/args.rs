//! The macro's arguments: `"folder"` then `name = value` options.

use proc_macro2::{Span, TokenStream};
use schema_core::{Dialect, OldMigrations};
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitBool, LitInt, LitStr, Path, Token};

/// What the caller asked for.
pub struct Args {
    /// The folder, relative to the crate root; `"migrations"` when left out.
    pub dir: String,
    /// The span errors about the folder point at: the literal, or the call site without one.
    pub dir_span: Span,
    /// The path the generated code names the runtime by (`crate = path`).
    pub krate: Path,
    /// The database the SQL is written for: `dialect = "…"`, else the crate's
    /// ([`default_dialect`]).
    pub dialect: Dialect,
    /// Whether to check the SQL (`check = false` turns it off).
    pub check: bool,
    /// Which migrations are old (`old = <version> | none`).
    pub old: OldMigrations,
    /// The module the set is tracked as (`module = "calendar"`).
    pub module: Option<LitStr>,
    /// The table prefix the set is confined to (`prefix = "calendar_"`).
    pub prefix: Option<LitStr>,
    /// The folders the set builds on, in apply order (`after = "…"` or `after = ["…", …]`).
    pub after: Vec<String>,
    /// The span errors about those folders point at: the option's value.
    pub after_span: Span,
    /// What the lint findings are (`lint = "warn" | "deny" | false`).
    pub lint: Lint,
    /// Rules allowed in every file (`lint_allow = ["rule", …]`).
    pub lint_allow: Vec<String>,
}

/// What the build does with lint findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lint {
    /// No lints (`lint = false`).
    Off,
    /// Compiler warnings, the default (`lint = "warn"` or `lint = true`).
    Warn,
    /// Compile errors (`lint = "deny"`).
    Deny,
}

const OPTIONS: &str = "`dialect = \"sqlite\" | \"postgres\"`, `check = true | false`, `old = <version> | none`, `module = \"name\"`, `prefix = \"name_\"`, `after = \"folder\" | [\"folder\", …]`, `lint = \"warn\" | \"deny\" | false`, `lint_allow = [\"rule\", …]`, `crate = path`";

/// The dialect when the call names none: the database the crate uses. First schema-runtime's
/// `sqlite` and `postgres` features (forwarded to this crate's): PostgreSQL when only
/// `postgres` is on, SQLite when only `sqlite` is. With both (the default) or neither, the
/// calling crate's manifest: the features of its `sqlx` dependency, when they name one database
/// ([`Dialect::of_crate`]); SQLite otherwise.
fn default_dialect() -> Dialect {
    match (cfg!(feature = "postgres"), cfg!(feature = "sqlite")) {
        (true, false) => Dialect::Postgres,
        (false, true) => Dialect::Sqlite,
        _ => std::env::var_os("CARGO_MANIFEST_DIR")
            .and_then(|dir| Dialect::of_crate(std::path::Path::new(&dir)))
            .unwrap_or(Dialect::Sqlite),
    }
}

impl Args {
    pub fn parse(input: TokenStream) -> syn::Result<Args> {
        syn::parse2(input)
    }
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args {
            dir: "migrations".to_owned(),
            dir_span: Span::call_site(),
            krate: syn::parse_quote!(::schema_runtime),
            dialect: default_dialect(),
            check: true,
            old: OldMigrations::default(),
            module: None,
            prefix: None,
            after: Vec::new(),
            after_span: Span::call_site(),
            lint: Lint::Warn,
            lint_allow: Vec::new(),
        };
        if input.is_empty() {
            return Ok(args);
        }
        let mut expect_comma = false;
        if input.peek(LitStr) {
            let lit: LitStr = input.parse()?;
            args.dir = lit.value();
            args.dir_span = lit.span();
            expect_comma = true;
        } else if !(input.peek(Token![crate]) || input.peek(Ident)) || !input.peek2(Token![=]) {
            return Err(input.error(
                "expected the migrations folder as a string literal, like `embed_migrations!(\"migrations\")`",
            ));
        }
        while !input.is_empty() {
            if expect_comma {
                input.parse::<Token![,]>()?;
                if input.is_empty() {
                    break;
                }
            }
            expect_comma = true;
            if input.peek(Token![crate]) {
                input.parse::<Token![crate]>()?;
                input.parse::<Token![=]>()?;
                args.krate = input.parse()?;
                continue;
            }
            let key: Ident = input.parse().map_err(|e| {
                syn::Error::new(
                    e.span(),
                    format!("expected an option; the options are {OPTIONS}"),
                )
            })?;
            input.parse::<Token![=]>()?;
            if key == "dialect" {
                let value: LitStr = input.parse()?;
                args.dialect = Dialect::from_name(&value.value()).ok_or_else(|| {
                    let known: Vec<String> =
                        Dialect::ALL.iter().map(|d| format!("`\"{d}\"`")).collect();
                    syn::Error::new(
                        value.span(),
                        format!(
                            "unknown dialect `{}`; the dialects are {}",
                            value.value(),
                            known.join(", ")
                        ),
                    )
                })?;
            } else if key == "check" {
                let value: LitBool = input.parse().map_err(|e| {
                    syn::Error::new(e.span(), "expected `true` or `false`, like `check = false`")
                })?;
                args.check = value.value;
            } else if key == "old" {
                args.old = parse_old(input)?;
            } else if key == "module" {
                args.module = Some(parse_name(input, "module", "calendar")?);
            } else if key == "prefix" {
                args.prefix = Some(parse_name(input, "prefix", "calendar_")?);
            } else if key == "after" {
                args.after_span = input.span();
                args.after = parse_after(input)?;
            } else if key == "lint" {
                args.lint = parse_lint(input)?;
            } else if key == "lint_allow" {
                args.lint_allow = parse_lint_allow(input)?;
            } else {
                return Err(syn::Error::new(
                    key.span(),
                    format!("unknown option `{key}`; the options are {OPTIONS}"),
                ));
            }
        }
        Ok(args)
    }
}

/// The value of `old = …`: a version (an integer literal), or `none`.
fn parse_old(input: ParseStream) -> syn::Result<OldMigrations> {
    let expected = "expected a version or `none`, like `old = 20240101000000`: the migrations up to and including it are old, and problems in them are warnings";
    if input.peek(LitInt) {
        let value: LitInt = input.parse()?;
        return value
            .base10_parse::<i64>()
            .map(OldMigrations::UpTo)
            .map_err(|_| syn::Error::new(value.span(), expected));
    }
    match input.parse::<Ident>() {
        Ok(word) if word == "none" => Ok(OldMigrations::None),
        Ok(word) => Err(syn::Error::new(word.span(), expected)),
        Err(e) => Err(syn::Error::new(e.span(), expected)),
    }
}

/// The value of `lint = …`: `"warn"`, `"deny"`, `true` (warn) or `false`.
fn parse_lint(input: ParseStream) -> syn::Result<Lint> {
    let expected = "expected `\"warn\"`, `\"deny\"` or `false`, like `lint = \"deny\"`: lint findings are warnings by default, errors with `\"deny\"`, and not looked for with `false`";
    if input.peek(LitBool) {
        let value: LitBool = input.parse()?;
        return Ok(if value.value { Lint::Warn } else { Lint::Off });
    }
    let value: LitStr = input
        .parse()
        .map_err(|e| syn::Error::new(e.span(), expected))?;
    match value.value().as_str() {
        "warn" => Ok(Lint::Warn),
        "deny" => Ok(Lint::Deny),
        _ => Err(syn::Error::new(value.span(), expected)),
    }
}

/// The value of `lint_allow = […]`: lint rule ids, each one a rule.
fn parse_lint_allow(input: ParseStream) -> syn::Result<Vec<String>> {
    let expected = |span| {
        syn::Error::new(
            span,
            "expected a list of lint rules, like `lint_allow = [\"drop-column\", \"index-on-existing-table\"]`: their findings are not shown",
        )
    };
    let list = syn::ExprArray::parse(input).map_err(|e| expected(e.span()))?;
    let mut rules = Vec::new();
    for elem in &list.elems {
        let syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(rule),
            ..
        }) = elem
        else {
            return Err(expected(syn::spanned::Spanned::span(elem)));
        };
        if !schema_core::unknown_lint_rules([rule.value().as_str()]).is_empty() {
            return Err(syn::Error::new(
                rule.span(),
                format!(
                    "`{}` is not a lint rule; the rules are listed in the crate's docs/lints.md, and each warning names its rule",
                    rule.value()
                ),
            ));
        }
        rules.push(rule.value());
    }
    Ok(rules)
}

/// The value of `after = …`: a folder, or a bracketed list of folders, as string literals.
fn parse_after(input: ParseStream) -> syn::Result<Vec<String>> {
    let expected = |span| {
        syn::Error::new(
            span,
            "expected a folder or a list of folders, like `after = \"migrations/core\"` or `after = [\"migrations/core\", \"plugins/base\"]`: the migrations this set builds on, relative to the crate root",
        )
    };
    if input.peek(syn::token::Bracket) {
        let list = syn::ExprArray::parse(input)?;
        return list
            .elems
            .iter()
            .map(|elem| match elem {
                syn::Expr::Lit(syn::ExprLit {
                    lit: syn::Lit::Str(dir),
                    ..
                }) => Ok(dir.value()),
                other => Err(expected(syn::spanned::Spanned::span(other))),
            })
            .collect();
    }
    let dir: LitStr = input.parse().map_err(|e| expected(e.span()))?;
    Ok(vec![dir.value()])
}

/// The value of `module = "…"` or `prefix = "…"`: a string literal of letters, digits and
/// underscores (a module name is stored in every tracking row; a prefix starts table names).
fn parse_name(input: ParseStream, option: &str, example: &str) -> syn::Result<LitStr> {
    let value: LitStr = input.parse().map_err(|e| {
        syn::Error::new(
            e.span(),
            format!("expected a string, like `{option} = \"{example}\"`"),
        )
    })?;
    let text = value.value();
    let valid = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || (option == "module" && c == '-'));
    if !valid {
        let allowed = if option == "module" {
            "letters, digits, `_` and `-`"
        } else {
            "letters, digits and `_`"
        };
        return Err(syn::Error::new(
            value.span(),
            format!("`{option} = \"{text}\"`: a {option} is made of {allowed}, like `{option} = \"{example}\"`"),
        ));
    }
    Ok(value)
}
