//! Deploy assets in `infra/`: the SAM template passes cfn-lint and checkov with explained
//! suppressions only and keeps the promises of issue 7 (the CreateLogGroup rule, one account-wide
//! permission for CloudWatch Logs, no wildcard actions, shiplog's own log groups never
//! subscribed); the OpenSearch assets (index template, ISM policy, Dashboards saved objects) only
//! use the document fields listed in `infra/opensearch/fields.txt`.
//!
//! cfn-lint and checkov come from `<repo>/.venv` (installed by `scripts/setup-test-env.sh`) or
//! PATH; when neither has them the tests fail, they never skip.
// Test-only crate: lets the helpers below use the test allowances of clippy.toml.
#![cfg(test)]

mod cfn_template;

use cfn_template::yaml_to_cfn_json;
use shiplog_tests::json_paths::mapped_leaves;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::LazyLock;

use regex::Regex;
use serde_json::{json, Map, Value};
use shiplog_tests::repo_root;

const TEMPLATE: &str = "infra/template.yaml";
const FIELDS: &str = "infra/opensearch/fields.txt";
const INDEX_TEMPLATE: &str = "infra/opensearch/index-template.json";
const ISM_POLICY: &str = "infra/opensearch/ism-policy.json";
const SAVED_OBJECTS: &str = "infra/opensearch/dashboards.ndjson";
const SAVED_OBJECTS_GENERATOR: &str = "infra/opensearch/generate_dashboards.py";
const COMPOSE: &str = "infra/docker-compose.yml";
const README: &str = "infra/README.md";

/// Default index prefix (README, Documents) and the pattern every OpenSearch asset must target.
const INDEX_PATTERN: &str = "shiplog-*";
const SHIP_LOGS_BINARY: &str = "ship-logs";
const SUBSCRIBE_BINARY: &str = "subscribe";
/// Longest retention (days) we still call "short" for shiplog's own log groups.
const MAX_OWN_LOG_RETENTION_DAYS: i64 = 365;

/// Document fields the README documents (and the lead's field list): `infra/opensearch/fields.txt` must
/// contain at least these. A trailing `.*` means "any key below" (user JSON, correlation keys).
const SPEC_FIELDS: &[&str] = &[
    "@timestamp",
    "observedTimestamp",
    "body",
    "severity.text",
    "severity.number",
    "traceId",
    "spanId",
    "event.name",
    "event.exception.type",
    "event.exception.message",
    "event.exception.stacktrace",
    "resource.faas.name",
    "resource.faas.version",
    "resource.aws.log.group.names",
    "resource.aws.log.stream.names",
    "resource.cloud.account.id",
    "resource.cloud.provider",
    "resource.cloud.region",
    "resource.service.name",
    "attributes.faas.invocation_id",
    "attributes.faas.coldstart",
    "attributes.aws.xray.trace_id",
    "attributes.aws.xray.segment_id",
    "attributes.aws.xray.sampled",
    "attributes.aws.lambda.duration_ms",
    "attributes.aws.lambda.billed_duration_ms",
    "attributes.aws.lambda.memory_size_mb",
    "attributes.aws.lambda.max_memory_used_mb",
    "attributes.aws.lambda.init_duration_ms",
    "attributes.aws.lambda.restore_duration_ms",
    "attributes.aws.lambda.billed_restore_duration_ms",
    "attributes.aws.lambda.status",
    "attributes.aws.lambda.error_type",
    "attributes.aws.lambda.version",
    "attributes.aws.lambda.runtime_version",
    "attributes.aws.lambda.runtime_version_arn",
    "attributes.aws.lambda.phase",
    "attributes.aws.lambda.timeout_seconds",
    "attributes.aws.lambda.dropped_records",
    "attributes.correlation_id",
    "attributes.correlation.*",
    "attributes.fields.*",
    "attributes.log.format",
    "attributes.shiplog.metric_status",
    "attributes.shiplog.metric_reason",
    "attributes.shiplog.truncated",
    "attributes.shiplog.salvaged",
];

/// Environment variables each function may receive (README and docs/ship-logs.md, plus the two
/// documented in infra/README.md: DEAD_LETTER_PREFIX and DESTINATION_ROLE_ARN).
const SHIP_LOGS_ENV: &[&str] = &[
    "OPENSEARCH_ENDPOINT",
    "OPENSEARCH_DOMAIN",
    "OPENSEARCH_AUTH",
    "OPENSEARCH_SECRET_ARN",
    "INDEX_PREFIX",
    "METRICS_NAMESPACE",
    "METRICS_MODE",
    "DEAD_LETTER_BUCKET",
    "DEAD_LETTER_PREFIX",
    "OWN_LOG_GROUPS",
];
const SUBSCRIBE_ENV: &[&str] = &[
    "DESTINATION_ARN",
    "DESTINATION_ROLE_ARN",
    "FILTER_NAME",
    "FILTER_PATTERN",
    "INCLUDE_PREFIXES",
    "EXCLUDE_PREFIXES",
    "INCLUDE_PATTERN",
    "RETENTION_DAYS",
    "OWN_LOG_GROUPS",
    "SUBSCRIPTION_MODE",
    "CLEANUP_ON_DELETE",
];

/// Actions that have no resource type in IAM, so `Resource: "*"` is the only way to grant them.
const ACTIONS_WITHOUT_RESOURCE_TYPE: &[&str] = &[
    "cloudwatch:PutMetricData",
    "logs:PutAccountPolicy",
    "logs:DescribeAccountPolicies",
    "logs:DeleteAccountPolicy",
];

// ------------------------------------------------------------------------------------- helpers

fn repo_path(rel: &str) -> PathBuf {
    repo_root().join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(repo_path(rel)).unwrap_or_else(|e| panic!("cannot read {rel}: {e}"))
}

fn read_json(rel: &str) -> Value {
    serde_json::from_str(&read(rel)).unwrap_or_else(|e| panic!("{rel} is not valid JSON: {e}"))
}

static TEMPLATE_JSON: LazyLock<Value> = LazyLock::new(|| cfn_template::parse(&read(TEMPLATE)));

fn resources() -> &'static Map<String, Value> {
    TEMPLATE_JSON["Resources"]
        .as_object()
        .expect("template has Resources")
}

fn resources_of_type(kind: &str) -> Vec<(&'static str, &'static Value)> {
    resources()
        .iter()
        .filter(|(_, r)| r["Type"] == kind)
        .map(|(id, r)| (id.as_str(), r))
        .collect()
}

/// The SAM function whose cargo-lambda build produces `binary`.
fn function_by_binary(binary: &str) -> (&'static str, &'static Value) {
    let found: Vec<_> = resources_of_type("AWS::Serverless::Function")
        .into_iter()
        .filter(|(_, r)| r["Metadata"]["BuildProperties"]["Binary"] == binary)
        .collect();
    assert_eq!(
        found.len(),
        1,
        "exactly one function must build the `{binary}` binary"
    );
    found[0]
}

static SUB_VARIABLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([A-Za-z0-9]+)(?:\.[A-Za-z0-9.]+)?\}").unwrap());

/// Logical ids and parameters named anywhere inside `value`: by `Ref`, `Fn::GetAtt` or a
/// `${Name}` / `${Name.Attribute}` variable of `Fn::Sub` (pseudo parameters `AWS::*` excluded).
fn referenced_ids(value: &Value) -> BTreeSet<String> {
    let mut ids = BTreeSet::new();
    walk(value, &mut |v| {
        let Some(obj) = v.as_object() else { return };
        if let Some(Value::String(id)) = obj.get("Ref") {
            ids.insert(id.clone());
        }
        if let Some(Value::String(id)) = obj.get("Fn::GetAtt").and_then(|p| p.get(0)) {
            ids.insert(id.clone());
        }
        let sub = match obj.get("Fn::Sub") {
            Some(Value::Array(parts)) => parts.first().and_then(Value::as_str),
            Some(other) => other.as_str(),
            None => None,
        };
        for captures in SUB_VARIABLE.captures_iter(sub.unwrap_or_default()) {
            ids.insert(captures[1].to_owned());
        }
    });
    ids
}

