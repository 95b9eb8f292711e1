//! The floor: the least work any shipper of these documents must do per CloudWatch Logs Lambda
//! event — base64 decode, gunzip, parse the subscription JSON (borrowed: strings without escapes
//! are not copied), then write the very bytes the pipeline emits (its `_bulk` chunks, taken as
//! given: the floor copies them, it does not produce them) and gzip each chunk at the level the
//! requests use ([`GZIP_LEVEL`]). `shiplog bench` measures it in the same run as the pipeline,
//! so the ratio pipeline / floor does not depend on the machine.
//!
//! What the ratio then measures is the pipeline's own work — parsing every line, correlating,
//! producing the documents' bytes — against copying and compressing bytes that already exist.

use flate2::write::GzEncoder;
use serde::Deserialize;
use shiplog::delivery::encoding::GZIP_LEVEL;
use std::borrow::Cow;
use std::io::Write;
use thiserror::Error;

/// Why an input could not go through the floor.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FloorError {
    /// Not a `{"awslogs":{"data":"…"}}` event.
    #[error("not a CloudWatch Logs Lambda event: {0}")]
    Envelope(String),
    /// `data` is not base64.
    #[error("data is not base64: {0}")]
    Base64(String),
    /// The decoded bytes are not gzip.
    #[error("data is not gzip: {0}")]
    Gzip(String),
    /// The payload is not a subscription JSON object.
    #[error("payload is not subscription JSON: {0}")]
    Payload(String),
    /// gzip'ing the output failed (writing into memory: not expected).
    #[error("gzip of the output failed: {0}")]
    Compress(String),
}

#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow)]
    awslogs: AwsLogs<'a>,
}

#[derive(Deserialize)]
struct AwsLogs<'a> {
    #[serde(borrow)]
    data: Cow<'a, str>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Payload<'a> {
    #[serde(borrow, default)]
    log_group: Cow<'a, str>,
    #[serde(borrow, default)]
    log_stream: Cow<'a, str>,
    #[serde(borrow, default)]
    log_events: Vec<Event<'a>>,
}

#[derive(Deserialize)]
struct Event<'a> {
    #[serde(borrow)]
    id: Cow<'a, str>,
    timestamp: i64,
    #[serde(borrow)]
    message: Cow<'a, str>,
}

/// What the floor did with one input.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct FloorOutcome {
    /// Log events parsed.
    pub events: usize,
    /// Decompressed payload bytes.
    pub decompressed_bytes: usize,
    /// Bytes written to the output buffer (the emitted chunks).
    pub written_bytes: usize,
    /// Bytes of their gzip.
    pub gzip_bytes: usize,
}

/// Reusable buffers of the floor (one per worker), so that a run measures work, not allocation
/// of the big buffers.
#[derive(Debug, Default)]
pub struct Floor {
    compressed: Vec<u8>,
    decompressed: Vec<u8>,
    out: Vec<u8>,
    gzipped: Vec<u8>,
}

impl Floor {
    /// A floor with empty buffers.
    pub fn new() -> Self {
        Floor::default()
    }

    /// The output written for the last chunk of the last [`Floor::run`].
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// The gzip of [`Floor::output`].
    pub fn gzipped(&self) -> &[u8] {
        &self.gzipped
    }

    /// Runs the floor over one Lambda event: decodes it, then writes each of `emitted` (the
    /// plain `_bulk` chunks the pipeline wrote for this event) into the output buffer and gzips
    /// it, one gzip stream per chunk as the requests carry them.
    pub fn run(&mut self, input: &[u8], emitted: &[Vec<u8>]) -> Result<FloorOutcome, FloorError> {
        let events = self.decode(input)?;
        let (mut written, mut gzipped) = (0, 0);
        for chunk in emitted {
            self.out.clear();
            self.out.extend_from_slice(chunk);
            self.gzip_output()?;
            written += self.out.len();
            gzipped += self.gzipped.len();
        }
        Ok(FloorOutcome {
            events,
            decompressed_bytes: self.decompressed.len(),
            written_bytes: written,
            gzip_bytes: gzipped,
        })
    }

