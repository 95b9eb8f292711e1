//! A direct reader for the payload shape CloudWatch Logs writes, tried before the serde reader
//! ([`super::wire::read`]): string keys and values, `logEvents` objects of exactly `id`,
//! `timestamp` (digits) and `message` (and the `extractedFields` of filter patterns with fields,
//! or of a filter that emits system fields: `@aws.account`, `@aws.region` are kept), read byte by
//! byte ([`Cursor`]) without serde's per-escape calls.
//!
//! The subscription payloads of text runtimes are mostly escapes (`\t`, `\n`, `\"` every few
//! bytes); serde_json pays a call per escaped segment and copies each string twice (its scratch,
//! then the arena). This reader unescapes each message once, straight into the arena.
//!
//! It gives up (`None`, the arena as it found it) on anything outside that shape: other value
//! types, escaped keys or ids, numbers other than plain digits, duplicate keys, invalid JSON.
//! The serde reader then reads the payload from the start, so every outcome the two could
//! disagree on (errors included) is the serde reader's. A test and a fuzz target hold the two
//! together where this one answers.

use super::super::lenient::{JsonScalar, Slot};
use super::cursor::Cursor;
use super::wire::{EventList, PayloadKey, PayloadWire};
use super::{read_event, EventParts, MessageText, SystemFields, SYSTEM_ACCOUNT, SYSTEM_REGION};
use serde::de::value::{Error as ValueError, StrDeserializer};
use serde::Deserialize;
use std::borrow::Cow;
use std::ops::Range;

/// Reads `text` as [`super::wire::read`] does, or `None` when it is not of the common shape.
/// `arena` (when given) gets the unescaped messages; on `None` it is left as it was.
pub(super) fn read<'a>(text: &'a str, arena: Option<&mut String>) -> Option<PayloadWire<'a>> {
    let mut arena = arena;
    let mark = arena.as_deref().map_or(0, String::len);
    let wire = Reader {
        json: Cursor::new(text),
        arena: arena.as_deref_mut(),
        scratch: String::new(),
    }
    .payload();
    if wire.is_none() {
        if let Some(arena) = arena {
            arena.truncate(mark);
        }
    }
    wire
}

/// The payload's cursor and the arena its messages are unescaped into.
struct Reader<'t, 's> {
    json: Cursor<'t>,
    arena: Option<&'s mut String>,
    /// Without an arena: where a message is unescaped before it is copied into a string of its
    /// exact size.
    scratch: String,
}

