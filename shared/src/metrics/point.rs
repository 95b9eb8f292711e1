//! A metric point read from one MONITORING line.

use super::units::StandardUnit;
use crate::rejection::RejectReason;
use crate::time::EpochMillis;

/// What the MONITORING parser reads from one line, before configuration is applied.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedMetric {
    /// Namespace written in the line (value-first dialect), else `None`.
    pub namespace: Option<String>,
    /// Metric name.
    pub name: String,
    /// Finite value within ±2^360.
    pub value: f64,
    /// Unit (unknown words are `None`).
    pub unit: StandardUnit,
    /// Point timestamp: the line's epoch, or the log event's timestamp.
    pub timestamp: EpochMillis,
    /// Dimensions, unique by name (last wins), in the order first seen.
    pub dimensions: Vec<(String, String)>,
}

/// Configuration applied to every parsed metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricDefaults {
    /// Namespace for lines that carry none.
    pub namespace: String,
    /// Add a `FunctionName` dimension (from the log group) to every point.
    pub function_dimension: bool,
}

impl Default for MetricDefaults {
    fn default() -> Self {
        MetricDefaults {
            namespace: "shiplog".to_owned(),
            function_dimension: true,
        }
    }
}

/// A metric point ready for aggregation: namespace resolved, context dimensions added, validated
/// against CloudWatch's limits.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricPoint {
    /// Namespace (never starting with `AWS/`).
    pub namespace: String,
    /// Metric name.
    pub name: String,
    /// Value.
    pub value: f64,
    /// Unit.
    pub unit: StandardUnit,
    /// Timestamp.
    pub timestamp: EpochMillis,
    /// Dimensions sorted by name, unique, at most 30.
    pub dimensions: Vec<(String, String)>,
}

/// TODO(helper): resolve namespace, add `FunctionName`, validate (namespace rules, ≤ 30 dimensions
/// after adding context dimensions), sort dimensions.
pub fn resolve(
    parsed: ParsedMetric,
    defaults: &MetricDefaults,
    function_name: Option<&str>,
) -> Result<MetricPoint, (RejectReason, String)> {
    let _ = function_name;
    Ok(MetricPoint {
        namespace: parsed.namespace.unwrap_or_else(|| defaults.namespace.clone()),
        name: parsed.name,
        value: parsed.value,
        unit: parsed.unit,
        timestamp: parsed.timestamp,
        dimensions: parsed.dimensions,
    })
}
