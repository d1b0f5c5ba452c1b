//! Small crates that depend on `schema-runtime` by path, written into a temporary folder and
//! built with cargo, for the tests that need a real `cargo build`: when cargo rebuilds, what
//! the build prints, which features the crate turns on.
//!
//! The crates build into `target/scratch` so that their dependencies compile once across runs
//! and test binaries. Builds run one at a time within a test binary; cargo's lock on the target
//! folder orders those of different binaries.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

/// Held by each test for its whole life, so that at most one cargo build runs at a time (and
/// a timing is not disturbed by another build).
static ONE_BUILD_AT_A_TIME: Mutex<()> = Mutex::new(());

pub fn one_build_at_a_time() -> MutexGuard<'static, ()> {
    // A test that failed while holding the lock leaves nothing half done that matters here.
    ONE_BUILD_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Some file systems keep modification times in whole seconds; wait before each change so that
/// cargo sees the file as newer than the last build.
pub fn let_the_clock_tick() {
    std::thread::sleep(Duration::from_millis(1100));
}

/// How a scratch crate is made.
pub struct Crate<'a> {
    /// The package name: it must differ between tests, as the crates share one target folder.
    pub name: &'a str,
    /// `schema-runtime`'s features (its default ones are off).
    pub features: &'a [&'a str],
    /// Whether the crate has the one-line build script that watches `migrations`.
    pub build_script: bool,
    /// `src/main.rs`.
    pub main_rs: &'a str,
}

/// A crate in a temporary folder, with an empty `migrations` folder.
pub struct Scratch {
    _dir: tempfile::TempDir,
    pub root: PathBuf,
}

const BUILD_RS: &str = r#"fn main() {
    schema_runtime::build::rerun_if_migrations_change("migrations");
}
"#;

impl Scratch {
    pub fn new(spec: Crate<'_>) -> Scratch {
        let dir = tempfile::tempdir().expect("temporary folder");
        let root = dir.path().to_owned();
        let runtime = workspace().join("schema-runtime");
        let runtime = runtime
            .to_str()
            .expect("UTF-8 workspace path")
            .replace('\\', "/");
        let features: Vec<String> = spec.features.iter().map(|f| format!("\"{f}\"")).collect();
        let dependency = format!(
            "schema-runtime = {{ path = \"{runtime}\", default-features = false, features = [{}] }}\n",
            features.join(", ")
        );
        let mut manifest = format!(
            "[package]\n\
             name = \"{}\"\n\
             version = \"0.0.0\"\n\
             edition = \"2021\"\n\
             publish = false\n\
             \n\
             [dependencies]\n\
             {dependency}",
            spec.name
        );
        if spec.build_script {
            write!(manifest, "\n[build-dependencies]\n{dependency}").unwrap();
            std::fs::write(root.join("build.rs"), BUILD_RS).unwrap();
        }
        // Not a member of the workspace this test lives in.
        manifest.push_str("\n[workspace]\n");
        std::fs::write(root.join("Cargo.toml"), manifest).unwrap();
        // Start from the workspace's lock file so that the scratch crate uses the dependency
        // versions already compiled (and needs no registry look-up); cargo drops the rest.
        let lock = workspace().join("Cargo.lock");
        if lock.is_file() {
            std::fs::copy(lock, root.join("Cargo.lock")).unwrap();
        }
        std::fs::create_dir_all(root.join("src")).unwrap();
        std::fs::write(root.join("src/main.rs"), spec.main_rs).unwrap();
        std::fs::create_dir_all(root.join("migrations")).unwrap();
        Scratch { _dir: dir, root }
    }

    /// Adds `line` (e.g. `sqlx = { … }`) to the crate's `[dependencies]`.
    #[allow(dead_code)] // build_output.rs uses it, rebuild.rs does not
    pub fn add_dependency(&self, line: &str) {
        let manifest = self.root.join("Cargo.toml");
        let text = std::fs::read_to_string(&manifest).unwrap();
        let text = text.replacen("[dependencies]\n", &format!("[dependencies]\n{line}\n"), 1);
        std::fs::write(manifest, text).unwrap();
    }

    pub fn migration(&self, file: &str) -> PathBuf {
        self.root.join("migrations").join(file)
    }

    pub fn write_migration(&self, file: &str, sql: &str) {
        std::fs::write(self.migration(file), sql).unwrap();
    }

    /// Runs `cargo <args> --quiet` in the crate, whatever its outcome.
    pub fn try_cargo(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO"))
            .args(args)
            .arg("--quiet")
            .current_dir(&self.root)
            .env(
                "CARGO_TARGET_DIR",
                workspace().join("target").join("scratch"),
            )
            // Only this project's ui tests set it; the scratch crate resolves from its manifest.
            .env_remove("__SCHEMA_MIGRATIONS_RELATIVE_TO_CALLER")
            // Cargo runs the tests with this package's `OUT_DIR`: the scratch crate's rustc
            // must not inherit it (the macro reads the build script output beside it).
            .env_remove("OUT_DIR")
            .output()
            .expect("cargo runs")
    }

    /// [`Scratch::try_cargo`]; panics with cargo's stderr when it fails.
    pub fn cargo(&self, args: &[&str]) -> Output {
        let output = self.try_cargo(args);
        if !output.status.success() {
            panic!(
                "`cargo {}` failed in {} ({}):\n--- stderr ---\n{}\n--- stdout ---\n{}",
                args.join(" "),
                self.root.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&output.stdout),
            );
        }
        output
    }
}
