//! The generated code: a `Migrations` value that embeds every file of the folder.

use crate::args::{Args, Lint};
use crate::diag;
use proc_macro2::{Literal, TokenStream};
use quote::{quote, ToTokens};
use schema_core::record::{Record, Span, RECORD_LEN};
use schema_core::{
    CheckOptions, Checksum, Directive, LintOptions, LintScope, Migration, MigrationKind,
    MigrationSet, Warning,
};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// Set by this project's own ui tests: resolve the folder from the file that calls the macro
/// instead of `CARGO_MANIFEST_DIR`, which under trybuild points into `target/`.
const RESOLVE_FROM_CALLER: &str = "__SCHEMA_MIGRATIONS_RELATIVE_TO_CALLER";

/// Expands `embed_migrations!(input)`. Errors come back as a block of `compile_error!`s ending
/// in an empty placeholder of the right type, so each mistake is reported exactly once.
pub fn embed(input: TokenStream, caller_file: Option<PathBuf>) -> TokenStream {
    let args = match Args::parse(input) {
        Ok(args) => args,
        Err(error) => return with_errors(error, &syn::parse_quote!(::schema_runtime)),
    };
    let root = match root(caller_file) {
        Ok(root) => root,
        Err(message) => return with_errors(syn::Error::new(args.dir_span, message), &args.krate),
    };
    // The folders the set builds on: resolved first, so that a missing one is named at the
    // option even when the set's own folder has problems too.
    let after = schema_core::resolve_after(&root, &args.after)
        .map_err(|errors| diag::to_syn(&errors, args.after_span));
    let cache = cache_dir();
    let set = schema_core::resolve_dir_cached(&root, &args.dir, cache.as_deref()).and_then(|set| {
        let warnings = match (&after, args.check) {
            (Ok(after), true) => {
                let mut options = CheckOptions::new(args.dialect)
                    .with_old(args.old)
                    .with_after(after.clone());
                if let Some(prefix) = &args.prefix {
                    options = options.with_prefix(prefix.value());
                }
                if let Some(dir) = &cache {
                    options = options.with_cache_dir(dir.clone());
                }
                // SAFETY: the SQLite the check is linked with is this proc macro's own copy;
                // its only user in the compiler's process is `schema_core::check`, which the
                // macro calls only after this, and the call's `Once` holds any other thread
                // that reaches it until the setting is made.
                unsafe { schema_core::tune_sqlite_for_check() };
                schema_core::check(&set, &options)?
            }
            _ => Vec::new(),
        };
        Ok((set, warnings))
    });
    let set = match (set, after) {
        (Ok(set), Ok(after)) => Ok((set, after)),
        (Ok(_), Err(error)) => Err(error),
        (Err(errors), after) => {
            let mut error = diag::to_syn(&errors, args.dir_span);
            if let Err(more) = after {
                error.combine(more);
            }
            Err(error)
        }
    };
    match set {
        Ok(((set, warnings), after)) => {
            let lints = match args.lint {
                Lint::Off => Vec::new(),
                Lint::Warn | Lint::Deny => {
                    let options = LintOptions::new(args.dialect)
                        .with_allow(args.lint_allow.clone())
                        .with_scope(LintScope::at_build(args.old));
                    diag::shown(schema_core::lint(&set, &options))
                }
            };
            if args.lint == Lint::Deny && !lints.is_empty() {
                return with_errors(diag::lint_errors(&lints, args.dir_span), &args.krate);
            }
            let embedded = Embedded {
                set: &set,
                after: &after,
                module: args.module.as_ref(),
                prefix: args.prefix.as_ref(),
                krate: &args.krate,
                checked: args.check,
                notes: &warnings,
            };
            let embedded = embedded.into_token_stream();
            // Shown as a warning, not embedded among the check's notes.
            let mut warnings = warnings;
            warnings.extend(unwatched(&root, &args.dir));
            let expr = diag::with_lints(&lints, args.dir_span, embedded);
            diag::with_warnings(&warnings, args.dir_span, expr)
        }
        Err(error) => with_errors(error, &args.krate),
    }
}

