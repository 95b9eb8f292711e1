//! Configuration, parsed once at cold start by a pure function over a variable lookup
//! ([`Config::from_lookup`]); every problem of every part is reported at once.
//!
//! It composes the OpenSearch delivery configuration ([`OpenSearchConfig::from_lookup`]:
//! `OPENSEARCH_*`, `INDEX_PREFIX`, `DEAD_LETTER_*`), the metrics delivery configuration
//! ([`MetricsDeliveryConfig::from_lookup`]: `METRICS_*`, `USAGE_METRICS`, …) and the variables
//! below, which configure the core pipeline. Blank values count as unset (template parameters
//! default to ""). Environment variable names are the `const`s of this module, each with its
//! default.

use regex::Regex;
use shiplog::config_value::{bool_problem, list_items, non_blank, parse_bool, parse_list};
use shiplog::delivery::metrics_config::{MetricsDeliveryConfig, MetricsMode};
use shiplog::delivery::usage_metrics::ARCHITECTURE_ENV;
use shiplog::filter::{BuiltinRedaction, Filter};
use shiplog::limits::{
    Limits, DEFAULT_CORRELATION_CACHE_SIZE, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_DECOMPRESSED_BYTES,
    DEFAULT_MAX_JSON_DEPTH,
};
use shiplog::metrics::MetricDefaults;
use shiplog::pipeline::PipelineConfig;
use shiplog::span::{SpanConfig, SPANS_ENV};
use shiplog_adapters::opensearch::config::INDEX_PREFIX_ENV;
use shiplog_adapters::opensearch::OpenSearchConfig;
use std::fmt;
use std::time::Duration;

/// Add a `FunctionName` dimension (from the log group) to every metric point (`true`/`false`,
/// default `true`).
pub const FUNCTION_DIMENSION_ENV: &str = "FUNCTION_DIMENSION";
/// Ship MONITORING lines as documents too (`true`/`false`, default `true`).
pub const SHIP_METRIC_LINES_ENV: &str = "SHIP_METRIC_LINES";
/// Comma-separated log groups of shiplog's own: their events are dropped and counted (loop
/// guard). `AWS_LAMBDA_LOG_GROUP_NAME` is always added.
pub const OWN_LOG_GROUPS_ENV: &str = "OWN_LOG_GROUPS";
/// Set by Lambda: this function's own log group (always part of the loop guard).
pub const AWS_LAMBDA_LOG_GROUP_NAME_ENV: &str = "AWS_LAMBDA_LOG_GROUP_NAME";
/// Set by Lambda: this function's name (the `FunctionName` dimension of the self-metrics).
pub const AWS_LAMBDA_FUNCTION_NAME_ENV: &str = "AWS_LAMBDA_FUNCTION_NAME";
/// Set by Lambda: the region, recorded on documents whose input does not name one.
pub const AWS_REGION_ENV: &str = "AWS_REGION";
/// Lines whose raw message matches are dropped (counted `filtered-out`): one regex, or a JSON
/// array of regexes (`["healthcheck", "^\\S+\\t\\S+\\tDEBUG\\t"]`). Default: none.
pub const DROP_PATTERNS_ENV: &str = "DROP_PATTERNS";
/// Fraction of application lines below WARN that are kept, `0`–`1` (default `1`: all).
pub const SAMPLE_RATE_ENV: &str = "SAMPLE_RATE";
/// Built-in redactions, comma-separated: `email`, `ipv4`, `card` (default none).
pub const REDACT_ENV: &str = "REDACT";
/// Custom redactions: one regex, or a JSON array of regexes (default none).
pub const REDACT_PATTERNS_ENV: &str = "REDACT_PATTERNS";
/// Cap on the decompressed bytes of one payload (default 16 MiB).
pub const MAX_DECOMPRESSED_BYTES_ENV: &str = "MAX_DECOMPRESSED_BYTES";
/// Cap on one document's `body` in bytes, larger bodies are truncated (default 256 KiB).
pub const MAX_BODY_BYTES_ENV: &str = "MAX_BODY_BYTES";
/// Cap on JSON nesting depth inside a log line, deeper lines ship as text (default 64, at most
/// 128).
pub const MAX_JSON_DEPTH_ENV: &str = "MAX_JSON_DEPTH";
/// Requests remembered across warm invocations for correlation (default 4096; 0 turns the
/// cross-invocation memory off).
pub const CORRELATION_CACHE_SIZE_ENV: &str = "CORRELATION_CACHE_SIZE";
/// Time kept free before the Lambda deadline, in ms (default 2000): shipping and publishing
/// stop this long before it, leaving time for the dead letter and the answer.
pub const DEADLINE_SAFETY_MS_ENV: &str = "DEADLINE_SAFETY_MS";

