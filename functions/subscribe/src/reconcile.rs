//! Carrying out the decisions of `shiplog::subscribe` against CloudWatch Logs: reconcile one
//! group (new or existing, the same code), reconcile all groups page by page until the deadline
//! (returning a cursor to continue from), clean up our own filters, and the account-policy mode.

use crate::config::{Config, Mode};
use crate::logs::{is_not_found, LogGroupInfo, LogsAdapter};
use crate::retry::{full_jitter, random_u64, CallError, ErrorClass};
use shiplog::subscribe::account_policy::{self, AccountPolicyDecision};
use shiplog::subscribe::continuation::Cursor;
use shiplog::subscribe::event::{NewGroup, STANDARD_CLASS};
use shiplog::subscribe::filters::{self, FilterDecision};
use shiplog::subscribe::report::{self, GroupOutcome, Totals, VisibilityEvent};
use shiplog::subscribe::retention;
use shiplog::subscribe::selection::Tags;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Describe-decide-put rounds for one group: `LimitExceededException` on put means throttling or
/// a slot taken meanwhile, so the group is re-described before deciding again.
pub const MAX_DECIDE_ROUNDS: u32 = 4;

/// When to stop starting new work.
#[derive(Debug, Clone, Copy)]
pub struct Deadline {
    stop_at: Instant,
}

impl Deadline {
    /// Stop `margin` before `remaining` from now.
    pub fn after(remaining: Duration, margin: Duration) -> Self {
        Deadline {
            stop_at: Instant::now() + remaining.saturating_sub(margin),
        }
    }

    /// From the Lambda deadline (epoch ms) and the current time (epoch ms).
    pub fn from_epoch_ms(deadline_ms: u64, now_ms: u64, margin: Duration) -> Self {
        Self::after(
            Duration::from_millis(deadline_ms.saturating_sub(now_ms)),
            margin,
        )
    }

    /// Whether it is time to stop.
    pub fn reached(&self) -> bool {
        Instant::now() >= self.stop_at
    }
}

/// Current time, epoch ms.
pub fn now_epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// A failure that makes the rest of a run pointless.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReconcileError {
    /// "Could not execute the lambda function": the deploy's permission for CloudWatch Logs to
    /// invoke the destination is missing or wrong; every further group would fail the same way.
    #[error(
        "CloudWatch Logs could not execute the destination Lambda function {destination} \
         (PutSubscriptionFilter on {log_group}: {message}). The deploy grants logs.amazonaws.com \
         permission to invoke it (one AWS::Lambda::Permission); that permission is missing or \
         wrong, or the function is gone: redeploy the stack"
    )]
    DestinationNotInvokable {
        /// The destination.
        destination: String,
        /// The group being subscribed.
        log_group: String,
        /// CloudWatch Logs' message.
        message: String,
    },
    /// DescribeLogGroups failed after retries.
    #[error("listing log groups failed: {0}")]
    Listing(CallError),
}

/// One group's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupResult {
    /// What happened to its filter.
    pub outcome: GroupOutcome,
    /// Whether a retention policy was set.
    pub retention_set: bool,
}

/// The result of one invocation's share of a backfill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackfillResult {
    /// This invocation's counts.
    pub totals: Totals,
    /// Where to continue; `None` when every group was visited.
    pub next: Option<Cursor>,
    /// A failure that stopped the run.
    pub fatal: Option<ReconcileError>,
    /// Events to publish (groups not subscribed).
    pub events: Vec<VisibilityEvent>,
}

/// The result of a cleanup.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanupResult {
    /// Counts (`scanned`, `removed`, `failed`).
    pub totals: Totals,
    /// Whether every group was visited before the deadline.
    pub complete: bool,
}

/// What the account-policy mode did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountPolicyOutcome {
    /// Ours was there as wanted.
    Unchanged,
    /// Ours was created or updated.
    Put,
}

/// Why the account-policy mode failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountPolicyFailure {
    /// Another tool's subscription filter policy exists (one per account and Region).
    #[error("the account already has the subscription filter policy `{existing_name}` of another tool; shiplog does not overwrite it (remove it, or use SUBSCRIPTION_MODE=per-group)")]
    ForeignPolicy {
        /// Its name.
        existing_name: String,
    },
    /// The policy cannot be expressed.
    #[error(transparent)]
    Invalid(#[from] account_policy::AccountPolicyError),
    /// A call failed.
    #[error(transparent)]
    Call(#[from] CallError),
}

/// The reconcile engine over one adapter and configuration.
#[derive(Debug, Clone, Copy)]
pub struct Reconciler<'a> {
    logs: &'a LogsAdapter,
    config: &'a Config,
}

