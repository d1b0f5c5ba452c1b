//! `#[schema_runtime::test(…)]`: an `async fn` taking a pool becomes a `#[test]` that runs it
//! on a migrated database of its own (`schema_runtime::testing`).

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use std::path::PathBuf;
use syn::parse::{Parse, ParseStream};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{bracketed, FnArg, Ident, ItemFn, LitBool, LitInt, LitStr, Token};

const OPTIONS: &str = "`migrations = SET` or `migrations = [CORE, MODULE]`, `target = <version>`, `fixtures = [\"fixtures/file.sql\"]`, `file = true`, `url = \"postgres://…\"`, `crate = path`";

/// What the attribute was given.
struct Args {
    /// The sets, in the order they apply; `None` when the option is missing.
    migrations: Option<Vec<syn::Path>>,
    target: Option<LitInt>,
    fixtures: Vec<LitStr>,
    file: Option<(Ident, bool)>,
    url: Option<(Ident, LitStr)>,
    krate: syn::Path,
}

impl Parse for Args {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let mut args = Args {
            migrations: None,
            target: None,
            fixtures: Vec::new(),
            file: None,
            url: None,
            krate: syn::parse_quote!(::schema_runtime),
        };
        let mut seen: Vec<String> = Vec::new();
        while !input.is_empty() {
            let key: Ident = if input.peek(Token![crate]) {
                let token: Token![crate] = input.parse()?;
                Ident::new("crate", token.span)
            } else {
                input.parse().map_err(|e| {
                    syn::Error::new(
                        e.span(),
                        format!("expected an option; the options are {OPTIONS}"),
                    )
                })?
            };
            let name = key.to_string();
            if seen.contains(&name) {
                return Err(syn::Error::new(
                    key.span(),
                    format!("`{name}` is given twice; keep one"),
                ));
            }
            seen.push(name.clone());
            input.parse::<Token![=]>()?;
            match name.as_str() {
                "migrations" => args.migrations = Some(parse_sets(input)?),
                "target" => {
                    let expected = "expected a version, like `target = 3`: the last set is migrated up to and including it";
                    let value: LitInt = input
                        .parse()
                        .map_err(|e| syn::Error::new(e.span(), expected))?;
                    value
                        .base10_parse::<i64>()
                        .map_err(|_| syn::Error::new(value.span(), expected))?;
                    args.target = Some(value);
                }
                "fixtures" => args.fixtures = parse_fixtures(input)?,
                "file" => {
                    let value: LitBool = input.parse().map_err(|e| {
                        syn::Error::new(e.span(), "expected `true` or `false`, like `file = true`")
                    })?;
                    args.file = Some((key, value.value));
                }
                "url" => {
                    let value: LitStr = input.parse().map_err(|e| {
                        syn::Error::new(
                            e.span(),
                            "expected a string, like `url = \"postgres://user@localhost/postgres\"`",
                        )
                    })?;
                    args.url = Some((key, value));
                }
                "crate" => args.krate = input.parse()?,
                _ => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown option `{name}`; the options are {OPTIONS}"),
                    ))
                }
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}

/// `SET` or `[CORE, MODULE]`: paths to `Migrations` statics.
fn parse_sets(input: ParseStream) -> syn::Result<Vec<syn::Path>> {
    let expected = "expected the migration set, like `migrations = MIGRATIONS`, or a list of them in the order they apply, like `migrations = [CORE, CALENDAR]`";
    if input.peek(syn::token::Bracket) {
        let content;
        let brackets = bracketed!(content in input);
        let sets = Punctuated::<syn::Path, Token![,]>::parse_terminated(&content)
            .map_err(|e| syn::Error::new(e.span(), expected))?;
        if sets.is_empty() {
            return Err(syn::Error::new(brackets.span.join(), expected));
        }
        return Ok(sets.into_iter().collect());
    }
    let set: syn::Path = input
        .parse()
        .map_err(|e| syn::Error::new(e.span(), expected))?;
    Ok(vec![set])
}

/// `["fixtures/users.sql", …]`.
fn parse_fixtures(input: ParseStream) -> syn::Result<Vec<LitStr>> {
    let expected = "expected a list of SQL files relative to the crate root, like `fixtures = [\"fixtures/users.sql\"]`";
    if !input.peek(syn::token::Bracket) {
        return Err(input.error(expected));
    }
    let content;
    bracketed!(content in input);
    let files = Punctuated::<LitStr, Token![,]>::parse_terminated(&content)
        .map_err(|e| syn::Error::new(e.span(), expected))?;
    Ok(files.into_iter().collect())
}

/// Expands the attribute on `item`. `caller_file` is the file the attribute is in, for the
/// ui tests' override (see `expand::root`).
pub fn expand(args: TokenStream, item: TokenStream, caller_file: Option<PathBuf>) -> TokenStream {
    expand_checked(args, item, caller_file).unwrap_or_else(syn::Error::into_compile_error)
}

