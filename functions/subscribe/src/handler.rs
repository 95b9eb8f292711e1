//! The invocation handler: recognises the event (README, The subscriber) and runs the matching flow.
//!
//! - CloudTrail `CreateLogGroup` → reconcile that group (an error is returned when it failed, so
//!   Lambda's asynchronous retry tries again).
//! - Scheduled event → reconcile all; continuation event → reconcile all from its cursor; both
//!   self-invoke with a continuation when the deadline comes first (hop counter capped).
//! - CloudFormation custom resource → reconcile all (Create/Update) or clean up (Delete), and
//!   always answer the ResponseURL.
//! - Anything else → ignored, one log line.

use crate::cfn::{send_response, ResponseError};
use crate::config::{ConfigErrors, Mode};
use crate::deps::Deps;
use crate::invoke::invoke_self;
use crate::reconcile::{
    now_epoch_ms, AccountPolicyFailure, AccountPolicyOutcome, Deadline, ReconcileError, Reconciler,
};
use lambda_runtime::{Diagnostic, LambdaEvent};
use serde::Serialize;
use serde_json::{json, Value};
use shiplog::subscribe::continuation::{next_hop, Continuation, Cursor, HopDecision};
use shiplog::subscribe::custom_resource::{
    CustomResourceRequest, CustomResourceResponse, RequestType, ResponseStatus,
};
use shiplog::subscribe::event::{
    decide_new_group, detect, CloudTrailEvent, Inbound, NewGroupDecision,
};
use shiplog::subscribe::report::{self, GroupOutcome, RunSummary, Totals};
use std::collections::BTreeMap;

/// What the handler needs of an invocation.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocation {
    /// The event.
    pub payload: Value,
    /// Lambda request id.
    pub request_id: String,
    /// Deadline, epoch ms.
    pub deadline_ms: u64,
    /// This function's ARN (for self-invocation).
    pub function_arn: String,
}

impl From<LambdaEvent<Value>> for Invocation {
    fn from(event: LambdaEvent<Value>) -> Self {
        Invocation {
            payload: event.payload,
            request_id: event.context.request_id,
            deadline_ms: event.context.deadline,
            function_arn: event.context.invoked_function_arn,
        }
    }
}

