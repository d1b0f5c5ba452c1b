//! Models mapped into the introspection model of a schema ([`Schema`]), for one database:
//! a table per model, a column per property, the checks, defaults and foreign keys they ask
//! for, a join table per array of `$ref`, and the indexes.

use super::error::{child, Place, Problems};
use super::kind::Kind;
use super::load::{IndexSpec, Model};
use super::property::{Field, Link};
use super::{names, types};
use crate::introspect::{Column, ForeignKey, Index, PrimaryKey, Schema, Table, Unique};
use schema_core::Dialect;
use std::collections::BTreeMap;

/// The schema the models describe on `dialect`'s database, as written (the database
/// normalizes it when it makes it).
pub(crate) fn schema(models: &[Model], dialect: Dialect, problems: &mut Problems) -> Schema {
    let mut schema = Schema::default();
    let mut owners: BTreeMap<String, (String, String)> = BTreeMap::new();
    let mut own = |table: &str, file: &str, pointer: &str, problems: &mut Problems| {
        let key = table.to_ascii_lowercase();
        match owners.get(&key) {
            Some((other, _)) => problems.add(
                file,
                pointer,
                format!("the table `{table}` is also `{other}`'s"),
                "give one of them another table name with `x-table` (or `x-join-table`)",
            ),
            None => {
                owners.insert(key, (file.to_owned(), pointer.to_owned()));
            }
        }
    };
    for model in models {
        let pointer = if model.table == model.name {
            ""
        } else {
            "/x-table"
        };
        own(&model.table, &model.file, pointer, problems);
        let (table, indexes) = table(model, models, dialect, problems);
        schema.tables.push(table);
        schema.indexes.extend(indexes);
        for link in &model.links {
            if let Some((table, index)) = join_table(model, link, models, dialect, problems) {
                own(&table.name, &model.file, &link.pointer, problems);
                schema.tables.push(table);
                schema.indexes.push(index);
            }
        }
    }
    if dialect == Dialect::Postgres {
        schema.schemas.push("public".to_owned());
    }
    for table in &mut schema.tables {
        names::fit(
            table.checks.iter_mut().filter_map(|c| c.name.as_mut()),
            dialect,
        );
    }
    names::fit(schema.indexes.iter_mut().map(|i| &mut i.name), dialect);
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
    schema.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    schema
}