/// Calls `f` on `value` and on everything inside it.
fn walk<'a>(value: &'a Value, f: &mut dyn FnMut(&'a Value)) {
    f(value);
    match value {
        Value::Array(items) => items.iter().for_each(|v| walk(v, f)),
        Value::Object(map) => map.values().for_each(|v| walk(v, f)),
        _ => {}
    }
}

fn as_list(value: &Value) -> Vec<&Value> {
    match value {
        Value::Array(items) => items.iter().collect(),
        Value::Null => Vec::new(),
        other => vec![other],
    }
}

/// Every IAM policy statement in the template (role policies, trust policies, bucket and queue
/// policies), looking through `Fn::If` branches.
fn policy_statements() -> Vec<&'static Value> {
    let mut statements = Vec::new();
    walk(&TEMPLATE_JSON["Resources"], &mut |v| {
        if let Some(list) = v.get("Statement") {
            for item in as_list(list) {
                collect_statement(item, &mut statements);
            }
        }
    });
    statements
}

fn collect_statement<'a>(item: &'a Value, out: &mut Vec<&'a Value>) {
    if let Some(branches) = item.get("Fn::If").and_then(Value::as_array) {
        for branch in branches.iter().skip(1) {
            collect_statement(branch, out);
        }
    } else if item.get("Effect").is_some() {
        out.push(item);
    }
}

fn actions_of(statement: &Value) -> Vec<String> {
    as_list(&statement["Action"])
        .into_iter()
        .chain(as_list(&statement["NotAction"]))
        .map(|a| a.as_str().map_or_else(|| a.to_string(), str::to_owned))
        .collect()
}

/// A Deny that applies only to requests without TLS (the standard "TLS only" bucket/queue
/// policy): a wildcard action there narrows access and never grants any.
fn is_tls_only_deny(statement: &Value) -> bool {
    statement["Effect"] == "Deny"
        && statement["Condition"]["Bool"]["aws:SecureTransport"]
            .as_str()
            .is_some_and(|v| v == "false")
}

/// Finds a tool in `<repo>/.venv/bin`, then on PATH; fails the test when it is missing.
fn tool(name: &str) -> PathBuf {
    let venv = repo_path(".venv/bin").join(name);
    if venv.is_file() {
        return venv;
    }
    let on_path = std::env::var_os("PATH").map(|paths| {
        std::env::split_paths(&paths)
            .map(|d| d.join(name))
            .find(|p| p.is_file())
    });
    match on_path.flatten() {
        Some(path) => path,
        None => panic!(
            "`{name}` is not installed: run scripts/setup-test-env.sh (it installs cfn-lint, \
             checkov and moto into {}/.venv). This test never skips.",
            repo_root().display()
        ),
    }
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("SHIPLOG_PYTHON") {
        return PathBuf::from(p);
    }
    let venv = repo_path(".venv/bin/python");
    if venv.is_file() {
        venv
    } else {
        tool("python3")
    }
}

fn run(command: &mut Command) -> Output {
    command
        .current_dir(repo_root())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {command:?}: {e}"))
}

fn describe(output: &Output) -> String {
    format!(
        "exit {:?}\n--- stdout\n{}\n--- stderr\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

// ------------------------------------------------------------------------ linters (subprocess)

#[test]
fn cfn_lint_passes_on_the_template() {
    let output = run(Command::new(tool("cfn-lint")).arg(TEMPLATE));
    assert!(
        output.status.success(),
        "cfn-lint {TEMPLATE} failed:\n{}",
        describe(&output)
    );
}

/// Every `ignore_checks` of cfn-lint in the template is preceded by a comment that explains it.
#[test]
fn cfn_lint_suppressions_are_explained() {
    let text = read(TEMPLATE);
    let lines: Vec<&str> = text.lines().collect();
    for (i, line) in lines.iter().enumerate() {
        if line.contains("ignore_checks") {
            let explained = i > 0 && lines[i - 1].trim_start().starts_with('#');
            assert!(
                explained,
                "{TEMPLATE}:{}: cfn-lint ignore without a comment above",
                i + 1
            );
        }
    }
}

/// Runs checkov on `path` and returns (failed, skipped) check records.
fn checkov(path: &Path) -> (Vec<Value>, Vec<Value>) {
    let output = run(Command::new(tool("checkov"))
        .arg("--file")
        .arg(path)
        .args([
            "--framework",
            "cloudformation",
            "--output",
            "json",
            "--skip-download",
        ])
        .env("BC_SKIP_MAPPING", "TRUE"));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "checkov printed no JSON report ({e}):\n{}",
            describe(&output)
        )
    });
    let reports = as_list(&report);
    assert!(
        !reports.is_empty(),
        "checkov found nothing to scan in {}",
        path.display()
    );
    let mut failed = Vec::new();
    let mut skipped = Vec::new();
    let mut passed = 0;
    for r in reports {
        assert_eq!(
            r["check_type"], "cloudformation",
            "unexpected checkov report: {r}"
        );
        let results = &r["results"];
        failed.extend(as_list(&results["failed_checks"]).into_iter().cloned());
        skipped.extend(as_list(&results["skipped_checks"]).into_iter().cloned());
        passed += as_list(&results["passed_checks"]).len();
    }
    assert!(
        passed > 0,
        "checkov passed no check at all on {}: did it parse?",
        path.display()
    );
    (failed, skipped)
}

fn assert_checkov_clean(path: &Path, label: &str) {
    let (failed, skipped) = checkov(path);
    let failures: Vec<String> = failed
        .iter()
        .map(|c| format!("{} {} ({})", c["check_id"], c["resource"], c["check_name"]))
        .collect();
    assert!(
        failures.is_empty(),
        "checkov findings on {label}:\n{}",
        failures.join("\n")
    );
    for check in &skipped {
        let comment = check["check_result"]["suppress_comment"]
            .as_str()
            .unwrap_or_default();
        assert!(
            comment.trim().len() > 20,
            "checkov skip {} on {} in {label} has no real explanation: {comment:?}",
            check["check_id"],
            check["resource"]
        );
    }
}

#[test]
fn checkov_passes_with_explained_skips_only() {
    assert_checkov_clean(&repo_path(TEMPLATE), TEMPLATE);
}

