//! A direct reader for the payload shape CloudWatch Logs writes, tried before the serde reader
//! ([`super::wire::read`]): string keys and values, `logEvents` objects of exactly `id`,
//! `timestamp` (digits) and `message`, read byte by byte without serde's per-escape calls.
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
use super::wire::{EventList, PayloadWire};
use super::{read_event, EventParts, MessageText};
use crate::document::next_escape;
use std::borrow::Cow;
use std::ops::Range;

/// Reads `text` as [`super::wire::read`] does, or `None` when it is not of the common shape.
/// `arena` (when given) gets the unescaped messages; on `None` it is left as it was.
pub(super) fn read<'a>(text: &'a str, arena: Option<&mut String>) -> Option<PayloadWire<'a>> {
    let mut arena = arena;
    let mark = arena.as_deref().map_or(0, String::len);
    let wire = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        arena: arena.as_deref_mut(),
    }
    .payload();
    if wire.is_none() {
        if let Some(arena) = arena {
            arena.truncate(mark);
        }
    }
    wire
}

/// A cursor over the payload; every method returns `None` to give up.
struct Reader<'t, 's> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
    arena: Option<&'s mut String>,
}

/// `"key":` followed by its value, for the keys this reader knows.
#[derive(Clone, Copy, PartialEq, Eq)]
enum PayloadKey {
    MessageType,
    Owner,
    LogGroup,
    LogStream,
    LogEvents,
    Other,
}

