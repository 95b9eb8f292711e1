//! The Lambda JSON log format: `platform.*` records and the runtimes' own app records.
//!
//! Platform records (`{"time", "type": "platform.<x>", "record": {…}}`) are mapped entirely:
//! request id, report numbers, tracing, runtime and extension details. Record keys this module
//! does not map (`spans`, `instanceId`, unknown metrics, …) are kept in `fields` under their own
//! names. The body is a one-line summary in the words of the text format, so a search for
//! `REPORT RequestId` finds both formats (see `platform_body`).
//!
//! App records are recognised by the runtimes' own shape: `timestamp`, `level` (or Python's
//! `log_level` for unhandled errors) and a `requestId` / `AWSRequestId` key (possibly empty).
//! Their extra top-level keys go through the structured parser's one context recognizer
//! ([`structured::read_context`]): correlation ids, the durable execution SDK's `executionArn` /
//! `operationId` / `attempt`, and `tenantId` become attributes like on any other JSON line. A
//! text message with a stack (the Java runtime's unhandled-exception event, a Node error logged
//! as text) is searched for an error report as a text body is ([`errors::detect`]).
//! Anything else is given back untouched for the generic structured-log parser.

use crate::json::{Entries, Member};
use crate::level::Level;
use crate::model::{ErrorInfo, Format, Kind, Origin, ParsedLine, PlatformDetails, Report, Trace};
use crate::parse::errors::{self, report};
use crate::parse::{structured, text};
use crate::time::{self, EpochMillis};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;

type Object = Map<String, Value>;

const PLATFORM_PREFIX: &str = "platform.";

/// Reads a Lambda JSON-format record; gives the object back when it is not one.
pub fn from_object(obj: Entries<'_>) -> Result<ParsedLine<'static>, Entries<'_>> {
    if is_platform_record(&obj) {
        Ok(platform_record(obj.into_map()))
    } else if is_app_record(&obj) {
        Ok(app_record(obj.into_map()))
    } else {
        Err(obj)
    }
}

/// `{"time": …, "type": "platform.<x>", "record": …}`.
fn is_platform_record(obj: &Entries<'_>) -> bool {
    obj.get("type")
        .and_then(Member::as_str)
        .is_some_and(|t| t.starts_with(PLATFORM_PREFIX))
        && obj.contains_key("time")
        && obj.contains_key("record")
}

/// `timestamp` + `level`/`log_level` + `requestId`/`AWSRequestId`: the runtimes' own shape.
fn is_app_record(obj: &Entries<'_>) -> bool {
    obj.contains_key("timestamp")
        && (obj.contains_key("level") || obj.contains_key("log_level"))
        && (obj.contains_key("requestId") || obj.contains_key("AWSRequestId"))
}

/// The kind of a `platform.<name>` record.
fn platform_kind(name: &str) -> Kind {
    match name {
        "initStart" => Kind::InitStart,
        "start" => Kind::Start,
        "runtimeDone" => Kind::RuntimeDone,
        "report" => Kind::Report,
        "initReport" => Kind::InitReport,
        "restoreStart" => Kind::RestoreStart,
        "restoreReport" => Kind::RestoreReport,
        "extension" => Kind::Extension,
        "logsSubscription" => Kind::LogsSubscription,
        "logsDropped" => Kind::LogsDropped,
        _ => Kind::Platform,
    }
}

fn platform_record(mut obj: Object) -> ParsedLine<'static> {
    let type_name = take_text(&mut obj, "type").unwrap_or_default();
    let kind = platform_kind(type_name.strip_prefix(PLATFORM_PREFIX).unwrap_or(""));
    let timestamp = take_timestamp(&mut obj, "time");
    let mut record = match obj.remove("record") {
        Some(Value::Object(record)) => record,
        Some(other) => {
            obj.insert("record".to_owned(), other);
            Object::new()
        }
        None => Object::new(),
    };

    let request_id = take_request_id(&mut record, "requestId");
    let trace = take_tracing(&mut record);
    let origin = take_origin(&mut record);
    let mut details = take_details(&mut record);
    if details.version.is_none() {
        details.version = origin.as_ref().and_then(|o| o.function_version.clone());
    }
    let reason = take_text(&mut record, "reason");
    let report = take_metrics(kind, &mut record, &mut details);

    let body = platform_body(&PlatformSummary {
        kind,
        type_name: &type_name,
        request_id: request_id.as_deref(),
        details: &details,
        report: report.as_ref(),
        reason: reason.as_deref(),
    });
    let mut fields = record;
    for (key, value) in obj {
        fields.entry(key).or_insert(value);
    }
    ParsedLine {
        kind,
        format: Format::LambdaJson,
        timestamp,
        request_id: request_id.map(Cow::Owned),
        body: Cow::Owned(body),
        json: true,
        fields: (!fields.is_empty()).then(|| Entries::from(fields)),
        trace,
        cold_start: report.as_ref().and_then(Report::cold_start),
        report: report.map(Box::new),
        platform: (details != PlatformDetails::default()).then(|| Box::new(details)),
        origin: origin.map(Box::new),
        ..ParsedLine::default()
    }
}

/// `record.metrics` by record type: the numbers of `platform.report`, the duration of
/// `platform.initReport` / `restoreReport`; other types keep their metrics in `fields`.
fn take_metrics(kind: Kind, record: &mut Object, details: &mut PlatformDetails) -> Option<Report> {
    match kind {
        Kind::Report => return Some(take_report(record, details)),
        Kind::InitReport => details.init_duration_ms = take_metric(record, "durationMs"),
        Kind::RestoreReport => details.restore_duration_ms = take_metric(record, "durationMs"),
        _ => {}
    }
    None
}

