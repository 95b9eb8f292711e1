//! Dead letters (pure): what could not be indexed before the deadline or the retry budget ran out
//! is kept as gzip'd NDJSON, one record per document with its exact bulk lines and its last
//! error, under `<prefix>YYYY/MM/DD/<request id>.ndjson.gz` (prefix `shiplog/dead-letter/` by
//! default, `DEAD_LETTER_PREFIX`). `shiplog redrive` reads
//! the records back with [`decode`] and re-sends them.
//!
//! One record (one line):
//! ```text
//! {"index":"shiplog-2024.05.05","id":"3753…","event_time":"2024-05-05T04:01:02.000Z","attempts":3,
//!  "salvaged":false,"given_up":"deadline","error":{"status":429,"type":"es_rejected_execution_exception","reason":"…"},
//!  "action":{"create":{"_index":"shiplog-2024.05.05","_id":"3753…"}},"source":{…the document…}}
//! ```
//! `action` and `source` are the exact bytes of the bulk lines, embedded verbatim.

use crate::delivery::bulk::{Chunk, ChunkLimits};
use crate::delivery::encoding::gzip;
use crate::delivery::item::{FailureReason, ItemError};
use crate::time::{parse_rfc3339ish, EpochMillis};
use flate2::read::GzDecoder;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::io::Read;

/// Default key prefix of dead-letter objects.
pub const DEAD_LETTER_PREFIX: &str = "shiplog/dead-letter/";

/// Cap on the decompressed size of one dead-letter object read back (a Lambda payload's
/// documents are far smaller).
pub const MAX_DEAD_LETTER_BYTES: u64 = 256 * 1024 * 1024;

/// Cap on the request-id part of a key.
const MAX_KEY_ID_CHARS: usize = 128;

/// Why an item was given up on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GiveUp {
    /// OpenSearch refused it for good (or salvage was impossible or failed).
    Rejected,
    /// The caller's deadline left no time for another attempt.
    Deadline,
    /// The retry budget (attempts) was spent.
    RetryBudget,
}

/// One dead-lettered document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetterEntry {
    /// `_index`.
    pub index: String,
    /// `_id`.
    pub id: String,
    /// CloudWatch event time.
    pub event_time: EpochMillis,
    /// Failed attempts.
    pub attempts: u32,
    /// The source is the salvaged form.
    pub salvaged: bool,
    /// Why it was given up on.
    pub given_up: GiveUp,
    /// The last error.
    pub error: ItemError,
    /// The exact action line (no newline).
    pub action: Vec<u8>,
    /// The exact source line (no newline).
    pub source: Vec<u8>,
}

impl DeadLetterEntry {
    /// Item `i` of `chunk`, refused by OpenSearch with `error` on this (one more) attempt.
    pub fn from_item(chunk: &Chunk, i: usize, error: ItemError) -> Option<Self> {
        let item = chunk.items().get(i)?;
        Some(DeadLetterEntry {
            index: item.index.to_string(),
            id: item.id.to_string(),
            event_time: item.event_time,
            attempts: item.attempts + 1,
            salvaged: item.salvaged,
            given_up: GiveUp::Rejected,
            error,
            action: chunk.action(i)?.to_vec(),
            source: chunk.source(i)?.to_vec(),
        })
    }

    /// Every item of `chunk` as it stands (attempts and last error already recorded), given up
    /// for `why`; items without a recorded error get `fallback`.
    pub fn all_with(chunk: &Chunk, why: GiveUp, fallback: &ItemError) -> Vec<Self> {
        (0..chunk.len())
            .filter_map(|i| {
                let item = chunk.items().get(i)?;
                Some(DeadLetterEntry {
                    index: item.index.to_string(),
                    id: item.id.to_string(),
                    event_time: item.event_time,
                    attempts: item.attempts,
                    salvaged: item.salvaged,
                    given_up: why,
                    error: item.last_error.as_deref().unwrap_or(fallback).clone(),
                    action: chunk.action(i)?.to_vec(),
                    source: chunk.source(i)?.to_vec(),
                })
            })
            .collect()
    }

    /// Every item of `chunk` refused for good with its recorded error.
    pub fn all_from(chunk: &Chunk) -> Vec<Self> {
        let unknown = ItemError::shiplog(0, FailureReason::Untyped, "");
        DeadLetterEntry::all_with(chunk, GiveUp::Rejected, &unknown)
    }
}

