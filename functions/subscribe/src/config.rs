//! Configuration, parsed once at cold start by a pure function over a variable lookup
//! ([`Config::from_lookup`]); every problem is reported at once. Environment variable names are
//! the `const`s below, each with its default.

use regex::Regex;
use shiplog::backoff::BackoffPolicy;
use shiplog::config_value::{non_blank, parse_bool, parse_list};
use shiplog::delivery::self_metrics::{DEFAULT_NAMESPACE, NAMESPACE_ENV};
use shiplog::metrics::point::{check_dimension, check_namespace, FUNCTION_NAME_DIMENSION};
use shiplog::subscribe::account_policy::DEFAULT_POLICY_NAME;
use shiplog::subscribe::continuation::DEFAULT_MAX_HOPS;
use shiplog::subscribe::destination::{lambda_log_group, Destination};
use shiplog::subscribe::filters::{DesiredFilter, DEFAULT_FILTER_NAME};
use shiplog::subscribe::retention::{RetentionDays, RetentionPolicy};
use shiplog::subscribe::selection::{Selection, TagPredicate, ALL_GROUPS};
use std::fmt;
use std::time::Duration;

/// Required: where logs go (the ship-logs function, or a Kinesis/Firehose stream).
pub const DESTINATION_ARN_ENV: &str = "DESTINATION_ARN";
/// Role CloudWatch Logs assumes for Kinesis/Firehose destinations (required for those).
pub const DESTINATION_ROLE_ARN_ENV: &str = "DESTINATION_ROLE_ARN";
/// Name of shiplog's subscription filter (default `shiplog`).
pub const FILTER_NAME_ENV: &str = "FILTER_NAME";
/// Filter pattern (default empty = every event).
pub const FILTER_PATTERN_ENV: &str = "FILTER_PATTERN";
/// Comma-separated include prefixes (default `/aws/lambda/`; `*` = every group).
pub const INCLUDE_PREFIXES_ENV: &str = "INCLUDE_PREFIXES";
/// Comma-separated exclude prefixes (default none; exclude wins).
pub const EXCLUDE_PREFIXES_ENV: &str = "EXCLUDE_PREFIXES";
/// Optional regex a group name must match.
pub const INCLUDE_PATTERN_ENV: &str = "INCLUDE_PATTERN";
/// Comma-separated `key` / `key=value` tag predicates that must all hold.
pub const INCLUDE_TAGS_ENV: &str = "INCLUDE_TAGS";
/// Comma-separated `key` / `key=value` tag predicates of which none may hold.
pub const EXCLUDE_TAGS_ENV: &str = "EXCLUDE_TAGS";
/// Comma-separated extra log groups of shiplog's own (never subscribed).
pub const OWN_LOG_GROUPS_ENV: &str = "OWN_LOG_GROUPS";
/// Set by Lambda: this function's own log group (never subscribed).
pub const AWS_LAMBDA_LOG_GROUP_NAME_ENV: &str = "AWS_LAMBDA_LOG_GROUP_NAME";
/// Set by Lambda: this function's name (`/aws/lambda/<name>` is never subscribed).
pub const AWS_LAMBDA_FUNCTION_NAME_ENV: &str = "AWS_LAMBDA_FUNCTION_NAME";
/// Optional retention in days for new groups (a CloudWatch Logs allowed value).
pub const RETENTION_DAYS_ENV: &str = "RETENTION_DAYS";
/// `true` to replace a different existing retention (default `false`).
pub const RETENTION_OVERWRITE_ENV: &str = "RETENTION_OVERWRITE";
/// `per-group` (default) or `account-policy`.
pub const SUBSCRIPTION_MODE_ENV: &str = "SUBSCRIPTION_MODE";
/// Name of the account policy in account-policy mode (default `shiplog`).
pub const ACCOUNT_POLICY_NAME_ENV: &str = "ACCOUNT_POLICY_NAME";
/// CloudWatch Logs requests per second, client side (default 5).
pub const RATE_LIMIT_PER_SECOND_ENV: &str = "RATE_LIMIT_PER_SECOND";
/// DescribeLogGroups page size, 1–50 (default 50).
pub const PAGE_SIZE_ENV: &str = "PAGE_SIZE";
/// Cap on self-invocations of one backfill (default 20).
pub const MAX_HOPS_ENV: &str = "MAX_HOPS";
/// Stop a backfill this long before the Lambda deadline, in ms (default 20000).
pub const DEADLINE_MARGIN_MS_ENV: &str = "DEADLINE_MARGIN_MS";
/// `true` to remove our own filters (name and destination match) on stack delete.
pub const CLEANUP_ON_DELETE_ENV: &str = "CLEANUP_ON_DELETE";
/// `false` to publish no EventBridge visibility events (default `true`).
pub const PUBLISH_EVENTS_ENV: &str = "PUBLISH_EVENTS";
/// Event bus for visibility events (default `default`).
pub const EVENT_BUS_NAME_ENV: &str = "EVENT_BUS_NAME";
/// Attempts per CloudWatch Logs call on throttling/5xx (default 5).
pub const RETRY_MAX_ATTEMPTS_ENV: &str = "RETRY_MAX_ATTEMPTS";
/// Base of the exponential backoff in ms (default 200; capped at 20 s).
pub const RETRY_BASE_MS_ENV: &str = "RETRY_BASE_MS";

