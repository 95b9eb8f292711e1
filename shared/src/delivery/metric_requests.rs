//! PutMetricData requests, decided without a socket: validation of every datum just before
//! sending, packing into requests, the split of a refused request, the one function that decides
//! what to do with a failed call, the retry back-off, and the outcome of one publication.
//!
//! **Validation** ([`validate_datum`]) re-checks every rule of PutMetricData on the aggregated
//! datums, measured against the wall clock at send time: a datum CloudWatch would refuse fails
//! the *whole* request, so an invalid datum is dropped and counted by reason instead, never sent.
//!
//! **Packing** ([`pack`]) groups datums by namespace (one namespace per request) and fills each
//! request up to [`MAX_DATUMS_PER_REQUEST`] datums and [`MAX_REQUEST_BYTES`] of estimated body.
//! The estimate ([`datum_size_bound`]) is an upper bound of both the rpc-v2-cbor body the SDK
//! sends today and a JSON body (numbers as their longest decimal form, strings with their escapes),
//! so neither the current protocol nor a JSON one can push a request over 1 MB.
//!
//! **Failures** ([`classify_failure`]): throttling, 5xx and transport errors are retried with
//! exponential back-off and full jitter ([`crate::backoff`]) inside the caller's deadline; a 400
//! (which validation should make impossible) splits the request in two ([`split_request`]) until
//! the bad datum is alone and can be dropped; anything else (authorisation, unknown 4xx) gives up.

use crate::metrics::aggregate::MAX_VALUES_PER_DATUM;
use crate::metrics::point::{
    check_dimension, check_metric_name, check_namespace, MetricRejection, MAX_DIMENSIONS,
};
use crate::metrics::MetricDatum;
use crate::parse::monitoring::{MAX_ABS_VALUE, MAX_POINT_AGE_MS, MAX_POINT_LEAD_MS};
use crate::rejection::RejectReason;
use crate::time::EpochMillis;
use std::collections::{BTreeMap, HashMap};

/// Most datums PutMetricData accepts in one request (`MetricData`, 1000 items).
pub const MAX_DATUMS_PER_REQUEST: usize = 1000;
/// Largest PutMetricData body, in bytes: 1 MB, taken as 10^6 (the smaller reading) and compared
/// with the uncompressed estimate (the SDK gzips the body; the limit is not counted on that).
pub const MAX_REQUEST_BYTES: usize = 1_000_000;
/// Oldest timestamp CloudWatch accepts, before `now`: two weeks.
pub const MAX_DATUM_AGE_MS: i64 = MAX_POINT_AGE_MS;
/// Furthest timestamp CloudWatch accepts, after `now`: two hours.
pub const MAX_DATUM_LEAD_MS: i64 = MAX_POINT_LEAD_MS;
/// Safety margin taken off both ends of the timestamp window: a request takes time to reach
/// CloudWatch (retries included) and clocks differ a little. A datum inside the margin is
/// dropped here rather than failing its whole request there.
pub const TIMESTAMP_MARGIN_MS: i64 = 5 * 60 * 1000;

/// Bytes a string adds beyond its own (CBOR header ≤ 9 bytes; JSON quotes and separator ≤ 3).
const STRING_OVERHEAD: usize = 10;
/// Upper bound of one number: JSON's longest `f64` (`-2.2250738585072014e-308`, 24 characters)
/// plus a separator; CBOR needs 9 (10 for a tagged timestamp).
const NUMBER_BOUND: usize = 25;
/// A map or array header (CBOR ≤ 9 bytes, indefinite-length end marker included).
const CONTAINER_OVERHEAD: usize = 10;

/// Counts by reason (dropped datums, rejected lines), in reason order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReasonCounts(BTreeMap<RejectReason, usize>);

impl ReasonCounts {
    /// Counts one more `reason`.
    pub fn add(&mut self, reason: RejectReason) {
        self.add_n(reason, 1);
    }

    /// Counts `n` more `reason`.
    pub fn add_n(&mut self, reason: RejectReason, n: usize) {
        if n > 0 {
            *self.0.entry(reason).or_default() += n;
        }
    }

    /// Adds every count of `other`.
    pub fn merge(&mut self, other: &ReasonCounts) {
        for (&reason, &n) in &other.0 {
            self.add_n(reason, n);
        }
    }

    /// How many of `reason`.
    pub fn get(&self, reason: RejectReason) -> usize {
        self.0.get(&reason).copied().unwrap_or(0)
    }

    /// Total over every reason.
    pub fn total(&self) -> usize {
        self.0.values().sum()
    }

