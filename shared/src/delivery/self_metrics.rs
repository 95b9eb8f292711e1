//! shiplog's own telemetry, for both Lambdas. Every telemetry name lives in this module.
//!
//! A [`SelfMetrics`] recorder counts what one invocation did; at the end the handler calls
//! [`SelfMetrics::take_line`] once and prints the result: **one** EMF line on the function's own
//! stdout. CloudWatch Logs extracts the metrics from it, so they cost no API call, and since
//! shiplog's own log groups are never subscribed, they cannot loop back into shiplog.
//!
//! | metric | unit | meaning |
//! |---|---|---|
//! | `EventsIn` | Count | log events read from the invocation's payloads |
//! | `DocumentsOut` | Count | documents delivered to OpenSearch |
//! | `MetricsOut` | Count | metric datums delivered (PutMetricData accepted, or EMF written) |
//! | `MetricsFailed` | Count | metric datums whose delivery finally failed |
//! | `DeadLettered` | Count | records or documents written to the dead-letter bucket |
//! | `Rejections` | Count | everything refused, all reasons together |
//! | `Rejections.<reason>` | Count | refused for one reason (`Rejections.metric-value-not-finite`), only when non-zero |
//! | `LagMax` | Milliseconds | largest end-to-end lag: `now − event timestamp` |
//! | `LagP50` | Milliseconds | median end-to-end lag |
//!
//! The line carries one dimension set: `FunctionName` (shiplog's own function) when known, else
//! none. Lag metrics are written only when events were seen.
//!
//! subscribe writes its own one-metric line (same namespace and dimension): `ReconcileFailed`
//! (Count), the log groups whose reconcile failed plus one for a run that stopped early.
//! [`SHIP_LOGS_METRICS`] and [`SUBSCRIBE_METRICS`] list every name the lines write: the
//! deploy's alarms watch only names from them.

use super::emf::MAX_METRICS_PER_DOCUMENT;
use super::metric_requests::{PublishOutcome, ReasonCounts};
use crate::metrics::point::{check_dimension, check_namespace, FUNCTION_NAME_DIMENSION};
use crate::metrics::StandardUnit;
use crate::rejection::RejectReason;
use crate::time::EpochMillis;
use serde_json::{json, Map, Value};

/// Default namespace of the self-metrics.
pub const DEFAULT_NAMESPACE: &str = "shiplog";
/// Environment variable overriding [`DEFAULT_NAMESPACE`].
pub const NAMESPACE_ENV: &str = "SELF_METRICS_NAMESPACE";

/// `EventsIn` metric name.
pub const EVENTS_IN: &str = "EventsIn";
/// `DocumentsOut` metric name.
pub const DOCUMENTS_OUT: &str = "DocumentsOut";
/// `SpansOut` metric name: invocation spans built and handed to delivery.
pub const SPANS_OUT: &str = "SpansOut";
/// `MetricsOut` metric name.
pub const METRICS_OUT: &str = "MetricsOut";
/// `MetricsFailed` metric name.
pub const METRICS_FAILED: &str = "MetricsFailed";
/// `DeadLettered` metric name.
pub const DEAD_LETTERED: &str = "DeadLettered";
/// `Rejections` metric name (all reasons).
pub const REJECTIONS: &str = "Rejections";
/// Prefix of the per-reason rejection metrics (`Rejections.<kebab-case reason>`).
pub const REJECTIONS_BY_REASON_PREFIX: &str = "Rejections.";
/// `LagMax` metric name.
pub const LAG_MAX: &str = "LagMax";
/// `LagP50` metric name.
pub const LAG_P50: &str = "LagP50";
/// `ReconcileFailed` metric name: subscribe's only metric, written once per invocation that
/// reconciled anything: log groups whose reconcile failed, plus one for a run that stopped
/// before completion.
pub const RECONCILE_FAILED: &str = "ReconcileFailed";

