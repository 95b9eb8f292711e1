//! Resource bounds of the core, each with its default. All are configurable through
//! [`Limits`]; the Lambda reads them from the environment, the CLI from flags.

/// Default cap on the decompressed size of one payload: 16 MiB (a CloudWatch Logs payload is at
/// most 1 MiB compressed; real payloads decompress ~10×).
pub const DEFAULT_MAX_DECOMPRESSED_BYTES: usize = 16 * 1024 * 1024;

/// Default cap on one document's `body`: 256 KiB (CloudWatch's own event limit), larger bodies are
/// truncated with a marker, never rejected.
pub const DEFAULT_MAX_BODY_BYTES: usize = 256 * 1024;

/// Default cap on JSON nesting depth inside a log line. Deeper lines ship as text.
pub const DEFAULT_MAX_JSON_DEPTH: usize = 64;

/// Default number of requests remembered across warm invocations for correlation.
pub const DEFAULT_CORRELATION_CACHE_SIZE: usize = 4096;

/// Bounds applied by the core.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Cap on decompressed bytes of one payload.
    pub max_decompressed_bytes: usize,
    /// Cap on the body of one document.
    pub max_body_bytes: usize,
    /// Cap on JSON nesting depth of a log line.
    pub max_json_depth: usize,
    /// Requests remembered by the correlation cache.
    pub correlation_cache_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_decompressed_bytes: DEFAULT_MAX_DECOMPRESSED_BYTES,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_json_depth: DEFAULT_MAX_JSON_DEPTH,
            correlation_cache_size: DEFAULT_CORRELATION_CACHE_SIZE,
        }
    }
}
