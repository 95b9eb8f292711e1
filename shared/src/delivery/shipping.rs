//! The pipeline's sink when documents are shipped (the ship-logs Lambda and
//! `shiplog replay --to-opensearch` alike): documents go straight into `_bulk` chunks
//! ([`BulkBodyBuilder`]), metric points are collected (plus the optional usage metrics read from
//! REPORT documents), rejections are counted (into the self-metrics when given), and for Kinesis
//! and Firehose every record keeps the keys of its documents' `_id`s, so that a document that
//! could not be delivered fails exactly its own record.
//!
//! A new kind of bulk item (one that is not a log document) is added here: a method that hands
//! its source to [`BulkBodyBuilder::push_item`] and does the same bookkeeping as
//! [`Sink::document`].

use crate::delivery::bulk::{BulkBodyBuilder, Chunk};
use crate::delivery::self_metrics::SelfMetrics;
use crate::delivery::usage_metrics::UsageMetrics;
use crate::document::Document;
use crate::metrics::MetricPoint;
use crate::pipeline::{RecordOutcome, RecordSummary, Sink};
use crate::rejection::{RejectReason, Rejection};
use crate::span::Span;
use std::collections::BTreeMap;

/// A document `_id` as a record remembers it: a 64-bit hash (8 bytes instead of a ~90-byte
/// string per document, for batches of 100 000 documents and more). Two ids with one key could
/// only make a record count as failed when the other's document was undelivered: the record is
/// retried, and redelivery is idempotent (`_id` = event id). An undelivered document is never
/// missed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DocumentKey(u64);

impl DocumentKey {
    /// The key of `_id` `id` (SipHash with fixed keys: the same in every process).
    pub fn of(id: &str) -> Self {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        id.hash(&mut h);
        DocumentKey(h.finish())
    }
}

/// One Kinesis / Firehose record: its id, how it decoded, what it produced.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordTrack {
    /// Kinesis sequence number / Firehose record id.
    pub record_id: String,
    /// How the record decoded.
    pub outcome: RecordOutcome,
    /// Keys of its documents' `_id`s.
    pub document_keys: Vec<DocumentKey>,
    /// Metric points it produced (MONITORING lines and usage metrics).
    pub metric_points: usize,
}

/// What the parse produced, besides the chunks and points.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShippingStats {
    /// Rejections of every kind.
    pub rejections: usize,
    /// Rejections by reason.
    pub rejections_by_reason: BTreeMap<RejectReason, usize>,
    /// Records (or whole inputs) that could not be decoded.
    pub undecodable: usize,
    /// The first of them, for a one-line summary.
    pub first_undecodable: Option<Rejection>,
    /// Documents written into the chunks.
    pub documents: usize,
    /// Invocation spans written into the chunks.
    pub spans: usize,
    /// Usage-metric points read from REPORT documents.
    pub usage_points: usize,
}

/// Everything the parse produced for shipping.
#[derive(Debug, Default)]
pub struct Shipment {
    /// `_bulk` chunks in document order (those not taken earlier with
    /// [`ShippingSink::take_full_chunks`]).
    pub chunks: Vec<Chunk>,
    /// Metric points (MONITORING lines, and usage metrics in document order).
    pub points: Vec<MetricPoint>,
    /// Kinesis / Firehose records in input order (empty for CloudWatch Logs).
    pub records: Vec<RecordTrack>,
    /// Counts.
    pub stats: ShippingStats,
}

/// The sink of one shipment (one Lambda invocation, or one `replay --to-opensearch` run).
#[derive(Debug)]
pub struct ShippingSink<'a> {
    bulk: BulkBodyBuilder,
    usage: Option<&'a UsageMetrics>,
    self_metrics: Option<&'a mut SelfMetrics>,
    points: Vec<MetricPoint>,
    records: Vec<RecordTrack>,
    current: Option<RecordTrack>,
    stats: ShippingStats,
}

impl<'a> ShippingSink<'a> {
    /// A sink writing its documents into `bulk`; no usage metrics, no self-metrics.
    pub fn new(bulk: BulkBodyBuilder) -> Self {
        ShippingSink {
            bulk,
            usage: None,
            self_metrics: None,
            points: Vec::new(),
            records: Vec::new(),
            current: None,
            stats: ShippingStats::default(),
        }
    }

