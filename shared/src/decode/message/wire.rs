//! The serde side of [`super::parse_message`]: the payload read in one pass with seeds, so that
//! a message with escapes can be unescaped into the payload's arena (one buffer per payload)
//! instead of into a string of its own.
//!
//! Every key is read leniently ([`JsonScalar`]): only JSON syntax errors, a duplicate key or a
//! `logEvents` that is not an array fail the whole payload; a bad event becomes a rejection.

use super::super::lenient::{drain_map, drain_seq, JsonKind, JsonScalar, SlotSeed};
use super::{read_event, EventParts, MessageText, SystemFields, SYSTEM_ACCOUNT, SYSTEM_REGION};
use crate::model::LogEvent;
use crate::rejection::Rejection;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::Cow;
use std::fmt;
use std::ops::Range;

/// The keys of the payload that are used; the others (`subscriptionFilters`, `policyLevel`, …)
/// are skipped without being built.
pub(super) struct PayloadWire<'a> {
    pub(super) message_type: JsonScalar<'a>,
    pub(super) owner: JsonScalar<'a>,
    pub(super) log_group: JsonScalar<'a>,
    pub(super) log_stream: JsonScalar<'a>,
    pub(super) log_events: Option<EventList<'a>>,
}

/// `logEvents`, checked while it is read: the usable events and the rejections of the others.
#[derive(Default)]
pub(super) struct EventList<'a> {
    pub(super) events: Vec<WireEvent<'a>>,
    pub(super) rejections: Vec<Rejection>,
}

/// An event whose message may still sit in the arena.
pub(super) struct WireEvent<'a> {
    pub(super) id: Cow<'a, str>,
    pub(super) timestamp: crate::time::EpochMillis,
    pub(super) message: MessageText<'a>,
    /// System fields the event carries (they decide the batch's account and region only).
    pub(super) system: SystemFields<'a>,
}

impl<'a> WireEvent<'a> {
    /// The event, its message resolved against the arena's text.
    pub(super) fn resolve(self, arena: &'a str) -> LogEvent<'a> {
        LogEvent {
            id: self.id,
            timestamp: self.timestamp,
            message: self.message.resolve(arena),
        }
    }
}

/// Reads `text` (a JSON object), unescaping messages into `arena` when one is given. The text is
/// UTF-8 already, so serde_json does not check each string again.
pub(super) fn read<'a>(
    text: &'a str,
    arena: Option<&mut String>,
) -> Result<PayloadWire<'a>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(text);
    let wire = ObjectSeed(PayloadVisitor { arena }).deserialize(&mut de)?;
    de.end()?;
    Ok(wire)
}

/// A JSON object read by the visitor `V` (which carries the arena): the one seed of the payload
/// and of each event.
struct ObjectSeed<V>(V);

impl<'de, V: Visitor<'de>> DeserializeSeed<'de> for ObjectSeed<V> {
    type Value = V::Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self.0)
    }
}

/// The payload object; escaped messages go to `arena` (`None`: each into its own string).
struct PayloadVisitor<'s> {
    arena: Option<&'s mut String>,
}

/// Sets `slot` once; a second value for the same key fails the payload, as a derived
/// `Deserialize` does.
fn set_once<T, E: de::Error>(slot: &mut Option<T>, value: T, key: &'static str) -> Result<(), E> {
    if slot.is_some() {
        return Err(E::duplicate_field(key));
    }
    *slot = Some(value);
    Ok(())
}

impl<'de> Visitor<'de> for PayloadVisitor<'_> {
    type Value = PayloadWire<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a subscription payload object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut message_type, mut owner, mut log_group, mut log_stream) = (None, None, None, None);
        let mut log_events: Option<Option<EventList<'de>>> = None;
        while let Some(key) = map.next_key::<PayloadKey>()? {
            match key {
                PayloadKey::MessageType => {
                    set_once(&mut message_type, map.next_value()?, "messageType")?
                }
                PayloadKey::Owner => set_once(&mut owner, map.next_value()?, "owner")?,
                PayloadKey::LogGroup => set_once(&mut log_group, map.next_value()?, "logGroup")?,
                PayloadKey::LogStream => set_once(&mut log_stream, map.next_value()?, "logStream")?,
                PayloadKey::LogEvents => {
                    let seed = OptionalEvents {
                        arena: self.arena.as_deref_mut(),
                    };
                    let events = map.next_value_seed(seed)?;
                    set_once(&mut log_events, events, "logEvents")?
                }
                PayloadKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(PayloadWire {
            message_type: message_type.unwrap_or_default(),
            owner: owner.unwrap_or_default(),
            log_group: log_group.unwrap_or_default(),
            log_stream: log_stream.unwrap_or_default(),
            log_events: log_events.flatten(),
        })
    }
}

/// The keys of a payload object (the direct reader names them through the same derive).
#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
pub(super) enum PayloadKey {
    MessageType,
    Owner,
    LogGroup,
    LogStream,
    LogEvents,
    #[serde(other)]
    Other,
}

/// `logEvents`: `null` is no list; anything but an array fails the payload.
struct OptionalEvents<'s> {
    arena: Option<&'s mut String>,
}

impl<'de> DeserializeSeed<'de> for OptionalEvents<'_> {
    type Value = Option<EventList<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de> Visitor<'de> for OptionalEvents<'_> {
    type Value = Option<EventList<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of log events")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer
            .deserialize_seq(EventListVisitor { arena: self.arena })
            .map(Some)
    }
}

