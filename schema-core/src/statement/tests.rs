use super::lexer::{is_word_char, is_word_start};
use super::*;
use proptest::prelude::*;

/// Asserts that `sql` splits into exactly the statement texts `expected`.
fn splits(sql: &str, expected: &[&str]) {
    let texts: Vec<_> = split_statements(sql).into_iter().map(|s| s.text).collect();
    assert_eq!(texts, expected, "{sql:?}");
}

/// Asserts that `statements`, one per line, split back into themselves.
fn round_trip(statements: &[&str]) {
    splits(&statements.join("\n"), statements);
}

#[test]
fn splits_simple_statements_on_semicolons() {
    round_trip(&["CREATE TABLE a (x INT);", "INSERT INTO a VALUES (1);"]);
    splits("SELECT 1;SELECT 2;", &["SELECT 1;", "SELECT 2;"]);
}

#[test]
fn keeps_a_final_statement_without_semicolon_but_not_its_trailing_comment() {
    let sql = "SELECT 1;\n  SELECT 2 -- done\n\n";
    splits(sql, &["SELECT 1;", "SELECT 2"]);
}

#[test]
fn skips_comment_only_pieces() {
    let statements = split_statements("-- a\n/* b; */\n;\n;;SELECT 1;\n-- c; d\n");
    assert_eq!(statements.len(), 1);
    assert_eq!((statements[0].text, statements[0].number), ("SELECT 1;", 1));
    splits("  \n-- only a comment\n/* and; another */ ", &[]);
    splits("", &[]);
}

#[test]
fn statement_text_starts_after_leading_comments_and_keeps_inner_ones() {
    splits("-- why\nSELECT /* x; */ 1;", &["SELECT /* x; */ 1;"]);
}

#[test]
fn reports_line_and_column_of_each_statement() {
    let sql = "SELECT 1; SELECT 'é';\r\n\n  -- c\n  UPDATE t SET x = 1;";
    let at = |s: Statement<'_>| (s.line, s.column, s.number);
    let got: Vec<_> = split_statements(sql).into_iter().map(at).collect();
    assert_eq!(got, [(1, 1, 1), (1, 11, 2), (4, 3, 3)]);
    let s = &split_statements("é; SELECT 2;")[1];
    assert_eq!((s.offset, s.line, s.column), (4, 1, 4));
}

#[test]
fn skips_a_leading_byte_order_mark() {
    let s = &split_statements("\u{feff}SELECT 1;")[0];
    assert_eq!((s.text, s.offset, s.line, s.column), ("SELECT 1;", 3, 1, 1));
}

#[test]
fn ignores_semicolons_inside_single_quoted_strings_with_doubled_quotes() {
    round_trip(&["SELECT 'it''s; fine';", "SELECT ';'''"]);
}

#[test]
fn honours_backslash_escapes_only_in_e_strings() {
    round_trip(&[r"SELECT E'it\'s; \\';", r"SELECT e'a''\';b';", "SELECT 2"]);
    // In a standard string, or after a word that merely ends in `e`, `\` is ordinary.
    round_trip(&[r"SELECT 'a\';", r"SELECT type'\';", "SELECT 2"]);
}

#[test]
fn ignores_semicolons_inside_quoted_identifiers() {
    round_trip(&["SELECT \"a;\"\"b\", `c;d`, [e;f] FROM t;", "SELECT 2"]);
}

#[test]
fn ignores_semicolons_inside_line_and_nested_block_comments() {
    round_trip(&["SELECT 1 -- a; b\n;", "SELECT /* x /* y; */ z; */ 2;"]);
}

#[test]
fn finds_a_block_comment_that_is_never_closed() {
    assert_eq!(unterminated_comment("SELECT 1; /* open"), Some(10));
    assert_eq!(unterminated_comment("SELECT 1; /* a /* b */"), Some(10));
    assert_eq!(unterminated_comment("SELECT 1; /* a /* b */ */"), None);
    assert_eq!(unterminated_comment("SELECT '/*'; -- /*\nSELECT 2;"), None);
    assert_eq!(unterminated_comment("SELECT 1; /* closed */"), None);
    assert_eq!(unterminated_comment("/"), None);
}

#[test]
fn splits_dollar_quoted_function_bodies_as_one_statement() {
    let function = "CREATE FUNCTION f() RETURNS int AS $$ BEGIN RETURN 1; END; $$ LANGUAGE sql;";
    let tagged = "DO $body$ BEGIN EXECUTE $$x;$$; END $body$;";
    round_trip(&[function, tagged, "SELECT 3;"]);
}

