//! The NDJSON lines of `shiplog replay` (README, `shiplog replay`), written straight into a byte buffer.

use serde::Serialize;
use shiplog::document::Document;
use shiplog::json::write_json_str;
use shiplog::metrics::MetricDatum;
use shiplog::pipeline::{RecordSummary, Sink};
use shiplog::span::Span;
use shiplog::{metrics::MetricPoint, Rejection};
use std::collections::BTreeMap;

/// Writes `{"type":"document",…}` and `{"type":"rejected",…}` lines for one input, in input order,
/// then its `{"type":"span",…}` lines ([`NdjsonSink::end_input`]), and keeps the metric points for
/// the final aggregation.
#[derive(Debug)]
pub struct NdjsonSink<'p> {
    /// Index prefix.
    pub index_prefix: &'p str,
    /// The input's path as shown in `rejected` lines.
    pub input: &'p str,
    /// The NDJSON written so far.
    pub out: Vec<u8>,
    /// Metric points (aggregated and written after all inputs).
    pub metrics: Vec<MetricPoint>,
    /// Rejections by reason.
    pub rejections_by_reason: BTreeMap<&'static str, usize>,
    /// Documents written.
    pub documents: usize,
    /// Spans written.
    pub spans: usize,
    /// The input's span lines, written after its documents.
    span_lines: Vec<u8>,
    /// Record summaries.
    pub records: Vec<RecordSummary>,
    /// The index name of `index_day` (documents of a batch share their day).
    index_name: String,
    index_day: Option<i64>,
}

impl<'p> NdjsonSink<'p> {
    /// A sink for one input.
    pub fn new(index_prefix: &'p str, input: &'p str) -> Self {
        NdjsonSink {
            index_prefix,
            input,
            out: Vec::new(),
            metrics: Vec::new(),
            rejections_by_reason: BTreeMap::new(),
            documents: 0,
            spans: 0,
            span_lines: Vec::new(),
            records: Vec::new(),
            index_name: String::new(),
            index_day: None,
        }
    }

    /// Writes a rejection line for the whole input (it could not be decoded).
    pub fn input_rejection(&mut self, rejection: Rejection) {
        self.rejection(rejection);
    }

    /// Ends the input: its span lines follow its documents and rejections.
    pub fn end_input(&mut self) {
        self.out.append(&mut self.span_lines);
    }
}

#[derive(Serialize)]
struct RejectedLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    input: &'a str,
    event_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    record_id: Option<&'a str>,
    reason: &'static str,
    detail: &'a str,
}

impl Sink for NdjsonSink<'_> {
    fn document(&mut self, doc: &Document<'_>) {
        let day = doc.index_day();
        if self.index_day != Some(day) {
            self.index_name.clear();
            doc.write_index_name(self.index_prefix, &mut self.index_name);
            self.index_day = Some(day);
        }
        self.out
            .extend_from_slice(b"{\"type\":\"document\",\"index\":");
        write_json_str(&mut self.out, &self.index_name);
        self.out.extend_from_slice(b",\"id\":");
        write_json_str(&mut self.out, doc.id);
        self.out.extend_from_slice(b",\"source\":");
        let start = self.out.len();
        if doc.write_json(&mut self.out).is_err() {
            self.out.truncate(start);
            self.out.extend_from_slice(b"null");
        }
        self.out.extend_from_slice(b"}\n");
        self.documents += 1;
    }

    fn metric(&mut self, point: MetricPoint) {
        self.metrics.push(point);
    }

    fn span(&mut self, span: &Span) {
        let out = &mut self.span_lines;
        let line_start = out.len();
        out.extend_from_slice(b"{\"type\":\"span\",\"index\":");
        write_json_str(out, &span.index_name(self.index_prefix));
        out.extend_from_slice(b",\"id\":");
        write_json_str(out, span.id());
        out.extend_from_slice(b",\"source\":");
        if span.write_json(out).is_err() {
            // Only numbers are written from data, and they are finite: never expected.
            out.truncate(line_start);
            return;
        }
        out.extend_from_slice(b"}\n");
        self.spans += 1;
    }

    fn rejection(&mut self, r: Rejection) {
        *self
            .rejections_by_reason
            .entry(r.reason.as_str())
            .or_default() += 1;
        let line = RejectedLine {
            kind: "rejected",
            input: self.input,
            event_id: r.event_id.as_deref(),
            record_id: r.record_id.as_deref(),
            reason: r.reason.as_str(),
            detail: &r.detail,
        };
        if serde_json::to_writer(&mut self.out, &line).is_ok() {
            self.out.push(b'\n');
        }
    }

    fn record_end(&mut self, summary: &RecordSummary) {
        self.records.push(summary.clone());
    }
}

#[derive(Serialize)]
struct MetricLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    namespace: &'a str,
    name: &'a str,
    unit: &'static str,
    timestamp: String,
    dimensions: BTreeMap<&'a str, &'a str>,
    values: &'a [f64],
    counts: &'a [f64],
}

/// Writes one `{"type":"metric",…}` line per aggregated datum.
pub fn write_metric_lines(out: &mut Vec<u8>, datums: &[MetricDatum]) {
    for d in datums {
        let line = MetricLine {
            kind: "metric",
            namespace: &d.namespace,
            name: &d.name,
            unit: d.unit.as_str(),
            timestamp: d.timestamp.to_rfc3339(),
            dimensions: d
                .dimensions
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
            values: &d.values,
            counts: &d.counts,
        };
        if serde_json::to_writer(&mut *out, &line).is_ok() {
            out.push(b'\n');
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiplog::pipeline::{Pipeline, PipelineConfig};

    #[test]
    fn each_document_line_names_the_index_of_its_own_day() {
        // 2023-11-14T23:59:59.999Z, then the next millisecond (a new day), then the first day again.
        let payload = r#"{"messageType":"DATA_MESSAGE","owner":"1","logGroup":"/aws/lambda/f","logStream":"s","subscriptionFilters":[],"logEvents":[
            {"id":"a","timestamp":1700006399999,"message":"one"},
            {"id":"b","timestamp":1700006400000,"message":"two"},
            {"id":"c","timestamp":1700006399000,"message":"three"}]}"#;
        let mut sink = NdjsonSink::new("logs", "input.json");
        Pipeline::new(PipelineConfig::default())
            .process_input(payload.as_bytes(), &mut sink)
            .unwrap();
        let indices: Vec<(String, String)> = String::from_utf8(sink.out)
            .unwrap()
            .lines()
            .map(|line| {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                (
                    v["id"].as_str().unwrap().to_owned(),
                    v["index"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        assert_eq!(
            indices,
            [
                ("a".to_owned(), "logs-2023.11.14".to_owned()),
                ("b".to_owned(), "logs-2023.11.15".to_owned()),
                ("c".to_owned(), "logs-2023.11.14".to_owned()),
            ]
        );
    }
}
