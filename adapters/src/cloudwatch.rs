//! Metric destinations: CloudWatch `PutMetricData`, EMF lines on a writer, or
//! nothing — one trait, [`MetricsDestination`], and a recording fake for handler tests.
//!
//! [`CloudWatchPublisher`] is a thin shell over the pure decisions of
//! [`shiplog::delivery::metric_requests`]: it validates and packs the datums against the wall clock
//! given by the caller, sends the requests concurrently (at most
//! [`PublisherConfig::concurrency`] in flight, default 4), retries throttling, 5xx and transport
//! failures with exponential back-off and full jitter inside the caller's deadline, splits a
//! request CloudWatch refuses for its content until the bad datum is alone, and returns a
//! [`PublishOutcome`].
//!
//! The `aws_sdk_cloudwatch::Client` is built once by the caller (per container) and passed in.
//! The SDK's own retries are turned off per call (our loop knows the deadline and splits 400s);
//! its request compression is left as configured (on by default: PutMetricData bodies over 10 KiB
//! are gzipped).
//!
//! **Failure policy** ([`FailurePolicy`]): at-most-once by default — a final failure is counted in
//! the outcome (and the invocation's summary) but is not an error, because failing the invocation
//! would make Lambda re-deliver the whole payload and count every other metric twice.
//! `METRICS_FAILURE=fail-invocation` turns a final failure into [`PublishError::Undelivered`]. A
//! datum CloudWatch refuses even alone is never an error: re-delivery would be refused the same.

use aws_sdk_cloudwatch::config::retry::RetryConfig;
use aws_sdk_cloudwatch::config::timeout::TimeoutConfig;
use aws_sdk_cloudwatch::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatch::operation::put_metric_data::PutMetricDataError;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum as SdkDatum, StandardUnit as SdkUnit};
use aws_sdk_cloudwatch::Client;
use shiplog::backoff::{Backoff, BackoffPolicy, NoRetry};
use shiplog::delivery::emf;
use shiplog::delivery::metric_requests::{
    classify_failure, prepare, split_request, CallFailure, FailureAction, MetricRequest,
};
use shiplog::metrics::MetricDatum;
use shiplog::time::EpochMillis;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

pub use shiplog::delivery::metric_requests::PublishOutcome;
pub use shiplog::delivery::metrics_config::{FailurePolicy, MetricsMode};

/// Retries of one PutMetricData request: the first retry waits up to 50 ms, no retry more than
/// 2 s, at most 8 calls, and none started with less than 50 ms left before the deadline.
pub const METRICS_BACKOFF: BackoffPolicy = BackoffPolicy {
    base: Duration::from_millis(50),
    cap: Duration::from_secs(2),
    max_attempts: 8,
    min_attempt_time: Duration::from_millis(50),
};

/// Configuration of [`CloudWatchPublisher`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublisherConfig {
    /// Requests in flight at once (at least 1; default 4).
    pub concurrency: usize,
    /// What a final failure does.
    pub failure_policy: FailurePolicy,
    /// Retries of one request.
    pub retry: BackoffPolicy,
}

impl Default for PublisherConfig {
    fn default() -> Self {
        PublisherConfig {
            concurrency: shiplog::delivery::metrics_config::DEFAULT_CONCURRENCY,
            failure_policy: FailurePolicy::default(),
            retry: METRICS_BACKOFF,
        }
    }
}

/// A metric delivery that failed under [`FailurePolicy::FailInvocation`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PublishError {
    /// Some datums could not be delivered; the outcome says how many and why.
    #[error(
        "{} metric datum(s) in {} request(s) not delivered (METRICS_FAILURE=fail-invocation): {}",
        .0.failed_datums,
        .0.failed_requests,
        .0.last_error.as_deref().unwrap_or("unknown error")
    )]
    Undelivered(Box<PublishOutcome>),
}

/// Applies the failure policy to a finished outcome.
fn apply_policy(
    policy: FailurePolicy,
    outcome: PublishOutcome,
) -> Result<PublishOutcome, PublishError> {
    match policy {
        FailurePolicy::FailInvocation if outcome.has_failures() => {
            Err(PublishError::Undelivered(Box::new(outcome)))
        }
        _ => Ok(outcome),
    }
}

/// Where metric datums go. One implementation per [`MetricsMode`] (and a recording fake in
/// `testing`).
pub trait MetricsDestination {
    /// Delivers `datums` (aggregated), validated against `now` (the wall clock), before
    /// `deadline`.
    fn publish(
        &self,
        datums: Vec<MetricDatum>,
        now: EpochMillis,
        deadline: Instant,
    ) -> impl Future<Output = Result<PublishOutcome, PublishError>> + Send;
}

/// Publishes datums with `PutMetricData`.
#[derive(Debug, Clone)]
pub struct CloudWatchPublisher {
    client: Client,
    config: PublisherConfig,
}

/// How one request ended.
#[derive(Debug)]
enum RequestResult {
    /// Accepted: that many datums.
    Sent(usize),
    /// Refused for its content: send the two halves instead.
    Split(MetricRequest, MetricRequest),
    /// Refused for its content while holding a single datum: that datum is bad.
    Refused(usize, String),
    /// Not delivered: that many datums, and why.
    Failed(usize, String),
}

/// One request's calls and result.
#[derive(Debug)]
struct Attempted {
    calls: usize,
    retries: usize,
    result: RequestResult,
}

impl CloudWatchPublisher {
    /// A publisher over a client built once by the caller.
    pub fn new(client: Client, config: PublisherConfig) -> Self {
        CloudWatchPublisher { client, config }
    }

