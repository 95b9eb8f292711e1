//! Properties of the whole core pipeline on arbitrary input: it never panics, every document is
//! valid JSON with `@timestamp`, `observedTimestamp` and `body`, and every event is accounted for.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use proptest::prelude::*;
use serde_json::json;
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
        let events: Vec<_> = lines
            .iter()
            .enumerate()
            .map(|(i, m)| json!({"id": format!("e{i}"), "timestamp": 1_700_000_000_000_i64 + i as i64, "message": m}))
            .collect();
        let payload = json!({
            "messageType": "DATA_MESSAGE", "owner": "1", "logGroup": "/aws/lambda/f",
            "logStream": "2024/01/01/[$LATEST]x", "subscriptionFilters": [], "logEvents": events,
        });
        let (r, sink) = run(payload.to_string().as_bytes());
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
}
