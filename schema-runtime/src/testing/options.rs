//! What a test database holds: the sets applied in order, where the last one stops, the
//! fixtures run after them; and the keys its template is found by.

use crate::{Checksum, Migrations};
use sha2::{Digest, Sha256};
use std::borrow::Cow;

/// How to make a test's database: the migration sets to apply (in the order given), the
/// version the last set stops at, the SQL fixtures run after the migrations, and where the
/// database lives. [`sqlite`](crate::testing::sqlite) and
/// [`postgres`](crate::testing::postgres) are this with one set and nothing else.
///
/// ```ignore
/// let db = TestOptions::new(&CORE)
///     .then(&CALENDAR)
///     .target(3)
///     .fixture("fixtures/users.sql", include_str!("../fixtures/users.sql"))
///     .sqlite()
///     .await?;
/// ```
#[derive(Debug, Clone)]
pub struct TestOptions {
    pub(crate) sets: Vec<Migrations>,
    pub(crate) target: Option<i64>,
    pub(crate) fixtures: Vec<Fixture>,
    pub(crate) in_file: bool,
    pub(crate) url: Option<String>,
    /// SQLite: the test's file encrypted with this key (SQLCipher).
    #[cfg(feature = "sqlcipher")]
    pub(crate) encryption: Option<crate::sqlcipher::Encryption>,
    pub(crate) spares: Option<usize>,
}

/// One SQL file run on the template after the migrations.
#[derive(Debug, Clone)]
pub(crate) struct Fixture {
    /// Its path as the test names it, for messages and the template's identity.
    pub(crate) path: String,
    /// Its SQL.
    pub(crate) sql: Cow<'static, str>,
}

impl TestOptions {
    /// A database with `migrations` applied.
    pub fn new(migrations: &Migrations) -> Self {
        Self::sets(&[migrations])
    }

    /// A database with each set applied in the order given (a core module, then the modules
    /// built on it), each tracked under its own [`Migrations::module`].
    pub fn sets(sets: &[&Migrations]) -> Self {
        TestOptions {
            sets: sets.iter().map(|set| **set).collect(),
            target: None,
            fixtures: Vec::new(),
            in_file: false,
            url: None,
            #[cfg(feature = "sqlcipher")]
            encryption: None,
            spares: None,
        }
    }

    /// Applies `migrations` after the sets already given.
    pub fn then(mut self, migrations: &Migrations) -> Self {
        self.sets.push(*migrations);
        self
    }

    /// Applies the last set only up to and including `version` (the sets before it whole):
    /// to test a migration itself, migrate to the one before it, seed, then run the set.
    pub fn target(mut self, version: i64) -> Self {
        self.target = Some(version);
        self
    }

    /// Runs `sql` (the file `path`, relative to the crate root, as messages name it) on the
    /// database after the migrations, once per template: every test starts with its rows.
    pub fn fixture(mut self, path: impl Into<String>, sql: impl Into<Cow<'static, str>>) -> Self {
        self.fixtures.push(Fixture {
            path: path.into(),
            sql: sql.into(),
        });
        self
    }

    /// SQLite: a temporary file, removed afterwards, instead of a database in memory (for
    /// code that opens the database by its path, or needs a journal mode memory lacks).
    /// PostgreSQL refuses it.
    pub fn in_file(mut self) -> Self {
        self.in_file = true;
        self
    }

    /// SQLite (cargo feature `sqlcipher`): a temporary file encrypted with `encryption`'s key
    /// and settings (as [`in_file`](Self::in_file)), its pool keyed the same way. The
    /// template stays in memory, plain; each test's copy is written encrypted with
    /// SQLCipher's `sqlcipher_export()`. PostgreSQL refuses it.
    #[cfg(feature = "sqlcipher")]
    pub fn encrypted(mut self, encryption: crate::sqlcipher::Encryption) -> Self {
        self.in_file = true;
        self.encryption = Some(encryption);
        self
    }

    /// PostgreSQL: the server to create the databases on, a URL whose role may create
    /// databases (its database is only used to create and drop the test's); `DATABASE_URL`
    /// when not given. SQLite refuses it.
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.url = Some(url.into());
        self
    }

    /// PostgreSQL: how many copies of the template to keep ready on the server, made ahead in
    /// the background, so that a test takes one instead of waiting for a copy (4 when
    /// `SCHEMA_TEST_SPARES` does not say otherwise; 0 makes each test copy the template
    /// itself). The copies outlive the process, for the next run and parallel processes,
    /// and are dropped with their template. SQLite, whose copies take microseconds, has no
    /// use for it and ignores it.
    pub fn spares(mut self, copies: usize) -> Self {
        self.spares = Some(copies);
        self
    }

    /// What the template's name is made of, apart from the content: the sets (module and
    /// folder), the target and the fixtures' paths. A template with the same identity and
    /// other content is an old one, dropped when the new one is built.
    pub(crate) fn identity(&self, extra: &str) -> Checksum {
        let mut hasher = Sha256::new();
        for set in &self.sets {
            for part in [set.module(), set.build_dir(), set.dir()] {
                hasher.update(part.as_bytes());
                hasher.update([0]);
            }
        }
        hasher.update(self.target.map_or(-1i128, i128::from).to_be_bytes());
        for fixture in &self.fixtures {
            hasher.update(fixture.path.as_bytes());
            hasher.update([0]);
        }
        hasher.update(extra.as_bytes());
        Checksum(hasher.finalize().into())
    }

    /// The identity and what the template holds: each set's fingerprint and each fixture's
    /// SQL. Equal keys, equal templates.
    pub(crate) fn key(&self, extra: &str) -> Checksum {
        let mut hasher = Sha256::new();
        hasher.update(self.identity(extra).0);
        for set in &self.sets {
            hasher.update(set.fingerprint().0);
        }
        for fixture in &self.fixtures {
            hasher.update(Checksum::of(&fixture.sql).0);
        }
        Checksum(hasher.finalize().into())
    }
}
