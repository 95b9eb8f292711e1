//! The stubbed transport of `shiplog bench`: a [`Sink`] that does what ship-logs does before the
//! network — the `_bulk` body built (action line + document per event), cut into chunks and
//! gzip'd, the metric points aggregated into datums and packed into PutMetricData calls — and
//! then throws the bytes away.
//!
//! TODO(bench): switch to the real builders when they are merged:
//! `crate::delivery::bulk::BulkBodyBuilder` (branch h-opensearch) for the body and its chunks,
//! `crate::delivery::metric_requests` (branch h-metrics-pub) for the PutMetricData packing.
//! The constants below mirror theirs (gzip level 1, 5 MiB / 5 000 actions per chunk, 1 000
//! datums per call).

use crate::document::{write_json_str, Document, MetricStatus};
use crate::metrics::{aggregate, MetricDatum, MetricPoint};
use crate::pipeline::Sink;
use crate::rejection::Rejection;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;

/// gzip level of the `_bulk` body (fast: the body is compressed on every invocation).
pub const BULK_GZIP_LEVEL: u32 = 1;
/// Largest uncompressed `_bulk` chunk.
pub const BULK_CHUNK_MAX_BYTES: usize = 5 * 1024 * 1024;
/// Most actions in one `_bulk` chunk.
pub const BULK_CHUNK_MAX_ACTIONS: usize = 5_000;
/// Milliseconds in a UTC day (daily indices).
const MS_PER_DAY: i64 = 86_400_000;
/// Most datums in one PutMetricData call (CloudWatch API reference: 1 000 metrics per request).
pub const MAX_DATUMS_PER_PUT_METRIC_DATA: usize = 1_000;

/// A sink that builds the `_bulk` body and keeps the metric points. One per worker; call
/// [`StubTransport::deliver`] after each input, which keeps the buffers' capacity.
#[derive(Debug)]
pub struct StubTransport {
    index_prefix: String,
    body: Vec<u8>,
    /// End offsets of complete chunks in `body`.
    chunk_ends: Vec<usize>,
    chunk_actions: usize,
    /// The index name of `index_day` (UTC days since the epoch).
    scratch: String,
    index_day: Option<i64>,
    gz: Vec<u8>,
    points: Vec<MetricPoint>,
    documents: usize,
    rejections: usize,
    rejected_metric_lines: usize,
}

/// What one input's delivery would have sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Documents in the `_bulk` body.
    pub documents: usize,
    /// `_bulk` requests (chunks).
    pub bulk_requests: usize,
    /// Uncompressed NDJSON bytes of the body.
    pub bulk_raw_bytes: usize,
    /// gzip'd bytes on the wire.
    pub bulk_gzip_bytes: usize,
    /// Metric points extracted.
    pub metric_points: usize,
    /// MONITORING lines seen (points + rejected MONITORING lines).
    pub monitoring_lines: usize,
    /// Aggregated datums.
    pub datums: usize,
    /// PutMetricData calls for those datums.
    pub put_metric_data_calls: usize,
    /// Rejections (records, events, MONITORING lines).
    pub rejections: usize,
}

impl Delivery {
    /// Adds another delivery's counts to this one.
    pub fn add(&mut self, other: &Delivery) {
        self.documents += other.documents;
        self.bulk_requests += other.bulk_requests;
        self.bulk_raw_bytes += other.bulk_raw_bytes;
        self.bulk_gzip_bytes += other.bulk_gzip_bytes;
        self.metric_points += other.metric_points;
        self.monitoring_lines += other.monitoring_lines;
        self.datums += other.datums;
        self.put_metric_data_calls += other.put_metric_data_calls;
        self.rejections += other.rejections;
    }
}

impl StubTransport {
    /// An empty transport writing indices `<index_prefix>-YYYY.MM.DD`.
    pub fn new(index_prefix: &str) -> Self {
        StubTransport {
            index_prefix: index_prefix.to_owned(),
            body: Vec::new(),
            chunk_ends: Vec::new(),
            chunk_actions: 0,
            scratch: String::new(),
            index_day: None,
            gz: Vec::new(),
            points: Vec::new(),
            documents: 0,
            rejections: 0,
            rejected_metric_lines: 0,
        }
    }

