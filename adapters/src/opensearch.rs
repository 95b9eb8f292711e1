//! The OpenSearch `_bulk` adapter: a thin async shell over [`shiplog::delivery`]. It sends chunks,
//! lets [`classify`]/[`next_steps`] decide, and does what they say (retry with backoff, split,
//! salvage, give up) until everything is indexed or the caller's deadline or the retry budget is
//! spent. Leftovers go to the dead letter ([`ship`]); only when that fails too does the caller get
//! an error (Lambda's async retry then re-delivers, and deterministic `_id`s make that safe).
//!
//! Build one [`OpenSearchClient`] per container: its HTTP connection pool (keep-alive), resolved
//! endpoint, basic-auth secret and SigV4 credentials cache are reused across warm invocations,
//! and it ensures the index template once.

pub mod auth;
pub mod config;

pub use auth::{Auth, AuthError, SigV4Service};
pub use config::{AuthMode, ConfigError, EndpointSource, OpenSearchConfig};

use crate::dead_letter::{DeadLetterStore, DeadLetterWriteError};
use crate::SdkConfig;
use crate::{error_chain, now_millis};
use shiplog::backoff::{Backoff, BackoffPolicy, NoRetry};
use shiplog::delivery::bulk::Chunk;
use shiplog::delivery::bulk_response::{classify, classify_transport_error, next_steps};
use shiplog::delivery::dead_letter::{DeadLetterEntry, GiveUp};
use shiplog::delivery::encoding::Compression;
use shiplog::delivery::index_template::{self, Installed, TemplateError};
use shiplog::delivery::item::ItemError;
use std::future::Future;
use std::time::{Duration, Instant};

/// Default cap on one HTTP request (a hung connection is retried while the deadline allows).
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Cap on each template request; the template never holds up shipping for long.
pub const TEMPLATE_TIMEOUT: Duration = Duration::from_secs(5);
/// After a failed template check, the next invocation tries again no sooner than this.
pub const TEMPLATE_RETRY_INTERVAL: Duration = Duration::from_secs(300);
/// Idle pooled connections are dropped after this (below the usual 60 s server/LB idle timeouts).
pub const POOL_IDLE_TIMEOUT: Duration = Duration::from_secs(55);
/// TCP connect timeout.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// `Content-Type` of `_bulk` bodies.
const NDJSON: &str = "application/x-ndjson";
/// `Content-Type` of JSON bodies.
const JSON: &str = "application/json";

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

/// The index template's state in this container.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum TemplateStatus {
    /// Template management is off.
    #[default]
    NotManaged,
    /// The cluster already had this version or a newer one.
    Current {
        /// Installed version.
        version: u64,
    },
    /// We installed (or upgraded to) this version.
    Installed {
        /// Our version.
        version: u64,
    },
    /// Checking or installing failed; shipping went on regardless.
    Failed(TemplateError),
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
    /// Documents given up on (written to the dead letter by [`ship`]).
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

/// Errors building the client.
#[derive(Debug, thiserror::Error)]
pub enum OpenSearchError {
    /// The endpoint URL is unusable.
    #[error("OpenSearch endpoint {url:?}: {detail}")]
    Endpoint {
        /// The URL.
        url: String,
        /// What is wrong.
        detail: String,
    },
    /// DescribeDomain failed or gave no endpoint.
    #[error("DescribeDomain {domain}: {detail}")]
    Domain {
        /// Domain name.
        domain: String,
        /// What went wrong.
        detail: String,
    },
    /// Authentication could not be set up.
    #[error(transparent)]
    Auth(#[from] AuthError),
    /// SigV4 needs a region.
    #[error("SigV4 needs an AWS region (AWS_REGION)")]
    NoRegion,
    /// SigV4 needs a credentials provider.
    #[error("SigV4 needs AWS credentials; no credentials provider is configured")]
    NoCredentials,
    /// `basic` without a secret id.
    #[error("auth basic needs a Secrets Manager secret id")]
    NoSecret,
    /// The HTTP client could not be built (TLS setup).
    #[error("HTTP client: {0}")]
    HttpClient(String),
}

/// Errors returned by [`ship`]: documents were left over and could not be dead-lettered. The
/// caller should fail the invocation so that it is retried.
#[derive(Debug, thiserror::Error)]
pub enum ShipError {
    /// No dead-letter bucket is configured.
    #[error("{count} document(s) could not be indexed and no dead-letter bucket is configured")]
    NoDeadLetterBucket {
        /// Documents left over.
        count: usize,
        /// `_id`s of the documents left over (a Kinesis or Firehose handler maps them back to
        /// the records that must be reported as failed).
        undelivered: Vec<String>,
        /// What the delivery did.
        outcome: Box<Outcome>,
    },
    /// Writing the dead letter failed.
    #[error("{count} document(s) could not be indexed and the dead letter write failed: {source}")]
    DeadLetter {
        /// Documents left over.
        count: usize,
        /// The write error.
        source: DeadLetterWriteError,
        /// `_id`s of the documents left over.
        undelivered: Vec<String>,
        /// What the delivery did.
        outcome: Box<Outcome>,
    },
}

impl ShipError {
    /// What the delivery did before failing.
    pub fn outcome(&self) -> &Outcome {
        match self {
            ShipError::NoDeadLetterBucket { outcome, .. }
            | ShipError::DeadLetter { outcome, .. } => outcome,
        }
    }

