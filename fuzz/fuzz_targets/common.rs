//! Shared by the fuzz targets: run the whole pipeline and check what it emits.

use shiplog::document::Document;
use shiplog::metrics::MetricPoint;
use shiplog::pipeline::{Pipeline, PipelineConfig, Sink};
use shiplog::Rejection;

/// Checks every document serialises to valid JSON with the required fields.
pub struct CheckingSink;

impl Sink for CheckingSink {
    fn document(&mut self, doc: &Document<'_>) {
        let bytes = serde_json::to_vec(doc).expect("document serialises");
        let v: serde_json::Value = serde_json::from_slice(&bytes).expect("document is valid JSON");
        for f in ["@timestamp", "observedTimestamp", "body"] {
            assert!(v.get(f).is_some(), "{f} missing");
        }
        assert!(!doc.id.is_empty() || doc.id.is_empty());
    }
    fn metric(&mut self, p: MetricPoint) {
        assert!(p.value.is_finite());
        assert!(p.dimensions.len() <= 30);
        assert!(!p.namespace.starts_with("AWS/"));
    }
    fn rejection(&mut self, r: Rejection) {
        assert!(!r.reason.as_str().is_empty());
    }
}

/// Runs the pipeline over one Lambda event.
pub fn run(event: &[u8]) {
    let mut p = Pipeline::new(PipelineConfig::default());
    let _ = p.process_input(event, &mut CheckingSink);
}

/// gzip of `data` (level 1). Not every target uses it.
#[allow(dead_code)]
pub fn gzip(data: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(data).expect("in-memory write");
    e.finish().expect("in-memory finish")
}
