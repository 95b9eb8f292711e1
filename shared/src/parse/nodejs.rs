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
//!
//! An unhandled promise rejection is reported as `Runtime.UnhandledPromiseRejection` whose `stack`
//! is the runtime's own (`at process.<anonymous> (file:///var/runtime/index.mjs…)`); the
//! rejected value is under `reason`, with its own `stack` when it is an error. The stack trace
//! kept is the cause's, followed by the runtime's: both start with their exception line, so the
//! text says which is which.
//!
//! A fatal error of the Node process (V8 aborting, `FATAL ERROR: <where> <what>` on stderr, which
//! Lambda captures without any prefix) is a Node line too, anchored at the start of the message:
//! level FATAL, the body verbatim, and an [`ErrorInfo`] of type [`HEAP_OUT_OF_MEMORY`] (the
//! message ends with `JavaScript heap out of memory`) or [`FATAL_ERROR`]. A `FATAL ERROR:` line
//! that is neither a heap exhaustion nor framed by V8's own markers (`<--- JS stacktrace --->`,
//! `----- Native stack trace -----`, native frames ` 1: 0x…`) could be any program's text and
//! is left alone.

use super::errors::report;
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

/// `errorType` of the runtime's report of an unhandled promise rejection.
const UNHANDLED_REJECTION_TYPE: &str = "Runtime.UnhandledPromiseRejection";

/// What Node prints before the message of a fatal error (`node::OnFatalError`).
const FATAL_ERROR_PREFIX: &str = "FATAL ERROR: ";

/// How V8 ends the message of every heap exhaustion (`Reached heap limit`, `Ineffective
/// mark-compacts near heap limit`, `CALL_AND_RETRY_LAST`, …).
const HEAP_OUT_OF_MEMORY_TEXT: &str = "JavaScript heap out of memory";

/// Exception type of a fatal error whose message is a V8 heap exhaustion.
pub const HEAP_OUT_OF_MEMORY: &str = "Node.HeapOutOfMemory";

/// Exception type of any other fatal error of the Node process.
pub const FATAL_ERROR: &str = "Node.FatalError";

/// Section headers V8 and Node print around a fatal error.
const V8_MARKERS: [&str; 3] = [
    "<--- Last few GCs --->",
    "<--- JS stacktrace --->",
    "----- Native stack trace -----",
];

/// Recognises this format; `None` when the line is not in it.
pub fn parse(msg: &str) -> Option<ParsedLine<'_>> {
    match msg.as_bytes().first()? {
        b'0'..=b'9' => prefixed(msg),
        b'F' | b'<' | b'\n' => fatal_error(msg),
        _ => None,
    }
}

/// `<ts>\t<requestId>\t[LEVEL\t]<message>`.
fn prefixed(msg: &str) -> Option<ParsedLine<'_>> {
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
            let kind = string("errorType");
            let outer = object_stack(&obj);
            let stacktrace = if kind.as_deref() == Some(UNHANDLED_REJECTION_TYPE) {
                let cause = obj
                    .get("reason")
                    .and_then(Value::as_object)
                    .and_then(object_stack);
                match (cause, outer) {
                    (Some(cause), Some(outer)) => Some(format!("{cause}\n{outer}")),
                    (cause, outer) => cause.or(outer),
                }
            } else {
                outer
            };
            let info = ErrorInfo {
                kind,
                message: string("errorMessage"),
                stacktrace,
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

/// The `stack` (or legacy `trace`) of an error object, one frame per line.
fn object_stack(obj: &serde_json::Map<String, Value>) -> Option<String> {
    obj.get("stack")
        .or_else(|| obj.get("trace"))
        .and_then(report::stack_text)
}

/// A fatal error of the Node process: the message starts with `FATAL ERROR: ` or with one of
/// V8's section headers followed, on a later line, by `FATAL ERROR: `.
fn fatal_error(msg: &str) -> Option<ParsedLine<'_>> {
    let head = msg.trim_start_matches('\n');
    let headed = V8_MARKERS.iter().any(|m| head.starts_with(m));
    let start = if head.starts_with(FATAL_ERROR_PREFIX) {
        msg.len() - head.len()
    } else if headed {
        let needle = ["\n", FATAL_ERROR_PREFIX].concat();
        memchr::memmem::find(msg.as_bytes(), needle.as_bytes())? + 1
    } else {
        return None;
    };
    let fatal = msg.get(start..)?;
    let (line, after) = fatal.split_once('\n').unwrap_or((fatal, ""));
    let text = line.get(FATAL_ERROR_PREFIX.len()..)?.trim_end();
    let out_of_memory = text.ends_with(HEAP_OUT_OF_MEMORY_TEXT);
    let framed = headed
        || V8_MARKERS.iter().any(|m| after.contains(m))
        || after
            .lines()
            .find(|l| !l.trim().is_empty())
            .is_some_and(is_native_frame);
    if text.is_empty() || !(out_of_memory || framed) {
        return None;
    }
    let stack = after.trim_matches('\n').trim_end();
    let error = ErrorInfo {
        kind: Some(
            if out_of_memory {
                HEAP_OUT_OF_MEMORY
            } else {
                FATAL_ERROR
            }
            .to_owned(),
        ),
        message: Some(text.to_owned()),
        stacktrace: (!stack.is_empty()).then(|| stack.to_owned()),
    };
    Some(ParsedLine {
        format: Format::Nodejs,
        level: Some(Level::Fatal),
        body: Cow::Borrowed(msg),
        error: Some(Box::new(error)),
        ..ParsedLine::default()
    })
}

