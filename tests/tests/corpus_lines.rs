//! Every line record of the corpus (`tests/fixtures/corpus/**/*.jsonl`) goes through the whole
//! pipeline (as a one-event DATA_MESSAGE, from the record's `log_group` / `log_stream` when it
//! names them) and the resulting document and metric points are checked field by field against
//! the record's `expect` oracle.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use serde_json::{json, Value};
use shiplog::metrics::MetricDefaults;
use shiplog::pipeline::{Pipeline, PipelineConfig};
use shiplog::testing::CollectingSink;
use shiplog_tests::{corpus_path, oracle};

/// Event timestamp used when a record's oracle does not imply one (the monitoring-bad notes use
/// it for range checks): 2023-11-14T22:13:20Z.
const DEFAULT_EVENT_MS: i64 = 1_700_000_000_000;
/// Namespace configured for the run; oracle `namespace: null` means "the configured default".
const DEFAULT_NAMESPACE: &str = "default";

fn records(rel: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(corpus_path(rel)).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Event time for a record: an epoch oracle timestamp is used as the event time so the point is
/// within CloudWatch's window; otherwise the default.
fn event_ms(expect: &Value) -> i64 {
    expect["metrics"]
        .as_array()
        .and_then(|m| m.first())
        .and_then(|m| m["timestamp"].as_f64())
        .map_or(DEFAULT_EVENT_MS, |s| (s * 1000.0).round() as i64)
}

struct Outcome {
    docs: Vec<Value>,
    sink: CollectingSink,
}

/// Where a record's line is logged: its `log_group` / `log_stream` when it names them (then the
/// `FunctionName` dimension is on, as in the product's default configuration, so the oracle's
/// metrics say which function the point is attributed to), else a neutral group and stream.
struct Origin<'r> {
    group: &'r str,
    stream: &'r str,
    function_dimension: bool,
}

impl<'r> Origin<'r> {
    fn of(rec: &'r Value) -> Self {
        match rec.get("log_group").and_then(Value::as_str) {
            Some(group) => Origin {
                group,
                stream: rec["log_stream"].as_str().unwrap_or(""),
                function_dimension: true,
            },
            None => Origin {
                group: "corpus",
                stream: "corpus-stream",
                function_dimension: false,
            },
        }
    }
}

fn run_line(message: &str, event_time: i64, origin: &Origin<'_>) -> Outcome {
    let payload = json!({
        "messageType": "DATA_MESSAGE",
        "owner": "123456789012",
        "logGroup": origin.group,
        "logStream": origin.stream,
        "subscriptionFilters": ["shiplog"],
        "logEvents": [{"id": "1", "timestamp": event_time, "message": message}],
    });
    let config = PipelineConfig {
        metrics: MetricDefaults {
            namespace: DEFAULT_NAMESPACE.to_owned(),
            function_dimension: origin.function_dimension,
        },
        ..PipelineConfig::default()
    };
    let mut pipeline = Pipeline::new(config);
    let mut sink = CollectingSink::new("shiplog");
    pipeline
        .process_input(payload.to_string().as_bytes(), &mut sink)
        .unwrap();
    let docs = sink.documents.iter().map(|(_, _, d)| d.clone()).collect();
    Outcome { docs, sink }
}

fn check_metrics(out: &Outcome, expect: &Value, event_time: i64) -> Vec<String> {
    let mut errs = Vec::new();
    if let Some(want) = expect.get("metrics").and_then(Value::as_array) {
        if want.len() != out.sink.metrics.len() {
            errs.push(format!(
                "metrics: want {} points, got {:?}",
                want.len(),
                out.sink.metrics
            ));
            return errs;
        }
        for (w, got) in want.iter().zip(&out.sink.metrics) {
            let ts_ms = w["timestamp"]
                .as_f64()
                .map_or(event_time, |s| (s * 1000.0).round() as i64);
            let ns = w["namespace"].as_str().unwrap_or(DEFAULT_NAMESPACE);
            let dims: Value = got
                .dimensions
                .iter()
                .map(|(k, v)| (k.clone(), json!(v)))
                .collect::<serde_json::Map<_, _>>()
                .into();
            let checks = [
                ("name", json!(got.name), w["name"].clone()),
                ("value", json!(got.value), w["value"].clone()),
                ("unit", json!(got.unit.as_str()), w["unit"].clone()),
                ("timestamp_ms", json!(got.timestamp.0), json!(ts_ms)),
                ("namespace", json!(got.namespace), json!(ns)),
                ("dimensions", dims, w["dimensions"].clone()),
            ];
            for (what, g, want) in checks {
                if g != want && !(g.as_f64().is_some() && g.as_f64() == want.as_f64()) {
                    errs.push(format!("metric {what}: want {want}, got {g}"));
                }
            }
        }
    }
    if let Some(verdict) = expect.get("verdict").and_then(Value::as_str) {
        let metric_rejections: Vec<_> = out
            .sink
            .rejections
            .iter()
            .filter(|r| r.reason.is_metric())
            .collect();
        match verdict {
            "accept" if out.sink.metrics.len() != 1 => errs.push(format!(
                "verdict accept: got {} points, rejections {metric_rejections:?}",
                out.sink.metrics.len()
            )),
            "reject" if !out.sink.metrics.is_empty() || metric_rejections.is_empty() => {
                errs.push(format!(
                    "verdict reject: got points {:?}, rejections {metric_rejections:?}",
                    out.sink.metrics
                ))
            }
            "not_metric" if !out.sink.metrics.is_empty() || !metric_rejections.is_empty() => errs
                .push(format!(
                    "verdict not_metric: got points {:?}, rejections {metric_rejections:?}",
                    out.sink.metrics
                )),
            _ => {}
        }
    }
    errs
}

