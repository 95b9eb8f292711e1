//! Why an input, an event or a MONITORING line was not (fully) used. Every rejection carries a
//! stable kebab-case reason (counted in summaries and self-metrics) and a human detail.

use serde::Serialize;
use std::fmt;

/// Stable, countable reason codes. The serialised form (`kebab-case`) is part of the contract of
/// `shiplog replay` output and of the self-metrics, so variants are only ever added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RejectReason {
    // ---- whole input / record ----
    /// The input is not JSON, or JSON of no known event shape (no `awslogs`, `Records`, `records`,
    /// `logEvents`).
    InvalidEnvelope,
    /// `data` is not valid base64.
    InvalidBase64,
    /// `data` is not a valid (complete) gzip stream.
    InvalidGzip,
    /// Decompressed size exceeds the configured cap (gzip bomb guard).
    DecompressedTooLarge,
    /// The decompressed payload is not a JSON object of the subscription format.
    InvalidPayloadJson,
    /// `messageType` is neither `DATA_MESSAGE` nor `CONTROL_MESSAGE`.
    UnknownMessageType,
    /// JSON nested deeper than the configured cap.
    TooDeeplyNested,
    // ---- one log event ----
    /// A `logEvents[]` entry lacks a usable `id`, `timestamp` or `message`.
    InvalidLogEvent,
    /// The event belongs to one of shiplog's own log groups (loop guard).
    OwnLogGroup,
    /// Dropped by a configured drop filter.
    FilteredOut,
    /// Dropped by configured sampling.
    SampledOut,
    // ---- MONITORING lines (the line itself still ships as a document) ----
    /// Fewer fields than the dialect needs.
    MetricTooFewFields,
    /// More fields than the dialect allows.
    MetricTooManyFields,
    /// Value is empty or not a decimal number.
    MetricValueNotANumber,
    /// Value is NaN or ±Infinity (or overflows to it).
    MetricValueNotFinite,
    /// Value outside ±2^360 (CloudWatch's range).
    MetricValueOutOfRange,
    /// Epoch is not a number or has an ambiguous precision (µs/ns).
    MetricTimestampInvalid,
    /// Point older than 14 days or more than 2 h ahead of the log event.
    MetricTimestampOutOfRange,
    /// Empty metric name.
    MetricNameEmpty,
    /// Metric name longer than 255 characters.
    MetricNameTooLong,
    /// Control characters (or other forbidden characters) in a name, namespace or dimension.
    MetricInvalidCharacters,
    /// More than 30 dimensions.
    MetricTooManyDimensions,
    /// Dimension name > 255 or value > 1024 characters.
    MetricDimensionTooLong,
    /// Namespace empty, too long, or starting with `AWS/`.
    MetricInvalidNamespace,
    // ---- aggregated datums, checked again just before publishing ----
    /// A datum breaks a structural rule of PutMetricData that aggregation never produces but a
    /// caller-built datum can: no values, more than 150 values, `Counts` not matching `Values`,
    /// a count that is not a positive finite number, a repeated dimension name.
    MetricDatumMalformed,
    /// EMF only: a metric name equal to one of its dimension names or to `_aws` (both would be
    /// the same member of the EMF document).
    MetricNameConflict,
    // ---- one document, on its way into a `_bulk` body ----
    /// The document could not be serialised into its `_bulk` source line (never seen: documents
    /// hold only string-keyed maps); it is not shipped.
    DocumentNotSerializable,
}

impl RejectReason {
    /// Every reason, in declaration order (summaries, self-metrics and tests iterate it).
    pub const ALL: [RejectReason; 27] = [
        RejectReason::InvalidEnvelope,
        RejectReason::InvalidBase64,
        RejectReason::InvalidGzip,
        RejectReason::DecompressedTooLarge,
        RejectReason::InvalidPayloadJson,
        RejectReason::UnknownMessageType,
        RejectReason::TooDeeplyNested,
        RejectReason::InvalidLogEvent,
        RejectReason::OwnLogGroup,
        RejectReason::FilteredOut,
        RejectReason::SampledOut,
        RejectReason::MetricTooFewFields,
        RejectReason::MetricTooManyFields,
        RejectReason::MetricValueNotANumber,
        RejectReason::MetricValueNotFinite,
        RejectReason::MetricValueOutOfRange,
        RejectReason::MetricTimestampInvalid,
        RejectReason::MetricTimestampOutOfRange,
        RejectReason::MetricNameEmpty,
        RejectReason::MetricNameTooLong,
        RejectReason::MetricInvalidCharacters,
        RejectReason::MetricTooManyDimensions,
        RejectReason::MetricDimensionTooLong,
        RejectReason::MetricInvalidNamespace,
        RejectReason::MetricDatumMalformed,
        RejectReason::MetricNameConflict,
        RejectReason::DocumentNotSerializable,
    ];

