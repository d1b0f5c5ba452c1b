//! What `embed_migrations!` embeds at build time is exactly what `schema_core::resolve_dir`
//! reads from the same folder at run time, field by field.

use schema_core::{Checksum, MigrationKind};
use schema_runtime::Migrations;
use std::path::Path;

static ROOT: Migrations = schema_runtime::embed_migrations!("migrations");
static REAL_WORLD: Migrations = schema_runtime::embed_migrations!("tests/ui/pass/real_world");
static DIESEL: Migrations = schema_runtime::embed_migrations!("tests/ui/pass/diesel");
/// Holds a file with a `-- schema:` line, so a legacy checksum.
static SQLITE_CHAIN: Migrations = schema_runtime::embed_migrations!("tests/ui/pass/sqlite");
static GOOSE: Migrations = schema_runtime::embed_migrations!("tests/fixtures/goose");
static DBMATE: Migrations = schema_runtime::embed_migrations!("tests/fixtures/dbmate");
static WRAPPED: Migrations = schema_runtime::embed_migrations!("tests/fixtures/wrapped");
static FLYWAY: Migrations = schema_runtime::embed_migrations!("tests/fixtures/flyway");
/// File names beyond ASCII, whose versions and descriptions are spans of the path at byte
/// offsets; a `const`, as a user may write it, copied wherever it is used.
const NON_ASCII: Migrations = schema_runtime::embed_migrations!("tests/fixtures/non_ascii");

fn resolved(dir: &str) -> schema_core::MigrationSet {
    schema_core::resolve_dir(Path::new(env!("CARGO_MANIFEST_DIR")), dir)
        .unwrap_or_else(|errors| panic!("resolve_dir({dir:?}) failed: {errors:#?}"))
}

/// Compares every embedded migration with the one `resolve_dir` reads, field by field, so that
/// a failure names the field and the file.
fn assert_embedded_equals_resolved(embedded: &Migrations, dir: &str) {
    // Editing a file rebuilds this test (`include_str!`), adding or removing one only does for
    // folders the root build script watches; say so instead of failing on a file list.
    let stale = embedded
        .stale_embedding()
        .expect("the folder exists on this machine");
    assert!(
        stale.is_empty(),
        "this test binary embeds an older view of `{dir}` ({stale:?}); touch tests/embedded.rs \
         to rebuild it, or make build.rs watch the folder"
    );
    let set = resolved(dir);
    assert_eq!(embedded.dir(), set.display_dir, "dir of {dir}");
    assert_eq!(
        Path::new(embedded.build_dir()),
        set.dir.as_path(),
        "build_dir of {dir}"
    );
    let embedded_paths: Vec<&str> = embedded.iter().map(|m| m.path).collect();
    let resolved_paths: Vec<&str> = set
        .migrations
        .iter()
        .map(|m| m.display_path.as_str())
        .collect();
    assert_eq!(
        embedded_paths, resolved_paths,
        "files of {dir}, in apply order"
    );
    assert!(!embedded.is_empty(), "{dir} should hold migrations");
    assert_eq!(embedded.len(), set.migrations.len());

    for (e, r) in embedded.iter().zip(&set.migrations) {
        let file = &r.display_path;
        assert_eq!(e.version, r.version, "version of {file}");
        assert_eq!(e.version_text, r.version_text, "version_text of {file}");
        assert_eq!(e.description, r.description, "description of {file}");
        assert_eq!(e.kind, r.kind, "kind of {file}");
        assert_eq!(e.sql, r.sql, "sql of {file}");
        assert_eq!(e.source, r.source(), "source of {file}");
        assert_eq!(e.checksum, r.checksum, "checksum of {file}");
        assert_eq!(
            e.legacy_checksum, r.legacy_checksum,
            "legacy checksum of {file}"
        );
        assert_eq!(
            e.loose_checksum, r.loose_checksum,
            "loose checksum of {file}"
        );
        assert_eq!(e.statement_count, r.statement_count, "statements of {file}");
        assert_eq!(
            e.directives,
            r.directives.as_slice(),
            "directives of {file}"
        );
        assert_eq!(e.noop, r.noop, "noop of {file}");
        assert_eq!(e.path, r.display_path, "path of {file}");
        assert_eq!(
            e.no_transaction(),
            r.no_transaction(),
            "no_transaction of {file}"
        );
        // The file, embedded unchanged, is what it was read as.
        let on_disk =
            std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(e.path)).unwrap();
        assert_eq!(
            e.source,
            on_disk.strip_prefix('\u{feff}').unwrap_or(&on_disk),
            "source of {file} against the file"
        );
        // The checksum is the one the documented rule gives for the embedded SQL. (A half of a
        // goose or dbmate file, and a file wrapped in its own transaction, run another text
        // than the file; schema-core's tests hold their rules.)
        if e.sql == e.source {
            assert_eq!(
                e.checksum,
                Checksum::of_migration(e.sql),
                "checksum of the embedded sql of {file}"
            );
            assert_eq!(
                e.legacy_checksum,
                Some(Checksum::of(e.sql)).filter(|legacy| *legacy != e.checksum),
                "legacy checksum of the embedded sql of {file}"
            );
            assert_eq!(
                e.loose_checksum,
                Checksum::loose_of_migration(e.sql),
                "loose checksum of the embedded sql of {file}"
            );
        }
        // What the runtime counts on for naming a failed statement, and for telling a change
        // of white space only, is what splitting and hashing the embedded SQL gives.
        assert_eq!(
            e.statement_count,
            schema_core::split_statements(e.sql).len(),
            "statement count of the embedded sql of {file}"
        );
    }
}

