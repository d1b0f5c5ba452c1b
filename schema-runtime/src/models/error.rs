//! What can be wrong with a folder of models, each problem placed by its file and JSON pointer.

use crate::MigrateError;
use std::fmt;

/// One problem in a model: where it is, what is wrong, and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// The model's file, as the folder was given (`models/posts.json`), or the folder itself.
    pub file: String,
    /// The JSON pointer of the offending value inside the file (`/properties/author/$ref`);
    /// empty for the whole document.
    pub pointer: String,
    /// What is wrong, a lower-case phrase.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if !self.pointer.is_empty() {
            write!(f, "#{}", self.pointer)?;
        }
        write!(f, ": {}; {}", self.message, self.help)
    }
}

/// Why models could not be read, or turned into a migration or a comparison.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelsError {
    /// The models have problems; each names its file and JSON pointer. Nothing was written.
    #[error("the models have {} problem{}; nothing was done", problems.len(), if problems.len() == 1 { "" } else { "s" })]
    Invalid {
        /// Every problem found, in file order.
        problems: Vec<Problem>,
    },
    /// The databases the comparison needs failed.
    #[error(transparent)]
    Migrate(#[from] MigrateError),
}

/// Collects problems while a folder is read, so that one run reports all of them.
#[derive(Debug, Default)]
pub(crate) struct Problems(pub Vec<Problem>);

impl Problems {
    /// Records a problem at `pointer` in `file`, once: a definition that several properties
    /// refer to is wrong once.
    pub fn add(
        &mut self,
        file: &str,
        pointer: &str,
        message: impl Into<String>,
        help: impl Into<String>,
    ) {
        let problem = Problem {
            file: file.to_owned(),
            pointer: pointer.to_owned(),
            message: message.into(),
            help: help.into(),
        };
        if !self.0.contains(&problem) {
            self.0.push(problem);
        }
    }

    /// Records a problem at `place`.
    pub fn at(&mut self, place: &Place, message: impl Into<String>, help: impl Into<String>) {
        self.add(&place.file, &place.pointer, message, help);
    }

    /// `Ok(value)` when nothing was recorded.
    pub fn finish<T>(self, value: T) -> Result<T, ModelsError> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(ModelsError::Invalid { problems: self.0 })
        }
    }
}

/// Where a value is written: its file and JSON pointer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Place {
    pub file: String,
    pub pointer: String,
}

/// Where the keywords of a property's schema that came from a definition are written (the
/// object holding each, by keyword); the property's own are not listed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Places(pub std::collections::BTreeMap<String, Place>);

impl Places {
    /// Notes each keyword of `schema` not placed yet as written in the object at `pointer` of
    /// `file`.
    pub fn written_at(
        &mut self,
        schema: &serde_json::Map<String, serde_json::Value>,
        file: &str,
        pointer: &str,
    ) {
        for key in schema.keys() {
            self.0.entry(key.clone()).or_insert_with(|| Place {
                file: file.to_owned(),
                pointer: pointer.to_owned(),
            });
        }
    }

    /// Where `key` of the property at `pointer` in `file` is written.
    pub fn of(&self, key: &str, file: &str, pointer: &str) -> Place {
        match self.0.get(key) {
            Some(object) => Place {
                file: object.file.clone(),
                pointer: child(&object.pointer, key),
            },
            None => Place {
                file: file.to_owned(),
                pointer: child(pointer, key),
            },
        }
    }
}

/// `pointer` with the JSON pointer token `token` appended (`~` and `/` escaped).
pub(crate) fn child(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", token.replace('~', "~0").replace('/', "~1"))
}
