//! The crate's JSON toolkit, below everything that uses it (it imports nothing of the crate):
//! depth-capped parsing of one JSON object line into its [`Entries`] (members borrowed from the
//! line, [`Member`]), and writers byte-identical to serde_json's ([`write_json_str`],
//! [`write_json_value`], [`write_json_members`]) with the escape scan they share.
//!
//! The nesting depth is checked by a cheap byte scan *before* serde_json sees the text, so a
//! line of 100 000 `[` can neither hit serde's recursion limit nor the stack: it is simply not
//! an object line and ships as text.

mod member;
pub(crate) mod object;
mod write;

pub(crate) use object::json_key;

pub use member::Member;
pub(crate) use write::next_escape;
pub use write::{write_json_map, write_json_members, write_json_str, write_json_value};

use serde::de::{self, Deserialize, Deserializer, MapAccess, Visitor};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::fmt;

/// Members up to which duplicate keys are looked for pair by pair (beyond: with a hash set).
const SMALL_OBJECT_MEMBERS: usize = 16;

/// Most members room is made for up front (more grow the buffer).
const MAX_MEMBER_ESTIMATE: usize = 64;

/// The members of one JSON object line, in order, each key once (a repeated key keeps its first
/// position and its last value, as `serde_json::Map` does).
///
/// Keys and string values are borrowed from the line when they have no escapes: the structured
/// parsers take their well-known keys out by name, and the members left over are the line's
/// `fields`, written out as they are, so a member is never copied or hashed.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entries<'a> {
    members: Vec<(Cow<'a, str>, Member<'a>)>,
}

impl<'a> Entries<'a> {
    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&Member<'a>> {
        self.members.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    /// True when the object has `key`.
    pub fn contains_key(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// True when the object has no member.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The members in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Member<'a>)> {
        self.members.iter().map(|(k, v)| (k.as_ref(), v))
    }

    /// The keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.members.iter().map(|(k, _)| k.as_ref())
    }

    /// The values in order, for in-place rewriting (redaction).
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Member<'a>> {
        self.members.iter_mut().map(|(_, v)| v)
    }

    /// Sets `key` to `value`: a key already present keeps its position and takes the new value,
    /// a new key is appended (as `serde_json::Map::insert` with `preserve_order`).
    pub fn insert(&mut self, key: Cow<'a, str>, value: Member<'a>) {
        match self.members.iter_mut().find(|(k, _)| *k == key) {
            Some(member) => member.1 = value,
            None => self.members.push((key, value)),
        }
    }

    /// Appends a member whose key the caller knows is not present yet (a key taken out of
    /// this same object earlier).
    pub(crate) fn push_absent(&mut self, key: Cow<'a, str>, value: Member<'a>) {
        debug_assert!(self.get(&key).is_none(), "{key} is already a member");
        self.members.push((key, value));
    }

    /// An empty member list with room for `capacity` members.
    pub(crate) fn with_capacity(capacity: usize) -> Self {
        Entries {
            members: Vec::with_capacity(capacity),
        }
    }

    /// The same members with owned keys, detached from the line they were read from.
    pub fn into_owned(self) -> Entries<'static> {
        Entries {
            members: self
                .members
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_owned()))
                .collect(),
        }
    }

    /// The object as an owned map (same order).
    pub fn into_map(self) -> Map<String, Value> {
        let mut map = Map::with_capacity(self.members.len());
        for (k, v) in self.members {
            map.insert(k.into_owned(), v.into_value());
        }
        map
    }

    /// Writes the object as `serde_json::to_writer` writes the same map (compact, in order).
    pub fn write_json(&self, out: &mut Vec<u8>) {
        write_json_members(out, self.iter(), |out, value| value.write_json(out));
    }

    /// The compact JSON text of the object, as `serde_json::to_string` writes the same map.
    pub fn to_json_string(&self) -> String {
        let mut out = Vec::new();
        self.write_json(&mut out);
        String::from_utf8(out).unwrap_or_default()
    }

    /// Resolves repeated keys: first position, last value.
    fn dedupe(&mut self) {
        let members = &self.members;
        let repeated = if members.len() <= SMALL_OBJECT_MEMBERS {
            (1..members.len()).any(|i| {
                let key = &members[i].0;
                members[..i].iter().any(|(k, _)| k == key)
            })
        } else {
            let mut seen = HashSet::with_capacity(members.len());
            !members.iter().all(|(k, _)| seen.insert(k.as_ref()))
        };
        if !repeated {
            return;
        }
        let mut at: HashMap<String, usize> = HashMap::with_capacity(members.len());
        let mut unique: Vec<(Cow<'a, str>, Member<'a>)> = Vec::with_capacity(members.len());
        for (k, v) in std::mem::take(&mut self.members) {
            match at.get(k.as_ref()).and_then(|&i| unique.get_mut(i)) {
                Some(first) => first.1 = v,
                None => {
                    at.insert(k.to_string(), unique.len());
                    unique.push((k, v));
                }
            }
        }
        self.members = unique;
    }
}

