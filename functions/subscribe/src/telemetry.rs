//! Logging: JSON lines through `tracing`, `warn` for everything but this crate's own progress
//! and summary lines (`info`). `RUST_LOG` overrides the filter.
//!
//! Metrics: one EMF line per invocation that reconciled anything, with the single metric
//! `ReconcileFailed` (see [`shiplog::delivery::self_metrics`]): the log groups whose reconcile
//! failed, plus one for a run that stopped before completion. The deploy's alarm watches it;
//! groups skipped because of another tool's filters are reported events, never counted here.

use crate::reconcile::now_epoch_ms;
use serde_json::{json, Map, Value};
use shiplog::delivery::self_metrics::RECONCILE_FAILED;
use shiplog::metrics::point::FUNCTION_NAME_DIMENSION;
use shiplog::time::EpochMillis;
use std::io::Write;
use std::sync::Mutex;

/// The filter used when `RUST_LOG` is unset.
pub const DEFAULT_LOG_FILTER: &str = "warn,shiplog_subscribe=info";

/// Installs the JSON subscriber (once; later calls do nothing).
pub fn init() {
    shiplog_adapters::telemetry::init_json_logs(DEFAULT_LOG_FILTER);
}

/// Where the `ReconcileFailed` lines go.
#[derive(Debug)]
enum Output {
    /// The function's stdout (CloudWatch Logs extracts the metric).
    Stdout,
    /// Kept in memory, for tests.
    Collected(Mutex<Vec<String>>),
}

/// Writes subscribe's `ReconcileFailed` EMF line.
#[derive(Debug)]
pub struct ReconcileMetrics {
    namespace: String,
    function_name: Option<String>,
    output: Output,
}

impl ReconcileMetrics {
    /// Lines on stdout, in `namespace`, with a `FunctionName` dimension when `function_name`
    /// is given.
    pub fn stdout(namespace: &str, function_name: Option<&str>) -> Self {
        ReconcileMetrics {
            namespace: namespace.to_owned(),
            function_name: function_name.map(str::to_owned),
            output: Output::Stdout,
        }
    }

    /// Lines kept in memory ([`ReconcileMetrics::collected`] returns them).
    pub fn collecting(namespace: &str, function_name: Option<&str>) -> Self {
        ReconcileMetrics {
            output: Output::Collected(Mutex::new(Vec::new())),
            ..ReconcileMetrics::stdout(namespace, function_name)
        }
    }

    /// The line for `failed` failed reconciles at `now`.
    pub fn line(&self, failed: u64, now: EpochMillis) -> String {
        let mut root = Map::new();
        root.insert(RECONCILE_FAILED.to_owned(), json!(failed as f64));
        let mut dimension_set = Vec::new();
        if let Some(name) = &self.function_name {
            root.insert(FUNCTION_NAME_DIMENSION.to_owned(), json!(name));
            dimension_set.push(FUNCTION_NAME_DIMENSION);
        }
        root.insert(
            "_aws".to_owned(),
            json!({
                "Timestamp": now.0,
                "CloudWatchMetrics": [{
                    "Namespace": self.namespace,
                    "Dimensions": [dimension_set],
                    "Metrics": [{"Name": RECONCILE_FAILED, "Unit": "Count"}],
                }],
            }),
        );
        Value::Object(root).to_string()
    }

    /// Writes the line for `failed` failed reconciles (zero too: a zero keeps the alarm's
    /// data honest). A write error is logged, never fatal.
    pub fn record(&self, failed: u64) {
        let now = i64::try_from(now_epoch_ms()).unwrap_or(i64::MAX);
        let line = self.line(failed, EpochMillis(now));
        match &self.output {
            Output::Stdout => {
                let mut out = std::io::stdout().lock();
                if let Err(error) = writeln!(out, "{line}").and_then(|()| out.flush()) {
                    tracing::warn!(%error, "ReconcileFailed metric line not written");
                }
            }
            Output::Collected(lines) => match lines.lock() {
                Ok(mut lines) => lines.push(line),
                Err(poisoned) => poisoned.into_inner().push(line),
            },
        }
    }

    /// The lines kept by a collecting recorder (none for stdout).
    pub fn collected(&self) -> Vec<String> {
        match &self.output {
            Output::Stdout => Vec::new(),
            Output::Collected(lines) => match lines.lock() {
                Ok(lines) => lines.clone(),
                Err(poisoned) => poisoned.into_inner().clone(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiplog::delivery::self_metrics::{DEFAULT_NAMESPACE, SUBSCRIBE_METRICS};

    #[test]
    fn the_line_is_emf_with_exactly_the_subscribe_metrics() {
        let metrics = ReconcileMetrics::collecting(DEFAULT_NAMESPACE, Some("shiplog-subscribe"));
        let doc: Value = serde_json::from_str(&metrics.line(3, EpochMillis(1_700_000_000_000)))
            .unwrap_or_default();
        let directive = &doc["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "shiplog");
        assert_eq!(directive["Dimensions"], json!([["FunctionName"]]));
        assert_eq!(doc["FunctionName"], "shiplog-subscribe");
        assert_eq!(doc["_aws"]["Timestamp"], json!(1_700_000_000_000i64));
        let names: Vec<&str> = directive["Metrics"]
            .as_array()
            .map(|m| m.iter().filter_map(|d| d["Name"].as_str()).collect())
            .unwrap_or_default();
        assert_eq!(names, SUBSCRIBE_METRICS);
        assert_eq!(doc["ReconcileFailed"], json!(3.0));
        assert_eq!(directive["Metrics"][0]["Unit"], "Count");
    }

    #[test]
    fn without_a_function_name_the_line_has_an_empty_dimension_set() {
        let metrics = ReconcileMetrics::collecting("team/shiplog", None);
        metrics.record(0);
        let lines = metrics.collected();
        assert_eq!(lines.len(), 1);
        let doc: Value = serde_json::from_str(&lines[0]).unwrap_or_default();
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Dimensions"],
            json!([[]])
        );
        assert_eq!(
            doc["_aws"]["CloudWatchMetrics"][0]["Namespace"],
            "team/shiplog"
        );
        assert_eq!(doc["ReconcileFailed"], json!(0.0));
        assert!(doc.get("FunctionName").is_none());
    }
}
