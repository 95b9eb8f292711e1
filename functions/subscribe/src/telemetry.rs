//! Logging: JSON lines through `tracing`, `warn` for everything but this crate's own progress
//! and summary lines (`info`). `RUST_LOG` overrides the filter.

use tracing_subscriber::EnvFilter;

/// The filter used when `RUST_LOG` is unset.
pub const DEFAULT_LOG_FILTER: &str = "warn,shiplog_subscribe=info";

/// Installs the JSON subscriber (once; later calls do nothing).
pub fn init() {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_LOG_FILTER));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .try_init();
}
