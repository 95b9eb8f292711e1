//! The invocation handler: decode → parse (the core pipeline, synchronous, into `_bulk` chunks
//! and metric points) → ship the documents and publish the metrics **concurrently**, both bounded
//! by the Lambda deadline minus `DEADLINE_SAFETY_MS` → answer in the shape the event source
//! expects → one self-metrics EMF line and at most one summary log line.
//!
//! Error semantics (see `docs/ship-logs.md`):
//! - the invocation fails only when documents could be neither indexed nor dead-lettered
//!   ([`HandlerError::Undelivered`], retryable), when metrics could not be delivered under the
//!   opt-in `METRICS_FAILURE=fail-invocation` ([`HandlerError::MetricsUndelivered`], retryable),
//!   or when the configuration is invalid ([`HandlerError::InvalidConfiguration`], not
//!   retryable: every invocation fails with the list of problems until the function is fixed);
//! - for Kinesis and Firehose those failures are reported per record instead (see
//!   [`crate::response`]), so one bad record never re-drives the whole batch;
//! - everything else is counted and swallowed: undecodable inputs and records, bad events,
//!   rejected MONITORING lines, filtered, sampled and loop-guarded events, dead-lettered
//!   documents, metric datums dropped by validation or (by default) not delivered.

use crate::config::ConfigErrors;
use crate::deps::Deps;
use crate::response::{firehose_response, kinesis_response, verdicts, RecordVerdict};
use crate::telemetry::{
    print_self_metrics, InvocationSummary, IMPLAUSIBLE_DEADLINE_MESSAGE, MISCONFIGURED_MESSAGE,
};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use serde_json::{json, Value};
use shiplog::decode::Source;
use shiplog::delivery::bulk::BulkBodyBuilder;
use shiplog::delivery::metric_requests::PublishOutcome;
use shiplog::delivery::self_metrics::SelfMetrics;
use shiplog::delivery::shipping::{RecordTrack, Shipment, ShippingSink};
use shiplog::metrics::aggregate;
use shiplog::metrics::MetricDatum;
use shiplog::pipeline::InputSummary;
use shiplog::rejection::Rejection;
use shiplog_adapters::cloudwatch::{MetricsDestination, MetricsMode, PublishError};
use shiplog_adapters::now_millis;
use shiplog_adapters::opensearch::{DocumentDestination, Outcome, ShipError, TemplateStatus};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Time given to an invocation whose context carries no deadline (never the case in Lambda).
pub const NO_DEADLINE_BUDGET: Duration = Duration::from_secs(60);

/// `errorType` of an invalid configuration (not retryable: the same error every time).
pub const ERROR_INVALID_CONFIGURATION: &str = "ShipLogs.NonRetryable.InvalidConfiguration";
/// `errorType` of documents neither indexed nor dead-lettered (retryable: deterministic `_id`s
/// make the re-delivery idempotent).
pub const ERROR_UNDELIVERED: &str = "ShipLogs.Retryable.DocumentsUndelivered";
/// `errorType` of metrics not delivered under `METRICS_FAILURE=fail-invocation`.
pub const ERROR_METRICS_UNDELIVERED: &str = "ShipLogs.Retryable.MetricsUndelivered";

