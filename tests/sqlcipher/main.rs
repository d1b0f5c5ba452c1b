//! Encrypted SQLite files (SQLCipher, the root package's cargo feature `sqlcipher`), built in
//! an invocation of its own: `cargo test --features sqlcipher --test sqlcipher`.

mod cli;
mod example;
mod files;
mod runtime;
mod support;
