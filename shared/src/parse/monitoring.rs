//! `MONITORING|…` metric lines (README, Custom metrics; tests/fixtures/corpus/EXPECTED.md §4.2): two dialects, parsed strictly.
//!
//! ```text
//! epoch-first (Yubl, Datadog legacy): MONITORING|<epoch s|ms>|<value>|<unit or type>|<name>[|#k:v,k2:v2]
//! value-first (Yan Cui, Lumigo):      MONITORING|<value>|<unit>|<name>|<namespace>[|k=v,k2=v2]
//! ```
//!
//! The keyword is case-sensitive and must be followed (after optional whitespace) by `|`. Fields
//! are split on `|` and trimmed, so the spaced variant `MONITORING | 1489795335 | 27.4 | …` reads
//! the same as the compact one.
//!
//! **Dialect.** Numbering the fields after the keyword f1, f2, …:
//! 1. f2 is a finite plain decimal number → epoch-first (the documented rule);
//! 2. else f2 is a CloudWatch unit name (`Count`, `milliseconds`, …) → value-first;
//! 3. else f2 *looks like a number that failed* (starts with a digit, a sign or `.`, or is a
//!    `NaN`/`Infinity` word) → epoch-first, and the value is rejected with the precise reason
//!    (`27,4`, `0x10`, `1e400`, `NaN`: corpus `monbad-02..09`) — no unit starts with a digit;
//! 4. else f1 is shaped like an epoch (10 or 13 integer digits, optional fraction) →
//!    epoch-first, value not a number (`MONITORING|1700000000|abc|count|…`, `monbad-01`);
//! 5. else value-first: f2 is an unknown unit and becomes `None` (`Furlongs`, `monbad-15`).
//!
//! Rules 3–4 keep the documented rule for every valid line and only decide which *error* a broken
//! epoch-first line gets, instead of silently re-reading it as a value-first metric named after
//! its unit.
//!
//! **Epochs** are decimal seconds (`1609983680.4133823`, truncated to milliseconds) or exactly 13
//! integer digits of milliseconds (`Date.now()`); 14 or more integer digits (µs, ns) are ambiguous
//! and rejected. The point must lie within [event time − 14 days, event time + 2 h], the window
//! PutMetricData accepts. Value-first lines carry no epoch: they take the event time.

use crate::metrics::point::{
    check_dimension, check_metric_name, check_namespace, MetricRejection, MAX_DIMENSIONS,
};
use crate::metrics::{ParsedMetric, StandardUnit};
use crate::rejection::{excerpt, RejectReason};
use crate::time::EpochMillis;

/// The case-sensitive keyword every metric payload starts with.
pub const KEYWORD: &str = "MONITORING";
/// Fewest fields after the keyword either dialect needs.
const MIN_FIELDS: usize = 4;
/// Most fields after the keyword either dialect allows (the optional tags / dimensions field).
const MAX_FIELDS: usize = 5;
/// Largest magnitude CloudWatch accepts for a value: 2^360 (exactly representable).
pub const MAX_ABS_VALUE: f64 = 2.348_542_582_773_833_2e108;
/// Oldest accepted point, relative to the log event: 14 days.
pub const MAX_POINT_AGE_MS: i64 = 14 * 24 * 60 * 60 * 1000;
/// Furthest accepted point ahead of the log event: 2 hours.
pub const MAX_POINT_LEAD_MS: i64 = 2 * 60 * 60 * 1000;
/// Integer digits of a millisecond epoch (`Date.now()` until the year 2286).
const MILLIS_EPOCH_DIGITS: usize = 13;
/// Integer digits of a second epoch between 2001 and 2286 (used only to pick a dialect).
const SECONDS_EPOCH_DIGITS: usize = 10;
/// How many characters of user data a rejection detail quotes.
const DETAIL_EXCERPT_CHARS: usize = 40;

/// True when `text` (leading whitespace allowed) is a MONITORING payload: the exact keyword
/// followed, after optional whitespace, by `|`. `MONITORING YO!` and `monitoring|…` are not.
/// Cheap: looks at the first bytes only.
pub fn is_metric_payload(text: &str) -> bool {
    fields_text(text).is_some()
}

/// The text after `MONITORING |`, or `None` when `payload` is not a metric payload.
fn fields_text(payload: &str) -> Option<&str> {
    let rest = payload.trim_start().strip_prefix(KEYWORD)?;
    rest.trim_start().strip_prefix('|')
}

