//! The messages, their way out and their sources, variant by variant.

use super::*;

fn driver(text: &str) -> sqlx::Error {
    sqlx::Error::Protocol(text.to_owned())
}

/// One of every variant that names a way out or carries a source.
fn samples() -> Vec<MigrateError> {
    let checksum = Checksum([7; 32]);
    vec![
        MigrateError::Database {
            context: "reading the applied migrations".to_owned(),
            source: driver("disk I/O error"),
            applied_before: Vec::new(),
        },
        MigrateError::MissingMigration {
            module: "default".to_owned(),
            version: 30,
            description: "add_bio".to_owned(),
        },
        MigrateError::Dirty {
            version: 2,
            file: "migrations/2_index.sql".to_owned(),
            status: "failed".to_owned(),
            progress: "1 of 2 statements ran".to_owned(),
            error: "duplicate key".to_owned(),
        },
        MigrateError::OutOfOrder {
            version: 15,
            file: "migrations/15_late.sql".to_owned(),
            newest_applied: 20,
        },
        MigrateError::Failed {
            version: 2,
            file: "migrations/2_orders.sql".to_owned(),
            statement: 3,
            line: 5,
            column: 1,
            source: driver("no such table: order_lines"),
            outcome: "the migration was rolled back, nothing of it was applied".to_owned(),
            applied_before: Vec::new(),
        },
        MigrateError::CommitFailed {
            version: 2,
            file: "migrations/2_orders.sql".to_owned(),
            source: driver("FOREIGN KEY constraint failed"),
            outcome: "the migration was rolled back, nothing of it was applied".to_owned(),
            applied_before: Vec::new(),
        },
        MigrateError::TransactionLeftOpen {
            version: 4,
            file: "migrations/4_open.sql".to_owned(),
            progress: "1 of 3 statements stand".to_owned(),
            applied_before: Vec::new(),
        },
        MigrateError::LockTimeout {
            waited: Duration::from_secs(2),
            holder: "process 42".to_owned(),
            applied_before: Vec::new(),
        },
        MigrateError::Lock {
            path: "app.db-schema-lock".to_owned(),
            source: std::io::Error::other("permission denied"),
        },
        MigrateError::ForeignTable {
            table: "_schema_migrations".to_owned(),
            detail: "no such column: module".to_owned(),
            source: driver("no such column: module"),
        },
        MigrateError::OtherToolHistory {
            module: "default".to_owned(),
            tool: crate::OtherTool::Sqlx,
            table: "_sqlx_migrations".to_owned(),
            rows: 2,
        },
        MigrateError::EditedSinceFailure {
            version: 2,
            file: "migrations/2_index.sql".to_owned(),
            recorded: checksum,
            embedded: checksum,
        },
        MigrateError::StatementInDoubt {
            version: 2,
            file: "migrations/2_index.sql".to_owned(),
            statement: 3,
        },
        MigrateError::UnsupportedOption {
            option: "statement_timeout()",
            applies_to: "PostgreSQL",
            database: "SQLite",
        },
        MigrateError::OtherToolHistory {
            module: "default".to_owned(),
            tool: crate::OtherTool::Goose,
            table: "goose_db_version".to_owned(),
            rows: 3,
        },
        MigrateError::OtherFailedRow {
            tool: crate::OtherTool::GolangMigrate,
            table: "schema_migrations".to_owned(),
            version: 3,
            state: "`dirty` is true".to_owned(),
        },
        MigrateError::OtherChecksumMismatch {
            tool: crate::OtherTool::Refinery,
            table: "refinery_schema_history".to_owned(),
            version: 2,
            file: "migrations/V2__cents.sql".to_owned(),
            checksum: "refinery's SipHash",
        },
        MigrateError::OtherRowUnusable {
            tool: crate::OtherTool::Flyway,
            table: "flyway_schema_history".to_owned(),
            row: "the version `1.1` (`V1_1__x.sql`)".to_owned(),
            reason: "is not a whole number".to_owned(),
            way_out: "delete that row, then import again".to_owned(),
        },
        MigrateError::OtherTableLayout {
            tool: "refinery".to_owned(),
            table: "refinery_schema_history".to_owned(),
            detail: "no such column: name".to_owned(),
            source: driver("no such column: name"),
        },
        MigrateError::UnknownStatus {
            table: "schema_version".to_owned(),
            column: "state".to_owned(),
            value: "`half`".to_owned(),
        },
        MigrateError::ImportOption {
            option: "status_column()",
            tool: "goose".to_owned(),
        },
        MigrateError::SchemaChanged {
            module: "default".to_owned(),
            objects: vec![
                "changed table `items`".to_owned(),
                "extra index `by_note`".to_owned(),
            ],
        },
    ]
}

