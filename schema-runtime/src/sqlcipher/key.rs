//! What opens an encrypted file: the key (a passphrase or raw key bytes) and SQLCipher's
//! settings, turned into the `PRAGMA`s sqlx runs first on every connection it opens.

use super::EncryptionError;
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::ConnectOptions;
use zeroize::Zeroizing;

/// An SQLCipher key: a passphrase, which SQLCipher stretches with its KDF (PBKDF2, `kdf_iter`
/// rounds), or 32 raw key bytes used as they are (no KDF: what [`derive_key`](super::derive_key)
/// returns). Its `Debug` shows no secret; its memory is wiped when dropped.
#[derive(Clone)]
pub struct Key {
    /// The passphrase, or the raw key as `x'hex'`.
    text: Zeroizing<String>,
    raw: bool,
}

impl Key {
    /// A passphrase: any text but an empty one or one holding a NUL character.
    pub fn passphrase(passphrase: &str) -> Result<Key, EncryptionError> {
        if passphrase.is_empty() {
            return Err(EncryptionError::InvalidKey {
                reason: "the passphrase is empty",
            });
        }
        if passphrase.contains('\0') {
            return Err(EncryptionError::InvalidKey {
                reason: "the passphrase holds a NUL character",
            });
        }
        Ok(Key {
            text: Zeroizing::new(passphrase.to_owned()),
            raw: false,
        })
    }

    /// Raw key bytes: 32 (a 256-bit AES key), or 48 (the key and the file's 16-byte salt).
    pub fn raw(bytes: &[u8]) -> Result<Key, EncryptionError> {
        if bytes.len() != 32 && bytes.len() != 48 {
            return Err(EncryptionError::InvalidKey {
                reason: "a raw key is 32 bytes (64 hex digits), or 48 with the salt (96)",
            });
        }
        let mut text = Zeroizing::new(String::with_capacity(bytes.len() * 2 + 3));
        text.push_str("x'");
        for byte in bytes {
            for nibble in [byte >> 4, byte & 0xf] {
                text.push(char::from_digit(u32::from(nibble), 16).unwrap_or('0'));
            }
        }
        text.push('\'');
        Ok(Key { text, raw: true })
    }

    /// A raw key written in hex, as SQLCipher's `x'…'` blob literal or as bare hex digits.
    pub fn from_hex(text: &str) -> Result<Key, EncryptionError> {
        let text = text.trim();
        let digits = text
            .strip_prefix("x'")
            .or_else(|| text.strip_prefix("X'"))
            .and_then(|rest| rest.strip_suffix('\''))
            .unwrap_or(text);
        let invalid = EncryptionError::InvalidKey {
            reason: "a raw key is hex digits, as `x'…'` or bare",
        };
        if !digits.len().is_multiple_of(2) {
            return Err(invalid);
        }
        let mut bytes = Zeroizing::new(Vec::with_capacity(digits.len() / 2));
        for pair in digits.as_bytes().chunks(2) {
            let high = char::from(pair[0]).to_digit(16);
            let low = char::from(pair[1]).to_digit(16);
            match (high, low) {
                (Some(h), Some(l)) => bytes.push((h * 16 + l) as u8),
                _ => return Err(invalid),
            }
        }
        Key::raw(&bytes)
    }

    /// Whether this is a raw key (no KDF) rather than a passphrase.
    pub fn is_raw(&self) -> bool {
        self.raw
    }

    /// The key as SQLCipher reads it from a bound value (`ATTACH … KEY ?`): the passphrase,
    /// or `x'hex'`.
    #[cfg(feature = "testing")]
    pub(crate) fn text(&self) -> &str {
        &self.text
    }

    /// The value of `PRAGMA key` / `PRAGMA rekey`: the passphrase as an SQL string, or the raw
    /// key as `"x'hex'"`.
    pub(crate) fn pragma_value(&self) -> Zeroizing<String> {
        if self.raw {
            return Zeroizing::new(format!("\"{}\"", self.text.as_str()));
        }
        let mut quoted = Zeroizing::new(String::with_capacity(self.text.len() + 2));
        quoted.push('\'');
        for c in self.text.chars() {
            if c == '\'' {
                quoted.push('\'');
            }
            quoted.push(c);
        }
        quoted.push('\'');
        quoted
    }
}

impl std::fmt::Debug for Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(if self.raw {
            "Key(raw, ***)"
        } else {
            "Key(passphrase, ***)"
        })
    }
}

/// SQLCipher's HMAC and KDF hash algorithms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CipherHash {
    /// SHA-1 (SQLCipher 1 to 3).
    Sha1,
    /// SHA-256.
    Sha256,
    /// SHA-512 (SQLCipher 4's default).
    Sha512,
}

impl CipherHash {
    fn hmac(self) -> &'static str {
        match self {
            CipherHash::Sha1 => "HMAC_SHA1",
            CipherHash::Sha256 => "HMAC_SHA256",
            CipherHash::Sha512 => "HMAC_SHA512",
        }
    }

    fn kdf(self) -> &'static str {
        match self {
            CipherHash::Sha1 => "PBKDF2_HMAC_SHA1",
            CipherHash::Sha256 => "PBKDF2_HMAC_SHA256",
            CipherHash::Sha512 => "PBKDF2_HMAC_SHA512",
        }
    }
}

