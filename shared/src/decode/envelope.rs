//! The Lambda event envelopes: CloudWatch Logs `{"awslogs":{"data":…}}`, Kinesis
//! `{"Records":[{"kinesis":{"data":…}}]}`, Firehose `{"records":[{"recordId":…,"data":…}]}` and an
//! already-decoded subscription payload.
//!
//! The envelope is read in one pass with borrowed, lenient types (never a `serde_json::Value` of
//! the whole event): a malformed Kinesis/Firehose record becomes its own rejected record and the
//! others still decode. An already-decoded payload is skipped over here and handed on borrowed.

use super::gzip::{is_gzip, too_large};
use super::lenient::{document_kind, starts_like_object, JsonScalar, Slot};
use super::{DecodedInput, Record, RecordContent, Source};
use crate::limits::Limits;
use crate::rejection::{RejectReason, Rejection};
use crate::time::EpochMillis;
use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::borrow::Cow;

/// Standard base64 alphabet; padding optional (some producers strip it).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Detail of a non-gzip, non-JSON `data` field.
const NOT_GZIP: &str = "not gzip (magic bytes 1f8b absent)";

/// Every key the envelope shapes are recognised by; everything else is skipped.
#[derive(Deserialize)]
struct EnvelopeWire<'a> {
    #[serde(borrow)]
    awslogs: Option<Slot<AwsLogsWire<'a>>>,
    #[serde(rename = "Records", borrow)]
    kinesis_records: Option<Vec<Slot<KinesisRecordWire<'a>>>>,
    #[serde(borrow)]
    records: Option<Vec<Slot<FirehoseRecordWire<'a>>>>,
    #[serde(borrow, default)]
    region: JsonScalar<'a>,
    #[serde(rename = "messageType")]
    message_type: Option<IgnoredAny>,
    #[serde(rename = "logEvents")]
    log_events: Option<IgnoredAny>,
}

/// `awslogs` of a CloudWatch Logs event.
#[derive(Deserialize)]
struct AwsLogsWire<'a> {
    #[serde(borrow, default)]
    data: JsonScalar<'a>,
}

/// One element of a Kinesis event's `Records`.
#[derive(Deserialize)]
struct KinesisRecordWire<'a> {
    #[serde(borrow)]
    kinesis: Option<Slot<KinesisDataWire<'a>>>,
    #[serde(rename = "eventID", borrow, default)]
    event_id: JsonScalar<'a>,
    #[serde(rename = "awsRegion", borrow, default)]
    aws_region: JsonScalar<'a>,
}

/// The `kinesis` object of a Kinesis record.
#[derive(Deserialize)]
struct KinesisDataWire<'a> {
    #[serde(borrow, default)]
    data: JsonScalar<'a>,
    #[serde(rename = "sequenceNumber", borrow, default)]
    sequence_number: JsonScalar<'a>,
    #[serde(rename = "approximateArrivalTimestamp", borrow, default)]
    arrival_seconds: JsonScalar<'a>,
}

/// The keys that make a JSON object a subscription payload (what [`decode_input`] accepts as an
/// already-decoded input), for a Kinesis record whose data is not gzip.
#[derive(Deserialize)]
struct PayloadKeysWire {
    #[serde(rename = "messageType")]
    message_type: Option<IgnoredAny>,
    #[serde(rename = "logEvents")]
    log_events: Option<IgnoredAny>,
}

/// One element of a Firehose transformation event's `records`.
#[derive(Deserialize)]
struct FirehoseRecordWire<'a> {
    #[serde(rename = "recordId", borrow, default)]
    record_id: JsonScalar<'a>,
    #[serde(borrow, default)]
    data: JsonScalar<'a>,
}

/// Decodes a Lambda event's bytes into records. An `Err` means the input as a whole is unusable
/// (not JSON, no known shape); per-record problems are `RecordContent::Rejected`.
pub fn decode_input<'a>(input: &'a [u8], limits: &Limits) -> Result<DecodedInput<'a>, Rejection> {
    if !starts_like_object(input) {
        return Err(not_an_object(input));
    }
    let envelope: EnvelopeWire<'_> = serde_json::from_slice(input).map_err(|e| {
        Rejection::input(
            RejectReason::InvalidEnvelope,
            format!("input is not valid JSON: {e}"),
        )
    })?;
    let cap = limits.max_decompressed_bytes;
    if let Some(awslogs) = envelope.awslogs {
        return decode_cloudwatch_logs(awslogs, cap);
    }
    if let Some(records) = envelope.kinesis_records {
        return decode_kinesis(records, cap);
    }
    if let Some(records) = envelope.records {
        let region = envelope.region.into_str().map(Cow::into_owned);
        return decode_firehose(records, region, cap);
    }
    if envelope.message_type.is_some() || envelope.log_events.is_some() {
        return Ok(single_record(
            Source::Decoded,
            RecordContent::Payload(Cow::Borrowed(input)),
        ));
    }
    Err(Rejection::input(
        RejectReason::InvalidEnvelope,
        "JSON object without awslogs, Records, records or logEvents",
    ))
}

/// The rejection of an input that does not start with `{`, naming what it is instead.
fn not_an_object(input: &[u8]) -> Rejection {
    let detail = match document_kind(input) {
        Some(kind) => format!(
            "input is {kind}, not a JSON object with awslogs, Records, records or logEvents"
        ),
        None if input.is_empty() => "input is empty".to_owned(),
        None => "input is not JSON".to_owned(),
    };
    Rejection::input(RejectReason::InvalidEnvelope, detail)
}