impl From<Map<String, Value>> for Entries<'static> {
    /// The members of a map (keys owned): an object built in code rather than parsed.
    fn from(map: Map<String, Value>) -> Self {
        Entries {
            members: map
                .into_iter()
                .map(|(k, v)| (Cow::Owned(k), Member::from(v)))
                .collect(),
        }
    }
}

impl Serialize for Entries<'_> {
    /// As the map of the same members.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

impl<'a> IntoIterator for Entries<'a> {
    type Item = (Cow<'a, str>, Member<'a>);
    type IntoIter = std::vec::IntoIter<(Cow<'a, str>, Member<'a>)>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.into_iter()
    }
}

/// Read access to the members of a JSON object, whichever way it is held.
pub trait Members {
    /// The value of `key`.
    fn member(&self, key: &str) -> Option<&Value>;
}

impl Members for Entries<'_> {
    /// Only values that are not strings: the readers of this trait look for objects.
    fn member(&self, key: &str) -> Option<&Value> {
        self.get(key)?.as_json()
    }
}

impl Members for Map<String, Value> {
    fn member(&self, key: &str) -> Option<&Value> {
        self.get(key)
    }
}

/// Reads the members of one object line.
struct EntriesVisitor<'a> {
    /// Members room is made for first.
    capacity: usize,
    line: std::marker::PhantomData<&'a ()>,
}

impl<'de: 'a, 'a> Visitor<'de> for EntriesVisitor<'a> {
    type Value = Entries<'a>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut members = Vec::with_capacity(self.capacity);
        while let Some(Key(key)) = map.next_key::<Key<'a>>()? {
            members.push((key, map.next_value::<Member<'a>>()?));
        }
        let mut entries = Entries { members };
        entries.dedupe();
        Ok(entries)
    }
}

/// An object key, borrowed when it has no escapes (read as a string [`Member`]).
struct Key<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for Key<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        match member::deserialize_str(deserializer)? {
            Member::Str(key) => Ok(Key(key)),
            // serde_json hands object keys over as strings only.
            Member::Json(_) => Err(de::Error::custom("an object key that is not a string")),
        }
    }
}

/// Parses `s` (surrounding whitespace ignored) as one JSON object.
///
/// `None` for anything else: arrays, scalars, invalid JSON (`NaN`, truncated text, trailing
/// garbage) and objects nested deeper than `max_depth` (`{}` has depth 1). Duplicate keys keep
/// the last value, as serde_json (and bunyan/pino readers) do.
pub fn parse_object(s: &str, max_depth: usize) -> Option<Entries<'_>> {
    let s = s.trim();
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'{') || bytes.last() != Some(&b'}') {
        return None;
    }
    if !depth_within(bytes, max_depth) {
        return None;
    }
    let mut de = serde_json::Deserializer::from_str(s);
    let entries = de
        .deserialize_map(EntriesVisitor {
            capacity: member_estimate(bytes),
            line: std::marker::PhantomData,
        })
        .ok()?;
    de.end().ok()?;
    Some(entries)
}

/// Room for the members of an object line: one more than its commas (exact for a flat object
/// whose strings have no comma), capped. Growing the members' buffer would copy it.
fn member_estimate(bytes: &[u8]) -> usize {
    let commas = memchr::memchr_iter(b',', bytes).count();
    commas.saturating_add(1).min(MAX_MEMBER_ESTIMATE)
}

/// True when the `{`/`[` nesting of `bytes`, counted outside JSON strings, never exceeds
/// `max_depth`. Unbalanced text is allowed here: serde_json rejects it afterwards.
pub fn depth_within(bytes: &[u8], max_depth: usize) -> bool {
    // Fast path: a line with no more opening brackets than the limit cannot nest deeper.
    let openers = memchr::memchr2_iter(b'{', b'[', bytes).count();
    if openers <= max_depth {
        return true;
    }
    max_nesting_exceeds(bytes, max_depth).is_none()
}