/// A frame of Node's native stack: ` 1: 0x5581f386d7c3 node::Abort() [/var/lang/bin/node]`.
fn is_native_frame(line: &str) -> bool {
    line.trim_start()
        .split_once(": ")
        .is_some_and(|(n, frame)| {
            !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && frame.starts_with("0x")
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::errors::oracle;
    use crate::parse::{parse_line, ParseOptions};
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
    fn unhandled_rejection_keeps_the_cause_stack_before_the_runtime_stack() {
        let msg = "2023-03-08T10:08:46.060Z\t9c36f49c-45e3-41e5-b2c5-f348653cb456\tERROR\tUnhandled Promise Rejection \t{\"errorType\":\"Runtime.UnhandledPromiseRejection\",\"errorMessage\":\"TypeError: x is undefined\",\"reason\":{\"errorType\":\"TypeError\",\"errorMessage\":\"x is undefined\",\"stack\":[\"TypeError: x is undefined\",\"    at f (/var/task/index.js:2:3)\"]},\"promise\":{},\"stack\":[\"Runtime.UnhandledPromiseRejection: TypeError: x is undefined\",\"    at process.<anonymous> (file:///var/runtime/index.mjs:1188:17)\"]}";
        let line = parse(msg).unwrap();
        assert_eq!(line.level, Some(Level::Error));
        assert!(line.body.starts_with("Unhandled Promise Rejection \t{"));
        let error = line.error.unwrap();
        assert_eq!(
            error.kind.as_deref(),
            Some("Runtime.UnhandledPromiseRejection")
        );
        assert_eq!(error.message.as_deref(), Some("TypeError: x is undefined"));
        assert_eq!(
            error.stacktrace.as_deref(),
            Some(
                "TypeError: x is undefined\n    at f (/var/task/index.js:2:3)\n\
                 Runtime.UnhandledPromiseRejection: TypeError: x is undefined\n    \
                 at process.<anonymous> (file:///var/runtime/index.mjs:1188:17)"
            )
        );
    }

    #[test]
    fn unhandled_rejection_of_a_non_error_keeps_the_runtime_stack() {
        // `reject("from reject")`: the reason is a string, so it has no stack of its own.
        let msg = "2023-03-08T10:08:46.060Z\tid\tERROR\tUnhandled Promise Rejection \t{\"errorType\":\"Runtime.UnhandledPromiseRejection\",\"errorMessage\":\"from reject\",\"reason\":\"from reject\",\"promise\":{},\"stack\":[\"Runtime.UnhandledPromiseRejection: from reject\",\"    at a (/x.mjs:1:1)\"]}";
        let error = parse(msg).unwrap().error.unwrap();
        assert_eq!(error.message.as_deref(), Some("from reject"));
        assert_eq!(
            error.stacktrace.as_deref(),
            Some("Runtime.UnhandledPromiseRejection: from reject\n    at a (/x.mjs:1:1)")
        );
        // A `reason` on any other error type is not a cause the runtime reports.
        let msg = "2023-03-08T10:08:46.060Z\tid\tERROR\tInvoke Error \t{\"errorType\":\"Error\",\"errorMessage\":\"m\",\"reason\":{\"stack\":[\"E: r\"]},\"stack\":[\"Error: m\"]}";
        let error = parse(msg).unwrap().error.unwrap();
        assert_eq!(error.stacktrace.as_deref(), Some("Error: m"));
    }

    #[test]
    fn heap_out_of_memory_line_is_a_fatal_node_error_kept_verbatim() {
        for text in [
            "Reached heap limit Allocation failed - JavaScript heap out of memory",
            "Ineffective mark-compacts near heap limit Allocation failed - JavaScript heap out of memory",
            "CALL_AND_RETRY_LAST Allocation failed - JavaScript heap out of memory",
        ] {
            let msg = format!("FATAL ERROR: {text}");
            let line = parse_line(&msg, &ParseOptions::default());
            assert_eq!(line.format, Format::Nodejs, "{msg}");
            assert_eq!(line.level, Some(Level::Fatal));
            assert_eq!(line.body, msg);
            assert_eq!(line.timestamp, None);
            assert_eq!(line.request_id, None);
            let error = line.error.unwrap();
            assert_eq!(error.kind.as_deref(), Some(HEAP_OUT_OF_MEMORY));
            assert_eq!(error.message.as_deref(), Some(text));
            assert_eq!(error.stacktrace, None);
        }
    }

    #[test]
    fn whole_v8_report_in_one_event_keeps_the_native_stack() {
        let msg = "\n<--- Last few GCs --->\n\n[14:0x55]  964 ms: Scavenge (reduce) 112.4 -> 112.5 MB\n\n\
                   <--- JS stacktrace --->\n\n\
                   FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory\n \
                   1: 0x5581f386d7c3 node::Abort() [/var/lang/bin/node]\n \
                   2: 0x5581f373db32  [/var/lang/bin/node]";
        let line = parse_line(msg, &ParseOptions::default());
        assert_eq!(line.format, Format::Nodejs);
        assert_eq!(line.level, Some(Level::Fatal));
        assert_eq!(line.body, msg);
        let error = line.error.unwrap();
        assert_eq!(error.kind.as_deref(), Some(HEAP_OUT_OF_MEMORY));
        assert_eq!(
            error.stacktrace.as_deref(),
            Some(concat!(
                " 1: 0x5581f386d7c3 node::Abort() [/var/lang/bin/node]\n",
                " 2: 0x5581f373db32  [/var/lang/bin/node]"
            ))
        );
        // Another V8 fatal error, framed by Node's native stack.
        let msg = "FATAL ERROR: v8::ToLocalChecked Empty MaybeLocal.\n----- Native stack trace -----\n\n \
                   1: 0xb8d0a3 node::OnFatalError(char const*, char const*) [/var/lang/bin/node]";
        let error = parse(msg).unwrap().error.unwrap();
        assert_eq!(error.kind.as_deref(), Some(FATAL_ERROR));
        assert_eq!(
            error.message.as_deref(),
            Some("v8::ToLocalChecked Empty MaybeLocal.")
        );
    }

    #[test]
    fn fatal_error_text_that_is_not_v8_is_left_alone() {
        for msg in [
            "FATAL ERROR: database unreachable",
            "FATAL ERROR: ",
            "FATAL ERROR:JavaScript heap out of memory",
            "FATAL: JavaScript heap out of memory",
            "<--- Last few GCs --->",
            "<--- JS stacktrace --->\nno fatal line here",
            "\n",
            "F, [2019-10-26T10:04:01.689856 #8] FATAL -- : boom",
            " 1: 0x5581f386d7c3 node::Abort() [/var/lang/bin/node]",
        ] {
            assert_eq!(parse(msg), None, "{msg:?}");
        }
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
