//! # shiplog adapters: where documents and metrics leave the process
//!
//! Thin async adapters over AWS and OpenSearch, the only crate of the workspace (with the Lambda
//! functions and the CLI above it) that does I/O: OpenSearch `_bulk` over HTTPS with SigV4 /
//! basic / no auth ([`opensearch`]), S3 dead letters ([`dead_letter`]), CloudWatch
//! `PutMetricData` or EMF ([`cloudwatch`]), and the Lambda functions' own JSON logs
//! ([`telemetry`]). Every decision they make (what to retry, what to split, what to dead-letter,
//! how to pack metric requests) is a pure function of the core crate, [`shiplog::delivery`],
//! tested without a socket.
//!
//! ```text
//! shiplog (pure core) ── Chunk ──► opensearch::ship ──► _bulk ──► OpenSearch
//!                      │                       └── leftovers ──► dead_letter ──► S3
//!                      └─ MetricDatum ──► cloudwatch ──► PutMetricData / EMF
//! ```

// Where the process meets the outside world: this crate reads the clock (deadlines, signing
// times, `now_millis`) and the environment (the AWS configuration) for the crates above it.
#![allow(clippy::disallowed_methods)]

pub mod cloudwatch;
pub mod dead_letter;
pub mod opensearch;
pub mod telemetry;
#[cfg(any(test, feature = "testing"))]
pub mod testing;

pub use aws_config::SdkConfig;

/// `err` followed by its sources, joined with `": "` (SDK errors keep their useful part in the
/// source chain).
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut out = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let text = s.to_string();
        if !out.contains(&text) {
            out.push_str(": ");
            out.push_str(&text);
        }
        source = s.source();
    }
    out
}

/// The AWS configuration loaded the standard way (environment, profile, container and instance
/// credentials; `AWS_ENDPOINT_URL` / `AWS_ENDPOINT_URL_<SERVICE>` honoured).
pub async fn load_sdk_config() -> SdkConfig {
    aws_config::defaults(aws_config::BehaviorVersion::latest())
        .load()
        .await
}

/// The wall clock as [`shiplog::time::EpochMillis`].
pub fn now_millis() -> shiplog::time::EpochMillis {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    shiplog::time::EpochMillis(ms)
}
