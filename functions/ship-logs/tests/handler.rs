//! Handler-level tests: `LambdaEvent`s of every source and every corpus payload through the
//! real handler, documents into the in-repo fake OpenSearch (asserted by (index, `_id`) against
//! what the core produces for the same input), metrics into a recording destination.

// Test helpers outside `#[test]` functions: failing loudly is their job.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// Tests take real instants for their deadlines.
#![allow(clippy::disallowed_methods)]

use lambda_runtime::{Context, Diagnostic, LambdaEvent};
use serde_json::value::RawValue;
use serde_json::{json, Value};
use shiplog::backoff::BackoffPolicy;
use shiplog::metrics::{aggregate, MetricDatum};
use shiplog::pipeline::{Pipeline, PipelineConfig};
use shiplog::testing::CollectingSink;
use shiplog_adapters::cloudwatch::{EmfWriter, FailurePolicy, MetricsDestination, PublishError};
use shiplog_adapters::opensearch::{Auth, DeliveryOptions, OpenSearchClient, OpenSearchShipper};
use shiplog_adapters::testing::RecordingMetrics;
use shiplog_ship_logs::config::{Config, ConfigErrors};
use shiplog_ship_logs::deps::Deps;
use shiplog_ship_logs::handler::{
    handle_misconfigured, process, Handled, HandlerError, ERROR_INVALID_CONFIGURATION,
    ERROR_METRICS_UNDELIVERED, ERROR_UNDELIVERED,
};
use shiplog_tests::fake_opensearch::{FakeAuth, FakeOpenSearch, Faults, StoredDoc};
use shiplog_tests::{cloudwatch_logs_event, corpus_path, gzip_b64};
use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Time each test invocation gets.
const INVOCATION_BUDGET: Duration = Duration::from_secs(20);
/// The field REPORT documents carry: refusing it makes them undeliverable (salvage keeps it).
const REPORT_FIELD: &str = "attributes.aws.lambda.duration_ms";

type Key = (String, String);

struct Harness<M = RecordingMetrics> {
    fake: FakeOpenSearch,
    deps: Deps<OpenSearchShipper, M>,
    next: AtomicU64,
}

