//! Invocation spans (`docs/spans.md`): one span per Lambda invocation, built from what the pipeline
//! already parses — the REPORT line or `platform.report` record, the request's START, its X-Ray
//! ids, correlation ids and error lines — in the document format Data Prepper writes to
//! `otel-v1-apm-span-*`, which OpenSearch Dashboards' Trace Analytics reads.
//!
//! | span field | from |
//! |---|---|
//! | `traceId`, `spanId` | [`ids`]: X-Ray when the request has it, else derived (the same ids every document of the invocation carries) |
//! | `parentSpanId` | always `""`: the caller of an invocation (API Gateway, another function's X-Ray subsegment, SNS) is never a span shiplog emits, and a parent that is not in the index would hide the span from Trace Analytics' root-span views |
//! | `name`, `serviceName`, `traceGroup` | the function name (else the log group); every span is a root, so each carries `traceGroup` and `traceGroupFields` |
//! | `startTime` | the START line's / `platform.start`'s time when it was seen, else `endTime − duration` |
//! | `endTime` | `startTime + duration` when the START was seen, else the REPORT's time |
//! | `durationInNanos` | REPORT `Duration` / `durationMs` (else REPORT time − START time) |
//! | `status.code` | `2` (error) when the report's status is not `success` (timeout, error, failure), it names an error type (`Runtime.OutOfMemory`, `Runtime.ExitError`), or the request logged an error line (level ERROR or FATAL, a `Task timed out` or runtime-exit line, an exception without a level); else `0` (unset) |
//! | `status.message` | the report's error type, else its status, else the first error line's exception (`type: message`) or text, cut at 256 bytes |
//!
//! Attributes (`span.attributes.*`, dots written `@` as Data Prepper does): the request id, cold
//! start, the REPORT numbers, the X-Ray trace id, the primary correlation id, the error count and
//! the estimated cost ([`crate::cost`]); resource attributes: function name and version, account,
//! region, log group. The `_id` of a span is its span id, so a re-delivered REPORT never adds a
//! second span; the index is `otel-v1-apm-span-<prefix>-YYYY.MM.DD` by the REPORT event's UTC date.
//!
//! What a span cannot know: a request whose START was shipped in an earlier payload than its
//! REPORT, beyond the bounded memory of [`SpanTracker`], gets `startTime = endTime − duration`
//! and misses the error lines of that earlier payload.

pub mod ids;
pub mod template;

pub use ids::{InvocationIds, SpanId, TraceId};

use crate::cost::{estimated_cost_usd, Architecture};
use crate::json::json_key as k;
use crate::json::object::{write_i64, write_u64, Obj};
use crate::level::Level;
use crate::model::{BatchResource, Kind, ParsedLine, Report};
use crate::time::EpochMillis;
use foldhash::{HashMap, HashMapExt};
use std::collections::VecDeque;

/// The index family Dashboards' Trace Analytics reads (`otel-v1-apm-span-*`).
pub const SPAN_INDEX_FAMILY: &str = "otel-v1-apm-span-";

/// Environment variable turning spans on or off (`on` default, `off`).
pub const SPANS_ENV: &str = "SPANS";

/// `kind` of every span: the function served a request.
pub const SPAN_KIND_SERVER: &str = "SPAN_KIND_SERVER";

/// OpenTelemetry status codes, as Data Prepper writes them.
pub const STATUS_UNSET: u8 = 0;
/// Error status.
pub const STATUS_ERROR: u8 = 2;

/// Longest `status.message`, in bytes.
const MAX_STATUS_MESSAGE_BYTES: usize = 256;

/// The span index prefix for a logs index prefix: `otel-v1-apm-span-<prefix>`.
pub fn span_index_prefix(logs_prefix: &str) -> String {
    format!("{SPAN_INDEX_FAMILY}{logs_prefix}")
}

