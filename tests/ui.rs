//! Compile-time behaviour of `embed_migrations!` and `#[schema_runtime::test]`: every mistake
//! fails the build with the exact message in its `.stderr`, and real-world folders compile and
//! embed what they should.

#[test]
fn ui() {
    // Resolve each case's folder beside the case file: under trybuild `CARGO_MANIFEST_DIR`
    // points into `target/tests/trybuild`.
    std::env::set_var("__SCHEMA_MIGRATIONS_RELATIVE_TO_CALLER", "1");
    let t = trybuild::TestCases::new();
    for category in [
        "args",
        "names",
        "versions",
        "pairs",
        "content",
        "sections",
        "layout",
        "sql",
        "prefix",
        "register",
        "lint",
        "test_attr",
    ] {
        t.compile_fail(format!("tests/ui/{category}/*.rs"));
    }
    t.pass("tests/ui/pass/*.rs");
}