/// An invocation that failed.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The function is misconfigured.
    #[error(transparent)]
    InvalidConfiguration(#[from] ConfigErrors),
    /// Documents could be neither indexed nor dead-lettered.
    #[error(transparent)]
    Undelivered(#[from] ShipError),
    /// Metric datums were not delivered and the policy is `fail-invocation`.
    #[error(transparent)]
    MetricsUndelivered(#[from] PublishError),
}

impl HandlerError {
    /// The Lambda `errorType`: `ShipLogs.Retryable.*` or `ShipLogs.NonRetryable.*`.
    pub fn error_type(&self) -> &'static str {
        match self {
            HandlerError::InvalidConfiguration(_) => ERROR_INVALID_CONFIGURATION,
            HandlerError::Undelivered(_) => ERROR_UNDELIVERED,
            HandlerError::MetricsUndelivered(_) => ERROR_METRICS_UNDELIVERED,
        }
    }

    /// Whether a re-delivery of the same event may succeed.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, HandlerError::InvalidConfiguration(_))
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(error: HandlerError) -> Self {
        Diagnostic {
            error_type: error.error_type().to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// One handled invocation: the answer, the self-metrics line and the summary (printed by
/// [`handle`]; returned by [`process`] so that tests can read them).
#[derive(Debug)]
pub struct Handled {
    /// The answer to Lambda.
    pub result: Result<Value, HandlerError>,
    /// The invocation's one self-metrics EMF line.
    pub self_metrics_line: Option<String>,
    /// What the invocation did.
    pub summary: InvocationSummary,
}

/// The Lambda entry point: [`process`], then the self-metrics line on stdout and the summary
/// line.
pub async fn handle<D, M>(
    deps: &Deps<D, M>,
    event: LambdaEvent<Box<RawValue>>,
) -> Result<Value, HandlerError>
where
    D: DocumentDestination + Sync,
    M: MetricsDestination + Sync,
{
    let handled = process(deps, event).await;
    if let Some(line) = &handled.self_metrics_line {
        print_self_metrics(line);
    }
    handled.summary.log();
    handled.result
}

/// The handler of a function whose configuration is invalid: every invocation fails with the
/// complete list of problems (the event is not even read).
pub async fn handle_misconfigured(
    errors: &ConfigErrors,
    _event: LambdaEvent<IgnoredAny>,
) -> Result<Value, HandlerError> {
    tracing::error!(error = %errors, "{MISCONFIGURED_MESSAGE}");
    Err(HandlerError::InvalidConfiguration(errors.clone()))
}

/// The longest a Lambda invocation can run (the maximum function timeout).
pub const LAMBDA_MAX_TIMEOUT: Duration = Duration::from_secs(15 * 60);
/// Slack on top of [`LAMBDA_MAX_TIMEOUT`] for clock skew between Lambda and the sandbox: a
/// deadline at most this much further away is still taken as it is.
pub const DEADLINE_TOLERANCE: Duration = Duration::from_secs(60);
/// Time given to an invocation whose deadline is implausible (already past on arrival, or further
/// away than [`LAMBDA_MAX_TIMEOUT`] + [`DEADLINE_TOLERANCE`]): the same as without a deadline.
pub const IMPLAUSIBLE_DEADLINE_BUDGET: Duration = NO_DEADLINE_BUDGET;

/// Whether an implausible deadline was reported already: once per container (process).
static IMPLAUSIBLE_DEADLINE_REPORTED: AtomicBool = AtomicBool::new(false);

/// By when an invocation must be done shipping and publishing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Deadline {
    /// The instant retries stop and leftovers go to the dead letter.
    pub at: Instant,
    /// The received `Lambda-Runtime-Deadline-Ms` when it was implausible and replaced by
    /// [`IMPLAUSIBLE_DEADLINE_BUDGET`].
    pub implausible: Option<u64>,
}

/// The instant by which shipping and publishing must be done: the Lambda deadline (epoch ms)
/// minus the safety margin, counted from `now` (epoch ms `now_ms`).
///
/// `0` (no deadline in the context) gives [`NO_DEADLINE_BUDGET`]. A deadline already past on
/// arrival, or further away than Lambda's 15-minute maximum plus [`DEADLINE_TOLERANCE`], cannot be
/// Lambda's: local emulators send relative values (cargo-lambda's `600000`, i.e. 1970) or
/// arbitrary ones. Taken literally, a past one gives up at once and dead-letters every document
/// and a far one lets retries run past any real timeout; it is replaced by [`IMPLAUSIBLE_DEADLINE_BUDGET`] and returned in
/// [`Deadline::implausible`] for the caller to report.
pub fn deadline_from(deadline_ms: u64, now_ms: i64, safety: Duration, now: Instant) -> Deadline {
    if deadline_ms == 0 {
        return Deadline {
            at: now + NO_DEADLINE_BUDGET,
            implausible: None,
        };
    }
    let now_ms = u64::try_from(now_ms).unwrap_or(0);
    let latest = LAMBDA_MAX_TIMEOUT + DEADLINE_TOLERANCE;
    let remaining = deadline_ms
        .checked_sub(now_ms)
        .filter(|ms| *ms > 0)
        .map(Duration::from_millis)
        .filter(|remaining| *remaining <= latest);
    match remaining {
        Some(remaining) => Deadline {
            at: now + remaining.saturating_sub(safety),
            implausible: None,
        },
        None => Deadline {
            at: now + IMPLAUSIBLE_DEADLINE_BUDGET,
            implausible: Some(deadline_ms),
        },
    }
}

/// Writes one warn line about an implausible deadline, the first time one is seen in this
/// container; later ones only show in the summary line (`implausible_deadline_ms`).
fn report_implausible_deadline(received_ms: u64, now_ms: i64) {
    if IMPLAUSIBLE_DEADLINE_REPORTED.swap(true, Ordering::Relaxed) {
        return;
    }
    tracing::warn!(
        received_deadline_ms = received_ms,
        now_ms,
        budget_ms = u64::try_from(IMPLAUSIBLE_DEADLINE_BUDGET.as_millis()).unwrap_or(u64::MAX),
        "{IMPLAUSIBLE_DEADLINE_MESSAGE}: Lambda-Runtime-Deadline-Ms {received_ms} is not an epoch \
         time within 15 minutes from now (a local emulator?); using a {} s budget instead \
         (reported once per container)",
        IMPLAUSIBLE_DEADLINE_BUDGET.as_secs()
    );
}

/// The name of an event source in summaries and answers.
pub fn source_name(source: Option<Source>) -> &'static str {
    match source {
        Some(Source::CloudWatchLogs) => "cloudwatch-logs",
        Some(Source::Kinesis) => "kinesis",
        Some(Source::Firehose) => "firehose",
        Some(Source::Decoded) => "decoded",
        None => "none",
    }
}

/// Handles one invocation without printing anything.
pub async fn process<D, M>(deps: &Deps<D, M>, event: LambdaEvent<Box<RawValue>>) -> Handled
where
    D: DocumentDestination + Sync,
    M: MetricsDestination + Sync,
{
    #[allow(clippy::disallowed_methods)] // the shell reads the clock once per invocation
    let started = Instant::now();
    let now_ms = now_millis().0;
    let Deadline {
        at: deadline,
        implausible,
    } = deadline_from(
        event.context.deadline,
        now_ms,
        deps.config.deadline_safety,
        started,
    );
    if let Some(received) = implausible {
        report_implausible_deadline(received, now_ms);
    }
    let mut self_metrics = deps.self_metrics();
    let (input, shipment) = parse(deps, event.payload.get().as_bytes(), self_metrics.as_mut());
    drop(event.payload);
    let Shipment {
        chunks,
        points,
        records,
        stats,
    } = shipment;
    let datums = match deps.config.metrics.mode {
        MetricsMode::Off => Vec::new(),
        _ => aggregate(points),
    };
    let mut summary = InvocationSummary {
        source: source_name(input.as_ref().and_then(|i| i.source)),
        records: input.as_ref().map_or(0, |i| i.records),
        events: input.as_ref().map_or(0, |i| i.events),
        documents: stats.documents,
        spans: stats.spans,
        rejections: stats.rejections,
        undecodable: stats.undecodable,
        first_undecodable: stats.first_undecodable.as_ref().map(describe),
        metric_datums: datums.len(),
        implausible_deadline_ms: implausible,
        ..InvocationSummary::default()
    };
    let request_id = event.context.request_id.as_str();
    let (shipped, published) = tokio::join!(
        deps.documents.ship(chunks, deadline, request_id),
        publish(&deps.metrics, datums, deadline),
    );
    if let Some(m) = self_metrics.as_mut() {
        count(m, summary.events, &shipped, &published);
    }
    record_delivery(&mut summary, &shipped, &published);
    let result = answer(
        input.as_ref().and_then(|i| i.source),
        &records,
        shipped,
        published,
        &mut summary,
    );
    summary.duration_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    Handled {
        result,
        self_metrics_line: self_metrics.map(|mut m| m.take_line(now_millis())),
        summary,
    }
}

/// The synchronous part: the whole input through the pipeline into the invocation's sink.
fn parse<D, M>(
    deps: &Deps<D, M>,
    input: &[u8],
    self_metrics: Option<&mut SelfMetrics>,
) -> (Option<InputSummary>, Shipment) {
    let opensearch = &deps.config.opensearch;
    let bulk = BulkBodyBuilder::new(&deps.config.pipeline.index_prefix, opensearch.chunk_limits)
        .with_document_ids(opensearch.document_ids)
        .with_compression(opensearch.compression);
    let mut sink = ShippingSink::new(bulk)
        .with_usage(deps.usage())
        .with_self_metrics(self_metrics);
    let result = deps.pipeline().process_input(input, &mut sink);
    let summary = match result {
        Ok(summary) => Some(summary),
        Err(rejection) => {
            sink.reject_input(rejection);
            None
        }
    };
    (summary, sink.finish())
}

/// Publishes the datums (nothing to do without any).
async fn publish<M: MetricsDestination + Sync>(
    metrics: &M,
    datums: Vec<MetricDatum>,
    deadline: Instant,
) -> Result<PublishOutcome, PublishError> {
    if datums.is_empty() {
        return Ok(PublishOutcome::default());
    }
    let deadline = tokio::time::Instant::from_std(deadline);
    metrics.publish(datums, now_millis(), deadline).await
}

/// `reason: detail (record <id>)`.
fn describe(rejection: &Rejection) -> String {
    match &rejection.record_id {
        Some(id) => format!("{}: {} (record {id})", rejection.reason, rejection.detail),
        None => format!("{}: {}", rejection.reason, rejection.detail),
    }
}

/// Counts what the invocation delivered into its self-metrics.
fn count(
    m: &mut SelfMetrics,
    events: usize,
    shipped: &Result<Outcome, ShipError>,
    published: &Result<PublishOutcome, PublishError>,
) {
    m.add_events_in(events);
    match shipped {
        Ok(outcome) => {
            m.add_documents_out(outcome.delivered());
            m.add_dead_lettered(outcome.dead_lettered);
        }
        Err(e) => m.add_documents_out(e.outcome().delivered()),
    }
    m.add_publish_outcome(publish_outcome(published));
}

/// What a publication did, whether or not the policy made it an error.
fn publish_outcome(published: &Result<PublishOutcome, PublishError>) -> &PublishOutcome {
    match published {
        Ok(outcome) => outcome,
        Err(PublishError::Undelivered(outcome)) => outcome,
    }
}

/// Copies the delivery results into the summary.
fn record_delivery(
    summary: &mut InvocationSummary,
    shipped: &Result<Outcome, ShipError>,
    published: &Result<PublishOutcome, PublishError>,
) {
    let outcome = match shipped {
        Ok(outcome) => {
            summary.dead_lettered = outcome.dead_lettered;
            summary.dead_letter_key = outcome.dead_letter_key.clone();
            outcome
        }
        Err(e) => {
            summary.undelivered = e.undelivered().len();
            summary.delivery_error = Some(e.to_string());
            e.outcome()
        }
    };
    summary.indexed = outcome.indexed;
    summary.already_present = outcome.already_present;
    if let TemplateStatus::Failed(e) = &outcome.template {
        summary.template_error = Some(e.to_string());
    }
    let metrics = publish_outcome(published);
    summary.metrics_failed = metrics.failed_datums;
    summary.metrics_error = metrics.last_error.clone();
}

/// The answer in the event source's shape.
fn answer(
    source: Option<Source>,
    records: &[RecordTrack],
    shipped: Result<Outcome, ShipError>,
    published: Result<PublishOutcome, PublishError>,
    summary: &mut InvocationSummary,
) -> Result<Value, HandlerError> {
    let per_record = matches!(source, Some(Source::Kinesis | Source::Firehose));
    if !per_record {
        shipped?;
        published?;
        return Ok(payload_summary(summary));
    }
    let metrics_failed = published.is_err();
    let undelivered: &[String] = match &shipped {
        Err(e) => e.undelivered(),
        Ok(_) => &[],
    };
    let verdicts = match verdicts(records, undelivered, metrics_failed) {
        Ok(v) => v,
        // A document of no identifiable record: only failing the whole invocation is safe.
        Err(_) => {
            shipped?;
            every_data_record_failed(records)
        }
    };
    summary.count_failed_records(&verdicts);
    Ok(match source {
        Some(Source::Firehose) => firehose_response(records, &verdicts),
        _ => kinesis_response(records, &verdicts),
    })
}

/// Every data record failed (the conservative answer when failures cannot be attributed).
fn every_data_record_failed(records: &[RecordTrack]) -> Vec<RecordVerdict> {
    records
        .iter()
        .map(|r| match r.outcome {
            shiplog::pipeline::RecordOutcome::Data => RecordVerdict::Failed,
            shiplog::pipeline::RecordOutcome::Control => RecordVerdict::Control,
            shiplog::pipeline::RecordOutcome::Failed(_) => RecordVerdict::Undecodable,
        })
        .collect()
}

/// The answer to a CloudWatch Logs (or decoded, or undecodable) invocation: what it did.
fn payload_summary(s: &InvocationSummary) -> Value {
    json!({
        "source": s.source,
        "events": s.events,
        "documents": s.documents,
        "spans": s.spans,
        "indexed": s.indexed,
        "alreadyPresent": s.already_present,
        "deadLettered": s.dead_lettered,
        "rejections": s.rejections,
        "undecodable": s.undecodable,
        "metricDatums": s.metric_datums,
    })
}

#[cfg(test)]
#[allow(clippy::disallowed_methods)] // tests take real instants
mod tests {
    use super::*;

    const NOW_MS: i64 = 1_764_000_000_000; // 2025-11-24

    fn at(deadline_ms: u64, safety: Duration, now: Instant) -> Duration {
        let d = deadline_from(deadline_ms, NOW_MS, safety, now);
        assert_eq!(d.implausible, None, "{deadline_ms} is plausible");
        d.at - now
    }

    #[test]
    fn the_deadline_keeps_the_safety_margin_free() {
        let now = Instant::now();
        let base = NOW_MS as u64;
        assert_eq!(
            at(base + 10_000, Duration::from_secs(2), now),
            Duration::from_secs(8)
        );
        assert_eq!(
            at(base + 1_000, Duration::from_secs(2), now),
            Duration::ZERO,
            "less time left than the margin: give up at once"
        );
        assert_eq!(
            at(base + 900_000, Duration::from_secs(2), now),
            Duration::from_secs(898),
            "Lambda's 15-minute maximum"
        );
        assert_eq!(
            at(base + 930_000, Duration::ZERO, now),
            Duration::from_secs(930),
            "within the clock-skew tolerance"
        );
    }

    #[test]
    fn no_deadline_gets_the_no_deadline_budget_and_is_not_reported() {
        let now = Instant::now();
        let d = deadline_from(0, NOW_MS, Duration::from_secs(2), now);
        assert_eq!(d.at - now, NO_DEADLINE_BUDGET);
        assert_eq!(d.implausible, None);
    }

    #[test]
    fn implausible_deadlines_are_replaced_by_the_bounded_budget_and_reported() {
        let now = Instant::now();
        let base = NOW_MS as u64;
        let latest = u64::try_from((LAMBDA_MAX_TIMEOUT + DEADLINE_TOLERANCE).as_millis()).unwrap();
        for (what, received) in [
            ("cargo-lambda's relative 600000 (1970)", 600_000),
            ("already past on arrival", base - 1),
            ("exactly now", base),
            (
                "a second past the 15 minutes + tolerance",
                base + latest + 1_000,
            ),
            ("years ahead", base * 2),
            ("u64::MAX", u64::MAX),
        ] {
            let d = deadline_from(received, NOW_MS, Duration::from_secs(2), now);
            assert_eq!(d.at - now, IMPLAUSIBLE_DEADLINE_BUDGET, "{what}");
            assert_eq!(d.implausible, Some(received), "{what}");
        }
        assert!(IMPLAUSIBLE_DEADLINE_BUDGET <= LAMBDA_MAX_TIMEOUT);
        assert!(IMPLAUSIBLE_DEADLINE_BUDGET > Duration::ZERO);
        // A clock that reads before 1970 makes every deadline look too far away: bounded too.
        let d = deadline_from(base + 5_000, -1, Duration::ZERO, now);
        assert_eq!(d.implausible, Some(base + 5_000));
        assert_eq!(d.at - now, IMPLAUSIBLE_DEADLINE_BUDGET);
    }

    #[test]
    fn error_types_say_whether_a_retry_can_help() {
        let config = HandlerError::InvalidConfiguration(ConfigErrors(vec!["X: bad".into()]));
        assert!(!config.is_retryable());
        let diagnostic = Diagnostic::from(config);
        assert_eq!(diagnostic.error_type, ERROR_INVALID_CONFIGURATION);
        assert!(diagnostic.error_message.contains("X: bad"));
        let undelivered = HandlerError::Undelivered(ShipError::NoDeadLetterBucket {
            count: 2,
            undelivered: vec!["a".into(), "b".into()],
            first_error: None,
            outcome: Box::default(),
        });
        assert!(undelivered.is_retryable());
        assert_eq!(undelivered.error_type(), ERROR_UNDELIVERED);
        assert!(undelivered.to_string().contains("2 document(s)"));
        let metrics = HandlerError::MetricsUndelivered(PublishError::Undelivered(Box::default()));
        assert!(metrics.is_retryable());
        assert_eq!(metrics.error_type(), ERROR_METRICS_UNDELIVERED);
    }

    #[test]
    fn sources_have_stable_names() {
        assert_eq!(source_name(Some(Source::CloudWatchLogs)), "cloudwatch-logs");
        assert_eq!(source_name(Some(Source::Kinesis)), "kinesis");
        assert_eq!(source_name(Some(Source::Firehose)), "firehose");
        assert_eq!(source_name(Some(Source::Decoded)), "decoded");
        assert_eq!(source_name(None), "none");
    }
}
