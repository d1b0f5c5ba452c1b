//! Every lint rule: its id, database, level, reason and safe alternative. `docs/lints.md`
//! lists the same rules, and a test holds the two together.

use super::{Level, LintRule};
use crate::dialect::Dialect;
use Level::{Error, Note, Warning};

const fn pg(
    id: &'static str,
    level: Level,
    reason: &'static str,
    alternative: &'static str,
) -> LintRule {
    LintRule {
        id,
        dialect: Dialect::Postgres,
        level,
        reason,
        alternative,
    }
}

const fn lite(
    id: &'static str,
    level: Level,
    reason: &'static str,
    alternative: &'static str,
) -> LintRule {
    LintRule {
        id,
        dialect: Dialect::Sqlite,
        level,
        reason,
        alternative,
    }
}

/// A name in a `-- schema: allow(…)` line that is no rule of the folder's database: a typo
/// would otherwise allow nothing without a word.
pub const UNKNOWN_RULE: LintRule = LintRule {
    id: "unknown-lint-rule",
    dialect: Dialect::Sqlite,
    level: Warning,
    reason: "a name in `-- schema: allow(…)` that is no lint rule of the folder's database allows nothing",
    alternative: "write the rule's id as `schema lint` and docs/lints.md show it",
};

/// squawk's rules, run through squawk's linter (the ones it turns on by default, less the two
/// that ask every statement for `SET lock_timeout` and `SET statement_timeout`).
const POSTGRES: &[LintRule] = &[
    pg("adding-required-field", Error,
        "`ADD COLUMN … NOT NULL` without a default fails on a table that has rows",
        "add the column nullable (or with a default), fill it, then `SET NOT NULL` in a later migration"),
    pg("adding-field-with-default", Error,
        "a column with a volatile default (or a stored generated column) rewrites the whole table under an `ACCESS EXCLUSIVE` lock that blocks reads and writes",
        "add the column without a default, set the default with `ALTER COLUMN … SET DEFAULT`, and fill existing rows in batches"),
    pg("ban-concurrent-index-creation-in-transaction", Error,
        "`CREATE INDEX CONCURRENTLY` cannot run inside a transaction block, so the migration fails",
        "put `-- no-transaction` at the top of the file, with the concurrent index alone in it"),
    pg("ban-drop-database", Error,
        "`DROP DATABASE` deletes every table and row of a database",
        "drop databases by hand, never in a migration"),
    pg("ban-truncate-cascade", Error,
        "`TRUNCATE … CASCADE` also empties every table with a foreign key to it, tables the statement does not name",
        "truncate the tables by name, without `CASCADE`"),
    pg("ban-duplicate-column-assignments", Error,
        "an `UPDATE` that sets the same column twice fails: PostgreSQL refuses multiple assignments to one column",
        "set each column once"),
    pg("require-concurrent-index-creation", Warning,
        "`CREATE INDEX` without `CONCURRENTLY` blocks writes to the table while the index is built",
        "`CREATE INDEX CONCURRENTLY` in a file with `-- no-transaction` (an index on a table the same file creates is fine as it is)"),
    pg("require-concurrent-index-deletion", Warning,
        "`DROP INDEX` without `CONCURRENTLY` takes an `ACCESS EXCLUSIVE` lock on the table, blocking reads and writes",
        "`DROP INDEX CONCURRENTLY` in a file with `-- no-transaction`"),
    pg("constraint-missing-not-valid", Warning,
        "adding a `CHECK` or foreign key constraint scans the whole table while holding a lock that blocks writes",
        "add the constraint `NOT VALID`, then `VALIDATE CONSTRAINT` in a later migration (it takes a weaker lock)"),
    pg("adding-foreign-key-constraint", Warning,
        "a foreign key added to an existing table locks both tables while every row is checked",
        "add it `NOT VALID`, then `VALIDATE CONSTRAINT` in a later migration"),
    pg("changing-column-type", Warning,
        "changing a column's type may rewrite the table under an `ACCESS EXCLUSIVE` lock, and breaks code that reads the old type",
        "add a column of the new type, fill it in batches, move readers and writers over, then drop the old column"),
    pg("adding-not-nullable-field", Warning,
        "`SET NOT NULL` scans the whole table under an `ACCESS EXCLUSIVE` lock",
        "add `CHECK (column IS NOT NULL) NOT VALID`, validate it, then `SET NOT NULL` (PostgreSQL 12 and later skip the scan) and drop the check"),
    pg("adding-serial-primary-key-field", Warning,
        "adding a primary key builds its index under an `ACCESS EXCLUSIVE` lock that blocks reads and writes",
        "build a unique index `CONCURRENTLY`, then `ADD CONSTRAINT … PRIMARY KEY USING INDEX`"),
    pg("disallowed-unique-constraint", Warning,
        "adding a `UNIQUE` constraint builds its index under an `ACCESS EXCLUSIVE` lock that blocks reads and writes",
        "build a unique index `CONCURRENTLY`, then `ADD CONSTRAINT … UNIQUE USING INDEX`"),
    pg("renaming-column", Warning,
        "the release still running reads and writes the old name until it is replaced",
        "add the new column, write both, move readers over, then drop the old one; or rename in a release that no longer uses the name"),
    pg("renaming-table", Warning,
        "the release still running reads and writes the old name until it is replaced",
        "create the new table (or a view under the old name) and move readers and writers over before removing the old name"),
    pg("renaming-object", Warning,
        "renaming a constraint, role, database or other object breaks the clients that name it",
        "keep the old name until no client uses it"),
    pg("ban-drop-column", Warning,
        "the release still running selects and inserts the dropped column until it is replaced",
        "stop using the column in a release first, then drop it in a later migration"),
    pg("ban-drop-table", Warning,
        "the release still running reads and writes the dropped table until it is replaced",
        "stop using the table in a release first, then drop it in a later migration"),
    pg("ban-drop-not-null", Warning,
        "the release still running may read `NULL` from a column it expects never to be `NULL`",
        "make sure every client handles `NULL` before dropping the constraint"),
    pg("ban-drop-view", Warning,
        "dropping a view breaks the clients that read it",
        "stop using the view in a release first; to change it, `CREATE OR REPLACE VIEW`"),
    pg("ban-drop-function", Warning,
        "dropping a function breaks the clients, triggers and defaults that call it",
        "stop calling it first; to change it, `CREATE OR REPLACE FUNCTION`"),
    pg("ban-drop-type", Warning,
        "dropping a type breaks the clients that use it",
        "stop using the type in a release first"),
    pg("ban-drop-default", Warning,
        "the release still running may insert rows that relied on the default",
        "make sure every insert names the column before dropping its default"),
    pg("ban-drop-schema", Warning,
        "dropping a schema drops everything in it",
        "drop the objects one by one, each once no client uses it"),
    pg("ban-drop-sequence", Warning,
        "dropping a sequence breaks the defaults and clients that draw from it",
        "stop using the sequence first"),
    pg("ban-drop-domain", Warning,
        "dropping a domain breaks the columns and clients that use it",
        "stop using the domain first"),
    pg("ban-drop-constraint", Warning,
        "dropping a constraint removes a guarantee that clients rely on",
        "make sure no client relies on it first"),
    pg("ban-drop-generated-expression", Warning,
        "a column that stops being generated no longer fills itself for the clients that rely on it",
        "make sure every writer fills the column first"),
    pg("ban-drop-extension", Warning,
        "dropping an extension drops the types, functions and operators clients use from it",
        "stop using the extension first"),
    pg("ban-set-schema", Warning,
        "moving an object to another schema breaks the clients that name it with its schema or find it through `search_path`",
        "keep the object where it is until no client uses the old location"),
    pg("ban-alter-identity", Warning,
        "changing a column's identity breaks inserts from the clients that rely on it",
        "keep the identity as it is until every writer is ready"),
    pg("ban-char-field", Warning,
        "`char(n)` pads values with spaces and is no faster than `text`",
        "`text` (or `varchar`), with a `CHECK` on the length if one is needed"),
    pg("prefer-text-field", Warning,
        "changing the length of a `varchar(n)` later takes an `ACCESS EXCLUSIVE` lock",
        "`text` with a `CHECK (length(column) <= n)` constraint, which can be changed `NOT VALID`"),
    pg("prefer-bigint-over-int", Warning,
        "an `int` key or counter runs out at 2,147,483,647, and widening it rewrites the table",
        "`bigint`"),
    pg("prefer-bigint-over-smallint", Warning,
        "a `smallint` runs out at 32,767, and widening it rewrites the table",
        "`bigint`"),
    pg("prefer-identity", Warning,
        "`serial` columns have a sequence with its own owner and permissions, which dumps and restores get wrong",
        "`bigint GENERATED BY DEFAULT AS IDENTITY`"),
    pg("prefer-timestamp-tz", Warning,
        "`timestamp` without time zone stores what the clock said, not when it happened",
        "`timestamptz`"),
    pg("prefer-repack", Warning,
        "`VACUUM FULL` and `CLUSTER` rewrite the table under an `ACCESS EXCLUSIVE` lock",
        "repack the table concurrently (`pg_repack`, or `REPACK (CONCURRENTLY)` where the server has it)"),
    pg("prefer-robust-stmts", Warning,
        "a `-- no-transaction` file that fails part-way cannot be run again: what it created exists",
        "`IF NOT EXISTS` / `IF EXISTS` on each statement, so that a second run goes through"),
    pg("transaction-nesting", Warning,
        "a `BEGIN` or `COMMIT` inside a migration that already runs in a transaction does not do what it says",
        "remove it, or put `-- no-transaction` at the top of the file"),
    pg("ban-uncommitted-transaction", Warning,
        "a `BEGIN` without its `COMMIT` leaves the transaction open",
        "end it with `COMMIT`"),
    pg("ban-create-domain-with-constraint", Warning,
        "a domain's constraint cannot be changed without a lock on every table that uses it",
        "put the constraint on the table's columns instead"),
    pg("ban-alter-domain-with-add-constraint", Warning,
        "adding a constraint to a domain checks every column that uses it, under lock",
        "put the constraint on the table's columns instead"),
    pg("require-enum-value-ordering", Warning,
        "`ADD VALUE` without `BEFORE` or `AFTER` puts the value last, which changes how the enum sorts",
        "say where the value goes with `BEFORE` or `AFTER`"),
    pg("identifier-too-long", Warning,
        "PostgreSQL cuts names longer than 63 bytes, so the object gets another name than the one written",
        "a name of 63 bytes or fewer"),
    pg("require-concurrent-partition-detach", Warning,
        "`DETACH PARTITION` without `CONCURRENTLY` takes an `ACCESS EXCLUSIVE` lock on the parent table",
        "`DETACH PARTITION … CONCURRENTLY` in a file with `-- no-transaction`"),
    pg("require-concurrent-reindex", Warning,
        "`REINDEX` without `CONCURRENTLY` blocks writes while the index is rebuilt",
        "`REINDEX … CONCURRENTLY` in a file with `-- no-transaction`"),
];