/// An invocation that failed.
#[derive(Debug, thiserror::Error)]
pub enum HandlerError {
    /// The run could not go on (broken deploy, listing failure).
    #[error(transparent)]
    Reconcile(#[from] ReconcileError),
    /// The new group could not be subscribed (Lambda retries the event).
    #[error("reconciling {log_group} failed: {error}")]
    GroupFailed {
        /// The group.
        log_group: String,
        /// What failed.
        error: String,
    },
    /// The CloudFormation response could not be delivered.
    #[error(transparent)]
    CustomResourceResponse(#[from] ResponseError),
    /// The function is misconfigured.
    #[error(transparent)]
    Config(#[from] ConfigErrors),
}

impl HandlerError {
    /// The Lambda `errorType`.
    pub fn error_type(&self) -> &'static str {
        match self {
            HandlerError::Reconcile(ReconcileError::DestinationNotInvokable { .. }) => {
                "Subscribe.DestinationNotInvokable"
            }
            HandlerError::Reconcile(ReconcileError::Listing(_)) => "Subscribe.ListingFailed",
            HandlerError::GroupFailed { .. } => "Subscribe.GroupFailed",
            HandlerError::CustomResourceResponse(_) => "Subscribe.CustomResourceResponseFailed",
            HandlerError::Config(_) => "Subscribe.InvalidConfiguration",
        }
    }
}

impl From<HandlerError> for Diagnostic {
    fn from(error: HandlerError) -> Self {
        Diagnostic {
            error_type: error.error_type().to_owned(),
            error_message: error.to_string(),
        }
    }
}

/// The Lambda entry point.
pub async fn handle(deps: &Deps, event: LambdaEvent<Value>) -> Result<Value, HandlerError> {
    handle_invocation(deps, Invocation::from(event)).await
}

/// Handles one invocation.
pub async fn handle_invocation(deps: &Deps, invocation: Invocation) -> Result<Value, HandlerError> {
    let deadline = Deadline::from_epoch_ms(
        invocation.deadline_ms,
        now_epoch_ms(),
        deps.config.deadline_margin,
    );
    match detect(invocation.payload.clone()) {
        Inbound::CloudTrail(event) => on_cloudtrail(deps, &event).await,
        Inbound::Scheduled { .. } => {
            let start = Start::fresh(&invocation, "schedule");
            on_backfill(deps, &invocation, start, &deadline).await
        }
        Inbound::Continuation(continuation) => {
            on_backfill(deps, &invocation, Start::resume(continuation), &deadline).await
        }
        Inbound::CustomResource(request) => {
            on_custom_resource(deps, &invocation, &request, &deadline).await
        }
        Inbound::Unknown(unknown) => {
            tracing::warn!(event = %unknown.summary, "ignoring an event of no known shape");
            Ok(json!({"event": "unknown", "ignored": unknown.summary}))
        }
    }
}

/// The handler of a function whose configuration is invalid: a CloudFormation request is still
/// answered (FAILED for Create/Update with the problems; SUCCESS for Delete so a broken stack can
/// be deleted); every invocation returns the configuration error.
pub async fn handle_misconfigured(
    http: &reqwest::Client,
    errors: &ConfigErrors,
    event: LambdaEvent<Value>,
) -> Result<Value, HandlerError> {
    tracing::error!(error = %errors, "subscribe is misconfigured");
    if let Inbound::CustomResource(request) = detect(event.payload) {
        let status = match request.request_type {
            RequestType::Delete => ResponseStatus::Success,
            RequestType::Create | RequestType::Update => ResponseStatus::Failed,
        };
        let response =
            CustomResourceResponse::new(&request, status, errors.to_string(), BTreeMap::new());
        send_response(http, &request.response_url, &response).await?;
    }
    Err(HandlerError::Config(errors.clone()))
}

// ---- CloudTrail CreateLogGroup ----

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NewGroupReport<'a> {
    event: &'static str,
    log_group: &'a str,
    #[serde(flatten)]
    outcome: &'a GroupOutcome,
    retention_set: bool,
}

async fn on_cloudtrail(deps: &Deps, event: &CloudTrailEvent) -> Result<Value, HandlerError> {
    if let Mode::AccountPolicy { .. } = deps.config.mode {
        return Ok(
            json!({"event": "create-log-group", "ignored": "account-policy mode: the account policy covers new groups"}),
        );
    }
    let new_group = match decide_new_group(event, &deps.config.selection) {
        NewGroupDecision::Ignore(reason) => {
            tracing::info!(reason = %reason, "CloudTrail event ignored");
            return Ok(json!({"event": "create-log-group", "ignored": reason}));
        }
        NewGroupDecision::SkipClass { log_group, class } => {
            let outcome = GroupOutcome::SkippedClass { class };
            return Ok(finish_new_group(deps, &log_group, &outcome, false).await);
        }
        NewGroupDecision::Reconcile(new_group) => new_group,
    };
    let reconciler = Reconciler::new(&deps.logs, &deps.config);
    match reconciler.reconcile_new_group(&new_group).await {
        Ok(result) => {
            let report = finish_new_group(
                deps,
                &new_group.log_group,
                &result.outcome,
                result.retention_set,
            )
            .await;
            match result.outcome {
                GroupOutcome::Failed { error } => Err(HandlerError::GroupFailed {
                    log_group: new_group.log_group,
                    error,
                }),
                _ => Ok(report),
            }
        }
        Err(fatal) => {
            let outcome = GroupOutcome::Failed {
                error: fatal.to_string(),
            };
            finish_new_group(deps, &new_group.log_group, &outcome, false).await;
            Err(fatal.into())
        }
    }
}

/// Logs, publishes (when not subscribed) and reports one new group's outcome.
async fn finish_new_group(
    deps: &Deps,
    log_group: &str,
    outcome: &GroupOutcome,
    retention_set: bool,
) -> Value {
    tracing::info!(
        log_group,
        outcome = outcome.name(),
        retention_set,
        "new log group reconciled"
    );
    deps.metrics
        .record(u64::from(matches!(outcome, GroupOutcome::Failed { .. })));
    let events: Vec<_> = report::not_subscribed(log_group, outcome)
        .into_iter()
        .collect();
    deps.events.publish_or_log(&events).await;
    serde_json::to_value(NewGroupReport {
        event: "create-log-group",
        log_group,
        outcome,
        retention_set,
    })
    .unwrap_or(Value::Null)
}

// ---- backfill (schedule, continuation, CloudFormation Create/Update) ----

/// Where a backfill invocation starts.
#[derive(Debug, Clone)]
struct Start {
    run_id: String,
    trigger: String,
    hop: u32,
    cursor: Cursor,
    totals: Totals,
}

impl Start {
    fn fresh(invocation: &Invocation, trigger: &str) -> Self {
        Start {
            run_id: invocation.request_id.clone(),
            trigger: trigger.to_owned(),
            hop: 0,
            cursor: Cursor::default(),
            totals: Totals::default(),
        }
    }

