//! Optional Lambda usage metrics, read from `REPORT` lines and `platform.report` records: per
//! invocation duration, billed duration, max memory used, init duration, cold start, timeout and
//! an estimated cost. Off by default (the caller holds an `Option<UsageMetrics>`, `None` unless
//! configured); published in the configured namespace (never `AWS/…`: PutMetricData refuses it,
//! and AWS/Lambda already has its own metrics), with a `FunctionName` dimension.
//!
//! | metric | unit | value |
//! |---|---|---|
//! | `Duration` | Milliseconds | `Duration` / `durationMs` |
//! | `BilledDuration` | Milliseconds | `Billed Duration` / `billedDurationMs` |
//! | `MaxMemoryUsed` | Megabytes | `Max Memory Used` / `maxMemoryUsedMB` |
//! | `InitDuration` | Milliseconds | `Init Duration` / `initDurationMs`, cold starts only |
//! | `ColdStart` | Count | 1 when the report has an init duration, else 0 |
//! | `Timeout` | Count | 1 when the report's status is `timeout`, else 0 |
//! | `EstimatedCost` | None | US dollars, see [`estimated_cost_usd`] |
//!
//! A metric whose input field is missing is simply not emitted (Lambda Managed Instances report
//! only `durationMs`). `Timeout` relies on the report's `Status` field: REPORT lines written
//! before Lambda added it (no `Status`) count as 0, the separate `Task timed out` line is not
//! counted (it would double-count with newer REPORT lines).

use crate::metrics::point::{check_dimension, check_namespace, FUNCTION_NAME_DIMENSION};
use crate::metrics::{MetricPoint, StandardUnit};
use crate::model::Report;
use crate::time::EpochMillis;

/// `Duration` metric name.
pub const DURATION: &str = "Duration";
/// `BilledDuration` metric name.
pub const BILLED_DURATION: &str = "BilledDuration";
/// `MaxMemoryUsed` metric name.
pub const MAX_MEMORY_USED: &str = "MaxMemoryUsed";
/// `InitDuration` metric name.
pub const INIT_DURATION: &str = "InitDuration";
/// `ColdStart` metric name.
pub const COLD_START: &str = "ColdStart";
/// `Timeout` metric name.
pub const TIMEOUT: &str = "Timeout";
/// `EstimatedCost` metric name (US dollars).
pub const ESTIMATED_COST: &str = "EstimatedCost";

/// Environment variable turning usage metrics on (`on` / `off`, default `off`).
pub const USAGE_METRICS_ENV: &str = "USAGE_METRICS";
/// Environment variable naming the monitored functions' architecture (`x86_64` default, `arm64`).
pub const ARCHITECTURE_ENV: &str = "LAMBDA_ARCHITECTURE";

pub use crate::cost::{
    estimated_cost_usd, Architecture, UnknownArchitecture, PRICE_PER_GB_SECOND_ARM64_USD,
    PRICE_PER_GB_SECOND_X86_64_USD, PRICE_PER_REQUEST_USD, PRICE_TABLE_DATE,
};

/// Problems in the usage-metrics configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsageMetricsError {
    /// The architecture is neither `x86_64` nor `arm64`.
    #[error("unknown Lambda architecture {0:?} (expected x86_64 or arm64)")]
    UnknownArchitecture(String),
    /// The namespace would be refused by PutMetricData (`AWS/…`, empty, non-ASCII, …).
    #[error("usage metrics namespace is invalid: {0}")]
    InvalidNamespace(String),
}

impl From<UnknownArchitecture> for UsageMetricsError {
    fn from(e: UnknownArchitecture) -> Self {
        UsageMetricsError::UnknownArchitecture(e.0)
    }
}

/// Usage metrics, when turned on: the namespace they go to and the functions' architecture.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageMetrics {
    namespace: String,
    architecture: Architecture,
}

impl UsageMetrics {
    /// Usage metrics into `namespace` (checked like any namespace: never `AWS/…`).
    pub fn new(namespace: &str, architecture: Architecture) -> Result<Self, UsageMetricsError> {
        check_namespace(namespace)
            .map_err(|(_, detail)| UsageMetricsError::InvalidNamespace(detail))?;
        Ok(UsageMetrics {
            namespace: namespace.to_owned(),
            architecture,
        })
    }

    /// The namespace.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The architecture used for the cost estimate.
    pub fn architecture(&self) -> Architecture {
        self.architecture
    }

