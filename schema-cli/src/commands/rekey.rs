//! `schema rekey`: a new key for an encrypted SQLite file.

use super::Exit;
use crate::cli::Cli;
use crate::secret::redact;
use crate::Error;

/// Changes the key of the SQLite file the URL names: the current key as every command reads
/// it, the new one from its variables or the terminal.
pub(crate) async fn run(cli: &Cli) -> Result<Exit, Error> {
    let url = cli.database_url.as_deref().ok_or(Error::NoDatabaseUrl)?;
    crate::secret::remember(url);
    if !url.starts_with("sqlite:") || url.contains(":memory:") || url.contains("mode=memory") {
        return Err(Error::RekeyNotSqlite { url: redact(url) });
    }
    rekey(cli, url).await
}

#[cfg(feature = "sqlcipher")]
async fn rekey(cli: &Cli, url: &str) -> Result<Exit, Error> {
    use sqlx::sqlite::SqliteConnectOptions;
    use std::str::FromStr;

    let current = crate::encryption::encryption(&cli.cipher)?.ok_or(Error::NoKey)?;
    let options = SqliteConnectOptions::from_str(url).map_err(|source| Error::InvalidUrl {
        url: redact(url),
        source,
    })?;
    let path = options.get_filename().to_owned();
    if !path.exists() {
        return Err(Error::NoDatabaseFile { path });
    }
    let new = crate::encryption::new_key()?;
    current.rekey(&options, new).await?;
    if !cli.output.quiet {
        eprintln!(
            "rekeyed `{}`: open it with the new key from now on",
            path.display()
        );
    }
    Ok(Exit::Ok)
}

#[cfg(not(feature = "sqlcipher"))]
async fn rekey(cli: &Cli, _url: &str) -> Result<Exit, Error> {
    let _ = &cli.cipher;
    Err(Error::NoSqlcipher)
}
