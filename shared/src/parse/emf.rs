//! CloudWatch Embedded Metric Format detection.
//!
//! CloudWatch already extracts EMF metrics, so EMF records are shipped as JSON logs (every key
//! kept in `fields`, see [`crate::parse::structured`]) and never re-published as metric points.

use crate::json::Members;
use crate::time::{self, EpochMillis};
use serde_json::Value;

/// The key holding EMF metadata.
pub const METADATA_KEY: &str = "_aws";

/// True when the object is an EMF record (`_aws.CloudWatchMetrics` is an array).
pub fn is_emf(obj: &impl Members) -> bool {
    obj.member(METADATA_KEY)
        .and_then(|a| a.get("CloudWatchMetrics"))
        .is_some_and(Value::is_array)
}

/// The record's own timestamp: `_aws.Timestamp` (epoch milliseconds, per the EMF spec).
pub fn timestamp(obj: &impl Members) -> Option<EpochMillis> {
    let ms = obj.member(METADATA_KEY)?.get("Timestamp")?.as_f64()?;
    time::from_epoch_number(ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{parse_object, Entries};
    use crate::model::{Format, ParsedLine};
    use crate::parse::structured::{from_object, merge_into};
    use crate::parse::text::normalize_message;
    use serde_json::json;
    use std::borrow::Cow;

    const EMF: &str = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../tests/fixtures/corpus/05-monitoring/emf.jsonl"
    ));

    fn record_message(id: &str) -> String {
        EMF.lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .find(|r| r["id"] == id)
            .and_then(|r| r["message"].as_str().map(str::to_owned))
            .unwrap_or_else(|| panic!("record {id} missing"))
    }

    fn object_of(id: &str) -> crate::json::Entries<'static> {
        let msg = record_message(id);
        parse_object(&normalize_message(&msg), 64)
            .unwrap()
            .into_map()
            .into()
    }

    #[test]
    fn spec_example_is_emf_and_keeps_every_key_in_fields() {
        let obj = object_of("emf-01-spec-example");
        assert!(is_emf(&obj));
        let original = obj.clone().into_map();
        let line = from_object(obj);
        assert_eq!(
            line.fields.clone().map(Entries::into_map).as_ref(),
            Some(&original),
            "EMF keys land in fields intact"
        );
        assert_eq!(
            line.request_id.as_deref(),
            Some("989ffbf8-9ace-4817-a57c-e4dd734019ee")
        );
        // `time: 100` is a metric value, not a timestamp: the record's time is `_aws.Timestamp`.
        assert_eq!(line.timestamp.map(|t| t.0), Some(1_574_109_732_004));
    }

    #[test]
    fn powertools_multi_value_and_cold_start_records_are_emf() {
        let multi = object_of("emf-02-powertools-multivalue");
        assert!(is_emf(&multi));
        let line = from_object(multi);
        let fields = line.fields.unwrap().into_map();
        assert_eq!(fields.get("TurbineReads"), Some(&json!([1.0, 8.0])));
        assert_eq!(fields.get("service"), Some(&json!("booking")));

        let cold = object_of("emf-03-powertools-coldstart");
        assert!(is_emf(&cold));
        let line = from_object(cold);
        let origin = line.origin.unwrap();
        assert_eq!(origin.function_name.as_deref(), Some("test"));
        let fields = line.fields.unwrap().into_map();
        assert_eq!(
            fields.get("function_name"),
            Some(&json!("test")),
            "dimension kept"
        );
        assert_eq!(fields.get("ColdStart"), Some(&json!([1.0])));
    }

    #[test]
    fn emf_behind_a_node_prefix_is_detected_and_merged() {
        let msg = record_message("emf-04-behind-node-prefix");
        let msg = normalize_message(&msg);
        let (_, body) = msg.rsplit_once('\t').unwrap();
        let obj = parse_object(body, 64).unwrap();
        assert!(is_emf(&obj));
        let original = obj.clone().into_map();
        let mut line = ParsedLine {
            format: Format::Nodejs,
            level: Some(crate::level::Level::Info),
            request_id: Some(Cow::Borrowed("989ffbf8-9ace-4817-a57c-e4dd734019ee")),
            body: Cow::Borrowed(body),
            ..ParsedLine::default()
        };
        merge_into(&mut line, obj);
        assert!(line.json);
        assert_eq!(
            line.fields.clone().map(Entries::into_map).as_ref(),
            Some(&original)
        );
        assert_eq!(line.level, Some(crate::level::Level::Info));
        assert_eq!(
            line.body, body,
            "no message key: the prefix body stays as written"
        );
    }

    #[test]
    fn look_alikes_are_not_emf() {
        let not = [
            json!({"_aws": {"CloudWatchMetrics": {"Namespace": "x"}}}),
            json!({"_aws": "CloudWatchMetrics"}),
            json!({"CloudWatchMetrics": []}),
            json!({"e": 1583425836.114, "m": "aws.lambda.enhanced.invocations", "v": 1}),
        ];
        for v in not {
            let Value::Object(obj) = v else {
                unreachable!()
            };
            assert!(!is_emf(&obj), "{obj:?}");
        }
    }

    #[test]
    fn emf_timestamp_is_epoch_millis_or_absent() {
        let Value::Object(obj) = json!({"_aws": {"Timestamp": 1656685750622_u64}}) else {
            unreachable!()
        };
        assert_eq!(
            timestamp(&obj).map(|t| t.to_rfc3339()).as_deref(),
            Some("2022-07-01T14:29:10.622Z")
        );
        let Value::Object(obj) = json!({"_aws": {"Timestamp": "soon"}}) else {
            unreachable!()
        };
        assert_eq!(timestamp(&obj), None);
    }
}
