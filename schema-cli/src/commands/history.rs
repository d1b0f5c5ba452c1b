//! `schema history`: every recorded event, oldest first.

use super::{Ctx, Exit};
use crate::output::{duration, plain, version, Style};
use crate::Error;
use schema_runtime::{EventKind, HistoryEvent};
use serde::Serialize;

pub(crate) async fn run(ctx: Ctx<'_>) -> Result<Exit, Error> {
    let events = ctx.migrator.history(ctx.pool).await?;
    if ctx.out.json {
        ctx.out.json(&HistoryJson {
            events: events.iter().map(EventJson::from).collect(),
        })?;
    } else if events.is_empty() {
        ctx.out.line("no events recorded")?;
    } else {
        let rows: Vec<_> = events
            .iter()
            .map(|e| {
                vec![
                    plain(e.at.clone()),
                    plain(version(e.version, e.repeatable)),
                    (e.event.as_str().to_owned(), style(e.event)),
                    plain(e.duration_ms.map_or_else(|| "-".to_owned(), duration)),
                    plain(e.by.clone()),
                    plain(match &e.detail {
                        Some(detail) => format!("{}: {detail}", e.description),
                        None => e.description.clone(),
                    }),
                ]
            })
            .collect();
        ctx.out.table(
            &["at", "version", "event", "duration", "by", "description"],
            &rows,
        )?;
    }
    Ok(Exit::Ok)
}

fn style(event: EventKind) -> Style {
    match event {
        EventKind::Apply => Style::Good,
        EventKind::Failure => Style::Bad,
        EventKind::Revert => Style::Warn,
        _ => Style::Note,
    }
}

#[derive(Serialize)]
struct HistoryJson<'a> {
    events: Vec<EventJson<'a>>,
}

#[derive(Serialize)]
struct EventJson<'a> {
    id: i64,
    module: &'a str,
    version: i64,
    /// Only for a repeatable migration's event, whose version is a key.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    repeatable: bool,
    description: &'a str,
    event: &'static str,
    checksum: Option<String>,
    at: &'a str,
    by: &'a str,
    duration_ms: Option<i64>,
    detail: Option<&'a str>,
}

impl<'a> From<&'a HistoryEvent> for EventJson<'a> {
    fn from(e: &'a HistoryEvent) -> Self {
        EventJson {
            id: e.id,
            module: &e.module,
            version: e.version,
            repeatable: e.repeatable,
            description: &e.description,
            event: e.event.as_str(),
            checksum: e.checksum.as_ref().map(|c| c.to_hex()),
            at: &e.at,
            by: &e.by,
            duration_ms: e.duration_ms,
            detail: e.detail.as_deref(),
        }
    }
}
