//! `schema modules`: every module of the database with its state; and, where the application
//! mounts its registered modules, `modules activate|deactivate|remove NAME`.

use super::{Ctx, Exit};
use crate::cli::{ModulesAction, ModulesArgs};
use crate::output::{plain, Style};
use crate::Error;
use schema_runtime::{MigrationState, Modules};
use serde::Serialize;

pub(crate) async fn run(args: &ModulesArgs, ctx: Ctx<'_>) -> Result<Exit, Error> {
    let Some(action) = &args.action else {
        return list(ctx).await;
    };
    let Some(modules) = ctx.modules else {
        let action = match action {
            ModulesAction::Activate { .. } => "activate",
            ModulesAction::Deactivate { .. } => "deactivate",
            ModulesAction::Remove { .. } => "remove",
        };
        return Err(Error::NoRegisteredModules { action });
    };
    match action {
        ModulesAction::Activate { name } => {
            let report = modules.activate(ctx.pool, name).await?;
            super::up::render_report(&report, &ctx)?;
            if !ctx.out.json {
                ctx.out.line(&format!("`{name}` is active"))?;
            }
        }
        ModulesAction::Deactivate { name } => {
            modules.deactivate(ctx.pool, name).await?;
            if ctx.out.json {
                ctx.out.json(&StateJson {
                    module: name,
                    active: false,
                })?;
            } else {
                ctx.out.line(&format!(
                    "`{name}` is inactive; its tables and data are kept"
                ))?;
            }
        }
        ModulesAction::Remove { name } => {
            let report = modules.remove(ctx.pool, name).await?;
            super::up::render_report(&report, &ctx)?;
            if !ctx.out.json {
                ctx.out.line(&format!("`{name}` is removed and inactive"))?;
            }
        }
    }
    Ok(Exit::Ok)
}

/// Every registered module (with what is pending), then every other module the database
/// records (pending known only for the set the command reads).
async fn list(ctx: Ctx<'_>) -> Result<Exit, Error> {
    let unregistered;
    let registry = match ctx.modules {
        Some(modules) => modules,
        None => {
            unregistered =
                Modules::from_sets([])?.table_names(ctx.migrator.tracking_tables().clone());
            &unregistered
        }
    };
    let stored = registry.stored(ctx.pool).await?;
    let recorded = |name: &str| {
        stored
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.prefix.clone())
    };
    let mut rows: Vec<ModuleJson> = registry
        .info_all(ctx.pool)
        .await?
        .into_iter()
        .map(|i| ModuleJson {
            prefix: registry
                .get(&i.name)
                .and_then(|r| r.migrations.prefix())
                .map(str::to_owned)
                .or_else(|| recorded(&i.name)),
            role: Some(i.role.as_str()),
            active: Some(i.active),
            version: i.version,
            applied: i.applied,
            pending: Some(i.pending),
            last_applied: i.last_applied,
            name: i.name,
        })
        .collect();
    let own = ctx.known_set.then(|| ctx.migrator.module_name());
    for s in stored {
        if rows.iter().any(|r| r.name == s.name) {
            continue;
        }
        let pending = match own {
            Some(module) if module == s.name => Some(pending(&ctx).await?),
            _ => None,
        };
        rows.push(ModuleJson {
            prefix: s.prefix,
            role: s.role.map(|r| r.as_str()),
            active: s.active,
            version: s.version,
            applied: s.applied,
            pending,
            last_applied: s.last_applied,
            name: s.name,
        });
    }
    // The set the command reads, before anything of it is recorded.
    if let Some(module) = own.filter(|m| !rows.iter().any(|r| r.name == *m)) {
        rows.push(ModuleJson {
            name: module.to_owned(),
            prefix: ctx.migrator.migrations().prefix().map(str::to_owned),
            role: None,
            active: None,
            version: None,
            applied: 0,
            pending: Some(pending(&ctx).await?),
            last_applied: None,
        });
    }
    if ctx.out.json {
        ctx.out.json(&ListJson { modules: rows })?;
    } else if rows.is_empty() {
        ctx.out.line("no modules recorded")?;
    } else {
        let dash = || "-".to_owned();
        let table: Vec<_> = rows
            .iter()
            .map(|r| {
                let (active, style) = match r.active {
                    Some(true) => ("yes".to_owned(), Style::Good),
                    Some(false) => ("no".to_owned(), Style::Warn),
                    None => (dash(), Style::Dim),
                };
                vec![
                    plain(r.name.clone()),
                    plain(r.role.map_or_else(dash, str::to_owned)),
                    (active, style),
                    plain(r.version.map_or_else(dash, |v| v.to_string())),
                    plain(r.applied.to_string()),
                    match r.pending {
                        Some(0) => plain("0".to_owned()),
                        Some(n) => (n.to_string(), Style::Warn),
                        None => (dash(), Style::Dim),
                    },
                    plain(r.last_applied.clone().unwrap_or_else(dash)),
                ]
            })
            .collect();
        ctx.out.table(
            &[
                "module",
                "role",
                "active",
                "version",
                "applied",
                "pending",
                "last applied",
            ],
            &table,
        )?;
    }
    Ok(Exit::Ok)
}

/// How many migrations of the command's own set are pending.
async fn pending(ctx: &Ctx<'_>) -> Result<usize, Error> {
    let entries = ctx.migrator.status(ctx.pool).await?;
    Ok(entries
        .iter()
        .filter(|e| e.state == MigrationState::Pending)
        .count())
}

#[derive(Serialize)]
struct ListJson {
    modules: Vec<ModuleJson>,
}

/// A module as listed: `role` and `active` are null for a module no registry recorded,
/// `pending` when its set is not known here, `prefix` when neither its set nor its runs gave
/// one.
#[derive(Serialize)]
struct ModuleJson {
    name: String,
    prefix: Option<String>,
    role: Option<&'static str>,
    active: Option<bool>,
    version: Option<i64>,
    applied: usize,
    pending: Option<usize>,
    last_applied: Option<String>,
}

#[derive(Serialize)]
struct StateJson<'a> {
    module: &'a str,
    active: bool,
}
