//! Lenient JSON building blocks for the decode stage.
//!
//! A [`JsonScalar`] or a [`Slot`] never fails to deserialize because of the *type* of what it
//! finds (only on a JSON syntax error), so one malformed field or record is reported on its own
//! instead of failing the whole input. Strings are borrowed from the input when they contain no
//! escapes. Values that are skipped (objects/arrays where a scalar was expected) are drained with
//! [`IgnoredAny`], which serde_json walks iteratively: deep nesting there cannot overflow the stack.

use crate::rejection::excerpt;
use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};
use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

/// Largest integer magnitude an `f64` represents exactly (2^53).
const MAX_EXACT_F64_INTEGER: f64 = 9_007_199_254_740_992.0;

/// Longest digit string accepted as an integer (`i64::MAX` has 19 digits).
const MAX_INTEGER_DIGITS: usize = 19;

/// Characters of user data quoted in a description.
const DESCRIBE_EXCERPT_CHARS: usize = 32;

/// The JSON type of a value, for rejection details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsonKind {
    /// The key was absent.
    Missing,
    /// `null`.
    Null,
    /// `true` / `false`.
    Boolean,
    /// Any number.
    Number,
    /// A string.
    String,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl JsonKind {
    /// The word used in details ("found an object").
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            JsonKind::Missing => "nothing",
            JsonKind::Null => "null",
            JsonKind::Boolean => "a boolean",
            JsonKind::Number => "a number",
            JsonKind::String => "a string",
            JsonKind::Array => "an array",
            JsonKind::Object => "an object",
        }
    }
}

impl fmt::Display for JsonKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Any JSON value, keeping strings and numbers and only the type of everything else.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JsonScalar<'a> {
    /// A string (borrowed when it had no escapes).
    Str(Cow<'a, str>),
    /// A non-negative integer.
    U64(u64),
    /// A negative integer.
    I64(i64),
    /// A number with a fraction or exponent, or too large for 64 bits.
    F64(f64),
    /// Anything else (or an absent key, via `Default`).
    Other(JsonKind),
}

impl Default for JsonScalar<'_> {
    fn default() -> Self {
        JsonScalar::Other(JsonKind::Missing)
    }
}

impl<'a> JsonScalar<'a> {
    /// The JSON type.
    pub(crate) fn kind(&self) -> JsonKind {
        match self {
            JsonScalar::Str(_) => JsonKind::String,
            JsonScalar::U64(_) | JsonScalar::I64(_) | JsonScalar::F64(_) => JsonKind::Number,
            JsonScalar::Other(kind) => *kind,
        }
    }

    /// The string, when this is one.
    pub(crate) fn as_str(&self) -> Option<&str> {
        match self {
            JsonScalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The string, when this is one, keeping the borrow.
    pub(crate) fn into_str(self) -> Option<Cow<'a, str>> {
        match self {
            JsonScalar::Str(s) => Some(s),
            _ => None,
        }
    }

    /// An identifier: a string as is, an integer as its decimal form. Numbers that are not exact
    /// integers (fractions, or beyond 2^53 once read as a float) give `None`.
    pub(crate) fn into_id(self) -> Option<Cow<'a, str>> {
        self.try_into_id().ok()
    }

    /// Like [`JsonScalar::into_id`], but gives the scalar back when it is not an id, so that the
    /// caller describes it only on failure (formatting on the hot path costs more than the
    /// event itself).
    pub(crate) fn try_into_id(self) -> Result<Cow<'a, str>, Self> {
        match self {
            JsonScalar::Str(s) => Ok(s),
            JsonScalar::U64(n) => Ok(Cow::Owned(n.to_string())),
            JsonScalar::I64(n) => Ok(Cow::Owned(n.to_string())),
            JsonScalar::F64(f) => exact_integer(f)
                .map(|n| Cow::Owned(n.to_string()))
                .ok_or(JsonScalar::F64(f)),
            other @ JsonScalar::Other(_) => Err(other),
        }
    }

    /// An integer: JSON integers, integral floats, and strings of ASCII digits.
    pub(crate) fn as_integer(&self) -> Option<i64> {
        match self {
            JsonScalar::U64(n) => i64::try_from(*n).ok(),
            JsonScalar::I64(n) => Some(*n),
            JsonScalar::F64(f) => exact_integer(*f),
            JsonScalar::Str(s) => integer_from_digits(s),
            JsonScalar::Other(_) => None,
        }
    }

    /// A number as `f64` (numeric strings included), e.g. fractional epoch seconds.
    pub(crate) fn as_f64(&self) -> Option<f64> {
        match self {
            JsonScalar::U64(n) => Some(*n as f64),
            JsonScalar::I64(n) => Some(*n as f64),
            JsonScalar::F64(f) => Some(*f),
            JsonScalar::Str(s) => s.trim().parse::<f64>().ok().filter(|f| f.is_finite()),
            JsonScalar::Other(_) => None,
        }
    }

    /// Short description for a rejection detail: the type, plus a short excerpt of the value.
    pub(crate) fn describe(&self) -> String {
        match self {
            JsonScalar::Str(s) => format!("the string {:?}", excerpt(s, DESCRIBE_EXCERPT_CHARS)),
            JsonScalar::U64(n) => format!("the number {n}"),
            JsonScalar::I64(n) => format!("the number {n}"),
            JsonScalar::F64(f) => format!("the number {f}"),
            JsonScalar::Other(kind) => kind.as_str().to_owned(),
        }
    }
}

