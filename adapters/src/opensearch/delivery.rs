//! The delivery loop: sends chunks, lets [`classify`] / [`next_steps`] decide, and does what they
//! say (retry with backoff, split, salvage, give up) until everything is indexed or the caller's
//! deadline or the retry budget is spent. What is given up on comes back as dead-letter entries;
//! writing them is [`super::ship()`]'s job.

use super::auth::Auth;
use super::client::{HttpClient, OpenSearchError, JSON, NDJSON};
use super::config::OpenSearchConfig;
use super::template::{TemplateKeeper, TemplateKind, TemplateStatus};
use shiplog::backoff::{Backoff, BackoffPolicy, NoRetry};
use shiplog::delivery::bulk::Chunk;
use shiplog::delivery::bulk_response::{classify, classify_transport_error, next_steps};
use shiplog::delivery::dead_letter::{DeadLetterEntry, GiveUp};
use shiplog::delivery::encoding::Compression;
use shiplog::delivery::item::{FailureReason, ItemError};
use std::time::{Duration, Instant};

/// Default cap on one HTTP request (a hung connection is retried while the deadline allows).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Delivery knobs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOptions {
    /// Index prefix (names the index template).
    pub index_prefix: String,
    /// Request body encoding.
    pub compression: Compression,
    /// Retry policy.
    pub backoff: BackoffPolicy,
    /// Fixed backoff seed (tests); `None` draws one per delivery.
    pub backoff_seed: Option<u64>,
    /// Cap on one HTTP request.
    pub request_timeout: Duration,
    /// Install/upgrade the index template.
    pub manage_template: bool,
}

impl Default for DeliveryOptions {
    fn default() -> Self {
        DeliveryOptions {
            index_prefix: shiplog::pipeline::DEFAULT_INDEX_PREFIX.to_owned(),
            compression: Compression::Gzip,
            backoff: BackoffPolicy::default(),
            backoff_seed: None,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            manage_template: true,
        }
    }
}

impl DeliveryOptions {
    /// Options from the environment configuration (defaults for the rest).
    pub fn from_config(config: &OpenSearchConfig) -> Self {
        DeliveryOptions {
            index_prefix: config.index_prefix.clone(),
            compression: config.compression,
            manage_template: config.manage_template,
            ..DeliveryOptions::default()
        }
    }
}

/// What a delivery did: for self-metrics, the invocation summary and tests.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Documents handed in.
    pub documents: usize,
    /// Documents stored by this delivery (salvaged ones included).
    pub indexed: usize,
    /// Documents that were already stored (409 on `create`: a redelivery).
    pub already_present: usize,
    /// Of `indexed`, documents stored in salvaged form.
    pub salvaged: usize,
    /// Documents given up on (written to the dead letter by [`super::ship()`]).
    pub dead_lettered: usize,
    /// Requests re-sent after a retryable failure (whole or item-level).
    pub retries: usize,
    /// Documents re-sent after a retryable failure (one per document per retry).
    pub retried_items: usize,
    /// Chunks split in half after a 413.
    pub splits: usize,
    /// `_bulk` requests made.
    pub requests: usize,
    /// Uncompressed NDJSON bytes sent.
    pub bytes_raw: u64,
    /// Bytes on the wire (compressed when gzip is on).
    pub bytes_sent: u64,
    /// Index template state.
    pub template: TemplateStatus,
    /// S3 key of the dead letter written, if any.
    pub dead_letter_key: Option<String>,
}

impl Outcome {
    /// Documents that are in OpenSearch now (indexed + already present).
    pub fn delivered(&self) -> usize {
        self.indexed + self.already_present
    }

    /// Adds another delivery's counts (the template state and key of `other` win when set).
    pub fn absorb(&mut self, other: &Outcome) {
        self.documents += other.documents;
        self.indexed += other.indexed;
        self.already_present += other.already_present;
        self.salvaged += other.salvaged;
        self.dead_lettered += other.dead_lettered;
        self.retries += other.retries;
        self.retried_items += other.retried_items;
        self.splits += other.splits;
        self.requests += other.requests;
        self.bytes_raw += other.bytes_raw;
        self.bytes_sent += other.bytes_sent;
        if other.template != TemplateStatus::NotManaged {
            self.template = other.template.clone();
        }
        if other.dead_letter_key.is_some() {
            self.dead_letter_key = other.dead_letter_key.clone();
        }
    }
}