/// This crate's rules for SQLite.
const SQLITE: &[LintRule] = &[
    lite("rebuild-with-foreign-keys-on", Error,
        "with foreign keys on (sqlx turns them on), dropping a table that others reference deletes its rows first: `ON DELETE CASCADE` empties the referencing tables, or the drop fails",
        "put `-- no-transaction` at the top; then `PRAGMA foreign_keys = OFF;`, `BEGIN;` … the rebuild … `PRAGMA foreign_key_check;`, `COMMIT;`, `PRAGMA foreign_keys = ON;`"),
    lite("add-column-not-null-without-default", Error,
        "SQLite refuses `ADD COLUMN … NOT NULL` without a default other than `NULL` on a table that has rows",
        "give the column a constant default (`NOT NULL DEFAULT 0`), or add it nullable and fill it"),
    lite("add-column-non-constant-default", Error,
        "SQLite refuses `ADD COLUMN` with a default that is not a constant (`CURRENT_TIMESTAMP`, an expression) on a table that has rows",
        "add the column with a constant default (or none) and fill it with an `UPDATE`; or rebuild the table"),
    lite("add-column-primary-key-or-unique", Error,
        "SQLite cannot add a `PRIMARY KEY` or `UNIQUE` column with `ALTER TABLE`",
        "add the column, then `CREATE UNIQUE INDEX` on it; or rebuild the table"),
    lite("add-column-stored-generated", Error,
        "SQLite cannot add a `STORED` generated column with `ALTER TABLE` to a table that has rows",
        "add it `VIRTUAL`, or rebuild the table"),
    lite("add-column-references-with-default", Error,
        "with foreign keys on, SQLite refuses `ADD COLUMN … REFERENCES` with a default other than `NULL`",
        "add the column with no default (or `DEFAULT NULL`), then fill it"),
    lite("rebuild-adds-not-null", Warning,
        "the rebuilt table has `NOT NULL` on a column the old table allowed `NULL` in: the copy fails on the first row with `NULL` there",
        "fill the column first (`UPDATE … SET column = … WHERE column IS NULL`), or copy with `coalesce(column, …)`"),
    lite("drop-column", Warning,
        "the release still running selects and inserts the dropped column until it is replaced",
        "stop using the column in a release first, then drop it in a later migration"),
    lite("drop-table", Warning,
        "the release still running reads and writes the dropped table until it is replaced",
        "stop using the table in a release first, then drop it in a later migration"),
    lite("rename-column", Warning,
        "the release still running reads and writes the old name until it is replaced",
        "add the new column and move readers and writers over first; or rename in a release that no longer uses the name"),
    lite("rename-table", Warning,
        "the release still running reads and writes the old name until it is replaced",
        "create the new table (or a view under the old name) and move readers and writers over first"),
    lite("index-on-existing-table", Note,
        "SQLite builds the index in one go while holding the database's write lock: on a large table every writer waits until it is done",
        "build it when writes are few, or check the table's size first; an index on a table the same file creates costs nothing"),
];

/// Every lint rule of every database, [`UNKNOWN_RULE`] last.
pub fn lint_rules() -> impl Iterator<Item = &'static LintRule> {
    POSTGRES
        .iter()
        .chain(SQLITE)
        .chain(std::iter::once(&UNKNOWN_RULE))
}

/// The rule of `dialect` called `id` ([`UNKNOWN_RULE`] belongs to both).
pub fn lint_rule(dialect: Dialect, id: &str) -> Option<&'static LintRule> {
    if id == UNKNOWN_RULE.id {
        return Some(&UNKNOWN_RULE);
    }
    let rules = match dialect {
        Dialect::Sqlite => SQLITE,
        Dialect::Postgres => POSTGRES,
    };
    rules.iter().find(|rule| rule.id == id)
}

/// squawk's rules that [`lint`](super::lint) runs.
#[cfg(feature = "check-postgres")]
pub(super) fn postgres_ids() -> impl Iterator<Item = &'static str> {
    POSTGRES.iter().map(|rule| rule.id)
}
