//! The BUILT binaries against the REAL OpenSearch node (`shiplog_tests::real_opensearch`): the
//! `ship-logs` Lambda driven through the Runtime API emulator, `shiplog replay --to-opensearch`
//! and `shiplog redrive`, dead letters in moto S3. Every test keeps to its own index prefix on the
//! shared node, except the outage test, which stops and restarts a node of its own.
//!
//! The binaries are `target/debug/ship-logs` and `target/debug/shiplog` next to this test
//! executable (`cargo test --workspace` builds them before any test runs; alone:
//! `cargo build -p shiplog-ship-logs -p shiplog-cli --bins`), or `SHIPLOG_SHIP_LOGS_BIN` /
//! `SHIPLOG_CLI_BIN`. A binary older than one of the sources cargo built it from (its dep-info
//! file, `<binary>.d`) fails the test with the build command instead of testing old code.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)] // test code

use serde_json::{json, Value};
use shiplog::delivery::index_template::{render_template, template_name};
use shiplog::pipeline::{Pipeline, PipelineConfig};
use shiplog::testing::workload::{generate_payload, WorkloadSpec};
use shiplog::testing::CollectingSink;
use shiplog_adapters::dead_letter::DeadLetterStore;
use shiplog_tests::binaries::built_binary;
use shiplog_tests::moto::MotoServer;
use shiplog_tests::real_opensearch::{PrivateNode, RealOpenSearch};
use shiplog_tests::repo_root;
use shiplog_tests::runtime_api::{DeadlineHeader, Invocation, LambdaProcess, Outcome, RuntimeApi};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

const FUNCTION: &str = "shiplog-ship-logs";
const BUCKET: &str = "shiplog-dead-letters";
const DEAD_LETTER_PREFIX: &str = "shiplog/dead-letter/";
const INVOCATION_TIMEOUT: Duration = Duration::from_secs(60);
const WAIT: Duration = Duration::from_secs(120);
/// What cargo-lambda 1.9's emulator sends as `Lambda-Runtime-Deadline-Ms`: 10 minutes, relative.
const CARGO_LAMBDA_DEADLINE: &str = "600000";
/// Message of ship-logs' once-per-container line about an implausible deadline.
const IMPLAUSIBLE_MESSAGE: &str = "ship-logs received an implausible deadline";
const SAMPLES: [&str; 4] = [
    "samples/cloudwatch/checkout-json-log-format.json",
    "samples/cloudwatch/order-api-node.json",
    "samples/cloudwatch/payments-python-powertools.json",
    "samples/kinesis/mixed-runtimes-with-control.json",
];

type Key = (String, String);

// ---------------------------------------------------------------------------------------------
// The built binaries.

fn ship_logs_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| built_binary("ship-logs", "shiplog-ship-logs", "SHIPLOG_SHIP_LOGS_BIN"))
}

fn cli_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| built_binary("shiplog", "shiplog-cli", "SHIPLOG_CLI_BIN"))
}

/// Runs the `shiplog` CLI (in the repository root, with exactly `env`).
async fn shiplog_cli(args: &[&str], env: &[(String, String)]) -> Output {
    let mut command = Command::new(cli_bin());
    command
        .args(args)
        .current_dir(repo_root())
        .env_clear()
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

// ---------------------------------------------------------------------------------------------
// ship-logs through the Runtime API emulator.

/// A running ship-logs binary and its Runtime API.
struct Lambda {
    api: RuntimeApi,
    process: LambdaProcess,
    next: u64,
}

impl Lambda {
    fn env(
        url: &str,
        prefix: &str,
        moto: &MotoServer,
        extra: &[(&str, &str)],
    ) -> Vec<(String, String)> {
        let mut env = moto.env_vars();
        for (k, v) in [
            ("OPENSEARCH_ENDPOINT", url),
            ("OPENSEARCH_AUTH", "none"),
            ("INDEX_PREFIX", prefix),
            ("DEAD_LETTER_BUCKET", BUCKET),
            ("METRICS_MODE", "off"),
        ]
        .into_iter()
        .chain(extra.iter().copied())
        {
            env.retain(|(key, _)| key != k);
            env.push((k.to_owned(), v.to_owned()));
        }
        env
    }

    async fn start(env: &[(String, String)]) -> Self {
        let api = RuntimeApi::start(FUNCTION).await.unwrap();
        let process = LambdaProcess::spawn(ship_logs_bin(), &api, env).unwrap();
        Lambda {
            api,
            process,
            next: 1,
        }
    }

    /// Queues `payload` with `deadline`; returns the request id.
    fn enqueue(&mut self, payload: Vec<u8>, deadline: DeadlineHeader) -> String {
        let n = self.next;
        self.next += 1;
        let request_id = format!(
            "0000b1b1-0000-4000-8000-{:06}{n:06}",
            std::process::id() % 1_000_000
        );
        self.api.enqueue_with_deadline(
            Invocation {
                request_id: request_id.clone(),
                payload,
                timeout: INVOCATION_TIMEOUT,
                trace_id: format!("Root=1-00000000-{n:024};Sampled=0"),
            },
            deadline,
        )
    }

    async fn outcome(&self, request_id: &str) -> Outcome {
        self.api.outcome(request_id, WAIT).await.unwrap_or_else(|| {
            panic!(
                "no outcome for {request_id}\nstdout:\n{}\nstderr:\n{}",
                self.process.stdout(),
                self.process.stderr()
            )
        })
    }

    /// Invokes and expects a response (not an error).
    async fn invoke_ok(&mut self, payload: Vec<u8>, deadline: DeadlineHeader, what: &str) -> Value {
        let id = self.enqueue(payload, deadline);
        let outcome = self.outcome(&id).await;
        outcome.json().unwrap_or_else(|| {
            panic!(
                "{what}: expected a response, got {outcome:?}\nstdout:\n{}",
                self.process.stdout()
            )
        })
    }

    /// stdout as JSON lines.
    fn stdout_json(&self) -> Vec<Value> {
        self.process
            .stdout()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("non-JSON line {l:?}: {e}")))
            .collect()
    }
}

