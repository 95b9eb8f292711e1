//! The subscription payload (`DATA_MESSAGE` / `CONTROL_MESSAGE`).
//!
//! One pass over the payload: the event strings are borrowed from it (a message with escapes such
//! as `\n` is unescaped into an owned string), and every `logEvents[]` entry is read leniently, so
//! an event with a missing or mistyped `id`, `timestamp` or `message` becomes an
//! [`RejectReason::InvalidLogEvent`] rejection while the other events are kept.
//!
//! Payloads with invalid UTF-8 inside a string are re-read from their lossy UTF-8 form (U+FFFD
//! replaces the bad bytes); the batch then owns its strings.
//!
//! Log events may carry the system fields a 2025 subscription filter emits (`emitSystemFields`:
//! `@aws.account`, `@aws.region`, `@source.log`), read from the event's `extractedFields` (where
//! filter patterns put their fields) or as members of the event itself; any other member is
//! skipped. When the payload has no `owner`, the account and region the events agree on become
//! the batch's account and region (`resource.cloud.account.id`, `resource.cloud.region`).
//!
//! Two readers: `direct` reads the shape CloudWatch Logs writes byte by byte and gives up on
//! anything else, `wire` (serde) reads every payload; the serde reader decides whenever the
//! direct one gives up, and the two are held together by tests and the `decoded_batch` fuzz
//! target.

mod cursor;
mod direct;
mod wire;

use super::lenient::{document_kind, starts_like_object, JsonKind, JsonScalar, Slot};
use super::Message;
use crate::model::{LogBatch, LogEvent};
use crate::rejection::{excerpt, RejectReason, Rejection};
use crate::time::EpochMillis;
use std::borrow::Cow;
use std::ops::Range;
use wire::{PayloadWire, WireEvent};

/// `messageType` of a batch of log events.
const DATA_MESSAGE: &str = "DATA_MESSAGE";

/// `messageType` of a destination health check.
const CONTROL_MESSAGE: &str = "CONTROL_MESSAGE";

/// Characters of an unknown `messageType` quoted in the rejection.
const MESSAGE_TYPE_EXCERPT_CHARS: usize = 64;

/// System field of the source account (`emitSystemFields`).
pub(crate) const SYSTEM_ACCOUNT: &str = "@aws.account";

/// System field of the source Region (`emitSystemFields`).
pub(crate) const SYSTEM_REGION: &str = "@aws.region";

/// One `logEvents[]` object as read, before it is checked.
pub(crate) struct EventParts<'a> {
    id: JsonScalar<'a>,
    timestamp: JsonScalar<'a>,
    /// The message, or the JSON type found instead of a string.
    message: Result<MessageText<'a>, JsonKind>,
    /// The `@aws.account` / `@aws.region` system fields, when the event carries them.
    system: SystemFields<'a>,
}

/// The system fields of one event that shiplog uses (strings only; others read as absent).
#[derive(Debug, Default, Clone, PartialEq)]
pub(crate) struct SystemFields<'a> {
    pub(crate) account: Option<Cow<'a, str>>,
    pub(crate) region: Option<Cow<'a, str>>,
}

impl<'a> SystemFields<'a> {
    /// These fields, each filled from `other` where it has none.
    pub(crate) fn or(self, other: SystemFields<'a>) -> Self {
        SystemFields {
            account: self.account.or(other.account),
            region: self.region.or(other.region),
        }
    }
}

/// The one non-empty value the events agree on: `None` when none carries it or two differ.
fn agreed<'e, 'a: 'e>(
    values: impl Iterator<Item = Option<&'e Cow<'a, str>>>,
) -> Option<Cow<'a, str>> {
    let mut found: Option<&Cow<'a, str>> = None;
    for value in values.flatten().filter(|v| !v.is_empty()) {
        match found {
            Some(seen) if seen != value => return None,
            _ => found = Some(value),
        }
    }
    found.cloned()
}

/// A message's text: borrowed from the payload (no escapes), owned, or unescaped into the
/// payload's arena at a byte range.
pub(crate) enum MessageText<'a> {
    Text(Cow<'a, str>),
    InArena(Range<usize>),
}