/// Span settings of the pipeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpanConfig {
    /// Emit spans (`SPANS=on|off`, default on). Documents carry their invocation's ids either way.
    pub enabled: bool,
    /// Architecture the estimated cost is priced for (`LAMBDA_ARCHITECTURE`).
    pub architecture: Architecture,
}

impl Default for SpanConfig {
    fn default() -> Self {
        SpanConfig {
            enabled: true,
            architecture: Architecture::default(),
        }
    }
}

/// Reads `SPANS` (`on`/`off`, also `true`/`false`, `1`/`0`, case-insensitive); `None` when set to
/// anything else.
pub fn parse_spans_setting(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Some(true),
        "off" | "false" | "0" | "no" => Some(false),
        _ => None,
    }
}

/// One invocation span, owned (one per invocation; serialised with [`Span::write_json`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Trace id.
    pub trace_id: TraceId,
    /// Span id (also the `_id`).
    pub span_id: SpanId,
    /// Function name, else log group, else `unknown`.
    pub name: String,
    /// Start, nanoseconds since the epoch.
    pub start_nanos: i64,
    /// Duration in nanoseconds.
    pub duration_nanos: i64,
    /// The CloudWatch event time of the REPORT (names the daily index).
    pub observed: EpochMillis,
    /// `status.code`.
    pub status_code: u8,
    /// `status.message`.
    pub status_message: Option<String>,
    /// Request id.
    pub request_id: String,
    /// Function version.
    pub function_version: Option<String>,
    /// Log group.
    pub log_group: Option<String>,
    /// Account id.
    pub account_id: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// REPORT numbers.
    pub report: Report,
    /// Cold start (init or restore duration present).
    pub cold_start: Option<bool>,
    /// Error lines of the request seen before its REPORT.
    pub error_count: u32,
    /// Estimated cost, US dollars.
    pub estimated_cost_usd: Option<f64>,
    /// The request's X-Ray trace id, X-Ray form.
    pub xray_trace_id: Option<String>,
    /// The request's primary correlation id.
    pub correlation_id: Option<String>,
}

impl Span {
    /// End, nanoseconds since the epoch.
    pub fn end_nanos(&self) -> i64 {
        self.start_nanos.saturating_add(self.duration_nanos)
    }

    /// True when the span's status is error.
    pub fn is_error(&self) -> bool {
        self.status_code == STATUS_ERROR
    }

    /// `_id`: the span id.
    pub fn id(&self) -> &str {
        self.span_id.as_str()
    }

    /// Daily index `otel-v1-apm-span-<logs prefix>-YYYY.MM.DD` by the REPORT event's UTC date.
    pub fn index_name(&self, logs_prefix: &str) -> String {
        let (y, m, d) = self.observed.date();
        format!(
            "{SPAN_INDEX_FAMILY}{logs_prefix}-{:04}.{m:02}.{d:02}",
            y.clamp(0, 9999)
        )
    }

