//! `shiplog slice` (the BUILT CLI) against the REAL OpenSearch node: the multi-function sample
//! scenario (`samples/slice/`: shop-api → topic → fulfilment-worker → queue → notifier, with
//! unrelated traffic in the same payloads) is shipped once with `shiplog replay --to-opensearch`
//! under its own index prefix, then sliced by correlation id, request id, X-Ray and W3C trace id
//! and a user field: each returns exactly the scenario's documents, none of the unrelated ones.
//!
//! Refused credentials are checked against the in-repo fake (SigV4 verification is what it is
//! for): the real node runs with security off.
//!
//! The binary is `target/debug/shiplog` next to this test executable, built with the
//! `opensearch` feature (`cargo build -p shiplog-cli --features shiplog-cli/opensearch --bins`),
//! or `SHIPLOG_CLI_BIN`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code

use serde_json::Value;
use shiplog_tests::binaries::built_binary;
use shiplog_tests::fake_opensearch::{FakeAuth, FakeOpenSearch, Faults, TEST_REGION};
use shiplog_tests::real_opensearch::RealOpenSearch;
use shiplog_tests::repo_root;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The scenario's ids, as `scripts/make-samples.py` writes them.
const CORRELATION_ID: &str = "order-7f3a9e12-4b6c-4d8e-a1f0-3c5b7d9e2f40";
const ORDER_ID: &str = "o-88213";
const XRAY_TRACE_ID: &str = "1-691f0c5a-3e7b9d1f5a2c4e6b8d0f1a3c";
const W3C_TRACE_ID: &str = "691f0c5a3e7b9d1f5a2c4e6b8d0f1a3c";
const API_REQUEST: &str = "4d6f8a0c-2e4b-4d6f-9a1c-3e5b7d9f1a2c";
const WORKER_REQUEST: &str = "8e0a2c4e-6f8b-4a0c-9e2f-4b6d8f0a2c4e";
const NOTIFIER_REQUEST: &str = "f1a3c5e7-9b1d-4f3a-8c5e-7a9b1d3f5a7c";
const SCENARIO: &str = "samples/slice";

/// The built `shiplog` CLI (with the `opensearch` feature), refused when older than its sources.
fn cli_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| built_binary("shiplog", "shiplog-cli", "SHIPLOG_CLI_BIN"))
}

fn shiplog(args: &[&str]) -> Output {
    Command::new(cli_bin())
        .args(args)
        .current_dir(repo_root())
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn ndjson(out: &Output) -> Vec<Value> {
    std::str::from_utf8(&out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// The shipped scenario: its index prefix and the `(index, _id)` of the scenario's documents
/// (every document of the three requests, by the core's own replay of the same inputs).
struct Shipped {
    url: String,
    prefix: String,
    scenario: BTreeSet<(String, String)>,
    unrelated: BTreeSet<(String, String)>,
}

fn shipped() -> &'static Shipped {
    static SHIPPED: OnceLock<Shipped> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        let os = RealOpenSearch::shared();
        let prefix = os.unique_prefix("slice");
        let dry = shiplog(&["replay", "--index-prefix", &prefix, SCENARIO]);
        assert_eq!(dry.status.code(), Some(0), "{}", stderr(&dry));
        let mut scenario = BTreeSet::new();
        let mut unrelated = BTreeSet::new();
        for line in ndjson(&dry).iter().filter(|l| l["type"] == "document") {
            let key = (
                line["index"].as_str().unwrap().to_owned(),
                line["id"].as_str().unwrap().to_owned(),
            );
            let request = line["source"]["attributes"]["faas"]["invocation_id"].as_str();
            if request.is_some_and(|r| [API_REQUEST, WORKER_REQUEST, NOTIFIER_REQUEST].contains(&r))
            {
                scenario.insert(key);
            } else {
                unrelated.insert(key);
            }
        }
        assert_eq!(scenario.len(), 18, "six documents per scenario invocation");
        assert!(unrelated.len() >= 20, "{}", unrelated.len());
        let shipped = shiplog(&[
            "replay",
            "--to-opensearch",
            os.url(),
            "--index-prefix",
            &prefix,
            SCENARIO,
        ]);
        assert_eq!(shipped.status.code(), Some(0), "{}", stderr(&shipped));
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(os.refresh(&format!("{prefix}-*")));
        Shipped {
            url: os.url().to_owned(),
            prefix,
            scenario,
            unrelated,
        }
    })
}

