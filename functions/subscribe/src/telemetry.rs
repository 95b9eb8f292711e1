//! Logging: JSON lines through `tracing`, `warn` for everything but this crate's own progress
//! and summary lines (`info`). `RUST_LOG` overrides the filter.

/// The filter used when `RUST_LOG` is unset.
pub const DEFAULT_LOG_FILTER: &str = "warn,shiplog_subscribe=info";

/// Installs the JSON subscriber (once; later calls do nothing).
pub fn init() {
    shiplog_adapters::telemetry::init_json_logs(DEFAULT_LOG_FILTER);
}
