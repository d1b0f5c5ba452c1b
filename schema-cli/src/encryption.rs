//! The key of an encrypted SQLite file (SQLCipher, cargo feature `sqlcipher`): read from an
//! environment variable or the terminal, never from the command line (where `ps` shows it),
//! never printed.

use crate::cli::CipherArgs;

/// The raw key, as SQLCipher's `x'…'` hex or bare hex digits.
pub(crate) const KEY_VAR: &str = "SCHEMA_SQLITE_KEY";
/// The passphrase, stretched by SQLCipher's KDF.
pub(crate) const PASSPHRASE_VAR: &str = "SCHEMA_SQLITE_PASSPHRASE";
/// `schema rekey`'s new raw key.
#[cfg(feature = "sqlcipher")]
pub(crate) const NEW_KEY_VAR: &str = "SCHEMA_SQLITE_NEW_KEY";
/// `schema rekey`'s new passphrase.
#[cfg(feature = "sqlcipher")]
pub(crate) const NEW_PASSPHRASE_VAR: &str = "SCHEMA_SQLITE_NEW_PASSPHRASE";

/// Whether a key variable or option is given: a `schema` built without the feature refuses
/// then, rather than open the file as plain.
#[cfg(not(feature = "sqlcipher"))]
pub(crate) fn key_given(args: &CipherArgs) -> bool {
    args.key_prompt
        || std::env::var_os(KEY_VAR).is_some()
        || std::env::var_os(PASSPHRASE_VAR).is_some()
}

#[cfg(feature = "sqlcipher")]
pub(crate) use with_feature::*;

#[cfg(feature = "sqlcipher")]
mod with_feature {
    use super::*;
    use crate::Error;
    use schema_runtime::sqlcipher::{CipherSettings, Encryption, Key};

    /// The key from `key_var` (raw) or `passphrase_var`, or else asked for on the terminal when
    /// `prompt`; `None` when none is given. Both variables set is refused: which one was meant
    /// is not known.
    fn read_key(
        key_var: &'static str,
        passphrase_var: &'static str,
        prompt: Option<&str>,
    ) -> Result<Option<Key>, Error> {
        let raw = std::env::var(key_var).ok();
        let passphrase = std::env::var(passphrase_var).ok();
        let key = match (raw, passphrase) {
            (Some(_), Some(_)) => {
                return Err(Error::TwoKeys {
                    first: key_var,
                    second: passphrase_var,
                })
            }
            (Some(hex), None) => Key::from_hex(&hex),
            (None, Some(passphrase)) => Key::passphrase(&passphrase),
            (None, None) => match prompt {
                Some(prompt) => {
                    let passphrase = rpassword::prompt_password(prompt)
                        .map_err(|source| Error::Prompt { source })?;
                    Key::passphrase(&passphrase)
                }
                None => return Ok(None),
            },
        };
        key.map(Some).map_err(Error::Encryption)
    }

    /// The settings the options give (SQLCipher 4's defaults when none).
    fn settings(args: &CipherArgs) -> Result<CipherSettings, Error> {
        let mut settings = match args.cipher_compatibility {
            Some(version) => CipherSettings::compatibility(version)?,
            None => CipherSettings::default(),
        };
        if let Some(rounds) = args.kdf_iter {
            settings = settings.kdf_iter(rounds)?;
        }
        if let Some(bytes) = args.cipher_page_size {
            settings = settings.page_size(bytes)?;
        }
        Ok(settings)
    }

    /// The encryption the command opens the database with, if a key is given.
    pub(crate) fn encryption(args: &CipherArgs) -> Result<Option<Encryption>, Error> {
        let prompt = args.key_prompt.then_some("SQLCipher passphrase: ");
        let key = read_key(KEY_VAR, PASSPHRASE_VAR, prompt)?;
        match key {
            Some(key) => Ok(Some(Encryption::new(key).settings(settings(args)?))),
            None => Ok(None),
        }
    }

    /// `schema rekey`'s new key: from its variables, or asked twice on the terminal.
    pub(crate) fn new_key() -> Result<Key, Error> {
        if let Some(key) = read_key(NEW_KEY_VAR, NEW_PASSPHRASE_VAR, None)? {
            return Ok(key);
        }
        if !std::io::IsTerminal::is_terminal(&std::io::stdin()) {
            return Err(Error::NoNewKey);
        }
        let first = rpassword::prompt_password("new SQLCipher passphrase: ")
            .map_err(|source| Error::Prompt { source })?;
        let again = rpassword::prompt_password("the new passphrase again: ")
            .map_err(|source| Error::Prompt { source })?;
        if first != again {
            return Err(Error::PassphrasesDiffer);
        }
        Key::passphrase(&first).map_err(Error::Encryption)
    }
}
