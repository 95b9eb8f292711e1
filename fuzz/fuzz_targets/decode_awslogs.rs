//! Arbitrary bytes as `awslogs.data`: first byte chooses raw base64 of the bytes or base64 of
//! their gzip (so the JSON/event stages are reached too).
#![no_main]
use base64::Engine;
use libfuzzer_sys::fuzz_target;

#[path = "common.rs"]
mod common;

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else { return };
    let body = if mode & 1 == 0 { common::gzip(rest) } else { rest.to_vec() };
    let b64 = base64::engine::general_purpose::STANDARD.encode(body);
    let event = format!(r#"{{"awslogs":{{"data":"{b64}"}}}}"#);
    common::run(event.as_bytes());
});