/// The S3 key `<prefix>YYYY/MM/DD/<request id>.ndjson.gz` of the dead letter written at `at` for
/// Lambda request `request_id` (characters other than `[A-Za-z0-9._-]` become `_`; `prefix` is
/// used as given, normally ending with `/`).
pub fn object_key(prefix: &str, at: EpochMillis, request_id: &str) -> String {
    let (y, m, d) = at.date();
    let mut id: String = request_id
        .chars()
        .take(MAX_KEY_ID_CHARS)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect();
    if id.is_empty() {
        id.push_str("unknown");
    }
    format!(
        "{prefix}{:04}/{m:02}/{d:02}/{id}.ndjson.gz",
        y.clamp(0, 9999)
    )
}

#[derive(Serialize)]
struct RecordOut<'a> {
    index: &'a str,
    id: &'a str,
    event_time: String,
    attempts: u32,
    salvaged: bool,
    given_up: GiveUp,
    error: &'a ItemError,
    action: &'a RawValue,
    source: &'a RawValue,
}

#[derive(Deserialize)]
struct RecordIn {
    index: String,
    id: String,
    #[serde(default)]
    event_time: Option<String>,
    #[serde(default)]
    attempts: u32,
    #[serde(default)]
    salvaged: bool,
    #[serde(default = "default_give_up")]
    given_up: GiveUp,
    error: ItemError,
    #[serde(default)]
    action: Option<Box<RawValue>>,
    source: Box<RawValue>,
}

fn default_give_up() -> GiveUp {
    GiveUp::Rejected
}

/// Errors reading a dead-letter object.
#[derive(Debug, thiserror::Error)]
pub enum DeadLetterError {
    /// The object is not gzip or is larger than [`MAX_DEAD_LETTER_BYTES`] decompressed.
    #[error("dead letter is not readable gzip (or exceeds {MAX_DEAD_LETTER_BYTES} bytes): {0}")]
    Gzip(String),
    /// A line is not a dead-letter record.
    #[error("dead letter line {line}: {source}")]
    Record {
        /// 1-based line number.
        line: usize,
        /// The JSON error.
        source: serde_json::Error,
    },
    /// An entry's bulk lines are not JSON (never produced by shiplog).
    #[error("dead letter entry {id}: bulk line is not JSON: {source}")]
    Entry {
        /// `_id` of the entry.
        id: String,
        /// The JSON error.
        source: serde_json::Error,
    },
}

/// The uncompressed NDJSON of `entries`.
pub fn encode_ndjson(entries: &[DeadLetterEntry]) -> Result<Vec<u8>, DeadLetterError> {
    let mut out = Vec::new();
    for e in entries {
        let action: &RawValue =
            serde_json::from_slice(&e.action).map_err(|source| DeadLetterError::Entry {
                id: e.id.clone(),
                source,
            })?;
        let source: &RawValue =
            serde_json::from_slice(&e.source).map_err(|source| DeadLetterError::Entry {
                id: e.id.clone(),
                source,
            })?;
        let rec = RecordOut {
            index: &e.index,
            id: &e.id,
            event_time: e.event_time.to_rfc3339(),
            attempts: e.attempts,
            salvaged: e.salvaged,
            given_up: e.given_up,
            error: &e.error,
            action,
            source,
        };
        serde_json::to_writer(&mut out, &rec).map_err(|source| DeadLetterError::Entry {
            id: e.id.clone(),
            source,
        })?;
        out.push(b'\n');
    }
    Ok(out)
}

/// The object body: gzip'd NDJSON of `entries`.
pub fn encode(entries: &[DeadLetterEntry]) -> Result<Vec<u8>, DeadLetterError> {
    Ok(gzip(&encode_ndjson(entries)?))
}

/// Reads an object body back (gzip'd or plain NDJSON; blank lines ignored).
pub fn decode(body: &[u8]) -> Result<Vec<DeadLetterEntry>, DeadLetterError> {
    let ndjson = if body.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        GzDecoder::new(body)
            .take(MAX_DEAD_LETTER_BYTES + 1)
            .read_to_end(&mut out)
            .map_err(|e| DeadLetterError::Gzip(e.to_string()))?;
        if out.len() as u64 > MAX_DEAD_LETTER_BYTES {
            return Err(DeadLetterError::Gzip("too large".to_owned()));
        }
        out
    } else {
        body.to_vec()
    };
    let mut entries = Vec::new();
    for (n, line) in ndjson.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let rec: RecordIn =
            serde_json::from_slice(line).map_err(|source| DeadLetterError::Record {
                line: n + 1,
                source,
            })?;
        let event_time = rec
            .event_time
            .as_deref()
            .and_then(parse_rfc3339ish)
            .unwrap_or(EpochMillis(0));
        let mut action = Vec::new();
        match &rec.action {
            Some(raw) => action.extend_from_slice(raw.get().as_bytes()),
            None => {
                crate::delivery::bulk::write_create_action(&mut action, &rec.index, Some(&rec.id))
            }
        }
        while action.last() == Some(&b'\n') {
            action.pop();
        }
        entries.push(DeadLetterEntry {
            index: rec.index,
            id: rec.id,
            event_time,
            attempts: rec.attempts,
            salvaged: rec.salvaged,
            given_up: rec.given_up,
            error: rec.error,
            action,
            source: rec.source.get().as_bytes().to_vec(),
        });
    }
    Ok(entries)
}

