//! The runtime against the real PostgreSQL server `scripts/with-postgres` starts.

mod basics;
mod connections;
mod errors;
mod goose_plpgsql;
mod issue14_no_tx;
mod no_transaction;
mod transaction_mode;
mod wrapped;
