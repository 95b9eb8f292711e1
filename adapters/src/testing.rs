//! Test support for the crates above (feature `testing`, never in a production build): a
//! [`MetricsDestination`] that records what it is given.

use crate::cloudwatch::{MetricsDestination, PublishError};
use shiplog::delivery::metric_requests::PublishOutcome;
use shiplog::metrics::MetricDatum;
use shiplog::time::EpochMillis;
use std::future::Future;
use std::sync::{Mutex, PoisonError};
use tokio::time::Instant;

/// A destination that keeps every datum it is given (for handler tests): each publication is
/// recorded whole and reported as fully sent.
#[derive(Debug, Default)]
pub struct RecordingMetrics {
    published: Mutex<Vec<Vec<MetricDatum>>>,
}

impl RecordingMetrics {
    /// The datums of every publication so far, in order.
    pub fn publications(&self) -> Vec<Vec<MetricDatum>> {
        self.published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl MetricsDestination for RecordingMetrics {
    fn publish(
        &self,
        datums: Vec<MetricDatum>,
        _now: EpochMillis,
        _deadline: Instant,
    ) -> impl Future<Output = Result<PublishOutcome, PublishError>> + Send {
        let outcome = PublishOutcome {
            datums_sent: datums.len(),
            ..PublishOutcome::default()
        };
        self.published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(datums);
        async move { Ok(outcome) }
    }
}
