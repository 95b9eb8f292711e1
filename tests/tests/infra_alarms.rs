//! Issue 21, "know when shipping fails": the alarms of `infra/template.yaml`. Every alarm exists
//! with its metric, namespace, dimensions, statistic, period, threshold, missing-data treatment
//! and topic; every alarm on shiplog's own metrics watches a name the functions write (the lists
//! of `shiplog::delivery::self_metrics`, which the ship-logs black-box test checks against the
//! line the built binary prints); the topic is encrypted with a key CloudWatch may use; the
//! email subscription and the optional alarms exist only when their parameters ask for them.
//!
//! cfn-lint and checkov run over the whole template in `infra.rs`.
// Test-only crate: lets the helpers below use the test allowances of clippy.toml.
#![cfg(test)]

mod cfn_template;

use serde_json::{json, Map, Value};
use shiplog::delivery::self_metrics::{
    DEFAULT_NAMESPACE, NAMESPACE_ENV, SHIP_LOGS_METRICS, SUBSCRIBE_METRICS,
};
use shiplog_tests::repo_root;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::LazyLock;

const TEMPLATE: &str = "infra/template.yaml";
const README: &str = "infra/README.md";
const SHIP_LOGS_FUNCTION: &str = "ShipLogsFunction";
const SUBSCRIBE_FUNCTION: &str = "SubscribeFunction";

static TEMPLATE_JSON: LazyLock<Value> = LazyLock::new(|| {
    let text = std::fs::read_to_string(repo_root().join(TEMPLATE))
        .unwrap_or_else(|e| panic!("cannot read {TEMPLATE}: {e}"));
    cfn_template::parse(&text)
});

fn resource(id: &str) -> &'static Value {
    let r = &TEMPLATE_JSON["Resources"][id];
    assert!(r.is_object(), "{TEMPLATE} has no resource {id}");
    r
}

fn alarms() -> BTreeMap<&'static str, &'static Value> {
    TEMPLATE_JSON["Resources"]
        .as_object()
        .expect("template has Resources")
        .iter()
        .filter(|(_, r)| r["Type"] == "AWS::CloudWatch::Alarm")
        .map(|(id, r)| (id.as_str(), r))
        .collect()
}