    /// Reads usage metrics from REPORT documents when `usage` is set.
    pub fn with_usage(mut self, usage: Option<&'a UsageMetrics>) -> Self {
        self.usage = usage;
        self
    }

    /// Counts event times and rejections into `self_metrics` when given.
    pub fn with_self_metrics(mut self, self_metrics: Option<&'a mut SelfMetrics>) -> Self {
        self.self_metrics = self_metrics;
        self
    }

    /// Counts the rejection of a whole input (it decoded to nothing).
    pub fn reject_input(&mut self, rejection: Rejection) {
        self.rejection(rejection);
    }

    /// Documents written so far.
    pub fn documents(&self) -> usize {
        self.stats.documents
    }

    /// Rejections counted so far.
    pub fn rejections(&self) -> usize {
        self.stats.rejections
    }

    /// Takes the chunks that are already full (the open one stays), so that a long run can ship
    /// as it goes.
    pub fn take_full_chunks(&mut self) -> Vec<Chunk> {
        self.bulk.take_full()
    }

    /// Closes the chunks and hands everything over.
    pub fn finish(self) -> Shipment {
        Shipment {
            chunks: self.bulk.finish(),
            points: self.points,
            records: self.records,
            stats: self.stats,
        }
    }

    /// Counts a bulk item that could not be serialised (it is not shipped) as a rejection.
    fn not_serializable(&mut self, id: &str, error: &serde_json::Error) {
        self.rejection(Rejection::event(
            id,
            RejectReason::DocumentNotSerializable,
            format!("the document could not be serialised: {error}"),
        ));
    }

    fn usage_points(&mut self, doc: &Document<'_>) -> usize {
        let (Some(usage), Some(report), Some(function)) = (
            self.usage,
            doc.line.report.as_deref(),
            doc.resource.function_name,
        ) else {
            return 0;
        };
        let points = usage.points(report, function, doc.timestamp());
        let n = points.len();
        self.points.extend(points);
        n
    }
}

