//! What the command never does, whatever it is given: abort on SQL nested too deep for a
//! parser, or print a secret of the database URL.

use crate::support::Project;

#[test]
fn sql_nested_too_deep_is_refused_not_a_crash() {
    // 60,000 unary minus overflowed the PostgreSQL parser's stack and aborted the process.
    let project = Project::new();
    project.write("1_deep.sql", &format!("SELECT {}1;\n", "- ".repeat(60_000)));
    project.write(
        "2_not.sql",
        &format!("SELECT {}true;\n", "NOT ".repeat(50_000)),
    );
    let run = project.schema(&["status", "--dialect", "postgres"]).code(1);
    for file in ["migrations/1_deep.sql:1:20006: ", "migrations/2_not.sql:1:"] {
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains(file))
            .unwrap_or_else(|| panic!("no error for {file}:\n{}", run.stderr));
        assert!(
            line.contains("the statement nests deeper than the check follows"),
            "{line}"
        );
    }
}
