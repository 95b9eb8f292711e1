//! How `_bulk` request bodies travel: gzip'd at the fastest level (the default) or plain.

use flate2::write::GzEncoder;
use std::io::Write;

/// gzip level for request bodies: fastest (CPU is the Lambda's scarce resource; NDJSON of log
/// documents still compresses ~8× at this level).
pub const GZIP_LEVEL: u32 = 1;

/// How request bodies travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Compression {
    /// `Content-Encoding: gzip` (the default).
    #[default]
    Gzip,
    /// Plain NDJSON.
    None,
}

impl Compression {
    /// The `Content-Encoding` header value, if any.
    pub fn content_encoding(self) -> Option<&'static str> {
        match self {
            Compression::Gzip => Some("gzip"),
            Compression::None => None,
        }
    }

    /// The bytes to send for `body`.
    pub fn encode(self, body: &[u8]) -> Vec<u8> {
        match self {
            Compression::Gzip => gzip(body),
            Compression::None => body.to_vec(),
        }
    }
}

/// gzip of `data` at [`GZIP_LEVEL`].
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let out = Vec::with_capacity(data.len() / 6 + 64);
    let mut enc = GzEncoder::new(out, flate2::Compression::new(GZIP_LEVEL));
    // Writing into a Vec cannot fail.
    if enc.write_all(data).is_err() {
        return Vec::new();
    }
    enc.finish().unwrap_or_default()
}
