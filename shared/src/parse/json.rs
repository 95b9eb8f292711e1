//! JSON helpers shared by the JSON parsers: depth-capped parsing of one JSON object line.
//!
//! The nesting depth is checked by a cheap byte scan *before* serde_json sees the text, so a
//! line of 100 000 `[` can neither hit serde's recursion limit nor the stack: it is simply not
//! an object line and ships as text.

use serde_json::{Map, Value};

/// Parses `s` (surrounding whitespace ignored) as one JSON object.
///
/// `None` for anything else: arrays, scalars, invalid JSON (`NaN`, truncated text, trailing
/// garbage) and objects nested deeper than `max_depth` (`{}` has depth 1). Duplicate keys keep
/// the last value, as serde_json (and bunyan/pino readers) do.
pub fn parse_object(s: &str, max_depth: usize) -> Option<Map<String, Value>> {
    let s = s.trim();
    let bytes = s.as_bytes();
    if bytes.first() != Some(&b'{') || bytes.last() != Some(&b'}') {
        return None;
    }
    if !depth_within(bytes, max_depth) {
        return None;
    }
    serde_json::from_str::<Map<String, Value>>(s).ok()
}

/// True when the `{`/`[` nesting of `bytes`, counted outside JSON strings, never exceeds
/// `max_depth`. Unbalanced text is allowed here: serde_json rejects it afterwards.
pub fn depth_within(bytes: &[u8], max_depth: usize) -> bool {
    // Fast path: a line with no more opening brackets than the limit cannot nest deeper.
    let openers = bytes.iter().filter(|&&b| b == b'{' || b == b'[').count();
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
        assert_eq!(m.get("message"), Some(&json!("indented")));
        assert_eq!(m.get("level"), Some(&json!("info")));
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
        assert_eq!(m.get("a"), Some(&json!("prop")));
        assert_eq!(m.len(), 1);
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
        assert_eq!(m.get("q"), Some(&json!("\"[[[")));
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

        #[test]
        fn parsed_objects_never_exceed_the_depth(depth in 1usize..40, max in 1usize..40) {
            let parsed = parse_object(&nested(depth), max);
            prop_assert_eq!(parsed.is_some(), depth <= max);
        }
    }
}
