//! The "done when": 100 tests on SQLite and 100 on PostgreSQL over a set of 300
//! migrations, each test on a database of its own with all of them applied. Every test adds
//! the same row with the same key and counts: two tests sharing a database would collide.

use crate::scenario::Db;
use schema_runtime::Migrations;

/// 300 small migrations (`tests/fixtures/testing/many/README.md`).
pub static MANY: Migrations =
    schema_runtime::embed_migrations!("tests/fixtures/testing/many", module = "many");

/// What each of the 200 tests checks on its database.
async fn migrated_and_alone(db: &impl Db) {
    assert_eq!(
        db.number("SELECT count(*) FROM _schema_migrations").await,
        300
    );
    assert_eq!(
        db.number("SELECT count(*) FROM many_29_scores WHERE score = 1")
            .await,
        1,
        "the last round's view reads the seeded row"
    );
    db.exec("INSERT INTO many_29 (id, name) VALUES (2, 'this test')")
        .await;
    db.exec("INSERT INTO many_29_tags (many_id, tag) VALUES (2, 'mine')")
        .await;
    assert_eq!(db.number("SELECT count(*) FROM many_29").await, 2);
}

macro_rules! test {
    ($pool:ty, $name:ident) => {
        #[schema_runtime::test(migrations = MANY)]
        async fn $name(pool: $pool) {
            crate::many::migrated_and_alone(&pool).await;
        }
    };
}

macro_rules! ten {
    ($pool:ty) => {
        use crate::many::MANY;
        test!($pool, t0);
        test!($pool, t1);
        test!($pool, t2);
        test!($pool, t3);
        test!($pool, t4);
        test!($pool, t5);
        test!($pool, t6);
        test!($pool, t7);
        test!($pool, t8);
        test!($pool, t9);
    };
}

macro_rules! hundred {
    ($pool:ty) => {
        mod m0 {
            ten!($pool);
        }
        mod m1 {
            ten!($pool);
        }
        mod m2 {
            ten!($pool);
        }
        mod m3 {
            ten!($pool);
        }
        mod m4 {
            ten!($pool);
        }
        mod m5 {
            ten!($pool);
        }
        mod m6 {
            ten!($pool);
        }
        mod m7 {
            ten!($pool);
        }
        mod m8 {
            ten!($pool);
        }
        mod m9 {
            ten!($pool);
        }
    };
}

mod sqlite {
    hundred!(sqlx::SqlitePool);
}

mod postgres {
    hundred!(sqlx::PgPool);
}