    /// The points of one report of `function_name`, at `timestamp` (the report line's time). No
    /// points when the function name cannot be a dimension value.
    pub fn points(
        &self,
        report: &Report,
        function_name: &str,
        timestamp: EpochMillis,
    ) -> Vec<MetricPoint> {
        if check_dimension(FUNCTION_NAME_DIMENSION, function_name).is_err() {
            return Vec::new();
        }
        let cold = report.init_duration_ms.is_some();
        let timed_out = report.status.as_deref() == Some("timeout");
        let candidates = [
            (DURATION, report.duration_ms, StandardUnit::Milliseconds),
            (
                BILLED_DURATION,
                report.billed_duration_ms,
                StandardUnit::Milliseconds,
            ),
            (
                MAX_MEMORY_USED,
                report.max_memory_used_mb,
                StandardUnit::Megabytes,
            ),
            (
                INIT_DURATION,
                report.init_duration_ms,
                StandardUnit::Milliseconds,
            ),
            (
                COLD_START,
                Some(f64::from(u8::from(cold))),
                StandardUnit::Count,
            ),
            (
                TIMEOUT,
                Some(f64::from(u8::from(timed_out))),
                StandardUnit::Count,
            ),
            (
                ESTIMATED_COST,
                estimated_cost_usd(report, self.architecture),
                StandardUnit::None,
            ),
        ];
        candidates
            .into_iter()
            .filter_map(|(name, value, unit)| {
                let value = value.filter(|v| v.is_finite())?;
                Some(MetricPoint {
                    namespace: self.namespace.clone(),
                    name: name.to_owned(),
                    value,
                    unit,
                    timestamp,
                    dimensions: vec![(
                        FUNCTION_NAME_DIMENSION.to_owned(),
                        function_name.to_owned(),
                    )],
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    const PLATFORM_TEXT: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/01-lambda-text/platform.jsonl"
    ));
    const PLATFORM_JSON: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/02-lambda-json-format/platform-events.jsonl"
    ));
    const T: EpochMillis = EpochMillis(1_763_700_000_000);

    fn records() -> Vec<Value> {
        PLATFORM_TEXT
            .lines()
            .chain(PLATFORM_JSON.lines())
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// Every corpus record whose oracle is a report, with the `Report` its oracle describes.
    fn oracle_reports() -> Vec<(String, String, Report)> {
        records()
            .into_iter()
            .filter(|r| r["expect"]["kind"] == "report")
            .map(|r| {
                let o = &r["expect"]["report"];
                let num = |k: &str| o.get(k).and_then(Value::as_f64);
                let text = |k: &str| o.get(k).and_then(Value::as_str).map(str::to_owned);
                let report = Report {
                    duration_ms: num("duration_ms"),
                    billed_duration_ms: num("billed_duration_ms"),
                    memory_size_mb: num("memory_size_mb"),
                    max_memory_used_mb: num("max_memory_used_mb"),
                    init_duration_ms: num("init_duration_ms"),
                    restore_duration_ms: num("restore_duration_ms"),
                    billed_restore_duration_ms: num("billed_restore_duration_ms"),
                    status: text("status"),
                    error_type: text("error_type"),
                    ..Report::default()
                };
                (
                    r["id"].as_str().unwrap().to_owned(),
                    r["message"].as_str().unwrap().to_owned(),
                    report,
                )
            })
            .collect()
    }

    fn usage() -> UsageMetrics {
        UsageMetrics::new("acme/usage", Architecture::X86_64).unwrap()
    }

    fn value_of(points: &[MetricPoint], name: &str) -> Option<f64> {
        points.iter().find(|p| p.name == name).map(|p| p.value)
    }

    #[test]
    fn every_corpus_report_gives_its_oracle_numbers() {
        let reports = oracle_reports();
        assert_eq!(
            reports.len(),
            16,
            "12 text REPORT lines and 4 platform.report records"
        );
        for (id, _, report) in &reports {
            let points = usage().points(report, "order-api", T);
            assert_eq!(value_of(&points, DURATION), report.duration_ms, "{id}");
            assert_eq!(
                value_of(&points, BILLED_DURATION),
                report.billed_duration_ms,
                "{id}"
            );
            assert_eq!(
                value_of(&points, MAX_MEMORY_USED),
                report.max_memory_used_mb,
                "{id}"
            );
            assert_eq!(
                value_of(&points, INIT_DURATION),
                report.init_duration_ms,
                "{id}"
            );
            let cold = if report.init_duration_ms.is_some() {
                1.0
            } else {
                0.0
            };
            assert_eq!(value_of(&points, COLD_START), Some(cold), "{id}");
            let timeout = if report.status.as_deref() == Some("timeout") {
                1.0
            } else {
                0.0
            };
            assert_eq!(value_of(&points, TIMEOUT), Some(timeout), "{id}");
            assert_eq!(
                value_of(&points, ESTIMATED_COST),
                estimated_cost_usd(report, Architecture::X86_64),
                "{id}"
            );
            for p in &points {
                assert_eq!(p.namespace, "acme/usage");
                assert_eq!(p.timestamp, T);
                assert_eq!(
                    p.dimensions,
                    [("FunctionName".to_owned(), "order-api".to_owned())]
                );
            }
        }
    }

    #[test]
    fn units_follow_the_table() {
        let (_, _, report) = oracle_reports()
            .into_iter()
            .find(|(id, _, _)| id == "plat-06-report-init-xray-same-line")
            .unwrap();
        let units: Vec<(String, StandardUnit)> = usage()
            .points(&report, "f", T)
            .into_iter()
            .map(|p| (p.name, p.unit))
            .collect();
        let want = [
            (DURATION, StandardUnit::Milliseconds),
            (BILLED_DURATION, StandardUnit::Milliseconds),
            (MAX_MEMORY_USED, StandardUnit::Megabytes),
            (INIT_DURATION, StandardUnit::Milliseconds),
            (COLD_START, StandardUnit::Count),
            (TIMEOUT, StandardUnit::Count),
            (ESTIMATED_COST, StandardUnit::None),
        ];
        let want: Vec<(String, StandardUnit)> =
            want.iter().map(|(n, u)| ((*n).to_owned(), *u)).collect();
        assert_eq!(units, want);
    }

    #[test]
    fn cold_start_timeout_and_partial_reports_from_the_corpus() {
        let by_id = |id: &str| {
            oracle_reports()
                .into_iter()
                .find(|(i, _, _)| i == id)
                .map(|(_, _, r)| usage().points(&r, "f", T))
                .unwrap()
        };
        let cold = by_id("jsonfmt-03-report-cold");
        assert_eq!(value_of(&cold, COLD_START), Some(1.0));
        assert_eq!(value_of(&cold, INIT_DURATION), Some(463.512));
        let timeout = by_id("plat-11-report-status-timeout");
        assert_eq!(value_of(&timeout, TIMEOUT), Some(1.0));
        assert_eq!(value_of(&timeout, COLD_START), Some(0.0));
        let json_timeout = by_id("jsonfmt-04-report-timeout");
        assert_eq!(value_of(&json_timeout, TIMEOUT), Some(1.0));
        let oom = by_id("plat-12-report-status-error-oom");
        assert_eq!(value_of(&oom, TIMEOUT), Some(0.0));
        // Managed Instances: only durationMs; nothing is invented.
        let partial = by_id("jsonfmt-05-report-partial-metrics");
        let names: Vec<&str> = partial.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, [DURATION, COLD_START, TIMEOUT]);
    }

    #[test]
    fn cost_follows_the_price_table() {
        // plat-05: 47 ms billed at 192 MB on x86_64.
        let report = Report {
            billed_duration_ms: Some(47.0),
            memory_size_mb: Some(192.0),
            ..Report::default()
        };
        let x86 = estimated_cost_usd(&report, Architecture::X86_64).unwrap();
        let want_x86 = 0.047 * 0.1875 * 0.000_016_666_7 + 0.000_000_2;
        assert!((x86 - want_x86).abs() < 1e-15, "{x86} vs {want_x86}");
        let arm = estimated_cost_usd(&report, Architecture::Arm64).unwrap();
        let want_arm = 0.047 * 0.1875 * 0.000_013_333_4 + 0.000_000_2;
        assert!((arm - want_arm).abs() < 1e-15, "{arm} vs {want_arm}");
        assert!(arm < x86);
        // One GB for one second on x86_64, plus one request.
        let gb_second = Report {
            billed_duration_ms: Some(1000.0),
            memory_size_mb: Some(1024.0),
            ..Report::default()
        };
        let one = estimated_cost_usd(&gb_second, Architecture::X86_64).unwrap();
        assert!((one - (0.000_016_666_7 + 0.000_000_2)).abs() < 1e-15);
        assert_eq!(
            estimated_cost_usd(&Report::default(), Architecture::X86_64),
            None
        );
    }

    #[test]
    fn aws_namespaces_are_refused() {
        for ns in ["AWS/Lambda", "AWS/Usage", "", "naïve"] {
            assert!(
                matches!(
                    UsageMetrics::new(ns, Architecture::Arm64),
                    Err(UsageMetricsError::InvalidNamespace(_))
                ),
                "{ns:?}"
            );
        }
        assert_eq!(usage().namespace(), "acme/usage");
    }

    #[test]
    fn architecture_parses_its_usual_spellings() {
        assert_eq!("x86_64".parse(), Ok(Architecture::X86_64));
        assert_eq!("AMD64".parse(), Ok(Architecture::X86_64));
        assert_eq!(" arm64 ".parse(), Ok(Architecture::Arm64));
        assert_eq!("aarch64".parse(), Ok(Architecture::Arm64));
        assert_eq!(
            "sparc".parse::<Architecture>(),
            Err(UnknownArchitecture("sparc".to_owned()))
        );
        assert_eq!(Architecture::default(), Architecture::X86_64);
    }

    #[test]
    fn a_function_name_that_cannot_be_a_dimension_gives_no_points() {
        let report = Report {
            duration_ms: Some(1.0),
            ..Report::default()
        };
        assert!(usage().points(&report, "", T).is_empty());
        assert!(usage().points(&report, "fünf", T).is_empty());
    }

    // Through the real REPORT / platform.report parsers: every corpus report must parse to its
    // oracle and give the same usage points as the oracle's `Report`.
    #[test]
    fn corpus_reports_through_parse_line_give_the_oracle_usage_points() {
        let opts = crate::parse::ParseOptions::default();
        for (id, message, oracle) in oracle_reports() {
            let line = crate::parse::parse_line(&message, &opts);
            let parsed = line
                .report
                .as_deref()
                .unwrap_or_else(|| panic!("{id}: no report parsed"));
            assert_eq!(
                usage().points(parsed, "f", T),
                usage().points(&oracle, "f", T),
                "{id}"
            );
        }
    }
}