/// A delivery's result before dead-lettering: the counts and what is left.
#[derive(Debug, Default)]
pub struct Delivery {
    /// Counts.
    pub outcome: Outcome,
    /// Documents given up on.
    pub dead: Vec<DeadLetterEntry>,
}

/// The OpenSearch client: build once per container. Its HTTP connection pool (keep-alive),
/// endpoint, basic-auth secret and SigV4 credentials cache are reused across warm invocations,
/// and it ensures the index template once.
#[derive(Debug)]
pub struct OpenSearchClient {
    http: HttpClient,
    options: DeliveryOptions,
    template: TemplateKeeper,
    span_template: TemplateKeeper,
}

impl OpenSearchClient {
    /// A client for `endpoint` (`https://host[:port]`, or `http://` for loopback tests).
    pub fn new(
        endpoint: &str,
        auth: Auth,
        options: DeliveryOptions,
    ) -> Result<Self, OpenSearchError> {
        Ok(OpenSearchClient {
            http: HttpClient::new(endpoint, auth)?,
            template: TemplateKeeper::new(
                &options.index_prefix,
                TemplateKind::Logs,
                options.manage_template,
            ),
            span_template: TemplateKeeper::new(
                &options.index_prefix,
                TemplateKind::Spans,
                options.manage_template,
            ),
            options,
        })
    }

    /// The endpoint URL in use.
    pub fn endpoint(&self) -> &str {
        self.http.endpoint()
    }

    /// The delivery options.
    pub fn options(&self) -> &DeliveryOptions {
        &self.options
    }

    /// One authenticated JSON request for callers other than delivery (`shiplog slice`'s
    /// searches): `method` (`GET`, `POST`, `DELETE`, …) to `path` (with its query string), `body`
    /// sent as `application/json` when given. Answers with the HTTP status and body, whatever
    /// the status; a transport failure is an [`ItemError`] with status 0.
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        body: Option<Vec<u8>>,
    ) -> Result<(u16, Vec<u8>), ItemError> {
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|e| ItemError::transport(FailureReason::InvalidRequest, e.to_string()))?;
        let content_type = body.as_ref().map(|_| JSON);
        let answer = self
            .http
            .request(
                method,
                path,
                content_type,
                None,
                body.unwrap_or_default(),
                self.options.request_timeout,
            )
            .await?;
        Ok((answer.status, answer.body))
    }

    /// Ensures the logs and the span index templates once per container (again after
    /// [`super::TEMPLATE_RETRY_INTERVAL`] when one failed). Never blocks shipping for more than
    /// the template timeouts; a failure is reported, not raised. The status is the logs
    /// template's, unless only the span template failed.
    pub async fn ensure_template(&self, deadline: Instant) -> TemplateStatus {
        let logs = self.template.ensure(&self.http, deadline).await;
        let spans = self.span_template.ensure(&self.http, deadline).await;
        match (&logs, spans) {
            (TemplateStatus::Failed(_), _) => logs,
            (_, failed @ TemplateStatus::Failed(_)) => failed,
            _ => logs,
        }
    }

    /// Sends `chunks` until every document is indexed, already present or given up on (retry
    /// budget spent, refused for good, or no time left before `deadline`). Returns at the latest
    /// around `deadline`.
    pub async fn deliver(&self, chunks: Vec<Chunk>, deadline: Instant) -> Delivery {
        let mut outcome = Outcome {
            documents: chunks.iter().map(Chunk::len).sum(),
            ..Outcome::default()
        };
        if outcome.documents == 0 {
            return Delivery {
                outcome,
                dead: Vec::new(),
            };
        }
        outcome.template = self.ensure_template(deadline).await;
        let mut backoff = match self.options.backoff_seed {
            Some(seed) => Backoff::with_seed(self.options.backoff, seed),
            None => Backoff::from_entropy(self.options.backoff),
        };
        let start = Instant::now();
        let mut queue: Vec<(Instant, Chunk)> = chunks
            .into_iter()
            .filter(|c| !c.is_empty())
            .map(|c| (start, c))
            .collect();
        let mut dead = Vec::new();
        while let Some((ready_at, chunk)) = take_earliest(&mut queue) {
            if ready_at > Instant::now() {
                tokio::time::sleep_until(tokio::time::Instant::from_std(ready_at.min(deadline)))
                    .await;
            }
            let remaining = deadline.saturating_duration_since(Instant::now());
            if remaining < self.options.backoff.min_attempt_time {
                dead.extend(DeadLetterEntry::all_with(
                    &chunk,
                    GiveUp::Deadline,
                    &deadline_error(),
                ));
                continue;
            }
            let body = chunk.wire_body(self.options.compression).into_owned();
            outcome.requests += 1;
            outcome.bytes_raw += chunk.byte_len() as u64;
            outcome.bytes_sent += body.len() as u64;
            let timeout = remaining.min(self.options.request_timeout);
            let verdict = match self
                .http
                .request(
                    reqwest::Method::POST,
                    "/_bulk",
                    Some(NDJSON),
                    self.options.compression.content_encoding(),
                    body,
                    timeout,
                )
                .await
            {
                Ok(answer) => classify(answer.status, &answer.body, &chunk),
                Err(e) => classify_transport_error(e),
            };
            let steps = next_steps(chunk, verdict);
            outcome.indexed += steps.indexed;
            outcome.salvaged += steps.indexed_salvaged;
            outcome.already_present += steps.already_present;
            if steps.split {
                outcome.splits += 1;
            }
            dead.extend(DeadLetterEntry::all_from(&steps.refused));
            let now = Instant::now();
            queue.extend(steps.resend_now.into_iter().map(|c| (now, c)));
            if let Some(retry) = steps.retry {
                let attempts = retry.items().iter().map(|i| i.attempts).max().unwrap_or(1);
                match backoff.delay(attempts, deadline.saturating_duration_since(now)) {
                    Ok(delay) => {
                        outcome.retries += 1;
                        outcome.retried_items += retry.len();
                        queue.push((now + delay, retry));
                    }
                    Err(why) => {
                        let give_up = match why {
                            NoRetry::Budget => GiveUp::RetryBudget,
                            NoRetry::Deadline => GiveUp::Deadline,
                        };
                        dead.extend(DeadLetterEntry::all_with(
                            &retry,
                            give_up,
                            &deadline_error(),
                        ));
                    }
                }
            }
        }
        outcome.dead_lettered = dead.len();
        Delivery { outcome, dead }
    }
}

