//! `schema diagram`: Mermaid and DOT text (DOT checked by Graphviz's `dot`), and the HTML page
//! rendered by a real headless browser (Debian's `chromium`): its DOM holds every table's name,
//! its screenshot is not blank, and OCR (Debian's `tesseract`) reads the tables' names off the
//! picture. `scripts/with-postgres` installs the three; without them these tests fail.

use crate::dump::SHOP;
use crate::postgres::pg_project;
use crate::support::Project;
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn shop() -> Project {
    let project = Project::new();
    project.write("1_shop.sql", SHOP);
    project.schema(&["up", "-q"]).code(0);
    project
}

/// The names of the 50 tables of [`fifty_tables`].
const NOUNS: [&str; 50] = [
    "accounts",
    "addresses",
    "invoices",
    "payments",
    "orders",
    "products",
    "categories",
    "suppliers",
    "warehouses",
    "shipments",
    "carriers",
    "customers",
    "reviews",
    "coupons",
    "carts",
    "sessions",
    "users",
    "roles",
    "permissions",
    "audits",
    "tickets",
    "comments",
    "attachments",
    "tags",
    "projects",
    "tasks",
    "milestones",
    "teams",
    "members",
    "vendors",
    "contracts",
    "regions",
    "countries",
    "currencies",
    "rates",
    "taxes",
    "refunds",
    "returns",
    "stocks",
    "batches",
    "labels",
    "devices",
    "events",
    "alerts",
    "reports",
    "exports",
    "imports",
    "jobs",
    "queues",
    "webhooks",
];

/// 50 tables of 2 to 8 columns, each after the first referencing an earlier one, every third a
/// second one through a nullable key.
fn fifty_tables() -> String {
    let mut sql = String::new();
    for (i, name) in NOUNS.iter().enumerate() {
        let mut columns = vec![
            "id INTEGER PRIMARY KEY".to_owned(),
            "name TEXT NOT NULL".to_owned(),
        ];
        for k in 0..i % 5 {
            let kind = if k % 2 == 1 { "TEXT" } else { "INTEGER" };
            let not_null = if k % 3 == 0 { " NOT NULL" } else { "" };
            columns.push(format!("field_{k} {kind}{not_null}"));
        }
        if i > 0 {
            let parent = NOUNS[(i * 7 + 3) % i];
            columns.push(format!(
                "{parent}_id INTEGER NOT NULL REFERENCES {parent} (id)"
            ));
        }
        if i > 3 && i % 3 == 0 {
            let other = NOUNS[i / 2];
            columns.push(format!("{other}_ref INTEGER REFERENCES {other} (id)"));
        }
        sql.push_str(&format!(
            "CREATE TABLE {name} (\n    {}\n);\n",
            columns.join(",\n    ")
        ));
    }
    sql
}

