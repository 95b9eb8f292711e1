//! Configuration of metric delivery, parsed once by a pure function over an environment lookup
//! ([`MetricsDeliveryConfig::from_lookup`]); every problem is reported at once.
//!
//! | variable | values | default |
//! |---|---|---|
//! | `METRICS_MODE` | `put-metric-data`, `emf`, `off` | `put-metric-data` |
//! | `METRICS_FAILURE` | `at-most-once`, `fail-invocation` | `at-most-once` |
//! | `METRICS_CONCURRENCY` | 1–32 concurrent PutMetricData requests | 4 |
//! | `METRICS_NAMESPACE` | namespace for lines without one and for usage metrics | `shiplog` |
//! | `USAGE_METRICS` | `on`, `off` | `off` |
//! | `LAMBDA_ARCHITECTURE` | `x86_64`, `arm64` (for the usage cost estimate) | `x86_64` |
//! | `SELF_METRICS_NAMESPACE` | namespace of shiplog's own EMF line | `shiplog` |

use super::self_metrics;
use super::usage_metrics::{self, Architecture, UsageMetrics};
use crate::metrics::point::check_namespace;
use std::str::FromStr;

/// Environment variable selecting the [`MetricsMode`].
pub const METRICS_MODE_ENV: &str = "METRICS_MODE";
/// Environment variable selecting the [`FailurePolicy`].
pub const METRICS_FAILURE_ENV: &str = "METRICS_FAILURE";
/// Environment variable for the PutMetricData concurrency.
pub const METRICS_CONCURRENCY_ENV: &str = "METRICS_CONCURRENCY";
/// Environment variable for the default metrics namespace.
pub const METRICS_NAMESPACE_ENV: &str = "METRICS_NAMESPACE";
/// Default metrics namespace.
pub const DEFAULT_METRICS_NAMESPACE: &str = "shiplog";
/// Default number of PutMetricData requests in flight.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// Most PutMetricData requests in flight that may be configured.
pub const MAX_CONCURRENCY: usize = 32;

/// How metric datums leave shiplog.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MetricsMode {
    /// CloudWatch `PutMetricData` calls (default).
    #[default]
    PutMetricData,
    /// Embedded Metric Format lines on the shipper's own stdout: no API call.
    Emf,
    /// No metrics at all.
    Off,
}

impl MetricsMode {
    /// The configuration word (`put-metric-data`, `emf`, `off`).
    pub fn as_str(self) -> &'static str {
        match self {
            MetricsMode::PutMetricData => "put-metric-data",
            MetricsMode::Emf => "emf",
            MetricsMode::Off => "off",
        }
    }
}

impl FromStr for MetricsMode {
    type Err = MetricsConfigError;

    /// `put-metric-data`, `emf` or `off`, case-insensitive, surrounding blanks ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "put-metric-data" => Ok(MetricsMode::PutMetricData),
            "emf" => Ok(MetricsMode::Emf),
            "off" => Ok(MetricsMode::Off),
            _ => Err(MetricsConfigError::UnknownMode(s.to_owned())),
        }
    }
}

/// What a metric delivery that finally failed does to the invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailurePolicy {
    /// Count it, report it in the invocation summary, succeed anyway (default): failing the
    /// invocation would make Lambda re-deliver the whole payload, re-indexing is idempotent but
    /// every metric already sent would be counted twice.
    #[default]
    AtMostOnce,
    /// Fail the invocation so Lambda re-delivers the payload: no metric lost, but the ones
    /// already sent are sent again (at-least-once).
    FailInvocation,
}

impl FailurePolicy {
    /// The configuration word (`at-most-once`, `fail-invocation`).
    pub fn as_str(self) -> &'static str {
        match self {
            FailurePolicy::AtMostOnce => "at-most-once",
            FailurePolicy::FailInvocation => "fail-invocation",
        }
    }
}

impl FromStr for FailurePolicy {
    type Err = MetricsConfigError;

    /// `at-most-once` or `fail-invocation`, case-insensitive, surrounding blanks ignored.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "at-most-once" => Ok(FailurePolicy::AtMostOnce),
            "fail-invocation" => Ok(FailurePolicy::FailInvocation),
            _ => Err(MetricsConfigError::UnknownFailurePolicy(s.to_owned())),
        }
    }
}

