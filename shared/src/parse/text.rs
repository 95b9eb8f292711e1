//! Small text helpers shared by the line parsers, the Node.js / .NET `<timestamp>\t<requestId>\t`
//! prefix among them.

use crate::time::{self, EpochMillis};
use std::borrow::Cow;

/// Longest request-id column accepted (AWS ids are 36 bytes; `undefined` is 9).
pub const MAX_REQUEST_ID_BYTES: usize = 128;

/// Removes exactly one trailing line ending (`\n` or `\r\n`) and normalises every other lone
/// `\r` (Node.js and Python write `\r` for embedded newlines on stdout) to `\n`. Borrows unless a
/// `\r` has to be rewritten.
pub fn normalize_message(message: &str) -> Cow<'_, str> {
    let trimmed = message
        .strip_suffix("\r\n")
        .or_else(|| message.strip_suffix('\n'))
        .unwrap_or(message);
    if memchr::memchr(b'\r', trimmed.as_bytes()).is_none() {
        return Cow::Borrowed(trimmed);
    }
    let mut out = String::with_capacity(trimmed.len());
    let mut chars = trimmed.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() != Some(&'\n') {
                out.push('\n');
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A request id as written by a runtime, or `None` for the placeholders runtimes use when there
/// is none (`undefined`, `null`, empty). Request ids are not required to be strict hex UUIDs
/// (AWS docs use `8f507cfc-xmpl-…`).
pub fn request_id(s: &str) -> Option<&str> {
    let s = s.trim();
    match s {
        "" | "undefined" | "null" | "None" | "-" => None,
        _ => Some(s),
    }
}

/// True when `s` has the 8-4-4-4-12 shape of a UUID, allowing any alphanumerics (docs examples
/// write `xmpl` inside ids).
pub fn looks_like_request_id(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 36 {
        return false;
    }
    b.iter().enumerate().all(|(i, c)| match i {
        8 | 13 | 18 | 23 => *c == b'-',
        _ => c.is_ascii_alphanumeric(),
    })
}

/// Finds the first UUID-shaped token in `s` (used for custom log4j2 patterns).
pub fn find_request_id(s: &str) -> Option<&str> {
    let b = s.as_bytes();
    let mut i = 0;
    while i + 36 <= b.len() {
        // Only start at a token boundary.
        if (i == 0 || !b[i - 1].is_ascii_alphanumeric()) && b[i].is_ascii_alphanumeric() {
            if let Some(cand) = s.get(i..i + 36) {
                let after_ok = b
                    .get(i + 36)
                    .is_none_or(|c| !c.is_ascii_alphanumeric() && *c != b'-');
                if after_ok && looks_like_request_id(cand) {
                    return Some(cand);
                }
            }
        }
        i += 1;
    }
    None
}

/// Splits off the first `n` tab-separated fields; the remainder (which may contain tabs) is last.
pub fn split_tabs(s: &str, n: usize) -> Option<(Vec<&str>, &str)> {
    let mut fields = Vec::with_capacity(n);
    let mut rest = s;
    for _ in 0..n {
        let i = memchr::memchr(b'\t', rest.as_bytes())?;
        fields.push(&rest[..i]);
        rest = &rest[i + 1..];
    }
    Some((fields, rest))
}

/// The `<timestamp>\t<requestId>\t` prefix shared by the Node.js and .NET runtimes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TabPrefix<'a> {
    /// The timestamp column.
    pub timestamp: EpochMillis,
    /// The request-id column as written (may be empty or `undefined`).
    pub request_id: &'a str,
    /// Everything after the request-id column's tab.
    pub rest: &'a str,
}

/// Reads `<timestamp>\t<requestId>\t` at the start of `msg`. The timestamp must be valid and the
/// request-id column short and free of spaces, so ordinary tabbed text is not mistaken for it.
pub fn tab_prefix(msg: &str) -> Option<TabPrefix<'_>> {
    let (timestamp, n) = time::parse_prefix(msg)?;
    let after_ts = msg.get(n..)?.strip_prefix('\t')?;
    let (request_id, rest) = split_short_field(after_ts, b'\t', MAX_REQUEST_ID_BYTES)?;
    if request_id.contains([' ', '\n']) {
        return None;
    }
    Some(TabPrefix {
        timestamp,
        request_id,
        rest,
    })
}

/// Splits `s` at the first `sep` found within its first `max_len + 1` bytes: the field before
/// and the text after the separator. Bounded, so a long message without `sep` costs nothing.
pub fn split_short_field(s: &str, sep: u8, max_len: usize) -> Option<(&str, &str)> {
    let window = s.as_bytes().get(..s.len().min(max_len + 1))?;
    let i = memchr::memchr(sep, window)?;
    // `sep` is ASCII, so `i` and `i + 1` are char boundaries.
    Some((s.get(..i)?, s.get(i + 1..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_one_newline_and_normalises_lone_cr() {
        assert_eq!(normalize_message("a\n"), "a");
        assert_eq!(normalize_message("a\n\n"), "a\n");
        assert_eq!(normalize_message("windows line\r\n"), "windows line");
        assert_eq!(normalize_message("EVENT\r{\r}\n"), "EVENT\n{\n}");
        assert!(matches!(normalize_message("plain\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn placeholder_request_ids_are_absent() {
        assert_eq!(request_id("undefined"), None);
        assert_eq!(request_id(""), None);
        assert_eq!(
            request_id("8f507cfc-xmpl-4697-b07a-ac58fc914c95"),
            Some("8f507cfc-xmpl-4697-b07a-ac58fc914c95")
        );
    }

    #[test]
    fn finds_uuid_shaped_ids_inside_text() {
        let line = "2020-03-18 08:52:43 6bc28136-xmpl-4365-b021-0ce6b2e64ab0 INFO  Handler - x";
        assert_eq!(
            find_request_id(line),
            Some("6bc28136-xmpl-4365-b021-0ce6b2e64ab0")
        );
        assert_eq!(find_request_id("no id here"), None);
    }
}
