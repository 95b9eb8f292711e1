//! Test and benchmark support for this crate and the crates above it (feature `testing`, never in
//! the Lambda functions' build): a [`Sink`] that keeps everything it is given, and the
//! deterministic workload generator.
//!
//! - [`CollectingSink`]: every document, metric point, rejection and record summary, owned.
//! - [`workload`]: realistic subscription payloads (Node.js and Python text, Powertools JSON,
//!   the Lambda JSON log format, MONITORING lines in every dialect, multi-line stack traces,
//!   START/END/REPORT with XRAY), wrapped as `{"awslogs":{"data":…}}` Lambda events; built from
//!   [`lines`] with the seeded [`rng`].

use crate::document::Document;
use crate::metrics::MetricPoint;
use crate::pipeline::{RecordSummary, Sink};
use crate::rejection::Rejection;
use crate::span::Span;

pub mod lines;
pub mod rng;
pub mod workload;

/// A sink that keeps everything as owned values. Documents are kept as (index, id, source JSON).
#[derive(Debug, Default)]
pub struct CollectingSink {
    /// Index prefix used to compute document indices.
    pub index_prefix: String,
    /// `(index, _id, _source)` per document.
    pub documents: Vec<(String, String, serde_json::Value)>,
    /// Metric points.
    pub metrics: Vec<MetricPoint>,
    /// `(index, _id, _source)` per span.
    pub spans: Vec<(String, String, serde_json::Value)>,
    /// Rejections.
    pub rejections: Vec<Rejection>,
    /// Record summaries.
    pub records: Vec<RecordSummary>,
}

impl CollectingSink {
    /// An empty collector computing indices with `index_prefix`.
    pub fn new(index_prefix: &str) -> Self {
        CollectingSink {
            index_prefix: index_prefix.to_owned(),
            ..CollectingSink::default()
        }
    }
}

impl Sink for CollectingSink {
    fn document(&mut self, doc: &Document<'_>) {
        let source = serde_json::to_value(doc).unwrap_or(serde_json::Value::Null);
        self.documents.push((
            doc.index_name(&self.index_prefix),
            doc.id.to_owned(),
            source,
        ));
    }
    fn metric(&mut self, point: MetricPoint) {
        self.metrics.push(point);
    }
    fn span(&mut self, span: &Span) {
        let mut json = Vec::new();
        let source = match span.write_json(&mut json) {
            Ok(()) => serde_json::from_slice(&json).unwrap_or(serde_json::Value::Null),
            Err(_) => serde_json::Value::Null,
        };
        self.spans.push((
            span.index_name(&self.index_prefix),
            span.id().to_owned(),
            source,
        ));
    }
    fn rejection(&mut self, rejection: Rejection) {
        self.rejections.push(rejection);
    }
    fn record_end(&mut self, summary: &RecordSummary) {
        self.records.push(summary.clone());
    }
}