/// checkov resolves Conditions with the parameter defaults, so the optional resources (Kinesis
/// buffering, account-policy mode, CloudTrail trail, optional alarms, email subscription) are
/// only scanned in a copy of the template whose defaults switch them on.
#[test]
fn checkov_passes_with_every_optional_resource_switched_on() {
    let switched = read(TEMPLATE)
        .replace(
            "    Default: lambda\n    AllowedValues: [lambda, kinesis]",
            "    Default: kinesis\n    AllowedValues: [lambda, kinesis]",
        )
        .replace(
            "    Default: per-group\n    AllowedValues: [per-group, account-policy]",
            "    Default: account-policy\n    AllowedValues: [per-group, account-policy]",
        )
        .replace(
            "  CreateCloudTrail:\n    Type: String\n    Default: \"false\"",
            "  CreateCloudTrail:\n    Type: String\n    Default: \"true\"",
        )
        .replace(
            "  WorkloadAlarms:\n    Type: String\n    Default: \"false\"",
            "  WorkloadAlarms:\n    Type: String\n    Default: \"true\"",
        )
        .replace(
            "  NoLogsAlarmHours:\n    Type: Number\n    Default: 0\n",
            "  NoLogsAlarmHours:\n    Type: Number\n    Default: 6\n",
        )
        .replace(
            "  AlarmEmail:\n    Type: String\n    Default: \"\"",
            "  AlarmEmail:\n    Type: String\n    Default: oncall@example.com",
        );
    assert_eq!(
        switched.matches("Default: kinesis").count(),
        1,
        "DeliveryMode default not found"
    );
    assert_eq!(
        switched.matches("Default: account-policy").count(),
        1,
        "SubscribeMode not found"
    );
    assert!(
        switched.contains("Type: String\n    Default: \"true\""),
        "CreateCloudTrail not found"
    );
    for switched_on in [
        "  WorkloadAlarms:\n    Type: String\n    Default: \"true\"",
        "  NoLogsAlarmHours:\n    Type: Number\n    Default: 6\n",
        "Default: oncall@example.com",
    ] {
        assert!(
            switched.contains(switched_on),
            "not switched: {switched_on}"
        );
    }
    let dir = std::env::temp_dir().join(format!("shiplog-infra-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("template-all-options.yaml");
    std::fs::write(&path, switched).unwrap();
    assert_checkov_clean(&path, "the template with every option on");
    let _ = std::fs::remove_dir_all(&dir);
}

/// Every checkov skip in the template's Metadata carries a comment.
#[test]
fn checkov_skips_in_metadata_all_have_comments() {
    let mut skips = 0;
    for (id, resource) in resources() {
        for skip in as_list(&resource["Metadata"]["checkov"]["skip"]) {
            skips += 1;
            let comment = skip["comment"].as_str().unwrap_or_default();
            assert!(
                comment.len() > 20,
                "{id}: checkov skip {} has no explanation",
                skip["id"]
            );
        }
    }
    assert!(
        skips > 0,
        "no checkov skips found: the walk is broken or Metadata moved"
    );
}

// --------------------------------------------------------------------------- template promises

#[test]
fn functions_are_built_from_source_with_cargo_lambda_for_arm64() {
    for binary in [SHIP_LOGS_BINARY, SUBSCRIBE_BINARY] {
        let (id, function) = function_by_binary(binary);
        assert_eq!(
            function["Metadata"]["BuildMethod"], "rust-cargolambda",
            "{id}"
        );
        let props = &function["Properties"];
        assert_eq!(props["Runtime"], "provided.al2023", "{id}");
        assert_eq!(props["Handler"], "bootstrap", "{id}");
        assert_eq!(props["Architectures"], json!(["arm64"]), "{id}");
        // cargo-lambda runs in CodeUri and SAM copies target/lambda/<Binary>/bootstrap from there,
        // so CodeUri must be the workspace root (where target/ lives).
        let code_uri = props["CodeUri"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: CodeUri"));
        let manifest = repo_path("infra").join(code_uri).join("Cargo.toml");
        let manifest_text = std::fs::read_to_string(&manifest)
            .unwrap_or_else(|e| panic!("{id}: CodeUri {code_uri} has no Cargo.toml: {e}"));
        assert!(
            manifest_text.contains("[workspace]"),
            "{id}: CodeUri must be the workspace root"
        );
    }
}

#[test]
fn create_log_group_rule_matches_successful_cloudtrail_create_log_group_only() {
    let patterned: Vec<_> = resources_of_type("AWS::Events::Rule")
        .into_iter()
        .filter(|(_, r)| !r["Properties"]["EventPattern"].is_null())
        .collect();
    assert_eq!(
        patterned.len(),
        1,
        "exactly one event-pattern rule expected"
    );
    let (id, rule) = patterned[0];
    let expected = json!({
        "source": ["aws.logs"],
        "detail-type": ["AWS API Call via CloudTrail"],
        "detail": {
            "eventSource": ["logs.amazonaws.com"],
            "eventName": ["CreateLogGroup"],
            "errorCode": [{"exists": false}],
        },
    });
    assert_eq!(rule["Properties"]["EventPattern"], expected, "{id}");
    assert_eq!(rule["Properties"]["State"], "ENABLED", "{id}");
    let (subscribe_id, _) = function_by_binary(SUBSCRIBE_BINARY);
    assert!(
        referenced_ids(&rule["Properties"]["Targets"]).contains(subscribe_id),
        "{id}"
    );
}

#[test]
fn hourly_schedule_runs_the_reconcile() {
    let (subscribe_id, _) = function_by_binary(SUBSCRIBE_BINARY);
    let hourly: Vec<_> = resources_of_type("AWS::Events::Rule")
        .into_iter()
        .filter(|(_, r)| {
            let expr = r["Properties"]["ScheduleExpression"]
                .as_str()
                .unwrap_or_default();
            expr == "rate(1 hour)" || expr == "rate(60 minutes)"
        })
        .collect();
    assert_eq!(hourly.len(), 1, "one hourly schedule rule expected");
    assert!(referenced_ids(&hourly[0].1["Properties"]["Targets"]).contains(subscribe_id));
}

#[test]
fn every_rule_may_invoke_subscribe_through_its_own_permission() {
    let (subscribe_id, _) = function_by_binary(SUBSCRIBE_BINARY);
    for (rule_id, _) in resources_of_type("AWS::Events::Rule") {
        let granted = resources_of_type("AWS::Lambda::Permission")
            .into_iter()
            .any(|(_, p)| {
                let props = &p["Properties"];
                props["Principal"] == "events.amazonaws.com"
                    && referenced_ids(&props["SourceArn"]).contains(rule_id)
                    && referenced_ids(&props["FunctionName"]).contains(subscribe_id)
            });
        assert!(
            granted,
            "rule {rule_id} has no lambda permission scoped to it"
        );
    }
}

#[test]
fn exactly_one_account_wide_permission_lets_cloudwatch_logs_invoke_ship_logs() {
    let logs: Vec<_> = resources_of_type("AWS::Lambda::Permission")
        .into_iter()
        .filter(|(_, p)| p["Properties"]["Principal"] == "logs.amazonaws.com")
        .collect();
    assert_eq!(
        logs.len(),
        1,
        "one permission for logs.amazonaws.com, never one per log group"
    );
    let (id, permission) = logs[0];
    let props = &permission["Properties"];
    assert_eq!(props["Action"], "lambda:InvokeFunction", "{id}");
    assert_eq!(
        props["SourceAccount"],
        json!({"Ref": "AWS::AccountId"}),
        "{id}"
    );
    let source_arn = props["SourceArn"]["Fn::Sub"].as_str().unwrap_or_default();
    assert!(
        [
            "arn:${AWS::Partition}:logs:${AWS::Region}:${AWS::AccountId}:log-group:*",
            "arn:aws:logs:${AWS::Region}:${AWS::AccountId}:log-group:*",
        ]
        .contains(&source_arn),
        "{id}: SourceArn must be every log group of this account and region, got {}",
        props["SourceArn"]
    );
    let (ship_logs_id, _) = function_by_binary(SHIP_LOGS_BINARY);
    assert!(
        referenced_ids(&props["FunctionName"]).contains(ship_logs_id),
        "{id}"
    );
    // A SAM CloudWatchLogs event source would add one permission per log group.
    for (fid, function) in resources_of_type("AWS::Serverless::Function") {
        for (_, event) in function["Properties"]["Events"]
            .as_object()
            .into_iter()
            .flatten()
        {
            assert_ne!(
                event["Type"], "CloudWatchLogs",
                "{fid}: per-group SAM log event source"
            );
        }
    }
}

#[test]
fn every_lambda_permission_is_scoped_by_source() {
    let permissions = resources_of_type("AWS::Lambda::Permission");
    assert!(
        permissions.len() >= 3,
        "expected the logs permission and one per rule"
    );
    for (id, permission) in permissions {
        let props = &permission["Properties"];
        assert!(
            !props["SourceArn"].is_null() || !props["SourceAccount"].is_null(),
            "{id}: a service permission without SourceArn/SourceAccount"
        );
    }
}

/// No statement grants `*` or `service:*`-style actions, and no Allow uses NotAction. The only
/// wildcard allowed is inside a TLS-only Deny (`aws:SecureTransport: false`), which can only
/// take access away.
#[test]
fn no_policy_statement_grants_wildcard_actions() {
    let statements = policy_statements();
    assert!(
        statements.len() >= 15,
        "found only {} statements: walk broken?",
        statements.len()
    );
    for statement in statements {
        if is_tls_only_deny(statement) {
            continue;
        }
        if statement["Effect"] == "Allow" {
            assert!(
                statement["NotAction"].is_null(),
                "Allow with NotAction: {statement}"
            );
        }
        for action in actions_of(statement) {
            assert!(
                action != "*" && !action.ends_with('*'),
                "wildcard action {action:?} in {statement}"
            );
        }
    }
}

/// `Resource: "*"` only for actions that have no resource type, and PutMetricData only within
/// shiplog's namespaces.
#[test]
fn wildcard_resources_only_for_actions_without_resource_types() {
    let mut saw_put_metric_data = false;
    for statement in policy_statements() {
        if statement["Effect"] != "Allow" || statement.get("Principal").is_some() {
            continue;
        }
        let actions = actions_of(statement);
        if actions.iter().any(|a| a == "cloudwatch:PutMetricData") {
            saw_put_metric_data = true;
            let namespaces = &statement["Condition"]["StringLike"]["cloudwatch:namespace"];
            assert!(
                !namespaces.is_null(),
                "PutMetricData without a namespace condition"
            );
            assert!(
                referenced_ids(namespaces).contains("MetricsNamespace"),
                "{statement}"
            );
        }
        if as_list(&statement["Resource"]).iter().any(|r| *r == "*") {
            for action in &actions {
                assert!(
                    ACTIONS_WITHOUT_RESOURCE_TYPE.contains(&action.as_str()),
                    "{action} is granted on every resource: {statement}"
                );
            }
        }
    }
    assert!(
        saw_put_metric_data,
        "ship-logs must be allowed to publish metrics"
    );
}

/// The exact grants issue 7 lists, each on its one resource.
#[test]
fn ship_logs_and_subscribe_get_exactly_the_listed_permissions() {
    let allows: Vec<&Value> = policy_statements()
        .into_iter()
        .filter(|s| s["Effect"] == "Allow")
        .collect();
    let granted = |action: &str| -> Vec<&Value> {
        allows
            .iter()
            .copied()
            .filter(|s| actions_of(s).iter().any(|a| a == action))
            .collect()
    };
    let resource_text = |s: &Value| s["Resource"].to_string();

    for action in ["es:ESHttpPost", "es:ESHttpPut", "es:ESHttpGet"] {
        let statements = granted(action);
        assert_eq!(statements.len(), 1, "{action}");
        let resource = resource_text(statements[0]);
        assert!(
            resource.contains(":domain/${OpenSearchDomainName}/*"),
            "{action}: {resource}"
        );
    }
    let aoss = granted("aoss:APIAccessAll");
    assert_eq!(aoss.len(), 1);
    assert!(resource_text(aoss[0]).contains(":collection/${OpenSearchCollectionId}"));
    let put_object = granted("s3:PutObject");
    let dead_letter = put_object
        .iter()
        .find(|s| referenced_ids(&s["Resource"]).contains("DeadLetterBucket"))
        .map(|s| resource_text(s))
        .unwrap_or_default();
    assert!(
        dead_letter.contains("${DeadLetterBucket.Arn}/${DeadLetterPrefix}*"),
        "{dead_letter}"
    );

    for action in [
        "logs:DescribeLogGroups",
        "logs:DescribeSubscriptionFilters",
        "logs:PutSubscriptionFilter",
        "logs:DeleteSubscriptionFilter",
        "logs:ListTagsForResource",
        "logs:PutRetentionPolicy",
    ] {
        let statements = granted(action);
        assert_eq!(statements.len(), 1, "{action}");
        assert!(
            resource_text(statements[0]).contains(":log-group:*"),
            "{action}"
        );
    }

    // lambda:InvokeFunction only on subscribe itself, by its fixed name (no circular GetAtt).
    let invoke = granted("lambda:InvokeFunction");
    assert_eq!(
        invoke.len(),
        1,
        "lambda:InvokeFunction granted more than once"
    );
    let (_, subscribe) = function_by_binary(SUBSCRIBE_BINARY);
    let name = subscribe["Properties"]["FunctionName"]["Fn::Sub"]
        .as_str()
        .unwrap_or_default();
    assert!(
        !name.is_empty(),
        "subscribe needs a fixed FunctionName for its self-invoke ARN"
    );
    let arn = invoke[0]["Resource"]["Fn::Sub"]
        .as_str()
        .unwrap_or_default();
    assert_eq!(
        arn.rsplit_once(":function:").map(|(_, n)| n),
        Some(name),
        "{arn}"
    );
}

#[test]
fn both_own_log_groups_are_created_short_lived_and_never_subscribed() {
    let (ship_logs_id, ship_logs) = function_by_binary(SHIP_LOGS_BINARY);
    let (subscribe_id, subscribe) = function_by_binary(SUBSCRIBE_BINARY);
    let mut own_groups = Vec::new();
    for (id, function) in [(ship_logs_id, ship_logs), (subscribe_id, subscribe)] {
        let props = &function["Properties"];
        let group_id = props["LoggingConfig"]["LogGroup"]["Ref"]
            .as_str()
            .unwrap_or_else(|| panic!("{id}: LoggingConfig.LogGroup must !Ref its log group"));
        let group = &resources()[group_id];
        assert_eq!(group["Type"], "AWS::Logs::LogGroup", "{group_id}");
        let function_name = props["FunctionName"]["Fn::Sub"]
            .as_str()
            .unwrap_or_default();
        assert_eq!(
            group["Properties"]["LogGroupName"]["Fn::Sub"],
            format!("/aws/lambda/{function_name}"),
            "{group_id} must be the function's default log group name"
        );
        assert_retention_is_short(group_id, &group["Properties"]["RetentionInDays"]);
        own_groups.push(group_id.to_owned());
    }
    // subscribe's exclusion (and ship-logs' loop guard) name both groups.
    for (id, function) in [(subscribe_id, subscribe), (ship_logs_id, ship_logs)] {
        let own = &function["Properties"]["Environment"]["Variables"]["OWN_LOG_GROUPS"];
        let named = referenced_ids(own);
        for group in &own_groups {
            assert!(
                named.contains(group),
                "{id}: OWN_LOG_GROUPS does not exclude {group}: {own}"
            );
        }
    }
}

fn assert_retention_is_short(group_id: &str, retention: &Value) {
    let days = match retention {
        Value::Number(n) => vec![n.as_i64().unwrap_or(i64::MAX)],
        Value::Object(o) => {
            let param = o["Ref"]
                .as_str()
                .unwrap_or_else(|| panic!("{group_id}: retention"));
            let spec = &TEMPLATE_JSON["Parameters"][param];
            let allowed = as_list(&spec["AllowedValues"]);
            assert!(
                !allowed.is_empty(),
                "{group_id}: {param} must restrict its AllowedValues"
            );
            allowed
                .iter()
                .map(|v| v.as_i64().unwrap_or(i64::MAX))
                .collect()
        }
        other => panic!("{group_id}: RetentionInDays missing or odd: {other}"),
    };
    assert!(
        days.iter()
            .all(|d| (1..=MAX_OWN_LOG_RETENTION_DAYS).contains(d)),
        "{group_id}: retention must be short (never infinite): {days:?}"
    );
}

#[test]
fn environment_names_match_the_configuration_contract() {
    for (binary, allowed, required) in [
        (
            SHIP_LOGS_BINARY,
            SHIP_LOGS_ENV,
            &[
                "OPENSEARCH_AUTH",
                "INDEX_PREFIX",
                "METRICS_NAMESPACE",
                "METRICS_MODE",
                "DEAD_LETTER_BUCKET",
                "OWN_LOG_GROUPS",
            ][..],
        ),
        (
            SUBSCRIBE_BINARY,
            SUBSCRIBE_ENV,
            &[
                "DESTINATION_ARN",
                "FILTER_NAME",
                "FILTER_PATTERN",
                "OWN_LOG_GROUPS",
                "SUBSCRIPTION_MODE",
            ][..],
        ),
    ] {
        let (id, function) = function_by_binary(binary);
        let vars = function["Properties"]["Environment"]["Variables"]
            .as_object()
            .unwrap_or_else(|| panic!("{id}: no environment"));
        for name in vars.keys() {
            assert!(
                allowed.contains(&name.as_str()),
                "{id}: unexpected env var {name}"
            );
        }
        for name in required {
            assert!(vars.contains_key(*name), "{id}: missing env var {name}");
        }
    }
    let (_, ship_logs) = function_by_binary(SHIP_LOGS_BINARY);
    let vars = &ship_logs["Properties"]["Environment"]["Variables"];
    assert!(!vars["OPENSEARCH_ENDPOINT"].is_null() && !vars["OPENSEARCH_DOMAIN"].is_null());
}

static SECRET_LOOKING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE|CREDENTIAL|AUTH_HEADER)")
        .unwrap()
});