fn expand_checked(
    args: TokenStream,
    item: TokenStream,
    caller_file: Option<PathBuf>,
) -> syn::Result<TokenStream> {
    let args: Args = syn::parse2(args)?;
    let function: ItemFn = syn::parse2(item).map_err(|e| {
        syn::Error::new(
            e.span(),
            "`#[schema_runtime::test]` goes on an `async fn` that takes the pool, like `async fn signs_up(pool: sqlx::SqlitePool)`",
        )
    })?;
    let pool_type = check_signature(&function)?;
    let Some(sets) = &args.migrations else {
        return Err(syn::Error::new(
            Span::call_site(),
            "the migration set is missing; name it, like `#[schema_runtime::test(migrations = MIGRATIONS)]`",
        ));
    };
    let database = pool_type
        .as_ref()
        .and_then(last_segment)
        .map(|name| name.to_string());
    if let (Some((key, true)), Some("PgPool")) = (&args.file, database.as_deref()) {
        return Err(syn::Error::new(
            key.span(),
            "`file = true` is for SQLite; a PostgreSQL test database is always on the server: remove it",
        ));
    }
    if let (Some((key, _)), Some("SqlitePool")) = (&args.url, database.as_deref()) {
        return Err(syn::Error::new(
            key.span(),
            "`url` is for PostgreSQL; an SQLite test database needs no server: remove it",
        ));
    }

    let krate = &args.krate;
    let mut options = quote!(#krate::testing::TestOptions::sets(&[#(&#sets),*]));
    if let Some(target) = &args.target {
        options = quote!(#options.target(#target));
    }
    // The crate root, or (for this project's ui tests) the calling file's folder.
    let root =
        crate::expand::root(caller_file).map_err(|m| syn::Error::new(Span::call_site(), m))?;
    for fixture in &args.fixtures {
        let path = root.join(fixture.value());
        if !path.is_file() {
            return Err(syn::Error::new(
                fixture.span(),
                format!(
                    "fixture `{}` not found; fixtures are relative to the crate root (the folder of `Cargo.toml`)",
                    fixture.value()
                ),
            ));
        }
        let absolute = path.to_string_lossy();
        options = quote!(#options.fixture(#fixture, ::core::include_str!(#absolute)));
    }
    if let Some((_, true)) = args.file {
        options = quote!(#options.in_file());
    }
    if let Some((_, url)) = &args.url {
        options = quote!(#options.url(#url));
    }

    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    let name = &sig.ident;
    let output = &sig.output;
    let pool_type = pool_type.map_or_else(|| quote!(_), |ty| quote!(#ty));
    let assert_pool =
        quote_spanned!(pool_type.span()=> #krate::testing::__assert_pool::<#pool_type>);
    Ok(quote! {
        const _: () = #assert_pool();
        #(#attrs)*
        #[::core::prelude::v1::test]
        #vis fn #name() #output {
            #sig #block
            #krate::testing::__run::<#pool_type, _, _>(#options, #name)
        }
    })
}

/// The test's one parameter's type; `None` for a pattern without a type (not possible in a
/// `fn`, kept total).
fn check_signature(function: &ItemFn) -> syn::Result<Option<syn::Type>> {
    let sig = &function.sig;
    if sig.asyncness.is_none() {
        return Err(syn::Error::new(
            sig.fn_token.span,
            "the test must be an `async fn`; write `async fn`",
        ));
    }
    if !sig.generics.params.is_empty() {
        return Err(syn::Error::new(
            sig.generics.span(),
            "a test takes no generic parameters; name the pool's type, `sqlx::SqlitePool` or `sqlx::PgPool`",
        ));
    }
    let mut inputs = sig.inputs.iter();
    let Some(first) = inputs.next() else {
        return Err(syn::Error::new(
            sig.paren_token.span.join(),
            "the test takes the pool as its one parameter, like `(pool: sqlx::SqlitePool)` or `(pool: sqlx::PgPool)`",
        ));
    };
    if let Some(extra) = inputs.next() {
        return Err(syn::Error::new(
            extra.span(),
            "the test takes one parameter, the pool; remove this one",
        ));
    }
    match first {
        FnArg::Typed(typed) => Ok(Some((*typed.ty).clone())),
        FnArg::Receiver(receiver) => Err(syn::Error::new(
            receiver.span(),
            "a test is a free function; take the pool, like `(pool: sqlx::SqlitePool)`",
        )),
    }
}

fn last_segment(ty: &syn::Type) -> Option<&Ident> {
    match ty {
        syn::Type::Path(path) => path.path.segments.last().map(|s| &s.ident),
        _ => None,
    }
}
