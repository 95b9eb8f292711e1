//! Python runtime text prefix (`logging` through the Lambda bootstrap):
//!
//! - `[LEVEL]\t<YYYY-MM-DDTHH:MM:SS.mmmZ>\t<requestId>\t<message>`, LEVEL being Python's name
//!   (`DEBUG INFO WARNING ERROR CRITICAL`); the request id may be empty;
//! - the same with runs of spaces instead of tabs, as the AWS docs render it, accepted only when
//!   the second field is a valid timestamp (and a request id only when it is UUID-shaped);
//! - the runtime's report of an unhandled exception: `[ERROR] <Type>: <message>` then
//!   `Traceback (most recent call last):` and frames indented with U+00A0. It has no timestamp
//!   nor request id; the body is the whole message, unchanged.
//!
//! `[LEVEL] message` lines that are neither (Lambda's text format with a log level, e.g.
//! `[ERROR] First test message`) are left to [`super::java`]; `print()` output is plain text.

use super::errors;
use super::text;
use super::text::{split_short_field, MAX_REQUEST_ID_BYTES};
use crate::level::Level;
use crate::model::{ErrorInfo, Format, ParsedLine};
use crate::time::{self, EpochMillis};
use std::borrow::Cow;

/// Longest level word between the brackets (`CRITICAL`).
pub const MAX_LEVEL_WORD_BYTES: usize = 8;

/// Longest timestamp column (`2020-01-31T22:12:58.535Z` is 24 bytes; allow offsets and µs).
const MAX_TIMESTAMP_BYTES: usize = 40;

/// The line the runtime writes after `[ERROR] Type: msg` when the error has a stack.
const TRACEBACK_HEADER: &str = "Traceback (most recent call last):";

/// Reads `[LEVEL]` at the start of `msg`: the level and the text after `]`. Shared with the
/// `[LEVEL] message` form of [`super::java`].
pub fn bracketed_level(msg: &str) -> Option<(Level, &str)> {
    let inner = msg.strip_prefix('[')?;
    let (word, rest) = split_short_field(inner, b']', MAX_LEVEL_WORD_BYTES)?;
    Some((Level::from_upper_word(word)?, rest))
}

/// Recognises this format; `None` when the line is not in it.
pub fn parse(msg: &str) -> Option<ParsedLine<'_>> {
    if msg.as_bytes().first() != Some(&b'[') {
        return None;
    }
    let (level, rest) = bracketed_level(msg)?;
    if let Some(columns) = rest.strip_prefix('\t') {
        return tab_columns(level, columns);
    }
    let spaced = rest.strip_prefix(' ')?;
    spaced_columns(level, spaced).or_else(|| match level {
        Level::Error => unhandled_exception(msg, spaced),
        _ => None,
    })
}

/// `<ts>\t<requestId>\t<message>` after `[LEVEL]\t`.
fn tab_columns(level: Level, columns: &str) -> Option<ParsedLine<'_>> {
    let (ts, rest) = split_short_field(columns, b'\t', MAX_TIMESTAMP_BYTES)?;
    let (request_id, body) = split_short_field(rest, b'\t', MAX_REQUEST_ID_BYTES)?;
    if request_id.contains([' ', '\n']) {
        return None;
    }
    Some(logger_line(
        level,
        time::parse_rfc3339ish(ts),
        text::request_id(request_id),
        body,
    ))
}

/// The docs rendering: `<ts>  <requestId>    <message>` with runs of spaces or tabs.
fn spaced_columns(level: Level, columns: &str) -> Option<ParsedLine<'_>> {
    let columns = trim_blanks(columns);
    let (timestamp, n) = time::parse_prefix(columns)?;
    let after_ts = columns.get(n..)?;
    if !(after_ts.is_empty() || after_ts.starts_with([' ', '\t'])) {
        return None;
    }
    let rest = trim_blanks(after_ts);
    let token_end = rest.find([' ', '\t', '\n']).unwrap_or(rest.len());
    let token = rest.get(..token_end)?;
    let (request_id, body) = if text::looks_like_request_id(token) {
        (Some(token), trim_blanks(rest.get(token_end..)?))
    } else {
        (None, rest)
    };
    Some(logger_line(level, Some(timestamp), request_id, body))
}

/// Leading spaces and tabs removed (newlines kept).
fn trim_blanks(s: &str) -> &str {
    s.trim_start_matches([' ', '\t'])
}

fn logger_line<'a>(
    level: Level,
    timestamp: Option<EpochMillis>,
    request_id: Option<&'a str>,
    body: &'a str,
) -> ParsedLine<'a> {
    ParsedLine {
        format: Format::Python,
        timestamp,
        request_id: request_id.map(Cow::Borrowed),
        level: Some(level),
        body: Cow::Borrowed(body),
        ..ParsedLine::default()
    }
}