    /// True when nothing was counted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `(reason, count)` in reason order.
    pub fn iter(&self) -> impl Iterator<Item = (RejectReason, usize)> + '_ {
        self.0.iter().map(|(&r, &n)| (r, n))
    }
}

/// One PutMetricData request: one namespace, at most [`MAX_DATUMS_PER_REQUEST`] datums, an
/// estimated body of at most [`MAX_REQUEST_BYTES`].
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRequest {
    /// `Namespace` of every datum.
    pub namespace: String,
    /// The datums (`MetricData`).
    pub datums: Vec<MetricDatum>,
    /// Upper bound of the serialised body, in bytes.
    pub estimated_bytes: usize,
}

impl MetricRequest {
    /// A request for `datums` (all of `namespace`), with its size estimate.
    pub fn new(namespace: String, datums: Vec<MetricDatum>) -> Self {
        let estimated_bytes =
            request_overhead(&namespace) + datums.iter().map(datum_size_bound).sum::<usize>();
        MetricRequest {
            namespace,
            datums,
            estimated_bytes,
        }
    }
}

/// Valid datums packed into requests, and what was dropped.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PreparedRequests {
    /// Requests to send.
    pub requests: Vec<MetricRequest>,
    /// Datums dropped by [`validate_datum`], by reason.
    pub dropped: ReasonCounts,
}

/// Validates every datum against `now` (the wall clock at send time), drops the invalid ones
/// (counted by reason) and packs the rest with [`pack`].
pub fn prepare(datums: Vec<MetricDatum>, now: EpochMillis) -> PreparedRequests {
    let mut dropped = ReasonCounts::default();
    let valid: Vec<MetricDatum> = datums
        .into_iter()
        .filter(|d| match validate_datum(d, now) {
            Ok(()) => true,
            Err((reason, _)) => {
                dropped.add(reason);
                false
            }
        })
        .collect();
    PreparedRequests {
        requests: pack(valid),
        dropped,
    }
}

/// Checks one datum against every rule of PutMetricData, with `now` the wall clock at send time:
/// - namespace, metric name and every dimension with the core's own validators
///   ([`check_namespace`]: 1–255 printable ASCII, not `:…` nor `AWS/…`; [`check_metric_name`]:
///   1–255 characters, no control characters; [`check_dimension`]: name 1–255 and value 1–1024
///   printable ASCII);
/// - at most 30 dimensions, names unique;
/// - 1–150 values, each finite and within ±2^360; `Counts` as many as `Values`, each a positive
///   finite number within ±2^360;
/// - timestamp within [now − 14 days, now + 2 h], narrowed by [`TIMESTAMP_MARGIN_MS`] at both
///   ends.
///
/// The unit needs no check: [`crate::metrics::StandardUnit`] only has CloudWatch's names.
pub fn validate_datum(datum: &MetricDatum, now: EpochMillis) -> Result<(), MetricRejection> {
    check_namespace(&datum.namespace)?;
    check_metric_name(&datum.name)?;
    check_dimensions(&datum.dimensions)?;
    check_values(datum)?;
    check_timestamp(datum.timestamp, now)
}

fn check_dimensions(dimensions: &[(String, String)]) -> Result<(), MetricRejection> {
    if dimensions.len() > MAX_DIMENSIONS {
        return Err((
            RejectReason::MetricTooManyDimensions,
            format!("{} dimensions (at most {MAX_DIMENSIONS})", dimensions.len()),
        ));
    }
    for (i, (name, value)) in dimensions.iter().enumerate() {
        check_dimension(name, value)?;
        let repeated = dimensions
            .get(..i)
            .is_some_and(|earlier| earlier.iter().any(|(n, _)| n == name));
        if repeated {
            return Err(malformed(format!(
                "dimension \"{}\" is repeated",
                crate::rejection::excerpt(name, 40)
            )));
        }
    }
    Ok(())
}

fn check_values(datum: &MetricDatum) -> Result<(), MetricRejection> {
    let n = datum.values.len();
    if n == 0 || n > MAX_VALUES_PER_DATUM {
        return Err(malformed(format!(
            "{n} values (1 to {MAX_VALUES_PER_DATUM})"
        )));
    }
    if datum.counts.len() != n {
        return Err(malformed(format!(
            "{} counts for {n} values",
            datum.counts.len()
        )));
    }
    for &v in &datum.values {
        check_number("value", v)?;
    }
    for &c in &datum.counts {
        check_number("count", c)?;
        if c <= 0.0 {
            return Err(malformed(format!("count {c} is not positive")));
        }
    }
    Ok(())
}

