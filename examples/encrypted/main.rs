//! A local-first application's boot on an encrypted SQLite file: the key derived from the
//! user's master password and the database's salt file (Argon2id), the file opened with it
//! (SQLCipher), its migrations applied, a note written and read back.
//!
//! ```sh
//! ENCRYPTED_EXAMPLE_PASSWORD='a long master password' \
//!     cargo run --example encrypted --features sqlcipher -- notes.db "first note"
//! ```
//!
//! The password comes from `ENCRYPTED_EXAMPLE_PASSWORD` (an application would rather ask for
//! it on the terminal or in its window), never from an argument, which other users see in `ps`.

use schema_runtime::sqlcipher::{derive_key, Encryption};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use std::path::PathBuf;

static MIGRATIONS: schema_runtime::Migrations =
    schema_runtime::embed_migrations!("examples/encrypted/migrations");

#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run().await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = PathBuf::from(args.next().unwrap_or_else(|| "notes.db".to_owned()));
    let note = args.next();
    let Ok(password) = std::env::var("ENCRYPTED_EXAMPLE_PASSWORD") else {
        return Err("set the master password in `ENCRYPTED_EXAMPLE_PASSWORD`".into());
    };
    let mut salt = path.clone().into_os_string();
    salt.push(".salt");
    let key = derive_key(&password, &PathBuf::from(salt))?;

    let options = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true);
    let pool = Encryption::new(key)
        .open(options, SqlitePoolOptions::new())
        .await?;
    let report = MIGRATIONS.run(&pool).await?;
    println!("applied {} migration(s)", report.applied.len());

    if let Some(note) = note {
        sqlx::query("INSERT INTO notes (body) VALUES (?)")
            .bind(note)
            .execute(&pool)
            .await?;
    }
    let notes: Vec<String> = sqlx::query_scalar("SELECT body FROM notes ORDER BY id")
        .fetch_all(&pool)
        .await?;
    for body in &notes {
        println!("note: {body}");
    }
    println!("{} note(s) in `{}`, encrypted", notes.len(), path.display());
    pool.close().await;
    Ok(())
}