pub(crate) fn root(caller_file: Option<PathBuf>) -> Result<PathBuf, String> {
    if std::env::var_os(RESOLVE_FROM_CALLER).is_some() {
        if let Some(dir) = caller_file.as_deref().and_then(Path::parent) {
            return Ok(dir.to_owned());
        }
    }
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| "`CARGO_MANIFEST_DIR` is not set; build the crate with cargo".to_owned())
}

/// The warning for a folder cargo does not watch for new files; none when the folder is
/// resolved from the calling file (this project's ui tests), where the crate is trybuild's.
fn unwatched(root: &Path, dir: &str) -> Option<Warning> {
    if std::env::var_os(RESOLVE_FROM_CALLER).is_some() {
        return None;
    }
    let out_dir = std::env::var_os("OUT_DIR").map(PathBuf::from);
    schema_core::unwatched(root, out_dir.as_deref(), dir)
}

/// Where the SQL check keeps its checkpoints between builds (SQLite) and the files it parsed
/// clean (PostgreSQL), and reading the folder the files' checksums: beside the crate's build
/// script output (`OUT_DIR`, set only for a crate with a build script), inside the target
/// directory, for this crate and profile alone. On unless `SCHEMA_CHECK_CACHE=off` is in the
/// build's environment: at 1,000 migrations an edit of the newest file rebuilds in 1.4 s with
/// the checkpoints and 2.1 s without them (dev, quiet machine).
fn cache_dir() -> Option<PathBuf> {
    if std::env::var_os("SCHEMA_CHECK_CACHE").is_some_and(|v| v == "off") {
        return None;
    }
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR")?);
    Some(out_dir.join("schema-check"))
}

fn with_errors(error: syn::Error, krate: &syn::Path) -> TokenStream {
    let errors = error.into_compile_error();
    quote! {{
        #errors
        #krate::__private::EMPTY
    }}
}

struct Embedded<'a> {
    set: &'a MigrationSet,
    /// The sets it builds on: their files are not embedded, but a change to one must rebuild.
    after: &'a [MigrationSet],
    module: Option<&'a syn::LitStr>,
    prefix: Option<&'a syn::LitStr>,
    krate: &'a syn::Path,
    checked: bool,
    /// What the check reported without failing the build, kept for `verify`.
    notes: &'a [Warning],
}