#[test]
fn numbered_parameters_and_identifier_dollars_are_not_dollar_quotes() {
    round_trip(&["SELECT $1;", "SELECT a$b$ FROM t;", "SELECT $2"]);
}

#[test]
fn keeps_semicolons_inside_trigger_bodies() {
    let trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO log VALUES (1);\n  \
                   DELETE FROM b;\nEND;";
    round_trip(&[trigger, "SELECT 2;"]);
}

#[test]
fn case_end_inside_a_trigger_does_not_end_the_body() {
    let trigger = "CREATE TRIGGER t AFTER UPDATE ON a WHEN CASE WHEN 1 THEN 1 END BEGIN\n  \
                   UPDATE b SET x = CASE WHEN new.y THEN 1 ELSE 2 END;\n  SELECT 1;\nEND;";
    round_trip(&[trigger, "SELECT 2"]);
}

#[test]
fn finds_a_string_or_name_that_is_never_closed() {
    let found = |sql: &str| survey(sql).unterminated_quote;
    assert_eq!(found("SELECT 'abc"), Some((7, "string")));
    assert_eq!(found("SELECT 'it''s"), Some((7, "string")));
    assert_eq!(found("SELECT E'a\\'"), Some((7, "string")));
    assert_eq!(found("SELECT \"col"), Some((7, "quoted name")));
    assert_eq!(found("SELECT [col"), Some((7, "bracketed name")));
    assert_eq!(found("DO $body$ BEGIN"), Some((3, "dollar-quoted body")));
    assert_eq!(found("SELECT '"), Some((7, "string")));
    for sql in [
        "SELECT 'a'",
        "SELECT 'it''s'",
        "SELECT E'a\\''",
        "SELECT \"c\"",
        "SELECT [c]",
        "DO $$ x $$",
        "SELECT $1",
        "SELECT $",
        "SELECT 1 -- 'x",
        "SELECT 1 /* 'x */",
    ] {
        assert_eq!(found(sql), None, "{sql}");
    }
}

#[test]
fn finds_a_comment_opened_inside_a_comment() {
    let sql = "SELECT 1;\n/*\nold /* legacy */\n*/\nSELECT 2;";
    assert_eq!(nested_comment(sql), sql.find("/* legacy"));
    for sql in [
        "/* a */ /* b */",
        "SELECT '/* /*';",
        "-- /* /*\nSELECT 1",
        "/* a * / b */",
    ] {
        assert_eq!(nested_comment(sql), None, "{sql}");
    }
}

#[test]
fn begin_and_end_naming_columns_inside_a_trigger_do_not_end_the_body() {
    let trigger = "CREATE TRIGGER spans_ins AFTER INSERT ON spans BEGIN\n  \
                   UPDATE spans SET end = NEW.begin + 1 WHERE id = NEW.id AND end IS NULL;\n  \
                   INSERT INTO log VALUES (NEW.id);\nEND;";
    round_trip(&[
        "CREATE TABLE spans (id INTEGER PRIMARY KEY, begin INTEGER, end INTEGER);",
        trigger,
        "SELECT 2;",
    ]);
    // A column named `begin` before the body, and the body's `END` before a comment.
    let trigger = "CREATE TRIGGER t AFTER UPDATE OF begin ON spans BEGIN\n  \
                   SELECT CASE WHEN NEW.end > 0 THEN 1 END;\nEND -- done\n;";
    round_trip(&[trigger, "SELECT 3"]);
}

#[test]
fn recognises_temp_triggers_case_insensitively() {
    for create in [
        "create temp trigger",
        "Create Temporary Trigger",
        "CREATE TRIGGER IF NOT EXISTS",
    ] {
        let trigger = format!("{create} t BEFORE DELETE ON a begin SELECT 1; end;");
        round_trip(&[&trigger, "SELECT 3;"]);
    }
}

#[test]
fn keywords_inside_strings_comments_or_longer_words_do_not_count() {
    let trigger = "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 'END;', \"end\", backend \
                   -- END\n; /* END */ SELECT ending; END;";
    round_trip(&[trigger, "SELECT 2;"]);
}

#[test]
fn keeps_semicolons_inside_begin_atomic_function_bodies() {
    let function = "CREATE OR REPLACE FUNCTION f(begin int) RETURNS int LANGUAGE sql\n\
                    BEGIN ATOMIC\n  SELECT CASE WHEN begin > 0 THEN 1 ELSE 0 END;\n  SELECT 2;\nEND;";
    let procedure = "CREATE PROCEDURE p() BEGIN /* c */ atomic INSERT INTO t VALUES (1); END;";
    round_trip(&[function, procedure, "SELECT 3;"]);
}

