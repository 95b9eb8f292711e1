//! Every line parser, directly and through the dispatcher, on arbitrary text.
#![no_main]
use libfuzzer_sys::fuzz_target;
use shiplog::parse::{self, ParseOptions};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let s: &str = &text;
    let line = parse::parse_line(s, &ParseOptions::default());
    assert!(line.request_id.as_deref() != Some("undefined"));
    for p in [
        parse::platform::parse,
        parse::nodejs::parse,
        parse::python::parse,
        parse::java::parse,
        parse::go::parse,
        parse::dotnet::parse,
        parse::ruby::parse,
        parse::rust_tracing::parse,
    ] {
        let _ = p(s);
    }
    let _ = parse::errors::detect(s);
    if let Some(obj) = shiplog::json::parse_object(s, 64) {
        let _ = parse::emf::is_emf(&obj);
        match parse::lambda_json::from_object(obj) {
            Ok(_) => {}
            Err(obj) => {
                let _ = parse::structured::from_object(obj);
            }
        }
    }
});
