//! Line parsers: one module per format, and [`parse_line`], which tries them in a fixed,
//! anchored order.
//!
//! Contract of every format module:
//! - `parse(msg) -> Option<ParsedLine>`: `msg` is the normalised message (one trailing newline
//!   removed, lone `\r` turned into `\n`); `None` means "not this format" and must be cheap to
//!   decide (check the first bytes before doing any work). Detection is anchored at the start of
//!   the message: a `START RequestId` inside a message is not a platform line.
//! - `body` is the text after the runtime prefix, borrowed from `msg` where possible.
//! - Parsers never panic and never allocate for what the document does not need.
//!
//! After a runtime prefix is removed, [`parse_line`] looks at the body once more: a JSON object
//! body is merged in ([`structured::merge_into`]), a body that starts with `MONITORING` is marked
//! as a metric line, and a plain body is searched for an error report ([`errors::detect`]); the
//! Java runtime's unhandled-exception event ([`errors::java_runtime_report`]) is also given the
//! level ERROR it has in the JSON log format.

#[cfg(test)]
mod correlation_tests;
pub mod dotnet;
pub mod emf;
pub mod errors;
pub mod go;
pub mod java;
pub mod lambda_json;
pub mod monitoring;
pub mod nodejs;
pub mod platform;
pub mod python;
pub mod ruby;
pub mod rust_tracing;
pub mod structured;
#[cfg(test)]
mod tab_prefixed_tests;
pub mod text;

use crate::json::{self, Entries};
use crate::level::Level;
use crate::limits::DEFAULT_MAX_JSON_DEPTH;
use crate::model::{Kind, ParsedLine};
use std::borrow::Cow;

/// Options of the line parsers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// JSON nested deeper than this is shipped as text.
    pub max_json_depth: usize,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            max_json_depth: DEFAULT_MAX_JSON_DEPTH,
        }
    }
}

/// The runtime-prefix parsers, in the order they are tried. Each checks its own first bytes.
const TEXT_PARSERS: &[fn(&str) -> Option<ParsedLine<'_>>] = &[
    nodejs::parse,
    dotnet::parse,
    python::parse,
    ruby::parse,
    rust_tracing::parse,
    go::parse,
    java::parse,
];

/// Parses one CloudWatch log message into what the document needs.
pub fn parse_line<'a>(message: &'a str, opts: &ParseOptions) -> ParsedLine<'a> {
    match text::normalize_message(message) {
        Cow::Borrowed(msg) => parse_normalized(msg, opts),
        Cow::Owned(msg) => into_owned(parse_normalized(&msg, opts)),
    }
}

fn parse_normalized<'a>(msg: &'a str, opts: &ParseOptions) -> ParsedLine<'a> {
    let first = msg.trim_start().as_bytes().first().copied();
    if first == Some(b'{') {
        if let Some(obj) = json::parse_object(msg, opts.max_json_depth) {
            let mut line = match lambda_json::from_object(obj) {
                Ok(line) => line,
                Err(obj) => {
                    let emf = emf::is_emf(&obj);
                    let mut line = structured::from_object(obj);
                    if emf {
                        line.kind = Kind::Emf;
                    }
                    line
                }
            };
            mark_monitoring(&mut line);
            return line;
        }
    }
    if let Some(line) = platform::parse(msg) {
        return line;
    }
    let mut line = TEXT_PARSERS
        .iter()
        .find_map(|p| p(msg))
        .unwrap_or_else(|| ParsedLine::plain(Cow::Borrowed(msg)));
    refine_body(&mut line, opts);
    line
}

/// Second look at the body once a runtime prefix is removed.
fn refine_body(line: &mut ParsedLine<'_>, opts: &ParseOptions) {
    if line.body.trim_start().starts_with('{') && line.kind == Kind::App {
        // The object's keys borrow from the message the body came from; an owned body is
        // replaced by the merge, so its keys are copied out first.
        let obj = match &line.body {
            Cow::Borrowed(body) => json::parse_object(body, opts.max_json_depth),
            Cow::Owned(body) => {
                json::parse_object(body, opts.max_json_depth).map(Entries::into_owned)
            }
        };
        if let Some(obj) = obj {
            let emf = emf::is_emf(&obj);
            structured::merge_into(line, obj);
            if emf {
                line.kind = Kind::Emf;
            }
            mark_monitoring(line);
            return;
        }
    }
    mark_monitoring(line);
    if line.kind == Kind::App && line.error.is_none() {
        // The Java runtime's own unhandled-exception event has no level in the text format: it
        // is an error report, so it reads as ERROR.
        if let Some(report) = errors::java_runtime_report(&line.body) {
            line.level.get_or_insert(Level::Error);
            line.error = Some(Box::new(report));
            return;
        }
        line.error = errors::detect(&line.body).map(Box::new);
    }
}

/// Marks a line whose body starts with `MONITORING` as a metric line.
fn mark_monitoring(line: &mut ParsedLine<'_>) {
    if line.kind != Kind::App || line.monitoring.is_some() {
        return;
    }
    let body = line.body.trim_start();
    if monitoring::is_metric_payload(body) {
        let payload = body.trim_end();
        line.monitoring = Some(match &line.body {
            Cow::Borrowed(b) => {
                // Re-borrow the same slice from the borrowed body.
                let start = b.len() - b.trim_start().len();
                Cow::Borrowed(&b[start..start + payload.len()])
            }
            Cow::Owned(_) => Cow::Owned(payload.to_owned()),
        });
        line.kind = Kind::Metric;
    }
}

/// Detaches a parsed line from the buffer it borrows from.
pub fn into_owned(line: ParsedLine<'_>) -> ParsedLine<'static> {
    fn own(c: Cow<'_, str>) -> Cow<'static, str> {
        Cow::Owned(c.into_owned())
    }
    ParsedLine {
        kind: line.kind,
        format: line.format,
        timestamp: line.timestamp,
        request_id: line.request_id.map(own),
        level: line.level,
        body: own(line.body),
        json: line.json,
        fields: line.fields.map(Entries::into_owned),
        trace: crate::model::Trace {
            xray_trace_id: line.trace.xray_trace_id.map(own),
            segment_id: line.trace.segment_id.map(own),
            sampled: line.trace.sampled,
        },
        correlation: line.correlation,
        cold_start: line.cold_start,
        error: line.error,
        report: line.report,
        platform: line.platform,
        origin: line.origin,
        monitoring: line.monitoring.map(own),
    }
}
