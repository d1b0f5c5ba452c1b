//! A raw key derived from a master password and a per-database salt file, with Argon2id: how
//! a local-first application keys the file it keeps a user's data in.

use super::{EncryptionError, Key};
use std::io::Write;
use std::path::Path;
use zeroize::Zeroizing;

/// The salt's length in bytes.
const SALT_LEN: usize = 16;

/// Argon2id's cost: OWASP's first recommended setting (19 MiB, 2 passes, 1 lane).
const MEMORY_KIB: u32 = 19 * 1024;
const PASSES: u32 = 2;
const LANES: u32 = 1;

/// Derives a 32-byte raw key from `master_password` and the salt in `salt_file` with
/// Argon2id (19 MiB, 2 passes, 1 lane). A missing salt file is created with 16 random bytes
/// (created new, so two processes never write two salts); keep it beside the database: the key
/// cannot be derived again without it. The same password and salt give the same key, and
/// SQLCipher uses a raw key as it is (no second KDF on each open).
///
/// ```ignore
/// let key = schema_runtime::sqlcipher::derive_key(&password, Path::new("data.db.salt"))?;
/// let pool = Encryption::new(key).open(options, SqlitePoolOptions::new()).await?;
/// ```
pub fn derive_key(master_password: &str, salt_file: &Path) -> Result<Key, EncryptionError> {
    if master_password.is_empty() {
        return Err(EncryptionError::InvalidKey {
            reason: "the master password is empty",
        });
    }
    let salt = read_or_create_salt(salt_file)?;
    let params = argon2::Params::new(MEMORY_KIB, PASSES, LANES, Some(32))
        .map_err(|e| EncryptionError::Derive(e.to_string()))?;
    let argon = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut key = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(master_password.as_bytes(), &salt, key.as_mut())
        .map_err(|e| EncryptionError::Derive(e.to_string()))?;
    Key::raw(key.as_ref())
}

fn read_or_create_salt(path: &Path) -> Result<[u8; SALT_LEN], EncryptionError> {
    let problem = |problem, source| EncryptionError::SaltFile {
        path: path.to_owned(),
        problem,
        source,
    };
    match std::fs::read(path) {
        Ok(bytes) => {
            return bytes
                .try_into()
                .map_err(|_| problem("does not hold a 16-byte salt", None));
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => return Err(problem("cannot be read", Some(e))),
    }
    let mut salt = [0u8; SALT_LEN];
    getrandom::getrandom(&mut salt).map_err(|e| {
        problem(
            "cannot be made: no random bytes",
            Some(std::io::Error::other(e)),
        )
    })?;
    let created = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path);
    match created {
        Ok(mut file) => {
            file.write_all(&salt)
                .and_then(|()| file.sync_all())
                .map_err(|e| problem("cannot be written", Some(e)))?;
            Ok(salt)
        }
        // Another process created it first: use its salt.
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => read_or_create_salt(path),
        Err(e) => Err(problem("cannot be created", Some(e))),
    }
}