/// Default client-side request rate.
pub const DEFAULT_RATE_LIMIT_PER_SECOND: u32 = 5;
/// DescribeLogGroups' maximum (and our default) page size.
pub const MAX_PAGE_SIZE: i32 = 50;
/// Default safety margin before the Lambda deadline.
pub const DEFAULT_DEADLINE_MARGIN: Duration = Duration::from_secs(20);
/// Default attempts per call.
pub const DEFAULT_RETRY_MAX_ATTEMPTS: u32 = 5;
/// Default backoff base.
pub const DEFAULT_RETRY_BASE: Duration = Duration::from_millis(200);
/// Cap of one backoff sleep.
pub const RETRY_CAP: Duration = Duration::from_secs(20);
/// Default event bus.
pub const DEFAULT_EVENT_BUS: &str = "default";

/// Per-group filters or one account-level policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    /// A subscription filter on every selected group (default).
    PerGroup,
    /// One account-level subscription filter policy of this name.
    AccountPolicy {
        /// `policyName`.
        policy_name: String,
    },
}

/// The whole configuration of `subscribe`.
#[derive(Debug, Clone)]
pub struct Config {
    /// Parsed `DESTINATION_ARN`.
    pub destination: Destination,
    /// shiplog's filter.
    pub filter: DesiredFilter,
    /// Which groups.
    pub selection: Selection,
    /// Optional retention.
    pub retention: Option<RetentionPolicy>,
    /// Per-group or account policy.
    pub mode: Mode,
    /// Requests per second to CloudWatch Logs.
    pub rate_per_second: u32,
    /// DescribeLogGroups page size.
    pub page_size: i32,
    /// Cap on self-invocations.
    pub max_hops: u32,
    /// Margin before the deadline.
    pub deadline_margin: Duration,
    /// Remove own filters on stack delete.
    pub cleanup_on_delete: bool,
    /// Publish EventBridge visibility events.
    pub publish_events: bool,
    /// Their bus.
    pub event_bus: String,
    /// Retries.
    pub retry: BackoffPolicy,
    /// Namespace of the `ReconcileFailed` metric (`SELF_METRICS_NAMESPACE`, default `shiplog`).
    pub self_metrics_namespace: String,
    /// This function's name (`AWS_LAMBDA_FUNCTION_NAME`): the metric's `FunctionName`
    /// dimension, when it is a valid dimension value.
    pub function_name: Option<String>,
}

/// One configuration problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct ConfigError {
    /// The variable.
    pub variable: &'static str,
    /// What is wrong with it.
    pub problem: String,
}

/// Every configuration problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ConfigErrors(pub Vec<ConfigError>);

impl fmt::Display for ConfigErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("invalid configuration: ")?;
        for (i, error) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{error}")?;
        }
        Ok(())
    }
}

/// Collects problems while reading variables.
struct Reader<F> {
    lookup: F,
    errors: Vec<ConfigError>,
}

