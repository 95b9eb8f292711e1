//! One `_bulk` request: its NDJSON body (plain, or gzip'd as it was written) and the actions it
//! carries, each with its delivery state.
//!
//! The builder gzips a chunk while writing it, so an invocation holds its bulk bodies at about a
//! tenth of their size and the first request sends those bytes as they are. Only when a request
//! needs items re-sent, salvaged or dead-lettered is the body decompressed (once, lazily) to
//! reach the exact lines of single items.

use crate::delivery::encoding::{Compression, GZIP_LEVEL};
use crate::delivery::item::{ItemError, ItemId};
use crate::json::write_json_str;
use crate::time::EpochMillis;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use std::borrow::Cow;
use std::io::{Read, Write};
use std::ops::Range;
use std::sync::{Arc, OnceLock};

/// One action of a chunk and its delivery state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkItem {
    /// `_index` (one name shared by the items of a day).
    pub index: Arc<str>,
    /// `_id` (the CloudWatch event id).
    pub id: ItemId,
    /// CloudWatch event time (`observedTimestamp`).
    pub event_time: EpochMillis,
    /// Times this item was sent and answered with a failure so far.
    pub attempts: u32,
    /// The source was rewritten by salvage (user fields as one string).
    pub salvaged: bool,
    /// The last error OpenSearch (or the transport) reported for this item.
    pub last_error: Option<Box<ItemError>>,
    /// Action line + source line (both with their `\n`) within the chunk body.
    range: Range<usize>,
    /// Start of the source line within the chunk body.
    source_start: usize,
}

impl BulkItem {
    /// A fresh item (never sent) at `range` of its chunk's body, its source line starting at
    /// `source_start`.
    pub(crate) fn new(
        index: Arc<str>,
        id: ItemId,
        event_time: EpochMillis,
        range: Range<usize>,
        source_start: usize,
    ) -> Self {
        BulkItem {
            index,
            id,
            event_time,
            attempts: 0,
            salvaged: false,
            last_error: None,
            range,
            source_start,
        }
    }
}

/// A `_bulk` request body and the actions it carries.
///
/// The body is held plain, or gzip'd (as [`crate::delivery::bulk::BulkBodyBuilder`] writes it);
/// a gzip'd body is decompressed on the first read of its plain bytes and kept.
#[derive(Debug, Clone, Default)]
pub struct Chunk {
    /// The plain NDJSON; unset while only the gzip'd body is held.
    plain: OnceLock<Vec<u8>>,
    /// The gzip'd NDJSON, as written by the builder.
    gzip: Option<Vec<u8>>,
    /// Length of the plain body.
    plain_len: usize,
    items: Vec<BulkItem>,
}

impl PartialEq for Chunk {
    fn eq(&self, other: &Self) -> bool {
        self.items == other.items && self.body() == other.body()
    }
}

impl Eq for Chunk {}

/// Writes `{"create":{"_index":<index>,"_id":<id>}}\n`, or without `_id` when `id` is `None`
/// (OpenSearch Serverless time-series collections refuse custom ids).
pub fn write_create_action(out: &mut Vec<u8>, index: &str, id: Option<&str>) {
    out.extend_from_slice(b"{\"create\":{\"_index\":");
    write_json_str(out, index);
    if let Some(id) = id {
        out.extend_from_slice(b",\"_id\":");
        write_json_str(out, id);
    }
    out.extend_from_slice(b"}}\n");
}

impl Chunk {
    /// An empty chunk.
    pub fn new() -> Self {
        Chunk::default()
    }

    /// A chunk of a gzip'd body (`gzip`, `plain_len` bytes once decompressed) and its items.
    pub(crate) fn from_gzip(gzip: Vec<u8>, plain_len: usize, items: Vec<BulkItem>) -> Self {
        Chunk {
            plain: OnceLock::new(),
            gzip: Some(gzip),
            plain_len,
            items,
        }
    }

    /// A chunk of a plain body and its items.
    pub(crate) fn from_plain(mut body: Vec<u8>, items: Vec<BulkItem>) -> Self {
        body.shrink_to_fit();
        Chunk {
            plain_len: body.len(),
            plain: OnceLock::from(body),
            gzip: None,
            items,
        }
    }

