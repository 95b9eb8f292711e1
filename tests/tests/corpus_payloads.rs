//! Whole payloads of the corpus through the pipeline: EXPECTED.md §6 (subscription payloads,
//! Kinesis, Firehose) and §8 (bad Lambda events), asserted on counts and content.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use serde_json::Value;
use shiplog::pipeline::{Pipeline, PipelineConfig, RecordOutcome};
use shiplog::testing::CollectingSink;
use shiplog::{RejectReason, Rejection};
use shiplog_tests::{corpus_path, oracle::get};

struct Run {
    result: Result<shiplog::InputSummary, Rejection>,
    sink: CollectingSink,
}

impl Run {
    fn docs(&self) -> Vec<&Value> {
        self.sink.documents.iter().map(|(_, _, d)| d).collect()
    }
    fn field(&self, path: &str) -> Vec<Option<&Value>> {
        self.docs().into_iter().map(|d| get(d, path)).collect()
    }
    fn kinds(&self) -> Vec<&str> {
        self.docs()
            .into_iter()
            .filter_map(|d| get(d, "event.name").and_then(Value::as_str))
            .collect()
    }
    fn doc_of_kind(&self, kind: &str) -> &Value {
        self.docs()
            .into_iter()
            .find(|d| get(d, "event.name").and_then(Value::as_str) == Some(kind))
            .unwrap_or_else(|| panic!("no {kind} document in {:?}", self.kinds()))
    }
    fn reasons(&self) -> Vec<RejectReason> {
        let mut r: Vec<_> = self.sink.rejections.iter().map(|r| r.reason).collect();
        if let Err(e) = &self.result {
            r.push(e.reason);
        }
        r
    }
}

fn run(rel: &str) -> Run {
    let bytes = std::fs::read(corpus_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
    let mut pipeline = Pipeline::new(PipelineConfig::default());
    let mut sink = CollectingSink::new("shiplog");
    let result = pipeline.process_input(&bytes, &mut sink);
    Run { result, sink }
}

fn event(name: &str) -> Run {
    run(&format!("06-subscription/lambda-event/{name}.json"))
}

fn function_names(r: &Run) -> Vec<Option<&Value>> {
    r.field("resource.faas.name")
}

#[test]
fn every_lambda_event_gives_the_same_documents_as_its_decoded_payload() {
    for dir in ["06-subscription", "04-multiline/split-across-events"] {
        let entries = std::fs::read_dir(corpus_path(&format!("{dir}/lambda-event"))).unwrap();
        for entry in entries {
            let name = entry.unwrap().file_name().into_string().unwrap();
            let a = run(&format!("{dir}/lambda-event/{name}"));
            let b = run(&format!("{dir}/decoded/{name}"));
            assert!(a.result.is_ok() && b.result.is_ok(), "{name}");
            assert_eq!(a.sink.documents, b.sink.documents, "{name}");
            assert_eq!(a.sink.metrics, b.sink.metrics, "{name}");
        }
    }
}

#[test]
fn cloudwatch_docs_example_ships_truncated_json_as_text() {
    let r = event("cwl-docs-example-cloudtrail");
    assert_eq!(r.docs().len(), 3);
    assert!(r.sink.metrics.is_empty());
    assert!(function_names(&r).iter().all(Option::is_none));
    assert!(
        r.field("attributes.fields").iter().all(Option::is_none),
        "truncated JSON must stay text"
    );
}

#[test]
fn lambda_docs_report_example_is_one_report() {
    let r = event("lambda-docs-example-report");
    assert_eq!(r.kinds(), ["report"]);
    let d = r.doc_of_kind("report");
    assert_eq!(get(d, "resource.faas.name").unwrap(), "echo-nodejs");
    assert_eq!(get(d, "resource.faas.version").unwrap(), "$LATEST");
}

#[test]
fn aws_sample_test_log_group_has_two_error_documents_without_function() {
    let r = event("aws-sample-testloggroup");
    assert_eq!(r.docs().len(), 2);
    assert!(function_names(&r).iter().all(Option::is_none));
    let levels: Vec<_> = r
        .field("severity.text")
        .into_iter()
        .map(|l| l.and_then(Value::as_str))
        .collect();
    assert_eq!(levels, [Some("ERROR"), Some("ERROR")]);
    assert_eq!(
        r.sink.documents[0].1, "eventId1",
        "non-numeric ids are kept as _id"
    );
}

#[test]
fn lumigo_node10_payload_yields_two_metrics_and_ships_the_lines() {
    let r = event("lumigo-node10-monitoring-extractedfields");
    assert_eq!(r.sink.metrics.len(), 2);
    assert_eq!(r.kinds(), ["metric", "metric"]);
    assert!(function_names(&r)
        .iter()
        .all(|n| *n == Some(&Value::from("hello-devopsdays"))));
    assert!(r
        .field("resource.faas.version")
        .iter()
        .all(|v| *v == Some(&Value::from("$LATEST"))));
    let names: Vec<_> = r.sink.metrics.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names, ["latency", "request_count"]);
    assert!(r.sink.metrics.iter().all(|m| m
        .dimensions
        .contains(&("FunctionName".into(), "hello-devopsdays".into()))));
}

