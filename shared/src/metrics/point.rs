//! A metric point read from one MONITORING line.

use super::units::StandardUnit;
use crate::rejection::RejectReason;
use crate::time::EpochMillis;

/// What the MONITORING parser reads from one line, before configuration is applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedMetric {
    /// Namespace written in the line (value-first dialect), else `None`.
    pub namespace: Option<String>,
    /// Metric name.
    pub name: String,
    /// Finite value within ±2^360.
    pub value: f64,
    /// Unit (unknown words are `None`).
    pub unit: StandardUnit,
    /// Point timestamp: the line's epoch, or the log event's timestamp.
    pub timestamp: EpochMillis,
    /// Dimensions, unique by name (last wins), in the order first seen.
    pub dimensions: Vec<(String, String)>,
}

/// Configuration applied to every parsed metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricDefaults {
    /// Namespace for lines that carry none.
    pub namespace: String,
    /// Add a `FunctionName` dimension (from the log group) to every point.
    pub function_dimension: bool,
}

impl Default for MetricDefaults {
    fn default() -> Self {
        MetricDefaults {
            namespace: "shiplog".to_owned(),
            function_dimension: true,
        }
    }
}

/// A metric point ready for aggregation: namespace resolved, context dimensions added, validated
/// against CloudWatch's limits.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricPoint {
    /// Namespace (never starting with `AWS/`).
    pub namespace: String,
    /// Metric name.
    pub name: String,
    /// Value.
    pub value: f64,
    /// Unit.
    pub unit: StandardUnit,
    /// Timestamp.
    pub timestamp: EpochMillis,
    /// Dimensions sorted by name, unique, at most 30.
    pub dimensions: Vec<(String, String)>,
}

/// Most dimensions CloudWatch accepts on one metric (API reference, `MetricDatum.Dimensions`).
pub const MAX_DIMENSIONS: usize = 30;
/// Longest metric name CloudWatch accepts, in characters (`MetricDatum.MetricName`).
pub const MAX_METRIC_NAME_CHARS: usize = 255;
/// Longest namespace CloudWatch accepts, in characters (`Metric.Namespace`).
pub const MAX_NAMESPACE_CHARS: usize = 255;
/// Longest dimension name CloudWatch accepts, in characters (`Dimension.Name`).
pub const MAX_DIMENSION_NAME_CHARS: usize = 255;
/// Longest dimension value CloudWatch accepts, in characters (`Dimension.Value`).
pub const MAX_DIMENSION_VALUE_CHARS: usize = 1024;
/// Namespace prefix reserved for AWS services: PutMetricData refuses it.
pub const RESERVED_NAMESPACE_PREFIX: &str = "AWS/";
/// Name of the context dimension added from the log group.
pub const FUNCTION_NAME_DIMENSION: &str = "FunctionName";
/// How many characters of user data a rejection detail quotes.
const DETAIL_EXCERPT_CHARS: usize = 40;

/// A rejected metric: the countable reason and a short human detail.
pub type MetricRejection = (RejectReason, String);

/// True when `s` has more than `max` characters (counts `char`s, not bytes).
fn longer_than(s: &str, max: usize) -> bool {
    s.len() > max && s.chars().nth(max).is_some()
}

/// True for the characters CloudWatch accepts in namespaces and dimensions: printable ASCII
/// (space included; control characters and anything non-ASCII excluded).
fn is_printable_ascii(s: &str) -> bool {
    s.bytes().all(|b| (0x20..0x7f).contains(&b))
}

fn quote(s: &str) -> String {
    crate::rejection::excerpt(s, DETAIL_EXCERPT_CHARS)
}