/// An input of one record without record id.
fn single_record(source: Source, content: RecordContent<'_>) -> DecodedInput<'_> {
    DecodedInput {
        source,
        region: None,
        records: vec![Record {
            record_id: None,
            content,
        }],
    }
}

/// `{"awslogs":{"data":"<base64 gzip>"}}`: one record; a missing or non-string `data` makes the
/// whole input unusable.
fn decode_cloudwatch_logs<'a>(
    awslogs: Slot<AwsLogsWire<'_>>,
    cap: usize,
) -> Result<DecodedInput<'a>, Rejection> {
    let data = match awslogs {
        Slot::Object(AwsLogsWire {
            data: JsonScalar::Str(data),
        }) => data,
        Slot::Object(AwsLogsWire { data }) => {
            return Err(Rejection::input(
                RejectReason::InvalidEnvelope,
                format!(
                    "awslogs.data must be a base64 string, found {}",
                    data.kind()
                ),
            ))
        }
        Slot::NotObject(kind) => {
            return Err(Rejection::input(
                RejectReason::InvalidEnvelope,
                format!("awslogs must be an object, found {kind}"),
            ))
        }
    };
    let content = match decode_base64(&data) {
        Ok(bytes) => payload_from_bytes(bytes, cap),
        Err(rejection) => RecordContent::Rejected(rejection),
    };
    Ok(single_record(Source::CloudWatchLogs, content))
}

/// Kinesis Data Streams event: one record per element of `Records`.
fn decode_kinesis<'a>(
    records: Vec<Slot<KinesisRecordWire<'_>>>,
    cap: usize,
) -> Result<DecodedInput<'a>, Rejection> {
    let has_kinesis_record = records.iter().any(|r| {
        matches!(
            r,
            Slot::Object(KinesisRecordWire {
                kinesis: Some(Slot::Object(_)),
                ..
            })
        )
    });
    if !has_kinesis_record {
        let detail = if records.is_empty() {
            "Records is empty (no Kinesis record)"
        } else {
            "Records holds no element with a kinesis object (not a Kinesis event)"
        };
        return Err(Rejection::input(RejectReason::InvalidEnvelope, detail));
    }
    let mut region = None;
    let mut out = Vec::with_capacity(records.len());
    for slot in records {
        if region.is_none() {
            if let Slot::Object(record) = &slot {
                region = record.aws_region.as_str().map(str::to_owned);
            }
        }
        out.push(kinesis_record(slot, cap));
    }
    Ok(DecodedInput {
        source: Source::Kinesis,
        region,
        records: out,
    })
}

/// One Kinesis record: gzip data is a payload, and so is a plain (uncompressed) subscription
/// payload JSON (producers that forward decoded payloads, or a stream fed by hand); any other
/// data is one raw line.
fn kinesis_record<'a>(slot: Slot<KinesisRecordWire<'_>>, cap: usize) -> Record<'a> {
    let record = match slot {
        Slot::Object(record) => record,
        Slot::NotObject(kind) => {
            return rejected_record(
                None,
                RejectReason::InvalidEnvelope,
                format!("Kinesis record must be an object, found {kind}"),
            )
        }
    };
    let kinesis = match record.kinesis {
        Some(Slot::Object(kinesis)) => kinesis,
        Some(Slot::NotObject(kind)) => {
            return rejected_record(
                None,
                RejectReason::InvalidEnvelope,
                format!("Kinesis record's kinesis must be an object, found {kind}"),
            )
        }
        None => {
            return rejected_record(
                None,
                RejectReason::InvalidEnvelope,
                "Kinesis record without a kinesis object",
            )
        }
    };
    let sequence_number = kinesis.sequence_number.into_id().map(Cow::into_owned);
    let data = match kinesis.data {
        JsonScalar::Str(data) => data,
        other => {
            return rejected_record(
                sequence_number,
                RejectReason::InvalidEnvelope,
                format!(
                    "kinesis.data must be a base64 string, found {}",
                    other.kind()
                ),
            )
        }
    };
    let content = match decode_base64(&data) {
        Ok(bytes) if is_gzip(&bytes) => RecordContent::Gzip(bytes),
        Ok(bytes) if is_plain_payload(&bytes, cap) => payload_from_bytes(bytes, cap),
        Ok(bytes) => raw_line(
            bytes,
            record.event_id,
            sequence_number.as_deref(),
            &kinesis.arrival_seconds,
            cap,
        ),
        Err(rejection) => RecordContent::Rejected(rejection),
    };
    with_record_id(sequence_number, content)
}

/// True when non-gzip Kinesis data is a whole subscription payload: a JSON object (within the
/// size cap) with `messageType` or `logEvents`, the test [`decode_input`] applies to an
/// already-decoded input. A JSON log line (`{"level":"info",…}`) or broken JSON stays a raw line.
fn is_plain_payload(bytes: &[u8], cap: usize) -> bool {
    starts_like_object(bytes)
        && bytes.len() <= cap
        && serde_json::from_slice::<PayloadKeysWire>(bytes)
            .is_ok_and(|keys| keys.message_type.is_some() || keys.log_events.is_some())
}