impl Sink for ShippingSink<'_> {
    fn document(&mut self, doc: &Document<'_>) {
        if let Err(e) = self.bulk.push_document(doc) {
            self.not_serializable(doc.id, &e);
            return;
        }
        self.stats.documents += 1;
        if let Some(m) = self.self_metrics.as_deref_mut() {
            m.record_event_time(doc.observed);
        }
        let usage = self.usage_points(doc);
        self.stats.usage_points += usage;
        if let Some(track) = self.current.as_mut() {
            track.document_keys.push(DocumentKey::of(doc.id));
            track.metric_points += usage;
        }
    }

    /// A span is one more bulk item, into its own daily index, kept by its record like a
    /// document (an undelivered span fails its record; redelivery is idempotent by `_id`).
    fn span(&mut self, span: &Span) {
        if let Err(e) = self.bulk.push_span(span) {
            self.not_serializable(span.id(), &e);
            return;
        }
        self.stats.spans += 1;
        if let Some(m) = self.self_metrics.as_deref_mut() {
            m.add_spans_out(1);
        }
        if let Some(track) = self.current.as_mut() {
            track.document_keys.push(DocumentKey::of(span.id()));
        }
    }

    fn metric(&mut self, point: MetricPoint) {
        self.points.push(point);
        if let Some(track) = self.current.as_mut() {
            track.metric_points += 1;
        }
    }

    fn rejection(&mut self, rejection: Rejection) {
        if let Some(m) = self.self_metrics.as_deref_mut() {
            m.add_rejection(rejection.reason);
        }
        self.stats.rejections += 1;
        *self
            .stats
            .rejections_by_reason
            .entry(rejection.reason)
            .or_default() += 1;
        if rejection.reason.is_input_level() {
            self.stats.undecodable += 1;
            if self.stats.first_undecodable.is_none() {
                self.stats.first_undecodable = Some(rejection);
            }
        }
    }

    fn record_start(&mut self, record_id: Option<&str>) {
        self.current = record_id.map(|id| RecordTrack {
            record_id: id.to_owned(),
            outcome: RecordOutcome::Data,
            document_keys: Vec::new(),
            metric_points: 0,
        });
    }

    fn record_end(&mut self, summary: &RecordSummary) {
        if let Some(mut track) = self.current.take() {
            track.outcome = summary.outcome;
            self.records.push(track);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::bulk::ChunkLimits;
    use crate::delivery::usage_metrics::Architecture;
    use crate::pipeline::{Pipeline, PipelineConfig};
    use crate::time::EpochMillis;

    const REPORT: &str = "REPORT RequestId: 6bc28136-a9f1-4365-b021-0ce6b2e64ab0\tDuration: 12.50 ms\tBilled Duration: 13 ms\tMemory Size: 128 MB\tMax Memory Used: 64 MB\tInit Duration: 120.96 ms\t\n";

    fn data_message(group: &str, messages: &[&str]) -> serde_json::Value {
        let events: Vec<_> = messages
            .iter()
            .enumerate()
            .map(|(i, m)| serde_json::json!({"id": format!("ev{i}"), "timestamp": 1_700_000_000_000_i64 + i as i64, "message": m}))
            .collect();
        serde_json::json!({"messageType": "DATA_MESSAGE", "owner": "1", "logGroup": group,
            "logStream": "2023/11/14/[$LATEST]abc", "subscriptionFilters": [], "logEvents": events})
    }

    fn parse(input: &[u8], usage: Option<&UsageMetrics>) -> (Shipment, String) {
        let mut self_metrics = SelfMetrics::new("shiplog", Some("ship")).unwrap();
        let mut sink = ShippingSink::new(BulkBodyBuilder::new("shiplog", ChunkLimits::default()))
            .with_usage(usage)
            .with_self_metrics(Some(&mut self_metrics));
        let mut pipeline = Pipeline::new(PipelineConfig::default());
        match pipeline.process_input(input, &mut sink) {
            Ok(_) => {}
            Err(r) => sink.reject_input(r),
        }
        let shipment = sink.finish();
        (
            shipment,
            self_metrics.take_line(EpochMillis(1_700_000_100_000)),
        )
    }

    #[test]
    fn report_documents_yield_usage_points_only_when_turned_on() {
        let input = data_message(
            "/aws/lambda/orders",
            &[REPORT, "MONITORING|1|count|x|Shop\n"],
        )
        .to_string();
        let (off, _) = parse(input.as_bytes(), None);
        assert_eq!(off.points.len(), 1);
        assert_eq!(off.stats.documents, 2);
        let usage = UsageMetrics::new("shiplog", Architecture::Arm64).unwrap();
        let (on, _) = parse(input.as_bytes(), Some(&usage));
        let names: Vec<&str> = on.points.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "Duration",
                "BilledDuration",
                "MaxMemoryUsed",
                "InitDuration",
                "ColdStart",
                "Timeout",
                "EstimatedCost",
                "x"
            ]
        );
        assert_eq!(on.stats.usage_points, 7);
        assert!(on.points[0]
            .dimensions
            .contains(&("FunctionName".to_owned(), "orders".to_owned())));
    }

    #[test]
    fn kinesis_records_keep_their_document_keys_and_outcomes() {
        use base64::Engine;
        let gz = crate::testing::workload::gzip(
            data_message("/aws/lambda/orders", &["a\n", "b\n"])
                .to_string()
                .as_bytes(),
            6,
        );
        let good = base64::engine::general_purpose::STANDARD.encode(gz);
        let event = serde_json::json!({"Records": [
            {"eventID": "shardId-0:1", "awsRegion": "eu-west-1",
             "kinesis": {"data": good, "sequenceNumber": "seq-1", "approximateArrivalTimestamp": 1_700_000_000.0}},
            {"eventID": "shardId-0:2", "awsRegion": "eu-west-1",
             "kinesis": {"data": "H4sI!!!", "sequenceNumber": "seq-2", "approximateArrivalTimestamp": 1_700_000_000.0}},
        ]});
        let (shipment, line) = parse(event.to_string().as_bytes(), None);
        assert_eq!(shipment.records.len(), 2);
        assert_eq!(shipment.records[0].record_id, "seq-1");
        assert_eq!(shipment.records[0].outcome, RecordOutcome::Data);
        assert_eq!(
            shipment.records[0].document_keys,
            [DocumentKey::of("ev0"), DocumentKey::of("ev1")]
        );
        assert_ne!(DocumentKey::of("ev0"), DocumentKey::of("ev1"));
        assert_eq!(shipment.records[1].record_id, "seq-2");
        assert!(matches!(
            shipment.records[1].outcome,
            RecordOutcome::Failed(_)
        ));
        assert!(shipment.records[1].document_keys.is_empty());
        assert_eq!(shipment.stats.undecodable, 1);
        assert_eq!(
            shipment
                .stats
                .first_undecodable
                .as_ref()
                .map(|r| r.record_id.as_deref()),
            Some(Some("seq-2"))
        );
        let self_metrics: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(self_metrics["Rejections"], 1.0);
    }

    #[test]
    fn cloudwatch_logs_payloads_track_no_records_and_count_a_bad_input() {
        let input = data_message("/aws/lambda/orders", &["a\n"]).to_string();
        let (shipment, _) = parse(input.as_bytes(), None);
        assert!(shipment.records.is_empty());
        assert_eq!(shipment.chunks.iter().map(Chunk::len).sum::<usize>(), 1);
        let (bad, line) = parse(b"[1,2]", None);
        assert_eq!(bad.stats.undecodable, 1);
        assert_eq!(
            bad.stats.rejections_by_reason,
            BTreeMap::from([(RejectReason::InvalidEnvelope, 1)])
        );
        assert_eq!(
            bad.stats.first_undecodable.map(|r| r.reason),
            Some(RejectReason::InvalidEnvelope)
        );
        let self_metrics: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(self_metrics["Rejections.invalid-envelope"], 1.0);
    }

    #[test]
    fn full_chunks_are_taken_as_they_fill_and_every_document_is_counted_once() {
        let messages: Vec<String> = (0..7).map(|i| format!("line {i}\n")).collect();
        let refs: Vec<&str> = messages.iter().map(String::as_str).collect();
        let input = data_message("/aws/lambda/orders", &refs).to_string();
        let limits = ChunkLimits {
            max_actions: 3,
            ..ChunkLimits::default()
        };
        let mut sink = ShippingSink::new(BulkBodyBuilder::new("shiplog", limits));
        Pipeline::new(PipelineConfig::default())
            .process_input(input.as_bytes(), &mut sink)
            .unwrap();
        assert_eq!((sink.documents(), sink.rejections()), (7, 0));
        let early = sink.take_full_chunks();
        assert_eq!(early.iter().map(Chunk::len).collect::<Vec<_>>(), [3, 3]);
        let rest = sink.finish();
        assert_eq!(rest.chunks.iter().map(Chunk::len).collect::<Vec<_>>(), [1]);
        assert_eq!(rest.stats.documents, 7);
        assert_eq!(rest.chunks[0].items()[0].id, "ev6");
    }

    #[test]
    fn a_document_that_cannot_be_serialised_is_a_counted_rejection_with_its_reason() {
        use serde::ser::Error as _;
        let mut self_metrics = SelfMetrics::new("shiplog", None).unwrap();
        let mut sink = ShippingSink::new(BulkBodyBuilder::new("shiplog", ChunkLimits::default()))
            .with_self_metrics(Some(&mut self_metrics));
        sink.not_serializable(
            "ev7",
            &serde_json::Error::custom("a key that is not a string"),
        );
        assert_eq!((sink.documents(), sink.rejections()), (0, 1));
        let shipment = sink.finish();
        assert!(shipment.chunks.is_empty());
        assert_eq!(
            shipment.stats.rejections_by_reason,
            BTreeMap::from([(RejectReason::DocumentNotSerializable, 1)])
        );
        assert_eq!(shipment.stats.undecodable, 0);
        let line: serde_json::Value =
            serde_json::from_str(&self_metrics.take_line(EpochMillis(0))).unwrap();
        assert_eq!(line["Rejections.document-not-serializable"], 1.0);
    }
}