/// A secret-looking variable may only carry a reference (an ARN from a parameter), never a
/// literal; and no variable is named like a password at all.
#[test]
fn no_secret_looking_environment_variable_holds_a_literal() {
    let functions = resources_of_type("AWS::Serverless::Function")
        .into_iter()
        .chain(resources_of_type("AWS::Lambda::Function"));
    let mut checked = 0;
    for (id, function) in functions {
        let vars = function["Properties"]["Environment"]["Variables"].as_object();
        for (name, value) in vars.into_iter().flatten() {
            checked += 1;
            assert!(!name.to_uppercase().contains("PASSWORD"), "{id}: {name}");
            if SECRET_LOOKING.is_match(name) {
                assert!(!value.is_string(), "{id}: {name} holds a literal value");
                assert!(
                    !referenced_ids(value).is_empty(),
                    "{id}: {name} must reference its ARN"
                );
            }
        }
    }
    assert!(checked >= 15, "only {checked} environment variables found");
    for (name, spec) in TEMPLATE_JSON["Parameters"]
        .as_object()
        .into_iter()
        .flatten()
    {
        assert!(
            !name.to_uppercase().contains("PASSWORD"),
            "parameter {name}: passwords belong in Secrets Manager"
        );
        if SECRET_LOOKING.is_match(name) {
            let pattern = spec["AllowedPattern"].as_str().unwrap_or_default();
            assert!(
                pattern.contains("secretsmanager"),
                "{name} must only accept a secret ARN"
            );
        }
    }
}

