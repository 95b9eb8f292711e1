//! `_bulk` request bodies: documents are serialised straight into byte chunks of
//! `{"create":{"_index":…,"_id":…}}\n<source>\n` lines, bounded by bytes and by action count.
//! Each action is remembered (index, `_id`, byte range, CloudWatch event time, attempts, last
//! error) so that one failed item can be re-sent, salvaged or dead-lettered exactly, without
//! re-running the pipeline.
//!
//! The builder only writes bytes; what the pipeline hands over (documents, metric points,
//! rejections, per-record bookkeeping) is the job of [`crate::delivery::shipping::ShippingSink`].

mod chunk;

pub use chunk::{write_create_action, BulkItem, Chunk};

use crate::delivery::encoding::Compression;
use crate::delivery::item::ItemId;
use crate::document::Document;
use crate::span::Span;
use crate::time::EpochMillis;
use chunk::GzipWriter;
use std::sync::Arc;

/// Default cap on the uncompressed bytes of one `_bulk` request: 5 MiB (OpenSearch's guidance
/// for bulk sizes; far below the 10 MiB HTTP limit of the smallest managed instance types).
pub const DEFAULT_MAX_CHUNK_BYTES: usize = 5 * 1024 * 1024;

/// Default cap on the actions of one `_bulk` request.
pub const DEFAULT_MAX_CHUNK_ACTIONS: usize = 5_000;

/// Bounds of one `_bulk` request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkLimits {
    /// Uncompressed bytes. A single document larger than this travels alone.
    pub max_bytes: usize,
    /// Actions (documents).
    pub max_actions: usize,
}

impl Default for ChunkLimits {
    fn default() -> Self {
        ChunkLimits {
            max_bytes: DEFAULT_MAX_CHUNK_BYTES,
            max_actions: DEFAULT_MAX_CHUNK_ACTIONS,
        }
    }
}

/// The chunk being written: its body (plain or gzip'd as it grows) and items.
#[derive(Debug)]
enum OpenBody {
    Plain(Vec<u8>),
    Gzip(Box<GzipWriter>),
}

impl OpenBody {
    /// Where the next bytes go: the plain body, or the gzip stream's input block.
    fn tail(&mut self) -> &mut Vec<u8> {
        match self {
            OpenBody::Plain(body) => body,
            OpenBody::Gzip(gz) => gz.pending_mut(),
        }
    }
}

/// Turns documents (and any other bulk item) into bounded `_bulk` chunks.
///
/// With [`Compression::Gzip`] (the default) each chunk is gzip'd while it is written: only the
/// compressed bytes are held (about a tenth of the NDJSON), and they are what the first request
/// sends.
#[derive(Debug)]
pub struct BulkBodyBuilder {
    index_prefix: String,
    limits: ChunkLimits,
    compression: Compression,
    full: Vec<Chunk>,
    open: Option<OpenBody>,
    open_len: usize,
    open_items: Vec<BulkItem>,
    /// The documents' index of the last document's day, shared by its items.
    document_index: DailyIndex,
    /// The spans' index of the last span's day.
    span_index: DailyIndex,
    document_ids: bool,
    items: usize,
}

/// A daily index name, built again only when the day changes (the items of a batch share their
/// day, so this is once per batch, not once per item).
#[derive(Debug, Default)]
struct DailyIndex {
    /// UTC day (days since the epoch) and its index name.
    current: Option<(i64, Arc<str>)>,
}

impl DailyIndex {
    /// The index name of `day`, made with `name` when it is not the last one's.
    fn of_day(&mut self, day: i64, name: impl FnOnce() -> String) -> Arc<str> {
        match &self.current {
            Some((d, index)) if *d == day => Arc::clone(index),
            _ => {
                let index: Arc<str> = Arc::from(name());
                self.current = Some((day, Arc::clone(&index)));
                index
            }
        }
    }
}

/// Items reserved at once for a new chunk (the default chunk holds 5 000 actions; the spare
/// room of a chunk that closes early is given back).
const OPEN_ITEMS_RESERVE: usize = 5_000;

