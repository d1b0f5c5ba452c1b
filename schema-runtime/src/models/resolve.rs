//! A property's schema with its `$ref` followed (to a definition, or to another model: a
//! reference) and `anyOf`/`oneOf`/`allOf` of one schema unwrapped.

use super::error::{child, Places, Problems};
use super::load::Document;
use serde_json::{Map, Value};

/// A property's schema with its `$ref` and `anyOf`/`oneOf`/`allOf` resolved.
pub(crate) struct Resolved {
    pub schema: Map<String, Value>,
    /// Where each keyword of `schema` that is not the property's own is written: a
    /// definition's, in its file.
    pub places: Places,
    /// A `$ref` to a whole model.
    pub model: Option<String>,
    /// `null` allowed by an `anyOf`/`oneOf` with `{"type": "null"}`.
    pub null: bool,
}

/// `schema` with a `$ref` replaced by what it points to (its other keywords kept over the
/// target's), and `anyOf`/`oneOf` of one schema and `{"type": "null"}`, or `allOf` of one
/// schema, replaced by that schema.
pub(crate) fn resolve(
    doc: &Document,
    all: &[Document],
    schema: &Value,
    pointer: &str,
    problems: &mut Problems,
    depth: usize,
) -> Option<Resolved> {
    let file = doc.file.as_str();
    let Some(object) = schema.as_object() else {
        problems.add(
            file,
            pointer,
            format!("the property's schema is {schema}, not an object"),
            "write the property as `{\"type\": \"string\"}`",
        );
        return None;
    };
    if depth > 8 {
        problems.add(
            file,
            pointer,
            "`$ref` leads round in a circle",
            "make the chain of `$ref` end at a schema",
        );
        return None;
    }
    for key in ["anyOf", "oneOf", "allOf"] {
        let Some(options) = object.get(key) else {
            continue;
        };
        let at = child(pointer, key);
        let options = options.as_array().map(Vec::as_slice).unwrap_or_default();
        let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
        let others: Vec<(usize, &Value)> = options
            .iter()
            .enumerate()
            .filter(|(_, v)| !is_null(v))
            .collect();
        let null = others.len() < options.len();
        let usable = others.len() == 1 && (key == "allOf") != null;
        if !usable {
            problems.add(file, &at, format!("unsupported `{key}`"), "a column holds one kind of value: use one schema, with `{\"type\": \"null\"}` beside it (`anyOf`) for an optional one");
            return None;
        }
        let (i, inner) = others[0];
        let inner_at = format!("{at}/{i}");
        let mut resolved = resolve(doc, all, inner, &inner_at, problems, depth + 1)?;
        resolved
            .places
            .written_at(&resolved.schema, &doc.file, &inner_at);
        for (k, v) in object.iter().filter(|(k, _)| *k != key) {
            resolved.schema.insert(k.clone(), v.clone());
            resolved.places.0.remove(k);
        }
        resolved.null |= null;
        return Some(resolved);
    }
    let Some(reference) = object.get("$ref") else {
        return Some(Resolved {
            schema: object.clone(),
            places: Places::default(),
            model: None,
            null: false,
        });
    };
    let at = child(pointer, "$ref");
    let Some(reference) = reference.as_str() else {
        problems.add(
            file,
            &at,
            "`$ref` is not a string",
            "write `\"$ref\": \"users.json\"`",
        );
        return None;
    };
    let (target_file, fragment) = reference.split_once('#').unwrap_or((reference, ""));
    let target_file = target_file.trim_start_matches("./");
    let target = if target_file.is_empty() {
        doc
    } else {
        let name = target_file.strip_suffix(".json").unwrap_or(target_file);
        match all.iter().find(|d| d.name == name && !name.contains('/')) {
            Some(target) => target,
            None => {
                let example = all.first().map_or("users".to_owned(), |d| d.name.clone());
                problems.add(file, &at, format!("`$ref` `{reference}` does not resolve: no model `{target_file}` in the folder"), format!("refer to a model of the folder by its file name, like `{example}.json`, or to a definition, like `#/$defs/Status`"));
                return None;
            }
        }
    };
    if fragment.is_empty() || fragment == "/" {
        if target_file.is_empty() {
            problems.add(
                file,
                &at,
                "`$ref` `#` refers to the model itself",
                "refer to the model by its file name (`users.json`) to make a foreign key to it",
            );
            return None;
        }
        return Some(Resolved {
            schema: object.clone(),
            places: Places::default(),
            model: Some(target.name.clone()),
            null: false,
        });
    }
    let Some(found) = target.value.pointer(fragment) else {
        problems.add(
            file,
            &at,
            format!(
                "`$ref` `{reference}` does not resolve: `{}` has nothing at `{fragment}`",
                target.file
            ),
            "point at a definition that exists, like `#/$defs/Status`",
        );
        return None;
    };
    // What is wrong inside the definition is placed there, in the file that holds it.
    let mut resolved = resolve(target, all, found, fragment, problems, depth + 1)?;
    resolved
        .places
        .written_at(&resolved.schema, &target.file, fragment);
    for (k, v) in object.iter().filter(|(k, _)| *k != "$ref") {
        resolved.schema.insert(k.clone(), v.clone());
        resolved.places.0.remove(k);
    }
    Some(resolved)
}
