//! A `-- schema:` line is not part of a migration's checksum, so that the advised opt-out
//! (`-- schema: no-check`) can be added to a file already applied; and a row an earlier version
//! recorded with the checksum of the whole file, that line included, still matches it. Each
//! scenario on an SQLite file and on the PostgreSQL server.

use crate::support::db::TestDb;
use crate::support::{folders, states};
use schema_core::Checksum;
use schema_runtime::{MigrateError, MigrationState, Migrations};

on_both_databases!(
    adding_a_directive_to_an_applied_file_leaves_the_boot_on_its_first_query,
    a_row_recorded_with_the_whole_file_checksum_boots_clean_then_on_the_first_query,
    a_file_with_a_directive_that_was_really_edited_is_still_refused,
    adding_a_lint_allow_line_to_an_applied_file_leaves_the_boot_on_its_first_query,
);

const ACCOUNTS: &str = "CREATE TABLE accounts (id INTEGER PRIMARY KEY, email TEXT NOT NULL);\n";
const SEED: &str = "INSERT INTO accounts (id, email) VALUES (1, 'admin@example.com');\n";
const OPT_OUT: &str = "-- schema: no-check\n";

/// Writes the tracking rows as versions before directive lines were left out did: each
/// migration's checksum (and loose checksum) of its whole content, and the module's
/// fingerprint over those.
async fn record_as_an_earlier_version(db: &impl TestDb, set: &Migrations) {
    let whole: Vec<(i64, Checksum)> = set
        .applying()
        .map(|m| (m.version, Checksum::of(m.sql)))
        .collect();
    for (m, (version, checksum)) in set.applying().zip(&whole) {
        db.exec(&format!(
            "UPDATE _schema_migrations SET checksum = '{checksum}', loose_checksum = '{}' \
             WHERE version = {version}",
            Checksum::loose_of(m.sql)
        ))
        .await;
    }
    let fingerprint = Checksum::fingerprint(whole.iter().map(|(v, c)| (*v, c)));
    db.exec(&format!(
        "UPDATE _schema_modules SET fingerprint = '{fingerprint}'"
    ))
    .await;
}

async fn adding_a_directive_to_an_applied_file_leaves_the_boot_on_its_first_query(
    db: &impl TestDb,
) {
    let (_dir, applied) = folders::files(&[("1_accounts.sql", ACCOUNTS), ("2_seed.sql", SEED)]);
    applied.run(db.pool()).await.unwrap();

    let opted_out = format!("{OPT_OUT}{SEED}");
    let (_dir, edited) =
        folders::files(&[("1_accounts.sql", ACCOUNTS), ("2_seed.sql", &opted_out)]);
    let seed = edited.applying().nth(1).unwrap();
    assert_eq!(seed.checksum, applied.applying().nth(1).unwrap().checksum);
    assert_eq!(seed.legacy_checksum, Some(Checksum::of(&opted_out)));

    let report = edited.run(db.pool()).await.unwrap();
    assert!(report.applied.is_empty());
    assert!(
        report.up_to_date_at_boot,
        "the set's fingerprint is the one the database holds"
    );
    assert_eq!(
        states(&edited, db.pool()).await,
        [MigrationState::Applied, MigrationState::Applied]
    );
}

/// The lints' `-- schema: allow(rule, …)` line, which a team adds to an applied file whose
/// finding it accepts: the checksum stays, and the next boot has nothing to do.
async fn adding_a_lint_allow_line_to_an_applied_file_leaves_the_boot_on_its_first_query(
    db: &impl TestDb,
) {
    let drop = "ALTER TABLE accounts DROP COLUMN email;\n";
    let (_dir, applied) = folders::files(&[("1_accounts.sql", ACCOUNTS), ("2_drop.sql", drop)]);
    applied.run(db.pool()).await.unwrap();

    let allowed = format!("-- schema: allow(drop-column, ban-drop-column)\n{drop}");
    let (_dir, edited) = folders::files(&[("1_accounts.sql", ACCOUNTS), ("2_drop.sql", &allowed)]);
    assert_eq!(
        edited.applying().nth(1).unwrap().checksum,
        applied.applying().nth(1).unwrap().checksum
    );
    assert_eq!(Checksum::of_migration(&allowed), Checksum::of(drop));
    let report = edited.run(db.pool()).await.unwrap();
    assert!(report.applied.is_empty());
    assert!(report.up_to_date_at_boot);
    assert_eq!(
        states(&edited, db.pool()).await,
        [MigrationState::Applied, MigrationState::Applied]
    );
}

async fn a_row_recorded_with_the_whole_file_checksum_boots_clean_then_on_the_first_query(
    db: &impl TestDb,
) {
    let seed = format!("{OPT_OUT}{SEED}");
    let (_dir, set) = folders::files(&[("1_accounts.sql", ACCOUNTS), ("2_seed.sql", &seed)]);
    set.run(db.pool()).await.unwrap();
    record_as_an_earlier_version(db, &set).await;
    let legacy = Checksum::of(&seed).to_hex();
    let rows = || db.texts("SELECT checksum FROM _schema_migrations ORDER BY version");
    assert_eq!(rows().await[1], legacy);

    assert_eq!(
        states(&set, db.pool()).await,
        [MigrationState::Applied, MigrationState::Applied]
    );

    let first = set.run(db.pool()).await.unwrap();
    assert!(first.applied.is_empty());
    assert_eq!(first.already_applied, 2);
    assert!(
        !first.up_to_date_at_boot,
        "the module row holds the earlier version's fingerprint: the history is validated"
    );
    let second = set.run(db.pool()).await.unwrap();
    assert!(
        second.up_to_date_at_boot,
        "the first boot set the module row to this set's fingerprint"
    );
    // The rows stay as the earlier version wrote them, so that it still reads them (a replica
    // not yet upgraded, a rollback); nothing was recorded in the history.
    assert_eq!(rows().await[1], legacy);
    let events = set.history(db.pool()).await.unwrap();
    assert_eq!(events.len(), 2, "{events:?}");
}

async fn a_file_with_a_directive_that_was_really_edited_is_still_refused(db: &impl TestDb) {
    let seed = format!("{OPT_OUT}{SEED}");
    let (_dir, set) = folders::files(&[("1_accounts.sql", ACCOUNTS), ("2_seed.sql", &seed)]);
    set.run(db.pool()).await.unwrap();
    record_as_an_earlier_version(db, &set).await;

    let edited = format!("{OPT_OUT}{}", SEED.replace("admin@", "root@"));
    let (_dir, edited) = folders::files(&[("1_accounts.sql", ACCOUNTS), ("2_seed.sql", &edited)]);
    let err = edited.run(db.pool()).await.unwrap_err();
    let MigrateError::ChecksumMismatch {
        version,
        applied,
        whitespace_only,
        ..
    } = err
    else {
        panic!("{err:?}");
    };
    assert_eq!((version, applied), (2, Checksum::of(&seed)));
    assert!(!whitespace_only);

    // White space only, counted with the directive line as the earlier version did.
    let spaced = format!("{OPT_OUT}\n{}", SEED.replace(", ", ",  "));
    let (_dir, spaced) = folders::files(&[("1_accounts.sql", ACCOUNTS), ("2_seed.sql", &spaced)]);
    let err = spaced.run(db.pool()).await.unwrap_err();
    assert!(
        matches!(
            err,
            MigrateError::ChecksumMismatch {
                whitespace_only: true,
                ..
            }
        ),
        "{err:?}"
    );
}