#[test]
fn diagram_mermaid_draws_each_table_with_its_keys_and_each_foreign_key() {
    let project = shop();
    let run = project.schema(&["diagram"]).code(0);
    assert_eq!(
        run.stdout,
        r#"erDiagram
    %% The database's schema
    items {
        integer id PK
        integer owner_id FK "NOT NULL"
        integer parent_id FK
        integer qty "NOT NULL"
    }
    owners {
        integer id PK
        text name "NOT NULL"
        character_varying(200) email UK
    }
    owners ||--o{ items : "owner_id"
    items |o--o{ items : "parent_id"
"#
    );
    let same = project.schema(&["diagram", "--format", "mermaid"]).code(0);
    assert_eq!(same.stdout, run.stdout);
}

/// `dot -Tsvg` on `text`: the SVG, or a panic with Graphviz's complaint.
fn graphviz(text: &str) -> String {
    use std::io::Write;
    let mut child = Command::new("dot")
        .arg("-Tsvg")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("cannot run Graphviz's `dot` ({e}): install Debian's graphviz (scripts/with-postgres does)")
        });
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stderr.trim().is_empty(),
        "dot refused the diagram:\n{stderr}\n{text}"
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn diagram_dot_is_accepted_by_graphviz() {
    let project = shop();
    let dot = project
        .schema(&["diagram", "--format", "dot"])
        .code(0)
        .stdout;
    // items.owner_id (row 1 of table 0) references owners.id (row 0 of table 1).
    assert!(
        dot.contains("    t0:c1 -> t1:c0 [label=\"owner_id\"];"),
        "{dot}"
    );
    let svg = graphviz(&dot);
    for name in ["items", "owners", "owner_id", "character varying(200)"] {
        assert!(
            svg.contains(&format!(">{name}<")),
            "{name} not drawn:\n{svg}"
        );
    }
    // Names that need escaping in DOT's HTML-like labels.
    let odd = Project::new();
    crate::support::exec(
        &odd.sqlite_file(),
        r#"CREATE TABLE "a<b>&c" ("x""y" INTEGER PRIMARY KEY); CREATE TABLE "child table" (p INTEGER REFERENCES "a<b>&c")"#,
    );
    let dot = odd.schema(&["diagram", "--format", "dot"]).code(0).stdout;
    let svg = graphviz(&dot);
    assert!(svg.contains("a&lt;b&gt;&amp;c"), "{svg}");
    let mermaid = odd.schema(&["diagram"]).code(0).stdout;
    assert_eq!(
        mermaid,
        r#"erDiagram
    %% The database's schema
    %% a_b__c is the table a<b>&c
    a_b__c {
        integer x_y PK "x'y"
    }
    %% child_table is the table child table
    child_table {
        integer p FK
    }
    a_b__c |o--o{ child_table : "p"
"#
    );
}

/// The HTML page of `project`'s database, written to `page.html` in its folder.
fn html_page(project: &Project) -> std::path::PathBuf {
    let html = project
        .schema(&["diagram", "--format", "html"])
        .code(0)
        .stdout;
    // One file, nothing fetched: no script, no stylesheet or image by address.
    for banned in ["<script", "src=", "href=", "@import", "url(http"] {
        assert!(!html.contains(banned), "the page has `{banned}`");
    }
    let page = project.path().join("page.html");
    std::fs::write(&page, html).unwrap();
    page
}

/// The SVG's size, from its `width` and `height`.
fn svg_size(page: &Path) -> (u32, u32) {
    let html = std::fs::read_to_string(page).unwrap();
    let tag = &html[html.find("<svg ").unwrap()..];
    let attr = |name: &str| -> u32 {
        let at = tag.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
        tag[at..].split('"').next().unwrap().parse().unwrap()
    };
    (attr("width"), attr("height"))
}

/// Runs Debian's headless chromium on `page` with `args`, isolated in a profile of its own and
/// with no network of its own (no background requests, updates or sync); its stdout.
fn chromium(page: &Path, args: &[&str]) -> String {
    let profile = tempfile::tempdir().unwrap();
    let output = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `chromium` ({e}): install Debian's chromium (scripts/with-postgres does)")
        });
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A screenshot of the whole page at twice its size, for OCR.
fn screenshot(page: &Path) -> std::path::PathBuf {
    let (width, height) = svg_size(page);
    let png = page.with_extension("png");
    chromium(
        page,
        &[
            "--force-device-scale-factor=2",
            &format!("--window-size={},{}", width + 60, height + 140),
            &format!("--screenshot={}", png.display()),
        ],
    );
    png
}

/// The picture's pixels are not one colour: how many differ from the top-left one, and how many
/// colours there are.
fn ink(png: &Path) -> (f64, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buffer = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buffer).unwrap();
    let channels = info.color_type.samples();
    let pixels: Vec<&[u8]> = buffer[..info.buffer_size()].chunks(channels).collect();
    let background = pixels[pixels.len() / 2 - 1 - info.width as usize / 2];
    let background = pixels.iter().filter(|p| *p == &background).count();
    let colours: BTreeSet<&[u8]> = pixels.iter().copied().collect();
    (1.0 - background as f64 / pixels.len() as f64, colours.len())
}