impl BulkBodyBuilder {
    /// A builder writing indices `<index_prefix>-YYYY.MM.DD`, gzip'ing its chunks.
    pub fn new(index_prefix: &str, limits: ChunkLimits) -> Self {
        BulkBodyBuilder {
            index_prefix: index_prefix.to_owned(),
            limits: ChunkLimits {
                max_bytes: limits.max_bytes.max(1),
                max_actions: limits.max_actions.max(1),
            },
            compression: Compression::Gzip,
            full: Vec::new(),
            open: None,
            open_len: 0,
            open_items: Vec::new(),
            document_index: DailyIndex::default(),
            span_index: DailyIndex::default(),
            document_ids: true,
            items: 0,
        }
    }

    /// Whether actions carry `_id` = the CloudWatch event id (the default: redelivery is then
    /// idempotent). Off for OpenSearch Serverless time-series collections, which refuse custom
    /// ids: delivery becomes at-least-once.
    pub fn with_document_ids(mut self, on: bool) -> Self {
        self.document_ids = on;
        self
    }

    /// How chunks are held: gzip'd while written (the default, what requests send) or plain.
    pub fn with_compression(mut self, compression: Compression) -> Self {
        self.compression = compression;
        self
    }

    /// Serialises one document into the open chunk, in the daily index of its CloudWatch event
    /// time. A document that cannot be serialised (never seen: documents hold only string-keyed
    /// maps) leaves no bytes behind and comes back as the error.
    pub fn push_document(&mut self, doc: &Document<'_>) -> Result<(), serde_json::Error> {
        let prefix = &self.index_prefix;
        let index = self
            .document_index
            .of_day(doc.index_day(), || doc.index_name(prefix));
        self.push_item(index, doc.id, doc.observed, |out| doc.write_json(out))
    }

    /// Serialises one invocation span into the open chunk, in the daily span index
    /// (`otel-v1-apm-span-<prefix>-YYYY.MM.DD`) of its REPORT's CloudWatch event time, `_id` =
    /// its span id. On error nothing of it stays in the chunk.
    pub fn push_span(&mut self, span: &Span) -> Result<(), serde_json::Error> {
        let prefix = &self.index_prefix;
        let index = self
            .span_index
            .of_day(span.observed.day(), || span.index_name(prefix));
        self.push_item(index, span.id(), span.observed, |out| span.write_json(out))
    }

    /// Serialises one bulk item into the open chunk: a `create` action on `index` (with `_id` =
    /// `id` unless ids are off), then the source line `write_source` appends (one JSON value, no
    /// newline). The chunk is closed first when the item would take it over the byte bound (an
    /// item larger than the bound travels alone), and after, when it reached a bound. On error
    /// nothing of the item stays in the chunk.
    pub fn push_item(
        &mut self,
        index: Arc<str>,
        id: &str,
        event_time: EpochMillis,
        write_source: impl FnOnce(&mut Vec<u8>) -> Result<(), serde_json::Error>,
    ) -> Result<(), serde_json::Error> {
        // The action and source are written straight into the open chunk's tail (its plain body,
        // or the block its gzip stream is fed from): no copy of each item.
        let action_id = self.document_ids.then_some(id);
        let (compression, limits) = (self.compression, &self.limits);
        let tail = self
            .open
            .get_or_insert_with(|| open_body(compression, limits))
            .tail();
        let at = tail.len();
        write_create_action(tail, &index, action_id);
        let source_offset = tail.len() - at;
        if let Err(e) = write_source(tail) {
            tail.truncate(at);
            return Err(e);
        }
        tail.push(b'\n');
        let len = tail.len() - at;
        if !self.open_items.is_empty() && self.open_len + len > self.limits.max_bytes {
            // The item would take the chunk over its bound: it opens the next one.
            let moved = tail.split_off(at);
            self.close_open();
            self.open
                .insert(open_body(compression, &self.limits))
                .tail()
                .extend_from_slice(&moved);
        }
        if let Some(OpenBody::Gzip(gz)) = &mut self.open {
            gz.compress_full_block();
        }
        let start = self.open_len;
        self.open_len += len;
        if self.open_items.is_empty() {
            self.open_items
                .reserve_exact(self.limits.max_actions.min(OPEN_ITEMS_RESERVE));
        }
        self.open_items.push(BulkItem::new(
            index,
            ItemId::from(id),
            event_time,
            start..self.open_len,
            start + source_offset,
        ));
        self.items += 1;
        if self.open_items.len() >= self.limits.max_actions
            || self.open_len >= self.limits.max_bytes
        {
            self.close_open();
        }
        Ok(())
    }

