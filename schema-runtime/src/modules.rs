//! The registry of migration sets that share one database: core modules, applied at boot in
//! priority order, and plugins, activated, deactivated and removed at run time. A set
//! registers itself where it is defined ([`register!`](crate::register)), so that linking the
//! crate that defines it is all it takes; [`Modules::from_sets`] builds a registry from an
//! explicit list instead. What each operation runs and records is decided by the engine
//! (`engine/modules.rs`).

use crate::{MigrateError, Migrations, TableNames};
use std::fmt;
use std::time::Duration;

/// What a module is to the application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ModuleRole {
    /// Part of the application: applied by every boot ([`Modules::boot`]), in priority order.
    Core,
    /// Optional: applied at boot only once activated ([`Modules::activate`]); can be
    /// deactivated (its data kept) or removed (its set reverted to zero).
    Plugin,
}

impl ModuleRole {
    /// `core` or `plugin`, as the tracking tables hold it.
    pub fn as_str(self) -> &'static str {
        match self {
            ModuleRole::Core => "core",
            ModuleRole::Plugin => "plugin",
        }
    }

    /// The role a stored value stands for, if any.
    pub fn parse(value: &str) -> Option<ModuleRole> {
        match value {
            "core" => Some(ModuleRole::Core),
            "plugin" => Some(ModuleRole::Plugin),
            _ => None,
        }
    }
}

impl fmt::Display for ModuleRole {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One migration set of a registry, with its role.
#[derive(Debug, Clone, Copy)]
pub struct Registered {
    /// The set; its [`Migrations::module`] is the module's name.
    pub migrations: Migrations,
    /// Core or plugin.
    pub role: ModuleRole,
    /// For a core module, where it comes at boot: lower first, then by name. 0 unless given.
    pub priority: i32,
    /// Where it was registered (`src/calendar.rs:12`), for the message naming two
    /// registrations of one module.
    pub location: &'static str,
}

impl Registered {
    /// A core module, applied by every boot, lower `priority` first.
    pub fn core(migrations: Migrations, priority: i32) -> Registered {
        Registered {
            migrations,
            role: ModuleRole::Core,
            priority,
            location: "",
        }
    }

    /// A plugin, applied at boot once activated.
    pub fn plugin(migrations: Migrations) -> Registered {
        Registered {
            migrations,
            role: ModuleRole::Plugin,
            priority: 0,
            location: "",
        }
    }

    /// The module's name: the set's [`Migrations::module`].
    pub fn name(&self) -> &'static str {
        self.migrations.module()
    }
}

/// What [`register!`](crate::register) submits: a registration the linker collects.
#[doc(hidden)]
pub struct Registration {
    migrations: &'static Migrations,
    role: ModuleRole,
    priority: i32,
    location: &'static str,
}

impl Registration {
    #[doc(hidden)]
    pub const fn new(
        migrations: &'static Migrations,
        role: ModuleRole,
        priority: i32,
        location: &'static str,
    ) -> Registration {
        Registration {
            migrations,
            role,
            priority,
            location,
        }
    }
}

inventory::collect!(Registration);

/// Every module of an application, sorted: the core modules by priority then name, then the
/// plugins by name. Made from every [`register!`](crate::register)ed set
/// ([`Modules::registered`]) or from a list ([`Modules::from_sets`]).
///
/// ```ignore
/// static CORE: Migrations = schema_runtime::embed_migrations!("migrations/core", module = "core");
/// schema_runtime::register!(CORE, core, priority = 1);
///
/// let modules = schema_runtime::Modules::registered()?;
/// let applied = modules.boot(&pool).await?;
/// modules.activate(&pool, "calendar").await?;
/// ```
#[derive(Debug, Clone)]
pub struct Modules {
    pub(crate) sets: Vec<Registered>,
    pub(crate) tables: TableNames,
    pub(crate) lock_timeout: Duration,
    pub(crate) applied_by: Option<String>,
}

impl Modules {
    /// Every set registered with [`register!`](crate::register) in the crates linked into this
    /// binary. Refused when two registrations name one module
    /// ([`MigrateError::DuplicateModule`], naming both).
    pub fn registered() -> Result<Modules, MigrateError> {
        Modules::from_sets(
            inventory::iter::<Registration>
                .into_iter()
                .map(|r| Registered {
                    migrations: *r.migrations,
                    role: r.role,
                    priority: r.priority,
                    location: r.location,
                }),
        )
    }

    /// A registry of exactly `sets`, for applications that prefer a list and for tests.
    /// Refused when two sets name one module ([`MigrateError::DuplicateModule`]) or a name is
    /// empty.
    pub fn from_sets(sets: impl IntoIterator<Item = Registered>) -> Result<Modules, MigrateError> {
        let mut sets: Vec<Registered> = sets.into_iter().collect();
        for (i, set) in sets.iter_mut().enumerate() {
            if set.location.is_empty() {
                set.location = Box::leak(format!("set {} of the list", i + 1).into_boxed_str());
            }
        }
        crate::order::sort_by(&mut sets, |a, b| {
            let key = |r: &Registered| (r.role == ModuleRole::Plugin, r.priority, r.name());
            key(a).cmp(&key(b)).then(a.location.cmp(b.location))
        });
        if sets.iter().any(|s| s.name().trim().is_empty()) {
            return Err(MigrateError::EmptyModule);
        }
        let mut by_name: Vec<&Registered> = sets.iter().collect();
        crate::order::sort_by(&mut by_name, |a, b| {
            a.name().cmp(b.name()).then(a.location.cmp(b.location))
        });
        if let Some(pair) = by_name.windows(2).find(|w| w[0].name() == w[1].name()) {
            return Err(MigrateError::DuplicateModule {
                module: pair[0].name().to_owned(),
                first: pair[0].location.to_owned(),
                second: pair[1].location.to_owned(),
            });
        }
        Ok(Modules {
            sets,
            tables: TableNames::default(),
            lock_timeout: Duration::from_secs(60),
            applied_by: None,
        })
    }

