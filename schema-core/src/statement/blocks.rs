//! `BEGIN` … `END` bodies (SQLite triggers, PostgreSQL `BEGIN ATOMIC`) followed through one
//! statement, so that a `;` inside one does not end the statement.

use super::lexer::Lexer;

/// What kind of statement is being read, as far as `BEGIN … END` bodies are concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Kind {
    /// No token seen yet.
    #[default]
    Start,
    /// `CREATE` followed so far only by modifiers such as `TEMP` or `OR REPLACE`.
    Create,
    /// `CREATE … TRIGGER`: SQLite bodies are `BEGIN … END` and may contain `CASE … END`.
    Trigger,
    /// `CREATE … FUNCTION|PROCEDURE`: PostgreSQL may have a `BEGIN ATOMIC … END` body.
    Routine,
    /// Anything else: there `BEGIN` and `END` are just transaction statements.
    Plain,
}

/// Tracks `BEGIN`/`CASE` … `END` nesting; a `;` only ends the statement at depth 0.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Blocks {
    kind: Kind,
    pub(super) depth: usize,
    /// In a trigger: whether its `BEGIN … END` body is open. SQLite lets `begin` and `end`
    /// name columns, so inside the body a `BEGIN` is a name (bodies do not nest), and an `END`
    /// with no `CASE` open ends the body only when the statement ends after it.
    body: bool,
    /// In a trigger: the `CASE` expressions open.
    cases: usize,
    /// Whether the token before was a `.`, after which a word is a name.
    after_dot: bool,
}

impl Blocks {
    /// Feeds one word of the statement; `lexer` is positioned just after it, for lookahead.
    pub(super) fn word(&mut self, word: &str, lexer: &Lexer<'_>) {
        if self.kind == Kind::Plain {
            return; // Most statements: no need to look at their words.
        }
        if std::mem::take(&mut self.after_dot) {
            return; // `NEW.end`: a qualified name, never a keyword.
        }
        match (self.kind, word.to_ascii_uppercase().as_str()) {
            (Kind::Start, "CREATE") => self.kind = Kind::Create,
            (Kind::Create, "OR" | "REPLACE" | "TEMP" | "TEMPORARY" | "CONSTRAINT") => {}
            (Kind::Create, "TRIGGER") => self.kind = Kind::Trigger,
            (Kind::Create, "FUNCTION" | "PROCEDURE") => self.kind = Kind::Routine,
            (Kind::Start | Kind::Create, _) => self.kind = Kind::Plain,
            (Kind::Trigger, "BEGIN") if !self.body => {
                self.body = true;
                self.depth += 1;
            }
            (Kind::Trigger, "CASE") => {
                self.cases += 1;
                self.depth += 1;
            }
            (Kind::Trigger, "END") => {
                if self.cases > 0 {
                    self.cases -= 1;
                    self.depth -= 1;
                } else if self.body && lexer.next_ends_statement() {
                    self.body = false;
                    self.depth -= 1;
                }
            }
            // `BEGIN` is not reserved in PostgreSQL (it may name a parameter), so only
            // `BEGIN ATOMIC` opens a body; `CASE … END` only matters inside one.
            (Kind::Routine, "BEGIN") if lexer.next_word_is("ATOMIC") => self.depth += 1,
            (Kind::Routine, "CASE") if self.depth > 0 => self.depth += 1,
            (Kind::Routine, "END") => self.depth = self.depth.saturating_sub(1),
            _ => {}
        }
    }

    /// Feeds a token that is not a word (string, quoted identifier, punctuation).
    pub(super) fn other(&mut self, token: &str) {
        if matches!(self.kind, Kind::Start | Kind::Create) {
            self.kind = Kind::Plain;
        }
        self.after_dot = token == ".";
    }
}
