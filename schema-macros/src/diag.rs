//! Turning schema-core's findings into compile errors.

use proc_macro2::Span;

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