/// Checks a metric name: 1..=255 characters, no control characters.
///
/// Non-ASCII names are accepted: CloudWatch's API reference constrains `MetricName` only by length
/// (1..=255), while it explicitly requires ASCII for namespaces and dimensions. (Corpus
/// `monbad-30`: `pedidos.criação` is accepted.)
pub fn check_metric_name(name: &str) -> Result<(), MetricRejection> {
    if name.is_empty() {
        return Err((
            RejectReason::MetricNameEmpty,
            "metric name is empty".to_owned(),
        ));
    }
    if longer_than(name, MAX_METRIC_NAME_CHARS) {
        return Err((
            RejectReason::MetricNameTooLong,
            format!(
                "metric name \"{}\" is longer than {MAX_METRIC_NAME_CHARS} characters",
                quote(name)
            ),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err((
            RejectReason::MetricInvalidCharacters,
            format!(
                "metric name \"{}\" contains a control character",
                quote(name)
            ),
        ));
    }
    Ok(())
}

/// Checks a namespace against PutMetricData's rules: 1..=255 printable ASCII characters, not
/// starting with `:` (pattern `[^:].*`) nor with the reserved `AWS/`. Every failure is
/// [`RejectReason::MetricInvalidNamespace`].
pub fn check_namespace(namespace: &str) -> Result<(), MetricRejection> {
    let problem = if namespace.trim().is_empty() {
        "is empty"
    } else if !is_printable_ascii(namespace) {
        "contains a control or non-ASCII character"
    } else if namespace.len() > MAX_NAMESPACE_CHARS {
        "is longer than 255 characters"
    } else if namespace.starts_with(':') {
        "starts with ':'"
    } else if namespace.starts_with(RESERVED_NAMESPACE_PREFIX) {
        "starts with the reserved prefix AWS/"
    } else {
        return Ok(());
    };
    Err((
        RejectReason::MetricInvalidNamespace,
        format!("namespace \"{}\" {problem}", quote(namespace)),
    ))
}

/// Checks one dimension against CloudWatch's `Dimension` rules: name 1..=255 and value 1..=1024
/// printable ASCII characters with at least one non-blank, name not starting with `:`.
/// Non-ASCII and control characters are [`RejectReason::MetricInvalidCharacters`] (CloudWatch
/// documents dimensions as ASCII-only: one such datum would fail the whole request); lengths are
/// [`RejectReason::MetricDimensionTooLong`].
pub fn check_dimension(name: &str, value: &str) -> Result<(), MetricRejection> {
    let invalid = |what: &str| {
        Err((
            RejectReason::MetricInvalidCharacters,
            format!("dimension \"{}\" {what}", quote(name)),
        ))
    };
    if name.trim().is_empty() {
        return invalid("has an empty name");
    }
    if !is_printable_ascii(name) {
        return invalid("has a control or non-ASCII character in its name");
    }
    if name.starts_with(':') {
        return invalid("has a name starting with ':'");
    }
    if name.len() > MAX_DIMENSION_NAME_CHARS {
        return Err((
            RejectReason::MetricDimensionTooLong,
            format!(
                "dimension name \"{}\" is longer than {MAX_DIMENSION_NAME_CHARS} characters",
                quote(name)
            ),
        ));
    }
    if value.trim().is_empty() {
        return invalid("has an empty value");
    }
    if !is_printable_ascii(value) {
        return invalid("has a control or non-ASCII character in its value");
    }
    if value.len() > MAX_DIMENSION_VALUE_CHARS {
        return Err((
            RejectReason::MetricDimensionTooLong,
            format!(
                "value of dimension \"{}\" is longer than {MAX_DIMENSION_VALUE_CHARS} characters",
                quote(name)
            ),
        ));
    }
    Ok(())
}

/// Turns a parsed metric into a point ready for aggregation:
/// - namespace: the line's, else `defaults.namespace`; either is checked with
///   [`check_namespace`] (never `AWS/…`);
/// - when `defaults.function_dimension` is on and `function_name` is a non-blank name, adds
///   `FunctionName=<function_name>` unless the line already has a `FunctionName` dimension (the
///   line's value wins: the author said what they meant);
/// - rejects with [`RejectReason::MetricTooManyDimensions`] when the total exceeds 30;
/// - sorts dimensions by name (unique by name; should a caller-built `ParsedMetric` repeat a name,
///   the last occurrence wins, as in the parser).
///
/// Name, value, unit and the line's own dimensions were validated by
/// [`crate::parse::monitoring::parse`] and are not checked again.
pub fn resolve(
    parsed: ParsedMetric,
    defaults: &MetricDefaults,
    function_name: Option<&str>,
) -> Result<MetricPoint, MetricRejection> {
    let ParsedMetric {
        namespace,
        name,
        value,
        unit,
        timestamp,
        mut dimensions,
    } = parsed;
    let namespace = namespace.unwrap_or_else(|| defaults.namespace.clone());
    check_namespace(&namespace)?;
    if defaults.function_dimension {
        add_function_dimension(&mut dimensions, function_name)?;
    }
    sort_unique_last_wins(&mut dimensions);
    if dimensions.len() > MAX_DIMENSIONS {
        return Err((
            RejectReason::MetricTooManyDimensions,
            format!(
                "metric \"{}\" has {} dimensions (at most {MAX_DIMENSIONS})",
                quote(&name),
                dimensions.len()
            ),
        ));
    }
    Ok(MetricPoint {
        namespace,
        name,
        value,
        unit,
        timestamp,
        dimensions,
    })
}

/// Adds `FunctionName` unless the line already set it or no usable function name is known.
fn add_function_dimension(
    dimensions: &mut Vec<(String, String)>,
    function_name: Option<&str>,
) -> Result<(), MetricRejection> {
    let Some(function) = function_name.map(str::trim).filter(|f| !f.is_empty()) else {
        return Ok(());
    };
    if dimensions.iter().any(|(n, _)| n == FUNCTION_NAME_DIMENSION) {
        return Ok(());
    }
    check_dimension(FUNCTION_NAME_DIMENSION, function)?;
    dimensions.push((FUNCTION_NAME_DIMENSION.to_owned(), function.to_owned()));
    Ok(())
}

/// Sorts by name (stable) and keeps the last value of any repeated name.
fn sort_unique_last_wins(dimensions: &mut Vec<(String, String)>) {
    dimensions.sort_by(|a, b| a.0.cmp(&b.0));
    // `dedup_by` passes (later, earlier) and removes `later`: move its value into the survivor.
    dimensions.dedup_by(|later, earlier| {
        let same = later.0 == earlier.0;
        if same {
            std::mem::swap(&mut later.1, &mut earlier.1);
        }
        same
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(namespace: Option<&str>, dims: &[(&str, &str)]) -> ParsedMetric {
        ParsedMetric {
            namespace: namespace.map(str::to_owned),
            name: "latency".to_owned(),
            value: 42.0,
            unit: StandardUnit::Milliseconds,
            timestamp: EpochMillis(1_700_000_000_000),
            dimensions: dims
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    fn dims(point: &MetricPoint) -> Vec<(&str, &str)> {
        point
            .dimensions
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    #[test]
    fn line_namespace_wins_over_default() {
        let p = resolve(parsed(Some("acme"), &[]), &MetricDefaults::default(), None).unwrap();
        assert_eq!(p.namespace, "acme");
        assert_eq!(p.name, "latency");
        assert_eq!(p.value, 42.0);
        assert_eq!(p.unit, StandardUnit::Milliseconds);
        assert_eq!(p.timestamp, EpochMillis(1_700_000_000_000));
    }

    #[test]
    fn missing_namespace_takes_the_default() {
        let defaults = MetricDefaults {
            namespace: "team/app".to_owned(),
            function_dimension: false,
        };
        let p = resolve(parsed(None, &[]), &defaults, Some("fn")).unwrap();
        assert_eq!(p.namespace, "team/app");
        assert!(
            p.dimensions.is_empty(),
            "function dimension is configured off"
        );
    }

    #[test]
    fn aws_namespace_is_rejected_from_the_line_or_the_default() {
        let err = resolve(
            parsed(Some("AWS/Lambda"), &[]),
            &MetricDefaults::default(),
            None,
        );
        assert_eq!(err.unwrap_err().0, RejectReason::MetricInvalidNamespace);
        let defaults = MetricDefaults {
            namespace: "AWS/Custom".to_owned(),
            function_dimension: true,
        };
        let (reason, detail) = resolve(parsed(None, &[]), &defaults, None).unwrap_err();
        assert_eq!(reason, RejectReason::MetricInvalidNamespace);
        assert!(detail.contains("AWS/Custom"), "{detail}");
    }

    #[test]
    fn namespace_rules_follow_put_metric_data() {
        assert!(check_namespace("theburningmonk.com").is_ok());
        assert!(check_namespace("aws/lower-case-is-not-reserved").is_ok());
        for bad in [
            "",
            "   ",
            ":colon",
            "AWS/EC2",
            "tab\there",
            "naïve",
            &"n".repeat(256),
        ] {
            let (reason, _) = check_namespace(bad).unwrap_err();
            assert_eq!(reason, RejectReason::MetricInvalidNamespace, "{bad:?}");
        }
        assert!(check_namespace(&"n".repeat(255)).is_ok());
    }

    #[test]
    fn function_name_dimension_is_added_and_dimensions_are_sorted() {
        let p = resolve(
            parsed(
                Some("acme"),
                &[("service", "cart"), ("region", "eu-west-1")],
            ),
            &MetricDefaults::default(),
            Some("checkout"),
        )
        .unwrap();
        assert_eq!(
            dims(&p),
            [
                ("FunctionName", "checkout"),
                ("region", "eu-west-1"),
                ("service", "cart")
            ]
        );
    }

    #[test]
    fn line_function_name_dimension_is_kept() {
        let p = resolve(
            parsed(Some("acme"), &[("FunctionName", "from-line")]),
            &MetricDefaults::default(),
            Some("from-log-group"),
        )
        .unwrap();
        assert_eq!(dims(&p), [("FunctionName", "from-line")]);
    }

    #[test]
    fn no_function_name_means_no_dimension() {
        let p = resolve(parsed(Some("acme"), &[]), &MetricDefaults::default(), None).unwrap();
        assert!(p.dimensions.is_empty());
        let p = resolve(
            parsed(Some("acme"), &[]),
            &MetricDefaults::default(),
            Some(" "),
        )
        .unwrap();
        assert!(p.dimensions.is_empty());
    }

    #[test]
    fn thirty_line_dimensions_plus_function_name_is_too_many() {
        let names: Vec<String> = (0..30).map(|i| format!("d{i:02}")).collect();
        let line: Vec<(&str, &str)> = names.iter().map(|n| (n.as_str(), "v")).collect();
        let ok = resolve(
            parsed(Some("acme"), &line),
            &MetricDefaults::default(),
            None,
        )
        .unwrap();
        assert_eq!(ok.dimensions.len(), 30);
        let (reason, detail) = resolve(
            parsed(Some("acme"), &line),
            &MetricDefaults::default(),
            Some("f"),
        )
        .unwrap_err();
        assert_eq!(reason, RejectReason::MetricTooManyDimensions);
        assert!(detail.contains("31"), "{detail}");
        // The line already naming FunctionName does not add a 31st.
        let mut with_fn = line.clone();
        with_fn[0] = ("FunctionName", "x");
        let p = resolve(
            parsed(Some("acme"), &with_fn),
            &MetricDefaults::default(),
            Some("f"),
        );
        assert_eq!(p.unwrap().dimensions.len(), 30);
    }

    #[test]
    fn repeated_dimension_names_keep_the_last_value() {
        let p = resolve(
            parsed(Some("acme"), &[("b", "1"), ("a", "x"), ("b", "2")]),
            &MetricDefaults {
                namespace: "d".to_owned(),
                function_dimension: false,
            },
            None,
        )
        .unwrap();
        assert_eq!(dims(&p), [("a", "x"), ("b", "2")]);
    }

    #[test]
    fn invalid_function_name_rejects_instead_of_failing_the_request() {
        let (reason, _) = resolve(
            parsed(Some("acme"), &[]),
            &MetricDefaults::default(),
            Some("fünf"),
        )
        .unwrap_err();
        assert_eq!(reason, RejectReason::MetricInvalidCharacters);
    }

    #[test]
    fn dimension_rules_follow_cloudwatch() {
        assert!(check_dimension("region", "eu-west-1").is_ok());
        assert!(check_dimension(&"k".repeat(255), &"v".repeat(1024)).is_ok());
        let cases: [(&str, &str, RejectReason); 7] = [
            ("", "v", RejectReason::MetricInvalidCharacters),
            ("k", " ", RejectReason::MetricInvalidCharacters),
            (":k", "v", RejectReason::MetricInvalidCharacters),
            ("k\u{7}", "v", RejectReason::MetricInvalidCharacters),
            ("k", "vé", RejectReason::MetricInvalidCharacters),
            (&"k".repeat(256), "v", RejectReason::MetricDimensionTooLong),
            ("k", &"v".repeat(1025), RejectReason::MetricDimensionTooLong),
        ];
        for (name, value, want) in cases {
            assert_eq!(
                check_dimension(name, value).unwrap_err().0,
                want,
                "{name:?}={value:?}"
            );
        }
    }

    #[test]
    fn metric_name_rules() {
        assert!(check_metric_name("pedidos.criação").is_ok());
        assert!(
            check_metric_name(&"é".repeat(255)).is_ok(),
            "255 chars, 510 bytes"
        );
        assert_eq!(
            check_metric_name("").unwrap_err().0,
            RejectReason::MetricNameEmpty
        );
        let long = "n".repeat(256);
        let (reason, detail) = check_metric_name(&long).unwrap_err();
        assert_eq!(reason, RejectReason::MetricNameTooLong);
        assert!(
            detail.len() < 120,
            "detail quotes only an excerpt: {detail}"
        );
        assert_eq!(
            check_metric_name("a\u{0}b").unwrap_err().0,
            RejectReason::MetricInvalidCharacters
        );
    }
}