    fn resume(continuation: Continuation) -> Self {
        Start {
            run_id: continuation.run_id,
            trigger: "continuation".to_owned(),
            hop: continuation.hop,
            cursor: continuation.cursor,
            totals: continuation.totals,
        }
    }
}

/// The outcome of one backfill invocation.
struct BackfillReport {
    summary: RunSummary,
    continuing: bool,
    fatal: Option<ReconcileError>,
}

async fn on_backfill(
    deps: &Deps,
    invocation: &Invocation,
    start: Start,
    deadline: &Deadline,
) -> Result<Value, HandlerError> {
    if let Mode::AccountPolicy { .. } = deps.config.mode {
        return on_account_policy(deps, &start.trigger).await;
    }
    let report = run_backfill(deps, invocation, start, deadline).await;
    if let Some(fatal) = report.fatal {
        return Err(fatal.into());
    }
    Ok(backfill_response(&report.summary, report.continuing))
}

fn backfill_response(summary: &RunSummary, continuing: bool) -> Value {
    let mut value = serde_json::to_value(summary).unwrap_or(Value::Null);
    if let Some(object) = value.as_object_mut() {
        object.insert("event".to_owned(), json!("reconcile-all"));
        object.insert("continuing".to_owned(), json!(continuing));
    }
    value
}

/// Reconciles from the start's cursor until done or the deadline, then continues by
/// self-invocation (or stops at the hop cap), logs the summary, publishes the events.
async fn run_backfill(
    deps: &Deps,
    invocation: &Invocation,
    start: Start,
    deadline: &Deadline,
) -> BackfillReport {
    let reconciler = Reconciler::new(&deps.logs, &deps.config);
    let result = reconciler
        .reconcile_all(start.cursor, deadline, &start.run_id)
        .await;
    let mut totals = start.totals;
    totals.merge(&result.totals);
    let mut events = result.events;
    let (complete, continuing, stopped) = match (&result.fatal, result.next) {
        (Some(fatal), _) => (false, false, Some(fatal.to_string())),
        (None, None) => (true, false, None),
        (None, Some(cursor)) => {
            match next_hop(
                &start.run_id,
                start.hop,
                cursor,
                totals,
                deps.config.max_hops,
            ) {
                HopDecision::Continue(continuation) => {
                    match invoke_self(&deps.lambda, &invocation.function_arn, &continuation).await {
                        Ok(()) => (false, true, None),
                        Err(error) => (
                            false,
                            false,
                            Some(format!("self-invocation failed: {error}")),
                        ),
                    }
                }
                HopDecision::CapReached { hops } => (
                    false,
                    false,
                    Some(format!(
                        "hop cap reached after {hops} continuation(s) (MAX_HOPS)"
                    )),
                ),
            }
        }
    };
    let summary = RunSummary {
        run_id: start.run_id,
        trigger: start.trigger,
        totals,
        complete,
        hops: start.hop,
        stopped,
    };
    log_summary(&summary, &result.totals, continuing);
    // This invocation's failed groups, and the run itself when it stopped early.
    deps.metrics
        .record(result.totals.failed + u64::from(summary.stopped.is_some()));
    if !continuing {
        events.push(report::summary(&summary));
    }
    deps.events.publish_or_log(&events).await;
    BackfillReport {
        summary,
        continuing,
        fatal: result.fatal,
    }
}

/// One summary line per invocation.
fn log_summary(summary: &RunSummary, this_invocation: &Totals, continuing: bool) {
    let totals = &summary.totals;
    if let Some(stopped) = &summary.stopped {
        tracing::error!(run_id = %summary.run_id, hop = summary.hops, stopped = %stopped, totals = %totals, "reconcile run stopped before completion");
        return;
    }
    tracing::info!(
        run_id = %summary.run_id,
        trigger = %summary.trigger,
        hop = summary.hops,
        complete = summary.complete,
        continuing,
        scanned = totals.scanned,
        matched = totals.matched,
        subscribed = totals.subscribed,
        updated = totals.updated,
        unchanged = totals.unchanged,
        skipped_no_slot = totals.skipped_no_slot,
        skipped_class = totals.skipped_class,
        failed = totals.failed,
        retention_set = totals.retention_set,
        this_invocation = %this_invocation,
        "reconcile summary"
    );
}

// ---- account-policy mode ----

async fn on_account_policy(deps: &Deps, trigger: &str) -> Result<Value, HandlerError> {
    let reconciler = Reconciler::new(&deps.logs, &deps.config);
    let value = match reconciler.ensure_account_policy().await {
        Ok(outcome) => {
            deps.metrics.record(0);
            tracing::info!(trigger, outcome = ?outcome, "account subscription filter policy reconciled");
            json!({"event": "account-policy", "outcome": account_outcome_name(outcome)})
        }
        Err(error) => {
            // Another tool's policy is a reported event (below), not a failed reconcile.
            let failed = !matches!(error, AccountPolicyFailure::ForeignPolicy { .. });
            deps.metrics.record(u64::from(failed));
            tracing::error!(trigger, %error, "account subscription filter policy not applied");
            deps.events
                .publish_or_log(&[account_policy_event(&error.to_string())])
                .await;
            json!({"event": "account-policy", "outcome": "refused-or-failed", "error": error.to_string()})
        }
    };
    Ok(value)
}

fn account_outcome_name(outcome: AccountPolicyOutcome) -> &'static str {
    match outcome {
        AccountPolicyOutcome::Unchanged => "unchanged",
        AccountPolicyOutcome::Put => "put",
    }
}