struct EventListVisitor<'s> {
    arena: Option<&'s mut String>,
}

impl<'de> Visitor<'de> for EventListVisitor<'_> {
    type Value = EventList<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an array of log events")
    }

    fn visit_seq<A: SeqAccess<'de>>(mut self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut list = EventList::default();
        let mut index = 0usize;
        loop {
            let seed = SlotSeed(ObjectSeed(EventVisitor {
                arena: self.arena.as_deref_mut(),
            }));
            let Some(slot) = seq.next_element_seed(seed)? else {
                break;
            };
            match read_event(slot, index) {
                Ok(event) => list.events.push(event),
                Err(rejection) => list.rejections.push(rejection),
            }
            index += 1;
        }
        Ok(list)
    }
}

/// One `logEvents[]` object: `id`, `timestamp` and `message`, every one lenient, and the system
/// fields `@aws.account` / `@aws.region` as members or inside `extractedFields` (the member
/// wins); every other key is skipped.
struct EventVisitor<'s> {
    arena: Option<&'s mut String>,
}

impl<'de> Visitor<'de> for EventVisitor<'_> {
    type Value = EventParts<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a log event object")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<Self::Value, A::Error> {
        let (mut id, mut timestamp, mut message) = (None, None, None);
        let (mut members, mut extracted) = (SystemFields::default(), SystemFields::default());
        while let Some(key) = map.next_key::<EventKey>()? {
            match key {
                EventKey::Id => set_once(&mut id, map.next_value()?, "id")?,
                EventKey::Timestamp => set_once(&mut timestamp, map.next_value()?, "timestamp")?,
                EventKey::Message => {
                    let seed = MessageSeed {
                        arena: self.arena.as_deref_mut(),
                    };
                    set_once(&mut message, map.next_value_seed(seed)?, "message")?
                }
                EventKey::AwsAccount => {
                    let value = map.next_value::<JsonScalar<'de>>()?.into_str();
                    members.account = members.account.or(value);
                }
                EventKey::AwsRegion => {
                    let value = map.next_value::<JsonScalar<'de>>()?.into_str();
                    members.region = members.region.or(value);
                }
                EventKey::ExtractedFields => {
                    let fields = map.next_value_seed(ExtractedFieldsSeed)?;
                    extracted = extracted.or(fields);
                }
                EventKey::Other => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(EventParts {
            id: id.unwrap_or_default(),
            timestamp: timestamp.unwrap_or_default(),
            message: message.unwrap_or(Err(JsonKind::Missing)),
            system: members.or(extracted),
        })
    }
}

/// The keys of a log event object.
#[derive(serde::Deserialize)]
#[serde(field_identifier, rename_all = "lowercase")]
enum EventKey {
    Id,
    Timestamp,
    Message,
    #[serde(rename = "extractedFields")]
    ExtractedFields,
    #[serde(rename = "@aws.account")]
    AwsAccount,
    #[serde(rename = "@aws.region")]
    AwsRegion,
    #[serde(other)]
    Other,
}

/// `extractedFields`: the system fields in it (the first of each, strings only); any other
/// value, and every other key, is skipped.
struct ExtractedFieldsSeed;

impl<'de> DeserializeSeed<'de> for ExtractedFieldsSeed {
    type Value = SystemFields<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for ExtractedFieldsSeed {
    type Value = SystemFields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut fields = SystemFields::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            let slot = match key.as_ref() {
                SYSTEM_ACCOUNT => &mut fields.account,
                SYSTEM_REGION => &mut fields.region,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            let value = map.next_value::<JsonScalar<'de>>()?.into_str();
            if slot.is_none() {
                *slot = value;
            }
        }
        Ok(fields)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(SystemFields::default())
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(SystemFields::default())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(SystemFields::default())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(SystemFields::default())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(SystemFields::default())
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(SystemFields::default())
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(SystemFields::default())
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(SystemFields::default())
    }
}

/// A message: borrowed when it has no escapes, else unescaped into the arena (or into a string
/// of its own without one); any other JSON type is kept as its type for the rejection.
struct MessageSeed<'s> {
    arena: Option<&'s mut String>,
}

impl<'de> DeserializeSeed<'de> for MessageSeed<'_> {
    type Value = Result<MessageText<'de>, JsonKind>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl MessageSeed<'_> {
    /// An unescaped message: appended to the arena, or owned.
    fn unescaped<'de>(self, text: &str) -> MessageText<'de> {
        match self.arena {
            Some(arena) => {
                let start = arena.len();
                arena.push_str(text);
                MessageText::InArena(Range {
                    start,
                    end: arena.len(),
                })
            }
            None => MessageText::Text(Cow::Owned(text.to_owned())),
        }
    }
}

impl<'de> Visitor<'de> for MessageSeed<'_> {
    type Value = Result<MessageText<'de>, JsonKind>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Ok(MessageText::Text(Cow::Borrowed(v))))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Ok(self.unescaped(v)))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Err(JsonKind::Number))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Err(JsonKind::Number))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Err(JsonKind::Number))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Err(JsonKind::Boolean))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(JsonKind::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Err(JsonKind::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(Err(JsonKind::Array))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map)?;
        Ok(Err(JsonKind::Object))
    }
}