    /// `_id`s of the documents that are neither in OpenSearch nor in a dead letter.
    pub fn undelivered(&self) -> &[String] {
        match self {
            ShipError::NoDeadLetterBucket { undelivered, .. }
            | ShipError::DeadLetter { undelivered, .. } => undelivered,
        }
    }
}

#[derive(Debug, Default)]
struct TemplateState {
    status: Option<TemplateStatus>,
    checked_at: Option<Instant>,
}

/// An HTTP answer.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

/// The OpenSearch client: build once per container.
#[derive(Debug)]
pub struct OpenSearchClient {
    http: reqwest::Client,
    endpoint: String,
    host: String,
    auth: Auth,
    options: DeliveryOptions,
    template: tokio::sync::Mutex<TemplateState>,
}

/// The `Host` header value for `url` (host, plus the port when not the scheme's default).
fn host_header(url: &reqwest::Url) -> Option<String> {
    let host = url.host_str()?;
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_owned(),
    })
}

impl OpenSearchClient {
    /// A client for `endpoint` (`https://host[:port]`, or `http://` for loopback tests).
    pub fn new(
        endpoint: &str,
        auth: Auth,
        options: DeliveryOptions,
    ) -> Result<Self, OpenSearchError> {
        let trimmed = endpoint.trim().trim_end_matches('/');
        let url = reqwest::Url::parse(trimmed).map_err(|e| OpenSearchError::Endpoint {
            url: endpoint.to_owned(),
            detail: e.to_string(),
        })?;
        let host = host_header(&url).ok_or_else(|| OpenSearchError::Endpoint {
            url: endpoint.to_owned(),
            detail: "no host".to_owned(),
        })?;
        let http = reqwest::Client::builder()
            .pool_idle_timeout(POOL_IDLE_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .tcp_keepalive(Duration::from_secs(30))
            .build()
            .map_err(|e| OpenSearchError::HttpClient(error_chain(&e)))?;
        Ok(OpenSearchClient {
            http,
            endpoint: trimmed.to_owned(),
            host,
            auth,
            options,
            template: tokio::sync::Mutex::new(TemplateState::default()),
        })
    }

    /// A client from the environment configuration: resolves `OPENSEARCH_DOMAIN` with
    /// DescribeDomain, reads the basic-auth secret, takes region and credentials from `sdk`.
    pub async fn connect(
        config: &OpenSearchConfig,
        sdk: &SdkConfig,
    ) -> Result<Self, OpenSearchError> {
        let endpoint = match &config.endpoint {
            EndpointSource::Url(u) => u.clone(),
            EndpointSource::Domain(d) => {
                resolve_domain(&aws_sdk_opensearch::Client::new(sdk), d).await?
            }
        };
        let auth = resolve_auth(config.auth, config.secret_id.as_deref(), sdk).await?;
        OpenSearchClient::new(&endpoint, auth, DeliveryOptions::from_config(config))
    }

    /// The endpoint URL in use.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The delivery options.
    pub fn options(&self) -> &DeliveryOptions {
        &self.options
    }

    /// One authenticated request. Transport failures come back as an [`ItemError`] with status 0.
    async fn request(
        &self,
        method: reqwest::Method,
        path: &str,
        content_type: Option<&str>,
        content_encoding: Option<&str>,
        body: Vec<u8>,
        timeout: Duration,
    ) -> Result<Answer, ItemError> {
        let url = format!("{}{path}", self.endpoint);
        let mut signed: Vec<(&str, &str)> = vec![("host", self.host.as_str())];
        if let Some(ct) = content_type {
            signed.push(("content-type", ct));
        }
        if let Some(ce) = content_encoding {
            signed.push(("content-encoding", ce));
        }
        let auth_headers = self
            .auth
            .headers(method.as_str(), &url, &signed, &body)
            .await
            .map_err(|e| ItemError::transport("auth_error", e.to_string()))?;
        let mut req = self.http.request(method, &url).timeout(timeout);
        for (k, v) in signed.iter().filter(|(k, _)| *k != "host") {
            req = req.header(*k, *v);
        }
        for (k, v) in &auth_headers {
            req = req.header(k.as_str(), v.as_str());
        }
        let exchange = async {
            let resp = req.body(body).send().await?;
            let status = resp.status().as_u16();
            let bytes = resp.bytes().await?;
            Ok::<_, reqwest::Error>(Answer {
                status,
                body: bytes.to_vec(),
            })
        };
        match tokio::time::timeout(timeout, exchange).await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(e)) => {
                let kind = if e.is_timeout() {
                    "timeout"
                } else if e.is_connect() {
                    "connection_error"
                } else {
                    "transport_error"
                };
                Err(ItemError::transport(kind, error_chain(&e)))
            }
            Err(_) => Err(ItemError::transport(
                "timeout",
                format!("no answer within {timeout:?}"),
            )),
        }
    }

    /// Ensures the index template once per container (again after [`TEMPLATE_RETRY_INTERVAL`]
    /// when it failed). Never blocks shipping for more than the template timeout; a failure is
    /// reported, not raised.
    pub async fn ensure_template(&self, deadline: Instant) -> TemplateStatus {
        if !self.options.manage_template {
            return TemplateStatus::NotManaged;
        }
        let mut state = self.template.lock().await;
        let retry_due = state
            .checked_at
            .is_none_or(|t| t.elapsed() >= TEMPLATE_RETRY_INTERVAL);
        match &state.status {
            Some(s @ (TemplateStatus::Current { .. } | TemplateStatus::Installed { .. })) => {
                return s.clone()
            }
            Some(s @ TemplateStatus::Failed(_)) if !retry_due => return s.clone(),
            _ => {}
        }
        let budget = deadline.saturating_duration_since(Instant::now()) / 4;
        let status = match self.install_template(budget.min(TEMPLATE_TIMEOUT)).await {
            Ok(s) => s,
            Err(e) => TemplateStatus::Failed(e),
        };
        state.status = Some(status.clone());
        state.checked_at = Some(Instant::now());
        status
    }

    async fn install_template(&self, timeout: Duration) -> Result<TemplateStatus, TemplateError> {
        let name = index_template::template_name(&self.options.index_prefix);
        let ours = index_template::template_version()?;
        let path = format!("/_index_template/{name}");
        let transport = |operation: &'static str, e: ItemError| TemplateError::Transport {
            operation,
            name: name.clone(),
            detail: format!("{}: {}", e.kind, e.reason),
        };
        let got = self
            .request(reqwest::Method::GET, &path, None, None, Vec::new(), timeout)
            .await
            .map_err(|e| transport("GET", e))?;
        let installed = index_template::read_installed(&name, got.status, &got.body)?;
        if !index_template::needs_install(installed, ours) {
            let version = match installed {
                Installed::Version(v) => v,
                Installed::Missing => ours,
            };
            return Ok(TemplateStatus::Current { version });
        }
        let body = index_template::render_template(&self.options.index_prefix)?;
        let put = self
            .request(reqwest::Method::PUT, &path, Some(JSON), None, body, timeout)
            .await
            .map_err(|e| transport("PUT", e))?;
        index_template::read_put(&name, put.status, &put.body)?;
        Ok(TemplateStatus::Installed { version: ours })
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
            dead.extend(steps.dead);
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
        "deadline_exceeded",
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

