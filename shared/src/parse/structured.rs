//! Structured JSON log lines of logging libraries: Powertools (Python, TypeScript, and .NET in
//! its snake_case, PascalCase and camelCase outputs), dazn lambda-powertools, pino, bunyan,
//! winston, Elastic ECS loggers (`log.level`), Datadog-style `status`, log4j2 `JsonLayout`,
//! Serilog (CLEF and the default `JsonFormatter`), the Lambda durable execution SDK, EMF records
//! and any other JSON object.
//!
//! Rules (the corpus oracles in `tests/fixtures/corpus/EXPECTED.md` are the contract):
//! - Well-known keys are mapped onto the line (level, timestamp, request id, X-Ray, correlation
//!   ids, cold start, function identity, error). A mapped key leaves `fields` only when its value
//!   was actually used: a key with an unreadable value, or a lower-precedence duplicate (e.g. a
//!   second request-id spelling), stays in `fields`, so nothing is lost.
//! - The message key (`message`, `msg`, `@m`, …) is rendered into `body` *and stays in
//!   `fields`*: the oracles want `fields.message` both for a legacy Node line
//!   (`node-06`) and for a Powertools dict message (`ptpy-02`), and one rule covers both.
//! - No message key: `body` is `Type: message` of the line's error when it has one, else the
//!   compact JSON of the whole object.
//! - Correlation keys (Powertools `correlation_id`, dazn `x-correlation-*`, …) leave `fields`:
//!   they are written to `attributes.correlation.*`. They are recognised by one reader
//!   ([`read_context`], module `ids`) for every JSON line shape.
//! - A level comes from the level keys in precedence order; Datadog's `status` is read last and
//!   only when it is a level word (`"status": "ok"` or an HTTP status stays in `fields`).
//! - EMF records keep every key in `fields` (metric values and dimensions must stay intact); the
//!   mapped facts are copied, and the timestamp comes from `_aws.Timestamp` only (an EMF record
//!   may have a metric called `time`).

mod error;
mod ids;
mod keys;

pub use ids::{header_trace, is_xray_id, MAX_ID_BYTES};

use crate::json::{Entries, Member};
use crate::level::Level;
use crate::model::{
    Correlation, DurableExecution, ErrorInfo, Format, Kind, Origin, ParsedLine, PlatformDetails,
    Trace,
};
use crate::parse::emf;
use crate::parse::text;
use crate::time::{self, EpochMillis};
use keys::{Keys, Slot};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::sync::Arc;

/// Message keys in precedence order (Serilog: rendered `@m` wins over the template `@mt`;
/// Serilog's default `JsonFormatter`: `RenderedMessage` over `MessageTemplate`).
const MESSAGE_KEYS: &[Slot] = &[
    Slot::Message,
    Slot::Msg,
    Slot::AtM,
    Slot::AtMt,
    Slot::RenderedMessage,
    Slot::MessageTemplate,
    Slot::MessageCap,
];

/// Level keys in precedence order (dazn: string `sLevel` wins over numeric `level`).
const LEVEL_KEYS: &[Slot] = &[
    Slot::SLevel,
    Slot::Level,
    Slot::LogLevel,
    Slot::LevelName,
    Slot::Severity,
    Slot::AtL,
    Slot::LevelCap,
    Slot::LogDotLevel,
];

/// Keys whose presence marks a Serilog CLEF record, where an absent `@l` means Information.
const CLEF_MARKERS: &[Slot] = &[Slot::AtT, Slot::AtMt, Slot::AtM];

/// Timestamp keys in precedence order (log4j2: `timeMillis`, `instant`; Serilog: `@t`,
/// `Timestamp`).
const TIMESTAMP_KEYS: &[Slot] = &[
    Slot::Timestamp,
    Slot::Time,
    Slot::AtT,
    Slot::Ts,
    Slot::Date,
    Slot::AtTimestamp,
    Slot::TimestampCap,
    Slot::TimeMillis,
    Slot::Instant,
];

/// Request-id keys in precedence order (EXPECTED.md: `requestId` > `AWSRequestId` >
/// `awsRequestId` > `function_request_id`/`lambda_request_id`).
const REQUEST_ID_KEYS: &[Slot] = &[
    Slot::RequestId,
    Slot::AwsRequestIdUpper,
    Slot::AwsRequestId,
    Slot::FunctionRequestId,
    Slot::LambdaRequestId,
    Slot::FunctionRequestIdCap,
    Slot::FunctionRequestIdCamel,
];

