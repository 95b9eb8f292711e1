//! Decoding of Lambda events into subscription payloads (pure: bytes in, values out).
//!
//! Two stages, so that a payload's events can borrow from its decompressed bytes:
//! 1. [`decode_input`]: the Lambda event envelope → [`Record`]s, each a decompressed payload, a
//!    still-gzip'd payload (a record of a Kinesis or Firehose batch, decompressed when its turn
//!    comes: [`gunzip_content`]), a raw text line (Kinesis record that is neither gzip nor a plain subscription payload JSON)
//!    or a rejection. Handles CloudWatch Logs `{"awslogs":{"data":…}}`, Kinesis
//!    `Records[].kinesis.data`, Firehose `records[].data` and an already-decoded
//!    DATA_MESSAGE/CONTROL_MESSAGE JSON. base64 → gunzip (multi-member, capped).
//! 2. [`parse_message`]: one payload → [`Message`] (CONTROL → nothing; DATA → a [`LogBatch`] plus
//!    per-event rejections: one bad event never loses the others).

pub mod envelope;
pub mod gzip;
mod lenient;
pub mod message;

use crate::model::LogBatch;
use crate::rejection::Rejection;
use crate::time::EpochMillis;
use std::borrow::Cow;

pub use envelope::decode_input;
pub use message::parse_message;

/// Which event shape an input had.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// `{"awslogs":{"data":"<base64 gzip>"}}`.
    CloudWatchLogs,
    /// `{"Records":[{"kinesis":{"data":…}}]}`.
    Kinesis,
    /// `{"records":[{"recordId":…,"data":…}]}` (Firehose transformation).
    Firehose,
    /// A bare DATA_MESSAGE / CONTROL_MESSAGE JSON object.
    Decoded,
}

/// The decoded envelope of one Lambda event.
#[derive(Debug)]
pub struct DecodedInput<'a> {
    /// The event shape.
    pub source: Source,
    /// Region named by the envelope (Kinesis `awsRegion`, Firehose `region`).
    pub region: Option<String>,
    /// One entry per record (one for CloudWatch Logs and decoded inputs).
    pub records: Vec<Record<'a>>,
}

/// One record of an input: the unit that succeeds or fails on its own (Kinesis
/// `batchItemFailures`, Firehose per-record results).
#[derive(Debug)]
pub struct Record<'a> {
    /// Kinesis `sequenceNumber` / Firehose `recordId`; `None` for CloudWatch Logs events.
    pub record_id: Option<String>,
    /// What the record holds.
    pub content: RecordContent<'a>,
}

/// Content of one record.
#[derive(Debug)]
pub enum RecordContent<'a> {
    /// Decompressed (or already-decoded) subscription JSON, to be read by [`parse_message`].
    Payload(Cow<'a, [u8]>),
    /// gzip'd subscription JSON of one record of a Kinesis or Firehose batch. A batch (up to 6 MB
    /// of base64, ≈ 10× that decompressed) is never decompressed all at once: each record is,
    /// when it is processed ([`gunzip_content`]).
    Gzip(Vec<u8>),
    /// A Kinesis record whose data is neither gzip nor a subscription payload JSON: one raw
    /// log line.
    RawLine {
        /// Id for the document: the Kinesis `eventID` (else the sequence number).
        id: String,
        /// `approximateArrivalTimestamp`.
        arrival: EpochMillis,
        /// The line (lossy UTF-8).
        text: String,
    },
    /// The record could not be decoded.
    Rejected(Rejection),
}

/// gzip'd subscription JSON decompressed (capped at `cap` bytes) into a
/// [`RecordContent::Payload`], or the rejection of the stream (too large, truncated, corrupt).
/// What a [`RecordContent::Gzip`] record becomes when it is processed.
pub fn gunzip_content(gzip: &[u8], cap: usize) -> RecordContent<'static> {
    match gzip::gunzip_capped(gzip, cap) {
        Ok(payload) => RecordContent::Payload(Cow::Owned(payload)),
        Err(rejection) => RecordContent::Rejected(rejection),
    }
}

/// A decoded subscription payload.
#[derive(Debug)]
pub enum Message<'a> {
    /// `CONTROL_MESSAGE`: a health check; produces nothing and succeeds.
    Control,
    /// `DATA_MESSAGE`: the batch, and the rejections of events that could not be read.
    Data(LogBatch<'a>, Vec<Rejection>),
}