    /// base64 + gunzip + the borrowed read of the subscription JSON; returns the event count.
    fn decode(&mut self, input: &[u8]) -> Result<usize, FloorError> {
        let envelope: Envelope<'_> =
            serde_json::from_slice(input).map_err(|e| FloorError::Envelope(e.to_string()))?;
        self.compressed.clear();
        base64::Engine::decode_vec(
            &base64::engine::general_purpose::STANDARD,
            envelope.awslogs.data.as_bytes(),
            &mut self.compressed,
        )
        .map_err(|e| FloorError::Base64(e.to_string()))?;
        shiplog::decode::gzip::gunzip_into(&self.compressed, usize::MAX, &mut self.decompressed)
            .map_err(|e| FloorError::Gzip(e.detail))?;
        let payload: Payload<'_> = serde_json::from_slice(&self.decompressed)
            .map_err(|e| FloorError::Payload(e.to_string()))?;
        // Every string was read (and unescaped where needed); use them so that none is skipped.
        let read = payload.log_group.len()
            + payload.log_stream.len()
            + payload
                .log_events
                .iter()
                .map(|e| e.id.len() + e.message.len() + usize::from(e.timestamp != 0))
                .sum::<usize>();
        std::hint::black_box(read);
        Ok(payload.log_events.len())
    }

    /// gzip of the output buffer at the requests' level, into the reused gzip buffer.
    fn gzip_output(&mut self) -> Result<(), FloorError> {
        let mut buf = std::mem::take(&mut self.gzipped);
        buf.clear();
        let mut enc = GzEncoder::new(buf, flate2::Compression::new(GZIP_LEVEL));
        enc.write_all(&self.out)
            .map_err(|e| FloorError::Compress(e.to_string()))?;
        self.gzipped = enc
            .finish()
            .map_err(|e| FloorError::Compress(e.to_string()))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiplog::testing::workload::{generate_payload, WorkloadSpec};
    use std::io::Read;

    #[test]
    fn floor_reads_every_event_and_writes_and_gzips_the_given_chunks() {
        let spec = WorkloadSpec {
            payloads: 1,
            events_per_payload: 200,
            seed: 2,
        };
        let p = generate_payload(&spec, 1);
        let first = b"{\"create\":{}}\n{\"body\":\"a\"}\n".repeat(50);
        let second = b"{\"create\":{}}\n{\"body\":\"the second chunk\"}\n".to_vec();
        let mut floor = Floor::new();
        let outcome = floor
            .run(&p.lambda_event, &[first.clone(), second.clone()])
            .unwrap();
        assert_eq!(outcome.events, 200);
        assert_eq!(outcome.decompressed_bytes, p.raw_bytes);
        assert_eq!(outcome.written_bytes, first.len() + second.len());
        assert_eq!(floor.output(), second.as_slice());
        let mut plain = Vec::new();
        flate2::read::GzDecoder::new(floor.gzipped())
            .read_to_end(&mut plain)
            .unwrap();
        assert_eq!(plain, second, "the last chunk's gzip decompresses to it");
        assert!(outcome.gzip_bytes < outcome.written_bytes);
    }

    #[test]
    fn floor_rejects_what_is_not_a_cloudwatch_event() {
        let mut floor = Floor::new();
        assert!(matches!(
            floor.run(b"{}", &[]),
            Err(FloorError::Envelope(_))
        ));
        assert!(matches!(
            floor.run(br#"{"awslogs":{"data":"!!"}}"#, &[]),
            Err(FloorError::Base64(_))
        ));
        assert!(matches!(
            floor.run(br#"{"awslogs":{"data":"aGVsbG8="}}"#, &[]),
            Err(FloorError::Gzip(_))
        ));
    }
}
