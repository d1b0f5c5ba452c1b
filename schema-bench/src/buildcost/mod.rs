//! `schema-bench build`: what embedding a migrations folder costs the build and the binary,
//! beside sqlx's `migrate!` and a crate with no macro at all (the floor).
//!
//! For each size it writes scratch crates over the same generated migrations (see `crates`),
//! builds them into one shared target folder (dependencies compile once), then measures the
//! leaf rebuild after an edit of one migration (the median of `--touches` edits, after a warm
//! build and one untimed edit), the release binary's size, the PostgreSQL-only release
//! binary's size, and the peak resident set size of a fresh apply by the release binary.

mod crates;
mod table;

use crate::stats::Samples;
use crates::{Kind, ScratchCrate};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Number of generated migrations; repeat for several sizes (`--migrations 100 --migrations 1000`).
    #[arg(long = "migrations", value_name = "N", default_values_t = [100])]
    pub sizes: Vec<usize>,
    /// Timed edits of one migration per crate and profile; the median is reported.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..))]
    pub touches: u32,
    /// The profiles whose rebuild is timed, comma-separated.
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = [Profile::Dev, Profile::Release])]
    pub profiles: Vec<Profile>,
    /// Skips the PostgreSQL-only binaries.
    #[arg(long)]
    pub no_postgres: bool,
    /// Skips the `check = false` crate.
    #[arg(long)]
    pub no_unchecked: bool,
    /// The target folder the scratch crates share (default: `target/bench-build` of the
    /// workspace), kept between runs so that their dependencies compile once.
    #[arg(long, value_name = "DIR")]
    pub target_dir: Option<PathBuf>,
    /// The workspace whose `schema-runtime` the crates depend on (default: this bench's), to
    /// compare two versions of it on the same machine.
    #[arg(long, value_name = "DIR")]
    pub workspace: Option<PathBuf>,
    /// Keeps the scratch crates and prints their folder.
    #[arg(long)]
    pub keep: bool,
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Profile {
    Dev,
    Release,
}

impl Profile {
    fn dir(self) -> &'static str {
        match self {
            Profile::Dev => "debug",
            Profile::Release => "release",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Profile::Dev => "dev",
            Profile::Release => "release",
        }
    }
}

type Error = Box<dyn std::error::Error>;

/// What was measured for one crate.
#[derive(Debug, Default, Clone)]
pub struct Measured {
    /// The leaf rebuild after an edit (a comment added to the middle migration), per profile
    /// timed.
    pub rebuild: Vec<(Profile, Samples)>,
    /// This project's, with the check on: the leaf rebuild after an edit that changes the
    /// schema (a table added to the middle migration), where the check applies the chain
    /// again from the edited file to its end.
    pub rebuild_schema_edit: Vec<(Profile, Samples)>,
    /// The release binary's size in bytes.
    pub binary_bytes: Option<u64>,
    /// Peak resident set size of a fresh apply, in KiB.
    pub peak_rss_kib: Option<u64>,
    /// At the end of that apply: resident file pages and anonymous memory, in KiB.
    pub resident_kib: Option<(u64, u64)>,
    /// The wall time of that fresh apply (process start to exit).
    pub fresh_apply: Option<Duration>,
}

/// Everything measured at one size.
pub struct SizeReport {
    pub n: usize,
    pub sql_bytes: u64,
    pub touches: u32,
    pub crates: Vec<(Kind, Measured)>,
    /// SQLite alone, unoptimised as the macro's dependencies, applying the files from the
    /// edited one on: the least the SQL check can add to a rebuild after that edit.
    pub check_floor: Option<Samples>,
}

impl SizeReport {
    pub fn get(&self, kind: Kind) -> Option<&Measured> {
        self.crates.iter().find(|(k, _)| *k == kind).map(|(_, m)| m)
    }
}

fn workspace() -> PathBuf {
    let bench = Path::new(env!("CARGO_MANIFEST_DIR"));
    bench.parent().unwrap_or(bench).to_owned()
}

