//! The events `subscribe` receives (README, The subscriber), recognised by shape, and the decision for a
//! CloudTrail `CreateLogGroup` event.
//!
//! Real CloudTrail events vary (EXPECTED.md §7): `requestParameters` may be `null`, `userAgent`
//! missing, `mfaAuthenticated` a bool or a string, `responseElements` the string `"null"`,
//! `readOnly` a string. The structs here are therefore lenient: every field is optional and an
//! unusable value reads as absent, so deserialising never fails on a JSON object.

use super::continuation::{Continuation, ContinuationError};
use super::custom_resource::CustomResourceRequest;
use super::lenient::{object_of, opt_bool, opt_object, opt_string, string_map, string_of};
use super::selection::{Exclusion, Selection, Tags};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::fmt;

/// `detail-type` of EventBridge events that carry a CloudTrail record.
pub const CLOUDTRAIL_DETAIL_TYPE: &str = "AWS API Call via CloudTrail";
/// `detail-type` of EventBridge schedule events.
pub const SCHEDULED_DETAIL_TYPE: &str = "Scheduled Event";
/// EventBridge `source` of CloudWatch Logs API calls.
pub const LOGS_SOURCE: &str = "aws.logs";
/// CloudTrail `eventSource` of CloudWatch Logs.
pub const LOGS_EVENT_SOURCE: &str = "logs.amazonaws.com";
/// The CloudTrail `eventName` acted upon.
pub const CREATE_LOG_GROUP: &str = "CreateLogGroup";
/// The log group class that supports subscription filters (absent = this).
pub const STANDARD_CLASS: &str = "STANDARD";
/// The lower-cost class (2023): no subscription filters.
pub const INFREQUENT_ACCESS_CLASS: &str = "INFREQUENT_ACCESS";
/// The class of vended-log delivery groups (2025, e.g. Lambda logs delivered to S3 or Firehose;
/// events kept one day): no subscription filters.
pub const DELIVERY_CLASS: &str = "DELIVERY";
/// How many top-level keys of an unknown event are named in its log line.
const UNKNOWN_KEYS_SHOWN: usize = 8;

/// An EventBridge event carrying a CloudTrail record (lenient).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct CloudTrailEvent {
    /// EventBridge event id.
    #[serde(default, deserialize_with = "opt_string")]
    pub id: Option<String>,
    /// EventBridge source (`aws.logs`).
    #[serde(default, deserialize_with = "opt_string")]
    pub source: Option<String>,
    /// EventBridge detail-type (`AWS API Call via CloudTrail`).
    #[serde(default, rename = "detail-type", deserialize_with = "opt_string")]
    pub detail_type: Option<String>,
    /// Account id.
    #[serde(default, deserialize_with = "opt_string")]
    pub account: Option<String>,
    /// Region.
    #[serde(default, deserialize_with = "opt_string")]
    pub region: Option<String>,
    /// Event time (RFC 3339).
    #[serde(default, deserialize_with = "opt_string")]
    pub time: Option<String>,
    /// The CloudTrail record.
    #[serde(default, deserialize_with = "opt_object")]
    pub detail: Option<CloudTrailDetail>,
}

