//! A folder of JSON Schema documents read into models: one `.json` file a model, its table
//! settings from the `x-` keywords, each property read by [`super::property`].

use super::error::{child, Place, Problems};
use super::names;
use super::property::{self, Field, Link};
use schema_core::Dialect;
use serde_json::{Map, Value};
use std::path::Path;

/// A model: one JSON Schema document, one table.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Model {
    /// The file, as the folder was given (`models/posts.json`).
    pub file: String,
    /// The file's name without `.json`: what `$ref` names it by.
    pub name: String,
    /// The table (`x-table`, else the name).
    pub table: String,
    /// The columns, in the order of the properties.
    pub fields: Vec<Field>,
    /// The arrays of `$ref` to another model: a join table each.
    pub links: Vec<Link>,
    /// The primary key's columns.
    pub primary_key: Vec<String>,
    /// `x-indexes`, and the `x-index` of properties.
    pub indexes: Vec<IndexSpec>,
    /// `x-unique`, and the `x-unique` of properties: the columns of each.
    pub uniques: Vec<Vec<String>>,
    /// `x-partition-by` (PostgreSQL), as written: `RANGE (created_at)`.
    pub partition_by: Option<String>,
    /// `x-renamed-from`: the table's former name.
    pub renamed_from: Option<String>,
}

/// An index a model asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct IndexSpec {
    /// The name, or `None` for `<table>_<columns>_idx`.
    pub name: Option<String>,
    /// Where the model asks for it (empty for the index of a foreign key).
    pub pointer: String,
    /// The columns.
    pub columns: Vec<String>,
    /// `UNIQUE`.
    pub unique: bool,
    /// The access method: `btree`, `gin`, ...
    pub method: String,
}

/// A document read from the folder.
pub(crate) struct Document {
    pub file: String,
    pub name: String,
    pub value: Value,
}

/// The keywords a model's document may hold at its top.
const MODEL_KEYWORDS: &[&str] = &[
    "$schema",
    "$id",
    "$comment",
    "$defs",
    "definitions",
    "title",
    "description",
    "examples",
    "deprecated",
    "type",
    "properties",
    "required",
    "additionalProperties",
    "x-table",
    "x-primary-key",
    "x-indexes",
    "x-unique",
    "x-partition-by",
    "x-renamed-from",
];

/// The index methods PostgreSQL has.
pub(crate) const METHODS: &[&str] = &["btree", "hash", "gin", "gist", "brin", "spgist"];

/// Reads every `.json` file of `dir` (shown as `shown` in messages), in name order.
pub(crate) fn read_folder(dir: &Path, shown: &str, problems: &mut Problems) -> Vec<Document> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) => {
            problems.add(
                shown,
                "",
                format!("cannot read the models folder: {e}"),
                "check the path given for the models",
            );
            return Vec::new();
        }
    };
    let mut paths: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    paths.sort();
    let mut documents = Vec::new();
    for path in paths {
        let file_name = path
            .file_name()
            .map_or(String::new(), |n| n.to_string_lossy().into_owned());
        let file = Path::new(shown).join(&file_name).display().to_string();
        let name = file_name.trim_end_matches(".json").to_owned();
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) => {
                problems.add(
                    &file,
                    "",
                    format!("cannot read the file: {e}"),
                    "check its permissions and that it is UTF-8",
                );
                continue;
            }
        };
        match serde_json::from_str::<Value>(&text) {
            Ok(value) => documents.push(Document { file, name, value }),
            Err(e) => problems.add(
                &file,
                "",
                format!("not JSON: {e} (line {}, column {})", e.line(), e.column()),
                "fix the JSON syntax",
            ),
        }
    }
    if documents.is_empty() && problems.0.is_empty() {
        problems.add(
            shown,
            "",
            "the folder holds no `.json` model",
            "add one JSON Schema document per table, like `users.json`",
        );
    }
    documents
}

