//! The real-world folders, each embedded unchanged with `embed_migrations!` so that the
//! build-time check runs on it, and what the suite knows of each: the tool that wrote it and
//! whether its downs run. Where each folder comes from: `tests/fixtures/real/README.md`.

use schema_runtime::{Migrations, OtherTool};
use std::path::Path;

/// The tool whose layout a folder follows, and which the suite applies it with to get the
/// schema this project must leave too.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    /// sqlx's `Migrator`, reading the folder at run time as `sqlx::migrate!` embeds it.
    Sqlx,
    /// diesel's `MigrationHarness` over the folder (`FileBasedMigrations`).
    Diesel,
    /// refinery's `Runner` over the folder (`load_sql_migrations`), through `tokio_postgres`.
    Refinery,
}

impl Tool {
    /// The tool as the runtime names it when it adopts the tool's history.
    pub fn other_tool(self) -> OtherTool {
        match self {
            Tool::Sqlx => OtherTool::Sqlx,
            Tool::Diesel => OtherTool::Diesel,
            Tool::Refinery => OtherTool::Refinery,
        }
    }
}

/// What the suite does with a folder's down files.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Downs {
    /// The folder has no down files (sqlx's simple files).
    None,
    /// Its tool reverts the whole chain: both revert everything, and each leaves a fresh
    /// database's schema plus `left`, the lines of the dump (`crate::support::dump`) that the ups create
    /// and no down drops.
    All { left: &'static [&'static str] },
    /// Its tool reverts only the newest `count`, and fails on the next down for `blocker`:
    /// both revert those `count` and must leave the same schema, and the tool must still fail
    /// on the next one.
    Newest { count: usize, blocker: &'static str },
}

/// One real-world folder under `tests/fixtures/real`.
pub struct Folder {
    /// The folder's name under `tests/fixtures/real`.
    pub name: &'static str,
    pub tool: Tool,
    pub downs: Downs,
    /// The set `embed_migrations!` built, or `None` while the build check refuses the folder:
    /// then the suite loads it at run time without the SQL check (`Migrations::load`), so
    /// that the schema comparison runs all the same.
    pub embedded: Option<&'static Migrations>,
}

impl Folder {
    /// The folder's path, as the original tool reads it.
    pub fn path(&self) -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(self.dir())
    }

    fn dir(&self) -> String {
        format!("tests/fixtures/real/{}", self.name)
    }

    /// The set this project applies: the embedded one, or the folder loaded at run time.
    pub fn migrations(&self) -> &'static Migrations {
        self.embedded.unwrap_or_else(|| {
            let loaded = Migrations::load(Path::new(env!("CARGO_MANIFEST_DIR")), &self.dir())
                .unwrap_or_else(|e| panic!("{}: {e:?}", self.name));
            Box::leak(Box::new(loaded))
        })
    }
}

static ATUIN_CLIENT: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/real/atuin-client", dialect = "sqlite");
static ATUIN_CLIENT_RECORDS: Migrations = schema_runtime::embed_migrations!(
    "tests/fixtures/real/atuin-client-records",
    dialect = "sqlite"
);
static ATUIN_CLIENT_AI_SESSIONS: Migrations = schema_runtime::embed_migrations!(
    "tests/fixtures/real/atuin-client-ai-sessions",
    dialect = "sqlite"
);
// The newest migration of each PostgreSQL folder but sqlxmq's and apalis's has lint findings
// (a dropped table, an index built without `CONCURRENTLY`, an `int` column): warnings, shown by
// `cargo build` and silenced here; the build goes on, as lints never fail it unless
// `lint = "deny"` asks.
#[allow(deprecated)] // lint warnings of the newest migration
static ATUIN_SERVER_POSTGRES: Migrations = schema_runtime::embed_migrations!(
    "tests/fixtures/real/atuin-server-postgres",
    dialect = "postgres"
);
static SQLXMQ: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/real/sqlxmq", dialect = "postgres");
static APALIS_POSTGRES: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/real/apalis-postgres", dialect = "postgres");
static APALIS_SQLITE: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/real/apalis-sqlite", dialect = "sqlite");
// aquadoggo runs one folder on SQLite and on PostgreSQL (sqlx's `Any` driver): both checks.
static AQUADOGGO_SQLITE: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/real/aquadoggo", dialect = "sqlite");
#[allow(deprecated)] // lint warnings of the newest migration
static AQUADOGGO_POSTGRES: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/real/aquadoggo", dialect = "postgres");
// `20240305120015_torrust_add_independent_root_hash_field.sql` sets `PRAGMA foreign_keys` inside
// the transaction it runs in, where SQLite ignores it: a warning, not an error. The file is valid
// under sqlx, which ran it for every torrust user: its authors back up the tables the
// `DROP TABLE` cascades into.
#[allow(deprecated)]
static TORRUST_INDEX_SQLITE: Migrations = schema_runtime::embed_migrations!(
    "tests/fixtures/real/torrust-index-sqlite",
    dialect = "sqlite"
);
#[allow(deprecated)] // lint warnings of the newest migration
static FANG_POSTGRES: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/real/fang-postgres", dialect = "postgres");
static FANG_SQLITE: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/real/fang-sqlite", dialect = "sqlite");
#[allow(deprecated)] // lint warnings of the newest migration
static LEMMY: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/real/lemmy", dialect = "postgres");
// rauthy's PostgreSQL folder, in refinery's names (`V1__init_schema.sql`), builds with no
// finding. (Its SQLite folder is hiqlite's, a tool this suite does not run.)
static RAUTHY_POSTGRES: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/real/rauthy-postgres", dialect = "postgres");