fn table(
    model: &Model,
    models: &[Model],
    dialect: Dialect,
    problems: &mut Problems,
) -> (Table, Vec<Index>) {
    let postgres = dialect == Dialect::Postgres;
    let file = model.file.as_str();
    let mut table = Table {
        name: model.table.clone(),
        primary_key: Some(PrimaryKey {
            name: None,
            columns: model.primary_key.clone(),
        }),
        ..Table::default()
    };
    let mut indexed: Vec<&str> = Vec::new();
    for (i, f) in model.fields.iter().enumerate() {
        if let Some(first) = model.fields[..i]
            .iter()
            .find(|o| o.column.eq_ignore_ascii_case(&f.column))
        {
            problems.add(
                file,
                &f.pointer,
                format!(
                    "the column `{}` is also the property `{}`'s",
                    f.column, first.property
                ),
                "name one of the columns another way with `x-column` (a `$ref` property's column is `<property>_id`)",
            );
            continue;
        }
        if f.identity && (f.default.is_some() || f.default_sql.is_some()) {
            problems.add(
                file,
                &child(&f.pointer, "x-identity"),
                "an identity column with a default",
                "remove `default` (the identity numbers the rows) or `x-identity`",
            );
        }
        let in_key = model.primary_key.contains(&f.column);
        let data_type = match &f.kind {
            Kind::Reference(target) => match key_of(models, target) {
                Ok((target, key)) => {
                    table.foreign_keys.push(ForeignKey {
                        name: None,
                        columns: vec![f.column.clone()],
                        references: target.table.clone(),
                        referenced_columns: vec![key.column.clone()],
                        on_delete: f.on_delete.clone(),
                        on_update: "NO ACTION".to_owned(),
                        deferrable: if postgres {
                            "NOT DEFERRABLE".to_owned()
                        } else {
                            String::new()
                        },
                    });
                    match key_type(models, key, dialect) {
                        Ok(t) => t,
                        Err(help) => {
                            problems.add(
                                file,
                                &child(&f.pointer, "$ref"),
                                format!(
                                    "`{}`'s primary key has no column type to copy",
                                    target.name
                                ),
                                help,
                            );
                            continue;
                        }
                    }
                }
                Err(help) => {
                    problems.add(
                        file,
                        &child(&f.pointer, "$ref"),
                        format!("`{target}` has no one-column primary key to refer to"),
                        help,
                    );
                    continue;
                }
            },
            kind => match types::column_type(kind, f, dialect) {
                Ok(t) => t,
                Err((message, help)) => {
                    problems.at(&type_place(file, f), message, help);
                    continue;
                }
            },
        };
        let default = types::default(f, dialect).unwrap_or_else(|(message, help)| {
            problems.at(&f.place(file, "default"), message, help);
            None
        });
        match types::checks(&model.table, f, dialect) {
            Ok(checks) => table.checks.extend(checks),
            Err((message, help)) => problems.at(&f.place(file, "enum"), message, help),
        }
        table.columns.push(Column {
            name: f.column.clone(),
            data_type,
            nullable: f.nullable && !in_key,
            default,
            identity: (f.identity && postgres).then(|| "by default".to_owned()),
            ..Column::default()
        });
        if matches!(f.kind, Kind::Reference(_)) {
            indexed.push(&f.column);
        }
    }
    table.uniques = model
        .uniques
        .iter()
        .map(|columns| Unique {
            name: None,
            columns: columns.clone(),
        })
        .collect();
    if postgres {
        table.options.extend(
            model
                .partition_by
                .iter()
                .map(|p| format!("PARTITION BY {p}")),
        );
    } else {
        table.options.push("STRICT".to_owned());
    }
    let mut indexes: Vec<Index> = model
        .indexes
        .iter()
        // SQLite has B-trees only: an index of another method is PostgreSQL's alone.
        .filter(|spec| postgres || spec.method == "btree")
        .map(|spec| index(&model.table, spec))
        .collect();
    // A foreign key gets an index for the joins and deletes that follow it, unless a key or
    // an index already starts with its column.
    let leads = |column: &str| {
        model.primary_key.first().is_some_and(|k| k == column)
            || model
                .uniques
                .iter()
                .any(|u| u.first().is_some_and(|k| k == column))
            || model
                .indexes
                .iter()
                .any(|i| i.columns.first().is_some_and(|k| k == column))
    };
    for column in indexed.into_iter().filter(|c| !leads(c)) {
        indexes.push(index(
            &model.table,
            &IndexSpec {
                name: None,
                pointer: String::new(),
                columns: vec![column.to_owned()],
                unique: false,
                method: "btree".to_owned(),
            },
        ));
    }
    (table, indexes)
}

fn index(table: &str, spec: &IndexSpec) -> Index {
    let made_up = || format!("{table}_{}_idx", spec.columns.join("_"));
    Index {
        name: spec.name.clone().unwrap_or_else(made_up),
        table: table.to_owned(),
        unique: spec.unique,
        keys: spec
            .columns
            .iter()
            .map(|c| crate::introspect::dump_ident(c))
            .collect(),
        include: Vec::new(),
        predicate: None,
        method: spec.method.clone(),
    }
}

/// Where a type problem points: the `format` when it chose the kind, else the `type`.
fn type_place(file: &str, f: &Field) -> Place {
    match f.kind {
        Kind::Unsigned64 => f.place(file, "format"),
        _ => f.place(file, "type"),
    }
}

/// The model named `name` and its one-column primary key's field.
fn key_of<'a>(models: &'a [Model], name: &str) -> Result<(&'a Model, &'a Field), String> {
    let model = models
        .iter()
        .find(|m| m.name == name)
        .ok_or_else(|| format!("`{name}.json` failed to load: fix it first"))?;
    match model.primary_key.as_slice() {
        [key] => model
            .fields
            .iter()
            .find(|f| &f.column == key)
            .map(|f| (model, f))
            .ok_or_else(|| "fix its primary key".to_owned()),
        _ => Err(format!(
            "give `{}` a primary key of one column, or leave out the reference",
            model.file
        )),
    }
}