    /// Moves the open chunk, if it holds anything, to the full ones.
    fn close_open(&mut self) {
        let mut items = std::mem::take(&mut self.open_items);
        items.shrink_to_fit();
        let len = std::mem::take(&mut self.open_len);
        let chunk = match self.open.take() {
            _ if items.is_empty() => return,
            Some(OpenBody::Gzip(gz)) => Chunk::from_gzip((*gz).finish(), len, items),
            Some(OpenBody::Plain(body)) => Chunk::from_plain(body, items),
            None => return,
        };
        self.full.push(chunk);
    }

    /// Items (documents and any other kind) written so far.
    pub fn items(&self) -> usize {
        self.items
    }

    /// Takes the chunks that are already full (the open chunk stays), so that a long run can
    /// ship as it goes.
    pub fn take_full(&mut self) -> Vec<Chunk> {
        std::mem::take(&mut self.full)
    }

    /// Closes the builder: the chunks in document order.
    pub fn finish(mut self) -> Vec<Chunk> {
        self.close_open();
        self.full
    }
}

/// A chunk body to write into, with room for a full chunk up front (a plain body is shrunk to
/// its size when the chunk closes; untouched room is never resident).
fn open_body(compression: Compression, limits: &ChunkLimits) -> OpenBody {
    match compression {
        Compression::Gzip => OpenBody::Gzip(Box::new(GzipWriter::new())),
        Compression::None => {
            OpenBody::Plain(Vec::with_capacity(limits.max_bytes.min(MAX_PLAIN_RESERVE)))
        }
    }
}