    /// Writes the span's `_source` JSON into `out`, in Data Prepper's shape: dotted attribute
    /// keys as it writes them, keys as literals (this runs once per invocation).
    pub fn write_json(&self, out: &mut Vec<u8>) -> Result<(), serde_json::Error> {
        let mut o = Obj::open(out);
        o.str(k!("traceId"), self.trace_id.as_str());
        o.str(k!("spanId"), self.span_id.as_str());
        o.str(k!("parentSpanId"), "");
        o.str(k!("name"), &self.name);
        o.str(k!("kind"), SPAN_KIND_SERVER);
        write_nanos_time(o.key(k!("startTime")), self.start_nanos);
        write_nanos_time(o.key(k!("endTime")), self.end_nanos());
        write_i64(o.key(k!("durationInNanos")), self.duration_nanos);
        o.str(k!("serviceName"), &self.name);
        o.key(k!("events")).extend_from_slice(b"[]");
        o.key(k!("links")).extend_from_slice(b"[]");
        o.str(k!("traceGroup"), &self.name);
        let mut group = Obj::open(o.key(k!("traceGroupFields")));
        write_nanos_time(group.key(k!("endTime")), self.end_nanos());
        write_i64(group.key(k!("durationInNanos")), self.duration_nanos);
        write_u64(group.key(k!("statusCode")), u64::from(self.status_code));
        group.close();
        let mut status = Obj::open(o.key(k!("status")));
        write_u64(status.key(k!("code")), u64::from(self.status_code));
        status.opt_str(k!("message"), self.status_message.as_deref());
        status.close();
        let r = &self.report;
        o.str(k!("span.attributes.faas@invocation_id"), &self.request_id);
        o.opt_bool(k!("span.attributes.faas@coldstart"), self.cold_start);
        for (key, value) in [
            (
                k!("span.attributes.aws@lambda@billed_duration_ms"),
                r.billed_duration_ms,
            ),
            (
                k!("span.attributes.aws@lambda@memory_size_mb"),
                r.memory_size_mb,
            ),
            (
                k!("span.attributes.aws@lambda@max_memory_used_mb"),
                r.max_memory_used_mb,
            ),
            (
                k!("span.attributes.aws@lambda@init_duration_ms"),
                r.init_duration_ms,
            ),
            (
                k!("span.attributes.aws@lambda@restore_duration_ms"),
                r.restore_duration_ms,
            ),
            (
                k!("span.attributes.aws@lambda@billed_restore_duration_ms"),
                r.billed_restore_duration_ms,
            ),
        ] {
            o.opt_f64(key, value)?;
        }
        o.opt_str(k!("span.attributes.aws@lambda@status"), r.status.as_deref());
        o.opt_str(
            k!("span.attributes.aws@lambda@error_type"),
            r.error_type.as_deref(),
        );
        o.opt_str(
            k!("span.attributes.aws@xray@trace_id"),
            self.xray_trace_id.as_deref(),
        );
        o.opt_str(
            k!("span.attributes.correlation_id"),
            self.correlation_id.as_deref(),
        );
        write_u64(
            o.key(k!("span.attributes.shiplog@error_count")),
            u64::from(self.error_count),
        );
        o.opt_f64(
            k!("span.attributes.shiplog@estimated_cost_usd"),
            self.estimated_cost_usd,
        )?;
        o.opt_str(
            k!("resource.attributes.faas@version"),
            self.function_version.as_deref(),
        );
        o.opt_str(
            k!("resource.attributes.cloud@account@id"),
            self.account_id.as_deref(),
        );
        o.opt_str(
            k!("resource.attributes.cloud@region"),
            self.region.as_deref(),
        );
        o.opt_str(
            k!("resource.attributes.aws@log@group@names"),
            self.log_group.as_deref(),
        );
        o.close();
        Ok(())
    }
}

/// Writes `"YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ"` of nanoseconds since the epoch (clamped to it).
fn write_nanos_time(out: &mut Vec<u8>, nanos: i64) {
    let nanos = nanos.max(0);
    let seconds = EpochMillis(nanos / 1_000_000).rfc3339_bytes();
    out.push(b'"');
    // `YYYY-MM-DDTHH:MM:SS.` of `YYYY-MM-DDTHH:MM:SS.mmmZ`.
    out.extend_from_slice(seconds.get(..20).unwrap_or_default());
    let fraction = (nanos % 1_000_000_000) as u64;
    let mut digits = [b'0'; 9];
    let mut rest = fraction;
    for slot in digits.iter_mut().rev() {
        *slot = b'0' + (rest % 10) as u8;
        rest /= 10;
    }
    out.extend_from_slice(&digits);
    out.extend_from_slice(b"Z\"");
}

/// What is known of a request before its REPORT.
#[derive(Debug, Clone, Default)]
struct RequestState {
    /// Time of its START line / `platform.start` record.
    start: Option<EpochMillis>,
    /// Its X-Ray segment id, from a platform line.
    segment: Option<String>,
    /// Error lines seen.
    errors: u32,
    /// The first error line, for `status.message`.
    first_error: Option<String>,
}