/// A Kinesis record whose data is not gzip: one raw text line, identified by the `eventID` (else
/// the sequence number), timed by `approximateArrivalTimestamp` (seconds).
fn raw_line<'a>(
    bytes: Vec<u8>,
    event_id: JsonScalar<'_>,
    sequence_number: Option<&str>,
    arrival_seconds: &JsonScalar<'_>,
    cap: usize,
) -> RecordContent<'a> {
    if bytes.len() > cap {
        return RecordContent::Rejected(too_large(cap));
    }
    let id = match event_id.into_id() {
        Some(id) => id.into_owned(),
        None => match sequence_number {
            Some(sequence_number) => sequence_number.to_owned(),
            None => {
                return RecordContent::Rejected(Rejection::input(
                    RejectReason::InvalidEnvelope,
                    "raw Kinesis record has neither eventID nor sequenceNumber",
                ))
            }
        },
    };
    let Some(arrival) = arrival_seconds
        .as_f64()
        .and_then(EpochMillis::from_secs_f64)
    else {
        return RecordContent::Rejected(Rejection::input(
            RejectReason::InvalidEnvelope,
            format!(
                "raw Kinesis record needs approximateArrivalTimestamp in epoch seconds, found {}",
                arrival_seconds.describe()
            ),
        ));
    };
    let text = String::from_utf8(bytes)
        .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned());
    RecordContent::RawLine { id, arrival, text }
}

/// Firehose transformation event: one record per element of `records`; `data` is a base64 gzip
/// payload.
fn decode_firehose<'a>(
    records: Vec<Slot<FirehoseRecordWire<'_>>>,
    region: Option<String>,
    cap: usize,
) -> Result<DecodedInput<'a>, Rejection> {
    let has_data = records.iter().any(|r| {
        matches!(
            r,
            Slot::Object(FirehoseRecordWire {
                data: JsonScalar::Str(_),
                ..
            })
        )
    });
    if !has_data {
        let detail = if records.is_empty() {
            "records is empty (no Firehose record)"
        } else {
            "records holds no element with a data string (not a Firehose event)"
        };
        return Err(Rejection::input(RejectReason::InvalidEnvelope, detail));
    }
    let records = records
        .into_iter()
        .map(|slot| firehose_record(slot, cap))
        .collect();
    Ok(DecodedInput {
        source: Source::Firehose,
        region,
        records,
    })
}

/// One Firehose record.
fn firehose_record<'a>(slot: Slot<FirehoseRecordWire<'_>>, cap: usize) -> Record<'a> {
    let record = match slot {
        Slot::Object(record) => record,
        Slot::NotObject(kind) => {
            return rejected_record(
                None,
                RejectReason::InvalidEnvelope,
                format!("Firehose record must be an object, found {kind}"),
            )
        }
    };
    let record_id = record.record_id.into_id().map(Cow::into_owned);
    let data = match record.data {
        JsonScalar::Str(data) => data,
        other => {
            return rejected_record(
                record_id,
                RejectReason::InvalidEnvelope,
                format!(
                    "Firehose record data must be a base64 string, found {}",
                    other.kind()
                ),
            )
        }
    };
    let content = match decode_base64(&data) {
        Ok(bytes) => deferred_payload(bytes, cap),
        Err(rejection) => RecordContent::Rejected(rejection),
    };
    with_record_id(record_id, content)
}

/// Decodes a base64 `data` field: standard alphabet, padding optional, surrounding whitespace
/// ignored; line breaks inside (MIME-style wrapping) are tolerated.
fn decode_base64(data: &str) -> Result<Vec<u8>, Rejection> {
    let trimmed = data.trim_ascii();
    match BASE64.decode(trimmed) {
        Ok(bytes) => Ok(bytes),
        Err(_) if trimmed.contains(['\n', '\r']) => {
            let unwrapped: String = trimmed
                .chars()
                .filter(|c| !matches!(c, '\n' | '\r'))
                .collect();
            BASE64.decode(unwrapped).map_err(invalid_base64)
        }
        Err(e) => Err(invalid_base64(e)),
    }
}

/// The rejection of undecodable base64.
fn invalid_base64(e: base64::DecodeError) -> Rejection {
    Rejection::input(
        RejectReason::InvalidBase64,
        format!("data is not valid base64: {e}"),
    )
}

/// Decoded `data` of a CloudWatch Logs or Firehose record: gzip is decompressed; uncompressed
/// JSON (starts with `{`) is accepted as the payload itself (leniency for hand-made events such as
/// the Lambda documentation's example); anything else is not gzip.
fn payload_from_bytes<'a>(bytes: Vec<u8>, cap: usize) -> RecordContent<'a> {
    if is_gzip(&bytes) {
        super::gunzip_content(&bytes, cap)
    } else if starts_like_object(&bytes) {
        if bytes.len() > cap {
            RecordContent::Rejected(too_large(cap))
        } else {
            RecordContent::Payload(Cow::Owned(bytes))
        }
    } else {
        RecordContent::Rejected(Rejection::input(RejectReason::InvalidGzip, NOT_GZIP))
    }
}

/// [`payload_from_bytes`] for one record of a batch: gzip stays compressed until the record is
/// processed ([`RecordContent::Gzip`]).
fn deferred_payload<'a>(bytes: Vec<u8>, cap: usize) -> RecordContent<'a> {
    if is_gzip(&bytes) {
        RecordContent::Gzip(bytes)
    } else {
        payload_from_bytes(bytes, cap)
    }
}