impl<F: Fn(&str) -> Option<String>> Reader<F> {
    /// The trimmed value; empty counts as unset (template parameters default to "").
    fn get(&self, variable: &str) -> Option<String> {
        non_blank((self.lookup)(variable))
    }

    fn fail(&mut self, variable: &'static str, problem: impl Into<String>) {
        self.errors.push(ConfigError {
            variable,
            problem: problem.into(),
        });
    }

    fn parse<T>(
        &mut self,
        variable: &'static str,
        default: T,
        parse: impl Fn(&str) -> Option<T>,
        expected: &str,
    ) -> T {
        match self.get(variable) {
            None => default,
            Some(text) => parse(&text).unwrap_or_else(|| {
                self.fail(variable, format!("`{text}` is not {expected}"));
                default
            }),
        }
    }

    fn flag(&mut self, variable: &'static str, default: bool) -> bool {
        self.parse(variable, default, parse_bool, "true or false")
    }

    fn tags(&mut self, variable: &'static str) -> Vec<TagPredicate> {
        let text = self.get(variable).unwrap_or_default();
        TagPredicate::parse_list(&text).unwrap_or_else(|bad| {
            self.fail(
                variable,
                format!("not key or key=value: {}", bad.join(", ")),
            );
            Vec::new()
        })
    }
}

impl Config {
    /// Reads the configuration through `lookup` (e.g. `|k| std::env::var(k).ok()`).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigErrors> {
        let mut r = Reader {
            lookup,
            errors: Vec::new(),
        };
        let destination = read_destination(&mut r);
        let role_arn = r.get(DESTINATION_ROLE_ARN_ENV);
        if let Some(d) = &destination {
            if d.needs_role() && role_arn.is_none() {
                r.fail(
                    DESTINATION_ROLE_ARN_ENV,
                    format!("required for the Kinesis/Firehose destination {d}"),
                );
            }
        }
        let filter_name = r
            .get(FILTER_NAME_ENV)
            .unwrap_or_else(|| DEFAULT_FILTER_NAME.into());
        let filter_pattern = (r.lookup)(FILTER_PATTERN_ENV).unwrap_or_default();
        let selection = read_selection(&mut r, destination.as_ref());
        let retention = read_retention(&mut r);
        let mode = read_mode(&mut r);
        if mode != Mode::PerGroup {
            check_account_mode_selection(&mut r);
        }
        let rate_per_second = r.parse(
            RATE_LIMIT_PER_SECOND_ENV,
            DEFAULT_RATE_LIMIT_PER_SECOND,
            |t| t.parse().ok().filter(|n| *n > 0),
            "a positive integer",
        );
        let page_size = r.parse(
            PAGE_SIZE_ENV,
            MAX_PAGE_SIZE,
            |t| t.parse().ok().filter(|n| (1..=MAX_PAGE_SIZE).contains(n)),
            "an integer from 1 to 50",
        );
        let max_hops = r.parse(
            MAX_HOPS_ENV,
            DEFAULT_MAX_HOPS,
            |t| t.parse().ok(),
            "an integer",
        );
        let deadline_margin = r.parse(
            DEADLINE_MARGIN_MS_ENV,
            DEFAULT_DEADLINE_MARGIN,
            |t| t.parse().ok().map(Duration::from_millis),
            "a number of milliseconds",
        );
        let cleanup_on_delete = r.flag(CLEANUP_ON_DELETE_ENV, false);
        let publish_events = r.flag(PUBLISH_EVENTS_ENV, true);
        let event_bus = r
            .get(EVENT_BUS_NAME_ENV)
            .unwrap_or_else(|| DEFAULT_EVENT_BUS.into());
        let retry = BackoffPolicy {
            max_attempts: r.parse(
                RETRY_MAX_ATTEMPTS_ENV,
                DEFAULT_RETRY_MAX_ATTEMPTS,
                |t| t.parse().ok().filter(|n| *n > 0),
                "a positive integer",
            ),
            base: r.parse(
                RETRY_BASE_MS_ENV,
                DEFAULT_RETRY_BASE,
                |t| t.parse().ok().map(Duration::from_millis),
                "a number of milliseconds",
            ),
            cap: RETRY_CAP,
            // No deadline is passed to these retries: the reconcile loop watches the Lambda's.
            min_attempt_time: Duration::ZERO,
        };
        let self_metrics_namespace = r
            .get(NAMESPACE_ENV)
            .unwrap_or_else(|| DEFAULT_NAMESPACE.into());
        if let Err((_, problem)) = check_namespace(&self_metrics_namespace) {
            r.fail(NAMESPACE_ENV, problem);
        }
        let function_name = r
            .get(AWS_LAMBDA_FUNCTION_NAME_ENV)
            .filter(|n| check_dimension(FUNCTION_NAME_DIMENSION, n).is_ok());
        match (destination, r.errors.is_empty()) {
            (Some(destination), true) => Ok(Config {
                filter: DesiredFilter {
                    name: filter_name,
                    destination_arn: destination.arn.clone(),
                    filter_pattern,
                    role_arn,
                },
                destination,
                selection,
                retention,
                mode,
                rate_per_second,
                page_size,
                max_hops,
                deadline_margin,
                cleanup_on_delete,
                publish_events,
                event_bus,
                retry,
                self_metrics_namespace,
                function_name,
            }),
            _ => Err(ConfigErrors(r.errors)),
        }
    }
}

