//! Lambda platform text lines: `START`, `END`, `REPORT`, `INIT_START`, `INIT_REPORT`,
//! `RESTORE_START`, `RESTORE_REPORT`, `EXTENSION`, `LOGS`, task timeouts and runtime exits.
//!
//! Detection is anchored: the first byte picks at most one candidate grammar and its keyword must
//! open the message (`START RequestId` in the middle of a line is app text). Everything after the
//! keyword is read as `Key: value` pairs by `Pairs`, which accepts tabs, single or double spaces,
//! a tab right after the colon and trailing tabs, and tolerates literally escaped `\t` (`\\t`).
//!
//! The body of a platform line is the message itself with trailing whitespace removed (REPORT
//! lines end in `\t`, timeout lines in `\n`), borrowed from the input.

use crate::level::Level;
use crate::model::{ErrorInfo, Format, Kind, ParsedLine, PlatformDetails, Report, Trace};
use crate::parse::text;
use crate::time;
use std::borrow::Cow;

/// Error type given to `Task timed out after N seconds` lines: the `errorType` Lambda returns to
/// the caller for a timed-out invocation (`{"errorType":"Sandbox.Timedout","errorMessage":
/// "RequestId: … Error: Task timed out after 1.00 seconds"}`, as reproduced by LocalStack's
/// runtime emulator and quoted in public invoke responses; not named in the AWS guide itself).
pub const TIMEOUT_ERROR_TYPE: &str = "Sandbox.Timedout";

/// Longest request id accepted on a platform line (Lambda ids are 36-character UUIDs).
const MAX_REQUEST_ID_LEN: usize = 128;

/// Keys of a REPORT line. Keys that end with another key come first (`Billed Duration` before
/// `Duration`) so the longest one wins.
const REPORT_KEYS: &[&str] = &[
    "Billed Restore Duration",
    "Restore Duration",
    "Billed Duration",
    "Init Duration",
    "Duration",
    "Max Memory Used",
    "Memory Size",
    "Status",
    "Error Type",
    "XRAY TraceId",
    "SegmentId",
    "Sampled",
    "RequestId",
];
const START_KEYS: &[&str] = &["RequestId", "Version"];
const RUNTIME_KEYS: &[&str] = &["Runtime Version ARN", "Runtime Version"];
const INIT_REPORT_KEYS: &[&str] = &["Init Duration", "Phase", "Status", "Error Type"];
const RESTORE_REPORT_KEYS: &[&str] = &["Restore Duration", "Status", "Error Type"];
const EXTENSION_KEYS: &[&str] = &["Name", "State", "Events"];
const LOGS_KEYS: &[&str] = &["Name", "State", "Types"];

const TIMED_OUT: &str = "Task timed out after ";
const PROCESS_EXITED: &str = "Process exited before completing request";
const UNKNOWN_APPLICATION_ERROR: &str = "Unknown application error occurred";

/// Recognises a Lambda platform text line; `None` when the message is not one (including a
/// `REPORT` line without a request id or a parsable `Duration`).
pub fn parse(msg: &str) -> Option<ParsedLine<'_>> {
    match *msg.as_bytes().first()? {
        b'S' => parse_start(msg),
        b'E' => parse_end(msg).or_else(|| parse_named(msg, "EXTENSION", Kind::Extension)),
        b'R' => parse_report(msg)
            .or_else(|| parse_restore(msg))
            .or_else(|| parse_request_error(msg)),
        b'I' => parse_init(msg),
        b'L' => parse_named(msg, "LOGS", Kind::LogsSubscription),
        b'U' => parse_unknown_error(msg),
        b'0'..=b'9' => parse_timeout(msg),
        _ => None,
    }
}

/// `START RequestId: <id> Version: <v>`.
fn parse_start(msg: &str) -> Option<ParsedLine<'_>> {
    let rest = msg.strip_prefix("START ")?;
    let mut line = request_line(msg, rest, Kind::Start)?;
    let version = Pairs::new(rest, START_KEYS)
        .find(|(k, _)| *k == "Version")
        .map(|(_, v)| first_token(v))
        .filter(|v| !v.is_empty());
    if let Some(v) = version {
        line.platform = Some(Box::new(PlatformDetails {
            version: Some(v.to_owned()),
            ..PlatformDetails::default()
        }));
    }
    Some(line)
}

/// `END RequestId: <id>`.
fn parse_end(msg: &str) -> Option<ParsedLine<'_>> {
    let rest = msg.strip_prefix("END ")?;
    request_line(msg, rest, Kind::End)
}

