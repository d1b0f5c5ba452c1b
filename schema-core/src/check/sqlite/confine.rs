//! Prefix confinement on SQLite. SQLite resolves names itself (`main.x`, a quoted name, a
//! table a trigger's body writes), so the check asks it: its authorizer reports, as each
//! statement is compiled, every object the statement creates, drops, alters or writes.
//!
//! - Only what the statement itself does counts: what a trigger or view does on its behalf
//!   is judged on the trigger, once the chain is applied ([`Confinement::check_triggers`]).
//! - SQLite's own tables (`sqlite_schema`, `sqlite_sequence`, `sqlite_stat1`) and temporary
//!   objects are not the set's objects: a temporary table lives on one connection only.
//! - A rename is reported by SQLite as an alteration of the old name; the new name is read
//!   from the statement.

use super::dependents::{creating_statement, trigger_probe};
use super::{unquote, word_offset};
use crate::check::{Action, Prefix};
use crate::error::Error;
use crate::migration::{Migration, MigrationSet};
use crate::statement::{tokens, Statement};
use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::Connection;
use std::cell::RefCell;
use std::sync::{Arc, Mutex};

/// What one compiled statement did to one object.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Touch {
    action: Action,
    kind: &'static str,
    name: String,
    /// The trigger or view on whose behalf, `None` for the statement itself.
    accessor: Option<String>,
}

/// The authorizer installed on the check's database, and what it found.
pub(super) struct Confinement<'p> {
    prefix: Prefix<'p>,
    seen: Arc<Mutex<Vec<Touch>>>,
    found: RefCell<Vec<Error>>,
}

