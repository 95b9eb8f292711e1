//! Everything an invocation needs, built once per container and reused by every warm
//! invocation: the configuration, the core [`Pipeline`] (its correlation cache survives between
//! invocations), the document destination (OpenSearch client with its HTTP connection pool,
//! resolved endpoint, SigV4 signer or basic-auth secret, and the S3 dead-letter store) and the
//! metrics destination (CloudWatch client, EMF writer on stdout, or nothing).

use crate::config::Config;
use shiplog::delivery::self_metrics::SelfMetrics;
use shiplog::delivery::usage_metrics::UsageMetrics;
use shiplog::pipeline::Pipeline;
use shiplog_adapters::cloudwatch::{
    CloudWatchPublisher, EmfWriter, MetricsMode, MetricsOutput, PublisherConfig,
};
use shiplog_adapters::opensearch::{OpenSearchError, OpenSearchShipper};
use shiplog_adapters::SdkConfig;
use std::io::Stdout;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// The production destinations.
pub type ProductionDeps = Deps<OpenSearchShipper, MetricsOutput<Stdout>>;

/// Start-up failures after the configuration was read (the process exits; Lambda starts a
/// fresh container for the next invocation, which tries again).
#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    /// The OpenSearch client could not be built (domain lookup, basic-auth secret, TLS).
    #[error("connecting to OpenSearch: {0}")]
    OpenSearch(#[from] OpenSearchError),
}

/// The configuration and the destinations.
#[derive(Debug)]
pub struct Deps<D, M> {
    /// Configuration.
    pub config: Config,
    /// The core pipeline, with its correlation cache (one invocation at a time holds it).
    pipeline: Mutex<Pipeline>,
    /// Where documents go.
    pub documents: D,
    /// Where metric datums go.
    pub metrics: M,
    /// An empty self-metrics recorder, cloned for each invocation (`None` only if the namespace
    /// were invalid, which the configuration already rules out).
    self_metrics: Option<SelfMetrics>,
}

impl<D, M> Deps<D, M> {
    /// Wires the given destinations (tests pass a fake OpenSearch, a recording metrics
    /// destination).
    pub fn new(config: Config, documents: D, metrics: M) -> Self {
        let namespace = &config.metrics.self_metrics_namespace;
        let self_metrics = SelfMetrics::new(namespace, config.function_name.as_deref())
            .or_else(|_| SelfMetrics::new(namespace, None))
            .ok();
        Deps {
            pipeline: Mutex::new(Pipeline::new(config.pipeline.clone())),
            documents,
            metrics,
            self_metrics,
            config,
        }
    }

    /// The pipeline, for one invocation's synchronous parse (a panic in an earlier invocation
    /// leaves at worst a partly updated correlation cache, so a poisoned lock is taken anyway).
    pub fn pipeline(&self) -> MutexGuard<'_, Pipeline> {
        self.pipeline.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A fresh self-metrics recorder for one invocation.
    pub fn self_metrics(&self) -> Option<SelfMetrics> {
        self.self_metrics.clone()
    }

    /// Usage metrics, when turned on.
    pub fn usage(&self) -> Option<&UsageMetrics> {
        self.config.metrics.usage.as_ref()
    }
}

impl ProductionDeps {
    /// Builds the production destinations from the configuration and the AWS configuration.
    pub async fn connect(config: Config, sdk: &SdkConfig) -> Result<Self, StartupError> {
        let documents = OpenSearchShipper::connect(&config.opensearch, sdk).await?;
        let metrics = metrics_output(&config, sdk);
        Ok(Deps::new(config, documents, metrics))
    }
}

/// The metrics destination chosen by `METRICS_MODE`: PutMetricData through one CloudWatch
/// client, EMF lines on stdout, or nothing.
pub fn metrics_output(config: &Config, sdk: &SdkConfig) -> MetricsOutput<Stdout> {
    let policy = config.metrics.failure_policy;
    match config.metrics.mode {
        MetricsMode::PutMetricData => MetricsOutput::PutMetricData(CloudWatchPublisher::new(
            aws_sdk_cloudwatch::Client::new(sdk),
            PublisherConfig {
                concurrency: config.metrics.concurrency,
                failure_policy: policy,
                ..PublisherConfig::default()
            },
        )),
        MetricsMode::Emf => MetricsOutput::Emf(EmfWriter::new(std::io::stdout(), policy)),
        MetricsMode::Off => MetricsOutput::Off,
    }
}
