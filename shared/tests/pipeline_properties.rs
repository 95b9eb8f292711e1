//! Properties of the whole core pipeline on arbitrary input: it never panics, every document is
//! valid JSON with `@timestamp`, `observedTimestamp` and `body`, every event is accounted for,
//! and no id the engine indexes as one term is longer than an id.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use proptest::prelude::*;
use serde_json::{json, Value};
use shiplog::parse::structured::MAX_ID_BYTES;
use shiplog::pipeline::{Pipeline, PipelineConfig};
use shiplog::testing::CollectingSink;

fn run(
    bytes: &[u8],
) -> (
    Result<shiplog::InputSummary, shiplog::Rejection>,
    CollectingSink,
) {
    let mut pipeline = Pipeline::new(PipelineConfig::default());
    let mut sink = CollectingSink::new("shiplog");
    let r = pipeline.process_input(bytes, &mut sink);
    (r, sink)
}

/// The longest string anywhere under `v` (members' names included).
fn longest_string(v: &Value) -> usize {
    match v {
        Value::String(s) => s.len(),
        Value::Array(a) => a.iter().map(longest_string).max().unwrap_or(0),
        Value::Object(m) => m
            .iter()
            .map(|(k, v)| k.len().max(longest_string(v)))
            .max()
            .unwrap_or(0),
        _ => 0,
    }
}

/// A payload of one Lambda function's stream holding `lines`.
fn payload_of(lines: &[String]) -> Vec<u8> {
    let events: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(i, m)| json!({"id": format!("e{i}"), "timestamp": 1_700_000_000_000_i64 + i as i64, "message": m}))
        .collect();
    json!({
        "messageType": "DATA_MESSAGE", "owner": "1", "logGroup": "/aws/lambda/f",
        "logStream": "2024/01/01/[$LATEST]x", "subscriptionFilters": [], "logEvents": events,
    })
    .to_string()
    .into_bytes()
}

/// A JSON log line with id keys (correlation, tenant, durable execution) of any length, in the
/// line shapes that read them: whole-line JSON, a Node body, a Lambda JSON-format record.
fn id_line_strategy() -> impl Strategy<Value = String> {
    let key = prop_oneof![
        Just("correlation_id"),
        Just("x-correlation-id"),
        Just("x-correlation-session"),
        Just("tenantId"),
        Just("executionArn"),
    ];
    let value = (
        0usize..2 * MAX_ID_BYTES,
        prop_oneof![Just(""), Just("arn:aws:lambda:")],
    )
        .prop_map(|(n, prefix)| format!("{prefix}{}", "v".repeat(n)));
    let members = proptest::collection::vec((key, value), 1..4);
    (members, 0usize..3).prop_map(|(members, shape)| {
        let mut obj = serde_json::Map::new();
        obj.insert("message".to_owned(), json!("m"));
        for (k, v) in members {
            obj.insert(k.to_owned(), json!(v));
        }
        match shape {
            0 => Value::Object(obj).to_string(),
            1 => format!(
                "2024-01-01T00:00:00.000Z\t9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f\tINFO\t{}",
                Value::Object(obj)
            ),
            _ => {
                obj.insert("timestamp".to_owned(), json!("2024-01-01T00:00:00.000Z"));
                obj.insert("level".to_owned(), json!("INFO"));
                obj.insert(
                    "requestId".to_owned(),
                    json!("9f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f"),
                );
                Value::Object(obj).to_string()
            }
        }
    })
}

fn line_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[ -~\t\n]{0,120}",
        Just("START RequestId: ".to_owned()),
        Just("REPORT RequestId: x\tDuration: ".to_owned()),
        "MONITORING\\|[0-9a-zA-Z.|=,#:]{0,60}",
        "2024-01-01T00:00:00.000Z\t[a-f0-9-]{0,36}\t(INFO|ERROR|WARN)?\t.{0,40}",
        "\\[(INFO|ERROR)\\]\t.{0,60}",
        "\\{\"[a-z]{1,8}\":(\"[^\"\\\\]{0,10}\"|[0-9]{1,5}|null|\\{\\})\\}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = run(&bytes);
    }

    #[test]
    fn every_event_becomes_a_document_with_the_required_fields(lines in proptest::collection::vec(line_strategy(), 1..20)) {
        let (r, sink) = run(&payload_of(&lines));
        prop_assert!(r.is_ok());
        // MONITORING lines ship too by default, so every event has a document.
        prop_assert_eq!(sink.documents.len(), lines.len());
        for (i, (index, id, doc)) in sink.documents.iter().enumerate() {
            prop_assert_eq!(id, &format!("e{i}"));
            prop_assert!(index.starts_with("shiplog-2023.11."));
            for f in ["@timestamp", "observedTimestamp", "body"] {
                prop_assert!(doc.get(f).is_some(), "{} missing in {}", f, doc);
            }
            prop_assert!(doc["event"]["name"].is_string());
        }
    }

    #[test]
    fn no_id_is_longer_than_an_id_and_no_long_value_is_lost(lines in proptest::collection::vec(id_line_strategy(), 1..6)) {
        let (r, sink) = run(&payload_of(&lines));
        prop_assert!(r.is_ok());
        prop_assert_eq!(sink.documents.len(), lines.len());
        for (_, _, doc) in &sink.documents {
            let attributes = &doc["attributes"];
            for id in [
                &attributes["correlation"],
                &attributes["correlation_id"],
                &attributes["aws"]["lambda"]["tenant_id"],
                &attributes["aws"]["lambda"]["durable"],
            ] {
                prop_assert!(longest_string(id) <= MAX_ID_BYTES, "{}", doc);
            }
        }
        // Every long value of a line is in its document's user fields.
        for (line, (_, _, doc)) in lines.iter().zip(&sink.documents) {
            let json_start = line.find('{').unwrap_or(0);
            let obj: Value = serde_json::from_str(&line[json_start..]).unwrap();
            for (k, v) in obj.as_object().into_iter().flatten() {
                if longest_string(v) > MAX_ID_BYTES {
                    prop_assert_eq!(&doc["attributes"]["fields"][k], v, "{} in {}", k, doc);
                }
            }
        }
    }
}