/// Chunks re-sending `entries` within `limits`: their exact action and source lines (so a `create`
/// on the original index and `_id`); salvaged entries stay salvaged, so they are not salvaged
/// twice.
pub fn to_chunks(entries: &[DeadLetterEntry], limits: &ChunkLimits) -> Vec<Chunk> {
    let mut chunks = Vec::new();
    let mut chunk = Chunk::new();
    for e in entries {
        let size = e.action.len() + e.source.len() + 2;
        if !chunk.is_empty()
            && (chunk.byte_len() + size > limits.max_bytes || chunk.len() >= limits.max_actions)
        {
            chunks.push(std::mem::take(&mut chunk));
        }
        chunk.push_action_and_source(&e.action, &e.index, &e.id, e.event_time, &e.source);
        if e.salvaged {
            if let Some(last) = chunk.items_mut().last() {
                last.salvaged = true;
            }
        }
    }
    if !chunk.is_empty() {
        chunks.push(chunk);
    }
    chunks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delivery::item::ItemErrorKind;
    use serde_json::{json, Value};

    fn entries() -> Vec<DeadLetterEntry> {
        let mut c = Chunk::new();
        c.push_source(
            "shiplog-2024.05.05",
            "a1",
            EpochMillis(1_714_881_662_000),
            br#"{"body":"x\ny","n":1.50}"#,
        );
        c.push_source(
            "shiplog-2024.05.05",
            "b\"2",
            EpochMillis(1_714_881_662_001),
            br#"{"body":"z"}"#,
        );
        let mut out = vec![DeadLetterEntry::from_item(
            &c,
            0,
            ItemError::opensearch(429, "es_rejected_execution_exception", "busy"),
        )
        .unwrap()];
        out.extend(DeadLetterEntry::all_with(
            &c.select([1]),
            GiveUp::Deadline,
            &ItemError::transport(FailureReason::DeadlineExceeded, "no time left"),
        ));
        out
    }

    #[test]
    fn key_has_date_and_request_id() {
        assert_eq!(
            object_key(
                DEAD_LETTER_PREFIX,
                EpochMillis(1_714_881_662_000),
                "8c3f7a2e-1b4d-4e5f-9a6b-7c8d9e0f1a2b"
            ),
            "shiplog/dead-letter/2024/05/05/8c3f7a2e-1b4d-4e5f-9a6b-7c8d9e0f1a2b.ndjson.gz"
        );
        assert_eq!(
            object_key(DEAD_LETTER_PREFIX, EpochMillis(0), "../x y"),
            "shiplog/dead-letter/1970/01/01/.._x_y.ndjson.gz"
        );
        assert_eq!(
            object_key("dead-letter/", EpochMillis(0), ""),
            "dead-letter/1970/01/01/unknown.ndjson.gz"
        );
    }

    #[test]
    fn records_keep_exact_bulk_lines_and_last_error() {
        let nd = encode_ndjson(&entries()).unwrap();
        let lines: Vec<Value> = nd
            .split(|b| *b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["index"], json!("shiplog-2024.05.05"));
        assert_eq!(lines[0]["id"], json!("a1"));
        assert_eq!(lines[0]["event_time"], json!("2024-05-05T04:01:02.000Z"));
        assert_eq!(lines[0]["attempts"], json!(1));
        assert_eq!(lines[0]["given_up"], json!("rejected"));
        assert_eq!(
            lines[0]["error"],
            json!({"status": 429, "type": "es_rejected_execution_exception", "reason": "busy"})
        );
        assert_eq!(
            lines[0]["action"],
            json!({"create": {"_index": "shiplog-2024.05.05", "_id": "a1"}})
        );
        assert_eq!(lines[1]["given_up"], json!("deadline"));
        assert_eq!(lines[1]["error"]["type"], json!("deadline_exceeded"));
        // Embedded verbatim: the number keeps its original spelling.
        assert!(std::str::from_utf8(&nd)
            .unwrap()
            .contains(r#""source":{"body":"x\ny","n":1.50}"#));
    }

    #[test]
    fn encode_then_decode_round_trips_exactly() {
        let e = entries();
        let back = decode(&encode(&e).unwrap()).unwrap();
        assert_eq!(back, e);
        let plain = decode(&encode_ndjson(&e).unwrap()).unwrap();
        assert_eq!(plain, e);
    }

    #[test]
    fn decoded_entries_become_the_same_bulk_lines() {
        let e = entries();
        let chunks = to_chunks(
            &decode(&encode(&e).unwrap()).unwrap(),
            &ChunkLimits::default(),
        );
        assert_eq!(chunks.len(), 1);
        let chunk = &chunks[0];
        assert_eq!(chunk.len(), 2);
        assert_eq!(chunk.source(0).unwrap(), &e[0].source[..]);
        assert_eq!(chunk.action(1).unwrap(), &e[1].action[..]);
        assert_eq!(chunk.items()[1].id, "b\"2");
    }

    #[test]
    fn salvaged_entries_stay_salvaged_on_redrive() {
        let mut e = entries();
        e[0].salvaged = true;
        let chunk = &to_chunks(&e, &ChunkLimits::default())[0];
        assert!(chunk.items()[0].salvaged);
        assert!(!chunk.items()[1].salvaged);
    }

    #[test]
    fn redrive_chunks_respect_the_limits() {
        let e = entries();
        let by_count = to_chunks(
            &e,
            &ChunkLimits {
                max_bytes: 1 << 20,
                max_actions: 1,
            },
        );
        assert_eq!(by_count.iter().map(Chunk::len).collect::<Vec<_>>(), [1, 1]);
        let by_bytes = to_chunks(
            &e,
            &ChunkLimits {
                max_bytes: 10,
                max_actions: 100,
            },
        );
        assert_eq!(by_bytes.len(), 2);
        assert_eq!(by_bytes[1].items()[0].id, "b\"2");
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(matches!(
            decode(&[0x1f, 0x8b, 1, 2, 3]),
            Err(DeadLetterError::Gzip(_))
        ));
        assert!(matches!(
            decode(b"{\"index\":1}\n"),
            Err(DeadLetterError::Record { line: 1, .. })
        ));
        assert!(decode(b"\n\n").unwrap().is_empty());
    }

    #[test]
    fn a_record_without_action_gets_a_create_action() {
        let line = br#"{"index":"i","id":"x","error":{"status":0,"type":"t","reason":""},"source":{"a":1}}"#;
        let back = decode(line).unwrap();
        assert_eq!(back[0].action, br#"{"create":{"_index":"i","_id":"x"}}"#);
        assert_eq!(back[0].given_up, GiveUp::Rejected);
    }

    #[test]
    fn records_written_before_typed_error_kinds_read_back_typed_and_write_back_the_same() {
        let old = concat!(
            r#"{"index":"i","id":"a","event_time":"2024-05-05T04:01:02.000Z","attempts":1,"salvaged":true,"given_up":"rejected","error":{"status":400,"type":"mapper_parsing_exception","reason":"bad"},"action":{"create":{"_index":"i","_id":"a"}},"source":{"a":1}}"#,
            "\n",
            r#"{"index":"i","id":"b","event_time":"2024-05-05T04:01:02.000Z","attempts":3,"salvaged":false,"given_up":"deadline","error":{"status":0,"type":"deadline_exceeded","reason":"late"},"action":{"create":{"_index":"i","_id":"b"}},"source":{"b":2}}"#,
            "\n",
            r#"{"index":"i","id":"c","event_time":"2024-05-05T04:01:02.000Z","attempts":1,"salvaged":false,"given_up":"rejected","error":{"status":401,"type":"http_401","reason":"Unauthorized"},"action":{"create":{"_index":"i","_id":"c"}},"source":{"c":3}}"#,
            "\n",
        );
        let back = decode(old.as_bytes()).unwrap();
        assert_eq!(
            back[0].error.kind,
            ItemErrorKind::OpenSearch("mapper_parsing_exception".to_owned())
        );
        assert_eq!(
            back[1].error.kind,
            ItemErrorKind::Shiplog(FailureReason::DeadlineExceeded)
        );
        assert_eq!(
            back[2].error.kind,
            ItemErrorKind::Shiplog(FailureReason::Http(401))
        );
        assert_eq!(
            std::str::from_utf8(&encode_ndjson(&back).unwrap()).unwrap(),
            old
        );
    }
}
