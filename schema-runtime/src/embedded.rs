//! The migrations the macro embeds in the binary.

use crate::packed::PackedSet;
use crate::Checksum;
use schema_core::{Directive, MigrationKind};

/// One migration file, embedded at build time by [`embed_migrations!`](crate::embed_migrations).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Migration {
    /// The number the migration is tracked under.
    pub version: i64,
    /// The version as written in the file name (`0001`, `2017-08-31-230457`).
    pub version_text: &'static str,
    /// The file name's text after the version (`create_users`).
    pub description: &'static str,
    /// Simple, one half of a reversible pair, or repeatable.
    pub kind: MigrationKind,
    /// The SQL it runs, without a leading BOM: the file; for one half of a goose or dbmate
    /// file, or a file wrapped in its own `BEGIN` … `COMMIT`, the file with what does not run
    /// (the other half, the `BEGIN` and `COMMIT`) blanked out, every line in its place.
    pub sql: &'static str,
    /// The file as it was read, without a leading BOM (the same text as `sql` for most files).
    pub source: &'static str,
    /// SHA-256 of the SQL with CRLF turned into LF and the leading `-- schema:` directive
    /// lines left out ([`Checksum::of_migration`]), computed at build time; for one half of a
    /// goose or dbmate file, of that half's lines only (the down section for the down, the
    /// rest of the file for the up).
    pub checksum: Checksum,
    /// The checksum of the whole file where it differs from `checksum`, computed at build
    /// time: what earlier versions recorded for it (before directive lines were left out; for
    /// the up half of a goose or dbmate file, before such a file was split in two). A row
    /// holding it is the same file.
    pub legacy_checksum: Option<Checksum>,
    /// [`Checksum::loose_of_migration`] the SQL, computed at build time: tells a change of
    /// white space only from a real one.
    pub loose_checksum: Checksum,
    /// How many statements the SQL splits into, counted at build time.
    pub statement_count: usize,
    /// Directives read from the leading comment lines.
    pub directives: &'static [Directive],
    /// The file holds nothing but white space and comments.
    pub noop: bool,
    /// The file's path relative to the crate root (`migrations/3_users.sql`), for messages.
    pub path: &'static str,
}

impl Migration {
    /// Whether the file runs outside a transaction (`-- no-transaction`).
    pub fn no_transaction(&self) -> bool {
        self.directives.contains(&Directive::NoTransaction)
    }

    /// Whether the file opted out of the build-time SQL check (`-- schema: no-check`).
    pub fn no_check(&self) -> bool {
        self.directives.contains(&Directive::NoCheck)
    }

    /// Whether a tracking row's `checksum` was recorded for this file as it is: its checksum,
    /// or the one earlier versions recorded ([`legacy_checksum`](Self::legacy_checksum)).
    pub fn matches_recorded(&self, checksum: &Checksum) -> bool {
        self.checksum == *checksum || self.legacy_checksum.as_ref() == Some(checksum)
    }

    /// Whether a row whose loose checksum is `recorded` differs from this file in white space
    /// only (with or without the file's `-- schema:` lines, as earlier versions counted them).
    pub fn differs_in_white_space_only(&self, recorded: Option<Checksum>) -> bool {
        recorded.is_some_and(|recorded| {
            recorded == self.loose_checksum || recorded == Checksum::loose_of(self.sql)
        })
    }

    /// Whether it is a repeatable migration (`R__<description>.sql`): applied after every
    /// versioned one, and again whenever its checksum changes. Its `version` is a negative key
    /// derived from its description (`schema_core::repeatable_key`).
    pub fn is_repeatable(&self) -> bool {
        self.kind == MigrationKind::Repeatable
    }
}

/// The module a set is tracked as when the macro names none.
pub const DEFAULT_MODULE: &str = "default";

/// Every migration of one folder, embedded in the binary by
/// [`embed_migrations!`](crate::embed_migrations), in the order they apply.
///
/// ```ignore
/// static MIGRATIONS: schema_runtime::Migrations = schema_runtime::embed_migrations!("migrations");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Migrations {
    migrations: List,
    dir: &'static str,
    abs_dir: &'static str,
    fingerprint: Checksum,
    checked: bool,
    check_notes: &'static [&'static str],
    module: &'static str,
    prefix: Option<&'static str>,
}