/// A line of `kind` whose `rest` must open with `RequestId: <id>`.
fn request_line<'a>(msg: &'a str, rest: &'a str, kind: Kind) -> Option<ParsedLine<'a>> {
    if !rest.starts_with("RequestId:") {
        return None;
    }
    let (_, value) = Pairs::new(rest, &["RequestId"]).next()?;
    let id = platform_request_id(value)?;
    let mut line = platform_line(msg, kind);
    line.request_id = Some(Cow::Borrowed(id));
    Some(line)
}

/// `REPORT RequestId: <id>\tDuration: … ms\t…[\nXRAY TraceId: …\tSegmentId: …\tSampled: …]`.
fn parse_report(msg: &str) -> Option<ParsedLine<'_>> {
    let rest = msg.strip_prefix("REPORT ")?;
    if !rest.starts_with("RequestId:") {
        return None;
    }
    let mut report = Report::default();
    let mut trace = Trace::default();
    let mut request_id = None;
    for (key, value) in Pairs::new(rest, REPORT_KEYS) {
        match key {
            "RequestId" => request_id = request_id.or_else(|| platform_request_id(value)),
            "Duration" => report.duration_ms = leading_number(value),
            "Billed Duration" => report.billed_duration_ms = leading_number(value),
            "Memory Size" => report.memory_size_mb = leading_number(value),
            "Max Memory Used" => report.max_memory_used_mb = leading_number(value),
            "Init Duration" => report.init_duration_ms = leading_number(value),
            "Restore Duration" => report.restore_duration_ms = leading_number(value),
            "Billed Restore Duration" => report.billed_restore_duration_ms = leading_number(value),
            "Status" => report.status = owned_token(value),
            "Error Type" => report.error_type = owned_token(value),
            "XRAY TraceId" => trace.xray_trace_id = borrowed_token(value),
            "SegmentId" => trace.segment_id = borrowed_token(value),
            "Sampled" => trace.sampled = parse_bool(first_token(value)),
            _ => {}
        }
    }
    let request_id = request_id?;
    report.duration_ms?;
    let mut line = platform_line(msg, Kind::Report);
    line.request_id = Some(Cow::Borrowed(request_id));
    line.cold_start = report.cold_start();
    line.report = Some(Box::new(report));
    line.trace = trace;
    Some(line)
}

/// `INIT_START …` and `INIT_REPORT …`.
fn parse_init(msg: &str) -> Option<ParsedLine<'_>> {
    if let Some(rest) = msg.strip_prefix("INIT_START ") {
        return runtime_start(msg, rest, Kind::InitStart);
    }
    let rest = msg.strip_prefix("INIT_REPORT ")?;
    if !rest.starts_with("Init Duration:") {
        return None;
    }
    let mut details = PlatformDetails::default();
    for (key, value) in Pairs::new(rest, INIT_REPORT_KEYS) {
        match key {
            "Init Duration" => details.init_duration_ms = leading_number(value),
            "Phase" => details.phase = owned_token(value),
            "Status" => details.status = owned_token(value),
            "Error Type" => details.error_type = owned_token(value),
            _ => {}
        }
    }
    Some(with_details(platform_line(msg, Kind::InitReport), details))
}

/// `RESTORE_START …` and `RESTORE_REPORT Restore Duration: <ms> ms`.
fn parse_restore(msg: &str) -> Option<ParsedLine<'_>> {
    if let Some(rest) = msg.strip_prefix("RESTORE_START ") {
        return runtime_start(msg, rest, Kind::RestoreStart);
    }
    let rest = msg.strip_prefix("RESTORE_REPORT ")?;
    if !rest.starts_with("Restore Duration:") {
        return None;
    }
    let mut details = PlatformDetails::default();
    for (key, value) in Pairs::new(rest, RESTORE_REPORT_KEYS) {
        match key {
            "Restore Duration" => details.restore_duration_ms = leading_number(value),
            "Status" => details.status = owned_token(value),
            "Error Type" => details.error_type = owned_token(value),
            _ => {}
        }
    }
    Some(with_details(
        platform_line(msg, Kind::RestoreReport),
        details,
    ))
}

/// `Runtime Version: <v>[\t| ]Runtime Version ARN: <arn>` after `INIT_START` / `RESTORE_START`.
fn runtime_start<'a>(msg: &'a str, rest: &'a str, kind: Kind) -> Option<ParsedLine<'a>> {
    if !rest.starts_with("Runtime Version:") {
        return None;
    }
    let mut details = PlatformDetails::default();
    for (key, value) in Pairs::new(rest, RUNTIME_KEYS) {
        match key {
            "Runtime Version" => details.runtime_version = owned_token(value),
            "Runtime Version ARN" => details.runtime_version_arn = owned_token(value),
            _ => {}
        }
    }
    Some(with_details(platform_line(msg, kind), details))
}

