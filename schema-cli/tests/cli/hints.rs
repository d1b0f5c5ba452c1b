//! The command line's own hints under a runtime error: the runtime's messages name its API,
//! never a flag, and `schema` adds the flag or command that resolves the error.

use crate::support::Project;

/// The lines of `stderr` that start with `prefix`.
fn lines<'s>(stderr: &'s str, prefix: &str) -> Vec<&'s str> {
    stderr.lines().filter(|l| l.starts_with(prefix)).collect()
}

#[test]
fn a_migration_missing_from_the_folder_hints_at_ignore_missing() {
    let project = Project::new();
    project.write("1_a.sql", "CREATE TABLE a (x);");
    project.write("2_b.sql", "CREATE TABLE b (x);");
    project.schema(&["up", "--quiet"]).code(0);
    std::fs::remove_file(project.migrations().join("2_b.sql")).unwrap();
    let refused = project.schema(&["up", "--quiet"]).code(1);
    let [error] = lines(&refused.stderr, "error: ")[..] else {
        panic!("{}", refused.stderr);
    };
    assert!(error.contains("`ignore_missing()`"), "{error}");
    assert!(!error.contains("--"), "the runtime names no flag: {error}");
    assert_eq!(
        lines(&refused.stderr, "hint: "),
        ["hint: `schema up --ignore-missing` applies the rest without refusing"],
        "{}",
        refused.stderr
    );
}

#[test]
fn a_migration_out_of_order_hints_at_allow_out_of_order() {
    let project = Project::new();
    project.write("1_a.sql", "CREATE TABLE a (x);");
    project.write("3_c.sql", "CREATE TABLE c (x);");
    project.schema(&["up", "--quiet"]).code(0);
    project.write("2_b.sql", "CREATE TABLE b (x);");
    let refused = project.schema(&["up", "--quiet"]).code(1);
    assert!(
        refused
            .stderr
            .contains("hint: `schema up --allow-out-of-order` applies it anyway"),
        "{}",
        refused.stderr
    );
    project
        .schema(&["up", "--quiet", "--allow-out-of-order"])
        .code(0);
}

#[test]
fn a_failed_migration_prints_its_cause_once_and_then_hints_at_resume_and_repair() {
    let project = Project::new();
    project.write(
        "1_a.sql",
        "-- no-transaction\nCREATE TABLE a (x);\nCREATE TABLE a (x);\n",
    );
    // The build check would refuse the file; the database must.
    let failed = project.schema(&["up", "--quiet", "--no-check"]).code(1);
    // The database's words once, as the cause, not in the message.
    let [cause] = lines(&failed.stderr, "  caused by: ")[..] else {
        panic!("{}", failed.stderr);
    };
    assert!(
        cause.contains("table a already exists"),
        "{}",
        failed.stderr
    );
    assert_eq!(
        failed.stderr.matches("already exists").count(),
        1,
        "{}",
        failed.stderr
    );

    let refused = project.schema(&["up", "--quiet", "--no-check"]).code(1);
    let hint = "hint: `schema resume` runs the statements that did not complete; `schema repair 1` marks it resolved once put right by hand";
    assert!(
        refused.stderr.ends_with(&format!("{hint}\n")),
        "{}",
        refused.stderr
    );
    // Under --json the hint is a field of the document too.
    let document = project
        .schema(&["up", "--json", "--quiet", "--no-check"])
        .code(1)
        .json();
    assert_eq!(document["hint"], hint.trim_start_matches("hint: "));
}

#[test]
fn a_failed_run_says_what_it_applied_before_the_failure() {
    let project = Project::new();
    project.write("1_a.sql", "CREATE TABLE a (x);\n");
    project.write("2_b.sql", "CREATE TABLE b (x);\n");
    project.write("3_c.sql", "CREATE TABLE a (x);\n");
    let failed = project.schema(&["up", "--quiet", "--no-check"]).code(1);
    assert!(
        failed
            .stderr
            .contains("  applied before the failure, and kept: 1, 2\n"),
        "{}",
        failed.stderr
    );
    project.write("3_c.sql", "CREATE TABLE c (x);\n");
    project.write("4_d.sql", "CREATE TABLE a (x);\n");
    let document = project
        .schema(&["up", "--json", "--quiet", "--no-check"])
        .code(1)
        .json();
    assert_eq!(document["applied_before"], serde_json::json!([3]));
}

#[test]
fn an_error_the_command_line_has_no_flag_for_prints_no_hint() {
    let project = Project::new();
    project.write("1_a.sql", "CREATE TABLE a (x);");
    let refused = project.schema(&["repair", "1"]).code(1);
    assert!(!refused.stderr.contains("hint:"), "{}", refused.stderr);
}
