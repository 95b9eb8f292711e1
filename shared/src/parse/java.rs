//! Java text lines:
//!
//! - `[LEVEL] message`: Lambda's text log format with a log level configured (advanced logging
//!   controls). The same generic shape is used by other runtimes' loggers, so any `[LEVEL] msg`
//!   not claimed by [`super::python`] lands here (`[ERROR] First test message`).
//! - log4j2 pattern lines as in the AWS docs, `%d{yyyy-MM-dd HH:mm:ss} %X{AWSRequestId} %-5p
//!   %c{1} - %m%n`: `2020-03-18 08:52:43 <uuid> INFO  Handler - message`. The header between
//!   the timestamp and the level may hold up to [`MAX_HEADER_TOKENS`] tokens (request id, thread);
//!   the request id is the UUID-shaped token there or right after the level. The body starts
//!   after the level word: the logger name stays in it (`Handler - ENVIRONMENT VARIABLES:`),
//!   since patterns place it freely and it is part of what the user wrote on the line.
//!
//! Raw `LambdaLogger.log` output has no prefix: it is plain text, and a stack trace inside it is
//! found by [`super::errors::detect`].

use super::python::bracketed_level;
use super::text;
use crate::level::Level;
use crate::model::{Format, ParsedLine};
use crate::time;
use std::borrow::Cow;

/// Tokens allowed between the timestamp and the level of a pattern line.
pub const MAX_HEADER_TOKENS: usize = 3;

/// Longest header token (a bracketed request id or thread name).
const MAX_TOKEN_BYTES: usize = 64;

/// Recognises this format; `None` when the line is not in it.
pub fn parse(msg: &str) -> Option<ParsedLine<'_>> {
    match msg.as_bytes().first()? {
        b'[' => level_prefixed(msg),
        b'0'..=b'9' if msg.as_bytes().get(4) == Some(&b'-') => pattern_line(msg),
        _ => None,
    }
}

/// `[LEVEL] message` (one space or tab after the bracket; nothing at all for an empty message).
fn level_prefixed(msg: &str) -> Option<ParsedLine<'_>> {
    let (level, rest) = bracketed_level(msg)?;
    let body = if rest.is_empty() {
        rest
    } else {
        rest.strip_prefix([' ', '\t'])?
    };
    Some(ParsedLine {
        format: Format::Java,
        level: Some(level),
        body: Cow::Borrowed(body),
        ..ParsedLine::default()
    })
}

/// `<yyyy-MM-dd HH:mm:ss[.SSS]> [header tokens] LEVEL <rest>` on the first line.
fn pattern_line(msg: &str) -> Option<ParsedLine<'_>> {
    let (timestamp, n) = time::parse_prefix(msg)?;
    let mut rest = msg.get(n..)?;
    let mut request_id = None;
    for _ in 0..=MAX_HEADER_TOKENS {
        rest = rest.strip_prefix(' ')?.trim_start_matches(' ');
        let (token, after) = next_token(rest)?;
        if let Some(level) = Level::from_upper_word(token) {
            let mut body = after.trim_start_matches(' ');
            if request_id.is_none() {
                if let Some((id, after_id)) = next_token(body).filter(|(t, _)| is_request_id(t)) {
                    request_id = text::find_request_id(id);
                    body = after_id.trim_start_matches(' ');
                }
            }
            return Some(ParsedLine {
                format: Format::Java,
                timestamp: Some(timestamp),
                request_id: request_id.and_then(text::request_id).map(Cow::Borrowed),
                level: Some(level),
                body: Cow::Borrowed(body),
                ..ParsedLine::default()
            });
        }
        if request_id.is_none() {
            request_id = text::find_request_id(token);
        }
        rest = after;
    }
    None
}

/// A token made only of a request id, possibly bracketed: `6bc2…`, `[6bc2…]`.
fn is_request_id(token: &str) -> bool {
    let bare = token.trim_start_matches('[').trim_end_matches(']');
    text::looks_like_request_id(bare)
}

