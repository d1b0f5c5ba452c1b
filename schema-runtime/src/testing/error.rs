//! What can keep a test from getting its database, each with the way out.

use std::time::Duration;

/// A test database that could not be made (or dropped). The message says what went wrong
/// and, after `; `, the way out ([`TestError::help`]); the cause (the database's or the
/// system's error) is [`std::error::Error::source`], never repeated in the message. No message
/// holds a password: a server is named as `user@host:port`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TestError {
    /// PostgreSQL without a server to use.
    #[error("no PostgreSQL server to create test databases on; {}", self.fix())]
    NoServer,
    /// The server's URL does not parse.
    #[error("the PostgreSQL URL does not parse; {}", self.fix())]
    InvalidUrl {
        /// Why it does not parse.
        #[source]
        source: sqlx::Error,
    },
    /// The server did not answer, or refused the connection.
    #[error("cannot connect to the PostgreSQL server at {server}; {}", self.fix())]
    Unreachable {
        /// `user@host:port/database`.
        server: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// The role may not create databases.
    #[error("role `{role}` may not create databases on {server}; {}", self.fix())]
    CannotCreateDatabase {
        /// The role of the URL.
        role: String,
        /// `user@host:port`.
        server: String,
        /// The server's error.
        #[source]
        source: sqlx::Error,
    },
    /// Other sessions stayed connected to the template the test's database is copied from.
    #[error("template database `{template}` is in use by other sessions (waited {} ms); {}", waited.as_millis(), self.fix())]
    TemplateInUse {
        /// The template's name.
        template: String,
        /// How long the copy was retried.
        waited: Duration,
    },
    /// Another process held the template's lock for too long.
    #[error("another process has been building template database `{template}` for {} s; {}", waited.as_secs(), self.fix())]
    TemplateLockTimeout {
        /// The template's name.
        template: String,
        /// How long this process waited.
        waited: Duration,
    },
    /// A migration set failed on the template.
    #[error("migrating the test template with module `{module}` failed; {}", self.fix())]
    Migrate {
        /// The set's module.
        module: String,
        /// The migrator's error.
        #[source]
        source: crate::MigrateError,
    },
    /// A fixture failed on the template.
    #[error("fixture `{file}` failed on the migrated test template; {}", self.fix())]
    Fixture {
        /// The fixture's path.
        file: String,
        /// The database's error.
        #[source]
        source: sqlx::Error,
    },
    /// An option the database has no use for.
    #[error("`{option}` does not apply to {database} test databases; {}", self.fix())]
    UnsupportedOption {
        /// The option.
        option: &'static str,
        /// `SQLite` or `PostgreSQL`.
        database: &'static str,
    },
    /// Any other database call.
    #[error("database error while {context}")]
    Database {
        /// What was being done.
        context: String,
        /// The driver's error.
        #[source]
        source: sqlx::Error,
    },
    /// Copying SQLite's template.
    #[cfg(feature = "sqlite")]
    #[error("copying the SQLite test template into `{destination}` failed")]
    Copy {
        /// The database copied into: a file, or an in-memory database's name.
        destination: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
}

impl TestError {
    /// The way out, naming what to change; `None` when it depends only on the cause.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            TestError::NoServer => "set `DATABASE_URL` to a server whose role may create databases (`postgres://user@host:port/postgres`), or give one to the test with `url = \"…\"` (`TestOptions::url`)".to_owned(),
            TestError::InvalidUrl { .. } => "write it as `postgres://user:password@host:port/database`".to_owned(),
            TestError::Unreachable { .. } => "start the server, or point `DATABASE_URL` (or `url = \"…\"`) at one that runs and accepts this role".to_owned(),
            TestError::CannotCreateDatabase { role, .. } => format!("grant it with `ALTER ROLE {role} CREATEDB`, or use a URL whose role may create databases"),
            TestError::TemplateInUse { template, .. } => format!("close the sessions connected to it (a psql or an IDE); `SELECT pid, usename, application_name FROM pg_stat_activity WHERE datname = '{template}'` lists them"),
            TestError::TemplateLockTimeout { .. } => "if no test process is running, a session still holds its advisory lock: end it, or restart the server".to_owned(),
            TestError::Migrate { .. } => "fix the migration as the cause says; a migration that fails in a test fails at boot too".to_owned(),
            TestError::Fixture { .. } => "fix the fixture's SQL as the cause says; it runs on the migrated schema".to_owned(),
            TestError::UnsupportedOption { option: "url", .. } => "an SQLite test database needs no server: remove it".to_owned(),
            TestError::UnsupportedOption { .. } => "remove it: a PostgreSQL test database is always on the server".to_owned(),
            TestError::Database { .. } => return None,
            #[cfg(feature = "sqlite")]
            TestError::Copy { .. } => return None,
        })
    }

    fn fix(&self) -> String {
        self.help().unwrap_or_default()
    }

    /// The message, each cause on a line of its own, for a test's panic.
    pub(crate) fn report(&self) -> String {
        let mut text = format!("cannot make the test database: {self}");
        let mut source = std::error::Error::source(self);
        while let Some(cause) = source {
            text.push_str(&format!("\n  caused by: {cause}"));
            source = cause.source();
        }
        text
    }
}

/// `context` for a database call, as [`TestError::Database`].
pub(crate) fn db(context: impl Into<String>) -> impl FnOnce(sqlx::Error) -> TestError {
    let context = context.into();
    move |source| TestError::Database { context, source }
}
