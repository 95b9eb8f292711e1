//! What identifies a bulk item and what went wrong with it, below every delivery module that
//! uses them: [`ItemId`], a bulk item's `_id`, held inline (no allocation) when it is short, as
//! every CloudWatch Logs event id is (56 digits); [`ItemError`], the last error of an item, whose
//! [`ItemErrorKind`] keeps OpenSearch's error types apart from shiplog's own reasons.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Deref;

/// Longest `_id` held inline; the enum is then 64 bytes, the size of the heap block a
/// CloudWatch event id needs as a `String` (56 bytes plus the allocator's header).
const INLINE_CAPACITY: usize = 62;

/// A document `_id`: inline up to `INLINE_CAPACITY` (62) bytes, else on the heap. One is made for
/// every document a chunk carries, so the common case must not allocate. How it is held is private:
/// it is made from a `&str` and read as one.
#[derive(Clone, PartialEq, Eq)]
pub struct ItemId(Repr);

/// How an [`ItemId`] holds its bytes.
#[derive(Clone, PartialEq, Eq)]
enum Repr {
    /// A short id, its bytes in place: `len` bytes used, then zeros.
    Inline {
        len: u8,
        bytes: [u8; INLINE_CAPACITY],
    },
    /// A longer id.
    Heap(Box<str>),
}

impl ItemId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        match &self.0 {
            Repr::Inline { len, bytes } => {
                let used = bytes.get(..usize::from(*len)).unwrap_or_default();
                // Built from a whole `&str`, so always UTF-8.
                std::str::from_utf8(used).unwrap_or_default()
            }
            Repr::Heap(s) => s,
        }
    }

    /// Heap bytes held (0 when inline), for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        match &self.0 {
            Repr::Inline { .. } => 0,
            Repr::Heap(s) => s.len(),
        }
    }
}

impl From<&str> for ItemId {
    fn from(id: &str) -> Self {
        let mut bytes = [0u8; INLINE_CAPACITY];
        match (bytes.get_mut(..id.len()), u8::try_from(id.len())) {
            (Some(inline), Ok(len)) => {
                inline.copy_from_slice(id.as_bytes());
                ItemId(Repr::Inline { len, bytes })
            }
            _ => ItemId(Repr::Heap(id.into())),
        }
    }
}

impl Deref for ItemId {
    type Target = str;

    fn deref(&self) -> &str {
        self.as_str()
    }
}

impl fmt::Debug for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl fmt::Display for ItemId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<str> for ItemId {
    fn eq(&self, other: &str) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<String> for ItemId {
    fn eq(&self, other: &String) -> bool {
        self.as_str() == other
    }
}

impl PartialEq<&str> for ItemId {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// Cap on an error reason kept per item (dead-letter records stay small).
pub const MAX_REASON_BYTES: usize = 1024;

/// What kind of error an item met: an error type OpenSearch reported, kept verbatim, or one of
/// shiplog's own reasons. Written as one word (the `type` of a dead-letter record's `error`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ItemErrorKind {
    /// An error type as OpenSearch reported it (`mapper_parsing_exception`,
    /// `version_conflict_engine_exception`, …).
    OpenSearch(String),
    /// A failure shiplog observed or decided itself.
    Shiplog(FailureReason),
}

/// shiplog's own reasons for an item's failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailureReason {
    /// `connection_error`: the connection could not be made.
    ConnectionError,
    /// `timeout`: no answer in time.
    Timeout,
    /// `transport_error`: any other transport failure (reset, TLS, …).
    TransportError,
    /// `auth_error`: the request could not be signed or authenticated.
    AuthError,
    /// `deadline_exceeded`: no time was left before the caller's deadline to send.
    DeadlineExceeded,
    /// `malformed_response`: a 2xx answer whose items could not be read.
    MalformedResponse,
    /// `http_<status>`: a failed answer without an OpenSearch error type.
    Http(u16),
    /// `unknown`: OpenSearch reported an error without a type.
    Untyped,
    /// `invalid_request`: the request could not be made as asked (an unknown HTTP method).
    InvalidRequest,
}

impl FailureReason {
    /// Every word-only reason (all but [`FailureReason::Http`]) with its word.
    const WORDS: [(FailureReason, &'static str); 8] = [
        (FailureReason::ConnectionError, "connection_error"),
        (FailureReason::Timeout, "timeout"),
        (FailureReason::TransportError, "transport_error"),
        (FailureReason::AuthError, "auth_error"),
        (FailureReason::DeadlineExceeded, "deadline_exceeded"),
        (FailureReason::MalformedResponse, "malformed_response"),
        (FailureReason::Untyped, "unknown"),
        (FailureReason::InvalidRequest, "invalid_request"),
    ];

    /// The reason whose word is `word` (`http_<status>` included).
    pub fn from_word(word: &str) -> Option<Self> {
        if let Some(status) = word.strip_prefix("http_") {
            return status.parse().ok().map(FailureReason::Http);
        }
        FailureReason::WORDS
            .iter()
            .find(|(_, w)| *w == word)
            .map(|(reason, _)| *reason)
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let FailureReason::Http(status) = self {
            return write!(f, "http_{status}");
        }
        let word = FailureReason::WORDS
            .iter()
            .find(|(reason, _)| reason == self)
            .map_or("unknown", |(_, w)| *w);
        f.write_str(word)
    }
}

impl ItemErrorKind {
    /// The kind written as `word`: one of shiplog's words, else an OpenSearch error type.
    pub fn from_word(word: &str) -> Self {
        match FailureReason::from_word(word) {
            Some(reason) => ItemErrorKind::Shiplog(reason),
            None => ItemErrorKind::OpenSearch(word.to_owned()),
        }
    }