/// Parses a MONITORING payload (already located: it starts with `MONITORING`). `event_time` is the
/// CloudWatch event timestamp (range checks, value-first timestamps).
///
/// Every rejection names the offending field in its detail; a payload that is not a
/// `MONITORING|` line at all (see [`is_metric_payload`]) is [`RejectReason::MetricTooFewFields`].
pub fn parse(payload: &str, event_time: EpochMillis) -> Result<ParsedMetric, MetricRejection> {
    let Some(rest) = fields_text(payload) else {
        return Err((
            RejectReason::MetricTooFewFields,
            format!("\"{}\" is not a MONITORING| line", quote(payload.trim())),
        ));
    };
    let fields = Fields::split(rest)?;
    let (f1, f2) = (fields.get(0), fields.get(1));
    if f1.is_empty() {
        return Err(not_a_number("field 1 (epoch or value) is empty"));
    }
    if f2.is_empty() {
        return Err(not_a_number("field 2 (value or unit) is empty"));
    }
    if is_epoch_first(f1, f2) {
        epoch_first(&fields, event_time)
    } else {
        value_first(&fields, event_time)
    }
}

/// The trimmed fields after the keyword, between [`MIN_FIELDS`] and [`MAX_FIELDS`] of them.
struct Fields<'a> {
    items: [&'a str; MAX_FIELDS],
    len: usize,
}

impl<'a> Fields<'a> {
    fn split(rest: &'a str) -> Result<Self, MetricRejection> {
        let mut items = [""; MAX_FIELDS];
        let mut len = 0;
        for field in rest.split('|').take(MAX_FIELDS + 1) {
            if let Some(slot) = items.get_mut(len) {
                *slot = field.trim();
            }
            len += 1;
        }
        if len < MIN_FIELDS {
            return Err((
                RejectReason::MetricTooFewFields,
                format!("{len} field(s) after MONITORING, at least {MIN_FIELDS} needed"),
            ));
        }
        if len > MAX_FIELDS {
            return Err((
                RejectReason::MetricTooManyFields,
                format!("more than {MAX_FIELDS} fields after MONITORING"),
            ));
        }
        Ok(Fields { items, len })
    }

    /// Field `i` (0-based), or `""` when absent.
    fn get(&self, i: usize) -> &'a str {
        self.items.get(i).copied().unwrap_or("")
    }

    /// The optional fifth field (tags or dimensions).
    fn extra(&self) -> Option<&'a str> {
        (self.len == MAX_FIELDS).then(|| self.get(MAX_FIELDS - 1))
    }
}

/// The dialect rule described in the module documentation.
fn is_epoch_first(f1: &str, f2: &str) -> bool {
    if is_finite_number(f2) {
        return true;
    }
    if StandardUnit::from_word(f2) != StandardUnit::None || f2.eq_ignore_ascii_case("None") {
        return false;
    }
    looks_numeric(f2) || looks_like_epoch(f1)
}

/// `epoch|value|unit or type|name[|#tags]`.
fn epoch_first(
    fields: &Fields<'_>,
    event_time: EpochMillis,
) -> Result<ParsedMetric, MetricRejection> {
    let timestamp = parse_epoch(fields.get(0))?;
    check_window(timestamp, event_time)?;
    let value = parse_value(fields.get(1))?;
    let unit = StandardUnit::from_word(fields.get(2));
    let name = fields.get(3);
    check_metric_name(name)?;
    let dimensions = match fields.extra() {
        Some(tags) => parse_dimensions(tags.strip_prefix('#').unwrap_or(tags), ':')?,
        None => Vec::new(),
    };
    Ok(ParsedMetric {
        namespace: None,
        name: name.to_owned(),
        value,
        unit,
        timestamp,
        dimensions,
    })
}

/// `value|unit|name|namespace[|k=v,…]`.
fn value_first(
    fields: &Fields<'_>,
    event_time: EpochMillis,
) -> Result<ParsedMetric, MetricRejection> {
    let value = parse_value(fields.get(0))?;
    let unit = StandardUnit::from_word(fields.get(1));
    let name = fields.get(2);
    check_metric_name(name)?;
    let namespace = fields.get(3);
    check_namespace(namespace)?;
    let dimensions = match fields.extra() {
        Some(pairs) => parse_dimensions(pairs, '=')?,
        None => Vec::new(),
    };
    Ok(ParsedMetric {
        namespace: Some(namespace.to_owned()),
        name: name.to_owned(),
        value,
        unit,
        timestamp: event_time,
        dimensions,
    })
}

fn quote(s: &str) -> String {
    excerpt(s, DETAIL_EXCERPT_CHARS)
}

fn not_a_number(detail: &str) -> MetricRejection {
    (RejectReason::MetricValueNotANumber, detail.to_owned())
}

/// Plain decimal syntax: `[+-]digits[.digits][(e|E)[+-]digits]`, at least one mantissa digit
/// (`5.` and `.5` allowed, as `f64::from_str` does). Excludes `NaN`, `inf`, hex, `1,5`, `1_000`.
fn is_plain_decimal(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = usize::from(matches!(b.first(), Some(b'+' | b'-')));
    let digits_from = |mut i: usize| {
        while b.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
        i
    };
    let int_end = digits_from(i);
    let mut mantissa_digits = int_end - i;
    i = int_end;
    if b.get(i) == Some(&b'.') {
        let frac_end = digits_from(i + 1);
        mantissa_digits += frac_end - (i + 1);
        i = frac_end;
    }
    if mantissa_digits == 0 {
        return false;
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        let exp_end = digits_from(i);
        if exp_end == i {
            return false;
        }
        i = exp_end;
    }
    i == b.len()
}

