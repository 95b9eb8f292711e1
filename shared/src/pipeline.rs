//! The core pipeline: a Lambda event's bytes → documents, metric points and rejections, handed
//! to a [`Sink`] while the decoded payload is alive (documents borrow from it; nothing is copied
//! into an intermediate tree).

use crate::correlate::Correlator;
use crate::decode::{self, Message, RecordContent, Source};
use crate::document::{BatchResource, Document, MetricStatus, ResourceJson};
use crate::filter::Filter;
use crate::limits::Limits;
use crate::metrics::point::resolve;
use crate::metrics::{MetricDefaults, MetricPoint};
use crate::model::{Kind, LogBatch, LogEvent, ParsedLine};
use crate::parse::{self, monitoring, ParseOptions};
use crate::rejection::{RejectReason, Rejection};
use crate::span::{InvocationIds, Span, SpanConfig, SpanTracker};
use std::borrow::Cow;

/// Default index prefix (`shiplog-YYYY.MM.DD`).
pub const DEFAULT_INDEX_PREFIX: &str = "shiplog";

/// Configuration of the core pipeline.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    /// Resource bounds.
    pub limits: Limits,
    /// Index prefix.
    pub index_prefix: String,
    /// Metric defaults (namespace, `FunctionName` dimension).
    pub metrics: MetricDefaults,
    /// Ship MONITORING lines as documents too (`event.name` = `metric`). Rejected MONITORING
    /// lines are always shipped.
    pub ship_metric_lines: bool,
    /// Region to record on documents when the input does not tell it (the Lambda's own region).
    pub region: Option<String>,
    /// shiplog's own log groups: their events are dropped and counted (`own-log-group`), the loop
    /// guard behind the subscriber's exclusion.
    pub own_log_groups: Vec<String>,
    /// Filtering, sampling and redaction (off by default).
    pub filter: Filter,
    /// Invocation spans (on by default).
    pub spans: SpanConfig,
}

impl Default for PipelineConfig {
    fn default() -> Self {
        PipelineConfig {
            limits: Limits::default(),
            index_prefix: DEFAULT_INDEX_PREFIX.to_owned(),
            metrics: MetricDefaults::default(),
            ship_metric_lines: true,
            region: None,
            own_log_groups: Vec::new(),
            filter: Filter::default(),
            spans: SpanConfig::default(),
        }
    }
}

/// How one record ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordOutcome {
    /// A DATA_MESSAGE (or raw line) was processed.
    Data,
    /// A CONTROL_MESSAGE: nothing to do.
    Control,
    /// The record could not be decoded.
    Failed(RejectReason),
}

/// Summary of one record, given to [`Sink::record_end`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSummary {
    /// Kinesis sequence number / Firehose record id.
    pub record_id: Option<String>,
    /// Outcome.
    pub outcome: RecordOutcome,
    /// Log events read.
    pub events: usize,
    /// Documents produced.
    pub documents: usize,
    /// Metric points produced.
    pub metric_points: usize,
    /// Invocation spans produced.
    pub spans: usize,
}

/// Counts for one input.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InputSummary {
    /// The event shape the input had (decides the shape of a Lambda's answer).
    pub source: Option<Source>,
    /// Records in the input.
    pub records: usize,
    /// Records that failed to decode.
    pub failed_records: usize,
    /// CONTROL_MESSAGE records.
    pub control_records: usize,
    /// Log events read.
    pub events: usize,
    /// Documents produced.
    pub documents: usize,
    /// Metric points produced.
    pub metric_points: usize,
    /// Invocation spans produced.
    pub spans: usize,
    /// Rejections (records, events and MONITORING lines).
    pub rejections: usize,
}