/// The next space-delimited token on the first line (at most [`MAX_TOKEN_BYTES`]) and the text
/// after it; `None` when the token is empty or too long.
fn next_token(s: &str) -> Option<(&str, &str)> {
    let window = s.as_bytes().get(..s.len().min(MAX_TOKEN_BYTES + 1))?;
    let end = window
        .iter()
        .position(|b| matches!(b, b' ' | b'\t' | b'\n'))
        .unwrap_or(window.len());
    if end == 0 || end > MAX_TOKEN_BYTES {
        return None;
    }
    Some((s.get(..end)?, s.get(end..)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::errors::oracle;
    use crate::parse::{parse_line, ParseOptions};
    use crate::time::EpochMillis;

    const CORPUS: &str = include_str!("../../../tests/fixtures/corpus/01-lambda-text/java.jsonl");
    const AWS_SAMPLE: &str = include_str!(
        "../../../tests/fixtures/corpus/06-subscription/decoded/aws-sample-testloggroup.json"
    );

    #[test]
    fn every_java_corpus_record_meets_its_oracle() {
        oracle::check_file(CORPUS, &[]);
    }

    #[test]
    fn log4j2_docs_pattern_gives_time_request_level_and_logger_body() {
        let line =
            parse("2020-03-18 08:52:43 6bc28136-xmpl-4365-b021-0ce6b2e64ab0 INFO  Handler - x")
                .unwrap();
        assert_eq!(line.format, Format::Java);
        assert_eq!(
            line.request_id.as_deref(),
            Some("6bc28136-xmpl-4365-b021-0ce6b2e64ab0")
        );
        assert_eq!(line.level, Some(Level::Info));
        assert_eq!(line.body, "Handler - x");
        assert_eq!(
            line.timestamp.map(EpochMillis::to_rfc3339).as_deref(),
            Some("2020-03-18T08:52:43.000Z")
        );
    }

    #[test]
    fn pattern_with_thread_or_id_after_level_is_read() {
        let line = parse("2020-03-18 08:52:43.120 [main] ERROR [6bc28136-a9f1-4365-b021-0ce6b2e64ab0] Handler - boom")
            .unwrap();
        assert_eq!(line.level, Some(Level::Error));
        assert_eq!(
            line.request_id.as_deref(),
            Some("6bc28136-a9f1-4365-b021-0ce6b2e64ab0")
        );
        assert_eq!(line.body, "Handler - boom");
        assert_eq!(line.timestamp.map(|t| t.0 % 1000), Some(120));
    }

    #[test]
    fn pattern_without_level_is_not_java() {
        assert_eq!(
            parse("2020-03-18 08:52:43 just some words here and more"),
            None
        );
        assert_eq!(parse("2020-03-18 08:52:43"), None);
        assert_eq!(parse("2020-03-18T08:52:43Z\tINFO\tx"), None);
    }

    #[test]
    fn bracketed_level_form_strips_one_separator() {
        let line = parse("[WARN] test log").unwrap();
        assert_eq!(line.level, Some(Level::Warn));
        assert_eq!(line.body, "test log");
        assert_eq!(parse("[INFO]").map(|l| l.body), Some(Cow::Borrowed("")));
        assert_eq!(parse("[INFO]x"), None);
        assert_eq!(parse("[dd.trace_id=1] x"), None);
    }

    #[test]
    fn aws_sample_bracketed_errors_are_error_level() {
        let payload: serde_json::Value = serde_json::from_str(AWS_SAMPLE).unwrap();
        let events = payload["logEvents"].as_array().unwrap();
        let levels: Vec<_> = events
            .iter()
            .map(|e| {
                let line = parse_line(e["message"].as_str().unwrap(), &ParseOptions::default());
                (line.level, line.error.is_none())
            })
            .collect();
        assert_eq!(
            levels,
            [(Some(Level::Error), true), (Some(Level::Error), true)]
        );
        let line = parse_line("[ERROR] First test message", &ParseOptions::default());
        assert_eq!(line.body, "First test message");
    }

    proptest::proptest! {
        #[test]
        fn any_text_never_panics(s in "\\PC{0,80}") {
            let _ = parse(&s);
        }

        #[test]
        fn text_after_a_pattern_timestamp_never_panics(
            head in "(2020-03-18 08:52:43|2020-03-18 08:52:43.1|\\[INFO\\]|\\[É\\])",
            rest in "[ \t\\[\\]a-zA-Z0-9\\-é🚀\u{a0}\n]{0,60}",
        ) {
            let msg = format!("{head}{rest}");
            let _ = parse(&msg);
            let _ = parse_line(&msg, &ParseOptions::default());
        }
    }
}
