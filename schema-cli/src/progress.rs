//! Progress on stderr: each migration as the runtime applies or reverts it, from the runtime's
//! `tracing` events, so that a long run shows where it is.

use crate::output::colour_allowed;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write as _};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

/// The dispatcher a command runs under, writing progress lines on stderr. Scoped to the
/// command's future: an application's own subscriber is left as it is for everything else.
pub(crate) fn dispatch() -> tracing::Dispatch {
    let colour = std::io::stderr().is_terminal() && colour_allowed();
    tracing::Dispatch::new(tracing_subscriber::registry().with(Progress { colour }))
}

struct Progress {
    colour: bool,
}

impl<S: Subscriber> Layer<S> for Progress {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _: Context<'_, S>) -> bool {
        metadata.target().starts_with("schema_runtime") && *metadata.level() <= Level::INFO
    }

    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let line = match (fields.message.as_str(), *event.metadata().level()) {
            (verb @ ("applied" | "reverted"), _) => {
                let verb = self.paint(&format!("{verb:>8}"), "32");
                let ms = fields.duration_ms.unwrap_or(0);
                let duration = crate::output::duration(ms as i64);
                format!("{verb} {} ({duration})", fields.file)
            }
            ("took the migration lock", _) => match fields.waited_ms {
                // Only worth a line when another process made us wait.
                Some(ms) if ms >= 1_000 => format!(
                    "{} the migration lock after {}",
                    self.paint("    took", "36"),
                    crate::output::duration(ms as i64)
                ),
                _ => return,
            },
            // The failure itself is the command's error, printed once at the end.
            ("migration failed", _) => return,
            (message, Level::WARN | Level::ERROR) => {
                format!(
                    "{}: {message}{}",
                    self.paint("warning", "1;33"),
                    fields.rest
                )
            }
            _ => return,
        };
        let _ = writeln!(std::io::stderr().lock(), "{line}");
    }
}

impl Progress {
    fn paint(&self, text: &str, code: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_owned()
        }
    }
}

/// The fields of an event that progress lines show.
#[derive(Default)]
struct Fields {
    message: String,
    file: String,
    duration_ms: Option<u64>,
    waited_ms: Option<u64>,
    /// Every other field, as ` name=value`.
    rest: String,
}

impl Visit for Fields {
    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "duration_ms" => self.duration_ms = Some(value),
            "waited_ms" => self.waited_ms = Some(value),
            name => {
                let _ = write!(self.rest, " {name}={value}");
            }
        }
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        match u64::try_from(value) {
            Ok(value) => self.record_u64(field, value),
            Err(_) => {
                let _ = write!(self.rest, " {}={value}", field.name());
            }
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "message" => self.message = value.to_owned(),
            "file" => self.file = value.to_owned(),
            name => {
                let _ = write!(self.rest, " {name}={value}");
            }
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        match field.name() {
            "message" => self.message = format!("{value:?}"),
            "file" => self.file = format!("{value:?}"),
            name => {
                let _ = write!(self.rest, " {name}={value:?}");
            }
        }
    }
}
