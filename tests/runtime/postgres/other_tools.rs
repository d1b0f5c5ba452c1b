//! A PostgreSQL database another migration tool migrated is never migrated again from the
//! first file: the scenarios of `support/other_tools.rs` on the real server
//! `scripts/with-postgres` starts.

use crate::support::other_tools;
use crate::support::pg;

use sqlx::postgres::PgPool;

/// A database of its own, held with the server's guard.
struct Pg {
    pool: PgPool,
    _server: tokio::sync::RwLockReadGuard<'static, ()>,
}

async fn fresh() -> Pg {
    let (pool, _, server) = pg::fresh().await;
    Pg {
        pool,
        _server: server,
    }
}

impl_db!(Pg);
scenarios!(fresh().await);