/// A moto server with the dead-letter bucket, and a store reading it.
async fn moto_with_bucket() -> (MotoServer, DeadLetterStore) {
    let moto = MotoServer::start().unwrap_or_else(|e| panic!("{e}"));
    let sdk = moto.sdk_config().await;
    let s3 = MotoServer::s3_client(&sdk);
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let store = DeadLetterStore::from_sdk_config(&sdk, BUCKET);
    (moto, store)
}

// ---------------------------------------------------------------------------------------------
// What shiplog produces, and what the node holds.

/// What the core produces for one input: its documents, and its bulk items (documents and
/// invocation spans).
#[derive(Debug, Clone, Copy)]
struct Produced {
    documents: usize,
    items: usize,
}

/// The documents the core produces for `inputs` fed in order to one pipeline (as one warm
/// container does), by (index, `_id`), and what each input produced.
fn reference(prefix: &str, inputs: &[Vec<u8>]) -> (BTreeMap<Key, Value>, Vec<Produced>) {
    let mut pipeline = Pipeline::new(PipelineConfig {
        index_prefix: prefix.to_owned(),
        own_log_groups: vec![format!("/aws/lambda/{FUNCTION}")],
        ..PipelineConfig::default()
    });
    let mut docs = BTreeMap::new();
    let mut per_input = Vec::new();
    for input in inputs {
        let mut sink = CollectingSink::new(prefix);
        let _ = pipeline.process_input(input, &mut sink);
        per_input.push(Produced {
            documents: sink.documents.len(),
            items: sink.documents.len() + sink.spans.len(),
        });
        for (index, id, source) in sink.documents {
            docs.insert((index, id), source);
        }
    }
    (docs, per_input)
}

/// Every `*.json` below `dir`, in path order (as `replay` reads a directory).
fn sample_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|x| x == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn samples() -> Vec<Vec<u8>> {
    SAMPLES
        .iter()
        .map(|p| std::fs::read(repo_root().join(p)).unwrap_or_else(|e| panic!("{p}: {e}")))
        .collect()
}