/// Runs every record of one corpus file; fails listing every record that does not match.
fn check_file(rel: &str) {
    let mut failures = Vec::new();
    let all = records(rel);
    assert!(!all.is_empty(), "{rel} has no records");
    for rec in &all {
        let id = rec["id"].as_str().unwrap_or("?");
        let message = rec["message"].as_str().unwrap();
        let mut expect = rec["expect"].clone();
        // `metric_ref`: the line's metric is the one of another record (same oracle).
        if let Some(r) = expect.get("metric_ref").and_then(Value::as_str) {
            let referenced = find_record(r);
            expect["metrics"] = referenced["expect"]["metrics"].clone();
        }
        let t = event_ms(&expect);
        let out = run_line(message, t, &Origin::of(rec));
        let mut errs = Vec::new();
        if out.docs.len() != 1 {
            errs.push(format!("want 1 document, got {}", out.docs.len()));
        } else {
            errs.extend(oracle::check_document(&out.docs[0], &expect));
        }
        errs.extend(check_metrics(&out, &expect, t));
        if !errs.is_empty() {
            failures.push(format!("{id}:\n    {}", errs.join("\n    ")));
        }
    }
    assert!(
        failures.is_empty(),
        "{rel}: {} of {} records fail:\n  {}",
        failures.len(),
        all.len(),
        failures.join("\n  ")
    );
}

fn find_record(id: &str) -> Value {
    for rel in [
        "05-monitoring/monitoring-lines.jsonl",
        "08-bad-inputs/monitoring-bad.jsonl",
    ] {
        if let Some(r) = records(rel).into_iter().find(|r| r["id"] == id) {
            return r;
        }
    }
    panic!("metric_ref {id} not found");
}

macro_rules! corpus_file_tests {
    ($($name:ident => $rel:expr),* $(,)?) => {
        $( #[test] fn $name() { check_file($rel); } )*
    };
}

corpus_file_tests! {
    dotnet_lines_match_oracles => "01-lambda-text/dotnet.jsonl",
    go_lines_match_oracles => "01-lambda-text/go.jsonl",
    java_lines_match_oracles => "01-lambda-text/java.jsonl",
    nodejs_lines_match_oracles => "01-lambda-text/nodejs.jsonl",
    platform_lines_match_oracles => "01-lambda-text/platform.jsonl",
    python_lines_match_oracles => "01-lambda-text/python.jsonl",
    ruby_lines_match_oracles => "01-lambda-text/ruby.jsonl",
    rust_lines_match_oracles => "01-lambda-text/rust.jsonl",
    lambda_json_app_lines_match_oracles => "02-lambda-json-format/app-logs.jsonl",
    lambda_json_platform_lines_match_oracles => "02-lambda-json-format/platform-events.jsonl",
    lambda_json_2025_lines_match_oracles => "02-lambda-json-format/lambda-2025.jsonl",
    structured_levels_2025_match_oracles => "03-structured-libs/levels-2025.jsonl",
    other_structured_libs_match_oracles => "03-structured-libs/other-libs.jsonl",
    powertools_python_lines_match_oracles => "03-structured-libs/powertools-python.jsonl",
    powertools_typescript_lines_match_oracles => "03-structured-libs/powertools-typescript.jsonl",
    multiline_single_events_match_oracles => "04-multiline/single-event.jsonl",
    emf_lines_match_oracles => "05-monitoring/emf.jsonl",
    monitoring_lines_match_oracles => "05-monitoring/monitoring-lines.jsonl",
    bad_lines_match_oracles => "08-bad-inputs/lines-bad.jsonl",
    bad_monitoring_lines_match_oracles => "08-bad-inputs/monitoring-bad.jsonl",
    log_group_lines_match_oracles => "06-subscription/log-groups.jsonl",
}