/// Reads one document into a model for `dialect`'s database.
pub(crate) fn model(
    doc: &Document,
    all: &[Document],
    dialect: Dialect,
    problems: &mut Problems,
) -> Option<Model> {
    let file = doc.file.as_str();
    let place = |pointer: &str| Place {
        file: file.to_owned(),
        pointer: pointer.to_owned(),
    };
    let Some(root) = doc.value.as_object() else {
        problems.add(
            file,
            "",
            "a model is a JSON object",
            "write the document as `{\"type\": \"object\", \"properties\": {...}}`",
        );
        return None;
    };
    let before = problems.0.len();
    for key in root.keys() {
        if !MODEL_KEYWORDS.contains(&key.as_str()) {
            problems.add(
                file,
                &child("", key),
                format!("unsupported keyword `{key}` in a model"),
                format!("remove it; a model takes {}", list(MODEL_KEYWORDS)),
            );
        }
    }
    if let Some(schema) = root.get("$schema") {
        let known = schema.as_str().is_some_and(|s| {
            s.contains("json-schema.org/draft/2020-12/schema")
                || s.contains("json-schema.org/draft-07/schema")
        });
        if !known {
            problems.add(file, "/$schema", format!("unsupported JSON Schema draft {schema}"), "use draft 2020-12 (`https://json-schema.org/draft/2020-12/schema`) or draft 7 (`http://json-schema.org/draft-07/schema#`)");
        }
    }
    if let Some(t) = root.get("type") {
        if t != "object" {
            problems.add(
                file,
                "/type",
                format!("a model's type is {t}, not `\"object\"`"),
                "a model is a table: give it `\"type\": \"object\"` and `properties`",
            );
        }
    }
    let table = match root.get("x-table") {
        None => {
            // The file's name, as its table's: a problem placed at the whole document.
            names::usable(&doc.name, dialect, &place(""), problems);
            doc.name.clone()
        }
        Some(Value::String(t)) if !t.is_empty() => {
            names::usable(t, dialect, &place("/x-table"), problems);
            t.clone()
        }
        Some(other) => {
            problems.add(
                file,
                "/x-table",
                format!("`x-table` is {other}, not a table name"),
                "write the table's name as a string, like `\"x-table\": \"posts\"`",
            );
            doc.name.clone()
        }
    };
    let required: Vec<&str> = match root.get("required") {
        None => Vec::new(),
        Some(Value::Array(names)) if names.iter().all(Value::is_string) => {
            names.iter().filter_map(Value::as_str).collect()
        }
        Some(_) => {
            problems.add(
                file,
                "/required",
                "`required` is not an array of property names",
                "write `\"required\": [\"id\", \"title\"]`",
            );
            Vec::new()
        }
    };
    let empty = Map::new();
    let properties = match root.get("properties") {
        Some(Value::Object(p)) => p,
        _ => {
            problems.add(
                file,
                "/properties",
                "a model without `properties` makes no column",
                "add `properties`, one per column",
            );
            &empty
        }
    };
    for name in &required {
        if !properties.contains_key(*name) {
            problems.add(
                file,
                "/required",
                format!("`{name}` is required but is no property"),
                "add the property or remove it from `required`",
            );
        }
    }
    let mut fields = Vec::new();
    let mut links = Vec::new();
    for (name, schema) in properties {
        let pointer = child("/properties", name);
        let is_required = required.contains(&name.as_str());
        match property::read(
            doc,
            all,
            name,
            schema,
            &pointer,
            is_required,
            dialect,
            problems,
        ) {
            Some(property::Read::Field(f)) => fields.push(*f),
            Some(property::Read::Link(l)) => links.push(l),
            None => {}
        }
    }
    let mut model = Model {
        file: file.to_owned(),
        name: doc.name.clone(),
        table,
        fields,
        links,
        primary_key: Vec::new(),
        indexes: Vec::new(),
        uniques: Vec::new(),
        partition_by: None,
        renamed_from: None,
    };
    match root.get("x-renamed-from") {
        None => {}
        Some(Value::String(old)) if !old.is_empty() => {
            model.renamed_from = names::usable(old, dialect, &place("/x-renamed-from"), problems)
                .then(|| old.clone());
        }
        Some(other) => problems.add(
            file,
            "/x-renamed-from",
            format!("`x-renamed-from` is {other}, not the table's former name"),
            "write the former name as a string, like `\"x-renamed-from\": \"old_posts\"`",
        ),
    }
    table_settings(&mut model, root, dialect, problems);
    (problems.0.len() == before).then_some(model)
}

