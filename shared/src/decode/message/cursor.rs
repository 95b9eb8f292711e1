//! A cursor over JSON text for the direct payload reader ([`super::direct`]): each method reads
//! one piece of the common shape byte by byte, or answers `None` where the text leaves that shape,
//! so that the caller gives the whole text to serde_json instead. Strings are borrowed when they
//! have no escapes and unescaped in one pass when they have.

use crate::json::next_escape;
use std::borrow::Cow;

/// A position in a JSON text.
pub(super) struct Cursor<'t> {
    text: &'t str,
    bytes: &'t [u8],
    at: usize,
}

impl<'t> Cursor<'t> {
    /// At the start of `text`.
    pub(super) fn new(text: &'t str) -> Self {
        Cursor {
            text,
            bytes: text.as_bytes(),
            at: 0,
        }
    }

    /// The next byte that is not JSON whitespace (the cursor left on it).
    pub(super) fn peek(&mut self) -> Option<u8> {
        while let Some(&b) = self.bytes.get(self.at) {
            if !matches!(b, b' ' | b'\n' | b'\r' | b'\t') {
                return Some(b);
            }
            self.at += 1;
        }
        None
    }

    /// Consumes `byte` (after whitespace).
    pub(super) fn eat(&mut self, byte: u8) -> Option<()> {
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// True when only whitespace is left.
    pub(super) fn at_end(&mut self) -> bool {
        self.peek().is_none()
    }

    /// `open` then, when `close` follows at once, the close too: `Some(true)` for an empty
    /// object or array.
    pub(super) fn open(&mut self, open: u8, close: u8) -> Option<bool> {
        self.eat(open)?;
        if self.peek()? == close {
            self.at += 1;
            return Some(true);
        }
        Some(false)
    }

    /// After a member or element: `true` on `,` (another one follows), `false` on `close`.
    pub(super) fn more(&mut self, close: u8) -> Option<bool> {
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

    /// A string without escapes, borrowed from the text.
    pub(super) fn plain_str(&mut self) -> Option<&'t str> {
        self.eat(b'"')?;
        let start = self.at;
        let end = next_escape(self.bytes, start)?;
        if self.bytes.get(end) != Some(&b'"') {
            return None;
        }
        self.at = end + 1;
        self.text.get(start..end)
    }

    /// A string, borrowed when it has no escapes, else unescaped into a string of its own.
    pub(super) fn str(&mut self) -> Option<Cow<'t, str>> {
        let mut owned = String::new();
        Some(match self.str_into(&mut owned)? {
            Some(text) => Cow::Borrowed(text),
            None => Cow::Owned(owned),
        })
    }

    /// A string with or without escapes; escapes are unescaped onto `out` (nothing is written
    /// when there are none). Returns the borrowed text when it had no escapes.
    pub(super) fn str_into(&mut self, out: &mut String) -> Option<Option<&'t str>> {
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
    /// A lone surrogate is left to serde_json (which rejects it).
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

    /// A non-negative integer of plain digits (no sign, fraction, exponent or leading zero)
    /// that fits a `u64`: what serde_json reads as a `u64`.
    pub(super) fn digits(&mut self) -> Option<u64> {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_borrowed_without_escapes_and_unescaped_as_serde_json_does_with_them() {
        for (json, expected) in [
            (r#""plain""#, Some("plain")),
            (
                r#""a\tb\n\"c\" \\ \/ \b\f\r""#,
                Some("a\tb\n\"c\" \\ / \u{8}\u{c}\r"),
            ),
            (r#""caf\u00e9 \ud83d\ude00 \u0000""#, Some("café 😀 \u{0}")),
            (r#""\ud83d""#, None),
            (r#""\ude00""#, None),
            (r#""\ud83d\u0041""#, None),
            (r#""\x""#, None),
            (r#""\u12""#, None),
            ("\"raw\ttab\"", None),
            (r#""open"#, None),
        ] {
            let read = Cursor::new(json).str();
            assert_eq!(read.as_deref(), expected, "{json}");
            if let Some(s) = &read {
                let serde: String = serde_json::from_str(json).unwrap();
                assert_eq!(s, &serde);
                assert_eq!(
                    matches!(s, Cow::Borrowed(_)),
                    !json.contains('\\'),
                    "{json}"
                );
            } else {
                assert!(serde_json::from_str::<String>(json).is_err(), "{json}");
            }
        }
    }

    #[test]
    fn digits_are_what_serde_json_reads_as_a_u64() {
        for (json, expected) in [
            ("0", Some(0)),
            ("1700000000000", Some(1_700_000_000_000)),
            ("18446744073709551615", Some(u64::MAX)),
            ("18446744073709551616", None),
            ("01", None),
            ("-1", None),
            ("1.5", None),
            ("1e3", None),
            ("", None),
        ] {
            assert_eq!(Cursor::new(json).digits(), expected, "{json:?}");
            if let Some(n) = expected {
                assert_eq!(
                    serde_json::from_str::<serde_json::Value>(json).unwrap(),
                    serde_json::Value::from(n)
                );
            }
        }
    }
}
