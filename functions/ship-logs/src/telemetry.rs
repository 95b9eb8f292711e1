//! How ship-logs observes itself without feeding on itself: JSON log lines through `tracing` at
//! `warn` unless `RUST_LOG` says otherwise, at most **one** summary line per invocation (at `info`
//! when all went well, so it is normally not written; at `warn` when something needs a look), and
//! **one** self-metrics EMF line on stdout per invocation. Never a line per input line: the
//! function's own log group is shiplog's own, never subscribed, and every line costs money.

use crate::response::RecordVerdict;
use serde::Serialize;
use std::io::Write;

/// The filter used when `RUST_LOG` is unset.
pub const DEFAULT_LOG_FILTER: &str = "warn";
/// Message of the per-invocation summary line.
pub const SUMMARY_MESSAGE: &str = "ship-logs invocation";
/// Message of the line written when the configuration is invalid.
pub const MISCONFIGURED_MESSAGE: &str = "ship-logs is misconfigured";
/// Message of the line written (once per container) when a Lambda deadline is implausible.
pub const IMPLAUSIBLE_DEADLINE_MESSAGE: &str = "ship-logs received an implausible deadline";
/// Message of the line written when start-up failed.
pub const STARTUP_FAILED_MESSAGE: &str = "ship-logs could not start";

/// One summary event at `$level` with every field of an [`InvocationSummary`].
macro_rules! summary_event {
    ($level:ident, $s:expr) => {
        tracing::$level!(
            source = $s.source,
            records = $s.records,
            events = $s.events,
            documents = $s.documents,
            spans = $s.spans,
            indexed = $s.indexed,
            already_present = $s.already_present,
            dead_lettered = $s.dead_lettered,
            dead_letter_key = $s.dead_letter_key.as_deref(),
            undelivered = $s.undelivered,
            delivery_error = $s.delivery_error.as_deref(),
            rejections = $s.rejections,
            undecodable = $s.undecodable,
            first_undecodable = $s.first_undecodable.as_deref(),
            metric_datums = $s.metric_datums,
            metrics_failed = $s.metrics_failed,
            metrics_error = $s.metrics_error.as_deref(),
            template_error = $s.template_error.as_deref(),
            failed_records = $s.failed_records,
            implausible_deadline_ms = $s.implausible_deadline_ms,
            duration_ms = $s.duration_ms,
            "{}",
            SUMMARY_MESSAGE
        )
    };
}

/// Installs the JSON subscriber (once; later calls do nothing).
pub fn init() {
    shiplog_adapters::telemetry::init_json_logs(DEFAULT_LOG_FILTER);
}

/// What one invocation did, for its one summary line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct InvocationSummary {
    /// `cloudwatch-logs`, `kinesis`, `firehose`, `decoded`, or `none` (undecodable input).
    pub source: &'static str,
    /// Records in the input.
    pub records: usize,
    /// Log events read.
    pub events: usize,
    /// Documents built.
    pub documents: usize,
    /// Invocation spans built (shipped as bulk items beside the documents).
    pub spans: usize,
    /// Bulk items (documents and spans) stored now.
    pub indexed: usize,
    /// Bulk items that were already stored (redelivery).
    pub already_present: usize,
    /// Documents written to the dead letter.
    pub dead_lettered: usize,
    /// Key of the dead letter written.
    pub dead_letter_key: Option<String>,
    /// Documents neither indexed nor dead-lettered.
    pub undelivered: usize,
    /// Why they were not.
    pub delivery_error: Option<String>,
    /// Rejections of every kind.
    pub rejections: usize,
    /// Records (or inputs) that could not be decoded.
    pub undecodable: usize,
    /// The first of them: `reason: detail`.
    pub first_undecodable: Option<String>,
    /// Metric datums handed to the metrics destination.
    pub metric_datums: usize,
    /// Metric datums whose delivery finally failed.
    pub metrics_failed: usize,
    /// The last metrics error.
    pub metrics_error: Option<String>,
    /// The index template could not be checked or installed.
    pub template_error: Option<String>,
    /// Kinesis records reported in `batchItemFailures` / Firehose records `ProcessingFailed`
    /// because of a delivery failure.
    pub failed_records: usize,
    /// The received `Lambda-Runtime-Deadline-Ms` when it was implausible and replaced by a
    /// bounded budget (reported at `warn` once per container; not noteworthy by itself).
    pub implausible_deadline_ms: Option<u64>,
    /// Wall time of the invocation in ms.
    pub duration_ms: u64,
}

impl InvocationSummary {
    /// True when something went wrong that an operator should see (the line is then written at
    /// `warn`, which the default filter lets through).
    pub fn is_noteworthy(&self) -> bool {
        self.dead_lettered > 0
            || self.undelivered > 0
            || self.undecodable > 0
            || self.metrics_failed > 0
            || self.template_error.is_some()
            || self.failed_records > 0
    }

    /// Counts the records failed for delivery.
    pub fn count_failed_records(&mut self, verdicts: &[RecordVerdict]) {
        self.failed_records = verdicts
            .iter()
            .filter(|v| **v == RecordVerdict::Failed)
            .count();
    }

    /// Writes the summary line: `warn` when noteworthy, else `info`.
    pub fn log(&self) {
        if self.is_noteworthy() {
            summary_event!(warn, self);
        } else {
            summary_event!(info, self);
        }
    }
}

/// Writes the invocation's self-metrics EMF line to stdout (one `write` of the whole line, so
/// that it never interleaves with a log line).
pub fn print_self_metrics(line: &str) {
    let mut out = std::io::stdout().lock();
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    let _ = out.write_all(&bytes);
    let _ = out.flush();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clean_invocation_is_not_noteworthy_and_problems_are() {
        let mut s = InvocationSummary {
            source: "cloudwatch-logs",
            events: 10,
            documents: 10,
            indexed: 10,
            ..InvocationSummary::default()
        };
        assert!(!s.is_noteworthy());
        s.undecodable = 1;
        assert!(s.is_noteworthy());
        let dead = InvocationSummary {
            dead_lettered: 1,
            ..InvocationSummary::default()
        };
        assert!(dead.is_noteworthy());
        let mut failed = InvocationSummary::default();
        failed.count_failed_records(&[RecordVerdict::Shipped, RecordVerdict::Failed]);
        assert_eq!(failed.failed_records, 1);
        assert!(failed.is_noteworthy());
    }

    #[test]
    fn the_summary_serialises_with_every_count() {
        let s = InvocationSummary {
            source: "kinesis",
            dead_letter_key: Some("k".into()),
            ..InvocationSummary::default()
        };
        let v: serde_json::Value = serde_json::to_value(&s).unwrap();
        assert_eq!(v["source"], "kinesis");
        assert_eq!(v["dead_letter_key"], "k");
        assert_eq!(v["events"], 0);
    }
}
