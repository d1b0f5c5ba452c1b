//! `schema advise`: index advice on the schema a folder makes and on the application's queries,
//! on SQLite (in memory) and on the PostgreSQL server (a scratch database on `--dev-url`); its
//! text and JSON, and `--write`, whose migration the build check accepts, `up` applies, and after
//! which the advice is empty.

use crate::postgres::{pg_project, server_url};
use crate::support::{run_schema, Project};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;

/// A blog's schema, the same SQL on both databases, with an unindexed foreign key
/// (`comments.author_id`, `post_tags.tag_id`), a redundant index (`comments_post_idx`) and a
/// duplicate one (`tags_name_idx`).
const BLOG: &str = "CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE UNIQUE INDEX users_email_key ON users (email);
CREATE TABLE posts (
    id BIGINT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    score INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX posts_user_idx ON posts (user_id);
CREATE TABLE comments (
    id BIGINT PRIMARY KEY,
    post_id BIGINT NOT NULL REFERENCES posts (id),
    author_id BIGINT REFERENCES users (id),
    body TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX comments_post_created_idx ON comments (post_id, created_at);
CREATE INDEX comments_post_idx ON comments (post_id);
CREATE TABLE tags (id BIGINT PRIMARY KEY, name TEXT NOT NULL);
CREATE INDEX tags_name_idx ON tags (name);
CREATE INDEX tags_name_dup_idx ON tags (name);
CREATE TABLE post_tags (
    post_id BIGINT NOT NULL REFERENCES posts (id),
    tag_id BIGINT NOT NULL REFERENCES tags (id),
    PRIMARY KEY (post_id, tag_id)
);
";

/// The corpus: a file name, the query (with `?`; `$1`, `$2`... on PostgreSQL), and the advice
/// expected on it, each finding as `kind: index to create`, the same on both databases.
const CORPUS: &[(&str, &str, &[&str])] = &[
    (
        "feed",
        "SELECT * FROM posts WHERE user_id = ? ORDER BY updated_at DESC",
        &["temporary_sort: posts (user_id, updated_at DESC)"],
    ),
    (
        "by_title",
        "SELECT * FROM posts WHERE title = ?",
        &["full_scan: posts (title)"],
    ),
    ("by_user", "SELECT * FROM posts WHERE user_id = ?", &[]),
    ("by_email", "SELECT * FROM users WHERE email = ?", &[]),
    (
        "by_status_score",
        "SELECT * FROM posts WHERE status = ? AND score > ?",
        &["full_scan: posts (status, score)"],
    ),
    (
        "thread",
        "SELECT * FROM comments WHERE post_id = ? ORDER BY created_at",
        &[],
    ),
    (
        "by_author",
        "SELECT * FROM comments WHERE author_id = ?",
        &["full_scan: comments (author_id)"],
    ),
    (
        "latest",
        "SELECT id FROM posts ORDER BY updated_at DESC LIMIT 10",
        &["temporary_sort: posts (updated_at DESC)"],
    ),
    ("by_id", "SELECT * FROM posts WHERE id = ?", &[]),
    (
        "set_status",
        "UPDATE posts SET status = ? WHERE status = ?",
        &["full_scan: posts (status)"],
    ),
    (
        "purge",
        "DELETE FROM comments WHERE created_at < ?",
        &["full_scan: comments (created_at)"],
    ),
    (
        "join",
        "SELECT u.name, p.title FROM users u JOIN posts p ON p.user_id = u.id WHERE u.email = ?",
        &[],
    ),
    ("tags_in", "SELECT * FROM tags WHERE name IN (?, ?)", &[]),
    ("count", "SELECT count(*) FROM posts", &[]),
    (
        "by_user_status",
        "SELECT * FROM posts WHERE user_id = ? AND status = ?",
        &[],
    ),
    (
        "in_subquery",
        "SELECT * FROM comments WHERE post_id IN (SELECT id FROM posts WHERE title = ?)",
        &["full_scan: posts (title)"],
    ),
    (
        "by_name_ordered",
        "SELECT * FROM users WHERE name = ? ORDER BY created_at",
        &["full_scan: users (name, created_at)"],
    ),
    (
        "by_tag",
        "SELECT post_id FROM post_tags WHERE tag_id = ?",
        &["full_scan: post_tags (tag_id)"],
    ),
    (
        "correlated",
        "SELECT * FROM posts p WHERE EXISTS (SELECT 1 FROM comments c WHERE c.post_id = p.id AND c.author_id = ?)",
        &[],
    ),
];

/// Where PostgreSQL's planner differs: it turns the `EXISTS` into a join that reads all of
/// `comments` for its `author_id`; SQLite looks each post's comments up by `post_id`.
const POSTGRES_DIFFERS: &[(&str, &[&str])] =
    &[("correlated", &["full_scan: comments (author_id)"])];

/// What the schema alone gets, on both databases.
const SCHEMA_ADVICE: &[&str] = &[
    "unindexed_foreign_key comments: comments (author_id)",
    "redundant_index comments: drop comments_post_idx",
    "unindexed_foreign_key post_tags: post_tags (tag_id)",
    "duplicate_index tags: drop tags_name_idx",
];

/// `?` as PostgreSQL writes parameters: `$1`, `$2`, ...
fn numbered(sql: &str) -> String {
    let mut n = 0;
    sql.chars()
        .map(|c| {
            if c == '?' {
                n += 1;
                format!("${n}")
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Writes the corpus in `queries/`, one file per query, with `bad.sql` (a query the database
/// cannot plan) unless `only_good`.
fn write_corpus(dir: &Path, postgres: bool, only_good: bool) {
    let queries = dir.join("queries");
    let _ = std::fs::remove_dir_all(&queries);
    std::fs::create_dir_all(&queries).unwrap();
    for (name, sql, _) in CORPUS {
        let sql = if postgres {
            numbered(sql)
        } else {
            sql.to_string()
        };
        std::fs::write(
            queries.join(format!("{name}.sql")),
            format!("-- {name}\n{sql};\n"),
        )
        .unwrap();
    }
    if !only_good {
        std::fs::write(
            queries.join("bad.sql"),
            "SELECT * FROM posts WHERE nosuch = 1;\n",
        )
        .unwrap();
    }
}

/// Each query file's findings as `kind: table (keys)`, and the schema's as in `SCHEMA_ADVICE`.
fn summary(json: &Value) -> (BTreeMap<String, Vec<String>>, Vec<String>) {
    let mut by_file: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let mut schema = Vec::new();
    for f in json["findings"].as_array().unwrap() {
        let kind = f["kind"].as_str().unwrap();
        let create = &f["create"];
        let target = if create.is_null() {
            String::new()
        } else {
            let keys: Vec<String> = create["keys"]
                .as_array()
                .unwrap()
                .iter()
                .map(|k| {
                    let desc = if k["descending"].as_bool().unwrap() {
                        " DESC"
                    } else {
                        ""
                    };
                    format!("{}{desc}", k["column"].as_str().unwrap())
                })
                .collect();
            format!(
                "{} ({})",
                create["table"].as_str().unwrap(),
                keys.join(", ")
            )
        };
        match f["query"]["file"].as_str() {
            Some(file) => {
                let stem = Path::new(file)
                    .file_stem()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                by_file
                    .entry(stem)
                    .or_default()
                    .push(format!("{kind}: {target}"));
            }
            None => {
                let table = f["table"].as_str().unwrap();
                let what = match f["drop"].as_str() {
                    Some(index) => format!("drop {index}"),
                    None => target,
                };
                schema.push(format!("{kind} {table}: {what}"));
            }
        }
    }
    (by_file, schema)
}

/// Checks the whole corpus's advice, the schema's, and the failed query's.
fn check_corpus(json: &Value, postgres: bool) {
    let (by_file, schema) = summary(json);
    let mut wrong = Vec::new();
    for (name, sql, expected) in CORPUS {
        let differs = POSTGRES_DIFFERS.iter().find(|(n, _)| n == name);
        let expected = match differs {
            Some((_, on_postgres)) if postgres => on_postgres,
            _ => expected,
        };
        let got = by_file.get(*name).cloned().unwrap_or_default();
        if got != *expected {
            wrong.push(format!(
                "{name} ({sql}):\n  expected {expected:?}\n  got      {got:?}"
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "advice differs:\n{}\n\n{json:#}",
        wrong.join("\n")
    );
    assert_eq!(schema, SCHEMA_ADVICE);
    assert_eq!(by_file["bad"], vec!["query_failed: "]);
    assert_eq!(json["queries"], CORPUS.len() + 1);
    assert_eq!(json["ok"], false);
}

/// The indexes `--write` creates and drops, on both databases.
fn check_changes(json: &Value) {
    let created: Vec<String> = json["changes"]["create"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(
        created,
        [
            "comments_author_id_idx",
            "comments_created_at_idx",
            "post_tags_tag_id_idx",
            "posts_status_score_idx",
            "posts_title_idx",
            "posts_updated_at_idx",
            "posts_user_id_updated_at_idx",
            "users_name_created_at_idx",
        ]
    );
    let dropped: Vec<&str> = json["changes"]["drop"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        dropped,
        ["comments_post_idx", "tags_name_idx", "posts_user_idx"]
    );
}

fn blog() -> Project {
    let project = Project::new();
    project.write("1_blog.sql", BLOG);
    project
}

#[test]
fn advise_on_sqlite_finds_the_corpus_advice() {
    let project = blog();
    write_corpus(project.path(), false, false);
    let run = run_schema(
        project.path(),
        None,
        &["advise", "--queries", "queries", "--json"],
    )
    .code(0);
    let json = run.json();
    check_corpus(&json, false);
    check_changes(&json);
    assert!(!project.sqlite_file().exists(), "no database is created");
}

#[test]
fn advise_on_postgres_finds_the_corpus_advice() {
    let project = blog();
    write_corpus(project.path(), true, false);
    let server = server_url();
    let run = run_schema(
        project.path(),
        None,
        &[
            "advise",
            "--queries",
            "queries",
            "--dev-url",
            &server,
            "--json",
        ],
    )
    .code(0);
    let json = run.json();
    check_corpus(&json, true);
    check_changes(&json);
}

#[test]
fn advise_prints_each_finding_with_its_file_line_plan_and_fix() {
    let project = Project::new();
    project.write(
        "1_posts.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, updated_at TEXT NOT NULL);
CREATE INDEX posts_user_idx ON posts (user_id);
",
    );
    std::fs::create_dir_all(project.path().join("queries")).unwrap();
    std::fs::write(
        project.path().join("queries/feed.sql"),
        "-- The feed of one user.\n\nSELECT * FROM posts\nWHERE user_id = ? ORDER BY updated_at DESC;\n",
    )
    .unwrap();
    let run = run_schema(project.path(), None, &["advise", "--queries", "queries"]).code(0);
    assert_eq!(
        run.stdout,
        "temporary_sort: queries/feed.sql:3: sorts the rows of `posts` for its ORDER BY in a temporary B-tree
  query: SELECT * FROM posts WHERE user_id = ? ORDER BY updated_at DESC
  plan:  USE TEMP B-TREE FOR ORDER BY
  fix:   create index `posts_user_id_updated_at_idx` on posts (user_id, updated_at DESC)
1 finding on the schema and 1 query
`schema advise --write <NAME>` writes the indexes to create and drop as a migration
"
    );
}

#[test]
fn advise_reads_the_queries_of_sqlx_calls_in_rust_sources() {
    let project = Project::new();
    project.write(
        "1_posts.sql",
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL, title TEXT NOT NULL);
CREATE INDEX posts_user_idx ON posts (user_id);
",
    );
    std::fs::create_dir_all(project.path().join("src")).unwrap();
    std::fs::write(
        project.path().join("src/lib.rs"),
        r##"pub async fn titled(pool: &sqlx::SqlitePool, title: &str) {
    let _ = sqlx::query!("SELECT id FROM posts WHERE title = ?", title).fetch_all(pool).await;
    let _ = sqlx::query_as::<_, (i64,)>(
        r#"SELECT id FROM posts WHERE user_id = ?"#,
    );
}
"##,
    )
    .unwrap();
    let json = run_schema(
        project.path(),
        None,
        &["advise", "--sources", "src", "--json"],
    )
    .code(0)
    .json();
    assert_eq!(json["queries"], 2);
    let findings = json["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{json:#}");
    assert_eq!(findings[0]["kind"], "full_scan");
    assert_eq!(findings[0]["query"]["file"], "src/lib.rs");
    assert_eq!(findings[0]["query"]["line"], 2);
    assert_eq!(findings[0]["create"]["name"], "posts_title_idx");
}

/// `--write`, then `up` (which checks the folder as the build does) applies it, and the advice
/// on the migrations, and on the live database, is empty; `down` brings it back.
#[test]
fn advise_write_on_sqlite_makes_a_migration_after_which_nothing_is_advised() {
    let project = blog();
    write_corpus(project.path(), false, true);
    let before = run_schema(
        project.path(),
        None,
        &["advise", "--queries", "queries", "--json"],
    )
    .code(0)
    .json();
    let run = run_schema(
        project.path(),
        None,
        &["advise", "--queries", "queries", "--write", "indexes"],
    )
    .code(0);
    assert!(run.stdout.contains("wrote migrations/"), "{}", run.stdout);
    let files = migration_files(&project, "indexes");
    assert_eq!(files.len(), 2, "an up and a down: {files:?}");
    let up = std::fs::read_to_string(&files[1]).unwrap();
    assert!(
        up.contains(
            "CREATE INDEX posts_user_id_updated_at_idx ON posts (user_id, updated_at DESC);"
        ),
        "{up}"
    );
    assert!(up.contains("DROP INDEX posts_user_idx;"), "{up}");
    project.schema(&["up", "-q"]).code(0);
    let again = run_schema(
        project.path(),
        None,
        &["advise", "--queries", "queries", "--json"],
    )
    .code(0)
    .json();
    assert_eq!(again["findings"], serde_json::json!([]), "{again:#}");
    assert_eq!(again["ok"], true);
    let live = project
        .schema(&["advise", "--queries", "queries", "--json"])
        .code(0)
        .json();
    assert_eq!(live["findings"], serde_json::json!([]), "{live:#}");
    // The down undoes it: the live database gets the first advice again.
    project.schema(&["down", "-q"]).code(0);
    let reverted = project
        .schema(&["advise", "--queries", "queries", "--json"])
        .code(0)
        .json();
    assert_eq!(reverted["changes"], before["changes"]);
}

#[test]
fn advise_write_on_postgres_makes_a_concurrent_migration_after_which_nothing_is_advised() {
    let project = pg_project(None);
    project.write("1_blog.sql", BLOG);
    write_corpus(project.path(), true, true);
    let server = server_url();
    let run = run_schema(
        project.path(),
        None,
        &[
            "advise",
            "--queries",
            "queries",
            "--dev-url",
            &server,
            "--write",
            "indexes",
        ],
    )
    .code(0);
    assert!(run.stdout.contains("wrote migrations/"), "{}", run.stdout);
    let files = migration_files(&project, "indexes");
    let up = std::fs::read_to_string(&files[1]).unwrap();
    assert!(up.starts_with("-- no-transaction\n"), "{up}");
    assert!(up.contains("CREATE INDEX CONCURRENTLY posts_user_id_updated_at_idx ON posts (user_id, updated_at DESC);"), "{up}");
    assert!(
        up.contains("DROP INDEX CONCURRENTLY posts_user_idx;"),
        "{up}"
    );
    project.schema(&["up", "-q"]).code(0);
    let again = run_schema(
        project.path(),
        None,
        &[
            "advise",
            "--queries",
            "queries",
            "--dev-url",
            &server,
            "--json",
        ],
    )
    .code(0)
    .json();
    assert_eq!(again["findings"], serde_json::json!([]), "{again:#}");
    let live = project
        .schema(&["advise", "--queries", "queries", "--json"])
        .code(0)
        .json();
    assert_eq!(live["findings"], serde_json::json!([]), "{live:#}");
    project.schema(&["down", "-q"]).code(0);
    let reverted = project
        .schema(&["advise", "--queries", "queries", "--json"])
        .code(0)
        .json();
    assert_eq!(
        reverted["changes"]["drop"].as_array().unwrap().len(),
        3,
        "{reverted:#}"
    );
}

#[test]
fn advise_on_postgres_without_a_dev_url_says_how_to_give_one() {
    let project = blog();
    let run = run_schema(project.path(), None, &["advise", "--dialect", "postgres"]).code(1);
    assert!(
        run.stderr.contains("pass `--dev-url <URL>`"),
        "{}",
        run.stderr
    );
}

/// The files of the migration named `name`: sorted, so the down comes first.
fn migration_files(project: &Project, name: &str) -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(project.migrations())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(name))
        .collect();
    files.sort();
    files
}

/// The example service: its migrations and the queries of `examples/service.rs`.
#[test]
fn advise_on_the_example_service() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let json = run_schema(
        &root,
        None,
        &[
            "advise",
            "--source",
            "migrations",
            "--sources",
            "examples/service.rs",
            "--json",
        ],
    )
    .code(0)
    .json();
    let (by_file, schema) = summary(&json);
    assert_eq!(
        schema,
        [
            "unindexed_foreign_key comments: comments (author_id)",
            "redundant_index projects: drop projects_owner_idx",
            "redundant_index tasks: drop tasks_project_idx",
        ],
        "{json:#}"
    );
    let found: Vec<(&str, &Vec<String>)> = by_file.iter().map(|(f, v)| (f.as_str(), v)).collect();
    assert_eq!(
        found,
        [(
            "service",
            &vec![
                "full_scan: accounts (email)".to_owned(),
                "full_scan: projects (name)".to_owned(),
                "full_scan: tasks (title)".to_owned(),
                // `open_tasks` is a view over three tables: no one index serves its order.
                "temporary_sort: ".to_owned(),
            ]
        )],
        "{json:#}"
    );
    let lines: Vec<i64> = json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["query"]["line"].as_i64())
        .collect();
    assert_eq!(
        lines,
        [89, 95, 95, 102],
        "the lines of the calls in examples/service.rs"
    );
}

/// Real PostgreSQL folders, as their projects ship them, on a scratch database of the server:
/// apalis's two plain indexes that duplicate a unique one, Lemmy's foreign keys no index serves,
/// and nothing for atuin's sync server, whose foreign keys are all indexed.
#[test]
fn advise_on_real_postgresql_folders() {
    let server = server_url();
    let advise = |fixture: &str| {
        let project = Project::with_fixture(fixture);
        let json = run_schema(
            project.path(),
            None,
            &[
                "advise",
                "--dialect",
                "postgres",
                "--dev-url",
                &server,
                "--json",
            ],
        )
        .code(0)
        .json();
        summary(&json).1
    };
    assert_eq!(
        advise("real/apalis-postgres"),
        [
            "duplicate_index apalis.jobs: drop apalis.tidx",
            "duplicate_index apalis.workers: drop apalis.idx",
        ]
    );
    assert_eq!(advise("real/atuin-server-postgres"), Vec::<String>::new());
    let lemmy = advise("real/lemmy");
    for expected in [
        "unindexed_foreign_key mod_remove_post: mod_remove_post (post_id)",
        "unindexed_foreign_key mod_lock_post: mod_lock_post (post_id)",
        "unindexed_foreign_key tagline: tagline (local_site_id)",
    ] {
        assert!(
            lemmy.iter().any(|f| f == expected),
            "`{expected}` missing from {lemmy:#?}"
        );
    }
    assert_eq!(lemmy.len(), 63, "{lemmy:#?}");
}