fn check_number(what: &str, v: f64) -> Result<(), MetricRejection> {
    if !v.is_finite() {
        return Err((
            RejectReason::MetricValueNotFinite,
            format!("{what} {v} is not finite"),
        ));
    }
    if v.abs() > MAX_ABS_VALUE {
        return Err((
            RejectReason::MetricValueOutOfRange,
            format!("{what} {v} is outside ±2^360"),
        ));
    }
    Ok(())
}

fn check_timestamp(t: EpochMillis, now: EpochMillis) -> Result<(), MetricRejection> {
    let oldest = now
        .0
        .saturating_sub(MAX_DATUM_AGE_MS)
        .saturating_add(TIMESTAMP_MARGIN_MS);
    let latest = now
        .0
        .saturating_add(MAX_DATUM_LEAD_MS)
        .saturating_sub(TIMESTAMP_MARGIN_MS);
    if (oldest..=latest).contains(&t.0) {
        return Ok(());
    }
    Err((
        RejectReason::MetricTimestampOutOfRange,
        format!(
            "timestamp {t} is outside [{}, {}] at send time",
            EpochMillis(oldest),
            EpochMillis(latest)
        ),
    ))
}

fn malformed(detail: String) -> MetricRejection {
    (RejectReason::MetricDatumMalformed, detail)
}

/// Packs datums into requests: one namespace per request (namespaces in the order first seen,
/// datums of a namespace in input order), each request at most [`MAX_DATUMS_PER_REQUEST`] datums
/// and [`MAX_REQUEST_BYTES`] of estimated body. Every datum lands in exactly one request.
pub fn pack(datums: Vec<MetricDatum>) -> Vec<MetricRequest> {
    let mut by_namespace: Vec<(String, Vec<MetricDatum>)> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    for d in datums {
        let group = match index.get(&d.namespace) {
            Some(&i) => by_namespace.get_mut(i),
            None => {
                index.insert(d.namespace.clone(), by_namespace.len());
                by_namespace.push((d.namespace.clone(), Vec::new()));
                by_namespace.last_mut()
            }
        };
        if let Some((_, group)) = group {
            group.push(d);
        }
    }
    let mut requests = Vec::new();
    for (namespace, group) in by_namespace {
        pack_namespace(namespace, group, &mut requests);
    }
    requests
}

/// Fills requests for one namespace, greedily in order.
fn pack_namespace(namespace: String, group: Vec<MetricDatum>, out: &mut Vec<MetricRequest>) {
    let overhead = request_overhead(&namespace);
    let mut current = MetricRequest {
        namespace: namespace.clone(),
        datums: Vec::new(),
        estimated_bytes: overhead,
    };
    for datum in group {
        let size = datum_size_bound(&datum);
        let full = current.datums.len() >= MAX_DATUMS_PER_REQUEST
            || current.estimated_bytes + size > MAX_REQUEST_BYTES;
        if full && !current.datums.is_empty() {
            let next = MetricRequest {
                namespace: namespace.clone(),
                datums: Vec::new(),
                estimated_bytes: overhead,
            };
            out.push(std::mem::replace(&mut current, next));
        }
        current.estimated_bytes += size;
        current.datums.push(datum);
    }
    if !current.datums.is_empty() {
        out.push(current);
    }
}

/// Splits a refused request into two halves (first half, second half) to isolate a bad datum;
/// `Err` gives back a request of one datum (or none): that datum is the bad one.
pub fn split_request(
    request: MetricRequest,
) -> Result<(MetricRequest, MetricRequest), MetricRequest> {
    if request.datums.len() < 2 {
        return Err(request);
    }
    let MetricRequest {
        namespace,
        mut datums,
        ..
    } = request;
    let second = datums.split_off(datums.len() / 2);
    Ok((
        MetricRequest::new(namespace.clone(), datums),
        MetricRequest::new(namespace, second),
    ))
}

/// Upper bound of what one string adds to a CBOR or JSON body: its bytes, its JSON escapes
/// (`"` and `\` take 2 bytes, control characters 6) and a header.
fn string_bound(s: &str) -> usize {
    let escapes: usize = s
        .bytes()
        .map(|b| match b {
            b'"' | b'\\' => 1,
            0..=0x1f => 5,
            _ => 0,
        })
        .sum();
    s.len() + escapes + STRING_OVERHEAD
}

/// A map key (a string) and its separator.
fn key_bound(key: &str) -> usize {
    string_bound(key) + 1
}