/// Every fixed metric name of ship-logs' line, in the order the line declares them: the counts
/// (always written) then the lags (written when the invocation built documents). Alarms may watch
/// these names and no others; a new self-metric is one more line here (the tests below fail
/// until the line writes it).
pub const SHIP_LOGS_METRICS: &[&str] = &[
    EVENTS_IN,
    DOCUMENTS_OUT,
    SPANS_OUT,
    METRICS_OUT,
    METRICS_FAILED,
    DEAD_LETTERED,
    REJECTIONS,
    LAG_MAX,
    LAG_P50,
];
/// The names of [`SHIP_LOGS_METRICS`] written only when the invocation built documents (the
/// lag is measured on them).
pub const WRITTEN_WITH_DOCUMENTS_ONLY: &[&str] = &[LAG_MAX, LAG_P50];
/// Every metric name of subscribe's line (one per invocation that reconciled).
pub const SUBSCRIBE_METRICS: &[&str] = &[RECONCILE_FAILED];

/// Most event timestamps kept for the median; past it, every other sample is dropped and only
/// every 2nd, 4th, … event is kept, so the sample stays spread over the whole invocation.
pub const MAX_LAG_SAMPLES: usize = 65_536;
/// The EMF metadata member.
const METADATA_KEY: &str = "_aws";

/// Problems in the self-metrics configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SelfMetricsError {
    /// The namespace would be refused by CloudWatch (`AWS/…`, empty, non-ASCII, …).
    #[error("self-metrics namespace is invalid: {0}")]
    InvalidNamespace(String),
    /// The function name cannot be a dimension value.
    #[error("self-metrics function name is invalid: {0}")]
    InvalidFunctionName(String),
}

/// Event timestamps of one invocation, bounded (see [`MAX_LAG_SAMPLES`]), and the oldest one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct LagSamples {
    samples: Vec<i64>,
    /// Keep one event in `stride`.
    stride: u64,
    seen: u64,
    oldest: Option<i64>,
}

impl LagSamples {
    fn record(&mut self, t: EpochMillis) {
        self.oldest = Some(self.oldest.map_or(t.0, |o| o.min(t.0)));
        let stride = self.stride.max(1);
        if self.seen.is_multiple_of(stride) {
            if self.samples.len() >= MAX_LAG_SAMPLES {
                let mut i = 0;
                self.samples.retain(|_| {
                    i += 1;
                    i % 2 == 1
                });
                self.stride = stride * 2;
            }
            if self.seen.is_multiple_of(self.stride.max(1)) {
                self.samples.push(t.0);
            }
        }
        self.seen += 1;
    }

    /// `(max, p50)` lag against `now`, in ms, never negative.
    fn lags(&self, now: EpochMillis) -> Option<(f64, f64)> {
        let oldest = self.oldest?;
        let mut lags: Vec<i64> = self
            .samples
            .iter()
            .map(|&t| now.0.saturating_sub(t).max(0))
            .collect();
        lags.sort_unstable();
        let median = lags.get(lags.len().saturating_sub(1) / 2).copied()?;
        let max = now.0.saturating_sub(oldest).max(0);
        Some((max as f64, median as f64))
    }
}

/// Counts of one invocation; render them with [`SelfMetrics::take_line`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfMetrics {
    namespace: String,
    function_name: Option<String>,
    events_in: u64,
    documents_out: u64,
    spans_out: u64,
    metrics_out: u64,
    metrics_failed: u64,
    dead_lettered: u64,
    rejections: ReasonCounts,
    lag: LagSamples,
}

impl SelfMetrics {
    /// A recorder writing into `namespace` ([`DEFAULT_NAMESPACE`] unless configured), with a
    /// `FunctionName` dimension when `function_name` is given (shiplog's own function,
    /// `AWS_LAMBDA_FUNCTION_NAME`).
    pub fn new(namespace: &str, function_name: Option<&str>) -> Result<Self, SelfMetricsError> {
        check_namespace(namespace).map_err(|(_, d)| SelfMetricsError::InvalidNamespace(d))?;
        if let Some(f) = function_name {
            check_dimension(FUNCTION_NAME_DIMENSION, f)
                .map_err(|(_, d)| SelfMetricsError::InvalidFunctionName(d))?;
        }
        Ok(SelfMetrics {
            namespace: namespace.to_owned(),
            function_name: function_name.map(str::to_owned),
            events_in: 0,
            documents_out: 0,
            spans_out: 0,
            metrics_out: 0,
            metrics_failed: 0,
            dead_lettered: 0,
            rejections: ReasonCounts::default(),
            lag: LagSamples::default(),
        })
    }

