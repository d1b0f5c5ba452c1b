//! The service's types, the source of its tables: each derives `schemars::JsonSchema`, and
//! the `x-` keywords of `docs/models.md` ride along with `#[schemars(extend(...))]`.

use schemars::JsonSchema;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// A person who writes posts.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct User {
    #[schemars(extend("x-identity" = true))]
    pub id: i64,
    #[schemars(length(max = 100), extend("x-varchar" = true))]
    pub name: String,
    #[schemars(email, extend("x-unique" = true))]
    pub email: String,
    pub bio: Option<String>,
    #[schemars(extend("format" = "date-time"))]
    pub created_at: String,
}

/// Where a post is.
#[derive(JsonSchema)]
#[serde(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum Status {
    Draft,
    Published,
}

/// A post, by a user, with tags.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct Post {
    #[schemars(extend("x-identity" = true))]
    pub id: i64,
    /// A foreign key to `users`.
    #[schemars(extend("$ref" = "users.json", "x-on-delete" = "cascade"))]
    pub author_id: i64,
    #[schemars(length(min = 1, max = 200))]
    pub title: String,
    pub status: Status,
    #[schemars(range(min = 0, max = 5))]
    pub rating: Option<f64>,
    /// Stored as JSON, with a GIN index on PostgreSQL.
    #[schemars(extend("x-index" = "gin"))]
    pub metadata: BTreeMap<String, String>,
    /// A join table `posts_tags`.
    #[schemars(extend("items" = {"$ref": "tags.json"}))]
    pub tags: Vec<i64>,
}

/// A label of posts.
#[derive(JsonSchema)]
#[allow(dead_code)]
pub struct Tag {
    pub id: i64,
    #[schemars(length(max = 40), extend("x-unique" = true))]
    pub label: String,
}

/// Writes `T`'s schema to `dir/<table>.json`, pretty-printed, and returns the file.
pub fn write_model<T: JsonSchema>(dir: &Path, table: &str) -> std::io::Result<PathBuf> {
    let schema = schemars::schema_for!(T);
    let path = dir.join(format!("{table}.json"));
    let mut text = serde_json::to_string_pretty(&schema).map_err(std::io::Error::other)?;
    text.push('\n');
    std::fs::write(&path, text)?;
    Ok(path)
}

/// Writes every type's schema to `dir` (created when missing): the folder of models that
/// `schema new --from-models` reads.
pub fn write_models(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    Ok(vec![
        write_model::<User>(dir, "users")?,
        write_model::<Post>(dir, "posts")?,
        write_model::<Tag>(dir, "tags")?,
    ])
}