    /// The uncompressed body built so far.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// Finishes the current input without compressing: aggregates the metrics, counts the
    /// bytes and clears the buffers. Use [`StubTransport::compress`] before it to count the
    /// gzip'd bytes too.
    pub fn finish_uncompressed(&mut self) -> Delivery {
        self.close_chunk();
        let points = std::mem::take(&mut self.points);
        let metric_points = points.len();
        let datums = aggregate(points);
        let delivery = Delivery {
            documents: self.documents,
            bulk_requests: self.chunk_ends.len(),
            bulk_raw_bytes: self.body.len(),
            bulk_gzip_bytes: 0,
            metric_points,
            monitoring_lines: metric_points + self.rejected_metric_lines,
            datums: datums.len(),
            put_metric_data_calls: put_metric_data_calls(&datums),
            rejections: self.rejections,
        };
        self.body.clear();
        self.chunk_ends.clear();
        self.chunk_actions = 0;
        self.documents = 0;
        self.rejections = 0;
        self.rejected_metric_lines = 0;
        delivery
    }

    /// gzips every chunk of the current body (as the `_bulk` requests would be sent) and
    /// returns the compressed bytes in total.
    pub fn compress(&mut self) -> usize {
        self.close_chunk();
        let mut start = 0;
        let mut total = 0;
        for &end in &self.chunk_ends {
            if let Some(chunk) = self.body.get(start..end) {
                self.gz.clear();
                let mut enc = GzEncoder::new(
                    std::mem::take(&mut self.gz),
                    Compression::new(BULK_GZIP_LEVEL),
                );
                // Writing into a Vec cannot fail.
                let _ = enc.write_all(chunk);
                self.gz = enc.finish().unwrap_or_default();
                total += self.gz.len();
            }
            start = end;
        }
        total
    }

    /// [`StubTransport::compress`] then [`StubTransport::finish_uncompressed`].
    pub fn deliver(&mut self) -> Delivery {
        let gzip = self.compress();
        let mut delivery = self.finish_uncompressed();
        delivery.bulk_gzip_bytes = gzip;
        delivery
    }

    /// Marks the end of the current chunk when it holds anything.
    fn close_chunk(&mut self) {
        let last = self.chunk_ends.last().copied().unwrap_or(0);
        if self.body.len() > last {
            self.chunk_ends.push(self.body.len());
            self.chunk_actions = 0;
        }
    }

    fn write_action(&mut self, doc: &Document<'_>) {
        // The index changes once a day: name it again only when the day changes.
        let day = doc.observed.0.div_euclid(MS_PER_DAY);
        if self.index_day != Some(day) {
            self.scratch.clear();
            doc.write_index_name(&self.index_prefix, &mut self.scratch);
            self.index_day = Some(day);
        }
        self.body.extend_from_slice(b"{\"create\":{\"_index\":");
        write_json_str(&mut self.body, &self.scratch);
        self.body.extend_from_slice(b",\"_id\":");
        write_json_str(&mut self.body, doc.id);
        self.body.extend_from_slice(b"}}\n");
    }
}

impl Sink for StubTransport {
    fn document(&mut self, doc: &Document<'_>) {
        let start = self.body.len();
        self.write_action(doc);
        if doc.write_json(&mut self.body).is_err() {
            self.body.truncate(start);
            return;
        }
        self.body.push(b'\n');
        self.documents += 1;
        if matches!(doc.metric, Some(MetricStatus::Rejected(_))) {
            self.rejected_metric_lines += 1;
        }
        self.chunk_actions += 1;
        let chunk_start = self.chunk_ends.last().copied().unwrap_or(0);
        if self.body.len() - chunk_start >= BULK_CHUNK_MAX_BYTES
            || self.chunk_actions >= BULK_CHUNK_MAX_ACTIONS
        {
            self.close_chunk();
        }
    }

    fn metric(&mut self, point: MetricPoint) {
        self.points.push(point);
    }

    fn rejection(&mut self, _rejection: Rejection) {
        self.rejections += 1;
    }
}