    /// Counts `n` log events read.
    pub fn add_events_in(&mut self, n: usize) {
        self.events_in += n as u64;
    }

    /// Records one event's CloudWatch timestamp, for the end-to-end lag.
    pub fn record_event_time(&mut self, t: EpochMillis) {
        self.lag.record(t);
    }

    /// Counts `n` bulk items delivered (log documents and invocation spans).
    pub fn add_documents_out(&mut self, n: usize) {
        self.documents_out += n as u64;
    }

    /// Counts `n` invocation spans handed to delivery.
    pub fn add_spans_out(&mut self, n: usize) {
        self.spans_out += n as u64;
    }

    /// Counts `n` records or documents dead-lettered.
    pub fn add_dead_lettered(&mut self, n: usize) {
        self.dead_lettered += n as u64;
    }

    /// Counts one rejection.
    pub fn add_rejection(&mut self, reason: RejectReason) {
        self.rejections.add(reason);
    }

    /// Counts what a PutMetricData publication did: datums sent out, datums failed, datums
    /// dropped by validation (as rejections by reason) and datums CloudWatch refused (as failed).
    pub fn add_publish_outcome(&mut self, outcome: &PublishOutcome) {
        self.metrics_out += outcome.datums_sent as u64;
        self.metrics_failed += (outcome.failed_datums + outcome.rejected_by_service) as u64;
        self.rejections.merge(&outcome.dropped_invalid);
    }

    /// Counts datums written as EMF, and the ones dropped (as rejections by reason).
    pub fn add_emf(&mut self, datums_written: usize, dropped: &ReasonCounts) {
        self.metrics_out += datums_written as u64;
        self.rejections.merge(dropped);
    }

    /// Renders the invocation's single EMF line at `now` and resets every count (the namespace
    /// and function name stay).
    pub fn take_line(&mut self, now: EpochMillis) -> String {
        let line = self.line(now);
        let fresh = SelfMetrics {
            namespace: std::mem::take(&mut self.namespace),
            function_name: self.function_name.take(),
            events_in: 0,
            documents_out: 0,
            spans_out: 0,
            metrics_out: 0,
            metrics_failed: 0,
            dead_lettered: 0,
            rejections: ReasonCounts::default(),
            lag: LagSamples::default(),
        };
        *self = fresh;
        line
    }

    /// `(name, value, unit)` of every metric of the line, at most 100 (fixed metrics plus one per
    /// rejection reason: far fewer reasons than that exist).
    fn metrics(&self, now: EpochMillis) -> Vec<(String, f64, StandardUnit)> {
        let count = |name: &str, n: u64| (name.to_owned(), n as f64, StandardUnit::Count);
        let mut metrics = vec![
            count(EVENTS_IN, self.events_in),
            count(DOCUMENTS_OUT, self.documents_out),
            count(SPANS_OUT, self.spans_out),
            count(METRICS_OUT, self.metrics_out),
            count(METRICS_FAILED, self.metrics_failed),
            count(DEAD_LETTERED, self.dead_lettered),
            count(REJECTIONS, self.rejections.total() as u64),
        ];
        if let Some((max, p50)) = self.lag.lags(now) {
            metrics.push((LAG_MAX.to_owned(), max, StandardUnit::Milliseconds));
            metrics.push((LAG_P50.to_owned(), p50, StandardUnit::Milliseconds));
        }
        for (reason, n) in self.rejections.iter() {
            metrics.push(count(
                &format!("{REJECTIONS_BY_REASON_PREFIX}{}", reason.as_str()),
                n as u64,
            ));
        }
        metrics.truncate(MAX_METRICS_PER_DOCUMENT);
        metrics
    }