impl<'a> Reconciler<'a> {
    /// An engine.
    pub fn new(logs: &'a LogsAdapter, config: &'a Config) -> Self {
        Reconciler { logs, config }
    }

    /// Reconciles a group just created (CloudTrail event): its current retention is read only
    /// when a retention is configured.
    pub async fn reconcile_new_group(
        &self,
        group: &NewGroup,
    ) -> Result<GroupResult, ReconcileError> {
        let mut info = LogGroupInfo {
            name: group.log_group.clone(),
            arn: None,
            class: None,
            retention_days: None,
            creation_ms: None,
        };
        let mut retention_wanted = self.config.retention.is_some();
        if retention_wanted {
            match self.logs.find_group(&group.log_group).await {
                Ok(Some(found)) => info = found,
                Ok(None) => {
                    return Ok(GroupResult {
                        outcome: GroupOutcome::Vanished,
                        retention_set: false,
                    })
                }
                Err(error) => {
                    tracing::warn!(log_group = %group.log_group, %error, "could not read the group's retention; not setting one");
                    retention_wanted = false;
                }
            }
        }
        self.reconcile_group(&info, retention_wanted).await
    }

    /// Reconciles one group: class check, filter, and (when `retention_wanted`: new groups)
    /// retention.
    pub async fn reconcile_group(
        &self,
        group: &LogGroupInfo,
        retention_wanted: bool,
    ) -> Result<GroupResult, ReconcileError> {
        if let Some(class) = group
            .class
            .as_ref()
            .filter(|c| !c.eq_ignore_ascii_case(STANDARD_CLASS))
        {
            return Ok(GroupResult {
                outcome: GroupOutcome::SkippedClass {
                    class: class.clone(),
                },
                retention_set: false,
            });
        }
        let outcome = self.reconcile_filter(&group.name).await?;
        let retention_set = retention_wanted
            && !matches!(outcome, GroupOutcome::Vanished)
            && self.apply_retention(group).await;
        Ok(GroupResult {
            outcome,
            retention_set,
        })
    }

    async fn reconcile_filter(&self, group: &str) -> Result<GroupOutcome, ReconcileError> {
        let desired = &self.config.filter;
        for round in 0..MAX_DECIDE_ROUNDS {
            let existing = match self.logs.filters(group).await {
                Ok(existing) => existing,
                Err(error) if is_not_found(&error) => return Ok(GroupOutcome::Vanished),
                Err(error) => return Ok(failed(&error)),
            };
            let success = match filters::decide(desired, &existing) {
                FilterDecision::Unchanged => return Ok(GroupOutcome::Unchanged),
                FilterDecision::AlreadyShipped { filter_name } => {
                    return Ok(GroupOutcome::AlreadyShipped { filter_name })
                }
                FilterDecision::NoFreeSlot { existing } => {
                    return Ok(GroupOutcome::SkippedNoSlot { existing })
                }
                FilterDecision::Create => GroupOutcome::Subscribed,
                FilterDecision::Update { .. } => GroupOutcome::Updated,
            };
            let error = match self.logs.put_filter(group, desired).await {
                Ok(()) => return Ok(success),
                Err(error) => error,
            };
            match error.class {
                ErrorClass::LimitExceeded => {
                    let pause = full_jitter(round, self.logs.retry_policy(), random_u64());
                    tracing::debug!(
                        log_group = group,
                        round,
                        "LimitExceededException: re-describing"
                    );
                    tokio::time::sleep(pause).await;
                }
                ErrorClass::NotFound => return Ok(GroupOutcome::Vanished),
                ErrorClass::DestinationNotInvokable => {
                    return Err(ReconcileError::DestinationNotInvokable {
                        destination: desired.destination_arn.clone(),
                        log_group: group.to_owned(),
                        message: error.message,
                    })
                }
                ErrorClass::Transient | ErrorClass::Permanent => return Ok(failed(&error)),
            }
        }
        Ok(GroupOutcome::Failed {
            error: format!(
                "PutSubscriptionFilter: LimitExceededException {MAX_DECIDE_ROUNDS} times although \
                 a filter slot is free (throttling?)"
            ),
        })
    }

    /// Sets the configured retention when the decision says so; failures are logged, not fatal.
    async fn apply_retention(&self, group: &LogGroupInfo) -> bool {
        let Some(days) = retention::decide(self.config.retention.as_ref(), group.retention_days)
        else {
            return false;
        };
        match self.logs.put_retention(&group.name, days).await {
            Ok(()) => true,
            Err(error) => {
                tracing::warn!(log_group = %group.name, %error, "setting retention failed");
                false
            }
        }
    }

