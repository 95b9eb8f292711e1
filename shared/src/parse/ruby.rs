//! Ruby `Logger` as set up by the Lambda runtime:
//! `I, [2019-10-26T10:04:01.689856 #8]  INFO <requestId> -- <progname>: <message>`.
//!
//! The first letter repeats the level (`D I W E F A`), the timestamp has microseconds and no
//! zone (UTC on Lambda), the level word is right-aligned to five characters, the request id is
//! optional, and `progname` is usually empty (`-- : message`). `puts` output is plain text.

use super::text;
use crate::level::Level;
use crate::model::{Format, ParsedLine};
use crate::time;
use std::borrow::Cow;

/// Longest level word (`ERROR`, `FATAL`, `DEBUG`, and `ANY` for unknown severities).
const MAX_LEVEL_BYTES: usize = 5;

/// Longest request-id token before `--`.
const MAX_REQUEST_ID_BYTES: usize = 128;

/// Longest `progname` before `: `.
const MAX_PROGNAME_BYTES: usize = 128;

/// Recognises this format; `None` when the line is not in it.
pub fn parse(msg: &str) -> Option<ParsedLine<'_>> {
    let b = msg.as_bytes();
    if !matches!(b.first(), Some(b'D' | b'I' | b'W' | b'E' | b'F' | b'A'))
        || b.get(1..4) != Some(b", [".as_slice())
    {
        return None;
    }
    let stamped = msg.get(4..)?;
    let (timestamp, n) = time::parse_prefix(stamped)?;
    let after_pid = skip_pid(stamped.get(n..)?)?;
    let rest = after_pid.trim_start_matches(' ');
    let level_end = rest
        .bytes()
        .take(MAX_LEVEL_BYTES + 1)
        .position(|c| c == b' ')?;
    let word = rest.get(..level_end)?;
    if word.is_empty() || !word.bytes().all(|c| c.is_ascii_uppercase()) {
        return None;
    }
    let rest = rest.get(level_end..)?.trim_start_matches(' ');
    let (request_id, rest) = match rest.strip_prefix("--") {
        Some(after_dashes) => (None, after_dashes),
        None => {
            let end = rest
                .bytes()
                .take(MAX_REQUEST_ID_BYTES + 1)
                .position(|c| c == b' ')?;
            let id = rest.get(..end)?;
            (
                text::request_id(id),
                rest.get(end + 1..)?.strip_prefix("--")?,
            )
        }
    };
    let body = after_progname(rest.strip_prefix(' ')?)?;
    Some(ParsedLine {
        format: Format::Ruby,
        timestamp: Some(timestamp),
        request_id: request_id.map(Cow::Borrowed),
        level: Level::from_upper_word(word),
        body: Cow::Borrowed(body),
        ..ParsedLine::default()
    })
}

/// ` #<pid>]` after the timestamp; returns what follows the bracket.
fn skip_pid(s: &str) -> Option<&str> {
    let pid = s.strip_prefix(" #")?;
    let digits = pid.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    pid.get(digits..)?.strip_prefix(']')
}

/// `<progname>: <message>` → message. An empty message may have lost its trailing space.
fn after_progname(s: &str) -> Option<&str> {
    let colon = s
        .bytes()
        .take(MAX_PROGNAME_BYTES + 1)
        .position(|c| c == b':')?;
    let after = s.get(colon + 1..)?;
    if after.is_empty() {
        return Some(after);
    }
    after.strip_prefix(' ')
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::errors::oracle;
    use crate::time::EpochMillis;

    const CORPUS: &str = include_str!("../../../tests/fixtures/corpus/01-lambda-text/ruby.jsonl");

    #[test]
    fn every_ruby_corpus_record_meets_its_oracle() {
        oracle::check_file(CORPUS, &[]);
    }

    #[test]
    fn logger_line_gives_time_level_request_and_message() {
        let line =
            parse("I, [2019-10-26T10:04:01.689856 #8]  INFO 6573a3a0-2fb1-4e78-a582-2c769282e0bd -- : ## EVENT")
                .unwrap();
        assert_eq!(line.format, Format::Ruby);
        assert_eq!(line.level, Some(Level::Info));
        assert_eq!(
            line.request_id.as_deref(),
            Some("6573a3a0-2fb1-4e78-a582-2c769282e0bd")
        );
        assert_eq!(line.body, "## EVENT");
        assert_eq!(
            line.timestamp.map(EpochMillis::to_rfc3339).as_deref(),
            Some("2019-10-26T10:04:01.689Z")
        );
    }

    #[test]
    fn stock_logger_without_request_id_and_with_progname_is_read() {
        let line = parse("E, [2019-10-26T10:04:01.689856 #12] ERROR -- app: failed: x").unwrap();
        assert_eq!(line.level, Some(Level::Error));
        assert_eq!(line.request_id, None);
        assert_eq!(line.body, "failed: x");
        let line = parse("A, [2019-10-26T10:04:01.689856 #12]   ANY -- :").unwrap();
        assert_eq!(line.level, None);
        assert_eq!(line.body, "");
    }

    #[test]
    fn near_misses_are_not_ruby() {
        for msg in [
            "AWS_LAMBDA_LOG_GROUP_NAME",
            "I, [not a date #8]  INFO -- : x",
            "I, [2019-10-26T10:04:01.689856 8]  INFO -- : x",
            "I, [2019-10-26T10:04:01.689856 #8]  info -- : x",
            "I, [2019-10-26T10:04:01.689856 #8]  INFO id : x",
            "I, [2019-10-26T10:04:01.689856 #8]  INFO -- x",
        ] {
            assert_eq!(parse(msg), None, "{msg}");
        }
    }

    proptest::proptest! {
        #[test]
        fn any_text_never_panics(s in "\\PC{0,80}") {
            let _ = parse(&s);
        }

        #[test]
        fn text_after_a_ruby_stamp_never_panics(
            pid in "[0-9é]{0,3}",
            rest in "[ \\]A-Za-z0-9\\-:é🚀\u{a0}\n]{0,40}",
        ) {
            let msg = format!("I, [2019-10-26T10:04:01.689856 #{pid}]{rest}");
            let _ = parse(&msg);
            let _ = crate::parse::parse_line(&msg, &crate::parse::ParseOptions::default());
        }
    }
}
