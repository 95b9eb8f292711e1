//! The invocation handler: recognises the event (SPEC §5) and runs the matching flow.
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
use crate::reconcile::{now_epoch_ms, AccountPolicyOutcome, Deadline, ReconcileError, Reconciler};
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
            tracing::info!(trigger, outcome = ?outcome, "account subscription filter policy reconciled");
            json!({"event": "account-policy", "outcome": account_outcome_name(outcome)})
        }
        Err(error) => {
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