impl<'a> MessageText<'a> {
    /// The text, taken from `arena` when it was unescaped there.
    fn resolve(self, arena: &'a str) -> Cow<'a, str> {
        match self {
            MessageText::Text(text) => text,
            MessageText::InArena(range) => Cow::Borrowed(arena.get(range).unwrap_or_default()),
        }
    }
}

/// Reads one decompressed payload. `CONTROL_MESSAGE` gives [`Message::Control`]; `DATA_MESSAGE`
/// gives the batch (its `region` is left `None`: the caller attaches the envelope's) and the
/// rejections of unusable events. Other message types and payloads that are not a JSON object of
/// the subscription format are an `Err`. No limit applies here: the payload size was already
/// capped when it was decompressed.
///
/// A message with escapes (every runtime text line: `\t`, `\n`) gets a string of its own; the
/// pipeline uses [`parse_message_in`] instead, which unescapes them all into one buffer.
pub fn parse_message(payload: &[u8]) -> Result<Message<'_>, Rejection> {
    read_payload(payload, None)
}

/// [`parse_message`], with every message that has escapes unescaped into `arena` (cleared
/// first) and borrowed from it: one buffer per payload instead of one string per event.
pub fn parse_message_in<'a>(
    payload: &'a [u8],
    arena: &'a mut String,
) -> Result<Message<'a>, Rejection> {
    // No room is reserved up front: only escaped messages land here (a text payload's messages
    // are most of it, a JSON payload's few), the buffer grows to what the payload needs, and the
    // pipeline keeps it for the next payload.
    arena.clear();
    read_payload(payload, Some(arena))
}

/// Both readings: escaped messages go into `arena` when there is one, else each into a string
/// of its own.
fn read_payload<'a>(
    payload: &'a [u8],
    arena: Option<&'a mut String>,
) -> Result<Message<'a>, Rejection> {
    if !starts_like_object(payload) {
        return Err(not_an_object(payload));
    }
    let Ok(text) = std::str::from_utf8(payload) else {
        return parse_lossy(payload);
    };
    let (read, arena): (_, &'a str) = match arena {
        Some(arena) => {
            let read = read_wire(text, Some(&mut *arena));
            (read, arena.as_str())
        }
        None => (read_wire(text, None), ""),
    };
    read.map_err(|e| invalid_json(&e))
        .and_then(|wire| into_message(wire, arena))
}

/// The payload read by the direct reader when it has the common shape, else by serde.
fn read_wire<'a>(
    text: &'a str,
    mut arena: Option<&mut String>,
) -> Result<PayloadWire<'a>, serde_json::Error> {
    match direct::read(text, arena.as_deref_mut()) {
        Some(wire) => Ok(wire),
        None => wire::read(text, arena),
    }
}

/// Whether the direct reader, where it answers for `payload`, answers exactly what the serde
/// reader does (the same events, rejections and arena text); `true` when it gives the payload up
/// or the payload is not UTF-8. For the fuzz target that holds the two readers together.
#[doc(hidden)]
pub fn direct_reader_agrees(payload: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(payload) else {
        return true;
    };
    let mut direct_arena = String::new();
    let Some(direct) = direct::read(text, Some(&mut direct_arena)) else {
        return direct_arena.is_empty();
    };
    let mut serde_arena = String::new();
    let Ok(serde) = wire::read(text, Some(&mut serde_arena)) else {
        return false;
    };
    let direct = format!("{:?}", into_message(direct, &direct_arena));
    let serde = format!("{:?}", into_message(serde, &serde_arena));
    direct == serde && direct_arena == serde_arena
}

/// Re-reads a payload that is not valid UTF-8 from its lossy form; the result owns its strings.
fn parse_lossy(payload: &[u8]) -> Result<Message<'static>, Rejection> {
    let text = String::from_utf8_lossy(payload);
    let wire = wire::read(&text, None).map_err(|e| invalid_json(&e))?;
    into_message(wire, "").map(message_into_owned)
}

/// The rejection of a payload that does not start with `{`.
fn not_an_object(payload: &[u8]) -> Rejection {
    let detail = match document_kind(payload) {
        Some(kind) => format!("payload is {kind}, not a JSON object"),
        None if payload.iter().all(u8::is_ascii_whitespace) => "payload is empty".to_owned(),
        None => "payload is not JSON".to_owned(),
    };
    Rejection::input(RejectReason::InvalidPayloadJson, detail)
}