/// `functionName` / `functionVersion` of `platform.initStart` / `restoreStart`.
fn take_origin(record: &mut Object) -> Option<Origin> {
    let origin = Origin {
        function_name: take_text(record, "functionName"),
        function_version: take_text(record, "functionVersion"),
        service: None,
    };
    (origin != Origin::default()).then_some(origin)
}

/// Record keys shared by several platform record types.
fn take_details(record: &mut Object) -> PlatformDetails {
    PlatformDetails {
        version: take_text(record, "version"),
        runtime_version: take_text(record, "runtimeVersion"),
        runtime_version_arn: take_text(record, "runtimeVersionArn"),
        phase: take_text(record, "phase"),
        status: take_text(record, "status"),
        error_type: take_text(record, "errorType"),
        name: take_text(record, "name"),
        state: take_text(record, "state"),
        events: take_string_list(record, "events")
            .or_else(|| take_string_list(record, "types"))
            .unwrap_or_default(),
        dropped_records: take_u64(record, "droppedRecords"),
        dropped_bytes: take_u64(record, "droppedBytes"),
        initialization_type: take_text(record, "initializationType"),
        tenant_id: take_text(record, "tenantId"),
        ..PlatformDetails::default()
    }
}

/// `record.metrics` of `platform.report`, plus the record's status and error type (moved out of
/// `details`, where [`take_details`] put them). Unknown metrics stay in `record.metrics`.
fn take_report(record: &mut Object, details: &mut PlatformDetails) -> Report {
    let mut report = Report {
        status: details.status.take(),
        error_type: details.error_type.take(),
        tenant_id: details.tenant_id.take(),
        ..Report::default()
    };
    let Some(Value::Object(metrics)) = record.get_mut("metrics") else {
        return report;
    };
    report.duration_ms = take_f64(metrics, "durationMs");
    report.billed_duration_ms = take_f64(metrics, "billedDurationMs");
    report.memory_size_mb = take_f64(metrics, "memorySizeMB");
    report.max_memory_used_mb = take_f64(metrics, "maxMemoryUsedMB");
    report.init_duration_ms = take_f64(metrics, "initDurationMs");
    report.restore_duration_ms = take_f64(metrics, "restoreDurationMs");
    report.billed_restore_duration_ms = take_f64(metrics, "billedRestoreDurationMs");
    if metrics.is_empty() {
        record.remove("metrics");
    }
    report
}

/// One number out of `record.metrics`; drops `metrics` once it is empty.
fn take_metric(record: &mut Object, key: &str) -> Option<f64> {
    let Some(Value::Object(metrics)) = record.get_mut("metrics") else {
        return None;
    };
    let value = take_f64(metrics, key);
    if metrics.is_empty() {
        record.remove("metrics");
    }
    value
}

/// `record.tracing` `{type: "X-Amzn-Trace-Id", value: "Root=…;Parent=…;Sampled=1"}`. Keys other
/// than `type` and `value` (`spanId`) stay in `record.tracing`.
fn take_tracing(record: &mut Object) -> Trace<'static> {
    let Some(Value::Object(tracing)) = record.get_mut("tracing") else {
        return Trace::default();
    };
    let Some(trace) = tracing
        .get("value")
        .and_then(Value::as_str)
        .and_then(parse_trace_header)
    else {
        return Trace::default();
    };
    tracing.remove("value");
    tracing.remove("type");
    if tracing.is_empty() {
        record.remove("tracing");
    }
    trace
}

/// Reads an X-Ray trace header (`Root=1-…;Parent=…;Sampled=1`) or a bare X-Ray trace id
/// (`1-5759e988-bd862e3fe1be46a994272793`). `None` for a header without `Root=`.
pub fn parse_trace_header(value: &str) -> Option<Trace<'static>> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    if !value.contains('=') {
        return Some(Trace {
            xray_trace_id: Some(Cow::Owned(value.to_owned())),
            ..Trace::default()
        });
    }
    super::structured::header_trace(value)
}

/// What [`platform_body`] summarises.
struct PlatformSummary<'a> {
    kind: Kind,
    type_name: &'a str,
    request_id: Option<&'a str>,
    details: &'a PlatformDetails,
    report: Option<&'a Report>,
    reason: Option<&'a str>,
}