/// Every (index, `_id`) under `pattern` (at most 10 000).
async fn stored_keys(os: &RealOpenSearch, pattern: &str) -> BTreeSet<Key> {
    let answer = os
        .search(
            pattern,
            &json!({"size": 10_000, "_source": false, "query": {"match_all": {}}}),
        )
        .await;
    answer["hits"]["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| {
            (
                h["_index"].as_str().unwrap().to_owned(),
                h["_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

fn n(v: &Value) -> u64 {
    v.as_u64().unwrap_or_else(|| panic!("not a count: {v}"))
}

/// Asserts a CloudWatch Logs answer: `documents`, and how they were delivered.
fn assert_answer(answer: &Value, documents: usize, indexed: usize, already: usize, what: &str) {
    assert_eq!(answer["documents"], json!(documents), "{what}: {answer}");
    assert_eq!(answer["indexed"], json!(indexed), "{what}: {answer}");
    assert_eq!(answer["alreadyPresent"], json!(already), "{what}: {answer}");
    assert_eq!(answer["deadLettered"], json!(0), "{what}: {answer}");
}

/// Installs shiplog's index template for `prefix` (what ship-logs does on first delivery).
async fn install_template(os: &RealOpenSearch, prefix: &str) {
    let body: Value = serde_json::from_slice(&render_template(prefix).unwrap()).unwrap();
    os.put_ok(
        &format!("/_index_template/{}", template_name(prefix)),
        &body,
    )
    .await;
}

// ---------------------------------------------------------------------------------------------
// The tests.

/// Task A end to end: an emulator that sends `Lambda-Runtime-Deadline-Ms: 600000` (cargo-lambda
/// 1.9) — or a deadline a day away — still gets every document indexed, none dead-lettered, and
/// the implausible deadline is reported once per container, naming the value.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_implausible_emulator_deadline_still_indexes_everything_and_is_reported_once() {
    let os = RealOpenSearch::shared();
    let prefix = os.unique_prefix("deadline");
    let pattern = format!("{prefix}-*");
    let (moto, store) = moto_with_bucket().await;
    let env = Lambda::env(os.url(), &prefix, &moto, &[("METRICS_MODE", "emf")]);
    let mut lambda = Lambda::start(&env).await;
    let inputs = samples();
    let (docs, per_input) = reference(&prefix, &inputs[..3]);
    let day_ahead = (shiplog_adapters::now_millis().0 + 86_400_000).to_string();
    let deadlines = [
        DeadlineHeader::Raw(CARGO_LAMBDA_DEADLINE.to_owned()),
        DeadlineHeader::Raw(CARGO_LAMBDA_DEADLINE.to_owned()),
        DeadlineHeader::Raw(day_ahead),
    ];
    for ((input, produced), deadline) in inputs[..3].iter().zip(&per_input).zip(deadlines) {
        let what = format!("{deadline:?}");
        let answer = lambda.invoke_ok(input.clone(), deadline, &what).await;
        assert_answer(&answer, produced.documents, produced.items, 0, &what);
    }
    assert_eq!(os.count(&pattern).await, docs.len() as u64);
    assert_eq!(
        stored_keys(&os, &pattern).await,
        docs.keys().cloned().collect()
    );
    assert!(
        store.list(DEAD_LETTER_PREFIX).await.unwrap().is_empty(),
        "no dead letter"
    );

    // Reported once (three implausible deadlines, one container), with the value received.
    let give_up = Instant::now() + Duration::from_secs(10);
    while lambda
        .stdout_json()
        .iter()
        .filter(|l| is_self_metrics(l))
        .count()
        < 3
        && Instant::now() < give_up
    {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let lines = lambda.stdout_json();
    let reports: Vec<&Value> = lines
        .iter()
        .filter(|l| {
            l["fields"]["message"]
                .as_str()
                .is_some_and(|m| m.starts_with(IMPLAUSIBLE_MESSAGE))
        })
        .collect();
    assert_eq!(reports.len(), 1, "once per container: {lines:?}");
    assert_eq!(reports[0]["level"], "WARN", "{}", reports[0]);
    assert_eq!(reports[0]["fields"]["received_deadline_ms"], json!(600_000));
    assert!(
        reports[0]["fields"]["message"]
            .as_str()
            .unwrap()
            .contains(CARGO_LAMBDA_DEADLINE),
        "{}",
        reports[0]
    );
    let dead: f64 = lines
        .iter()
        .filter(|l| is_self_metrics(l))
        .filter_map(|l| l["DeadLettered"].as_f64())
        .sum();
    assert_eq!(dead, 0.0, "self-metrics: nothing dead-lettered");
    os.delete(&pattern, Some(&template_name(&prefix))).await;
}

fn is_self_metrics(line: &Value) -> bool {
    line["_aws"]["CloudWatchMetrics"][0]["Metrics"]
        .as_array()
        .is_some_and(|m| m.iter().any(|d| d["Name"] == "EventsIn"))
}

/// B1: the built ship-logs ships every sample (CloudWatch Logs and Kinesis) into the real node:
/// exactly the documents the core produces, by (index, `_id`); a redelivery adds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ship_logs_ships_the_samples_into_the_real_node_and_a_redelivery_adds_nothing() {
    let os = RealOpenSearch::shared();
    let prefix = os.unique_prefix("ship-logs-samples");
    let pattern = format!("{prefix}-*");
    let (moto, store) = moto_with_bucket().await;
    let mut lambda = Lambda::start(&Lambda::env(os.url(), &prefix, &moto, &[])).await;
    let inputs = samples();
    let (docs, per_input) = reference(&prefix, &inputs);
    assert!(docs.len() >= 20, "{}", docs.len());
    for round in ["first delivery", "redelivery"] {
        for ((path, input), produced) in SAMPLES.iter().zip(&inputs).zip(&per_input) {
            let what = format!("{round} of {path}");
            let answer = lambda
                .invoke_ok(input.clone(), DeadlineHeader::FromTimeout, &what)
                .await;
            if path.contains("/kinesis/") {
                assert_eq!(answer, json!({"batchItemFailures": []}), "{what}");
            } else if round == "first delivery" {
                assert_answer(&answer, produced.documents, produced.items, 0, &what);
            } else {
                assert_answer(&answer, produced.documents, 0, produced.items, &what);
            }
        }
        assert_eq!(
            os.count(&pattern).await,
            docs.len() as u64,
            "after the {round}"
        );
        assert_eq!(
            stored_keys(&os, &pattern).await,
            docs.keys().cloned().collect(),
            "after the {round}"
        );
    }
    assert!(store.list(DEAD_LETTER_PREFIX).await.unwrap().is_empty());
    os.delete(&pattern, Some(&template_name(&prefix))).await;
}

/// B2: `shiplog replay --to-opensearch` (the built CLI) ships samples/ into the real node: the
/// count is the replay's document count, every request's documents are found by request id, and
/// a second replay adds nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_replay_to_the_real_node_indexes_the_replayed_documents_searchable_by_request_id() {
    let os = RealOpenSearch::shared();
    let prefix = os.unique_prefix("cli-replay");
    let pattern = format!("{prefix}-*");
    // What replay says it would ship.
    // Spans off: this test counts documents (spans have their own test).
    let dry = shiplog_cli(
        &[
            "replay",
            "--no-spans",
            "--index-prefix",
            &prefix,
            "samples/",
        ],
        &[],
    )
    .await;
    assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
    let replayed: Vec<Value> = String::from_utf8(dry.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|l| l["type"] == "document")
        .collect();
    let keys: BTreeSet<Key> = replayed
        .iter()
        .map(|d| {
            (
                d["index"].as_str().unwrap().to_owned(),
                d["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(keys.len(), replayed.len(), "one document per event id");
    let every_sample: Vec<Vec<u8>> = sample_files(&repo_root().join("samples"))
        .iter()
        .map(|p| std::fs::read(p).unwrap())
        .collect();
    let (reference_docs, _) = reference(&prefix, &every_sample);
    assert_eq!(keys.len(), reference_docs.len());

    for (run, indexed, already) in [("first", keys.len(), 0), ("second", 0, keys.len())] {
        let out = shiplog_cli(
            &[
                "replay",
                "--no-spans",
                "--to-opensearch",
                os.url(),
                "--index-prefix",
                &prefix,
                "samples/",
            ],
            &[],
        )
        .await;
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(0), "{run} replay: {err}");
        let line = format!(
            "opensearch: {} documents: {indexed} indexed (0 salvaged), {already} already present, 0 dead-lettered",
            keys.len()
        );
        assert!(err.contains(&line), "{run} replay: {line:?} in\n{err}");
        assert_eq!(
            os.count(&pattern).await,
            keys.len() as u64,
            "after the {run} replay"
        );
    }
    assert_eq!(stored_keys(&os, &pattern).await, keys);

    // Searchable by request id: each request's documents, exactly.
    let mut by_request: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for d in &replayed {
        if let Some(request) = d["source"]["attributes"]["faas"]["invocation_id"].as_str() {
            by_request
                .entry(request)
                .or_default()
                .insert(d["id"].as_str().unwrap());
        }
    }
    assert!(by_request.len() >= 4, "{by_request:?}");
    for (request, ids) in &by_request {
        let answer = os
            .search(
                &pattern,
                &json!({"size": 1000, "_source": false, "track_total_hits": true,
                        "query": {"term": {"attributes.faas.invocation_id": request}}}),
            )
            .await;
        let found: BTreeSet<&str> = answer["hits"]["hits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|h| h["_id"].as_str().unwrap())
            .collect();
        assert_eq!(&found, ids, "request {request}");
    }
    os.delete(&pattern, Some(&template_name(&prefix))).await;
}

/// B3: documents the engine refuses (a write-blocked daily index: `403 cluster_block_exception`
/// items) are dead-lettered to moto S3 by the built ship-logs; once the block is lifted,
/// `shiplog redrive` re-sends them: the count is exact, a second redrive changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cli_redrive_resends_documents_the_engine_refused_exactly_once() {
    let os = RealOpenSearch::shared();
    let prefix = os.unique_prefix("redrive");
    let pattern = format!("{prefix}-*");
    let (moto, store) = moto_with_bucket().await;
    let inputs = samples();
    let (docs, _) = reference(&prefix, &inputs);
    // The day with the fewest documents is refused.
    let mut per_index: BTreeMap<&str, usize> = BTreeMap::new();
    for (index, _) in docs.keys() {
        *per_index.entry(index).or_default() += 1;
    }
    let (blocked, refused) = per_index
        .iter()
        .min_by_key(|(_, n)| **n)
        .map(|(i, n)| ((*i).to_owned(), *n))
        .unwrap();
    install_template(&os, &prefix).await;
    os.put_ok(
        &format!("/{blocked}"),
        &json!({"settings": {"index.blocks.write": true}}),
    )
    .await;

    // Spans off: this test counts documents against the answer's `indexed`.
    let mut lambda =
        Lambda::start(&Lambda::env(os.url(), &prefix, &moto, &[("SPANS", "off")])).await;
    let mut dead_lettered = 0;
    for (path, input) in SAMPLES.iter().zip(&inputs) {
        let answer = lambda
            .invoke_ok(input.clone(), DeadlineHeader::FromTimeout, path)
            .await;
        if !path.contains("/kinesis/") {
            dead_lettered += n(&answer["deadLettered"]);
            assert_eq!(
                n(&answer["indexed"]) + n(&answer["deadLettered"]),
                n(&answer["documents"]),
                "{path}: {answer}"
            );
        } else {
            assert_eq!(
                answer,
                json!({"batchItemFailures": []}),
                "{path}: dead-lettered, not failed"
            );
        }
    }
    let keys = store.list(DEAD_LETTER_PREFIX).await.unwrap();
    let mut entries = Vec::new();
    for key in &keys {
        entries.extend(store.read(key).await.unwrap());
    }
    assert_eq!(
        entries.len(),
        refused,
        "every document of {blocked} dead-lettered: {keys:?}"
    );
    assert!(dead_lettered <= refused as u64);
    for e in &entries {
        assert_eq!(e.index, blocked);
        assert_eq!(e.error.status, 403, "{:?}", e.error);
        assert_eq!(
            e.error.kind.opensearch_type(),
            Some("cluster_block_exception"),
            "{:?}",
            e.error
        );
    }
    assert_eq!(os.count(&pattern).await, (docs.len() - refused) as u64);

    // While the block holds, redrive keeps them (exit 3) and indexes nothing.
    let redrive = [
        "redrive",
        &format!("s3://{BUCKET}"),
        "--to-opensearch",
        os.url(),
        "--index-prefix",
        &prefix,
        "--delete",
    ]
    .map(str::to_owned);
    let args: Vec<&str> = redrive.iter().map(String::as_str).collect();
    let out = shiplog_cli(&args, &moto.env_vars()).await;
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert_eq!(os.count(&pattern).await, (docs.len() - refused) as u64);

    os.put_ok(
        &format!("/{blocked}/_settings"),
        &json!({"index.blocks.write": false}),
    )
    .await;
    let out = shiplog_cli(&args, &moto.env_vars()).await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!(
            "{refused} indexed (0 salvaged), 0 already present, 0 dead-lettered"
        )),
        "{err}"
    );
    assert_eq!(os.count(&pattern).await, docs.len() as u64);
    assert_eq!(
        stored_keys(&os, &pattern).await,
        docs.keys().cloned().collect()
    );
    assert!(
        store.list(DEAD_LETTER_PREFIX).await.unwrap().is_empty(),
        "--delete"
    );

    // A second redrive finds nothing; a redelivery of everything adds nothing.
    let out = shiplog_cli(&args, &moto.env_vars()).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for (path, input) in SAMPLES.iter().zip(&inputs) {
        let answer = lambda
            .invoke_ok(input.clone(), DeadlineHeader::FromTimeout, path)
            .await;
        if !path.contains("/kinesis/") {
            assert_eq!(answer["indexed"], json!(0), "{path}: {answer}");
            assert_eq!(answer["deadLettered"], json!(0), "{path}: {answer}");
        }
    }
    assert_eq!(os.count(&pattern).await, docs.len() as u64);
    os.delete(&pattern, Some(&template_name(&prefix))).await;
}

/// B4: the engine goes away in the middle of a shipment. ship-logs (dead-letter bucket set)
/// answers successfully with what it indexed before the outage and dead-letters the rest to S3
/// (documented: the invocation fails only when the dead letter cannot be written either). After
/// the node restarts on the same data, a redelivery of the payload and `shiplog redrive` bring the
/// count to exactly the number of events: nothing lost, nothing twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_engine_going_away_mid_shipment_loses_nothing_and_duplicates_nothing() {
    // Declared before the node, so dropped after it (also when the test fails): the node is
    // stopped first, then its data directory removed.
    let state = RemovedOnDrop(std::env::temp_dir().join(format!(
        "shiplog-outage-node-{}-{}",
        std::process::id(),
        shiplog_adapters::now_millis().0
    )));
    let started = Instant::now();
    let node_state = state.0.clone();
    let mut node = tokio::task::spawn_blocking(move || PrivateNode::start(&node_state))
        .await
        .unwrap()
        .unwrap_or_else(|e| panic!("private node: {e}"));
    let url = node.url().unwrap().to_owned();
    println!("private node up at {url} in {:?}", started.elapsed());
    let os = RealOpenSearch::at(&url);
    let prefix = "outage";
    let pattern = format!("{prefix}-*");
    let (moto, store) = moto_with_bucket().await;

    let spec = WorkloadSpec {
        payloads: 1,
        events_per_payload: OUTAGE_EVENTS,
        ..WorkloadSpec::default()
    };
    let payload = generate_payload(&spec, 0).lambda_event;
    let (docs, _) = reference(prefix, std::slice::from_ref(&payload));
    assert_eq!(docs.len(), OUTAGE_EVENTS, "one document per event");

    let chunk = OUTAGE_CHUNK.to_string();
    let env = Lambda::env(
        &url,
        prefix,
        &moto,
        &[
            ("OPENSEARCH_BULK_MAX_ACTIONS", &chunk),
            ("DEADLINE_SAFETY_MS", "1000"),
            // This test counts documents against the answer's `indexed`.
            ("SPANS", "off"),
        ],
    );
    let mut lambda = Lambda::start(&env).await;
    let shipping = Instant::now();
    let id = lambda.enqueue(payload.clone(), DeadlineHeader::FromTimeout);
    // Stop the engine once its first `_bulk` requests are in (counted after a refresh, so
    // without the refresh interval's lag), well before the whole payload is.
    let give_up = Instant::now() + Duration::from_secs(60);
    let mut seen = 0;
    while seen < OUTAGE_STOP_AT {
        assert!(
            Instant::now() < give_up,
            "only {seen} documents indexed within 60 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
        seen = count_now(&os, &pattern).await;
    }
    assert!(
        seen < OUTAGE_EVENTS as u64,
        "the whole payload was shipped before the stop: make OUTAGE_EVENTS larger"
    );
    let stopping = Instant::now();
    node = tokio::task::spawn_blocking(move || {
        node.stop().unwrap();
        node
    })
    .await
    .unwrap();
    println!(
        "stopped the node {:?} after shipping began ({seen} documents searchable), in {:?}",
        stopping - shipping,
        stopping.elapsed()
    );
    let outcome = lambda.outcome(&id).await;
    println!(
        "the invocation ended {:?} after shipping began: {:?}",
        shipping.elapsed(),
        outcome.json()
    );
    let answer = outcome.json().unwrap_or_else(|| {
        panic!("documented: a dead-letter bucket makes the invocation succeed; got {outcome:?}")
    });
    let (indexed, dead) = (n(&answer["indexed"]), n(&answer["deadLettered"]));
    assert_eq!(answer["documents"], json!(OUTAGE_EVENTS), "{answer}");
    assert_eq!(
        indexed + n(&answer["alreadyPresent"]) + dead,
        OUTAGE_EVENTS as u64,
        "{answer}"
    );
    assert!(
        indexed > 0,
        "some documents made it before the outage: {answer}"
    );
    assert!(dead > 0, "the rest was dead-lettered: {answer}");
    let keys = store.list(DEAD_LETTER_PREFIX).await.unwrap();
    assert_eq!(keys.len(), 1, "{keys:?}");
    assert!(keys[0].ends_with(&format!("/{id}.ndjson.gz")), "{keys:?}");
    let entries = store.read(&keys[0]).await.unwrap();
    assert_eq!(entries.len() as u64, dead);
    drop(lambda);

    // The engine comes back on the same data (on a new port).
    let restarting = Instant::now();
    let (node, url) = tokio::task::spawn_blocking(move || {
        let url = node.restart().unwrap().to_owned();
        (node, url)
    })
    .await
    .unwrap();
    println!("restarted at {url} in {:?}", restarting.elapsed());
    let os = RealOpenSearch::at(&url);
    let before = os.count(&pattern).await;
    // Documents of a request in flight when the node went away may be in too (dead-lettered
    // all the same): the redelivery and the redrive then find them already present.
    assert!(
        before >= indexed,
        "what was indexed survived the restart: {before} (indexed {indexed})"
    );

    // Lambda redelivers the payload (to a fresh container pointed at the node's new port) …
    let env = Lambda::env(&url, prefix, &moto, &[("SPANS", "off")]);
    let mut lambda = Lambda::start(&env).await;
    let answer = lambda
        .invoke_ok(payload, DeadlineHeader::FromTimeout, "redelivery")
        .await;
    assert_eq!(answer["deadLettered"], json!(0), "{answer}");
    assert_eq!(
        n(&answer["indexed"]),
        OUTAGE_EVENTS as u64 - before,
        "the redelivery indexes exactly what is missing: {answer}"
    );
    assert_eq!(n(&answer["alreadyPresent"]), before, "{answer}");
    assert_eq!(os.count(&pattern).await, OUTAGE_EVENTS as u64);

    // … and the operator redrives the dead letters: everything is already there.
    let bucket = format!("s3://{BUCKET}");
    let out = shiplog_cli(
        &[
            "redrive",
            &bucket,
            "--to-opensearch",
            &url,
            "--index-prefix",
            prefix,
            "--delete",
        ],
        &moto.env_vars(),
    )
    .await;
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains(&format!(
            "0 indexed (0 salvaged), {dead} already present, 0 dead-lettered"
        )),
        "{err}"
    );
    assert!(
        store.list(DEAD_LETTER_PREFIX).await.unwrap().is_empty(),
        "--delete"
    );
    assert_eq!(os.count(&pattern).await, OUTAGE_EVENTS as u64);
    assert_eq!(
        stored_keys(&os, &pattern).await,
        docs.keys().cloned().collect()
    );
    drop(lambda);
    let _ = tokio::task::spawn_blocking(move || drop(node)).await;
    drop(state);
    println!("outage test took {:?}", started.elapsed());
}

/// Refreshes `pattern` and counts its documents; 0 while that fails (an index being created
/// answers a refresh with an error until its shards are started).
async fn count_now(os: &RealOpenSearch, pattern: &str) -> u64 {
    let refresh = format!("/{pattern}/_refresh?allow_no_indices=true");
    let refreshed = os.request(reqwest::Method::POST, &refresh, None).await;
    if !(200..300).contains(&refreshed.status) {
        return 0;
    }
    let count = format!("/{pattern}/_count?allow_no_indices=true");
    let answer = os.request(reqwest::Method::GET, &count, None).await;
    answer.body["count"].as_u64().unwrap_or(0)
}

/// A directory removed when dropped.
struct RemovedOnDrop(PathBuf);

impl Drop for RemovedOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Events of the outage payload, and documents per `_bulk` request: enough requests that the
/// stop lands in the middle of the shipment.
const OUTAGE_EVENTS: usize = 5_000;
const OUTAGE_CHUNK: usize = 25;
/// Documents searchable when the node is stopped.
const OUTAGE_STOP_AT: u64 = 250;

// ---------------------------------------------------------------------------------------------
// Invocation spans (Trace Analytics).

/// The multi-function scenario of samples/slice/ (one user action across three functions, and
/// unrelated traffic).
fn slice_samples() -> Vec<(String, Vec<u8>)> {
    sample_files(&repo_root().join("samples/slice"))
        .into_iter()
        .map(|p| (p.display().to_string(), std::fs::read(&p).unwrap()))
        .collect()
}

/// The spans the core produces for `inputs` fed in order to one pipeline (in the Lambda's
/// region, `AWS_REGION` of `env`), by (index, `_id`).
fn reference_spans(
    prefix: &str,
    inputs: &[&[u8]],
    env: &[(String, String)],
) -> BTreeMap<Key, Value> {
    let region = env
        .iter()
        .find(|(k, _)| k == "AWS_REGION")
        .map(|(_, v)| v.clone());
    let mut pipeline = Pipeline::new(PipelineConfig {
        index_prefix: prefix.to_owned(),
        region,
        own_log_groups: vec![format!("/aws/lambda/{FUNCTION}")],
        ..PipelineConfig::default()
    });
    let mut spans = BTreeMap::new();
    for input in inputs {
        let mut sink = CollectingSink::new(prefix);
        let _ = pipeline.process_input(input, &mut sink);
        for (index, id, source) in sink.spans {
            spans.insert((index, id), source);
        }
    }
    spans
}

/// The type of `field` (a dotted path) in the mapping of the first index matching `pattern`.
fn mapped_type<'a>(mapping: &'a Value, field: &str) -> &'a Value {
    let mut at = &mapping["mappings"];
    for part in field.split('.') {
        at = &at["properties"][part];
    }
    &at["type"]
}