/// The CloudTrail record of an API call (the fields `subscribe` uses, all lenient).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CloudTrailDetail {
    /// `logs.amazonaws.com`.
    #[serde(default, deserialize_with = "opt_string")]
    pub event_source: Option<String>,
    /// `CreateLogGroup`, `DeleteLogGroup`, …
    #[serde(default, deserialize_with = "opt_string")]
    pub event_name: Option<String>,
    /// Present when the call failed.
    #[serde(default, deserialize_with = "opt_string")]
    pub error_code: Option<String>,
    /// Message of a failed call.
    #[serde(default, deserialize_with = "opt_string")]
    pub error_message: Option<String>,
    /// Region of the call.
    #[serde(default, deserialize_with = "opt_string")]
    pub aws_region: Option<String>,
    /// Caller's user agent (often missing).
    #[serde(default, deserialize_with = "opt_string")]
    pub user_agent: Option<String>,
    /// Caller's address or service.
    #[serde(default, rename = "sourceIPAddress", deserialize_with = "opt_string")]
    pub source_ip_address: Option<String>,
    /// CloudTrail event id.
    #[serde(default, rename = "eventID", deserialize_with = "opt_string")]
    pub event_id: Option<String>,
    /// Request id of the call.
    #[serde(default, rename = "requestID", deserialize_with = "opt_string")]
    pub request_id: Option<String>,
    /// `readOnly`: a bool or a string.
    #[serde(default, deserialize_with = "opt_bool")]
    pub read_only: Option<bool>,
    /// Who called.
    #[serde(default, deserialize_with = "opt_object")]
    pub user_identity: Option<UserIdentity>,
    /// Parameters of the call (`null` for some events).
    #[serde(default, deserialize_with = "opt_object")]
    pub request_parameters: Option<CreateLogGroupParameters>,
}

/// The caller of an API call (lenient).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct UserIdentity {
    /// `IAMUser`, `AssumedRole`, …
    #[serde(default, rename = "type", deserialize_with = "opt_string")]
    pub identity_type: Option<String>,
    /// Caller ARN.
    #[serde(default, deserialize_with = "opt_string")]
    pub arn: Option<String>,
    /// Service that made the call on the caller's behalf.
    #[serde(default, deserialize_with = "opt_string")]
    pub invoked_by: Option<String>,
    /// Session context.
    #[serde(default, deserialize_with = "opt_object")]
    pub session_context: Option<SessionContext>,
}

/// A session context (lenient).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
pub struct SessionContext {
    /// Session attributes.
    #[serde(default, deserialize_with = "opt_object")]
    pub attributes: Option<SessionAttributes>,
}

/// Session attributes (lenient).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionAttributes {
    /// A bool or the strings `"true"`/`"false"`.
    #[serde(default, deserialize_with = "opt_bool")]
    pub mfa_authenticated: Option<bool>,
    /// Session creation time.
    #[serde(default, deserialize_with = "opt_string")]
    pub creation_date: Option<String>,
}

/// `requestParameters` of `CreateLogGroup` (lenient).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateLogGroupParameters {
    /// The new group's name.
    #[serde(default, deserialize_with = "opt_string")]
    pub log_group_name: Option<String>,
    /// `STANDARD` (also when absent), `INFREQUENT_ACCESS`, `DELIVERY`.
    #[serde(default, deserialize_with = "opt_string")]
    pub log_group_class: Option<String>,
    /// KMS key, when encrypted.
    #[serde(default, deserialize_with = "opt_string")]
    pub kms_key_id: Option<String>,
    /// Tags given at creation.
    #[serde(default, deserialize_with = "string_map")]
    pub tags: Tags,
}

impl CloudTrailEvent {
    /// Reads an event leniently; a non-object reads as an empty event.
    pub fn from_value(value: Value) -> Self {
        object_of(Some(value)).unwrap_or_default()
    }
}

/// An event of no shape `subscribe` handles, summarised for one log line (never the payload).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnknownEvent {
    /// What the event looked like, e.g. `object with keys [a, b]`.
    pub summary: String,
}

/// The shapes `subscribe` handles (README, The subscriber), plus its own continuation event.
#[derive(Debug, Clone, PartialEq)]
pub enum Inbound {
    /// An EventBridge CloudTrail event (decide with [`decide_new_group`]).
    CloudTrail(Box<CloudTrailEvent>),
    /// An EventBridge schedule: reconcile all groups.
    Scheduled {
        /// EventBridge event id.
        id: Option<String>,
    },
    /// A CloudFormation custom-resource request.
    CustomResource(Box<CustomResourceRequest>),
    /// A backfill continuing from a cursor (self-invocation).
    Continuation(Continuation),
    /// Anything else: ignored, logged once.
    Unknown(UnknownEvent),
}

