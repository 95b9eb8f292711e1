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

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_eventbridge::operation::put_events::PutEventsOutput;
    use aws_sdk_eventbridge::types::PutEventsResultEntry;
    use aws_smithy_mocks::{mock, mock_client, RuleMode};
    use serde_json::json;
    use shiplog::subscribe::report::DETAIL_TYPE_NOT_SUBSCRIBED;
    use std::sync::{Arc, Mutex};

    fn event(n: usize) -> VisibilityEvent {
        VisibilityEvent {
            detail_type: DETAIL_TYPE_NOT_SUBSCRIBED,
            detail: json!({"logGroup": format!("/aws/lambda/g{n}"), "reason": "no-free-slot"}),
        }
    }

    #[tokio::test]
    async fn events_go_to_the_bus_with_source_shiplog_in_batches_of_ten() {
        let seen: Arc<Mutex<Vec<Vec<PutEventsRequestEntry>>>> = Arc::default();
        let record = Arc::clone(&seen);
        let put = mock!(aws_sdk_eventbridge::Client::put_events)
            .match_requests(move |request| {
                record.lock().unwrap().push(request.entries().to_vec());
                true
            })
            .then_output(|| PutEventsOutput::builder().failed_entry_count(0).build());
        let client = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&put]);
        let publisher = Publisher::new(client, "default");
        let events: Vec<_> = (0..12).map(event).collect();
        publisher.publish(&events).await.unwrap();
        let batches = seen.lock().unwrap().clone();
        assert_eq!(
            batches.iter().map(Vec::len).collect::<Vec<_>>(),
            vec![10, 2]
        );
        let first = &batches[0][0];
        assert_eq!(first.source(), Some("shiplog"));
        assert_eq!(first.detail_type(), Some("Log Group Not Subscribed"));
        assert_eq!(first.event_bus_name(), Some("default"));
        let detail: serde_json::Value = serde_json::from_str(first.detail().unwrap()).unwrap();
        assert_eq!(
            detail,
            json!({"logGroup": "/aws/lambda/g0", "reason": "no-free-slot"})
        );
    }

    #[tokio::test]
    async fn rejected_entries_are_an_error() {
        let put = mock!(aws_sdk_eventbridge::Client::put_events).then_output(|| {
            PutEventsOutput::builder()
                .failed_entry_count(1)
                .entries(
                    PutEventsResultEntry::builder()
                        .error_code("InternalFailure")
                        .build(),
                )
                .build()
        });
        let client = mock_client!(aws_sdk_eventbridge, RuleMode::MatchAny, [&put]);
        let error = Publisher::new(client, "default")
            .publish(&[event(1)])
            .await
            .unwrap_err();
        assert_eq!(
            error,
            PublishError::Rejected {
                failed: 1,
                sent: 1,
                codes: "InternalFailure".into()
            }
        );
    }

    #[tokio::test]
    async fn disabled_publisher_publishes_nothing() {
        assert_eq!(Publisher::disabled().publish(&[event(1)]).await, Ok(()));
    }
}
