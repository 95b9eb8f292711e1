//! Rust `lambda_runtime` lines written by `tracing_subscriber::fmt` inside the runtime's
//! invocation span:
//! `[<RFC 3339 ts> ]<LEVEL> Lambda runtime invoke{requestId="…" xrayTraceId="Root=…;Parent=…;Sampled=…;Lineage=…"}: [<target>: ]<message>`.
//!
//! The default subscriber of `lambda_runtime` writes no timestamp; one written by a custom
//! subscriber is read when present. Nested spans (`…}:handler{id=1}: msg`) are skipped. A target
//! is removed only when it is a module path (`my_crate::handler: msg`), so that a message such as
//! `Sent: 3 items` is kept whole. Lines with ANSI colours are not recognised (Lambda subscribers
//! disable them).

use super::text;
use crate::level::Level;
use crate::model::{Format, ParsedLine, Trace};
use crate::time;
use std::borrow::Cow;

/// The span `lambda_runtime` opens around every invocation.
const INVOKE_SPAN: &str = "Lambda runtime invoke{";

/// Longest level word (`ERROR`, `DEBUG`, `TRACE`).
const MAX_LEVEL_BYTES: usize = 5;

/// Nested spans skipped after the invocation span before giving up.
const MAX_NESTED_SPANS: usize = 8;

/// Longest module-path target removed from the message.
const MAX_TARGET_BYTES: usize = 128;

/// Recognises this format; `None` when the line is not in it.
pub fn parse(msg: &str) -> Option<ParsedLine<'_>> {
    let s = msg.trim_start_matches(' ');
    let first = *s.as_bytes().first()?;
    let (timestamp, s) = if first.is_ascii_digit() {
        let (ts, n) = time::parse_prefix(s)?;
        (
            Some(ts),
            s.get(n..)?.strip_prefix(' ')?.trim_start_matches(' '),
        )
    } else {
        (None, s)
    };
    if !matches!(s.as_bytes().first(), Some(b'T' | b'D' | b'I' | b'W' | b'E')) {
        return None;
    }
    let level_end = s
        .bytes()
        .take(MAX_LEVEL_BYTES + 1)
        .position(|c| c == b' ')?;
    let level = Level::from_upper_word(s.get(..level_end)?)?;
    let fields_and_rest = s
        .get(level_end..)?
        .trim_start_matches(' ')
        .strip_prefix(INVOKE_SPAN)?;
    let (fields, after_span) = split_span_fields(fields_and_rest)?;
    let trace = field_value(fields, "xrayTraceId").map_or_else(Trace::default, xray_header);
    Some(ParsedLine {
        format: Format::Rust,
        timestamp,
        request_id: field_value(fields, "requestId")
            .and_then(text::request_id)
            .map(Cow::Borrowed),
        level: Some(level),
        body: Cow::Borrowed(message_after_spans(after_span)),
        trace,
        ..ParsedLine::default()
    })
}

/// Splits `fields}rest` at the closing brace that is outside a quoted value.
fn split_span_fields(s: &str) -> Option<(&str, &str)> {
    let mut in_quotes = false;
    let mut escaped = false;
    for (i, c) in s.bytes().enumerate() {
        match c {
            _ if escaped => escaped = false,
            b'\\' if in_quotes => escaped = true,
            b'"' => in_quotes = !in_quotes,
            b'}' if !in_quotes => return Some((s.get(..i)?, s.get(i + 1..)?)),
            b'\n' => return None,
            _ => {}
        }
    }
    None
}

/// The value of `key=` in span fields: quoted (`key="v"`) or bare (`key=v`).
fn field_value<'a>(fields: &'a str, key: &str) -> Option<&'a str> {
    let mut from = 0;
    while let Some(found) = fields.get(from..)?.find(key) {
        let start = from + found;
        let at_token_start = start == 0 || fields.as_bytes().get(start - 1) == Some(&b' ');
        let after = fields.get(start + key.len()..)?;
        if at_token_start {
            if let Some(value) = after.strip_prefix('=') {
                return Some(match value.strip_prefix('"') {
                    Some(quoted) => quoted.split('"').next().unwrap_or(quoted),
                    None => value.split(' ').next().unwrap_or(value),
                });
            }
        }
        from = start + key.len();
    }
    None
}

/// Reads an X-Ray trace header `Root=1-…;Parent=…;Sampled=1;Lineage=…`.
fn xray_header(header: &str) -> Trace<'_> {
    let mut trace = Trace::default();
    for part in header.split(';') {
        match part.split_once('=') {
            Some(("Root", v)) if !v.is_empty() => trace.xray_trace_id = Some(Cow::Borrowed(v)),
            Some(("Parent", v)) if !v.is_empty() => trace.segment_id = Some(Cow::Borrowed(v)),
            Some(("Sampled", "1")) => trace.sampled = Some(true),
            Some(("Sampled", "0")) => trace.sampled = Some(false),
            _ => {}
        }
    }
    trace
}