/// The type of a column that refers to `key`: the key's own, without its identity; when the
/// key itself refers to another model (a one-to-one extension keyed by its owner's key), the
/// type of the key it refers to, and so on.
fn key_type(models: &[Model], key: &Field, dialect: Dialect) -> Result<String, String> {
    let mut key = key;
    // A chain longer than the number of models goes round in a circle.
    for _ in 0..=models.len() {
        match &key.kind {
            Kind::Reference(target) => key = key_of(models, target)?.1,
            kind => {
                return types::column_type(kind, key, dialect)
                    .map_err(|_| "fix the type of the primary key it refers to first".to_owned())
            }
        }
    }
    Err(
        "the primary keys refer to each other in a circle: make one of them a plain column"
            .to_owned(),
    )
}

/// The join table of an array of `$ref`: a column for each side's key, both in the primary
/// key, each a foreign key that cascades deletes, and an index on the second (the primary key
/// serves the first).
fn join_table(
    model: &Model,
    link: &Link,
    models: &[Model],
    dialect: Dialect,
    problems: &mut Problems,
) -> Option<(Table, Index)> {
    let file = model.file.as_str();
    let at = child(&link.pointer, "items");
    let (_, this_key) = key_of(models, &model.name)
        .map_err(|help| {
            problems.add(
                file,
                &link.pointer,
                "the model has no one-column primary key for a join table",
                help,
            )
        })
        .ok()?;
    let (target, target_key) = key_of(models, &link.target)
        .map_err(|help| {
            problems.add(
                file,
                &at,
                format!(
                    "`{}` has no one-column primary key to refer to",
                    link.target
                ),
                help,
            )
        })
        .ok()?;
    let name = link
        .join_table
        .clone()
        .unwrap_or_else(|| format!("{}_{}", model.table, link.property));
    let from = format!("{}_{}", model.table, this_key.column);
    let to = format!("{}_{}", link.property, target_key.column);
    // The names made up from the table and the property (`x-join-table` is checked where it
    // is read).
    let place = Place {
        file: file.to_owned(),
        pointer: link.pointer.clone(),
    };
    let mut usable = true;
    for made in [
        link.join_table.is_none().then_some(&name),
        Some(&from),
        Some(&to),
    ] {
        usable &= made.is_none_or(|made| names::usable(made, dialect, &place, problems));
    }
    if !usable {
        return None;
    }
    if from == to {
        problems.add(
            file,
            &link.pointer,
            format!("both columns of the join table `{name}` would be `{from}`"),
            "rename the property, so that its column differs from the model's",
        );
        return None;
    }
    let types = key_type(models, this_key, dialect)
        .and_then(|this| Ok((this, key_type(models, target_key, dialect)?)));
    let (this_type, target_type) = match types {
        Ok(types) => types,
        Err(help) => {
            problems.add(
                file,
                &at,
                "a key of the join table has no column type to copy",
                help,
            );
            return None;
        }
    };
    let postgres = dialect == Dialect::Postgres;
    let column = |name: &str, data_type: String| Column {
        name: name.to_owned(),
        data_type,
        nullable: false,
        ..Column::default()
    };
    let foreign = |column: &str, references: &Model, key: &Field| ForeignKey {
        name: None,
        columns: vec![column.to_owned()],
        references: references.table.clone(),
        referenced_columns: vec![key.column.clone()],
        on_delete: "CASCADE".to_owned(),
        on_update: "NO ACTION".to_owned(),
        deferrable: if postgres {
            "NOT DEFERRABLE".to_owned()
        } else {
            String::new()
        },
    };
    let table = Table {
        name: name.clone(),
        columns: vec![column(&from, this_type), column(&to, target_type)],
        primary_key: Some(PrimaryKey {
            name: None,
            columns: vec![from.clone(), to.clone()],
        }),
        foreign_keys: vec![
            foreign(&from, model, this_key),
            foreign(&to, target, target_key),
        ],
        options: if postgres {
            Vec::new()
        } else {
            vec!["STRICT".to_owned()]
        },
        ..Table::default()
    };
    let index = index(
        &name,
        &IndexSpec {
            name: None,
            pointer: String::new(),
            columns: vec![to],
            unique: false,
            method: "btree".to_owned(),
        },
    );
    Some((table, index))
}
