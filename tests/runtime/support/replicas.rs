//! Running `fixture-migrator` processes at once and collecting what each applied, for the
//! tests of concurrent boots on both backends.

use std::process::{Child, Command, Stdio};

/// A `fixture-migrator` command for `db` (an SQLite file or a PostgreSQL URL) and `set`.
pub fn fixture_migrator(db: impl AsRef<std::ffi::OsStr>, set: &str) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fixture-migrator"));
    command.arg(db).arg(set);
    command
}

/// `count` migrators started at once, with `extra` arguments (lock timeout, lock mode).
pub fn spawn_replicas(
    db: impl AsRef<std::ffi::OsStr>,
    set: &str,
    count: usize,
    extra: &[&str],
) -> Vec<Child> {
    (0..count)
        .map(|_| {
            fixture_migrator(db.as_ref(), set)
                .args(extra)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect()
}

/// Waits for every child, asserting each succeeded, and returns the versions they applied.
pub fn wait_all(children: Vec<Child>) -> Vec<String> {
    wait_each(children)
        .iter()
        .flatten()
        .filter_map(|l| l.strip_prefix("applied "))
        .map(str::to_owned)
        .collect()
}

/// Waits for every child, asserting each succeeded, and returns what each printed after
/// `started`, one list of lines per child.
pub fn wait_each(children: Vec<Child>) -> Vec<Vec<String>> {
    children
        .into_iter()
        .map(|child| {
            let output = child.wait_with_output().unwrap();
            let stdout = String::from_utf8_lossy(&output.stdout);
            assert!(
                output.status.success(),
                "{stdout}\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
            stdout
                .lines()
                .filter(|l| *l != "started")
                .map(str::to_owned)
                .collect()
        })
        .collect()
}