/// `[ERROR] <Type>: <message>\nTraceback (most recent call last):\n…`: the runtime's report of
/// an unhandled exception. The traceback header is required: without it the line is an ordinary
/// `[ERROR] message`.
fn unhandled_exception<'a>(msg: &'a str, after_level: &'a str) -> Option<ParsedLine<'a>> {
    let (first_line, stack) = after_level.split_once('\n')?;
    if !stack.starts_with(TRACEBACK_HEADER) {
        return None;
    }
    let (kind, message) = errors::split_exception_line(first_line)?;
    let stack = stack.trim_end();
    let error = ErrorInfo {
        kind: Some(kind.to_owned()),
        message: message.map(str::to_owned),
        stacktrace: Some(stack.to_owned()),
    };
    Some(ParsedLine {
        format: Format::Python,
        level: Some(Level::Error),
        body: Cow::Borrowed(msg),
        error: Some(Box::new(error)),
        ..ParsedLine::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::errors::oracle;

    const CORPUS: &str = include_str!("../../../tests/fixtures/corpus/01-lambda-text/python.jsonl");

    #[test]
    fn every_python_corpus_record_meets_its_oracle() {
        oracle::check_file(CORPUS, oracle::PYTHON_SKIPS);
    }

    #[test]
    fn tab_columns_give_level_time_request_and_body() {
        let line = parse("[WARNING]\t2026-04-22T21:00:55.118Z\t\tLAMBDA_WARNING: x").unwrap();
        assert_eq!(line.format, Format::Python);
        assert_eq!(line.level, Some(Level::Warn));
        assert_eq!(line.request_id, None);
        assert_eq!(line.body, "LAMBDA_WARNING: x");
        assert_eq!(
            line.timestamp.map(EpochMillis::to_rfc3339).as_deref(),
            Some("2026-04-22T21:00:55.118Z")
        );
        let line = parse("[CRITICAL]\t2026-04-22T21:00:55.118Z\tid-1\tdown").unwrap();
        assert_eq!(line.level, Some(Level::Fatal));
        assert_eq!(line.request_id.as_deref(), Some("id-1"));
    }

    #[test]
    fn spaced_columns_need_a_timestamp_and_a_uuid_shaped_id() {
        let line =
            parse("[INFO]  2020-01-31T22:12:58.535Z    1c8df7d3-xmpl-46da-9778-518e6eca8125    {'key': 'value'}")
                .unwrap();
        assert_eq!(
            line.request_id.as_deref(),
            Some("1c8df7d3-xmpl-46da-9778-518e6eca8125")
        );
        assert_eq!(line.body, "{'key': 'value'}");
        let line = parse("[WARNING]  2026-04-22T21:00:55.118Z    LAMBDA_WARNING: x").unwrap();
        assert_eq!(line.request_id, None);
        assert_eq!(line.body, "LAMBDA_WARNING: x");
        assert_eq!(parse("[INFO] Something happened"), None);
        assert_eq!(parse("[INFO] 2020-01-31T22:12:58.535Zjunk"), None);
    }

    #[test]
    fn unhandled_exception_keeps_the_whole_message_and_reads_the_error() {
        let msg = "[ERROR] ZeroDivisionError: division by zero\nTraceback (most recent call last):\n\u{a0}\u{a0}File \"/var/task/f.py\", line 8, in handler";
        let line = parse(msg).unwrap();
        assert_eq!(line.body, msg);
        assert_eq!(line.level, Some(Level::Error));
        assert_eq!(line.timestamp, None);
        let error = line.error.unwrap();
        assert_eq!(error.kind.as_deref(), Some("ZeroDivisionError"));
        assert_eq!(error.message.as_deref(), Some("division by zero"));
        assert_eq!(
            error.stacktrace.as_deref(),
            Some("Traceback (most recent call last):\n\u{a0}\u{a0}File \"/var/task/f.py\", line 8, in handler")
        );
    }

    #[test]
    fn import_module_error_message_keeps_inner_colons() {
        let line = parse("[ERROR] Runtime.ImportModuleError: Unable to import module 'a': No module named 'b'\nTraceback (most recent call last):")
            .unwrap();
        let error = line.error.unwrap();
        assert_eq!(error.kind.as_deref(), Some("Runtime.ImportModuleError"));
        assert_eq!(
            error.message.as_deref(),
            Some("Unable to import module 'a': No module named 'b'")
        );
    }

    #[test]
    fn plain_bracketed_error_is_left_to_the_generic_level_form() {
        assert_eq!(parse("[ERROR] First test message"), None);
        assert_eq!(parse("[ERROR] KeyError: 'x'"), None);
        assert_eq!(parse("[1,2,3]"), None);
        assert_eq!(parse("[NOTSET]\t2020-01-31T22:12:58.535Z\tid\tx"), None);
        assert_eq!(parse("[INFO]\tno more tabs"), None);
    }

    proptest::proptest! {
        #[test]
        fn any_text_never_panics(s in "\\PC{0,80}") {
            let _ = parse(&s);
        }

        #[test]
        fn text_after_a_level_never_panics(
            level in "(INFO|ERROR|WARNING|CRITICAL|É|🚀|CRITICALX)",
            sep in "(\t| |  |\u{a0}|é)",
            rest in "(2020-01-31T22:12:58.535Z)?[\t  a-zé🚀\u{a0}\n:\\-]{0,40}(Traceback \\(most recent call last\\):)?",
        ) {
            let msg = format!("[{level}]{sep}{rest}");
            let _ = parse(&msg);
            let _ = crate::parse::parse_line(&msg, &crate::parse::ParseOptions::default());
        }
    }
}
