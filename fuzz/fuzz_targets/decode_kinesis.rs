//! Arbitrary bytes as Kinesis record data (gzip'd or raw lines), two records per event.
#![no_main]
use base64::Engine;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let mid = rest.len() / 2;
    let enc = |b: &[u8], z: bool| {
        let body = if z { common::gzip(b) } else { b.to_vec() };
        base64::engine::general_purpose::STANDARD.encode(body)
    };
    let event = serde_json::json!({"Records": [
        {"kinesis": {"data": enc(&rest[..mid], mode & 1 == 0), "sequenceNumber": "1", "approximateArrivalTimestamp": 1_700_000_000.5}, "eventID": "shard:1", "awsRegion": "eu-west-1"},
        {"kinesis": {"data": enc(&rest[mid..], mode & 2 == 0), "sequenceNumber": "2", "approximateArrivalTimestamp": 1_700_000_001}, "eventID": "shard:2"},
    ]});
    common::run(event.to_string().as_bytes());
});