/// `x-primary-key`, `x-indexes`, `x-unique`, `x-partition-by`, and the properties' own.
fn table_settings(
    model: &mut Model,
    root: &Map<String, Value>,
    dialect: Dialect,
    problems: &mut Problems,
) {
    let file = model.file.clone();
    model.primary_key = match root.get("x-primary-key") {
        Some(value) => columns(model, value, "/x-primary-key", problems),
        None if model.fields.iter().any(|f| f.column == "id") => vec!["id".to_owned()],
        None => {
            problems.add(&file, "", "the model has no primary key", "add an `id` property, or name the key's columns with `\"x-primary-key\": [\"a\", \"b\"]`");
            Vec::new()
        }
    };
    match root.get("x-indexes") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let at = format!("/x-indexes/{i}");
                if let Some(spec) = index_spec(model, item, &at, dialect, problems) {
                    model.indexes.push(spec);
                }
            }
        }
        Some(_) => problems.add(&file, "/x-indexes", "`x-indexes` is not an array", "write `\"x-indexes\": [{\"columns\": [\"a\"], \"unique\": false, \"method\": \"btree\"}]`"),
    }
    match root.get("x-unique") {
        None => {}
        Some(Value::Array(items)) => {
            for (i, item) in items.iter().enumerate() {
                let cols = columns(model, item, &format!("/x-unique/{i}"), problems);
                if !cols.is_empty() {
                    model.uniques.push(cols);
                }
            }
        }
        Some(_) => problems.add(
            &file,
            "/x-unique",
            "`x-unique` is not an array",
            "write `\"x-unique\": [[\"a\", \"b\"], \"c\"]`, one entry per unique constraint",
        ),
    }
    match root.get("x-partition-by") {
        None => {}
        Some(Value::String(spec)) => {
            // PostgreSQL refuses a primary key that leaves out a partition column.
            let inside = spec
                .split_once('(')
                .and_then(|(_, r)| r.rsplit_once(')'))
                .map(|(c, _)| c);
            let ok_method = ["range", "list", "hash"]
                .iter()
                .any(|m| spec.trim_start().to_ascii_lowercase().starts_with(m));
            match inside {
                Some(cols) if ok_method => {
                    for col in cols.split(',').map(|c| c.trim().trim_matches('"')) {
                        if !model.primary_key.iter().any(|k| k == col) {
                            problems.add(&file, "/x-partition-by", format!("the partition column `{col}` is not in the primary key"), "PostgreSQL needs every partition column in the primary key: add it to `x-primary-key`");
                        }
                    }
                    model.partition_by = Some(spec.trim().to_owned());
                }
                _ => problems.add(&file, "/x-partition-by", format!("`{spec}` is not a partitioning"), "write it as PostgreSQL's `PARTITION BY` takes it: `RANGE (created_at)`, `LIST (kind)` or `HASH (id)`"),
            }
        }
        Some(_) => problems.add(
            &file,
            "/x-partition-by",
            "`x-partition-by` is not a string",
            "write it as `\"RANGE (created_at)\"`",
        ),
    }
    for f in &model.fields {
        if f.unique {
            model.uniques.push(vec![f.column.clone()]);
        }
        if let Some(method) = &f.index {
            model.indexes.push(IndexSpec {
                name: None,
                pointer: child(&f.pointer, "x-index"),
                columns: vec![f.column.clone()],
                unique: false,
                method: method.clone(),
            });
        }
    }
}