/// The words Debian's tesseract reads off `png` (sparse text: a diagram is no page of prose),
/// in lower case.
fn ocr(png: &Path) -> BTreeSet<String> {
    let output = Command::new("tesseract")
        .arg(png)
        .args(["stdout", "--psm", "11"])
        .output()
        .unwrap_or_else(|e| {
            panic!("cannot run `tesseract` ({e}): install Debian's tesseract-ocr (scripts/with-postgres does)")
        });
    assert!(output.status.success(), "tesseract failed");
    String::from_utf8_lossy(&output.stdout)
        .to_lowercase()
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn diagram_html_renders_in_a_headless_browser_with_every_table_readable() {
    let project = shop();
    let page = html_page(&project);
    let dom = chromium(&page, &["--dump-dom"]);
    assert!(dom.contains("<svg"), "{dom}");
    for name in ["items", "owners", "owner_id", "parent_id", "email"] {
        assert!(
            dom.contains(&format!(">{name}</text>")),
            "{name} not in the DOM"
        );
    }
    let png = screenshot(&page);
    let (inked, colours) = ink(&png);
    assert!(
        inked > 0.02 && colours > 50,
        "the screenshot looks blank: {inked} of it drawn, {colours} colours"
    );
    let words = ocr(&png);
    for name in [
        "items",
        "owners",
        "owner_id",
        "parent_id",
        "email",
        "integer",
    ] {
        assert!(
            words.contains(name),
            "OCR did not read `{name}` off the screenshot: {words:?}"
        );
    }
}

#[test]
fn diagram_html_of_50_tables_renders_and_reads() {
    let project = Project::new();
    project.write("1_fifty.sql", &fifty_tables());
    project.schema(&["up", "-q"]).code(0);
    let page = html_page(&project);
    let dom = chromium(&page, &["--dump-dom"]);
    for name in NOUNS {
        assert!(
            dom.contains(&format!(">{name}</text>")),
            "{name} not in the DOM"
        );
    }
    assert!(dom.contains("50 tables, 64 foreign keys"), "{dom}");
    let (width, height) = svg_size(&page);
    assert!(
        width < 4000 && height < 2500,
        "too large to read: {width}x{height}"
    );
    let png = screenshot(&page);
    let (inked, colours) = ink(&png);
    assert!(
        inked > 0.05 && colours > 50,
        "the screenshot looks blank: {inked} of it drawn, {colours} colours"
    );
    let words = ocr(&png);
    let unread: Vec<&str> = NOUNS
        .iter()
        .copied()
        .filter(|n| !words.contains(*n))
        .collect();
    // Text among 64 edges: OCR misses a few names that a person reads (47 of 50 read when
    // written); more missed means the drawing got worse.
    assert!(
        unread.len() <= 5,
        "OCR could not read {} table names: {unread:?}",
        unread.len()
    );
}

#[test]
fn pg_diagram_draws_the_server_schema() {
    let project = pg_project(None);
    project.write("1_shop.sql", SHOP);
    project.schema(&["up", "-q"]).code(0);
    let mermaid = project.schema(&["diagram"]).code(0).stdout;
    assert!(
        mermaid.contains("    items {\n        integer id PK \"NOT NULL\"\n"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("owners ||--o{ items : \"owner_id\""),
        "{mermaid}"
    );
    let dot = project
        .schema(&["diagram", "--format", "dot"])
        .code(0)
        .stdout;
    graphviz(&dot);
    let html = project
        .schema(&["diagram", "--format", "html"])
        .code(0)
        .stdout;
    assert!(
        html.contains(">owners</text>") && !html.contains("_schema"),
        "{html}"
    );
}
