//! The stubbed transport of `shiplog bench`: a [`Sink`] that does what ship-logs does before the
//! network, with the code ship-logs runs — documents into `_bulk` chunks by
//! [`BulkBodyBuilder`] (gzip'd while written, as requests send them), metric points aggregated
//! into datums and validated and packed into PutMetricData requests by
//! [`metric_requests::prepare`] — and then throws the bytes away.

use shiplog::delivery::bulk::{BulkBodyBuilder, Chunk, ChunkLimits};
use shiplog::delivery::encoding::Compression;
use shiplog::delivery::metric_requests;
use shiplog::document::{Document, MetricStatus};
use shiplog::metrics::{aggregate, MetricPoint};
use shiplog::pipeline::Sink;
use shiplog::rejection::Rejection;
use shiplog::span::Span;
use shiplog::time::EpochMillis;

/// A sink that builds the `_bulk` chunks and keeps the metric points. One per worker; call
/// [`StubTransport::deliver`] after each input.
#[derive(Debug)]
pub struct StubTransport {
    index_prefix: String,
    compression: Compression,
    bulk: BulkBodyBuilder,
    points: Vec<MetricPoint>,
    rejections: usize,
    rejected_metric_lines: usize,
    /// Spans written into the current input's chunks.
    spans: usize,
    /// The chunks of the last delivery, kept until the next one (see [`StubTransport::chunks`]).
    last_chunks: Vec<Chunk>,
}

/// What one input's delivery would have sent.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delivery {
    /// Documents in the `_bulk` body.
    pub documents: usize,
    /// Invocation spans in the `_bulk` body (beside the documents).
    pub spans: usize,
    /// `_bulk` requests (chunks).
    pub bulk_requests: usize,
    /// Uncompressed NDJSON bytes of the body.
    pub bulk_raw_bytes: usize,
    /// Bytes on the wire (gzip'd when the transport compresses).
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
        self.spans += other.spans;
    }
}

/// A fresh builder with ship-logs' defaults.
fn builder(index_prefix: &str, compression: Compression) -> BulkBodyBuilder {
    BulkBodyBuilder::new(index_prefix, ChunkLimits::default()).with_compression(compression)
}

impl StubTransport {
    /// An empty transport writing indices `<index_prefix>-YYYY.MM.DD`, holding chunks gzip'd
    /// (as ship-logs does).
    pub fn new(index_prefix: &str) -> Self {
        StubTransport::with_compression(index_prefix, Compression::Gzip)
    }

    /// An empty transport holding chunks as `compression` says (plain: the body built without
    /// its gzip, to time the two apart).
    pub fn with_compression(index_prefix: &str, compression: Compression) -> Self {
        StubTransport {
            index_prefix: index_prefix.to_owned(),
            compression,
            bulk: builder(index_prefix, compression),
            points: Vec::new(),
            rejections: 0,
            rejected_metric_lines: 0,
            spans: 0,
            last_chunks: Vec::new(),
        }
    }

    /// The chunks of the last [`StubTransport::deliver`].
    pub fn chunks(&self) -> &[Chunk] {
        &self.last_chunks
    }

    /// Finishes the current input: closes the chunks, counts their bytes, aggregates the metric
    /// points and prepares the PutMetricData requests (validated against the newest datum's
    /// time, so that a recorded workload is not refused as too old), then starts afresh.
    pub fn deliver(&mut self) -> Delivery {
        let bulk = std::mem::replace(
            &mut self.bulk,
            builder(&self.index_prefix, self.compression),
        );
        let spans = std::mem::take(&mut self.spans);
        let documents = bulk.items() - spans;
        let chunks = bulk.finish();
        let points = std::mem::take(&mut self.points);
        let metric_points = points.len();
        let datums = aggregate(points);
        let datum_count = datums.len();
        let now = datums
            .iter()
            .map(|d| d.timestamp)
            .max()
            .unwrap_or(EpochMillis(0));
        let prepared = metric_requests::prepare(datums, now);
        let delivery = Delivery {
            documents,
            spans,
            bulk_requests: chunks.len(),
            bulk_raw_bytes: chunks.iter().map(Chunk::byte_len).sum(),
            bulk_gzip_bytes: chunks
                .iter()
                .map(|c| c.wire_body(self.compression).len())
                .sum(),
            metric_points,
            monitoring_lines: metric_points + self.rejected_metric_lines,
            datums: datum_count,
            put_metric_data_calls: prepared.requests.len(),
            rejections: self.rejections,
        };
        self.last_chunks = chunks;
        self.rejections = 0;
        self.rejected_metric_lines = 0;
        delivery
    }
}

impl Sink for StubTransport {
    fn document(&mut self, doc: &Document<'_>) {
        if matches!(doc.metric, Some(MetricStatus::Rejected(_))) {
            self.rejected_metric_lines += 1;
        }
        if self.bulk.push_document(doc).is_err() {
            self.rejections += 1;
        }
    }

    fn metric(&mut self, point: MetricPoint) {
        self.points.push(point);
    }

    /// Spans are bulk items beside the documents, as ship-logs ships them.
    fn span(&mut self, span: &Span) {
        if self.bulk.push_span(span).is_err() {
            self.rejections += 1;
            return;
        }
        self.spans += 1;
    }

    fn rejection(&mut self, _rejection: Rejection) {
        self.rejections += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiplog::pipeline::{Pipeline, PipelineConfig};
    use shiplog::testing::workload::{generate_payload, WorkloadSpec};

    fn joined_body(t: &StubTransport) -> Vec<u8> {
        t.chunks().iter().flat_map(|c| c.body().to_vec()).collect()
    }

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
        let d = t.deliver();
        let body = joined_body(&t);
        assert_eq!(d.documents, summary.documents);
        assert_eq!(d.spans, summary.spans);
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
        assert!(d.spans > 0, "{d:?}");
        assert_eq!(lines.len(), 2 * (d.documents + d.spans));
        let mut spans = 0;
        for pair in lines.chunks(2) {
            let action: serde_json::Value = serde_json::from_slice(pair[0]).unwrap();
            let index = action["create"]["_index"].as_str().unwrap();
            let id = action["create"]["_id"].as_str().unwrap();
            let source: serde_json::Value = serde_json::from_slice(pair[1]).unwrap();
            if index.starts_with("otel-v1-apm-span-shiplog-2025.11.") {
                spans += 1;
                assert_eq!(id, source["spanId"].as_str().unwrap());
            } else {
                assert!(index.starts_with("shiplog-2025.11."), "{index}");
                assert_eq!(id.len(), 56);
                assert!(source.get("@timestamp").is_some());
            }
        }
        assert_eq!(spans, d.spans);
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
        let (d, _) = run(shiplog::delivery::bulk::DEFAULT_MAX_CHUNK_ACTIONS + 10);
        assert_eq!(d.bulk_requests, 2, "{d:?}");
    }

    #[test]
    fn each_document_gets_the_index_of_its_own_day() {
        use shiplog::document::{BatchResource, Document};
        use shiplog::model::ParsedLine;
        use shiplog::time::EpochMillis;
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
        t.deliver();
        let body = String::from_utf8(joined_body(&t)).unwrap();
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
