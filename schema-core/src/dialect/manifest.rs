//! The database a crate uses, as its manifest says: the features its `sqlx` dependency turns on.
//! What the macro falls back to when schema-runtime's own features name both databases (the
//! default) and the call names no dialect.

use super::Dialect;
use std::path::Path;
use toml::de::{DeTable, DeValue};

impl Dialect {
    /// The dialect of the crate whose manifest is `<manifest_dir>/Cargo.toml`, from the
    /// features of its `sqlx` dependency (`[dependencies]`, and the workspace's
    /// `[workspace.dependencies]` for `sqlx = { workspace = true, … }`): PostgreSQL when they
    /// name `postgres` and no SQLite driver, SQLite when the reverse. `None` when they name
    /// both or neither, when there is no such dependency, or when a manifest cannot be read:
    /// the caller's default then stands.
    pub fn of_crate(manifest_dir: &Path) -> Option<Dialect> {
        let text = std::fs::read_to_string(manifest_dir.join("Cargo.toml")).ok()?;
        let manifest = DeTable::parse(&text).ok()?;
        let sqlx = manifest
            .get_ref()
            .get("dependencies")
            .and_then(|d| table(d.get_ref()))
            .and_then(|d| d.get("sqlx"))?;
        let mut features = features(sqlx.get_ref());
        let inherited = table(sqlx.get_ref())
            .and_then(|entry| entry.get("workspace"))
            .is_some_and(|w| matches!(w.get_ref(), DeValue::Boolean(true)));
        if inherited {
            features.extend(workspace_features(manifest_dir)?);
        }
        let postgres = features.iter().any(|f| f == "postgres");
        let sqlite = features.iter().any(|f| f.starts_with("sqlite"));
        match (postgres, sqlite) {
            (true, false) => Some(Dialect::Postgres),
            (false, true) => Some(Dialect::Sqlite),
            _ => None,
        }
    }
}

fn table<'a>(value: &'a DeValue<'a>) -> Option<&'a DeTable<'a>> {
    match value {
        DeValue::Table(t) => Some(t),
        _ => None,
    }
}

/// The `features = [...]` of a dependency's entry (none for a bare version string).
fn features(entry: &DeValue<'_>) -> Vec<String> {
    let Some(entry) = table(entry) else {
        return Vec::new();
    };
    match entry.get("features").map(|f| f.get_ref()) {
        Some(DeValue::Array(list)) => list
            .iter()
            .filter_map(|f| match f.get_ref() {
                DeValue::String(s) => Some(s.to_string()),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// The features of `[workspace.dependencies].sqlx` in the nearest manifest above `dir` that
/// has a `[workspace]` table.
fn workspace_features(dir: &Path) -> Option<Vec<String>> {
    for parent in dir.ancestors().skip(1) {
        let Ok(text) = std::fs::read_to_string(parent.join("Cargo.toml")) else {
            continue;
        };
        let manifest = DeTable::parse(&text).ok()?;
        let Some(workspace) = manifest.get_ref().get("workspace") else {
            continue;
        };
        let sqlx = table(workspace.get_ref())
            .and_then(|w| w.get("dependencies"))
            .and_then(|d| table(d.get_ref()))
            .and_then(|d| d.get("sqlx"));
        return Some(sqlx.map_or_else(Vec::new, |s| features(s.get_ref())));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn crate_with(manifest: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("Cargo.toml"), manifest).unwrap();
        dir
    }

    #[test]
    fn sqlx_with_postgres_alone_is_postgresql() {
        let dir = crate_with(
            "[package]\nname = \"svc\"\n[dependencies]\n\
             sqlx = { version = \"0.8\", features = [\"runtime-tokio\", \"postgres\", \"macros\"] }\n",
        );
        assert_eq!(Dialect::of_crate(dir.path()), Some(Dialect::Postgres));
    }

    #[test]
    fn sqlx_with_sqlite_alone_is_sqlite() {
        let dir = crate_with(
            "[package]\nname = \"svc\"\n[dependencies.sqlx]\nversion = \"0.8\"\nfeatures = [\"sqlite\"]\n",
        );
        assert_eq!(Dialect::of_crate(dir.path()), Some(Dialect::Sqlite));
    }

    #[test]
    fn both_neither_or_no_sqlx_say_nothing() {
        for manifest in [
            "[dependencies]\nsqlx = { version = \"0.8\", features = [\"postgres\", \"sqlite\"] }\n",
            "[dependencies]\nsqlx = \"0.8\"\n",
            "[dependencies]\ntokio = \"1\"\n",
            "not toml at all [",
        ] {
            let dir = crate_with(manifest);
            assert_eq!(Dialect::of_crate(dir.path()), None, "{manifest}");
        }
        let gone = tempfile::tempdir().unwrap().path().join("gone");
        assert_eq!(Dialect::of_crate(&gone), None);
    }

    #[test]
    fn a_workspace_dependency_adds_the_workspace_features() {
        let root = crate_with(
            "[workspace]\nmembers = [\"svc\"]\n[workspace.dependencies]\n\
             sqlx = { version = \"0.8\", features = [\"postgres\"] }\n",
        );
        let member = root.path().join("svc");
        std::fs::create_dir(&member).unwrap();
        std::fs::write(
            member.join("Cargo.toml"),
            "[package]\nname = \"svc\"\n[dependencies]\n\
             sqlx = { workspace = true, features = [\"uuid\"] }\n",
        )
        .unwrap();
        assert_eq!(Dialect::of_crate(&member), Some(Dialect::Postgres));
    }
}
