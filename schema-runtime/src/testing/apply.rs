//! What goes into a template, whatever the database: the sets in order, then the fixtures.

use super::{TestError, TestOptions};
use crate::DbPool;

/// Applies each set of `options` to `pool` in the order given (the last one up to the target,
/// if any), then runs each fixture.
pub(super) async fn migrate(pool: DbPool<'_>, options: &TestOptions) -> Result<(), TestError> {
    let last = options.sets.len().saturating_sub(1);
    for (i, set) in options.sets.iter().enumerate() {
        let mut migrator = set.migrator();
        if let (true, Some(target)) = (i == last, options.target) {
            migrator = migrator.target(target);
        }
        migrator
            .run(pool)
            .await
            .map_err(|source| TestError::Migrate {
                module: set.module().to_owned(),
                source,
            })?;
    }
    for fixture in &options.fixtures {
        let sql = sqlx::raw_sql(&fixture.sql);
        let done = match pool {
            #[cfg(feature = "sqlite")]
            DbPool::Sqlite(pool) => sql.execute(pool).await.map(drop),
            #[cfg(feature = "postgres")]
            DbPool::Postgres(pool) => sql.execute(pool).await.map(drop),
        };
        done.map_err(|source| TestError::Fixture {
            file: fixture.path.clone(),
            source,
        })?;
    }
    Ok(())
}
