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
