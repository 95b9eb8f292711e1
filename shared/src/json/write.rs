//! JSON written byte for byte as `serde_json::to_writer` writes it (compact, members in their
//! order), without serde's per-character escaping: strings are scanned eight bytes at a time for
//! the few bytes JSON escapes.

use serde_json::{Map, Value};

/// Bytes examined per step of the escape scan.
const WORD: usize = 8;
/// Lowercase hex digits of `\u00XX` escapes (serde_json writes lowercase).
const HEX: &[u8; 16] = b"0123456789abcdef";

/// The escape serde_json writes for `b`, or `None` when `b` is written as is.
fn escape_of(b: u8) -> Option<&'static [u8]> {
    match b {
        b'"' => Some(b"\\\""),
        b'\\' => Some(b"\\\\"),
        b'\n' => Some(b"\\n"),
        b'\r' => Some(b"\\r"),
        b'\t' => Some(b"\\t"),
        0x08 => Some(b"\\b"),
        0x0c => Some(b"\\f"),
        0x00..=0x1f => Some(b"\\u00"),
        _ => None,
    }
}

/// True when JSON escapes `b` (a control character, `"` or `\`).
fn needs_escape(b: u8) -> bool {
    b < 0x20 || b == b'"' || b == b'\\'
}

/// `0x01` in every byte of a word.
const ONES: u64 = u64::from_le_bytes([0x01; 8]);
/// `0x80` in every byte of a word.
const HIGH_BITS: u64 = u64::from_le_bytes([0x80; 8]);

/// A word whose high bit is set in the lowest byte of `word` (little-endian) that JSON escapes;
/// bytes above that one may be set too (borrows), bytes below it never are, so the trailing zero
/// count finds exactly the first one. Zero when no byte needs an escape.
fn escape_bits(word: u64) -> u64 {
    let quote = word ^ (ONES * u64::from(b'"'));
    let backslash = word ^ (ONES * u64::from(b'\\'));
    let zero_byte = |w: u64| w.wrapping_sub(ONES) & !w;
    let control = word.wrapping_sub(ONES * 0x20) & !word;
    (zero_byte(quote) | zero_byte(backslash) | control) & HIGH_BITS
}

/// Position of the first byte at or after `from` that JSON escapes: eight bytes per step, the
/// byte found from the word's bits (no byte loop, so the short runs between escapes in JSON log
/// lines cost one or two steps), then byte by byte for the last few bytes.
pub(crate) fn next_escape(bytes: &[u8], from: usize) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let mut words = rest.chunks_exact(WORD);
    let mut offset = from;
    for word in words.by_ref() {
        let mut le = [0u8; WORD];
        le.copy_from_slice(word);
        let bits = escape_bits(u64::from_le_bytes(le));
        if bits != 0 {
            return Some(offset + bits.trailing_zeros() as usize / 8);
        }
        offset += WORD;
    }
    words
        .remainder()
        .iter()
        .position(|&b| needs_escape(b))
        .map(|p| offset + p)
}

/// Writes `s` as a JSON string literal (quotes included), escaping exactly as serde_json does:
/// `"` `\` and control characters; everything else, non-ASCII included, as is.
pub fn write_json_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut i = 0;
    while let Some(at) = next_escape(bytes, i) {
        let b = bytes.get(at).copied().unwrap_or(b' ');
        out.extend_from_slice(bytes.get(i..at).unwrap_or_default());
        if let Some(escape) = escape_of(b) {
            out.extend_from_slice(escape);
            if escape == b"\\u00" {
                out.push(HEX[usize::from(b >> 4)]);
                out.push(HEX[usize::from(b & 0xf)]);
            }
        }
        i = at + 1;
    }
    out.extend_from_slice(bytes.get(i..).unwrap_or_default());
    out.push(b'"');
}

/// Writes `value` as serde_json writes it (compact; object members in their order), strings
/// through [`write_json_str`]. Nesting is bounded by the depth cap of the JSON parsers that built
/// the value.
pub fn write_json_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        // Formatting a number into a Vec cannot fail.
        Value::Number(n) => {
            let _ = serde_json::to_writer(&mut *out, n);
        }
        Value::String(s) => write_json_str(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_json_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(members) => write_json_map(out, members),
    }
}

/// Writes a JSON object of `members`, as [`write_json_value`].
pub fn write_json_map(out: &mut Vec<u8>, members: &Map<String, Value>) {
    write_json_members(
        out,
        members.iter().map(|(k, v)| (k.as_str(), v)),
        write_json_value,
    );
}

