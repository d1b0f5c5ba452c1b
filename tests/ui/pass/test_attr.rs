// Every option of `#[schema_runtime::test]`, on both pools, `()` and `Result` tests, other
// attributes kept. (Outside `cargo test` a `#[test]` is not compiled: the tests themselves
// run in `tests/testing/`.)
use schema_runtime::Migrations;

static CORE: Migrations = schema_runtime::embed_migrations!("migrations", module = "core");
static PLUGIN: Migrations = schema_runtime::embed_migrations!("migrations", module = "plugin");

mod reexport {
    pub use schema_runtime as rt;
}

#[schema_runtime::test(migrations = CORE)]
async fn one_set(_pool: sqlx::SqlitePool) {}

#[schema_runtime::test(migrations = [CORE, PLUGIN], target = 1, fixtures = ["fixtures/a.sql"], file = true,)]
async fn every_sqlite_option(_pool: sqlx::SqlitePool) -> Result<(), sqlx::Error> {
    Ok(())
}

#[schema_runtime::test(migrations = crate::CORE, url = "postgres://postgres@localhost/postgres")]
#[should_panic]
async fn on_postgres(_pool: sqlx::PgPool) {
    panic!();
}

#[reexport::rt::test(migrations = CORE, crate = crate::reexport::rt)]
// Other attributes are kept; this case only has to compile, so the test never runs.
#[ignore]
async fn reexported(_pool: sqlx::PgPool) {}

fn main() {
    assert_eq!(CORE.module(), "core");
    assert_eq!(PLUGIN.module(), "plugin");
}
