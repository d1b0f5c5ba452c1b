//! `schema new <name>`: create a migration file (or a reversible pair) after the folder's
//! newest, named by a UTC timestamp or the next sequential number, the way the folder's files
//! are named (sqlx's `<VERSION>_<name>.sql`, diesel's folders, refinery's and Flyway's
//! `V<VERSION>__<name>.sql`).

use super::Exit;
use crate::cli::NewArgs;
use crate::output::Output;
use crate::Error;
use schema_core::{Layout, MigrationKind, MigrationSet};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

pub(crate) fn run(args: &NewArgs, source: &Path, out: &Output) -> Result<Exit, Error> {
    let shape = Shape {
        reversible: args.reversible,
        sequential: args.sequential,
    };
    let created = create(source, &args.name, shape, template)?;
    let shown: Vec<String> = created
        .paths
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if out.json {
        out.json(&NewJson {
            version: created.version,
            files: &shown,
        })?;
    } else {
        for path in &shown {
            out.line(&format!("created {path}"))?;
        }
    }
    Ok(Exit::Ok)
}

/// A migration just created.
pub(crate) struct Created {
    /// Its version.
    pub version: i64,
    /// Its files: the up file first.
    pub paths: Vec<PathBuf>,
}

/// The form of a new migration.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Shape {
    /// A `.up.sql` + `.down.sql` pair (always in a diesel folder).
    pub reversible: bool,
    /// Numbered 1, 2, 3 after the highest version rather than by the time.
    pub sequential: bool,
}

/// Creates a migration named `name` after the folder's newest, named the way the folder's
/// files are, each file holding `content(file name, name)`. The folder is created if
/// missing, and checked first when it exists.
pub(crate) fn create(
    source: &Path,
    name: &str,
    shape: Shape,
    content: impl Fn(&str, &str) -> String,
) -> Result<Created, Error> {
    let (version, files) = new_files(source, name, shape.reversible, shape.sequential)?;
    let name = clean_name(name)?;
    for (path, file) in &files {
        write_new(path, &content(file, &name))?;
    }
    Ok(Created {
        version,
        paths: files.into_iter().map(|(path, _)| path).collect(),
    })
}

/// Removes the files of a migration just written (when the folder then fails its check), and
/// a diesel migration's own folder (`<version>_<name>/` holding `up.sql` and `down.sql`) once
/// empty: left behind, the empty folder would fail every later build.
pub(crate) fn remove_written(paths: &[PathBuf]) {
    for path in paths {
        let _ = std::fs::remove_file(path);
    }
    for path in paths {
        let diesel = matches!(
            path.file_name().and_then(|n| n.to_str()),
            Some("up.sql" | "down.sql")
        );
        if let (true, Some(dir)) = (diesel, path.parent()) {
            // Fails, and so keeps it, when anything else is in it.
            let _ = std::fs::remove_dir(dir);
        }
    }
}

/// The version and the paths (with their names in the folder) of a new migration named
/// `name` in `source`, named as the folder names its files (a pair when `reversible`, and
/// always in a diesel folder); the folder is created when missing. Nothing is written.
pub(crate) fn new_files(
    source: &Path,
    name: &str,
    reversible: bool,
    sequential: bool,
) -> Result<(i64, Vec<(PathBuf, String)>), Error> {
    let name = clean_name(name)?;
    let dir = source.to_string_lossy().into_owned();
    let set = if source.exists() {
        // The folder is checked like any other command's, so that a new file never joins a
        // folder that would fail the build already.
        schema_core::resolve_dir(Path::new("."), &dir).map_err(|errors| Error::Folder {
            dir: dir.clone(),
            errors,
        })?
    } else {
        std::fs::create_dir_all(source).map_err(|e| Error::Create {
            path: source.to_owned(),
            source: e,
        })?;
        empty_set(source)
    };
    let naming = Naming::of(&set);
    let diesel = naming == Naming::Diesel;
    // A refinery or Flyway folder counts its versions 1, 2, 3 (`V3__x.sql`), unless it
    // already uses timestamps.
    let sequential = sequential
        || matches!(
            naming,
            Naming::Prefixed {
                timestamps: false,
                ..
            }
        );
    let version = next_version(&set, sequential, diesel, now_utc())?;
    if diesel {
        sorts_last(&set, &version)?;
    }
    let files = file_names(&version, &name, reversible || diesel, naming);
    for file in &files {
        check_name(file, &name, diesel)?;
    }
    Ok((
        version.number,
        files.into_iter().map(|f| (source.join(&f), f)).collect(),
    ))
}