    /// The tracking tables' names, for every module (default `_schema_migrations`,
    /// `_schema_history`, `_schema_modules`).
    pub fn table_names(mut self, tables: TableNames) -> Self {
        self.tables = tables;
        self
    }

    /// The tracking tables every module's records go to.
    pub fn tracking_tables(&self) -> &TableNames {
        &self.tables
    }

    /// How long each module's operation waits for another process's (default 60 s).
    pub fn lock_timeout(mut self, wait: Duration) -> Self {
        self.lock_timeout = wait;
        self
    }

    /// Who is recorded as applying (default `user@host` of the process).
    pub fn applied_by(mut self, who: impl Into<String>) -> Self {
        self.applied_by = Some(who.into());
        self
    }

    /// The module named `name`, if it is one of this registry's.
    pub fn get(&self, name: &str) -> Option<&Registered> {
        self.sets.iter().find(|s| s.name() == name)
    }

    /// Every module, in order: the core modules by priority then name, then the plugins by
    /// name.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &Registered> {
        self.sets.iter()
    }

    /// The names of every module, in order.
    pub fn names(&self) -> Vec<&'static str> {
        self.sets.iter().map(Registered::name).collect()
    }

    /// The module named `name`, or [`MigrateError::UnknownModule`] naming the known ones.
    pub fn find(&self, name: &str) -> Result<&Registered, MigrateError> {
        self.get(name).ok_or_else(|| MigrateError::UnknownModule {
            module: name.to_owned(),
            known: self.names().into_iter().map(str::to_owned).collect(),
        })
    }
}

/// What [`Modules::info`] tells of one module.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ModuleInfo {
    /// The module's name.
    pub name: String,
    /// Core or plugin.
    pub role: ModuleRole,
    /// Whether boot applies it: always for a core module; for a plugin, once activated (the
    /// state the database holds).
    pub active: bool,
    /// The highest applied version, if any is applied.
    pub version: Option<i64>,
    /// How many of the set's migrations are not applied yet.
    pub pending: usize,
    /// How many of the set's migrations are applied.
    pub applied: usize,
    /// When the migration applied last was applied, as the history shows times (UTC,
    /// `2026-12-04T18:59:32.123Z`).
    pub last_applied: Option<String>,
}

/// A module as the database records it, whether or not this binary knows its set: what
/// [`Modules::stored`] reads.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoredModule {
    /// The module's name.
    pub name: String,
    /// The role a registry recorded, if one did (a set run on its own records none).
    pub role: Option<ModuleRole>,
    /// Whether a registry recorded it active, if one did.
    pub active: Option<bool>,
    /// The table prefix its set is confined to, as its runs recorded it (none for a set
    /// without one, and for a module not run since the database had the column).
    pub prefix: Option<String>,
    /// The highest applied version, if any.
    pub version: Option<i64>,
    /// How many migrations are recorded as applied.
    pub applied: usize,
    /// When the migration applied last was applied, as the history shows times.
    pub last_applied: Option<String>,
}

/// Registers a migration set as a module of the application, where it is defined: linking the
/// crate is all it takes for [`Modules::registered`] to find it. No central list, and no
/// dependency on the registry's implementation in the crate that registers.
///
/// ```ignore
/// static CORE: Migrations = schema_runtime::embed_migrations!("migrations/core", module = "core");
/// schema_runtime::register!(CORE, core, priority = 1);   // lower first; default 0
///
/// static CALENDAR: Migrations =
///     schema_runtime::embed_migrations!("plugins/calendar", module = "calendar", prefix = "calendar_");
/// schema_runtime::register!(CALENDAR, plugin);
/// ```
///
/// The first argument is a `static` [`Migrations`]; the module's name is the one the macro gave
/// it (`module = "…"`). Two registrations of one name make [`Modules::registered`] fail,
/// naming both places.
#[macro_export]
macro_rules! register {
    ($set:path, core $(,)?) => {
        $crate::register!($set, core, priority = 0);
    };
    ($set:path, core, priority = $priority:expr $(,)?) => {
        $crate::__private::inventory::submit! {
            $crate::__private::Registration::new(
                &$set,
                $crate::ModuleRole::Core,
                $priority,
                ::core::concat!(::core::file!(), ":", ::core::line!()),
            )
        }
    };
    ($set:path, plugin $(,)?) => {
        $crate::__private::inventory::submit! {
            $crate::__private::Registration::new(
                &$set,
                $crate::ModuleRole::Plugin,
                0,
                ::core::concat!(::core::file!(), ":", ::core::line!()),
            )
        }
    };
    ($set:path, plugin, priority = $priority:expr $(,)?) => {
        ::core::compile_error!("a plugin has no priority: plugins are applied by name once activated; give `priority = …` to a `core` module only");
    };
    ($($rest:tt)*) => {
        ::core::compile_error!(::core::concat!(
            "expected `register!(SET, core)`, `register!(SET, core, priority = N)` or `register!(SET, plugin)`, where SET is a `static` of `embed_migrations!`, not `register!(",
            ::core::stringify!($($rest)*),
            ")`"
        ));
    };
}