fn deadline_error() -> ItemError {
    ItemError::transport(
        FailureReason::DeadlineExceeded,
        "no time left before the deadline to send",
    )
}

/// Removes and returns the queued chunk that is ready first (first queued on ties).
fn take_earliest(queue: &mut Vec<(Instant, Chunk)>) -> Option<(Instant, Chunk)> {
    let (i, _) = queue
        .iter()
        .enumerate()
        .min_by_key(|(i, (t, _))| (*t, *i))?;
    Some(queue.remove(i))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiplog::time::EpochMillis;

    #[test]
    fn queue_takes_the_earliest_ready_chunk_first_in_order() {
        let t = Instant::now();
        let mut c1 = Chunk::new();
        c1.push_source("i", "1", EpochMillis(0), b"{}");
        let mut c2 = Chunk::new();
        c2.push_source("i", "2", EpochMillis(0), b"{}");
        let mut c3 = Chunk::new();
        c3.push_source("i", "3", EpochMillis(0), b"{}");
        let mut q = vec![(t + Duration::from_millis(5), c1), (t, c2), (t, c3)];
        let order: Vec<String> = std::iter::from_fn(|| take_earliest(&mut q))
            .map(|(_, c)| c.items()[0].id.to_string())
            .collect();
        assert_eq!(order, ["2", "3", "1"]);
    }

    #[test]
    fn outcomes_add_up() {
        let mut a = Outcome {
            indexed: 2,
            requests: 1,
            ..Outcome::default()
        };
        let b = Outcome {
            indexed: 1,
            already_present: 4,
            dead_letter_key: Some("k".into()),
            template: TemplateStatus::Current { version: 1 },
            ..Outcome::default()
        };
        a.absorb(&b);
        assert_eq!(
            (a.indexed, a.already_present, a.requests, a.delivered()),
            (3, 4, 1, 7)
        );
        assert_eq!(a.dead_letter_key.as_deref(), Some("k"));
        assert_eq!(a.template, TemplateStatus::Current { version: 1 });
    }

    #[test]
    fn client_rejects_an_endpoint_without_host() {
        assert!(matches!(
            OpenSearchClient::new("not a url", Auth::None, DeliveryOptions::default()),
            Err(OpenSearchError::Endpoint { .. })
        ));
    }
}