/// Function-name keys (Powertools Python/TS, Powertools `lambda_*` spelling, dazn).
const FUNCTION_NAME_KEYS: &[Slot] = &[
    Slot::FunctionName,
    Slot::LambdaFunctionName,
    Slot::FunctionNameCamel,
    Slot::FunctionNameCap,
];

/// Function-version keys (Powertools, dazn, Powertools .NET PascalCase).
const FUNCTION_VERSION_KEYS: &[Slot] = &[
    Slot::FunctionVersion,
    Slot::FunctionVersionCamel,
    Slot::FunctionVersionCap,
];

/// Service keys (Powertools; .NET PascalCase). An EMF record reads only `service`: its
/// `Service` is far more often a metric dimension (the .NET Powertools metrics default).
const SERVICE_KEYS: &[Slot] = &[Slot::Service, Slot::ServiceCap];

/// Cold-start keys (Powertools; .NET PascalCase and camelCase).
const COLD_START_KEYS: &[Slot] = &[Slot::ColdStart, Slot::ColdStartCap, Slot::ColdStartCamel];

/// Numeric timestamps before 2000-01-01 are not read as the line's time: such a number is far
/// more likely a duration or a counter that happens to sit under a `time`-like key.
const MIN_NUMERIC_TIMESTAMP: EpochMillis = EpochMillis(946_684_800_000);

/// Reads any JSON object log line (Powertools, dazn, pino, bunyan, winston, log4j2, serilog, …).
pub fn from_object(obj: Entries<'_>) -> ParsedLine<'_> {
    let whole_json = (!has_message(&obj)).then(|| obj.to_json_string());
    let facts = Facts::read(obj);
    let body = facts
        .message
        .or_else(|| facts.error.as_deref().and_then(error_text).map(Cow::Owned))
        .or(whole_json.map(Cow::Owned))
        .unwrap_or_default();
    ParsedLine {
        kind: Kind::App,
        format: Format::Json,
        timestamp: facts.timestamp,
        request_id: facts.request_id.map(Cow::Owned),
        level: facts.level.or(facts.implied_level),
        body,
        json: true,
        fields: non_empty(facts.fields),
        trace: facts.trace,
        correlation: facts.correlation,
        cold_start: facts.cold_start,
        error: facts.error,
        report: None,
        platform: facts.details,
        origin: facts.origin,
        monitoring: None,
    }
}

/// Merges a JSON object found after a runtime prefix into the prefix's line.
///
/// The object's message, level, error, X-Ray context, correlation ids, function identity and
/// cold-start flag win over the prefix's; the prefix's request id and timestamp are kept unless
/// the prefix had none. Without a message key the body stays the JSON text as written.
pub fn merge_into<'a>(line: &mut ParsedLine<'a>, obj: Entries<'a>) {
    let facts = Facts::read(obj);
    if let Some(message) = facts.message {
        line.body = message;
    }
    line.level = facts.level.or(line.level).or(facts.implied_level);
    if line.request_id.is_none() {
        line.request_id = facts.request_id.map(Cow::Owned);
    }
    if line.timestamp.is_none() {
        line.timestamp = facts.timestamp;
    }
    if facts.error.is_some() {
        line.error = facts.error;
    }
    merge_trace(&mut line.trace, facts.trace);
    if facts.correlation.is_some() {
        line.correlation = facts.correlation;
    }
    if facts.origin.is_some() {
        line.origin = facts.origin;
    }
    if let Some(details) = facts.details {
        merge_details(&mut line.platform, *details);
    }
    line.cold_start = facts.cold_start.or(line.cold_start);
    line.json = true;
    match &mut line.fields {
        Some(existing) => {
            for (k, v) in facts.fields {
                existing.insert(k, v);
            }
        }
        None => line.fields = non_empty(facts.fields),
    }
}

/// What one JSON object states about its line, before it is applied to a [`ParsedLine`].
struct Facts<'a> {
    /// The message rendered as text, when the object has a message key (borrowed from the line
    /// when it is a string without escapes).
    message: Option<Cow<'a, str>>,
    /// Level stated by a level key.
    level: Option<Level>,
    /// Level implied when none is stated (CLEF default Information, ERROR for an error report).
    implied_level: Option<Level>,
    timestamp: Option<EpochMillis>,
    request_id: Option<String>,
    trace: Trace<'static>,
    correlation: Option<Arc<Correlation>>,
    cold_start: Option<bool>,
    error: Option<Box<ErrorInfo>>,
    origin: Option<Box<Origin>>,
    /// Tenant id and durable execution facts (`attributes.aws.lambda.*`).
    details: Option<Box<PlatformDetails>>,
    /// The keys left once the mapped ones are consumed.
    fields: Entries<'a>,
}