/// `EXTENSION\tName: …\tState: …\tEvents: [A, B]` and `LOGS\tName: …\tState: …\tTypes: [..]`.
fn parse_named<'a>(msg: &'a str, keyword: &str, kind: Kind) -> Option<ParsedLine<'a>> {
    let rest = msg.strip_prefix(keyword)?;
    let after_keyword = rest.trim_start_matches([' ', '\t']);
    if after_keyword.len() == rest.len() || !after_keyword.starts_with("Name:") {
        return None;
    }
    let keys = if kind == Kind::Extension {
        EXTENSION_KEYS
    } else {
        LOGS_KEYS
    };
    let mut details = PlatformDetails::default();
    for (key, value) in Pairs::new(after_keyword, keys) {
        match key {
            "Name" => details.name = non_empty(value),
            "State" => details.state = non_empty(value),
            "Events" | "Types" => details.events = bracket_list(value),
            _ => {}
        }
    }
    Some(with_details(platform_line(msg, kind), details))
}

/// `<ISO ts> <requestId> Task timed out after <s> seconds`. The words are checked before the
/// timestamp is parsed: most lines starting with a digit are runtime prefixes, not timeouts.
fn parse_timeout(msg: &str) -> Option<ParsedLine<'_>> {
    let (ts, rest) = msg.split_once([' ', '\t'])?;
    let (id, rest) = rest
        .trim_start_matches([' ', '\t'])
        .split_once([' ', '\t'])?;
    let detail = rest.trim_start_matches([' ', '\t']);
    if !detail.starts_with(TIMED_OUT) {
        return None;
    }
    let timestamp = time::parse_rfc3339ish(ts)?;
    let mut line = timeout_line(msg, detail);
    line.timestamp = Some(timestamp);
    line.request_id = platform_request_id(id).map(Cow::Borrowed);
    Some(line)
}

/// `RequestId: <id> Error: <detail>[\nRuntime.Xxx]`, the legacy
/// `RequestId: <id> Process exited before completing request`, and
/// `RequestId: <id> Error: Task timed out after <s> seconds`.
fn parse_request_error(msg: &str) -> Option<ParsedLine<'_>> {
    let rest = msg.strip_prefix("RequestId:")?;
    let rest = rest.trim_start_matches([' ', '\t']);
    let (id, rest) = rest.split_once([' ', '\t'])?;
    let request_id = platform_request_id(id)?;
    let rest = rest.trim_start_matches([' ', '\t']);
    let mut line = if let Some(detail) = rest.strip_prefix("Error: ") {
        if detail.starts_with(TIMED_OUT) {
            timeout_line(msg, detail)
        } else {
            runtime_exit_line(msg, detail)
        }
    } else if rest.starts_with(PROCESS_EXITED) {
        runtime_exit_line(msg, rest)
    } else {
        return None;
    };
    line.request_id = Some(Cow::Borrowed(request_id));
    Some(line)
}

/// `Unknown application error occurred\nRuntime.Unknown` (no request id).
fn parse_unknown_error(msg: &str) -> Option<ParsedLine<'_>> {
    if !msg.starts_with(UNKNOWN_APPLICATION_ERROR) {
        return None;
    }
    Some(runtime_exit_line(msg, msg))
}

/// A timeout line; `detail` starts with `Task timed out after `.
fn timeout_line<'a>(msg: &'a str, detail: &str) -> ParsedLine<'a> {
    let first_line = detail.lines().next().unwrap_or(detail).trim_end();
    let seconds = first_line.strip_prefix(TIMED_OUT).and_then(leading_number);
    let mut line = platform_line(msg, Kind::Timeout);
    line.level = Some(Level::Error);
    line.error = Some(Box::new(ErrorInfo {
        kind: Some(TIMEOUT_ERROR_TYPE.to_owned()),
        message: Some(first_line.to_owned()),
        stacktrace: None,
    }));
    with_details(
        line,
        PlatformDetails {
            timeout_seconds: seconds,
            ..PlatformDetails::default()
        },
    )
}

/// A runtime exit; `detail` is the error text, possibly followed by a `Runtime.Xxx` line.
fn runtime_exit_line<'a>(msg: &'a str, detail: &str) -> ParsedLine<'a> {
    let (message, kind) = split_error_type(detail);
    let mut line = platform_line(msg, Kind::RuntimeExit);
    line.level = Some(Level::Error);
    line.error = Some(Box::new(ErrorInfo {
        kind: kind.map(str::to_owned),
        message: non_empty(message),
        stacktrace: None,
    }));
    line
}

/// Splits `detail\nRuntime.Xxx` into the message and the error type on its last line.
fn split_error_type(detail: &str) -> (&str, Option<&str>) {
    let detail = detail.trim_end();
    match detail.rsplit_once('\n') {
        Some((message, last)) if looks_like_error_type(last.trim()) => {
            (message.trim_end(), Some(last.trim()))
        }
        _ => (detail, None),
    }
}

