// A crate that re-exports schema_runtime under another path names it with `crate = path`.
mod reexport {
    pub use schema_runtime as rt;
}

static DEFAULT_FOLDER: reexport::rt::Migrations = reexport::rt::embed_migrations!(crate = crate::reexport::rt);
static NAMED: reexport::rt::Migrations = reexport::rt::embed_migrations!("migrations", crate = crate::reexport::rt,);

fn main() {
    assert_eq!(DEFAULT_FOLDER.len(), 1);
    assert_eq!(NAMED.as_slice()[0].description, "create_a");
    assert_eq!(DEFAULT_FOLDER.dir(), "migrations");
}
