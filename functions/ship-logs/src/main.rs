//! `ship-logs` Lambda entry point: wiring only (configuration, destinations, runtime loop).

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::de::IgnoredAny;
use serde_json::value::RawValue;
use shiplog_adapters::load_sdk_config;
use shiplog_ship_logs::config::Config;
use shiplog_ship_logs::deps::ProductionDeps;
use shiplog_ship_logs::handler::{handle, handle_misconfigured};
use shiplog_ship_logs::telemetry::{self, MISCONFIGURED_MESSAGE, STARTUP_FAILED_MESSAGE};

#[tokio::main]
#[allow(clippy::disallowed_methods)] // the main reads the environment, once per container
async fn main() -> Result<(), Error> {
    telemetry::init();
    match Config::from_lookup(|name| std::env::var(name).ok()) {
        Ok(config) => {
            let sdk = load_sdk_config().await;
            let deps = ProductionDeps::connect(config, &sdk)
                .await
                .inspect_err(|e| tracing::error!(error = %e, "{STARTUP_FAILED_MESSAGE}"))?;
            let deps = &deps;
            lambda_runtime::run(service_fn(move |event: LambdaEvent<Box<RawValue>>| {
                handle(deps, event)
            }))
            .await
        }
        Err(errors) => {
            tracing::error!(error = %errors, "{MISCONFIGURED_MESSAGE}");
            let errors = &errors;
            lambda_runtime::run(service_fn(move |event: LambdaEvent<IgnoredAny>| {
                handle_misconfigured(errors, event)
            }))
            .await
        }
    }
}