/// The name as it goes in the file name: spaces become `_`; anything but letters, digits,
/// `_` and `-` is refused (a `/` would create a folder, a `.` can end in `.up`).
fn clean_name(name: &str) -> Result<String, Error> {
    let cleaned: String = name.split_whitespace().collect::<Vec<_>>().join("_");
    let invalid = |reason: String| Error::InvalidName {
        name: name.to_owned(),
        reason,
    };
    if cleaned.is_empty() {
        return Err(invalid("it is empty".to_owned()));
    }
    if let Some(c) = cleaned
        .chars()
        .find(|c| !(c.is_alphanumeric() || *c == '_' || *c == '-'))
    {
        return Err(invalid(format!("it contains `{c}`")));
    }
    Ok(cleaned)
}

/// A version for the new migration, as a number and as written.
struct Version {
    number: i64,
    text: String,
}

/// The next version: the timestamp `now` (or, when the folder already has a version at or
/// after it, one more than the highest, so the new file still sorts last), or with
/// `sequential` one more than the highest, zero-padded like the existing files.
fn next_version(
    set: &MigrationSet,
    sequential: bool,
    diesel: bool,
    now: Civil,
) -> Result<Version, Error> {
    // A repeatable migration's key is not a version (and is negative).
    let highest = set
        .migrations
        .iter()
        .filter(|m| m.kind != MigrationKind::Repeatable)
        .map(|m| m.version)
        .max();
    let after_highest = || match highest {
        Some(highest) => highest
            .checked_add(1)
            .ok_or(Error::NoNextVersion { highest }),
        None => Ok(1),
    };
    if sequential {
        let number = after_highest()?;
        let width = set
            .migrations
            .iter()
            .filter(|m| m.version_text.len() > 1 && m.version_text.starts_with('0'))
            .map(|m| m.version_text.len())
            .max()
            .unwrap_or(0);
        return Ok(Version {
            number,
            text: format!("{number:0width$}"),
        });
    }
    let stamp = now.number();
    if highest.is_some_and(|h| h >= stamp) {
        let number = after_highest()?;
        return Ok(Version {
            number,
            text: number.to_string(),
        });
    }
    let text = if diesel {
        now.diesel()
    } else {
        stamp.to_string()
    };
    Ok(Version {
        number: stamp,
        text,
    })
}

/// A diesel folder runs in the order of the version texts: the new one must sort after all.
fn sorts_last(set: &MigrationSet, version: &Version) -> Result<(), Error> {
    let greatest = set.migrations.iter().map(|m| m.version_text.as_str()).max();
    match greatest {
        Some(greatest) if version.text.as_str() <= greatest => Err(Error::SortsBeforeExisting {
            text: version.text.clone(),
            greatest: greatest.to_owned(),
            padded: format!("{greatest:0>width$}", width = version.text.len()),
        }),
        _ => Ok(()),
    }
}

/// How the folder names its migrations, which a new one follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Naming {
    /// sqlx's `<VERSION>_<name>.sql` (and an empty folder's).
    Plain,
    /// diesel's `<VERSION>_<name>/up.sql`.
    Diesel,
    /// refinery's and Flyway's `V<VERSION>__<name>.sql` (`prefix` `V`, or refinery's `U`), with
    /// `timestamps` when the versions are dates rather than 1, 2, 3.
    Prefixed { prefix: char, timestamps: bool },
}

impl Naming {
    /// The naming of the folder's newest versioned migration; a folder holding only
    /// repeatable migrations (`R__`, a Flyway name) is a Flyway folder.
    fn of(set: &MigrationSet) -> Naming {
        if set.layout == Layout::Folders {
            return Naming::Diesel;
        }
        let versioned = set
            .migrations
            .iter()
            .filter(|m| m.kind != MigrationKind::Repeatable)
            .max_by_key(|m| m.version);
        let Some(newest) = versioned else {
            let flyway = set
                .migrations
                .iter()
                .any(|m| m.kind == MigrationKind::Repeatable);
            return if flyway {
                Naming::Prefixed {
                    prefix: 'V',
                    timestamps: false,
                }
            } else {
                Naming::Plain
            };
        };
        let file = newest
            .path
            .file_name()
            .unwrap_or_default()
            .to_string_lossy();
        let mut chars = file.chars();
        match (chars.next(), chars.next()) {
            (Some(prefix @ ('V' | 'U')), Some(digit))
                if digit.is_ascii_digit() && file.contains("__") =>
            {
                Naming::Prefixed {
                    prefix,
                    // `YYYYMMDDHHMM` and longer: a date, not a count.
                    timestamps: newest.version_text.len() >= 12,
                }
            }
            _ => Naming::Plain,
        }
    }
}

fn file_names(version: &Version, name: &str, reversible: bool, naming: Naming) -> Vec<String> {
    let v = &version.text;
    let stem = match naming {
        Naming::Diesel => {
            return vec![format!("{v}_{name}/up.sql"), format!("{v}_{name}/down.sql")];
        }
        Naming::Plain => format!("{v}_{name}"),
        Naming::Prefixed { prefix, .. } => format!("{prefix}{v}__{name}"),
    };
    if reversible {
        vec![format!("{stem}.up.sql"), format!("{stem}.down.sql")]
    } else {
        vec![format!("{stem}.sql")]
    }
}