/// `f` as an `i64` when it is an integer that `f64` represents exactly.
fn exact_integer(f: f64) -> Option<i64> {
    (f.is_finite() && f.fract() == 0.0 && f.abs() <= MAX_EXACT_F64_INTEGER).then_some(f as i64)
}

/// `"1700000000000"` → `1700000000000`; anything but 1–19 ASCII digits → `None`.
fn integer_from_digits(s: &str) -> Option<i64> {
    let all_digits =
        !s.is_empty() && s.len() <= MAX_INTEGER_DIGITS && s.bytes().all(|b| b.is_ascii_digit());
    if all_digits {
        s.parse().ok()
    } else {
        None
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for JsonScalar<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ScalarVisitor(PhantomData))
    }
}

struct ScalarVisitor<'a>(PhantomData<&'a ()>);

impl<'de: 'a, 'a> Visitor<'de> for ScalarVisitor<'a> {
    type Value = JsonScalar<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(JsonScalar::Str(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(JsonScalar::Str(Cow::Owned(v.to_owned())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(JsonScalar::Str(Cow::Owned(v)))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
        Ok(JsonScalar::U64(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
        Ok(JsonScalar::I64(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
        Ok(JsonScalar::F64(v))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(JsonScalar::Other(JsonKind::Boolean))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(JsonScalar::Other(JsonKind::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(JsonScalar::Other(JsonKind::Null))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(JsonScalar::Other(JsonKind::Array))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        drain_map(map)?;
        Ok(JsonScalar::Other(JsonKind::Object))
    }
}

/// A JSON value expected to be an object read as `T`; anything else is kept as its type only, so
/// the caller can reject that one element and go on with the next.
#[derive(Debug)]
pub(crate) enum Slot<T> {
    /// It was an object.
    Object(T),
    /// It was not an object.
    NotObject(JsonKind),
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Slot<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SlotSeed(PhantomData::<T>).deserialize(deserializer)
    }
}

/// Reads a [`Slot`] whose object is read by the seed `S` (which can carry state, such as the
/// buffer messages are unescaped into).
pub(crate) struct SlotSeed<S>(pub(crate) S);

impl<'de, S: DeserializeSeed<'de>> DeserializeSeed<'de> for SlotSeed<S> {
    type Value = Slot<S::Value>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, S: DeserializeSeed<'de>> Visitor<'de> for SlotSeed<S> {
    type Value = Slot<S::Value>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.0
            .deserialize(de::value::MapAccessDeserializer::new(map))
            .map(Slot::Object)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        drain_seq(seq)?;
        Ok(Slot::NotObject(JsonKind::Array))
    }

    fn visit_str<E: de::Error>(self, _: &str) -> Result<Self::Value, E> {
        Ok(Slot::NotObject(JsonKind::String))
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<Self::Value, E> {
        Ok(Slot::NotObject(JsonKind::Number))
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<Self::Value, E> {
        Ok(Slot::NotObject(JsonKind::Number))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Self::Value, E> {
        Ok(Slot::NotObject(JsonKind::Number))
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<Self::Value, E> {
        Ok(Slot::NotObject(JsonKind::Boolean))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Slot::NotObject(JsonKind::Null))
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(Slot::NotObject(JsonKind::Null))
    }
}

/// Skips the remaining elements of an array.
pub(crate) fn drain_seq<'de, A: SeqAccess<'de>>(mut seq: A) -> Result<(), A::Error> {
    while seq.next_element::<IgnoredAny>()?.is_some() {}
    Ok(())
}

/// Skips the remaining entries of an object.
pub(crate) fn drain_map<'de, A: MapAccess<'de>>(mut map: A) -> Result<(), A::Error> {
    while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
    Ok(())
}

/// The JSON type of a whole document, or `None` when it is not JSON.
pub(crate) fn document_kind(bytes: &[u8]) -> Option<JsonKind> {
    serde_json::from_slice::<JsonScalar<'_>>(bytes)
        .ok()
        .map(|v| v.kind())
}

/// `bytes` with leading JSON whitespace removed.
pub(crate) fn skip_whitespace(bytes: &[u8]) -> &[u8] {
    let start = bytes
        .iter()
        .position(|b| !matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
        .unwrap_or(bytes.len());
    bytes.get(start..).unwrap_or_default()
}

/// True when `bytes` (after whitespace) opens a JSON object.
pub(crate) fn starts_like_object(bytes: &[u8]) -> bool {
    skip_whitespace(bytes).first() == Some(&b'{')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_without_escapes_are_borrowed() {
        let v: JsonScalar<'_> = serde_json::from_str(r#""plain""#).unwrap();
        assert!(matches!(v, JsonScalar::Str(Cow::Borrowed("plain"))));
        let v: JsonScalar<'_> = serde_json::from_str(r#""tab\there""#).unwrap();
        assert!(matches!(v, JsonScalar::Str(Cow::Owned(ref s)) if s == "tab\there"));
    }

    #[test]
    fn containers_are_kept_as_their_type_only() {
        let v: JsonScalar<'_> = serde_json::from_str(r#"{"a":[1,{"b":null}]}"#).unwrap();
        assert_eq!(v.kind(), JsonKind::Object);
        let v: JsonScalar<'_> = serde_json::from_str("[[], {}]").unwrap();
        assert_eq!(v.kind(), JsonKind::Array);
        let v: JsonScalar<'_> = serde_json::from_str("null").unwrap();
        assert_eq!(v.kind(), JsonKind::Null);
    }

    #[test]
    fn integers_come_from_numbers_integral_floats_and_digit_strings() {
        let n = |s: &str| {
            serde_json::from_str::<JsonScalar<'_>>(s)
                .unwrap()
                .as_integer()
        };
        assert_eq!(n("1700000000000"), Some(1_700_000_000_000));
        assert_eq!(n("1700000000000.0"), Some(1_700_000_000_000));
        assert_eq!(n(r#""1700000000000""#), Some(1_700_000_000_000));
        assert_eq!(n("-5"), Some(-5));
        assert_eq!(n("1.5"), None);
        assert_eq!(n(r#""abc""#), None);
        assert_eq!(n(r#""""#), None);
        assert_eq!(n(r#""99999999999999999999""#), None);
        assert_eq!(n("true"), None);
    }

    #[test]
    fn ids_keep_strings_and_print_exact_integers() {
        let id = |s: &str| {
            serde_json::from_str::<JsonScalar<'_>>(s)
                .unwrap()
                .into_id()
                .map(Cow::into_owned)
        };
        assert_eq!(id(r#""3487""#).as_deref(), Some("3487"));
        assert_eq!(id("42").as_deref(), Some("42"));
        assert_eq!(id("42.0").as_deref(), Some("42"));
        assert_eq!(id("4.5").as_deref(), None);
        // 56 digits do not fit a u64: read as a float, they would lose digits.
        assert_eq!(
            id("34875438864225867090932491159176950929893364002433007616"),
            None
        );
        assert_eq!(id("{}"), None);
    }

    #[test]
    fn slot_keeps_non_objects_as_their_type() {
        #[derive(serde::Deserialize)]
        struct Pair {
            a: u8,
        }
        let slots: Vec<Slot<Pair>> = serde_json::from_str(r#"[{"a":1}, "x", [1], null]"#).unwrap();
        assert!(matches!(slots.first(), Some(Slot::Object(Pair { a: 1 }))));
        let kinds: Vec<_> = slots
            .iter()
            .filter_map(|s| match s {
                Slot::NotObject(k) => Some(*k),
                Slot::Object(_) => None,
            })
            .collect();
        assert_eq!(kinds, [JsonKind::String, JsonKind::Array, JsonKind::Null]);
    }

    #[test]
    fn deeply_nested_values_are_skipped_without_recursion() {
        let depth = 100_000;
        let deep = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let v: JsonScalar<'_> = serde_json::from_str(&deep).unwrap();
        assert_eq!(v.kind(), JsonKind::Array);
    }

    #[test]
    fn document_kind_tells_json_types_from_garbage() {
        assert_eq!(document_kind(b" [1,2] "), Some(JsonKind::Array));
        assert_eq!(document_kind(b"\"s\""), Some(JsonKind::String));
        assert_eq!(document_kind(b"{not json"), None);
    }

    #[test]
    fn object_sniffing_skips_json_whitespace() {
        assert!(starts_like_object(b" \r\n\t{}"));
        assert!(!starts_like_object(b"  []"));
        assert!(!starts_like_object(b""));
    }
}