/// Where the pipeline's output goes (bulk body builder, NDJSON writer, test collector, …).
pub trait Sink {
    /// One document. Serialise it now: it borrows from the payload being processed.
    fn document(&mut self, doc: &Document<'_>);
    /// One metric point.
    fn metric(&mut self, point: MetricPoint);
    /// One invocation span, given right after the document of its REPORT line. The default
    /// drops it: a sink that ships or prints output must implement it.
    fn span(&mut self, _span: &Span) {}
    /// One rejection (a record, an event or a MONITORING line).
    fn rejection(&mut self, rejection: Rejection);
    /// Called before each record's documents, metrics and rejections, with its Kinesis sequence
    /// number / Firehose record id (`None` for CloudWatch Logs and decoded inputs).
    fn record_start(&mut self, _record_id: Option<&str>) {}
    /// Called after each record with its summary.
    fn record_end(&mut self, _summary: &RecordSummary) {}
}

/// The core pipeline. Holds the correlation cache, so keep one per container (it survives warm
/// invocations).
#[derive(Debug)]
pub struct Pipeline {
    config: PipelineConfig,
    parse_options: ParseOptions,
    correlator: Correlator,
    /// What each open request's span needs (START time, segment id, errors).
    spans: SpanTracker,
    /// The ids of the last request a document was emitted for (most lines follow a line of the
    /// same request): cleared at each correlation window.
    last_ids: Option<LastIds>,
    /// The buffer messages with escapes are unescaped into, kept from one payload to the next
    /// (a batch's records, warm invocations) so its memory is not mapped afresh each time.
    message_arena: String,
}

/// Largest message buffer kept between payloads (a 1 MB compressed payload unescapes into
/// about 5 MB); a larger one is released after its payload.
const MAX_KEPT_ARENA_BYTES: usize = 8 * 1024 * 1024;

impl Pipeline {
    /// A pipeline with the given configuration.
    pub fn new(config: PipelineConfig) -> Self {
        let parse_options = ParseOptions {
            max_json_depth: config.limits.max_json_depth,
        };
        let correlator = Correlator::new(config.limits.correlation_cache_size);
        let spans = SpanTracker::new(config.limits.correlation_cache_size);
        Pipeline {
            config,
            parse_options,
            correlator,
            spans,
            last_ids: None,
            message_arena: String::new(),
        }
    }

    /// The configuration.
    pub fn config(&self) -> &PipelineConfig {
        &self.config
    }

    /// Requests whose span is still waiting for their REPORT (bounded by the correlation cache
    /// size).
    pub fn open_span_requests(&self) -> usize {
        self.spans.open_requests()
    }

    /// Processes one Lambda event (any supported shape). `Err` when the input as a whole could
    /// not be decoded (nothing was produced); per-record and per-event problems are rejections
    /// given to the sink.
    pub fn process_input(
        &mut self,
        input: &[u8],
        sink: &mut dyn Sink,
    ) -> Result<InputSummary, Rejection> {
        let decoded = decode::decode_input(input, &self.config.limits)?;
        let region = decoded.region.as_deref();
        let mut summary = InputSummary {
            source: Some(decoded.source),
            records: decoded.records.len(),
            ..InputSummary::default()
        };
        let mut counting = CountingSink {
            inner: sink,
            rejections: 0,
        };
        for record in &decoded.records {
            counting.inner.record_start(record.record_id.as_deref());
            let rs = self.process_record(record, region, &mut counting);
            match rs.outcome {
                RecordOutcome::Failed(_) => summary.failed_records += 1,
                RecordOutcome::Control => summary.control_records += 1,
                RecordOutcome::Data => {}
            }
            summary.events += rs.events;
            summary.documents += rs.documents;
            summary.metric_points += rs.metric_points;
            summary.spans += rs.spans;
            counting.inner.record_end(&rs);
        }
        summary.rejections = counting.rejections;
        Ok(summary)
    }

    fn process_record(
        &mut self,
        record: &decode::Record<'_>,
        region: Option<&str>,
        sink: &mut CountingSink<'_>,
    ) -> RecordSummary {
        let mut rs = RecordSummary {
            record_id: record.record_id.clone(),
            outcome: RecordOutcome::Data,
            events: 0,
            documents: 0,
            metric_points: 0,
            spans: 0,
        };
        let record_id = record.record_id.as_deref();
        match &record.content {
            RecordContent::Rejected(r) => fail_record(&mut rs, r.clone(), record_id, sink),
            RecordContent::RawLine { id, arrival, text } => {
                let batch = LogBatch {
                    region: region.map(Cow::Borrowed),
                    events: vec![LogEvent {
                        id: Cow::Borrowed(id),
                        timestamp: *arrival,
                        message: Cow::Borrowed(text),
                    }],
                    ..LogBatch::default()
                };
                self.process_batch(&batch, &mut rs, sink);
            }
            RecordContent::Payload(bytes) => {
                self.process_payload(bytes, region, record_id, &mut rs, sink);
            }
            // A record of a batch is decompressed only now, and dropped after it.
            RecordContent::Gzip(gzip) => {
                match decode::gzip::gunzip_capped(gzip, self.config.limits.max_decompressed_bytes) {
                    Ok(payload) => self.process_payload(&payload, region, record_id, &mut rs, sink),
                    Err(r) => fail_record(&mut rs, r, record_id, sink),
                }
            }
        }
        rs
    }