/// A set's migrations: as made or loaded, or as the macro packed them (shown as the
/// migrations either way).
#[derive(Clone, Copy)]
enum List {
    Ready(&'static [Migration]),
    Packed(&'static PackedSet),
}

impl Migrations {
    #[doc(hidden)]
    pub const fn __new(
        migrations: &'static [Migration],
        dir: &'static str,
        abs_dir: &'static str,
        fingerprint: Checksum,
        checked: bool,
    ) -> Self {
        Self::of(List::Ready(migrations), dir, abs_dir, fingerprint, checked)
    }

    /// What `embed_migrations!` writes: the migrations packed (see `packed.rs`).
    #[doc(hidden)]
    pub const fn __packed(
        set: &'static PackedSet,
        dir: &'static str,
        abs_dir: &'static str,
        fingerprint: Checksum,
        checked: bool,
    ) -> Self {
        Self::of(List::Packed(set), dir, abs_dir, fingerprint, checked)
    }

    const fn of(
        migrations: List,
        dir: &'static str,
        abs_dir: &'static str,
        fingerprint: Checksum,
        checked: bool,
    ) -> Self {
        Migrations {
            migrations,
            dir,
            abs_dir,
            fingerprint,
            checked,
            check_notes: &[],
            module: DEFAULT_MODULE,
            prefix: None,
        }
    }

    #[doc(hidden)]
    pub const fn __with_module(self, module: &'static str, prefix: Option<&'static str>) -> Self {
        Migrations {
            module,
            prefix,
            ..self
        }
    }

    /// The same set tracked as `module` (`embed_migrations!(…, module = "…")` names it at
    /// build time): for tools that load a folder at run time (`schema --module`). The name
    /// lives as long as the process.
    pub fn with_module(self, module: &str) -> Self {
        Migrations {
            module: Box::leak(module.to_owned().into_boxed_str()),
            ..self
        }
    }

    /// The same set confined to the table prefix `prefix` (`embed_migrations!(…, prefix = "…")`
    /// declares it at build time): for tools that load a folder at run time (`schema --prefix`),
    /// so that comparisons, dumps and diagrams keep to the module's own objects. The prefix
    /// lives as long as the process.
    pub fn with_prefix(self, prefix: &str) -> Self {
        Migrations {
            prefix: Some(Box::leak(prefix.to_owned().into_boxed_str())),
            ..self
        }
    }

    /// The module this set is tracked as: every tracking row carries it, so that several
    /// sets share one database, each with its own versions. `default` unless the macro
    /// named one (`module = "calendar"`).
    pub fn module(&self) -> &'static str {
        self.module
    }

    /// The table prefix the set is confined to (`prefix = "calendar_"`), checked at build
    /// time: every object the set creates, changes, drops or writes starts with it.
    pub fn prefix(&self) -> Option<&'static str> {
        self.prefix
    }

