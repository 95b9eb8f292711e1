//! TODO(helper): CloudWatch Embedded Metric Format detection.

use serde_json::{Map, Value};

/// True when the object is an EMF record (`_aws.CloudWatchMetrics` is an array).
pub fn is_emf(obj: &Map<String, Value>) -> bool {
    obj.get("_aws")
        .and_then(|a| a.get("CloudWatchMetrics"))
        .is_some_and(Value::is_array)
}
