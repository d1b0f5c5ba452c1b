//! What the tracking tables hold, as the engine reasons about it: typed values
//! ([`state`]) and the records it decides to write ([`records`]), with their one rendering into
//! SQL. A leaf: the engine (`crate::engine`) and the stores (`crate::backend`) both build on it.

pub(crate) mod other;
pub(crate) mod records;
pub(crate) mod state;
