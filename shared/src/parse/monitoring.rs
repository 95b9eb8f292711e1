//! TODO(helper): `MONITORING|…` lines (SPEC §3, both dialects, strict).

use crate::metrics::ParsedMetric;
use crate::rejection::RejectReason;
use crate::time::EpochMillis;

/// Parses a MONITORING payload (already located: it starts with `MONITORING`). `event_time` is the
/// CloudWatch event timestamp (range checks, value-first timestamps).
pub fn parse(payload: &str, event_time: EpochMillis) -> Result<ParsedMetric, (RejectReason, String)> {
    let _ = (payload, event_time);
    Err((RejectReason::MetricTooFewFields, "not implemented".to_owned()))
}
