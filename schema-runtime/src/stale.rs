//! Telling a developer that the binary embeds an older view of the migrations folder.
//!
//! Cargo rebuilds a crate when an embedded file changes, but not when a file is added to or
//! removed from the folder unless a build script says so. Every peer leaves users wondering why
//! a new migration does not run; in debug builds we compare the folder with what was embedded.

use crate::Migrations;
use schema_core::{parse_diesel_dir_name, parse_file_name};
use std::collections::BTreeSet;
use std::path::Path;

/// How the migrations folder on disk differs from the embedded set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct StaleEmbedding {
    /// Migration files in the folder that the binary does not embed (added since the build).
    pub not_embedded: Vec<String>,
    /// Embedded files that are no longer in the folder (removed or renamed since the build).
    pub removed: Vec<String>,
}

impl StaleEmbedding {
    /// Whether the folder and the binary agree.
    pub fn is_empty(&self) -> bool {
        self.not_embedded.is_empty() && self.removed.is_empty()
    }
}

impl Migrations {
    /// Compares the migrations folder the binary was built from, when it still exists on this
    /// machine, with the embedded set. `None` when the folder is not there (a deployed binary).
    ///
    /// A file added to the folder is only embedded after a rebuild; without the build script
    /// described at [`crate::build`], cargo does not know it has to rebuild.
    pub fn stale_embedding(&self) -> Option<StaleEmbedding> {
        let dir = Path::new(self.build_dir());
        let entries = std::fs::read_dir(dir).ok()?;
        let embedded: BTreeSet<String> = self.iter().map(|m| m.path.to_owned()).collect();
        let mut on_disk = BTreeSet::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let display = format!("{}/{name}", self.dir());
            let path = entry.path();
            if path.is_dir() {
                if parse_diesel_dir_name(&name).is_ok() {
                    for file in ["up.sql", "down.sql"] {
                        if path.join(file).is_file() {
                            on_disk.insert(format!("{display}/{file}"));
                        }
                    }
                }
            } else if parse_file_name(&name).is_some() {
                on_disk.insert(display);
            }
        }
        Some(StaleEmbedding {
            not_embedded: on_disk.difference(&embedded).cloned().collect(),
            removed: embedded.difference(&on_disk).cloned().collect(),
        })
    }

    /// In debug builds, warns (through `tracing`) when the folder on disk has migration files
    /// that the binary does not embed, or lacks ones it does. Called by every run.
    #[cfg_attr(not(any(feature = "sqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) fn warn_if_stale(&self) {
        if !cfg!(debug_assertions) {
            return;
        }
        let Some(stale) = self.stale_embedding() else {
            return;
        };
        if !stale.not_embedded.is_empty() {
            tracing::warn!(
                files = ?stale.not_embedded,
                "migration files in `{}` are not embedded in this binary: {}; rebuild the crate, and add a build script that calls `schema_runtime::build::rerun_if_migrations_change(\"{}\")` so that cargo rebuilds when files are added",
                self.dir(),
                stale.not_embedded.join(", "),
                self.dir(),
            );
        }
        if !stale.removed.is_empty() {
            tracing::warn!(
                files = ?stale.removed,
                "embedded migration files are no longer in `{}`: {}; rebuild the crate, and add the build script described in `schema_runtime::build`",
                self.dir(),
                stale.removed.join(", "),
            );
        }
    }
}
