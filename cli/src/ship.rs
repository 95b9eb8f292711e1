//! `shiplog replay --to-opensearch URL`: the same inputs as `replay`, shipped for real through the
//! same delivery code as the ship-logs Lambda (bulk chunks, retries, salvage, dead letters).
//! Documents go to OpenSearch; aggregated metric lines still go to stdout (or `--out`) as NDJSON;
//! a per-input summary and the delivery outcome go to stderr.

use crate::args::{AuthArg, MetricsModeArg, ShipArgs, TargetArgs};
use crate::ndjson::write_metric_lines;
use crate::{EXIT_OK, EXIT_UNDECODABLE, EXIT_UNDELIVERED, EXIT_USAGE};
use shiplog::delivery::bulk::{BulkBodyBuilder, Chunk, ChunkLimits};
use shiplog::delivery::emf;
use shiplog::delivery::encoding::Compression;
use shiplog::delivery::shipping::{Shipment, ShippingSink};
use shiplog::metrics::{aggregate, MetricDatum};
use shiplog::pipeline::{Pipeline, PipelineConfig};
use shiplog_adapters::cloudwatch::{
    CloudWatchPublisher, FailurePolicy, PublishError, PublisherConfig,
};
use shiplog_adapters::dead_letter::DeadLetterStore;
use shiplog_adapters::opensearch::config::check_endpoint_url;
use shiplog_adapters::opensearch::{
    resolve_auth, ship, Auth, AuthMode, DeliveryOptions, OpenSearchClient, Outcome, ShipError,
    TemplateStatus,
};
use shiplog_adapters::{load_sdk_config, now_millis, SdkConfig};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

impl From<AuthArg> for AuthMode {
    fn from(a: AuthArg) -> Self {
        match a {
            AuthArg::None => AuthMode::None,
            AuthArg::Basic => AuthMode::Basic,
            AuthArg::Sigv4 => AuthMode::SigV4,
            AuthArg::Sigv4Aoss => AuthMode::SigV4Aoss,
        }
    }
}

impl TargetArgs {
    /// Delivery options for `index_prefix`.
    pub fn options(&self, index_prefix: &str) -> DeliveryOptions {
        DeliveryOptions {
            index_prefix: index_prefix.to_owned(),
            compression: if self.no_gzip {
                Compression::None
            } else {
                Compression::Gzip
            },
            ..DeliveryOptions::default()
        }
    }

    /// Bulk chunk bounds.
    pub fn limits(&self) -> ChunkLimits {
        ChunkLimits {
            max_bytes: self.bulk_max_bytes.max(1),
            ..ChunkLimits::default()
        }
    }

    /// Per-delivery deadline from now.
    #[allow(clippy::disallowed_methods)] // the CLI shell reads the clock for each delivery
    pub fn deadline(&self) -> Instant {
        Instant::now() + Duration::from_secs(self.timeout.max(1))
    }
}

/// The client for `target`; loads the AWS configuration only when the auth mode needs it
/// (`none` never touches AWS). Errors are usage errors, as text.
pub async fn connect(
    target: &TargetArgs,
    index_prefix: &str,
    sdk: Option<&SdkConfig>,
) -> Result<OpenSearchClient, String> {
    let url = target
        .to_opensearch
        .as_deref()
        .ok_or_else(|| "--to-opensearch URL is required".to_owned())?;
    let mode = AuthMode::from(target.auth);
    let url = check_endpoint_url(url, mode)?;
    if mode == AuthMode::Basic && target.secret_id.is_none() {
        return Err("--auth basic needs --secret-id (a Secrets Manager secret with {\"username\",\"password\"})".to_owned());
    }
    let auth = match (mode, sdk) {
        (AuthMode::None, _) => Auth::None,
        (_, Some(sdk)) => resolve_auth(mode, target.secret_id.as_deref(), sdk)
            .await
            .map_err(|e| e.to_string())?,
        (_, None) => resolve_auth(mode, target.secret_id.as_deref(), &load_sdk_config().await)
            .await
            .map_err(|e| e.to_string())?,
    };
    OpenSearchClient::new(&url, auth, target.options(index_prefix)).map_err(|e| e.to_string())
}

/// One input's counts.
#[derive(Debug, Default)]
struct InputLine {
    display: String,
    events: usize,
    documents: usize,
    rejections: usize,
    note: Option<String>,
}

/// Runs `replay --to-opensearch`; returns the exit status.
pub fn run(paths: &[PathBuf], config: PipelineConfig, ship: &ShipArgs, out: Option<&Path>) -> u8 {
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("shiplog replay: cannot start the async runtime: {e}");
            return EXIT_USAGE;
        }
    };
    runtime.block_on(run_async(paths, config, ship, out))
}