/// Default of [`DEADLINE_SAFETY_MS_ENV`].
pub const DEFAULT_DEADLINE_SAFETY: Duration = Duration::from_millis(2_000);
/// Largest accepted [`DEADLINE_SAFETY_MS_ENV`] (a Lambda runs at most 15 minutes).
pub const MAX_DEADLINE_SAFETY_MS: u64 = 60_000;
/// Largest accepted [`MAX_JSON_DEPTH_ENV`] (serde_json's own recursion limit).
pub const MAX_JSON_DEPTH_LIMIT: usize = 128;
/// Largest accepted [`CORRELATION_CACHE_SIZE_ENV`].
pub const MAX_CORRELATION_CACHE_SIZE: usize = 1_000_000;
/// Largest accepted [`MAX_DECOMPRESSED_BYTES_ENV`] and [`MAX_BODY_BYTES_ENV`]: 1 GiB, far above any
/// Lambda's memory for one payload.
pub const MAX_BYTES_LIMIT: usize = 1024 * 1024 * 1024;
/// Compiled size limit of one configured regex (the `regex` crate is linear-time; this bounds
/// its memory).
pub const REGEX_SIZE_LIMIT: usize = 1024 * 1024;
/// Characters OpenSearch refuses in index names.
const INDEX_FORBIDDEN: &[char] = &['\\', '/', '*', '?', '"', '<', '>', '|', ' ', ',', '#', ':'];

/// The whole configuration of `ship-logs`.
#[derive(Debug, Clone)]
pub struct Config {
    /// OpenSearch delivery and dead letters.
    pub opensearch: OpenSearchConfig,
    /// Metric delivery, usage metrics, self-metrics namespace.
    pub metrics: MetricsDeliveryConfig,
    /// The core pipeline (index prefix, metric defaults, loop guard, filter, limits).
    pub pipeline: PipelineConfig,
    /// Time kept free before the Lambda deadline.
    pub deadline_safety: Duration,
    /// This function's name, for the self-metrics dimension.
    pub function_name: Option<String>,
}

/// Every configuration problem found, one sentence each naming its variable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<String>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid ship-logs configuration ({} problem(s)): {}",
            self.0.len(),
            self.0.join("; ")
        )
    }
}

/// Reads variables and collects problems.
struct Reader<F> {
    lookup: F,
    problems: Vec<String>,
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    /// The trimmed value; blank counts as unset.
    fn get(&self, variable: &str) -> Option<String> {
        non_blank((self.lookup)(variable))
    }

    fn problem(&mut self, problem: String) {
        self.problems.push(problem);
    }

    fn bool(&mut self, variable: &str, default: bool) -> bool {
        let Some(v) = self.get(variable) else {
            return default;
        };
        parse_bool(&v).unwrap_or_else(|| {
            self.problem(bool_problem(variable, &v));
            default
        })
    }

    fn number<T: std::str::FromStr + PartialOrd + fmt::Display + Copy>(
        &mut self,
        variable: &str,
        default: T,
        range: std::ops::RangeInclusive<T>,
    ) -> T {
        let Some(v) = self.get(variable) else {
            return default;
        };
        match v.parse::<T>() {
            Ok(n) if range.contains(&n) => n,
            _ => {
                self.problem(format!(
                    "{variable} must be an integer from {} to {}, got {v:?}",
                    range.start(),
                    range.end()
                ));
                default
            }
        }
    }

