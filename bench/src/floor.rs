//! The floor: the least work any shipper must do per CloudWatch Logs Lambda event — base64
//! decode, gunzip, parse the subscription JSON (borrowed: strings without escapes are not
//! copied) and write as many bytes as the pipeline's `_bulk` body. `shiplog bench` measures it
//! in the same run as the pipeline, so the ratio pipeline / floor does not depend on the machine.

use serde::Deserialize;
use std::borrow::Cow;
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
    /// Bytes written to the output buffer.
    pub written_bytes: usize,
}

/// Reusable buffers of the floor (one per worker), so that a run measures work, not allocation
/// of the big buffers.
#[derive(Debug, Default)]
pub struct Floor {
    compressed: Vec<u8>,
    decompressed: Vec<u8>,
    out: Vec<u8>,
}

impl Floor {
    /// A floor with empty buffers.
    pub fn new() -> Self {
        Floor::default()
    }

    /// The output written by the last [`Floor::run`].
    pub fn output(&self) -> &[u8] {
        &self.out
    }

    /// Runs the floor over one Lambda event, writing `write_bytes` bytes of output: every
    /// event's id and message, then the decompressed payload repeated until the count is reached.
    pub fn run(&mut self, input: &[u8], write_bytes: usize) -> Result<FloorOutcome, FloorError> {
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
        self.out.clear();
        self.out.reserve(write_bytes);
        self.out.extend_from_slice(payload.log_group.as_bytes());
        self.out.extend_from_slice(payload.log_stream.as_bytes());
        for e in &payload.log_events {
            self.out.extend_from_slice(e.id.as_bytes());
            self.out.extend_from_slice(&e.timestamp.to_le_bytes());
            self.out.extend_from_slice(e.message.as_bytes());
        }
        let events = payload.log_events.len();
        fill_to(&mut self.out, &self.decompressed, write_bytes);
        Ok(FloorOutcome {
            events,
            decompressed_bytes: self.decompressed.len(),
            written_bytes: self.out.len(),
        })
    }
}

/// Appends copies of `filler` to `out` until it holds `target` bytes (at least one byte of
/// filler is needed to grow; an empty filler leaves `out` as it is).
fn fill_to(out: &mut Vec<u8>, filler: &[u8], target: usize) {
    while out.len() < target && !filler.is_empty() {
        let n = (target - out.len()).min(filler.len());
        out.extend_from_slice(filler.get(..n).unwrap_or(filler));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shiplog::testing::workload::{generate_payload, WorkloadSpec};

    #[test]
    fn floor_reads_every_event_and_writes_the_requested_bytes() {
        let spec = WorkloadSpec {
            payloads: 1,
            events_per_payload: 200,
            seed: 2,
        };
        let p = generate_payload(&spec, 1);
        let mut floor = Floor::new();
        let outcome = floor.run(&p.lambda_event, 3 * p.raw_bytes).unwrap();
        assert_eq!(outcome.events, 200);
        assert_eq!(outcome.decompressed_bytes, p.raw_bytes);
        assert_eq!(outcome.written_bytes, 3 * p.raw_bytes);
        assert_eq!(floor.output().len(), 3 * p.raw_bytes);
    }

    #[test]
    fn floor_rejects_what_is_not_a_cloudwatch_event() {
        let mut floor = Floor::new();
        assert!(matches!(floor.run(b"{}", 0), Err(FloorError::Envelope(_))));
        assert!(matches!(
            floor.run(br#"{"awslogs":{"data":"!!"}}"#, 0),
            Err(FloorError::Base64(_))
        ));
        assert!(matches!(
            floor.run(br#"{"awslogs":{"data":"aGVsbG8="}}"#, 0),
            Err(FloorError::Gzip(_))
        ));
    }

    #[test]
    fn fill_to_stops_at_the_target() {
        let mut out = b"ab".to_vec();
        fill_to(&mut out, b"xyz", 7);
        assert_eq!(out, b"abxyzxy");
        let mut same = b"abc".to_vec();
        fill_to(&mut same, b"", 10);
        assert_eq!(same, b"abc");
    }
}