    #[doc(hidden)]
    pub const fn __with_check_notes(self, check_notes: &'static [&'static str]) -> Self {
        Migrations {
            check_notes,
            ..self
        }
    }

    /// What the SQL check reported without failing the build, as messages: problems in old
    /// migrations, downs that restore columns in another order (see
    /// `schema_core::Warning`). The macro shows them as compiler warnings; `schema verify`
    /// prints them as notes.
    pub fn check_notes(&self) -> &'static [&'static str] {
        self.check_notes
    }

    /// Whether the SQL was checked when the set was embedded or loaded (`check = false` turns
    /// it off for a whole invocation; `-- schema: no-check` for one file, see
    /// [`Migration::no_check`]).
    pub fn sql_checked(&self) -> bool {
        self.checked
    }

    /// Reads and checks a migrations folder at run time, with exactly the checks the macro
    /// makes at build time, for tools (the `schema` command, benchmarks) that work on a folder
    /// instead of an embedded set. `dir` is relative to `root` and is shown in messages as
    /// given.
    ///
    /// The loaded files live as long as the process: call it once per folder, not in a loop.
    pub fn load(root: &std::path::Path, dir: &str) -> Result<Migrations, Vec<schema_core::Error>> {
        let set = schema_core::resolve_dir(root, dir)?;
        Ok(Self::leak(set, false))
    }

    /// [`Migrations::load`], then the check of the SQL itself that `embed_migrations!` makes
    /// (`schema_core::check`): the same folder passes or fails both, and what the macro shows
    /// as warnings is kept in [`Migrations::check_notes`]. The check needs the
    /// `check-sqlite` / `check-postgres` features of `schema-core` turned on by the caller's
    /// dependencies; without them every folder fails with an error that says so.
    pub fn load_checked(
        root: &std::path::Path,
        dir: &str,
        options: &schema_core::CheckOptions,
    ) -> Result<Migrations, Vec<schema_core::Error>> {
        let set = schema_core::resolve_dir(root, dir)?;
        let warnings = schema_core::check(&set, options)?;
        let notes: Vec<&'static str> = warnings
            .iter()
            .map(|w| &*Box::leak(w.to_string().into_boxed_str()))
            .collect();
        Ok(Self::leak(set, true).__with_check_notes(Box::leak(notes.into_boxed_slice())))
    }

    fn leak(set: schema_core::MigrationSet, checked: bool) -> Migrations {
        let leak = |s: String| -> &'static str { Box::leak(s.into_boxed_str()) };
        let migrations: Vec<Migration> = set
            .migrations
            .into_iter()
            .map(|m| {
                let sql = leak(m.sql);
                Migration {
                    version: m.version,
                    version_text: leak(m.version_text),
                    description: leak(m.description),
                    kind: m.kind,
                    sql,
                    source: m.source.map_or(sql, leak),
                    checksum: m.checksum,
                    legacy_checksum: m.legacy_checksum,
                    loose_checksum: m.loose_checksum,
                    statement_count: m.statement_count,
                    directives: Box::leak(m.directives.into_boxed_slice()),
                    noop: m.noop,
                    path: leak(m.display_path),
                }
            })
            .collect();
        let fingerprint = Checksum::fingerprint(
            migrations
                .iter()
                .filter(|m| m.kind != MigrationKind::Down)
                .map(|m| (m.version, &m.checksum)),
        );
        Migrations {
            migrations: List::Ready(Box::leak(migrations.into_boxed_slice())),
            dir: leak(set.display_dir),
            abs_dir: leak(set.dir.to_string_lossy().into_owned()),
            fingerprint,
            checked,
            check_notes: &[],
            module: DEFAULT_MODULE,
            prefix: None,
        }
    }

    /// [`Checksum::fingerprint`] of every applying migration, computed at build time: what a
    /// database that has applied exactly this set stores.
    pub fn fingerprint(&self) -> Checksum {
        self.fingerprint
    }

    /// Every embedded file in apply order: by version, an up before its down, then the
    /// repeatable migrations.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &'static Migration> + Clone {
        self.as_slice().iter()
    }

    /// Every embedded file in apply order, as a slice.
    pub fn as_slice(&self) -> &'static [Migration] {
        self.migrations.get()
    }

    /// The files that apply (simple, up and repeatable), in apply order: the repeatable ones
    /// last.
    pub fn applying(&self) -> impl Iterator<Item = &'static Migration> + Clone {
        self.iter().filter(|m| m.kind != MigrationKind::Down)
    }

    /// The versioned files that apply (simple and up), in apply order: [`applying`](Self::applying)
    /// without the repeatable ones.
    pub fn versioned(&self) -> impl Iterator<Item = &'static Migration> + Clone {
        self.applying().filter(|m| !m.is_repeatable())
    }

    /// How many files apply: [`applying`](Self::applying)'s count, without making the
    /// packed set's migrations (a boot with nothing to do needs no more).
    #[cfg(any(feature = "sqlite", feature = "postgres"))]
    pub(crate) fn applying_count(&self) -> usize {
        match self.migrations {
            List::Ready(migrations) => migrations
                .iter()
                .filter(|m| m.kind != MigrationKind::Down)
                .count(),
            List::Packed(set) => set.applying_count(),
        }
    }

    /// The repeatable migrations, by description.
    pub fn repeatable(&self) -> impl Iterator<Item = &'static Migration> + Clone {
        self.applying().filter(|m| m.is_repeatable())
    }

    /// The down file of `version`, if the migration is reversible.
    pub fn down_of(&self, version: i64) -> Option<&'static Migration> {
        self.iter()
            .find(|m| m.version == version && m.kind == MigrationKind::Down)
    }

    /// The number of embedded files, downs included.
    pub fn len(&self) -> usize {
        match self.migrations {
            List::Ready(migrations) => migrations.len(),
            List::Packed(set) => set.len(),
        }
    }

    /// Whether the folder had no migrations.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The folder as given to the macro (`migrations`).
    pub fn dir(&self) -> &'static str {
        self.dir
    }

    /// The folder's absolute path on the machine that built the binary.
    pub fn build_dir(&self) -> &'static str {
        self.abs_dir
    }
}

impl List {
    fn get(self) -> &'static [Migration] {
        match self {
            List::Ready(migrations) => migrations,
            List::Packed(set) => crate::packed::unpacked(set),
        }
    }
}

impl std::fmt::Debug for List {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.get()).finish()
    }
}

impl IntoIterator for &Migrations {
    type Item = &'static Migration;
    type IntoIter = std::slice::Iter<'static, Migration>;

    fn into_iter(self) -> Self::IntoIter {
        self.as_slice().iter()
    }
}
