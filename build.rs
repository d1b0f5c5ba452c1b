fn main() {
    // Rebuild the example service and the tests that embed folders when a migration file is
    // added or removed (an edit rebuilds anyway, through `include_str!`).
    schema_runtime::build::rerun_if_migrations_change("migrations");
    schema_runtime::build::rerun_if_migrations_change("tests/ui/pass");
    schema_runtime::build::rerun_if_migrations_change("examples/assistant");
    schema_runtime::build::rerun_if_migrations_change("tests/fixtures");
    schema_runtime::build::rerun_if_migrations_change("examples/testing/migrations");
    schema_runtime::build::rerun_if_migrations_change("examples/encrypted/migrations");
}