/// `Runtime.ExitError`, `Runtime.Unknown`, `Sandbox.Timedout`: `Word.Word`, ASCII, no spaces.
fn looks_like_error_type(s: &str) -> bool {
    let Some((head, tail)) = s.split_once('.') else {
        return false;
    };
    head.as_bytes().first().is_some_and(u8::is_ascii_uppercase)
        && !tail.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
}

/// An empty platform line of `kind`: the message (trailing whitespace removed) as body.
fn platform_line(msg: &str, kind: Kind) -> ParsedLine<'_> {
    ParsedLine {
        kind,
        format: Format::Platform,
        body: Cow::Borrowed(msg.trim_end()),
        ..ParsedLine::default()
    }
}

/// Attaches `details` unless nothing was found.
fn with_details(mut line: ParsedLine<'_>, details: PlatformDetails) -> ParsedLine<'_> {
    if details != PlatformDetails::default() {
        line.platform = Some(Box::new(details));
    }
    line
}

/// The request id in a `RequestId:` value: its first token, when it is made of ASCII
/// alphanumerics and dashes (docs ids such as `8f507cfc-xmpl-…` included).
fn platform_request_id(value: &str) -> Option<&str> {
    let id = text::request_id(first_token(value))?;
    let plausible = id.len() <= MAX_REQUEST_ID_LEN
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    plausible.then_some(id)
}

/// The value up to the first whitespace or backslash (a literally escaped `\t`/`\n`).
fn first_token(value: &str) -> &str {
    let value = value.trim_start();
    let end = value
        .find(|c: char| c.is_whitespace() || c == '\\')
        .unwrap_or(value.len());
    &value[..end]
}

fn borrowed_token(value: &str) -> Option<Cow<'_, str>> {
    let t = first_token(value);
    (!t.is_empty()).then_some(Cow::Borrowed(t))
}

fn owned_token(value: &str) -> Option<String> {
    let t = first_token(value);
    (!t.is_empty()).then(|| t.to_owned())
}

fn non_empty(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

/// The number a value starts with (`2.89 ms` → 2.89); `None` when it starts with anything else.
fn leading_number(value: &str) -> Option<f64> {
    let value = value.trim_start();
    let end = value
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(value.len());
    value[..end].parse::<f64>().ok().filter(|n| n.is_finite())
}

fn parse_bool(word: &str) -> Option<bool> {
    match word {
        "true" | "True" | "1" => Some(true),
        "false" | "False" | "0" => Some(false),
        _ => None,
    }
}

/// `[INVOKE, SHUTDOWN]` / `[INVOKE,SHUTDOWN]` → `["INVOKE", "SHUTDOWN"]`.
fn bracket_list(value: &str) -> Vec<String> {
    let value = value.trim();
    let inner = value.strip_prefix('[').unwrap_or(value);
    let inner = inner.split(']').next().unwrap_or(inner);
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Reads `Key: value` pairs of a platform line: a pair starts where a key is followed by `:` and
/// whitespace (or the end); its value runs to the start of the next key. Known keys are matched
/// longest first; an unknown key starts after the last tab or newline before its colon. Values
/// may contain colons not followed by whitespace (`python:3.12`, `arn:aws:lambda:…`).
struct Pairs<'a> {
    text: &'a str,
    keys: &'static [&'static str],
    pending: Option<Separator<'a>>,
}

/// One `Key:` found in the text.
struct Separator<'a> {
    key: &'a str,
    key_start: usize,
    value_start: usize,
}

impl<'a> Pairs<'a> {
    fn new(text: &'a str, keys: &'static [&'static str]) -> Self {
        let mut pairs = Pairs {
            text,
            keys,
            pending: None,
        };
        pairs.pending = pairs.next_separator(0);
        pairs
    }

    /// The first `Key:` whose key starts at or after `floor`.
    fn next_separator(&self, floor: usize) -> Option<Separator<'a>> {
        let bytes = self.text.as_bytes();
        let mut from = floor;
        while let Some(offset) = memchr::memchr(b':', bytes.get(from..)?) {
            let colon = from + offset;
            from = colon + 1;
            if !matches!(bytes.get(colon + 1), None | Some(b' ' | b'\t')) {
                continue;
            }
            // `colon` is an ASCII byte, so both slices end on char boundaries.
            let before = self.text.get(floor..colon)?;
            let (key, key_start) = match self.keys.iter().find(|k| before.ends_with(**k)) {
                Some(k) => (*k, colon - k.len()),
                None => {
                    let start = before.rfind(['\t', '\n']).map_or(colon, |i| floor + i + 1);
                    (self.text.get(start..colon)?.trim(), start)
                }
            };
            return Some(Separator {
                key,
                key_start,
                value_start: colon + 1,
            });
        }
        None
    }
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (&'a str, &'a str);