    fn line(&self, now: EpochMillis) -> String {
        let mut root = Map::new();
        let mut definitions = Vec::new();
        for (name, value, unit) in self.metrics(now) {
            definitions.push(json!({"Name": name, "Unit": unit.as_str()}));
            root.insert(name, json!(value));
        }
        let mut dimension_set = Vec::new();
        if let Some(f) = &self.function_name {
            root.insert(FUNCTION_NAME_DIMENSION.to_owned(), Value::String(f.clone()));
            dimension_set.push(FUNCTION_NAME_DIMENSION);
        }
        root.insert(
            METADATA_KEY.to_owned(),
            json!({
                "Timestamp": now.0,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [dimension_set],
                    "Metrics": definitions,
                }],
            }),
        );
        Value::Object(root).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: EpochMillis = EpochMillis(1_763_700_000_000);

    fn parse(line: &str) -> Value {
        assert!(!line.contains('\n'), "one line");
        serde_json::from_str(line).unwrap()
    }

    fn metric_names(doc: &Value) -> Vec<String> {
        doc["_aws"]["CloudWatchMetrics"][0]["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Name"].as_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn one_invocation_renders_one_emf_line_with_every_count() {
        let mut m = SelfMetrics::new(DEFAULT_NAMESPACE, Some("ship-logs")).unwrap();
        m.add_events_in(10);
        for t in [NOW.0 - 5_000, NOW.0 - 1_000, NOW.0 - 2_000] {
            m.record_event_time(EpochMillis(t));
        }
        m.add_documents_out(9);
        m.add_dead_lettered(1);
        m.add_rejection(RejectReason::InvalidGzip);
        m.add_rejection(RejectReason::MetricValueNotFinite);
        m.add_rejection(RejectReason::MetricValueNotFinite);
        let mut outcome = PublishOutcome {
            datums_sent: 7,
            failed_datums: 2,
            rejected_by_service: 1,
            ..PublishOutcome::default()
        };
        outcome
            .dropped_invalid
            .add(RejectReason::MetricTimestampOutOfRange);
        m.add_publish_outcome(&outcome);
        let doc = parse(&m.take_line(NOW));
        assert_eq!(doc["_aws"]["Timestamp"], json!(NOW.0));
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "shiplog");
        assert_eq!(directive["Dimensions"], json!([["FunctionName"]]));
        assert_eq!(doc["FunctionName"], "ship-logs");
        assert_eq!(doc[EVENTS_IN], json!(10.0));
        assert_eq!(doc[DOCUMENTS_OUT], json!(9.0));
        assert_eq!(doc[METRICS_OUT], json!(7.0));
        assert_eq!(doc[METRICS_FAILED], json!(3.0));
        assert_eq!(doc[DEAD_LETTERED], json!(1.0));
        assert_eq!(doc[REJECTIONS], json!(4.0));
        assert_eq!(doc["Rejections.invalid-gzip"], json!(1.0));
        assert_eq!(doc["Rejections.metric-value-not-finite"], json!(2.0));
        assert_eq!(doc["Rejections.metric-timestamp-out-of-range"], json!(1.0));
        assert_eq!(doc[LAG_MAX], json!(5000.0));
        assert_eq!(doc[LAG_P50], json!(2000.0));
        let units: Vec<&str> = directive["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["Unit"].as_str().unwrap())
            .collect();
        assert!(units.iter().all(|u| *u == "Count" || *u == "Milliseconds"));
        // Every declared metric is a number member of the root.
        for name in metric_names(&doc) {
            assert!(doc[&name].is_number(), "{name}");
        }
        assert!(crate::parse::emf::is_emf(doc.as_object().unwrap()));
        // With events and no rejection reason, the line declares exactly the fixed list.
        let fixed: Vec<String> = metric_names(&doc)
            .into_iter()
            .filter(|n| !n.starts_with(REJECTIONS_BY_REASON_PREFIX))
            .collect();
        assert_eq!(fixed, SHIP_LOGS_METRICS);
    }

    #[test]
    fn metric_name_lists_are_distinct_and_cover_the_documents_only_names() {
        let mut all: Vec<&str> = SHIP_LOGS_METRICS
            .iter()
            .chain(SUBSCRIBE_METRICS)
            .copied()
            .collect();
        assert!(WRITTEN_WITH_DOCUMENTS_ONLY
            .iter()
            .all(|n| SHIP_LOGS_METRICS.contains(n)));
        let before = all.len();
        all.sort_unstable();
        all.dedup();
        assert_eq!(all.len(), before, "a name is listed twice");
        assert_eq!(SUBSCRIBE_METRICS, ["ReconcileFailed"]);
    }

    #[test]
    fn take_line_resets_the_counts_but_keeps_the_configuration() {
        let mut m = SelfMetrics::new("team/shipper", None).unwrap();
        m.add_events_in(3);
        m.record_event_time(EpochMillis(NOW.0 - 10));
        m.take_line(NOW);
        let doc = parse(&m.take_line(NOW));
        assert_eq!(doc[EVENTS_IN], json!(0.0));
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "team/shipper"
        );
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([[]])
        );
        assert!(doc.get(LAG_MAX).is_none(), "no events, no lag");
        let always: Vec<&str> = SHIP_LOGS_METRICS
            .iter()
            .copied()
            .filter(|n| !WRITTEN_WITH_DOCUMENTS_ONLY.contains(n))
            .collect();
        assert_eq!(
            always,
            [
                EVENTS_IN,
                DOCUMENTS_OUT,
                SPANS_OUT,
                METRICS_OUT,
                METRICS_FAILED,
                DEAD_LETTERED,
                REJECTIONS
            ]
        );
        assert_eq!(metric_names(&doc), always);
    }

    #[test]
    fn every_reason_at_once_still_fits_one_document() {
        let mut m = SelfMetrics::new(DEFAULT_NAMESPACE, None).unwrap();
        let all = RejectReason::ALL;
        for r in all {
            m.add_rejection(r);
        }
        m.record_event_time(NOW);
        let doc = parse(&m.take_line(NOW));
        let names = metric_names(&doc);
        assert_eq!(names.len(), SHIP_LOGS_METRICS.len() + all.len());
        assert!(names.len() <= MAX_METRICS_PER_DOCUMENT);
        assert_eq!(doc[REJECTIONS], json!(all.len() as f64));
    }

    #[test]
    fn lag_is_never_negative_and_the_median_survives_decimation() {
        let mut m = SelfMetrics::new(DEFAULT_NAMESPACE, None).unwrap();
        // 200 000 events, lags 0..200 000 ms: median ≈ 100 000, max 199 999.
        for i in 0..200_000i64 {
            m.record_event_time(EpochMillis(NOW.0 - i));
        }
        m.record_event_time(EpochMillis(NOW.0 + 60_000)); // a clock ahead of ours
        assert!(m.lag.samples.len() <= MAX_LAG_SAMPLES);
        let doc = parse(&m.take_line(NOW));
        assert_eq!(doc[LAG_MAX], json!(199_999.0));
        let p50 = doc[LAG_P50].as_f64().unwrap();
        assert!((p50 - 100_000.0).abs() < 2_000.0, "{p50}");
    }

    #[test]
    fn emf_counts_and_drops_are_recorded() {
        let mut m = SelfMetrics::new(DEFAULT_NAMESPACE, None).unwrap();
        let mut dropped = ReasonCounts::default();
        dropped.add(RejectReason::MetricNameConflict);
        m.add_emf(5, &dropped);
        let doc = parse(&m.take_line(NOW));
        assert_eq!(doc[METRICS_OUT], json!(5.0));
        assert_eq!(doc["Rejections.metric-name-conflict"], json!(1.0));
    }

    #[test]
    fn configuration_is_validated() {
        assert!(matches!(
            SelfMetrics::new("AWS/Lambda", None),
            Err(SelfMetricsError::InvalidNamespace(_))
        ));
        assert!(matches!(
            SelfMetrics::new(DEFAULT_NAMESPACE, Some("fünf")),
            Err(SelfMetricsError::InvalidFunctionName(_))
        ));
    }
}
