//! What identifies a bulk item and what went wrong with it, below every delivery module that
//! uses them: [`ItemId`], a bulk item's `_id`, held inline (no allocation) when it is short, as
//! every CloudWatch Logs event id is (56 digits); [`ItemError`], the last error of an item.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::ops::Deref;

/// Longest `_id` held inline; the enum is then 64 bytes, the size of the heap block a
/// CloudWatch event id needs as a `String` (56 bytes plus the allocator's header).
const INLINE_CAPACITY: usize = 62;

/// A document `_id`: inline up to `INLINE_CAPACITY` (62) bytes, else on the heap. One is made for
/// every document a chunk carries, so the common case must not allocate.
#[derive(Clone, PartialEq, Eq)]
pub enum ItemId {
    /// A short id, its bytes in place.
    Inline {
        /// Bytes used.
        len: u8,
        /// The id's UTF-8 bytes, then zeros.
        bytes: [u8; INLINE_CAPACITY],
    },
    /// A longer id.
    Heap(Box<str>),
}

impl ItemId {
    /// The id as text.
    pub fn as_str(&self) -> &str {
        match self {
            ItemId::Inline { len, bytes } => {
                let used = bytes.get(..usize::from(*len)).unwrap_or_default();
                // Built from a whole `&str`, so always UTF-8.
                std::str::from_utf8(used).unwrap_or_default()
            }
            ItemId::Heap(s) => s,
        }
    }

    /// Heap bytes held (0 when inline), for memory accounting.
    pub fn heap_bytes(&self) -> usize {
        match self {
            ItemId::Inline { .. } => 0,
            ItemId::Heap(s) => s.len(),
        }
    }
}

impl From<&str> for ItemId {
    fn from(id: &str) -> Self {
        let mut bytes = [0u8; INLINE_CAPACITY];
        match (bytes.get_mut(..id.len()), u8::try_from(id.len())) {
            (Some(inline), Ok(len)) => {
                inline.copy_from_slice(id.as_bytes());
                ItemId::Inline { len, bytes }
            }
            _ => ItemId::Heap(id.into()),
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

/// An error reported for one item (or for the whole request, then copied to every item).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemError {
    /// HTTP status of the item (or of the request); 0 for transport errors.
    pub status: u16,
    /// OpenSearch error type (`mapper_parsing_exception`, …) or a shiplog word
    /// (`connection_error`, `timeout`, `deadline_exceeded`, `retry_budget_exhausted`, …).
    #[serde(rename = "type")]
    pub kind: String,
    /// Human-readable reason.
    pub reason: String,
}

impl ItemError {
    /// An error with a capped reason.
    pub fn new(status: u16, kind: impl Into<String>, reason: impl Into<String>) -> Self {
        let mut reason = reason.into();
        reason.truncate(reason.floor_char_boundary(MAX_REASON_BYTES));
        ItemError {
            status,
            kind: kind.into(),
            reason,
        }
    }

    /// A transport-level failure (no HTTP answer).
    pub fn transport(kind: &str, reason: impl Into<String>) -> Self {
        ItemError::new(0, kind, reason)
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
        assert!(matches!(id, ItemId::Inline { len: 56, .. }));
        assert_eq!(id, event_id);
        assert_eq!(id.heap_bytes(), 0);
        let long = "x".repeat(INLINE_CAPACITY + 1);
        let id = ItemId::from(long.as_str());
        assert!(matches!(id, ItemId::Heap(_)));
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
            ItemId::from("a".repeat(INLINE_CAPACITY).as_str()),
            ItemId::Inline { .. }
        ));
    }
}