/// Most room reserved for a plain chunk body before it is written.
const MAX_PLAIN_RESERVE: usize = 16 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::MetricPoint;
    use crate::pipeline::{Pipeline, PipelineConfig, Sink};
    use crate::rejection::Rejection;
    use crate::testing::CollectingSink;
    use flate2::read::GzDecoder;
    use serde_json::{json, Value};
    use std::io::Read;

    /// The pipeline's documents into a builder (the rest is dropped).
    struct Documents<'a>(&'a mut BulkBodyBuilder);

    impl Sink for Documents<'_> {
        fn document(&mut self, doc: &Document<'_>) {
            self.0.push_document(doc).unwrap();
        }
        fn metric(&mut self, _point: MetricPoint) {}
        fn rejection(&mut self, _rejection: Rejection) {}
    }

    const SAMPLE: &str = include_str!("../../../samples/cloudwatch/order-api-node.json");

    fn build(limits: ChunkLimits) -> (Vec<Chunk>, CollectingSink) {
        let mut pipeline = Pipeline::new(PipelineConfig::default());
        let mut builder = BulkBodyBuilder::new("shiplog", limits);
        pipeline
            .process_input(SAMPLE.as_bytes(), &mut Documents(&mut builder))
            .unwrap();
        let mut pipeline = Pipeline::new(PipelineConfig::default());
        let mut collected = CollectingSink::new("shiplog");
        pipeline
            .process_input(SAMPLE.as_bytes(), &mut collected)
            .unwrap();
        (builder.finish(), collected)
    }

    fn parse_lines(body: &[u8]) -> Vec<Value> {
        body.split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect()
    }

    #[test]
    fn body_is_create_action_then_source_for_every_document() {
        let (chunks, collected) = build(ChunkLimits::default());
        assert_eq!(chunks.len(), 1);
        let lines = parse_lines(chunks[0].body());
        assert_eq!(lines.len(), collected.documents.len() * 2);
        for (pair, (index, id, source)) in lines.chunks(2).zip(&collected.documents) {
            assert_eq!(pair[0], json!({"create": {"_index": index, "_id": id}}));
            assert_eq!(&pair[1], source);
        }
    }

    #[test]
    fn items_remember_index_id_event_time_and_exact_lines() {
        let (chunks, collected) = build(ChunkLimits::default());
        let chunk = &chunks[0];
        for (i, (index, id, source)) in collected.documents.iter().enumerate() {
            let item = &chunk.items()[i];
            assert_eq!(&*item.index, index);
            assert_eq!(&item.id, id);
            assert_eq!(
                item.event_time.to_rfc3339(),
                source["observedTimestamp"].as_str().unwrap()
            );
            let src: Value = serde_json::from_slice(chunk.source(i).unwrap()).unwrap();
            assert_eq!(&src, source);
            let action: Value = serde_json::from_slice(chunk.action(i).unwrap()).unwrap();
            assert_eq!(action["create"]["_id"], json!(id));
            let lines = chunk.lines(i).unwrap();
            assert!(lines.ends_with(b"\n"));
            assert_eq!(lines.iter().filter(|b| **b == b'\n').count(), 2);
        }
    }

    #[test]
    fn chunks_are_bounded_by_action_count() {
        let (all, collected) = build(ChunkLimits::default());
        let n = collected.documents.len();
        let (chunks, _) = build(ChunkLimits {
            max_bytes: DEFAULT_MAX_CHUNK_BYTES,
            max_actions: 3,
        });
        assert_eq!(chunks.len(), n.div_ceil(3));
        assert!(chunks.iter().all(|c| c.len() <= 3 && !c.is_empty()));
        let mut pipeline = Pipeline::new(PipelineConfig::default());
        let mut builder = BulkBodyBuilder::new(
            "shiplog",
            ChunkLimits {
                max_bytes: DEFAULT_MAX_CHUNK_BYTES,
                max_actions: 3,
            },
        );
        pipeline
            .process_input(SAMPLE.as_bytes(), &mut Documents(&mut builder))
            .unwrap();
        let full = builder.take_full();
        assert_eq!(full.len(), n / 3);
        assert!(builder.take_full().is_empty());
        assert_eq!(full.len() + builder.finish().len(), n.div_ceil(3));
        let joined: Vec<u8> = chunks.iter().flat_map(|c| c.body().to_vec()).collect();
        assert_eq!(joined, all[0].body());
    }

    #[test]
    fn chunks_are_bounded_by_bytes_and_keep_every_document_once() {
        let (all, collected) = build(ChunkLimits::default());
        let max_bytes = 2048;
        let (chunks, _) = build(ChunkLimits {
            max_bytes,
            max_actions: 1000,
        });
        assert!(chunks.len() > 1);
        for c in &chunks {
            assert!(
                c.byte_len() <= max_bytes || c.len() == 1,
                "{}",
                c.byte_len()
            );
            for i in 0..c.len() {
                let src: Value = serde_json::from_slice(c.source(i).unwrap()).unwrap();
                assert_eq!(
                    src["observedTimestamp"].as_str().unwrap(),
                    c.items()[i].event_time.to_rfc3339()
                );
            }
        }
        let ids: Vec<&str> = chunks
            .iter()
            .flat_map(|c| c.items().iter().map(|i| i.id.as_str()))
            .collect();
        let want: Vec<&str> = collected
            .documents
            .iter()
            .map(|(_, id, _)| id.as_str())
            .collect();
        assert_eq!(ids, want);
        let joined: Vec<u8> = chunks.iter().flat_map(|c| c.body().to_vec()).collect();
        assert_eq!(joined, all[0].body());
    }

    #[test]
    fn a_document_larger_than_the_byte_bound_travels_alone() {
        let (chunks, collected) = build(ChunkLimits {
            max_bytes: 10,
            max_actions: 1000,
        });
        assert_eq!(chunks.len(), collected.documents.len());
        assert!(chunks.iter().all(|c| c.len() == 1));
    }

    #[test]
    fn select_and_split_keep_exact_bytes_and_state() {
        let (chunks, _) = build(ChunkLimits::default());
        let mut chunk = chunks[0].clone();
        for it in chunk.items_mut() {
            it.attempts = 2;
        }
        let picked = chunk.select([3, 1]);
        assert_eq!(picked.len(), 2);
        assert_eq!(picked.lines(0), chunk.lines(3));
        assert_eq!(picked.lines(1), chunk.lines(1));
        assert_eq!(picked.items()[0].attempts, 2);
        let (a, b) = chunk.split_half();
        assert_eq!(a.len() + b.len(), chunk.len());
        let mut joined = a.body().to_vec();
        joined.extend_from_slice(b.body());
        assert_eq!(joined, chunk.body());
        assert_eq!(b.source(0), chunk.source(a.len()));
    }

    #[test]
    fn gzip_round_trips() {
        let (chunks, _) = build(ChunkLimits::default());
        let gz = Compression::Gzip.encode(chunks[0].body());
        assert!(gz.len() < chunks[0].byte_len());
        let mut out = Vec::new();
        GzDecoder::new(&gz[..]).read_to_end(&mut out).unwrap();
        assert_eq!(out, chunks[0].body());
        assert_eq!(Compression::None.encode(b"abc"), b"abc");
        assert_eq!(Compression::Gzip.content_encoding(), Some("gzip"));
        assert_eq!(Compression::None.content_encoding(), None);
    }

    fn build_with(compression: Compression, limits: ChunkLimits) -> Vec<Chunk> {
        let mut pipeline = Pipeline::new(PipelineConfig::default());
        let mut builder = BulkBodyBuilder::new("shiplog", limits).with_compression(compression);
        pipeline
            .process_input(SAMPLE.as_bytes(), &mut Documents(&mut builder))
            .unwrap();
        builder.finish()
    }

    #[test]
    fn chunks_are_held_gzipped_and_read_back_byte_identical_to_plain_ones() {
        let limits = ChunkLimits {
            max_bytes: 4096,
            max_actions: 1000,
        };
        let gzipped = build_with(Compression::Gzip, limits);
        let plain = build_with(Compression::None, limits);
        assert!(gzipped.len() > 1);
        assert_eq!(gzipped, plain);
        for (g, p) in gzipped.iter().zip(&plain) {
            assert!(g.is_gzipped() && !p.is_gzipped());
            assert_eq!(g.byte_len(), p.body().len());
            // The wire bytes are the gzip written while building, which decompress to the body.
            let wire = g.wire_body(Compression::Gzip);
            let mut out = Vec::new();
            GzDecoder::new(&wire[..]).read_to_end(&mut out).unwrap();
            assert_eq!(out, p.body());
            assert_eq!(&*g.wire_body(Compression::None), p.body());
            assert_eq!(g.items(), p.items());
        }
    }

    /// Chunks of a generated workload payload (thousands of documents: several gzip input
    /// blocks per chunk, documents moved to the next chunk at each byte bound).
    fn workload_chunks(compression: Compression, limits: ChunkLimits) -> Vec<Chunk> {
        let spec = crate::testing::workload::WorkloadSpec {
            payloads: 1,
            events_per_payload: 2_000,
            seed: 11,
        };
        let input = crate::testing::workload::generate_payload(&spec, 0).lambda_event;
        let mut pipeline = Pipeline::new(PipelineConfig::default());
        let mut builder = BulkBodyBuilder::new("shiplog", limits).with_compression(compression);
        pipeline
            .process_input(&input, &mut Documents(&mut builder))
            .unwrap();
        builder.finish()
    }

    #[test]
    fn large_gzipped_chunks_equal_plain_ones_across_input_blocks_and_byte_bounds() {
        let limits = ChunkLimits {
            max_bytes: 300 * 1024,
            max_actions: 100_000,
        };
        let gzipped = workload_chunks(Compression::Gzip, limits);
        let plain = workload_chunks(Compression::None, limits);
        assert!(gzipped.len() > 2, "{} chunks", gzipped.len());
        assert_eq!(gzipped, plain);
        for (n, (g, p)) in gzipped.iter().zip(&plain).enumerate() {
            assert!(p.byte_len() <= limits.max_bytes);
            if n + 1 < plain.len() {
                assert!(p.byte_len() > 4 * chunk::GZIP_INPUT_BLOCK, "chunk {n}");
            }
            let mut out = Vec::new();
            GzDecoder::new(&g.wire_body(Compression::Gzip)[..])
                .read_to_end(&mut out)
                .unwrap();
            assert_eq!(out, p.body());
            for i in 0..p.len() {
                let source: Value = serde_json::from_slice(p.source(i).unwrap()).unwrap();
                assert!(source["body"].is_string());
            }
        }
        let documents: usize = plain.iter().map(Chunk::len).sum();
        assert_eq!(documents, 2_000);
        // Cut into chunks or not, the bytes are the same and in the same order.
        let whole = workload_chunks(
            Compression::Gzip,
            ChunkLimits {
                max_bytes: 64 * 1024 * 1024,
                max_actions: 100_000,
            },
        );
        assert_eq!(whole.len(), 1);
        let joined: Vec<u8> = plain.iter().flat_map(|c| c.body().to_vec()).collect();
        assert_eq!(joined, whole[0].body());
    }

    #[test]
    fn a_gzipped_chunk_holds_a_fraction_of_its_body_until_read() {
        let chunk = build_with(Compression::Gzip, ChunkLimits::default()).remove(0);
        let held = chunk.held_bytes();
        let items = chunk.len() * std::mem::size_of::<BulkItem>();
        assert!(
            held - items < chunk.byte_len() / 3,
            "{held} held for {} bytes",
            chunk.byte_len()
        );
        let _ = chunk.source(0);
        assert!(chunk.held_bytes() > chunk.byte_len());
    }

    #[test]
    fn appending_to_a_gzipped_chunk_keeps_its_items_and_bytes() {
        let chunks = build_with(Compression::Gzip, ChunkLimits::default());
        let plain = build_with(Compression::None, ChunkLimits::default());
        let mut chunk = chunks[0].clone();
        chunk.push_item_from(&plain[0], 0);
        assert!(!chunk.is_gzipped());
        assert_eq!(chunk.len(), plain[0].len() + 1);
        assert_eq!(chunk.lines(chunk.len() - 1), plain[0].lines(0));
        assert_eq!(chunk.source(3), plain[0].source(3));
        assert_eq!(chunk.byte_len(), chunk.body().len());
    }

    #[test]
    fn an_item_that_cannot_be_serialised_leaves_no_bytes_and_is_returned() {
        use serde::ser::Error as _;
        let mut builder = BulkBodyBuilder::new("shiplog", ChunkLimits::default())
            .with_compression(Compression::None);
        let index: Arc<str> = Arc::from("shiplog-2024.05.05");
        builder
            .push_item(Arc::clone(&index), "a", EpochMillis(0), |out| {
                out.extend_from_slice(b"{\"n\":1}");
                Ok(())
            })
            .unwrap();
        let err = builder
            .push_item(Arc::clone(&index), "b", EpochMillis(0), |out| {
                out.extend_from_slice(b"{\"half");
                Err(serde_json::Error::custom("a map with a non-string key"))
            })
            .unwrap_err();
        assert!(err.to_string().contains("non-string key"));
        assert_eq!(builder.items(), 1);
        let chunks = builder.finish();
        assert_eq!(chunks.len(), 1);
        assert_eq!(
            chunks[0].body(),
            b"{\"create\":{\"_index\":\"shiplog-2024.05.05\",\"_id\":\"a\"}}\n{\"n\":1}\n"
        );
    }

    #[test]
    fn without_document_ids_actions_carry_no_id_but_items_remember_it() {
        let mut pipeline = Pipeline::new(PipelineConfig::default());
        let mut builder =
            BulkBodyBuilder::new("shiplog", ChunkLimits::default()).with_document_ids(false);
        pipeline
            .process_input(SAMPLE.as_bytes(), &mut Documents(&mut builder))
            .unwrap();
        let chunk = &builder.finish()[0];
        let action: Value = serde_json::from_slice(chunk.action(0).unwrap()).unwrap();
        assert!(action["create"].get("_id").is_none());
        assert!(action["create"]["_index"]
            .as_str()
            .unwrap()
            .starts_with("shiplog-"));
        assert!(!chunk.items()[0].id.is_empty());
        // Salvage keeps the id-less action.
        let mut out = Chunk::new();
        out.push_rewritten(chunk, 0, b"{}", true);
        assert_eq!(out.action(0), chunk.action(0));
    }

    #[test]
    fn push_rewritten_keeps_identity_and_marks_salvaged() {
        let (chunks, _) = build(ChunkLimits::default());
        let mut out = Chunk::new();
        out.push_rewritten(&chunks[0], 2, br#"{"x":1}"#, true);
        assert_eq!(out.items()[0].id, chunks[0].items()[2].id);
        assert_eq!(out.items()[0].index, chunks[0].items()[2].index);
        assert!(out.items()[0].salvaged);
        assert_eq!(out.source(0), Some(&br#"{"x":1}"#[..]));
    }
}