#[test]
fn treats_begin_and_commit_as_ordinary_statements() {
    round_trip(&["BEGIN;", "SELECT CASE x WHEN 1 THEN 2 END;", "COMMIT;"]);
    round_trip(&["BEGIN TRANSACTION;", "DELETE FROM a;", "END;"]);
}

#[test]
fn unterminated_strings_and_comments_run_to_the_end() {
    for tail in [
        "'a; b",
        "\"a; b",
        "`a; b",
        "[a; b",
        "E'a\\",
        "$$ a; b",
        "$t$ a; $$",
    ] {
        round_trip(&["SELECT 1;", &format!("SELECT {tail}")]);
    }
    splits("SELECT 1; SELECT /* a; /* b */", &["SELECT 1;", "SELECT"]);
}

#[test]
fn handles_non_ascii_text_anywhere() {
    round_trip(&["SELECT 'ü;';", "SELECT ü\u{a0};"]);
    round_trip(&["SELECT $é$;$é$;", "É'\\é"]);
}

/// The first `/*` comment never closed, found by lexing on its own after a leading BOM (the
/// SQL as it runs): what [`survey`] must agree with.
fn unterminated_alone(sql: &str) -> Option<usize> {
    let body = sql.len() - sql.strip_prefix('\u{feff}').unwrap_or(sql).len();
    let mut lexer = Lexer {
        src: sql,
        pos: body,
    };
    while let Some(token) = lexer.next_token() {
        if sql.get(token.start..).is_some_and(is_unterminated_comment) {
            return Some(token.start);
        }
    }
    None
}

fn check_invariants(sql: &str) {
    let mut previous_end = 0;
    let statements = split_statements(sql);
    for (i, s) in statements.iter().enumerate() {
        assert_eq!(s.number, i + 1);
        assert_eq!(sql.get(s.offset..s.offset + s.text.len()), Some(s.text));
        assert!(s.offset >= previous_end && !s.text.is_empty() && s.text != ";");
        assert!(!s.text.starts_with(char::is_whitespace));
        previous_end = s.offset + s.text.len();
    }
    assert_eq!(
        survey(sql),
        Survey {
            statements: statements.len(),
            unterminated_comment: unterminated_alone(sql),
            unterminated_quote: survey(sql).unterminated_quote,
            transaction_control: statements
                .iter()
                .filter_map(|s| control_alone(s.text).map(|c| (s.offset, c)))
                .collect(),
        }
    );
}

/// What a statement does to transactions, from its own text.
fn control_alone(text: &str) -> Option<TransactionControl> {
    let upper = text.to_ascii_uppercase();
    let words: Vec<&str> = upper
        .split(|c: char| !is_word_char(c))
        .filter(|w| !w.is_empty())
        .take(3)
        .collect();
    if !text.starts_with(|c: char| is_word_start(c)) {
        return None;
    }
    match words.as_slice() {
        ["BEGIN", ..] | ["START", "TRANSACTION", ..] => Some(TransactionControl::Begin),
        ["COMMIT" | "END" | "ABORT", ..] | ["PREPARE", "TRANSACTION", ..] => {
            Some(TransactionControl::End)
        }
        ["ROLLBACK", "TO", ..] | ["ROLLBACK", _, "TO"] => None,
        ["ROLLBACK", ..] => Some(TransactionControl::End),
        ["SAVEPOINT", ..] => Some(TransactionControl::Savepoint),
        ["RELEASE", ..] => Some(TransactionControl::Release),
        _ => None,
    }
}

#[test]
fn finds_the_statements_that_start_or_end_a_transaction() {
    use TransactionControl::{Begin, End, Release, Savepoint};
    let found = |sql: &str| -> Vec<TransactionControl> {
        survey(sql)
            .transaction_control
            .into_iter()
            .map(|(_, c)| c)
            .collect()
    };
    assert_eq!(found("BEGIN;\nCREATE TABLE a (x);\nCOMMIT;"), [Begin, End]);
    assert_eq!(
        found("begin immediate transaction; end transaction;"),
        [Begin, End]
    );
    assert_eq!(
        found("START TRANSACTION; ROLLBACK; ABORT; PREPARE TRANSACTION 'x';"),
        [Begin, End, End, End]
    );
    assert_eq!(
        found("SAVEPOINT a; ROLLBACK TO a; ROLLBACK TRANSACTION TO SAVEPOINT a; RELEASE a;"),
        [Savepoint, Release]
    );
    // Inside statements: trigger bodies, CASE, names, strings, comments, dollar quotes.
    assert_eq!(
        found(
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT CASE WHEN 1 THEN 2 END; END;\n\
               SELECT 'COMMIT'; -- COMMIT\nCREATE TABLE commit_log (x);\n\
               DO $$ BEGIN COMMIT; END $$;\nPREPARE q AS SELECT 1;"
        ),
        []
    );
    // The offset is the statement's first character.
    let sql = "CREATE TABLE a (x);\n  COMMIT;";
    assert_eq!(
        survey(sql).transaction_control,
        [(sql.find("COMMIT").unwrap(), End)]
    );
}