/// Upper bound of the request body without its datums: `Namespace`, the `MetricData` array
/// header and `StrictEntityValidation`.
fn request_overhead(namespace: &str) -> usize {
    CONTAINER_OVERHEAD
        + key_bound("Namespace")
        + string_bound(namespace)
        + key_bound("MetricData")
        + CONTAINER_OVERHEAD
        + key_bound("StrictEntityValidation")
        + NUMBER_BOUND
}

/// Upper bound of one datum in the request body (CBOR as the SDK sends it, or JSON): every key
/// and value of `MetricName`, `Dimensions`, `Timestamp`, `Values`, `Counts`, `Unit` and
/// `StorageResolution`.
pub fn datum_size_bound(d: &MetricDatum) -> usize {
    let dimensions: usize = d
        .dimensions
        .iter()
        .map(|(n, v)| {
            CONTAINER_OVERHEAD
                + key_bound("Name")
                + string_bound(n)
                + key_bound("Value")
                + string_bound(v)
        })
        .sum();
    let numbers = (d.values.len() + d.counts.len()) * NUMBER_BOUND;
    CONTAINER_OVERHEAD
        + key_bound("MetricName")
        + string_bound(&d.name)
        + key_bound("Dimensions")
        + CONTAINER_OVERHEAD
        + dimensions
        + key_bound("Timestamp")
        + NUMBER_BOUND
        + key_bound("Values")
        + key_bound("Counts")
        + 2 * CONTAINER_OVERHEAD
        + numbers
        + key_bound("Unit")
        + string_bound(d.unit.as_str())
        + key_bound("StorageResolution")
        + NUMBER_BOUND
}

/// What went wrong with one PutMetricData call, reduced to what the decision needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallFailure<'a> {
    /// No answer: connection failure, timeout, unreadable response.
    Transport,
    /// CloudWatch answered with an error.
    Service {
        /// HTTP status, when known.
        status: Option<u16>,
        /// Error code (`Throttling`, `InvalidParameterValue`, …), when known.
        code: Option<&'a str>,
    },
    /// The request could not even be built or signed (no credentials, no region, …).
    Local,
}

/// What to do after a failed call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureAction {
    /// Send the same request again after a back-off (throttling, 5xx, transport).
    Retry,
    /// The request was refused for its content: split it to isolate the bad datum.
    Split,
    /// Retrying or splitting cannot help (authorisation, unknown 4xx, local problem).
    GiveUp,
}

/// Error codes that mean "slow down".
const THROTTLING_CODES: &[&str] = &[
    "Throttling",
    "ThrottlingException",
    "ThrottledException",
    "RequestThrottled",
    "RequestThrottledException",
    "TooManyRequestsException",
    "RequestLimitExceeded",
    "SlowDown",
];
/// Error codes of a server-side fault.
const SERVER_FAULT_CODES: &[&str] = &[
    "InternalServiceFault",
    "InternalFailure",
    "InternalError",
    "ServiceUnavailable",
    "ServiceUnavailableException",
];
/// Error codes that mean "this request's content is wrong": PutMetricData's modelled errors in
/// their query-compatible and exception forms.
const BAD_REQUEST_CODES: &[&str] = &[
    "InvalidParameterValue",
    "InvalidParameterValueException",
    "InvalidParameterCombination",
    "InvalidParameterCombinationException",
    "MissingParameter",
    "MissingRequiredParameterException",
    "ValidationError",
    "ValidationException",
    "RequestEntityTooLarge",
];
/// Error codes about who is calling: the same for every datum, so splitting would only multiply
/// the calls (some are answered with status 400).
const AUTH_CODES: &[&str] = &[
    "AccessDenied",
    "AccessDeniedException",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "IncompleteSignature",
    "ExpiredToken",
    "ExpiredTokenException",
    "MissingAuthenticationToken",
    "InvalidSignatureException",
    "NotAuthorized",
    "OptInRequired",
];