    /// A publisher with a client built from the shared AWS configuration (region, credentials,
    /// `AWS_ENDPOINT_URL_CLOUDWATCH`).
    pub fn from_sdk_config(sdk: &aws_config::SdkConfig, config: PublisherConfig) -> Self {
        CloudWatchPublisher::new(Client::new(sdk), config)
    }

    /// The configuration.
    pub fn config(&self) -> &PublisherConfig {
        &self.config
    }

    /// Validates, packs and sends `datums` (see the module documentation). `now` is the wall
    /// clock used for the timestamp window; `deadline` bounds every call and every back-off.
    /// Requests are spawned as tokio tasks: call it inside a tokio runtime (the Lambda's).
    pub async fn publish(
        &self,
        datums: Vec<MetricDatum>,
        now: EpochMillis,
        deadline: Instant,
    ) -> Result<PublishOutcome, PublishError> {
        let prepared = prepare(datums, now);
        let mut outcome = PublishOutcome {
            dropped_invalid: prepared.dropped,
            ..PublishOutcome::default()
        };
        let mut queue: VecDeque<MetricRequest> = prepared.requests.into();
        let mut in_flight: JoinSet<Attempted> = JoinSet::new();
        let mut sizes: HashMap<tokio::task::Id, usize> = HashMap::new();
        let concurrency = self.config.concurrency.max(1);
        loop {
            while in_flight.len() < concurrency {
                let Some(request) = queue.pop_front() else {
                    break;
                };
                let size = request.datums.len();
                let task =
                    send_with_retries(self.client.clone(), request, self.config.retry, deadline);
                let handle = in_flight.spawn(task);
                sizes.insert(handle.id(), size);
            }
            let Some(joined) = in_flight.join_next_with_id().await else {
                break;
            };
            match joined {
                Ok((id, attempted)) => {
                    sizes.remove(&id);
                    record(&mut outcome, attempted, &mut queue);
                }
                Err(join_error) => {
                    let size = sizes.remove(&join_error.id()).unwrap_or(0);
                    outcome.failed_datums += size;
                    outcome.failed_requests += 1;
                    outcome.last_error = Some(format!("publishing task failed: {join_error}"));
                }
            }
        }
        apply_policy(self.config.failure_policy, outcome)
    }
}

impl MetricsDestination for CloudWatchPublisher {
    fn publish(
        &self,
        datums: Vec<MetricDatum>,
        now: EpochMillis,
        deadline: Instant,
    ) -> impl Future<Output = Result<PublishOutcome, PublishError>> + Send {
        CloudWatchPublisher::publish(self, datums, now, deadline)
    }
}

/// Adds one request's result to the outcome; split halves go back into the queue.
fn record(outcome: &mut PublishOutcome, attempted: Attempted, queue: &mut VecDeque<MetricRequest>) {
    outcome.requests += attempted.calls;
    outcome.retries += attempted.retries;
    match attempted.result {
        RequestResult::Sent(n) => outcome.datums_sent += n,
        RequestResult::Split(a, b) => {
            outcome.splits += 1;
            queue.push_front(b);
            queue.push_front(a);
        }
        RequestResult::Refused(n, error) => {
            outcome.rejected_by_service += n;
            outcome.last_error = Some(error);
        }
        RequestResult::Failed(n, error) => {
            outcome.failed_datums += n;
            outcome.failed_requests += 1;
            outcome.last_error = Some(error);
        }
    }
}

/// Sends one request until it is accepted, must be split, or fails for good.
async fn send_with_retries(
    client: Client,
    request: MetricRequest,
    retry: BackoffPolicy,
    deadline: Instant,
) -> Attempted {
    let mut backoff = Backoff::from_entropy(retry);
    let sdk_datums: Vec<SdkDatum> = request.datums.iter().map(to_sdk_datum).collect();
    let size = request.datums.len();
    let mut calls = 0;
    let mut retries = 0;
    let mut last_error: Option<String> = None;
    let done = |calls, retries, result| Attempted {
        calls,
        retries,
        result,
    };
    loop {
        let started = Instant::now();
        if started >= deadline {
            let why = match &last_error {
                Some(e) => format!("deadline reached while retrying: {e}"),
                None => "deadline reached before the request could be sent".to_owned(),
            };
            return done(calls, retries, RequestResult::Failed(size, why));
        }
        calls += 1;
        let Err(error) = send_once(
            &client,
            &request.namespace,
            &sdk_datums,
            deadline.saturating_duration_since(started),
        )
        .await
        else {
            return done(calls, retries, RequestResult::Sent(size));
        };
        let message = DisplayErrorContext(&error).to_string();
        match classify_failure(call_failure(&error)) {
            FailureAction::Retry => {
                let attempts = u32::try_from(calls).unwrap_or(u32::MAX);
                let remaining = deadline.saturating_duration_since(Instant::now());
                let delay = match backoff.delay(attempts, remaining) {
                    Ok(delay) => delay,
                    Err(NoRetry::Budget) => {
                        let why = format!("gave up after {attempts} attempts: {message}");
                        return done(calls, retries, RequestResult::Failed(size, why));
                    }
                    Err(NoRetry::Deadline) => {
                        let why = format!("deadline reached while retrying: {message}");
                        return done(calls, retries, RequestResult::Failed(size, why));
                    }
                };
                tokio::time::sleep(delay).await;
                retries += 1;
                last_error = Some(message);
            }
            FailureAction::Split => {
                let result = match split_request(request) {
                    Ok((a, b)) => RequestResult::Split(a, b),
                    Err(single) => RequestResult::Refused(single.datums.len(), message),
                };
                return done(calls, retries, result);
            }
            FailureAction::GiveUp => {
                return done(calls, retries, RequestResult::Failed(size, message))
            }
        }
    }
}

