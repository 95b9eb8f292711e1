//! Node.js runtime text prefix (`console.*` through the Lambda runtime):
//!
//! - Node.js ≥ 10: `<ISO ts>\t<requestId>\t<LEVEL>\t<message>`, LEVEL in
//!   TRACE/DEBUG/INFO/WARN/ERROR/FATAL (upper case);
//! - Node.js ≤ 8: `<ISO ts>\t<requestId>\t<message>` (no level column);
//! - unhandled errors: the message is `Invoke Error \t{json}` / `Uncaught Exception \t{json}` /
//!   `Unhandled Promise Rejection \t{json}`, the JSON holding `errorType`, `errorMessage` and a
//!   `stack` (or `trace`) array. That JSON is the runtime's error report, read here into
//!   [`ErrorInfo`]; the body keeps the whole text.
//!
//! Init-time lines carry the request id `undefined`, which means absent. A lower-case level
//! column (`info`, `fail`, …) is the .NET runtime's prefix: left to [`super::dotnet`].

use super::text::{self, split_short_field, tab_prefix};
use crate::level::Level;
use crate::model::{ErrorInfo, Format, ParsedLine};
use serde_json::Value;
use std::borrow::Cow;

/// Longest level column (`ERROR`, `FATAL`, `DEBUG`, `TRACE`).
const MAX_LEVEL_BYTES: usize = 5;

/// Labels the runtime writes before the JSON of an unhandled error.
const UNHANDLED_ERROR_LABELS: [&str; 3] = [
    "Invoke Error",
    "Uncaught Exception",
    "Unhandled Promise Rejection",
];

/// Recognises this format; `None` when the line is not in it.
pub fn parse(msg: &str) -> Option<ParsedLine<'_>> {
    if !msg.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let prefix = tab_prefix(msg)?;
    let (mut level, body) = match split_short_field(prefix.rest, b'\t', MAX_LEVEL_BYTES) {
        Some((word, after)) => match Level::from_upper_word(word) {
            Some(level) => (Some(level), after),
            None if Level::from_dotnet_word(word).is_some() => return None,
            None => (None, prefix.rest),
        },
        None => (None, prefix.rest),
    };
    let mut error = None;
    if let Some(payload) = unhandled_error_payload(body) {
        level = Some(level.map_or(Level::Error, |l| l.max(Level::Error)));
        error = error_from_payload(payload).map(Box::new);
    }
    Some(ParsedLine {
        format: Format::Nodejs,
        timestamp: Some(prefix.timestamp),
        request_id: text::request_id(prefix.request_id).map(Cow::Borrowed),
        level,
        body: Cow::Borrowed(body),
        error,
        ..ParsedLine::default()
    })
}

/// The JSON after `Invoke Error \t` (and the other labels), when the body is such a report.
fn unhandled_error_payload(body: &str) -> Option<&str> {
    UNHANDLED_ERROR_LABELS.iter().find_map(|label| {
        body.strip_prefix(label)?
            .trim_start_matches(' ')
            .strip_prefix('\t')
    })
}

/// Reads the runtime's error JSON: an object with `errorType`, `errorMessage`, `stack`/`trace`,
/// or a bare JSON string (a thrown string).
fn error_from_payload(payload: &str) -> Option<ErrorInfo> {
    let payload = payload.trim();
    if !payload.starts_with(['{', '"']) {
        return None;
    }
    match serde_json::from_str::<Value>(payload).ok()? {
        Value::Object(obj) => {
            let string = |key: &str| obj.get(key).and_then(Value::as_str).map(str::to_owned);
            let info = ErrorInfo {
                kind: string("errorType"),
                message: string("errorMessage"),
                stacktrace: obj
                    .get("stack")
                    .or_else(|| obj.get("trace"))
                    .and_then(stack_text),
            };
            (info != ErrorInfo::default()).then_some(info)
        }
        Value::String(message) => Some(ErrorInfo {
            message: Some(message),
            ..ErrorInfo::default()
        }),
        _ => None,
    }
}