async fn run_async(
    paths: &[PathBuf],
    config: PipelineConfig,
    ship: &ShipArgs,
    out: Option<&Path>,
) -> u8 {
    let needs_aws = ship.dead_letter_bucket.is_some()
        || ship.target.auth != AuthArg::None
        || ship.metrics_mode == MetricsModeArg::PutMetricData;
    let sdk = if needs_aws {
        Some(load_sdk_config().await)
    } else {
        None
    };
    let client = match connect(&ship.target, &config.index_prefix, sdk.as_ref()).await {
        Ok(c) => c,
        Err(e) => {
            eprintln!("shiplog replay: {e}");
            return EXIT_USAGE;
        }
    };
    let mut pipeline = Pipeline::new(config.clone());
    let mut sink = ShippingSink::new(
        BulkBodyBuilder::new(&config.index_prefix, ship.target.limits())
            .with_document_ids(!ship.target.no_document_ids)
            .with_compression(client.options().compression),
    );
    let dead_letters = ship
        .dead_letter_bucket
        .as_deref()
        .zip(sdk.as_ref())
        .map(|(bucket, sdk)| DeadLetterStore::from_sdk_config(sdk, bucket));
    let mut shipper = Shipper {
        client: &client,
        dead_letters: dead_letters.as_ref(),
        target: &ship.target,
        run_id: format!("replay-{}-{}", now_millis().0, std::process::id()),
        shipments: 0,
        total: Outcome::default(),
        leftovers: Leftovers::default(),
    };
    let mut lines = Vec::new();
    let mut undecodable = 0;
    for path in paths {
        let mut line = InputLine {
            display: path.display().to_string(),
            ..InputLine::default()
        };
        let before = (sink.documents(), sink.rejections());
        match std::fs::read(path) {
            Err(e) => {
                line.note = Some(format!("unreadable: {e}"));
                undecodable += 1;
            }
            Ok(bytes) => match pipeline.process_input(&bytes, &mut sink) {
                Ok(summary) => {
                    line.events = summary.events;
                    if summary.records > 0 && summary.failed_records == summary.records {
                        line.note = Some("no record could be decoded".to_owned());
                        undecodable += 1;
                    }
                }
                Err(r) => {
                    line.note = Some(format!("{}: {}", r.reason, r.detail));
                    sink.reject_input(r);
                    undecodable += 1;
                }
            },
        }
        line.documents = sink.documents() - before.0;
        line.rejections = sink.rejections() - before.1;
        lines.push(line);
        shipper.ship(sink.take_full_chunks()).await;
    }
    let Shipment {
        chunks: rest,
        points: metrics,
        stats,
        ..
    } = sink.finish();
    shipper.ship(rest).await;
    let points = metrics.len();
    let datums = aggregate(metrics);
    let datum_count = datums.len();
    let mut metrics_failed = false;
    let mut metric_lines = Vec::new();
    match ship.metrics_mode {
        MetricsModeArg::Ndjson => write_metric_lines(&mut metric_lines, &datums),
        MetricsModeArg::Emf => {
            let rendering = emf::render(&datums, now_millis());
            for line in &rendering.lines {
                metric_lines.extend_from_slice(line.as_bytes());
                metric_lines.push(b'\n');
            }
        }
        MetricsModeArg::PutMetricData => {
            if let Some(sdk) = sdk.as_ref() {
                metrics_failed = !publish_metrics(sdk, datums, &ship.target).await;
            }
        }
    }
    if let Err(e) = write_output(out, &metric_lines) {
        eprintln!("shiplog replay: writing the output failed: {e}");
        return EXIT_USAGE;
    }
    print_inputs(&lines);
    // By the reason's code, alphabetically.
    let by_code: std::collections::BTreeMap<&str, usize> = stats
        .rejections_by_reason
        .iter()
        .map(|(reason, n)| (reason.as_str(), *n))
        .collect();
    for (reason, n) in by_code {
        eprintln!("  rejected {reason:<32} {n:>6}");
    }
    let destination = match ship.metrics_mode {
        MetricsModeArg::Ndjson => "NDJSON on stdout",
        MetricsModeArg::Emf => "EMF on stdout",
        MetricsModeArg::PutMetricData => "PutMetricData",
    };
    eprintln!("metrics: {points} points → {datum_count} datums ({destination})");
    let leftover = shipper.leftovers.report();
    print_outcome(&shipper.total);
    if undecodable > 0 {
        EXIT_UNDECODABLE
    } else if leftover || metrics_failed {
        EXIT_UNDELIVERED
    } else {
        EXIT_OK
    }
}

/// Publishes `datums` with PutMetricData within the delivery deadline; `false` when some could not
/// be delivered (the outcome is printed either way).
async fn publish_metrics(sdk: &SdkConfig, datums: Vec<MetricDatum>, target: &TargetArgs) -> bool {
    let publisher = CloudWatchPublisher::from_sdk_config(
        sdk,
        PublisherConfig {
            failure_policy: FailurePolicy::FailInvocation,
            ..PublisherConfig::default()
        },
    );
    let deadline = tokio::time::Instant::from_std(target.deadline());
    let (outcome, ok) = match publisher.publish(datums, now_millis(), deadline).await {
        Ok(o) => (o, true),
        Err(PublishError::Undelivered(o)) => (*o, false),
    };
    eprintln!(
        "cloudwatch: {} datums sent in {} requests ({} retries), {} dropped as invalid, {} refused, {} failed{}",
        outcome.datums_sent,
        outcome.requests,
        outcome.retries,
        outcome.dropped_invalid.total(),
        outcome.rejected_by_service,
        outcome.failed_datums,
        outcome.last_error.as_deref().map(|e| format!(" (last error: {e})")).unwrap_or_default()
    );
    ok
}