    fn patterns(&mut self, variable: &str) -> Vec<Regex> {
        let Some(v) = self.get(variable) else {
            return Vec::new();
        };
        let sources = match pattern_list(&v) {
            Ok(list) => list,
            Err(detail) => {
                self.problem(format!("{variable}: {detail}"));
                return Vec::new();
            }
        };
        let mut out = Vec::with_capacity(sources.len());
        for source in sources {
            match regex::RegexBuilder::new(&source)
                .size_limit(REGEX_SIZE_LIMIT)
                .build()
            {
                Ok(re) => out.push(re),
                Err(e) => self.problem(format!(
                    "{variable}: {source:?} is not a valid regex: {}",
                    one_line(&e.to_string())
                )),
            }
        }
        out
    }

    fn sample_rate(&mut self) -> Option<f64> {
        let v = self.get(SAMPLE_RATE_ENV)?;
        match v.parse::<f64>() {
            Ok(r) if (0.0..=1.0).contains(&r) => (r < 1.0).then_some(r),
            _ => {
                self.problem(format!(
                    "{SAMPLE_RATE_ENV} must be a number from 0 to 1, got {v:?}"
                ));
                None
            }
        }
    }

    fn redactions(&mut self) -> Vec<BuiltinRedaction> {
        let Some(v) = self.get(REDACT_ENV) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for name in list_items(&v) {
            if name.eq_ignore_ascii_case("none") {
                continue;
            }
            match BuiltinRedaction::from_name(name) {
                Some(r) if !out.contains(&r) => out.push(r),
                Some(_) => {}
                None => self.problem(format!(
                    "{REDACT_ENV}: unknown redaction {name:?} (expected email, ipv4, card)"
                )),
            }
        }
        out
    }

    fn own_log_groups(&self) -> Vec<String> {
        let mut groups = self
            .get(OWN_LOG_GROUPS_ENV)
            .map(|v| parse_list(&v))
            .unwrap_or_default();
        if let Some(own) = self.get(AWS_LAMBDA_LOG_GROUP_NAME_ENV) {
            if !groups.contains(&own) {
                groups.push(own);
            }
        }
        groups
    }
}

/// One regex, or a JSON array of regexes (when the value starts with `[`).
fn pattern_list(value: &str) -> Result<Vec<String>, String> {
    if !value.starts_with('[') {
        return Ok(vec![value.to_owned()]);
    }
    serde_json::from_str::<Vec<String>>(value)
        .map_err(|e| format!("a value starting with '[' must be a JSON array of strings ({e})"))
}

/// The first line of a (multi-line) error message.
fn one_line(text: &str) -> String {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Why `prefix` cannot start an OpenSearch index name, if it cannot.
pub fn index_prefix_problem(prefix: &str) -> Option<String> {
    if prefix.chars().any(|c| c.is_ascii_uppercase()) {
        return Some(format!(
            "{prefix:?} must be lowercase (OpenSearch index names)"
        ));
    }
    if let Some(c) = prefix.chars().find(|c| INDEX_FORBIDDEN.contains(c)) {
        return Some(format!("{prefix:?} contains {c:?}, refused in index names"));
    }
    if prefix.starts_with(['_', '-', '+']) {
        return Some(format!("{prefix:?} must not start with '_', '-' or '+'"));
    }
    None
}

impl Config {
    /// Parses the configuration from a variable lookup (`|k| std::env::var(k).ok()`); every
    /// problem of every part is returned at once.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigErrors> {
        let mut reader = Reader {
            lookup: &lookup,
            problems: Vec::new(),
        };
        let opensearch = OpenSearchConfig::from_lookup(&lookup)
            .map_err(|e| reader.problems.extend(e.problems))
            .ok();
        let metrics = MetricsDeliveryConfig::from_lookup(&lookup)
            .map_err(|errors| {
                reader
                    .problems
                    .extend(errors.iter().map(ToString::to_string))
            })
            .ok();
        let pipeline = pipeline_config(&mut reader, opensearch.as_ref(), metrics.as_ref());
        let deadline_safety = Duration::from_millis(reader.number(
            DEADLINE_SAFETY_MS_ENV,
            DEFAULT_DEADLINE_SAFETY.as_millis() as u64,
            0..=MAX_DEADLINE_SAFETY_MS,
        ));
        let function_name = reader.get(AWS_LAMBDA_FUNCTION_NAME_ENV);
        match (opensearch, metrics) {
            (Some(opensearch), Some(metrics)) if reader.problems.is_empty() => Ok(Config {
                opensearch,
                metrics,
                pipeline,
                deadline_safety,
                function_name,
            }),
            _ => Err(ConfigErrors(reader.problems)),
        }
    }

    /// The metrics mode.
    pub fn metrics_mode(&self) -> MetricsMode {
        self.metrics.mode
    }
}

