//! Whole outputs compared with snapshots, one folder per case (cargo's
//! tests/testsuite/cargo_add/<case>/): `tests/cases/<case>/in/` is copied into a temporary
//! folder, each line of `cmd` but the last runs there first and must succeed, and the last
//! one's `stdout`, `stderr` and exit `code` must match the files beside it. The temporary
//! folder shows as `[ROOT]`, durations as `[..] ms`. `SNAPSHOTS=overwrite` rewrites the
//! snapshots; review the diff.

use crate::support::{copy_dir, Project};
use std::path::Path;

fn check(case: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(case);
    let project = Project::new();
    if dir.join("in").exists() {
        copy_dir(&dir.join("in"), project.path());
    }
    let cmd = std::fs::read_to_string(dir.join("cmd")).unwrap();
    let lines: Vec<Vec<&str>> = cmd
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.split_whitespace().collect())
        .collect();
    let (last, setup) = lines.split_last().expect("an empty `cmd`");
    for args in setup {
        project.schema(args).code(0);
    }
    let run = project.schema(last);
    let root = project.path().display().to_string();
    let normalise = |text: &str| redact_durations(&text.replace(&root, "[ROOT]"));
    let actual = [
        ("stdout", normalise(&run.stdout)),
        ("stderr", normalise(&run.stderr)),
        ("code", format!("{}\n", run.code)),
    ];
    if std::env::var_os("SNAPSHOTS").is_some_and(|v| v == "overwrite") {
        for (file, text) in &actual {
            std::fs::write(dir.join(file), text).unwrap();
        }
        return;
    }
    for (file, text) in &actual {
        let expected = std::fs::read_to_string(dir.join(file)).unwrap_or_default();
        assert_eq!(
            *text, expected,
            "{case}/{file} differs (SNAPSHOTS=overwrite rewrites it)"
        );
    }
}

/// `12 ms` and `1.5 s` become `[..] ms` and `[..] s`.
fn redact_durations(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let end = from
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(from.len());
        let (number, after) = from.split_at(end);
        let word_start = !before.ends_with(|c: char| c.is_alphanumeric() || c == '_');
        if word_start
            && (after.starts_with(" ms") || after.starts_with(" s)") || after.starts_with(" s\n"))
        {
            out.push_str("[..]");
        } else {
            out.push_str(number);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

macro_rules! cases {
    ($($case:ident)*) => {
        $(
            #[test]
            fn $case() {
                check(stringify!($case));
            }
        )*
    };
}

cases! {
    help_documents_the_exit_codes
    bad_folder_names_each_file
    status_of_a_new_database
    dry_run_prints_the_plan
    down_past_a_forward_only_migration
    verify_after_up
    verify_notes_problems_in_old_migrations
}