fn write_output(out: Option<&Path>, bytes: &[u8]) -> std::io::Result<()> {
    match out {
        Some(path) => std::fs::write(path, bytes),
        None => {
            let mut stdout = std::io::stdout().lock();
            stdout.write_all(bytes)?;
            stdout.flush()
        }
    }
}

/// Ships the chunks of one run as they fill, each shipment through [`ship`] (delivery, then
/// the dead letter, keyed `replay-<ms>-<pid>-<n>`), adding up what they did.
struct Shipper<'a> {
    client: &'a OpenSearchClient,
    dead_letters: Option<&'a DeadLetterStore>,
    target: &'a TargetArgs,
    run_id: String,
    shipments: usize,
    total: Outcome,
    leftovers: Leftovers,
}

impl Shipper<'_> {
    /// Ships `chunks` (nothing to do without any) within one delivery deadline.
    async fn ship(&mut self, chunks: Vec<Chunk>) {
        if chunks.is_empty() {
            return;
        }
        self.shipments += 1;
        let request_id = format!("{}-{}", self.run_id, self.shipments);
        let deadline = self.target.deadline();
        match ship(
            self.client,
            self.dead_letters,
            chunks,
            deadline,
            &request_id,
        )
        .await
        {
            Ok(outcome) => {
                if let (Some(key), Some(store)) = (&outcome.dead_letter_key, self.dead_letters) {
                    eprintln!(
                        "dead letter: {} document(s) written to s3://{}/{key}",
                        outcome.dead_lettered,
                        store.bucket()
                    );
                }
                self.total.absorb(&outcome);
            }
            Err(e) => {
                self.total.absorb(e.outcome());
                self.leftovers.add(&e);
            }
        }
    }
}

/// Documents neither in OpenSearch nor in a dead letter, over a run.
#[derive(Debug, Default)]
struct Leftovers {
    count: usize,
    /// The first shipment's error, with the last error of its first document.
    first: Option<String>,
    /// Whether the dead letter was attempted (a bucket was given) and failed.
    write_failed: bool,
}

impl Leftovers {
    fn add(&mut self, e: &ShipError) {
        self.count += e.undelivered().len();
        self.write_failed |= matches!(e, ShipError::DeadLetter { .. });
        if self.first.is_none() {
            self.first = Some(match (e, e.first_error()) {
                (ShipError::DeadLetter { source, .. }, _) => source.to_string(),
                (_, Some(err)) => format!("{} {}: {}", err.status, err.kind, err.reason),
                (_, None) => String::new(),
            });
        }
    }

    /// Prints what is left over; `true` when some documents are neither in OpenSearch nor in a
    /// dead letter.
    fn report(&self) -> bool {
        if self.count == 0 {
            return false;
        }
        let first = self.first.as_deref().unwrap_or_default();
        if self.write_failed {
            eprintln!("shiplog replay: {} document(s) could not be indexed, and the dead letter failed: {first}", self.count);
        } else {
            eprintln!("shiplog replay: {} document(s) could not be indexed and no --dead-letter-bucket was given; first error: {first}", self.count);
        }
        true
    }
}

fn print_inputs(lines: &[InputLine]) {
    let width = lines
        .iter()
        .map(|l| l.display.len())
        .max()
        .unwrap_or(5)
        .clamp(5, 60);
    eprintln!(
        "{:<width$}  {:>7} {:>7} {:>8}  status",
        "input", "events", "docs", "rejected"
    );
    for l in lines {
        let status = l
            .note
            .as_deref()
            .map_or("ok".to_owned(), |n| format!("({n})"));
        eprintln!(
            "{:<width$}  {:>7} {:>7} {:>8}  {status}",
            l.display, l.events, l.documents, l.rejections
        );
    }
}

/// The delivery outcome line(s) on stderr.
pub fn print_outcome(o: &Outcome) {
    eprintln!(
        "opensearch: {} documents: {} indexed ({} salvaged), {} already present, {} dead-lettered; {} requests, {} retries ({} items), {} splits, {} bytes raw → {} sent",
        o.documents, o.indexed, o.salvaged, o.already_present, o.dead_lettered, o.requests, o.retries, o.retried_items, o.splits, o.bytes_raw, o.bytes_sent
    );
    match &o.template {
        TemplateStatus::Failed(e) => {
            eprintln!("index template: FAILED ({e}); documents were shipped regardless")
        }
        TemplateStatus::Installed { version } => {
            eprintln!("index template: installed version {version}")
        }
        TemplateStatus::Current { version } => {
            eprintln!("index template: current (version {version})")
        }
        TemplateStatus::NotManaged => {}
    }
}