/// The message after `: ` that ends the span list, skipping nested spans (`:name{…}` or
/// `:name`) and a module-path target. Falls back to the text after the invocation span.
fn message_after_spans(after_span: &str) -> &str {
    let mut rest = after_span;
    for _ in 0..MAX_NESTED_SPANS {
        let Some(after_colon) = rest.strip_prefix(':') else {
            break;
        };
        if after_colon.is_empty() {
            return after_colon;
        }
        if let Some(message) = after_colon.strip_prefix(' ') {
            return strip_target(message);
        }
        match skip_span(after_colon) {
            Some(next) => rest = next,
            None => break,
        }
    }
    after_span.trim_start_matches(':').trim_start_matches(' ')
}

/// Skips one nested span `name{fields}` or `name`, returning what follows it.
fn skip_span(s: &str) -> Option<&str> {
    let name_end = s
        .bytes()
        .position(|c| !(c.is_ascii_alphanumeric() || c == b'_'))?;
    if name_end == 0 {
        return None;
    }
    let after_name = s.get(name_end..)?;
    match after_name.strip_prefix('{') {
        Some(fields) => split_span_fields(fields).map(|(_, rest)| rest),
        None => Some(after_name),
    }
}

/// Removes a leading `crate::module: ` target; anything else is message text.
fn strip_target(message: &str) -> &str {
    let colon = message
        .as_bytes()
        .windows(2)
        .take(MAX_TARGET_BYTES + 1)
        .position(|w| w == b": ");
    let Some(target) = colon.and_then(|i| message.get(..i)) else {
        return message;
    };
    let is_module_path = target.contains("::")
        && target
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'_' || c == b':');
    if is_module_path {
        message.get(target.len() + 2..).unwrap_or(message)
    } else {
        message
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::errors::oracle;
    use crate::time::EpochMillis;

    const CORPUS: &str = include_str!("../../../tests/fixtures/corpus/01-lambda-text/rust.jsonl");

    #[test]
    fn every_rust_corpus_record_meets_its_oracle() {
        oracle::check_file(CORPUS, &[]);
    }

    #[test]
    fn invoke_span_gives_request_and_full_xray_context() {
        let line = parse("INFO Lambda runtime invoke{requestId=\"49dea0b0-8041-46e7-af5a-0333c0515c17\" xrayTraceId=\"Root=1-673e57b6-4d3b2cce0232a5a97eb755eb;Parent=65fa8e08b986dec3;Sampled=1;Lineage=1:d556a4a8:0\"}: Payload {\"a\":1}.")
            .unwrap();
        assert_eq!(line.format, Format::Rust);
        assert_eq!(line.level, Some(Level::Info));
        assert_eq!(
            line.request_id.as_deref(),
            Some("49dea0b0-8041-46e7-af5a-0333c0515c17")
        );
        assert_eq!(
            line.trace.xray_trace_id.as_deref(),
            Some("1-673e57b6-4d3b2cce0232a5a97eb755eb")
        );
        assert_eq!(line.trace.segment_id.as_deref(), Some("65fa8e08b986dec3"));
        assert_eq!(line.trace.sampled, Some(true));
        assert_eq!(line.body, "Payload {\"a\":1}.");
    }

    #[test]
    fn timestamp_nested_spans_and_module_target_are_removed() {
        let line = parse("2024-01-01T12:34:56.789012Z  WARN Lambda runtime invoke{requestId=\"r-1\" xrayTraceId=\"Root=1-a-b;Sampled=0\"}:handler{order=\"{x}\"}:db: my_crate::db: slow query")
            .unwrap();
        assert_eq!(line.level, Some(Level::Warn));
        assert_eq!(
            line.timestamp.map(EpochMillis::to_rfc3339).as_deref(),
            Some("2024-01-01T12:34:56.789Z")
        );
        assert_eq!(line.request_id.as_deref(), Some("r-1"));
        assert_eq!(line.trace.sampled, Some(false));
        assert_eq!(line.trace.segment_id, None);
        assert_eq!(line.body, "slow query");
    }

    #[test]
    fn message_that_looks_like_a_target_is_kept() {
        let line = parse(" INFO Lambda runtime invoke{requestId=\"r\"}: Sent: 3 items").unwrap();
        assert_eq!(line.body, "Sent: 3 items");
        assert_eq!(line.trace, Trace::default());
    }

    #[test]
    fn glued_or_unspanned_lines_are_not_rust_tracing() {
        for msg in [
            "helloERROR Lambda runtime invoke{requestId=\"x\"}: boom",
            "thread 'main' panicked at src/routes/build.rs:74:6:",
            "INFO something else",
            "INFO Lambda runtime invoke{requestId=\"x\"",
            "INFORMATION Lambda runtime invoke{}: x",
            "2024-01-01T12:34:56Z",
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
        fn text_inside_and_after_the_span_never_panics(
            fields in "[a-zA-Z=\" ;\\\\{}é🚀\u{a0}\n]{0,40}",
            rest in "[:a-z_{}=\" é🚀\u{a0}\n]{0,40}",
        ) {
            let msg = format!("ERROR Lambda runtime invoke{{{fields}}}{rest}");
            let _ = parse(&msg);
            let _ = crate::parse::parse_line(&msg, &crate::parse::ParseOptions::default());
        }
    }
}
