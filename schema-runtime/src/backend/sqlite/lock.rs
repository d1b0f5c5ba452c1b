//! The SQLite run lock: an OS file lock beside the database.

use crate::MigrateError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// An exclusive lock on `<database file>-schema-lock`, held for a whole run. The operating system
/// releases it when the process ends, so a killed migrator never leaves a stale lock; SQLite
/// itself has no lock that outlives a transaction.
pub(super) struct FileLock {
    file: File,
}

impl FileLock {
    pub(super) async fn acquire(path: PathBuf, wait: Duration) -> Result<FileLock, MigrateError> {
        let io_error = |source| MigrateError::Lock {
            path: path.display().to_string(),
            source,
        };
        let mut file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io_error)?;
        let started = Instant::now();
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(TryLockError::WouldBlock) => {
                    if started.elapsed() >= wait {
                        let mut holder = String::new();
                        let _ = file.read_to_string(&mut holder);
                        let holder = holder.trim();
                        return Err(MigrateError::LockTimeout {
                            waited: started.elapsed(),
                            holder: if holder.is_empty() {
                                format!("another process (lock file `{}`)", path.display())
                            } else {
                                format!("{holder} (lock file `{}`)", path.display())
                            },
                            applied_before: Vec::new(),
                        });
                    }
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                Err(TryLockError::Error(e)) => return Err(io_error(e)),
            }
        }
        // Say who holds it, for the time-out message of whoever waits.
        let _ = file.set_len(0);
        let _ = file.rewind();
        let _ = write!(
            file,
            "process {} of {}",
            std::process::id(),
            crate::backend::whoami()
        );
        Ok(FileLock { file })
    }
}

impl FileLock {
    /// Whether some open file (in this process or another) holds the lock at `path` now.
    /// Reads only: the file is opened read-only and never created, and a shared lock is tried
    /// (it conflicts with a run's exclusive one only), so that `status` works where the lock
    /// file or its folder is read-only to the process.
    pub(super) fn is_held(path: PathBuf) -> Result<bool, MigrateError> {
        let file = match OpenOptions::new().read(true).open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(source) => {
                return Err(MigrateError::Lock {
                    path: path.display().to_string(),
                    source,
                })
            }
        };
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                Ok(false)
            }
            Err(TryLockError::WouldBlock) => Ok(true),
            Err(TryLockError::Error(source)) => Err(MigrateError::Lock {
                path: path.display().to_string(),
                source,
            }),
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.file.unlock();
    }
}
