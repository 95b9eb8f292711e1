//! Arbitrary bytes as an already-decoded subscription payload.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    common::run(data);
    let _ = shiplog::decode::parse_message(data, &shiplog::limits::Limits::default());
});