fn read_destination<F: Fn(&str) -> Option<String>>(r: &mut Reader<F>) -> Option<Destination> {
    let Some(arn) = r.get(DESTINATION_ARN_ENV) else {
        r.fail(
            DESTINATION_ARN_ENV,
            "required (the ship-logs function or stream ARN)",
        );
        return None;
    };
    match Destination::parse(&arn) {
        Ok(destination) => Some(destination),
        Err(e) => {
            r.fail(DESTINATION_ARN_ENV, e.to_string());
            None
        }
    }
}

fn read_selection<F: Fn(&str) -> Option<String>>(
    r: &mut Reader<F>,
    destination: Option<&Destination>,
) -> Selection {
    let mut selection = Selection::default();
    if let Some(text) = r.get(INCLUDE_PREFIXES_ENV) {
        let prefixes = parse_list(&text);
        selection.include_prefixes = if prefixes.iter().any(|p| p == ALL_GROUPS) {
            None
        } else {
            Some(prefixes)
        };
    }
    selection.exclude_prefixes = parse_list(&r.get(EXCLUDE_PREFIXES_ENV).unwrap_or_default());
    if let Some(pattern) = r.get(INCLUDE_PATTERN_ENV) {
        match Regex::new(&pattern) {
            Ok(regex) => selection.pattern = Some(regex),
            Err(e) => r.fail(INCLUDE_PATTERN_ENV, format!("invalid regex: {e}")),
        }
    }
    selection.include_tags = r.tags(INCLUDE_TAGS_ENV);
    selection.exclude_tags = r.tags(EXCLUDE_TAGS_ENV);
    selection.own_groups = own_groups(r, destination);
    selection
}

/// shiplog's own groups: the destination function's, this function's (by variable and by name),
/// and the configured extras.
fn own_groups<F: Fn(&str) -> Option<String>>(
    r: &Reader<F>,
    destination: Option<&Destination>,
) -> Vec<String> {
    let mut groups: Vec<String> = destination
        .and_then(Destination::own_log_group)
        .into_iter()
        .collect();
    groups.extend(r.get(AWS_LAMBDA_LOG_GROUP_NAME_ENV));
    groups.extend(
        r.get(AWS_LAMBDA_FUNCTION_NAME_ENV)
            .map(|n| lambda_log_group(&n)),
    );
    groups.extend(parse_list(&r.get(OWN_LOG_GROUPS_ENV).unwrap_or_default()));
    groups.sort();
    groups.dedup();
    groups
}

fn read_retention<F: Fn(&str) -> Option<String>>(r: &mut Reader<F>) -> Option<RetentionPolicy> {
    let overwrite = r.flag(RETENTION_OVERWRITE_ENV, false);
    let text = r.get(RETENTION_DAYS_ENV)?;
    match RetentionDays::parse(&text) {
        Ok(days) => Some(RetentionPolicy { days, overwrite }),
        Err(e) => {
            r.fail(RETENTION_DAYS_ENV, e.to_string());
            None
        }
    }
}

