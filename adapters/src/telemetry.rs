//! How the Lambda functions write their own logs: JSON lines through `tracing`, filtered by
//! `RUST_LOG`, else by the function's own default. The pure core never installs a subscriber.

use tracing_subscriber::EnvFilter;

/// Installs the JSON `tracing` subscriber, filtered by `RUST_LOG` when it is set and valid, else
/// by `default_filter` (an `EnvFilter` directive such as `warn`). Once per process: later calls
/// do nothing.
pub fn init_json_logs(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let _ = tracing_subscriber::fmt()
        .json()
        .with_env_filter(filter)
        .with_current_span(true)
        .with_span_list(false)
        .with_target(false)
        .try_init();
}
