//! What a failed migration reports and leaves behind, each scenario on an SQLite file and on
//! the PostgreSQL server: the statement and line that failed, a constraint that fails at
//! `COMMIT`, `all_or_nothing`, a table of another tool under a tracking name, and nothing
//! applied or recorded of the migration that failed.

use crate::support::db::TestDb;
use crate::support::message;
use schema_runtime::{EventKind, MigrateError, MigrationState, Migrations};

static FAILING_STATEMENT: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/failing_statement", check = false);
static ALL_OR_NOTHING_FAILING: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/all_or_nothing_failing", check = false);
static BASIC: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic");
static BASIC_PLUS: Migrations = schema_runtime::embed_migrations!("tests/fixtures/basic_plus");
static BATCH_EDGES: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/batch_edges", check = false);
static DEFERRED_FOREIGN_KEY: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/deferred_foreign_key", check = false);

on_both_databases!(
    a_failing_statement_leaves_no_trace_and_is_named_with_its_line,
    an_error_without_a_position_names_the_statement_that_was_running,
    a_constraint_checked_at_commit_fails_the_migration_and_leaves_nothing,
    all_or_nothing_applies_every_pending_migration_or_none,
    all_or_nothing_names_the_failing_migration_and_applies_none,
    another_tools_modules_table_is_named_with_the_way_out,
    another_tools_migrations_table_is_named_with_the_way_out,
);

async fn a_failing_statement_leaves_no_trace_and_is_named_with_its_line<D: TestDb>(db: &D) {
    let err = FAILING_STATEMENT.run(db.pool()).await.unwrap_err();
    let MigrateError::Failed {
        version,
        file,
        statement,
        line,
        column,
        ..
    } = &err
    else {
        panic!("{err:?}");
    };
    assert_eq!(
        (*version, file.as_str()),
        (2, "tests/fixtures/failing_statement/2_add_orders.sql")
    );
    // SQLite gives no position (the statement starts at column 1); PostgreSQL points at the
    // missing table: `order_lines` starts at column 13.
    assert_eq!((*statement, *line, *column), (3, 5, D::either(1, 13)));
    // The partial report: what the run applied before the failure stands.
    let before: Vec<i64> = err.applied_before().iter().map(|m| m.version).collect();
    assert_eq!(before, [1]);
    let message = message(&err);
    let at = D::either("5:1", "5:13");
    assert!(
        message.starts_with(&format!(
            "tests/fixtures/failing_statement/2_add_orders.sql:{at}: statement 3 of migration 2 failed"
        )),
        "{message}"
    );
    assert!(
        message.contains(D::either(
            "no such table: order_lines",
            "relation \"order_lines\" does not exist"
        )) && message.contains("rolled back"),
        "{message}"
    );

    // The first two statements left nothing: no `orders` table, no applied row for 2.
    assert!(!db.tables().await.contains(&"orders".to_owned()));
    assert_eq!(db.applied_versions().await, [(1, "applied".to_owned())]);
    // The failure is in the history with its error text.
    let history = FAILING_STATEMENT.history(db.pool()).await.unwrap();
    let failure = history
        .iter()
        .find(|e| e.event == EventKind::Failure)
        .unwrap();
    assert_eq!(failure.version, 2);
    assert!(failure.detail.as_deref().unwrap().contains("order_lines"));
    // Nothing was recorded as dirty: fixing the file and booting again is all it takes.
    let status = FAILING_STATEMENT.status(db.pool()).await.unwrap();
    assert_eq!(status[1].state, MigrationState::Pending);
    assert!(!status[1].checked, "embedded with `check = false`");
}

/// SQLite never gives a position, PostgreSQL none for a duplicate key: the statement is the one
/// after the last that completed. Module names and a value with quotes and a backslash, a last
/// statement without `;` and a last comment without a newline: all reach the database as
/// written.
async fn an_error_without_a_position_names_the_statement_that_was_running<D: TestDb>(_first: &D) {
    for module in [r#"it's a "module""#, r"it's a \ module"] {
        let db = D::fresh().await;
        let migrator = || BATCH_EDGES.migrator().module(module);
        let err = migrator().run(db.pool()).await.unwrap_err();
        let MigrateError::Failed {
            version: 2,
            statement: 3,
            line: 5,
            column: 3,
            ..
        } = &err
        else {
            panic!("{err:?}");
        };
        assert!(
            message(&err).contains(D::either("UNIQUE constraint failed", "duplicate key")),
            "{err}"
        );
        assert_eq!(
            db.texts("SELECT CAST(id AS TEXT) || ' ' || note FROM notes ORDER BY id")
                .await,
            [r"1 it's a \ backslash"],
            "nothing of migration 2 stays"
        );
        let rows = db.tracking_rows().await;
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(
            (rows[0].0.as_str(), rows[0].1, rows[0].2.as_str()),
            (module, 1, "applied")
        );
        // Measured where it ran, from the clock this process reads too: a few milliseconds.
        assert!((0..10_000).contains(&rows[0].3), "{rows:?}");
        let history = migrator().history(db.pool()).await.unwrap();
        let events: Vec<(i64, EventKind, Option<i64>)> = history
            .iter()
            .map(|e| (e.version, e.event, e.duration_ms))
            .collect();
        assert_eq!(events.len(), 2, "{events:?}");
        assert_eq!(events[0], (1, EventKind::Apply, Some(rows[0].3)));
        assert_eq!((events[1].0, events[1].1), (2, EventKind::Failure));
        let detail = history[1].detail.as_deref().unwrap_or_default();
        assert!(
            detail.starts_with("statement 3 (line 5, column 3) failed after 2 of 4 statements"),
            "{detail}"
        );
        let status = migrator().status(db.pool()).await.unwrap();
        assert_eq!(status.len(), 2);
        assert_eq!(status[1].state, MigrationState::Pending);
    }
}