fn read_mode<F: Fn(&str) -> Option<String>>(r: &mut Reader<F>) -> Mode {
    match r.get(SUBSCRIPTION_MODE_ENV).as_deref() {
        None | Some("per-group") => Mode::PerGroup,
        Some("account-policy") => Mode::AccountPolicy {
            policy_name: r
                .get(ACCOUNT_POLICY_NAME_ENV)
                .unwrap_or_else(|| DEFAULT_POLICY_NAME.into()),
        },
        Some(other) => {
            r.fail(
                SUBSCRIPTION_MODE_ENV,
                format!("`{other}` is not per-group or account-policy"),
            );
            Mode::PerGroup
        }
    }
}

/// An account policy selects by exact excluded names only: prefix, regex and tag selection cannot
/// be expressed, so configuring them in that mode is an error rather than silently ignored.
fn check_account_mode_selection<F: Fn(&str) -> Option<String>>(r: &mut Reader<F>) {
    for variable in [
        INCLUDE_PREFIXES_ENV,
        EXCLUDE_PREFIXES_ENV,
        INCLUDE_PATTERN_ENV,
        INCLUDE_TAGS_ENV,
        EXCLUDE_TAGS_ENV,
    ] {
        if r.get(variable).is_some() {
            r.fail(
                variable,
                "not supported with SUBSCRIPTION_MODE=account-policy (the policy covers every \
                 group but shiplog's own; use OWN_LOG_GROUPS to exclude more)",
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiplog::config_value::fixed_lookup;

    const SHIP_LOGS: &str = "arn:aws:lambda:us-east-1:123456789012:function:shiplog-ship-logs";

    fn config(vars: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
        Config::from_lookup(fixed_lookup(vars))
    }

    #[test]
    fn defaults_with_only_the_destination() {
        let c = config(&[(DESTINATION_ARN_ENV, SHIP_LOGS)]).unwrap();
        assert_eq!(c.filter.name, "shiplog");
        assert_eq!(c.filter.filter_pattern, "");
        assert_eq!(c.filter.destination_arn, SHIP_LOGS);
        assert_eq!(
            c.selection.include_prefixes,
            Some(vec!["/aws/lambda/".to_owned()])
        );
        assert_eq!(
            c.selection.own_groups,
            vec!["/aws/lambda/shiplog-ship-logs"]
        );
        assert_eq!(c.mode, Mode::PerGroup);
        assert_eq!(c.rate_per_second, 5);
        assert_eq!(c.page_size, 50);
        assert_eq!(c.max_hops, 20);
        assert_eq!(c.retention, None);
        assert!(c.publish_events && !c.cleanup_on_delete);
        assert_eq!(c.event_bus, "default");
    }

    #[test]
    fn own_groups_always_include_both_functions_and_extras() {
        let c = config(&[
            (DESTINATION_ARN_ENV, SHIP_LOGS),
            (AWS_LAMBDA_LOG_GROUP_NAME_ENV, "/custom/subscribe"),
            (AWS_LAMBDA_FUNCTION_NAME_ENV, "shiplog-subscribe"),
            (
                OWN_LOG_GROUPS_ENV,
                "/custom/ship-logs, /aws/lambda/shiplog-ship-logs",
            ),
            (INCLUDE_PREFIXES_ENV, "*"),
        ])
        .unwrap();
        assert_eq!(
            c.selection.own_groups,
            vec![
                "/aws/lambda/shiplog-ship-logs",
                "/aws/lambda/shiplog-subscribe",
                "/custom/ship-logs",
                "/custom/subscribe",
            ]
        );
        assert_eq!(c.selection.include_prefixes, None);
        assert!(c.selection.by_name("/custom/subscribe").is_err());
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let errors = config(&[
            (PAGE_SIZE_ENV, "500"),
            (RETENTION_DAYS_ENV, "10"),
            (INCLUDE_PATTERN_ENV, "(unclosed"),
            (CLEANUP_ON_DELETE_ENV, "maybe"),
            (SUBSCRIPTION_MODE_ENV, "both"),
            (INCLUDE_TAGS_ENV, "=x"),
        ])
        .unwrap_err();
        let variables: Vec<&str> = errors.0.iter().map(|e| e.variable).collect();
        assert_eq!(
            variables,
            vec![
                DESTINATION_ARN_ENV,
                INCLUDE_PATTERN_ENV,
                INCLUDE_TAGS_ENV,
                RETENTION_DAYS_ENV,
                SUBSCRIPTION_MODE_ENV,
                PAGE_SIZE_ENV,
                CLEANUP_ON_DELETE_ENV
            ]
        );
        assert!(errors
            .to_string()
            .starts_with("invalid configuration: DESTINATION_ARN: required"));
    }

    #[test]
    fn the_reconcile_metric_goes_to_the_self_metrics_namespace_of_this_function() {
        let c = config(&[
            (DESTINATION_ARN_ENV, SHIP_LOGS),
            (AWS_LAMBDA_FUNCTION_NAME_ENV, "shiplog-subscribe"),
        ])
        .unwrap();
        assert_eq!(c.self_metrics_namespace, "shiplog");
        assert_eq!(c.function_name.as_deref(), Some("shiplog-subscribe"));
        let c = config(&[
            (DESTINATION_ARN_ENV, SHIP_LOGS),
            (NAMESPACE_ENV, "team/shiplog"),
        ])
        .unwrap();
        assert_eq!(c.self_metrics_namespace, "team/shiplog");
        assert_eq!(c.function_name, None);
        let errors = config(&[
            (DESTINATION_ARN_ENV, SHIP_LOGS),
            (NAMESPACE_ENV, "AWS/Lambda"),
        ])
        .unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].variable, "SELF_METRICS_NAMESPACE");
    }

    #[test]
    fn kinesis_destination_requires_a_role() {
        let errors =
            config(&[(DESTINATION_ARN_ENV, "arn:aws:kinesis:us-east-1:1:stream/s")]).unwrap_err();
        assert_eq!(errors.0[0].variable, DESTINATION_ROLE_ARN_ENV);
        let c = config(&[
            (DESTINATION_ARN_ENV, "arn:aws:kinesis:us-east-1:1:stream/s"),
            (DESTINATION_ROLE_ARN_ENV, "arn:aws:iam::1:role/r"),
        ])
        .unwrap();
        assert_eq!(c.filter.role_arn.as_deref(), Some("arn:aws:iam::1:role/r"));
        assert!(c.selection.own_groups.is_empty());
    }

    #[test]
    fn retention_is_validated_and_overwrite_is_optional() {
        let c = config(&[
            (DESTINATION_ARN_ENV, SHIP_LOGS),
            (RETENTION_DAYS_ENV, "14"),
            (RETENTION_OVERWRITE_ENV, "true"),
        ])
        .unwrap();
        let retention = c.retention.unwrap();
        assert_eq!(retention.days.days(), 14);
        assert!(retention.overwrite);
    }

    #[test]
    fn empty_values_count_as_unset() {
        let c = config(&[
            (DESTINATION_ARN_ENV, SHIP_LOGS),
            (INCLUDE_PREFIXES_ENV, ""),
            (RETENTION_DAYS_ENV, " "),
            (FILTER_NAME_ENV, ""),
        ])
        .unwrap();
        assert_eq!(c.filter.name, "shiplog");
        assert_eq!(c.retention, None);
        assert_eq!(
            c.selection.include_prefixes,
            Some(vec!["/aws/lambda/".to_owned()])
        );
    }

    #[test]
    fn account_policy_mode_rejects_selection_it_cannot_express() {
        let c = config(&[
            (DESTINATION_ARN_ENV, SHIP_LOGS),
            (SUBSCRIPTION_MODE_ENV, "account-policy"),
        ])
        .unwrap();
        assert_eq!(
            c.mode,
            Mode::AccountPolicy {
                policy_name: "shiplog".into()
            }
        );
        let errors = config(&[
            (DESTINATION_ARN_ENV, SHIP_LOGS),
            (SUBSCRIPTION_MODE_ENV, "account-policy"),
            (EXCLUDE_PREFIXES_ENV, "/aws/lambda/test-"),
        ])
        .unwrap_err();
        assert_eq!(errors.0[0].variable, EXCLUDE_PREFIXES_ENV);
    }
}
