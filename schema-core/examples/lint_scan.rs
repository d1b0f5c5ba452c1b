fn main() {
    let mut args = std::env::args().skip(1);
    let dialect = schema_core::Dialect::from_name(&args.next().unwrap()).unwrap();
    for dir in args {
        match schema_core::resolve_dir(std::path::Path::new("."), &dir) {
            Ok(set) => {
                for f in schema_core::lint(&set, &schema_core::LintOptions::new(dialect)) {
                    println!("{f}");
                }
            }
            Err(e) => println!("{dir}: resolve failed {}", e.len()),
        }
    }
}