    /// Reconciles every selected group from `start` until done or `deadline` (at least one
    /// group is processed per call, so a run always progresses).
    pub async fn reconcile_all(
        &self,
        start: Cursor,
        deadline: &Deadline,
        run_id: &str,
    ) -> BackfillResult {
        let scans = self.config.selection.scan_prefixes();
        let mut result = BackfillResult {
            totals: Totals::default(),
            next: None,
            fatal: None,
            events: Vec::new(),
        };
        let mut cursor = start;
        let mut progressed = false;
        while let Some(prefix) = scans.get(cursor.scan) {
            if progressed && deadline.reached() {
                result.next = Some(cursor);
                return result;
            }
            let page = match self
                .logs
                .list_groups(
                    prefix.as_deref(),
                    cursor.page_token.as_deref(),
                    self.config.page_size,
                )
                .await
            {
                Ok(page) => page,
                Err(error) => {
                    result.fatal = Some(ReconcileError::Listing(error));
                    return result;
                }
            };
            for (index, group) in page.groups.iter().enumerate().skip(cursor.skip) {
                if progressed && deadline.reached() {
                    result.next = Some(Cursor {
                        skip: index,
                        ..cursor
                    });
                    return result;
                }
                progressed = true;
                if let Err(fatal) = self.visit(group, &mut result).await {
                    result.fatal = Some(fatal);
                    return result;
                }
            }
            log_progress(run_id, &result.totals);
            cursor = match page.next_token {
                Some(token) if !page.groups.is_empty() => Cursor {
                    scan: cursor.scan,
                    page_token: Some(token),
                    skip: 0,
                },
                _ => Cursor {
                    scan: cursor.scan + 1,
                    page_token: None,
                    skip: 0,
                },
            };
        }
        result
    }

    /// Selection, tags and reconcile of one listed group, counted into `result`.
    async fn visit(
        &self,
        group: &LogGroupInfo,
        result: &mut BackfillResult,
    ) -> Result<(), ReconcileError> {
        result.totals.scanned += 1;
        let selection = &self.config.selection;
        if selection.by_name(&group.name).is_err() {
            return Ok(());
        }
        if selection.needs_tags() {
            match self.group_tags(group).await {
                Ok(tags) if selection.by_tags(&tags).is_err() => return Ok(()),
                Ok(_) => {}
                Err(error) => {
                    self.record(&group.name, failed(&error), false, result);
                    return Ok(());
                }
            }
        }
        let is_new = retention::is_new_group(
            group.creation_ms,
            i64::try_from(now_epoch_ms()).unwrap_or(i64::MAX),
        );
        let group_result = self.reconcile_group(group, is_new).await?;
        self.record(
            &group.name,
            group_result.outcome,
            group_result.retention_set,
            result,
        );
        Ok(())
    }

    async fn group_tags(&self, group: &LogGroupInfo) -> Result<Tags, CallError> {
        match &group.arn {
            Some(arn) => self.logs.tags(arn).await,
            None => Err(CallError {
                operation: "ListTagsForResource",
                class: ErrorClass::Permanent,
                code: "NoArn".into(),
                message: "DescribeLogGroups returned no ARN for the group".into(),
                attempts: 0,
            }),
        }
    }

    fn record(
        &self,
        log_group: &str,
        outcome: GroupOutcome,
        retention_set: bool,
        result: &mut BackfillResult,
    ) {
        log_problem(log_group, &outcome);
        result.totals.record(&outcome);
        if retention_set {
            result.totals.retention_set += 1;
        }
        result
            .events
            .extend(report::not_subscribed(log_group, &outcome));
    }

    /// Removes the filters this deployment owns (name and destination match) from every group,
    /// until done or `deadline`; never touches another filter.
    pub async fn cleanup_all(&self, deadline: &Deadline) -> CleanupResult {
        let mut totals = Totals::default();
        let mut token: Option<String> = None;
        let mut progressed = false;
        loop {
            if progressed && deadline.reached() {
                return CleanupResult {
                    totals,
                    complete: false,
                };
            }
            let page = match self
                .logs
                .list_groups(None, token.as_deref(), self.config.page_size)
                .await
            {
                Ok(page) => page,
                Err(error) => {
                    tracing::error!(%error, "cleanup: listing log groups failed");
                    totals.failed += 1;
                    return CleanupResult {
                        totals,
                        complete: false,
                    };
                }
            };
            for group in &page.groups {
                if progressed && deadline.reached() {
                    return CleanupResult {
                        totals,
                        complete: false,
                    };
                }
                progressed = true;
                totals.scanned += 1;
                self.remove_own_filter(&group.name, &mut totals).await;
            }
            match page.next_token {
                Some(next) if !page.groups.is_empty() => token = Some(next),
                _ => {
                    return CleanupResult {
                        totals,
                        complete: true,
                    }
                }
            }
        }
    }

