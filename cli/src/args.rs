//! The command-line arguments of shipping for real (`replay --to-opensearch`, `redrive`), kept
//! apart from the code that ships so that a build without the `opensearch` feature (no HTTP
//! client, no AWS SDK) still knows the flags and can say how to get them working.

use clap::{Args, ValueEnum};
use shiplog::delivery::bulk::DEFAULT_MAX_CHUNK_BYTES;
use shiplog::pipeline::DEFAULT_INDEX_PREFIX;

/// `--auth` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// No authentication (local clusters).
    None,
    /// HTTP basic; credentials from the Secrets Manager secret `--secret-id`.
    Basic,
    /// SigV4, service `es` (managed domains); credentials and region from the AWS environment.
    Sigv4,
    /// SigV4, service `aoss` (OpenSearch Serverless collections).
    #[value(name = "sigv4-aoss")]
    Sigv4Aoss,
}

/// Where and how to send documents (shared by `replay --to-opensearch` and `redrive`).
#[derive(Debug, Clone, Args)]
pub struct TargetArgs {
    /// Ship to this OpenSearch URL (https://…, or http:// to a local cluster) instead of printing
    /// documents.
    #[arg(long, value_name = "URL")]
    pub to_opensearch: Option<String>,
    /// Authentication for --to-opensearch.
    #[arg(long, value_enum, default_value_t = AuthArg::None)]
    pub auth: AuthArg,
    /// Secrets Manager secret (name or ARN) holding {"username","password"} for --auth basic.
    #[arg(long, value_name = "ID")]
    pub secret_id: Option<String>,
    /// Send plain NDJSON instead of gzip'd request bodies.
    #[arg(long)]
    pub no_gzip: bool,
    /// Send no `_id` (OpenSearch Serverless time-series collections refuse custom ids; delivery is
    /// then at-least-once: a re-run duplicates documents).
    #[arg(long)]
    pub no_document_ids: bool,
    /// Uncompressed bytes per _bulk request.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_CHUNK_BYTES)]
    pub bulk_max_bytes: usize,
    /// Deadline, in seconds, for each delivery (retries stop there; leftovers are dead-lettered).
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub timeout: u64,
}

/// `--metrics-mode` values: what happens to the aggregated metrics when shipping for real.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MetricsModeArg {
    /// Print them as NDJSON `metric` lines (stdout or --out), as `replay` does.
    Ndjson,
    /// Print them as CloudWatch Embedded Metric Format lines (what ship-logs writes with
    /// METRICS_MODE=emf).
    Emf,
    /// Publish them with CloudWatch PutMetricData (credentials and region from the AWS
    /// environment), like ship-logs' default mode.
    #[value(name = "put-metric-data")]
    PutMetricData,
}

/// Options of `replay` used only with --to-opensearch.
#[derive(Debug, Clone, Args)]
pub struct ShipArgs {
    /// Target cluster.
    #[command(flatten)]
    pub target: TargetArgs,
    /// S3 bucket for documents that could not be indexed (dead letters). Without it, leftovers
    /// are reported and the exit status is 3.
    #[arg(long, value_name = "BUCKET", requires = "to_opensearch")]
    pub dead_letter_bucket: Option<String>,
    /// What to do with the metrics when shipping: print NDJSON, print EMF, or publish them.
    #[arg(long, value_enum, default_value_t = MetricsModeArg::Ndjson, requires = "to_opensearch")]
    pub metrics_mode: MetricsModeArg,
}

/// Arguments of `shiplog redrive`.
#[derive(Debug, Args)]
#[command(after_help = "\
Examples:
  shiplog redrive s3://my-dlq/shiplog/dead-letter/2024/05/05/ --to-opensearch https://search-logs-x.eu-west-1.es.amazonaws.com --auth sigv4
  shiplog redrive s3://my-dlq --to-opensearch http://127.0.0.1:9200 --delete

Exit status: 0 every dead-lettered document is in OpenSearch now, 2 usage error, 3 some documents
are still dead-lettered (their objects are kept, rewritten with the remaining documents).")]
pub struct RedriveArgs {
    /// Dead letters to re-send: s3://bucket[/prefix] (default prefix shiplog/dead-letter/).
    #[arg(value_name = "S3_URL")]
    pub source: String,
    /// Target cluster.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Index prefix (names the index template ensured before sending).
    #[arg(long, value_name = "P", default_value = DEFAULT_INDEX_PREFIX)]
    pub index_prefix: String,
    /// Delete objects whose documents are all in OpenSearch now.
    #[arg(long)]
    pub delete: bool,
}

