//! Arbitrary bytes as an already-decoded subscription payload; where the direct payload reader
//! answers, it must answer exactly what the serde reader does.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::run(data);
    let _ = shiplog::decode::parse_message(data);
    assert!(
        shiplog::decode::message::direct_reader_agrees(data),
        "the direct reader disagrees with serde"
    );
});