#[test]
fn buckets_are_encrypted_private_tls_only_and_expiring() {
    let buckets = resources_of_type("AWS::S3::Bucket");
    assert!(!buckets.is_empty());
    let policies = resources_of_type("AWS::S3::BucketPolicy");
    for (id, bucket) in buckets {
        let props = &bucket["Properties"];
        let rules = as_list(&props["BucketEncryption"]["ServerSideEncryptionConfiguration"]);
        assert!(!rules.is_empty(), "{id}: no default encryption");
        for rule in rules {
            let algorithm = &rule["ServerSideEncryptionByDefault"]["SSEAlgorithm"];
            assert!(
                *algorithm == "aws:kms" || *algorithm == "AES256",
                "{id}: {algorithm}"
            );
        }
        let block = &props["PublicAccessBlockConfiguration"];
        for flag in [
            "BlockPublicAcls",
            "BlockPublicPolicy",
            "IgnorePublicAcls",
            "RestrictPublicBuckets",
        ] {
            assert_eq!(block[flag], true, "{id}: {flag}");
        }
        let expiring = as_list(&props["LifecycleConfiguration"]["Rules"])
            .iter()
            .any(|r| r["Status"] == "Enabled" && !r["ExpirationInDays"].is_null());
        assert!(expiring, "{id}: objects must expire");
        let tls_only = policies.iter().any(|(_, p)| {
            referenced_ids(&p["Properties"]["Bucket"]).contains(id)
                && as_list(&p["Properties"]["PolicyDocument"]["Statement"])
                    .iter()
                    .any(|s| is_tls_only_deny(s))
        });
        assert!(
            tls_only,
            "{id}: no bucket policy denying requests without TLS"
        );
    }
}

#[test]
fn failed_async_invocations_land_in_an_encrypted_queue() {
    for binary in [SHIP_LOGS_BINARY, SUBSCRIBE_BINARY] {
        let (id, function) = function_by_binary(binary);
        let on_failure =
            &function["Properties"]["EventInvokeConfig"]["DestinationConfig"]["OnFailure"];
        assert_eq!(on_failure["Type"], "SQS", "{id}");
        let queue_ids = referenced_ids(&on_failure["Destination"]);
        let queue_id = queue_ids
            .iter()
            .next()
            .unwrap_or_else(|| panic!("{id}: no queue"));
        let queue = &resources()[queue_id.as_str()];
        assert_eq!(queue["Type"], "AWS::SQS::Queue", "{queue_id}");
        let props = &queue["Properties"];
        assert!(
            props["SqsManagedSseEnabled"] == true || !props["KmsMasterKeyId"].is_null(),
            "{queue_id} must be encrypted"
        );
    }
}

#[test]
fn kinesis_buffering_and_cloudtrail_trail_are_optional() {
    for kind in ["AWS::Kinesis::Stream", "AWS::Lambda::EventSourceMapping"] {
        let found = resources_of_type(kind);
        assert_eq!(found.len(), 1, "{kind}");
        assert_eq!(found[0].1["Condition"], "IsKinesis", "{kind}");
    }
    let (_, mapping) = resources_of_type("AWS::Lambda::EventSourceMapping")[0];
    let props = &mapping["Properties"];
    assert_eq!(
        props["FunctionResponseTypes"],
        json!(["ReportBatchItemFailures"])
    );
    assert!(!props["DestinationConfig"]["OnFailure"]["Destination"].is_null());
    let stream = resources_of_type("AWS::Kinesis::Stream")[0].1;
    assert_eq!(
        stream["Properties"]["StreamEncryption"]["EncryptionType"],
        "KMS"
    );

    let trails = resources_of_type("AWS::CloudTrail::Trail");
    assert_eq!(trails.len(), 1);
    let (trail_id, trail) = trails[0];
    assert_eq!(trail["Condition"], "CreatesTrail", "{trail_id}");
    let selectors = as_list(&trail["Properties"]["EventSelectors"]);
    assert!(
        selectors
            .iter()
            .any(|s| s["IncludeManagementEvents"] == true),
        "{trail_id}"
    );
    let bucket_ids = referenced_ids(&trail["Properties"]["S3BucketName"]);
    let bucket_id = bucket_ids
        .iter()
        .next()
        .unwrap_or_else(|| panic!("{trail_id}: bucket"));
    assert_eq!(
        resources()[bucket_id.as_str()]["Condition"],
        "CreatesTrail",
        "its own bucket"
    );
}

#[test]
fn backfill_runs_subscribe_on_deploy_after_the_permission_exists() {
    let custom: Vec<_> = resources()
        .iter()
        .filter(|(_, r)| r["Type"].as_str().is_some_and(is_custom))
        .collect();
    assert_eq!(custom.len(), 1, "one custom resource (the backfill)");
    let (id, backfill) = custom[0];
    let (subscribe_id, _) = function_by_binary(SUBSCRIBE_BINARY);
    let props = &backfill["Properties"];
    assert!(
        referenced_ids(&props["ServiceToken"]).contains(subscribe_id),
        "{id}"
    );
    let (permission_id, _) = resources_of_type("AWS::Lambda::Permission")
        .into_iter()
        .find(|(_, p)| p["Properties"]["Principal"] == "logs.amazonaws.com")
        .unwrap_or_else(|| panic!("no logs permission"));
    let depends = as_list(&backfill["DependsOn"]);
    assert!(
        depends.iter().any(|d| *d == permission_id),
        "{id} must wait for {permission_id}"
    );
    assert_eq!(
        props["CleanupOnDelete"],
        json!({"Ref": "CleanupOnDelete"}),
        "{id}"
    );
}

fn is_custom(kind: &str) -> bool {
    kind.starts_with("Custom::") || kind == "AWS::CloudFormation::CustomResource"
}

#[test]
fn opensearch_parameters_cover_endpoint_domain_auth_and_prefixes() {
    let params = TEMPLATE_JSON["Parameters"].as_object().unwrap();
    for name in [
        "OpenSearchEndpoint",
        "OpenSearchDomainName",
        "OpenSearchAuth",
        "OpenSearchSecretArn",
        "IndexPrefix",
        "MetricsNamespace",
        "MetricsMode",
        "OwnLogRetentionDays",
        "IncludePrefixes",
        "ExcludePrefixes",
        "DeliveryMode",
        "CreateCloudTrail",
        "CleanupOnDelete",
    ] {
        assert!(params.contains_key(name), "parameter {name} missing");
    }
    assert_eq!(
        params["OpenSearchAuth"]["AllowedValues"],
        json!(["sigv4", "sigv4-aoss", "basic", "none"])
    );
    assert_eq!(
        params["MetricsMode"]["AllowedValues"],
        json!(["put-metric-data", "emf", "off"])
    );
    assert_eq!(params["IndexPrefix"]["Default"], "shiplog");
}

// ------------------------------------------------------------------------- OpenSearch assets

