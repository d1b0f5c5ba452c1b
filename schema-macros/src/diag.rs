//! Turning schema-core's findings into compile errors and warnings.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use schema_core::Warning;

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

/// `expr` after a compiler warning for each of `warnings`, pointing at `span`. Stable Rust has
/// no warning a macro can emit, so each is a `#[deprecated]` constant used once: rustc shows
/// its note as a warning at the use, `#[allow(deprecated)]` on the item silences it.
pub fn with_warnings(warnings: &[Warning], span: Span, expr: TokenStream) -> TokenStream {
    if warnings.is_empty() {
        return expr;
    }
    let warnings = warnings.iter().map(|warning| {
        let note = warning.to_string();
        let name = quote_spanned!(span=> schema_check_warning);
        quote! {
            const _: () = {
                #[deprecated(note = #note)]
                #[allow(non_upper_case_globals)]
                const schema_check_warning: () = ();
                #name
            };
        }
    });
    quote! {{
        #(#warnings)*
        #expr
    }}
}