    fn next(&mut self) -> Option<Self::Item> {
        let current = self.pending.take()?;
        let following = self.next_separator(current.value_start);
        let value_end = following.as_ref().map_or(self.text.len(), |s| s.key_start);
        let value = self
            .text
            .get(current.value_start..value_end)
            .unwrap_or("")
            .trim();
        self.pending = following;
        Some((current.key, value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::errors::oracle::{self, record, records, Record};
    use crate::parse::text::normalize_message;
    use serde_json::Value;

    const PLATFORM_JSONL: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/01-lambda-text/platform.jsonl"
    ));
    const LINES_BAD_JSONL: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/08-bad-inputs/lines-bad.jsonl"
    ));
    const DOCS_REPORT_TRAILING_COMMA: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/08-bad-inputs/docs-platform-report-trailing-comma.json"
    ));

    /// Parses the record's message as the dispatcher would: normalised, then this parser.
    fn parse_record(r: &Record) -> Option<ParsedLine<'static>> {
        let normalized = normalize_message(&r.message);
        parse(&normalized).map(crate::parse::into_owned)
    }

    /// Oracle keys of platform.jsonl checked as for every parser ([`oracle::check_key`]).
    const COMMON_KEYS: &[&str] = &["kind", "request_id", "level", "timestamp", "error"];

    /// Asserts every `expect` key of a platform.jsonl record that concerns this parser.
    fn check_record(r: &Record) {
        let id = r.id.as_str();
        let e = &r.expect;
        let parsed = parse_record(r);
        if e["kind"] == "app" {
            assert!(parsed.is_none(), "{id}: must not be a platform line");
            return;
        }
        let line = parsed.unwrap_or_else(|| panic!("{id}: not recognised"));
        assert_eq!(line.format, Format::Platform, "{id}: format");
        for &key in COMMON_KEYS {
            if let Some(want) = e.get(key) {
                oracle::check_key(id, &line, key, want);
            }
        }
        if let Some(cold) = e.get("cold_start") {
            assert_eq!(line.cold_start, cold.as_bool(), "{id}: cold_start");
        }
        if let Some(expected) = e.get("report") {
            oracle::check_report(id, &line, expected);
            check_report_trace(id, &line, expected);
        }
        oracle::check_platform_details(id, &line, e);
    }

    /// The X-Ray ids a text REPORT line carries (same line or the next).
    fn check_report_trace(id: &str, line: &ParsedLine<'_>, expected: &Value) {
        let trace = &line.trace;
        let xray = oracle::expect_str(expected, "xray_trace_id");
        assert_eq!(trace.xray_trace_id.as_deref(), xray, "{id}: xray_trace_id");
        let segment = oracle::expect_str(expected, "segment_id");
        assert_eq!(trace.segment_id.as_deref(), segment, "{id}: segment_id");
        let sampled = expected.get("sampled").and_then(Value::as_bool);
        assert_eq!(trace.sampled, sampled, "{id}: sampled");
    }

    #[test]
    fn every_platform_corpus_record_matches_its_oracle() {
        let all = records(PLATFORM_JSONL);
        assert_eq!(all.len(), 33);
        for r in &all {
            check_record(r);
        }
    }

    #[test]
    fn corpus_records_by_id() {
        let ids = [
            "plat-01-start-latest",
            "plat-02-start-numeric-version",
            "plat-03-end",
            "plat-04-report-2017-tabs-trailing-space",
            "plat-05-report-docs-2019",
            "plat-06-report-init-xray-same-line",
            "plat-07-report-xray-next-line",
            "plat-08-report-spaces-double",
            "plat-09-report-python-docs-rendered",
            "plat-10-report-restore-duration",
            "plat-11-report-status-timeout",
            "plat-12-report-status-error-oom",
            "plat-13-report-lumigo-tab-after-colon",
            "plat-14-report-malformed",
            "plat-15-init-start-tab",
            "plat-16-init-start-space",
            "plat-17-logs-subscribed",
            "plat-18-extension-ready",
            "plat-18b-extension-sst",
            "plat-19-restore-start",
            "plat-20-restore-report",
            "plat-21-init-report-error",
            "plat-22-init-report-invoke-phase",
            "plat-23-timeout-2020",
            "plat-24-timeout-2022",
            "plat-25-runtime-exit-killed",
            "plat-26-runtime-exit-status",
            "plat-27-process-exited-legacy",
            "plat-28-unknown-application-error",
            "plat-29-invalid-entrypoint",
            "plat-30-extension-text-line",
            "plat-31-report-snapstart-restore-cold",
            "plat-32-report-warm-after-restore",
        ];
        for id in ids {
            check_record(&record(PLATFORM_JSONL, id));
        }
    }

    #[test]
    fn start_keeps_request_id_and_version_borrowed() {
        let msg = "START RequestId: 4ce9340a-b765-490f-ad8a-02ab3415e2bf Version: $LATEST";
        let line = parse(msg).unwrap();
        assert!(matches!(line.request_id, Some(Cow::Borrowed(_))));
        assert!(matches!(line.body, Cow::Borrowed(_)));
        assert_eq!(line.body, msg);
        assert_eq!(line.platform.unwrap().version.as_deref(), Some("$LATEST"));
        assert_eq!(line.level, None);
    }

    #[test]
    fn report_with_xray_on_next_line_keeps_trace_id() {
        let r = record(PLATFORM_JSONL, "plat-07-report-xray-next-line");
        let line = parse_record(&r).unwrap();
        assert_eq!(
            line.trace.xray_trace_id.as_deref(),
            Some("1-5d8bba5a-dc2932496a65bab91d2d42d4")
        );
        assert_eq!(line.trace.segment_id.as_deref(), Some("5ff79d2a06b82ad6"));
        assert_eq!(line.trace.sampled, Some(true));
        assert_eq!(
            line.cold_start,
            Some(false),
            "no Init Duration: a warm start"
        );
    }

    #[test]
    fn report_with_init_duration_is_a_cold_start() {
        let r = record(PLATFORM_JSONL, "plat-08-report-spaces-double");
        assert_eq!(parse_record(&r).unwrap().cold_start, Some(true));
    }

    #[test]
    fn report_coldstart_is_true_with_an_init_or_a_restore_and_false_without() {
        let cold = record(PLATFORM_JSONL, "plat-31-report-snapstart-restore-cold");
        let line = parse_record(&cold).unwrap();
        assert_eq!(line.cold_start, Some(true), "a SnapStart restore");
        let report = line.report.unwrap();
        assert_eq!(report.restore_duration_ms, Some(511.25));
        assert_eq!(report.billed_restore_duration_ms, Some(303.0));
        assert_eq!(report.init_duration_ms, None);
        let warm = record(PLATFORM_JSONL, "plat-32-report-warm-after-restore");
        assert_eq!(parse_record(&warm).unwrap().cold_start, Some(false));
        let init = parse(
            "REPORT RequestId: a\tDuration: 1 ms\tBilled Duration: 2 ms\tInit Duration: 3 ms",
        )
        .unwrap();
        assert_eq!(init.cold_start, Some(true));
        // Only REPORT lines state it: START, END, INIT_REPORT and RESTORE_REPORT do not.
        for id in [
            "plat-01-start-latest",
            "plat-03-end",
            "plat-20-restore-report",
            "plat-21-init-report-error",
        ] {
            let line = parse_record(&record(PLATFORM_JSONL, id)).unwrap();
            assert_eq!(line.cold_start, None, "{id}");
        }
    }

    #[test]
    fn report_body_drops_trailing_tab() {
        let r = record(PLATFORM_JSONL, "plat-04-report-2017-tabs-trailing-space");
        let line = parse_record(&r).unwrap();
        assert!(
            line.body.ends_with("Max Memory Used: 20 MB"),
            "{:?}",
            line.body
        );
    }

    #[test]
    fn malformed_report_is_not_a_report() {
        assert!(parse("REPORT invalid report log line").is_none());
        assert!(parse("REPORT RequestId:").is_none());
        assert!(parse("REPORT RequestId: abc").is_none(), "no Duration");
        assert!(parse("REPORT RequestId: abc\tDuration: ms").is_none());
        assert!(
            parse("REPORT RequestId:\tDuration: 1 ms").is_none(),
            "no id"
        );
    }

    #[test]
    fn dispatcher_ships_malformed_report_as_plain_text() {
        let opts = crate::parse::ParseOptions::default();
        let line = crate::parse::parse_line("REPORT invalid report log line", &opts);
        assert_eq!(line.kind, Kind::App);
        assert_eq!(line.report, None);
        assert_eq!(line.body, "REPORT invalid report log line");
        let r = record(PLATFORM_JSONL, "plat-12-report-status-error-oom");
        let line = crate::parse::parse_line(&r.message, &opts);
        assert_eq!(line.kind, Kind::Report);
    }

    #[test]
    fn fake_start_inside_a_line_is_not_platform() {
        let r = record(LINES_BAD_JSONL, "linebad-11-fake-start-inside");
        assert_eq!(r.expect["kind"], "app");
        assert!(parse_record(&r).is_none());
        assert!(parse(" START RequestId: x Version: 1").is_none());
        assert!(parse("xEND RequestId: x").is_none());
    }

    #[test]
    fn invalid_docs_report_json_is_not_a_platform_line() {
        let normalized = normalize_message(DOCS_REPORT_TRAILING_COMMA);
        assert!(parse(&normalized).is_none());
        assert!(serde_json::from_str::<Value>(DOCS_REPORT_TRAILING_COMMA).is_err());
    }

    #[test]
    fn timeout_carries_error_type_and_message() {
        let r = record(PLATFORM_JSONL, "plat-23-timeout-2020");
        let line = parse_record(&r).unwrap();
        let err = line.error.unwrap();
        assert_eq!(err.kind.as_deref(), Some(TIMEOUT_ERROR_TYPE));
        assert_eq!(
            err.message.as_deref(),
            Some("Task timed out after 3.00 seconds")
        );
        assert_eq!(line.body, r.message.trim_end());
    }

    #[test]
    fn request_error_form_of_timeout_is_a_timeout() {
        let line =
            parse("RequestId: 0d2b1e6c-3f6a-4f4a-9d2e-0b4a1c2d3e4f Error: Task timed out after 1.00 seconds")
                .unwrap();
        assert_eq!(line.kind, Kind::Timeout);
        assert_eq!(line.platform.unwrap().timeout_seconds, Some(1.0));
        assert_eq!(line.timestamp, None);
    }

    #[test]
    fn legacy_process_exit_has_message_but_no_type() {
        let r = record(PLATFORM_JSONL, "plat-27-process-exited-legacy");
        let err = parse_record(&r).unwrap().error.unwrap();
        assert_eq!(err.kind, None);
        assert_eq!(err.message.as_deref(), Some(PROCESS_EXITED));
    }

    #[test]
    fn unknown_application_error_takes_type_from_last_line() {
        let r = record(PLATFORM_JSONL, "plat-28-unknown-application-error");
        let err = parse_record(&r).unwrap().error.unwrap();
        assert_eq!(err.kind.as_deref(), Some("Runtime.Unknown"));
        assert_eq!(err.message.as_deref(), Some(UNKNOWN_APPLICATION_ERROR));
    }

    #[test]
    fn invalid_entrypoint_message_excludes_type_line() {
        let r = record(PLATFORM_JSONL, "plat-29-invalid-entrypoint");
        let err = parse_record(&r).unwrap().error.unwrap();
        assert_eq!(
            err.message.as_deref(),
            Some("fork/exec /var/task/bootstrap: no such file or directory")
        );
    }

    #[test]
    fn init_start_reads_version_and_arn_with_space_separator() {
        let r = record(PLATFORM_JSONL, "plat-16-init-start-space");
        let details = parse_record(&r).unwrap().platform.unwrap();
        assert_eq!(details.runtime_version.as_deref(), Some("python:3.12.v16"));
        assert_eq!(
            details.runtime_version_arn.as_deref(),
            Some("arn:aws:lambda:us-east-1::runtime:5eaca0ecada617668d4d59f66bf32f963e95d17ca326aad52b85465d04c429f5")
        );
    }

    #[test]
    fn logs_subscription_lists_types_as_events() {
        let r = record(PLATFORM_JSONL, "plat-17-logs-subscribed");
        let details = parse_record(&r).unwrap().platform.unwrap();
        assert_eq!(details.events, ["Platform"]);
    }

    #[test]
    fn space_separated_extension_line_is_read() {
        let line = parse(
            "EXTENSION Name: cloudwatch_lambda_agent State: Ready Events: [INVOKE, SHUTDOWN]",
        )
        .unwrap();
        let details = line.platform.unwrap();
        assert_eq!(details.name.as_deref(), Some("cloudwatch_lambda_agent"));
        assert_eq!(details.state.as_deref(), Some("Ready"));
        assert_eq!(details.events, ["INVOKE", "SHUTDOWN"]);
    }

    #[test]
    fn double_escaped_lines_still_yield_ids_and_numbers() {
        let end = parse(r"END RequestId: 7c9567b5-107b-4a6c-8798-0157ac21db52\n").unwrap();
        assert_eq!(
            end.request_id.as_deref(),
            Some("7c9567b5-107b-4a6c-8798-0157ac21db52")
        );
        let report = parse(
            r"REPORT RequestId: 7c9567b5-107b-4a6c-8798-0157ac21db52\tDuration: 3003.16 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 48 MB\tInit Duration: 127.02 ms\t\n",
        )
        .unwrap();
        let numbers = report.report.unwrap();
        assert_eq!(numbers.duration_ms, Some(3003.16));
        assert_eq!(numbers.billed_duration_ms, Some(3000.0));
        assert_eq!(numbers.init_duration_ms, Some(127.02));
        let timeout = parse(
            r"2020-06-09T15:02:26.150Z 7c9567b5-107b-4a6c-8798-0157ac21db52 Task timed out after 3.00 seconds\n\n",
        )
        .unwrap();
        assert_eq!(timeout.kind, Kind::Timeout);
        assert_eq!(timeout.platform.unwrap().timeout_seconds, Some(3.0));
    }

    #[test]
    fn lookalike_lines_are_not_platform() {
        for msg in [
            "",
            "S",
            "START",
            "START RequestId: ",
            "START RequestId:",
            "START something else",
            "END RequestId: ",
            "ENDING soon",
            "EXTENSION",
            "EXTENSIONS are great",
            "LOGS are great",
            "LOGS\tcount: 3",
            "INIT_START",
            "INIT_START something",
            "INIT_REPORT nothing",
            "RESTORE_REPORT",
            "RequestId: abc hello",
            "RequestId:",
            "Unknown",
            "2024-01-01T00:00:00Z hello world",
            "2024-01-01T00:00:00Z abc Task failed",
            "2024-01-01",
            "12345",
            "[AWS Parameters and Secrets Lambda Extension] 2024/04/11 02:14:17 x",
        ] {
            assert!(parse(msg).is_none(), "{msg:?}");
        }
    }

    #[test]
    fn multibyte_text_after_prefixes_never_panics() {
        let prefixes = [
            "START RequestId:",
            "START RequestId: ",
            "END RequestId:",
            "REPORT RequestId:",
            "REPORT RequestId: ",
            "REPORT RequestId: a\tDuration:",
            "INIT_START Runtime Version:",
            "INIT_REPORT Init Duration:",
            "RESTORE_START Runtime Version:",
            "RESTORE_REPORT Restore Duration:",
            "EXTENSION\tName:",
            "LOGS Name:",
            "RequestId: ",
            "RequestId: a Error: ",
            "Unknown application error occurred",
            "2020-06-09T15:02:26.150Z ",
            "2020-06-09T15:02:26.150Z a Task timed out after ",
        ];
        let tails = [
            "",
            "é",
            "ü: ",
            "€:\t",
            "🚀",
            ":",
            ": ",
            "\t",
            "\n",
            "é\nRuntime.",
            "日本語: 1 ms",
        ];
        for p in prefixes {
            for t in tails {
                let msg = format!("{p}{t}");
                let _ = parse(&msg);
                let _ = parse(&format!("{msg}{msg}"));
            }
        }
    }

    const FUZZ_PREFIXES: &[&str] = &[
        "START RequestId: ",
        "END RequestId:",
        "REPORT RequestId: ",
        "REPORT RequestId: a\tDuration: ",
        "INIT_START Runtime Version: ",
        "INIT_REPORT Init Duration: ",
        "RESTORE_START Runtime Version:",
        "RESTORE_REPORT Restore Duration: ",
        "EXTENSION\tName: ",
        "LOGS Name:",
        "RequestId: a ",
        "RequestId: a Error: ",
        "Unknown application error occurred",
        "2020-06-09T15:02:26.150Z a ",
        "",
    ];

    proptest::proptest! {
        #[test]
        fn arbitrary_text_after_any_prefix_never_panics(
            prefix in proptest::sample::select(FUZZ_PREFIXES),
            tail in "[ \t\n:a-zA-Z0-9.\\\\é🚀\\[\\],-]{0,40}",
        ) {
            let msg = format!("{prefix}{tail}");
            if let Some(line) = parse(&msg) {
                proptest::prop_assert_eq!(line.format, Format::Platform);
                proptest::prop_assert!(msg.starts_with(line.body.as_ref()));
            }
        }

        #[test]
        fn arbitrary_messages_never_panic(msg in proptest::prelude::any::<String>()) {
            let _ = parse(&msg);
        }
    }

    #[test]
    fn multibyte_request_id_is_rejected() {
        assert!(parse("START RequestId: é Version: 1").is_none());
        assert!(parse("END RequestId: 日本").is_none());
    }

    #[test]
    fn pairs_split_on_known_keys_and_keep_colons_inside_values() {
        let pairs: Vec<_> = Pairs::new(
            "Runtime Version: python:3.12\tRuntime Version ARN: arn:aws:x::y\tOther Key: 5",
            RUNTIME_KEYS,
        )
        .collect();
        assert_eq!(
            pairs,
            [
                ("Runtime Version", "python:3.12"),
                ("Runtime Version ARN", "arn:aws:x::y"),
                ("Other Key", "5"),
            ]
        );
    }
}
