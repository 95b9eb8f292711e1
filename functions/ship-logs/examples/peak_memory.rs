//! One generated ~1 MB compressed payload through the ship-logs handler in-process, with the
//! documents discarded instead of sent: prints the invocation's documents and the process's
//! peak RSS. With the argument `kinesis`, a ~6 MB Kinesis batch (the largest synchronous
//! invocation payload) of 1 000-event records instead. Made to run under a heap profiler, which
//! needs the process to exit normally:
//!
//! ```sh
//! cargo build --release -p shiplog-ship-logs --example peak_memory
//! valgrind --tool=massif --massif-out-file=/tmp/massif.out target/release/examples/peak_memory
//! ms_print /tmp/massif.out | less
//! target/release/examples/peak_memory kinesis
//! ```
//!
//! (`tests/blackbox.rs` measures the same payload through the real binary and the Runtime API.)

// Printing its measurements is what this example is for.
#![allow(clippy::print_stdout)]

use base64::Engine;
use lambda_runtime::{Context, LambdaEvent};
use serde_json::value::RawValue;
use shiplog::delivery::bulk::Chunk;
use shiplog::testing::workload::{data_message, generate_payload, gzip, WorkloadSpec};
use shiplog_adapters::opensearch::{DocumentDestination, Outcome, ShipError};
use shiplog_adapters::testing::RecordingMetrics;
use shiplog_ship_logs::config::Config;
use shiplog_ship_logs::deps::Deps;
use shiplog_ship_logs::handler::process;
use shiplog_tests::peak_rss_kib;
use std::collections::HashMap;
use std::time::Instant;

/// Events of the payload: 27 000 generated events gzip to ~0.96 MB, base64'd into a ~1.3 MB
/// Lambda event (near the 1 MB limit of an asynchronous invocation's compressed payload).
const EVENTS: usize = 27_000;

/// Events per record of the Kinesis batch, and the batch's largest size (base64 event bytes).
const KINESIS_RECORD_EVENTS: usize = 1_000;
const KINESIS_EVENT_BYTES: usize = 6_000_000;

/// A Kinesis event of gzip'd subscription payloads up to [`KINESIS_EVENT_BYTES`]: the event,
/// its events and its decompressed bytes.
fn kinesis_event() -> (Vec<u8>, usize, usize) {
    let spec = WorkloadSpec {
        payloads: 10_000,
        events_per_payload: KINESIS_RECORD_EVENTS,
        ..WorkloadSpec::default()
    };
    let mut records = Vec::new();
    let (mut size, mut events, mut raw) = (32, 0, 0);
    for i in 0.. {
        let message = data_message(&spec, i);
        let data = base64::engine::general_purpose::STANDARD.encode(gzip(&message, 6));
        if size + data.len() + 200 > KINESIS_EVENT_BYTES {
            break;
        }
        size += data.len() + 200;
        events += KINESIS_RECORD_EVENTS;
        raw += message.len();
        records.push(serde_json::json!({
            "kinesis": {"data": data, "sequenceNumber": format!("{i:056}"), "partitionKey": "p",
                        "approximateArrivalTimestamp": 1_763_640_000.0},
            "eventSource": "aws:kinesis", "awsRegion": "us-east-1",
        }));
    }
    let event = serde_json::to_vec(&serde_json::json!({ "Records": records })).unwrap_or_default();
    (event, events, raw)
}

/// A destination that counts the documents and drops them.
struct Discard;

impl DocumentDestination for Discard {
    async fn ship(
        &self,
        chunks: Vec<Chunk>,
        _deadline: Instant,
        _request_id: &str,
    ) -> Result<Outcome, ShipError> {
        let documents = chunks.iter().map(Chunk::len).sum();
        Ok(Outcome {
            documents,
            indexed: documents,
            requests: chunks.len(),
            bytes_raw: chunks.iter().map(|c| c.byte_len() as u64).sum(),
            ..Outcome::default()
        })
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let env: HashMap<&str, &str> = HashMap::from([
        (
            "OPENSEARCH_ENDPOINT",
            "https://search-example.us-east-1.es.amazonaws.com",
        ),
        ("OPENSEARCH_AUTH", "none"),
        ("METRICS_MODE", "emf"),
        ("AWS_LAMBDA_FUNCTION_NAME", "shiplog-ship-logs"),
    ]);
    let config = Config::from_lookup(|k| env.get(k).map(|v| (*v).to_owned()))?;
    let deps = Deps::new(config, Discard, RecordingMetrics::default());
    let (event, events, gzip_bytes, raw_bytes) = if std::env::args().any(|a| a == "kinesis") {
        let (event, events, raw) = kinesis_event();
        let len = event.len();
        (event, events, len, raw)
    } else {
        let spec = WorkloadSpec {
            payloads: 1,
            events_per_payload: EVENTS,
            ..WorkloadSpec::default()
        };
        let p = generate_payload(&spec, 0);
        (p.lambda_event, p.events, p.gzip_bytes, p.raw_bytes)
    };
    let idle = peak_rss_kib(None);
    let raw: Box<RawValue> = serde_json::from_slice(&event)?;
    drop(event);
    let mut context = Context::default();
    context.request_id = "peak-memory".to_owned();
    let handled = process(&deps, LambdaEvent::new(raw, context)).await;
    println!(
        "{} events ({:.2} MB compressed input, {:.1} MB raw) -> {} documents; peak RSS before {} KiB, after {} KiB",
        events,
        gzip_bytes as f64 / 1e6,
        raw_bytes as f64 / 1e6,
        handled.summary.documents,
        idle.unwrap_or(0),
        peak_rss_kib(None).unwrap_or(0),
    );
    Ok(())
}