/// The lines of fields.txt (one dotted field per line; `x.*` = any key under the object `x`).
fn field_list() -> Vec<String> {
    read(FIELDS)
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether a document field name is covered by fields.txt (exactly, or under an `x.*` entry;
/// `x` itself is the object root of such an entry).
fn field_allowed(fields: &[String], name: &str) -> bool {
    fields.iter().any(|f| match f.strip_suffix(".*") {
        Some(root) => name == root || name.strip_prefix(root).is_some_and(|r| r.starts_with('.')),
        None => f == name,
    })
}

#[test]
fn fields_txt_lists_every_spec_field_once() {
    let fields = field_list();
    let unique: BTreeSet<&String> = fields.iter().collect();
    assert_eq!(unique.len(), fields.len(), "duplicate lines in {FIELDS}");
    for spec in SPEC_FIELDS {
        assert!(
            fields.iter().any(|f| f == spec),
            "{FIELDS} lacks SPEC field {spec}"
        );
    }
    for field in &fields {
        let valid = field.split('.').enumerate().all(|(i, part)| {
            !part.is_empty()
                && (part == "*" && i > 0
                    || part
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "_@".contains(c)))
        });
        assert!(valid, "{FIELDS}: malformed field {field:?}");
    }
}

#[test]
fn index_template_maps_exactly_the_fields_in_fields_txt() {
    let template = read_json(INDEX_TEMPLATE);
    assert_eq!(template["index_patterns"], json!([INDEX_PATTERN]));
    assert!(
        template["version"].as_u64().is_some_and(|v| v >= 1),
        "template needs a version"
    );
    let mappings = &template["template"]["mappings"];
    assert_eq!(
        mappings["dynamic"], false,
        "unknown fields must not create mappings"
    );
    let mut leaves = BTreeMap::new();
    mapped_leaves(&mappings["properties"], "", &mut leaves);

    let fields = field_list();
    let mut mapped_names = BTreeSet::new();
    for (name, kind) in &leaves {
        let listed = if kind == "flat_object" {
            format!("{name}.*")
        } else {
            name.clone()
        };
        assert!(
            fields.contains(&listed),
            "index template maps {listed} ({kind}), not in {FIELDS}"
        );
        mapped_names.insert(listed);
    }
    for field in &fields {
        assert!(
            mapped_names.contains(field),
            "{FIELDS} lists {field}, the template does not map it"
        );
    }
    // User JSON can never reject a document through a type conflict.
    assert_eq!(leaves["attributes.fields"], "flat_object");
    for (name, kind) in [
        ("@timestamp", "date"),
        ("observedTimestamp", "date"),
        ("body", "match_only_text"),
        ("severity.number", "integer"),
        ("attributes.faas.coldstart", "boolean"),
        ("attributes.aws.lambda.duration_ms", "double"),
        ("resource.faas.name", "keyword"),
        ("traceId", "keyword"),
    ] {
        assert_eq!(leaves[name], kind, "{name}");
    }
}

#[test]
fn ism_policy_deletes_shiplog_indices_after_n_days() {
    let policy = read_json(ISM_POLICY);
    let policy = &policy["policy"];
    let patterns: Vec<&Value> = as_list(&policy["ism_template"])
        .into_iter()
        .flat_map(|t| as_list(&t["index_patterns"]))
        .collect();
    assert!(
        patterns.iter().any(|p| *p == INDEX_PATTERN),
        "ism_template: {patterns:?}"
    );
    // The span indices age out with the logs they point at.
    let span_pattern = format!("{}{INDEX_PATTERN}", shiplog::span::SPAN_INDEX_FAMILY);
    assert!(
        patterns.iter().any(|p| **p == span_pattern),
        "ism_template: {patterns:?}"
    );
    let states = as_list(&policy["states"]);
    let names: BTreeSet<&str> = states.iter().filter_map(|s| s["name"].as_str()).collect();
    assert!(names.contains(policy["default_state"].as_str().unwrap_or_default()));
    let delete_state = states
        .iter()
        .find(|s| {
            as_list(&s["actions"])
                .iter()
                .any(|a| a.get("delete").is_some())
        })
        .unwrap_or_else(|| panic!("no state deletes the index"));
    let age = states
        .iter()
        .flat_map(|s| as_list(&s["transitions"]))
        .find(|t| t["state_name"] == delete_state["name"])
        .and_then(|t| t["conditions"]["min_index_age"].as_str())
        .unwrap_or_default();
    assert!(
        Regex::new(r"^[1-9][0-9]*d$").unwrap().is_match(age),
        "min_index_age {age:?}"
    );
}

/// The index-management plugin (ISM) is not published on Maven Central, so the real test node
/// cannot run the policy: its JSON is checked against the policy schema OpenSearch documents
/// ("Index State Management > Policies": policy fields, states, actions, transitions and their
/// conditions, ism_template). A key the plugin does not know would make `PUT
/// _plugins/_ism/policies` fail on a real domain.
#[test]
fn ism_policy_uses_only_the_documented_policy_schema() {
    const POLICY_KEYS: &[&str] = &[
        "description",
        "default_state",
        "states",
        "ism_template",
        "error_notification",
    ];
    const STATE_KEYS: &[&str] = &["name", "actions", "transitions"];
    const ACTIONS: &[&str] = &[
        "force_merge",
        "read_only",
        "read_write",
        "replica_count",
        "shrink",
        "close",
        "open",
        "delete",
        "rollover",
        "notification",
        "snapshot",
        "index_priority",
        "allocation",
        "rollup",
        "transform",
        "convert_index_to_remote",
        "alias",
    ];
    const ACTION_SETTINGS: &[&str] = &["timeout", "retry"];
    const TRANSITION_KEYS: &[&str] = &["state_name", "conditions"];
    const CONDITIONS: &[&str] = &[
        "min_index_age",
        "min_rollover_age",
        "min_doc_count",
        "min_size",
        "cron",
    ];
    const TEMPLATE_KEYS: &[&str] = &["index_patterns", "priority", "last_updated_time"];
    let age = Regex::new(r"^[1-9][0-9]*(d|h|m|s|ms|micros|nanos)$").unwrap();
    let keys_within = |what: &str, v: &Value, allowed: &[&str]| {
        let obj = v
            .as_object()
            .unwrap_or_else(|| panic!("{what} is not an object: {v}"));
        for k in obj.keys() {
            assert!(allowed.contains(&k.as_str()), "{what}: unknown key {k:?}");
        }
    };
    let doc = read_json(ISM_POLICY);
    keys_within("the file", &doc, &["policy"]);
    let policy = &doc["policy"];
    keys_within("policy", policy, POLICY_KEYS);
    assert!(policy["description"]
        .as_str()
        .is_some_and(|d| !d.is_empty()));
    let states = policy["states"].as_array().expect("states is a list");
    assert!(!states.is_empty());
    let names: Vec<&str> = states.iter().filter_map(|s| s["name"].as_str()).collect();
    assert_eq!(names.len(), states.len(), "every state has a name");
    for state in states {
        keys_within("state", state, STATE_KEYS);
        for action in state["actions"].as_array().expect("actions is a list") {
            let obj = action.as_object().expect("an action is an object");
            let kinds: Vec<&String> = obj
                .keys()
                .filter(|k| !ACTION_SETTINGS.contains(&k.as_str()))
                .collect();
            assert_eq!(kinds.len(), 1, "one action per entry: {action}");
            assert!(
                ACTIONS.contains(&kinds[0].as_str()),
                "unknown action {action}"
            );
        }
        for t in state["transitions"]
            .as_array()
            .expect("transitions is a list")
        {
            keys_within("transition", t, TRANSITION_KEYS);
            let target = t["state_name"].as_str().unwrap_or_default();
            assert!(
                names.contains(&target),
                "transition to unknown state {target:?}"
            );
            if let Some(c) = t.get("conditions") {
                keys_within("conditions", c, CONDITIONS);
                if let Some(a) = c.get("min_index_age") {
                    assert!(
                        age.is_match(a.as_str().unwrap_or_default()),
                        "min_index_age {a}"
                    );
                }
            }
        }
    }
    for t in policy["ism_template"]
        .as_array()
        .expect("ism_template is a list")
    {
        keys_within("ism_template", t, TEMPLATE_KEYS);
        assert!(t["index_patterns"]
            .as_array()
            .is_some_and(|p| !p.is_empty()));
        assert!(
            t["priority"].as_u64().is_some(),
            "priority is a whole number: {t}"
        );
    }
}

/// One saved object with its field references, for error messages.
struct FieldRefs {
    object: String,
    fields: BTreeSet<String>,
}

static KQL_FIELD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"([A-Za-z_@][A-Za-z0-9_.@-]*)\s*(?::|<=|>=|<|>)").unwrap());
static QUOTED: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#""(?:[^"\\]|\\.)*""#).unwrap());
static PAINLESS_DOC: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"doc\[\s*['"]([^'"]+)['"]\s*\]"#).unwrap());

/// Field names a KQL query names (quoted values removed first).
fn kql_fields(query: &str) -> BTreeSet<String> {
    let unquoted = QUOTED.replace_all(query, "\"\"");
    KQL_FIELD
        .captures_iter(&unquoted)
        .map(|c| c[1].to_owned())
        .collect()
}

fn parse_embedded(object: &str, key: &str, text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{object}: {key} is not JSON: {e}"))
}

/// Field references inside a searchSourceJSON: the query's fields, filter keys and the index
/// reference (which must resolve to the index pattern).
fn search_source_fields(object: &str, saved: &Value, out: &mut BTreeSet<String>) {
    let text = saved["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"]
        .as_str()
        .unwrap_or_else(|| panic!("{object}: no searchSourceJSON"));
    let source = parse_embedded(object, "searchSourceJSON", text);
    let query = source["query"]["query"].as_str().unwrap_or_default();
    assert_eq!(source["query"]["language"], "kuery", "{object}");
    let named = kql_fields(query);
    assert!(
        query.trim().is_empty() || !named.is_empty(),
        "{object}: unparsed query {query:?}"
    );
    out.extend(named);
    for filter in as_list(&source["filter"]) {
        if let Some(key) = filter["meta"]["key"].as_str() {
            out.insert(key.to_owned());
        }
        walk(&filter["query"], &mut |v| {
            if let Some(field) = v.get("field").and_then(Value::as_str) {
                out.insert(field.to_owned());
            }
        });
    }
    if let Some(ref_name) = source["indexRefName"].as_str() {
        let resolved = as_list(&saved["references"])
            .into_iter()
            .any(|r| r["name"] == ref_name && r["type"] == "index-pattern");
        assert!(
            resolved,
            "{object}: index reference {ref_name} does not resolve"
        );
    }
}

fn saved_objects() -> Vec<Value> {
    read(SAVED_OBJECTS)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("{SAVED_OBJECTS}:{}: {e}", i + 1))
        })
        .collect()
}

