//! Spans from whole payloads through the pipeline: the fields of cold, warm, SnapStart, timeout,
//! out-of-memory and error invocations, text and JSON log formats, the id rules, idempotence.

use super::*;
use crate::pipeline::{Pipeline, PipelineConfig};
use crate::testing::CollectingSink;
use serde_json::{json, Value};

/// 2023-11-14T22:13:20.000Z
const T0: i64 = 1_700_000_000_000;

/// A DATA_MESSAGE of `messages`, one event a millisecond apart from `T0 + offset`.
fn payload(group: &str, messages: &[&str], offset: i64) -> Vec<u8> {
    let events: Vec<_> = messages
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"id": format!("ev{}", offset + i as i64), "timestamp": T0 + offset + i as i64, "message": m}))
        .collect();
    json!({"messageType": "DATA_MESSAGE", "owner": "123456789012", "logGroup": group,
           "logStream": "2023/11/14/[$LATEST]abc", "subscriptionFilters": [], "logEvents": events})
    .to_string()
    .into_bytes()
}

fn run_with(pipeline: &mut Pipeline, messages: &[&str], offset: i64) -> CollectingSink {
    let mut sink = CollectingSink::new("shiplog");
    pipeline
        .process_input(&payload("/aws/lambda/orders", messages, offset), &mut sink)
        .unwrap();
    sink
}

fn run(messages: &[&str]) -> CollectingSink {
    run_with(&mut Pipeline::new(PipelineConfig::default()), messages, 0)
}

fn only_span(sink: &CollectingSink) -> &Value {
    assert_eq!(sink.spans.len(), 1, "{:#?}", sink.spans);
    &sink.spans[0].2
}

/// Every document of request `request` carries the span's trace and span ids.
fn assert_documents_carry_span_ids(sink: &CollectingSink, request: &str) {
    let span = only_span(sink);
    let docs: Vec<&Value> = sink
        .documents
        .iter()
        .map(|(_, _, d)| d)
        .filter(|d| d["attributes"]["faas"]["invocation_id"] == request)
        .collect();
    assert!(!docs.is_empty());
    for doc in docs {
        assert_eq!(doc["traceId"], span["traceId"], "{doc}");
        assert_eq!(doc["spanId"], span["spanId"], "{doc}");
    }
}

const WARM_XRAY: &[&str] = &[
    "START RequestId: r-warm Version: $LATEST\n",
    "2023-11-14T22:13:20.001Z\tr-warm\tINFO\tcharging card\n",
    "END RequestId: r-warm\n",
    "REPORT RequestId: r-warm\tDuration: 3470.65 ms\tBilled Duration: 3471 ms\tMemory Size: 128 MB\tMax Memory Used: 89 MB\t\nXRAY TraceId: 1-5d8bba5a-dc2932496a65bab91d2d42d4\tSegmentId: 5ff79d2a06b82ad6\tSampled: true\t\n",
];

#[test]
fn a_warm_text_invocation_with_xray_becomes_one_span_in_data_preppers_shape() {
    let sink = run(WARM_XRAY);
    let span = only_span(&sink);
    let (index, id, _) = &sink.spans[0];
    assert_eq!(index, "otel-v1-apm-span-shiplog-2023.11.14");
    assert_eq!(id, "5ff79d2a06b82ad6", "_id is the span id");
    assert_eq!(span["traceId"], "5d8bba5adc2932496a65bab91d2d42d4");
    assert_eq!(span["spanId"], "5ff79d2a06b82ad6");
    assert_eq!(span["parentSpanId"], "");
    assert_eq!(span["name"], "orders");
    assert_eq!(span["serviceName"], "orders");
    assert_eq!(span["kind"], "SPAN_KIND_SERVER");
    // START at T0 (its event time), duration from the REPORT.
    assert_eq!(span["startTime"], "2023-11-14T22:13:20.000000000Z");
    assert_eq!(span["endTime"], "2023-11-14T22:13:23.470650000Z");
    assert_eq!(span["durationInNanos"], 3_470_650_000_i64);
    assert_eq!(span["status"], json!({"code": 0}));
    assert_eq!(span["traceGroup"], "orders");
    assert_eq!(
        span["traceGroupFields"],
        json!({"endTime": "2023-11-14T22:13:23.470650000Z", "durationInNanos": 3_470_650_000_i64, "statusCode": 0})
    );
    assert_eq!(span["span.attributes.faas@invocation_id"], "r-warm");
    assert_eq!(span["span.attributes.faas@coldstart"], false);
    assert_eq!(
        span["span.attributes.aws@lambda@billed_duration_ms"],
        3471.0
    );
    assert_eq!(span["span.attributes.aws@lambda@memory_size_mb"], 128.0);
    assert_eq!(span["span.attributes.aws@lambda@max_memory_used_mb"], 89.0);
    assert_eq!(
        span["span.attributes.aws@xray@trace_id"],
        "1-5d8bba5a-dc2932496a65bab91d2d42d4"
    );
    assert_eq!(span["span.attributes.shiplog@error_count"], 0);
    let cost = span["span.attributes.shiplog@estimated_cost_usd"]
        .as_f64()
        .unwrap();
    let want = 3.471 * 0.125 * 0.000_016_666_7 + 0.000_000_2;
    assert!((cost - want).abs() < 1e-15, "{cost} vs {want}");
    assert_eq!(span["resource.attributes.faas@version"], "$LATEST");
    assert_eq!(span["resource.attributes.cloud@account@id"], "123456789012");
    assert_eq!(
        span["resource.attributes.aws@log@group@names"],
        "/aws/lambda/orders"
    );
    assert_eq!(span["events"], json!([]));
    // Data Prepper's fields Trace Analytics does not read are left out (smaller spans).
    assert!(span.get("traceState").is_none() && span.get("droppedEventsCount").is_none());
    // The START line, the app line, END and REPORT all point at the span.
    assert_documents_carry_span_ids(&sink, "r-warm");
}