    /// The OpenSearch error type, when OpenSearch reported one.
    pub fn opensearch_type(&self) -> Option<&str> {
        match self {
            ItemErrorKind::OpenSearch(t) => Some(t),
            ItemErrorKind::Shiplog(_) => None,
        }
    }
}

impl fmt::Display for ItemErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ItemErrorKind::OpenSearch(t) => f.write_str(t),
            ItemErrorKind::Shiplog(reason) => reason.fmt(f),
        }
    }
}

impl Serialize for ItemErrorKind {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for ItemErrorKind {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let word = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        Ok(ItemErrorKind::from_word(&word))
    }
}

/// An error reported for one item (or for the whole request, then copied to every item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemError {
    /// HTTP status of the item (or of the request); 0 for transport errors.
    pub status: u16,
    /// OpenSearch's error type or shiplog's reason.
    #[serde(rename = "type")]
    pub kind: ItemErrorKind,
    /// Human-readable reason.
    pub reason: String,
}

impl ItemError {
    /// An error with a capped reason.
    pub fn new(status: u16, kind: ItemErrorKind, reason: impl Into<String>) -> Self {
        let mut reason = reason.into();
        reason.truncate(reason.floor_char_boundary(MAX_REASON_BYTES));
        ItemError {
            status,
            kind,
            reason,
        }
    }

    /// An error OpenSearch reported with its type `kind`.
    pub fn opensearch(status: u16, kind: impl Into<String>, reason: impl Into<String>) -> Self {
        ItemError::new(status, ItemErrorKind::OpenSearch(kind.into()), reason)
    }

    /// A failure of shiplog's own `reason` (the answer's status, or 0).
    pub fn shiplog(status: u16, why: FailureReason, reason: impl Into<String>) -> Self {
        ItemError::new(status, ItemErrorKind::Shiplog(why), reason)
    }

    /// A transport-level failure (no HTTP answer: status 0).
    pub fn transport(why: FailureReason, reason: impl Into<String>) -> Self {
        ItemError::shiplog(0, why, reason)
    }

    /// `<type>: <reason>`, as recorded in `attributes.shiplog.salvage_reason`.
    pub fn summary(&self) -> String {
        format!("{}: {}", self.kind, self.reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cloudwatch_event_ids_are_inline_and_long_ids_on_the_heap() {
        let event_id = "37516444617598064854232170837669464616667931994932674560";
        assert_eq!(event_id.len(), 56);
        let id = ItemId::from(event_id);
        assert!(matches!(id.0, Repr::Inline { len: 56, .. }));
        assert_eq!(id, event_id);
        assert_eq!(id.heap_bytes(), 0);
        let long = "x".repeat(INLINE_CAPACITY + 1);
        let id = ItemId::from(long.as_str());
        assert!(matches!(id.0, Repr::Heap(_)));
        assert_eq!(id.as_str(), long);
        assert_eq!(id.heap_bytes(), long.len());
        assert_eq!(std::mem::size_of::<ItemId>(), 64);
    }

    #[test]
    fn ids_at_the_limit_and_non_ascii_ids_round_trip() {
        for id in [
            String::new(),
            "é".repeat(INLINE_CAPACITY / 2),
            "a".repeat(INLINE_CAPACITY),
            "b\"2".to_owned(),
        ] {
            let item = ItemId::from(id.as_str());
            assert_eq!(item.as_str(), id);
            assert_eq!(format!("{item:?}"), format!("{id:?}"));
            assert_eq!(item.to_string(), id);
        }
        assert!(matches!(
            ItemId::from("a".repeat(INLINE_CAPACITY).as_str()).0,
            Repr::Inline { .. }
        ));
    }

    #[test]
    fn opensearch_types_stay_verbatim_and_shiplog_words_read_back_as_reasons() {
        for (word, kind) in [
            (
                "mapper_parsing_exception",
                ItemErrorKind::OpenSearch("mapper_parsing_exception".to_owned()),
            ),
            (
                "deadline_exceeded",
                ItemErrorKind::Shiplog(FailureReason::DeadlineExceeded),
            ),
            ("timeout", ItemErrorKind::Shiplog(FailureReason::Timeout)),
            ("unknown", ItemErrorKind::Shiplog(FailureReason::Untyped)),
            ("http_401", ItemErrorKind::Shiplog(FailureReason::Http(401))),
            ("http_x", ItemErrorKind::OpenSearch("http_x".to_owned())),
        ] {
            assert_eq!(ItemErrorKind::from_word(word), kind, "{word}");
            assert_eq!(kind.to_string(), word);
        }
        for (reason, word) in FailureReason::WORDS {
            assert_eq!(FailureReason::from_word(word), Some(reason));
        }
    }

    #[test]
    fn an_error_serialises_as_status_type_and_reason_and_reads_back() {
        let e = ItemError::opensearch(400, "mapper_parsing_exception", "failed to parse");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"status": 400, "type": "mapper_parsing_exception", "reason": "failed to parse"})
        );
        assert_eq!(serde_json::from_value::<ItemError>(json).unwrap(), e);
        let t = ItemError::transport(FailureReason::ConnectionError, "refused");
        let back: ItemError =
            serde_json::from_str(r#"{"status":0,"type":"connection_error","reason":"refused"}"#)
                .unwrap();
        assert_eq!(back, t);
        assert_eq!(e.summary(), "mapper_parsing_exception: failed to parse");
        assert_eq!(e.kind.opensearch_type(), Some("mapper_parsing_exception"));
        assert_eq!(t.kind.opensearch_type(), None);
    }
}