/// Writes a JSON object of `members` as serde_json writes one (compact, in the order given,
/// keys escaped), each value by `write_value`: for maps and for member lists alike.
pub fn write_json_members<'m, V>(
    out: &mut Vec<u8>,
    members: impl IntoIterator<Item = (&'m str, V)>,
    mut write_value: impl FnMut(&mut Vec<u8>, V),
) {
    out.push(b'{');
    for (i, (key, value)) in members.into_iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_json_str(out, key);
        out.push(b':');
        write_value(out, value);
    }
    out.push(b'}');
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn escaped(s: &str) -> String {
        let mut out = Vec::new();
        write_json_str(&mut out, s);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn the_escape_scan_stops_at_exactly_the_bytes_that_have_an_escape() {
        for b in 0..=u8::MAX {
            assert_eq!(needs_escape(b), escape_of(b).is_some(), "byte {b:#04x}");
        }
    }

    /// The first byte at or after `from` that needs an escape, one byte at a time.
    fn naive_next_escape(bytes: &[u8], from: usize) -> Option<usize> {
        (from..bytes.len()).find(|&i| needs_escape(bytes[i]))
    }

    #[test]
    fn the_word_scan_finds_every_byte_at_every_position_of_a_word() {
        for b in 0..=u8::MAX {
            for at in 0..20 {
                // Bytes around the one placed that borrow or carry in the word arithmetic.
                for filler in [b'a', 0x7f, 0x80, 0xff, 0x21, 0x5d] {
                    let mut bytes = vec![filler; 20];
                    bytes[at] = b;
                    for from in [0, at.saturating_sub(3), at] {
                        assert_eq!(
                            next_escape(&bytes, from),
                            naive_next_escape(&bytes, from),
                            "byte {b:#04x} at {at} from {from} among {filler:#04x}"
                        );
                    }
                }
            }
        }
        assert_eq!(next_escape(b"abc", 4), None);
    }

    proptest::proptest! {
        #[test]
        fn the_word_scan_agrees_with_a_byte_scan(
            bytes in proptest::collection::vec(proptest::sample::select(vec![0u8, 0x1f, 0x20, b'"', b'\\', b'a', 0x7f, 0x80, 0xff]), 0..40),
            from in 0usize..42,
        ) {
            proptest::prop_assert_eq!(next_escape(&bytes, from), naive_next_escape(&bytes, from));
        }
    }

    #[test]
    fn strings_are_escaped_like_serde_json() {
        for s in [
            "",
            "plain ascii text that is longer than one word",
            "quote \" and backslash \\ inside",
            "tab\tnewline\nreturn\rbell\u{7}nul\u{0}esc\u{1b}del\u{7f}",
            "\u{8}\u{c}\u{1f}",
            "unicode é … 日本語 \u{a0}\u{a0}File",
            "\"",
            "ends with backslash\\",
        ] {
            assert_eq!(escaped(s), serde_json::to_string(s).unwrap(), "{s:?}");
        }
    }

    /// Arbitrary JSON values: scalars (integers, floats, strings with escapes) nested up to four
    /// levels in arrays and objects.
    fn json_value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e300f64..1e300).prop_map(Value::from),
            any::<String>().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 64, 8, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
                proptest::collection::vec((any::<String>(), inner), 0..8)
                    .prop_map(|members| Value::Object(members.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #[test]
        fn any_string_is_escaped_like_serde_json(s in any::<String>()) {
            prop_assert_eq!(escaped(&s), serde_json::to_string(&s).unwrap());
        }

        #[test]
        fn any_json_value_is_written_like_serde_json(v in json_value()) {
            let mut fast = Vec::new();
            write_json_value(&mut fast, &v);
            prop_assert_eq!(String::from_utf8(fast).unwrap(), serde_json::to_string(&v).unwrap());
        }

        #[test]
        fn control_heavy_strings_are_escaped_like_serde_json(
            s in proptest::collection::vec(
                prop_oneof![Just('"'), Just('\\'), Just('\n'), Just('a'), Just('é'),
                            (0u32..0x20).prop_map(|c| char::from_u32(c).unwrap_or('x'))],
                0..40,
            ).prop_map(|v| v.into_iter().collect::<String>())
        ) {
            prop_assert_eq!(escaped(&s), serde_json::to_string(&s).unwrap());
        }
    }
}