/// The one decision on a failed call (codes first, then the status):
/// - transport failures, throttling codes, server-fault codes, 429 and 5xx → [`FailureAction::Retry`];
/// - authorisation codes → [`FailureAction::GiveUp`] (whatever the status);
/// - PutMetricData's bad-parameter codes, and 400/413 without a known code → [`FailureAction::Split`];
/// - anything else → [`FailureAction::GiveUp`].
pub fn classify_failure(failure: CallFailure<'_>) -> FailureAction {
    let (status, code) = match failure {
        CallFailure::Transport => return FailureAction::Retry,
        CallFailure::Local => return FailureAction::GiveUp,
        CallFailure::Service { status, code } => (status, code),
    };
    if let Some(code) = code {
        if THROTTLING_CODES.contains(&code) || SERVER_FAULT_CODES.contains(&code) {
            return FailureAction::Retry;
        }
        if AUTH_CODES.contains(&code) {
            return FailureAction::GiveUp;
        }
        if BAD_REQUEST_CODES.contains(&code) {
            return FailureAction::Split;
        }
    }
    match status {
        Some(429) | Some(500..=599) => FailureAction::Retry,
        Some(400) | Some(413) => FailureAction::Split,
        _ => FailureAction::GiveUp,
    }
}

/// What one publication did. At-most-once by default: a final failure is counted here, and only
/// the opt-in fail-invocation policy turns it into an error.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PublishOutcome {
    /// Datums CloudWatch accepted.
    pub datums_sent: usize,
    /// PutMetricData calls made (every attempt, retries and split halves included).
    pub requests: usize,
    /// Calls that were retries after throttling, 5xx or a transport failure.
    pub retries: usize,
    /// Requests split in two after CloudWatch refused their content.
    pub splits: usize,
    /// Datums dropped before sending by validation, by reason.
    pub dropped_invalid: ReasonCounts,
    /// Datums CloudWatch refused even alone (isolated by splitting): they would be refused on
    /// every re-delivery too, so they never fail the invocation.
    pub rejected_by_service: usize,
    /// Datums not delivered because their request finally failed (retries exhausted, deadline
    /// reached, or an error retrying cannot fix).
    pub failed_datums: usize,
    /// Requests that finally failed.
    pub failed_requests: usize,
    /// The last final error, for the invocation's one summary line.
    pub last_error: Option<String>,
}