/// SQLCipher's settings: a file opens only with the settings it was encrypted with. The
/// default is SQLCipher 4's (4096-byte pages, PBKDF2-HMAC-SHA512 with 256,000 rounds,
/// HMAC-SHA512); [`compatibility`](Self::compatibility) gives an older major version's, and each
/// setter changes one of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CipherSettings {
    pub(crate) page_size: u32,
    pub(crate) kdf_iter: u32,
    pub(crate) hmac: Option<CipherHash>,
    pub(crate) kdf: CipherHash,
}

impl Default for CipherSettings {
    fn default() -> Self {
        CipherSettings {
            page_size: 4096,
            kdf_iter: 256_000,
            hmac: Some(CipherHash::Sha512),
            kdf: CipherHash::Sha512,
        }
    }
}

impl CipherSettings {
    /// The defaults of SQLCipher's major version `version` (1 to 4), as SQLCipher's
    /// `PRAGMA cipher_compatibility` sets them; refused for another number.
    pub fn compatibility(version: u8) -> Result<CipherSettings, EncryptionError> {
        let old = |kdf_iter, hmac| CipherSettings {
            page_size: 1024,
            kdf_iter,
            hmac,
            kdf: CipherHash::Sha1,
        };
        match version {
            1 => Ok(old(4000, None)),
            2 => Ok(old(4000, Some(CipherHash::Sha1))),
            3 => Ok(old(64_000, Some(CipherHash::Sha1))),
            4 => Ok(CipherSettings::default()),
            _ => Err(EncryptionError::InvalidSetting {
                setting: "cipher_compatibility",
                reason: "SQLCipher's major versions are 1 to 4",
            }),
        }
    }

    /// The page size (`cipher_page_size`): a power of two from 512 to 65536.
    pub fn page_size(mut self, bytes: u32) -> Result<CipherSettings, EncryptionError> {
        if !(512..=65536).contains(&bytes) || !bytes.is_power_of_two() {
            return Err(EncryptionError::InvalidSetting {
                setting: "cipher_page_size",
                reason: "a power of two from 512 to 65536",
            });
        }
        self.page_size = bytes;
        Ok(self)
    }

    /// The KDF's rounds (`kdf_iter`), at least 1; used with a passphrase only.
    pub fn kdf_iter(mut self, rounds: u32) -> Result<CipherSettings, EncryptionError> {
        if rounds == 0 {
            return Err(EncryptionError::InvalidSetting {
                setting: "kdf_iter",
                reason: "at least one round",
            });
        }
        self.kdf_iter = rounds;
        Ok(self)
    }

    /// The page HMAC's algorithm (`cipher_hmac_algorithm`), or `None` for no HMAC
    /// (`cipher_use_hmac = OFF`, SQLCipher 1's layout).
    pub fn hmac(mut self, hash: Option<CipherHash>) -> CipherSettings {
        self.hmac = hash;
        self
    }

    /// The KDF's hash (`cipher_kdf_algorithm`).
    pub fn kdf_algorithm(mut self, hash: CipherHash) -> CipherSettings {
        self.kdf = hash;
        self
    }

    /// Which major version's defaults these are, if they are one's.
    pub(crate) fn version(&self) -> Option<u8> {
        (1..=4).find(|v| CipherSettings::compatibility(*v).ok().as_ref() == Some(self))
    }

    /// The `PRAGMA`s, in the order SQLCipher needs (all after `key`). Every setting is
    /// written out rather than `cipher_compatibility`: sqlx runs that pragma after `kdf_iter`,
    /// where it would reset the rounds set before it.
    pub(crate) fn pragmas(&self) -> [(&'static str, String); 5] {
        [
            ("kdf_iter", self.kdf_iter.to_string()),
            ("cipher_kdf_algorithm", self.kdf.kdf().to_owned()),
            (
                "cipher_use_hmac",
                if self.hmac.is_some() { "ON" } else { "OFF" }.to_owned(),
            ),
            ("cipher_page_size", self.page_size.to_string()),
            (
                "cipher_hmac_algorithm",
                self.hmac.unwrap_or(CipherHash::Sha1).hmac().to_owned(),
            ),
        ]
    }
}

/// A key and the settings a file is encrypted with: what [`open`](Self::open) and
/// [`apply`](Self::apply) give every connection.
#[derive(Debug, Clone)]
pub struct Encryption {
    pub(crate) key: Key,
    pub(crate) settings: CipherSettings,
}

impl Encryption {
    /// `key` with SQLCipher 4's default settings.
    pub fn new(key: Key) -> Encryption {
        Encryption {
            key,
            settings: CipherSettings::default(),
        }
    }

    /// Other settings than SQLCipher 4's defaults.
    pub fn settings(mut self, settings: CipherSettings) -> Encryption {
        self.settings = settings;
        self
    }

    /// The key.
    pub fn key(&self) -> &Key {
        &self.key
    }

    /// The settings.
    pub fn cipher_settings(&self) -> &CipherSettings {
        &self.settings
    }

    /// `options` with `PRAGMA key` and the settings, which sqlx runs first on every
    /// connection it opens with them: the pool's, and any the migrator opens itself from the
    /// pool's options. Statement logging is turned off on them: sqlx logs the `PRAGMA`s it
    /// runs at connect as a statement (at debug level), the key with them.
    ///
    /// This does not check the file: [`open`](Self::open) does, before it writes anything.
    pub fn apply(&self, options: SqliteConnectOptions) -> SqliteConnectOptions {
        let mut options = options
            .pragma("key", self.key.pragma_value().as_str().to_owned())
            .log_statements(log::LevelFilter::Off);
        for (name, value) in self.settings.pragmas() {
            options = options.pragma(name, value);
        }
        options
    }
}