pub static ATUIN_CLIENT_FOLDER: Folder = Folder {
    name: "atuin-client",
    tool: Tool::Sqlx,
    downs: Downs::None,
    embedded: Some(&ATUIN_CLIENT),
};
pub static ATUIN_CLIENT_RECORDS_FOLDER: Folder = Folder {
    name: "atuin-client-records",
    tool: Tool::Sqlx,
    downs: Downs::None,
    embedded: Some(&ATUIN_CLIENT_RECORDS),
};
pub static ATUIN_CLIENT_AI_SESSIONS_FOLDER: Folder = Folder {
    name: "atuin-client-ai-sessions",
    tool: Tool::Sqlx,
    downs: Downs::None,
    embedded: Some(&ATUIN_CLIENT_AI_SESSIONS),
};
pub static ATUIN_SERVER_POSTGRES_FOLDER: Folder = Folder {
    name: "atuin-server-postgres",
    tool: Tool::Sqlx,
    downs: Downs::None,
    embedded: Some(&ATUIN_SERVER_POSTGRES),
};
pub static SQLXMQ_FOLDER: Folder = Folder {
    name: "sqlxmq",
    tool: Tool::Sqlx,
    // The first up creates the extension; its down leaves it.
    downs: Downs::All {
        left: &[r#"extension "uuid-ossp" 1.1"#],
    },
    embedded: Some(&SQLXMQ),
};
pub static APALIS_POSTGRES_FOLDER: Folder = Folder {
    name: "apalis-postgres",
    tool: Tool::Sqlx,
    downs: Downs::None,
    embedded: Some(&APALIS_POSTGRES),
};
pub static APALIS_SQLITE_FOLDER: Folder = Folder {
    name: "apalis-sqlite",
    tool: Tool::Sqlx,
    downs: Downs::None,
    embedded: Some(&APALIS_SQLITE),
};
pub static AQUADOGGO_SQLITE_FOLDER: Folder = Folder {
    name: "aquadoggo",
    tool: Tool::Sqlx,
    downs: Downs::None,
    embedded: Some(&AQUADOGGO_SQLITE),
};
pub static AQUADOGGO_POSTGRES_FOLDER: Folder = Folder {
    name: "aquadoggo",
    tool: Tool::Sqlx,
    downs: Downs::None,
    embedded: Some(&AQUADOGGO_POSTGRES),
};
pub static TORRUST_INDEX_SQLITE_FOLDER: Folder = Folder {
    name: "torrust-index-sqlite",
    tool: Tool::Sqlx,
    downs: Downs::None,
    embedded: Some(&TORRUST_INDEX_SQLITE),
};
pub static FANG_POSTGRES_FOLDER: Folder = Folder {
    name: "fang-postgres",
    tool: Tool::Diesel,
    // `create_fang_tasks` creates the extension and the enum; its down drops only the table.
    downs: Downs::All {
        left: &[
            r#"extension "uuid-ossp" 1.1"#,
            "type fang_task_state e 'new', 'in_progress', 'failed', 'finished', 'retried'",
        ],
    },
    embedded: Some(&FANG_POSTGRES),
};
pub static FANG_SQLITE_FOLDER: Folder = Folder {
    name: "fang-sqlite",
    tool: Tool::Diesel,
    downs: Downs::All { left: &[] },
    embedded: Some(&FANG_SQLITE),
};
pub static LEMMY_FOLDER: Folder = Folder {
    name: "lemmy",
    tool: Tool::Diesel,
    // Past these two, diesel refuses `2023-05-10-095739_force_enable_undetermined_language`'s
    // empty `down.sql`; this project takes an empty down as nothing to undo, and goes on to
    // fail where the history is broken: `2022-05-20-135341_embed-url/down.sql` drops a column
    // `embed_url` that a later migration's down never brought back.
    downs: Downs::Newest {
        count: 2,
        blocker: "Attempted to run an empty migration",
    },
    embedded: Some(&LEMMY),
};
pub static RAUTHY_POSTGRES_FOLDER: Folder = Folder {
    name: "rauthy-postgres",
    tool: Tool::Refinery,
    downs: Downs::None,
    embedded: Some(&RAUTHY_POSTGRES),
};
