//! Black box: the built `subscribe` binary, driven through the Lambda Runtime API emulator
//! (`shiplog_tests::runtime_api`) against a moto server, with corpus events.

// Test helpers outside `#[test]` functions: failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::panic)]

use serde_json::{json, Value};
use shiplog::delivery::self_metrics;
use shiplog_tests::moto::MotoServer;
use shiplog_tests::runtime_api::{LambdaProcess, Outcome, RuntimeApi};
use std::path::Path;
use std::time::Duration;

const INVOCATION_TIMEOUT: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(90);

fn corpus(name: &str) -> Value {
    let path = shiplog_tests::corpus_path(&format!("07-eventbridge/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

async fn filters(logs: &aws_sdk_cloudwatchlogs::Client, group: &str) -> Vec<(String, String)> {
    let output = logs
        .describe_subscription_filters()
        .log_group_name(group)
        .send()
        .await
        .unwrap();
    output
        .subscription_filters()
        .iter()
        .map(|f| {
            (
                f.filter_name().unwrap_or_default().to_owned(),
                f.destination_arn().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn outcome(api: &RuntimeApi, process: &LambdaProcess, id: &str) -> Outcome {
    api.outcome(id, WAIT).await.unwrap_or_else(|| {
        panic!(
            "no outcome for {id}\nstdout:\n{}\nstderr:\n{}",
            process.stdout(),
            process.stderr()
        )
    })
}

#[tokio::test]
async fn built_binary_subscribes_a_new_group_and_answers_cloudformation() {
    let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    let ship_logs = moto
        .create_lambda_function("log-shipper-prod-ship-logs")
        .unwrap();
    let logs = aws_sdk_cloudwatchlogs::Client::new(&moto.sdk_config().await);
    for group in [
        "/aws/lambda/order-api-prod-notify",
        "/aws/lambda/log-shipper-prod-ship-logs",
    ] {
        logs.create_log_group()
            .log_group_name(group)
            .send()
            .await
            .unwrap();
    }
    let api = RuntimeApi::start("log-shipper-prod-subscribe")
        .await
        .unwrap();
    let mut env = moto.env_vars();
    env.push(("DESTINATION_ARN".into(), ship_logs.clone()));
    let binary = Path::new(env!("CARGO_BIN_EXE_subscribe"));
    let process = LambdaProcess::spawn(binary, &api, &env).unwrap();

    let id = api.enqueue_json(
        &corpus("create-log-group-by-lambda-on-first-invoke"),
        INVOCATION_TIMEOUT,
    );
    let new_group = outcome(&api, &process, &id).await;
    assert_eq!(
        new_group.json(),
        Some(
            json!({"event": "create-log-group", "logGroup": "/aws/lambda/order-api-prod-notify", "outcome": "subscribed", "retentionSet": false})
        ),
        "{new_group:?}"
    );
    assert_eq!(
        filters(&logs, "/aws/lambda/order-api-prod-notify").await,
        vec![("shiplog".to_owned(), ship_logs.clone())]
    );

    let id = api.enqueue_json(&corpus("create-log-group-own-shipper"), INVOCATION_TIMEOUT);
    let own = outcome(&api, &process, &id).await.json().unwrap();
    assert_eq!(own["ignored"]["exclusion"], "own-log-group");
    assert_eq!(
        filters(&logs, "/aws/lambda/log-shipper-prod-ship-logs").await,
        vec![]
    );

    let create = json!({
        "RequestType": "Create",
        "ResponseURL": api.url("/cfn/create?X-Amz-Signature=x"),
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/shiplog/1",
        "RequestId": "cfn-1",
        "LogicalResourceId": "Backfill",
        "ResourceType": "Custom::ShiplogBackfill",
        "ResourceProperties": {}
    });
    let id = api.enqueue_json(&create, INVOCATION_TIMEOUT);
    let answer = outcome(&api, &process, &id).await.json().unwrap();
    assert_eq!(answer["status"], "SUCCESS", "{answer}");
    let put = api.wait_for_recorded("/cfn/create", WAIT).await.unwrap();
    let body: Value = serde_json::from_slice(&put.body).unwrap();
    assert_eq!(body["Status"], "SUCCESS");
    assert_eq!(body["PhysicalResourceId"], "shiplog-subscribe-Backfill");
    assert_eq!(body["Data"]["Scanned"], "2");
    assert_eq!(body["Data"]["Matched"], "1");
    assert_eq!(body["Data"]["Unchanged"], "1");

    let stdout = process.stdout();
    let summary = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .find(|line| line["fields"]["message"] == "reconcile summary");
    let summary = summary.unwrap_or_else(|| panic!("no JSON summary line in:\n{stdout}"));
    assert_eq!(summary["level"], "INFO");
    assert_eq!(summary["fields"]["unchanged"], 1);

    // The metric the deploy's reconcile-failed alarm watches: one EMF line per invocation that
    // reconciled (the new group, the backfill; not the ignored own group), nothing failed.
    let metric_lines: Vec<Value> = stdout
        .lines()
        .filter_map(|line| serde_json::from_str::<Value>(line).ok())
        .filter(|line| line.get("_aws").is_some())
        .collect();
    assert_eq!(metric_lines.len(), 2, "{stdout}");
    for line in &metric_lines {
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], self_metrics::DEFAULT_NAMESPACE);
        assert_eq!(directive["Dimensions"], json!([["FunctionName"]]));
        assert_eq!(line["FunctionName"], "log-shipper-prod-subscribe");
        let names: Vec<&str> = directive["Metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["Name"].as_str())
            .collect();
        assert_eq!(names, self_metrics::SUBSCRIBE_METRICS);
        assert_eq!(line[self_metrics::RECONCILE_FAILED], json!(0.0));
    }
}

#[tokio::test]
async fn built_binary_without_destination_reports_its_configuration_error() {
    let api = RuntimeApi::start("shiplog-subscribe").await.unwrap();
    let env = vec![("AWS_REGION".to_owned(), "us-east-1".to_owned())];
    let binary = Path::new(env!("CARGO_BIN_EXE_subscribe"));
    let process = LambdaProcess::spawn(binary, &api, &env).unwrap();
    let id = api.enqueue_json(
        &json!({"detail-type": "Scheduled Event"}),
        INVOCATION_TIMEOUT,
    );
    match outcome(&api, &process, &id).await {
        Outcome::Error { error_type, body } => {
            let body: Value = serde_json::from_slice(&body).unwrap();
            assert_eq!(
                body["errorType"], "Subscribe.InvalidConfiguration",
                "{error_type:?}"
            );
            assert!(body["errorMessage"]
                .as_str()
                .unwrap()
                .contains("DESTINATION_ARN: required"));
        }
        other => panic!("expected an error, got {other:?}"),
    }
}