/// `--format` values of `shiplog slice`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SliceFormat {
    /// One header per invocation, then its lines `timestamp | function | level | message`
    /// (colour on a terminal unless NO_COLOR is set).
    Text,
    /// NDJSON: an `invocation` line before the `document` lines of each invocation, a `slice`
    /// line last.
    Json,
}

/// Default bound on the requests a slice may reach (`--max-requests`).
pub const DEFAULT_SLICE_MAX_REQUESTS: usize = 200;
/// Default bound on the expansion rounds of a slice (`--max-rounds`).
pub const DEFAULT_SLICE_MAX_ROUNDS: usize = 5;
/// Default number of documents per search page of a slice (`--page-size`).
pub const DEFAULT_SLICE_PAGE_SIZE: usize = 500;

/// Arguments of `shiplog slice`.
#[derive(Debug, Args)]
#[command(after_help = "\
How the slice is found: the documents matching ID (as a request id, an X-Ray or W3C trace id in
either form, a primary or any correlation id; or, with --field, as that field's value) name
requests, trace ids and correlation ids; every document sharing one of those names more; this
repeats until nothing new turns up, at most --max-rounds times and up to --max-requests requests
(a cut slice is reported on stderr and in the `slice` JSON line). Then every document of those
requests (START, END, REPORT and plain prints included) is read, page by page, in time order.
Indices: <index-prefix>-*; spans (for the per-invocation summary): otel-v1-apm-span-<index-prefix>-*.

Examples:
  shiplog slice order-7f3a9e12-4b6c-4d8e-a1f0-3c5b7d9e2f40 --opensearch http://127.0.0.1:9200
  shiplog slice 1-691f0c5a-3e7b9d1f5a2c4e6b8d0f1a3c --opensearch https://search-logs-x.eu-west-1.es.amazonaws.com --auth sigv4
  shiplog slice o-88213 --field attributes.fields.order_id --since now-1d --format json --opensearch http://127.0.0.1:9200

Exit status: 0 documents found, 1 nothing matches ID, 2 usage or connection error (with the reason).")]
pub struct SliceArgs {
    /// A request id, an X-Ray (1-5759e988-bd862e3fe1be46a994272793) or W3C (32 hex) trace id,
    /// or a correlation id; with --field, the value of that field.
    #[arg(value_name = "ID")]
    pub id: String,
    /// Look ID up in this field instead (a user key: attributes.fields.order_id).
    #[arg(long, value_name = "F")]
    pub field: Option<String>,
    /// Only documents at or after T (RFC 3339, or OpenSearch date math such as now-1h).
    #[arg(long, value_name = "T")]
    pub since: Option<String>,
    /// Only documents at or before T (RFC 3339, or OpenSearch date math such as now).
    #[arg(long, value_name = "T")]
    pub until: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = SliceFormat::Text)]
    pub format: SliceFormat,
    /// Index prefix P: documents are read from the indices P-*.
    #[arg(long, value_name = "P", default_value = DEFAULT_INDEX_PREFIX)]
    pub index_prefix: String,
    /// The OpenSearch URL (https://…, or http:// to a local cluster).
    #[arg(long, value_name = "URL")]
    pub opensearch: String,
    /// Authentication.
    #[arg(long, value_enum, default_value_t = AuthArg::None)]
    pub auth: AuthArg,
    /// Secrets Manager secret (name or ARN) holding {"username","password"} for --auth basic.
    #[arg(long, value_name = "ID")]
    pub secret_id: Option<String>,
    /// Bound on the requests the slice may reach.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SLICE_MAX_REQUESTS)]
    pub max_requests: usize,
    /// Bound on the expansion rounds (the first round reads ID itself).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SLICE_MAX_ROUNDS)]
    pub max_rounds: usize,
    /// Documents per search request when reading an invocation's lines (one page in memory at
    /// a time).
    #[arg(long, value_name = "N", default_value_t = DEFAULT_SLICE_PAGE_SIZE)]
    pub page_size: usize,
}