#[test]
fn reads_the_name_a_savepoint_statement_names() {
    let name = |sql: &str| savepoint_name(sql, 0);
    assert_eq!(name("SAVEPOINT fill;").as_deref(), Some("fill"));
    assert_eq!(name("savepoint /* c */ Fill").as_deref(), Some("fill"));
    assert_eq!(name("RELEASE fill;").as_deref(), Some("fill"));
    assert_eq!(
        name("RELEASE SAVEPOINT \"Fi\"\"ll\";").as_deref(),
        Some("fi\"ll")
    );
    assert_eq!(name("RELEASE [a b]").as_deref(), Some("a b"));
    assert_eq!(name("SAVEPOINT `x`").as_deref(), Some("x"));
    assert_eq!(name("SAVEPOINT savepoint;").as_deref(), Some("savepoint"));
    assert_eq!(
        name("RELEASE SAVEPOINT savepoint").as_deref(),
        Some("savepoint")
    );
    assert_eq!(name("RELEASE savepoint;").as_deref(), Some("savepoint"));
    assert_eq!(name("SAVEPOINT;"), None);
    assert_eq!(name("SAVEPOINT"), None);
    assert_eq!(name("SAVEPOINT (").as_deref(), None);
    let sql = "SELECT 1; SAVEPOINT b;";
    assert_eq!(
        savepoint_name(sql, sql.find("SAVE").unwrap()).as_deref(),
        Some("b")
    );
}

proptest! {
    #[test]
    fn never_panics_on_arbitrary_text(sql in "\\PC{0,300}") {
        check_invariants(&sql);
    }

    #[test]
    fn never_panics_on_sql_like_text(sql in "[a-zA-Z;'\"$ \\n\\-/*\\[\\]`]{0,200}") {
        check_invariants(&sql);
    }

    #[test]
    fn never_panics_on_keyword_soup(words in prop::collection::vec(prop::sample::select(vec![
        "CREATE", "TEMP", "TRIGGER", "FUNCTION", "BEGIN", "ATOMIC", "CASE", "END", ";", "'",
        "E'", "\\", "$$", "$a$", "$1", "--", "\n", "/*", "*/", "é", "\u{feff}", " ",
    ]), 0..60)) {
        check_invariants(&words.concat());
    }
}

#[test]
fn a_byte_order_mark_inside_the_text_is_blank() {
    // SQLite reads U+FEFF as a space wherever it is.
    splits(
        "CREATE TABLE a (x);\n\u{feff}CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2; END;",
        &[
            "CREATE TABLE a (x);",
            "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2; END;",
        ],
    );
    assert_eq!(survey("CREATE TABLE a (x);\n\u{feff}").statements, 1);
}

#[test]
fn files_that_run_nothing_have_no_statements() {
    // What marks a file a no-op (an empty down means "nothing to undo").
    for sql in [
        "",
        "  \n\t",
        "-- nothing to undo\n",
        "/* none */\n-- x",
        "\u{feff};\n",
        "/* nothing /* to */ undo */",
    ] {
        assert_eq!(survey(sql).statements, 0, "{sql:?}");
    }
    for sql in ["SELECT 1", "-- c\nDROP TABLE a;", "/* a */ x"] {
        assert_ne!(survey(sql).statements, 0, "{sql:?}");
    }
}

#[test]
fn a_goose_statement_block_is_one_statement() {
    let sql = "-- +goose StatementBegin\nCREATE FUNCTION f() RETURNS INT LANGUAGE plpgsql AS 'BEGIN RETURN 1; END';\nSELECT 1;\n-- +goose StatementEnd\nSELECT 2;\n--  +goose statementbegin\nSELECT 3; SELECT 4\n-- +goose StatementEnd\n";
    let statements = split_statements(sql);
    let texts: Vec<&str> = statements.iter().map(|s| s.text).collect();
    assert_eq!(
        texts,
        [
            "CREATE FUNCTION f() RETURNS INT LANGUAGE plpgsql AS 'BEGIN RETURN 1; END';\nSELECT 1;",
            "SELECT 2;",
            "SELECT 3; SELECT 4"
        ]
    );
    assert_eq!(survey(sql).statements, 3);
}
