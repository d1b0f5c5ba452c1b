//! Whether cargo rebuilds the crate when a migration is added to its folder.
//!
//! Each embedded file is an `include_str!`, so an edit rebuilds the crate; a file added to the
//! folder is not one cargo knows about, so it stays out of the binary until something else
//! rebuilds it. A build script that prints `cargo:rerun-if-changed=<folder>` makes cargo watch
//! the folder. The macro reads what the crate's build script printed (cargo sets `OUT_DIR` only
//! for a crate that has one, and keeps the script's output beside it) to warn at build time
//! when nothing watches the folder.

use crate::Warning;
use std::path::{Component, Path, PathBuf};

/// The warning for `dir` (as written in the macro call, relative to `manifest_dir`) when cargo
/// would not rebuild the crate after a file is added to it; `out_dir` is the crate's `OUT_DIR`,
/// `None` when it has no build script. Quiet whenever it cannot tell (an output it cannot
/// read): a false warning would teach users to ignore the real one.
pub fn unwatched(manifest_dir: &Path, out_dir: Option<&Path>, dir: &str) -> Option<Warning> {
    let Some(out_dir) = out_dir else {
        return Some(Warning::NotWatched {
            dir: dir.to_owned(),
            build_script: false,
        });
    };
    let output = std::fs::read_to_string(out_dir.parent()?.join("output")).ok()?;
    let directives: Vec<(&str, &str)> = output
        .lines()
        .filter_map(|line| {
            let rest = line
                .strip_prefix("cargo::")
                .or_else(|| line.strip_prefix("cargo:"))?;
            rest.split_once('=')
        })
        .collect();
    // A build script that prints no `rerun-if` line is run again when any file of the package
    // changes, the folder's new files included.
    if !directives
        .iter()
        .any(|(key, _)| key.starts_with("rerun-if-"))
    {
        return None;
    }
    let folder = normalize(&manifest_dir.join(dir));
    let watched = directives
        .iter()
        .filter(|(key, _)| *key == "rerun-if-changed")
        .any(|(_, path)| folder.starts_with(normalize(&manifest_dir.join(path))));
    (!watched).then(|| Warning::NotWatched {
        dir: dir.to_owned(),
        build_script: true,
    })
}

/// `path` without `.` and with each `..` applied, as cargo compares them.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A crate folder and, when `output` is given, a build script's output beside its `OUT_DIR`.
    fn scratch(output: Option<&str>) -> (tempfile::TempDir, Option<PathBuf>) {
        let dir = tempfile::tempdir().unwrap();
        let out_dir = output.map(|text| {
            let build = dir.path().join("target/debug/build/app-0123");
            std::fs::create_dir_all(build.join("out")).unwrap();
            std::fs::write(build.join("output"), text).unwrap();
            build.join("out")
        });
        (dir, out_dir)
    }

    fn check(output: Option<&str>, folder: &str) -> Option<Warning> {
        let (dir, out_dir) = scratch(output);
        unwatched(dir.path(), out_dir.as_deref(), folder)
    }

    #[test]
    fn no_build_script_is_unwatched() {
        let warning = check(None, "migrations").unwrap();
        let text = warning.to_string();
        assert!(text.contains("cargo:rerun-if-changed=migrations"), "{text}");
        assert!(text.contains("no build script"), "{text}");
    }

    #[test]
    fn the_folder_or_a_parent_listed_is_watched() {
        for listed in ["migrations", "./migrations/", "."] {
            let output = format!("cargo:rerun-if-changed={listed}\n");
            assert!(check(Some(&output), "migrations").is_none(), "{listed}");
        }
        let output = "cargo::rerun-if-changed=db\n";
        assert!(check(Some(output), "db/migrations/core").is_none());
    }

    #[test]
    fn a_build_script_that_lists_other_paths_leaves_the_folder_unwatched() {
        let output = "cargo:rerun-if-changed=build.rs\ncargo:rerun-if-changed=migrations-old\n";
        let text = check(Some(output), "migrations").unwrap().to_string();
        assert!(text.contains("does not tell cargo to watch"), "{text}");
        let only_env = "cargo:rerun-if-env-changed=PROFILE\n";
        assert!(check(Some(only_env), "migrations").is_some());
    }

    #[test]
    fn a_build_script_with_no_rerun_line_watches_the_whole_package() {
        assert!(check(Some("cargo:rustc-cfg=foo\n"), "migrations").is_none());
        assert!(check(Some(""), "migrations").is_none());
    }

    #[test]
    fn an_output_it_cannot_read_says_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out_dir = dir.path().join("nowhere/out");
        assert!(unwatched(dir.path(), Some(&out_dir), "migrations").is_none());
    }
}