fn index_spec(
    model: &Model,
    item: &Value,
    at: &str,
    dialect: Dialect,
    problems: &mut Problems,
) -> Option<IndexSpec> {
    let Some(spec) = item.as_object() else {
        problems.add(
            &model.file,
            at,
            "an index is not an object",
            "write `{\"columns\": [\"a\"]}`",
        );
        return None;
    };
    let mut ok = true;
    for key in spec.keys() {
        if !["columns", "unique", "method", "name"].contains(&key.as_str()) {
            problems.add(
                &model.file,
                &child(at, key),
                format!("unsupported keyword `{key}` in an index"),
                "an index takes `columns`, `unique`, `method` and `name`",
            );
            ok = false;
        }
    }
    let cols = match spec.get("columns") {
        Some(value) => columns(model, value, &child(at, "columns"), problems),
        None => {
            problems.add(
                &model.file,
                at,
                "an index without `columns`",
                "name its columns: `\"columns\": [\"a\"]`",
            );
            Vec::new()
        }
    };
    let unique = match spec.get("unique") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            problems.add(
                &model.file,
                &child(at, "unique"),
                format!("`unique` is {other}, not true or false"),
                "write `\"unique\": true`",
            );
            ok = false;
            false
        }
    };
    let method = match spec.get("method") {
        None => "btree".to_owned(),
        Some(Value::String(m)) if METHODS.contains(&m.to_ascii_lowercase().as_str()) => {
            m.to_ascii_lowercase()
        }
        Some(other) => {
            problems.add(
                &model.file,
                &child(at, "method"),
                format!("unknown index method {other}"),
                format!("use one of {}", list(METHODS)),
            );
            ok = false;
            String::new()
        }
    };
    let name = match spec.get("name") {
        None => None,
        Some(Value::String(n)) if !n.is_empty() => {
            let place = Place {
                file: model.file.clone(),
                pointer: child(at, "name"),
            };
            ok &= names::usable(n, dialect, &place, problems);
            Some(n.clone())
        }
        Some(other) => {
            problems.add(
                &model.file,
                &child(at, "name"),
                format!("an index's `name` is {other}, not a name"),
                "write it as a string, like `\"name\": \"posts_title_idx\"`, or leave it out",
            );
            ok = false;
            None
        }
    };
    (ok && !cols.is_empty()).then_some(IndexSpec {
        name,
        pointer: at.to_owned(),
        columns: cols,
        unique,
        method,
    })
}

/// Column names from a string or an array of strings, each a property or a column of the
/// model.
fn columns(model: &Model, value: &Value, at: &str, problems: &mut Problems) -> Vec<String> {
    let names: Vec<(String, &str)> = match value {
        Value::String(s) => vec![(at.to_owned(), s.as_str())],
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => items
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.as_str().map(|s| (format!("{at}/{i}"), s)))
            .collect(),
        _ => {
            problems.add(
                &model.file,
                at,
                "expected a column name or an array of them",
                "write `\"a\"` or `[\"a\", \"b\"]`",
            );
            return Vec::new();
        }
    };
    let mut out = Vec::new();
    for (pointer, name) in names {
        match model
            .fields
            .iter()
            .find(|f| f.property == name || f.column == name)
        {
            Some(f) => out.push(f.column.clone()),
            None => problems.add(
                &model.file,
                &pointer,
                format!("`{name}` is no column of the model"),
                "name a property of the model (or the column `x-column` gives it)",
            ),
        }
    }
    out
}

/// `a`, `b` and `c` in backticks, separated by commas.
pub(crate) fn list(items: &[&str]) -> String {
    items
        .iter()
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}