/// S1: the built ship-logs turns the scenario's invocations into spans in
/// `otel-v1-apm-span-<prefix>-*`: exactly the spans the core produces, under the mapping
/// Dashboards' Trace Analytics expects; the queries Trace Analytics issues (root spans, errors and
/// latency by service, the spans of one trace) answer with the scenario's functions, durations and
/// statuses; every span's documents are found by its spanId; a redelivery adds no span.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ship_logs_ships_invocation_spans_trace_analytics_can_query() {
    let os = RealOpenSearch::shared();
    let prefix = os.unique_prefix("spans");
    let span_pattern = format!("otel-v1-apm-span-{prefix}-*");
    let (moto, _store) = moto_with_bucket().await;
    let env = Lambda::env(os.url(), &prefix, &moto, &[]);
    let mut lambda = Lambda::start(&env).await;
    let inputs = slice_samples();
    let raw: Vec<&[u8]> = inputs.iter().map(|(_, b)| b.as_slice()).collect();
    let expected = reference_spans(&prefix, &raw, &env);
    assert!(
        expected.len() >= 3,
        "the scenario has at least three invocations"
    );
    for round in ["first delivery", "redelivery"] {
        for (path, input) in &inputs {
            lambda
                .invoke_ok(
                    input.clone(),
                    DeadlineHeader::FromTimeout,
                    &format!("{round} of {path}"),
                )
                .await;
        }
        os.refresh(&span_pattern).await;
        assert_eq!(
            os.count(&span_pattern).await,
            expected.len() as u64,
            "after the {round}"
        );
        assert_eq!(
            stored_keys(&os, &span_pattern).await,
            expected.keys().cloned().collect(),
            "after the {round}"
        );
    }
    // The stored spans are the core's, field for field.
    let hits = os
        .search(
            &span_pattern,
            &json!({"size": 1000, "query": {"match_all": {}}}),
        )
        .await;
    for hit in hits["hits"]["hits"].as_array().unwrap() {
        let key = (
            hit["_index"].as_str().unwrap().to_owned(),
            hit["_id"].as_str().unwrap().to_owned(),
        );
        assert_eq!(&hit["_source"], &expected[&key], "{key:?}");
    }

    // The template ship-logs installed, and the mapping Trace Analytics reads.
    let template = os
        .get_ok(&format!("/_index_template/otel-v1-apm-span-{prefix}"))
        .await;
    assert_eq!(
        template["index_templates"][0]["index_template"]["index_patterns"],
        json!([format!("otel-v1-apm-span-{prefix}-*")])
    );
    let mappings = os.get_ok(&format!("/{span_pattern}/_mapping")).await;
    let mapping = mappings.as_object().unwrap().values().next().unwrap();
    for (field, ty) in [
        ("traceId", "keyword"),
        ("spanId", "keyword"),
        ("parentSpanId", "keyword"),
        ("name", "keyword"),
        ("kind", "keyword"),
        ("serviceName", "keyword"),
        ("traceGroup", "keyword"),
        ("startTime", "date_nanos"),
        ("endTime", "date_nanos"),
        ("durationInNanos", "long"),
        ("status.code", "integer"),
        ("status.message", "keyword"),
        ("traceGroupFields.endTime", "date_nanos"),
        ("traceGroupFields.durationInNanos", "long"),
        ("traceGroupFields.statusCode", "integer"),
        ("events", "nested"),
        ("links", "nested"),
        ("span.attributes.faas@coldstart", "boolean"),
        ("span.attributes.aws@lambda@billed_duration_ms", "double"),
        ("span.attributes.shiplog@estimated_cost_usd", "double"),
        ("resource.attributes.cloud@account@id", "keyword"),
    ] {
        assert_eq!(mapped_type(mapping, field), &json!(ty), "{field}");
    }

    // Root spans (Trace Analytics' traces table: parentSpanId is empty) — every span here.
    let roots = os
        .search(
            &span_pattern,
            &json!({"size": 0, "track_total_hits": true,
                    "query": {"bool": {"filter": [{"term": {"parentSpanId": ""}}]}}}),
        )
        .await;
    assert_eq!(roots["hits"]["total"]["value"], json!(expected.len()));

    // Errors and latency by service (the services table).
    let by_service = os
        .search(
            &span_pattern,
            &json!({"size": 0, "aggs": {"service": {"terms": {"field": "serviceName", "size": 50},
                "aggs": {"latency": {"avg": {"field": "durationInNanos"}},
                         "errors": {"filter": {"term": {"status.code": 2}}}}}}}),
        )
        .await;
    let mut want: BTreeMap<String, (u64, u64, i64)> = BTreeMap::new();
    for span in expected.values() {
        let e = want
            .entry(span["serviceName"].as_str().unwrap().to_owned())
            .or_default();
        e.0 += 1;
        e.1 += u64::from(span["status"]["code"] == 2);
        e.2 += span["durationInNanos"].as_i64().unwrap();
    }
    assert!(want.len() >= 3, "three functions at least: {want:?}");
    let buckets = by_service["aggregations"]["service"]["buckets"]
        .as_array()
        .unwrap();
    assert_eq!(buckets.len(), want.len(), "{by_service}");
    for b in buckets {
        let name = b["key"].as_str().unwrap();
        let (count, errors, total) = want[name];
        assert_eq!(n(&b["doc_count"]), count, "{name}");
        assert_eq!(n(&b["errors"]["doc_count"]), errors, "{name} errors");
        let avg = b["latency"]["value"].as_f64().unwrap();
        assert!(
            (avg - total as f64 / count as f64).abs() < 1.0,
            "{name}: {avg}"
        );
    }

    // The spans of one trace, and the logs of one span.
    let some = expected.values().next().unwrap();
    let trace_id = some["traceId"].as_str().unwrap();
    let in_trace = os
        .sources(
            &span_pattern,
            &json!({"query": {"term": {"traceId": trace_id}}}),
        )
        .await;
    let want_in_trace = expected
        .values()
        .filter(|s| s["traceId"] == trace_id)
        .count();
    assert_eq!(in_trace.len(), want_in_trace, "spans of trace {trace_id}");
    for span in expected.values() {
        let logs = os
            .sources(
                &format!("{prefix}-*"),
                &json!({"query": {"term": {"spanId": span["spanId"]}}}),
            )
            .await;
        assert!(!logs.is_empty(), "no logs for span {span}");
        for doc in &logs {
            assert_eq!(
                doc["attributes"]["faas"]["invocation_id"],
                span["span.attributes.faas@invocation_id"],
                "{doc}"
            );
            assert_eq!(doc["traceId"], span["traceId"], "{doc}");
        }
    }
    os.delete(&span_pattern, Some(&format!("otel-v1-apm-span-{prefix}")))
        .await;
    os.delete(&format!("{prefix}-*"), Some(&template_name(&prefix)))
        .await;
}
