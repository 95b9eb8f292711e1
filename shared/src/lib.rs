//! # shiplog core
//!
//! Pure and synchronous: bytes of a Lambda event in, OpenSearch documents and CloudWatch metric
//! points out. No I/O, no AWS SDK types. The Lambda functions, the CLI and the sink adapters are
//! thin shells over [`pipeline::Pipeline`].
//!
//! ```text
//! Lambda event ─► decode ─► LogBatch ─► parse (one module per format) ─► correlate
//!                                                                          │
//!                          documents ◄── document::build ◄─────────────────┤
//!                          metric points ◄── parse::monitoring ◄───────────┘
//! ```

pub mod bench;
pub mod config_value;
pub mod correlate;
pub mod decode;
pub mod delivery;
pub mod document;
pub mod filter;
pub mod json;
pub mod level;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod rejection;
#[cfg(feature = "aws")]
pub mod sinks;
pub mod subscribe;
#[cfg(feature = "telemetry")]
pub mod telemetry;
pub mod time;

pub use model::{Kind, LogBatch, LogEvent, ParsedLine};
pub use pipeline::{CollectingSink, InputSummary, Pipeline, PipelineConfig, Sink};
pub use rejection::{RejectReason, Rejection};