/// The [`Auth`] for `mode`: reads the basic-auth secret from Secrets Manager (once), or takes
/// region and credentials provider from `sdk` for SigV4.
pub async fn resolve_auth(
    mode: AuthMode,
    secret_id: Option<&str>,
    sdk: &SdkConfig,
) -> Result<Auth, OpenSearchError> {
    Ok(match mode {
        AuthMode::None => Auth::None,
        AuthMode::Basic => {
            let id = secret_id.ok_or(OpenSearchError::NoSecret)?;
            Auth::basic_from_secrets_manager(&aws_sdk_secretsmanager::Client::new(sdk), id).await?
        }
        AuthMode::SigV4 | AuthMode::SigV4Aoss => {
            let region = sdk.region().ok_or(OpenSearchError::NoRegion)?;
            let provider = sdk
                .credentials_provider()
                .ok_or(OpenSearchError::NoCredentials)?;
            let service = if mode == AuthMode::SigV4Aoss {
                SigV4Service::Aoss
            } else {
                SigV4Service::Es
            };
            Auth::sigv4(service, region.as_ref(), provider)
        }
    })
}

/// Resolves a managed domain's endpoint URL with DescribeDomain (VPC endpoint when present).
pub async fn resolve_domain(
    client: &aws_sdk_opensearch::Client,
    domain: &str,
) -> Result<String, OpenSearchError> {
    let out = client
        .describe_domain()
        .domain_name(domain)
        .send()
        .await
        .map_err(|e| OpenSearchError::Domain {
            domain: domain.to_owned(),
            detail: error_chain(&e),
        })?;
    let status = out.domain_status();
    config::domain_endpoint_url(
        status.and_then(|s| s.endpoint()),
        status.and_then(|s| s.endpoints()),
        status.and_then(|s| s.endpoint_v2()),
    )
    .ok_or_else(|| OpenSearchError::Domain {
        domain: domain.to_owned(),
        detail: "the domain has no endpoint yet (still being created?)".to_owned(),
    })
}