    /// One decompressed payload. Several JSON documents back to back (concatenated gzip members,
    /// as in Firehose-to-S3 exports) are read as one message each.
    fn process_payload(
        &mut self,
        bytes: &[u8],
        region: Option<&str>,
        record_id: Option<&str>,
        rs: &mut RecordSummary,
        sink: &mut CountingSink<'_>,
    ) {
        // Messages with escapes are unescaped into one buffer for the whole payload.
        let mut arena = std::mem::take(&mut self.message_arena);
        match decode::message::parse_message_in(bytes, &mut arena) {
            Ok(Message::Control) => rs.outcome = RecordOutcome::Control,
            Ok(Message::Data(mut batch, rejections)) => {
                for r in rejections {
                    sink.rejection(r.with_record(record_id));
                }
                if batch.region.is_none() {
                    batch.region = region.map(Cow::Borrowed);
                }
                self.process_batch(&batch, rs, sink);
            }
            Err(r) => match decode::message::split_concatenated(bytes) {
                Some(parts) if r.reason == RejectReason::InvalidPayloadJson => {
                    for part in parts {
                        self.process_payload(part, region, record_id, rs, sink);
                    }
                }
                _ => fail_record(rs, r, record_id, sink),
            },
        }
        if arena.capacity() <= MAX_KEPT_ARENA_BYTES {
            arena.clear();
            self.message_arena = arena;
        }
    }

    fn is_own_log_group(&self, group: &str) -> bool {
        self.config.own_log_groups.iter().any(|g| g == group)
    }

    /// Processes one decoded batch: parse every event, correlate, emit documents and metrics.
    pub fn process_batch(
        &mut self,
        batch: &LogBatch<'_>,
        rs: &mut RecordSummary,
        sink: &mut dyn Sink,
    ) {
        // Owned for the batch (one small copy), so that emitting may update the span state.
        let default_region = self.config.region.clone();
        let resource = BatchResource {
            account_id: batch.owner.as_deref(),
            region: batch.region.as_deref().or(default_region.as_deref()),
            log_group: batch.log_group.as_deref().filter(|g| !g.is_empty()),
            log_stream: batch.log_stream.as_deref().filter(|s| !s.is_empty()),
            function_name: batch.function_name(),
            function_version: batch.function_version(),
            capacity_provider: batch.capacity_provider(),
        };
        rs.events += batch.events.len();
        if let Some(group) = resource.log_group.filter(|g| self.is_own_log_group(g)) {
            for event in &batch.events {
                let detail = format!("event of shiplog's own log group {group} (loop guard)");
                sink.rejection(Rejection::event(
                    &event.id,
                    RejectReason::OwnLogGroup,
                    detail,
                ));
            }
            return;
        }
        let resource_json = ResourceJson::new(&resource);
        let filter = &self.config.filter;
        let filtering = !filter.is_noop();
        let mut events: Vec<&LogEvent<'_>> = Vec::with_capacity(batch.events.len());
        for event in &batch.events {
            if filtering && filter.drops(&event.message) {
                sink.rejection(Rejection::event(
                    &event.id,
                    RejectReason::FilteredOut,
                    "matched a drop pattern",
                ));
                continue;
            }
            events.push(event);
        }
        // Parse, correlate and emit in windows, so that a large batch never holds one parsed
        // line per event. A window ends after its last REPORT line (the end of a request): the
        // lines after it wait for the next window, so each request is correlated whole (its
        // REPORT line carries the X-Ray id for the lines before it).
        let mut lines: Vec<ParsedLine<'_>> =
            Vec::with_capacity(events.len().min(CORRELATION_WINDOW_LINES));
        let (mut parsed, mut emitted) = (0, 0);
        let mut target = CORRELATION_WINDOW_LINES;
        while emitted < events.len() {
            while lines.len() < target {
                let Some(event) = events.get(parsed) else {
                    break;
                };
                lines.push(parse::parse_line(&event.message, &self.parse_options));
                parsed += 1;
            }
            let cut = if parsed == events.len() {
                lines.len()
            } else {
                match lines.iter().rposition(|l| l.kind == Kind::Report) {
                    Some(report) => report + 1,
                    // One long request: the window grows until its REPORT, up to a bound.
                    None if lines.len() < MAX_CORRELATION_WINDOW_LINES => {
                        target = lines.len() + CORRELATION_WINDOW_LINES;
                        continue;
                    }
                    None => lines.len(),
                }
            };
            target = CORRELATION_WINDOW_LINES;
            // Correlate before sampling, so a sampled-out line still lends its ids to the
            // request.
            self.correlator
                .correlate(resource.log_stream, &mut lines[..cut]);
            // The segment ids of the window's platform lines, before any of its documents is
            // written: a REPORT's segment id is every earlier line's span id.
            self.spans.note_segments(&lines[..cut]);
            self.last_ids = None;
            let window = events.get(emitted..emitted + cut).unwrap_or_default();
            for (event, line) in window.iter().zip(lines.drain(..cut)) {
                self.emit(event, line, &resource_json, &resource, rs, sink);
            }
            emitted += cut;
        }
    }