impl<'p> Confinement<'p> {
    /// Installs the authorizer on `db`: from now on every statement compiled there is watched.
    pub(super) fn install(db: &Connection, prefix: Prefix<'p>) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&seen);
        db.authorizer(Some(move |context: AuthContext<'_>| {
            if let Some(touch) = touch(&context) {
                if let Ok(mut seen) = sink.lock() {
                    seen.push(touch);
                }
            }
            Authorization::Allow
        }));
        Confinement {
            prefix,
            seen,
            found: RefCell::new(Vec::new()),
        }
    }

    /// Forgets what was compiled so far: called before each statement of the set, so that the
    /// check's own statements are never counted.
    pub(super) fn clear(&self) {
        self.take();
    }

    fn take(&self) -> Vec<Touch> {
        self.seen
            .lock()
            .map(|mut seen| std::mem::take(&mut *seen))
            .unwrap_or_default()
    }

    /// Judges what `statement` of `m` did since the last [`clear`](Self::clear).
    pub(super) fn judge(&self, m: &Migration, statement: &Statement<'_>) {
        if m.no_check() {
            self.clear();
            return;
        }
        let mut touches: Vec<Touch> = self
            .take()
            .into_iter()
            .filter(|t| t.accessor.is_none())
            .collect();
        if let Some(name) = renamed_to(statement.text) {
            touches.push(Touch {
                action: Action::RenamesTo,
                kind: "table",
                name,
                accessor: None,
            });
        }
        let mut judged: Vec<String> = Vec::new();
        for touch in touches {
            // `DROP TABLE x` is also a delete from `x`; one object, one report.
            let key = touch.name.to_ascii_lowercase();
            if judged.contains(&key) || self.prefix.allows(&touch.name) {
                continue;
            }
            judged.push(key);
            let within = word_offset(statement.text, &touch.name).unwrap_or(0);
            self.report(self.prefix.violation(
                m,
                statement.offset + within,
                touch.action,
                touch.kind,
                &touch.name,
            ));
        }
    }

    /// Once the chain is applied: each trigger the set created is compiled through a statement
    /// that fires it, and a table its body writes outside the prefix is reported on the
    /// statement that created it.
    pub(super) fn check_triggers(
        &self,
        db: &Connection,
        set: &MigrationSet,
    ) -> Result<(), rusqlite::Error> {
        let triggers: Vec<(String, String, String)> = db
            .prepare(
                "SELECT name, tbl_name, sql FROM main.sqlite_schema \
                 WHERE type = 'trigger' AND sql IS NOT NULL ORDER BY rowid",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))?
            .collect::<Result<_, _>>()?;
        for (name, table, sql) in triggers {
            let Some((m, statement)) = creating_statement(set, "trigger", &name) else {
                continue;
            };
            if m.no_check() {
                continue;
            }
            let Some(probe) = trigger_probe(db, &table, &sql)? else {
                continue;
            };
            self.clear();
            // A body that does not compile was reported by the dependents' check.
            let _ = db.prepare(&probe);
            let body_start = statement
                .text
                .to_ascii_lowercase()
                .find("begin")
                .unwrap_or(0);
            let mut judged: Vec<String> = Vec::new();
            for touch in self.take() {
                let ours = touch
                    .accessor
                    .as_deref()
                    .is_some_and(|a| a.eq_ignore_ascii_case(&name));
                let key = touch.name.to_ascii_lowercase();
                if !ours || judged.contains(&key) || self.prefix.allows(&touch.name) {
                    continue;
                }
                judged.push(key);
                let within = word_offset(&statement.text[body_start..], &touch.name)
                    .map_or(0, |offset| body_start + offset);
                self.report(self.prefix.trigger_violation(
                    m,
                    statement.offset + within,
                    &name,
                    &touch.name,
                ));
            }
        }
        Ok(())
    }

    fn report(&self, error: Error) {
        let mut found = self.found.borrow_mut();
        // The undo check runs an up again after its down: one report per place.
        if !found.contains(&error) {
            found.push(error);
        }
    }

    /// Everything found; the authorizer is removed from `db`.
    pub(super) fn finish(self, db: &Connection) -> Vec<Error> {
        db.authorizer(None::<fn(AuthContext<'_>) -> Authorization>);
        self.found.into_inner()
    }
}

/// What the authorizer's `context` says the statement does to an object of the set's kind,
/// if anything.
fn touch(context: &AuthContext<'_>) -> Option<Touch> {
    use AuthAction as A;
    if context.database_name == Some("temp") {
        return None;
    }
    let (action, kind, name) = match context.action {
        A::CreateTable { table_name } => (Action::Creates, "table", table_name),
        A::CreateVtable { table_name, .. } => (Action::Creates, "virtual table", table_name),
        A::CreateIndex { index_name, .. } => (Action::Creates, "index", index_name),
        A::CreateTrigger { trigger_name, .. } => (Action::Creates, "trigger", trigger_name),
        A::CreateView { view_name } => (Action::Creates, "view", view_name),
        A::DropTable { table_name } => (Action::Drops, "table", table_name),
        A::DropVtable { table_name, .. } => (Action::Drops, "virtual table", table_name),
        A::DropIndex { index_name, .. } => (Action::Drops, "index", index_name),
        A::DropTrigger { trigger_name, .. } => (Action::Drops, "trigger", trigger_name),
        A::DropView { view_name } => (Action::Drops, "view", view_name),
        A::AlterTable { table_name, .. } => (Action::Alters, "table", table_name),
        A::Insert { table_name } | A::Delete { table_name } => {
            (Action::WritesTo, "table", table_name)
        }
        A::Update { table_name, .. } => (Action::WritesTo, "table", table_name),
        _ => return None,
    };
    if name.len() >= 7 && name[..7].eq_ignore_ascii_case("sqlite_") {
        return None;
    }
    Some(Touch {
        action,
        kind,
        name: name.to_owned(),
        accessor: context.accessor.map(str::to_owned),
    })
}

/// The new name of an `ALTER TABLE … RENAME TO new`, unquoted; `None` for any other statement
/// (a column's `RENAME [COLUMN] a TO b` included).
fn renamed_to(sql: &str) -> Option<String> {
    let tokens: Vec<&str> = tokens(sql).collect();
    let is = |i: usize, word: &str| tokens.get(i).is_some_and(|t| t.eq_ignore_ascii_case(word));
    if !(is(0, "ALTER") && is(1, "TABLE")) {
        return None;
    }
    let at = (2..tokens.len()).find(|&i| is(i, "RENAME") && is(i + 1, "TO"))?;
    unquote(tokens.get(at + 2)?)
}
