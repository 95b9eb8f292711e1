//! Shared fixtures of this crate's tests: a configuration for tests, and a moto world with the
//! ship-logs function and another tool's function to subscribe to.

use crate::config::{
    Config, AWS_LAMBDA_FUNCTION_NAME_ENV, DEADLINE_MARGIN_MS_ENV, DESTINATION_ARN_ENV,
    PAGE_SIZE_ENV, RATE_LIMIT_PER_SECOND_ENV, RETRY_BASE_MS_ENV,
};
use crate::deps::{http_client, logs_client, Deps};
use crate::events::Publisher;
use crate::logs::LogsAdapter;
use crate::telemetry::ReconcileMetrics;
use aws_config::SdkConfig;
use shiplog_tests::moto::MotoServer;
use std::collections::HashMap;

/// Name of the ship-logs function in tests.
pub(crate) const SHIP_LOGS: &str = "shiplog-ship-logs";
/// Name of this function in tests.
pub(crate) const SUBSCRIBE: &str = "shiplog-subscribe";
/// Another tool's forwarder function.
pub(crate) const FOREIGN: &str = "datadog-forwarder";

/// A configuration for tests: fast (no rate limit to speak of, 1 ms backoff, no deadline margin),
/// `vars` on top.
pub(crate) fn config(destination_arn: &str, vars: &[(&str, &str)]) -> Config {
    let mut map: HashMap<String, String> = [
        (DESTINATION_ARN_ENV, destination_arn),
        (AWS_LAMBDA_FUNCTION_NAME_ENV, SUBSCRIBE),
        (RATE_LIMIT_PER_SECOND_ENV, "1000"),
        (RETRY_BASE_MS_ENV, "1"),
        (DEADLINE_MARGIN_MS_ENV, "0"),
        (PAGE_SIZE_ENV, "50"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (k, v) in vars {
        map.insert((*k).to_owned(), (*v).to_owned());
    }
    Config::from_lookup(|k| map.get(k).cloned()).unwrap_or_else(|e| panic!("{e}"))
}

/// A moto server with the ship-logs function and a foreign forwarder function.
pub(crate) struct MotoWorld {
    /// The server (kept alive).
    pub moto: MotoServer,
    /// SDK configuration pointing at it.
    pub sdk: SdkConfig,
    /// A plain client for setup and assertions.
    pub client: aws_sdk_cloudwatchlogs::Client,
    /// ARN of the ship-logs function.
    pub ship_logs: String,
    /// ARN of the foreign forwarder.
    pub foreign: String,
}

impl MotoWorld {
    /// Starts moto and creates both functions.
    pub(crate) async fn new() -> Self {
        let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
        let ship_logs = moto
            .create_lambda_function(SHIP_LOGS)
            .unwrap_or_else(|e| panic!("{e}"));
        let foreign = moto
            .create_lambda_function(FOREIGN)
            .unwrap_or_else(|e| panic!("{e}"));
        let sdk = moto.sdk_config().await;
        let client = aws_sdk_cloudwatchlogs::Client::new(&sdk);
        MotoWorld {
            moto,
            sdk,
            client,
            ship_logs,
            foreign,
        }
    }

    /// Creates a log group with tags.
    pub(crate) async fn group(&self, name: &str, tags: &[(&str, &str)]) {
        let mut request = self.client.create_log_group().log_group_name(name);
        for (k, v) in tags {
            request = request.tags(*k, *v);
        }
        request.send().await.unwrap();
    }

    /// Puts a subscription filter directly.
    pub(crate) async fn filter(&self, group: &str, name: &str, destination: &str, pattern: &str) {
        self.client
            .put_subscription_filter()
            .log_group_name(group)
            .filter_name(name)
            .destination_arn(destination)
            .filter_pattern(pattern)
            .send()
            .await
            .unwrap();
    }

    /// A group's filters as `(name, destination, pattern)`, sorted.
    pub(crate) async fn filters(&self, group: &str) -> Vec<(String, String, String)> {
        let output = self
            .client
            .describe_subscription_filters()
            .log_group_name(group)
            .send()
            .await
            .unwrap();
        let mut filters: Vec<_> = output
            .subscription_filters()
            .iter()
            .map(|f| {
                (
                    f.filter_name().unwrap_or_default().to_owned(),
                    f.destination_arn().unwrap_or_default().to_owned(),
                    f.filter_pattern().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        filters.sort();
        filters
    }

    /// A group's retention.
    pub(crate) async fn retention(&self, group: &str) -> Option<i32> {
        let output = self
            .client
            .describe_log_groups()
            .log_group_name_prefix(group)
            .send()
            .await
            .unwrap();
        output
            .log_groups()
            .iter()
            .find(|g| g.log_group_name() == Some(group))
            .and_then(|g| g.retention_in_days())
    }

    /// Sets a retention directly.
    pub(crate) async fn set_retention(&self, group: &str, days: i32) {
        self.client
            .put_retention_policy()
            .log_group_name(group)
            .retention_in_days(days)
            .send()
            .await
            .unwrap();
    }

    /// `(name, destination, pattern)` of our filter to ship-logs.
    pub(crate) fn ours(&self) -> (String, String, String) {
        ("shiplog".into(), self.ship_logs.clone(), String::new())
    }

    /// `(name, destination, pattern)` of a foreign filter.
    pub(crate) fn foreign_filter(&self, name: &str) -> (String, String, String) {
        (name.into(), self.foreign.clone(), String::new())
    }

    /// The adapter under test, against moto.
    pub(crate) fn adapter(&self, config: &Config) -> LogsAdapter {
        LogsAdapter::new(logs_client(&self.sdk), config.rate_per_second, config.retry)
    }

    /// Dependencies against moto, with the given Lambda client (mocked for self-invocation).
    pub(crate) fn deps(&self, config: Config, lambda: aws_sdk_lambda::Client) -> Deps {
        Deps {
            logs: self.adapter(&config),
            lambda,
            events: Publisher::new(aws_sdk_eventbridge::Client::new(&self.sdk), "default"),
            http: http_client().unwrap(),
            metrics: ReconcileMetrics::collecting(
                &config.self_metrics_namespace,
                config.function_name.as_deref(),
            ),
            config,
        }
    }
}