/// A problem in the metrics configuration.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MetricsConfigError {
    /// `METRICS_MODE` is not one of the known words.
    #[error("METRICS_MODE={0:?}: expected put-metric-data, emf or off")]
    UnknownMode(String),
    /// `METRICS_FAILURE` is not one of the known words.
    #[error("METRICS_FAILURE={0:?}: expected at-most-once or fail-invocation")]
    UnknownFailurePolicy(String),
    /// `METRICS_CONCURRENCY` is not a number in 1..=32.
    #[error("METRICS_CONCURRENCY={0:?}: expected a number from 1 to 32")]
    InvalidConcurrency(String),
    /// A namespace CloudWatch would refuse.
    #[error("{variable}: {detail}")]
    InvalidNamespace {
        /// The variable that holds it.
        variable: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// `USAGE_METRICS` is neither `on` nor `off`.
    #[error("USAGE_METRICS={0:?}: expected on or off")]
    InvalidSwitch(String),
    /// `LAMBDA_ARCHITECTURE` is not known.
    #[error("{0}")]
    Architecture(#[from] usage_metrics::UsageMetricsError),
}

/// Everything metric delivery needs from the environment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsDeliveryConfig {
    /// How datums leave shiplog.
    pub mode: MetricsMode,
    /// What a final delivery failure does to the invocation.
    pub failure_policy: FailurePolicy,
    /// PutMetricData requests in flight.
    pub concurrency: usize,
    /// Default namespace (lines without one, usage metrics).
    pub namespace: String,
    /// Usage metrics from REPORT lines, when turned on.
    pub usage: Option<UsageMetrics>,
    /// Namespace of shiplog's own EMF line.
    pub self_metrics_namespace: String,
}

impl Default for MetricsDeliveryConfig {
    fn default() -> Self {
        MetricsDeliveryConfig {
            mode: MetricsMode::default(),
            failure_policy: FailurePolicy::default(),
            concurrency: DEFAULT_CONCURRENCY,
            namespace: DEFAULT_METRICS_NAMESPACE.to_owned(),
            usage: None,
            self_metrics_namespace: self_metrics::DEFAULT_NAMESPACE.to_owned(),
        }
    }
}

