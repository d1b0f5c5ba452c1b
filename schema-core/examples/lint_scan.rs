//! Lints folders as the build does (the newest migration), printing each finding shown as a
//! warning: `cargo run -p schema-core --example lint_scan --features check-sqlite,check-postgres -- sqlite migrations`.
fn main() {
    let mut args = std::env::args().skip(1);
    let Some(dialect) = args
        .next()
        .and_then(|d| schema_core::Dialect::from_name(&d))
    else {
        eprintln!("usage: lint_scan sqlite|postgres <folder>...");
        return;
    };
    for dir in args {
        match schema_core::resolve_dir(std::path::Path::new("."), &dir) {
            Ok(set) => {
                let options = schema_core::LintOptions::new(dialect)
                    .with_scope(schema_core::LintScope::Newest);
                for f in schema_core::lint(&set, &options) {
                    if f.level >= schema_core::Level::Warning {
                        println!("{f}");
                    }
                }
            }
            Err(errors) => println!("{dir}: {} problems", errors.len()),
        }
    }
}