/// Per-request state between a request's START and its REPORT, bounded (it survives warm
/// invocations, like the correlation cache): the oldest requests are forgotten first.
#[derive(Debug)]
pub struct SpanTracker {
    capacity: usize,
    requests: HashMap<String, RequestState>,
    /// Request ids in insertion order (may hold ids already finished: skipped when evicting).
    order: VecDeque<String>,
}

/// True when a line of a request says the request went wrong.
fn is_error_line(line: &ParsedLine<'_>) -> bool {
    match line.kind {
        Kind::Timeout | Kind::RuntimeExit => true,
        Kind::App | Kind::Metric | Kind::Emf => match line.level {
            Some(level) => level >= Level::Error,
            None => line.error.is_some(),
        },
        _ => false,
    }
}

/// A short description of an error line: `type: message` of its exception, else its text.
fn error_summary(line: &ParsedLine<'_>) -> String {
    let text = match line.error.as_deref() {
        Some(e) => match (e.kind.as_deref(), e.message.as_deref()) {
            (Some(k), Some(m)) => format!("{k}: {m}"),
            (Some(k), None) => k.to_owned(),
            (None, Some(m)) => m.to_owned(),
            (None, None) => line.body.to_string(),
        },
        None => line.body.to_string(),
    };
    cut(text.trim())
}

/// `s` cut at [`MAX_STATUS_MESSAGE_BYTES`] (at a char boundary).
fn cut(s: &str) -> String {
    s.get(..s.floor_char_boundary(MAX_STATUS_MESSAGE_BYTES))
        .unwrap_or("")
        .to_owned()
}

impl SpanTracker {
    /// A tracker remembering at most `capacity` open requests.
    pub fn new(capacity: usize) -> Self {
        SpanTracker {
            capacity: capacity.max(1),
            requests: HashMap::new(),
            order: VecDeque::new(),
        }
    }

    /// Requests currently remembered.
    pub fn open_requests(&self) -> usize {
        self.requests.len()
    }

    /// The state of `request_id`, made (and room made for it) when it has none. `None` never
    /// happens: the state is there once inserted.
    fn state(&mut self, request_id: &str) -> Option<&mut RequestState> {
        if !self.requests.contains_key(request_id) {
            self.make_room();
            let key = request_id.to_owned();
            self.order.push_back(key.clone());
            self.requests.insert(key, RequestState::default());
        }
        self.requests.get_mut(request_id)
    }

    fn make_room(&mut self) {
        while self.requests.len() >= self.capacity {
            match self.order.pop_front() {
                Some(oldest) => {
                    self.requests.remove(&oldest);
                }
                None => break,
            }
        }
        // Finished requests leave their id in `order`: drop them once they outnumber the open.
        if self.order.len() > 2 * self.capacity {
            let requests = &self.requests;
            self.order.retain(|id| requests.contains_key(id));
        }
    }

