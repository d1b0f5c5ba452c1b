//! Rust types as the models of the tables: their JSON Schema documents are written to a folder
//! (`models/` by default, or the folder given), read back as `schema new --from-models` reads
//! them, and the migration that makes their tables from nothing is printed for SQLite.
//!
//! ```sh
//! cargo run --example models -- models
//! schema new create_blog --from-models models
//! ```

mod types;

use schema_core::Dialect;
use schema_runtime::models::Models;
use std::path::PathBuf;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "models".to_owned()),
    );
    for file in types::write_models(&dir)? {
        println!("wrote {}", file.display());
    }
    let models = Models::load(&dir, Dialect::Sqlite)?;
    // No migration yet: the migration makes every table.
    let none = schema_runtime::__private::EMPTY;
    let change = none.migrator().migration_to_models(&models, None).await?;
    println!("-- up:\n{}", change.migration.up.sql);
    Ok(())
}