/// The topic every alarm notifies: the stack's own, or the one named by `AlarmTopicArn`.
fn alarm_topic() -> Value {
    json!({"Fn::If": ["CreatesAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]})
}

/// One alarm's expected shape. `threshold` is a number or `{"Ref": parameter}`.
struct Expected {
    id: &'static str,
    namespace: &'static str,
    metric: &'static str,
    /// `(dimension, logical id of the resource whose Ref or QueueName is the value)`.
    dimension: Option<(&'static str, &'static str)>,
    stat: &'static str,
    period: i64,
    evaluation_periods: Value,
    datapoints_to_alarm: Value,
    threshold: Value,
    comparison: &'static str,
    treat_missing_data: &'static str,
    condition: Option<&'static str>,
}

fn expected_alarms() -> Vec<Expected> {
    let simple = |id, namespace, metric, dimension, stat| Expected {
        id,
        namespace,
        metric,
        dimension,
        stat,
        period: 300,
        evaluation_periods: json!(1),
        datapoints_to_alarm: json!(1),
        threshold: json!(0),
        comparison: "GreaterThanThreshold",
        treat_missing_data: "notBreaching",
        condition: None,
    };
    let ship_logs = Some(("FunctionName", SHIP_LOGS_FUNCTION));
    vec![
        simple(
            "FailedInvocationsAlarm",
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            Some(("QueueName", "FailedInvocationsQueue")),
            "Maximum",
        ),
        simple(
            "DeadLetteredAlarm",
            DEFAULT_NAMESPACE,
            "DeadLettered",
            ship_logs,
            "Sum",
        ),
        simple(
            "ShipLogsErrorsAlarm",
            "AWS/Lambda",
            "Errors",
            ship_logs,
            "Sum",
        ),
        Expected {
            evaluation_periods: json!(3),
            datapoints_to_alarm: json!(3),
            ..simple(
                "ShipLogsThrottlesAlarm",
                "AWS/Lambda",
                "Throttles",
                ship_logs,
                "Sum",
            )
        },
        Expected {
            evaluation_periods: json!(3),
            datapoints_to_alarm: json!(2),
            threshold: json!({"Ref": "ShippingLagAlarmMinutes"}),
            ..simple(
                "ShippingLagAlarm",
                DEFAULT_NAMESPACE,
                "LagMax",
                ship_logs,
                "Maximum",
            )
        },
        simple(
            "MetricsFailedAlarm",
            DEFAULT_NAMESPACE,
            "MetricsFailed",
            ship_logs,
            "Sum",
        ),
        simple(
            "ReconcileFailedAlarm",
            DEFAULT_NAMESPACE,
            "ReconcileFailed",
            Some(("FunctionName", SUBSCRIBE_FUNCTION)),
            "Sum",
        ),
        Expected {
            period: 3600,
            evaluation_periods: json!({"Ref": "NoLogsAlarmHours"}),
            datapoints_to_alarm: json!({"Ref": "NoLogsAlarmHours"}),
            threshold: json!(1),
            comparison: "LessThanThreshold",
            treat_missing_data: "breaching",
            condition: Some("WatchesLogSilence"),
            ..simple(
                "NoLogsAlarm",
                DEFAULT_NAMESPACE,
                "EventsIn",
                ship_logs,
                "Sum",
            )
        },
    ]
}

/// `(namespace, metric, dimensions, stat, period)` of the single metric an alarm watches, for
/// a plain alarm or a metric-math alarm over one metric.
fn watched_metric(alarm: &Value) -> (Value, Value, Value, Value, Value) {
    let p = &alarm["Properties"];
    if p["Metrics"].is_array() {
        let stats: Vec<&Value> = p["Metrics"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|m| m["MetricStat"].is_object())
            .collect();
        assert_eq!(stats.len(), 1, "one metric expected: {alarm}");
        let s = &stats[0]["MetricStat"];
        (
            s["Metric"]["Namespace"].clone(),
            s["Metric"]["MetricName"].clone(),
            s["Metric"]["Dimensions"].clone(),
            s["Stat"].clone(),
            s["Period"].clone(),
        )
    } else {
        (
            p["Namespace"].clone(),
            p["MetricName"].clone(),
            p["Dimensions"].clone(),
            p["Statistic"].clone(),
            p["Period"].clone(),
        )
    }
}

/// Every `(namespace, metric, dimensions)` an alarm reads, plain or inside metric math.
fn metrics_read(alarm: &Value) -> Vec<(Value, Value, Value)> {
    let p = &alarm["Properties"];
    match p["Metrics"].as_array() {
        Some(list) => list
            .iter()
            .filter(|m| m["MetricStat"].is_object())
            .map(|m| {
                let metric = &m["MetricStat"]["Metric"];
                (
                    metric["Namespace"].clone(),
                    metric["MetricName"].clone(),
                    metric["Dimensions"].clone(),
                )
            })
            .collect(),
        None => vec![(
            p["Namespace"].clone(),
            p["MetricName"].clone(),
            p["Dimensions"].clone(),
        )],
    }
}

#[test]
fn every_alarm_watches_its_metric_with_its_threshold_and_notifies_the_topic() {
    let found = alarms();
    let expected = expected_alarms();
    let mut listed: BTreeSet<&str> = expected.iter().map(|e| e.id).collect();
    listed.insert("WorkloadErrorRateAlarm"); // its own test below
    assert_eq!(
        found.keys().copied().collect::<BTreeSet<_>>(),
        listed,
        "the alarms of the template"
    );
    for e in expected {
        let alarm = found[e.id];
        let p = &alarm["Properties"];
        let (namespace, metric, dimensions, stat, period) = watched_metric(alarm);
        assert_eq!(namespace, e.namespace, "{}", e.id);
        assert_eq!(metric, e.metric, "{}", e.id);
        assert_eq!(stat, e.stat, "{}", e.id);
        assert_eq!(period, e.period, "{}", e.id);
        let want_dimensions = match e.dimension {
            Some((name, "FailedInvocationsQueue")) => json!([{
                "Name": name,
                "Value": {"Fn::GetAtt": ["FailedInvocationsQueue", "QueueName"]},
            }]),
            Some((name, target)) => json!([{"Name": name, "Value": {"Ref": target}}]),
            None => Value::Null,
        };
        assert_eq!(dimensions, want_dimensions, "{}", e.id);
        assert_eq!(p["EvaluationPeriods"], e.evaluation_periods, "{}", e.id);
        assert_eq!(p["DatapointsToAlarm"], e.datapoints_to_alarm, "{}", e.id);
        assert_eq!(p["Threshold"], e.threshold, "{}", e.id);
        assert_eq!(p["ComparisonOperator"], e.comparison, "{}", e.id);
        assert_eq!(p["TreatMissingData"], e.treat_missing_data, "{}", e.id);
        assert_eq!(
            alarm.get("Condition").and_then(Value::as_str),
            e.condition,
            "{}",
            e.id
        );
        assert_eq!(p["AlarmActions"], json!([alarm_topic()]), "{}", e.id);
        assert_eq!(p["OKActions"], json!([alarm_topic()]), "{}", e.id);
        assert_ne!(p["ActionsEnabled"], json!(false), "{}", e.id);
        assert!(
            p["AlarmDescription"]
                .as_str()
                .is_some_and(|d| d.contains("infra/README.md")),
            "{}: the description points at the runbook",
            e.id
        );
    }
}

#[test]
fn shipping_lag_alarm_compares_minutes_with_the_parameter() {
    let p = &resource("ShippingLagAlarm")["Properties"];
    let returned: Vec<&Value> = p["Metrics"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|m| m["ReturnData"] == true)
        .collect();
    assert_eq!(returned.len(), 1);
    assert_eq!(returned[0]["Expression"], "lag / 60000", "LagMax is in ms");
    let lag = &TEMPLATE_JSON["Parameters"]["ShippingLagAlarmMinutes"];
    assert_eq!(lag["Type"], "Number");
    assert_eq!(lag["Default"], 15);
}

#[test]
fn workload_error_rate_alarm_is_account_wide_metric_math_and_off_by_default() {
    let alarm = resource("WorkloadErrorRateAlarm");
    assert_eq!(alarm["Condition"], "WatchesWorkloadErrors");
    let p = &alarm["Properties"];
    let metrics = p["Metrics"].as_array().expect("metric math");
    let by_id: BTreeMap<&str, &Value> = metrics
        .iter()
        .filter_map(|m| Some((m["Id"].as_str()?, m)))
        .collect();
    for (id, name) in [("errors", "Errors"), ("invocations", "Invocations")] {
        let stat = &by_id[id]["MetricStat"];
        assert_eq!(stat["Metric"]["Namespace"], "AWS/Lambda");
        assert_eq!(stat["Metric"]["MetricName"], name);
        assert!(
            stat["Metric"]["Dimensions"].is_null(),
            "no dimension: every function of the account"
        );
        assert_eq!(stat["Stat"], "Sum");
        assert_eq!(stat["Period"], 300);
        assert_eq!(by_id[id]["ReturnData"], false);
    }
    assert_eq!(
        by_id["errorRate"]["Expression"],
        "IF(invocations > 0, 100 * errors / invocations, 0)"
    );
    assert_eq!(by_id["errorRate"]["ReturnData"], true);
    assert_eq!(p["Threshold"], json!({"Ref": "WorkloadErrorRatePercent"}));
    assert_eq!(p["ComparisonOperator"], "GreaterThanThreshold");
    assert_eq!(p["TreatMissingData"], "notBreaching");
    assert_eq!(p["EvaluationPeriods"], 3);
    assert_eq!(p["AlarmActions"], json!([alarm_topic()]));
    let params = &TEMPLATE_JSON["Parameters"];
    assert_eq!(params["WorkloadErrorRatePercent"]["Default"], 1);
    let defaults = defaults();
    assert!(!condition("WatchesWorkloadErrors", &defaults));
    let on = with(&defaults, "WorkloadAlarms", "true");
    assert!(condition("WatchesWorkloadErrors", &on));
}

/// The alarms on shiplog's own metrics read names the functions write, in the namespace they
/// write to, with the dimension they write: ship-logs' names on ship-logs, subscribe's on
/// subscribe. The ship-logs black-box test checks `SHIP_LOGS_METRICS` against the line the
/// built binary prints; subscribe's unit tests check `SUBSCRIBE_METRICS` against its line.
#[test]
fn every_self_metric_alarm_watches_a_name_shiplog_writes() {
    let mut watched = BTreeSet::new();
    for (id, alarm) in alarms() {
        for (namespace, metric, dimensions) in metrics_read(alarm) {
            let Some(namespace) = namespace.as_str() else {
                panic!("{id}: namespace must be a literal: {namespace}")
            };
            if namespace.starts_with("AWS/") {
                continue;
            }
            assert_eq!(namespace, DEFAULT_NAMESPACE, "{id}");
            let metric = metric.as_str().unwrap_or_default().to_owned();
            let function = dimensions[0]["Value"]["Ref"].as_str().unwrap_or_default();
            assert_eq!(dimensions[0]["Name"], "FunctionName", "{id}");
            assert_eq!(
                dimensions.as_array().map(Vec::len),
                Some(1),
                "{id}: the lines carry one dimension"
            );
            let names = match function {
                SHIP_LOGS_FUNCTION => SHIP_LOGS_METRICS,
                SUBSCRIBE_FUNCTION => SUBSCRIBE_METRICS,
                other => panic!("{id}: dimension on {other:?}, not a shiplog function"),
            };
            assert!(
                names.contains(&metric.as_str()),
                "{id}: {metric} is not written by {function} ({names:?})"
            );
            watched.insert(metric);
        }
    }
    let want: BTreeSet<String> = [
        "DeadLettered",
        "LagMax",
        "MetricsFailed",
        "ReconcileFailed",
        "EventsIn",
    ]
    .map(str::to_owned)
    .into();
    assert_eq!(watched, want);
    // Neither function moves its self-metrics out of the namespace the alarms read.
    for function in [SHIP_LOGS_FUNCTION, SUBSCRIBE_FUNCTION] {
        let variables = &resource(function)["Properties"]["Environment"]["Variables"];
        assert!(
            variables.get(NAMESPACE_ENV).is_none(),
            "{function} sets {NAMESPACE_ENV}: the alarms would read an empty namespace"
        );
    }
}

#[test]
fn alarm_names_carry_the_stack_prefix_that_the_key_and_topic_policies_trust() {
    let trusted = json!({"Fn::Sub":
        "arn:${AWS::Partition}:cloudwatch:${AWS::Region}:${AWS::AccountId}:alarm:${AWS::StackName}-*"});
    for (id, alarm) in alarms() {
        let name = alarm["Properties"]["AlarmName"]["Fn::Sub"]
            .as_str()
            .unwrap_or_default();
        assert!(
            name.starts_with("${AWS::StackName}-") && name.len() > 18,
            "{id}: {name:?}"
        );
    }
    let key_statements = &resource("AlarmTopicKey")["Properties"]["KeyPolicy"]["Statement"];
    let topic_statements =
        &resource("AlarmTopicPolicy")["Properties"]["PolicyDocument"]["Statement"];
    for (what, statements, actions) in [
        (
            "key policy",
            key_statements,
            json!(["kms:Decrypt", "kms:GenerateDataKey"]),
        ),
        ("topic policy", topic_statements, json!("sns:Publish")),
    ] {
        let cloudwatch: Vec<&Value> = statements
            .as_array()
            .into_iter()
            .flatten()
            .filter(|s| s["Principal"]["Service"] == "cloudwatch.amazonaws.com")
            .collect();
        assert_eq!(cloudwatch.len(), 1, "{what}");
        let s = cloudwatch[0];
        assert_eq!(s["Effect"], "Allow", "{what}");
        assert_eq!(s["Action"], actions, "{what}");
        assert_eq!(
            s["Condition"]["ArnLike"]["aws:SourceArn"], trusted,
            "{what}"
        );
        assert_eq!(
            s["Condition"]["StringEquals"]["aws:SourceAccount"],
            json!({"Ref": "AWS::AccountId"}),
            "{what}"
        );
    }
}

#[test]
fn the_alarm_topic_is_encrypted_with_a_rotated_key_and_tls_only() {
    let topic = resource("AlarmTopic");
    assert_eq!(topic["Type"], "AWS::SNS::Topic");
    assert_eq!(topic["Condition"], "CreatesAlarmTopic");
    assert_eq!(
        topic["Properties"]["KmsMasterKeyId"],
        json!({"Ref": "AlarmTopicKey"}),
        "a customer-managed key: CloudWatch cannot use the AWS-managed aws/sns key"
    );
    let key = resource("AlarmTopicKey");
    assert_eq!(key["Type"], "AWS::KMS::Key");
    assert_eq!(key["Condition"], "CreatesAlarmTopic");
    assert_eq!(key["Properties"]["EnableKeyRotation"], true);
    let policy = resource("AlarmTopicPolicy");
    assert_eq!(policy["Condition"], "CreatesAlarmTopic");
    assert_eq!(
        policy["Properties"]["Topics"],
        json!([{"Ref": "AlarmTopic"}])
    );
    let tls_deny = policy["Properties"]["PolicyDocument"]["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| s["Effect"] == "Deny" && s["Condition"]["Bool"]["aws:SecureTransport"] == "false");
    assert!(tls_deny, "the topic refuses publications without TLS");
    let output = &TEMPLATE_JSON["Outputs"]["AlarmNotificationTopicArn"]["Value"];
    assert_eq!(*output, alarm_topic());
}

#[test]
fn the_stack_creates_a_topic_only_without_an_existing_one() {
    let defaults = defaults();
    assert!(condition("CreatesAlarmTopic", &defaults));
    let existing = with(
        &defaults,
        "AlarmTopicArn",
        "arn:aws:sns:eu-west-1:123456789012:ops-alarms",
    );
    assert!(!condition("CreatesAlarmTopic", &existing));
    let pattern = allowed_pattern("AlarmTopicArn");
    assert!(pattern.is_match(""));
    assert!(pattern.is_match("arn:aws:sns:eu-west-1:123456789012:ops-alarms"));
    assert!(!pattern.is_match("arn:aws:sqs:eu-west-1:123456789012:ops-alarms"));
}

#[test]
fn the_email_subscription_exists_only_when_the_parameter_is_set() {
    let subscription = resource("AlarmEmailSubscription");
    assert_eq!(subscription["Type"], "AWS::SNS::Subscription");
    assert_eq!(subscription["Condition"], "HasAlarmEmail");
    let p = &subscription["Properties"];
    assert_eq!(p["Protocol"], "email");
    assert_eq!(p["Endpoint"], json!({"Ref": "AlarmEmail"}));
    assert_eq!(p["TopicArn"], alarm_topic());
    let subscriptions: Vec<&str> = TEMPLATE_JSON["Resources"]
        .as_object()
        .into_iter()
        .flatten()
        .filter(|(_, r)| r["Type"] == "AWS::SNS::Subscription")
        .map(|(id, _)| id.as_str())
        .collect();
    assert_eq!(subscriptions, ["AlarmEmailSubscription"]);
    let defaults = defaults();
    assert_eq!(defaults["AlarmEmail"], "");
    assert!(
        !condition("HasAlarmEmail", &defaults),
        "no address, no subscription"
    );
    let set = with(&defaults, "AlarmEmail", "oncall@example.com");
    assert!(condition("HasAlarmEmail", &set));
    let pattern = allowed_pattern("AlarmEmail");
    assert!(pattern.is_match(""));
    assert!(pattern.is_match("oncall@example.com"));
    assert!(!pattern.is_match("not an address"));
}

#[test]
fn the_silence_alarm_is_off_by_default_and_bounded_to_a_day() {
    let defaults = defaults();
    assert!(
        !condition("WatchesLogSilence", &defaults),
        "an idle account is no failure"
    );
    assert!(condition(
        "WatchesLogSilence",
        &with(&defaults, "NoLogsAlarmHours", "6")
    ));
    let hours = &TEMPLATE_JSON["Parameters"]["NoLogsAlarmHours"];
    assert_eq!(hours["MinValue"], 0);
    assert_eq!(
        hours["MaxValue"], 24,
        "CloudWatch evaluates at most one day of hourly periods"
    );
}

/// Only the opt-in silence alarm may treat missing data as breaching: everything else must stay
/// quiet on an idle account.
#[test]
fn missing_data_breaches_only_the_opt_in_silence_alarm() {
    for (id, alarm) in alarms() {
        let treat = &alarm["Properties"]["TreatMissingData"];
        if id == "NoLogsAlarm" {
            assert_eq!(*treat, "breaching");
        } else {
            assert_eq!(*treat, "notBreaching", "{id}");
        }
    }
}

#[test]
fn the_readme_explains_every_alarm_and_what_to_do() {
    let readme = std::fs::read_to_string(repo_root().join(README))
        .unwrap_or_else(|e| panic!("cannot read {README}: {e}"));
    let section = readme
        .split("\n## Alarms")
        .nth(1)
        .map(|rest| rest.split("\n## ").next().unwrap_or(rest))
        .unwrap_or_else(|| panic!("{README} has no \"## Alarms\" section"));
    for (id, alarm) in alarms() {
        let suffix = alarm["Properties"]["AlarmName"]["Fn::Sub"]
            .as_str()
            .and_then(|n| n.strip_prefix("${AWS::StackName}"))
            .unwrap_or_default();
        assert!(
            section.contains(&format!("`{suffix}`")),
            "{id}: the Alarms section does not name `<stack>{suffix}`"
        );
    }
    for word in [
        "AlarmEmail",
        "AlarmTopicArn",
        "shiplog redrive",
        "TreatMissingData",
    ] {
        assert!(
            section.contains(word),
            "the Alarms section never says {word}"
        );
    }
}

// ------------------------------------------------------------------- condition evaluation

/// Every parameter at its default, as CloudFormation passes it (a string).
fn defaults() -> BTreeMap<String, String> {
    TEMPLATE_JSON["Parameters"]
        .as_object()
        .into_iter()
        .flatten()
        .map(|(name, spec)| {
            let value = match &spec["Default"] {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            };
            (name.clone(), value)
        })
        .collect()
}

fn with(params: &BTreeMap<String, String>, name: &str, value: &str) -> BTreeMap<String, String> {
    assert!(params.contains_key(name), "no parameter {name}");
    let mut p = params.clone();
    p.insert(name.to_owned(), value.to_owned());
    p
}

fn allowed_pattern(parameter: &str) -> regex::Regex {
    let pattern = TEMPLATE_JSON["Parameters"][parameter]["AllowedPattern"]
        .as_str()
        .unwrap_or_else(|| panic!("{parameter} has no AllowedPattern"));
    regex::Regex::new(pattern).unwrap_or_else(|e| panic!("{parameter}: {e}"))
}

/// Evaluates the template's condition `name` for `params`.
fn condition(name: &str, params: &BTreeMap<String, String>) -> bool {
    let conditions = TEMPLATE_JSON["Conditions"]
        .as_object()
        .expect("template has Conditions");
    let definition = conditions
        .get(name)
        .unwrap_or_else(|| panic!("no condition {name}"));
    truth(definition, conditions, params)
}

fn truth(
    value: &Value,
    conditions: &Map<String, Value>,
    params: &BTreeMap<String, String>,
) -> bool {
    let Some((function, args)) = value.as_object().and_then(|o| o.iter().next()) else {
        panic!("not a condition: {value}")
    };
    let items = || args.as_array().into_iter().flatten();
    match function.as_str() {
        "Fn::Equals" => {
            let sides: Vec<String> = items().map(|v| scalar(v, params)).collect();
            assert_eq!(sides.len(), 2, "{value}");
            sides[0] == sides[1]
        }
        "Fn::Not" => !items().all(|v| truth(v, conditions, params)),
        "Fn::And" => items().all(|v| truth(v, conditions, params)),
        "Fn::Or" => items().any(|v| truth(v, conditions, params)),
        "Condition" => {
            let other = args.as_str().unwrap_or_default();
            truth(&conditions[other], conditions, params)
        }
        other => panic!("unsupported condition function {other}"),
    }
}

fn scalar(value: &Value, params: &BTreeMap<String, String>) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Object(o) => {
            let name = o["Ref"].as_str().unwrap_or_default();
            params
                .get(name)
                .cloned()
                .unwrap_or_else(|| panic!("Ref to unknown parameter {name}"))
        }
        other => other.to_string(),
    }
}