    /// One correlated line: its span state, its document, and after a REPORT's document the
    /// invocation's span.
    fn emit(
        &mut self,
        event: &LogEvent<'_>,
        line: ParsedLine<'_>,
        resource_json: &ResourceJson<'_>,
        resource: &BatchResource<'_>,
        rs: &mut RecordSummary,
        sink: &mut dyn Sink,
    ) {
        // Before sampling: a sampled-out error line still makes its span an error.
        let at = line.timestamp.unwrap_or(event.timestamp);
        let enabled = self.config.spans.enabled;
        if enabled {
            self.spans.observe(&line, at);
        }
        let ids = self.invocation_ids(&line);
        let span = if enabled {
            self.spans.finish(
                &line,
                at,
                event.timestamp,
                ids,
                resource,
                &self.config.spans,
            )
        } else {
            // Spans off: only the segment ids noted for the documents' ids are kept, and a
            // request's is forgotten at its REPORT, as finishing its span would.
            self.spans.forget(&line);
            None
        };
        self.emit_document(event, line, ids, resource_json, rs, sink);
        if let Some(span) = span {
            rs.spans += 1;
            sink.span(&span);
        }
    }

    /// The invocation ids of a correlated line (remembered for the lines of the same request
    /// that follow it).
    fn invocation_ids(&mut self, line: &ParsedLine<'_>) -> InvocationIds {
        let Some(request) = line.request_id.as_deref() else {
            return InvocationIds::of(line, None);
        };
        let xray = line.trace.xray_trace_id.as_deref();
        let primary = line
            .correlation
            .as_deref()
            .and_then(|c| c.primary.as_deref());
        if let Some(last) = &self.last_ids {
            if last.request == request
                && last.xray.as_deref() == xray
                && last.primary.as_deref() == primary
            {
                return last.ids;
            }
        }
        let ids = InvocationIds::of(line, self.spans.segment(request));
        self.last_ids = Some(LastIds {
            request: request.to_owned(),
            xray: xray.map(str::to_owned),
            primary: primary.map(str::to_owned),
            ids,
        });
        ids
    }

    /// Filters (sampling, redaction), extracts the metric point of a MONITORING line and hands
    /// the document of one correlated line to the sink.
    fn emit_document(
        &self,
        event: &LogEvent<'_>,
        mut line: ParsedLine<'_>,
        ids: InvocationIds,
        resource_json: &ResourceJson<'_>,
        rs: &mut RecordSummary,
        sink: &mut dyn Sink,
    ) {
        let filter = &self.config.filter;
        if !filter.is_noop() {
            if filter.samples_out(&event.id, &line) {
                sink.rejection(Rejection::event(
                    &event.id,
                    RejectReason::SampledOut,
                    "not in the configured sample",
                ));
                return;
            }
            filter.redact_line(&mut line);
        }
        let line = &line;
        let resource = resource_json.resource();
        let metric = line.monitoring.as_deref().map(|payload| {
            match monitoring::parse(payload, event.timestamp)
                .and_then(|m| resolve(m, &self.config.metrics, resource.function_name))
            {
                Ok(point) => {
                    rs.metric_points += 1;
                    sink.metric(point);
                    MetricStatus::Extracted
                }
                Err((reason, detail)) => {
                    sink.rejection(Rejection::event(&event.id, reason, detail));
                    MetricStatus::Rejected(reason)
                }
            }
        });
        if line.kind == Kind::Metric
            && metric == Some(MetricStatus::Extracted)
            && !self.config.ship_metric_lines
        {
            return;
        }
        let mut doc = Document::new(
            &event.id,
            event.timestamp,
            line,
            resource,
            self.config.limits.max_body_bytes,
        )
        .with_resource_json(resource_json)
        .with_ids(ids);
        doc.metric = metric;
        rs.documents += 1;
        sink.document(&doc);
    }
}

/// Lines parsed, correlated and emitted together (the window of [`Pipeline::process_batch`]):
/// large enough that nearly every request falls in one window, small enough that a 1 MB payload
/// (≈ 27 000 events) never holds more than a few hundred KB of parsed lines.
pub const CORRELATION_WINDOW_LINES: usize = 1024;

/// Most lines a window grows to while waiting for the REPORT line of one long request (≈ 4 MB
/// of parsed lines). A request logging more lines than this within one batch is correlated in
/// parts: its lines before the cut miss what only its REPORT line tells (the X-Ray trace id).
pub const MAX_CORRELATION_WINDOW_LINES: usize = 16 * CORRELATION_WINDOW_LINES;

/// A record that could not be decoded: its outcome and its one rejection.
fn fail_record(
    rs: &mut RecordSummary,
    rejection: Rejection,
    record_id: Option<&str>,
    sink: &mut dyn Sink,
) {
    rs.outcome = RecordOutcome::Failed(rejection.reason);
    sink.rejection(rejection.with_record(record_id));
}

/// The ids of the last request a document was emitted for, with what they were derived from.
#[derive(Debug)]
struct LastIds {
    request: String,
    xray: Option<String>,
    primary: Option<String>,
    ids: InvocationIds,
}

/// Counts rejections on the way to the real sink.
struct CountingSink<'s> {
    inner: &'s mut dyn Sink,
    rejections: usize,
}