/// The body of a platform record: the line the text format prints for the same event
/// (`START RequestId: … Version: …`, `REPORT RequestId: …\tDuration: 1.32 ms\t…`,
/// `INIT_START Runtime Version: …`, `EXTENSION\tName: …`), listing only the facts the record has;
/// `platform.logsDropped` gives its `reason`; every other type gives `platform.<x>` followed by
/// its request id, status and error type. Deterministic: same record, same body.
fn platform_body(s: &PlatformSummary<'_>) -> String {
    let d = s.details;
    if let (Kind::LogsDropped, Some(reason)) = (s.kind, s.reason) {
        return reason.to_owned();
    }
    let mut out = String::with_capacity(128);
    let mut pairs = SummaryWriter::new(&mut out);
    match s.kind {
        Kind::Start => {
            pairs.keyword("START", " ", " ");
            pairs.text("RequestId", s.request_id);
            pairs.text("Version", d.version.as_deref());
        }
        Kind::Report => {
            let r = s.report.cloned().unwrap_or_default();
            pairs.keyword("REPORT", " ", "\t");
            pairs.text("RequestId", s.request_id);
            pairs.number("Duration", r.duration_ms, " ms");
            pairs.number("Billed Duration", r.billed_duration_ms, " ms");
            pairs.number("Memory Size", r.memory_size_mb, " MB");
            pairs.number("Max Memory Used", r.max_memory_used_mb, " MB");
            pairs.number("Init Duration", r.init_duration_ms, " ms");
            pairs.number("Restore Duration", r.restore_duration_ms, " ms");
            pairs.number(
                "Billed Restore Duration",
                r.billed_restore_duration_ms,
                " ms",
            );
            pairs.text("Status", r.status.as_deref());
            pairs.text("Error Type", r.error_type.as_deref());
        }
        Kind::InitStart | Kind::RestoreStart => {
            let keyword = if s.kind == Kind::InitStart {
                "INIT_START"
            } else {
                "RESTORE_START"
            };
            pairs.keyword(keyword, " ", "\t");
            pairs.text("Runtime Version", d.runtime_version.as_deref());
            pairs.text("Runtime Version ARN", d.runtime_version_arn.as_deref());
        }
        Kind::InitReport => {
            pairs.keyword("INIT_REPORT", " ", "\t");
            pairs.number("Init Duration", d.init_duration_ms, " ms");
            pairs.text("Phase", d.phase.as_deref());
            pairs.text("Status", d.status.as_deref());
            pairs.text("Error Type", d.error_type.as_deref());
        }
        Kind::RestoreReport => {
            pairs.keyword("RESTORE_REPORT", " ", "\t");
            pairs.number("Restore Duration", d.restore_duration_ms, " ms");
            pairs.text("Status", d.status.as_deref());
            pairs.text("Error Type", d.error_type.as_deref());
        }
        Kind::Extension | Kind::LogsSubscription => {
            let (keyword, list_key) = if s.kind == Kind::Extension {
                ("EXTENSION", "Events")
            } else {
                ("LOGS", "Types")
            };
            pairs.keyword(keyword, "\t", "\t");
            pairs.text("Name", d.name.as_deref());
            pairs.text("State", d.state.as_deref());
            if !d.events.is_empty() {
                let list = format!("[{}]", d.events.join(", "));
                pairs.text(list_key, Some(&list));
            }
        }
        _ => {
            pairs.keyword(s.type_name, " ", "\t");
            pairs.text("RequestId", s.request_id);
            pairs.text("Status", d.status.as_deref());
            pairs.text("Error Type", d.error_type.as_deref());
            pairs.number("Dropped Records", d.dropped_records.map(|n| n as f64), "");
        }
    }
    out
}

/// Writes `KEYWORD Key: value\tKey: value…` the way the text format does.
struct SummaryWriter<'a> {
    out: &'a mut String,
    first_separator: &'static str,
    separator: &'static str,
    written: usize,
}

impl<'a> SummaryWriter<'a> {
    fn new(out: &'a mut String) -> Self {
        SummaryWriter {
            out,
            first_separator: " ",
            separator: "\t",
            written: 0,
        }
    }

    /// Starts the line; `first` goes between the keyword and the first pair, `then` between
    /// the following pairs.
    fn keyword(&mut self, keyword: &str, first: &'static str, then: &'static str) {
        self.out.push_str(keyword);
        self.first_separator = first;
        self.separator = then;
    }

    fn text(&mut self, key: &str, value: Option<&str>) {
        let Some(value) = value else {
            return;
        };
        let separator = if self.written == 0 {
            self.first_separator
        } else {
            self.separator
        };
        self.written += 1;
        let _ = write!(self.out, "{separator}{key}: {value}");
    }

    fn number(&mut self, key: &str, value: Option<f64>, unit: &str) {
        if let Some(n) = value {
            self.text(key, Some(&format!("{n}{unit}")));
        }
    }
}

fn app_record(mut obj: Object) -> ParsedLine<'static> {
    let mut line = ParsedLine {
        format: Format::LambdaJson,
        json: true,
        ..ParsedLine::default()
    };
    line.timestamp = take_timestamp(&mut obj, "timestamp");
    line.level = take_level(&mut obj, "level").or_else(|| take_level(&mut obj, "log_level"));
    let request_id = take_request_id(&mut obj, "requestId");
    let aws_request_id = take_request_id(&mut obj, "AWSRequestId");
    line.request_id = request_id.or(aws_request_id).map(Cow::Owned);
    if let Some(trace) = obj
        .get("traceId")
        .and_then(Value::as_str)
        .and_then(parse_trace_header)
    {
        obj.remove("traceId");
        line.trace = trace;
    }
    let error = take_error(&mut obj);

    let mut inner_fields = None;
    line.body = Cow::Owned(match obj.remove("message") {
        Some(Value::String(s)) => match json_object_in(&s) {
            Some(mut inner) => {
                let body = take_inner_message(&mut inner).unwrap_or(s);
                if let Some(level) = take_level(&mut inner, "level") {
                    line.level = Some(level);
                }
                inner_fields = Some(inner);
                body
            }
            None => s,
        },
        Some(Value::Object(message)) => {
            let inner_error = report::lambda_error(&message);
            // A Node error object logged as the message reads best as "Type: message".
            let body = match (message.get("message"), &inner_error) {
                (Some(Value::String(s)), _) => s.clone(),
                (_, Some(e)) if e.kind.is_some() || e.message.is_some() => error_summary(e),
                _ => compact_json(&Value::Object(message.clone())),
            };
            if error.is_none() {
                line.error = inner_error.map(Box::new);
            }
            obj.insert("message".to_owned(), Value::Object(message));
            body
        }
        Some(other) => compact_json(&other),
        None => error.as_ref().map(error_summary).unwrap_or_default(),
    });
    if error.is_some() {
        line.error = error.map(Box::new);
    }

    if line.error.is_none() {
        if let Cow::Owned(body) = &line.body {
            line.error = errors::detect(body).map(Box::new);
        }
    }

    let mut fields = obj;
    if let Some(inner) = inner_fields {
        fields.extend(inner);
    }
    let mut fields = Entries::from(fields);
    if fields.keys().any(structured::is_context_key) {
        let context = structured::read_context(fields);
        line.correlation = context.correlation.map(Arc::new);
        line.platform = context.details.map(Box::new);
        fields = context.rest;
    }
    line.fields = (!fields.is_empty()).then_some(fields);
    line
}