    /// Notes the X-Ray segment ids the lines of `lines` carry (a REPORT's `SegmentId`, a trace
    /// header's `Parent`), before any of them is emitted: every document of the request then
    /// carries the span id its span will have.
    pub fn note_segments(&mut self, lines: &[ParsedLine<'_>]) {
        for line in lines {
            let (Some(request), Some(segment)) = (
                line.request_id.as_deref(),
                line.trace
                    .segment_id
                    .as_deref()
                    .filter(|s| SpanId::parse(s).is_some()),
            ) else {
                continue;
            };
            let known = self
                .requests
                .get(request)
                .is_some_and(|s| s.segment.is_some());
            if !known {
                if let Some(state) = self.state(request) {
                    state.segment = Some(segment.to_owned());
                }
            }
        }
    }

    /// The X-Ray segment id noted for `request_id`.
    pub fn segment(&self, request_id: &str) -> Option<&str> {
        self.requests.get(request_id)?.segment.as_deref()
    }

    /// Observes one correlated line (in delivery order): a START's time, an error line.
    pub fn observe(&mut self, line: &ParsedLine<'_>, at: EpochMillis) {
        let Some(request) = line.request_id.as_deref().filter(|r| !r.is_empty()) else {
            return;
        };
        if line.kind == Kind::Start {
            if let Some(state) = self.state(request) {
                state.start.get_or_insert(at);
            }
        } else if is_error_line(line) {
            if let Some(state) = self.state(request) {
                state.errors = state.errors.saturating_add(1);
                if state.first_error.is_none() {
                    state.first_error = Some(error_summary(line));
                }
            }
        }
    }

    /// Forgets the request of a REPORT line (what [`SpanTracker::finish`] does, without building
    /// its span).
    pub fn forget(&mut self, line: &ParsedLine<'_>) {
        if line.kind == Kind::Report {
            if let Some(request) = line.request_id.as_deref() {
                self.requests.remove(request);
            }
        }
    }

    /// The span of a REPORT line (`None` for any other line, or a report without a request id
    /// or any duration); forgets the request. `at` is the line's time, `observed` its CloudWatch
    /// event time, `ids` the ids its documents carry.
    pub fn finish(
        &mut self,
        line: &ParsedLine<'_>,
        at: EpochMillis,
        observed: EpochMillis,
        ids: InvocationIds,
        resource: &BatchResource<'_>,
        config: &SpanConfig,
    ) -> Option<Span> {
        if line.kind != Kind::Report {
            return None;
        }
        let report = line.report.as_deref()?;
        let request_id = line.request_id.as_deref().filter(|r| !r.is_empty())?;
        let state = self.requests.remove(request_id).unwrap_or_default();
        let (trace_id, span_id) = (ids.trace_id?, ids.span_id?);
        let at_nanos = at.0.saturating_mul(1_000_000);
        let reported = report
            .duration_ms
            .filter(|d| d.is_finite() && *d >= 0.0)
            .map(|d| (d * 1_000_000.0).round() as i64);
        let (start_nanos, duration_nanos) = match (state.start, reported) {
            (Some(start), Some(d)) => (start.0.saturating_mul(1_000_000), d),
            (Some(start), None) => {
                let s = start.0.saturating_mul(1_000_000);
                (s, at_nanos.saturating_sub(s).max(0))
            }
            (None, Some(d)) => (at_nanos.saturating_sub(d), d),
            (None, None) => return None,
        };
        let failed_status = report
            .status
            .as_deref()
            .filter(|s| !s.eq_ignore_ascii_case("success"));
        let is_error = failed_status.is_some() || report.error_type.is_some() || state.errors > 0;
        let status_message = report
            .error_type
            .as_deref()
            .or(failed_status)
            .map(cut)
            .or(state.first_error);
        let name = resource
            .function_name
            .or(line
                .origin
                .as_deref()
                .and_then(|o| o.function_name.as_deref()))
            .or(resource.log_group)
            .unwrap_or("unknown");
        let estimated_cost_usd = if resource.capacity_provider.is_some() {
            None
        } else {
            estimated_cost_usd(report, config.architecture)
        };
        Some(Span {
            trace_id,
            span_id,
            name: name.to_owned(),
            start_nanos,
            duration_nanos,
            observed,
            status_code: if is_error { STATUS_ERROR } else { STATUS_UNSET },
            status_message: is_error.then_some(status_message).flatten(),
            request_id: request_id.to_owned(),
            function_version: resource.function_version.map(str::to_owned),
            log_group: resource.log_group.map(str::to_owned),
            account_id: resource.account_id.map(str::to_owned),
            region: resource.region.map(str::to_owned),
            report: report.clone(),
            cold_start: report.cold_start().or(line.cold_start),
            error_count: state.errors,
            estimated_cost_usd,
            xray_trace_id: line.trace.xray_trace_id.as_deref().map(str::to_owned),
            correlation_id: line.correlation.as_deref().and_then(|c| c.primary.clone()),
        })
    }
}

#[cfg(test)]
mod tests;
