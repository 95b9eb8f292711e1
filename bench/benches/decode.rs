//! Decode: base64 + gunzip of the Lambda event, then the subscription JSON into borrowed events
//! (each escaped message in a string of its own, or all of them in one reused arena).

mod common;

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use shiplog::decode::message::parse_message_in;
use shiplog::decode::{decode_input, parse_message, RecordContent};
use shiplog::limits::Limits;
use shiplog::testing::workload::{generate_payload, Flavor};
use std::hint::black_box;

fn decode(c: &mut Criterion) {
    let spec = common::spec();
    let limits = Limits::default();
    let mut group = c.benchmark_group("decode");
    for flavor in [Flavor::NodeText, Flavor::PythonPowertools] {
        let payload = generate_payload(&spec, common::payload_of(flavor));
        group.throughput(Throughput::Bytes(payload.raw_bytes as u64));
        group.bench_function(format!("envelope_b64_gunzip/{}", flavor.as_str()), |b| {
            b.iter(|| {
                decode_input(black_box(&payload.lambda_event), &limits).map(|d| d.records.len())
            })
        });
        let Ok(decoded) = decode_input(&payload.lambda_event, &limits) else {
            continue;
        };
        let Some(RecordContent::Payload(bytes)) = decoded.records.first().map(|r| &r.content)
        else {
            continue;
        };
        group.bench_function(format!("subscription_json/{}", flavor.as_str()), |b| {
            b.iter(|| parse_message(black_box(bytes)).is_ok())
        });
        // What the pipeline runs: messages with escapes unescaped into one reused buffer.
        let mut arena = String::new();
        group.bench_function(
            format!("subscription_json_arena/{}", flavor.as_str()),
            |b| b.iter(|| parse_message_in(black_box(bytes), &mut arena).is_ok()),
        );
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::quick();
    targets = decode
}
criterion_main!(benches);
