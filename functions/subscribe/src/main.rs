//! `subscribe` Lambda entry point: wiring only (configuration, clients, runtime loop).

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde_json::Value;
use shiplog_subscribe::config::Config;
use shiplog_subscribe::deps::{http_client, Deps};
use shiplog_subscribe::handler::{handle, handle_misconfigured};
use shiplog_subscribe::telemetry;

#[tokio::main]
#[allow(clippy::disallowed_methods)] // the main reads the environment, once per container
async fn main() -> Result<(), Error> {
    telemetry::init();
    let sdk = aws_config::load_from_env().await;
    match Config::from_lookup(|name| std::env::var(name).ok()) {
        Ok(config) => {
            let deps = Deps::new(&sdk, config)?;
            let deps = &deps;
            lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
                handle(deps, event)
            }))
            .await
        }
        Err(errors) => {
            let http = http_client()?;
            let (http, errors) = (&http, &errors);
            lambda_runtime::run(service_fn(move |event: LambdaEvent<Value>| {
                handle_misconfigured(http, errors, event)
            }))
            .await
        }
    }
}