/// `NaN`, `inf`, `Infinity` in any case, with an optional sign.
fn is_non_finite_word(s: &str) -> bool {
    let word = s.strip_prefix(['+', '-']).unwrap_or(s);
    ["nan", "inf", "infinity"]
        .iter()
        .any(|w| word.eq_ignore_ascii_case(w))
}

fn is_finite_number(s: &str) -> bool {
    is_plain_decimal(s) && s.parse::<f64>().is_ok_and(f64::is_finite)
}

/// Text that was meant as a number: starts (after a sign) with a digit or `.`, or is a
/// non-finite word.
fn looks_numeric(s: &str) -> bool {
    let unsigned = s.strip_prefix(['+', '-']).unwrap_or(s);
    unsigned
        .as_bytes()
        .first()
        .is_some_and(|c| c.is_ascii_digit() || *c == b'.')
        || is_non_finite_word(s)
}

/// 10 (seconds) or 13 (milliseconds) integer digits, optionally followed by `.digits`.
fn looks_like_epoch(s: &str) -> bool {
    let (int, frac) = s.split_once('.').unwrap_or((s, ""));
    matches!(int.len(), SECONDS_EPOCH_DIGITS | MILLIS_EPOCH_DIGITS)
        && int.bytes().all(|c| c.is_ascii_digit())
        && frac.bytes().all(|c| c.is_ascii_digit())
}

/// A metric value: plain decimal, finite, within ±2^360.
fn parse_value(text: &str) -> Result<f64, MetricRejection> {
    if !is_plain_decimal(text) {
        let reason = if is_non_finite_word(text) {
            RejectReason::MetricValueNotFinite
        } else {
            RejectReason::MetricValueNotANumber
        };
        return Err((
            reason,
            format!("value \"{}\" is not a finite decimal number", quote(text)),
        ));
    }
    let value: f64 = text.parse().map_err(|_| {
        not_a_number(&format!(
            "value \"{}\" is not a decimal number",
            quote(text)
        ))
    })?;
    if !value.is_finite() {
        return Err((
            RejectReason::MetricValueNotFinite,
            format!("value \"{}\" overflows to infinity", quote(text)),
        ));
    }
    if value.abs() > MAX_ABS_VALUE {
        return Err((
            RejectReason::MetricValueOutOfRange,
            format!("value \"{}\" is outside ±2^360", quote(text)),
        ));
    }
    Ok(value)
}

/// An epoch in decimal seconds or 13-digit milliseconds; fractions beyond milliseconds are
/// truncated.
fn parse_epoch(text: &str) -> Result<EpochMillis, MetricRejection> {
    let invalid = |why: &str| {
        Err((
            RejectReason::MetricTimestampInvalid,
            format!("epoch \"{}\" {why}", quote(text)),
        ))
    };
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    if int.is_empty()
        || !int.bytes().all(|c| c.is_ascii_digit())
        || !frac.bytes().all(|c| c.is_ascii_digit())
    {
        return invalid("is not a decimal number of seconds");
    }
    if int.len() > MILLIS_EPOCH_DIGITS {
        return invalid("has more than 13 integer digits (micro- or nanoseconds are ambiguous)");
    }
    // ≤ 13 ASCII digits always fit in an i64.
    let Ok(whole) = int.parse::<i64>() else {
        return invalid("is not a decimal number of seconds");
    };
    if int.len() == MILLIS_EPOCH_DIGITS {
        return Ok(EpochMillis(whole));
    }
    let millis_of_fraction = frac
        .bytes()
        .chain(std::iter::repeat(b'0'))
        .take(3)
        .fold(0i64, |acc, c| acc * 10 + i64::from(c - b'0'));
    Ok(EpochMillis(whole * 1000 + millis_of_fraction))
}

/// Rejects points older than 14 days or more than 2 h ahead of the log event.
fn check_window(point: EpochMillis, event_time: EpochMillis) -> Result<(), MetricRejection> {
    let lag = event_time.0.saturating_sub(point.0);
    let relation = if lag > MAX_POINT_AGE_MS {
        "more than 14 days before"
    } else if lag < -MAX_POINT_LEAD_MS {
        "more than 2 hours after"
    } else {
        return Ok(());
    };
    Err((
        RejectReason::MetricTimestampOutOfRange,
        format!(
            "metric time {} is {relation} the log event ({})",
            point.to_rfc3339(),
            event_time.to_rfc3339()
        ),
    ))
}