/// The rejection of a payload serde_json could not read.
fn invalid_json(e: &serde_json::Error) -> Rejection {
    Rejection::input(
        RejectReason::InvalidPayloadJson,
        format!("payload is not a valid subscription JSON object: {e}"),
    )
}

/// Dispatches on `messageType`; the messages are resolved against the arena's text.
fn into_message<'a>(wire: PayloadWire<'a>, arena: &'a str) -> Result<Message<'a>, Rejection> {
    match wire.message_type.as_str() {
        Some(DATA_MESSAGE) => {}
        Some(CONTROL_MESSAGE) => return Ok(Message::Control),
        Some(other) => {
            return Err(Rejection::input(
                RejectReason::UnknownMessageType,
                format!(
                    "unknown messageType {:?}",
                    excerpt(other, MESSAGE_TYPE_EXCERPT_CHARS)
                ),
            ))
        }
        None => {
            return Err(Rejection::input(
                RejectReason::InvalidPayloadJson,
                format!(
                    "payload needs a string messageType, found {}",
                    wire.message_type.kind()
                ),
            ))
        }
    }
    let Some(list) = wire.log_events else {
        return Err(Rejection::input(
            RejectReason::InvalidPayloadJson,
            "DATA_MESSAGE without a logEvents array",
        ));
    };
    let owner = wire.owner.into_str();
    let (owner, region) = if owner.as_deref().is_none_or(str::is_empty) {
        let account = agreed(list.events.iter().map(|e| e.system.account.as_ref()));
        let region = agreed(list.events.iter().map(|e| e.system.region.as_ref()));
        (account.or(owner), region)
    } else {
        (owner, None)
    };
    let batch = LogBatch {
        owner,
        log_group: wire.log_group.into_str(),
        log_stream: wire.log_stream.into_str(),
        region,
        events: list.events.into_iter().map(|e| e.resolve(arena)).collect(),
    };
    Ok(Message::Data(batch, list.rejections))
}

