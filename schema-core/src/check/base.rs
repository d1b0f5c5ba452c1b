//! The folders a set builds on (`after = …`): resolved like the set's own, so that the check
//! can apply them first.

use crate::discover::resolve_dir;
use crate::error::Error;
use crate::migration::MigrationSet;
use std::path::Path;

/// Resolves each folder of `dirs` (relative to `root`, as the set's own folder is) in the
/// order given, for [`CheckOptions::with_after`](crate::CheckOptions::with_after). A folder
/// that is missing or does not resolve is an error naming it ([`Error::BaseFolder`]); every
/// problem of every folder is returned.
pub fn resolve_after(root: &Path, dirs: &[String]) -> Result<Vec<MigrationSet>, Vec<Error>> {
    let mut sets = Vec::new();
    let mut errors = Vec::new();
    for dir in dirs {
        match resolve_dir(root, dir) {
            Ok(set) => sets.push(set),
            Err(problems) => errors.extend(problems.into_iter().map(|problem| Error::BaseFolder {
                dir: dir.clone(),
                problem: Box::new(problem),
            })),
        }
    }
    if errors.is_empty() {
        Ok(sets)
    } else {
        Err(errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_in_order_and_names_a_folder_that_does_not_resolve() {
        let root = tempfile::tempdir().unwrap();
        for (dir, file) in [("core", "1_users.sql"), ("base", "1_tags.sql")] {
            std::fs::create_dir(root.path().join(dir)).unwrap();
            std::fs::write(root.path().join(dir).join(file), "CREATE TABLE t (id INT);").unwrap();
        }
        let sets = resolve_after(root.path(), &["base".to_owned(), "core".to_owned()]).unwrap();
        let dirs: Vec<&str> = sets.iter().map(|s| s.display_dir.as_str()).collect();
        assert_eq!(dirs, ["base", "core"]);

        std::fs::write(root.path().join("core").join("x_bad.sql"), "").unwrap();
        let errors =
            resolve_after(root.path(), &["core".to_owned(), "nope".to_owned()]).unwrap_err();
        assert_eq!(errors.len(), 2, "{errors:#?}");
        let messages: Vec<String> = errors.iter().map(ToString::to_string).collect();
        assert!(
            messages[0].starts_with("`after = \"core\"`: core/x_bad.sql: not a migration name"),
            "{messages:#?}"
        );
        assert!(
            messages[1].starts_with("`after = \"nope\"`: migrations folder `nope` not found"),
            "{messages:#?}"
        );
    }
}