/// Walks `bytes` honouring strings and escapes; `Some(())` as soon as the depth exceeds `max`.
fn max_nesting_exceeds(bytes: &[u8], max: usize) -> Option<()> {
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for &b in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_string = false;
            }
            continue;
        }
        match b {
            b'"' => in_string = true,
            b'{' | b'[' => {
                depth += 1;
                if depth > max {
                    return Some(());
                }
            }
            b'}' | b']' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn nested(depth: usize) -> String {
        // depth counts the outer object: {"a":[[1]]} has depth 3.
        let inner = depth.saturating_sub(1);
        format!("{{\"a\":{}1{}}}", "[".repeat(inner), "]".repeat(inner))
    }

    #[test]
    fn plain_object_parses_with_surrounding_whitespace() {
        let m = parse_object("   {\"level\":\"info\",\"message\":\"indented\"}\n", 64).unwrap();
        assert_eq!(m.get("message").and_then(Member::as_str), Some("indented"));
        assert_eq!(m.get("level").and_then(Member::as_str), Some("info"));
    }

    #[test]
    fn arrays_scalars_and_empty_input_are_not_objects() {
        for s in ["[1,2,3]", "null", "\"text\"", "42", "", "   ", "{", "}"] {
            assert_eq!(parse_object(s, 64), None, "{s:?}");
        }
    }

    #[test]
    fn invalid_json_is_rejected() {
        let nan = "{\"timestamp\": \"2024-01-15T10:20:30Z\", \"ratio\": NaN}";
        assert_eq!(parse_object(nan, 64), None);
        assert_eq!(parse_object("{\"a\":1", 64), None, "truncated");
        assert_eq!(
            parse_object("{\"a\":1} trailing", 64),
            None,
            "trailing garbage"
        );
        assert_eq!(parse_object("{\"a\":1}{\"b\":2}", 64), None, "two objects");
        assert_eq!(parse_object("{\"a\":1,}", 64), None, "trailing comma");
        assert_eq!(parse_object("{'a':1}", 64), None, "python dict repr");
    }

    #[test]
    fn duplicate_keys_keep_the_last_value() {
        let m = parse_object("{\"a\":\"property\",\"a\":\"prop\"}", 64).unwrap();
        assert_eq!(m.get("a").and_then(Member::as_str), Some("prop"));
        assert_eq!(m.len(), 1);
    }

    #[test]
    fn repeated_keys_keep_their_first_position_and_last_value_in_small_and_large_objects() {
        for members in [3, SMALL_OBJECT_MEMBERS + 5] {
            let mut text: Vec<String> = (0..members).map(|i| format!("\"k{i}\":{i}")).collect();
            text.push("\"k1\":\"again\"".to_owned());
            let text = format!("{{{}}}", text.join(","));
            let obj = parse_object(&text, 8).unwrap();
            assert_eq!(obj.len(), members, "{text}");
            let keys: Vec<&str> = obj.iter().map(|(k, _)| k).collect();
            assert_eq!(keys[..3], ["k0", "k1", "k2"]);
            assert_eq!(obj.get("k1").and_then(Member::as_str), Some("again"));
            let serde: Map<String, Value> = serde_json::from_str(&text).unwrap();
            assert_eq!(obj.to_json_string(), serde_json::to_string(&serde).unwrap());
        }
    }

    #[test]
    fn keys_without_escapes_are_borrowed_from_the_line() {
        let obj = parse_object(r#"{"plain":1,"tab\tkey":2}"#, 8).unwrap();
        let kinds: Vec<bool> = obj
            .into_iter()
            .map(|(k, _)| matches!(k, Cow::Borrowed(_)))
            .collect();
        assert_eq!(kinds, [true, false]);
    }

    #[test]
    fn depth_at_the_limit_parses_and_one_deeper_does_not() {
        assert!(parse_object(&nested(64), 64).is_some());
        assert_eq!(parse_object(&nested(65), 64), None);
        assert!(parse_object("{}", 1).is_some());
        assert_eq!(parse_object("{\"a\":{}}", 1), None);
    }

    #[test]
    fn hundred_thousand_deep_line_is_rejected_without_recursion() {
        let deep = nested(100_000);
        assert_eq!(parse_object(&deep, 64), None);
        // Even a generous limit stays safe: serde_json's own recursion limit answers `Err`.
        assert_eq!(parse_object(&deep, 1_000_000), None);
    }

    #[test]
    fn brackets_inside_strings_do_not_count_toward_depth() {
        let s = format!("{{\"msg\":\"{}\",\"q\":\"\\\"[[[\"}}", "[{".repeat(200));
        let m = parse_object(&s, 2).unwrap();
        assert_eq!(m.get("q").and_then(Member::as_str), Some("\"[[["));
    }

    #[test]
    fn escaped_backslash_before_quote_ends_the_string() {
        // "a\\" is a complete string; the following [[ are real nesting.
        let s = "{\"a\":\"x\\\\\",\"b\":[[1]]}";
        assert!(parse_object(s, 3).is_some());
        assert_eq!(parse_object(s, 2), None);
    }

    proptest! {
        #[test]
        fn arbitrary_text_never_panics(s in ".{0,300}") {
            let _ = parse_object(&s, 8);
        }

        #[test]
        fn arbitrary_bracket_soup_never_panics(s in "[\\[\\]{}\":,a\\\\ 0-9]{0,400}") {
            let _ = parse_object(&s, 4);
        }

        /// Entries hold what `serde_json::Map` holds, in the same order, and write the same text.
        #[test]
        fn entries_agree_with_serde_json_maps(
            members in proptest::collection::vec(
                (
                    "[a-d\\\\\"é]{0,3}",
                    prop_oneof![
                        (-5i64..5).prop_map(|n| n.to_string()),
                        Just("[1,{\"x\":null}]".to_owned()),
                        Just("{\"k\":\"v\\\"w\"}".to_owned()),
                        Just("true".to_owned()),
                        Just("null".to_owned()),
                        Just("-0.5e3".to_owned()),
                        Just("18446744073709551615".to_owned()),
                        "[a-d\\\\\"é\n\u{1}]{0,6}".prop_map(|s| serde_json::to_string(&s).unwrap()),
                    ],
                ),
                0..24,
            ),
        ) {
            let text = format!(
                "{{{}}}",
                members
                    .iter()
                    .map(|(k, v)| format!("{}:{}", serde_json::to_string(k).unwrap(), v))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let serde: Map<String, Value> = serde_json::from_str(&text).unwrap();
            let entries = parse_object(&text, 8).unwrap();
            for (_, member) in entries.iter() {
                prop_assert!(!matches!(member, Member::Json(Value::String(_))), "strings are read as Str");
                if let Member::Str(Cow::Owned(s)) = member {
                    prop_assert!(s.contains(['\\', '"', '\n', '\u{1}']), "only escaped strings are copied: {:?}", s);
                }
            }
            prop_assert_eq!(entries.to_json_string(), serde_json::to_string(&serde).unwrap());
            prop_assert_eq!(
                serde_json::to_string(&entries).unwrap(),
                serde_json::to_string(&serde).unwrap(),
                "Serialize writes what the map writes"
            );
            prop_assert_eq!(entries.len(), serde.len());
            prop_assert_eq!(entries.clone().into_owned(), entries.clone(), "owned keys, same members");
            let map = entries.into_map();
            prop_assert_eq!(serde_json::to_string(&map).unwrap(), serde_json::to_string(&serde).unwrap());
        }

        /// `insert` does what `serde_json::Map::insert` does with `preserve_order`: an existing
        /// key keeps its position and takes the new value, a new key goes last.
        #[test]
        fn insert_agrees_with_serde_json_maps(
            start in proptest::collection::vec(("[a-e]", 0i64..9), 0..8),
            inserted in proptest::collection::vec(("[a-g]", 10i64..19), 0..8),
        ) {
            let mut map = Map::new();
            for (k, v) in &start {
                map.insert(k.clone(), json!(v));
            }
            let mut entries = Entries::from(map.clone());
            for (k, v) in &inserted {
                map.insert(k.clone(), json!(v));
                entries.insert(Cow::Borrowed(k.as_str()), Member::from(json!(v)));
            }
            prop_assert_eq!(entries.keys().collect::<Vec<_>>(), map.keys().map(String::as_str).collect::<Vec<_>>());
            prop_assert_eq!(entries.into_map(), map);
        }

        #[test]
        fn parsed_objects_never_exceed_the_depth(depth in 1usize..40, max in 1usize..40) {
            let text = nested(depth);
            let parsed = parse_object(&text, max);
            prop_assert_eq!(parsed.is_some(), depth <= max);
        }
    }
}