/// `shiplog slice <args> --format json` on the shipped scenario.
fn slice_json(args: &[&str]) -> (Output, Vec<Value>) {
    let s = shipped();
    let mut all = args.to_vec();
    all.extend([
        "--format",
        "json",
        "--opensearch",
        &s.url,
        "--index-prefix",
        &s.prefix,
    ]);
    let mut command = vec!["slice"];
    command.extend(all);
    let out = shiplog(&command);
    let lines = ndjson(&out);
    (out, lines)
}

fn document_keys(lines: &[Value]) -> BTreeSet<(String, String)> {
    lines
        .iter()
        .filter(|l| l["type"] == "document")
        .map(|l| {
            (
                l["index"].as_str().unwrap().to_owned(),
                l["id"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// The slice is exactly the scenario: its 18 documents, its three invocations in time order
/// (with their REPORT numbers), nothing unrelated, complete.
fn assert_is_the_scenario(what: &str, out: &Output, lines: &[Value]) {
    let s = shipped();
    assert_eq!(out.status.code(), Some(0), "{what}: {}", stderr(out));
    let got = document_keys(lines);
    assert_eq!(got, s.scenario, "{what}: exactly the scenario's documents");
    assert!(got.is_disjoint(&s.unrelated), "{what}");
    let invocations: Vec<&Value> = lines.iter().filter(|l| l["type"] == "invocation").collect();
    let order: Vec<(&str, &str)> = invocations
        .iter()
        .map(|i| {
            (
                i["function"].as_str().unwrap(),
                i["request_id"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        order,
        [
            ("shop-api", API_REQUEST),
            ("fulfilment-worker", WORKER_REQUEST),
            ("notifier", NOTIFIER_REQUEST)
        ],
        "{what}: invocations in time order"
    );
    let api = invocations[0];
    assert_eq!(api["duration_ms"], 24.61, "{what}");
    assert_eq!(api["billed_duration_ms"], 25.0, "{what}");
    assert_eq!(api["cold_start"], false, "{what}");
    assert_eq!(api["errors"], 0, "{what}");
    let cost = api["estimated_cost_usd"].as_f64().unwrap();
    assert!(
        (cost - (0.025 * 0.25 * 0.000_016_666_7 + 0.000_000_2)).abs() < 1e-12,
        "{cost}"
    );
    assert_eq!(invocations[1]["errors"], 1, "{what}: the carrier timeout");
    assert_eq!(invocations[1]["duration_ms"], 1884.7, "{what}");
    assert_eq!(invocations[2]["memory_size_mb"], 128.0, "{what}");
    // Each invocation's documents follow its header, in time order, and belong to it.
    let mut current: Option<&str> = None;
    let mut last_time = String::new();
    for line in lines {
        match line["type"].as_str() {
            Some("invocation") => {
                current = line["request_id"].as_str();
                last_time.clear();
            }
            Some("document") => {
                let source = &line["source"];
                assert_eq!(
                    source["attributes"]["faas"]["invocation_id"].as_str(),
                    current,
                    "{what}: {line}"
                );
                let time = source["@timestamp"].as_str().unwrap().to_owned();
                assert!(time >= last_time, "{what}: {time} after {last_time}");
                last_time = time;
            }
            _ => {}
        }
    }
    let last = lines.last().unwrap();
    assert_eq!(last["type"], "slice", "{what}");
    assert_eq!(last["documents"], 18, "{what}");
    assert_eq!(last["invocations"], 3, "{what}");
    assert_eq!(last["complete"], true, "{what}");
}

#[test]
fn slice_by_correlation_id_is_exactly_the_three_functions_of_the_scenario() {
    let (out, lines) = slice_json(&[CORRELATION_ID]);
    assert_is_the_scenario("correlation id", &out, &lines);
}

#[test]
fn slice_by_a_request_id_reaches_the_other_functions_through_the_correlation_id() {
    for request in [WORKER_REQUEST, NOTIFIER_REQUEST, API_REQUEST] {
        let (out, lines) = slice_json(&[request]);
        assert_is_the_scenario(&format!("request id {request}"), &out, &lines);
    }
}

#[test]
fn slice_by_trace_id_in_xray_and_w3c_form() {
    for trace in [XRAY_TRACE_ID, W3C_TRACE_ID] {
        let (out, lines) = slice_json(&[trace]);
        assert_is_the_scenario(&format!("trace id {trace}"), &out, &lines);
    }
}

#[test]
fn small_pages_give_the_same_slice_in_the_same_order() {
    let (_, whole) = slice_json(&[CORRELATION_ID]);
    let (out, paged) = slice_json(&[CORRELATION_ID, "--page-size", "2"]);
    assert_is_the_scenario("pages of 2", &out, &paged);
    assert_eq!(
        paged, whole,
        "search_after pages add up to the one-page slice"
    );
}

#[test]
fn slice_by_a_user_field_value() {
    let (out, lines) = slice_json(&[ORDER_ID, "--field", "attributes.fields.order_id"]);
    assert_is_the_scenario("order id field", &out, &lines);
    assert_eq!(lines.last().unwrap()["field"], "attributes.fields.order_id");
}

#[test]
fn slice_text_output_groups_lines_per_invocation_without_colour_in_a_pipe() {
    let s = shipped();
    let out = shiplog(&[
        "slice",
        CORRELATION_ID,
        "--opensearch",
        &s.url,
        "--index-prefix",
        &s.prefix,
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = String::from_utf8(out.stdout.clone()).unwrap();
    assert!(!text.contains('\x1b'), "no colour in a pipe: {text}");
    let headers: Vec<&str> = text.lines().filter(|l| l.starts_with("── ")).collect();
    assert_eq!(headers.len(), 3, "{text}");
    assert!(
        headers[0].starts_with(&format!("── shop-api  {API_REQUEST}  2025-11-20T12:10:00.087Z  24.61 ms  warm  no errors  $0.0000003")),
        "{}",
        headers[0]
    );
    assert!(
        headers[1].contains("fulfilment-worker") && headers[1].contains("1 error"),
        "{}",
        headers[1]
    );
    assert!(
        headers[2].contains("notifier") && headers[2].contains(NOTIFIER_REQUEST),
        "{}",
        headers[2]
    );
    // One row per document (the REPORT's X-Ray part continues under the message column).
    let rows: Vec<&str> = text.lines().filter(|l| l.starts_with("2025-")).collect();
    assert_eq!(rows.len(), 18, "{text}");
    assert!(
        text.contains(&format!(
            "\n{}XRAY TraceId: {XRAY_TRACE_ID}",
            " ".repeat(55)
        )),
        "{text}"
    );
    assert!(
        rows.contains(&"2025-11-20T12:10:01.731Z | fulfilment-worker | ERROR | carrier API timed out, retrying"),
        "{text}"
    );
    assert!(
        rows.contains(
            &"2025-11-20T12:10:02.731Z | notifier          | INFO  | order confirmation mail sent"
        ),
        "{text}"
    );
    assert!(
        !text.contains("inventory-sync") && !text.contains("password reset"),
        "{text}"
    );
    assert!(
        stderr(&out).contains("slice: 3 invocation(s), 18 document(s)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn the_round_bound_cuts_the_slice_and_says_so() {
    let (out, lines) = slice_json(&[NOTIFIER_REQUEST, "--max-rounds", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let invocations: Vec<&Value> = lines.iter().filter(|l| l["type"] == "invocation").collect();
    assert_eq!(invocations.len(), 1, "only the seed's request");
    assert_eq!(invocations[0]["request_id"], NOTIFIER_REQUEST);
    let last = lines.last().unwrap();
    assert_eq!(last["complete"], false);
    assert_eq!(last["cut"], "max-rounds");
    assert!(stderr(&out).contains("--max-rounds"), "{}", stderr(&out));
}

#[test]
fn an_id_that_matches_nothing_exits_1_with_the_reason() {
    let (out, lines) = slice_json(&["order-that-never-was"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(lines.is_empty());
    assert!(
        stderr(&out).contains("nothing matches request or correlation id \"order-that-never-was\""),
        "{}",
        stderr(&out)
    );
    let (out, _) = slice_json(&[CORRELATION_ID, "--since", "2025-11-21T00:00:00Z"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("within --since/--until"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn an_unreachable_endpoint_or_a_bad_date_exits_2_with_the_reason() {
    let out = shiplog(&[
        "slice",
        CORRELATION_ID,
        "--opensearch",
        "http://127.0.0.1:9",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("http://127.0.0.1:9: cannot reach OpenSearch"),
        "{}",
        stderr(&out)
    );
    let (out, _) = slice_json(&[CORRELATION_ID, "--since", "yesterday-ish"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("HTTP 400"), "{}", stderr(&out));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refused_credentials_exit_2_with_the_reason() {
    let fake = FakeOpenSearch::start(FakeAuth::sigv4("es"), Faults::default())
        .await
        .unwrap();
    let url = fake.url();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(cli_bin())
            .args([
                "slice",
                CORRELATION_ID,
                "--opensearch",
                &url,
                "--auth",
                "sigv4",
            ])
            .env_clear()
            .env("AWS_ACCESS_KEY_ID", "AKIDNOTTHEONE")
            .env("AWS_SECRET_ACCESS_KEY", "not/the/secret")
            .env("AWS_REGION", TEST_REGION)
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("OpenSearch refused the credentials (HTTP 403)"),
        "{}",
        stderr(&out)
    );
    assert!(fake.auth_failures() >= 1);
}