#[test]
fn lumigo_python_print_payload_reads_numeric_version() {
    let r = event("lumigo-python-print-version76");
    assert_eq!(r.sink.metrics.len(), 1);
    assert_eq!(r.docs().len(), 1);
    assert_eq!(
        get(r.docs()[0], "resource.faas.name").unwrap(),
        "python-test"
    );
    assert_eq!(get(r.docs()[0], "resource.faas.version").unwrap(), "76");
}

#[test]
fn yan_2017_stream_has_four_invocations_eight_metrics() {
    let r = event("yan-2017-node610-monitoring-stream");
    assert_eq!(r.sink.metrics.len(), 8);
    assert_eq!(
        r.docs().len(),
        19,
        "11 log documents + 8 MONITORING lines shipped as documents"
    );
    assert_eq!(r.kinds().iter().filter(|k| **k == "report").count(), 4);
    assert!(function_names(&r)
        .iter()
        .all(|n| *n == Some(&Value::from("logging-metrics-demo-dev-test-api"))));
}

#[test]
fn yan_2017_extracted_fields_payload_yields_two_metrics() {
    let r = event("yan-2017-extractedfields");
    assert_eq!(r.sink.metrics.len(), 2);
    assert_eq!(
        get(r.docs()[0], "resource.faas.name").unwrap(),
        "logging-metrics-demo-dev-test-api"
    );
}

#[test]
fn datadog_timeout_payload_has_the_timeout_after_the_report() {
    let r = event("datadog-timeout");
    assert_eq!(r.kinds(), ["start", "end", "report", "timeout"]);
    let t = r.doc_of_kind("timeout");
    assert_eq!(
        get(t, "attributes.faas.invocation_id").unwrap(),
        "7c9567b5-107b-4a6c-8798-0157ac21db52"
    );
    assert_eq!(get(t, "severity.text").unwrap(), "ERROR");
    assert_eq!(
        get(t, "resource.faas.name").unwrap(),
        "storms-cloudwatch-event"
    );
}

#[test]
fn datadog_cold_start_report_carries_init_duration_and_coldstart() {
    let r = event("datadog-coldstart");
    assert_eq!(r.docs().len(), 3);
    let rep = r.doc_of_kind("report");
    assert_eq!(
        get(rep, "attributes.aws.lambda.init_duration_ms").unwrap(),
        120.96
    );
    // Every line of the request learns it was a cold start.
    assert!(r
        .field("attributes.faas.coldstart")
        .iter()
        .all(|c| *c == Some(&Value::Bool(true))));
}

