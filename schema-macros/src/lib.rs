//! Implementation detail of `schema-runtime`: the `embed_migrations!` macro. Its user
//! documentation lives on the re-export, `schema_runtime::embed_migrations!`.

mod args;
mod diag;
mod expand;

use proc_macro::TokenStream;

/// Reads, checks and embeds a migrations folder. See `schema_runtime::embed_migrations!`.
#[proc_macro]
pub fn embed_migrations(input: TokenStream) -> TokenStream {
    let caller_file = proc_macro::Span::call_site().local_file();
    expand::embed(input.into(), caller_file).into()
}