fn env_config(url: &str, extra: &[(&str, &str)]) -> Result<Config, ConfigErrors> {
    let mut env: HashMap<String, String> = HashMap::from([
        ("OPENSEARCH_ENDPOINT".to_owned(), url.to_owned()),
        ("OPENSEARCH_AUTH".to_owned(), "none".to_owned()),
        (
            "AWS_LAMBDA_FUNCTION_NAME".to_owned(),
            "shiplog-ship-logs".to_owned(),
        ),
        (
            "AWS_LAMBDA_LOG_GROUP_NAME".to_owned(),
            "/aws/lambda/shiplog-ship-logs".to_owned(),
        ),
    ]);
    for (k, v) in extra {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    Config::from_lookup(|k| env.get(k).cloned())
}

fn shipper(fake: &FakeOpenSearch, config: &Config) -> OpenSearchShipper {
    let options = DeliveryOptions {
        backoff: BackoffPolicy {
            base: Duration::from_millis(2),
            cap: Duration::from_millis(20),
            max_attempts: 4,
            min_attempt_time: Duration::from_millis(20),
        },
        backoff_seed: Some(7),
        ..DeliveryOptions::from_config(&config.opensearch)
    };
    OpenSearchShipper {
        client: OpenSearchClient::new(&fake.url(), Auth::None, options).unwrap(),
        dead_letters: None,
    }
}

async fn harness_with<M>(extra: &[(&str, &str)], faults: Faults, metrics: M) -> Harness<M> {
    let fake = FakeOpenSearch::start(FakeAuth::None, faults).await.unwrap();
    let config = env_config(&fake.url(), extra).unwrap();
    let documents = shipper(&fake, &config);
    Harness {
        deps: Deps::new(config, documents, metrics),
        fake,
        next: AtomicU64::new(1),
    }
}

/// For the tests that count documents against what was stored or delivered (spans are bulk items
/// too; their own tests are the span unit tests and the real-engine binary test).
const SPANS_OFF: (&str, &str) = ("SPANS", "off");

async fn harness(extra: &[(&str, &str)]) -> Harness {
    harness_with(extra, Faults::default(), RecordingMetrics::default()).await
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

fn lambda_event<T>(payload: T, request_id: &str) -> LambdaEvent<T> {
    let mut context = Context::default();
    context.request_id = request_id.to_owned();
    context.deadline = now_ms() + INVOCATION_BUDGET.as_millis() as u64;
    context.invoked_function_arn =
        "arn:aws:lambda:us-east-1:123456789012:function:shiplog-ship-logs".to_owned();
    LambdaEvent::new(payload, context)
}

impl<M: MetricsDestination + Sync> Harness<M> {
    async fn invoke(&self, payload: &[u8]) -> Handled {
        let raw: Box<RawValue> = serde_json::from_slice(payload).unwrap();
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        process(&self.deps, lambda_event(raw, &format!("req-{n}"))).await
    }

    fn stored(&self) -> BTreeMap<Key, Value> {
        self.fake
            .docs()
            .into_iter()
            .map(
                |StoredDoc {
                     index, id, source, ..
                 }| ((index, id), source),
            )
            .collect()
    }
}

impl Harness<RecordingMetrics> {
    fn datums(&self) -> Vec<MetricDatum> {
        self.deps
            .metrics
            .publications()
            .into_iter()
            .flatten()
            .collect()
    }
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(corpus_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// What the core alone makes of `input` with `config`: bulk items — documents and invocation
/// spans — by key (first wins, as `create` keeps the first) and the aggregated datums.
fn reference(input: &[u8], config: &PipelineConfig) -> (BTreeMap<Key, Value>, Vec<MetricDatum>) {
    let mut sink = CollectingSink::new(&config.index_prefix);
    let _ = Pipeline::new(config.clone()).process_input(input, &mut sink);
    let mut docs = BTreeMap::new();
    for (index, id, source) in sink.documents.into_iter().chain(sink.spans) {
        docs.entry((index, id)).or_insert(source);
    }
    (docs, aggregate(sink.metrics))
}

/// The keys of `items` that are log documents (not spans).
fn documents_of(items: &BTreeMap<Key, Value>) -> usize {
    items
        .keys()
        .filter(|(index, _)| !index.starts_with(shiplog::span::SPAN_INDEX_FAMILY))
        .count()
}

fn json_files(dir: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(corpus_path(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json"))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    files.sort();
    files
}

fn self_metrics(handled: &Handled) -> Value {
    serde_json::from_str(handled.self_metrics_line.as_deref().unwrap()).unwrap()
}

fn response(handled: &Handled) -> &Value {
    match &handled.result {
        Ok(v) => v,
        Err(e) => panic!("invocation failed: {e}"),
    }
}

fn kinesis_record(sequence: &str, data: &str) -> Value {
    json!({
        "eventSource": "aws:kinesis",
        "eventID": format!("shardId-000000000000:{sequence}"),
        "awsRegion": "us-east-1",
        "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "p", "sequenceNumber": sequence,
                    "data": data, "approximateArrivalTimestamp": 1_700_000_000.5}
    })
}

fn points(datums: &[MetricDatum]) -> f64 {
    datums.iter().flat_map(|d| d.counts.iter()).sum()
}

// ------------------------------------------------------------------------------------- corpus

/// `docs_out` (MONITORING lines shipped too, the default) and metric points of EXPECTED.md §6.
const PAYLOAD_EXPECTATIONS: &[(&str, &[usize], usize)] = &[
    ("cwl-docs-example-cloudtrail", &[3], 0),
    ("lambda-docs-example-report", &[1], 0),
    ("aws-sample-testloggroup", &[2], 0),
    ("lumigo-node10-monitoring-extractedfields", &[2], 2),
    ("lumigo-python-print-version76", &[1], 1),
    ("yan-2017-node610-monitoring-stream", &[19], 8),
    ("yan-2017-extractedfields", &[2], 2),
    ("datadog-timeout", &[4], 0),
    ("datadog-coldstart", &[3], 0),
    ("datadog-cloudtrail-loggroup", &[4], 0),
    ("kiwi-node-invoke-error-2024", &[1], 0),
    ("control-message-firehose", &[0], 0),
    ("node-json-format-invocation", &[4], 0),
    ("java-stacktrace-split-across-events", &[7, 1], 0),
    ("python-traceback-split-across-events", &[4, 1], 0),
    // EXPECTED.md says "12 text docs", but the payload holds 11 events (one document each).
    ("log4j2-pretty-json-split-across-events", &[11, 1], 0),
];

fn expectation(path: &str) -> Option<(&'static [usize], usize)> {
    let name = path.rsplit('/').next()?.strip_suffix(".json")?;
    PAYLOAD_EXPECTATIONS
        .iter()
        .find(|(n, _, _)| *n == name)
        .map(|(_, docs, metrics)| (*docs, *metrics))
}

#[tokio::test]
async fn every_corpus_payload_is_stored_by_index_and_id_exactly_as_the_core_builds_it() {
    let mut files = Vec::new();
    for dir in [
        "06-subscription/lambda-event",
        "06-subscription/decoded",
        "06-subscription/kinesis",
        "06-subscription/firehose",
        "04-multiline/split-across-events/lambda-event",
        "04-multiline/split-across-events/decoded",
    ] {
        files.extend(json_files(dir));
    }
    assert_eq!(files.len(), 41, "{files:?}");
    let mut checked_counts = 0;
    for path in files {
        let h = harness(&[]).await;
        let input = read(&path);
        let handled = h.invoke(&input).await;
        let answer = response(&handled).clone();
        let (docs, datums) = reference(&input, &h.deps.config.pipeline);
        assert_eq!(h.stored(), docs, "{path}: stored documents");
        assert_eq!(h.datums(), datums, "{path}: metric datums");
        assert!(
            h.fake.writes().values().all(|w| *w == 1),
            "{path}: a document written twice"
        );
        if let Some((doc_counts, metric_points)) = expectation(&path) {
            assert!(
                doc_counts.contains(&documents_of(&docs)),
                "{path}: {} documents",
                documents_of(&docs)
            );
            assert_eq!(
                points(&datums),
                metric_points as f64,
                "{path}: metric points"
            );
            checked_counts += 1;
        }
        let sm = self_metrics(&handled);
        assert_eq!(sm["DocumentsOut"], json!(docs.len() as f64), "{path}: {sm}");
        if path.contains("/kinesis/") && !path.ends_with(".decoded.json") {
            assert_eq!(answer, json!({"batchItemFailures": []}), "{path}");
        } else if path.contains("/firehose/") {
            let results: Vec<&str> = answer["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["result"].as_str().unwrap())
                .collect();
            assert!(results.iter().all(|r| *r == "Dropped"), "{path}: {answer}");
            let input_ids: Vec<Value> = serde_json::from_slice::<Value>(&input).unwrap()["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["recordId"].clone())
                .collect();
            let answered: Vec<Value> = answer["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["recordId"].clone())
                .collect();
            assert_eq!(answered, input_ids, "{path}: every recordId, in order");
        } else {
            assert_eq!(
                answer["documents"],
                json!(documents_of(&docs)),
                "{path}: {answer}"
            );
            assert_eq!(answer["indexed"], json!(docs.len()), "{path}: {answer}");
        }
    }
    assert_eq!(checked_counts, 2 * PAYLOAD_EXPECTATIONS.len());
}

#[tokio::test]
async fn every_bad_lambda_event_is_answered_without_failing_and_counted() {
    for path in json_files("08-bad-inputs/lambda-events") {
        let h = harness(&[]).await;
        let input = read(&path);
        let handled = h.invoke(&input).await;
        let answer = response(&handled);
        let (docs, _) = reference(&input, &h.deps.config.pipeline);
        assert_eq!(h.stored(), docs, "{path}");
        let name = path.rsplit('/').next().unwrap();
        let expected_docs = match name {
            "empty-logevents.json"
            | "control-message-in-lambda-envelope.json"
            | "unknown-message-type.json" => Some(0),
            "huge-single-event-256kb.json" | "huge-event-json-truncated-at-limit.json" => Some(1),
            "double-escaped-messages.json" => Some(4),
            "invalid-base64-rescript.json"
            | "invalid-base64-chars.json"
            | "truncated-gzip.json"
            | "gzip-of-non-json.json"
            | "lambda-docs-truncated-data-verbatim.json"
            | "missing-awslogs.json"
            | "awslogs-data-not-string.json" => {
                assert!(handled.summary.undecodable >= 1, "{path}: {answer}");
                assert!(handled.summary.first_undecodable.is_some(), "{path}");
                let sm = self_metrics(&handled);
                assert!(sm["Rejections"].as_f64().unwrap() >= 1.0, "{path}: {sm}");
                Some(0)
            }
            _ => None,
        };
        if let Some(n) = expected_docs {
            assert_eq!(documents_of(&docs), n, "{path}: {answer}");
        }
    }
}

#[tokio::test]
async fn redelivery_of_a_payload_never_duplicates_a_document() {
    let h = harness(&[]).await;
    let input = read("06-subscription/lambda-event/yan-2017-node610-monitoring-stream.json");
    let first = h.invoke(&input).await;
    let stored = h.stored();
    assert_eq!(response(&first)["indexed"], json!(stored.len()));
    let second = h.invoke(&input).await;
    assert_eq!(response(&second)["indexed"], json!(0));
    assert_eq!(response(&second)["alreadyPresent"], json!(stored.len()));
    assert_eq!(h.stored(), stored);
    assert!(h.fake.writes().values().all(|w| *w == 1));
    assert_eq!(
        self_metrics(&second)["DocumentsOut"],
        json!(stored.len() as f64)
    );
}

// ------------------------------------------------------------------------------ Kinesis, Firehose

fn decoded(name: &str) -> Vec<u8> {
    read(&format!("06-subscription/decoded/{name}.json"))
}

#[tokio::test]
async fn kinesis_reports_exactly_the_undeliverable_record_and_never_an_undecodable_one() {
    let faults = Faults {
        reject_field: Some(REPORT_FIELD.to_owned()),
        ..Faults::default()
    };
    let h = harness_with(&[SPANS_OFF], faults, RecordingMetrics::default()).await;
    let event = json!({"Records": [
        kinesis_record("seq-1-app-lines", &gzip_b64(&decoded("kiwi-node-invoke-error-2024"))),
        kinesis_record("seq-2-has-report", &gzip_b64(&decoded("datadog-coldstart"))),
        kinesis_record("seq-3-undecodable", "H4sI!!not base64!!"),
        kinesis_record("seq-4-control", &gzip_b64(&decoded("control-message-firehose"))),
        kinesis_record("seq-5-metrics", &gzip_b64(&decoded("yan-2017-extractedfields"))),
    ]});
    let handled = h.invoke(event.to_string().as_bytes()).await;
    assert_eq!(
        response(&handled),
        &json!({"batchItemFailures": [{"itemIdentifier": "seq-2-has-report"}]})
    );
    let bodies: Vec<String> = h
        .stored()
        .values()
        .map(|d| d["body"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(
        bodies.len(),
        1 + 2 + 2,
        "kiwi 1, coldstart 3 - REPORT, yan 2: {bodies:?}"
    );
    assert!(bodies.iter().all(|b| !b.starts_with("REPORT")));
    assert_eq!(handled.summary.undecodable, 1);
    assert!(handled
        .summary
        .first_undecodable
        .as_deref()
        .unwrap()
        .contains("seq-3-undecodable"));
    assert_eq!(handled.summary.undelivered, 1);
    assert_eq!(handled.summary.failed_records, 1);
    assert!(handled.summary.is_noteworthy());
    assert_eq!(
        points(&h.datums()),
        2.0,
        "metrics of the other records still published"
    );
}

#[tokio::test]
async fn firehose_returns_every_record_with_its_result() {
    let faults = Faults {
        reject_field: Some(REPORT_FIELD.to_owned()),
        ..Faults::default()
    };
    let h = harness_with(&[SPANS_OFF], faults, RecordingMetrics::default()).await;
    let event = json!({
        "invocationId": "inv-1",
        "deliveryStreamArn": "arn:aws:firehose:us-east-1:123456789012:deliverystream/logs",
        "region": "us-east-1",
        "records": [
            {"recordId": "r1", "approximateArrivalTimestamp": 1_700_000_000_000_i64,
             "data": gzip_b64(&decoded("kiwi-node-invoke-error-2024"))},
            {"recordId": "r2", "approximateArrivalTimestamp": 1_700_000_000_000_i64,
             "data": gzip_b64(&decoded("control-message-firehose"))},
            {"recordId": "r3", "approximateArrivalTimestamp": 1_700_000_000_000_i64,
             "data": "bm90IGd6aXA="},
            {"recordId": "r4", "approximateArrivalTimestamp": 1_700_000_000_000_i64,
             "data": gzip_b64(&decoded("lambda-docs-example-report"))},
        ]
    });
    let handled = h.invoke(event.to_string().as_bytes()).await;
    assert_eq!(
        response(&handled),
        &json!({"records": [
            {"recordId": "r1", "result": "Dropped", "data": ""},
            {"recordId": "r2", "result": "Dropped", "data": ""},
            {"recordId": "r3", "result": "ProcessingFailed", "data": ""},
            {"recordId": "r4", "result": "ProcessingFailed", "data": ""},
        ]})
    );
    assert_eq!(h.stored().len(), 1, "only the kiwi document is indexed");
}

// ------------------------------------------------------------------------- failures and policy

#[tokio::test]
async fn documents_neither_indexed_nor_dead_lettered_fail_a_cloudwatch_logs_invocation() {
    let faults = Faults {
        reject_field: Some(REPORT_FIELD.to_owned()),
        ..Faults::default()
    };
    let h = harness_with(&[SPANS_OFF], faults, RecordingMetrics::default()).await;
    let handled = h
        .invoke(&read("06-subscription/lambda-event/datadog-coldstart.json"))
        .await;
    let error = handled.result.as_ref().unwrap_err();
    assert_eq!(error.error_type(), ERROR_UNDELIVERED);
    assert!(error.is_retryable());
    assert!(error
        .to_string()
        .contains("1 document(s) could not be indexed and no dead-letter bucket"));
    assert_eq!(
        h.stored().len(),
        2,
        "the others are indexed (and idempotent on retry)"
    );
    assert_eq!(self_metrics(&handled)["DocumentsOut"], json!(2.0));
    let Err(error) = handled.result else {
        unreachable!()
    };
    let diagnostic = Diagnostic::from(error);
    assert_eq!(diagnostic.error_type, ERROR_UNDELIVERED);
}

/// A writer that always fails (stdout closed).
struct BrokenPipe;

impl std::io::Write for BrokenPipe {
    fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
        Err(std::io::Error::from(std::io::ErrorKind::BrokenPipe))
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn undelivered_metrics_are_counted_by_default_and_fail_only_when_asked() {
    let input = data_message(
        "/aws/lambda/orders",
        "2026/11/21/[$LATEST]abc",
        &[
            ("m1", "MONITORING|12|Milliseconds|latency|Shop\n"),
            ("m2", "MONITORING|1|Count|orders|Shop\n"),
            ("m3", "hello\n"),
        ],
    );
    let h = harness_with(
        &[],
        Faults::default(),
        EmfWriter::new(BrokenPipe, FailurePolicy::AtMostOnce),
    )
    .await;
    let handled = h.invoke(&input).await;
    assert!(
        handled.result.is_ok(),
        "at-most-once: the invocation succeeds"
    );
    assert!(handled.summary.metrics_failed > 0);
    assert!(handled.summary.is_noteworthy());
    assert!(self_metrics(&handled)["MetricsFailed"].as_f64().unwrap() > 0.0);
    assert_eq!(h.stored().len(), 3, "documents are shipped regardless");

    let h = harness_with(
        &[("METRICS_FAILURE", "fail-invocation")],
        Faults::default(),
        EmfWriter::new(BrokenPipe, FailurePolicy::FailInvocation),
    )
    .await;
    let handled = h.invoke(&input).await;
    match &handled.result {
        Err(e @ HandlerError::MetricsUndelivered(PublishError::Undelivered(o))) => {
            assert_eq!(e.error_type(), ERROR_METRICS_UNDELIVERED);
            assert_eq!(o.failed_datums, 2);
        }
        other => panic!("expected a metrics failure, got {other:?}"),
    }
    assert_eq!(h.stored().len(), 3);
}

#[tokio::test]
async fn an_invalid_configuration_fails_every_invocation_with_every_problem() {
    let errors = env_config(
        "ftp://nowhere",
        &[("METRICS_MODE", "smoke-signals"), ("SAMPLE_RATE", "lots")],
    )
    .unwrap_err();
    for _ in 0..2 {
        let event = lambda_event(serde::de::IgnoredAny, "req-bad");
        let error = handle_misconfigured(&errors, event).await.unwrap_err();
        assert!(!error.is_retryable());
        let diagnostic = Diagnostic::from(error);
        assert_eq!(diagnostic.error_type, ERROR_INVALID_CONFIGURATION);
        for needle in ["OPENSEARCH_ENDPOINT", "ftp", "smoke-signals", "SAMPLE_RATE"] {
            assert!(
                diagnostic.error_message.contains(needle),
                "{needle}: {}",
                diagnostic.error_message
            );
        }
    }
}

// ------------------------------------------------------------------------ loop guard, filtering

/// A CloudWatch Logs event of `events` (id, message), timestamped a minute ago.
fn data_message(group: &str, stream: &str, events: &[(&str, &str)]) -> Vec<u8> {
    cloudwatch_logs_event(group, stream, events, now_ms() as i64 - 60_000)
}

#[tokio::test]
async fn the_loop_guard_never_ships_shiplogs_own_log_groups() {
    let h = harness(&[("OWN_LOG_GROUPS", "/aws/lambda/shiplog-subscribe")]).await;
    for group in [
        "/aws/lambda/shiplog-ship-logs",
        "/aws/lambda/shiplog-subscribe",
    ] {
        let handled = h
            .invoke(&data_message(
                group,
                "2025/11/21/[$LATEST]abc",
                &[
                    ("e1", "hello\n"),
                    ("e2", "MONITORING|1|count|loops|Shiplog\n"),
                ],
            ))
            .await;
        assert_eq!(response(&handled)["documents"], json!(0), "{group}");
        let sm = self_metrics(&handled);
        assert_eq!(sm["Rejections.own-log-group"], json!(2.0), "{sm}");
        assert!(
            !handled.summary.is_noteworthy(),
            "a guarded event is expected, not a warning"
        );
    }
    assert!(h.stored().is_empty());
    assert!(h.datums().is_empty());
    let other = h
        .invoke(&data_message(
            "/aws/lambda/orders",
            "s",
            &[("e3", "hello\n")],
        ))
        .await;
    assert_eq!(response(&other)["documents"], json!(1));
}

#[tokio::test]
async fn redaction_drop_patterns_and_sampling_apply_before_indexing() {
    let h = harness(&[
        ("REDACT", "email,ipv4,card"),
        ("REDACT_PATTERNS", r#"["tok_[A-Za-z0-9]+"]"#),
        ("DROP_PATTERNS", "healthcheck"),
        ("SAMPLE_RATE", "0"),
    ])
    .await;
    let json_line = r#"{"level":"WARN","message":"login by jane@example.com","client":"10.1.2.3","card":"4111 1111 1111 1111","token":"tok_abc123","requestId":"r1"}"#;
    let handled = h
        .invoke(&data_message(
            "/aws/lambda/orders",
            "2025/11/21/[$LATEST]abc",
            &[
                ("e1", "2025-11-21T04:40:00.000Z\tr1\tERROR\tpayment by bob@example.org from 192.168.0.1 with 4111-1111-1111-1111 failed\n"),
                ("e2", &format!("{json_line}\n")),
                ("e3", "GET /healthcheck 200\n"),
                ("e4", "2025-11-21T04:40:00.000Z\tr1\tINFO\tsampled away\n"),
            ],
        ))
        .await;
    assert_eq!(response(&handled)["documents"], json!(2));
    let stored = h.stored();
    let docs: Vec<&Value> = stored.values().collect();
    let text = serde_json::to_string(&docs).unwrap();
    for secret in [
        "bob@example.org",
        "192.168.0.1",
        "4111-1111-1111-1111",
        "jane@example.com",
        "10.1.2.3",
        "4111 1111 1111 1111",
        "tok_abc123",
    ] {
        assert!(
            !text.contains(secret),
            "{secret} reached OpenSearch: {text}"
        );
    }
    let by_id: HashMap<&str, &Value> = stored.iter().map(|((_, id), d)| (id.as_str(), d)).collect();
    assert_eq!(
        by_id["e1"]["body"],
        json!("payment by [REDACTED] from [REDACTED] with [REDACTED] failed")
    );
    assert_eq!(by_id["e2"]["body"], json!("login by [REDACTED]"));
    let field = |name: &str| {
        shiplog_tests::oracle::get(by_id["e2"], &format!("attributes.fields.{name}")).cloned()
    };
    assert_eq!(
        field("client"),
        Some(json!("[REDACTED]")),
        "{}",
        by_id["e2"]
    );
    assert_eq!(field("token"), Some(json!("[REDACTED]")), "{}", by_id["e2"]);
    assert_eq!(field("card"), Some(json!("[REDACTED]")), "{}", by_id["e2"]);
    let sm = self_metrics(&handled);
    assert_eq!(sm["Rejections.filtered-out"], json!(1.0), "{sm}");
    assert_eq!(sm["Rejections.sampled-out"], json!(1.0), "{sm}");
}

// ---------------------------------------------------------------- warm invocations, usage, EMF

#[tokio::test]
async fn a_request_split_over_two_warm_invocations_still_correlates() {
    let h = harness(&[]).await;
    let stream = "2025/11/21/[$LATEST]0123456789abcdef";
    let request = "8f5e8e2c-1111-4b5e-9c1a-0123456789ab";
    let first = data_message(
        "/aws/lambda/orders",
        stream,
        &[
            ("a1", &format!("START RequestId: {request} Version: $LATEST\n")),
            ("a2", &format!("{{\"timestamp\":\"2025-11-21T04:40:00.500Z\",\"level\":\"INFO\",\"requestId\":\"{request}\",\"traceId\":\"1-5759e988-bd862e3fe1be46a994272793\",\"message\":\"begin\"}}\n")),
        ],
    );
    let second = data_message(
        "/aws/lambda/orders",
        stream,
        &[
            ("b1", "a bare print line without request id\n"),
            (
                "b2",
                &format!("2025-11-21T04:40:01.000Z\t{request}\tINFO\tstill working\n"),
            ),
            ("b3", &format!("END RequestId: {request}\n")),
        ],
    );
    response(&h.invoke(&first).await);
    response(&h.invoke(&second).await);
    let stored = h.stored();
    let by_id: HashMap<&str, &Value> = stored.iter().map(|((_, id), d)| (id.as_str(), d)).collect();
    let flat = |d: &Value, path: &str| shiplog_tests::oracle::get(d, path).cloned();
    assert_eq!(
        flat(by_id["b1"], "attributes.faas.invocation_id"),
        Some(json!(request)),
        "the print line inherits the request of the enclosing START of the previous payload"
    );
    assert_eq!(
        flat(by_id["b2"], "traceId"),
        Some(json!("5759e988bd862e3fe1be46a994272793")),
        "the trace id seen in the first payload reaches the second"
    );
}

#[tokio::test]
async fn usage_metrics_from_report_lines_are_published_when_turned_on() {
    let h = harness(&[("USAGE_METRICS", "on"), ("METRICS_NAMESPACE", "Acme")]).await;
    let handled = h
        .invoke(&read("06-subscription/lambda-event/datadog-coldstart.json"))
        .await;
    response(&handled);
    let datums = h.datums();
    let names: Vec<&str> = datums.iter().map(|d| d.name.as_str()).collect();
    for name in [
        "Duration",
        "BilledDuration",
        "MaxMemoryUsed",
        "InitDuration",
        "ColdStart",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    let init = datums.iter().find(|d| d.name == "InitDuration").unwrap();
    assert_eq!(init.namespace, "Acme");
    assert_eq!(init.values, [120.96]);
    assert_eq!(
        init.dimensions,
        [(
            "FunctionName".to_owned(),
            "storms-cloudwatch-event".to_owned()
        )]
    );
    let off = harness(&[]).await;
    off.invoke(&read("06-subscription/lambda-event/datadog-coldstart.json"))
        .await;
    assert!(off.datums().is_empty(), "off by default");
}

#[tokio::test]
async fn one_self_metrics_line_per_invocation_counts_what_it_did() {
    let h = harness(&[SPANS_OFF]).await;
    let handled = h
        .invoke(&read(
            "06-subscription/lambda-event/yan-2017-node610-monitoring-stream.json",
        ))
        .await;
    let line = handled.self_metrics_line.as_deref().unwrap();
    assert!(!line.contains('\n'));
    let sm: Value = serde_json::from_str(line).unwrap();
    let names: Vec<&str> = sm["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["Name"].as_str().unwrap())
        .collect();
    for name in [
        "EventsIn",
        "DocumentsOut",
        "SpansOut",
        "MetricsOut",
        "MetricsFailed",
        "DeadLettered",
        "Rejections",
        "LagMax",
        "LagP50",
    ] {
        assert!(names.contains(&name), "{name} in {names:?}");
    }
    assert_eq!(sm["EventsIn"], json!(19.0));
    assert_eq!(sm["DocumentsOut"], json!(19.0));
    assert_eq!(sm["MetricsOut"], json!(h.datums().len() as f64));
    assert_eq!(sm["FunctionName"], json!("shiplog-ship-logs"));
    assert_eq!(
        sm["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        json!("shiplog")
    );
}