/// Checks one `logEvents[index]` entry.
fn read_event(slot: Slot<EventParts<'_>>, index: usize) -> Result<WireEvent<'_>, Rejection> {
    let wire = match slot {
        Slot::Object(wire) => wire,
        Slot::NotObject(kind) => {
            return Err(anonymous_event_rejection(format!(
                "logEvents[{index}] must be an object, found {kind}"
            )))
        }
    };
    let id = match wire.id.try_into_id() {
        Ok(id) => id,
        Err(not_an_id) => {
            return Err(anonymous_event_rejection(format!(
                "logEvents[{index}] needs a string or integer id, found {}",
                not_an_id.describe()
            )))
        }
    };
    let Some(timestamp) = wire.timestamp.as_integer().and_then(EpochMillis::new) else {
        return Err(Rejection::event(
            &id,
            RejectReason::InvalidLogEvent,
            format!(
                "timestamp must be epoch milliseconds (1970..9999), found {}",
                wire.timestamp.describe()
            ),
        ));
    };
    let message = match wire.message {
        Ok(message) => message,
        Err(kind) => {
            return Err(Rejection::event(
                &id,
                RejectReason::InvalidLogEvent,
                format!("message must be a string, found {kind}"),
            ))
        }
    };
    Ok(WireEvent {
        id,
        timestamp,
        message,
        system: wire.system,
    })
}

/// An [`RejectReason::InvalidLogEvent`] rejection of an event whose id is unknown.
fn anonymous_event_rejection(detail: String) -> Rejection {
    Rejection {
        event_id: None,
        record_id: None,
        reason: RejectReason::InvalidLogEvent,
        detail,
    }
}

/// A message whose strings no longer borrow from the payload.
fn message_into_owned(message: Message<'_>) -> Message<'static> {
    match message {
        Message::Control => Message::Control,
        Message::Data(batch, rejections) => Message::Data(batch_into_owned(batch), rejections),
    }
}

/// A batch whose strings no longer borrow from the payload.
fn batch_into_owned(batch: LogBatch<'_>) -> LogBatch<'static> {
    LogBatch {
        owner: batch.owner.map(owned),
        log_group: batch.log_group.map(owned),
        log_stream: batch.log_stream.map(owned),
        region: batch.region.map(owned),
        events: batch
            .events
            .into_iter()
            .map(|e| LogEvent {
                id: owned(e.id),
                timestamp: e.timestamp,
                message: owned(e.message),
            })
            .collect(),
    }
}

/// `Cow::Owned` of any `Cow<str>`.
fn owned(s: Cow<'_, str>) -> Cow<'static, str> {
    Cow::Owned(s.into_owned())
}

#[cfg(test)]
mod tests {
    use super::direct_reader_agrees;
    use super::*;
    use crate::decode::{decode_input, RecordContent};

    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/corpus");

    fn limits() -> crate::limits::Limits {
        crate::limits::Limits::default()
    }

    /// The decompressed payload of a corpus Lambda event.
    fn corpus_payload(rel: &str) -> Vec<u8> {
        let input = std::fs::read(format!("{CORPUS}/{rel}")).unwrap();
        let decoded = decode_input(&input, &limits()).unwrap();
        match decoded.records.into_iter().next().unwrap().content {
            RecordContent::Payload(p) => p.into_owned(),
            other => panic!("{rel}: {other:?}"),
        }
    }

    fn data(payload: &[u8]) -> (LogBatch<'_>, Vec<Rejection>) {
        match parse_message(payload) {
            Ok(Message::Data(batch, rejections)) => (batch, rejections),
            other => panic!("expected data, got {other:?}"),
        }
    }

    fn error(payload: &[u8]) -> Rejection {
        match parse_message(payload) {
            Err(r) => r,
            Ok(other) => panic!("expected an error, got {other:?}"),
        }
    }

    fn with_events(events: &str) -> String {
        format!(
            r#"{{"messageType":"DATA_MESSAGE","owner":"123","logGroup":"/aws/lambda/f","logStream":"s","subscriptionFilters":["x"],"logEvents":[{events}]}}"#
        )
    }

    #[test]
    fn one_bad_timestamp_and_one_bad_id_do_not_lose_the_good_event() {
        let payload = with_events(
            r#"{"id":"1","timestamp":"abc","message":"a"},
               {"id":{"x":1},"timestamp":1700000000000,"message":"b"},
               {"id":"3","timestamp":1700000000000,"message":"good\n"}"#,
        );
        let (batch, rejections) = data(payload.as_bytes());
        assert_eq!(batch.events.len(), 1);
        assert_eq!(batch.events[0].id, "3");
        assert_eq!(batch.events[0].message, "good\n");
        assert_eq!(rejections.len(), 2);
        assert!(rejections
            .iter()
            .all(|r| r.reason == RejectReason::InvalidLogEvent));
        assert_eq!(rejections[0].event_id.as_deref(), Some("1"));
        assert!(
            rejections[0].detail.contains("\"abc\""),
            "{}",
            rejections[0].detail
        );
        assert_eq!(rejections[1].event_id, None);
        assert_eq!(
            rejections[1].detail,
            "logEvents[1] needs a string or integer id, found an object"
        );
    }

    #[test]
    fn lenient_event_fields_are_normalised() {
        let payload = with_events(
            r#"{"id":42,"timestamp":1700000000000.0,"message":"float ts"},
               {"id":"d","timestamp":"1700000000001","message":"digit string ts","extractedFields":{"a":[1]}}"#,
        );
        let (batch, rejections) = data(payload.as_bytes());
        assert!(rejections.is_empty(), "{rejections:?}");
        let got: Vec<_> = batch
            .events
            .iter()
            .map(|e| (e.id.as_ref(), e.timestamp.0))
            .collect();
        assert_eq!(got, [("42", 1_700_000_000_000), ("d", 1_700_000_000_001)]);
    }

    #[test]
    fn unusable_events_are_rejected_with_a_reason() {
        let payload = with_events(
            r#"{"id":"neg","timestamp":-1,"message":"m"},
               {"id":"frac","timestamp":1.5,"message":"m"},
               {"id":"nomsg","timestamp":1},
               {"id":"nummsg","timestamp":1,"message":7},
               {"timestamp":1,"message":"no id"},
               {"id":1.5,"timestamp":1,"message":"m"},
               "a string",
               null,
               {"id":"ok","timestamp":0,"message":""}"#,
        );
        let (batch, rejections) = data(payload.as_bytes());
        assert_eq!(batch.events.len(), 1);
        assert_eq!(batch.events[0].id, "ok");
        let ids: Vec<_> = rejections.iter().map(|r| r.event_id.as_deref()).collect();
        assert_eq!(
            ids,
            [
                Some("neg"),
                Some("frac"),
                Some("nomsg"),
                Some("nummsg"),
                None,
                None,
                None,
                None
            ]
        );
        assert_eq!(
            rejections[3].detail,
            "message must be a string, found a number"
        );
        assert_eq!(
            rejections[6].detail,
            "logEvents[6] must be an object, found a string"
        );
        assert!(rejections
            .iter()
            .all(|r| r.reason == RejectReason::InvalidLogEvent));
    }

    #[test]
    fn strings_without_escapes_borrow_from_the_payload() {
        let payload = with_events(
            r#"{"id":"1","timestamp":1,"message":"plain"},{"id":"2","timestamp":1,"message":"line\n"}"#,
        );
        let (batch, _) = data(payload.as_bytes());
        assert!(matches!(batch.events[0].id, Cow::Borrowed(_)));
        assert!(matches!(batch.events[0].message, Cow::Borrowed("plain")));
        assert!(matches!(batch.events[1].message, Cow::Owned(ref m) if m == "line\n"));
        assert!(matches!(
            batch.log_group,
            Some(Cow::Borrowed("/aws/lambda/f"))
        ));
        assert_eq!(batch.owner.as_deref(), Some("123"));
        assert_eq!(batch.log_stream.as_deref(), Some("s"));
        assert_eq!(batch.region, None);
    }

    /// A payload without `owner` whose events carry the 2025 system fields
    /// (`emitSystemFields`: `@aws.account`, `@aws.region`, `@source.log`). The API reference
    /// names the fields but shows no payload; they are read where a public consumer of such
    /// payloads reads them (`extractedFields`, Netflix Atlas' CloudWatchLogsFirehoseEndpoint)
    /// and, as well, as members of the event. SYNTHESIZED.
    fn with_system_fields(owner: &str, events: &str) -> String {
        format!(
            r#"{{"messageType":"DATA_MESSAGE",{owner}"logGroup":"/aws/lambda/f","logStream":"s","subscriptionFilters":["central"],"policyLevel":"ACCOUNT_LEVEL_POLICY","logEvents":[{events}]}}"#
        )
    }

    #[test]
    fn system_fields_give_the_account_and_region_when_the_payload_has_no_owner() {
        let in_extracted = with_system_fields(
            "",
            r#"{"id":"1","timestamp":1700000000000,"message":"a\n","extractedFields":{"@aws.account":"210987654321","@aws.region":"eu-west-1","@source.log":"210987654321:/aws/lambda/f"}},
               {"id":"2","timestamp":1700000000001,"message":"b","extractedFields":{"@aws.account":"210987654321"}}"#,
        );
        let as_members = with_system_fields(
            "",
            r#"{"id":"1","timestamp":1700000000000,"message":"a\n","@aws.account":"210987654321","@aws.region":"eu-west-1","@source.log":{"logGroup":"/aws/lambda/f"}},
               {"id":"2","timestamp":1700000000001,"message":"b","@aws.account":"210987654321"}"#,
        );
        for payload in [&in_extracted, &as_members] {
            let (batch, rejections) = data(payload.as_bytes());
            assert!(rejections.is_empty(), "{rejections:?}");
            assert_eq!(batch.events.len(), 2);
            assert_eq!(batch.owner.as_deref(), Some("210987654321"), "{payload}");
            assert_eq!(batch.region.as_deref(), Some("eu-west-1"), "{payload}");
            assert_eq!(batch.events[0].message, "a\n");
            let (owned, in_arena, _) = both_ways(payload.as_bytes());
            assert_eq!(owned, in_arena);
            assert!(direct_reader_agrees(payload.as_bytes()));
        }
    }

    #[test]
    fn the_payload_owner_wins_and_disagreeing_events_give_nothing() {
        let event = |id: &str, account: &str, region: &str| {
            format!(
                r#"{{"id":"{id}","timestamp":1700000000000,"message":"m","extractedFields":{{"@aws.account":"{account}","@aws.region":"{region}"}}}}"#
            )
        };
        let owned = with_system_fields(
            r#""owner":"123456789012","#,
            &event("1", "210987654321", "eu-west-1"),
        );
        let (batch, _) = data(owned.as_bytes());
        assert_eq!(batch.owner.as_deref(), Some("123456789012"));
        assert_eq!(batch.region, None, "the envelope's region applies");
        let mixed = with_system_fields(
            "",
            &format!(
                "{},{}",
                event("1", "210987654321", "eu-west-1"),
                event("2", "111122223333", "eu-west-1")
            ),
        );
        let (batch, _) = data(mixed.as_bytes());
        assert_eq!(batch.owner, None);
        assert_eq!(batch.region.as_deref(), Some("eu-west-1"));
        let odd = with_system_fields(
            "",
            r#"{"id":"1","timestamp":1,"message":"m","@aws.account":12,"extractedFields":{"@aws.account":"","@aws.region":null}},
               {"id":"2","timestamp":1,"message":"m","extractedFields":["@aws.account"]}"#,
        );
        let (batch, rejections) = data(odd.as_bytes());
        assert!(rejections.is_empty());
        assert_eq!(
            (batch.events.len(), batch.owner, batch.region),
            (2, None, None)
        );
    }

    #[test]
    fn control_message_produces_nothing() {
        let payload = corpus_payload("06-subscription/lambda-event/control-message-firehose.json");
        assert!(matches!(parse_message(&payload), Ok(Message::Control)));
        let bare = br#"{"messageType":"CONTROL_MESSAGE"}"#;
        assert!(matches!(parse_message(bare), Ok(Message::Control)));
    }

    #[test]
    fn unknown_message_type_is_named_in_the_rejection() {
        let payload = corpus_payload("08-bad-inputs/lambda-events/unknown-message-type.json");
        let r = error(&payload);
        assert_eq!(r.reason, RejectReason::UnknownMessageType);
        assert_eq!(r.detail, "unknown messageType \"SOMETHING_NEW\"");
    }

    #[test]
    fn payloads_that_are_not_subscription_objects_are_invalid_json() {
        let cases: [(&[u8], &str); 8] = [
            (b"this is not json\n", "payload is not JSON"),
            (b"", "payload is empty"),
            (b"[1,2]", "payload is an array, not a JSON object"),
            (b"{\"messageType\":", "payload is not a valid subscription JSON object: EOF"),
            (
                br#"{"messageType":"DATA_MESSAGE"}"#,
                "DATA_MESSAGE without a logEvents array",
            ),
            (
                br#"{"messageType":"DATA_MESSAGE","logEvents":null}"#,
                "DATA_MESSAGE without a logEvents array",
            ),
            (
                br#"{"messageType":"DATA_MESSAGE","logEvents":{}}"#,
                "payload is not a valid subscription JSON object: invalid type: map, expected an array of log events",
            ),
            (br#"{"logEvents":[]}"#, "payload needs a string messageType, found nothing"),
        ];
        for (payload, detail) in cases {
            let r = error(payload);
            assert_eq!(r.reason, RejectReason::InvalidPayloadJson, "{detail}");
            assert!(r.detail.starts_with(detail), "{} != {detail}", r.detail);
        }
    }

    #[test]
    fn invalid_utf8_is_read_lossily_and_the_events_kept() {
        let payload = corpus_payload("08-bad-inputs/lambda-events/invalid-utf8-in-payload.json");
        assert!(std::str::from_utf8(&payload).is_err());
        let (batch, rejections) = data(&payload);
        assert!(rejections.is_empty());
        let [event] = batch.events.as_slice() else {
            panic!("one event")
        };
        assert!(
            event.message.ends_with("\tINFO\thel\u{fffd}\u{fffd}lo\n"),
            "{:?}",
            event.message
        );
        assert_eq!(
            event.id,
            "51147026749525390419343852582569598098230285304319326064"
        );
        assert_eq!(
            batch.log_group.as_deref(),
            Some("/aws/lambda/order-api-prod-notify")
        );
    }

    #[test]
    fn huge_events_are_decoded_whole() {
        for (name, len) in [
            ("huge-single-event-256kb", 262_118),
            ("huge-event-json-truncated-at-limit", 262_118),
        ] {
            let payload = corpus_payload(&format!("08-bad-inputs/lambda-events/{name}.json"));
            let (batch, rejections) = data(&payload);
            assert!(rejections.is_empty(), "{name}");
            let [event] = batch.events.as_slice() else {
                panic!("{name}: one event")
            };
            assert!(
                event.message.len().abs_diff(len) < 64,
                "{name}: {}",
                event.message.len()
            );
            assert!(
                event.message.starts_with("2023-11-14T22:13:20.000Z\t"),
                "{name}"
            );
        }
    }

    #[test]
    fn double_escaped_messages_keep_their_literal_backslashes() {
        let payload = corpus_payload("08-bad-inputs/lambda-events/double-escaped-messages.json");
        let (batch, _) = data(&payload);
        assert_eq!(batch.events.len(), 4);
        assert!(
            batch.events[0].message.ends_with("Version: $LATEST\\n"),
            "{:?}",
            batch.events[0].message
        );
    }

    #[test]
    fn deep_nesting_anywhere_is_handled_without_overflow() {
        let depth = 200_000;
        let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let objects = format!("{}1{}", r#"{"a":"#.repeat(depth), "}".repeat(depth));
        // Skipped values (unknown keys, mistyped fields) are walked iteratively.
        let payload = with_events(&format!(
            r#"{{"id":"1","timestamp":1,"message":"ok","extractedFields":{objects}}},
               {{"id":{arrays},"timestamp":1,"message":"m"}},
               {arrays}"#
        ));
        let (batch, rejections) = data(payload.as_bytes());
        assert_eq!((batch.events.len(), rejections.len()), (1, 2));
        let r = error(format!(r#"{{"messageType":{objects}}}"#).as_bytes());
        assert_eq!(r.reason, RejectReason::InvalidPayloadJson);
        assert_eq!(
            error(arrays.as_bytes()).reason,
            RejectReason::InvalidPayloadJson
        );
        assert_eq!(
            error(objects.as_bytes()).reason,
            RejectReason::InvalidPayloadJson
        );
        // Unclosed nesting is a clean syntax error.
        let open = format!(r#"{{"logEvents":[{}"#, "[".repeat(depth));
        assert_eq!(
            error(open.as_bytes()).reason,
            RejectReason::InvalidPayloadJson
        );
    }

    /// What [`parse_message`] and [`parse_message_in`] make of `payload`, side by side.
    fn both_ways(payload: &[u8]) -> (String, String, String) {
        let owned = format!("{:?}", parse_message(payload));
        let mut arena = String::from("left over from the previous payload");
        let in_arena = format!("{:?}", parse_message_in(payload, &mut arena));
        (owned, in_arena, arena)
    }

    #[test]
    fn escaped_messages_are_unescaped_into_the_arena_and_borrowed_from_it() {
        let payload = with_events(
            r#"{"id":"1","timestamp":1,"message":"plain"},
               {"id":"2","timestamp":1,"message":"tab\there\n"},
               {"id":"3","timestamp":1,"message":7},
               {"id":"4","timestamp":1,"message":"caf\u00e9 \ud83d\ude00 \"q\""}"#,
        );
        // Room enough that the arena's buffer stays where it is.
        let mut arena = String::with_capacity(2 * payload.len());
        let (start, end) = (
            arena.as_ptr() as usize,
            arena.as_ptr() as usize + arena.capacity(),
        );
        let Ok(Message::Data(batch, rejections)) = parse_message_in(payload.as_bytes(), &mut arena)
        else {
            panic!("not data");
        };
        let messages: Vec<&str> = batch.events.iter().map(|e| e.message.as_ref()).collect();
        assert_eq!(messages, ["plain", "tab\there\n", "café 😀 \"q\""]);
        assert!(matches!(batch.events[0].message, Cow::Borrowed("plain")));
        for event in &batch.events[1..] {
            let Cow::Borrowed(m) = &event.message else {
                panic!("{:?} is not borrowed", event.message);
            };
            let at = m.as_ptr() as usize;
            assert!(
                at >= start && at + m.len() <= end,
                "{m:?} is not in the arena"
            );
        }
        assert_eq!(rejections.len(), 1);
        assert_eq!(
            rejections[0].detail,
            "message must be a string, found a number"
        );
        drop(batch);
        assert_eq!(arena, "tab\there\ncafé 😀 \"q\"");
    }

    #[test]
    fn arena_and_owned_reads_agree_on_every_corpus_payload() {
        let dir = format!("{CORPUS}/06-subscription/decoded");
        let mut checked = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let payload = std::fs::read(entry.unwrap().path()).unwrap();
            let (owned, in_arena, arena) = both_ways(&payload);
            assert_eq!(owned, in_arena);
            assert!(arena.len() <= payload.len());
            checked += 1;
        }
        let spec = crate::testing::workload::WorkloadSpec {
            payloads: 10,
            events_per_payload: 200,
            seed: 9,
        };
        for i in 0..spec.payloads {
            let payload = crate::testing::workload::data_message(&spec, i);
            let (owned, in_arena, arena) = both_ways(&payload);
            assert_eq!(owned, in_arena);
            assert!(!arena.is_empty(), "text lines have escapes");
            checked += 1;
        }
        assert!(checked > 12, "{checked}");
    }

    proptest::proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse_message(&bytes);
        }

        #[test]
        fn arbitrary_event_lists_never_panic(tail in "[\\[\\]{}\",:0-9a-zA-Z.\\-\\\\ ]{0,200}") {
            let payload = format!(r#"{{"messageType":"DATA_MESSAGE","logEvents":[{tail}"#);
            let _ = parse_message(payload.as_bytes());
            let mut bytes = payload.into_bytes();
            bytes.push(0xff);
            let _ = parse_message(&bytes);
        }

        #[test]
        fn arena_and_owned_reads_agree(
            messages in proptest::collection::vec("[a-z\\t\\n\"é]{0,12}", 0..6),
            junk in "[\\[\\]{}\",:0-9a-z]{0,40}",
        ) {
            let events: Vec<String> = messages
                .iter()
                .enumerate()
                .map(|(i, m)| format!(r#"{{"id":"{i}","timestamp":1700000000000,"message":{}}}"#,
                                      serde_json::to_string(m).unwrap()))
                .collect();
            let payload = with_events(&events.join(","));
            let (owned, in_arena, _) = both_ways(payload.as_bytes());
            proptest::prop_assert_eq!(owned, in_arena);
            let mut broken = payload.as_bytes()[..payload.len() / 2].to_vec();
            broken.extend_from_slice(junk.as_bytes());
            let (owned, in_arena, _) = both_ways(&broken);
            proptest::prop_assert_eq!(owned, in_arena);
        }
    }
}

/// Splits a payload made of several JSON documents back to back (what concatenated gzip members
/// decompress to, e.g. Firehose-to-S3 exports of subscription data) into the documents. `None`
/// when the payload is not exactly a sequence of two or more JSON values separated by optional
/// whitespace.
pub fn split_concatenated(payload: &[u8]) -> Option<Vec<&[u8]>> {
    let mut stream =
        serde_json::Deserializer::from_slice(payload).into_iter::<serde::de::IgnoredAny>();
    let mut parts = Vec::new();
    let mut start = 0;
    while let Some(item) = stream.next() {
        item.ok()?;
        let end = stream.byte_offset();
        parts.push(payload.get(start..end)?);
        start = end;
    }
    (parts.len() > 1).then_some(parts)
}

#[cfg(test)]
mod concatenated_tests {
    use super::*;

    #[test]
    fn back_to_back_documents_are_split_and_single_ones_are_not() {
        let two = br#"{"a":1} {"b":[2]}
{"c":"}{"}"#;
        let parts = split_concatenated(two).unwrap();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[2].trim_ascii(), br#"{"c":"}{"}"#);
        assert!(split_concatenated(br#"{"a":1}"#).is_none());
        assert!(split_concatenated(br#"{"a":1} {"b":"#).is_none());
        assert!(split_concatenated(b"not json").is_none());
    }
}