    /// The kebab-case code.
    pub fn as_str(self) -> &'static str {
        use RejectReason::*;
        match self {
            InvalidEnvelope => "invalid-envelope",
            InvalidBase64 => "invalid-base64",
            InvalidGzip => "invalid-gzip",
            DecompressedTooLarge => "decompressed-too-large",
            InvalidPayloadJson => "invalid-payload-json",
            UnknownMessageType => "unknown-message-type",
            TooDeeplyNested => "too-deeply-nested",
            InvalidLogEvent => "invalid-log-event",
            OwnLogGroup => "own-log-group",
            FilteredOut => "filtered-out",
            SampledOut => "sampled-out",
            MetricTooFewFields => "metric-too-few-fields",
            MetricTooManyFields => "metric-too-many-fields",
            MetricValueNotANumber => "metric-value-not-a-number",
            MetricValueNotFinite => "metric-value-not-finite",
            MetricValueOutOfRange => "metric-value-out-of-range",
            MetricTimestampInvalid => "metric-timestamp-invalid",
            MetricTimestampOutOfRange => "metric-timestamp-out-of-range",
            MetricNameEmpty => "metric-name-empty",
            MetricNameTooLong => "metric-name-too-long",
            MetricInvalidCharacters => "metric-invalid-characters",
            MetricTooManyDimensions => "metric-too-many-dimensions",
            MetricDimensionTooLong => "metric-dimension-too-long",
            MetricInvalidNamespace => "metric-invalid-namespace",
            MetricDatumMalformed => "metric-datum-malformed",
            MetricNameConflict => "metric-name-conflict",
            DocumentNotSerializable => "document-not-serializable",
        }
    }

    /// True for reasons that mean a whole input/record could not be decoded.
    pub fn is_input_level(self) -> bool {
        use RejectReason::*;
        matches!(
            self,
            InvalidEnvelope
                | InvalidBase64
                | InvalidGzip
                | DecompressedTooLarge
                | InvalidPayloadJson
                | UnknownMessageType
                | TooDeeplyNested
        )
    }

    /// True for MONITORING-line reasons.
    pub fn is_metric(self) -> bool {
        self.as_str().starts_with("metric-")
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rejection: what was not used, why, and where.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// The CloudWatch event id when the rejection concerns one event, else `None`.
    pub event_id: Option<String>,
    /// Kinesis sequence number / Firehose record id when the rejection concerns one record.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record_id: Option<String>,
    /// Why.
    pub reason: RejectReason,
    /// Human-readable detail (never contains more than a short excerpt of user data).
    pub detail: String,
}

impl Rejection {
    /// A rejection of a whole input or record.
    pub fn input(reason: RejectReason, detail: impl Into<String>) -> Self {
        Rejection {
            event_id: None,
            record_id: None,
            reason,
            detail: detail.into(),
        }
    }

    /// A rejection concerning one event.
    pub fn event(event_id: &str, reason: RejectReason, detail: impl Into<String>) -> Self {
        Rejection {
            event_id: Some(event_id.to_owned()),
            record_id: None,
            reason,
            detail: detail.into(),
        }
    }

    /// Attaches the record id (Kinesis sequence number / Firehose record id).
    pub fn with_record(mut self, record_id: Option<&str>) -> Self {
        self.record_id = record_id.map(str::to_owned);
        self
    }
}

/// A short, char-boundary-safe excerpt of user data for rejection details.
pub fn excerpt(s: &str, max_chars: usize) -> String {
    let mut out: String = s.chars().take(max_chars).collect();
    if s.chars().nth(max_chars).is_some() {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_serialise_as_kebab_case() {
        let j = serde_json::to_string(&RejectReason::MetricTooManyDimensions).unwrap();
        assert_eq!(j, "\"metric-too-many-dimensions\"");
        assert_eq!(
            RejectReason::MetricTooManyDimensions.as_str(),
            "metric-too-many-dimensions"
        );
        assert_eq!(
            RejectReason::DecompressedTooLarge.to_string(),
            "decompressed-too-large"
        );
    }

    #[test]
    fn all_lists_each_reason_once() {
        let codes: std::collections::BTreeSet<_> =
            RejectReason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(codes.len(), RejectReason::ALL.len());
    }

    #[test]
    fn as_str_matches_serde_for_every_reason() {
        for r in RejectReason::ALL {
            assert_eq!(
                serde_json::to_value(r).unwrap(),
                serde_json::json!(r.as_str())
            );
        }
    }

    #[test]
    fn excerpt_cuts_on_char_boundaries() {
        assert_eq!(excerpt("Grüße", 3), "Grü…");
        assert_eq!(excerpt("ab", 3), "ab");
    }
}