impl<'t> Reader<'t, '_> {
    /// A value of a key this reader does not use: a string or an array of strings.
    fn skip_value(&mut self) -> Option<()> {
        if self.json.peek()? != b'[' {
            return self.json.str().map(drop);
        }
        if self.json.open(b'[', b']')? {
            return Some(());
        }
        loop {
            self.json.str()?;
            if !self.json.more(b']')? {
                return Some(());
            }
        }
    }

    /// An object of string values (`extractedFields`): the first `@aws.account` and
    /// `@aws.region` in it, the rest skipped.
    fn extracted_fields(&mut self) -> Option<SystemFields<'t>> {
        let mut fields = SystemFields::default();
        if self.json.open(b'{', b'}')? {
            return Some(fields);
        }
        loop {
            let key = self.json.str()?;
            self.json.eat(b':')?;
            let value = self.json.str()?;
            let slot = match key.as_ref() {
                SYSTEM_ACCOUNT => Some(&mut fields.account),
                SYSTEM_REGION => Some(&mut fields.region),
                _ => None,
            };
            if let Some(slot) = slot.filter(|slot| slot.is_none()) {
                *slot = Some(value);
            }
            if !self.json.more(b'}')? {
                return Some(fields);
            }
        }
    }

    /// A payload key and its `:`, named as the serde reader names it.
    fn payload_key(&mut self) -> Option<PayloadKey> {
        let name = self.json.plain_str()?;
        let key = PayloadKey::deserialize(StrDeserializer::<ValueError>::new(name)).ok()?;
        self.json.eat(b':')?;
        Some(key)
    }

    /// The whole payload: one object, nothing but whitespace after it; each key at most once.
    fn payload(mut self) -> Option<PayloadWire<'t>> {
        let (mut message_type, mut owner, mut log_group, mut log_stream) = (None, None, None, None);
        let mut log_events = None;
        if !self.json.open(b'{', b'}')? {
            loop {
                let fresh = match self.payload_key()? {
                    PayloadKey::MessageType => {
                        message_type.replace(self.json.plain_str()?).is_none()
                    }
                    PayloadKey::Owner => owner.replace(self.json.plain_str()?).is_none(),
                    PayloadKey::LogGroup => log_group.replace(self.json.plain_str()?).is_none(),
                    PayloadKey::LogStream => log_stream.replace(self.json.plain_str()?).is_none(),
                    PayloadKey::LogEvents => log_events.replace(self.events()?).is_none(),
                    PayloadKey::Other => {
                        self.skip_value()?;
                        true
                    }
                };
                if !fresh {
                    return None;
                }
                if !self.json.more(b'}')? {
                    break;
                }
            }
        }
        if !self.json.at_end() {
            return None;
        }
        let scalar =
            |s: Option<&'t str>| s.map_or_else(JsonScalar::default, |s| JsonScalar::Str(s.into()));
        Some(PayloadWire {
            message_type: scalar(message_type),
            owner: scalar(owner),
            log_group: scalar(log_group),
            log_stream: scalar(log_stream),
            log_events,
        })
    }

    /// The `logEvents` array, each event checked as the serde reader checks it.
    fn events(&mut self) -> Option<EventList<'t>> {
        let mut list = EventList::default();
        if self.json.open(b'[', b']')? {
            return Some(list);
        }
        let mut index = 0usize;
        loop {
            let parts = self.event()?;
            match read_event(Slot::Object(parts), index) {
                Ok(event) => list.events.push(event),
                Err(rejection) => list.rejections.push(rejection),
            }
            index += 1;
            if !self.json.more(b']')? {
                return Some(list);
            }
        }
    }

    /// One event object of exactly `id`, `timestamp` and `message`, in any order, and the
    /// `extractedFields` a filter pattern with fields adds (skipped).
    fn event(&mut self) -> Option<EventParts<'t>> {
        let (mut id, mut timestamp, mut message) = (None, None, None);
        let mut extracted_fields: Option<SystemFields<'t>> = None;
        self.json.eat(b'{')?;
        let mut closed = false;
        for _ in 0..4 {
            let key = self.json.plain_str()?;
            self.json.eat(b':')?;
            let fresh = match key {
                "id" => id.replace(self.json.plain_str()?).is_none(),
                "timestamp" => timestamp.replace(self.json.digits()?).is_none(),
                "message" => message.replace(self.message()?).is_none(),
                "extractedFields" => extracted_fields.replace(self.extracted_fields()?).is_none(),
                _ => false,
            };
            if !fresh {
                return None;
            }
            if !self.json.more(b'}')? {
                closed = true;
                break;
            }
        }
        match (closed, id, timestamp, message) {
            (true, Some(id), Some(timestamp), Some(message)) => Some(EventParts {
                id: JsonScalar::Str(Cow::Borrowed(id)),
                timestamp: JsonScalar::U64(timestamp),
                message: Ok(message),
                system: extracted_fields.unwrap_or_default(),
            }),
            _ => None,
        }
    }

    /// A message: borrowed when it has no escapes, else unescaped into the arena (or owned).
    fn message(&mut self) -> Option<MessageText<'t>> {
        let Some(arena) = self.arena.as_deref_mut() else {
            self.scratch.clear();
            return Some(MessageText::Text(
                match self.json.str_into(&mut self.scratch)? {
                    Some(text) => Cow::Borrowed(text),
                    None => Cow::Owned(self.scratch.as_str().to_owned()),
                },
            ));
        };
        let start = arena.len();
        Some(match self.json.str_into(arena)? {
            Some(text) => MessageText::Text(Cow::Borrowed(text)),
            None => MessageText::InArena(Range {
                start,
                end: arena.len(),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::super::{direct_reader_agrees, into_message, wire};
    use super::*;

    const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/corpus");

    /// What the direct reader makes of `payload` (`None`: given up), and the arena after it.
    fn direct(payload: &str) -> (Option<String>, String) {
        let mut arena = String::from("kept: ");
        let read = read(payload, Some(&mut arena));
        let message = read.map(|wire| format!("{:?}", into_message(wire, &arena)));
        (message, arena)
    }

    /// What the serde reader makes of `payload`.
    fn serde(payload: &str) -> String {
        let mut arena = String::from("kept: ");
        let read = wire::read(payload, Some(&mut arena));
        format!("{:?}", read.map(|wire| into_message(wire, &arena)))
    }

    fn with_events(events: &str) -> String {
        format!(
            r#"{{"messageType":"DATA_MESSAGE","owner":"123","logGroup":"/aws/lambda/f","logStream":"s","subscriptionFilters":["x"],"logEvents":[{events}]}}"#
        )
    }

    #[test]
    fn every_corpus_and_workload_payload_is_read_directly_and_as_serde_reads_it() {
        let mut payloads: Vec<Vec<u8>> =
            std::fs::read_dir(format!("{CORPUS}/06-subscription/decoded"))
                .unwrap()
                .map(|entry| std::fs::read(entry.unwrap().path()).unwrap())
                .collect();
        let spec = crate::testing::workload::WorkloadSpec {
            payloads: 8,
            events_per_payload: 300,
            seed: 5,
        };
        payloads
            .extend((0..spec.payloads).map(|i| crate::testing::workload::data_message(&spec, i)));
        assert!(payloads.len() > 10);
        for payload in &payloads {
            let text = std::str::from_utf8(payload).unwrap();
            let (message, arena) = direct(text);
            let message =
                message.unwrap_or_else(|| panic!("given up: {}", &text[..200.min(text.len())]));
            assert_eq!(format!("Ok({message})"), serde(text));
            assert!(arena.starts_with("kept: "));
            assert!(direct_reader_agrees(payload));
        }
    }

    #[test]
    fn escapes_are_unescaped_into_the_arena_as_serde_does() {
        let payload = with_events(
            r#"{"id":"1","timestamp":1700000000000,"message":"plain"},
               { "message" : "tab\there\n\"q\" \\ \/ \b\f\r \u00e9 \ud83d\ude00 \u0000" , "timestamp":1700000000001, "id":"2" },
               {"id":"3","timestamp":5,"message":"too early"}"#,
        );
        let (message, arena) = direct(&payload);
        assert_eq!(format!("Ok({})", message.unwrap()), serde(&payload));
        assert_eq!(arena, "kept: tab\there\n\"q\" \\ / \u{8}\u{c}\r é 😀 \u{0}");
    }

    #[test]
    fn shapes_outside_the_common_one_are_given_up_with_the_arena_untouched() {
        let event = r#"{"id":"1","timestamp":1700000000000,"message":"a\tb"}"#;
        let cases = [
            // Values of other types or forms.
            with_events(r#"{"id":1,"timestamp":1700000000000,"message":"m"}"#),
            with_events(r#"{"id":"1","timestamp":"1700000000000","message":"m"}"#),
            with_events(r#"{"id":"1","timestamp":1700000000000.0,"message":"m"}"#),
            with_events(r#"{"id":"1","timestamp":17e11,"message":"m"}"#),
            with_events(r#"{"id":"1","timestamp":-1,"message":"m"}"#),
            with_events(r#"{"id":"1","timestamp":01700000000000,"message":"m"}"#),
            with_events(r#"{"id":"1","timestamp":99999999999999999999999,"message":"m"}"#),
            with_events(r#"{"id":"1","timestamp":1700000000000,"message":null}"#),
            with_events(r#"{"id":"\u0031","timestamp":1700000000000,"message":"m"}"#),
            format!(r#"{{"messageType":"DATA_MESSAGE","owner":123,"logEvents":[{event}]}}"#),
            format!(r#"{{"messageType":"DATA_\u004dESSAGE","logEvents":[{event}]}}"#),
            format!(r#"{{"messageType":"DATA_MESSAGE","policyLevel":1,"logEvents":[{event}]}}"#),
            r#"{"messageType":"DATA_MESSAGE","logEvents":null}"#.to_owned(),
            // Events with other members, missing or repeated ones.
            with_events(
                r#"{"id":"1","timestamp":1700000000000,"message":"m","extractedFields":[]}"#,
            ),
            with_events(
                r#"{"id":"1","timestamp":1700000000000,"message":"m","extractedFields":{"a":1}}"#,
            ),
            with_events(r#"{"id":"1","timestamp":1700000000000,"message":"m","other":"x"}"#),
            with_events(r#"{"id":"1","timestamp":1700000000000}"#),
            with_events(r#"{"id":"1","id":"2","timestamp":1700000000000,"message":"m"}"#),
            with_events("[]"),
            with_events("{}"),
            // Invalid JSON and invalid strings, after an event that went to the arena.
            with_events(&format!(
                r#"{event},{{"id":"2","timestamp":1,"message":"\ud83d"}}"#
            )),
            with_events(&format!(
                r#"{event},{{"id":"2","timestamp":1,"message":"\ude00"}}"#
            )),
            with_events(&format!(
                r#"{event},{{"id":"2","timestamp":1,"message":"\x"}}"#
            )),
            with_events(&format!(
                r#"{event},{{"id":"2","timestamp":1,"message":"\u12"}}"#
            )),
            with_events(&format!(
                "{event},{{\"id\":\"2\",\"timestamp\":1,\"message\":\"raw\ttab\"}}"
            )),
            with_events(&format!("{event},")),
            format!("{} x", with_events(event)),
            format!(
                r#"{{"messageType":"DATA_MESSAGE","messageType":"DATA_MESSAGE","logEvents":[{event}]}}"#
            ),
            format!(r#"{{"messageType":"DATA_MESSAGE","logEvents":[{event}],"logEvents":[]}}"#),
            with_events(event)[..60].to_owned(),
        ];
        for payload in &cases {
            let (message, arena) = direct(payload);
            assert_eq!(message, None, "{payload}");
            assert_eq!(arena, "kept: ", "{payload}");
            assert!(direct_reader_agrees(payload.as_bytes()));
        }
    }

    #[test]
    fn unknown_keys_with_string_values_are_skipped_and_bad_events_rejected_as_serde_does() {
        let payload = r#" { "policyLevel" : "ACCOUNT_LEVEL_POLICY", "subscriptionFilters" : [ ], "extra":["a\"b", "c"],
                "messageType":"DATA_MESSAGE","owner":"1","logGroup":"g","logStream":"s","logEvents":[
                {"id":"1","timestamp":1700000000000,"message":"ok"},
                {"id":"2","timestamp":300000000000000,"message":"after 9999"},
                {"id":"","timestamp":1700000000000,"message":"no id"}]} "#;
        let (message, _) = direct(payload);
        let message = message.unwrap();
        assert!(
            message.contains("timestamp must be epoch milliseconds"),
            "{message}"
        );
        assert_eq!(format!("Ok({message})"), serde(payload));
        let empty = r#"{"messageType":"CONTROL_MESSAGE","logEvents":[]}"#;
        assert_eq!(format!("Ok({})", direct(empty).0.unwrap()), serde(empty));
        assert_eq!(format!("Ok({})", direct("{}").0.unwrap()), serde("{}"));
    }

    #[test]
    fn system_fields_in_extracted_fields_are_read_directly_and_members_are_given_up() {
        let direct_shape = r#"{"messageType":"DATA_MESSAGE","logGroup":"g","logStream":"s","logEvents":[
            {"id":"1","timestamp":1700000000000,"message":"m","extractedFields":{"@aws.account":"210987654321","@aws.region":"eu-west-1","@source.log":"x","@aws.\u0061ccount":"1"}}]}"#;
        let (message, _) = direct(direct_shape);
        let message = message.unwrap();
        assert!(
            message.contains("owner: Some(\"210987654321\")"),
            "{message}"
        );
        assert!(message.contains("region: Some(\"eu-west-1\")"), "{message}");
        assert_eq!(format!("Ok({message})"), serde(direct_shape));
        let members = r#"{"messageType":"DATA_MESSAGE","logEvents":[
            {"id":"1","timestamp":1700000000000,"message":"m","@aws.account":"210987654321"}]}"#;
        assert_eq!(direct(members).0, None);
        assert!(serde(members).contains("owner: Some(\"210987654321\")"));
    }

    proptest::proptest! {
        #[test]
        fn the_common_shape_is_read_directly_and_as_serde_reads_it(
            messages in proptest::collection::vec("[a-z \\t\\n\"\\\\/é😀\\u{0}\\u{1f}\\u{7f}]{0,40}", 0..8),
            timestamps in proptest::collection::vec(0u64..20_000_000_000_000, 8),
            ids in proptest::collection::vec("[0-9]{0,4}", 8),
            spaced in proptest::bool::ANY,
        ) {
            let events: Vec<String> = messages
                .iter()
                .zip(timestamps.iter().zip(&ids))
                .map(|(m, (t, id))| {
                    let m = serde_json::to_string(m).unwrap();
                    if spaced {
                        format!("{{ \"message\" :\n{m} ,\t\"id\": \"{id}\", \"timestamp\" : {t} }}")
                    } else {
                        format!(r#"{{"id":"{id}","timestamp":{t},"message":{m}}}"#)
                    }
                })
                .collect();
            let payload = with_events(&events.join(","));
            let (message, _) = direct(&payload);
            proptest::prop_assert!(message.is_some());
            proptest::prop_assert_eq!(format!("Ok({})", message.unwrap()), serde(&payload));
        }

        #[test]
        fn any_changed_payload_is_read_as_serde_reads_it_or_given_up(
            message in "[a-z\\t\"é]{0,12}",
            at in 0usize..400,
            byte in proptest::sample::select(b"\"\\{}[],:0123456789.eEu- \tx".to_vec()),
            cut in proptest::bool::ANY,
        ) {
            let m = serde_json::to_string(&message).unwrap();
            let payload = with_events(&format!(
                r#"{{"id":"1","timestamp":1700000000000,"message":{m}}},{{"id":"2","timestamp":1700000000001,"message":"x\ty"}}"#
            ));
            let mut bytes = payload.into_bytes();
            let at = at % bytes.len();
            if cut {
                bytes.truncate(at);
            } else {
                bytes[at] = byte;
            }
            proptest::prop_assert!(direct_reader_agrees(&bytes));
        }
    }
}
