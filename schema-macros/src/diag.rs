//! Turning schema-core's findings into compile errors and warnings.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use schema_core::{Finding, Level, Warning};

/// One `syn::Error` holding every problem, each pointing at `span` (the folder literal): the
/// message itself names the file, line and column inside the folder.
pub fn to_syn(errors: &[schema_core::Error], span: Span) -> syn::Error {
    let mut iter = errors.iter();
    let mut combined = match iter.next() {
        Some(first) => syn::Error::new(span, first),
        None => syn::Error::new(
            span,
            "the migrations folder has a problem that was not described",
        ),
    };
    for error in iter {
        combined.combine(syn::Error::new(span, error));
    }
    combined
}

/// `expr` after a compiler warning for each of `warnings`, pointing at `span`.
pub fn with_warnings(warnings: &[Warning], span: Span, expr: TokenStream) -> TokenStream {
    let notes = warnings.iter().map(ToString::to_string).collect();
    deprecated(notes, "schema_check_warning", span, expr)
}

/// The lint findings the build shows: notes are left to `schema lint`.
pub fn shown(findings: Vec<Finding>) -> Vec<Finding> {
    findings
        .into_iter()
        .filter(|f| f.level >= Level::Warning)
        .collect()
}

/// `expr` after a compiler warning for each lint finding, pointing at `span`.
pub fn with_lints(findings: &[Finding], span: Span, expr: TokenStream) -> TokenStream {
    let notes = findings
        .iter()
        .map(|f| {
            format!(
                "{f}\nnote: a lint, not an error: allow it in the file with `-- schema: allow({})` (a line its checksum leaves out), in every file with `lint_allow = [\"{}\"]`, or make lints errors with `lint = \"deny\"`",
                f.rule, f.rule
            )
        })
        .collect();
    deprecated(notes, "schema_lint", span, expr)
}

/// One error holding every lint finding, for `lint = "deny"`.
pub fn lint_errors(findings: &[Finding], span: Span) -> syn::Error {
    let message = |f: &Finding| {
        format!(
            "{f}\nnote: `lint = \"deny\"` makes lint findings errors; allow this one in the file with `-- schema: allow({})` (a line its checksum leaves out), or in every file with `lint_allow = [\"{}\"]`",
            f.rule, f.rule
        )
    };
    let mut iter = findings.iter();
    let mut combined = match iter.next() {
        Some(first) => syn::Error::new(span, message(first)),
        None => syn::Error::new(span, "no lint finding"),
    };
    for f in iter {
        combined.combine(syn::Error::new(span, message(f)));
    }
    combined
}

/// `expr` after a `#[deprecated]` constant named `name` used once for each of `notes`. Stable
/// Rust has no warning a macro can emit, so rustc shows each note as a warning at the use, and
/// `#[allow(deprecated)]` on the item silences them.
fn deprecated(notes: Vec<String>, name: &str, span: Span, expr: TokenStream) -> TokenStream {
    if notes.is_empty() {
        return expr;
    }
    let name = proc_macro2::Ident::new(name, span);
    let warnings = notes.iter().map(|note| {
        let use_it = quote_spanned!(span=> #name);
        quote! {
            const _: () = {
                #[deprecated(note = #note)]
                #[allow(non_upper_case_globals)]
                const #name: () = ();
                #use_it
            };
        }
    });
    quote! {{
        #(#warnings)*
        #expr
    }}
}
