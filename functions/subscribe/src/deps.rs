//! Everything an invocation needs, built once at cold start.

use crate::config::Config;
use crate::events::Publisher;
use crate::logs::LogsAdapter;
use crate::telemetry::ReconcileMetrics;
use aws_config::SdkConfig;
use aws_sdk_cloudwatchlogs::config::retry::RetryConfig;
use aws_sdk_cloudwatchlogs::config::timeout::TimeoutConfig;
use std::time::Duration;

/// Timeout of one HTTP attempt to an AWS API.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);
/// Timeout of the CloudFormation response PUT.
pub const HTTP_TIMEOUT: Duration = Duration::from_secs(15);

/// The configuration and the clients.
#[derive(Debug)]
pub struct Deps {
    /// Configuration.
    pub config: Config,
    /// CloudWatch Logs.
    pub logs: LogsAdapter,
    /// Lambda (self-invocation).
    pub lambda: aws_sdk_lambda::Client,
    /// EventBridge visibility events.
    pub events: Publisher,
    /// HTTP client for the CloudFormation response.
    pub http: reqwest::Client,
    /// The `ReconcileFailed` metric line.
    pub metrics: ReconcileMetrics,
}

impl Deps {
    /// Builds every client from one SDK configuration.
    pub fn new(sdk: &SdkConfig, config: Config) -> Result<Self, reqwest::Error> {
        let logs = LogsAdapter::new(logs_client(sdk), config.rate_per_second, config.retry);
        let events = if config.publish_events {
            Publisher::new(
                aws_sdk_eventbridge::Client::new(sdk),
                config.event_bus.clone(),
            )
        } else {
            Publisher::disabled()
        };
        Ok(Deps {
            logs,
            lambda: aws_sdk_lambda::Client::new(sdk),
            events,
            http: http_client()?,
            metrics: ReconcileMetrics::stdout(
                &config.self_metrics_namespace,
                config.function_name.as_deref(),
            ),
            config,
        })
    }
}

/// The CloudWatch Logs client: SDK retries off (ours are the only retries, see
/// [`crate::retry`]), a timeout per attempt.
pub fn logs_client(sdk: &SdkConfig) -> aws_sdk_cloudwatchlogs::Client {
    let config = aws_sdk_cloudwatchlogs::config::Builder::from(sdk)
        .retry_config(RetryConfig::disabled())
        .timeout_config(
            TimeoutConfig::builder()
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .build(),
        )
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(config)
}

/// The HTTP client for the CloudFormation response.
pub fn http_client() -> Result<reqwest::Client, reqwest::Error> {
    reqwest::Client::builder().timeout(HTTP_TIMEOUT).build()
}
