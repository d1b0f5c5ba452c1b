//! The `schema` command on encrypted files, run in this process (`schema_cli::run`): the key
//! from the environment, never an argument; `schema rekey`. One test, as it sets the process's
//! environment.

use crate::support::{encryption, new_file, options, snapshot, PASSPHRASE};
use schema_cli::clap::Parser;
use std::process::ExitCode;

const VARS: [&str; 4] = [
    "SCHEMA_SQLITE_KEY",
    "SCHEMA_SQLITE_PASSPHRASE",
    "SCHEMA_SQLITE_NEW_KEY",
    "SCHEMA_SQLITE_NEW_PASSPHRASE",
];

fn schema(args: &[&str], env: &[(&str, &str)]) -> ExitCode {
    for var in VARS {
        std::env::remove_var(var);
    }
    for (name, value) in env {
        std::env::set_var(name, value);
    }
    let mut argv = vec!["schema", "--quiet"];
    argv.extend_from_slice(args);
    let code = schema_cli::run(schema_cli::Cli::parse_from(argv));
    for var in VARS {
        std::env::remove_var(var);
    }
    code
}

#[test]
fn schema_opens_migrates_and_rekeys_encrypted_files_with_the_key_from_the_environment() {
    let (_dir, path) = new_file();
    let url = format!("sqlite:{}", path.display());
    let base = [
        "--database-url",
        url.as_str(),
        "--source",
        "tests/fixtures/basic",
    ];
    let with = |command: &'static str| {
        let mut args = base.to_vec();
        args.push(command);
        args
    };
    let key = [("SCHEMA_SQLITE_PASSPHRASE", PASSPHRASE)];
    assert_eq!(schema(&with("up"), &key), ExitCode::SUCCESS);
    assert!(!schema_runtime::sqlcipher::is_plain_sqlite(&path).unwrap());
    assert_eq!(schema(&with("verify"), &key), ExitCode::SUCCESS);
    // A wrong key, no key, a raw key that is not the file's: refused, nothing written.
    let before = snapshot(&path);
    let wrong = [("SCHEMA_SQLITE_PASSPHRASE", "wrong")];
    assert_eq!(schema(&with("status"), &wrong), ExitCode::from(1));
    assert_eq!(schema(&with("status"), &[]), ExitCode::from(1));
    let raw = "ab".repeat(32);
    assert_eq!(
        schema(&with("status"), &[("SCHEMA_SQLITE_KEY", raw.as_str())]),
        ExitCode::from(1)
    );
    // Both variables at once: which was meant is not known.
    assert_eq!(
        schema(
            &with("status"),
            &[
                ("SCHEMA_SQLITE_KEY", raw.as_str()),
                ("SCHEMA_SQLITE_PASSPHRASE", PASSPHRASE)
            ]
        ),
        ExitCode::from(1)
    );
    assert_eq!(snapshot(&path), before);
    // Rekey: the new passphrase from its variable; the old one no longer opens the file.
    assert_eq!(
        schema(
            &with("rekey"),
            &[
                ("SCHEMA_SQLITE_PASSPHRASE", PASSPHRASE),
                ("SCHEMA_SQLITE_NEW_PASSPHRASE", "the new one")
            ]
        ),
        ExitCode::SUCCESS
    );
    assert_eq!(schema(&with("status"), &key), ExitCode::from(1));
    let new = [("SCHEMA_SQLITE_PASSPHRASE", "the new one")];
    assert_eq!(schema(&with("status"), &new), ExitCode::SUCCESS);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        encryption("the new one")
            .check(&options(&path))
            .await
            .unwrap();
    });
}