    /// The plain NDJSON body (decompressed on first use when the chunk is held gzip'd).
    pub fn body(&self) -> &[u8] {
        self.plain.get_or_init(|| match &self.gzip {
            Some(gzip) => gunzip(gzip, self.plain_len),
            None => Vec::new(),
        })
    }

    /// Whether the chunk holds its body gzip'd (as written by the builder).
    pub fn is_gzipped(&self) -> bool {
        self.gzip.is_some()
    }

    /// The bytes to send with `compression`: the gzip'd body as written when there is one and
    /// gzip is wanted, else the plain body encoded now.
    pub fn wire_body(&self, compression: Compression) -> Cow<'_, [u8]> {
        match (compression, &self.gzip) {
            (Compression::Gzip, Some(gzip)) => Cow::Borrowed(gzip),
            (Compression::None, _) => Cow::Borrowed(self.body()),
            (Compression::Gzip, None) => Cow::Owned(compression.encode(self.body())),
        }
    }

    /// Heap bytes the chunk holds now (bodies and items), for memory accounting.
    pub fn held_bytes(&self) -> usize {
        let plain = self.plain.get().map_or(0, Vec::capacity);
        let gzip = self.gzip.as_ref().map_or(0, Vec::capacity);
        let items = self.items.capacity() * std::mem::size_of::<BulkItem>()
            + self.items.iter().map(|i| i.id.heap_bytes()).sum::<usize>();
        plain + gzip + items
    }

    /// The actions, in body order.
    pub fn items(&self) -> &[BulkItem] {
        &self.items
    }

    /// Number of actions.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// No action.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Uncompressed body bytes.
    pub fn byte_len(&self) -> usize {
        self.plain_len
    }

    /// The exact bulk lines (action + source, with newlines) of item `i`.
    pub fn lines(&self, i: usize) -> Option<&[u8]> {
        let item = self.items.get(i)?;
        self.body().get(item.range.clone())
    }

    /// The exact action line of item `i`, without its newline.
    pub fn action(&self, i: usize) -> Option<&[u8]> {
        let item = self.items.get(i)?;
        self.body()
            .get(item.range.start..item.source_start.saturating_sub(1))
    }

    /// The exact source line of item `i`, without its newline.
    pub fn source(&self, i: usize) -> Option<&[u8]> {
        let item = self.items.get(i)?;
        self.body()
            .get(item.source_start..item.range.end.saturating_sub(1))
    }

    /// Appends a `create` action (with `_id`) for an already-serialised `source` (one line, no
    /// newline).
    pub fn push_source(&mut self, index: &str, id: &str, event_time: EpochMillis, source: &[u8]) {
        let mut action = Vec::with_capacity(index.len() + id.len() + 32);
        write_create_action(&mut action, index, Some(id));
        self.push_action_and_source(&action, index, id, event_time, source);
    }

    /// Appends an exact action line (with or without its newline) and `source` (one line, no
    /// newline); `index`, `id` and `event_time` are remembered for the item (the id is kept for
    /// bookkeeping even when the action carries none).
    pub fn push_action_and_source(
        &mut self,
        action: &[u8],
        index: &str,
        id: &str,
        event_time: EpochMillis,
        source: &[u8],
    ) {
        let (source_start, range) = self.append_plain(|body| {
            body.extend_from_slice(action);
            if action.last() != Some(&b'\n') {
                body.push(b'\n');
            }
            let source_start = body.len();
            body.extend_from_slice(source);
            body.push(b'\n');
            source_start
        });
        self.items.push(BulkItem::new(
            Arc::from(index),
            ItemId::from(id),
            event_time,
            range,
            source_start,
        ));
    }

    /// Appends item `i` of `other` (bytes and state) unchanged.
    pub fn push_item_from(&mut self, other: &Chunk, i: usize) {
        let (Some(item), Some(lines)) = (other.items.get(i), other.lines(i)) else {
            return;
        };
        let mut copy = item.clone();
        let ((), range) = self.append_plain(|body| body.extend_from_slice(lines));
        copy.source_start = range.start + (item.source_start - item.range.start);
        copy.range = range;
        self.items.push(copy);
    }

    /// Appends item `i` of `other` with a different source line (salvage), keeping its exact
    /// action line, index, id, event time and attempts.
    pub fn push_rewritten(&mut self, other: &Chunk, i: usize, source: &[u8], salvaged: bool) {
        let (Some(item), Some(action)) = (other.items.get(i), other.action(i)) else {
            return;
        };
        self.push_action_and_source(action, &item.index, &item.id, item.event_time, source);
        if let Some(last) = self.items.last_mut() {
            last.attempts = item.attempts;
            last.salvaged = salvaged;
            last.last_error = item.last_error.clone();
        }
    }

    /// A chunk with the items at `which` (in that order).
    pub fn select(&self, which: impl IntoIterator<Item = usize>) -> Chunk {
        let mut out = Chunk::new();
        for i in which {
            out.push_item_from(self, i);
        }
        out
    }

    /// Splits into two halves by action count (the first gets the smaller half when odd).
    pub fn split_half(&self) -> (Chunk, Chunk) {
        let mid = self.len() / 2;
        (self.select(0..mid), self.select(mid..self.len()))
    }

    /// Mutable access to item states (attempts, last error).
    pub fn items_mut(&mut self) -> impl Iterator<Item = &mut BulkItem> {
        self.items.iter_mut()
    }

    /// Appends to the plain body through `write`: a gzip'd body is decompressed first and then
    /// dropped (it would no longer match). Returns `write`'s answer and the body's length before
    /// and after.
    fn append_plain<R>(&mut self, write: impl FnOnce(&mut Vec<u8>) -> R) -> (R, Range<usize>) {
        let mut body = match (self.plain.take(), self.gzip.take()) {
            (Some(body), _) => body,
            (None, Some(gzip)) => gunzip(&gzip, self.plain_len),
            (None, None) => Vec::new(),
        };
        let start = body.len();
        let answer = write(&mut body);
        self.plain_len = body.len();
        let range = start..body.len();
        self.plain = OnceLock::from(body);
        (answer, range)
    }
}