/// Recognises an event by its shape: continuation key, then custom-resource fields, then
/// EventBridge `detail-type`.
pub fn detect(value: Value) -> Inbound {
    match Continuation::from_event(&value) {
        Some(Ok(continuation)) => return Inbound::Continuation(continuation),
        Some(Err(ContinuationError(why))) => {
            return Inbound::Unknown(UnknownEvent {
                summary: format!("malformed continuation event: {why}"),
            })
        }
        None => {}
    }
    if let Some(request) = CustomResourceRequest::from_value(&value) {
        return Inbound::CustomResource(Box::new(request));
    }
    let detail_type = string_of(value.get("detail-type"));
    match detail_type.as_deref() {
        Some(SCHEDULED_DETAIL_TYPE) => Inbound::Scheduled {
            id: string_of(value.get("id")),
        },
        Some(CLOUDTRAIL_DETAIL_TYPE) => {
            Inbound::CloudTrail(Box::new(CloudTrailEvent::from_value(value)))
        }
        _ => Inbound::Unknown(UnknownEvent {
            summary: summarise(&value),
        }),
    }
}

fn summarise(value: &Value) -> String {
    match value {
        Value::Object(map) => {
            let keys: Vec<&str> = map
                .keys()
                .take(UNKNOWN_KEYS_SHOWN)
                .map(String::as_str)
                .collect();
            let more = if map.len() > UNKNOWN_KEYS_SHOWN {
                ", …"
            } else {
                ""
            };
            let detail_type = string_of(value.get("detail-type"))
                .map(|d| format!(" (detail-type {d:?})"))
                .unwrap_or_default();
            format!("object with keys [{}{more}]{detail_type}", keys.join(", "))
        }
        Value::Array(items) => format!("array of {} items", items.len()),
        Value::String(_) => "string".to_owned(),
        Value::Number(_) => "number".to_owned(),
        Value::Bool(_) => "bool".to_owned(),
        Value::Null => "null".to_owned(),
    }
}

/// A new log group to reconcile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NewGroup {
    /// Its name.
    pub log_group: String,
    /// Tags given at creation.
    pub tags: Tags,
}

/// Why a CloudTrail event is ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    tag = "reason"
)]
pub enum IgnoreReason {
    /// Not a CloudWatch Logs API call.
    NotLogsEvent,
    /// Another API call (`DeleteLogGroup`, `PutSubscriptionFilter`, …).
    OtherEventName {
        /// The call's name.
        event_name: Option<String>,
    },
    /// The call failed (`errorCode` present): nothing was created.
    FailedCall {
        /// The error code.
        error_code: String,
    },
    /// No `requestParameters.logGroupName`.
    NoLogGroupName,
    /// The group is not selected.
    Excluded {
        /// The group.
        log_group: String,
        /// Why.
        #[serde(flatten)]
        exclusion: Exclusion,
    },
}

impl fmt::Display for IgnoreReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            IgnoreReason::NotLogsEvent => f.write_str("not a CloudWatch Logs API call"),
            IgnoreReason::OtherEventName { event_name } => write!(
                f,
                "eventName {} is not CreateLogGroup",
                event_name.as_deref().unwrap_or("(missing)")
            ),
            IgnoreReason::FailedCall { error_code } => {
                write!(f, "the call failed with {error_code}")
            }
            IgnoreReason::NoLogGroupName => f.write_str("no requestParameters.logGroupName"),
            IgnoreReason::Excluded {
                log_group,
                exclusion,
            } => write!(f, "{log_group}: {exclusion}"),
        }
    }
}