/// One PutMetricData call with the SDK's own retries off and the remaining time as its timeout.
async fn send_once(
    client: &Client,
    namespace: &str,
    datums: &[SdkDatum],
    remaining: Duration,
) -> Result<(), SdkError<PutMetricDataError>> {
    let overrides = aws_sdk_cloudwatch::config::Builder::new()
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_timeout(remaining)
                .build(),
        );
    client
        .put_metric_data()
        .namespace(namespace)
        .set_metric_data(Some(datums.to_vec()))
        .customize()
        .config_override(overrides)
        .send()
        .await
        .map(|_| ())
}

/// What the decision needs from an SDK error. Modelled errors are named by their exception name
/// (a modelled error built without metadata has no code), others by their code and HTTP status.
fn call_failure(error: &SdkError<PutMetricDataError>) -> CallFailure<'_> {
    match error {
        SdkError::ServiceError(context) => {
            let code = match context.err() {
                PutMetricDataError::InternalServiceFault(_) => Some("InternalServiceFault"),
                PutMetricDataError::InvalidParameterValueException(_) => {
                    Some("InvalidParameterValueException")
                }
                PutMetricDataError::InvalidParameterCombinationException(_) => {
                    Some("InvalidParameterCombinationException")
                }
                PutMetricDataError::MissingRequiredParameterException(_) => {
                    Some("MissingRequiredParameterException")
                }
                other => other.code(),
            };
            CallFailure::Service {
                status: Some(context.raw().status().as_u16()),
                code,
            }
        }
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) | SdkError::ResponseError(_) => {
            CallFailure::Transport
        }
        _ => CallFailure::Local,
    }
}

/// The SDK's datum for one of ours: name, dimensions (omitted when none), timestamp, `Values`,
/// `Counts`, unit; standard resolution (no `StorageResolution`: 60 s).
fn to_sdk_datum(datum: &MetricDatum) -> SdkDatum {
    let dimensions: Option<Vec<Dimension>> = (!datum.dimensions.is_empty()).then(|| {
        datum
            .dimensions
            .iter()
            .map(|(name, value)| Dimension::builder().name(name).value(value).build())
            .collect()
    });
    SdkDatum::builder()
        .metric_name(&datum.name)
        .set_dimensions(dimensions)
        .timestamp(DateTime::from_millis(datum.timestamp.0))
        .set_values(Some(datum.values.clone()))
        .set_counts(Some(datum.counts.clone()))
        .unit(SdkUnit::from(datum.unit.as_str()))
        .build()
}

/// `METRICS_MODE=emf`: renders datums as EMF lines ([`emf::render`]) and writes them to the
/// writer given by the caller (the Lambda passes its stdout). No API call.
#[derive(Debug)]
pub struct EmfWriter<W> {
    out: Mutex<W>,
    failure_policy: FailurePolicy,
}

impl<W: Write> EmfWriter<W> {
    /// A writer of EMF lines into `out`.
    pub fn new(out: W, failure_policy: FailurePolicy) -> Self {
        EmfWriter {
            out: Mutex::new(out),
            failure_policy,
        }
    }

    /// Renders and writes `datums`, validated against `now`. `datums_sent` counts the datums
    /// written, `dropped_invalid` the ones dropped; a write error fails every rendered datum.
    pub fn write(
        &self,
        datums: &[MetricDatum],
        now: EpochMillis,
    ) -> Result<PublishOutcome, PublishError> {
        let rendering = emf::render(datums, now);
        let mut outcome = PublishOutcome {
            dropped_invalid: rendering.dropped,
            ..PublishOutcome::default()
        };
        let mut out = self.out.lock().unwrap_or_else(PoisonError::into_inner);
        match emf::write_lines(&rendering.lines, &mut *out) {
            Ok(()) => outcome.datums_sent = rendering.datums,
            Err(e) => {
                outcome.failed_datums = rendering.datums;
                outcome.failed_requests = 1;
                outcome.last_error = Some(format!("writing EMF lines failed: {e}"));
            }
        }
        apply_policy(self.failure_policy, outcome)
    }

