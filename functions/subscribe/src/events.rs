//! EventBridge visibility events (`PutEvents` on the configured bus, source `shiplog`): groups
//! not subscribed and run summaries, so users can route alerts. Publishing never fails an
//! invocation: a failure is logged.

use crate::retry::{classify, CallError};
use aws_sdk_eventbridge::types::PutEventsRequestEntry;
use aws_sdk_eventbridge::Client;
use shiplog::subscribe::report::{VisibilityEvent, EVENT_SOURCE};

/// PutEvents' limit of entries per request.
pub const MAX_ENTRIES_PER_PUT: usize = 10;

/// Why publishing failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublishError {
    /// The call failed.
    #[error(transparent)]
    Call(#[from] CallError),
    /// EventBridge rejected some entries.
    #[error("PutEvents rejected {failed} of {sent} entries: {codes}")]
    Rejected {
        /// Entries rejected.
        failed: usize,
        /// Entries sent.
        sent: usize,
        /// Their error codes.
        codes: String,
    },
}

/// Publishes visibility events, or nothing when disabled.
#[derive(Debug, Clone)]
pub struct Publisher {
    client: Option<Client>,
    bus: String,
}

impl Publisher {
    /// A publisher on `bus`.
    pub fn new(client: Client, bus: impl Into<String>) -> Self {
        Publisher {
            client: Some(client),
            bus: bus.into(),
        }
    }

    /// A publisher that publishes nothing (`PUBLISH_EVENTS=false`).
    pub fn disabled() -> Self {
        Publisher {
            client: None,
            bus: String::new(),
        }
    }

    /// Publishes `events` in batches of [`MAX_ENTRIES_PER_PUT`].
    pub async fn publish(&self, events: &[VisibilityEvent]) -> Result<(), PublishError> {
        let Some(client) = &self.client else {
            return Ok(());
        };
        for batch in events.chunks(MAX_ENTRIES_PER_PUT) {
            let entries: Vec<PutEventsRequestEntry> = batch
                .iter()
                .map(|event| {
                    PutEventsRequestEntry::builder()
                        .source(EVENT_SOURCE)
                        .detail_type(event.detail_type)
                        .detail(event.detail.to_string())
                        .event_bus_name(&self.bus)
                        .build()
                })
                .collect();
            let output = client
                .put_events()
                .set_entries(Some(entries))
                .send()
                .await
                .map_err(|e| classify("PutEvents", &e))?;
            let failed = usize::try_from(output.failed_entry_count()).unwrap_or(0);
            if failed > 0 {
                let codes: Vec<&str> = output
                    .entries()
                    .iter()
                    .filter_map(|entry| entry.error_code())
                    .collect();
                return Err(PublishError::Rejected {
                    failed,
                    sent: batch.len(),
                    codes: codes.join(", "),
                });
            }
        }
        Ok(())
    }

    /// [`Publisher::publish`], logging a failure instead of returning it.
    pub async fn publish_or_log(&self, events: &[VisibilityEvent]) {
        if events.is_empty() {
            return;
        }
        if let Err(error) = self.publish(events).await {
            tracing::warn!(%error, events = events.len(), "publishing visibility events failed");
        }
    }
}
