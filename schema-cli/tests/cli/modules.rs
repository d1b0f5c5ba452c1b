//! Modules on the command line: `schema modules` lists a database's modules, `--module` picks
//! the set of every command, and an application mounting its registered modules
//! (`run_modules`) activates, deactivates and removes its plugins.

use crate::support::{copy_dir, fixture_dir, states, Project};
use schema_cli::clap::{self, Parser};
use schema_runtime::{Migrations, ModuleRole, Modules, Registered};
use serde_json::{json, Value};
use std::process::ExitCode;

/// A project whose `migrations/` is the core and whose `calendar/` is the calendar plugin.
pub(crate) fn core_and_calendar() -> Project {
    let project = Project::with_fixture("modules_core");
    copy_dir(
        &fixture_dir("modules_calendar"),
        &project.path().join("calendar"),
    );
    project
}

/// The `modules --json` entry of `name`.
fn entry<'v>(list: &'v Value, name: &str) -> &'v Value {
    list["modules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .unwrap_or_else(|| panic!("no `{name}` in {list}"))
}

#[test]
fn modules_lists_every_module_of_the_database_with_its_state() {
    let project = core_and_calendar();
    project.schema(&["--module", "core", "up", "-q"]).code(0);
    let calendar = ["--module", "calendar", "--source", "calendar"];
    project
        .schema(&[&calendar[..], &["up", "--to", "1", "-q"]].concat())
        .code(0);

    // With the core's folder: what the core has pending is known, the calendar's is not.
    let list = project
        .schema(&["--module", "core", "modules", "--json"])
        .code(0)
        .json();
    assert_eq!(list["modules"].as_array().unwrap().len(), 2, "{list}");
    let core = entry(&list, "core");
    assert_eq!(
        (&core["version"], &core["applied"], &core["pending"]),
        (&json!(2), &json!(2), &json!(0))
    );
    // Run on their own, no registry recorded a role or a state.
    assert_eq!(
        (&core["role"], &core["active"]),
        (&Value::Null, &Value::Null)
    );
    assert!(core["last_applied"].as_str().unwrap().ends_with('Z'));
    let calendar_entry = entry(&list, "calendar");
    assert_eq!(
        (&calendar_entry["version"], &calendar_entry["pending"]),
        (&json!(1), &Value::Null)
    );

    // With the calendar's folder, its pending migration shows.
    let list = project
        .schema(&[&calendar[..], &["modules", "--json"]].concat())
        .code(0)
        .json();
    assert_eq!(entry(&list, "calendar")["pending"], 1);

    // Without a folder at all, the database's modules still list.
    let text = project
        .schema(&["--source", "nowhere", "modules"])
        .code(0)
        .stdout;
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        lines[0].starts_with("module")
            && lines[0].contains("role")
            && lines[0].contains("pending")
            && lines[0].contains("last applied"),
        "{text}"
    );
    assert!(lines.iter().any(|l| l.starts_with("calendar ")), "{text}");
    assert!(lines.iter().any(|l| l.starts_with("core ")), "{text}");
}

#[test]
fn modules_on_a_database_without_modules_says_so() {
    let project = Project::new();
    let run = project.schema(&["--source", "nowhere", "modules"]).code(0);
    assert_eq!(run.stdout, "no modules recorded\n");
}

