//! Thin async adapters over AWS and OpenSearch (feature `aws`): OpenSearch `_bulk` with SigV4 /
//! basic / no auth and S3 dead letters, CloudWatch `PutMetricData`. Every decision they make
//! (what to retry, what to split, what to dead-letter) is a pure function in
//! [`crate::delivery`], tested without a socket.

pub mod cloudwatch;
pub mod dead_letter;
pub mod opensearch;

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

/// The wall clock as [`crate::time::EpochMillis`].
pub fn now_millis() -> crate::time::EpochMillis {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    crate::time::EpochMillis(ms)
}