impl<'t> Reader<'t, '_> {
    /// The next byte that is not JSON whitespace (the cursor left on it).
    fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.at) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    /// Consumes `byte` (after whitespace).
    fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// After a member or element: `true` on `,` (another one follows), `false` on `close`.
    fn more(&mut self, close: u8) -> Option<bool> {
        match self.peek()? {
            b',' => {
                self.at += 1;
                Some(true)
            }
            b if b == close => {
                self.at += 1;
                Some(false)
            }
            _ => None,
        }
    }

    /// A string without escapes, borrowed from the payload.
    fn plain_str(&mut self) -> Option<&'t str> {
        self.eat(b'"')?;
        let start = self.at;
        let end = next_escape(self.bytes, start)?;
        if self.bytes.get(end) != Some(&b'"') {
            return None;
        }
        self.at = end + 1;
        self.text.get(start..end)
    }

    /// A string with or without escapes; escapes are unescaped into `out` (nothing is written
    /// when there are none). Returns the borrowed text when it had no escapes.
    fn str_into(&mut self, out: &mut String) -> Option<Option<&'t str>> {
        self.eat(b'"')?;
        let start = self.at;
        let mut from = start;
        loop {
            let at = next_escape(self.bytes, from)?;
            match self.bytes.get(at)? {
                b'"' => {
                    self.at = at + 1;
                    if from == start {
                        return Some(Some(self.text.get(start..at)?));
                    }
                    out.push_str(self.text.get(from..at)?);
                    return Some(None);
                }
                b'\\' => {
                    out.push_str(self.text.get(from..at)?);
                    self.at = at + 1;
                    self.escape(out)?;
                    from = self.at;
                }
                // A raw control character: invalid JSON.
                _ => return None,
            }
        }
    }

    /// One escape after its `\`, pushed onto `out`.
    fn escape(&mut self, out: &mut String) -> Option<()> {
        let b = *self.bytes.get(self.at)?;
        self.at += 1;
        let c = match b {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => self.unicode_escape()?,
            _ => return None,
        };
        out.push(c);
        Some(())
    }

    /// The character of `\uXXXX` (the `\u` consumed), a surrogate pair read as one character.
    /// A lone surrogate is left to the serde reader (which rejects it).
    fn unicode_escape(&mut self) -> Option<char> {
        let first = self.hex4()?;
        if !(0xD800..0xDC00).contains(&first) {
            return char::from_u32(first);
        }
        if self.bytes.get(self.at..self.at + 2)? != b"\\u" {
            return None;
        }
        self.at += 2;
        let second = self.hex4()?;
        if !(0xDC00..0xE000).contains(&second) {
            return None;
        }
        char::from_u32(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
    }

    /// Four hex digits.
    fn hex4(&mut self) -> Option<u32> {
        let digits = self.bytes.get(self.at..self.at + 4)?;
        let mut n = 0u32;
        for &d in digits {
            n = n * 16 + char::from(d).to_digit(16)?;
        }
        self.at += 4;
        Some(n)
    }

    /// A non-negative integer of plain digits (no sign, fraction, exponent or leading zero), as
    /// serde_json reads it into a `u64`.
    fn digits(&mut self) -> Option<u64> {
        self.peek()?;
        let start = self.at;
        let mut n = 0u64;
        while let Some(&d) = self.bytes.get(self.at) {
            if !d.is_ascii_digit() {
                break;
            }
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            self.at += 1;
        }
        let len = self.at - start;
        let leading_zero = len > 1 && self.bytes.get(start) == Some(&b'0');
        let fraction_or_exponent = matches!(self.bytes.get(self.at), Some(b'.' | b'e' | b'E'));
        (len > 0 && !leading_zero && !fraction_or_exponent).then_some(n)
    }

    /// A value of a key this reader does not use: a string or an array of strings.
    fn skip_value(&mut self) -> Option<()> {
        let mut sink = String::new();
        if self.peek()? != b'[' {
            return self.str_into(&mut sink).map(drop);
        }
        self.at += 1;
        if self.peek()? == b']' {
            self.at += 1;
            return Some(());
        }
        loop {
            sink.clear();
            self.str_into(&mut sink)?;
            if !self.more(b']')? {
                return Some(());
            }
        }
    }

    /// An object of string values (`extractedFields`).
    fn skip_string_object(&mut self) -> Option<()> {
        let mut sink = String::new();
        self.eat(b'{')?;
        if self.peek()? == b'}' {
            self.at += 1;
            return Some(());
        }
        loop {
            sink.clear();
            self.str_into(&mut sink)?;
            self.eat(b':')?;
            self.str_into(&mut sink)?;
            if !self.more(b'}')? {
                return Some(());
            }
        }
    }

    fn payload_key(&mut self) -> Option<PayloadKey> {
        let key = match self.plain_str()? {
            "messageType" => PayloadKey::MessageType,
            "owner" => PayloadKey::Owner,
            "logGroup" => PayloadKey::LogGroup,
            "logStream" => PayloadKey::LogStream,
            "logEvents" => PayloadKey::LogEvents,
            _ => PayloadKey::Other,
        };
        self.eat(b':')?;
        Some(key)
    }

    /// The whole payload: one object, nothing but whitespace after it.
    fn payload(mut self) -> Option<PayloadWire<'t>> {
        let mut strings: [Option<&'t str>; 4] = [None; 4];
        let mut log_events = None;
        self.eat(b'{')?;
        if self.peek()? != b'}' {
            loop {
                let key = self.payload_key()?;
                let slot = match key {
                    PayloadKey::MessageType => Some(0),
                    PayloadKey::Owner => Some(1),
                    PayloadKey::LogGroup => Some(2),
                    PayloadKey::LogStream => Some(3),
                    PayloadKey::LogEvents | PayloadKey::Other => None,
                };
                match (key, slot.and_then(|i| strings.get_mut(i))) {
                    (_, Some(value)) => {
                        if value.replace(self.plain_str()?).is_some() {
                            return None;
                        }
                    }
                    (PayloadKey::LogEvents, _) => {
                        if log_events.replace(self.events()?).is_some() {
                            return None;
                        }
                    }
                    _ => self.skip_value()?,
                }
                if !self.more(b'}')? {
                    break;
                }
            }
        } else {
            self.at += 1;
        }
        if self.peek().is_some() {
            return None;
        }
        let [message_type, owner, log_group, log_stream] =
            strings.map(|s| s.map_or_else(JsonScalar::default, |s| JsonScalar::Str(s.into())));
        Some(PayloadWire {
            message_type,
            owner,
            log_group,
            log_stream,
            log_events,
        })
    }

    /// The `logEvents` array, each event checked as the serde reader checks it.
    fn events(&mut self) -> Option<EventList<'t>> {
        let mut list = EventList::default();
        self.eat(b'[')?;
        if self.peek()? == b']' {
            self.at += 1;
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
            if !self.more(b']')? {
                return Some(list);
            }
        }
    }

    /// One event object of exactly `id`, `timestamp` and `message`, in any order, and the
    /// `extractedFields` a filter pattern with fields adds (skipped).
    fn event(&mut self) -> Option<EventParts<'t>> {
        let (mut id, mut timestamp, mut message) = (None, None, None);
        let mut extracted_fields = false;
        self.eat(b'{')?;
        let mut closed = false;
        for _ in 0..4 {
            let key = self.plain_str()?;
            self.eat(b':')?;
            let fresh = match key {
                "id" => id.replace(self.plain_str()?).is_none(),
                "timestamp" => timestamp.replace(self.digits()?).is_none(),
                "message" => message.replace(self.message()?).is_none(),
                "extractedFields" => {
                    self.skip_string_object()?;
                    !std::mem::replace(&mut extracted_fields, true)
                }
                _ => false,
            };
            if !fresh {
                return None;
            }
            if !self.more(b'}')? {
                closed = true;
                break;
            }
        }
        match (closed, id, timestamp, message) {
            (true, Some(id), Some(timestamp), Some(message)) => Some(EventParts {
                id: JsonScalar::Str(Cow::Borrowed(id)),
                timestamp: JsonScalar::U64(timestamp),
                message: Ok(message),
            }),
            _ => None,
        }
    }

    /// A message: borrowed when it has no escapes, else unescaped into the arena (or owned).
    fn message(&mut self) -> Option<MessageText<'t>> {
        match self.arena.take() {
            Some(arena) => {
                let start = arena.len();
                let read = self.str_into(arena);
                let end = arena.len();
                self.arena = Some(arena);
                Some(match read? {
                    Some(text) => MessageText::Text(Cow::Borrowed(text)),
                    None => MessageText::InArena(Range { start, end }),
                })
            }
            None => {
                let mut owned = String::new();
                Some(match self.str_into(&mut owned)? {
                    Some(text) => MessageText::Text(Cow::Borrowed(text)),
                    None => MessageText::Text(Cow::Owned(owned)),
                })
            }
        }
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
        let spec = crate::bench::WorkloadSpec {
            payloads: 8,
            events_per_payload: 300,
            seed: 5,
        };
        payloads.extend((0..spec.payloads).map(|i| crate::bench::workload::data_message(&spec, i)));
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
