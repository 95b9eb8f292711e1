//! Arbitrary `_bulk` response bodies and statuses against a real chunk of three documents: the
//! classification never panics and accounts for every item exactly once.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shiplog::delivery::bulk::{BulkBodyBuilder, ChunkLimits};
use shiplog::delivery::bulk_response::{classify, next_steps};
use shiplog::delivery::shipping::ShippingSink;
use shiplog::pipeline::{Pipeline, PipelineConfig};

fuzz_target!(|data: &[u8]| {
    let Some((&status_byte, body)) = data.split_first() else { return };
    let status = [200u16, 201, 400, 409, 413, 429, 500, 502, 503, 504][usize::from(status_byte) % 10];
    let payload = br#"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"/aws/lambda/f","logStream":"s","subscriptionFilters":[],"logEvents":[{"id":"a","timestamp":1700000000000,"message":"one"},{"id":"b","timestamp":1700000000001,"message":"{\"k\":1}"},{"id":"c","timestamp":1700000000002,"message":"three"}]}"#;
    let mut sink = ShippingSink::new(BulkBodyBuilder::new("shiplog", ChunkLimits::default()));
    let _ = Pipeline::new(PipelineConfig::default()).process_input(payload, &mut sink);
    for chunk in sink.finish().chunks {
        let verdict = classify(status, body, &chunk);
        let _ = next_steps(chunk, verdict);
    }
});