#[test]
fn cloudtrail_log_group_payload_ships_four_documents_without_function() {
    let r = event("datadog-cloudtrail-loggroup");
    assert_eq!(r.docs().len(), 4);
    assert!(r.sink.metrics.is_empty());
    assert!(function_names(&r).iter().all(Option::is_none));
}

#[test]
fn kiwi_invoke_error_is_one_error_document() {
    let r = event("kiwi-node-invoke-error-2024");
    assert_eq!(r.docs().len(), 1);
    let d = r.docs()[0];
    assert_eq!(get(d, "severity.text").unwrap(), "ERROR");
    assert_eq!(get(d, "event.exception.type").unwrap(), "Error");
    assert_eq!(
        get(d, "resource.faas.name").unwrap(),
        "kiwi-blog-0009-cdk-lambda-error-catchertest-lambda-text"
    );
}

#[test]
fn control_message_produces_nothing_and_succeeds() {
    let r = event("control-message-firehose");
    assert!(r.result.is_ok());
    assert!(r.docs().is_empty() && r.sink.metrics.is_empty() && r.sink.rejections.is_empty());
    assert_eq!(r.sink.records[0].outcome, RecordOutcome::Control);
}

#[test]
fn split_stack_traces_ship_one_document_per_event() {
    // One CloudWatch event → one document (the oracle accepts the unmerged form).
    let j = run(
        "04-multiline/split-across-events/lambda-event/java-stacktrace-split-across-events.json",
    );
    assert_eq!(j.docs().len(), 7);
    assert_eq!(
        get(j.docs()[0], "attributes.faas.invocation_id").unwrap(),
        "6bc28136-a9f1-4365-b021-0ce6b2e64ab0"
    );
    assert_eq!(get(j.docs()[0], "severity.text").unwrap(), "ERROR");
    let p = run(
        "04-multiline/split-across-events/lambda-event/python-traceback-split-across-events.json",
    );
    assert_eq!(p.docs().len(), 4);
    let l = run(
        "04-multiline/split-across-events/lambda-event/log4j2-pretty-json-split-across-events.json",
    );
    // EXPECTED.md says "12 text docs", but the payload holds 11 events (one per line of the
    // pretty-printed object): one document per event.
    assert_eq!(l.docs().len(), 11);
}

#[test]
fn json_format_invocation_maps_platform_report() {
    let r = event("node-json-format-invocation");
    assert_eq!(r.docs().len(), 4);
    assert!(function_names(&r)
        .iter()
        .all(|n| *n == Some(&Value::from("power-tuning-target"))));
    assert!(r
        .field("resource.faas.version")
        .iter()
        .all(|v| *v == Some(&Value::from("8"))));
    let rep = r.doc_of_kind("report");
    for (k, v) in [
        ("duration_ms", 1.317),
        ("billed_duration_ms", 2.0),
        ("memory_size_mb", 1024.0),
        ("max_memory_used_mb", 68.0),
        ("init_duration_ms", 10.0),
    ] {
        assert_eq!(
            get(rep, &format!("attributes.aws.lambda.{k}")).and_then(Value::as_f64),
            Some(v),
            "{k}"
        );
    }
}

/// Lambda Managed Instances (issue 17 item 4): two requests of one execution environment
/// interleave in one stream. Every runtime line keeps its own `requestId`; the `print` lines
/// without one are never given a request by their position; the REPORTs say their memory is
/// the execution environment's.
#[test]
fn managed_instances_interleaved_stream_attributes_no_line_by_position() {
    let r = run("06-subscription/decoded/managed-instances-interleaved.json");
    assert!(r.result.is_ok());
    let a = Value::from("4f423807-598d-47ae-9652-4f7ee31d4d10");
    let b = Value::from("8c1e0b9a-2f3d-4e5c-9a7b-6d5e4f3a2b1c");
    let ids = r.field("attributes.faas.invocation_id");
    let want = [
        Some(&a),
        Some(&b),
        Some(&a),
        Some(&b),
        None,
        Some(&b),
        Some(&a),
        None,
        Some(&a),
        Some(&b),
        Some(&b),
    ];
    assert_eq!(ids, want);
    assert_eq!(
        r.field("body")[4].and_then(Value::as_str),
        Some("cache warmed")
    );
    let reports: Vec<&Value> = r
        .docs()
        .into_iter()
        .filter(|d| get(d, "event.name") == Some(&Value::from("report")))
        .collect();
    assert_eq!(reports.len(), 2);
    for rep in reports {
        assert_eq!(
            get(rep, "attributes.aws.lambda.memory_scope"),
            Some(&Value::from("execution_environment"))
        );
        assert_eq!(get(rep, "attributes.aws.lambda.memory_size_mb"), None);
    }
}