/// What to do with a CloudTrail event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NewGroupDecision {
    /// Reconcile this group.
    Reconcile(NewGroup),
    /// Selected, but of a class that takes no subscription filter: skip and report.
    SkipClass {
        /// The group.
        log_group: String,
        /// Its class.
        class: String,
    },
    /// Nothing to do.
    Ignore(IgnoreReason),
}

/// Whether a log group of this class (`logGroupClass` of CreateLogGroup or DescribeLogGroups;
/// absent = `STANDARD`) can take a subscription filter: only `STANDARD` can. Any other class,
/// including one added after this was written, is skipped and reported rather than tried.
pub fn class_takes_subscription_filters(class: Option<&str>) -> bool {
    class.is_none_or(|c| c.eq_ignore_ascii_case(STANDARD_CLASS))
}

/// The log group class named in an error message of CloudWatch Logs that refuses an operation
/// for a class (e.g. `… is not supported for log-group-class INFREQUENT_ACCESS`), if any.
pub fn class_in_message(message: &str) -> Option<&'static str> {
    let upper = message.to_ascii_uppercase();
    [INFREQUENT_ACCESS_CLASS, DELIVERY_CLASS]
        .into_iter()
        .find(|class| upper.contains(class))
}

/// Decides on a CloudTrail event: only successful `CreateLogGroup` calls of CloudWatch Logs
/// whose group is selected (tags from `requestParameters.tags`) are reconciled; a selected group
/// of a non-`STANDARD` class is skipped and reported.
pub fn decide_new_group(event: &CloudTrailEvent, selection: &Selection) -> NewGroupDecision {
    let Some(detail) = &event.detail else {
        return NewGroupDecision::Ignore(IgnoreReason::NotLogsEvent);
    };
    let source_ok = event.source.as_deref().is_none_or(|s| s == LOGS_SOURCE);
    if !source_ok || detail.event_source.as_deref() != Some(LOGS_EVENT_SOURCE) {
        return NewGroupDecision::Ignore(IgnoreReason::NotLogsEvent);
    }
    if detail.event_name.as_deref() != Some(CREATE_LOG_GROUP) {
        return NewGroupDecision::Ignore(IgnoreReason::OtherEventName {
            event_name: detail.event_name.clone(),
        });
    }
    if let Some(error_code) = &detail.error_code {
        return NewGroupDecision::Ignore(IgnoreReason::FailedCall {
            error_code: error_code.clone(),
        });
    }
    let params = detail.request_parameters.clone().unwrap_or_default();
    let Some(log_group) = params.log_group_name else {
        return NewGroupDecision::Ignore(IgnoreReason::NoLogGroupName);
    };
    if let Err(exclusion) = selection.select(&log_group, &params.tags) {
        return NewGroupDecision::Ignore(IgnoreReason::Excluded {
            log_group,
            exclusion,
        });
    }
    match params.log_group_class {
        Some(class) if !class_takes_subscription_filters(Some(&class)) => {
            NewGroupDecision::SkipClass { log_group, class }
        }
        _ => NewGroupDecision::Reconcile(NewGroup {
            log_group,
            tags: params.tags,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::subscribe::selection::TagPredicate;
    use serde_json::json;

    const CORPUS: &[(&str, &str)] = &[
        (
            "create-log-group-by-cloudformation",
            include_str!(
                "../../../tests/fixtures/corpus/07-eventbridge/create-log-group-by-cloudformation.json"
            ),
        ),
        (
            "create-log-group-by-lambda-on-first-invoke",
            include_str!(
                "../../../tests/fixtures/corpus/07-eventbridge/create-log-group-by-lambda-on-first-invoke.json"
            ),
        ),
        (
            "create-log-group-cli-with-class-kms-tags",
            include_str!(
                "../../../tests/fixtures/corpus/07-eventbridge/create-log-group-cli-with-class-kms-tags.json"
            ),
        ),
        (
            "create-log-group-delivery-class",
            include_str!(
                "../../../tests/fixtures/corpus/07-eventbridge/create-log-group-delivery-class.json"
            ),
        ),
        (
            "create-log-group-infrequent-access",
            include_str!(
                "../../../tests/fixtures/corpus/07-eventbridge/create-log-group-infrequent-access.json"
            ),
        ),
        (
            "create-log-group-failed-already-exists",
            include_str!(
                "../../../tests/fixtures/corpus/07-eventbridge/create-log-group-failed-already-exists.json"
            ),
        ),
        (
            "create-log-group-own-shipper",
            include_str!(
                "../../../tests/fixtures/corpus/07-eventbridge/create-log-group-own-shipper.json"
            ),
        ),
        (
            "create-log-group-rds-not-lambda",
            include_str!(
                "../../../tests/fixtures/corpus/07-eventbridge/create-log-group-rds-not-lambda.json"
            ),
        ),
        (
            "delete-log-group",
            include_str!("../../../tests/fixtures/corpus/07-eventbridge/delete-log-group.json"),
        ),
        (
            "put-subscription-filter-by-subscriber",
            include_str!(
                "../../../tests/fixtures/corpus/07-eventbridge/put-subscription-filter-by-subscriber.json"
            ),
        ),
    ];

    fn corpus(id: &str) -> Value {
        let (_, text) = CORPUS.iter().find(|(name, _)| *name == id).unwrap();
        serde_json::from_str(text).unwrap()
    }

    /// The selection of a deployment whose ship-logs function is `log-shipper-prod-ship-logs`.
    fn deployed_selection() -> Selection {
        Selection {
            own_groups: vec![
                "/aws/lambda/log-shipper-prod-ship-logs".into(),
                "/aws/lambda/log-shipper-prod-subscribe".into(),
            ],
            ..Selection::default()
        }
    }

    fn decide(id: &str) -> NewGroupDecision {
        match detect(corpus(id)) {
            Inbound::CloudTrail(event) => decide_new_group(&event, &deployed_selection()),
            other => panic!("{id}: detected as {other:?}"),
        }
    }

    fn reconciles(group: &str) -> NewGroupDecision {
        NewGroupDecision::Reconcile(NewGroup {
            log_group: group.into(),
            tags: Tags::new(),
        })
    }

    /// EXPECTED.md §7, one row per corpus event.
    #[test]
    fn every_corpus_eventbridge_event_yields_the_expected_decision() {
        let expected: Vec<(&str, NewGroupDecision)> = vec![
            (
                "create-log-group-by-cloudformation",
                reconciles("/aws/lambda/logging-demo-dev-api"),
            ),
            (
                "create-log-group-by-lambda-on-first-invoke",
                reconciles("/aws/lambda/order-api-prod-notify"),
            ),
            (
                "create-log-group-rds-not-lambda",
                NewGroupDecision::Ignore(IgnoreReason::Excluded {
                    log_group: "/aws/rds/instance/cg-aws-broker-test/postgresql".into(),
                    exclusion: Exclusion::NotIncluded,
                }),
            ),
            (
                "create-log-group-own-shipper",
                NewGroupDecision::Ignore(IgnoreReason::Excluded {
                    log_group: "/aws/lambda/log-shipper-prod-ship-logs".into(),
                    exclusion: Exclusion::OwnLogGroup,
                }),
            ),
            (
                "create-log-group-failed-already-exists",
                NewGroupDecision::Ignore(IgnoreReason::FailedCall {
                    error_code: "ResourceAlreadyExistsException".into(),
                }),
            ),
            (
                "put-subscription-filter-by-subscriber",
                NewGroupDecision::Ignore(IgnoreReason::OtherEventName {
                    event_name: Some("PutSubscriptionFilter".into()),
                }),
            ),
            (
                "delete-log-group",
                NewGroupDecision::Ignore(IgnoreReason::OtherEventName {
                    event_name: Some("DeleteLogGroup".into()),
                }),
            ),
            (
                "create-log-group-delivery-class",
                NewGroupDecision::SkipClass {
                    log_group: "/aws/lambda/orders-prod-archive".into(),
                    class: "DELIVERY".into(),
                },
            ),
            (
                "create-log-group-infrequent-access",
                NewGroupDecision::SkipClass {
                    log_group: "/aws/lambda/billing-dev-audit".into(),
                    class: "INFREQUENT_ACCESS".into(),
                },
            ),
            (
                "create-log-group-cli-with-class-kms-tags",
                NewGroupDecision::Reconcile(NewGroup {
                    log_group: "/aws/lambda/billing-prod-invoice".into(),
                    tags: [("team".to_owned(), "billing".to_owned())].into(),
                }),
            ),
        ];
        assert_eq!(
            expected.len(),
            CORPUS.len(),
            "one expectation per corpus file"
        );
        for (id, want) in expected {
            assert_eq!(decide(id), want, "{id}");
        }
    }

    #[test]
    fn odd_typed_fields_of_the_rds_event_are_read_leniently() {
        let Inbound::CloudTrail(event) = detect(corpus("create-log-group-rds-not-lambda")) else {
            panic!("not CloudTrail");
        };
        let detail = event.detail.unwrap();
        assert_eq!(detail.read_only, Some(false));
        let attributes = detail
            .user_identity
            .unwrap()
            .session_context
            .unwrap()
            .attributes
            .unwrap();
        assert_eq!(attributes.mfa_authenticated, Some(false));
        assert_eq!(event.region.as_deref(), Some("us-gov-west-1"));
    }

    #[test]
    fn null_request_parameters_and_missing_user_agent_are_tolerated() {
        let mut value = corpus("create-log-group-by-cloudformation");
        value["detail"]["requestParameters"] = Value::Null;
        value["detail"].as_object_mut().unwrap().remove("userAgent");
        value["detail"]["userIdentity"]["sessionContext"]["attributes"]["mfaAuthenticated"] =
            json!(true);
        let Inbound::CloudTrail(event) = detect(value) else {
            panic!("not CloudTrail");
        };
        assert_eq!(event.detail.as_ref().unwrap().user_agent, None);
        assert_eq!(
            decide_new_group(&event, &deployed_selection()),
            NewGroupDecision::Ignore(IgnoreReason::NoLogGroupName)
        );
    }

    #[test]
    fn infrequent_access_group_is_skipped_and_reported_not_subscribed() {
        let mut value = corpus("create-log-group-cli-with-class-kms-tags");
        value["detail"]["requestParameters"]["logGroupClass"] = json!("INFREQUENT_ACCESS");
        let Inbound::CloudTrail(event) = detect(value) else {
            panic!("not CloudTrail");
        };
        assert_eq!(
            decide_new_group(&event, &deployed_selection()),
            NewGroupDecision::SkipClass {
                log_group: "/aws/lambda/billing-prod-invoice".into(),
                class: "INFREQUENT_ACCESS".into(),
            }
        );
    }

    #[test]
    fn only_standard_takes_subscription_filters() {
        for (class, takes) in [
            (None, true),
            (Some("STANDARD"), true),
            (Some("standard"), true),
            (Some("INFREQUENT_ACCESS"), false),
            (Some("DELIVERY"), false),
            (Some("SOME_FUTURE_CLASS"), false),
        ] {
            assert_eq!(class_takes_subscription_filters(class), takes, "{class:?}");
        }
    }

    #[test]
    fn the_class_is_read_from_a_refusal_message() {
        assert_eq!(
            class_in_message(
                "PutSubscriptionFilter is not supported for log-group-class INFREQUENT_ACCESS"
            ),
            Some("INFREQUENT_ACCESS")
        );
        assert_eq!(
            class_in_message("Subscription filters are not supported for Delivery log groups"),
            Some("DELIVERY")
        );
        assert_eq!(class_in_message("The operation is not valid"), None);
    }

    #[test]
    fn tag_predicates_use_the_tags_given_at_creation() {
        let Inbound::CloudTrail(event) = detect(corpus("create-log-group-cli-with-class-kms-tags"))
        else {
            panic!("not CloudTrail");
        };
        let mut selection = deployed_selection();
        selection.include_tags = vec![TagPredicate::parse("team=payments").unwrap()];
        assert_eq!(
            decide_new_group(&event, &selection),
            NewGroupDecision::Ignore(IgnoreReason::Excluded {
                log_group: "/aws/lambda/billing-prod-invoice".into(),
                exclusion: Exclusion::MissingTag {
                    predicate: "team=payments".into()
                },
            })
        );
        selection.include_tags = vec![TagPredicate::parse("team=billing").unwrap()];
        assert!(matches!(
            decide_new_group(&event, &selection),
            NewGroupDecision::Reconcile(_)
        ));
    }

    #[test]
    fn other_service_call_is_not_a_logs_event() {
        let mut value = corpus("create-log-group-by-cloudformation");
        value["source"] = json!("aws.s3");
        let Inbound::CloudTrail(event) = detect(value) else {
            panic!("not CloudTrail");
        };
        assert_eq!(
            decide_new_group(&event, &deployed_selection()),
            NewGroupDecision::Ignore(IgnoreReason::NotLogsEvent)
        );
    }

    #[test]
    fn scheduled_event_is_detected() {
        let value = json!({
            "version": "0", "id": "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
            "detail-type": "Scheduled Event", "source": "aws.events",
            "account": "123456789012", "time": "2015-10-08T16:53:06Z", "region": "us-east-1",
            "resources": ["arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"],
            "detail": {}
        });
        assert_eq!(
            detect(value),
            Inbound::Scheduled {
                id: Some("53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa".into())
            }
        );
    }

    #[test]
    fn unknown_events_are_summarised_without_their_payload() {
        let Inbound::Unknown(unknown) = detect(json!({"awslogs": {"data": "secret"}})) else {
            panic!("not unknown");
        };
        assert_eq!(unknown.summary, "object with keys [awslogs]");
        let Inbound::Unknown(unknown) = detect(json!([1, 2])) else {
            panic!("not unknown");
        };
        assert_eq!(unknown.summary, "array of 2 items");
        let Inbound::Unknown(unknown) = detect(json!({"detail-type": "Other", "x": {}})) else {
            panic!("not unknown");
        };
        assert_eq!(
            unknown.summary,
            "object with keys [detail-type, x] (detail-type \"Other\")"
        );
    }

    #[test]
    fn non_object_detail_reads_as_no_detail() {
        let event = CloudTrailEvent::from_value(json!({
            "detail-type": CLOUDTRAIL_DETAIL_TYPE, "detail": "null"
        }));
        assert_eq!(event.detail, None);
        assert_eq!(
            decide_new_group(&event, &deployed_selection()),
            NewGroupDecision::Ignore(IgnoreReason::NotLogsEvent)
        );
    }

    #[test]
    fn ignore_reasons_serialise_flat_with_camel_case_fields() {
        let excluded = IgnoreReason::Excluded {
            log_group: "/aws/lambda/x".into(),
            exclusion: Exclusion::ExcludedPrefix {
                prefix: "/aws/lambda/".into(),
            },
        };
        assert_eq!(
            serde_json::to_value(&excluded).unwrap(),
            json!({"reason": "excluded", "logGroup": "/aws/lambda/x", "exclusion": "excluded-prefix", "prefix": "/aws/lambda/"})
        );
        assert_eq!(
            excluded.to_string(),
            "/aws/lambda/x: under exclude prefix /aws/lambda/"
        );
        assert_eq!(
            serde_json::to_value(IgnoreReason::FailedCall {
                error_code: "X".into()
            })
            .unwrap(),
            json!({"reason": "failed-call", "errorCode": "X"})
        );
    }
}