/// Delivers `chunks` and dead-letters what is left: `Ok` when every document is in OpenSearch or
/// in the dead letter; `Err` only when leftovers could not be written (fail the invocation).
pub async fn ship(
    client: &OpenSearchClient,
    dead_letters: Option<&DeadLetterStore>,
    chunks: Vec<Chunk>,
    deadline: Instant,
    request_id: &str,
) -> Result<Outcome, ShipError> {
    let Delivery { mut outcome, dead } = client.deliver(chunks, deadline).await;
    if dead.is_empty() {
        return Ok(outcome);
    }
    let count = dead.len();
    let undelivered = || dead.iter().map(|d| d.id.clone()).collect();
    let Some(store) = dead_letters else {
        return Err(ShipError::NoDeadLetterBucket {
            count,
            undelivered: undelivered(),
            outcome: Box::new(outcome),
        });
    };
    match store.write(request_id, now_millis(), &dead).await {
        Ok(key) => {
            outcome.dead_letter_key = Some(key);
            Ok(outcome)
        }
        Err(source) => Err(ShipError::DeadLetter {
            count,
            source,
            undelivered: undelivered(),
            outcome: Box::new(outcome),
        }),
    }
}

/// Where documents go: the seam the ship-logs handler is tested through (a recording fake
/// implements it in tests; [`OpenSearchShipper`] in production).
pub trait DocumentDestination {
    /// Ships `chunks` within `deadline`; leftovers are dead-lettered under `request_id`.
    fn ship(
        &self,
        chunks: Vec<Chunk>,
        deadline: Instant,
        request_id: &str,
    ) -> impl Future<Output = Result<Outcome, ShipError>> + Send;
}

/// OpenSearch plus its dead-letter store.
#[derive(Debug)]
pub struct OpenSearchShipper {
    /// The client.
    pub client: OpenSearchClient,
    /// The dead-letter store (`DEAD_LETTER_BUCKET`).
    pub dead_letters: Option<DeadLetterStore>,
}

impl OpenSearchShipper {
    /// Builds both from the environment configuration (once per container).
    pub async fn connect(
        config: &OpenSearchConfig,
        sdk: &SdkConfig,
    ) -> Result<Self, OpenSearchError> {
        let client = OpenSearchClient::connect(config, sdk).await?;
        let dead_letters = config.dead_letter_bucket.as_deref().map(|bucket| {
            DeadLetterStore::from_sdk_config(sdk, bucket).with_prefix(&config.dead_letter_prefix)
        });
        Ok(OpenSearchShipper {
            client,
            dead_letters,
        })
    }
}

impl DocumentDestination for OpenSearchShipper {
    async fn ship(
        &self,
        chunks: Vec<Chunk>,
        deadline: Instant,
        request_id: &str,
    ) -> Result<Outcome, ShipError> {
        ship(
            &self.client,
            self.dead_letters.as_ref(),
            chunks,
            deadline,
            request_id,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiplog::time::EpochMillis;

    #[test]
    fn host_header_keeps_non_default_ports() {
        let u = reqwest::Url::parse("http://127.0.0.1:9200/x").unwrap();
        assert_eq!(host_header(&u).as_deref(), Some("127.0.0.1:9200"));
        let u = reqwest::Url::parse("https://search-x.es.amazonaws.com:443").unwrap();
        assert_eq!(
            host_header(&u).as_deref(),
            Some("search-x.es.amazonaws.com")
        );
        let u = reqwest::Url::parse("http://[::1]:9200").unwrap();
        assert_eq!(host_header(&u).as_deref(), Some("[::1]:9200"));
    }

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
