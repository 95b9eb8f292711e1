//! [`Member`]: the value of one member of a JSON object line, its string borrowed from the line.

use super::{write_json_str, write_json_value};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Serialize, Serializer};
use serde_json::Value;
use std::borrow::Cow;
use std::fmt;

/// The value of one member of a JSON object line.
///
/// Most values of a log line are strings (levels, timestamps, ids, messages): they stay slices of
/// the line when they have no escapes, so reading a line allocates nothing for them. Numbers,
/// booleans, `null`, arrays and objects are `serde_json` values.
#[derive(Debug, Clone, PartialEq)]
pub enum Member<'a> {
    /// A string, borrowed from the line unless it had escapes.
    Str(Cow<'a, str>),
    /// Any other value.
    Json(Value),
}

impl<'a> Member<'a> {
    /// The string, when the value is one.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Member::Str(s) => Some(s),
            Member::Json(v) => v.as_str(),
        }
    }

    /// True for a string value.
    pub fn is_string(&self) -> bool {
        self.as_str().is_some()
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        matches!(self, Member::Json(Value::Null))
    }

    /// The boolean, when the value is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Member::Json(v) => v.as_bool(),
            Member::Str(_) => None,
        }
    }

    /// The JSON value (strings and everything else), when it is not a string.
    pub fn as_json(&self) -> Option<&Value> {
        match self {
            Member::Json(v) => Some(v),
            Member::Str(_) => None,
        }
    }

    /// The member `key` of an object value.
    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_json()?.get(key)
    }

    /// The value as a `serde_json` value (the string copied).
    pub fn into_value(self) -> Value {
        match self {
            Member::Str(s) => Value::String(s.into_owned()),
            Member::Json(v) => v,
        }
    }

    /// The string as an owned `String`, when the value is one.
    pub fn into_string(self) -> Option<String> {
        match self {
            Member::Str(s) => Some(s.into_owned()),
            Member::Json(Value::String(s)) => Some(s),
            Member::Json(_) => None,
        }
    }

    /// The same value, detached from the line.
    pub fn into_owned(self) -> Member<'static> {
        match self {
            Member::Str(s) => Member::Str(Cow::Owned(s.into_owned())),
            Member::Json(v) => Member::Json(v),
        }
    }

    /// Writes the value as serde_json writes the same `Value`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        match self {
            Member::Str(s) => write_json_str(out, s),
            Member::Json(v) => write_json_value(out, v),
        }
    }
}

impl From<Value> for Member<'static> {
    /// A string value becomes [`Member::Str`], anything else [`Member::Json`].
    fn from(value: Value) -> Self {
        match value {
            Value::String(s) => Member::Str(Cow::Owned(s)),
            other => Member::Json(other),
        }
    }
}

impl Serialize for Member<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Member::Str(s) => serializer.serialize_str(s),
            Member::Json(v) => v.serialize(serializer),
        }
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for Member<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(MemberVisitor(std::marker::PhantomData))
    }
}

/// Reads a string (an object key) the way member values are read: borrowed unless escaped.
pub(super) fn deserialize_str<'de: 'a, 'a, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Member<'a>, D::Error> {
    deserializer.deserialize_str(MemberVisitor(std::marker::PhantomData))
}

/// Reads a member value as serde_json reads a `Value`, except that a string is kept borrowed.
struct MemberVisitor<'a>(std::marker::PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for MemberVisitor<'a> {
    type Value = Member<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Member::Str(Cow::Owned(v)))
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
        Ok(Member::Json(Value::Bool(v)))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(Member::Json(Value::from(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(Member::Json(Value::from(v)))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        // As serde_json's own `Value` reader: a non-finite number (never produced by its
        // parser) would be `null`.
        Ok(Member::Json(
            serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number),
        ))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Member::Json(Value::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Member::Json(Value::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(de::value::SeqAccessDeserializer::new(seq)).map(Member::Json)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        Value::deserialize(de::value::MapAccessDeserializer::new(map)).map(Member::Json)
    }
}
