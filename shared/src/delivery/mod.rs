//! Pure delivery logic (no I/O): what the sinks send and how they judge the answers.
//! - OpenSearch: the shipping sink (documents into `_bulk` chunks with per-record bookkeeping),
//!   bulk items and chunks, item-by-item response classification, salvage, dead letters, the
//!   index template.
//! - CloudWatch metrics: datum validation and request packing, EMF rendering, Lambda usage
//!   metrics and shiplog's own self-metrics (owned by the metrics work).
//!
//! The async adapters that actually talk to AWS live in the `shiplog-adapters` crate.

pub mod bulk;
pub mod bulk_response;
pub mod dead_letter;
pub mod emf;
pub mod encoding;
pub mod index_template;
pub mod item;
pub mod metric_requests;
pub mod metrics_config;
pub mod salvage;
pub mod self_metrics;
pub mod shipping;
pub mod usage_metrics;
