//! What the command never does, whatever it is given: abort on SQL nested too deep for a
//! parser, or print a secret of the database URL.

use crate::support::{run_schema, Project};

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

#[test]
fn no_secret_of_the_url_is_printed() {
    // A password given as a query parameter was printed with the URL.
    let project = Project::new();
    project.write("1_a.sql", "CREATE TABLE a (id bigint);\n");
    for url in [
        // Port 1 refuses connections: the error names the URL.
        "postgres://app:s3cret-user@127.0.0.1:1/app?password=s3cret-query&sslpassword=s3cret-ssl&sslmode=disable",
        "postgres://app@127.0.0.1:1/app?%70assword=s3cret-encoded",
        // A libpq connection string is not a URL the command takes; the error shows it.
        "host=127.0.0.1 port=1 password=s3cret-pair user=app",
        "host=127.0.0.1 password='s3cret quoted' user=app",
    ] {
        for json in [false, true] {
            let mut args = vec!["status", "--database-url", url];
            if json {
                args.push("--json");
            }
            let run = run_schema(project.path(), None, &args).code(1);
            let printed = format!("{}{}", run.stdout, run.stderr);
            assert!(!printed.contains("s3cret"), "{url}:\n{printed}");
            assert!(printed.contains("***"), "{url}:\n{printed}");
        }
    }
}
