//! Black box: the BUILT `ship-logs` binary, driven through the Lambda Runtime API emulator
//! (`shiplog_tests::runtime_api`), shipping to the in-repo fake OpenSearch, dead-lettering into a
//! moto S3 bucket, metrics as EMF on its stdout. Several warm invocations in one process.
//!
//! The cold-start test prints (never asserts) init time and peak RSS; point
//! `SHIPLOG_SHIP_LOGS_BIN` at a release build to measure that instead of the debug binary:
//! `cargo build --release -p shiplog-ship-logs && SHIPLOG_SHIP_LOGS_BIN=target/release/ship-logs
//! cargo test -p shiplog-ship-logs --test blackbox cold_start -- --nocapture`.

// Test helpers outside `#[test]` functions: failing loudly is their job.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]
// The binary's path comes from the environment; waits are timed with real instants.
#![allow(clippy::disallowed_methods)]

use serde_json::{json, Value};
use shiplog::delivery::metric_requests::validate_datum;
use shiplog::delivery::self_metrics;
use shiplog::metrics::{aggregate, MetricPoint};
use shiplog::pipeline::{Pipeline, PipelineConfig};
use shiplog::testing::workload::{generate_payload, WorkloadSpec};
use shiplog::testing::CollectingSink;
use shiplog_adapters::dead_letter::DeadLetterStore;
use shiplog_tests::corpus_path;
use shiplog_tests::fake_opensearch::{FakeAuth, FakeOpenSearch, Faults};
use shiplog_tests::moto::MotoServer;
use shiplog_tests::runtime_api::{Invocation, LambdaProcess, Outcome, RuntimeApi};
use shiplog_tests::{cloudwatch_logs_event, peak_rss_kib};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::{Duration, Instant};

const FUNCTION: &str = "shiplog-ship-logs";
const OWN_GROUP: &str = "/aws/lambda/shiplog-ship-logs";
const SUBSCRIBE_GROUP: &str = "/aws/lambda/shiplog-subscribe";
const BUCKET: &str = "shiplog-dead-letters";
const INVOCATION_TIMEOUT: Duration = Duration::from_secs(30);
const WAIT: Duration = Duration::from_secs(90);
/// Field REPORT documents carry: refusing it makes them undeliverable (salvage keeps it).
const REPORT_FIELD: &str = "attributes.aws.lambda.duration_ms";
/// Message of the self-metrics line's first metric.
const SELF_METRIC: &str = "EventsIn";

type Key = (String, String);