impl<'a> Facts<'a> {
    fn read(obj: Entries<'a>) -> Facts<'a> {
        let emf = emf::is_emf(&obj);
        let emf_timestamp = if emf { emf::timestamp(&obj) } else { None };
        let mut keys = Keys::new(obj, emf);
        let clef = CLEF_MARKERS.iter().any(|s| keys.has(*s));
        let message = keys.first_present(MESSAGE_KEYS).map(render_message);
        let level = keys
            .take_first(LEVEL_KEYS, level_of)
            .or_else(|| keys.take_if(Slot::Status, status_level));
        let timestamp = if emf {
            emf_timestamp
        } else {
            keys.take_first(TIMESTAMP_KEYS, member_timestamp)
        };
        // The request-id key is consumed after the correlation ids are read: dazn lists
        // `awsRequestId` among its correlation ids too.
        let request_id = find_request_id(&keys);
        let trace = ids::read_trace(&mut keys);
        let context = ids::read_context(&mut keys);
        let correlation = context.correlation.map(Arc::new);
        let details = context_details(context.tenant_id, context.durable).map(Box::new);
        let request_id = request_id.map(|(slot, id)| {
            keys.take(slot);
            id
        });
        let cold_start = keys.take_first(COLD_START_KEYS, Member::as_bool);
        let origin = read_origin(&mut keys, emf).map(Box::new);
        let error = error::read(&mut keys, message.as_deref()).map(Box::new);
        let implied_level = if clef {
            Some(Level::Info)
        } else {
            error.as_ref().map(|_| Level::Error)
        };
        Facts {
            message,
            level,
            implied_level,
            timestamp,
            request_id,
            trace,
            correlation,
            cold_start,
            error,
            origin,
            details,
            fields: keys.finish(),
        }
    }
}

/// True when the object has a (non-null) message key: one pass, no look-ups.
fn has_message(obj: &Entries<'_>) -> bool {
    obj.iter()
        .any(|(k, v)| !v.is_null() && Slot::of(k).is_some_and(|s| MESSAGE_KEYS.contains(&s)))
}

/// A message value as display text: strings as they are (borrowed from the line when they were
/// read so), anything else as compact JSON (Powertools logs dicts as `message`).
fn render_message<'a>(v: &Member<'a>) -> Cow<'a, str> {
    match v {
        Member::Str(Cow::Borrowed(s)) => Cow::Borrowed(s),
        Member::Str(Cow::Owned(s)) | Member::Json(Value::String(s)) => Cow::Owned(s.clone()),
        Member::Json(other) => Cow::Owned(other.to_string()),
    }
}

/// A level value: a word or a number (pino, bunyan).
fn level_of(v: &Member<'_>) -> Option<Level> {
    match v {
        Member::Str(s) => Level::from_word(s),
        Member::Json(v) => Level::from_json(v),
    }
}

/// Datadog's reserved `status` attribute as a level: a level word only (not a number, which is
/// far more likely an HTTP status, and not `ok` / `success`).
fn status_level(v: &Member<'_>) -> Option<Level> {
    let word = v.as_str()?;
    if word.bytes().any(|b| b.is_ascii_digit()) {
        return None;
    }
    Level::from_word(word)
}

/// [`timestamp_of`] of a member value.
fn member_timestamp(v: &Member<'_>) -> Option<EpochMillis> {
    match v {
        Member::Str(s) => time::parse_rfc3339ish(s),
        Member::Json(v) => timestamp_of(v),
    }
}

/// `Type: message` (or whichever part exists) of an error report, for a line without message.
fn error_text(e: &ErrorInfo) -> Option<String> {
    match (e.kind.as_deref(), e.message.as_deref()) {
        (Some(k), Some(m)) => Some(format!("{k}: {m}")),
        (Some(only), None) | (None, Some(only)) => Some(only.to_owned()),
        (None, None) => None,
    }
}

