//! Metric destinations (feature `aws`): CloudWatch `PutMetricData`, EMF lines on a writer, or
//! nothing — one trait, [`MetricsDestination`], and a recording fake for handler tests.
//!
//! [`CloudWatchPublisher`] is a thin shell over the pure decisions of
//! [`crate::delivery::metric_requests`]: it validates and packs the datums against the wall clock
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

use crate::delivery::emf;
use crate::delivery::metric_requests::{
    backoff_delay, classify_failure, prepare, split_request, CallFailure, FailureAction,
    MetricRequest,
};
use crate::metrics::MetricDatum;
use crate::time::EpochMillis;
use aws_sdk_cloudwatch::config::retry::RetryConfig;
use aws_sdk_cloudwatch::config::timeout::TimeoutConfig;
use aws_sdk_cloudwatch::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_cloudwatch::operation::put_metric_data::PutMetricDataError;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{Dimension, MetricDatum as SdkDatum, StandardUnit as SdkUnit};
use aws_sdk_cloudwatch::Client;
use std::collections::hash_map::RandomState;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::hash::BuildHasher;
use std::io::Write;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;
use tokio::task::JoinSet;
use tokio::time::Instant;

pub use crate::delivery::metric_requests::PublishOutcome;
pub use crate::delivery::metrics_config::{FailurePolicy, MetricsMode};

/// Default back-off base: the first retry waits up to 50 ms.
pub const DEFAULT_BASE_DELAY: Duration = Duration::from_millis(50);
/// Default back-off ceiling: no retry waits more than 2 s.
pub const DEFAULT_MAX_DELAY: Duration = Duration::from_secs(2);
/// Default number of attempts of one request (first call included).
pub const DEFAULT_MAX_ATTEMPTS: u32 = 8;

/// Retries of one request: full-jitter exponential back-off, bounded by attempts and by the
/// caller's deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Ceiling of the first retry's random delay; doubles with every retry.
    pub base_delay: Duration,
    /// Largest ceiling.
    pub max_delay: Duration,
    /// Most calls for one request, the first included.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base_delay: DEFAULT_BASE_DELAY,
            max_delay: DEFAULT_MAX_DELAY,
            max_attempts: DEFAULT_MAX_ATTEMPTS,
        }
    }
}

/// Configuration of [`CloudWatchPublisher`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublisherConfig {
    /// Requests in flight at once (at least 1; default 4).
    pub concurrency: usize,
    /// What a final failure does.
    pub failure_policy: FailurePolicy,
    /// Retries of one request.
    pub retry: RetryPolicy,
}

impl Default for PublisherConfig {
    fn default() -> Self {
        PublisherConfig {
            concurrency: crate::delivery::metrics_config::DEFAULT_CONCURRENCY,
            failure_policy: FailurePolicy::default(),
            retry: RetryPolicy::default(),
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

/// Where metric datums go. One implementation per [`MetricsMode`], plus [`RecordingMetrics`].
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

    /// The configuration.
    pub fn config(&self) -> &PublisherConfig {
        &self.config
    }

    /// Validates, packs and sends `datums` (see the module documentation). `now` is the wall
    /// clock used for the timestamp window; `deadline` bounds every call and every back-off.
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
    retry: RetryPolicy,
    deadline: Instant,
) -> Attempted {
    let sdk_datums: Vec<SdkDatum> = request.datums.iter().map(to_sdk_datum).collect();
    let size = request.datums.len();
    let mut calls = 0;
    let mut retries = 0;
    let done = |calls, retries, result| Attempted {
        calls,
        retries,
        result,
    };
    loop {
        let started = Instant::now();
        if started >= deadline {
            let why = "deadline reached before the request could be sent".to_owned();
            return done(calls, retries, RequestResult::Failed(size, why));
        }
        calls += 1;
        let Err(error) =
            send_once(&client, &request.namespace, &sdk_datums, deadline - started).await
        else {
            return done(calls, retries, RequestResult::Sent(size));
        };
        let message = DisplayErrorContext(&error).to_string();
        match classify_failure(call_failure(&error)) {
            FailureAction::Retry => {
                let attempts = u32::try_from(calls).unwrap_or(u32::MAX);
                if attempts >= retry.max_attempts {
                    let why = format!("gave up after {attempts} attempts: {message}");
                    return done(calls, retries, RequestResult::Failed(size, why));
                }
                let delay = backoff_delay(
                    attempts - 1,
                    retry.base_delay,
                    retry.max_delay,
                    unit_random(),
                );
                if Instant::now() + delay >= deadline {
                    let why = format!("deadline reached while retrying: {message}");
                    return done(calls, retries, RequestResult::Failed(size, why));
                }
                tokio::time::sleep(delay).await;
                retries += 1;
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

/// A number in `[0, 1)` for the jitter: the standard library's randomly keyed hasher, so no
/// random-number crate is needed (the jitter needs spread, not cryptographic quality).
fn unit_random() -> f64 {
    let bits = RandomState::new().hash_one(Instant::now());
    (bits >> 11) as f64 / (1u64 << 53) as f64
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

/// A destination that keeps every datum it is given (for handler tests): each publication is
/// recorded whole and reported as fully sent.
#[derive(Debug, Default)]
pub struct RecordingMetrics {
    published: Mutex<Vec<Vec<MetricDatum>>>,
}

impl RecordingMetrics {
    /// The datums of every publication so far, in order.
    pub fn publications(&self) -> Vec<Vec<MetricDatum>> {
        self.published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl MetricsDestination for RecordingMetrics {
    fn publish(
        &self,
        datums: Vec<MetricDatum>,
        _now: EpochMillis,
        _deadline: Instant,
    ) -> impl Future<Output = Result<PublishOutcome, PublishError>> + Send {
        let outcome = PublishOutcome {
            datums_sent: datums.len(),
            ..PublishOutcome::default()
        };
        self.published
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(datums);
        async move { Ok(outcome) }
    }
}
