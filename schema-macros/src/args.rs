//! The macro's arguments: `"folder"` then `name = value` options.

use proc_macro2::{Span, TokenStream};
use schema_core::Dialect;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitBool, LitStr, Path, Token};

/// What the caller asked for.
pub struct Args {
    /// The folder, relative to the crate root; `"migrations"` when left out.
    pub dir: String,
    /// The span errors about the folder point at: the literal, or the call site without one.
    pub dir_span: Span,
    /// The path the generated code names the runtime by (`crate = path`).
    pub krate: Path,
    /// The database the SQL is written for (`dialect = "sqlite"`, the default).
    pub dialect: Dialect,
    /// Whether to check the SQL (`check = false` turns it off).
    pub check: bool,
}

const OPTIONS: &str =
    "`dialect = \"sqlite\" | \"postgres\"`, `check = true | false`, `crate = path`";

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
            dialect: Dialect::default(),
            check: true,
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