fn assert_fingerprint_is_over_the_applying_migrations(embedded: &Migrations, dir: &str) {
    let set = resolved(dir);
    let expected = Checksum::fingerprint(
        set.migrations
            .iter()
            .filter(|m| m.kind != MigrationKind::Down)
            .map(|m| (m.version, &m.checksum)),
    );
    assert_eq!(embedded.fingerprint(), expected, "fingerprint of {dir}");
    let from_embedded =
        Checksum::fingerprint(embedded.applying().map(|m| (m.version, &m.checksum)));
    assert_eq!(
        embedded.fingerprint(),
        from_embedded,
        "fingerprint of {dir} from applying()"
    );
}

#[test]
fn the_root_migrations_folder_embeds_what_resolve_dir_reads() {
    assert_embedded_equals_resolved(&ROOT, "migrations");
}

#[test]
fn the_real_world_folder_embeds_what_resolve_dir_reads() {
    assert_embedded_equals_resolved(&REAL_WORLD, "tests/ui/pass/real_world");
}

#[test]
fn the_diesel_folder_embeds_what_resolve_dir_reads() {
    assert_embedded_equals_resolved(&DIESEL, "tests/ui/pass/diesel");
    // An up and its down, whose version and description are the folder's name: the binary
    // holds them once.
    let up = DIESEL.iter().find(|m| m.kind == MigrationKind::Up).unwrap();
    let down = DIESEL.down_of(up.version).unwrap();
    assert!(std::ptr::eq(up.description, down.description));
    assert!(std::ptr::eq(up.version_text, down.version_text));
}

#[test]
fn a_folder_with_a_directive_line_embeds_what_resolve_dir_reads() {
    assert_embedded_equals_resolved(&SQLITE_CHAIN, "tests/ui/pass/sqlite");
    let legacy = SQLITE_CHAIN
        .iter()
        .filter(|m| m.legacy_checksum.is_some())
        .count();
    assert_eq!(
        legacy, 1,
        "only the file with a `-- schema:` line has a legacy checksum"
    );
}