pub fn run(args: &Args) -> Result<(), Error> {
    let workspace = args.workspace.clone().unwrap_or_else(workspace);
    let runtime = workspace.join("schema-runtime");
    if !runtime.join("Cargo.toml").is_file() {
        return Err(format!(
            "schema-runtime is not at {}: run the bench from its workspace",
            runtime.display()
        )
        .into());
    }
    let lock = workspace.join("Cargo.lock");
    let target = args
        .target_dir
        .clone()
        .unwrap_or_else(|| self::workspace().join("target").join("bench-build"));
    let scratch = tempfile::Builder::new()
        .prefix("schema-bench-build-")
        .tempdir()?;
    let mut kinds: Vec<Kind> = Kind::SQLITE.to_vec();
    if args.no_unchecked {
        kinds.retain(|k| *k != Kind::SchemaUnchecked);
    }
    for &n in &args.sizes {
        let mut report = SizeReport {
            n,
            sql_bytes: 0,
            touches: args.touches,
            crates: Vec::new(),
            check_floor: None,
        };
        for &kind in &kinds {
            let krate = crates::write(scratch.path(), kind, n, &runtime, &lock)?;
            report.sql_bytes = krate.sql_bytes;
            eprintln!("schema-bench build: N = {n}, {}", kind.label());
            let measured = measure(&krate, kind, args, &target, scratch.path())?;
            report.crates.push((kind, measured));
        }
        if kinds.contains(&Kind::Schema) {
            eprintln!("schema-bench build: N = {n}, the check's floor");
            report.check_floor = Some(check_floor(n, args, &target, scratch.path(), &lock)?);
        }
        if !args.no_postgres {
            for kind in Kind::POSTGRES {
                let krate = crates::write(scratch.path(), kind, n, &runtime, &lock)?;
                eprintln!("schema-bench build: N = {n}, {}", kind.label());
                cargo(&krate, &target, Profile::Release)?;
                let measured = Measured {
                    binary_bytes: Some(binary(&krate, &target, Profile::Release).metadata()?.len()),
                    ..Measured::default()
                };
                report.crates.push((kind, measured));
            }
        }
        table::print(&report);
    }
    if args.keep {
        let kept = scratch.keep();
        println!("Scratch crates kept in {}", kept.display());
    }
    Ok(())
}

fn measure(
    krate: &ScratchCrate,
    kind: Kind,
    args: &Args,
    target: &Path,
    scratch: &Path,
) -> Result<Measured, Error> {
    let mut measured = Measured::default();
    for &profile in &args.profiles {
        // The warm build (dependencies, the crate), then one untimed edit: the timed edits find
        // every cache as a developer's next edit would.
        cargo(krate, target, profile)?;
        append(krate, &comment(0))?;
        cargo(krate, target, profile)?;
        let samples = timed_edits(krate, target, profile, args.touches, comment)?;
        measured.rebuild.push((profile, samples));
        if kind == Kind::Schema {
            // Named by the profile too: each profile's edits add tables of their own.
            let table = |i| {
                format!(
                    "CREATE TABLE bench_edit_{}_{i} (id INTEGER PRIMARY KEY);\n",
                    profile.label()
                )
            };
            let samples = timed_edits(krate, target, profile, args.touches, table)?;
            measured.rebuild_schema_edit.push((profile, samples));
        }
    }
    if !args.profiles.contains(&Profile::Release) {
        cargo(krate, target, Profile::Release)?;
    }
    let bin = binary(krate, target, Profile::Release);
    measured.binary_bytes = Some(bin.metadata()?.len());
    let db = scratch.join(format!("{}.db", krate.package));
    let started = Instant::now();
    let output = run_binary(&bin, &[db.as_os_str()]);
    let elapsed = started.elapsed();
    let _ = std::fs::remove_file(&db);
    let stdout = output?;
    let field = |name: &str| field(&stdout, name).filter(|kib| *kib > 0);
    measured.peak_rss_kib = field("peak_rss_kib");
    measured.resident_kib = field("file_kib").zip(field("anon_kib"));
    measured.fresh_apply = Some(elapsed);
    Ok(measured)
}

