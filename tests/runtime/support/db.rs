//! The fixture a scenario written once runs on: a database of its own, on SQLite (a file in a
//! temporary folder) or on the PostgreSQL server `scripts/with-postgres` starts.

use schema_runtime::DbPool;
use std::path::Path;

/// What a scenario needs of a database, whichever it is.
pub trait TestDb: Sized {
    /// A column type that stores every value the scenario inserts as it was written: SQLite
    /// keeps a value's own type in a column declared without one, PostgreSQL converts to text.
    const ANY_TYPE: &'static str;

    /// `sqlite` on SQLite, `postgres` on PostgreSQL: what a scenario expects that the database
    /// words or counts its own way (an error's text, a column it points at).
    fn either<T>(sqlite: T, postgres: T) -> T;
    /// A new, empty database of its own.
    async fn fresh() -> Self;
    /// What `fixture-migrator` takes to reach the database: the SQLite file or the URL.
    fn address(&self) -> std::ffi::OsString;
    /// The pool, as the migrator takes it.
    fn pool(&self) -> DbPool<'_>;
    /// Runs `sql` (several statements) on the database.
    async fn exec(&self, sql: &str);
    /// The number `sql` selects.
    async fn number(&self, sql: &str) -> i64;
    /// The tables, tracking tables included, sorted by name.
    async fn tables(&self) -> Vec<String>;
    /// The rows of the default tracking table: version and status, by version.
    async fn applied_versions(&self) -> Vec<(i64, String)>;
    /// The rows of the default tracking table: module, version, status and duration, by
    /// version.
    async fn tracking_rows(&self) -> Vec<(String, i64, String, i64)>;
    /// The texts `sql` selects, one per row.
    async fn texts(&self, sql: &str) -> Vec<String>;
    /// The schema as the database describes it, without the tracking tables: one line per
    /// table, index or view, with what defines it, sorted.
    async fn schema(&self) -> Vec<String>;
    /// The whole schema, normalised (`dump.rs`): every object with what defines it
    /// (columns with their types, defaults and nullability, constraints, indexes, triggers,
    /// views, functions...) and each table's row count, one line each, sorted.
    async fn dump(&self) -> Vec<String>;
    /// Migrates the database with sqlx's own migrator, from the folder `folder`.
    async fn sqlx_migrate(&self, folder: &Path);
    /// Migrates the database with diesel's own harness, from the diesel folder `folder`.
    async fn diesel_migrate(&self, folder: &Path);
}

/// The methods of [`TestDb`] written the same for both databases, inside an `impl` whose type
/// has a `pool` field holding an sqlx pool.
macro_rules! pool_methods {
    () => {
        fn pool(&self) -> schema_runtime::DbPool<'_> {
            (&self.pool).into()
        }

        async fn exec(&self, sql: &str) {
            sqlx::raw_sql(sql).execute(&self.pool).await.unwrap();
        }

        async fn number(&self, sql: &str) -> i64 {
            sqlx::query_scalar(sql).fetch_one(&self.pool).await.unwrap()
        }

        async fn applied_versions(&self) -> Vec<(i64, String)> {
            sqlx::query_as("SELECT version, status FROM _schema_migrations ORDER BY version")
                .fetch_all(&self.pool)
                .await
                .unwrap()
        }

        async fn tracking_rows(&self) -> Vec<(String, i64, String, i64)> {
            sqlx::query_as(
                "SELECT module, version, status, duration_ms FROM _schema_migrations ORDER BY version",
            )
            .fetch_all(&self.pool)
            .await
            .unwrap()
        }

        async fn texts(&self, sql: &str) -> Vec<String> {
            sqlx::query_scalar(sql).fetch_all(&self.pool).await.unwrap()
        }

        async fn sqlx_migrate(&self, folder: &std::path::Path) {
            let migrator = sqlx::migrate::Migrator::new(folder).await.unwrap();
            migrator.run(&self.pool).await.unwrap();
        }
    };
}

impl TestDb for super::sqlite::Db {
    const ANY_TYPE: &'static str = "";

    fn either<T>(sqlite: T, _postgres: T) -> T {
        sqlite
    }

    fn address(&self) -> std::ffi::OsString {
        self.path.clone().into_os_string()
    }

    async fn diesel_migrate(&self, folder: &Path) {
        let file = self.path.to_str().unwrap().to_owned();
        super::diesel::run_pending(folder, move || {
            <diesel::SqliteConnection as diesel::Connection>::establish(&file)
        })
        .await
        .unwrap_or_else(|e| panic!("diesel cannot apply {}: {e}", folder.display()))
    }

    pool_methods!();

    async fn fresh() -> Self {
        super::sqlite::fresh().await
    }

    async fn tables(&self) -> Vec<String> {
        super::sqlite::tables(&self.pool).await
    }

    async fn schema(&self) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master
             WHERE name NOT LIKE '\\_schema\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite_%'
             ORDER BY type, name",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap()
    }

    async fn dump(&self) -> Vec<String> {
        super::dump::sqlite(&self.pool).await
    }
}

impl TestDb for super::pg::Db {
    const ANY_TYPE: &'static str = "TEXT";

    fn either<T>(_sqlite: T, postgres: T) -> T {
        postgres
    }

    fn address(&self) -> std::ffi::OsString {
        self.url.clone().into()
    }

    async fn diesel_migrate(&self, folder: &Path) {
        let url = self.url.clone();
        super::diesel::run_pending(folder, move || {
            <super::diesel::DieselPg as diesel::Connection>::establish(&url)
        })
        .await
        .unwrap_or_else(|e| panic!("diesel cannot apply {}: {e}", folder.display()))
    }

    pool_methods!();

    async fn fresh() -> Self {
        super::pg::Db::fresh().await
    }

    async fn tables(&self) -> Vec<String> {
        super::pg::tables(&self.pool).await
    }

    async fn schema(&self) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT format('%s %s %s', c.relkind, c.relname,
                    coalesce((SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod) || ':' || a.attnotnull, ',' ORDER BY a.attnum)
                              FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped), ''))
             FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
             WHERE n.nspname = 'public' AND c.relname NOT LIKE '\\_schema\\_%' AND c.relkind IN ('r', 'i', 'v', 'S')
             ORDER BY 1",
        )
        .fetch_all(&self.pool)
        .await
        .unwrap()
    }

    async fn dump(&self) -> Vec<String> {
        super::dump::postgres(&self.pool).await
    }
}

/// Two modules, `sqlite` and `postgres`, with one test per scenario each: the scenario (an
/// `async fn` of the enclosing module, generic over [`TestDb`]) on a database of its own.
/// Attributes before a scenario's name (`#[ignore = ".."]`) go on both of its tests.
macro_rules! on_both_databases {
    ($($(#[$attr:meta])* $scenario:ident),* $(,)?) => {
        mod sqlite {
            $(
                $(#[$attr])*
                #[tokio::test]
                async fn $scenario() {
                    let db = <$crate::support::sqlite::Db as $crate::support::db::TestDb>::fresh().await;
                    super::$scenario(&db).await;
                }
            )*
        }

        mod postgres {
            $(
                $(#[$attr])*
                #[tokio::test]
                async fn $scenario() {
                    let db = <$crate::support::pg::Db as $crate::support::db::TestDb>::fresh().await;
                    super::$scenario(&db).await;
                }
            )*
        }
    };
}
