//! The `encrypted` example as the README runs it: it creates an encrypted file with a key
//! derived from the master password, migrates it at boot and reads back what it wrote, in a
//! second process too; another password does not open it.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The example's binary, built as `cargo run --example encrypted --features sqlcipher` builds
/// it (`cargo test` builds examples only as test harnesses), into the same target folder.
fn example() -> PathBuf {
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--example",
            "encrypted",
            "--features",
            "sqlcipher",
            "--quiet",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .unwrap();
    assert!(status.success(), "building the example failed");
    let exe = std::env::current_exe().unwrap();
    let path = exe
        .parent()
        .unwrap()
        .parent()
        .unwrap()
        .join("examples/encrypted");
    assert!(path.exists(), "{} is not built", path.display());
    path
}

fn run(exe: &Path, password: &str, args: &[&Path]) -> Output {
    Command::new(exe)
        .args(args)
        .env("ENCRYPTED_EXAMPLE_PASSWORD", password)
        .output()
        .unwrap()
}

#[test]
fn the_encrypted_example_migrates_at_boot_and_reads_its_notes_back() {
    let exe = example();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("notes.db");
    let note = Path::new("first note");
    let first = run(&exe, "a long master password", &[&db, note]);
    let stdout = String::from_utf8_lossy(&first.stdout);
    assert!(
        first.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(stdout.contains("applied 1 migration(s)"), "{stdout}");
    assert!(stdout.contains("note: first note"), "{stdout}");
    assert!(dir.path().join("notes.db.salt").exists());
    assert!(!schema_runtime::sqlcipher::is_plain_sqlite(&db).unwrap());
    // A second boot: nothing to apply, the note read back.
    let second = run(&exe, "a long master password", &[&db]);
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{stdout}");
    assert!(stdout.contains("applied 0 migration(s)"), "{stdout}");
    assert!(stdout.contains("note: first note"), "{stdout}");
    // Another password: refused, naming the cause, the password not shown.
    let wrong = run(&exe, "not the password", &[&db]);
    let stderr = String::from_utf8_lossy(&wrong.stderr);
    assert!(!wrong.status.success());
    assert!(stderr.contains("the key does not open"), "{stderr}");
    assert!(!stderr.contains("not the password"), "{stderr}");
}