/// Dimensions from `k<sep>v,k2<sep>v2` (Datadog tags with `:`, value-first pairs with `=`).
/// Pairs without the separator or with an empty name or value are dropped; a repeated name keeps
/// its first position and its last value; more than 30 distinct names reject the metric.
fn parse_dimensions(text: &str, separator: char) -> Result<Vec<(String, String)>, MetricRejection> {
    let mut dimensions: Vec<(String, String)> = Vec::new();
    for pair in text.split(',') {
        let Some((name, value)) = pair.split_once(separator) else {
            continue;
        };
        let (name, value) = (name.trim(), value.trim());
        if name.is_empty() || value.is_empty() {
            continue;
        }
        check_dimension(name, value)?;
        if let Some(slot) = dimensions.iter_mut().find(|(n, _)| n == name) {
            value.clone_into(&mut slot.1);
            continue;
        }
        if dimensions.len() == MAX_DIMENSIONS {
            return Err((
                RejectReason::MetricTooManyDimensions,
                format!(
                    "more than {MAX_DIMENSIONS} dimensions (at \"{}\")",
                    quote(name)
                ),
            ));
        }
        dimensions.push((name.to_owned(), value.to_owned()));
    }
    Ok(dimensions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::Value;
    use std::collections::BTreeMap;

    const LINES: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/05-monitoring/monitoring-lines.jsonl"
    ));
    const BAD: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/08-bad-inputs/monitoring-bad.jsonl"
    ));
    /// Log event time of every `monitoring-bad` record (its note): 2023-11-14T22:13:20Z.
    const BAD_EVENT_TIME: EpochMillis = EpochMillis(1_700_000_000_000);
    /// Event time used for oracles whose timestamp is "the event's" (`timestamp: null`).
    const ANY_EVENT_TIME: EpochMillis = EpochMillis(1_568_069_911_564);

    fn records(jsonl: &str) -> Vec<Value> {
        jsonl
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    fn text<'a>(record: &'a Value, key: &str) -> &'a str {
        record[key].as_str().unwrap()
    }

    /// Test stand-in for the dispatcher: the JSON-format envelope's `message`, else the text after
    /// the last tab of a runtime-prefixed line, else the whole line; trimmed.
    fn locate_payload(message: &str) -> String {
        let line = message.strip_suffix('\n').unwrap_or(message);
        if line.trim_start().starts_with('{') {
            let envelope: Value = serde_json::from_str(line).unwrap();
            return envelope["message"].as_str().unwrap().trim().to_owned();
        }
        line.rsplit('\t').next().unwrap().trim().to_owned()
    }

    fn dims_map(m: &ParsedMetric) -> BTreeMap<&str, &str> {
        m.dimensions
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }

    fn oracle_unit(name: &str) -> StandardUnit {
        let unit = StandardUnit::from_word(name);
        assert_eq!(
            unit.as_str(),
            name,
            "oracle unit {name} is a StandardUnit name"
        );
        unit
    }

    /// Epoch seconds of an oracle (`1609983680.4133823`) → milliseconds, truncated.
    fn oracle_millis(ts: &Value) -> i64 {
        (ts.as_f64().unwrap() * 1000.0).floor() as i64
    }

    /// `monitoring-lines` records with no metric: (id, reason, event time to use).
    /// `None` = not a MONITORING| line at all.
    const LINE_REJECTS: [(&str, Option<RejectReason>, EpochMillis); 2] = [
        ("mon-lumigo-04-not-a-metric", None, ANY_EVENT_TIME),
        // Epoch 1234 (1970) against any realistic event time.
        (
            "mon-dd-07-bare-tags",
            Some(RejectReason::MetricTimestampOutOfRange),
            EpochMillis(1_609_983_680_000),
        ),
    ];

    #[test]
    fn every_monitoring_lines_record_matches_its_oracle() {
        let all = records(LINES);
        assert_eq!(all.len(), 22);
        for record in &all {
            let id = text(record, "id");
            let payload = locate_payload(text(record, "message"));
            let expected = record["expect"]["metrics"].as_array().unwrap();
            if expected.is_empty() {
                let (_, want, event_time) = LINE_REJECTS
                    .iter()
                    .find(|(rid, _, _)| *rid == id)
                    .unwrap_or_else(|| panic!("{id}: no reject row"));
                let (reason, detail) = parse(&payload, *event_time).unwrap_err();
                match want {
                    Some(want) => assert_eq!(reason, *want, "{id}: {detail}"),
                    None => {
                        assert!(!is_metric_payload(&payload), "{id}");
                        assert_eq!(reason, RejectReason::MetricTooFewFields, "{id}");
                    }
                }
                continue;
            }
            assert_eq!(expected.len(), 1, "{id}");
            let want = &expected[0];
            assert!(payload.starts_with(KEYWORD), "{id}: {payload}");
            assert!(is_metric_payload(&payload), "{id}");
            let (event_time, want_ts) = match &want["timestamp"] {
                Value::Null => (ANY_EVENT_TIME, ANY_EVENT_TIME),
                ts => (
                    EpochMillis(oracle_millis(ts)),
                    EpochMillis(oracle_millis(ts)),
                ),
            };
            let m = parse(&payload, event_time).unwrap_or_else(|e| panic!("{id}: {e:?}"));
            assert_eq!(m.name, text(want, "name"), "{id}");
            assert_eq!(m.value, want["value"].as_f64().unwrap(), "{id}");
            assert_eq!(m.unit, oracle_unit(text(want, "unit")), "{id}");
            assert_eq!(m.timestamp, want_ts, "{id}");
            assert_eq!(m.namespace.as_deref(), want["namespace"].as_str(), "{id}");
            let want_dims: BTreeMap<&str, &str> = want["dimensions"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str().unwrap()))
                .collect();
            assert_eq!(dims_map(&m), want_dims, "{id}");
        }
        for (id, _, _) in LINE_REJECTS {
            assert!(all.iter().any(|r| text(r, "id") == id), "stale row {id}");
        }
    }

    #[test]
    fn fractional_epoch_is_truncated_to_milliseconds() {
        let m = parse(
            "MONITORING|1609983680.4133823|12|count|test_legacy_metric|#env:prod,event_name:",
            EpochMillis(1_609_983_680_000),
        )
        .unwrap();
        assert_eq!(m.timestamp, EpochMillis(1_609_983_680_413));
    }

    #[test]
    fn bare_datadog_tags_are_dropped_when_the_epoch_is_valid() {
        let m = parse(
            "MONITORING|1234|1|count|test.test_metric|#tag1,tag2",
            EpochMillis(1_234_000),
        )
        .unwrap();
        assert!(m.dimensions.is_empty());
        assert_eq!(m.name, "test.test_metric");
    }

    #[derive(Debug)]
    enum Want {
        Accept,
        Reject(RejectReason),
        NotMetric,
    }

    /// Every `monitoring-bad` record: (id, start of the oracle's reason text, verdict).
    const BAD_TABLE: [(&str, &str, Want); 32] = {
        use RejectReason::*;
        use Want::*;
        [
            (
                "monbad-01-non-numeric",
                "value not a number",
                Reject(MetricValueNotANumber),
            ),
            (
                "monbad-02-nan",
                "NaN not accepted",
                Reject(MetricValueNotFinite),
            ),
            (
                "monbad-03-infinity",
                "+Infinity not accepted",
                Reject(MetricValueNotFinite),
            ),
            (
                "monbad-04-neg-infinity",
                "-Infinity not accepted",
                Reject(MetricValueNotFinite),
            ),
            (
                "monbad-05-overflow",
                "parses to inf",
                Reject(MetricValueNotFinite),
            ),
            (
                "monbad-06-too-large",
                "outside -2^360..2^360",
                Reject(MetricValueOutOfRange),
            ),
            (
                "monbad-07-negative-ok",
                "negative values are allowed",
                Accept,
            ),
            (
                "monbad-08-comma-decimal",
                "locale decimal comma",
                Reject(MetricValueNotANumber),
            ),
            (
                "monbad-09-hex",
                "hex literal",
                Reject(MetricValueNotANumber),
            ),
            ("monbad-10-ms-timestamp", "13 digits", Accept),
            (
                "monbad-11-us-timestamp",
                "16-digit",
                Reject(MetricTimestampInvalid),
            ),
            (
                "monbad-12-zero-timestamp",
                "1970: older",
                Reject(MetricTimestampOutOfRange),
            ),
            (
                "monbad-13-future-timestamp",
                "2100-01-01",
                Reject(MetricTimestampOutOfRange),
            ),
            ("monbad-14-slightly-old-ok", "1 h before", Accept),
            ("monbad-15-unknown-unit-value-first", "unknown unit", Accept),
            (
                "monbad-16-too-many-dimensions",
                "31 dimensions",
                Reject(MetricTooManyDimensions),
            ),
            (
                "monbad-17-empty-name",
                "empty metric name",
                Reject(MetricNameEmpty),
            ),
            (
                "monbad-18-name-too-long",
                "metric name > 255",
                Reject(MetricNameTooLong),
            ),
            (
                "monbad-19-too-few-fields",
                "too few fields",
                Reject(MetricTooFewFields),
            ),
            (
                "monbad-20-lowercase-keyword",
                "keyword is case-sensitive",
                NotMetric,
            ),
            (
                "monbad-21-not-at-start",
                "MONITORING not at the start",
                NotMetric,
            ),
            ("monbad-22-trailing-pipe", "empty dimension list", Accept),
            (
                "monbad-23-dimension-without-equals",
                "drop 'service'",
                Accept,
            ),
            (
                "monbad-24-duplicate-dimension",
                "duplicate dimension names",
                Accept,
            ),
            ("monbad-25-crlf", "CRLF line ending", Accept),
            (
                "monbad-26-nul-in-name",
                "control character",
                Reject(MetricInvalidCharacters),
            ),
            (
                "monbad-27-extra-fields",
                "more fields than",
                Reject(MetricTooManyFields),
            ),
            (
                "monbad-28-ambiguous",
                "field 2 numeric",
                Reject(MetricTimestampOutOfRange),
            ),
            (
                "monbad-29-empty-value",
                "empty value",
                Reject(MetricValueNotANumber),
            ),
            ("monbad-30-unicode-name", "non-ASCII metric name", Accept),
            (
                "monbad-31-dd-type-distribution",
                "unknown Datadog type",
                Accept,
            ),
            (
                "monbad-32-huge-dimension-value",
                "dimension value > 1024",
                Reject(MetricDimensionTooLong),
            ),
        ]
    };

    /// What each accepted `monitoring-bad` record must yield.
    fn assert_bad_accept(id: &str, m: &ParsedMetric) {
        let dims = dims_map(m);
        let event_ts = BAD_EVENT_TIME;
        match id {
            "monbad-07-negative-ok" => {
                assert_eq!((m.name.as_str(), m.value), ("stock.delta", -5.0));
                assert_eq!(m.unit, StandardUnit::Count);
            }
            "monbad-10-ms-timestamp" => {
                assert_eq!(m.timestamp, EpochMillis(1_700_000_000_123));
                assert_eq!((m.value, m.unit), (27.4, StandardUnit::None));
            }
            "monbad-14-slightly-old-ok" => {
                assert_eq!(m.timestamp, EpochMillis(1_699_996_400_000));
            }
            "monbad-15-unknown-unit-value-first" => {
                assert_eq!((m.name.as_str(), m.value), ("distance", 3.0));
                assert_eq!(m.unit, StandardUnit::None);
                assert_eq!(m.namespace.as_deref(), Some("acme.metrics"));
                assert_eq!(m.timestamp, event_ts);
                assert_eq!(dims, BTreeMap::from([("service", "x")]));
            }
            "monbad-22-trailing-pipe" => {
                assert_eq!(m.name, "orders.created");
                assert!(dims.is_empty());
            }
            "monbad-23-dimension-without-equals" => {
                assert_eq!(dims, BTreeMap::from([("region", "eu-west-1")]));
            }
            "monbad-24-duplicate-dimension" => {
                assert_eq!(
                    m.dimensions,
                    [("region".to_owned(), "us-east-1".to_owned())]
                );
            }
            "monbad-25-crlf" => {
                assert_eq!((m.name.as_str(), m.value), ("orders.created", 1.0));
                assert_eq!(m.timestamp, event_ts);
            }
            "monbad-30-unicode-name" => assert_eq!(m.name, "pedidos.criação"),
            "monbad-31-dd-type-distribution" => {
                assert_eq!((m.name.as_str(), m.value), ("checkout.latency", 250.0));
                assert_eq!(m.unit, StandardUnit::None);
                assert_eq!(dims, BTreeMap::from([("env", "prod")]));
            }
            other => panic!("no accept assertions for {other}"),
        }
    }

    #[test]
    fn every_monitoring_bad_record_matches_its_oracle() {
        let all = records(BAD);
        assert_eq!(all.len(), BAD_TABLE.len());
        for record in &all {
            let id = text(record, "id");
            let (_, reason_text, want) = BAD_TABLE
                .iter()
                .find(|(rid, _, _)| *rid == id)
                .unwrap_or_else(|| panic!("{id}: no table row"));
            let oracle_reason = text(&record["expect"], "reason");
            assert!(
                oracle_reason.starts_with(reason_text),
                "{id}: {oracle_reason}"
            );
            let verdict = text(&record["expect"], "verdict");
            let payload = locate_payload(text(record, "message"));
            let result = parse(&payload, BAD_EVENT_TIME);
            match want {
                Want::Accept => {
                    assert_eq!(verdict, "accept", "{id}");
                    let m = result.unwrap_or_else(|e| panic!("{id}: {e:?}"));
                    assert_bad_accept(id, &m);
                }
                Want::Reject(reason) => {
                    assert_eq!(verdict, "reject", "{id}");
                    let (got, detail) = result.unwrap_err();
                    assert_eq!(got, *reason, "{id}: {detail}");
                    assert!(
                        !detail.is_empty() && detail.chars().count() < 200,
                        "{id}: {detail}"
                    );
                }
                Want::NotMetric => {
                    assert_eq!(verdict, "not_metric", "{id}");
                    assert!(!payload.starts_with(KEYWORD), "{id}: {payload}");
                    assert!(!is_metric_payload(&payload), "{id}");
                    assert_eq!(
                        result.unwrap_err().0,
                        RejectReason::MetricTooFewFields,
                        "{id}"
                    );
                }
            }
        }
    }

    #[test]
    fn details_name_the_offending_field() {
        let cases = [
            ("MONITORING|1700000000|abc|count|x", "value \"abc\""),
            (
                "MONITORING|1700000000123456|1|count|x",
                "epoch \"1700000000123456\"",
            ),
            (
                "MONITORING|1|Count|x|AWS/Lambda",
                "namespace \"AWS/Lambda\"",
            ),
            ("MONITORING|1|Count|x|ns|k=\u{1}", "dimension \"k\""),
            ("MONITORING|1|Count|x", "3 field(s)"),
        ];
        for (line, needle) in cases {
            let (_, detail) = parse(line, BAD_EVENT_TIME).unwrap_err();
            assert!(detail.contains(needle), "{line}: {detail}");
        }
        let (_, detail) = parse("MONITORING|0|1|count|x", BAD_EVENT_TIME).unwrap_err();
        assert_eq!(
            detail,
            "metric time 1970-01-01T00:00:00.000Z is more than 14 days before the log event \
             (2023-11-14T22:13:20.000Z)"
        );
    }

    #[test]
    fn window_bounds_are_inclusive() {
        let event = BAD_EVENT_TIME;
        let line = |ms: i64| format!("MONITORING|{ms}|1|count|x");
        let oldest = event.0 - MAX_POINT_AGE_MS;
        let latest = event.0 + MAX_POINT_LEAD_MS;
        assert_eq!(
            parse(&line(oldest), event).unwrap().timestamp,
            EpochMillis(oldest)
        );
        assert_eq!(
            parse(&line(latest), event).unwrap().timestamp,
            EpochMillis(latest)
        );
        for ms in [oldest - 1, latest + 1] {
            let reason = parse(&line(ms), event).unwrap_err().0;
            assert_eq!(reason, RejectReason::MetricTimestampOutOfRange, "{ms}");
        }
    }

    #[test]
    fn epoch_precision_is_seconds_or_thirteen_digit_millis() {
        let event = BAD_EVENT_TIME;
        let ts = |epoch: &str| parse(&format!("MONITORING|{epoch}|1|count|x"), event);
        assert_eq!(
            ts("1700000000").unwrap().timestamp,
            EpochMillis(1_700_000_000_000)
        );
        assert_eq!(
            ts("1700000000.5").unwrap().timestamp,
            EpochMillis(1_700_000_000_500)
        );
        assert_eq!(
            ts("1700000000.").unwrap().timestamp,
            EpochMillis(1_700_000_000_000)
        );
        assert_eq!(
            ts("1700000000123.9").unwrap().timestamp,
            EpochMillis(1_700_000_000_123)
        );
        for bad in [
            "17000000001234",
            "170000000012345",
            "1700000000123456789",
            "-1700000000",
            "1.7e9",
        ] {
            assert_eq!(
                ts(bad).unwrap_err().0,
                RejectReason::MetricTimestampInvalid,
                "{bad}"
            );
        }
    }

    #[test]
    fn values_use_plain_decimal_syntax_only() {
        let value = |v: &str| parse(&format!("MONITORING|{v}|Count|x|ns"), BAD_EVENT_TIME);
        for (text, want) in [
            ("41", 41.0),
            ("+1.5", 1.5),
            (".5", 0.5),
            ("5.", 5.0),
            ("-2e3", -2000.0),
        ] {
            assert_eq!(value(text).unwrap().value, want, "{text}");
        }
        let cases = [
            ("NaN", RejectReason::MetricValueNotFinite),
            ("inf", RejectReason::MetricValueNotFinite),
            ("-Infinity", RejectReason::MetricValueNotFinite),
            ("1e999", RejectReason::MetricValueNotFinite),
            ("-3e108", RejectReason::MetricValueOutOfRange),
            ("0x1A", RejectReason::MetricValueNotANumber),
            ("1,5", RejectReason::MetricValueNotANumber),
            ("1_000", RejectReason::MetricValueNotANumber),
            ("e5", RejectReason::MetricValueNotANumber),
            ("1e", RejectReason::MetricValueNotANumber),
            (".", RejectReason::MetricValueNotANumber),
        ];
        for (text, want) in cases {
            assert_eq!(value(text).unwrap_err().0, want, "{text}");
        }
    }

    #[test]
    fn max_abs_value_is_exactly_two_to_the_360() {
        assert_eq!(MAX_ABS_VALUE, 2f64.powi(360));
        let at_limit = format!("MONITORING|{MAX_ABS_VALUE:e}|Count|x|ns");
        assert_eq!(
            parse(&at_limit, BAD_EVENT_TIME).unwrap().value,
            MAX_ABS_VALUE
        );
    }

    #[test]
    fn keyword_is_exact_and_may_be_spaced_from_the_first_pipe() {
        assert!(is_metric_payload("MONITORING|1|Count|x|ns"));
        assert!(is_metric_payload("  MONITORING \t| 1 | Count | x | ns"));
        for not in [
            "MONITORING YO!",
            "MONITORINGS|1|Count|x|ns",
            "Monitoring|1|Count|x|ns",
            "",
            "MONITORING",
        ] {
            assert!(!is_metric_payload(not), "{not:?}");
            assert_eq!(
                parse(not, BAD_EVENT_TIME).unwrap_err().0,
                RejectReason::MetricTooFewFields
            );
        }
    }

    #[test]
    fn value_first_with_a_unit_in_field_two_is_never_epoch_first() {
        // A value that happens to look like an epoch, with a real unit: value-first.
        let m = parse("MONITORING|1700000000|Bytes|heap|acme", BAD_EVENT_TIME).unwrap();
        assert_eq!((m.value, m.unit), (1_700_000_000.0, StandardUnit::Bytes));
        assert_eq!(m.namespace.as_deref(), Some("acme"));
        assert_eq!(m.timestamp, BAD_EVENT_TIME);
    }

    #[test]
    fn datadog_tags_split_on_the_first_colon_and_accept_a_missing_hash() {
        let m = parse(
            "MONITORING|1700000000|1|count|x|url:http://a:80/p, env : prod ,:nokey",
            BAD_EVENT_TIME,
        )
        .unwrap();
        assert_eq!(
            m.dimensions,
            [
                ("url".to_owned(), "http://a:80/p".to_owned()),
                ("env".to_owned(), "prod".to_owned())
            ]
        );
    }

    #[test]
    fn epoch_first_with_empty_fifth_field_has_no_tags() {
        let m = parse("MONITORING|1700000000|1|count|x|", BAD_EVENT_TIME).unwrap();
        assert!(m.dimensions.is_empty());
        assert_eq!(m.namespace, None);
    }

    #[test]
    fn thirty_dimensions_are_fine_and_repeats_do_not_count() {
        let mut pairs: Vec<String> = (0..30).map(|i| format!("d{i}=v")).collect();
        pairs.push("d0=last".to_owned());
        let line = format!("MONITORING|1|Count|x|ns|{}", pairs.join(","));
        let m = parse(&line, BAD_EVENT_TIME).unwrap();
        assert_eq!(m.dimensions.len(), 30);
        assert_eq!(
            m.dimensions[0],
            ("d0".to_owned(), "last".to_owned()),
            "first position, last value"
        );
    }

    #[test]
    fn non_ascii_dimensions_and_namespaces_are_rejected() {
        let dim = parse("MONITORING|1|Count|x|ns|región=eu", BAD_EVENT_TIME).unwrap_err();
        assert_eq!(dim.0, RejectReason::MetricInvalidCharacters);
        let ns = parse("MONITORING|1|Count|x|métricas", BAD_EVENT_TIME).unwrap_err();
        assert_eq!(ns.0, RejectReason::MetricInvalidNamespace);
        let empty_ns = parse("MONITORING|1|Count|x|", BAD_EVENT_TIME).unwrap_err();
        assert_eq!(empty_ns.0, RejectReason::MetricInvalidNamespace);
    }

    #[test]
    fn names_count_characters_not_bytes() {
        let name = "é".repeat(255);
        let m = parse(&format!("MONITORING|1|Count|{name}|ns"), BAD_EVENT_TIME).unwrap();
        assert_eq!(m.name, name);
        let longer = "é".repeat(256);
        let err = parse(&format!("MONITORING|1|Count|{longer}|ns"), BAD_EVENT_TIME).unwrap_err();
        assert_eq!(err.0, RejectReason::MetricNameTooLong);
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in any::<String>(), t in any::<i64>()) {
            let _ = parse(&s, EpochMillis(t));
            let _ = is_metric_payload(&s);
        }

        #[test]
        fn arbitrary_monitoring_lines_never_panic(
            s in "(\\PC|[|,:=#.eE+-0-9 ]){0,80}",
            t in any::<i64>(),
        ) {
            let _ = parse(&format!("MONITORING|{s}"), EpochMillis(t));
        }

        #[test]
        fn well_formed_value_first_lines_round_trip(
            value in -1.0e12f64..1.0e12,
            unit in proptest::sample::select(StandardUnit::all().to_vec()),
            name in "[a-zA-Z][a-zA-Z0-9._-]{0,40}",
            namespace in "[a-z][a-z0-9./-]{0,30}",
            dims in proptest::collection::btree_map("[a-z]{1,8}", "[a-zA-Z0-9-]{1,12}", 0..6),
        ) {
            let pairs: Vec<String> = dims.iter().map(|(k, v)| format!("{k}={v}")).collect();
            let line = format!(
                "MONITORING|{value}|{}|{name}|{namespace}|{}",
                unit.as_str(),
                pairs.join(",")
            );
            let m = parse(&line, BAD_EVENT_TIME).unwrap();
            prop_assert_eq!(m.value, value);
            prop_assert_eq!(m.unit, unit);
            prop_assert_eq!(&m.name, &name);
            prop_assert_eq!(m.namespace.as_deref(), Some(namespace.as_str()));
            prop_assert_eq!(m.timestamp, BAD_EVENT_TIME);
            let got: BTreeMap<String, String> = m.dimensions.into_iter().collect();
            prop_assert_eq!(got, dims);
        }
    }
}