fn account_policy_event(error: &str) -> report::VisibilityEvent {
    report::VisibilityEvent {
        detail_type: report::DETAIL_TYPE_NOT_SUBSCRIBED,
        detail: json!({"scope": "account", "reason": "account-policy", "error": error}),
    }
}

// ---- CloudFormation custom resource ----

async fn on_custom_resource(
    deps: &Deps,
    invocation: &Invocation,
    request: &CustomResourceRequest,
    deadline: &Deadline,
) -> Result<Value, HandlerError> {
    let response = custom_resource_response(deps, invocation, request, deadline).await;
    tracing::info!(request_type = ?request.request_type, status = ?response.status, reason = %response.reason, "answering CloudFormation");
    send_response(&deps.http, &request.response_url, &response).await?;
    Ok(json!({
        "event": "cloudformation",
        "requestType": request.request_type,
        "status": response.status,
        "reason": response.reason,
        "data": response.data,
    }))
}

async fn custom_resource_response(
    deps: &Deps,
    invocation: &Invocation,
    request: &CustomResourceRequest,
    deadline: &Deadline,
) -> CustomResourceResponse {
    let reconciler = Reconciler::new(&deps.logs, &deps.config);
    let respond =
        |status, reason: String, data| CustomResourceResponse::new(request, status, reason, data);
    let per_group = deps.config.mode == Mode::PerGroup;
    match request.request_type {
        RequestType::Create | RequestType::Update if per_group => {
            let trigger = match request.request_type {
                RequestType::Create => "cloudformation-create",
                _ => "cloudformation-update",
            };
            let report = run_backfill(
                deps,
                invocation,
                Start::fresh(invocation, trigger),
                deadline,
            )
            .await;
            let mut data = report.summary.totals.to_data();
            data.insert("Complete".into(), report.summary.complete.to_string());
            data.insert("Continuing".into(), report.continuing.to_string());
            match report.fatal {
                Some(fatal) => respond(ResponseStatus::Failed, fatal.to_string(), data),
                None => {
                    let reason = format!(
                        "reconciled {}: {}",
                        if report.continuing {
                            "(continuing asynchronously)"
                        } else {
                            "every log group"
                        },
                        report.summary.totals
                    );
                    respond(ResponseStatus::Success, reason, data)
                }
            }
        }
        RequestType::Create | RequestType::Update => match reconciler.ensure_account_policy().await
        {
            Ok(outcome) => respond(
                ResponseStatus::Success,
                format!(
                    "account subscription filter policy {}",
                    account_outcome_name(outcome)
                ),
                BTreeMap::new(),
            ),
            Err(error) => respond(ResponseStatus::Failed, error.to_string(), BTreeMap::new()),
        },
        RequestType::Delete if !deps.config.cleanup_on_delete => respond(
            ResponseStatus::Success,
            "left subscription filters in place (CLEANUP_ON_DELETE=false)".into(),
            BTreeMap::new(),
        ),
        RequestType::Delete if per_group => {
            let cleanup = reconciler.cleanup_all(deadline).await;
            let mut data = cleanup.totals.to_data();
            data.insert("Complete".into(), cleanup.complete.to_string());
            let reason = format!(
                "removed {} shiplog filter(s) from {} scanned group(s), {} failure(s){}",
                cleanup.totals.removed,
                cleanup.totals.scanned,
                cleanup.totals.failed,
                if cleanup.complete {
                    ""
                } else {
                    "; stopped at the deadline"
                }
            );
            respond(ResponseStatus::Success, reason, data)
        }
        RequestType::Delete => {
            let reason = match reconciler.remove_account_policy().await {
                Ok(true) => "removed the account subscription filter policy".to_owned(),
                Ok(false) => "no account subscription filter policy of ours to remove".to_owned(),
                Err(error) => format!("could not remove the account policy: {error}"),
            };
            respond(ResponseStatus::Success, reason, BTreeMap::new())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{CLEANUP_ON_DELETE_ENV, MAX_HOPS_ENV, PAGE_SIZE_ENV};
    use crate::test_support::{config, MotoWorld};
    use aws_sdk_lambda::operation::invoke::InvokeOutput;
    use aws_smithy_mocks::{mock, mock_client, Rule, RuleMode};
    use shiplog_tests::runtime_api::RuntimeApi;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    /// A Lambda client whose Invoke calls are recorded (payloads) and accepted.
    fn recording_lambda() -> (aws_sdk_lambda::Client, Arc<Mutex<Vec<Value>>>, Rule) {
        let payloads: Arc<Mutex<Vec<Value>>> = Arc::default();
        let record = Arc::clone(&payloads);
        let rule = mock!(aws_sdk_lambda::Client::invoke)
            .match_requests(move |request| {
                let payload = request
                    .payload()
                    .and_then(|p| serde_json::from_slice(p.as_ref()).ok())
                    .unwrap_or(Value::Null);
                record.lock().unwrap().push(payload);
                request.invocation_type() == Some(&aws_sdk_lambda::types::InvocationType::Event)
                    && request.function_name() == Some(FUNCTION_ARN)
            })
            .then_output(|| InvokeOutput::builder().status_code(202).build());
        let client = mock_client!(aws_sdk_lambda, RuleMode::MatchAny, [&rule]);
        (client, payloads, rule)
    }

    const FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:shiplog-subscribe";

    fn invocation(payload: Value, time_left: Duration) -> Invocation {
        let deadline_ms = now_epoch_ms() + u64::try_from(time_left.as_millis()).unwrap();
        Invocation {
            payload,
            request_id: "req-1".into(),
            deadline_ms,
            function_arn: FUNCTION_ARN.into(),
        }
    }

    fn corpus(name: &str) -> Value {
        let path = shiplog_tests::corpus_path(&format!("07-eventbridge/{name}.json"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    const PLENTY: Duration = Duration::from_secs(600);

    /// The `ReconcileFailed` values written so far, checking each line's namespace and
    /// dimension.
    fn reconcile_failed(deps: &Deps) -> Vec<f64> {
        deps.metrics
            .collected()
            .iter()
            .map(|line| {
                let doc: Value = serde_json::from_str(line).unwrap();
                assert_eq!(doc["_aws"]["CloudWatchMetrics"][0]["Namespace"], "shiplog");
                assert_eq!(doc["FunctionName"], "shiplog-subscribe");
                doc["ReconcileFailed"].as_f64().unwrap()
            })
            .collect()
    }

    /// EXPECTED.md §7 through the handler, against moto: every corpus event.
    #[tokio::test]
    async fn every_corpus_eventbridge_event_gets_the_expected_handling() {
        let w = MotoWorld::new().await;
        let destination = w
            .moto
            .create_lambda_function("log-shipper-prod-ship-logs")
            .unwrap();
        for group in [
            "/aws/lambda/logging-demo-dev-api",
            "/aws/lambda/order-api-prod-notify",
            "/aws/lambda/billing-prod-invoice",
            "/aws/lambda/log-shipper-prod-ship-logs",
            "/aws/rds/instance/cg-aws-broker-test/postgresql",
            "/aws/lambda/orders-prod-archive",
            "/aws/lambda/billing-dev-audit",
        ] {
            w.group(group, &[]).await;
        }
        let (lambda, payloads, _rule) = recording_lambda();
        let deps = w.deps(config(&destination, &[]), lambda);
        let ours = ("shiplog".to_owned(), destination.clone(), String::new());
        let expected = [
            (
                "create-log-group-failed-already-exists",
                json!({"event": "create-log-group", "ignored": {"reason": "failed-call", "errorCode": "ResourceAlreadyExistsException"}}),
            ),
            (
                "create-log-group-by-cloudformation",
                json!({"event": "create-log-group", "logGroup": "/aws/lambda/logging-demo-dev-api", "outcome": "subscribed", "retentionSet": false}),
            ),
            (
                "create-log-group-by-lambda-on-first-invoke",
                json!({"event": "create-log-group", "logGroup": "/aws/lambda/order-api-prod-notify", "outcome": "subscribed", "retentionSet": false}),
            ),
            (
                "create-log-group-cli-with-class-kms-tags",
                json!({"event": "create-log-group", "logGroup": "/aws/lambda/billing-prod-invoice", "outcome": "subscribed", "retentionSet": false}),
            ),
            (
                "create-log-group-delivery-class",
                json!({"event": "create-log-group", "logGroup": "/aws/lambda/orders-prod-archive", "outcome": "skipped-class", "class": "DELIVERY", "retentionSet": false}),
            ),
            (
                "create-log-group-infrequent-access",
                json!({"event": "create-log-group", "logGroup": "/aws/lambda/billing-dev-audit", "outcome": "skipped-class", "class": "INFREQUENT_ACCESS", "retentionSet": false}),
            ),
            (
                "create-log-group-own-shipper",
                json!({"event": "create-log-group", "ignored": {"reason": "excluded", "logGroup": "/aws/lambda/log-shipper-prod-ship-logs", "exclusion": "own-log-group"}}),
            ),
            (
                "create-log-group-rds-not-lambda",
                json!({"event": "create-log-group", "ignored": {"reason": "excluded", "logGroup": "/aws/rds/instance/cg-aws-broker-test/postgresql", "exclusion": "not-included"}}),
            ),
            (
                "delete-log-group",
                json!({"event": "create-log-group", "ignored": {"reason": "other-event-name", "eventName": "DeleteLogGroup"}}),
            ),
            (
                "put-subscription-filter-by-subscriber",
                json!({"event": "create-log-group", "ignored": {"reason": "other-event-name", "eventName": "PutSubscriptionFilter"}}),
            ),
        ];
        for (name, want) in expected {
            let got = handle_invocation(&deps, invocation(corpus(name), PLENTY))
                .await
                .unwrap();
            assert_eq!(got, want, "{name}");
        }
        for subscribed in [
            "logging-demo-dev-api",
            "order-api-prod-notify",
            "billing-prod-invoice",
        ] {
            assert_eq!(
                w.filters(&format!("/aws/lambda/{subscribed}")).await,
                vec![ours.clone()]
            );
        }
        assert_eq!(
            w.filters("/aws/lambda/log-shipper-prod-ship-logs").await,
            vec![]
        );
        for skipped in ["orders-prod-archive", "billing-dev-audit"] {
            assert_eq!(w.filters(&format!("/aws/lambda/{skipped}")).await, vec![]);
        }
        assert_eq!(
            w.filters("/aws/rds/instance/cg-aws-broker-test/postgresql")
                .await,
            vec![]
        );
        assert!(
            payloads.lock().unwrap().is_empty(),
            "no self-invocation for new groups"
        );
        assert_eq!(
            reconcile_failed(&deps),
            [0.0; 5],
            "one line per reconciled new group (skipped classes are no failure), none for ignored events"
        );
    }

    #[tokio::test]
    async fn a_new_group_that_cannot_be_subscribed_fails_the_invocation_clearly() {
        let w = MotoWorld::new().await;
        w.group("/aws/lambda/order-api-prod-notify", &[]).await;
        let missing = "arn:aws:lambda:us-east-1:123456789012:function:not-deployed";
        let (lambda, _, _rule) = recording_lambda();
        let deps = w.deps(config(missing, &[]), lambda);
        let event = corpus("create-log-group-by-lambda-on-first-invoke");
        let error = handle_invocation(&deps, invocation(event, PLENTY))
            .await
            .unwrap_err();
        assert_eq!(error.error_type(), "Subscribe.DestinationNotInvokable");
        let diagnostic = Diagnostic::from(error);
        assert!(diagnostic
            .error_message
            .contains("Could not execute the lambda function"));
        assert!(diagnostic.error_message.contains("redeploy the stack"));
        assert_eq!(reconcile_failed(&deps), [1.0]);
    }

    async fn five_groups(w: &MotoWorld) {
        for name in ["a", "b", "c", "d", "e"] {
            w.group(&format!("/aws/lambda/{name}"), &[]).await;
        }
    }

    #[tokio::test]
    async fn scheduled_backfill_continues_by_self_invocation_until_complete() {
        let w = MotoWorld::new().await;
        five_groups(&w).await;
        let (lambda, payloads, _rule) = recording_lambda();
        let deps = w.deps(config(&w.ship_logs, &[(PAGE_SIZE_ENV, "2")]), lambda);
        let scheduled = json!({"version": "0", "id": "e1", "detail-type": "Scheduled Event", "source": "aws.events", "detail": {}});
        let mut response = handle_invocation(&deps, invocation(scheduled, Duration::ZERO))
            .await
            .unwrap();
        let mut hops = 0;
        while response["continuing"] == json!(true) {
            hops += 1;
            assert!(hops <= 10, "runaway: {response}");
            let continuation = payloads.lock().unwrap().last().cloned().unwrap();
            assert_eq!(continuation["shiplogContinuation"]["hop"], hops);
            assert_eq!(continuation["shiplogContinuation"]["runId"], "req-1");
            response = handle_invocation(&deps, invocation(continuation, Duration::ZERO))
                .await
                .unwrap();
        }
        assert!(
            hops >= 4,
            "a past deadline lets one group through per invocation: {hops}"
        );
        assert_eq!(response["complete"], true);
        assert_eq!(response["hops"], hops);
        assert_eq!(response["trigger"], "continuation");
        assert_eq!(response["totals"]["scanned"], 5);
        assert_eq!(response["totals"]["subscribed"], 5);
        assert_eq!(payloads.lock().unwrap().len(), hops as usize);
        assert_eq!(reconcile_failed(&deps), vec![0.0; hops as usize + 1]);
        for name in ["a", "b", "c", "d", "e"] {
            assert_eq!(
                w.filters(&format!("/aws/lambda/{name}")).await,
                vec![w.ours()]
            );
        }
    }

    #[tokio::test]
    async fn the_hop_cap_stops_a_backfill_that_would_continue_forever() {
        let w = MotoWorld::new().await;
        five_groups(&w).await;
        let (lambda, payloads, _rule) = recording_lambda();
        let deps = w.deps(
            config(&w.ship_logs, &[(PAGE_SIZE_ENV, "2"), (MAX_HOPS_ENV, "1")]),
            lambda,
        );
        let scheduled = json!({"detail-type": "Scheduled Event", "source": "aws.events"});
        let first = handle_invocation(&deps, invocation(scheduled, Duration::ZERO))
            .await
            .unwrap();
        assert_eq!(first["continuing"], true);
        let continuation = payloads.lock().unwrap()[0].clone();
        let second = handle_invocation(&deps, invocation(continuation, Duration::ZERO))
            .await
            .unwrap();
        assert_eq!(second["continuing"], false);
        assert_eq!(second["complete"], false);
        assert!(
            second["stopped"].as_str().unwrap().contains("hop cap"),
            "{second}"
        );
        assert_eq!(
            payloads.lock().unwrap().len(),
            1,
            "no invocation past the cap"
        );
        assert_eq!(
            reconcile_failed(&deps),
            [0.0, 1.0],
            "the run stopped by the cap counts as one failed reconcile"
        );
    }

    fn custom_resource(request_type: &str, response_url: &str) -> Value {
        json!({
            "RequestType": request_type,
            "ServiceToken": FUNCTION_ARN,
            "ResponseURL": response_url,
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/shiplog/1",
            "RequestId": format!("cfn-{request_type}"),
            "LogicalResourceId": "Backfill",
            "PhysicalResourceId": "shiplog-subscribe-Backfill",
            "ResourceType": "Custom::ShiplogBackfill",
            "ResourceProperties": {"ServiceToken": FUNCTION_ARN}
        })
    }

    async fn cfn_answer(api: &RuntimeApi, path: &str) -> (Value, Vec<(String, String)>) {
        let put = api
            .wait_for_recorded(path, Duration::from_secs(5))
            .await
            .unwrap();
        assert_eq!(put.method, "PUT");
        (serde_json::from_slice(&put.body).unwrap(), put.headers)
    }

    #[tokio::test]
    async fn cloudformation_create_backfills_and_answers_success_with_counts() {
        let w = MotoWorld::new().await;
        five_groups(&w).await;
        for name in ["d", "e"] {
            let group = format!("/aws/lambda/{name}");
            w.filter(&group, "dd", &w.foreign, "").await;
            w.filter(&group, "dd2", &w.foreign, "x").await;
        }
        let api = RuntimeApi::start("recorder").await.unwrap();
        let (lambda, _, _rule) = recording_lambda();
        let deps = w.deps(config(&w.ship_logs, &[]), lambda);
        let url = api.url("/cfn/create?X-Amz-Signature=abc");
        let response =
            handle_invocation(&deps, invocation(custom_resource("Create", &url), PLENTY))
                .await
                .unwrap();
        assert_eq!(response["status"], "SUCCESS");
        let (body, headers) = cfn_answer(&api, "/cfn/create").await;
        assert_eq!(
            body["Status"], "SUCCESS",
            "skipped groups do not fail the deploy"
        );
        assert_eq!(body["RequestId"], "cfn-Create");
        assert_eq!(body["LogicalResourceId"], "Backfill");
        assert_eq!(body["PhysicalResourceId"], "shiplog-subscribe-Backfill");
        assert_eq!(
            body["StackId"],
            "arn:aws:cloudformation:us-east-1:123456789012:stack/shiplog/1"
        );
        assert_eq!(body["Data"]["Subscribed"], "3");
        assert_eq!(body["Data"]["SkippedNoSlot"], "2");
        assert_eq!(body["Data"]["Complete"], "true");
        assert!(
            headers.contains(&("content-type".to_owned(), String::new())),
            "{headers:?}"
        );
    }

    #[tokio::test]
    async fn cloudformation_create_with_a_broken_deploy_answers_failed_with_the_reason() {
        let w = MotoWorld::new().await;
        five_groups(&w).await;
        let api = RuntimeApi::start("recorder").await.unwrap();
        let (lambda, _, _rule) = recording_lambda();
        let missing = "arn:aws:lambda:us-east-1:123456789012:function:not-deployed";
        let deps = w.deps(config(missing, &[]), lambda);
        let url = api.url("/cfn/create");
        let response =
            handle_invocation(&deps, invocation(custom_resource("Create", &url), PLENTY))
                .await
                .unwrap();
        assert_eq!(response["status"], "FAILED");
        let (body, _) = cfn_answer(&api, "/cfn/create").await;
        assert_eq!(body["Status"], "FAILED");
        assert!(body["Reason"]
            .as_str()
            .unwrap()
            .contains("Could not execute the lambda function"));
    }

    #[tokio::test]
    async fn cloudformation_delete_removes_only_our_filters_when_cleanup_is_on() {
        let w = MotoWorld::new().await;
        five_groups(&w).await;
        w.filter("/aws/lambda/a", "shiplog", &w.ship_logs, "").await;
        w.filter("/aws/lambda/b", "dd", &w.foreign, "").await;
        w.filter("/aws/lambda/b", "shiplog", &w.ship_logs, "").await;
        let api = RuntimeApi::start("recorder").await.unwrap();
        let (lambda, _, _rule) = recording_lambda();

        let keep = w.deps(config(&w.ship_logs, &[]), lambda.clone());
        handle_invocation(
            &keep,
            invocation(custom_resource("Delete", &api.url("/cfn/keep")), PLENTY),
        )
        .await
        .unwrap();
        let (body, _) = cfn_answer(&api, "/cfn/keep").await;
        assert_eq!(body["Status"], "SUCCESS");
        assert_eq!(w.filters("/aws/lambda/a").await, vec![w.ours()]);

        let clean = w.deps(
            config(&w.ship_logs, &[(CLEANUP_ON_DELETE_ENV, "true")]),
            lambda,
        );
        handle_invocation(
            &clean,
            invocation(custom_resource("Delete", &api.url("/cfn/clean")), PLENTY),
        )
        .await
        .unwrap();
        let (body, _) = cfn_answer(&api, "/cfn/clean").await;
        assert_eq!(body["Status"], "SUCCESS");
        assert_eq!(body["Data"]["Removed"], "2");
        assert_eq!(w.filters("/aws/lambda/a").await, vec![]);
        assert_eq!(
            w.filters("/aws/lambda/b").await,
            vec![w.foreign_filter("dd")]
        );
    }

    #[tokio::test]
    async fn a_misconfigured_function_still_answers_cloudformation() {
        let api = RuntimeApi::start("recorder").await.unwrap();
        let errors = crate::config::Config::from_lookup(|_| None).unwrap_err();
        let http = crate::deps::http_client().unwrap();
        for (request_type, status) in [("Create", "FAILED"), ("Delete", "SUCCESS")] {
            let path = format!("/cfn/{request_type}");
            let mut context = lambda_runtime::Context::default();
            context.request_id = "r".into();
            let event = LambdaEvent::new(custom_resource(request_type, &api.url(&path)), context);
            let error = handle_misconfigured(&http, &errors, event)
                .await
                .unwrap_err();
            assert_eq!(error.error_type(), "Subscribe.InvalidConfiguration");
            let (body, _) = cfn_answer(&api, &path).await;
            assert_eq!(body["Status"], status, "{request_type}");
            assert!(body["Reason"]
                .as_str()
                .unwrap()
                .contains("DESTINATION_ARN: required"));
        }
    }

    #[tokio::test]
    async fn events_of_no_known_shape_are_ignored() {
        let w = MotoWorld::new().await;
        let (lambda, _, _rule) = recording_lambda();
        let deps = w.deps(config(&w.ship_logs, &[]), lambda);
        let response = handle_invocation(&deps, invocation(json!({"Records": []}), PLENTY))
            .await
            .unwrap();
        assert_eq!(
            response,
            json!({"event": "unknown", "ignored": "object with keys [Records]"})
        );
    }
}
