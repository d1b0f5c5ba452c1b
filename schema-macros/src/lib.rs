//! Implementation detail of `schema-runtime`: the `embed_migrations!` macro and the
//! `#[test]` attribute. Their user documentation lives on the re-exports,
//! `schema_runtime::embed_migrations!` and `schema_runtime::test`.

mod args;
mod diag;
mod expand;
mod test_attr;

use proc_macro::TokenStream;

/// Reads, checks and embeds a migrations folder. See `schema_runtime::embed_migrations!`.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let caller_file = proc_macro::Span::call_site().local_file();
    expand::embed(input.into(), caller_file).into()
}

/// Runs an `async fn` taking a pool as a test on a migrated database of its own. See
/// `schema_runtime::test`.
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    let caller_file = proc_macro::Span::call_site().local_file();
    test_attr::expand(args.into(), item.into(), caller_file).into()
}
