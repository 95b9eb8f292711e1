//! MONITORING parsing and resolution on arbitrary text (with and without the keyword).
#![no_main]
use libfuzzer_sys::fuzz_target;
use shiplog::metrics::{point::resolve, MetricDefaults};
use shiplog::time::EpochMillis;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for payload in [text.to_string(), format!("MONITORING|{text}")] {
        if let Ok(m) = shiplog::parse::monitoring::parse(&payload, EpochMillis(1_700_000_000_000)) {
            assert!(m.value.is_finite());
            if let Ok(p) = resolve(m, &MetricDefaults::default(), Some("fn")) {
                assert!(p.dimensions.len() <= 30);
                let _ = shiplog::metrics::aggregate(vec![p]);
            }
        }
    }
});