#[test]
fn cold_starts_and_snapstart_restores_are_cold() {
    let cold = run(&[
        "START RequestId: r-cold Version: $LATEST\n",
        "REPORT RequestId: r-cold\tDuration: 12.00 ms\tBilled Duration: 180 ms\tMemory Size: 256 MB\tMax Memory Used: 70 MB\tInit Duration: 166.62 ms\t\n",
    ]);
    let span = only_span(&cold);
    assert_eq!(span["span.attributes.faas@coldstart"], true);
    assert_eq!(span["span.attributes.aws@lambda@init_duration_ms"], 166.62);
    let restored = run(&[
        "START RequestId: r-snap Version: 3\n",
        "REPORT RequestId: r-snap\tDuration: 5.00 ms\tBilled Duration: 6 ms\tMemory Size: 512 MB\tMax Memory Used: 90 MB\tRestore Duration: 310.52 ms\tBilled Restore Duration: 140 ms\t\n",
    ]);
    let span = only_span(&restored);
    assert_eq!(span["span.attributes.faas@coldstart"], true);
    assert_eq!(
        span["span.attributes.aws@lambda@restore_duration_ms"],
        310.52
    );
    assert_eq!(
        span["span.attributes.aws@lambda@billed_restore_duration_ms"],
        140.0
    );
}

#[test]
fn timeouts_out_of_memory_and_error_lines_are_errors() {
    let timeout = run(&[
        "START RequestId: r-to Version: $LATEST\n",
        "2023-11-14T22:13:23.000Z r-to Task timed out after 3.00 seconds\n",
        "END RequestId: r-to\n",
        "REPORT RequestId: r-to\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 50 MB\tStatus: timeout\n",
    ]);
    let span = only_span(&timeout);
    assert_eq!(span["status"]["code"], 2);
    assert_eq!(span["status"]["message"], "timeout");
    assert_eq!(span["traceGroupFields"]["statusCode"], 2);
    assert_eq!(span["span.attributes.shiplog@error_count"], 1);

    let oom = run(&[
        "START RequestId: r-oom Version: $LATEST\n",
        "REPORT RequestId: r-oom\tDuration: 800.00 ms\tBilled Duration: 800 ms\tMemory Size: 128 MB\tMax Memory Used: 128 MB\tStatus: error\tError Type: Runtime.OutOfMemory\n",
    ]);
    let span = only_span(&oom);
    assert_eq!(span["status"]["code"], 2);
    assert_eq!(span["status"]["message"], "Runtime.OutOfMemory");

    let invoke_error = run(&[
        "START RequestId: r-err Version: $LATEST\n",
        "2023-11-14T22:13:20.002Z\tr-err\tERROR\tInvoke Error \t{\"errorType\":\"TypeError\",\"errorMessage\":\"x is undefined\",\"stack\":[\"TypeError: x is undefined\",\"    at handler (/var/task/index.js:3:9)\"]}\n",
        "END RequestId: r-err\n",
        "REPORT RequestId: r-err\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n",
    ]);
    let span = only_span(&invoke_error);
    assert_eq!(span["status"]["code"], 2);
    assert_eq!(span["span.attributes.shiplog@error_count"], 1);
    assert!(
        span["status"]["message"]
            .as_str()
            .unwrap()
            .contains("x is undefined"),
        "{span}"
    );
}

#[test]
fn a_warning_or_an_info_line_is_not_an_error() {
    let sink = run(&[
        "START RequestId: r-ok Version: $LATEST\n",
        "2023-11-14T22:13:20.002Z\tr-ok\tWARN\tretrying\n",
        "REPORT RequestId: r-ok\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n",
    ]);
    let span = only_span(&sink);
    assert_eq!(span["status"], json!({"code": 0}));
    assert_eq!(span["span.attributes.shiplog@error_count"], 0);
}