    async fn remove_own_filter(&self, group: &str, totals: &mut Totals) {
        let existing = match self.logs.filters(group).await {
            Ok(existing) => existing,
            Err(error) if is_not_found(&error) => return,
            Err(error) => {
                tracing::warn!(log_group = group, %error, "cleanup: describing filters failed");
                totals.failed += 1;
                return;
            }
        };
        let Some(ours) = filters::owned_filter(&self.config.filter, &existing) else {
            return;
        };
        match self.logs.delete_filter(group, &ours.name).await {
            Ok(()) => totals.removed += 1,
            Err(error) if is_not_found(&error) => {}
            Err(error) => {
                tracing::warn!(log_group = group, %error, "cleanup: deleting our filter failed");
                totals.failed += 1;
            }
        }
    }

    /// Account-policy mode: creates or updates our subscription filter policy; refuses when
    /// another tool's exists.
    pub async fn ensure_account_policy(
        &self,
    ) -> Result<AccountPolicyOutcome, AccountPolicyFailure> {
        let desired = self.desired_account_policy()?;
        let existing = self.logs.subscription_policies().await?;
        match account_policy::decide(&desired, &existing) {
            AccountPolicyDecision::Unchanged => Ok(AccountPolicyOutcome::Unchanged),
            AccountPolicyDecision::Put => {
                self.logs.put_subscription_policy(&desired).await?;
                Ok(AccountPolicyOutcome::Put)
            }
            AccountPolicyDecision::RefuseForeign { existing_name } => {
                Err(AccountPolicyFailure::ForeignPolicy { existing_name })
            }
        }
    }

    /// Account-policy mode cleanup: deletes our policy if we own it (name and destination).
    pub async fn remove_account_policy(&self) -> Result<bool, AccountPolicyFailure> {
        let desired = self.desired_account_policy()?;
        let existing = self.logs.subscription_policies().await?;
        if !existing.iter().any(|p| account_policy::owns(&desired, p)) {
            return Ok(false);
        }
        match self.logs.delete_subscription_policy(&desired.name).await {
            Ok(()) => Ok(true),
            Err(error) if is_not_found(&error) => Ok(false),
            Err(error) => Err(error.into()),
        }
    }

    fn desired_account_policy(
        &self,
    ) -> Result<account_policy::DesiredAccountPolicy, AccountPolicyFailure> {
        let name = match &self.config.mode {
            Mode::AccountPolicy { policy_name } => policy_name.as_str(),
            Mode::PerGroup => account_policy::DEFAULT_POLICY_NAME,
        };
        Ok(account_policy::desired_policy(
            name,
            &self.config.filter,
            &self.config.selection.own_groups,
        )?)
    }
}

fn failed(error: &CallError) -> GroupOutcome {
    GroupOutcome::Failed {
        error: error.to_string(),
    }
}

/// One warning per group that ends unsubscribed (they are few; the rest is counted).
fn log_problem(log_group: &str, outcome: &GroupOutcome) {
    match outcome {
        GroupOutcome::SkippedNoSlot { existing } => {
            let names: Vec<&str> = existing.iter().map(|f| f.name.as_str()).collect();
            tracing::warn!(log_group, outcome = outcome.name(), existing_filters = ?names, "not subscribed: every subscription filter slot is used by other tools");
        }
        GroupOutcome::SkippedClass { class } => {
            tracing::warn!(log_group, outcome = outcome.name(), class = %class, "not subscribed: log group class takes no subscription filter");
        }
        GroupOutcome::Failed { error } => {
            tracing::warn!(log_group, outcome = outcome.name(), error = %error, "not subscribed: failed");
        }
        _ => {}
    }
}

/// The progress line of a backfill, once per page.
pub fn log_progress(run_id: &str, totals: &Totals) {
    tracing::info!(
        run_id,
        scanned = totals.scanned,
        matched = totals.matched,
        subscribed = totals.subscribed,
        updated = totals.updated,
        unchanged = totals.unchanged,
        skipped_no_slot = totals.skipped_no_slot,
        skipped_class = totals.skipped_class,
        failed = totals.failed,
        "reconcile progress"
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn deadline_is_reached_margin_before_the_lambda_deadline() {
        let deadline = Deadline::from_epoch_ms(10_000, 4_000, Duration::from_secs(2));
        assert!(!deadline.reached());
        tokio::time::sleep(Duration::from_millis(3_999)).await;
        assert!(!deadline.reached());
        tokio::time::sleep(Duration::from_millis(1)).await;
        assert!(deadline.reached());
    }

    #[tokio::test(start_paused = true)]
    async fn past_deadline_is_reached_at_once() {
        assert!(Deadline::from_epoch_ms(1_000, 5_000, Duration::ZERO).reached());
    }
}
