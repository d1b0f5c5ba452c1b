//! What a test sees on its database, written once for both databases.

use crate::CORE;
use schema_runtime::testing::TestDatabase;
use schema_runtime::DbPool;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// A pool a scenario runs on.
pub trait Db: Sync {
    /// `sqlite` or `postgres`.
    const KIND: &'static str;
    /// The pool, as the migrator takes it.
    fn migrator_pool(&self) -> DbPool<'_>;
    /// The number `sql` selects.
    async fn number(&self, sql: &str) -> i64;
    /// The texts `sql` selects, one per row.
    async fn texts(&self, sql: &str) -> Vec<String>;
    /// Runs `sql`.
    async fn exec(&self, sql: &str);
}

macro_rules! db {
    ($pool:ty, $kind:literal) => {
        impl Db for $pool {
            const KIND: &'static str = $kind;

            fn migrator_pool(&self) -> DbPool<'_> {
                self.into()
            }

            async fn number(&self, sql: &str) -> i64 {
                sqlx::query_scalar(sql).fetch_one(self).await.unwrap()
            }

            async fn texts(&self, sql: &str) -> Vec<String> {
                sqlx::query_scalar(sql).fetch_all(self).await.unwrap()
            }

            async fn exec(&self, sql: &str) {
                sqlx::raw_sql(sql).execute(self).await.unwrap();
            }
        }
    };
}

db!(sqlx::SqlitePool, "sqlite");
db!(sqlx::PgPool, "postgres");

/// The core's `apply` events, each with its time: a copy carries the template's.
pub async fn history(db: &impl Db) -> Vec<String> {
    db.texts(
        "SELECT CAST(version AS TEXT) || ' ' || CAST(at AS TEXT) FROM _schema_history
         WHERE module = 'core' AND event = 'apply' ORDER BY id",
    )
    .await
}

/// The history as the first test of its database kind saw it: every later test's copy must
/// carry the same, or the template was migrated again.
async fn same_template<D: Db>(db: &D) {
    /// By database kind, the history the first test saw.
    type Seen = Mutex<Vec<(&'static str, Vec<String>)>>;
    static SEEN: OnceLock<Seen> = OnceLock::new();
    let applied = history(db).await;
    assert_eq!(applied.len(), 3, "the core's three migrations are applied");
    let mut seen = SEEN.get_or_init(Default::default).lock().unwrap();
    match seen.iter().find(|(kind, _)| *kind == D::KIND) {
        Some((_, first)) => assert_eq!(
            first, &applied,
            "a copy of the template carries the template's history"
        ),
        None => seen.push((D::KIND, applied)),
    }
}

/// The core applied whole, and a boot on the copy has nothing to do.
pub async fn sees_the_migrated_schema(db: &impl Db) {
    let versions = db
        .texts("SELECT CAST(version AS TEXT) FROM _schema_migrations WHERE module = 'core' ORDER BY version")
        .await;
    assert_eq!(versions, ["10", "20", "30"]);
    assert_eq!(db.number("SELECT count(bio) FROM users").await, 0);
    let report = CORE.run(db.migrator_pool()).await.unwrap();
    assert!(report.up_to_date_at_boot);
    same_template(db).await;
}

/// Run by two tests at once: both insert the same unique email, and each sees its own row
/// alone.
pub async fn writes_alone(db: &impl Db) {
    db.exec("INSERT INTO users (id, email) VALUES (1, 'same@example.com')")
        .await;
    // Held for a while so that the two tests overlap.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(db.number("SELECT count(*) FROM users").await, 1);
    same_template(db).await;
}

/// Migrated to 20: the test seeds, then applies 30 itself.
pub async fn target_stops_the_set(db: &impl Db) {
    let versions = db
        .texts("SELECT CAST(version AS TEXT) FROM _schema_migrations ORDER BY version")
        .await;
    assert_eq!(versions, ["10", "20"]);
    db.exec("INSERT INTO users (id, email) VALUES (1, 'before@example.com')")
        .await;
    let report = CORE.run(db.migrator_pool()).await.unwrap();
    assert_eq!(report.applied.len(), 1);
    assert_eq!(report.applied[0].version, 30);
    assert_eq!(
        db.number("SELECT count(*) FROM users WHERE bio IS NULL")
            .await,
        1
    );
}

/// The core, then the calendar module, then the two fixtures, in that order.
pub async fn modules_then_fixtures(db: &impl Db) {
    let modules = db
        .texts(
            "SELECT module || ' ' || CAST(count(*) AS TEXT) FROM _schema_migrations
             GROUP BY module ORDER BY min(applied_at)",
        )
        .await;
    assert_eq!(modules, ["core 3", "calendar 2"]);
    assert_eq!(db.number("SELECT count(*) FROM calendar_events").await, 0);
    assert_eq!(db.number("SELECT count(*) FROM users").await, 2);
    assert_eq!(
        db.number("SELECT count(*) FROM posts WHERE user_id = 1")
            .await,
        1
    );
}

/// Two databases from one template: separate, with the template's history.
pub async fn copied_not_migrated<P: Db>(first: &TestDatabase<P>, second: &TestDatabase<P>) {
    assert_ne!(first.name(), second.name());
    assert_eq!(first.template(), second.template());
    let history_first = history(first.pool()).await;
    assert_eq!(history_first.len(), 3);
    assert_eq!(
        history_first,
        history(second.pool()).await,
        "copied, not migrated again"
    );
    first
        .exec("INSERT INTO users (id, email) VALUES (1, 'a@example.com')")
        .await;
    assert_eq!(second.number("SELECT count(*) FROM users").await, 0);
}
