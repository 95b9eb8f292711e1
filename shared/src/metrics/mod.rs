//! Metric points from `MONITORING|…` lines and their aggregation into CloudWatch datums.
//! Pure: sending belongs to the sink adapters.

pub mod aggregate;
pub mod point;
pub mod units;

pub use aggregate::{aggregate, MetricDatum};
pub use point::{MetricDefaults, MetricPoint, ParsedMetric};
pub use units::StandardUnit;
