//! A backfill that outlives one invocation: where it stopped (the [`Cursor`]), how often it has
//! re-invoked itself (the hop counter, capped so it can never loop forever) and what it counted
//! so far. Carried in the self-invocation event `{"shiplogContinuation": {…}}`.

use super::report::Totals;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Top-level key of the continuation event.
pub const CONTINUATION_KEY: &str = "shiplogContinuation";

/// Default cap on self-invocations of one backfill run.
pub const DEFAULT_MAX_HOPS: u32 = 20;

/// Where a backfill resumes: the scan (index into the `logGroupNamePrefix` list), the page token
/// that fetched the page being processed (`None` = first page), and how many groups of that page
/// were already processed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cursor {
    /// Index of the scan (prefix) in progress.
    #[serde(default)]
    pub scan: usize,
    /// Token of the page in progress.
    #[serde(default)]
    pub page_token: Option<String>,
    /// Groups of that page already processed.
    #[serde(default)]
    pub skip: usize,
}

/// The state a backfill hands to its next invocation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Continuation {
    /// Id of the run (the request id of its first invocation), for log correlation.
    pub run_id: String,
    /// Number of this hop (1 for the first continuation).
    pub hop: u32,
    /// Where to resume.
    pub cursor: Cursor,
    /// Counts of the previous hops.
    #[serde(default)]
    pub totals: Totals,
}

/// A continuation key whose value is not a valid continuation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContinuationError(pub String);

impl Continuation {
    /// The event payload to self-invoke with.
    pub fn to_event(&self) -> Value {
        let mut event = serde_json::Map::new();
        event.insert(
            CONTINUATION_KEY.to_owned(),
            serde_json::to_value(self).unwrap_or(Value::Null),
        );
        Value::Object(event)
    }

    /// `None` when the event is not a continuation event; an error when it is one but malformed.
    pub fn from_event(event: &Value) -> Option<Result<Self, ContinuationError>> {
        let inner = event.get(CONTINUATION_KEY)?;
        Some(serde_json::from_value(inner.clone()).map_err(|e| ContinuationError(e.to_string())))
    }
}

/// Whether a backfill that stopped at `cursor` may continue.
#[derive(Debug, Clone, PartialEq)]
pub enum HopDecision {
    /// Self-invoke with this continuation.
    Continue(Continuation),
    /// The hop cap is reached: stop, report the run as incomplete.
    CapReached {
        /// The hops made.
        hops: u32,
    },
}

/// Decides the next hop of run `run_id`, which is at hop `hop` (0 = not a continuation).
pub fn next_hop(
    run_id: &str,
    hop: u32,
    cursor: Cursor,
    totals: Totals,
    max_hops: u32,
) -> HopDecision {
    let Some(next) = hop.checked_add(1).filter(|next| *next <= max_hops) else {
        return HopDecision::CapReached { hops: hop };
    };
    HopDecision::Continue(Continuation {
        run_id: run_id.to_owned(),
        hop: next,
        cursor,
        totals,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Continuation {
        Continuation {
            run_id: "req-1".into(),
            hop: 2,
            cursor: Cursor {
                scan: 1,
                page_token: Some("tok".into()),
                skip: 3,
            },
            totals: Totals {
                scanned: 10,
                subscribed: 4,
                ..Totals::default()
            },
        }
    }

    #[test]
    fn continuation_round_trips_through_its_event() {
        let event = sample().to_event();
        assert_eq!(event["shiplogContinuation"]["cursor"]["pageToken"], "tok");
        assert_eq!(event["shiplogContinuation"]["hop"], 2);
        assert_eq!(Continuation::from_event(&event), Some(Ok(sample())));
    }

    #[test]
    fn other_events_are_not_continuations_and_malformed_ones_are_errors() {
        assert_eq!(Continuation::from_event(&json!({"detail": {}})), None);
        assert!(matches!(
            Continuation::from_event(&json!({"shiplogContinuation": {"hop": "x"}})),
            Some(Err(_))
        ));
    }

    #[test]
    fn hop_counter_increments_until_the_cap() {
        let cursor = Cursor::default();
        match next_hop("r", 0, cursor.clone(), Totals::default(), 2) {
            HopDecision::Continue(c) => assert_eq!(c.hop, 1),
            other => panic!("{other:?}"),
        }
        match next_hop("r", 1, cursor.clone(), Totals::default(), 2) {
            HopDecision::Continue(c) => assert_eq!(c.hop, 2),
            other => panic!("{other:?}"),
        }
        assert_eq!(
            next_hop("r", 2, cursor.clone(), Totals::default(), 2),
            HopDecision::CapReached { hops: 2 }
        );
        assert_eq!(
            next_hop("r", u32::MAX, cursor, Totals::default(), u32::MAX),
            HopDecision::CapReached { hops: u32::MAX }
        );
    }
}