/// A JSON object written as the text of `message` (double-encoded by the runtime).
fn json_object_in(s: &str) -> Option<Object> {
    if !s.trim_start().starts_with('{') {
        return None;
    }
    serde_json::from_str::<Object>(s).ok()
}

/// The `message` (or `msg`) of an object found inside `message`, as display text.
fn take_inner_message(inner: &mut Object) -> Option<String> {
    for key in ["message", "msg"] {
        match inner.remove(key) {
            Some(Value::String(s)) => return Some(s),
            Some(other) => {
                let text = compact_json(&other);
                inner.insert(key.to_owned(), other);
                return Some(text);
            }
            None => {}
        }
    }
    None
}

/// Removes `errorType` / `errorMessage` / `stackTrace` (when they are text) from a record.
fn take_error(obj: &mut Object) -> Option<ErrorInfo> {
    let info = report::lambda_error(obj)?;
    for key in ["errorType", "errorMessage", "stackTrace"] {
        if obj.get(key).is_some_and(is_error_part) {
            obj.remove(key);
        }
    }
    Some(info)
}

fn is_error_part(v: &Value) -> bool {
    matches!(v, Value::String(_) | Value::Array(_))
}

/// `<errorType>: <errorMessage>` (or whichever of the two exists): the body of an error record
/// without `message`.
fn error_summary(e: &ErrorInfo) -> String {
    match (&e.kind, &e.message) {
        (Some(kind), Some(message)) => format!("{kind}: {message}"),
        (Some(only), None) | (None, Some(only)) => only.clone(),
        (None, None) => String::new(),
    }
}

fn compact_json(v: &Value) -> String {
    serde_json::to_string(v).unwrap_or_default()
}

/// Removes `key` when it holds text (or a number, written as text); other values stay.
fn take_text(obj: &mut Object, key: &str) -> Option<String> {
    match obj.get(key)? {
        Value::String(_) | Value::Number(_) => {}
        _ => return None,
    }
    match obj.remove(key)? {
        Value::String(s) => Some(s),
        other => Some(other.to_string()),
    }
}

/// Removes `key` when it holds a finite number.
fn take_f64(obj: &mut Object, key: &str) -> Option<f64> {
    let n = obj.get(key)?.as_f64().filter(|n| n.is_finite())?;
    obj.remove(key);
    Some(n)
}

/// Removes `key` when it holds a non-negative integer.
fn take_u64(obj: &mut Object, key: &str) -> Option<u64> {
    let n = obj.get(key)?.as_u64()?;
    obj.remove(key);
    Some(n)
}

/// Removes `key` when it holds an array of strings.
fn take_string_list(obj: &mut Object, key: &str) -> Option<Vec<String>> {
    let list: Vec<String> = obj
        .get(key)?
        .as_array()?
        .iter()
        .map(|v| v.as_str().map(str::to_owned))
        .collect::<Option<_>>()?;
    obj.remove(key);
    Some(list)
}

/// Removes a request id key holding text; placeholders (`""`, `undefined`) mean absent.
fn take_request_id(obj: &mut Object, key: &str) -> Option<String> {
    let id = obj.get(key)?.as_str()?;
    let id = text::request_id(id).map(str::to_owned);
    obj.remove(key);
    id
}

/// Removes a level key when it normalises to a level.
fn take_level(obj: &mut Object, key: &str) -> Option<Level> {
    let level = Level::from_json(obj.get(key)?)?;
    obj.remove(key);
    Some(level)
}