/// Fields each saved object references; the index pattern's scripted fields (checked against
/// fields.txt through their scripts) are returned as extra allowed names.
fn saved_object_field_refs(objects: &[Value]) -> (Vec<FieldRefs>, BTreeSet<String>) {
    let mut all = Vec::new();
    let mut scripted = BTreeSet::new();
    for saved in objects {
        let kind = saved["type"].as_str().unwrap_or_default();
        let object = format!("{kind} {}", saved["id"]);
        let attributes = &saved["attributes"];
        let mut fields = BTreeSet::new();
        match kind {
            "index-pattern" => {
                let list = attributes["fields"].as_str().unwrap_or("[]");
                for field in as_list(&parse_embedded(&object, "fields", list)) {
                    let name = field["name"].as_str().unwrap_or_default().to_owned();
                    if field["scripted"] == true {
                        let script = field["script"].as_str().unwrap_or_default();
                        let used: Vec<_> = PAINLESS_DOC
                            .captures_iter(script)
                            .map(|c| c[1].to_owned())
                            .collect();
                        assert!(!used.is_empty(), "{object}: scripted {name} reads no field");
                        fields.extend(used);
                        scripted.insert(name);
                    } else if !name.starts_with('_') {
                        fields.insert(name);
                    }
                }
                if let Some(time) = attributes["timeFieldName"].as_str() {
                    fields.insert(time.to_owned());
                }
                let formats = attributes["fieldFormatMap"].as_str().unwrap_or("{}");
                for name in parse_embedded(&object, "fieldFormatMap", formats)
                    .as_object()
                    .into_iter()
                    .flat_map(|m| m.keys())
                {
                    fields.insert(name.clone());
                }
            }
            "visualization" => {
                let vis = attributes["visState"].as_str().unwrap_or_default();
                walk(&parse_embedded(&object, "visState", vis), &mut |v| {
                    if let Some(field) = v.get("field").and_then(Value::as_str) {
                        fields.insert(field.to_owned());
                    }
                });
                search_source_fields(&object, saved, &mut fields);
            }
            "search" => {
                for column in as_list(&attributes["columns"]) {
                    fields.insert(column.as_str().unwrap_or_default().to_owned());
                }
                for sort in as_list(&attributes["sort"]) {
                    fields.insert(sort[0].as_str().unwrap_or_default().to_owned());
                }
                search_source_fields(&object, saved, &mut fields);
            }
            "dashboard" => {}
            other => panic!("{object}: unexpected saved object type {other}"),
        }
        all.push(FieldRefs { object, fields });
    }
    (all, scripted)
}

#[test]
fn saved_objects_reference_only_document_fields() {
    let objects = saved_objects();
    let fields = field_list();
    let (refs, scripted) = saved_object_field_refs(&objects);
    let mut total = 0;
    for FieldRefs {
        object,
        fields: used,
    } in &refs
    {
        for name in used {
            total += 1;
            assert!(
                field_allowed(&fields, name) || scripted.contains(name),
                "{object} references {name:?}, which is not a document field in {FIELDS}"
            );
        }
    }
    assert!(
        total >= 60,
        "only {total} field references found: extraction broken?"
    );
    for name in &scripted {
        assert!(
            !field_allowed(&fields, name),
            "scripted field {name} shadows a document field"
        );
    }
}

#[test]
fn saved_objects_hold_the_lambda_health_dashboard_and_the_one_request_search() {
    let objects = saved_objects();
    let by_id: BTreeMap<&str, &Value> = objects
        .iter()
        .map(|o| (o["id"].as_str().unwrap_or_default(), o))
        .collect();
    assert_eq!(by_id.len(), objects.len(), "duplicate saved object ids");

    let patterns: Vec<&&Value> = by_id
        .values()
        .filter(|o| o["type"] == "index-pattern")
        .collect();
    assert_eq!(patterns.len(), 1);
    assert_eq!(patterns[0]["attributes"]["title"], INDEX_PATTERN);
    assert_eq!(patterns[0]["attributes"]["timeFieldName"], "@timestamp");
    for saved in &objects {
        for reference in as_list(&saved["references"]) {
            let target = reference["id"].as_str().unwrap_or_default();
            assert!(
                by_id.contains_key(target),
                "{}: dangling reference {target}",
                saved["id"]
            );
        }
    }

    let dashboard = by_id
        .values()
        .find(|o| o["type"] == "dashboard" && o["attributes"]["title"] == "Lambda health")
        .unwrap_or_else(|| panic!("no \"Lambda health\" dashboard"));
    let panels = parse_embedded(
        "dashboard",
        "panelsJSON",
        dashboard["attributes"]["panelsJSON"]
            .as_str()
            .unwrap_or("[]"),
    );
    let mut aggs = Vec::new();
    let mut queries = String::new();
    for panel in as_list(&panels) {
        let ref_name = panel["panelRefName"].as_str().unwrap_or_default();
        let reference = as_list(&dashboard["references"])
            .into_iter()
            .find(|r| r["name"] == ref_name)
            .unwrap_or_else(|| panic!("panel {ref_name} has no reference"));
        let vis = by_id[reference["id"].as_str().unwrap_or_default()];
        let state = vis["attributes"]["visState"].as_str().unwrap_or_default();
        aggs.extend(
            as_list(&parse_embedded("visualization", "visState", state)["aggs"])
                .into_iter()
                .cloned(),
        );
        let source = &vis["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"];
        queries.push_str(source.as_str().unwrap_or_default());
    }
    let has_agg = |kind: &str, field: &str| {
        aggs.iter()
            .any(|a| a["type"] == kind && a["params"]["field"] == field)
    };
    // errors, timeouts, cold starts (queries), p50/p99 duration, memory, cost - per function.
    assert!(
        has_agg("terms", "resource.faas.name"),
        "nothing is split per function"
    );
    let percentiles = aggs.iter().find(|a| {
        a["type"] == "percentiles" && a["params"]["field"] == "attributes.aws.lambda.duration_ms"
    });
    let percents = percentiles
        .map(|a| a["params"]["percents"].clone())
        .unwrap_or_default();
    assert_eq!(percents, json!([50, 99]), "duration p50/p99");
    assert!(
        has_agg("max", "attributes.aws.lambda.max_memory_used_mb"),
        "memory used"
    );
    assert!(
        has_agg("max", "attributes.aws.lambda.memory_size_mb"),
        "memory size"
    );
    assert!(has_agg("sum", "estimated_cost_usd"), "estimated cost");
    for needle in [
        "severity.number >= 17",
        "event.name:timeout",
        "attributes.faas.coldstart:true",
    ] {
        assert!(
            queries.contains(needle),
            "dashboard visualization queries lack {needle}"
        );
    }

    let search = by_id
        .values()
        .find(|o| o["type"] == "search" && o["attributes"]["title"] == "one request")
        .unwrap_or_else(|| panic!("no \"one request\" saved search"));
    assert_eq!(
        search["attributes"]["sort"],
        json!([["@timestamp", "asc"]]),
        "oldest first"
    );
    let mut used = BTreeSet::new();
    search_source_fields("one request", search, &mut used);
    for field in ["traceId", "attributes.correlation_id"] {
        assert!(used.contains(field), "one request must match {field}");
    }
}

