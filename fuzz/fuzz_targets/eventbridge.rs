//! Arbitrary bytes as the subscriber's inbound event (EventBridge CloudTrail, schedule,
//! CloudFormation custom resource, continuation): detection and the new-group decision.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shiplog::subscribe::event::{decide_new_group, detect, Inbound};
use shiplog::subscribe::selection::Selection;

fuzz_target!(|data: &[u8]| {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    if let Inbound::CloudTrail(event) = detect(value) {
        let _ = decide_new_group(&event, &Selection::default());
    }
});