fn non_empty(fields: Entries<'_>) -> Option<Entries<'_>> {
    (!fields.is_empty()).then_some(fields)
}

/// Reads one timestamp value: RFC 3339-like strings, epoch seconds or milliseconds, log4j2
/// `{epochSecond, nanoOfSecond}`. `None` when it is not a plausible instant.
pub fn timestamp_of(v: &Value) -> Option<EpochMillis> {
    match v {
        Value::String(s) => time::parse_rfc3339ish(s),
        Value::Number(n) => n
            .as_f64()
            .and_then(time::from_epoch_number)
            .filter(|t| *t >= MIN_NUMERIC_TIMESTAMP),
        Value::Object(o) => instant_of(o),
        _ => None,
    }
}

/// log4j2 `"instant": {"epochSecond": 1636639189, "nanoOfSecond": 190833000}`.
fn instant_of(o: &Map<String, Value>) -> Option<EpochMillis> {
    let secs = o.get("epochSecond")?.as_i64()?;
    let nanos = o.get("nanoOfSecond").and_then(Value::as_i64).unwrap_or(0);
    let ms = secs.checked_mul(1000)?.checked_add(nanos / 1_000_000)?;
    EpochMillis::new(ms).filter(|t| *t >= MIN_NUMERIC_TIMESTAMP)
}

/// The highest-precedence request-id key that is not a placeholder (`undefined`, empty), with
/// the id. The key is not consumed here.
fn find_request_id(keys: &Keys<'_>) -> Option<(Slot, String)> {
    REQUEST_ID_KEYS.iter().find_map(|s| {
        let id = keys.get(*s)?.as_str().and_then(text::request_id)?;
        Some((*s, id.to_owned()))
    })
}

/// Function identity stated by the line (`function_name`, `functionVersion`, `service`).
fn read_origin(keys: &mut Keys<'_>, emf: bool) -> Option<Origin> {
    let service_keys = if emf {
        &SERVICE_KEYS[..1]
    } else {
        SERVICE_KEYS
    };
    let origin = Origin {
        function_name: keys.take_first(FUNCTION_NAME_KEYS, non_empty_str),
        function_version: keys.take_first(FUNCTION_VERSION_KEYS, non_empty_str),
        service: keys.take_first(service_keys, non_empty_str),
    };
    let any = origin.function_name.is_some()
        || origin.function_version.is_some()
        || origin.service.is_some();
    any.then_some(origin)
}

/// A non-blank string value, owned.
fn non_empty_str(v: &Member<'_>) -> Option<String> {
    v.as_str()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// What the context keys of a JSON object state, and the keys left once those are taken: the
/// one recognizer of correlation ids, durable execution facts and tenant ids, for line shapes
/// that map their other keys themselves (Lambda JSON-format app records).
#[derive(Debug)]
pub struct LineContext<'a> {
    /// Correlation ids (`attributes.correlation_id`, `attributes.correlation.*`).
    pub correlation: Option<Correlation>,
    /// Tenant id and durable execution facts, when the object states any.
    pub details: Option<PlatformDetails>,
    /// The object without the keys used.
    pub rest: Entries<'a>,
}

/// Reads the context keys of `obj` (see [`LineContext`]).
pub fn read_context(obj: Entries<'_>) -> LineContext<'_> {
    let mut keys = Keys::new(obj, false);
    let context = ids::read_context(&mut keys);
    LineContext {
        correlation: context.correlation,
        details: context_details(context.tenant_id, context.durable),
        rest: keys.finish(),
    }
}

/// True when `key` is one [`read_context`] may take (a cheap test before splitting an object).
pub fn is_context_key(key: &str) -> bool {
    key.starts_with(keys::DAZN_CORRELATION_PREFIX)
        || Slot::of(key).is_some_and(|s| {
            matches!(
                s,
                Slot::CorrelationId
                    | Slot::CorrelationIdCap
                    | Slot::CorrelationIdCamel
                    | Slot::CorrelationIds
                    | Slot::DebugLogEnabled
                    | Slot::CallChainLength
                    | Slot::ExecutionArn
                    | Slot::TenantId
            )
        })
}

/// Platform details holding a tenant id and durable execution facts, when there are any.
fn context_details(
    tenant_id: Option<String>,
    durable: Option<DurableExecution>,
) -> Option<PlatformDetails> {
    let durable = durable.filter(|d| !d.is_empty());
    (tenant_id.is_some() || durable.is_some()).then(|| PlatformDetails {
        tenant_id,
        durable,
        ..PlatformDetails::default()
    })
}

/// Adds a JSON body's tenant id and durable facts to the line's platform details.
fn merge_details(line: &mut Option<Box<PlatformDetails>>, inner: PlatformDetails) {
    match line {
        None => *line = Some(Box::new(inner)),
        Some(existing) => {
            if inner.tenant_id.is_some() {
                existing.tenant_id = inner.tenant_id;
            }
            if inner.durable.is_some() {
                existing.durable = inner.durable;
            }
        }
    }
}

/// Inner X-Ray facts win, field by field.
fn merge_trace(line: &mut Trace<'_>, inner: Trace<'static>) {
    if inner.xray_trace_id.is_some() {
        line.xray_trace_id = inner.xray_trace_id;
    }
    if inner.segment_id.is_some() {
        line.segment_id = inner.segment_id;
    }
    if inner.sampled.is_some() {
        line.sampled = inner.sampled;
    }
}

#[cfg(test)]
mod tests;