impl Sink for CountingSink<'_> {
    fn document(&mut self, doc: &Document<'_>) {
        self.inner.document(doc);
    }
    fn metric(&mut self, point: MetricPoint) {
        self.inner.metric(point);
    }
    fn span(&mut self, span: &Span) {
        self.inner.span(span);
    }
    fn rejection(&mut self, rejection: Rejection) {
        self.rejections += 1;
        self.inner.rejection(rejection);
    }
    fn record_start(&mut self, record_id: Option<&str>) {
        self.inner.record_start(record_id);
    }
    fn record_end(&mut self, summary: &RecordSummary) {
        self.inner.record_end(summary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::filter::BuiltinRedaction;
    use crate::testing::CollectingSink;
    use serde_json::json;

    fn payload(group: &str, messages: &[&str]) -> Vec<u8> {
        let events: Vec<_> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| json!({"id": format!("ev{i}"), "timestamp": 1_700_000_000_000_i64 + i as i64, "message": m}))
            .collect();
        json!({"messageType": "DATA_MESSAGE", "owner": "1", "logGroup": group,
               "logStream": "2023/11/14/[$LATEST]abc", "subscriptionFilters": [], "logEvents": events})
        .to_string()
        .into_bytes()
    }

    fn run(config: PipelineConfig, bytes: &[u8]) -> CollectingSink {
        let mut sink = CollectingSink::new("shiplog");
        Pipeline::new(config)
            .process_input(bytes, &mut sink)
            .unwrap();
        sink
    }

    /// Messages of `requests` invocations, each `app_lines` unprefixed lines long, their REPORT
    /// lines carrying X-Ray trace id `1-…-<n>`.
    fn invocations(requests: usize, app_lines: usize) -> Vec<String> {
        let mut out = Vec::new();
        for r in 0..requests {
            out.push(format!("START RequestId: req-{r} Version: $LATEST\n"));
            for j in 0..app_lines {
                out.push(format!("plain line {j} of request {r}\n"));
            }
            out.push(format!("END RequestId: req-{r}\n"));
            out.push(format!(
                "REPORT RequestId: req-{r}\tDuration: 1.00 ms\tBilled Duration: 1 ms\t\
                 Memory Size: 128 MB\tMax Memory Used: 60 MB\t\
                 XRAY TraceId: 1-5d9d007f-0a8c7fd02bbbb480aed{r:05}\tSegmentId: 3d75\tSampled: true\n"
            ));
        }
        out
    }

    /// Checks that every document of request `req-<n>` carries that request's X-Ray trace id.
    fn assert_every_line_has_its_requests_trace(sink: &CollectingSink, requests: usize) {
        let mut per_request = vec![0; requests];
        for (_, _, doc) in &sink.documents {
            let request = doc["attributes"]["faas"]["invocation_id"]
                .as_str()
                .unwrap_or_else(|| panic!("no request id: {doc}"));
            let n: usize = request.trim_start_matches("req-").parse().unwrap();
            let trace = doc["attributes"]["aws"]["xray"]["trace_id"]
                .as_str()
                .unwrap_or_default();
            assert!(
                trace.ends_with(&format!("aed{n:05}")),
                "{request}: trace {trace:?} in {doc}"
            );
            per_request[n] += 1;
        }
        assert!(per_request.iter().all(|&c| c > 0));
    }

    /// Runs `messages` as one payload: one document each, every one with its request's trace.
    fn assert_correlated_in_windows(messages: &[String], requests: usize) {
        let refs: Vec<&str> = messages.iter().map(String::as_str).collect();
        let sink = run(PipelineConfig::default(), &payload("/aws/lambda/f", &refs));
        assert_eq!(sink.documents.len(), messages.len());
        assert_every_line_has_its_requests_trace(&sink, requests);
    }

    #[test]
    fn requests_cut_by_a_correlation_window_still_get_their_trace_id() {
        // 300 requests of 12 lines: windows of 1 024 lines end inside requests.
        let messages = invocations(300, 9);
        assert!(messages.len() > 3 * CORRELATION_WINDOW_LINES);
        assert_correlated_in_windows(&messages, 300);
    }

    #[test]
    fn a_request_longer_than_a_window_still_gets_its_trace_id() {
        let mut messages = invocations(1, 3 * CORRELATION_WINDOW_LINES);
        // Then a short request, whose lines come from the second of two generated ones.
        messages.extend(invocations(2, 5).into_iter().skip(8));
        assert_correlated_in_windows(&messages, 2);
    }

    #[test]
    fn own_log_group_events_are_dropped_and_counted() {
        let config = PipelineConfig {
            own_log_groups: vec!["/aws/lambda/shiplog-ship-logs".into()],
            ..PipelineConfig::default()
        };
        let sink = run(
            config.clone(),
            &payload(
                "/aws/lambda/shiplog-ship-logs",
                &["a\n", "MONITORING|1|count|x|ns\n"],
            ),
        );
        assert!(sink.documents.is_empty() && sink.metrics.is_empty());
        assert_eq!(sink.rejections.len(), 2);
        assert!(sink
            .rejections
            .iter()
            .all(|r| r.reason == RejectReason::OwnLogGroup));
        let sink = run(config, &payload("/aws/lambda/orders", &["a\n"]));
        assert_eq!(sink.documents.len(), 1);
    }

    #[test]
    fn drop_patterns_sampling_and_redaction_apply_before_indexing() {
        let config = PipelineConfig {
            filter: Filter {
                drop_patterns: vec![regex::Regex::new("healthcheck").unwrap()],
                sample_rate: Some(0.0),
                redact_builtin: vec![BuiltinRedaction::Email],
                redact_patterns: Vec::new(),
            },
            ..PipelineConfig::default()
        };
        let sink = run(
            config,
            &payload(
                "/aws/lambda/orders",
                &[
                    "GET /healthcheck 200\n",
                    "2023-11-14T22:13:20.000Z\tr1\tINFO\tsampled away\n",
                    "2023-11-14T22:13:20.000Z\tr1\tERROR\tmail to bob@example.com failed\n",
                    "MONITORING|1|count|orders|Shop\n",
                ],
            ),
        );
        let reasons: Vec<_> = sink.rejections.iter().map(|r| r.reason).collect();
        assert_eq!(
            reasons,
            [RejectReason::FilteredOut, RejectReason::SampledOut]
        );
        let bodies: Vec<_> = sink
            .documents
            .iter()
            .map(|(_, _, d)| d["body"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            bodies,
            [
                "mail to [REDACTED] failed",
                "MONITORING|1|count|orders|Shop"
            ]
        );
        assert_eq!(sink.metrics.len(), 1, "metric lines are never sampled out");
    }

    #[test]
    fn metric_lines_are_not_shipped_when_configured_off_but_rejected_ones_are() {
        let config = PipelineConfig {
            ship_metric_lines: false,
            ..PipelineConfig::default()
        };
        let sink = run(
            config,
            &payload(
                "/aws/lambda/orders",
                &[
                    "MONITORING|1|count|ok|Shop\n",
                    "MONITORING|NaN|count|bad|Shop\n",
                ],
            ),
        );
        assert_eq!(sink.metrics.len(), 1);
        assert_eq!(sink.documents.len(), 1);
        let doc = &sink.documents[0].2;
        assert_eq!(
            doc["attributes"]["shiplog"]["metric_status"],
            json!("rejected")
        );
        assert_eq!(
            doc["attributes"]["shiplog"]["metric_reason"],
            json!("metric-value-not-finite")
        );
    }
}