#[test]
fn json_format_platform_records_give_the_start_time_and_the_segment_id() {
    let sink = run(&[
        r#"{"time":"2023-11-14T22:13:20.100Z","type":"platform.start","record":{"requestId":"r-json","version":"$LATEST","tracing":{"spanId":"54565fb41ac79632","type":"X-Amzn-Trace-Id","value":"Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"}}}"#,
        r#"{"timestamp":"2023-11-14T22:13:20.150Z","level":"INFO","requestId":"r-json","message":"working"}"#,
        r#"{"time":"2023-11-14T22:13:20.400Z","type":"platform.report","record":{"requestId":"r-json","metrics":{"durationMs":250.5,"billedDurationMs":251,"memorySizeMB":512,"maxMemoryUsedMB":80},"tracing":{"spanId":"54565fb41ac79632","type":"X-Amzn-Trace-Id","value":"Root=1-62e900b2-710d76f009d6e7785905449a;Parent=0efbd19962d95b05;Sampled=1"},"status":"success"}}"#,
    ]);
    let span = only_span(&sink);
    assert_eq!(span["traceId"], "62e900b2710d76f009d6e7785905449a");
    let segment = sink.documents[0].2["attributes"]["aws"]["xray"]["segment_id"].clone();
    assert!(segment.is_string(), "{}", sink.documents[0].2);
    assert_eq!(span["spanId"], segment);
    assert_eq!(span["startTime"], "2023-11-14T22:13:20.100000000Z");
    assert_eq!(span["durationInNanos"], 250_500_000_i64);
    assert_documents_carry_span_ids(&sink, "r-json");
}

#[test]
fn without_xray_the_trace_id_is_derived_from_the_correlation_id_else_the_request_id() {
    let sink = run(&[
        "START RequestId: r-corr Version: $LATEST\n",
        "2023-11-14T22:13:20.001Z\tr-corr\tINFO\t{\"msg\":\"paid\",\"x-correlation-id\":\"order-42\"}\n",
        "REPORT RequestId: r-corr\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n",
        "START RequestId: r-bare Version: $LATEST\n",
        "REPORT RequestId: r-bare\tDuration: 2.00 ms\tBilled Duration: 2 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n",
    ]);
    assert_eq!(sink.spans.len(), 2);
    let (corr, bare) = (&sink.spans[0].2, &sink.spans[1].2);
    assert_eq!(corr["traceId"], TraceId::derived("order-42").as_str());
    assert_eq!(corr["spanId"], SpanId::derived("r-corr").as_str());
    assert_eq!(corr["span.attributes.correlation_id"], "order-42");
    assert_eq!(bare["traceId"], TraceId::derived("r-bare").as_str());
    assert_eq!(bare["spanId"], SpanId::derived("r-bare").as_str());
    assert_eq!(sink.spans[1].1, SpanId::derived("r-bare").as_str());
}

#[test]
fn the_same_payload_twice_gives_the_same_spans_and_ids() {
    let first = run(WARM_XRAY);
    let second = run(WARM_XRAY);
    assert_eq!(first.spans, second.spans);
    assert_eq!(first.documents, second.documents);
}

#[test]
fn a_start_shipped_in_an_earlier_payload_still_gives_the_start_time() {
    let mut pipeline = Pipeline::new(PipelineConfig::default());
    let first = run_with(
        &mut pipeline,
        &["START RequestId: r-split Version: $LATEST\n"],
        0,
    );
    assert!(first.spans.is_empty());
    let second = run_with(
        &mut pipeline,
        &["REPORT RequestId: r-split\tDuration: 40.00 ms\tBilled Duration: 40 ms\tMemory Size: 128 MB\tMax Memory Used: 60 MB\t\n"],
        5_000,
    );
    let span = only_span(&second);
    assert_eq!(span["startTime"], "2023-11-14T22:13:20.000000000Z");
    assert_eq!(span["durationInNanos"], 40_000_000);
    assert_eq!(
        pipeline_open_requests(&pipeline),
        0,
        "finished requests are forgotten"
    );
}

fn pipeline_open_requests(pipeline: &Pipeline) -> usize {
    pipeline.open_span_requests()
}

#[test]
fn spans_off_emits_none_but_documents_keep_their_ids() {
    let config = PipelineConfig {
        spans: SpanConfig {
            enabled: false,
            ..SpanConfig::default()
        },
        ..PipelineConfig::default()
    };
    let mut pipeline = Pipeline::new(config);
    let sink = run_with(&mut pipeline, WARM_XRAY, 0);
    assert!(sink.spans.is_empty());
    assert_eq!(
        pipeline.open_span_requests(),
        0,
        "nothing is kept for spans that are off"
    );
    assert!(sink
        .documents
        .iter()
        .all(|(_, _, d)| d["spanId"] == "5ff79d2a06b82ad6"));
}

#[test]
fn the_tracker_forgets_the_oldest_requests_beyond_its_capacity() {
    let mut tracker = SpanTracker::new(2);
    let opts = crate::parse::ParseOptions::default();
    for r in ["a", "b", "c"] {
        let msg = format!("START RequestId: {r} Version: 1\n");
        let line = crate::parse::parse_line(&msg, &opts);
        tracker.observe(&line, EpochMillis(T0));
    }
    assert_eq!(tracker.open_requests(), 2);
}

#[test]
fn spans_settings_parse() {
    assert_eq!(parse_spans_setting(" ON "), Some(true));
    assert_eq!(parse_spans_setting("off"), Some(false));
    assert_eq!(parse_spans_setting("maybe"), None);
    assert_eq!(span_index_prefix("acme"), "otel-v1-apm-span-acme");
}