impl ToTokens for Embedded<'_> {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        let krate = self.krate;
        // Every path of the set, and any version or description that is not part of its file's
        // name, in one string; each migration's record holds spans of it, and all the records
        // are one byte string (see schema-runtime's `packed.rs`).
        let mut text = Text::default();
        let mut sources = String::new();
        let mut records = Vec::with_capacity(self.set.migrations.len() * RECORD_LEN);
        for m in &self.set.migrations {
            packed(m, &mut text, &mut sources, &mut records);
        }
        // The list and the records are written as text and handed to the compiler in one
        // piece each, which it reads at its own speed: built token by token, each token was a
        // call from this unoptimised macro into the compiler (a third of the macro's time with
        // the check off, at a thousand migrations).
        let parsed = parse(&sources).and_then(|s| Ok((s, parse(&byte_string(&records))?)));
        let (sources, records) = match parsed {
            Ok(parsed) => parsed,
            Err(error) => {
                let message = format!(
                    "embed_migrations! wrote a list of migrations the compiler cannot read \
                     ({error}); this is a bug of schema-macros, please report it"
                );
                let error = syn::Error::new(proc_macro2::Span::call_site(), message);
                return tokens.extend(with_errors(error, krate));
            }
        };
        let strip_bom = if self.set.migrations.iter().any(|m| m.bom) {
            quote! {
                const fn __strip_bom(sql: &'static str) -> &'static str {
                    #krate::__private::strip_bom(sql)
                }
            }
        } else {
            quote!()
        };
        let extras = self
            .set
            .migrations
            .iter()
            .enumerate()
            .filter_map(|(index, m)| extra(index, m, krate));
        let set_text = text.text;
        let dir = &self.set.display_dir;
        let abs_dir = self.set.dir.to_string_lossy();
        // Computed here so that a boot with nothing to do compares one stored value with a
        // constant instead of hashing every migration.
        let fingerprint = Checksum::fingerprint(
            self.set
                .migrations
                .iter()
                .filter(|m| m.kind != MigrationKind::Down)
                .map(|m| (m.version, &m.checksum)),
        );
        let fingerprint = checksum_tokens(&fingerprint, krate);
        let checked = self.checked;
        // The set as a static of its own: one address, by which the runtime keeps the
        // migrations it makes of it, even where the `Migrations` is a `const` copied into
        // several places. What the compiler evaluates at every rebuild is a list of
        // `include_str!`s and one byte string: a struct literal per migration took it 60-70 ms
        // at 1,000 migrations, a `const fn` call per checksum 0.2 s before that.
        let mut new = quote! {{
            #strip_bom
            static SET: #krate::__private::PackedSet = #krate::__private::PackedSet {
                sources: &[#sources],
                records: #records,
                extras: &[#(#extras),*],
                text: #set_text,
            };
            #krate::__private::Migrations::__packed(
                &SET,
                #dir,
                #abs_dir,
                #fingerprint,
                #checked,
            )
        }};
        if self.module.is_some() || self.prefix.is_some() {
            let module = match self.module {
                Some(module) => quote!(#module),
                None => quote!(#krate::__private::DEFAULT_MODULE),
            };
            let prefix = match self.prefix {
                Some(prefix) => quote!(::core::option::Option::Some(#prefix)),
                None => quote!(::core::option::Option::None),
            };
            new = quote!(#new.__with_module(#module, #prefix));
        }
        if !self.notes.is_empty() {
            let notes = self.notes.iter().map(ToString::to_string);
            new = quote!(#new.__with_check_notes(&[#(#notes),*]));
        }
        if !self.after.is_empty() {
            // `include_bytes!` makes cargo rebuild when a file of a base folder changes, as the
            // check judged the set against it; bytes, as nothing of it is embedded.
            let mut paths: Vec<String> = self
                .after
                .iter()
                .flat_map(|set| &set.migrations)
                .map(|m| m.path.to_string_lossy().into_owned())
                .collect();
            paths.sort();
            paths.dedup();
            new = quote! {{
                #(const _: &[u8] = ::core::include_bytes!(#paths);)*
                #new
            }};
        }
        tokens.extend(new);
    }
}

/// `text` as tokens, lexed by the compiler. `proc_macro2`'s `parse` would first lex it again
/// itself, unoptimised, to check it: at a thousand migrations that cost more than building
/// the tokens one by one had. The compiler's lexer returns an error for text that is no
/// tokens. Outside a macro's expansion, `proc_macro2` lexes it.
fn parse(text: &str) -> Result<TokenStream, String> {
    if proc_macro::is_available() {
        text.parse::<proc_macro::TokenStream>()
            .map(TokenStream::from)
            .map_err(|e| e.to_string())
    } else {
        text.parse::<TokenStream>().map_err(|e| e.to_string())
    }
}

/// A span of the set's text, `(start, length)` (a text over 4 GiB, which no folder a
/// compiler can take comes near, would read as empty strings, never panic).
fn span(start: usize, len: usize) -> Span {
    let start = u32::try_from(start).unwrap_or(u32::MAX);
    let len = u32::try_from(len).unwrap_or(0);
    (start, len)
}

/// The set's one string of paths and names: each added once (the two halves of a goose file
/// share their path; a diesel folder's up and down, their version and description).
#[derive(Default)]
struct Text {
    text: String,
    added: HashMap<String, usize>,
}

impl Text {
    /// Where `part` starts in the text, added if it is not there yet.
    fn add(&mut self, part: &str) -> usize {
        if let Some(&at) = self.added.get(part) {
            return at;
        }
        let at = self.text.len();
        self.text.push_str(part);
        self.added.insert(part.to_owned(), at);
        at
    }
}

/// One migration: its file as an `include_str!` at the end of `sources` (Rust source followed
/// by a comma; `__strip_bom(…)` around it for a file with a BOM, the name the set's block
/// gives that function), its record at the end of `records`, and its path, version and
/// description added to `text` (the version and description as parts of the path where they
/// are parts of its file name).
fn packed(m: &Migration, text: &mut Text, sources: &mut String, records: &mut Vec<u8>) {
    use std::fmt::Write as _;
    let display_path = &m.display_path;
    let path_at = text.add(display_path);
    let path = span(path_at, display_path.len());
    let file_name_at = display_path.rfind('/').map_or(0, |slash| slash + 1);
    let mut part = |part: &str| match display_path[file_name_at..].find(part) {
        Some(at) => span(path_at + file_name_at + at, part.len()),
        None => span(text.add(part), part.len()),
    };
    let version_text = part(&m.version_text);
    let description = part(&m.description);
    // `include_str!` makes cargo rebuild the crate when the file changes; the content was
    // checked above to be UTF-8. Its path written with `Debug`, which gives a Rust literal.
    let file = m.path.to_string_lossy();
    // `strip_bom` only for a file that has one: the compiler's evaluation of that call over a
    // thousand embedded files took 0.7 s of a dev rebuild.
    let _ = if m.bom {
        write!(sources, "__strip_bom(::core::include_str!({file:?})),")
    } else {
        write!(sources, "::core::include_str!({file:?}),")
    };
    let record = Record {
        version: m.version,
        version_text,
        description,
        kind: m.kind,
        noop: m.noop,
        statement_count: u32::try_from(m.statement_count).unwrap_or(u32::MAX),
        path,
        checksum: m.checksum,
        loose_checksum: m.loose_checksum,
    };
    records.extend_from_slice(&record.encode());
}

/// A byte string literal of `bytes`: printable ASCII as itself but for `"` and `\`, every
/// other byte escaped (`\x1f`).
fn byte_string(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut literal = Vec::with_capacity(bytes.len() * 4 + 3);
    literal.extend_from_slice(b"b\"");
    for &b in bytes {
        if (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\' {
            literal.push(b);
        } else {
            literal.extend_from_slice(&[
                b'\\',
                b'x',
                DIGITS[usize::from(b >> 4)],
                DIGITS[usize::from(b & 15)],
            ]);
        }
    }
    literal.push(b'"');
    // Only ASCII was written.
    String::from_utf8(literal).unwrap_or_default()
}

/// What `m` (at `index` in the set) has beyond its record, if anything: another SQL than its
/// file, a second checksum, directives.
fn extra(index: usize, m: &Migration, krate: &syn::Path) -> Option<TokenStream> {
    if m.source.is_none() && m.legacy_checksum.is_none() && m.directives.is_empty() {
        return None;
    }
    let index = Literal::u32_suffixed(u32::try_from(index).ok()?);
    // The runtime runs the SQL without a leading BOM, as schema-core checked it: the file
    // itself, or (for one half of a goose or dbmate file, or a file wrapped in its own
    // transaction) the text schema-core made of it.
    let sql = match &m.source {
        None => quote!(::core::option::Option::None),
        Some(_) => {
            let sql = &m.sql;
            quote!(::core::option::Option::Some(#sql))
        }
    };
    let legacy_checksum = match &m.legacy_checksum {
        Some(legacy) => {
            let legacy = checksum_tokens(legacy, krate);
            quote!(::core::option::Option::Some(#legacy))
        }
        None => quote!(::core::option::Option::None),
    };
    let directives = m.directives.iter().map(|d| match d {
        Directive::NoTransaction => quote!(#krate::__private::Directive::NoTransaction),
        Directive::NoCheck => quote!(#krate::__private::Directive::NoCheck),
    });
    Some(quote! {
        #krate::__private::Extra {
            index: #index,
            sql: #sql,
            legacy_checksum: #legacy_checksum,
            directives: &[#(#directives),*],
        }
    })
}

/// A checksum the records do not hold (the set's fingerprint, a second checksum) as one byte
/// string literal rather than 32 integer literals, a few tokens for the compiler to read
/// instead of 65; dereferenced, not passed to a function, which the compiler would evaluate.
fn checksum_tokens(checksum: &Checksum, krate: &syn::Path) -> TokenStream {
    let bytes = Literal::byte_string(&checksum.0);
    quote!(#krate::__private::Checksum(*#bytes))
}

#[cfg(test)]
mod tests {
    use super::{byte_string, packed, parse, Text};
    use schema_core::record::Record;
    use schema_core::{Checksum, Migration, MigrationKind};

    fn migration(version: i64, path: &str, kind: MigrationKind) -> Migration {
        Migration {
            version,
            version_text: version.to_string(),
            description: "odd".to_owned(),
            kind,
            path: path.into(),
            display_path: format!("migrations/{version}_odd.sql"),
            sql: "SELECT 1;".to_owned(),
            source: None,
            checksum: Checksum::of("SELECT 1;"),
            legacy_checksum: None,
            loose_checksum: Checksum([
                0, 1, 0x22, 0x5c, 0x7f, 0x80, 0xff, 9, 10, 13, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
            ]),
            statement_count: 1,
            directives: Vec::new(),
            noop: false,
            bom: version < 0,
        }
    }

    /// What the list's text reads back as: every path as written, for paths a file system
    /// allows and a string literal must escape; and each record, with the version and every
    /// checksum as they were, and spans of the set's text that read as the path, version and
    /// description.
    #[test]
    fn the_written_list_reads_back_as_the_migrations() {
        let migrations = [
            migration(
                1,
                "/crate/migrations/1_a\"quote\\back\nline\ttab.sql",
                MigrationKind::Up,
            ),
            migration(
                2,
                "/crate/migrations/2_é🦀\u{301}\u{200b}\u{7f}.sql",
                MigrationKind::Simple,
            ),
            migration(
                i64::MIN,
                "C:\\crate\\migrations\\R__odd.sql",
                MigrationKind::Repeatable,
            ),
            migration(i64::MAX, "/crate/migrations/{}$#.sql", MigrationKind::Down),
        ];
        let mut text = Text::default();
        let mut sources = String::new();
        let mut records = Vec::new();
        for m in &migrations {
            packed(m, &mut text, &mut sources, &mut records);
        }
        let tokens = parse(&format!("[{sources}]")).unwrap();
        let array: syn::ExprArray = syn::parse2(tokens).unwrap();
        assert_eq!(array.elems.len(), migrations.len());
        let tokens = parse(&byte_string(&records)).unwrap();
        let literal: syn::LitByteStr = syn::parse2(tokens).unwrap();
        assert_eq!(literal.value(), records);
        let at = |(start, len): (u32, u32)| &text.text[start as usize..(start + len) as usize];
        for (index, (m, elem)) in migrations.iter().zip(&array.elems).enumerate() {
            // The source: `include_str!("…")`, within `__strip_bom(…)` for a file with a BOM.
            let source = match elem {
                syn::Expr::Call(call) if m.bom => call.args[0].clone(),
                other if !m.bom => other.clone(),
                other => panic!("no __strip_bom call: {}", quote::quote!(#other)),
            };
            let syn::Expr::Macro(include) = source else {
                panic!("not include_str!");
            };
            let file: syn::LitStr = include.mac.parse_body().unwrap();
            assert_eq!(file.value(), m.path.to_string_lossy());
            let record = Record::decode(&literal.value(), index);
            assert_eq!(record.version, m.version);
            assert_eq!(record.kind, m.kind);
            assert_eq!(record.checksum, m.checksum);
            assert_eq!(record.loose_checksum, m.loose_checksum);
            assert_eq!(at(record.path), m.display_path);
            assert_eq!(at(record.version_text), m.version_text);
            assert_eq!(at(record.description), m.description);
        }
    }

    /// Every byte value, as the compiler reads the literal back.
    #[test]
    fn a_byte_string_reads_back_as_its_bytes() {
        let bytes: Vec<u8> = (0..=255).chain([b'"', b'\\', 0, b'\\', b'x']).collect();
        let tokens = parse(&byte_string(&bytes)).unwrap();
        let literal: syn::LitByteStr = syn::parse2(tokens).unwrap();
        assert_eq!(literal.value(), bytes);
    }
}