/// The binary under test: `SHIPLOG_SHIP_LOGS_BIN` (relative to the repository root) or the
/// debug build cargo made for this test.
fn binary() -> PathBuf {
    std::env::var_os("SHIPLOG_SHIP_LOGS_BIN")
        .map(|p| shiplog_tests::repo_root().join(p))
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_ship-logs")))
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(corpus_path(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn json_files(dir: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(corpus_path(dir))
        .unwrap_or_else(|e| panic!("{dir}: {e}"))
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".json") && !n.ends_with(".decoded.json"))
        .map(|n| format!("{dir}/{n}"))
        .collect();
    files.sort();
    files
}

fn now_ms() -> i64 {
    shiplog_adapters::now_millis().0
}

/// A CloudWatch Logs event of `events` (id, message) timestamped a minute ago (inside
/// CloudWatch's metric window).
fn cloudwatch_event(group: &str, stream: &str, events: &[(&str, String)]) -> Vec<u8> {
    cloudwatch_logs_event(group, stream, events, now_ms() - 60_000)
}

/// The running binary and what it talks to.
struct Lambda {
    api: RuntimeApi,
    process: LambdaProcess,
    next: u64,
    invocations: usize,
}

impl Lambda {
    async fn start(env: &[(String, String)]) -> Self {
        let api = RuntimeApi::start(FUNCTION).await.unwrap();
        let process = LambdaProcess::spawn(&binary(), &api, env).unwrap();
        Lambda {
            api,
            process,
            next: 1,
            invocations: 0,
        }
    }

    /// Invokes with the raw event bytes; returns the request id and the outcome.
    async fn invoke(&mut self, payload: Vec<u8>) -> (String, Outcome) {
        let request_id = format!("0000aaaa-0000-4000-8000-{:012}", self.next);
        self.next += 1;
        self.invocations += 1;
        self.api.enqueue(Invocation {
            request_id: request_id.clone(),
            payload,
            timeout: INVOCATION_TIMEOUT,
            trace_id: format!("Root=1-00000000-{:024};Sampled=0", self.next),
        });
        let outcome = self
            .api
            .outcome(&request_id, WAIT)
            .await
            .unwrap_or_else(|| {
                panic!(
                    "no outcome for {request_id}\nstdout:\n{}\nstderr:\n{}",
                    self.process.stdout(),
                    self.process.stderr()
                )
            });
        (request_id, outcome)
    }

    async fn invoke_ok(&mut self, payload: Vec<u8>, what: &str) -> Value {
        let (_, outcome) = self.invoke(payload).await;
        outcome.json().unwrap_or_else(|| {
            panic!(
                "{what}: expected a response, got {outcome:?}\nstderr:\n{}",
                self.process.stderr()
            )
        })
    }

    /// stdout as JSON lines, once every invocation's self-metrics line has been read from the
    /// pipe (the answer can reach the emulator before the pipe reader sees the last lines).
    async fn stdout_settled(&self) -> Vec<Value> {
        let give_up = Instant::now() + Duration::from_secs(10);
        loop {
            let lines = self.stdout_json();
            let seen = lines.iter().filter(|l| is_self_metrics(l)).count();
            if seen >= self.invocations || Instant::now() > give_up {
                return lines;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn stdout_json(&self) -> Vec<Value> {
        self.process
            .stdout()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("non-JSON line {l:?}: {e}")))
            .collect()
    }
}

fn is_self_metrics(line: &Value) -> bool {
    line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        .as_array()
        .is_some_and(|m| m.iter().any(|d| d["Name"] == SELF_METRIC))
}

fn is_emf(line: &Value) -> bool {
    line.get("_aws").is_some()
}

/// The core alone, fed the same inputs in the same order as the warm binary.
struct Reference {
    pipeline: Pipeline,
    docs: BTreeMap<Key, Value>,
    points: Vec<MetricPoint>,
    /// Documents built so far.
    documents: usize,
    /// Bulk items built so far: documents and invocation spans.
    items: usize,
}

/// What one input produced: documents, and bulk items (documents and spans).
#[derive(Debug, Clone, Copy)]
struct Produced {
    documents: usize,
    items: usize,
}

impl Reference {
    fn new(own_groups: &[&str]) -> Self {
        let config = PipelineConfig {
            own_log_groups: own_groups.iter().map(|g| (*g).to_owned()).collect(),
            region: Some("us-east-1".to_owned()),
            ..PipelineConfig::default()
        };
        Reference {
            pipeline: Pipeline::new(config),
            docs: BTreeMap::new(),
            points: Vec::new(),
            documents: 0,
            items: 0,
        }
    }

    /// Processes one input; returns what it produced. Spans are kept with the documents (both
    /// are stored by (index, `_id`)).
    fn feed(&mut self, input: &[u8]) -> Produced {
        let mut sink = CollectingSink::new("shiplog");
        let _ = self.pipeline.process_input(input, &mut sink);
        let produced = Produced {
            documents: sink.documents.len(),
            items: sink.documents.len() + sink.spans.len(),
        };
        self.documents += produced.documents;
        self.items += produced.items;
        for (index, id, source) in sink.documents.into_iter().chain(sink.spans) {
            self.docs.entry((index, id)).or_insert(source);
        }
        self.points.extend(sink.metrics);
        produced
    }
}

fn stored(fake: &FakeOpenSearch) -> BTreeMap<Key, Value> {
    fake.docs()
        .into_iter()
        .map(|d| ((d.index, d.id), d.source))
        .collect()
}

fn flat<'v>(doc: &'v Value, path: &str) -> Option<&'v Value> {
    shiplog_tests::oracle::get(doc, path)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_binary_ships_every_corpus_payload_dead_letters_and_publishes_metrics_warm() {
    let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    let sdk = moto.sdk_config().await;
    let s3 = MotoServer::s3_client(&sdk);
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let fake = FakeOpenSearch::start(FakeAuth::None, Faults::default())
        .await
        .unwrap();
    let mut env = moto.env_vars();
    for (k, v) in [
        ("OPENSEARCH_ENDPOINT", fake.url()),
        ("OPENSEARCH_AUTH", "none".to_owned()),
        ("METRICS_MODE", "emf".to_owned()),
        ("DEAD_LETTER_BUCKET", BUCKET.to_owned()),
        ("OWN_LOG_GROUPS", SUBSCRIBE_GROUP.to_owned()),
        ("INDEX_PREFIX", "shiplog".to_owned()),
    ] {
        env.push((k.to_owned(), v));
    }
    let mut lambda = Lambda::start(&env).await;
    let mut reference = Reference::new(&[SUBSCRIBE_GROUP, OWN_GROUP]);

    // 1. Every corpus payload of every source, warm, one after the other.
    let mut inputs = Vec::new();
    for dir in [
        "06-subscription/lambda-event",
        "04-multiline/split-across-events/lambda-event",
        "06-subscription/kinesis",
        "06-subscription/firehose",
    ] {
        inputs.extend(json_files(dir));
    }
    assert!(inputs.len() >= 20, "{inputs:?}");
    for path in &inputs {
        let input = read(path);
        let produced = reference.feed(&input);
        let answer = lambda.invoke_ok(input.clone(), path).await;
        if path.contains("/kinesis/") {
            assert_eq!(answer, json!({"batchItemFailures": []}), "{path}");
        } else if path.contains("/firehose/") {
            let records = answer["records"].as_array().unwrap();
            let ids: Vec<&Value> = records.iter().map(|r| &r["recordId"]).collect();
            let event: Value = serde_json::from_slice(&input).unwrap();
            let wanted: Vec<&Value> = event["records"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| &r["recordId"])
                .collect();
            assert_eq!(ids, wanted, "{path}");
            assert!(
                records.iter().all(|r| r["result"] == "Dropped"),
                "{path}: {answer}"
            );
        } else {
            assert_eq!(answer["source"], "cloudwatch-logs", "{path}: {answer}");
            assert_eq!(
                answer["documents"],
                json!(produced.documents),
                "{path}: {answer}"
            );
            let delivered =
                answer["indexed"].as_u64().unwrap() + answer["alreadyPresent"].as_u64().unwrap();
            assert_eq!(delivered, produced.items as u64, "{path}: {answer}");
        }
    }
    assert_eq!(stored(&fake), reference.docs, "documents by (index, _id)");
    assert!(
        fake.writes().values().all(|w| *w == 1),
        "no document written twice"
    );

    // 2. The loop guard: shiplog's own log groups never yield a document.
    for group in [OWN_GROUP, SUBSCRIBE_GROUP] {
        let event = cloudwatch_event(
            group,
            "2025/11/21/[$LATEST]0123456789abcdef",
            &[
                ("own-1", "shiplog's own line\n".into()),
                ("own-2", "MONITORING|1|count|loops|Shiplog\n".into()),
            ],
        );
        reference.feed(&event);
        let answer = lambda.invoke_ok(event, group).await;
        assert_eq!(answer["documents"], json!(0), "{group}: {answer}");
        assert_eq!(answer["rejections"], json!(2), "{group}: {answer}");
    }
    assert!(fake
        .docs()
        .iter()
        .all(|d| flat(&d.source, "resource.aws.log.group.names")
            .is_none_or(|g| g != OWN_GROUP && g != SUBSCRIBE_GROUP)));

    // 3. Warm state: a request split over two invocations still correlates.
    let stream = "2025/11/21/[$LATEST]feedfacecafebeef";
    let request = "9a1b2c3d-1111-4b5e-9c1a-0123456789ab";
    let first = cloudwatch_event(
        "/aws/lambda/orders",
        stream,
        &[
            ("w1", format!("START RequestId: {request} Version: $LATEST\n")),
            ("w2", format!("{{\"timestamp\":\"2025-11-21T04:40:00.500Z\",\"level\":\"INFO\",\"requestId\":\"{request}\",\"traceId\":\"1-5759e988-bd862e3fe1be46a994272793\",\"message\":\"begin\"}}\n")),
        ],
    );
    let second = cloudwatch_event(
        "/aws/lambda/orders",
        stream,
        &[
            ("w3", "a bare print line without request id\n".into()),
            (
                "w4",
                format!("2025-11-21T04:40:01.000Z\t{request}\tINFO\tstill working\n"),
            ),
        ],
    );
    reference.feed(&first);
    reference.feed(&second);
    lambda.invoke_ok(first, "correlation 1").await;
    lambda.invoke_ok(second, "correlation 2").await;
    let w3 = fake
        .docs()
        .into_iter()
        .find(|d| d.id == "w3")
        .unwrap()
        .source;
    let w4 = fake
        .docs()
        .into_iter()
        .find(|d| d.id == "w4")
        .unwrap()
        .source;
    assert_eq!(
        flat(&w3, "attributes.faas.invocation_id"),
        Some(&json!(request))
    );
    assert_eq!(
        flat(&w4, "traceId"),
        Some(&json!("5759e988bd862e3fe1be46a994272793"))
    );

    // 4. A document OpenSearch refuses for good lands in the S3 dead letter.
    fake.set_faults(Faults {
        reject_field: Some(REPORT_FIELD.to_owned()),
        ..Faults::default()
    });
    let dl_request = "7e57dead-2222-4b5e-9c1a-0123456789ab";
    let refused = cloudwatch_event(
        "/aws/lambda/orders",
        "2025/11/21/[$LATEST]0badc0de",
        &[
            ("d1", format!("START RequestId: {dl_request} Version: $LATEST\n")),
            ("d2", format!("END RequestId: {dl_request}\n")),
            ("d3", format!("REPORT RequestId: {dl_request}\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\t\n")),
        ],
    );
    reference.feed(&refused);
    let (dl_id, outcome) = lambda.invoke(refused).await;
    let answer = outcome.json().unwrap_or_else(|| panic!("{outcome:?}"));
    // START, END and the invocation's span are indexed; the REPORT document is refused.
    assert_eq!(answer["indexed"], json!(3), "{answer}");
    assert_eq!(answer["spans"], json!(1), "{answer}");
    assert_eq!(answer["deadLettered"], json!(1), "{answer}");
    fake.set_faults(Faults::default());
    let store = DeadLetterStore::from_sdk_config(&sdk, BUCKET);
    let keys = store.list("shiplog/dead-letter/").await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(
        keys[0].ends_with(&format!("/{dl_id}.ndjson.gz")),
        "{keys:?}"
    );
    let entries = store.read(&keys[0]).await.unwrap();
    assert_eq!(entries.len(), 1);
    assert_eq!(entries[0].id, "d3");
    let (y, m, d) = entries[0].event_time.date();
    assert_eq!(entries[0].index, format!("shiplog-{y:04}.{m:02}.{d:02}"));
    assert_eq!(entries[0].error.status, 400);
    let source: Value = serde_json::from_slice(&entries[0].source).unwrap();
    assert_eq!(flat(&source, "event.name"), Some(&json!("report")));

    // 5. Fresh MONITORING lines (the corpus ones are years old: CloudWatch would refuse them, so
    //    validation drops them and counts why) become EMF lines on stdout.
    let epoch = now_ms() / 1000 - 30;
    let metrics = cloudwatch_event(
        "/aws/lambda/checkout",
        "2026/11/21/[$LATEST]0123",
        &[
            (
                "m1",
                "MONITORING|42|Milliseconds|checkout_latency|Shop|service=cart\n".into(),
            ),
            (
                "m2",
                "MONITORING|58|Milliseconds|checkout_latency|Shop|service=cart\n".into(),
            ),
            (
                "m3",
                format!("MONITORING|{epoch}|3|count|orders_placed|#env:prod\n"),
            ),
        ],
    );
    reference.feed(&metrics);
    let answer = lambda.invoke_ok(metrics, "fresh metrics").await;
    assert_eq!(answer["metricDatums"], json!(2), "{answer}");

    // 6. Every bad input is answered, none crashes the process.
    for path in json_files("08-bad-inputs/lambda-events") {
        let input = read(&path);
        reference.feed(&input);
        let (_, outcome) = lambda.invoke(input).await;
        assert!(
            matches!(outcome, Outcome::Response(_)),
            "{path}: {outcome:?}"
        );
    }
    assert!(lambda.process.exited().is_none(), "the process survived");

    // 7. Metrics and self-metrics on stdout; at most one summary line per invocation.
    let lines = lambda.stdout_settled().await;
    let self_lines: Vec<&Value> = lines.iter().filter(|l| is_self_metrics(l)).collect();
    assert_eq!(
        self_lines.len(),
        lambda.invocations,
        "one self-metrics line per invocation"
    );
    assert!(self_lines.iter().all(|l| l["FunctionName"] == FUNCTION));
    // The alarms of the deploy watch these names (issue 21): the printed lines carry every one,
    // in the namespace and with the one dimension the alarms read.
    for line in &self_lines {
        let directive = &line["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], self_metrics::DEFAULT_NAMESPACE);
        assert_eq!(directive["Dimensions"], json!([["FunctionName"]]));
        let declared: BTreeSet<&str> = directive["Metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|m| m["Name"].as_str())
            .collect();
        // The lags come together, when the invocation built documents; every other name always.
        let has_lag = declared.contains(self_metrics::LAG_MAX);
        for name in self_metrics::SHIP_LOGS_METRICS {
            if has_lag || !self_metrics::WRITTEN_WITH_DOCUMENTS_ONLY.contains(name) {
                assert!(declared.contains(name), "{name} missing from {line}");
                assert!(line[*name].is_number(), "{name} has no value in {line}");
            }
        }
    }
    assert!(
        self_lines
            .iter()
            .any(|l| l[self_metrics::LAG_MAX].is_number() && l[self_metrics::LAG_P50].is_number()),
        "some invocation built documents and wrote both lags"
    );
    let documents_out: f64 = self_lines
        .iter()
        .filter_map(|l| l["DocumentsOut"].as_f64())
        .sum();
    assert_eq!(
        documents_out as usize,
        reference.items - 1,
        "every bulk item built (documents and spans) was delivered (new or already present) but \
         the dead-lettered one"
    );
    let spans_out: f64 = self_lines
        .iter()
        .filter_map(|l| l[self_metrics::SPANS_OUT].as_f64())
        .sum();
    assert_eq!(
        spans_out as usize,
        reference.items - reference.documents,
        "every span built is counted"
    );
    let dead_lettered: f64 = self_lines
        .iter()
        .filter_map(|l| l["DeadLettered"].as_f64())
        .sum();
    assert_eq!(dead_lettered, 1.0);
    let emf: Vec<&Value> = lines
        .iter()
        .filter(|l| is_emf(l) && !is_self_metrics(l))
        .collect();
    let emf_names: BTreeSet<String> = emf
        .iter()
        .flat_map(|l| {
            l["_aws"]["CloudWatchMetrics"][0]["Metrics"]
                .as_array()
                .unwrap()
                .iter()
                .map(|m| m["Name"].as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        })
        .collect();
    let now = shiplog_adapters::now_millis();
    let reference_names: BTreeSet<String> = aggregate(reference.points.clone())
        .into_iter()
        .filter(|d| validate_datum(d, now).is_ok())
        .map(|d| d.name)
        .collect();
    assert_eq!(
        reference_names,
        BTreeSet::from(["checkout_latency".to_owned(), "orders_placed".to_owned()])
    );
    assert_eq!(
        emf_names, reference_names,
        "MONITORING metrics as EMF: {emf:?}"
    );
    let latency = emf
        .iter()
        .find(|l| l.get("checkout_latency").is_some())
        .unwrap();
    assert_eq!(latency["_aws"]["CloudWatchMetrics"][0]["Namespace"], "Shop");
    assert_eq!(latency["FunctionName"], "checkout");
    assert_eq!(latency["service"], "cart");
    assert_eq!(latency["checkout_latency"], json!([42.0, 58.0]));
    let orders = emf
        .iter()
        .find(|l| l.get("orders_placed").is_some())
        .unwrap();
    assert_eq!(
        orders["_aws"]["CloudWatchMetrics"][0]["Namespace"],
        "shiplog"
    );
    assert_eq!(orders["env"], "prod");
    let too_old: f64 = self_lines
        .iter()
        .filter_map(|l| l["Rejections.metric-timestamp-out-of-range"].as_f64())
        .sum();
    assert!(too_old > 0.0, "the corpus metrics are counted as too old");
    let summaries: Vec<&Value> = lines
        .iter()
        .filter(|l| l["fields"]["message"] == "ship-logs invocation")
        .collect();
    assert!(summaries.len() <= lambda.invocations);
    assert!(
        summaries
            .iter()
            .any(|s| s["fields"]["dead_lettered"] == 1 && s["level"] == "WARN"),
        "the dead-letter invocation is reported: {summaries:?}"
    );
    let other_logs: Vec<&Value> = lines
        .iter()
        .filter(|l| !is_emf(l) && l["fields"]["message"] != "ship-logs invocation")
        .collect();
    assert!(other_logs.is_empty(), "no other log line: {other_logs:?}");

    // 8. The container reused its connection and pipeline.
    println!(
        "fake OpenSearch: {} connection(s) for {} _bulk request(s) over {} invocations",
        fake.connection_count(),
        fake.bulk_request_count(),
        lambda.invocations
    );
    assert!(
        fake.connection_count() <= 2,
        "keep-alive: {}",
        fake.connection_count()
    );
    assert_eq!(
        fake.template_puts(),
        2,
        "the logs and the span index templates are installed once per container"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn built_binary_with_an_invalid_configuration_fails_every_invocation_with_every_problem() {
    let env = vec![
        ("AWS_REGION".to_owned(), "us-east-1".to_owned()),
        ("METRICS_MODE".to_owned(), "smoke-signals".to_owned()),
        ("REDACT".to_owned(), "email,ssn".to_owned()),
    ];
    let mut lambda = Lambda::start(&env).await;
    for _ in 0..2 {
        let event = read("06-subscription/lambda-event/datadog-coldstart.json");
        match lambda.invoke(event).await.1 {
            Outcome::Error { error_type, body } => {
                let body: Value = serde_json::from_slice(&body).unwrap();
                assert_eq!(
                    body["errorType"], "ShipLogs.NonRetryable.InvalidConfiguration",
                    "{error_type:?}"
                );
                let message = body["errorMessage"].as_str().unwrap();
                for needle in [
                    "OPENSEARCH_ENDPOINT",
                    "smoke-signals",
                    "ssn",
                    "3 problem(s)",
                ] {
                    assert!(message.contains(needle), "{needle}: {message}");
                }
            }
            other => panic!("expected an error, got {other:?}"),
        }
    }
    assert!(lambda.process.exited().is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cold_start_and_peak_rss_are_measured() {
    let fake = FakeOpenSearch::start(FakeAuth::None, Faults::default())
        .await
        .unwrap();
    let env: Vec<(String, String)> = [
        ("OPENSEARCH_ENDPOINT", fake.url()),
        ("OPENSEARCH_AUTH", "none".to_owned()),
        ("METRICS_MODE", "emf".to_owned()),
        ("AWS_REGION", "us-east-1".to_owned()),
        ("AWS_ACCESS_KEY_ID", "testing".to_owned()),
        ("AWS_SECRET_ACCESS_KEY", "testing".to_owned()),
        ("AWS_EC2_METADATA_DISABLED", "true".to_owned()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    let spec = WorkloadSpec {
        payloads: 1,
        events_per_payload: 27_000,
        ..WorkloadSpec::default()
    };
    let payload = generate_payload(&spec, 0);
    let api = RuntimeApi::start(FUNCTION).await.unwrap();
    let binary = binary();
    let spawned = Instant::now();
    let process = LambdaProcess::spawn(&binary, &api, &env).unwrap();
    let first_poll = api.first_poll(WAIT).await.unwrap();
    let init = first_poll.duration_since(spawned);
    let rss_idle = peak_rss_kib(Some(process.pid()));
    let logs_at_init = process.stdout().len() + process.stderr().len();
    api.enqueue(Invocation {
        request_id: "c01d57a7-0000-4000-8000-000000000001".to_owned(),
        payload: payload.lambda_event.clone(),
        timeout: Duration::from_secs(120),
        trace_id: "Root=1-00000000-000000000000000000000001;Sampled=0".to_owned(),
    });
    let handled_at = Instant::now();
    let outcome = api
        .outcome(
            "c01d57a7-0000-4000-8000-000000000001",
            Duration::from_secs(180),
        )
        .await
        .unwrap();
    let took = handled_at.elapsed();
    let answer = outcome.json().unwrap_or_else(|| panic!("{outcome:?}"));
    assert_eq!(
        answer["documents"],
        json!(spec.events_per_payload),
        "{answer}"
    );
    let rss_peak = peak_rss_kib(Some(process.pid()));
    // Its own log lines for the invocation (what CloudWatch Logs would ingest besides the
    // platform's START/END/REPORT): a summary and the self-metrics, never a line per event.
    let give_up = Instant::now() + Duration::from_secs(10);
    while !process
        .stdout()
        .lines()
        .any(|l| serde_json::from_str::<Value>(l).is_ok_and(|v| is_self_metrics(&v)))
        && Instant::now() < give_up
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let own_log_bytes = process.stdout().len() + process.stderr().len() - logs_at_init;
    assert!(
        (200..4096).contains(&own_log_bytes),
        "{own_log_bytes} bytes of own logs for one invocation:\n{}\n{}",
        process.stdout(),
        process.stderr()
    );
    println!(
        "ship-logs own log bytes for the invocation of {} events: {own_log_bytes}",
        payload.events
    );
    println!(
        "ship-logs cold start ({}): init (spawn → first /next) {:.1} ms; peak RSS idle {} KiB, \
         after one {:.2} MB compressed payload ({} events, {:.1} MB raw) {} KiB; invocation {} ms",
        binary.display(),
        init.as_secs_f64() * 1e3,
        rss_idle.map_or("?".to_owned(), |k| k.to_string()),
        payload.gzip_bytes as f64 / 1e6,
        payload.events,
        payload.raw_bytes as f64 / 1e6,
        rss_peak.map_or("?".to_owned(), |k| k.to_string()),
        took.as_millis()
    );
}