#[test]
fn saved_objects_are_generated_from_the_index_template() {
    let output = run(Command::new(python())
        .arg(SAVED_OBJECTS_GENERATOR)
        .arg("--check"));
    assert!(
        output.status.success(),
        "{SAVED_OBJECTS} is stale: run python3 {SAVED_OBJECTS_GENERATOR}\n{}",
        describe(&output)
    );
}

#[test]
fn kql_field_extraction_finds_fields_and_ignores_quoted_values() {
    let found = kql_fields(r#"traceId:"a:b" or severity.number >= 17 and not x.y:(a or "c:d")"#);
    let expected: BTreeSet<String> = ["traceId", "severity.number", "x.y"]
        .into_iter()
        .map(str::to_owned)
        .collect();
    assert_eq!(found, expected);
}

// ------------------------------------------------------------------------------ local + docs

#[test]
fn local_compose_runs_opensearch_and_dashboards_on_localhost_without_security() {
    let yaml: serde_norway::Value = serde_norway::from_str(&read(COMPOSE)).unwrap();
    let compose = yaml_to_cfn_json(yaml);
    let services = compose["services"].as_object().unwrap();
    let opensearch = &services["opensearch"];
    assert_eq!(opensearch["environment"]["DISABLE_SECURITY_PLUGIN"], "true");
    assert_eq!(
        services["dashboards"]["environment"]["DISABLE_SECURITY_DASHBOARDS_PLUGIN"],
        "true"
    );
    assert!(
        read(COMPOSE).contains("security plugin is DISABLED"),
        "say it is for local use"
    );
    for (name, port) in [("opensearch", "9200"), ("dashboards", "5601")] {
        let ports = as_list(&services[name]["ports"]);
        assert_eq!(
            ports,
            vec![&json!(format!("127.0.0.1:{port}:{port}"))],
            "{name}"
        );
    }
    let setup = services["setup"]["command"].to_string();
    for file in [
        "index-template.json",
        "ism-policy.json",
        "dashboards.ndjson",
    ] {
        assert!(setup.contains(file), "setup does not install {file}");
    }
}

#[test]
fn readme_documents_the_deploy() {
    let readme = read(README);
    for needle in [
        "sam build && sam deploy --guided",
        "CloudTrail",
        "management events",
        "Tear down",
        "sam delete",
        "docker compose",
        "--to-opensearch http://localhost:9200 --auth none",
        "flat_object",
    ] {
        assert!(
            readme.contains(needle),
            "{README} does not mention {needle:?}"
        );
    }
    for name in TEMPLATE_JSON["Parameters"].as_object().unwrap().keys() {
        assert!(
            readme.contains(&format!("`{name}`")),
            "{README} does not document `{name}`"
        );
    }
    for var in SHIP_LOGS_ENV.iter().chain(SUBSCRIBE_ENV) {
        assert!(readme.contains(var), "{README} does not document {var}");
    }
}

/// Names of the `pub const X_ENV: &str = "X";` environment constants declared in a config module.
fn config_env_names(rel: &str) -> Vec<String> {
    let src = std::fs::read_to_string(shiplog_tests::repo_root().join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let re = regex::Regex::new(r#"pub const ([A-Z0-9_]+)_ENV: &str = "([A-Z0-9_]+)";"#).unwrap();
    re.captures_iter(&src)
        .filter(|c| c[1] == c[2])
        .map(|c| c[2].to_owned())
        .collect()
}

#[test]
fn every_subscribe_environment_variable_is_read_by_its_config() {
    let known = config_env_names("functions/subscribe/src/config.rs");
    assert!(known.contains(&"DESTINATION_ARN".to_owned()), "{known:?}");
    let (id, function) = function_by_binary(SUBSCRIBE_BINARY);
    let vars = function["Properties"]["Environment"]["Variables"]
        .as_object()
        .unwrap();
    for name in vars.keys() {
        assert!(
            known.contains(name),
            "{id} sets {name}, which the subscribe config never reads"
        );
    }
}

/// Names of the environment constants a shared configuration module declares:
/// `pub const X_ENV: &str = "…";` (every environment constant of the workspace is named so).
fn shared_env_names(rel: &str) -> Vec<String> {
    let src = std::fs::read_to_string(shiplog_tests::repo_root().join(rel))
        .unwrap_or_else(|e| panic!("{rel}: {e}"));
    let re = regex::Regex::new(r#"pub const ([A-Z0-9_]+_ENV): &str = "([A-Z0-9_]+)";"#).unwrap();
    re.captures_iter(&src).map(|c| c[2].to_owned()).collect()
}

/// The configuration modules ship-logs composes: its own, the OpenSearch delivery's and the
/// metrics delivery's.
const SHIP_LOGS_CONFIG_MODULES: &[&str] = &[
    "adapters/src/opensearch/config.rs",
    "shared/src/delivery/metrics_config.rs",
    "shared/src/delivery/usage_metrics.rs",
    "shared/src/delivery/self_metrics.rs",
];

#[test]
fn every_ship_logs_environment_variable_is_read_by_its_config() {
    let mut known = config_env_names("functions/ship-logs/src/config.rs");
    assert!(known.contains(&"OWN_LOG_GROUPS".to_owned()), "{known:?}");
    for module in SHIP_LOGS_CONFIG_MODULES {
        let names = shared_env_names(module);
        assert!(
            !names.is_empty(),
            "{module} declares no environment constant"
        );
        known.extend(names);
    }
    for name in ["OPENSEARCH_ENDPOINT", "DEAD_LETTER_BUCKET", "METRICS_MODE"] {
        assert!(known.contains(&name.to_owned()), "{name} in {known:?}");
    }
    let (id, function) = function_by_binary(SHIP_LOGS_BINARY);
    let vars = function["Properties"]["Environment"]["Variables"]
        .as_object()
        .unwrap();
    for name in vars.keys() {
        assert!(
            known.contains(name),
            "{id} sets {name}, which no ship-logs config module reads"
        );
    }
}

#[test]
fn ship_logs_application_log_level_lets_emf_lines_through() {
    // EMF lines carry no "level"; under LogFormat JSON Lambda reads them as INFO. subscribe
    // writes one too (ReconcileFailed, watched by an alarm).
    for binary in [SHIP_LOGS_BINARY, SUBSCRIBE_BINARY] {
        let (id, function) = function_by_binary(binary);
        let logging = &function["Properties"]["LoggingConfig"];
        assert_eq!(logging["LogFormat"], "JSON", "{id}");
        let level = logging["ApplicationLogLevel"].as_str().unwrap_or("INFO");
        assert!(
            matches!(level, "TRACE" | "DEBUG" | "INFO"),
            "{id}: ApplicationLogLevel {level} drops EMF lines"
        );
    }
}
