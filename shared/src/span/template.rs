//! The span index template (`infra/opensearch/span-index-template.json`): Data Prepper's
//! `otel-v1-apm-span` mapping — what Dashboards' Trace Analytics queries — plus typed mappings for
//! shiplog's own span attributes (numbers, booleans) where Data Prepper maps every attribute as a
//! keyword. Installed like the logs template (missing or older version → `PUT`), named after the
//! span index prefix and matching `otel-v1-apm-span-<prefix>-*`.

use super::span_index_prefix;
use crate::shipped_template::ShippedTemplate;

/// The template as shipped, for the default prefix.
pub const SPAN_TEMPLATE_JSON: &str =
    include_str!("../../../infra/opensearch/span-index-template.json");

/// Why the shipped template could not be rendered (a build problem, caught by tests).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the shipped span index template is invalid: {0}")]
pub struct SpanTemplateError(pub String);

/// The shipped span template.
const SHIPPED: ShippedTemplate = ShippedTemplate(SPAN_TEMPLATE_JSON);

/// The span template's name for a logs index prefix: `otel-v1-apm-span-<prefix>`.
pub fn span_template_name(logs_prefix: &str) -> String {
    span_index_prefix(logs_prefix)
}

/// The shipped span template's `version`.
pub fn span_template_version() -> Result<u64, SpanTemplateError> {
    SHIPPED.version().map_err(SpanTemplateError)
}

/// The `PUT _index_template/<name>` body: the shipped template with `index_patterns` =
/// `["otel-v1-apm-span-<prefix>-*"]`.
pub fn render_span_template(logs_prefix: &str) -> Result<Vec<u8>, SpanTemplateError> {
    SHIPPED
        .render(format!("{}-*", span_index_prefix(logs_prefix)))
        .map_err(SpanTemplateError)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    #[test]
    fn the_template_follows_the_prefix_and_keeps_data_preppers_fields() {
        let body: Value = serde_json::from_slice(&render_span_template("acme").unwrap()).unwrap();
        assert_eq!(
            body["index_patterns"],
            serde_json::json!(["otel-v1-apm-span-acme-*"])
        );
        assert_eq!(span_template_name("acme"), "otel-v1-apm-span-acme");
        assert!(span_template_version().unwrap() >= 1);
        let props = &body["template"]["mappings"]["properties"];
        for (field, ty) in [
            ("traceId", "keyword"),
            ("spanId", "keyword"),
            ("parentSpanId", "keyword"),
            ("serviceName", "keyword"),
            ("startTime", "date_nanos"),
            ("endTime", "date_nanos"),
            ("durationInNanos", "long"),
            ("traceGroup", "keyword"),
        ] {
            assert_eq!(props[field]["type"], ty, "{field}");
        }
        assert_eq!(props["status"]["properties"]["code"]["type"], "integer");
        assert_eq!(
            props["traceGroupFields"]["properties"]["statusCode"]["type"],
            "integer"
        );
    }
}