#[test]
fn kinesis_gzip_record_yields_lumigo_metrics() {
    let r = run("06-subscription/kinesis/lumigo-kinesis-gzip.json");
    assert_eq!(r.sink.metrics.len(), 2);
    assert!(function_names(&r)
        .iter()
        .all(|n| *n == Some(&Value::from("hello-devopsdays"))));
    assert_eq!(
        r.field("resource.cloud.region")[0].and_then(Value::as_str),
        Some("us-east-1")
    );
}

#[test]
fn kinesis_raw_record_is_one_line_stamped_with_arrival_time() {
    let r = run("06-subscription/kinesis/lumigo-kinesis-raw-not-gzip.json");
    assert_eq!(r.sink.metrics.len(), 1);
    let m = &r.sink.metrics[0];
    assert_eq!(
        (m.name.as_str(), m.value, m.timestamp.0),
        ("latency", 42.0, 1_568_069_911_564)
    );
    assert_eq!(
        get(r.docs()[0], "@timestamp").unwrap(),
        "2019-09-09T22:58:31.564Z"
    );
    assert!(get(r.docs()[0], "resource.aws.log.group.names").is_none());
}

#[test]
fn kinesis_plain_json_payload_is_read_like_a_decoded_payload() {
    let r = run("06-subscription/kinesis/functionbeat-kinesis-plain-json.json");
    let outcomes: Vec<_> = r.sink.records.iter().map(|s| s.outcome).collect();
    assert_eq!(outcomes, [RecordOutcome::Data, RecordOutcome::Data]);
    let ids: Vec<&str> = r
        .sink
        .documents
        .iter()
        .map(|(_, id, _)| id.as_str())
        .collect();
    assert_eq!(
        ids,
        [
            "34933589873972040308280302318523185960554189168873242624",
            "34933589873994341053478832941664721678826837530379223041",
            "34933589874016641798677363564806257397099485891885203458",
            "shardId-000000000000:12346",
        ]
    );
    let bodies: Vec<_> = r
        .field("body")
        .into_iter()
        .map(|b| b.and_then(Value::as_str))
        .collect();
    assert_eq!(
        bodies[..3],
        [
            Some("Test event 3"),
            Some("Test event 4"),
            Some("This message also contains an Error")
        ]
    );
    let groups = r.field("resource.aws.log.group.names");
    assert!(
        groups[..3]
            .iter()
            .all(|g| *g == Some(&Value::from("testem"))),
        "{groups:?}"
    );
    assert_eq!(
        get(r.docs()[0], "resource.cloud.account.id"),
        Some(&Value::from("079709761152"))
    );
    // The second record is a JSON log line, not a payload: one raw line, as before.
    assert!(groups[3].is_none());
    assert_eq!(
        get(r.docs()[3], "@timestamp").unwrap(),
        "2019-08-22T12:19:08.500Z"
    );
    assert!(r.reasons().is_empty(), "{:?}", r.reasons());
}