#[test]
fn plugin_actions_need_the_applications_registered_modules() {
    let project = core_and_calendar();
    project.schema(&["--module", "core", "up", "-q"]).code(0);
    let run = project.schema(&["modules", "activate", "calendar"]).code(1);
    assert!(
        run.stderr
            .starts_with("error: `modules activate` works on the modules an application registers"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_command_works_on_the_module_named() {
    let project = Project::with_fixture("reversible");
    fn extra<'a>(args: &[&'a str]) -> Vec<&'a str> {
        [&["--module", "extra"][..], args].concat()
    }
    project.schema(&extra(&["up", "-q"])).code(0);
    // The default module has nothing applied, and its commands see nothing of `extra`.
    project.schema(&["status"]).code(3);
    let status = project.schema(&extra(&["status", "--json"])).code(0).json();
    assert_eq!(status["module"], "extra");
    assert!(states(&status).iter().all(|(_, s)| s == "applied"));
    let history = project
        .schema(&extra(&["history", "--json"]))
        .code(0)
        .json();
    let events = history["events"].as_array().unwrap();
    assert_eq!(events.len(), 3);
    assert!(events.iter().all(|e| e["module"] == "extra"));
    assert_eq!(
        project.schema(&["history", "--json"]).code(0).json()["events"],
        json!([])
    );
    project.schema(&extra(&["verify", "-q"])).code(0);

    project.schema(&extra(&["down", "-q"])).code(0);
    let status = project.schema(&extra(&["status", "--json"])).code(3).json();
    assert_eq!(states(&status)[2], (3, "pending".to_owned()));
    let repair = project.schema(&extra(&["repair", "2"])).code(1);
    assert!(
        repair.stderr.contains("(it is applied)"),
        "{}",
        repair.stderr
    );
    let repair = project.schema(&["repair", "2"]).code(1);
    assert!(
        !repair.stderr.contains("(it is applied)"),
        "{}",
        repair.stderr
    );
    project.schema(&extra(&["resume", "-q"])).code(1);

    let baseline = [&["--module", "marked"][..], &["baseline", "2", "-q"]].concat();
    project.schema(&baseline).code(0);
    let marked = project
        .schema(&["--module", "marked", "status", "--json"])
        .code(3)
        .json();
    assert_eq!(
        states(&marked),
        [
            (1, "baseline".to_owned()),
            (2, "baseline".to_owned()),
            (3, "pending".to_owned())
        ]
    );
    let list = project.schema(&["modules", "--json"]).code(0).json();
    let names: Vec<&str> = list["modules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    // The default module is the folder's, listed though nothing of it is recorded.
    assert_eq!(names, ["extra", "marked", "default"]);
    assert_eq!(entry(&list, "default")["pending"], 3);
    assert_eq!(entry(&list, "extra")["version"], 2);
}

#[derive(Debug, Parser)]
#[command(name = "myapp")]
struct App {
    #[command(subcommand)]
    command: AppCommand,
}

#[derive(Debug, clap::Subcommand)]
enum AppCommand {
    /// The migration commands.
    Migrate(schema_cli::Migrate),
}

fn migrate(args: &[&str]) -> schema_cli::Migrate {
    let app = App::try_parse_from(["myapp", "migrate", "-q"].iter().chain(args)).unwrap();
    let AppCommand::Migrate(migrate) = app.command;
    migrate
}

/// The fixture `dir` loaded as the module `module`.
fn set(dir: &str, module: &str) -> Migrations {
    let root = fixture_dir(dir);
    Migrations::load(root.parent().unwrap(), dir)
        .unwrap_or_else(|e| panic!("{e:?}"))
        .with_module(module)
}

#[tokio::test]
async fn mounted_commands_see_every_registered_module() {
    let dir = tempfile::tempdir().unwrap();
    let pool = crate::support::sqlite_pool(dir.path()).await;
    mounted_scenario((&pool).into(), None).await;
    pool.close().await;
}

#[test]
fn pg_mounted_commands_see_every_registered_module() {
    let project = crate::postgres::pg_project(None);
    crate::support::block_on(async {
        let pool = sqlx::PgPool::connect(&project.url).await.unwrap();
        mounted_scenario((&pool).into(), Some(&crate::postgres::server_url())).await;
        pool.close().await;
    });
}

/// The registered core and two plugins, driven through `run_modules` on `pool`; `dev_url`, the
/// server PostgreSQL's comparisons make their scratch database on.
async fn mounted_scenario(pool: schema_runtime::DbPool<'_>, dev_url: Option<&str>) {
    let modules = Modules::from_sets([
        Registered::core(set("modules_core", "core"), 0),
        Registered::plugin(set("modules_calendar", "calendar").with_prefix("calendar_")),
        Registered::plugin(set("modules_archive", "archive")),
    ])
    .unwrap();
    let run = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        schema_cli::run_modules(&modules, pool, migrate(&refs))
    };
    // `diff` of a module, with the scratch server on PostgreSQL.
    let diff = |module: &'static str| -> Vec<&str> {
        let mut args = vec!["--module", module, "diff"];
        if let Some(url) = dev_url {
            args.extend(["--dev-url", url]);
        }
        args
    };

    // `--module` picks the registered set; with none, `default`, which this application lacks.
    assert_eq!(
        run(&["--module", "core", "status"]).await,
        ExitCode::from(3)
    );
    assert_eq!(run(&["status"]).await, ExitCode::from(1));
    assert_eq!(run(&["--module", "nothing", "up"]).await, ExitCode::from(1));
    assert_eq!(run(&["--module", "core", "up"]).await, ExitCode::SUCCESS);
    assert_eq!(run(&["modules"]).await, ExitCode::SUCCESS);
    assert_eq!(run(&diff("core")).await, ExitCode::SUCCESS);

    assert_eq!(
        run(&["modules", "activate", "calendar"]).await,
        ExitCode::SUCCESS
    );
    let info = modules.info(pool, "calendar").await.unwrap();
    assert_eq!(
        (info.role, info.active, info.version),
        (ModuleRole::Plugin, true, Some(2))
    );
    assert_eq!(
        run(&["--module", "calendar", "status"]).await,
        ExitCode::SUCCESS
    );
    // Each module's schema is the one its migrations make, the other's objects aside.
    assert_eq!(run(&diff("calendar")).await, ExitCode::SUCCESS);
    assert_eq!(run(&diff("core")).await, ExitCode::SUCCESS);
    assert_eq!(
        run(&["--module", "calendar", "dump"]).await,
        ExitCode::SUCCESS
    );

    assert_eq!(
        run(&["modules", "deactivate", "calendar"]).await,
        ExitCode::SUCCESS
    );
    let info = modules.info(pool, "calendar").await.unwrap();
    assert_eq!((info.active, info.version), (false, Some(2)));

    assert_eq!(
        run(&["modules", "remove", "calendar"]).await,
        ExitCode::SUCCESS
    );
    let info = modules.info(pool, "calendar").await.unwrap();
    assert_eq!((info.active, info.version, info.pending), (false, None, 2));
    assert_eq!(run(&diff("core")).await, ExitCode::SUCCESS);

    // Refused: a core module, and a plugin whose set cannot be reverted; nothing changes.
    assert_eq!(
        run(&["modules", "activate", "core"]).await,
        ExitCode::from(1)
    );
    assert_eq!(
        run(&["modules", "activate", "archive"]).await,
        ExitCode::SUCCESS
    );
    assert_eq!(
        run(&["modules", "remove", "archive"]).await,
        ExitCode::from(1)
    );
    let info = modules.info(pool, "archive").await.unwrap();
    assert_eq!((info.active, info.version), (true, Some(2)));
}