/// A record, attaching `record_id` to its rejection if any.
fn with_record_id(record_id: Option<String>, content: RecordContent<'_>) -> Record<'_> {
    let content = match content {
        RecordContent::Rejected(rejection) => {
            RecordContent::Rejected(rejection.with_record(record_id.as_deref()))
        }
        other => other,
    };
    Record { record_id, content }
}

/// A rejected record.
fn rejected_record<'a>(
    record_id: Option<String>,
    reason: RejectReason,
    detail: impl Into<String>,
) -> Record<'a> {
    with_record_id(
        record_id,
        RecordContent::Rejected(Rejection::input(reason, detail)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::{parse_message, Message};
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use serde_json::Value;
    use std::io::Write;
    use std::path::{Path, PathBuf};

    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/corpus");

    fn corpus(rel: &str) -> PathBuf {
        Path::new(CORPUS).join(rel)
    }

    fn read(rel: &str) -> Vec<u8> {
        std::fs::read(corpus(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
    }

    fn json_files(dir: &str) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(corpus(dir))
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .filter(|n| n.ends_with(".json"))
            .collect();
        names.sort();
        assert!(!names.is_empty(), "no files in {dir}");
        names
    }

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn b64(data: &[u8]) -> String {
        base64::engine::general_purpose::STANDARD.encode(data)
    }

    fn limits() -> Limits {
        Limits::default()
    }

    /// [`super::decode_input`] with every deferred (gzip'd) record of a batch decompressed, as
    /// the pipeline does when it reaches the record.
    fn decode_input<'a>(input: &'a [u8], limits: &Limits) -> Result<DecodedInput<'a>, Rejection> {
        let mut decoded = super::decode_input(input, limits)?;
        for record in &mut decoded.records {
            if let RecordContent::Gzip(gzip) = &record.content {
                let content = crate::decode::gunzip_content(gzip, limits.max_decompressed_bytes);
                record.content = with_record_id(record.record_id.clone(), content).content;
            }
        }
        Ok(decoded)
    }

    #[test]
    fn batch_records_stay_gzipped_until_processed() {
        let payload = br#"{"messageType":"CONTROL_MESSAGE"}"#;
        let kinesis = format!(
            r#"{{"Records":[{{"kinesis":{{"data":"{}","sequenceNumber":"1"}}}}]}}"#,
            b64(&gzip(payload))
        );
        let firehose = format!(
            r#"{{"records":[{{"recordId":"a","data":"{}"}}],"region":"eu-west-1"}}"#,
            b64(&gzip(payload))
        );
        for event in [kinesis, firehose] {
            let decoded = super::decode_input(event.as_bytes(), &limits()).unwrap();
            let RecordContent::Gzip(gz) = &decoded.records[0].content else {
                panic!("{:?}", decoded.records[0].content)
            };
            assert_eq!(gz, &gzip(payload));
            let RecordContent::Payload(p) = crate::decode::gunzip_content(gz, 1024) else {
                panic!("payload")
            };
            assert_eq!(&*p, payload);
            // Over the cap: the record's own rejection, found when it is processed.
            let RecordContent::Rejected(r) = crate::decode::gunzip_content(gz, 8) else {
                panic!("rejection")
            };
            assert_eq!(r.reason, RejectReason::DecompressedTooLarge);
        }
    }

    fn payload<'r>(record: &'r Record<'_>) -> &'r [u8] {
        match &record.content {
            RecordContent::Payload(p) => p,
            other => panic!("expected a payload, got {other:?}"),
        }
    }

    fn rejection<'r>(record: &'r Record<'_>) -> &'r Rejection {
        match &record.content {
            RecordContent::Rejected(r) => r,
            other => panic!("expected a rejection, got {other:?}"),
        }
    }

    /// Every lambda-event file decodes to exactly its `decoded/` twin, and its messageType and
    /// events come out of `parse_message`.
    fn assert_lambda_events_match_decoded(dir: &str) {
        for name in json_files(&format!("{dir}/lambda-event")) {
            let input = read(&format!("{dir}/lambda-event/{name}"));
            let expected: Value =
                serde_json::from_slice(&read(&format!("{dir}/decoded/{name}"))).unwrap();
            let decoded = decode_input(&input, &limits()).unwrap();
            assert_eq!(decoded.source, Source::CloudWatchLogs, "{name}");
            assert_eq!(decoded.region, None, "{name}");
            let [record] = decoded.records.as_slice() else {
                panic!("{name}: one record")
            };
            assert_eq!(record.record_id, None, "{name}");
            let bytes = payload(record);
            let actual: Value = serde_json::from_slice(bytes).unwrap();
            assert_eq!(actual, expected, "{name}");
            assert_message_matches(bytes, &expected, &name);
        }
    }

    /// `parse_message` agrees with the oracle JSON on type, metadata and every event.
    fn assert_message_matches(bytes: &[u8], expected: &Value, name: &str) {
        let message = parse_message(bytes).unwrap();
        match (expected["messageType"].as_str().unwrap(), message) {
            ("CONTROL_MESSAGE", Message::Control) => {}
            ("DATA_MESSAGE", Message::Data(batch, rejections)) => {
                assert!(rejections.is_empty(), "{name}: {rejections:?}");
                assert_eq!(batch.owner.as_deref(), expected["owner"].as_str(), "{name}");
                assert_eq!(
                    batch.log_group.as_deref(),
                    expected["logGroup"].as_str(),
                    "{name}"
                );
                assert_eq!(
                    batch.log_stream.as_deref(),
                    expected["logStream"].as_str(),
                    "{name}"
                );
                let events = expected["logEvents"].as_array().unwrap();
                assert_eq!(batch.events.len(), events.len(), "{name}");
                for (got, want) in batch.events.iter().zip(events) {
                    assert_eq!(got.id, want["id"].as_str().unwrap(), "{name}");
                    assert_eq!(
                        got.timestamp.0,
                        want["timestamp"].as_i64().unwrap(),
                        "{name}"
                    );
                    assert_eq!(got.message, want["message"].as_str().unwrap(), "{name}");
                }
            }
            (kind, other) => panic!("{name}: {kind} parsed as {other:?}"),
        }
    }

    #[test]
    fn subscription_lambda_events_decode_to_their_decoded_payloads() {
        assert_lambda_events_match_decoded("06-subscription");
    }

    #[test]
    fn split_multiline_lambda_events_decode_to_their_decoded_payloads() {
        assert_lambda_events_match_decoded("04-multiline/split-across-events");
    }

    #[test]
    fn kinesis_gzip_record_decodes_to_the_cloudwatch_payload() {
        let input = read("06-subscription/kinesis/lumigo-kinesis-gzip.json");
        let expected: Value = serde_json::from_slice(&read(
            "06-subscription/kinesis/lumigo-kinesis-gzip.decoded.json",
        ))
        .unwrap();
        let decoded = decode_input(&input, &limits()).unwrap();
        assert_eq!(decoded.source, Source::Kinesis);
        assert_eq!(decoded.region.as_deref(), Some("us-east-1"));
        let [record] = decoded.records.as_slice() else {
            panic!("one record")
        };
        assert_eq!(
            record.record_id.as_deref(),
            Some("49597864129529058735465263665285980206643892917484126210")
        );
        let actual: Value = serde_json::from_slice(payload(record)).unwrap();
        assert_eq!(actual, expected);
        assert_message_matches(payload(record), &expected, "lumigo-kinesis-gzip");
    }

    #[test]
    fn kinesis_record_that_is_not_gzip_is_one_raw_line() {
        let input = read("06-subscription/kinesis/lumigo-kinesis-raw-not-gzip.json");
        let decoded = decode_input(&input, &limits()).unwrap();
        assert_eq!(decoded.source, Source::Kinesis);
        let [record] = decoded.records.as_slice() else {
            panic!("one record")
        };
        assert_eq!(
            record.record_id.as_deref(),
            Some("49599357072362624181150177266295485498723951190950805506")
        );
        let RecordContent::RawLine { id, arrival, text } = &record.content else {
            panic!("expected a raw line, got {:?}", record.content)
        };
        assert_eq!(
            id,
            "shardId-000000000000:49599357072362624181150177266295485498723951190950805506"
        );
        assert_eq!(arrival.0, 1_568_069_911_564);
        assert!(text.starts_with("MONITORING|42.0|"), "{text}");
    }

    #[test]
    fn kinesis_plain_json_payload_decodes_like_an_already_decoded_one() {
        let input = read("06-subscription/kinesis/functionbeat-kinesis-plain-json.json");
        let expected: Value = serde_json::from_slice(&read(
            "06-subscription/kinesis/functionbeat-kinesis-plain-json.decoded.json",
        ))
        .unwrap();
        let decoded = decode_input(&input, &limits()).unwrap();
        assert_eq!(decoded.source, Source::Kinesis);
        let [payload_record, line_record] = decoded.records.as_slice() else {
            panic!("two records")
        };
        assert_eq!(payload_record.record_id.as_deref(), Some("12345"));
        let actual: Value = serde_json::from_slice(payload(payload_record)).unwrap();
        assert_eq!(actual, expected);
        assert_message_matches(payload(payload_record), &expected, "functionbeat");
        // A JSON log line is not a subscription payload: still one raw line.
        assert_eq!(line_record.record_id.as_deref(), Some("12346"));
        let RecordContent::RawLine { id, text, .. } = &line_record.content else {
            panic!("expected a raw line, got {:?}", line_record.content)
        };
        assert_eq!(id, "shardId-000000000000:12346");
        assert!(text.starts_with(r#"{"level":"info""#), "{text}");
    }

    #[test]
    fn kinesis_plain_data_is_a_payload_only_when_it_is_a_whole_subscription_object() {
        /// What the one record of a Kinesis event carrying `data` becomes.
        fn outcome(data: &[u8], cap: usize) -> String {
            let limits = Limits {
                max_decompressed_bytes: cap,
                ..Limits::default()
            };
            let input = format!(
                r#"{{"Records":[{{"kinesis":{{"data":"{}","sequenceNumber":"9","approximateArrivalTimestamp":1.5}},"eventID":"e"}}]}}"#,
                b64(data)
            );
            let decoded = decode_input(input.as_bytes(), &limits).unwrap();
            match &decoded.records[0].content {
                RecordContent::Payload(p) => format!("payload {}", String::from_utf8_lossy(p)),
                RecordContent::RawLine { .. } => "raw line".to_owned(),
                RecordContent::Rejected(r) => format!("rejected {:?}", r.reason),
                RecordContent::Gzip(_) => "gzip".to_owned(),
            }
        }
        for payload_json in [
            r#"{"messageType":"CONTROL_MESSAGE","logEvents":[]}"#,
            r#" {"owner":"1","logEvents":[{"id":"1","timestamp":1,"message":"m"}]}"#,
        ] {
            assert_eq!(
                outcome(payload_json.as_bytes(), 1024),
                format!("payload {payload_json}")
            );
        }
        for raw in [
            r#"{"level":"info","message":"x"}"#,
            r#"{"messageType":"DATA_MESSAGE","logEvents":["#,
            r#"{"messageType":1,"messageType":2}"#,
            "[1,2]",
            "MONITORING|1|Count|n|ns",
        ] {
            assert_eq!(outcome(raw.as_bytes(), 1024), "raw line", "{raw}");
        }
        // Over the cap: the record is rejected, as a gzip'd payload over the cap would be.
        let big = br#"{"messageType":"DATA_MESSAGE","logEvents":[]}"#;
        assert_eq!(
            outcome(big, 8),
            format!("rejected {:?}", RejectReason::DecompressedTooLarge)
        );
    }

    #[test]
    fn kinesis_data_and_control_records_decode_separately() {
        let input = read("06-subscription/kinesis/kinesis-data-plus-control.json");
        let decoded = decode_input(&input, &limits()).unwrap();
        assert_eq!(decoded.source, Source::Kinesis);
        assert_eq!(decoded.region.as_deref(), Some("us-east-1"));
        let [data, control] = decoded.records.as_slice() else {
            panic!("two records")
        };
        assert_eq!(
            control.record_id.as_deref(),
            Some("49597864129529058735465263665285980206643892917484126211")
        );
        let Message::Data(batch, _) = parse_message(payload(data)).unwrap() else {
            panic!("record 1 is data")
        };
        assert_eq!(batch.events.len(), 2);
        assert!(matches!(
            parse_message(payload(control)),
            Ok(Message::Control)
        ));
    }

    #[test]
    fn firehose_records_keep_their_ids_and_region() {
        let input = read("06-subscription/firehose/lumigo-firehose-transform.json");
        let decoded = decode_input(&input, &limits()).unwrap();
        assert_eq!(decoded.source, Source::Firehose);
        assert_eq!(decoded.region.as_deref(), Some("us-east-1"));
        let [record] = decoded.records.as_slice() else {
            panic!("one record")
        };
        assert_eq!(
            record.record_id.as_deref(),
            Some("49578734086442259037497492980620233840400173390482112514000000")
        );
        let Message::Data(batch, _) = parse_message(payload(record)).unwrap() else {
            panic!("data")
        };
        assert_eq!(
            batch.log_group.as_deref(),
            Some("/aws/lambda/hello-devopsdays")
        );
        assert_eq!(batch.events.len(), 2);
    }

    #[test]
    fn firehose_control_record_parses_as_control() {
        let input = read("06-subscription/firehose/firehose-data-plus-control.json");
        let decoded = decode_input(&input, &limits()).unwrap();
        let ids: Vec<_> = decoded
            .records
            .iter()
            .map(|r| r.record_id.as_deref())
            .collect();
        assert_eq!(
            ids,
            [
                Some("49578734086442259037497492980620233840400173390482112514000000"),
                Some("49578734086442259037497492980620233840400173390482112514000001"),
            ]
        );
        let [data, control] = decoded.records.as_slice() else {
            panic!("two records")
        };
        assert!(matches!(
            parse_message(payload(data)),
            Ok(Message::Data(..))
        ));
        assert!(matches!(
            parse_message(payload(control)),
            Ok(Message::Control)
        ));
    }

    /// Where a single-record input ends up.
    #[derive(Debug, PartialEq)]
    enum Outcome {
        /// `decode_input` failed.
        Envelope(RejectReason),
        /// The record was rejected.
        Record(RejectReason),
        /// `parse_message` failed.
        Payload(RejectReason),
        /// A CONTROL_MESSAGE.
        Control,
        /// A DATA_MESSAGE: (events kept, events rejected).
        Data(usize, usize),
    }

    fn outcome(input: &[u8]) -> Outcome {
        let decoded = match decode_input(input, &limits()) {
            Ok(decoded) => decoded,
            Err(r) => return Outcome::Envelope(r.reason),
        };
        let [record] = decoded.records.as_slice() else {
            panic!("one record")
        };
        let bytes = match &record.content {
            RecordContent::Payload(p) => p,
            RecordContent::Rejected(r) => return Outcome::Record(r.reason),
            other => panic!("unexpected {other:?}"),
        };
        match parse_message(bytes) {
            Ok(Message::Control) => Outcome::Control,
            Ok(Message::Data(batch, rejections)) => {
                Outcome::Data(batch.events.len(), rejections.len())
            }
            Err(r) => Outcome::Payload(r.reason),
        }
    }

    /// EXPECTED.md §8, one row per file of `08-bad-inputs/lambda-events`.
    #[test]
    fn bad_lambda_events_fail_at_the_expected_stage() {
        use RejectReason::*;
        let table = [
            (
                "awslogs-data-not-string",
                Outcome::Envelope(InvalidEnvelope),
            ),
            // Lenient: gzip magic absent, but the bytes are JSON, so they are the payload.
            ("base64-plain-json-not-gzip", Outcome::Data(1, 0)),
            // Both members are decompressed; they are two JSON objects back to back, which is not
            // one JSON document: the payload is rejected rather than half-read.
            (
                "concatenated-gzip-members",
                Outcome::Payload(InvalidPayloadJson),
            ),
            ("control-message-in-lambda-envelope", Outcome::Control),
            ("double-escaped-messages", Outcome::Data(4, 0)),
            ("empty-logevents", Outcome::Data(0, 0)),
            ("gzip-of-non-json", Outcome::Payload(InvalidPayloadJson)),
            ("huge-event-json-truncated-at-limit", Outcome::Data(1, 0)),
            ("huge-single-event-256kb", Outcome::Data(1, 0)),
            ("invalid-base64-chars", Outcome::Record(InvalidBase64)),
            ("invalid-base64-rescript", Outcome::Record(InvalidBase64)),
            ("invalid-utf8-in-payload", Outcome::Data(1, 0)),
            (
                "lambda-docs-truncated-data-verbatim",
                Outcome::Record(InvalidBase64),
            ),
            ("missing-awslogs", Outcome::Envelope(InvalidEnvelope)),
            ("truncated-gzip", Outcome::Record(InvalidGzip)),
            ("unknown-message-type", Outcome::Payload(UnknownMessageType)),
        ];
        let dir = "08-bad-inputs/lambda-events";
        let mut covered: Vec<String> = table.iter().map(|(n, _)| format!("{n}.json")).collect();
        covered.sort();
        assert_eq!(covered, json_files(dir), "every bad input has a row");
        for (name, expected) in table {
            let input = read(&format!("{dir}/{name}.json"));
            assert_eq!(outcome(&input), expected, "{name}");
        }
    }

    #[test]
    fn concatenated_gzip_members_are_both_decompressed() {
        let input = read("08-bad-inputs/lambda-events/concatenated-gzip-members.json");
        let decoded = decode_input(&input, &limits()).unwrap();
        let text = std::str::from_utf8(payload(&decoded.records[0])).unwrap();
        assert_eq!(text.matches("\"messageType\":\"DATA_MESSAGE\"").count(), 2);
        assert!(text.contains("second member"));
        let err = parse_message(text.as_bytes()).unwrap_err();
        assert!(err.detail.contains("trailing characters"), "{}", err.detail);
    }

    #[test]
    fn plain_json_in_awslogs_data_is_accepted_as_the_payload() {
        let input = read("08-bad-inputs/lambda-events/base64-plain-json-not-gzip.json");
        let decoded = decode_input(&input, &limits()).unwrap();
        let Message::Data(batch, _) = parse_message(payload(&decoded.records[0])).unwrap() else {
            panic!("data")
        };
        assert_eq!(batch.log_group.as_deref(), Some("/aws/lambda/echo-nodejs"));
        assert!(batch.events[0]
            .message
            .starts_with("REPORT RequestId: 6234bffe"));
    }

    #[test]
    fn bad_base64_and_gzip_details_name_the_problem() {
        let input = read("08-bad-inputs/lambda-events/invalid-base64-chars.json");
        let decoded = decode_input(&input, &limits()).unwrap();
        let r = rejection(&decoded.records[0]);
        assert!(
            r.detail.starts_with("data is not valid base64"),
            "{}",
            r.detail
        );

        let input = read("08-bad-inputs/lambda-events/truncated-gzip.json");
        let decoded = decode_input(&input, &limits()).unwrap();
        let r = rejection(&decoded.records[0]);
        assert!(
            r.detail.starts_with("gzip stream is truncated or corrupt"),
            "{}",
            r.detail
        );

        let event = format!(r#"{{"awslogs":{{"data":"{}"}}}}"#, b64(b"plain text"));
        let decoded = decode_input(event.as_bytes(), &limits()).unwrap();
        let r = rejection(&decoded.records[0]);
        assert_eq!(r.reason, RejectReason::InvalidGzip);
        assert_eq!(r.detail, "not gzip (magic bytes 1f8b absent)");
    }

    #[test]
    fn envelope_errors_name_what_was_found() {
        let detail = |input: &[u8]| decode_input(input, &limits()).unwrap_err().detail;
        assert_eq!(
            detail(br#"{"foo": 1}"#),
            "JSON object without awslogs, Records, records or logEvents"
        );
        assert!(
            detail(b"[1, 2]").starts_with("input is an array"),
            "{}",
            detail(b"[1,2]")
        );
        assert!(detail(b"42").starts_with("input is a number"));
        assert_eq!(detail(b"not json"), "input is not JSON");
        assert_eq!(detail(b""), "input is empty");
        assert!(detail(b"{\"awslogs\":").starts_with("input is not valid JSON"));
        assert_eq!(
            detail(br#"{"awslogs":{"data":12345}}"#),
            "awslogs.data must be a base64 string, found a number"
        );
        assert_eq!(
            detail(br#"{"awslogs":"x"}"#),
            "awslogs must be an object, found a string"
        );
        assert_eq!(
            detail(br#"{"Records":[]}"#),
            "Records is empty (no Kinesis record)"
        );
        assert_eq!(
            detail(br#"{"Records":[{"s3":{}}]}"#),
            "Records holds no element with a kinesis object (not a Kinesis event)"
        );
        assert_eq!(
            detail(br#"{"records":[]}"#),
            "records is empty (no Firehose record)"
        );
    }

    #[test]
    fn decoded_payload_input_is_passed_on_borrowed() {
        let input = read("06-subscription/decoded/datadog-coldstart.json");
        let decoded = decode_input(&input, &limits()).unwrap();
        assert_eq!(decoded.source, Source::Decoded);
        let [record] = decoded.records.as_slice() else {
            panic!("one record")
        };
        let RecordContent::Payload(Cow::Borrowed(bytes)) = &record.content else {
            panic!("borrowed payload expected")
        };
        assert_eq!(bytes.as_ptr(), input.as_ptr());

        let only_events = br#"{"logEvents": []}"#;
        assert_eq!(
            decode_input(only_events, &limits()).unwrap().source,
            Source::Decoded
        );
    }

    #[test]
    fn unknown_fields_are_tolerated_everywhere() {
        let data = b64(&gzip(
            br#"{"messageType":"CONTROL_MESSAGE","logEvents":[]}"#,
        ));
        let event = format!(
            r#"{{"x":[{{"deep":[1,2,{{}}]}}],"awslogs":{{"extra":null,"data":"{data}","more":{{}}}},"y":true}}"#
        );
        let decoded = decode_input(event.as_bytes(), &limits()).unwrap();
        assert!(matches!(
            parse_message(payload(&decoded.records[0])),
            Ok(Message::Control)
        ));
    }

    #[test]
    fn base64_tolerates_surrounding_whitespace_wrapped_lines_and_missing_padding() {
        let gz = gzip(br#"{"messageType":"CONTROL_MESSAGE"}"#);
        let encoded = b64(&gz);
        let (head, tail) = encoded.split_at(20);
        let variants = [
            format!("\\n  {encoded}\\n "),
            format!("{head}\\n{tail}"),
            format!("{head}\\r\\n{tail}"),
            encoded.trim_end_matches('=').to_owned(),
        ];
        for data in variants {
            let event = format!(r#"{{"awslogs":{{"data":"{data}"}}}}"#);
            let decoded = decode_input(event.as_bytes(), &limits()).unwrap();
            assert_eq!(
                payload(&decoded.records[0]),
                br#"{"messageType":"CONTROL_MESSAGE"}"#,
                "{data:?}"
            );
        }
    }

    #[test]
    fn gzip_bomb_in_an_envelope_is_rejected_at_the_cap() {
        let bomb = gzip(&vec![b' '; 1024 * 1024]).repeat(8);
        let event = format!(r#"{{"awslogs":{{"data":"{}"}}}}"#, b64(&bomb));
        let small = Limits {
            max_decompressed_bytes: 1024 * 1024,
            ..Limits::default()
        };
        let decoded = decode_input(event.as_bytes(), &small).unwrap();
        let r = rejection(&decoded.records[0]);
        assert_eq!(r.reason, RejectReason::DecompressedTooLarge);
        assert!(r.detail.contains("1048576"), "{}", r.detail);
    }

    #[test]
    fn bad_kinesis_records_are_rejected_one_by_one() {
        let good = b64(&gzip(br#"{"messageType":"CONTROL_MESSAGE"}"#));
        let event = format!(
            r#"{{"Records":[
                {{"kinesis":{{"data":"{good}","sequenceNumber":"1","approximateArrivalTimestamp":1.5}},"awsRegion":"eu-west-1"}},
                {{"kinesis":{{"data":12,"sequenceNumber":"2"}},"awsRegion":"us-east-1"}},
                {{"kinesis":{{"data":"***","sequenceNumber":"3"}}}},
                {{"kinesis":"nope"}},
                "not a record",
                {{"kinesis":{{"data":"{raw}","sequenceNumber":4}}}}
            ]}}"#,
            raw = b64(b"raw line")
        );
        let decoded = decode_input(event.as_bytes(), &limits()).unwrap();
        assert_eq!(decoded.region.as_deref(), Some("eu-west-1"));
        let records = decoded.records;
        assert_eq!(records.len(), 6);
        assert_eq!(
            payload(&records[0]),
            br#"{"messageType":"CONTROL_MESSAGE"}"#
        );
        let reasons: Vec<_> = records[1..]
            .iter()
            .map(|r| {
                let rej = rejection(r);
                assert_eq!(rej.record_id, r.record_id);
                (r.record_id.as_deref(), rej.reason)
            })
            .collect();
        assert_eq!(
            reasons,
            [
                (Some("2"), RejectReason::InvalidEnvelope),
                (Some("3"), RejectReason::InvalidBase64),
                (None, RejectReason::InvalidEnvelope),
                (None, RejectReason::InvalidEnvelope),
                // A raw line without an arrival time cannot be timed.
                (Some("4"), RejectReason::InvalidEnvelope),
            ]
        );
    }

    #[test]
    fn raw_kinesis_line_falls_back_to_the_sequence_number_and_lossy_text() {
        let event = format!(
            r#"{{"Records":[{{"kinesis":{{"data":"{}","sequenceNumber":"77","approximateArrivalTimestamp":"1568069911.5"}}}}]}}"#,
            b64(b"caf\xe9 line")
        );
        let decoded = decode_input(event.as_bytes(), &limits()).unwrap();
        let RecordContent::RawLine { id, arrival, text } = &decoded.records[0].content else {
            panic!("raw line")
        };
        assert_eq!(id, "77");
        assert_eq!(arrival.0, 1_568_069_911_500);
        assert_eq!(text, "caf\u{fffd} line");
    }

    #[test]
    fn firehose_record_without_gzip_or_json_is_rejected_with_its_id() {
        let event = format!(
            r#"{{"records":[{{"recordId":"a","data":"{}"}},{{"recordId":"b","data":"{}"}}],"region":"eu-central-1"}}"#,
            b64(&gzip(br#"{"messageType":"CONTROL_MESSAGE"}"#)),
            b64(b"text")
        );
        let decoded = decode_input(event.as_bytes(), &limits()).unwrap();
        assert_eq!(decoded.region.as_deref(), Some("eu-central-1"));
        assert!(matches!(
            decoded.records[0].content,
            RecordContent::Payload(_)
        ));
        let r = rejection(&decoded.records[1]);
        assert_eq!(
            (r.reason, r.record_id.as_deref()),
            (RejectReason::InvalidGzip, Some("b"))
        );
    }

    #[test]
    fn deeply_nested_envelopes_fail_cleanly() {
        let depth = 200_000;
        let open = "[".repeat(depth);
        let close = "]".repeat(depth);
        let arrays = format!("{open}{close}");
        assert_eq!(
            decode_input(arrays.as_bytes(), &limits())
                .unwrap_err()
                .reason,
            RejectReason::InvalidEnvelope
        );
        for event in [
            format!(r#"{{"awslogs":{arrays}}}"#),
            format!(r#"{{"Records":[{arrays}]}}"#),
            format!(r#"{{"x":{arrays}}}"#),
        ] {
            assert_eq!(
                decode_input(event.as_bytes(), &limits())
                    .unwrap_err()
                    .reason,
                RejectReason::InvalidEnvelope
            );
        }
        let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        assert!(decode_input(objects.as_bytes(), &limits()).is_err());
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = decode_input(&bytes, &limits());
        }

        #[test]
        fn arbitrary_json_like_envelopes_never_panic(tail in "[\\[\\]{}\",:0-9a-zA-Z+/= \\\\]{0,200}") {
            for head in [r#"{"awslogs":"#, r#"{"Records":["#, r#"{"records":[{"data":"#, r#"{"Records":[{"kinesis":{"data":"#] {
                let _ = decode_input(format!("{head}{tail}").as_bytes(), &limits());
            }
        }
    }
}