#[test]
fn kinesis_control_record_is_skipped_without_failing_the_batch() {
    let r = run("06-subscription/kinesis/kinesis-data-plus-control.json");
    let outcomes: Vec<_> = r.sink.records.iter().map(|s| s.outcome).collect();
    assert_eq!(outcomes, [RecordOutcome::Data, RecordOutcome::Control]);
    assert_eq!(r.sink.metrics.len(), 2);
    assert!(r.sink.records.iter().all(|s| s.record_id.is_some()));
}

#[test]
fn firehose_records_keep_their_ids_and_control_is_dropped() {
    let r = run("06-subscription/firehose/lumigo-firehose-transform.json");
    assert_eq!(r.sink.metrics.len(), 2);
    let r = run("06-subscription/firehose/firehose-data-plus-control.json");
    let outcomes: Vec<_> = r.sink.records.iter().map(|s| s.outcome).collect();
    assert_eq!(outcomes, [RecordOutcome::Data, RecordOutcome::Control]);
    assert!(r.sink.records.iter().all(|s| s.record_id.is_some()));
}

/// EXPECTED.md §8: every bad Lambda event has an asserted outcome.
#[test]
fn bad_lambda_events_have_their_expected_outcomes() {
    use RejectReason::*;
    let cases: &[(&str, &[RejectReason], usize)] = &[
        ("invalid-base64-rescript", &[InvalidBase64], 0),
        ("invalid-base64-chars", &[InvalidBase64], 0),
        ("truncated-gzip", &[InvalidGzip], 0),
        ("gzip-of-non-json", &[InvalidPayloadJson], 0),
        ("lambda-docs-truncated-data-verbatim", &[InvalidBase64], 0),
        ("empty-logevents", &[], 0),
        ("missing-awslogs", &[InvalidEnvelope], 0),
        ("awslogs-data-not-string", &[InvalidEnvelope], 0),
        ("unknown-message-type", &[UnknownMessageType], 0),
        ("huge-single-event-256kb", &[], 1),
        ("huge-event-json-truncated-at-limit", &[], 1),
        ("control-message-in-lambda-envelope", &[], 0),
        ("double-escaped-messages", &[], 4),
    ];
    for (name, reasons, docs) in cases {
        let r = run(&format!("08-bad-inputs/lambda-events/{name}.json"));
        assert_eq!(r.reasons(), *reasons, "{name}: rejections");
        assert_eq!(r.docs().len(), *docs, "{name}: documents");
    }
}

#[test]
fn concatenated_gzip_members_are_read_as_one_message_each() {
    let r = run("08-bad-inputs/lambda-events/concatenated-gzip-members.json");
    assert!(r.reasons().is_empty(), "{:?}", r.reasons());
    assert_eq!(r.docs().len(), 2, "both members' events ship");
}

#[test]
fn plain_json_without_gzip_is_accepted_leniently() {
    let r = run("08-bad-inputs/lambda-events/base64-plain-json-not-gzip.json");
    assert!(r.reasons().is_empty(), "{:?}", r.reasons());
    assert!(!r.docs().is_empty());
}

#[test]
fn invalid_utf8_is_decoded_lossily_and_every_event_ships() {
    let r = run("08-bad-inputs/lambda-events/invalid-utf8-in-payload.json");
    assert!(r.reasons().is_empty(), "{:?}", r.reasons());
    assert!(r.field("body").iter().any(|b| b
        .and_then(Value::as_str)
        .is_some_and(|s| s.contains('\u{FFFD}'))));
}

#[test]
fn huge_event_keeps_prefix_facts_and_ships_as_text() {
    let r = run("08-bad-inputs/lambda-events/huge-event-json-truncated-at-limit.json");
    let d = r.docs()[0];
    assert!(get(d, "attributes.faas.invocation_id").is_some());
    assert!(get(d, "severity.text").is_some());
    assert!(get(d, "attributes.fields").is_none());
}

#[test]
fn double_escaped_messages_still_find_the_timeout() {
    let r = run("08-bad-inputs/lambda-events/double-escaped-messages.json");
    assert!(r.kinds().contains(&"timeout"), "{:?}", r.kinds());
}