/// PutMetricData calls needed for `datums`: one namespace per call, at most
/// [`MAX_DATUMS_PER_PUT_METRIC_DATA`] datums each. (Datums are sorted by namespace.)
pub fn put_metric_data_calls(datums: &[MetricDatum]) -> usize {
    datums
        .chunk_by(|a, b| a.namespace == b.namespace)
        .map(|run| run.len().div_ceil(MAX_DATUMS_PER_PUT_METRIC_DATA))
        .sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::workload::{generate_payload, WorkloadSpec};
    use crate::pipeline::{Pipeline, PipelineConfig};

    fn run(events: usize) -> (Delivery, Vec<u8>) {
        let spec = WorkloadSpec {
            payloads: 1,
            events_per_payload: events,
            seed: 5,
        };
        let p = generate_payload(&spec, 0);
        let mut pipeline = Pipeline::new(PipelineConfig::default());
        let mut t = StubTransport::new("shiplog");
        let summary = pipeline.process_input(&p.lambda_event, &mut t).unwrap();
        let body = t.body().to_vec();
        let d = t.deliver();
        assert_eq!(d.documents, summary.documents);
        assert_eq!(d.metric_points, summary.metric_points);
        (d, body)
    }

    #[test]
    fn body_is_action_and_source_pairs() {
        let (d, body) = run(300);
        let lines: Vec<&[u8]> = body
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(lines.len(), 2 * d.documents);
        for pair in lines.chunks(2) {
            let action: serde_json::Value = serde_json::from_slice(pair[0]).unwrap();
            assert!(action["create"]["_index"]
                .as_str()
                .unwrap()
                .starts_with("shiplog-2025.11."));
            assert_eq!(action["create"]["_id"].as_str().unwrap().len(), 56);
            let source: serde_json::Value = serde_json::from_slice(pair[1]).unwrap();
            assert!(source.get("@timestamp").is_some());
        }
        assert_eq!(d.bulk_raw_bytes, body.len());
        assert!(d.bulk_gzip_bytes > 0 && d.bulk_gzip_bytes < d.bulk_raw_bytes / 3);
    }

    #[test]
    fn metrics_are_aggregated_and_counted_in_calls() {
        let (d, _) = run(2_000);
        assert!(d.monitoring_lines > 50, "{d:?}");
        assert!(d.datums > 0 && d.datums <= d.metric_points, "{d:?}");
        assert!(d.put_metric_data_calls >= 1);
    }

    #[test]
    fn chunks_close_at_the_action_limit() {
        let (d, _) = run(BULK_CHUNK_MAX_ACTIONS + 10);
        assert_eq!(d.bulk_requests, 2, "{d:?}");
    }

    #[test]
    fn each_document_gets_the_index_of_its_own_day() {
        use crate::document::{BatchResource, Document};
        use crate::model::ParsedLine;
        use crate::time::EpochMillis;
        use std::borrow::Cow;
        let line = ParsedLine::plain(Cow::Borrowed("x"));
        let res = BatchResource::default();
        let mut t = StubTransport::new("logs");
        for ms in [
            1_763_640_000_000,
            1_763_640_000_001,
            1_763_726_400_000,
            1_763_640_000_000,
        ] {
            t.document(&Document::new("1", EpochMillis(ms), &line, &res, 100));
        }
        let body = String::from_utf8(t.body().to_vec()).unwrap();
        let indices: Vec<&str> = body
            .lines()
            .filter_map(|l| l.strip_prefix("{\"create\":{\"_index\":\""))
            .map(|l| l.split('"').next().unwrap())
            .collect();
        assert_eq!(
            indices,
            [
                "logs-2025.11.20",
                "logs-2025.11.20",
                "logs-2025.11.21",
                "logs-2025.11.20"
            ]
        );
    }

    #[test]
    fn buffers_are_cleared_between_inputs() {
        let mut t = StubTransport::new("x");
        let spec = WorkloadSpec {
            payloads: 1,
            events_per_payload: 50,
            seed: 1,
        };
        let p = generate_payload(&spec, 0);
        let mut pipeline = Pipeline::new(PipelineConfig::default());
        pipeline.process_input(&p.lambda_event, &mut t).unwrap();
        let first = t.deliver();
        pipeline.process_input(&p.lambda_event, &mut t).unwrap();
        let second = t.deliver();
        assert_eq!(first.bulk_raw_bytes, second.bulk_raw_bytes);
        assert_eq!(first.documents, second.documents);
    }
}