/// A stack as one frame per line: an array of lines is joined with `\n`, a string kept.
fn stack_text(stack: &Value) -> Option<String> {
    let text = match stack {
        Value::Array(frames) => frames
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("\n"),
        Value::String(s) => s.clone(),
        _ => return None,
    };
    (!text.is_empty()).then_some(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::errors::oracle;
    use crate::time::EpochMillis;

    const CORPUS: &str = include_str!("../../../tests/fixtures/corpus/01-lambda-text/nodejs.jsonl");

    #[test]
    fn every_nodejs_corpus_record_meets_its_oracle() {
        oracle::check_file(CORPUS, oracle::NODEJS_SKIPS);
    }

    #[test]
    fn level_column_is_removed_from_body() {
        let line = parse("2019-06-07T19:11:20.564Z\tc793869b-ee49-115b-a5b6-4fd21e8dedac\tWARN\tEvent not processed.")
            .unwrap();
        assert_eq!(line.format, Format::Nodejs);
        assert_eq!(line.level, Some(Level::Warn));
        assert_eq!(line.body, "Event not processed.");
        assert!(matches!(line.body, Cow::Borrowed(_)));
        assert_eq!(
            line.request_id.as_deref(),
            Some("c793869b-ee49-115b-a5b6-4fd21e8dedac")
        );
        assert_eq!(
            line.timestamp.map(EpochMillis::to_rfc3339).as_deref(),
            Some("2019-06-07T19:11:20.564Z")
        );
    }

    #[test]
    fn legacy_three_columns_keep_the_third_as_body() {
        let line = parse(
            "2017-04-26T10:41:09.023Z\tdb95c6da-2a6c-11e7-9550-c91b65931beb\tloading index.html...",
        )
        .unwrap();
        assert_eq!(line.level, None);
        assert_eq!(line.body, "loading index.html...");
        // An unknown upper-case word is part of a legacy message, tabs included.
        let line = parse("2017-04-26T10:41:09.023Z\tid\tHELLO\tworld").unwrap();
        assert_eq!(line.level, None);
        assert_eq!(line.body, "HELLO\tworld");
    }

    #[test]
    fn invoke_error_json_becomes_error_with_frames() {
        let msg = "2024-05-05T04:01:01.850Z\t501c51ae-75b0-4231-a51c-9fa99b57b5de\tERROR\tInvoke Error \t{\"errorType\":\"Error\",\"errorMessage\":\"boom\",\"stack\":[\"Error: boom\",\"    at a (/x.js:1:2)\"]}";
        let line = parse(msg).unwrap();
        assert_eq!(line.level, Some(Level::Error));
        assert!(line.body.starts_with("Invoke Error \t{"));
        let error = line.error.unwrap();
        assert_eq!(error.kind.as_deref(), Some("Error"));
        assert_eq!(error.message.as_deref(), Some("boom"));
        assert_eq!(
            error.stacktrace.as_deref(),
            Some("Error: boom\n    at a (/x.js:1:2)")
        );
    }

    #[test]
    fn legacy_trace_key_and_thrown_string_are_read() {
        let line = parse("2018-01-01T00:00:00.000Z\tid\tUncaught Exception \t{\"errorMessage\":\"m\",\"errorType\":\"TypeError\",\"trace\":[\"TypeError: m\",\"    at f (/a.js:1:1)\"]}")
            .unwrap();
        assert_eq!(line.level, Some(Level::Error));
        let error = line.error.unwrap();
        assert_eq!(error.kind.as_deref(), Some("TypeError"));
        assert_eq!(error.stacktrace.map(|s| s.lines().count()), Some(2));

        let line = parse("2022-02-01T20:08:56.333Z\tundefined\tERROR\tUncaught Exception \t\"outside of handler\"")
            .unwrap();
        assert_eq!(line.request_id, None);
        assert_eq!(
            line.error.unwrap().message.as_deref(),
            Some("outside of handler")
        );
    }

    #[test]
    fn invalid_error_json_keeps_level_and_text() {
        let line = parse("2022-02-01T20:08:56.333Z\tid\tERROR\tInvoke Error \t{not json").unwrap();
        assert_eq!(line.level, Some(Level::Error));
        assert_eq!(line.error, None);
        assert_eq!(line.body, "Invoke Error \t{not json");
    }

    #[test]
    fn dotnet_lower_case_level_is_not_nodejs() {
        assert_eq!(
            parse("2023-11-14T22:13:20.000Z\tid\tinfo\tlower-case level column"),
            None
        );
        assert_eq!(parse("2023-11-14T22:13:20.000Z\tid\tfail\tboom"), None);
    }

    #[test]
    fn lines_that_only_resemble_the_prefix_are_rejected() {
        for msg in [
            "## EVENT",
            "2020-03-18 08:52:43 6bc28136-xmpl-4365-b021-0ce6b2e64ab0 INFO  Handler - x",
            "2020/03/27 03:40:05 EVENT",
            "2023-13-14T22:13:20.000Z\tid\tINFO\tbad month",
            "2023-11-14T22:13:20.000Z\tnot a request id\tINFO\tspaces in id column",
            "2023-11-14T22:13:20.000Z no tabs at all",
            "2023-11-14T22:13:20.000Z\tonly-one-tab",
        ] {
            assert_eq!(parse(msg), None, "{msg}");
        }
    }

    #[test]
    fn multibyte_text_right_after_the_prefix_is_kept() {
        let line = parse("2023-11-14T22:13:20.000Z\t🚀\tINFO\tGrüße ✓").unwrap();
        assert_eq!(line.request_id.as_deref(), Some("🚀"));
        assert_eq!(line.body, "Grüße ✓");
        let line = parse("2023-11-14T22:13:20.000Z\tid\tIN🚀\tx").unwrap();
        assert_eq!(line.level, None);
        assert_eq!(line.body, "IN🚀\tx");
    }
}