/// Removes a timestamp key when it parses (RFC 3339-ish text or epoch s/ms number).
fn take_timestamp(obj: &mut Object, key: &str) -> Option<EpochMillis> {
    let t = match obj.get(key)? {
        Value::String(s) => time::parse_rfc3339ish(s),
        Value::Number(n) => n.as_f64().and_then(time::from_epoch_number),
        _ => None,
    }?;
    obj.remove(key);
    Some(t)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_object;
    use crate::parse::errors::oracle::{self, record, records, Record};
    use crate::parse::text::normalize_message;

    const PLATFORM_EVENTS_JSONL: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/02-lambda-json-format/platform-events.jsonl"
    ));
    const APP_LOGS_JSONL: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/02-lambda-json-format/app-logs.jsonl"
    ));
    const LAMBDA_2025_JSONL: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/02-lambda-json-format/lambda-2025.jsonl"
    ));
    const DOCS_REPORT_TRAILING_COMMA: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/08-bad-inputs/docs-platform-report-trailing-comma.json"
    ));

    /// Normalises the record's message, parses it as a JSON object and reads it.
    fn parse_record(r: &Record) -> ParsedLine<'static> {
        let id = &r.id;
        let normalized = normalize_message(&r.message);
        let obj: Object = serde_json::from_str(&normalized).unwrap();
        from_object(obj.into()).unwrap_or_else(|_| panic!("{id}: not a Lambda JSON record"))
    }

    fn parse_id(jsonl: &str, id: &str) -> ParsedLine<'static> {
        parse_record(&record(jsonl, id))
    }

    /// Oracle keys of this module's records checked as for every parser ([`oracle::check_key`]).
    const COMMON_KEYS: &[&str] = &[
        "kind",
        "request_id",
        "level",
        "timestamp",
        "message",
        "xray_trace_id",
        "error",
    ];

    /// Asserts every `expect` key of a 02-lambda-json-format record that concerns this module.
    fn check_record(r: &Record) {
        let id = r.id.as_str();
        let e = &r.expect;
        let line = parse_record(r);
        assert!(e.contains_key("kind"), "{id}: oracle without kind");
        assert_eq!(line.format, Format::LambdaJson, "{id}: format");
        assert!(line.json, "{id}: json");
        for &key in COMMON_KEYS {
            if let Some(want) = e.get(key) {
                oracle::check_key(id, &line, key, want);
            }
        }
        if let Some(Value::Object(want)) = e.get("fields") {
            assert_eq!(
                line.fields.clone().map(Entries::into_map).as_ref(),
                Some(want),
                "{id}: fields"
            );
        }
        if let Some(report) = e.get("report") {
            oracle::check_report(id, &line, report);
            // An init or restore duration: a cold start; a duration without either: warm.
            let numbers = line.report.as_deref().cloned().unwrap_or_default();
            let cold = if numbers
                .init_duration_ms
                .or(numbers.restore_duration_ms)
                .is_some()
            {
                Some(true)
            } else {
                numbers.duration_ms.map(|_| false)
            };
            assert_eq!(line.cold_start, cold, "{id}: cold_start");
        } else {
            assert_eq!(
                line.cold_start, None,
                "{id}: only reports state a cold start"
            );
        }
        if let Some(want) = e.get("cold_start") {
            assert_eq!(line.cold_start, want.as_bool(), "{id}: cold_start oracle");
        }
        oracle::check_platform_details(id, &line, e);
    }

    #[test]
    fn every_platform_event_record_matches_its_oracle() {
        let all = records(PLATFORM_EVENTS_JSONL);
        assert_eq!(all.len(), 13);
        for r in &all {
            check_record(r);
        }
    }

    #[test]
    fn every_app_log_record_matches_its_oracle() {
        let all = records(APP_LOGS_JSONL);
        assert_eq!(all.len(), 12);
        for r in &all {
            check_record(r);
        }
    }

    #[test]
    fn every_2025_record_matches_its_oracle() {
        let all = records(LAMBDA_2025_JSONL);
        assert_eq!(all.len(), 6);
        for r in &all {
            check_record(r);
        }
    }

    #[test]
    fn durable_and_tenant_keys_leave_fields_for_attributes() {
        let line = parse_id(LAMBDA_2025_JSONL, "json2025-05-durable-sdk-step-log");
        let details = line.platform.as_deref().expect("durable details");
        let durable = details.durable.as_ref().expect("durable");
        assert_eq!(durable.attempt, Some(2));
        assert_eq!(
            durable.operation_id.as_deref(),
            Some("c4ca4238a0b923820dcc509a6f75849b")
        );
        let correlation = line.correlation.as_deref().expect("correlation");
        assert_eq!(correlation.primary, None);
        assert_eq!(
            correlation.ids.get("executionArn"),
            durable.execution_arn.clone().map(Value::String).as_ref()
        );
        assert_eq!(line.fields, None, "every key was mapped");
        let report = parse_id(LAMBDA_2025_JSONL, "json2025-03-platform-report-tenant");
        assert_eq!(
            report
                .report
                .as_deref()
                .and_then(|r| r.tenant_id.as_deref()),
            Some("BlueTenant")
        );
    }

    #[test]
    fn corpus_records_by_id() {
        let platform_ids = [
            "jsonfmt-01-init-start",
            "jsonfmt-02-start",
            "jsonfmt-03-report-cold",
            "jsonfmt-04-report-timeout",
            "jsonfmt-05-report-partial-metrics",
            "jsonfmt-06-report-snapstart-spaces",
            "jsonfmt-07-runtime-done-spans",
            "jsonfmt-08-start-numeric-version",
            "jsonfmt-09-start-with-tracing",
            "jsonfmt-10-init-report",
            "jsonfmt-11-logs-dropped",
            "jsonfmt-12-restore-report",
            "jsonfmt-13-init-report-status",
        ];
        for id in platform_ids {
            check_record(&record(PLATFORM_EVENTS_JSONL, id));
        }
        let app_ids = [
            "jsonapp-01-node-info",
            "jsonapp-02-node-string-containing-json",
            "jsonapp-03-node-error-object",
            "jsonapp-04-node-multi-arg-with-error",
            "jsonapp-05-python-json-formatter",
            "jsonapp-06-python-json-exception",
            "jsonapp-07-python-critical-maps-fatal",
            "jsonapp-08-python-unhandled-log-level-key",
            "jsonapp-09-java-lambdalogger-json",
            "jsonapp-10-java-log4j2-lambdalayout",
            "jsonapp-11-dotnet-json",
            "jsonapp-12-node-tenant-id",
        ];
        for id in app_ids {
            check_record(&record(APP_LOGS_JSONL, id));
        }
    }

    #[test]
    fn init_start_maps_runtime_and_function_identity() {
        let line = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-01-init-start");
        let d = line.platform.as_deref().unwrap();
        assert_eq!(d.initialization_type.as_deref(), Some("on-demand"));
        assert_eq!(d.phase.as_deref(), Some("init"));
        assert!(d
            .runtime_version_arn
            .as_deref()
            .unwrap()
            .starts_with("arn:aws:lambda:"));
        let origin = line.origin.as_deref().unwrap();
        assert_eq!(origin.function_version.as_deref(), Some("$LATEST"));
        let fields = line.fields.unwrap().into_map();
        let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(keys, ["instanceId", "instanceMaxMemory"]);
        assert!(line
            .body
            .starts_with("INIT_START Runtime Version: nodejs:22.mainline.v122\t"));
    }

    #[test]
    fn start_body_reads_like_the_text_line() {
        let line = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-02-start");
        assert_eq!(
            line.body,
            "START RequestId: 79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36 Version: $LATEST"
        );
        let fields = line.fields.unwrap().into_map();
        assert!(fields.contains_key("functionArn"));
        assert_eq!(fields.len(), 1);
    }

    #[test]
    fn report_body_reparses_as_the_same_text_report() {
        let line = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-03-report-cold");
        assert_eq!(
            line.body,
            "REPORT RequestId: 79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36\tDuration: 1233.96 ms\t\
             Billed Duration: 1698 ms\tMemory Size: 256 MB\tMax Memory Used: 123 MB\t\
             Init Duration: 463.512 ms\tStatus: success"
        );
        let text = crate::parse::platform::parse(&line.body).unwrap();
        assert_eq!(text.report.as_deref(), line.report.as_deref());
        assert_eq!(text.request_id, line.request_id);
        assert_eq!(line.fields, None, "everything in the record is mapped");
    }

    #[test]
    fn report_with_every_metric_missing_is_still_a_report() {
        let json = r#"{"time":"2026-01-08T18:22:35.343Z","type":"platform.report","record":{"requestId":"4f423807-598d-47ae-9652-4f7ee31d4d10","metrics":{},"status":"success"}}"#;
        let line = from_object(parse_object(json, 64).unwrap()).unwrap();
        assert_eq!(line.kind, Kind::Report);
        let report = line.report.unwrap();
        assert_eq!(report.duration_ms, None);
        assert_eq!(report.billed_duration_ms, None);
        assert_eq!(report.status.as_deref(), Some("success"));
        assert_eq!(line.cold_start, None);
        let bare = r#"{"time":"2026-01-08T18:22:35.343Z","type":"platform.report","record":{}}"#;
        let line = from_object(parse_object(bare, 64).unwrap()).unwrap();
        assert_eq!(line.kind, Kind::Report);
        assert_eq!(*line.report.unwrap(), Report::default());
    }

    #[test]
    fn platform_report_coldstart_follows_its_init_and_restore_durations() {
        let cold = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-03-report-cold");
        assert_eq!(cold.cold_start, Some(true), "initDurationMs");
        let restored = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-06-report-snapstart-spaces");
        assert_eq!(
            restored.cold_start,
            Some(true),
            "restoreDurationMs (SnapStart)"
        );
        let warm = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-05-report-partial-metrics");
        assert_eq!(
            warm.cold_start,
            Some(false),
            "a duration, neither init nor restore"
        );
    }

    #[test]
    fn restore_and_init_reports_map_every_documented_key() {
        let restore = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-12-restore-report");
        assert_eq!(restore.kind, Kind::RestoreReport);
        assert_eq!(restore.cold_start, None);
        let d = restore.platform.as_deref().unwrap();
        assert_eq!(d.restore_duration_ms, Some(15.19));
        assert_eq!(d.status.as_deref(), Some("success"));
        let fields = restore.fields.clone().unwrap().into_map();
        assert_eq!(fields.keys().collect::<Vec<_>>(), ["spans"]);
        let failed = r#"{"time":"2024-01-01T00:00:00Z","type":"platform.restoreReport","record":{"status":"error","errorType":"Runtime.ExitError","metrics":{"durationMs":9.5}}}"#;
        let line = from_object(parse_object(failed, 64).unwrap()).unwrap();
        let d = line.platform.as_deref().unwrap();
        assert_eq!(d.error_type.as_deref(), Some("Runtime.ExitError"));
        assert_eq!(
            line.body,
            "RESTORE_REPORT Restore Duration: 9.5 ms\tStatus: error\tError Type: Runtime.ExitError"
        );
        assert_eq!(line.fields, None, "everything in the record is mapped");
        let init = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-13-init-report-status");
        let d = init.platform.as_deref().unwrap();
        assert_eq!(d.init_duration_ms, Some(125.33));
        assert_eq!(d.status.as_deref(), Some("success"));
        assert_eq!(d.phase.as_deref(), Some("init"));
        assert_eq!(d.initialization_type.as_deref(), Some("on-demand"));
        assert_eq!(init.cold_start, None);
    }

    #[test]
    fn partial_report_keeps_spans_in_fields() {
        let line = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-05-report-partial-metrics");
        let fields = line.fields.unwrap().into_map();
        assert_eq!(fields["spans"].as_array().unwrap().len(), 2);
        assert!(!fields.contains_key("metrics"));
        assert!(!fields.contains_key("status"));
    }

    #[test]
    fn runtime_done_keeps_metrics_and_spans_unmapped() {
        let line = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-07-runtime-done-spans");
        assert_eq!(line.report, None);
        let fields = line.fields.unwrap().into_map();
        assert_eq!(fields["metrics"]["producedBytes"], 50);
        assert_eq!(fields["spans"].as_array().unwrap().len(), 3);
        assert_eq!(
            line.body,
            "platform.runtimeDone RequestId: d661f7cf-9208-46b9-85b0-213b04a91065\tStatus: success"
        );
    }

    #[test]
    fn start_tracing_maps_root_parent_and_sampled() {
        let line = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-09-start-with-tracing");
        assert_eq!(line.trace.segment_id.as_deref(), Some("0efbd19962d95b05"));
        assert_eq!(line.trace.sampled, Some(true));
        let fields = line.fields.unwrap().into_map();
        assert_eq!(
            fields["tracing"],
            serde_json::json!({"spanId": "54565fb41ac79632"})
        );
    }

    #[test]
    fn init_report_keeps_spans_and_initialization_type() {
        let line = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-10-init-report");
        let d = line.platform.as_deref().unwrap();
        assert_eq!(d.initialization_type.as_deref(), Some("on-demand"));
        assert_eq!(
            line.body,
            "INIT_REPORT Init Duration: 125.33 ms\tPhase: init"
        );
        assert!(line.fields.unwrap().contains_key("spans"));
    }

    #[test]
    fn logs_dropped_reason_is_the_body() {
        let line = parse_id(PLATFORM_EVENTS_JSONL, "jsonfmt-11-logs-dropped");
        assert!(line.body.starts_with("Some logs were dropped"));
        assert_eq!(line.platform.unwrap().dropped_bytes, Some(12345));
        assert_eq!(line.fields, None);
    }

    #[test]
    fn unknown_platform_type_is_generic_platform_with_record_in_fields() {
        let json = r#"{"time":"2024-01-01T00:00:00Z","type":"platform.somethingNew","record":{"requestId":"abc-1","foo":1}}"#;
        let line = from_object(parse_object(json, 64).unwrap()).unwrap();
        assert_eq!(line.kind, Kind::Platform);
        assert_eq!(line.request_id.as_deref(), Some("abc-1"));
        assert_eq!(line.body, "platform.somethingNew RequestId: abc-1");
        assert_eq!(line.fields.unwrap().into_map()["foo"], 1);
    }

    #[test]
    fn extension_and_subscription_records_map_name_state_events() {
        let ext = r#"{"time":"2024-01-01T00:00:00Z","type":"platform.extension","record":{"name":"my-ext","state":"Ready","events":["INVOKE","SHUTDOWN"]}}"#;
        let line = from_object(parse_object(ext, 64).unwrap()).unwrap();
        assert_eq!(line.kind, Kind::Extension);
        assert_eq!(
            line.platform.as_deref().unwrap().events,
            ["INVOKE", "SHUTDOWN"]
        );
        assert_eq!(
            line.body,
            "EXTENSION\tName: my-ext\tState: Ready\tEvents: [INVOKE, SHUTDOWN]"
        );
        let logs = r#"{"time":"2024-01-01T00:00:00Z","type":"platform.logsSubscription","record":{"name":"agent","state":"Subscribed","types":["platform","function"]}}"#;
        let line = from_object(parse_object(logs, 64).unwrap()).unwrap();
        assert_eq!(line.kind, Kind::LogsSubscription);
        assert_eq!(
            line.platform.as_deref().unwrap().events,
            ["platform", "function"]
        );
    }

    #[test]
    fn string_message_holding_json_is_merged() {
        let line = parse_id(APP_LOGS_JSONL, "jsonapp-02-node-string-containing-json");
        assert_eq!(line.body, "Widget update failed");
        assert_eq!(line.level, Some(Level::Error));
        assert_eq!(
            line.request_id.as_deref(),
            Some("79b5e81f-9cdd-4145-b1f6-7c50ef8a2a36")
        );
    }

    #[test]
    fn inner_level_wins_over_the_envelope() {
        let json = r#"{"timestamp":"2024-01-01T00:00:00Z","level":"INFO","requestId":"r-1","message":"{\"level\":\"warn\",\"msg\":\"careful\",\"k\":1}"}"#;
        let line = from_object(parse_object(json, 64).unwrap()).unwrap();
        assert_eq!(line.level, Some(Level::Warn));
        assert_eq!(line.body, "careful");
        assert_eq!(
            line.fields.unwrap().into_map(),
            serde_json::json!({"k": 1}).as_object().cloned().unwrap()
        );
    }

    #[test]
    fn object_message_becomes_error_and_stays_in_fields() {
        let line = parse_id(APP_LOGS_JSONL, "jsonapp-03-node-error-object");
        let fields = line.fields.unwrap().into_map();
        assert_eq!(fields["message"]["errorType"], "TypeError");
        assert_eq!(
            line.body,
            "TypeError: Cannot read properties of undefined (reading 'id')"
        );
        assert_eq!(
            line.request_id.as_deref(),
            Some("0d2b1e6c-3f6a-4f4a-9d2e-0b4a1c2d3e4f")
        );
    }

    #[test]
    fn object_message_with_text_message_uses_it_as_body() {
        let json = r#"{"timestamp":"2024-01-01T00:00:00Z","level":"INFO","requestId":"r-1","message":{"message":"hi","n":2}}"#;
        let line = from_object(parse_object(json, 64).unwrap()).unwrap();
        assert_eq!(line.body, "hi");
        assert_eq!(line.fields.unwrap().into_map()["message"]["n"], 2);
        assert_eq!(line.error, None);
    }

    #[test]
    fn error_keys_are_mapped_out_of_fields() {
        let line = parse_id(APP_LOGS_JSONL, "jsonapp-06-python-json-exception");
        let fields = line.fields.unwrap().into_map();
        let keys: Vec<&str> = fields.keys().map(String::as_str).collect();
        assert_eq!(keys, ["location", "logger"]);
        let stack = line.error.unwrap().stacktrace.unwrap();
        assert!(
            stack.ends_with("raise ValueError(\"error message\")"),
            "{stack:?}"
        );
    }

    #[test]
    fn error_record_without_message_summarises_the_error() {
        let line = parse_id(APP_LOGS_JSONL, "jsonapp-08-python-unhandled-log-level-key");
        assert_eq!(line.body, "ZeroDivisionError: division by zero");
        assert_eq!(line.fields, None);
    }

    #[test]
    fn java_string_stack_trace_is_kept_as_text() {
        let line = parse_id(APP_LOGS_JSONL, "jsonapp-10-java-log4j2-lambdalayout");
        assert_eq!(
            line.error.unwrap().stacktrace.as_deref(),
            Some(
                "java.lang.IllegalStateException: closed\n\tat com.example.Pool.get(Pool.java:88)"
            )
        );
        assert_eq!(line.body, "Unable to charge card");
    }

    #[test]
    fn dotnet_trace_header_maps_segment_and_sampled() {
        let line = parse_id(APP_LOGS_JSONL, "jsonapp-11-dotnet-json");
        assert_eq!(line.trace.segment_id.as_deref(), Some("1a2b3c4d5e6f7a8b"));
        assert_eq!(line.trace.sampled, Some(true));
    }

    #[test]
    fn bare_xray_trace_id_is_accepted() {
        let json = r#"{"timestamp":"2024-01-01T00:00:00Z","level":"Information","requestId":"r","traceId":"1-65a5066b-6e5f4d3c2b1a09f8e7d6c5b4","message":"m"}"#;
        let line = from_object(parse_object(json, 64).unwrap()).unwrap();
        assert_eq!(
            line.trace.xray_trace_id.as_deref(),
            Some("1-65a5066b-6e5f4d3c2b1a09f8e7d6c5b4")
        );
        assert_eq!(line.fields, None);
    }

    #[test]
    fn other_json_objects_are_given_back_untouched() {
        for json in [
            r#"{"level":"INFO","message":"k","AWSRequestId":"5e7f8a9b","awsRequestId":"ffff"}"#,
            r#"{"timestamp":"2024-01-01T00:00:00Z","level":"INFO","message":"no request id"}"#,
            r#"{"level":30,"time":1531171074631,"msg":"hello world","pid":1}"#,
            r#"{"_aws":{"Timestamp":1},"requestId":"r","time":100}"#,
            r#"{"time":"2024-01-01T00:00:00Z","type":"platform.start"}"#,
            r#"{"time":"2024-01-01T00:00:00Z","type":"function","record":"x"}"#,
        ] {
            let obj: Object = serde_json::from_str(json).unwrap();
            let back = from_object(obj.clone().into()).unwrap_err();
            assert_eq!(back.into_map(), obj, "{json}");
        }
    }

    #[test]
    fn invalid_docs_report_json_never_reaches_from_object() {
        let normalized = normalize_message(DOCS_REPORT_TRAILING_COMMA);
        assert!(serde_json::from_str::<Object>(&normalized).is_err());
        assert!(crate::json::parse_object(&normalized, 64).is_none());
    }

    #[test]
    fn odd_value_types_never_panic_and_stay_in_fields() {
        let json = r#"{"time":5,"type":"platform.report","record":{"requestId":7,"metrics":{"durationMs":"x"},"tracing":{"value":3},"status":null,"events":[1]}}"#;
        let line = from_object(parse_object(json, 64).unwrap()).unwrap();
        assert_eq!(line.kind, Kind::Report);
        assert_eq!(line.request_id, None);
        let fields = line.fields.unwrap().into_map();
        assert_eq!(fields["requestId"], 7);
        assert_eq!(fields["metrics"]["durationMs"], "x");
        let app = r#"{"timestamp":[],"level":{},"requestId":null,"message":null,"errorType":5,"stackTrace":{}}"#;
        let line = from_object(parse_object(app, 64).unwrap()).unwrap();
        assert_eq!(line.body, "null");
        assert_eq!(line.level, None);
        assert_eq!(line.error, None);
        let fields = line.fields.unwrap().into_map();
        assert!(fields.contains_key("timestamp") && fields.contains_key("errorType"));
    }

    #[test]
    fn dispatcher_routes_json_format_lines_here() {
        let opts = crate::parse::ParseOptions::default();
        let r = record(APP_LOGS_JSONL, "jsonapp-01-node-info");
        let line = crate::parse::parse_line(&r.message, &opts);
        assert_eq!(line.format, Format::LambdaJson);
        assert_eq!(line.body, "Just some logs here =)");
        let monitoring = r#"{"timestamp":"2024-02-09T08:42:44.078Z","level":"INFO","requestId":"d661f7cf-9208-46b9-85b0-213b04a91065","message":"MONITORING|1|Count|request_count|ns|service=x"}"#;
        let line = crate::parse::parse_line(monitoring, &opts);
        assert_eq!(line.kind, Kind::Metric);
        assert_eq!(
            line.monitoring.as_deref(),
            Some("MONITORING|1|Count|request_count|ns|service=x")
        );
    }

    fn leaf() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            ".{0,12}".prop_map(Value::String),
            "\\{.{0,12}".prop_map(Value::String),
            proptest::collection::vec(".{0,6}".prop_map(Value::String), 0..3)
                .prop_map(Value::Array),
        ]
    }

    /// Keys this module reads, for records and app lines alike.
    const FUZZ_KEYS: &[&str] = &[
        "timestamp",
        "level",
        "log_level",
        "requestId",
        "AWSRequestId",
        "message",
        "errorType",
        "errorMessage",
        "stackTrace",
        "traceId",
        "version",
        "status",
        "events",
        "types",
        "name",
        "droppedRecords",
        "functionVersion",
        "reason",
    ];

    proptest::proptest! {
        #[test]
        fn arbitrary_values_under_known_keys_never_panic(
            values in proptest::collection::vec(leaf(), FUZZ_KEYS.len()),
            type_name in proptest::sample::select(vec![
                "platform.report", "platform.start", "platform.initReport",
                "platform.restoreReport", "platform.logsDropped", "platform.x",
            ]),
        ) {
            let mut app = Object::new();
            for (k, v) in FUZZ_KEYS.iter().zip(&values) {
                app.insert((*k).to_owned(), v.clone());
            }
            let mut record = app.clone();
            record.insert("metrics".to_owned(), Value::Object(app.clone()));
            record.insert("tracing".to_owned(), Value::Object(app.clone()));
            let platform = serde_json::json!({"time": values[0], "type": type_name, "record": record});
            let Value::Object(platform) = platform else { unreachable!() };
            proptest::prop_assert!(from_object(app.into()).is_ok());
            proptest::prop_assert!(from_object(platform.into()).is_ok());
        }
    }

    #[test]
    fn trace_header_without_root_is_not_a_trace() {
        assert_eq!(parse_trace_header("Parent=abc;Sampled=1"), None);
        assert_eq!(parse_trace_header(""), None);
        let t = parse_trace_header("Root=1-a-b;Sampled=0;Lineage=x").unwrap();
        assert_eq!(t.xray_trace_id.as_deref(), Some("1-a-b"));
        assert_eq!(t.sampled, Some(false));
    }
}
