//! An error as the `schema` command prints it: its message, then each source, so that a test
//! can look for the database's words, which the message itself no longer repeats.

/// `error`'s message, then each source on a line of its own.
pub fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut cause = error.source();
    while let Some(e) = cause {
        text.push_str("\n  caused by: ");
        text.push_str(&e.to_string());
        cause = e.source();
    }
    text
}