impl PublishOutcome {
    /// True when some datums could not be delivered for a reason a re-delivery might fix.
    pub fn has_failures(&self) -> bool {
        self.failed_datums > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::StandardUnit;
    use proptest::prelude::*;

    const NOW: i64 = 1_763_700_000_000; // 2025-11-21T04:40:00Z

    fn datum(name: &str) -> MetricDatum {
        MetricDatum {
            namespace: "acme".to_owned(),
            name: name.to_owned(),
            unit: StandardUnit::Milliseconds,
            timestamp: EpochMillis(NOW - 60_000),
            dimensions: vec![("FunctionName".to_owned(), "checkout".to_owned())],
            values: vec![1.0, 2.5],
            counts: vec![3.0, 1.0],
        }
    }

    fn reason_of(d: &MetricDatum) -> RejectReason {
        validate_datum(d, EpochMillis(NOW)).unwrap_err().0
    }

    #[test]
    fn a_well_formed_datum_is_valid() {
        assert_eq!(validate_datum(&datum("latency"), EpochMillis(NOW)), Ok(()));
    }

    #[test]
    fn metric_name_must_be_1_to_255_characters_without_control_characters() {
        assert_eq!(reason_of(&datum("")), RejectReason::MetricNameEmpty);
        assert_eq!(
            reason_of(&datum(&"n".repeat(256))),
            RejectReason::MetricNameTooLong
        );
        assert!(validate_datum(&datum(&"n".repeat(255)), EpochMillis(NOW)).is_ok());
        assert_eq!(
            reason_of(&datum("a\tb")),
            RejectReason::MetricInvalidCharacters
        );
    }

    #[test]
    fn namespace_must_be_printable_ascii_and_not_reserved() {
        for ns in ["AWS/Lambda", "", ":x", "naïve", "tab\tns"] {
            let mut d = datum("m");
            d.namespace = ns.to_owned();
            assert_eq!(
                reason_of(&d),
                RejectReason::MetricInvalidNamespace,
                "{ns:?}"
            );
        }
    }

    #[test]
    fn more_than_30_dimensions_is_refused() {
        let mut d = datum("m");
        d.dimensions = (0..31)
            .map(|i| (format!("d{i:02}"), "v".to_owned()))
            .collect();
        assert_eq!(reason_of(&d), RejectReason::MetricTooManyDimensions);
        d.dimensions.pop();
        assert!(validate_datum(&d, EpochMillis(NOW)).is_ok());
    }

    #[test]
    fn dimensions_must_be_ascii_without_control_characters_and_within_length() {
        let cases: [(&str, &str, RejectReason); 6] = [
            ("région", "v", RejectReason::MetricInvalidCharacters),
            ("k", "v\u{1}", RejectReason::MetricInvalidCharacters),
            ("k", "ü", RejectReason::MetricInvalidCharacters),
            ("k", " ", RejectReason::MetricInvalidCharacters),
            (&"k".repeat(256), "v", RejectReason::MetricDimensionTooLong),
            ("k", &"v".repeat(1025), RejectReason::MetricDimensionTooLong),
        ];
        for (name, value, want) in cases {
            let mut d = datum("m");
            d.dimensions = vec![(name.to_owned(), value.to_owned())];
            assert_eq!(reason_of(&d), want, "{name:?}={value:?}");
        }
    }

    #[test]
    fn repeated_dimension_names_are_malformed() {
        let mut d = datum("m");
        d.dimensions = vec![("a".into(), "1".into()), ("a".into(), "2".into())];
        assert_eq!(reason_of(&d), RejectReason::MetricDatumMalformed);
    }

    #[test]
    fn values_must_be_finite_and_within_range() {
        for (v, want) in [
            (f64::NAN, RejectReason::MetricValueNotFinite),
            (f64::INFINITY, RejectReason::MetricValueNotFinite),
            (f64::NEG_INFINITY, RejectReason::MetricValueNotFinite),
            (1e109, RejectReason::MetricValueOutOfRange),
            (-1e109, RejectReason::MetricValueOutOfRange),
        ] {
            let mut d = datum("m");
            d.values[1] = v;
            assert_eq!(reason_of(&d), want, "{v}");
        }
        let mut d = datum("m");
        d.values[0] = MAX_ABS_VALUE;
        assert!(validate_datum(&d, EpochMillis(NOW)).is_ok());
    }

    #[test]
    fn values_and_counts_must_match_and_counts_be_positive() {
        let mut d = datum("m");
        d.counts.pop();
        assert_eq!(reason_of(&d), RejectReason::MetricDatumMalformed);
        let mut d = datum("m");
        d.values.clear();
        d.counts.clear();
        assert_eq!(reason_of(&d), RejectReason::MetricDatumMalformed);
        let mut d = datum("m");
        d.values = (0..151).map(f64::from).collect();
        d.counts = vec![1.0; 151];
        assert_eq!(reason_of(&d), RejectReason::MetricDatumMalformed);
        let mut d = datum("m");
        d.counts[0] = 0.0;
        assert_eq!(reason_of(&d), RejectReason::MetricDatumMalformed);
        let mut d = datum("m");
        d.counts[0] = f64::NAN;
        assert_eq!(reason_of(&d), RejectReason::MetricValueNotFinite);
    }

    #[test]
    fn timestamp_must_be_within_two_weeks_back_and_two_hours_ahead_of_now() {
        let at = |t: i64| {
            let mut d = datum("m");
            d.timestamp = EpochMillis(t);
            validate_datum(&d, EpochMillis(NOW)).map_err(|e| e.0)
        };
        let out = Err(RejectReason::MetricTimestampOutOfRange);
        assert_eq!(at(NOW), Ok(()));
        assert_eq!(at(NOW - MAX_DATUM_AGE_MS + TIMESTAMP_MARGIN_MS), Ok(()));
        assert_eq!(at(NOW - MAX_DATUM_AGE_MS + TIMESTAMP_MARGIN_MS - 1), out);
        assert_eq!(at(NOW - MAX_DATUM_AGE_MS), out, "inside the margin");
        assert_eq!(at(NOW + MAX_DATUM_LEAD_MS - TIMESTAMP_MARGIN_MS), Ok(()));
        assert_eq!(at(NOW + MAX_DATUM_LEAD_MS - TIMESTAMP_MARGIN_MS + 1), out);
        assert_eq!(at(0), out);
        assert_eq!(at(i64::MAX), out);
    }

    #[test]
    fn prepare_drops_invalid_datums_counts_them_and_keeps_the_rest() {
        let mut nan = datum("nan");
        nan.values[0] = f64::NAN;
        let mut aws = datum("aws");
        aws.namespace = "AWS/Lambda".to_owned();
        let mut old = datum("old");
        old.timestamp = EpochMillis(NOW - 15 * 24 * 3_600_000);
        let prepared = prepare(
            vec![datum("ok1"), nan, aws, old, datum("ok2")],
            EpochMillis(NOW),
        );
        assert_eq!(prepared.requests.len(), 1);
        let names: Vec<&str> = prepared.requests[0]
            .datums
            .iter()
            .map(|d| d.name.as_str())
            .collect();
        assert_eq!(names, ["ok1", "ok2"]);
        assert_eq!(prepared.dropped.total(), 3);
        assert_eq!(prepared.dropped.get(RejectReason::MetricValueNotFinite), 1);
        assert_eq!(
            prepared.dropped.get(RejectReason::MetricInvalidNamespace),
            1
        );
        assert_eq!(
            prepared
                .dropped
                .get(RejectReason::MetricTimestampOutOfRange),
            1
        );
    }

    #[test]
    fn packing_groups_by_namespace_in_first_seen_order() {
        let mut b1 = datum("b1");
        b1.namespace = "b".to_owned();
        let mut b2 = datum("b2");
        b2.namespace = "b".to_owned();
        let requests = pack(vec![b1, datum("a1"), b2, datum("a2")]);
        let shape: Vec<(&str, Vec<&str>)> = requests
            .iter()
            .map(|r| {
                (
                    r.namespace.as_str(),
                    r.datums.iter().map(|d| d.name.as_str()).collect(),
                )
            })
            .collect();
        assert_eq!(shape, [("b", vec!["b1", "b2"]), ("acme", vec!["a1", "a2"])]);
    }

    #[test]
    fn packing_caps_requests_at_1000_datums() {
        let datums: Vec<MetricDatum> = (0..2500).map(|i| datum(&format!("m{i}"))).collect();
        let sizes: Vec<usize> = pack(datums).iter().map(|r| r.datums.len()).collect();
        assert_eq!(sizes, [1000, 1000, 500]);
    }

    #[test]
    fn packing_caps_requests_at_one_megabyte_of_estimate() {
        // 150 values and counts, 30 long dimensions: ~50 KB a datum, so ~20 a request.
        let big = |i: usize| {
            let mut d = datum(&format!("big{i}"));
            d.values = (0..150).map(|v| f64::from(v) + 0.123_456_789).collect();
            d.counts = vec![7.0; 150];
            d.dimensions = (0..30)
                .map(|k| (format!("{k:0>255}"), "v".repeat(1024)))
                .collect();
            d
        };
        let requests = pack((0..100).map(big).collect());
        assert!(requests.len() > 1);
        for r in &requests {
            assert!(
                r.estimated_bytes <= MAX_REQUEST_BYTES,
                "{}",
                r.estimated_bytes
            );
            assert_eq!(
                r.estimated_bytes,
                MetricRequest::new(r.namespace.clone(), r.datums.clone()).estimated_bytes
            );
        }
        assert_eq!(requests.iter().map(|r| r.datums.len()).sum::<usize>(), 100);
    }

    #[test]
    fn split_gives_two_halves_and_refuses_a_single_datum() {
        let request = MetricRequest::new(
            "acme".to_owned(),
            (0..5).map(|i| datum(&format!("m{i}"))).collect(),
        );
        let (a, b) = split_request(request).unwrap();
        let names = |r: &MetricRequest| r.datums.iter().map(|d| d.name.clone()).collect::<Vec<_>>();
        assert_eq!(names(&a), ["m0", "m1"]);
        assert_eq!(names(&b), ["m2", "m3", "m4"]);
        assert_eq!(
            (a.namespace.as_str(), b.namespace.as_str()),
            ("acme", "acme")
        );
        assert!(a.estimated_bytes < b.estimated_bytes);
        let single = MetricRequest::new("acme".to_owned(), vec![datum("bad")]);
        let back = split_request(single.clone()).unwrap_err();
        assert_eq!(back, single);
    }

    #[test]
    fn repeated_splits_isolate_any_datum_in_log2_steps() {
        let request = MetricRequest::new(
            "acme".to_owned(),
            (0..1000).map(|i| datum(&format!("m{i}"))).collect(),
        );
        let mut current = request;
        let mut steps = 0;
        loop {
            match split_request(current) {
                Ok((a, b)) => {
                    current = if a.datums.iter().any(|d| d.name == "m777") {
                        a
                    } else {
                        b
                    };
                    steps += 1;
                }
                Err(last) => {
                    assert_eq!(last.datums[0].name, "m777");
                    break;
                }
            }
        }
        assert!(steps <= 10, "{steps}");
    }

    #[test]
    fn failures_are_classified_codes_first() {
        use CallFailure::*;
        use FailureAction::*;
        let service = |status: Option<u16>, code: Option<&'static str>| Service { status, code };
        let cases = [
            (Transport, Retry),
            (Local, GiveUp),
            (service(Some(400), Some("Throttling")), Retry),
            (service(Some(418), Some("ThrottlingException")), Retry),
            (service(None, Some("InternalServiceFault")), Retry),
            (service(Some(429), None), Retry),
            (service(Some(500), None), Retry),
            (service(Some(503), Some("Unknown")), Retry),
            (service(Some(400), Some("InvalidParameterValue")), Split),
            (
                service(Some(418), Some("MissingRequiredParameterException")),
                Split,
            ),
            (service(Some(400), None), Split),
            (service(Some(413), None), Split),
            (service(Some(400), Some("ExpiredToken")), GiveUp),
            (service(Some(403), Some("AccessDenied")), GiveUp),
            (service(Some(403), None), GiveUp),
            (service(Some(404), None), GiveUp),
            (service(None, None), GiveUp),
        ];
        for (failure, want) in cases {
            assert_eq!(classify_failure(failure), want, "{failure:?}");
        }
    }

    #[test]
    fn reason_counts_add_merge_and_total() {
        let mut a = ReasonCounts::default();
        a.add(RejectReason::MetricValueNotFinite);
        a.add_n(RejectReason::MetricNameEmpty, 2);
        a.add_n(RejectReason::MetricNameTooLong, 0);
        let mut b = ReasonCounts::default();
        b.add(RejectReason::MetricNameEmpty);
        b.merge(&a);
        assert_eq!(b.get(RejectReason::MetricNameEmpty), 3);
        assert_eq!(b.total(), 4);
        assert_eq!(b.iter().count(), 2, "zero counts are not recorded");
    }

    /// The JSON a JSON protocol would send for the request: the estimate must bound it.
    fn json_body(r: &MetricRequest) -> usize {
        let datums: Vec<serde_json::Value> = r
            .datums
            .iter()
            .map(|d| {
                serde_json::json!({
                    "MetricName": d.name,
                    "Dimensions": d.dimensions.iter().map(|(n, v)| serde_json::json!({"Name": n, "Value": v})).collect::<Vec<_>>(),
                    "Timestamp": d.timestamp.0 as f64 / 1000.0,
                    "Values": d.values,
                    "Counts": d.counts,
                    "Unit": d.unit.as_str(),
                    "StorageResolution": 60,
                })
            })
            .collect();
        serde_json::json!({"Namespace": r.namespace, "MetricData": datums, "StrictEntityValidation": false})
            .to_string()
            .len()
    }

    fn arb_datum() -> impl Strategy<Value = MetricDatum> {
        (
            prop::sample::select(vec!["ns-a", "ns-b", "ns-c"]),
            "[a-zA-Z0-9_.\"\\\\ é-]{1,40}",
            prop::collection::vec(("[a-z]{1,12}", "[ -~]{1,60}"), 0..6),
            prop_oneof![
                4 => prop::collection::vec(any::<f64>().prop_filter("finite", |v| v.is_finite()), 1..5),
                1 => prop::collection::vec(any::<f64>().prop_filter("finite", |v| v.is_finite()), 100..=150),
            ],
            any::<u32>(),
        )
            .prop_map(|(ns, name, dims, values, salt)| {
                let mut dimensions: Vec<(String, String)> = dims;
                dimensions.sort();
                dimensions.dedup_by(|a, b| a.0 == b.0);
                let counts = values.iter().map(|_| f64::from(salt % 1000 + 1)).collect();
                MetricDatum {
                    namespace: ns.to_owned(),
                    name: format!("{name}#{salt}"),
                    unit: StandardUnit::Count,
                    timestamp: EpochMillis(NOW),
                    dimensions,
                    values,
                    counts,
                }
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(16))]
        #[test]
        fn packing_respects_both_bounds_and_loses_nothing(
            datums in prop::collection::vec(arb_datum(), 0..1300),
        ) {
            let mut want: Vec<String> = datums.iter().map(|d| format!("{}/{}", d.namespace, d.name)).collect();
            let requests = pack(datums);
            let mut got = Vec::new();
            for r in &requests {
                prop_assert!(!r.datums.is_empty());
                prop_assert!(r.datums.len() <= MAX_DATUMS_PER_REQUEST);
                prop_assert!(r.estimated_bytes <= MAX_REQUEST_BYTES);
                prop_assert!(json_body(r) <= r.estimated_bytes, "JSON {} > estimate {}", json_body(r), r.estimated_bytes);
                for d in &r.datums {
                    prop_assert_eq!(&d.namespace, &r.namespace);
                    got.push(format!("{}/{}", d.namespace, d.name));
                }
            }
            want.sort();
            got.sort();
            prop_assert_eq!(got, want);
        }
    }
}
