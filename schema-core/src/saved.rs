//! The files the checks keep between builds in the target directory: each sealed with a sum
//! of its bytes, so that a damaged or cut one is not used, and written whole or not at all.

use crate::checksum::{hex, sum64, Checksum};
use std::path::{Path, PathBuf};

/// The file in `dir` holding what is kept of `kind` for the migrations folder `folder` (one
/// target directory may build several folders): `<kind>-<16 hex digits of the folder's
/// SHA-256>.bin`.
pub(crate) fn file_for(dir: &Path, kind: &str, folder: &Path) -> PathBuf {
    let name = hex(&Checksum::of(&folder.to_string_lossy()).0[..8]);
    dir.join(format!("{kind}-{name}.bin"))
}

/// `body` with the sum of its bytes after it.
pub(crate) fn seal(mut body: Vec<u8>) -> Vec<u8> {
    let sum = sum64(&body);
    body.extend_from_slice(&sum.to_le_bytes());
    body
}

/// What [`seal`] sealed; `None` for bytes whose sum is not theirs.
pub(crate) fn unseal(bytes: &[u8]) -> Option<&[u8]> {
    let (body, sum) = bytes.split_last_chunk::<8>()?;
    (sum64(body) == u64::from_le_bytes(*sum)).then_some(body)
}

/// Writes `bytes` to `file`, unless it holds them already: through a name of this process's
/// own (the targets of one package build at once, each in a compiler of its own, and share the
/// crate's `OUT_DIR`), renamed into place when whole. What a build killed while writing it
/// left behind is removed, written or not; one another compiler is writing at this moment may
/// go too, and that compiler's file is then not saved. Whatever fails leaves the next build
/// without it.
pub(crate) fn write(file: &Path, bytes: &[u8]) {
    let (Some(dir), Some(stem)) = (file.parent(), file.file_stem().and_then(|s| s.to_str())) else {
        return;
    };
    if !std::fs::read(file).is_ok_and(|kept| kept == bytes) {
        let partial = dir.join(format!("{stem}.{}.partial", std::process::id()));
        let written = std::fs::create_dir_all(dir)
            .and_then(|()| std::fs::write(&partial, bytes))
            .and_then(|()| std::fs::rename(&partial, file));
        if written.is_err() {
            let _ = std::fs::remove_file(&partial);
        }
    }
    let ours = format!("{stem}.");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let left = name
            .to_str()
            .is_some_and(|n| n.starts_with(&ours) && n.ends_with(".partial"));
        if left {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{seal, unseal, write};

    #[test]
    fn sealed_bytes_unseal_and_damaged_ones_do_not() {
        let sealed = seal(b"some bytes".to_vec());
        assert_eq!(unseal(&sealed), Some(&b"some bytes"[..]));
        assert_eq!(unseal(&seal(Vec::new())), Some(&b""[..]));
        for cut in 0..sealed.len() {
            assert_eq!(unseal(&sealed[..cut]), None, "cut at {cut}");
        }
        let mut damaged = sealed.clone();
        damaged[3] ^= 1;
        assert_eq!(unseal(&damaged), None);
    }

    #[test]
    fn a_write_replaces_the_file_and_removes_what_a_killed_one_left() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("x.bin");
        std::fs::write(dir.path().join("x.999999.partial"), b"half").unwrap();
        std::fs::write(dir.path().join("y.999999.partial"), b"not ours").unwrap();
        write(&file, b"one");
        write(&file, b"two");
        assert_eq!(std::fs::read(&file).unwrap(), b"two");
        // Left behind while the file holds what a build writes again: removed all the same.
        std::fs::write(dir.path().join("x.999998.partial"), b"half").unwrap();
        write(&file, b"two");
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        left.sort();
        assert_eq!(left, ["x.bin", "y.999999.partial"]);
    }
}
