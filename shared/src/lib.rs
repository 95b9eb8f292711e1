//! # shiplog core
//!
//! Pure and synchronous: bytes of a Lambda event in, OpenSearch documents and CloudWatch metric
//! points out. No I/O, no async runtime, no AWS SDK (`cargo tree -p shiplog` shows it). The
//! Lambda functions, the CLI and the adapters crate (`shiplog-adapters`) are shells over
//! [`pipeline::Pipeline`].
//!
//! Where a line becomes a document, and where it leaves the process:
//!
//! ```text
//! Lambda event ─► decode ─► LogBatch ─► parse (one module per format) ─► correlate
//!                                                                          │
//!     Pipeline::process_input: Document::new (document) ◄──────────────────┤
//!                              Span at each REPORT (span) ◄────────────────┤
//!                              MetricPoint (parse::monitoring) ◄───────────┘
//!                                   │ handed to a Sink
//!                                   ▼
//!     delivery::bulk::BulkBodyBuilder ─► gzip'd `_bulk` Chunks ─┐  (pure, here)
//!     metrics::aggregate ─► MetricDatums ───────────────────────┤
//!  ─────────────────────────────────────────────────────────────┼──────────────────────────
//!     shiplog-adapters: opensearch::ship ─► OpenSearch `_bulk`   │  (I/O, adapters crate)
//!                       dead_letter ─► S3 · cloudwatch ─► PutMetricData / EMF
//! ```
//!
//! What to retry, split, salvage or dead-letter is decided here, in [`delivery`], by pure
//! functions over canned responses; the adapters only carry bytes.

pub mod backoff;
pub mod config_value;
pub mod correlate;
pub mod cost;
pub mod decode;
pub mod delivery;
pub mod document;
pub mod filter;
pub mod hash;
pub mod json;
pub mod level;
pub mod limits;
pub mod metrics;
pub mod model;
pub mod parse;
pub mod pipeline;
pub mod rejection;
mod shipped_template;
pub mod span;
pub mod subscribe;
#[cfg(any(test, feature = "testing"))]
pub mod testing;
pub mod time;

pub use model::{Kind, LogBatch, LogEvent, ParsedLine};
pub use pipeline::{InputSummary, Pipeline, PipelineConfig, Sink};
pub use rejection::{RejectReason, Rejection};