/// The core pipeline's configuration: index prefix and metric namespace shared with the
/// delivery configurations, the rest read here.
fn pipeline_config<F: Fn(&str) -> Option<String>>(
    reader: &mut Reader<F>,
    opensearch: Option<&OpenSearchConfig>,
    metrics: Option<&MetricsDeliveryConfig>,
) -> PipelineConfig {
    let defaults = PipelineConfig::default();
    let index_prefix = opensearch
        .map(|o| o.index_prefix.clone())
        .or_else(|| reader.get(INDEX_PREFIX_ENV))
        .unwrap_or(defaults.index_prefix);
    if let Some(p) = index_prefix_problem(&index_prefix) {
        reader.problem(format!("{INDEX_PREFIX_ENV}: {p}"));
    }
    let limits = Limits {
        max_decompressed_bytes: reader.number(
            MAX_DECOMPRESSED_BYTES_ENV,
            DEFAULT_MAX_DECOMPRESSED_BYTES,
            1..=MAX_BYTES_LIMIT,
        ),
        max_body_bytes: reader.number(
            MAX_BODY_BYTES_ENV,
            DEFAULT_MAX_BODY_BYTES,
            1..=MAX_BYTES_LIMIT,
        ),
        max_json_depth: reader.number(
            MAX_JSON_DEPTH_ENV,
            DEFAULT_MAX_JSON_DEPTH,
            1..=MAX_JSON_DEPTH_LIMIT,
        ),
        correlation_cache_size: reader.number(
            CORRELATION_CACHE_SIZE_ENV,
            DEFAULT_CORRELATION_CACHE_SIZE,
            0..=MAX_CORRELATION_CACHE_SIZE,
        ),
    };
    let filter = Filter {
        drop_patterns: reader.patterns(DROP_PATTERNS_ENV),
        sample_rate: reader.sample_rate(),
        redact_builtin: reader.redactions(),
        redact_patterns: reader.patterns(REDACT_PATTERNS_ENV),
    };
    PipelineConfig {
        limits,
        index_prefix,
        metrics: MetricDefaults {
            namespace: metrics.map_or(defaults.metrics.namespace, |m| m.namespace.clone()),
            function_dimension: reader.bool(FUNCTION_DIMENSION_ENV, true),
        },
        ship_metric_lines: reader.bool(SHIP_METRIC_LINES_ENV, true),
        region: reader.get(AWS_REGION_ENV),
        own_log_groups: reader.own_log_groups(),
        filter,
        spans: SpanConfig {
            enabled: reader.bool(SPANS_ENV, true),
            // A wrong value is reported by the metrics configuration, which reads it too.
            architecture: reader
                .get(ARCHITECTURE_ENV)
                .and_then(|a| a.parse().ok())
                .unwrap_or_default(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiplog::config_value::fixed_lookup as env;
    use shiplog::cost::Architecture;
    use shiplog::delivery::metrics_config::FailurePolicy;
    use shiplog_adapters::opensearch::{AuthMode, EndpointSource};

    const ENDPOINT: (&str, &str) = ("OPENSEARCH_ENDPOINT", "https://search.example.com");

    #[test]
    fn an_endpoint_alone_gives_the_documented_defaults() {
        let c = Config::from_lookup(env(&[ENDPOINT])).unwrap();
        assert_eq!(
            c.opensearch.endpoint,
            EndpointSource::Url("https://search.example.com".into())
        );
        assert_eq!(c.opensearch.auth, AuthMode::SigV4);
        assert_eq!(c.metrics.mode, MetricsMode::PutMetricData);
        assert_eq!(c.metrics.failure_policy, FailurePolicy::AtMostOnce);
        assert_eq!(c.pipeline.index_prefix, "shiplog");
        assert_eq!(c.pipeline.metrics.namespace, "shiplog");
        assert!(c.pipeline.metrics.function_dimension);
        assert!(c.pipeline.ship_metric_lines);
        assert_eq!(c.pipeline.limits, Limits::default());
        assert!(c.pipeline.filter.is_noop(), "filtering is off by default");
        assert!(c.pipeline.own_log_groups.is_empty());
        assert_eq!(
            c.pipeline.spans,
            SpanConfig::default(),
            "spans are on by default"
        );
        assert_eq!(c.deadline_safety, DEFAULT_DEADLINE_SAFETY);
        assert_eq!(c.function_name, None);
    }

    #[test]
    fn every_pipeline_variable_is_read() {
        let c = Config::from_lookup(env(&[
            ENDPOINT,
            ("INDEX_PREFIX", "acme-logs"),
            ("METRICS_NAMESPACE", "Acme"),
            ("METRICS_MODE", "emf"),
            (FUNCTION_DIMENSION_ENV, "false"),
            (SHIP_METRIC_LINES_ENV, "off"),
            (
                OWN_LOG_GROUPS_ENV,
                " /aws/lambda/shiplog-subscribe , /aws/lambda/x,",
            ),
            (
                AWS_LAMBDA_LOG_GROUP_NAME_ENV,
                "/aws/lambda/shiplog-ship-logs",
            ),
            (AWS_LAMBDA_FUNCTION_NAME_ENV, "shiplog-ship-logs"),
            (AWS_REGION_ENV, "eu-west-1"),
            (
                DROP_PATTERNS_ENV,
                r#"["healthcheck", "^\\S+\\t\\S+\\tDEBUG\\t"]"#,
            ),
            (SAMPLE_RATE_ENV, "0.25"),
            (REDACT_ENV, "email, IPv4,card,email"),
            (REDACT_PATTERNS_ENV, r"tok_[A-Za-z0-9]+"),
            (MAX_DECOMPRESSED_BYTES_ENV, "1048576"),
            (MAX_BODY_BYTES_ENV, "1024"),
            (MAX_JSON_DEPTH_ENV, "16"),
            (CORRELATION_CACHE_SIZE_ENV, "0"),
            (DEADLINE_SAFETY_MS_ENV, "500"),
            (SPANS_ENV, "off"),
            (ARCHITECTURE_ENV, "arm64"),
        ]))
        .unwrap();
        let p = &c.pipeline;
        assert_eq!(p.index_prefix, "acme-logs");
        assert_eq!(c.opensearch.index_prefix, "acme-logs");
        assert_eq!(p.metrics.namespace, "Acme");
        assert_eq!(c.metrics_mode(), MetricsMode::Emf);
        assert!(!p.metrics.function_dimension);
        assert!(!p.ship_metric_lines);
        assert!(!p.spans.enabled);
        assert_eq!(p.spans.architecture, Architecture::Arm64);
        assert_eq!(p.region.as_deref(), Some("eu-west-1"));
        assert_eq!(
            p.own_log_groups,
            [
                "/aws/lambda/shiplog-subscribe",
                "/aws/lambda/x",
                "/aws/lambda/shiplog-ship-logs"
            ]
        );
        let drops: Vec<&str> = p.filter.drop_patterns.iter().map(Regex::as_str).collect();
        assert_eq!(drops, ["healthcheck", r"^\S+\t\S+\tDEBUG\t"]);
        assert!(p
            .filter
            .drops("2024-01-01T00:00:00.000Z\tr\tDEBUG\tnoise\n"));
        assert_eq!(p.filter.sample_rate, Some(0.25));
        assert_eq!(
            p.filter.redact_builtin,
            [
                BuiltinRedaction::Email,
                BuiltinRedaction::Ipv4,
                BuiltinRedaction::CardNumber
            ]
        );
        assert_eq!(p.filter.redact("pay tok_abc1"), "pay [REDACTED]");
        assert_eq!(
            p.limits,
            Limits {
                max_decompressed_bytes: 1_048_576,
                max_body_bytes: 1024,
                max_json_depth: 16,
                correlation_cache_size: 0,
            }
        );
        assert_eq!(c.deadline_safety, Duration::from_millis(500));
        assert_eq!(c.function_name.as_deref(), Some("shiplog-ship-logs"));
    }

    #[test]
    fn own_log_group_is_guarded_even_without_the_list() {
        let c = Config::from_lookup(env(&[
            ENDPOINT,
            (AWS_LAMBDA_LOG_GROUP_NAME_ENV, "/aws/lambda/ship"),
            (OWN_LOG_GROUPS_ENV, "/aws/lambda/ship"),
        ]))
        .unwrap();
        assert_eq!(c.pipeline.own_log_groups, ["/aws/lambda/ship"]);
    }

    #[test]
    fn every_problem_of_every_part_is_reported_at_once() {
        let err = Config::from_lookup(env(&[
            ("OPENSEARCH_AUTH", "kerberos"),
            ("METRICS_MODE", "carrier-pigeon"),
            ("INDEX_PREFIX", "Logs"),
            (SAMPLE_RATE_ENV, "2"),
            (REDACT_ENV, "email,ssn"),
            (DROP_PATTERNS_ENV, "(unclosed"),
            (REDACT_PATTERNS_ENV, "[not json"),
            (MAX_JSON_DEPTH_ENV, "1000"),
            (MAX_BODY_BYTES_ENV, "0"),
            (FUNCTION_DIMENSION_ENV, "maybe"),
            (DEADLINE_SAFETY_MS_ENV, "-1"),
        ]))
        .unwrap_err();
        let text = err.to_string();
        for needle in [
            "OPENSEARCH_ENDPOINT",
            "kerberos",
            "carrier-pigeon",
            "INDEX_PREFIX",
            SAMPLE_RATE_ENV,
            "ssn",
            DROP_PATTERNS_ENV,
            REDACT_PATTERNS_ENV,
            MAX_JSON_DEPTH_ENV,
            MAX_BODY_BYTES_ENV,
            FUNCTION_DIMENSION_ENV,
            DEADLINE_SAFETY_MS_ENV,
        ] {
            assert!(text.contains(needle), "{needle} missing in: {text}");
        }
        assert_eq!(err.0.len(), 12, "{text}");
        assert!(text.starts_with("invalid ship-logs configuration (12 problem(s)): "));
    }

    #[test]
    fn a_single_pattern_may_contain_commas() {
        let c = Config::from_lookup(env(&[ENDPOINT, (DROP_PATTERNS_ENV, r"\d{1,3} ms")])).unwrap();
        assert!(c.pipeline.filter.drops("took 12 ms"));
    }

    #[test]
    fn sample_rate_one_and_redact_none_keep_filtering_off() {
        let c = Config::from_lookup(env(&[
            ENDPOINT,
            (SAMPLE_RATE_ENV, "1"),
            (REDACT_ENV, "none"),
        ]))
        .unwrap();
        assert!(c.pipeline.filter.is_noop());
    }

    #[test]
    fn index_prefixes_opensearch_refuses_are_named() {
        assert_eq!(index_prefix_problem("shiplog"), None);
        assert_eq!(index_prefix_problem("acme.logs-prod"), None);
        for bad in ["Logs", "a b", "a/b", "_x", "-x", "a*", "a:b"] {
            assert!(index_prefix_problem(bad).is_some(), "{bad}");
        }
    }
}
