fn main() {
    // Rebuild the example service when a migration file is added or removed.
    println!("cargo:rerun-if-changed=migrations");
}