    /// Gives the writer back.
    pub fn into_inner(self) -> W {
        self.out
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

impl<W: Write + Send> MetricsDestination for EmfWriter<W> {
    fn publish(
        &self,
        datums: Vec<MetricDatum>,
        now: EpochMillis,
        _deadline: Instant,
    ) -> impl Future<Output = Result<PublishOutcome, PublishError>> + Send {
        let result = self.write(&datums, now);
        async move { result }
    }
}

/// The destination chosen by [`MetricsMode`].
#[derive(Debug)]
pub enum MetricsOutput<W> {
    /// `put-metric-data`.
    PutMetricData(CloudWatchPublisher),
    /// `emf`, into the given writer.
    Emf(EmfWriter<W>),
    /// `off`: datums are discarded (nothing is counted as sent).
    Off,
}

impl<W> MetricsOutput<W> {
    /// The mode this output implements.
    pub fn mode(&self) -> MetricsMode {
        match self {
            MetricsOutput::PutMetricData(_) => MetricsMode::PutMetricData,
            MetricsOutput::Emf(_) => MetricsMode::Emf,
            MetricsOutput::Off => MetricsMode::Off,
        }
    }
}

impl<W: Write + Send> MetricsDestination for MetricsOutput<W> {
    async fn publish(
        &self,
        datums: Vec<MetricDatum>,
        now: EpochMillis,
        deadline: Instant,
    ) -> Result<PublishOutcome, PublishError> {
        match self {
            MetricsOutput::PutMetricData(p) => p.publish(datums, now, deadline).await,
            MetricsOutput::Emf(w) => w.write(&datums, now),
            MetricsOutput::Off => Ok(PublishOutcome::default()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::RecordingMetrics;
    use aws_sdk_cloudwatch::config::interceptors::BeforeTransmitInterceptorContextRef;
    use aws_sdk_cloudwatch::config::{ConfigBag, Intercept, RuntimeComponents};
    use aws_sdk_cloudwatch::error::{BoxError, ErrorMetadata};
    use aws_sdk_cloudwatch::operation::put_metric_data::{PutMetricDataInput, PutMetricDataOutput};
    use aws_sdk_cloudwatch::types::error::InvalidParameterValueException;
    use aws_smithy_mocks::{mock, mock_client, MockResponse, Rule, RuleMode};
    use serde_json::Value;
    use shiplog::delivery::metric_requests::{MAX_DATUMS_PER_REQUEST, TIMESTAMP_MARGIN_MS};
    use shiplog::metrics::aggregate::aggregate;
    use shiplog::metrics::point::resolve;
    use shiplog::metrics::{MetricDefaults, MetricPoint, StandardUnit};
    use shiplog::parse::monitoring;
    use shiplog::rejection::RejectReason;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    const MONITORING_LINES: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/05-monitoring/monitoring-lines.jsonl"
    ));
    /// Event time given to value-first corpus lines (their oracle timestamp is "the event's").
    const EVENT_TIME: i64 = 1_707_468_164_078; // 2024-02-09T08:42:44.078Z
    const MINUTE: i64 = 60_000;

    type Seen = Arc<Mutex<Vec<PutMetricDataInput>>>;

    /// A rule accepting every PutMetricData call and keeping its typed input.
    fn accept_and_record() -> (Rule, Seen) {
        let seen: Seen = Arc::default();
        let keep = seen.clone();
        let rule = mock!(Client::put_metric_data).then_compute_output(move |input| {
            keep.lock().unwrap().push(input.clone());
            PutMetricDataOutput::builder().build()
        });
        (rule, seen)
    }

    fn throttling() -> PutMetricDataError {
        PutMetricDataError::generic(
            ErrorMetadata::builder()
                .code("Throttling")
                .message("Rate exceeded")
                .build(),
        )
    }

    fn fast_retries(policy: FailurePolicy) -> PublisherConfig {
        PublisherConfig {
            concurrency: 4,
            failure_policy: policy,
            retry: BackoffPolicy {
                base: Duration::from_millis(1),
                cap: Duration::from_millis(5),
                ..METRICS_BACKOFF
            },
        }
    }

    fn deadline_in(ms: u64) -> Instant {
        Instant::now() + Duration::from_millis(ms)
    }

    fn datum(name: &str, now: i64) -> MetricDatum {
        MetricDatum {
            namespace: "acme".to_owned(),
            name: name.to_owned(),
            unit: StandardUnit::Count,
            timestamp: EpochMillis(now - now.rem_euclid(MINUTE)),
            dimensions: vec![("FunctionName".to_owned(), "checkout".to_owned())],
            values: vec![1.0, 3.0],
            counts: vec![2.0, 1.0],
        }
    }

    fn names(input: &PutMetricDataInput) -> Vec<&str> {
        input
            .metric_data()
            .iter()
            .filter_map(|d| d.metric_name())
            .collect()
    }

    /// The MONITORING payload of a corpus message: the JSON `message`, or the text from the
    /// keyword on (the runtime prefixes are parsed by other modules).
    fn payload_of(message: &str) -> String {
        let trimmed = message.trim_start();
        if trimmed.starts_with('{') {
            let v: Value = serde_json::from_str(trimmed).unwrap();
            return v["message"].as_str().unwrap().to_owned();
        }
        let start = message.find("MONITORING").unwrap();
        message[start..].trim_end().to_owned()
    }

    /// The event time a corpus record is given, and the datum timestamp its oracle implies.
    fn times(expect: &Value) -> (i64, i64) {
        match expect["timestamp"].as_f64() {
            Some(secs) => {
                let point = (secs * 1000.0).trunc() as i64;
                (point + 1_000, point - point.rem_euclid(MINUTE))
            }
            None => (EVENT_TIME, EVENT_TIME - EVENT_TIME.rem_euclid(MINUTE)),
        }
    }

    #[tokio::test]
    async fn corpus_monitoring_lines_reach_put_metric_data_exactly_as_their_oracles_say() {
        let (rule, seen) = accept_and_record();
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule]);
        let publisher = CloudWatchPublisher::new(client, fast_retries(FailurePolicy::AtMostOnce));
        let defaults = MetricDefaults {
            namespace: "shiplog".to_owned(),
            function_dimension: true,
        };
        let mut checked = 0;
        for record in MONITORING_LINES.lines().filter(|l| !l.trim().is_empty()) {
            let record: Value = serde_json::from_str(record).unwrap();
            let id = record["id"].as_str().unwrap();
            let expected = record["expect"]["metrics"].as_array().unwrap();
            let Some(expect) = expected.first() else {
                continue; // not a metric (or rejected by the parser): nothing to publish
            };
            let (event_time, want_ts) = times(expect);
            let payload = payload_of(record["message"].as_str().unwrap());
            let parsed = monitoring::parse(&payload, EpochMillis(event_time)).unwrap();
            // No log group in these records, so no FunctionName dimension: exactly the oracle's.
            let point = resolve(parsed, &defaults, None).unwrap();
            let before = seen.lock().unwrap().len();
            let outcome = publisher
                .publish(
                    aggregate(vec![point]),
                    EpochMillis(event_time),
                    deadline_in(5_000),
                )
                .await
                .unwrap();
            assert_eq!((outcome.datums_sent, outcome.requests), (1, 1), "{id}");
            let inputs = seen.lock().unwrap();
            assert_eq!(inputs.len(), before + 1, "{id}: one request");
            let input = &inputs[before];
            let want_ns = expect["namespace"].as_str().unwrap_or("shiplog");
            assert_eq!(input.namespace(), Some(want_ns), "{id}");
            let [d] = input.metric_data() else {
                panic!("{id}: one datum expected")
            };
            assert_eq!(d.metric_name(), expect["name"].as_str(), "{id}");
            assert_eq!(d.values(), [expect["value"].as_f64().unwrap()], "{id}");
            assert_eq!(d.counts(), [1.0], "{id}");
            assert_eq!(
                d.unit().map(|u| u.as_str()),
                expect["unit"].as_str(),
                "{id}"
            );
            assert_eq!(
                d.timestamp().map(|t| t.to_millis().unwrap()),
                Some(want_ts),
                "{id}"
            );
            assert_eq!(d.storage_resolution(), None, "{id}: standard resolution");
            let mut want_dims: Vec<(String, String)> = expect["dimensions"]
                .as_object()
                .unwrap()
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
                .collect();
            want_dims.sort();
            let got_dims: Vec<(String, String)> = d
                .dimensions()
                .iter()
                .map(|x| (x.name().unwrap().to_owned(), x.value().unwrap().to_owned()))
                .collect();
            assert_eq!(got_dims, want_dims, "{id}");
            checked += 1;
        }
        assert_eq!(checked, 20, "every corpus record with an expected metric");
    }

    /// 10 000 MONITORING lines of both dialects over three minutes, as one busy function writes.
    fn ten_thousand_lines(event_time: i64) -> Vec<MetricPoint> {
        let epoch_s = event_time / 1000 - 150;
        let defaults = MetricDefaults::default();
        (0..10_000i64)
            .map(|i| {
                let line = match i % 4 {
                    0 => format!(
                        "MONITORING|{}|{}|count|orders.placed|#env:prod,region:eu-west-1",
                        epoch_s + i % 150,
                        i % 7
                    ),
                    1 => format!(
                        "MONITORING|{}.5|Milliseconds|latency|acme|service=cart,region=eu-west-1",
                        i % 300
                    ),
                    2 => format!(
                        "MONITORING | {} | {} | gauge | queue.depth",
                        epoch_s + i % 150,
                        i % 50
                    ),
                    _ => format!("MONITORING|1|Count|request_count|acme|service=s{}", i % 5),
                };
                let parsed = monitoring::parse(&line, EpochMillis(event_time)).unwrap();
                resolve(parsed, &defaults, Some("checkout")).unwrap()
            })
            .collect()
    }

    #[tokio::test]
    async fn ten_thousand_monitoring_lines_take_at_most_ten_requests() {
        let now = EVENT_TIME;
        let datums = aggregate(ten_thousand_lines(now));
        let (rule, seen) = accept_and_record();
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule]);
        let publisher = CloudWatchPublisher::new(client, fast_retries(FailurePolicy::AtMostOnce));
        let outcome = publisher
            .publish(datums.clone(), EpochMillis(now), deadline_in(5_000))
            .await
            .unwrap();
        let inputs = seen.lock().unwrap();
        // One request per 20 lines would be 500 requests; 50× fewer is 10.
        assert!(
            inputs.len() <= 10 && outcome.requests == inputs.len(),
            "{}",
            inputs.len()
        );
        assert_eq!(outcome.datums_sent, datums.len());
        let observations: f64 = inputs
            .iter()
            .flat_map(|i| i.metric_data())
            .map(|d| d.counts().iter().sum::<f64>())
            .sum();
        assert_eq!(observations, 10_000.0, "every line counted once");
        let mut namespaces: Vec<&str> = inputs.iter().filter_map(|i| i.namespace()).collect();
        namespaces.sort();
        assert_eq!(namespaces, ["acme", "shiplog"]);
    }

    #[tokio::test]
    async fn ten_thousand_distinct_metrics_take_exactly_ten_requests() {
        let datums: Vec<MetricDatum> = (0..10_000)
            .map(|i| datum(&format!("metric.{i}"), EVENT_TIME))
            .collect();
        let (rule, seen) = accept_and_record();
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule]);
        let publisher = CloudWatchPublisher::new(client, fast_retries(FailurePolicy::AtMostOnce));
        let outcome = publisher
            .publish(datums, EpochMillis(EVENT_TIME), deadline_in(5_000))
            .await
            .unwrap();
        let inputs = seen.lock().unwrap();
        assert_eq!(inputs.len(), 10);
        assert!(inputs
            .iter()
            .all(|i| i.metric_data().len() == MAX_DATUMS_PER_REQUEST));
        assert_eq!(outcome.datums_sent, 10_000);
    }

    #[tokio::test]
    async fn throttling_is_retried_within_the_deadline() {
        let rule = mock!(Client::put_metric_data)
            .sequence()
            .error(throttling)
            .times(2)
            .output(|| PutMetricDataOutput::builder().build())
            .build();
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule]);
        let publisher =
            CloudWatchPublisher::new(client, fast_retries(FailurePolicy::FailInvocation));
        let started = Instant::now();
        let outcome = publisher
            .publish(
                vec![datum("m", EVENT_TIME)],
                EpochMillis(EVENT_TIME),
                deadline_in(5_000),
            )
            .await
            .unwrap();
        assert_eq!(rule.num_calls(), 3);
        assert_eq!(
            (
                outcome.datums_sent,
                outcome.requests,
                outcome.retries,
                outcome.failed_datums
            ),
            (1, 3, 2, 0)
        );
        assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[tokio::test]
    async fn server_errors_are_retried_through_the_real_error_parsing() {
        let rule = mock!(Client::put_metric_data)
            .sequence()
            .http_status(503, None)
            .http_status(500, None)
            .output(|| PutMetricDataOutput::builder().build())
            .build();
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule]);
        let publisher = CloudWatchPublisher::new(client, fast_retries(FailurePolicy::AtMostOnce));
        let outcome = publisher
            .publish(
                vec![datum("m", EVENT_TIME)],
                EpochMillis(EVENT_TIME),
                deadline_in(5_000),
            )
            .await
            .unwrap();
        assert_eq!((outcome.datums_sent, outcome.retries), (1, 2));
    }

    /// Throttled for ever: the publisher stops at the deadline.
    async fn publish_against_endless_throttling(
        policy: FailurePolicy,
    ) -> (Result<PublishOutcome, PublishError>, Duration) {
        let rule = mock!(Client::put_metric_data).then_error(throttling);
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule]);
        let mut config = fast_retries(policy);
        config.retry.max_attempts = u32::MAX;
        let publisher = CloudWatchPublisher::new(client, config);
        let started = Instant::now();
        let datums = vec![datum("a", EVENT_TIME), datum("b", EVENT_TIME)];
        let result = publisher
            .publish(datums, EpochMillis(EVENT_TIME), deadline_in(150))
            .await;
        (result, started.elapsed())
    }

    #[tokio::test]
    async fn at_most_once_by_default_a_final_failure_is_counted_not_raised() {
        assert_eq!(
            PublisherConfig::default().failure_policy,
            FailurePolicy::AtMostOnce
        );
        let (result, elapsed) = publish_against_endless_throttling(FailurePolicy::default()).await;
        let outcome = result.unwrap();
        assert_eq!(
            (
                outcome.failed_datums,
                outcome.failed_requests,
                outcome.datums_sent
            ),
            (2, 1, 0)
        );
        assert!(outcome.retries > 2, "{}", outcome.retries);
        let last_error = outcome.last_error.unwrap();
        assert!(last_error.contains("Throttling"), "{last_error}");
        assert!(elapsed < Duration::from_millis(1_000), "{elapsed:?}");
    }

    #[tokio::test]
    async fn fail_invocation_turns_a_final_failure_into_an_error() {
        let (result, _) = publish_against_endless_throttling(FailurePolicy::FailInvocation).await;
        let err = result.unwrap_err();
        let PublishError::Undelivered(outcome) = &err;
        assert_eq!(outcome.failed_datums, 2);
        assert!(
            err.to_string()
                .contains("2 metric datum(s) in 1 request(s) not delivered"),
            "{err}"
        );
    }

    #[tokio::test]
    async fn invalid_datums_never_reach_a_request() {
        let now = EVENT_TIME;
        let mut nan = datum("nan", now);
        nan.values[0] = f64::NAN;
        let mut aws = datum("aws", now);
        aws.namespace = "AWS/Lambda".to_owned();
        let mut wide = datum("wide", now);
        wide.dimensions = (0..31)
            .map(|i| (format!("d{i:02}"), "v".to_owned()))
            .collect();
        let mut old = datum("old", now);
        old.timestamp = EpochMillis(now - 14 * 86_400_000 - MINUTE);
        let mut soon = datum("soon", now);
        soon.timestamp = EpochMillis(now + 2 * 3_600_000 - TIMESTAMP_MARGIN_MS + MINUTE);
        let mut accented = datum("accented", now);
        accented.dimensions = vec![("région".to_owned(), "eu".to_owned())];
        let mut many = datum("many", now);
        many.values = (0..151).map(f64::from).collect();
        many.counts = vec![1.0; 151];
        let datums = vec![
            datum("ok1", now),
            nan,
            aws,
            wide,
            old,
            soon,
            accented,
            many,
            datum("ok2", now),
        ];
        let (rule, seen) = accept_and_record();
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule]);
        let publisher =
            CloudWatchPublisher::new(client, fast_retries(FailurePolicy::FailInvocation));
        let outcome = publisher
            .publish(datums, EpochMillis(now), deadline_in(5_000))
            .await
            .unwrap();
        let inputs = seen.lock().unwrap();
        assert_eq!(inputs.len(), 1);
        assert_eq!(inputs[0].namespace(), Some("acme"));
        assert_eq!(names(&inputs[0]), ["ok1", "ok2"]);
        assert_eq!(outcome.datums_sent, 2);
        let d = &outcome.dropped_invalid;
        assert_eq!(d.total(), 7);
        assert_eq!(d.get(RejectReason::MetricValueNotFinite), 1);
        assert_eq!(d.get(RejectReason::MetricInvalidNamespace), 1);
        assert_eq!(d.get(RejectReason::MetricTooManyDimensions), 1);
        assert_eq!(d.get(RejectReason::MetricTimestampOutOfRange), 2);
        assert_eq!(d.get(RejectReason::MetricInvalidCharacters), 1);
        assert_eq!(d.get(RejectReason::MetricDatumMalformed), 1);
    }

    #[tokio::test]
    async fn nothing_valid_means_no_call_at_all() {
        let mut nan = datum("nan", EVENT_TIME);
        nan.values[0] = f64::NAN;
        let (rule, seen) = accept_and_record();
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule]);
        let publisher = CloudWatchPublisher::new(client, PublisherConfig::default());
        let outcome = publisher
            .publish(vec![nan], EpochMillis(EVENT_TIME), deadline_in(5_000))
            .await
            .unwrap();
        assert!(seen.lock().unwrap().is_empty());
        assert_eq!((outcome.requests, outcome.dropped_invalid.total()), (0, 1));
    }

    #[tokio::test]
    async fn a_refused_request_is_split_until_the_bad_datum_is_alone() {
        let calls = Arc::new(AtomicUsize::new(0));
        let counter = calls.clone();
        let rule = mock!(Client::put_metric_data).then_compute_response(move |input| {
            counter.fetch_add(1, Ordering::SeqCst);
            if names(input).contains(&"poison") {
                MockResponse::Error(PutMetricDataError::InvalidParameterValueException(
                    InvalidParameterValueException::builder()
                        .message("The value poison is not valid")
                        .build(),
                ))
            } else {
                MockResponse::Output(PutMetricDataOutput::builder().build())
            }
        });
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule]);
        // Under fail-invocation too: a datum refused alone would be refused on re-delivery.
        let publisher =
            CloudWatchPublisher::new(client, fast_retries(FailurePolicy::FailInvocation));
        let mut datums: Vec<MetricDatum> = (0..64)
            .map(|i| datum(&format!("m{i}"), EVENT_TIME))
            .collect();
        datums[37].name = "poison".to_owned();
        let outcome = publisher
            .publish(datums, EpochMillis(EVENT_TIME), deadline_in(5_000))
            .await
            .unwrap();
        assert_eq!(outcome.datums_sent, 63);
        assert_eq!(outcome.rejected_by_service, 1);
        assert_eq!((outcome.failed_datums, outcome.retries), (0, 0));
        // 1 + 2 per halving level (64 → 1: 6 levels).
        assert_eq!(outcome.requests, 13);
        assert_eq!(outcome.splits, 6);
        assert_eq!(calls.load(Ordering::SeqCst), 13);
        assert!(outcome.last_error.as_deref().unwrap().contains("poison"));
    }

    #[tokio::test]
    async fn authorisation_errors_are_neither_retried_nor_split() {
        let rule = mock!(Client::put_metric_data).then_error(|| {
            PutMetricDataError::generic(ErrorMetadata::builder().code("AccessDenied").build())
        });
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule]);
        let publisher = CloudWatchPublisher::new(client, fast_retries(FailurePolicy::AtMostOnce));
        let datums: Vec<MetricDatum> = (0..10)
            .map(|i| datum(&format!("m{i}"), EVENT_TIME))
            .collect();
        let outcome = publisher
            .publish(datums, EpochMillis(EVENT_TIME), deadline_in(5_000))
            .await
            .unwrap();
        assert_eq!(rule.num_calls(), 1);
        assert_eq!(
            (outcome.requests, outcome.failed_datums, outcome.splits),
            (1, 10, 0)
        );
    }

    /// Holds every request for a while before it is "sent" (blocking its worker thread: the mock
    /// rules run under one lock, so the delay must be outside them), recording the peak.
    #[derive(Debug, Clone, Default)]
    struct SlowWire {
        in_flight: Arc<AtomicUsize>,
        peak: Arc<AtomicUsize>,
    }

    impl Intercept for SlowWire {
        fn name(&self) -> &'static str {
            "SlowWire"
        }

        fn read_before_transmit(
            &self,
            _context: &BeforeTransmitInterceptorContextRef<'_>,
            _components: &RuntimeComponents,
            _cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            let n = self.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
            self.peak.fetch_max(n, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(40));
            self.in_flight.fetch_sub(1, Ordering::SeqCst);
            Ok(())
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 8)]
    async fn requests_run_concurrently_but_never_more_than_the_limit() {
        let wire = SlowWire::default();
        let slow = wire.clone();
        let (rule, _) = accept_and_record();
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule], |b| b
            .interceptor(slow.clone()));
        let publisher = CloudWatchPublisher::new(client, PublisherConfig::default());
        assert_eq!(publisher.config().concurrency, 4);
        // 12 namespaces: 12 requests.
        let datums: Vec<MetricDatum> = (0..12)
            .map(|i| {
                let mut d = datum("m", EVENT_TIME);
                d.namespace = format!("ns{i}");
                d
            })
            .collect();
        let outcome = publisher
            .publish(datums, EpochMillis(EVENT_TIME), deadline_in(10_000))
            .await
            .unwrap();
        assert_eq!((outcome.requests, outcome.datums_sent), (12, 12));
        let peak = wire.peak.load(Ordering::SeqCst);
        assert!((2..=4).contains(&peak), "peak {peak}");
    }

    /// Records the size and encoding of every request body as sent.
    #[derive(Debug, Clone, Default)]
    struct Bodies(Arc<Mutex<Vec<Body>>>);

    /// Size and `Content-Encoding` of one request body.
    type Body = (usize, Option<String>);

    impl Intercept for Bodies {
        fn name(&self) -> &'static str {
            "Bodies"
        }

        fn read_before_transmit(
            &self,
            context: &BeforeTransmitInterceptorContextRef<'_>,
            _components: &RuntimeComponents,
            _cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            let request = context.request();
            let size = request.body().bytes().map_or(0, <[u8]>::len);
            let encoding = request.headers().get("content-encoding").map(str::to_owned);
            self.0.lock().unwrap().push((size, encoding));
            Ok(())
        }
    }

    fn heavy_datums() -> Vec<MetricDatum> {
        (0..300)
            .map(|i| {
                let mut d = datum(&format!("heavy.metric.\"{i}\""), EVENT_TIME);
                d.values = (0..150)
                    .map(|v| f64::from(v) / 7.0 + f64::from(i))
                    .collect();
                d.counts = (0..150).map(|c| f64::from(c % 9 + 1)).collect();
                d.dimensions = (0..30)
                    .map(|k| (format!("dimension-{k:02}"), format!("value \\ {i} {k}")))
                    .collect();
                d
            })
            .collect()
    }

    #[tokio::test]
    async fn the_size_estimate_bounds_the_real_cbor_body() {
        let (rule, _) = accept_and_record();
        let bodies = Bodies::default();
        let recorder = bodies.clone();
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule], |b| b
            .interceptor(recorder.clone())
            .disable_request_compression(true));
        let mut config = fast_retries(FailurePolicy::AtMostOnce);
        config.concurrency = 1; // bodies in request order
        let publisher = CloudWatchPublisher::new(client, config);
        let datums = heavy_datums();
        let estimates: Vec<usize> = prepare(datums.clone(), EpochMillis(EVENT_TIME))
            .requests
            .iter()
            .map(|r| r.estimated_bytes)
            .collect();
        assert!(
            estimates.len() > 1,
            "the heavy datums need several requests"
        );
        publisher
            .publish(datums, EpochMillis(EVENT_TIME), deadline_in(5_000))
            .await
            .unwrap();
        let bodies = bodies.0.lock().unwrap();
        assert_eq!(bodies.len(), estimates.len());
        for ((size, encoding), estimate) in bodies.iter().zip(&estimates) {
            assert_eq!(*encoding, None, "compression disabled in this test");
            assert!(*size <= *estimate, "body {size} > estimate {estimate}");
            assert!(
                *size * 4 >= *estimate,
                "estimate {estimate} far above body {size}"
            );
        }
    }

    #[tokio::test]
    async fn request_compression_is_left_on() {
        let (rule, seen) = accept_and_record();
        let bodies = Bodies::default();
        let recorder = bodies.clone();
        let client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule], |b| b
            .interceptor(recorder.clone()));
        let publisher = CloudWatchPublisher::new(client, fast_retries(FailurePolicy::AtMostOnce));
        let datums: Vec<MetricDatum> = heavy_datums().into_iter().take(20).collect();
        publisher
            .publish(datums, EpochMillis(EVENT_TIME), deadline_in(5_000))
            .await
            .unwrap();
        assert_eq!(seen.lock().unwrap().len(), 1);
        let bodies = bodies.0.lock().unwrap();
        assert_eq!(bodies[0].1.as_deref(), Some("gzip"), "{:?}", bodies[0]);
    }

    #[test]
    fn every_unit_is_a_unit_the_sdk_knows() {
        let known = SdkUnit::values();
        for unit in StandardUnit::all() {
            assert!(known.contains(&unit.as_str()), "{unit:?}");
            assert_eq!(SdkUnit::from(unit.as_str()).as_str(), unit.as_str());
        }
        assert_eq!(known.len(), StandardUnit::all().len());
    }

    #[tokio::test]
    async fn emf_mode_writes_lines_and_makes_no_call() {
        let now = EVENT_TIME;
        let mut nan = datum("nan", now);
        nan.values[0] = f64::NAN;
        let output: MetricsOutput<Vec<u8>> =
            MetricsOutput::Emf(EmfWriter::new(Vec::new(), FailurePolicy::AtMostOnce));
        assert_eq!(output.mode(), MetricsMode::Emf);
        let outcome = output
            .publish(
                vec![datum("a", now), nan],
                EpochMillis(now),
                deadline_in(1_000),
            )
            .await
            .unwrap();
        assert_eq!((outcome.datums_sent, outcome.requests), (1, 0));
        assert_eq!(
            outcome
                .dropped_invalid
                .get(RejectReason::MetricValueNotFinite),
            1
        );
        let MetricsOutput::Emf(writer) = output else {
            unreachable!()
        };
        let text = String::from_utf8(writer.into_inner()).unwrap();
        let doc: Value = serde_json::from_str(text.trim_end()).unwrap();
        assert_eq!(doc["a"], serde_json::json!([1.0, 1.0, 3.0]));
        assert_eq!(doc["FunctionName"], "checkout");
    }

    /// A writer that always fails.
    struct Broken;

    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("stdout closed"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn an_emf_write_failure_follows_the_failure_policy() {
        let now = EVENT_TIME;
        let lenient = EmfWriter::new(Broken, FailurePolicy::AtMostOnce);
        let outcome = lenient.write(&[datum("a", now)], EpochMillis(now)).unwrap();
        assert_eq!((outcome.failed_datums, outcome.datums_sent), (1, 0));
        let strict = EmfWriter::new(Broken, FailurePolicy::FailInvocation);
        assert!(strict.write(&[datum("a", now)], EpochMillis(now)).is_err());
    }

    #[tokio::test]
    async fn off_mode_sends_nothing_and_the_fake_records_everything() {
        let off: MetricsOutput<Vec<u8>> = MetricsOutput::Off;
        assert_eq!(off.mode(), MetricsMode::Off);
        let outcome = off
            .publish(
                vec![datum("a", EVENT_TIME)],
                EpochMillis(EVENT_TIME),
                deadline_in(1_000),
            )
            .await
            .unwrap();
        assert_eq!(outcome, PublishOutcome::default());
        let fake = RecordingMetrics::default();
        let outcome = fake
            .publish(
                vec![datum("a", EVENT_TIME)],
                EpochMillis(EVENT_TIME),
                deadline_in(1_000),
            )
            .await
            .unwrap();
        assert_eq!(outcome.datums_sent, 1);
        assert_eq!(fake.publications()[0][0].name, "a");
    }
}