impl MetricsDeliveryConfig {
    /// Reads the configuration through `lookup` (e.g. `|k| std::env::var(k).ok()`); unset or
    /// blank variables take their defaults. Every problem is returned at once.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, Vec<MetricsConfigError>> {
        let get = |k: &str| lookup(k).filter(|v| !v.trim().is_empty());
        let mut errors = Vec::new();
        let mut config = MetricsDeliveryConfig::default();
        if let Some(v) = get(METRICS_MODE_ENV) {
            v.parse()
                .map(|m| config.mode = m)
                .unwrap_or_else(|e| errors.push(e));
        }
        if let Some(v) = get(METRICS_FAILURE_ENV) {
            v.parse()
                .map(|p| config.failure_policy = p)
                .unwrap_or_else(|e| errors.push(e));
        }
        if let Some(v) = get(METRICS_CONCURRENCY_ENV) {
            match v.trim().parse::<usize>() {
                Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => config.concurrency = n,
                _ => errors.push(MetricsConfigError::InvalidConcurrency(v)),
            }
        }
        for (variable, slot) in [
            (METRICS_NAMESPACE_ENV, &mut config.namespace),
            (
                self_metrics::NAMESPACE_ENV,
                &mut config.self_metrics_namespace,
            ),
        ] {
            if let Some(v) = get(variable) {
                match check_namespace(v.trim()) {
                    Ok(()) => *slot = v.trim().to_owned(),
                    Err((_, detail)) => {
                        errors.push(MetricsConfigError::InvalidNamespace { variable, detail })
                    }
                }
            }
        }
        let architecture =
            match get(usage_metrics::ARCHITECTURE_ENV).map(|v| v.parse::<Architecture>()) {
                Some(Ok(a)) => a,
                Some(Err(e)) => {
                    errors.push(usage_metrics::UsageMetricsError::from(e).into());
                    Architecture::default()
                }
                None => Architecture::default(),
            };
        let usage_on =
            match get(usage_metrics::USAGE_METRICS_ENV).map(|v| v.trim().to_ascii_lowercase()) {
                None => false,
                Some(v) if v == "on" => true,
                Some(v) if v == "off" => false,
                Some(v) => {
                    errors.push(MetricsConfigError::InvalidSwitch(v));
                    false
                }
            };
        if usage_on {
            // The namespace was checked above (or is the valid default).
            match UsageMetrics::new(&config.namespace, architecture) {
                Ok(u) => config.usage = Some(u),
                Err(e) => errors.push(e.into()),
            }
        }
        if errors.is_empty() {
            Ok(config)
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config_value::fixed_lookup;

    fn from(pairs: &[(&str, &str)]) -> Result<MetricsDeliveryConfig, Vec<MetricsConfigError>> {
        MetricsDeliveryConfig::from_lookup(fixed_lookup(pairs))
    }

    #[test]
    fn defaults_are_put_metric_data_at_most_once_four_requests_no_usage() {
        let c = from(&[]).unwrap();
        assert_eq!(c, MetricsDeliveryConfig::default());
        assert_eq!(c.mode, MetricsMode::PutMetricData);
        assert_eq!(c.failure_policy, FailurePolicy::AtMostOnce);
        assert_eq!(c.concurrency, 4);
        assert_eq!(c.namespace, "shiplog");
        assert_eq!(c.self_metrics_namespace, "shiplog");
        assert!(c.usage.is_none());
    }

    #[test]
    fn modes_parse_from_their_words() {
        assert_eq!("put-metric-data".parse(), Ok(MetricsMode::PutMetricData));
        assert_eq!(" EMF ".parse(), Ok(MetricsMode::Emf));
        assert_eq!("off".parse(), Ok(MetricsMode::Off));
        assert_eq!(
            "statsd".parse::<MetricsMode>(),
            Err(MetricsConfigError::UnknownMode("statsd".to_owned()))
        );
        for m in [
            MetricsMode::PutMetricData,
            MetricsMode::Emf,
            MetricsMode::Off,
        ] {
            assert_eq!(m.as_str().parse(), Ok(m));
        }
    }

    #[test]
    fn failure_policies_parse_from_their_words() {
        assert_eq!("fail-invocation".parse(), Ok(FailurePolicy::FailInvocation));
        assert_eq!("At-Most-Once".parse(), Ok(FailurePolicy::AtMostOnce));
        assert!("retry-forever".parse::<FailurePolicy>().is_err());
        for p in [FailurePolicy::AtMostOnce, FailurePolicy::FailInvocation] {
            assert_eq!(p.as_str().parse(), Ok(p));
        }
    }

    #[test]
    fn every_setting_is_read() {
        let c = from(&[
            ("METRICS_MODE", "emf"),
            ("METRICS_FAILURE", "fail-invocation"),
            ("METRICS_CONCURRENCY", "8"),
            ("METRICS_NAMESPACE", "team/app"),
            ("USAGE_METRICS", "on"),
            ("LAMBDA_ARCHITECTURE", "arm64"),
            ("SELF_METRICS_NAMESPACE", "ops/shiplog"),
        ])
        .unwrap();
        assert_eq!(c.mode, MetricsMode::Emf);
        assert_eq!(c.failure_policy, FailurePolicy::FailInvocation);
        assert_eq!(c.concurrency, 8);
        assert_eq!(c.namespace, "team/app");
        assert_eq!(c.self_metrics_namespace, "ops/shiplog");
        let usage = c.usage.unwrap();
        assert_eq!(usage.namespace(), "team/app");
        assert_eq!(usage.architecture(), Architecture::Arm64);
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errors = from(&[
            ("METRICS_MODE", "loud"),
            ("METRICS_FAILURE", "sometimes"),
            ("METRICS_CONCURRENCY", "0"),
            ("METRICS_NAMESPACE", "AWS/Lambda"),
            ("USAGE_METRICS", "maybe"),
            ("LAMBDA_ARCHITECTURE", "mips"),
            ("SELF_METRICS_NAMESPACE", "AWS/Self"),
        ])
        .unwrap_err();
        assert_eq!(errors.len(), 7, "{errors:?}");
        assert!(errors
            .iter()
            .any(|e| e.to_string().contains("METRICS_NAMESPACE")));
        assert!(errors
            .iter()
            .any(|e| e.to_string().contains("SELF_METRICS_NAMESPACE")));
    }

    #[test]
    fn usage_metrics_never_go_to_an_aws_namespace() {
        let errors =
            from(&[("USAGE_METRICS", "on"), ("METRICS_NAMESPACE", "AWS/Lambda")]).unwrap_err();
        assert!(matches!(
            errors[0],
            MetricsConfigError::InvalidNamespace { .. }
        ));
        // With the default namespace, usage metrics go to `shiplog`.
        let c = from(&[("USAGE_METRICS", "on")]).unwrap();
        assert_eq!(c.usage.unwrap().namespace(), "shiplog");
    }

    #[test]
    fn blank_variables_take_the_defaults() {
        assert_eq!(
            from(&[("METRICS_MODE", " "), ("USAGE_METRICS", "")]).unwrap(),
            MetricsDeliveryConfig::default()
        );
    }
}