async fn a_constraint_checked_at_commit_fails_the_migration_and_leaves_nothing<D: TestDb>(db: &D) {
    let err = DEFERRED_FOREIGN_KEY.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(err, MigrateError::CommitFailed { version: 2, .. }),
        "{err:?}"
    );
    let message = message(&err);
    assert!(
        message.starts_with("tests/fixtures/deferred_foreign_key/2_children.sql: migration 2 could not commit after every statement ran; "),
        "{message}"
    );
    assert!(
        message.contains(D::either(
            "FOREIGN KEY constraint failed",
            "children_parent_fkey"
        )) && message.contains("rolled back"),
        "{message}"
    );
    assert!(!db.tables().await.contains(&"children".to_owned()));
    assert_eq!(db.applied_versions().await, [(1, "applied".to_owned())]);
    // The failure is in the history, and nothing is marked dirty: the next run tries again.
    let history = DEFERRED_FOREIGN_KEY.history(db.pool()).await.unwrap();
    let events: Vec<(i64, EventKind)> = history.iter().map(|e| (e.version, e.event)).collect();
    assert_eq!(events, [(1, EventKind::Apply), (2, EventKind::Failure)]);
    assert!(history[1]
        .detail
        .as_deref()
        .unwrap_or_default()
        .starts_with("COMMIT failed"));
    let again = DEFERRED_FOREIGN_KEY.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(again, MigrateError::CommitFailed { .. }),
        "{again:?}"
    );
}

async fn all_or_nothing_applies_every_pending_migration_or_none(db: &impl TestDb) {
    let err = ALL_OR_NOTHING_FAILING
        .migrator()
        .all_or_nothing()
        .run(db.pool())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::Failed {
                version: 40,
                statement: 3,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(message(&err).contains("none was applied"), "{err}");
    assert_eq!(db.tables().await, crate::support::sqlite::TRACKING);
    assert!(db.applied_versions().await.is_empty());
    // The tables the run created in its transaction went with it; the failure's record did
    // not.
    let history = ALL_OR_NOTHING_FAILING.history(db.pool()).await.unwrap();
    assert_eq!(
        history
            .iter()
            .map(|e| (e.version, e.event))
            .collect::<Vec<_>>(),
        [(40, EventKind::Failure)]
    );

    let report = BASIC_PLUS
        .migrator()
        .all_or_nothing()
        .run(db.pool())
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 4);
    assert!(BASIC_PLUS.run(db.pool()).await.unwrap().up_to_date_at_boot);
}

async fn all_or_nothing_names_the_failing_migration_and_applies_none(db: &impl TestDb) {
    let err = BATCH_EDGES
        .migrator()
        .all_or_nothing()
        .run(db.pool())
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::Failed {
                version: 2,
                statement: 3,
                line: 5,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!db.tables().await.contains(&"notes".to_owned()));
    assert_eq!(db.applied_versions().await, []);
}

async fn another_tools_modules_table_is_named_with_the_way_out<D: TestDb>(db: &D) {
    db.exec("CREATE TABLE _schema_modules (name TEXT PRIMARY KEY, version TEXT)")
        .await;
    let err = BASIC.run(db.pool()).await.unwrap_err();
    let message = message(&err);
    assert!(
        matches!(&err, MigrateError::ForeignTable { table, .. } if table == "_schema_modules"),
        "{err:?}"
    );
    assert!(
        message.contains("`TableNames::with_prefix(..)`")
            && message.contains(D::either("no such column", "does not exist")),
        "{message}"
    );
    // Nothing was applied.
    assert!(BASIC
        .status(db.pool())
        .await
        .unwrap()
        .iter()
        .all(|e| e.state == MigrationState::Pending));
    // Other names, as the message says, and the run goes through.
    let report = BASIC
        .migrator()
        .table_names(schema_runtime::TableNames::with_prefix("app"))
        .run(db.pool())
        .await
        .unwrap();
    assert_eq!(report.applied.len(), 3);
}

async fn another_tools_migrations_table_is_named_with_the_way_out(db: &impl TestDb) {
    db.exec("CREATE TABLE _schema_migrations (id INTEGER PRIMARY KEY, name TEXT)")
        .await;
    let err = BASIC.status(db.pool()).await.unwrap_err();
    assert!(
        matches!(&err, MigrateError::ForeignTable { table, .. } if table == "_schema_migrations"),
        "{err:?}"
    );
    assert!(
        message(&err).contains("`TableNames::with_prefix(..)`"),
        "{err}"
    );
}