/// Makes sure schema-core reads the new name back as meant.
fn check_name(file: &str, name: &str, diesel: bool) -> Result<(), Error> {
    let read_back = if diesel {
        let folder = file.split('/').next().unwrap_or(file);
        schema_core::parse_diesel_dir_name(folder).ok()
    } else {
        schema_core::parse_file_name(file).and_then(Result::ok)
    };
    match read_back {
        Some(parsed) if parsed.description == name => Ok(()),
        _ => Err(Error::InvalidName {
            name: name.to_owned(),
            reason: format!("`{file}` does not read back as a migration named `{name}`"),
        }),
    }
}

fn template(file: &str, name: &str) -> String {
    if file.ends_with("down.sql") {
        format!("-- Revert {name}: undo what the up migration does.\n")
    } else {
        format!("-- {name}\n")
    }
}

pub(crate) fn write_new(path: &Path, content: &str) -> Result<(), Error> {
    let create = |e| Error::Create {
        path: path.to_owned(),
        source: e,
    };
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(create)?;
    }
    // Never overwrite: two `new` calls in one second on a sequential folder must not clobber.
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(create)?;
    std::io::Write::write_all(&mut file, content.as_bytes()).map_err(create)
}

fn empty_set(dir: &Path) -> MigrationSet {
    MigrationSet {
        dir: dir.to_owned(),
        display_dir: dir.to_string_lossy().into_owned(),
        layout: Layout::Files,
        migrations: Vec::new(),
    }
}

#[derive(Serialize)]
struct NewJson<'a> {
    version: i64,
    files: &'a [String],
}

/// A UTC date and time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Civil {
    year: i64,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl Civil {
    /// `YYYYMMDDHHMMSS` as a number.
    fn number(self) -> i64 {
        self.year * 10_000_000_000
            + i64::from(self.month) * 100_000_000
            + i64::from(self.day) * 1_000_000
            + i64::from(self.hour) * 10_000
            + i64::from(self.minute) * 100
            + i64::from(self.second)
    }

    /// Diesel's spelling, `YYYY-MM-DD-HHMMSS`.
    fn diesel(self) -> String {
        format!(
            "{:04}-{:02}-{:02}-{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// The date and time `secs` seconds after 1970-01-01T00:00:00Z (Howard Hinnant's
    /// `civil_from_days`).
    pub(crate) fn from_unix(secs: i64) -> Civil {
        let days = secs.div_euclid(86_400);
        let rest = secs.rem_euclid(86_400);
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Civil {
            year,
            month,
            day,
            hour: (rest / 3_600) as u32,
            minute: (rest % 3_600 / 60) as u32,
            second: (rest % 60) as u32,
        }
    }
}

fn now_utc() -> Civil {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    Civil::from_unix(secs)
}

#[cfg(test)]
mod tests {
    use super::{remove_written, Civil};

    #[test]
    fn removing_a_written_diesel_migration_removes_its_folder_once_empty() {
        let root = tempfile::tempdir().unwrap();
        let written = |name: &str, files: &[&str]| {
            let dir = root.path().join(name);
            std::fs::create_dir(&dir).unwrap();
            files
                .iter()
                .map(|f| {
                    std::fs::write(dir.join(f), "SELECT 1;").unwrap();
                    dir.join(f)
                })
                .collect::<Vec<_>>()
        };
        let diesel = written("2024-01-01-000000_fix", &["up.sql", "down.sql"]);
        remove_written(&diesel);
        assert!(!root.path().join("2024-01-01-000000_fix").exists());

        // A folder with something else in it stays, with that file.
        let mut shared = written("2024-01-02-000000_fix", &["up.sql", "down.sql", "notes.md"]);
        shared.pop();
        remove_written(&shared);
        let dir = root.path().join("2024-01-02-000000_fix");
        assert!(dir.join("notes.md").exists() && !dir.join("up.sql").exists());

        // Files of a flat layout go; their folder, the migrations folder, stays.
        let flat = written("migrations", &["3_fix.up.sql", "3_fix.down.sql"]);
        remove_written(&flat);
        let folder = root.path().join("migrations");
        assert!(folder.is_dir() && std::fs::read_dir(&folder).unwrap().next().is_none());
    }

    #[test]
    fn turns_unix_time_into_a_utc_timestamp() {
        assert_eq!(Civil::from_unix(0).number(), 19700101000000);
        // 2024-02-29T23:59:59Z, a leap day.
        assert_eq!(Civil::from_unix(1_709_251_199).number(), 20240229235959);
        assert_eq!(
            Civil::from_unix(1_709_251_199).diesel(),
            "2024-02-29-235959"
        );
    }
}