#[test]
fn folders_as_other_tools_write_them_embed_what_resolve_dir_reads() {
    for (embedded, dir) in [
        (&GOOSE, "tests/fixtures/goose"),
        (&DBMATE, "tests/fixtures/dbmate"),
        (&WRAPPED, "tests/fixtures/wrapped"),
        (&FLYWAY, "tests/fixtures/flyway"),
    ] {
        assert_embedded_equals_resolved(embedded, dir);
        assert_fingerprint_is_over_the_applying_migrations(embedded, dir);
    }
    // Both halves of a goose file embed the one file.
    let [up, down] = [GOOSE.as_slice()[0], GOOSE.as_slice()[1]];
    assert_eq!(
        (up.kind, down.kind),
        (MigrationKind::Up, MigrationKind::Down)
    );
    assert_eq!(up.path, down.path);
    assert_eq!(up.source, down.source);
    // The binary holds their path once.
    assert!(std::ptr::eq(up.path, down.path));
    // The repeatable migrations count in the fingerprint, so that a boot notices one changed.
    assert_eq!(FLYWAY.repeatable().count(), 2);
    let versioned = Checksum::fingerprint(FLYWAY.versioned().map(|m| (m.version, &m.checksum)));
    assert_ne!(FLYWAY.fingerprint(), versioned);
}

#[test]
fn names_beyond_ascii_embed_what_resolve_dir_reads_and_a_const_set_is_made_once() {
    assert_embedded_equals_resolved(&NON_ASCII, "tests/fixtures/non_ascii");
    let names: Vec<(&str, &str)> = NON_ASCII
        .iter()
        .map(|m| (m.version_text, m.description))
        .collect();
    assert_eq!(
        names,
        [
            ("0001", "café_menu"),
            ("0002", "größe"),
            ("0003", "表_テーブル")
        ]
    );
    assert!(NON_ASCII.as_slice()[1].no_transaction());
    // Each use of the constant is a copy of it; the migrations made of them are one list.
    let copy = NON_ASCII;
    assert!(std::ptr::eq(copy.as_slice(), NON_ASCII.as_slice()));
    assert_eq!(format!("{copy:?}"), format!("{NON_ASCII:?}"));
    assert!(format!("{copy:?}").contains("description: \"größe\""));
}

#[test]
fn the_root_fingerprint_is_the_fingerprint_of_the_non_down_migrations() {
    assert_fingerprint_is_over_the_applying_migrations(&ROOT, "migrations");
}

#[test]
fn the_real_world_fingerprint_is_the_fingerprint_of_the_non_down_migrations() {
    assert_fingerprint_is_over_the_applying_migrations(&REAL_WORLD, "tests/ui/pass/real_world");
}

#[test]
fn the_diesel_fingerprint_is_the_fingerprint_of_the_non_down_migrations() {
    assert_fingerprint_is_over_the_applying_migrations(&DIESEL, "tests/ui/pass/diesel");
}

#[test]
fn the_fingerprint_changes_with_the_set() {
    assert_ne!(ROOT.fingerprint(), Checksum([0; 32]));
    assert_ne!(ROOT.fingerprint(), REAL_WORLD.fingerprint());
    assert_ne!(REAL_WORLD.fingerprint(), DIESEL.fingerprint());
}

#[test]
fn the_root_folder_is_not_stale() {
    assert_eq!(
        ROOT.stale_embedding(),
        Some(schema_runtime::StaleEmbedding::default()),
        "the root package's build script watches `migrations`, so the binary embeds the folder as it is"
    );
    assert!(ROOT.stale_embedding().unwrap().is_empty());
}

#[test]
fn the_real_world_and_diesel_folders_are_not_stale() {
    // Neither folder is watched by a build script, but nobody edits them during the test run;
    // the stray `README.md` and `3_crlf_and_bom.sql~` must not count as migrations.
    for (embedded, dir) in [(&REAL_WORLD, "real_world"), (&DIESEL, "diesel")] {
        assert_eq!(
            embedded.stale_embedding(),
            Some(schema_runtime::StaleEmbedding::default()),
            "{dir}"
        );
    }
}
