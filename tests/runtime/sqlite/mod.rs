//! The runtime against real SQLite files.

mod basics;
mod boot_probe;
mod connection_settings;
mod errors;
mod hand_back;
mod history_events;
mod in_memory;
mod interrupted;
mod issue14_no_tx;
mod large_file;

mod new_database;
mod transaction_control;