#[test]
fn no_message_repeats_its_source() {
    for error in samples() {
        if let Some(source) = std::error::Error::source(&error) {
            let source = source.to_string();
            assert!(!error.to_string().contains(&source), "{error}");
        }
    }
}

#[test]
fn the_message_ends_with_the_help_where_it_names_the_way_out() {
    for error in samples() {
        let message = error.to_string();
        match (&error, error.help()) {
            (MigrateError::Database { .. }, help) => assert_eq!(help, None),
            // A failing statement ends with the state it left; the fix is in help().
            (MigrateError::Failed { .. } | MigrateError::CommitFailed { .. }, Some(help)) => {
                assert!(!message.contains(&help), "{message}");
            }
            (_, Some(help)) => assert!(message.ends_with(&format!("; {help}")), "{message}"),
            (_, None) => panic!("no help for {error:?}"),
        }
    }
}

#[test]
fn help_names_the_api_that_resolves_it() {
    let by_version = |v: i64| format!("`repair({v})`");
    let [_, missing, dirty, out_of_order, failed, _, left_open, lock, ..] = &samples()[..] else {
        panic!("samples changed");
    };
    assert!(missing.help().unwrap().contains("`ignore_missing()`"));
    let dirty = dirty.help().unwrap();
    assert!(
        dirty.contains("`resume()`") && dirty.contains(&by_version(2)),
        "{dirty}"
    );
    assert!(out_of_order.help().unwrap().contains("after 20"));
    assert!(failed.help().unwrap().contains("statement 3 (line 5)"));
    assert!(left_open.help().unwrap().contains(&by_version(4)));
    assert!(lock.help().unwrap().contains("`lock_timeout()`"));
}

#[test]
fn no_message_or_help_names_a_command_line_flag() {
    for error in samples() {
        let text = format!("{error} {}", error.help().unwrap_or_default());
        let without_directives = text.replace("`-- no-transaction`", "");
        assert!(!without_directives.contains("--"), "{text}");
        assert!(!text.contains("`schema "), "{text}");
        assert!(!text.contains("command line"), "{text}");
    }
}

#[test]
fn an_unsupported_option_says_where_it_applies() {
    let error = &samples()[13];
    assert_eq!(
        error.to_string(),
        "`statement_timeout()` applies to PostgreSQL only, and the pool is SQLite's; nothing was run; leave `statement_timeout()` out of the migrator for SQLite"
    );
}

#[test]
fn a_history_another_tool_left_names_the_import_that_adopts_it() {
    let samples = samples();
    let sqlx = samples[10].help().unwrap();
    assert!(
        sqlx.contains("`adopt_other_tools(false)`")
            && sqlx.contains("`import(Import::tool(OtherTool::Sqlx))`"),
        "{sqlx}"
    );
    let goose = samples[14].help().unwrap();
    assert!(
        goose.starts_with("adopt its history with `import(Import::tool(OtherTool::Goose))`"),
        "{goose}"
    );
    assert!(!sqlx.contains("versions_table") && !goose.contains("versions_table"));
    let shared = MigrateError::OtherToolHistory {
        module: "default".to_owned(),
        tool: crate::OtherTool::GolangMigrate,
        table: "schema_migrations".to_owned(),
        rows: 4,
    };
    let help = shared.help().unwrap();
    assert!(
        help.contains("`import(Import::tool(OtherTool::GolangMigrate))`")
            && help.contains("dbmate, Rails and Ecto")
            && help.contains("`import(Import::versions_table(\"schema_migrations\"))`"),
        "{help}"
    );
    assert_eq!(
        samples[16].to_string(),
        "migrations/V2__cents.sql: refinery applied migration 2 with another content than this file (its refinery's SipHash checksum in `refinery_schema_history` differs); nothing was recorded; restore the file as refinery applied it; a change belongs in a new migration"
    );
}