/// Bytes gathered before they are handed to the compressor. Measured on the benchmark workload
/// (`shiplog bench`, A/B in one session): the gzip'd pass costs 60–72 ms over the plain one with
/// 64 KiB blocks, 88–92 ms when deflate is fed one ~1 KB document at a time (the instruction
/// counts are the same: fewer, longer runs through the compressor).
pub(super) const GZIP_INPUT_BLOCK: usize = 64 * 1024;

/// Room first made for a chunk's gzip output: a full 5 MiB chunk of documents compresses to
/// about 500 KB (9.7 % in `shiplog bench`), so it grows at most once.
const GZIP_OUTPUT_RESERVE: usize = 512 * 1024;

/// gzip of a stream of writes at [`GZIP_LEVEL`]: what the builder writes a chunk through. Input
/// is compressed in blocks of [`GZIP_INPUT_BLOCK`] bytes.
#[derive(Debug)]
pub(crate) struct GzipWriter {
    encoder: GzEncoder<Vec<u8>>,
    pending: Vec<u8>,
}

impl GzipWriter {
    /// A writer at the start of a gzip member.
    pub(crate) fn new() -> Self {
        GzipWriter {
            encoder: GzEncoder::new(
                Vec::with_capacity(GZIP_OUTPUT_RESERVE),
                flate2::Compression::new(GZIP_LEVEL),
            ),
            pending: Vec::with_capacity(GZIP_INPUT_BLOCK),
        }
    }

    /// The block being filled: callers write into it directly, then call
    /// [`GzipWriter::compress_full_block`] (writing into memory cannot fail).
    pub(crate) fn pending_mut(&mut self) -> &mut Vec<u8> {
        &mut self.pending
    }

    /// Compresses the block once it holds [`GZIP_INPUT_BLOCK`] bytes.
    pub(crate) fn compress_full_block(&mut self) {
        if self.pending.len() >= GZIP_INPUT_BLOCK {
            let _ = self.encoder.write_all(&self.pending);
            self.pending.clear();
        }
    }

    /// The complete gzip member, without spare capacity (it is held until delivered).
    pub(crate) fn finish(mut self) -> Vec<u8> {
        let _ = self.encoder.write_all(&self.pending);
        let mut gzip = self.encoder.finish().unwrap_or_default();
        gzip.shrink_to_fit();
        gzip
    }
}

/// Decompresses a body the builder gzip'd (`plain_len` bytes expected). It cannot fail on bytes
/// this process compressed; were it to, the body would read as empty and every item as missing.
fn gunzip(gzip: &[u8], plain_len: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(plain_len);
    if GzDecoder::new(gzip).read_to_end(&mut out).is_err() {
        out.clear();
    }
    out
}
