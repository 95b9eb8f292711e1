//! TODO(helper): aggregation of points into CloudWatch `Values`/`Counts` datums.

use super::point::MetricPoint;
use super::units::StandardUnit;
use crate::time::EpochMillis;
use serde::Serialize;

/// Most distinct values CloudWatch accepts in one datum's `Values` array.
pub const MAX_VALUES_PER_DATUM: usize = 150;

/// One aggregated CloudWatch datum: every point with the same (namespace, name, dimensions, unit,
/// minute) collapsed into distinct values and their counts.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricDatum {
    /// Namespace.
    pub namespace: String,
    /// Metric name.
    pub name: String,
    /// Unit.
    pub unit: StandardUnit,
    /// Start of the minute the points fall in.
    pub timestamp: EpochMillis,
    /// Dimensions sorted by name.
    pub dimensions: Vec<(String, String)>,
    /// Distinct values (≤ 150).
    pub values: Vec<f64>,
    /// How often each value occurred.
    pub counts: Vec<f64>,
}

/// Aggregates points into datums; the multiset of (metric, value) is conserved.
pub fn aggregate(points: Vec<MetricPoint>) -> Vec<MetricDatum> {
    points
        .into_iter()
        .map(|p| MetricDatum {
            namespace: p.namespace,
            name: p.name,
            unit: p.unit,
            timestamp: EpochMillis(p.timestamp.0 - p.timestamp.0.rem_euclid(60_000)),
            dimensions: p.dimensions,
            values: vec![p.value],
            counts: vec![1.0],
        })
        .collect()
}