/// Builds the check's floor (dev profile: cargo builds a proc macro's dependencies at
/// opt-level 0 in every profile) and runs it `--touches` times after one untimed run.
fn check_floor(
    n: usize,
    args: &Args,
    target: &Path,
    scratch: &Path,
    lock: &Path,
) -> Result<Samples, Error> {
    let krate = crates::write_check_floor(scratch, n, lock)?;
    cargo(&krate, target, Profile::Dev)?;
    let bin = binary(&krate, target, Profile::Dev);
    let migrations = krate.root.join("migrations");
    let from = std::fs::read_dir(&migrations)?
        .filter_map(Result::ok)
        .filter(|e| e.path() < krate.touched && e.path().extension().is_some_and(|x| x == "sql"))
        .count();
    let mut samples = Samples::default();
    let from = from.to_string();
    for i in 0..=args.touches {
        let stdout = run_binary(&bin, &[migrations.as_os_str(), from.as_ref()])?;
        let micros = field(&stdout, "floor_us")
            .ok_or_else(|| format!("{} printed no time: {stdout}", bin.display()))?;
        if i > 0 {
            samples.push(Duration::from_micros(micros));
        }
    }
    Ok(samples)
}

/// Runs a scratch crate's binary; its standard output, or an error with its standard error.
fn run_binary(bin: &Path, args: &[&std::ffi::OsStr]) -> Result<String, Error> {
    let output = Command::new(bin).args(args).output()?;
    if !output.status.success() {
        return Err(format!(
            "{} failed ({}):\n{}",
            bin.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The number after the word `name` in a scratch binary's output.
fn field(stdout: &str, name: &str) -> Option<u64> {
    stdout
        .split_whitespace()
        .skip_while(|w| *w != name)
        .nth(1)
        .and_then(|w| w.parse().ok())
}

/// The `i`th edit of a comment to the crate's middle migration: its content (and checksum)
/// changes, as in an edit a developer makes, and the database it leaves does not.
fn comment(i: u32) -> String {
    format!("-- edit {i}\n")
}

/// Appends `text` to the crate's middle migration.
fn append(krate: &ScratchCrate, text: &str) -> Result<(), Error> {
    // Some file systems keep modification times in whole seconds.
    std::thread::sleep(Duration::from_millis(1100));
    let mut sql = std::fs::read_to_string(&krate.touched)?;
    sql.push_str(text);
    std::fs::write(&krate.touched, sql)?;
    Ok(())
}

/// The rebuilds after `touches` edits, each appending `edit(i)` to the middle migration (a
/// table added to it changes the database after it, so the check applies every file after it
/// again).
fn timed_edits(
    krate: &ScratchCrate,
    target: &Path,
    profile: Profile,
    touches: u32,
    edit: impl Fn(u32) -> String,
) -> Result<Samples, Error> {
    let mut samples = Samples::default();
    for i in 1..=touches {
        append(krate, &edit(i))?;
        let started = Instant::now();
        cargo(krate, target, profile)?;
        samples.push(started.elapsed());
    }
    Ok(samples)
}

fn binary(krate: &ScratchCrate, target: &Path, profile: Profile) -> PathBuf {
    target
        .join(profile.dir())
        .join(format!("{}{}", krate.package, std::env::consts::EXE_SUFFIX))
}

/// `cargo build` of the crate in `profile`, into the shared target folder.
fn cargo(krate: &ScratchCrate, target: &Path, profile: Profile) -> Result<(), Error> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .arg("build")
        .arg("--quiet")
        .current_dir(&krate.root)
        .env("CARGO_TARGET_DIR", target)
        // Set by cargo for this bench's own run (or this project's tests): not the crate's.
        .env_remove("OUT_DIR")
        .env_remove("__SCHEMA_MIGRATIONS_RELATIVE_TO_CALLER");
    if profile == Profile::Release {
        command.arg("--release");
    }
    let output = command.output()?;
    if !output.status.success() {
        return Err(format!(
            "`cargo build` of {} ({}) failed ({}):\n{}",
            krate.package,
            profile.label(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    Ok(())
}
