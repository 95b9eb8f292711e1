//! Carrying out the decisions of `shiplog::subscribe` against CloudWatch Logs: reconcile one
//! group (new or existing, the same code), reconcile all groups page by page until the deadline
//! (returning a cursor to continue from), clean up our own filters, and the account-policy mode.

use crate::config::{Config, Mode};
use crate::logs::{is_not_found, LogGroupInfo, LogsAdapter};
use crate::retry::{CallError, ErrorClass};
use shiplog::backoff::Backoff;
use shiplog::subscribe::account_policy::{self, AccountPolicyDecision};
use shiplog::subscribe::continuation::Cursor;
use shiplog::subscribe::event::{class_in_message, class_takes_subscription_filters, NewGroup};
use shiplog::subscribe::filters::{self, ExistingFilter, FilterDecision, LimitVerdict};
use shiplog::subscribe::report::{self, GroupOutcome, Totals, VisibilityEvent};
use shiplog::subscribe::retention;
use shiplog::subscribe::selection::Tags;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use tokio::time::Instant;

/// Decide-put rounds for one group: after a `LimitExceededException` on put the group is
/// described again and [`filters::after_limit_exceeded`] tells a full group (skip and report)
/// from a changed one (decide again) and from another limit or throttling (back off, retry).
pub const MAX_DECIDE_ROUNDS: u32 = 4;

/// The class reported when CloudWatch Logs refuses a group for its class without naming it.
const UNNAMED_CLASS: &str = "unknown";

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
#[allow(clippy::disallowed_methods)] // the Lambda shell reads the wall clock for the decisions
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
            .filter(|c| !class_takes_subscription_filters(Some(c.as_str())))
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
        let mut existing = match self.describe(group).await {
            Ok(existing) => existing,
            Err(outcome) => return Ok(outcome),
        };
        let mut last_limit = String::new();
        for round in 0..MAX_DECIDE_ROUNDS {
            let success = match filters::decide(desired, &existing) {
                FilterDecision::Unchanged => return Ok(GroupOutcome::Unchanged),
                FilterDecision::AlreadyShipped { filter_name } => {
                    return Ok(GroupOutcome::AlreadyShipped { filter_name })
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
                    let after = match self.describe(group).await {
                        Ok(after) => after,
                        Err(outcome) => return Ok(outcome),
                    };
                    match filters::after_limit_exceeded(desired, &existing, &after) {
                        LimitVerdict::NoFreeSlot { existing } => {
                            return Ok(GroupOutcome::SkippedNoSlot { existing })
                        }
                        LimitVerdict::Changed => {
                            tracing::debug!(log_group = group, round, "LimitExceededException: the filters changed meanwhile; deciding again");
                        }
                        LimitVerdict::Retry => {
                            let pause =
                                Backoff::from_entropy(*self.logs.retry_policy()).jitter(round + 1);
                            tracing::debug!(
                                log_group = group,
                                round,
                                "LimitExceededException on a group that is not full: retrying"
                            );
                            tokio::time::sleep(pause).await;
                        }
                    }
                    last_limit = error.message;
                    existing = after;
                }
                ErrorClass::UnsupportedClass => return Ok(refused_class(group, &error)),
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
                "PutSubscriptionFilter: LimitExceededException {MAX_DECIDE_ROUNDS} times on a \
                 group that holds no other tool's filters in every slot (another limit, or \
                 throttling): {last_limit}"
            ),
        })
    }

    /// The group's filters, or the outcome when describing them fails (gone, refused for its
    /// class, failed after retries).
    async fn describe(&self, group: &str) -> Result<Vec<ExistingFilter>, GroupOutcome> {
        match self.logs.filters(group).await {
            Ok(existing) => Ok(existing),
            Err(error) => Err(match error.class {
                ErrorClass::NotFound => GroupOutcome::Vanished,
                ErrorClass::UnsupportedClass => refused_class(group, &error),
                _ => failed(&error),
            }),
        }
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

/// A group CloudWatch Logs refused for its class: skipped and reported, with the class the
/// message names.
fn refused_class(group: &str, error: &CallError) -> GroupOutcome {
    tracing::info!(log_group = group, code = %error.code, message = %error.message, "refused for the log group's class");
    GroupOutcome::SkippedClass {
        class: class_in_message(&error.message)
            .unwrap_or(UNNAMED_CLASS)
            .to_owned(),
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
    use crate::config::{
        INCLUDE_TAGS_ENV, OWN_LOG_GROUPS_ENV, PAGE_SIZE_ENV, RETENTION_DAYS_ENV,
        RETENTION_OVERWRITE_ENV, SUBSCRIPTION_MODE_ENV,
    };
    use crate::test_support::{config, MotoWorld};
    use aws_sdk_cloudwatchlogs::error::ErrorMetadata;
    use aws_sdk_cloudwatchlogs::operation::delete_account_policy::DeleteAccountPolicyOutput;
    use aws_sdk_cloudwatchlogs::operation::describe_account_policies::DescribeAccountPoliciesOutput;
    use aws_sdk_cloudwatchlogs::operation::describe_log_groups::DescribeLogGroupsOutput;
    use aws_sdk_cloudwatchlogs::operation::describe_subscription_filters::{
        DescribeSubscriptionFiltersError, DescribeSubscriptionFiltersOutput,
    };
    use aws_sdk_cloudwatchlogs::operation::put_account_policy::PutAccountPolicyOutput;
    use aws_sdk_cloudwatchlogs::operation::put_subscription_filter::{
        PutSubscriptionFilterError, PutSubscriptionFilterOutput,
    };
    use aws_sdk_cloudwatchlogs::types::error::{InvalidOperationException, LimitExceededException};
    use aws_sdk_cloudwatchlogs::types::{
        AccountPolicy, Distribution, LogGroup, LogGroupClass, PolicyType, Scope, SubscriptionFilter,
    };
    use aws_smithy_mocks::{mock, mock_client, RuleMode};

    const FAR: Duration = Duration::from_secs(600);
    /// The wording of CloudWatch Logs' refusals for a log group class, as quoted for
    /// FilterLogEvents ("… is not supported for log-group-class INFREQUENT_ACCESS"); the exact
    /// wording for PutSubscriptionFilter is not published.
    const CLASS_REFUSAL: &str =
        "PutSubscriptionFilter is not supported for log-group-class DELIVERY";

    fn group(name: &str) -> LogGroupInfo {
        LogGroupInfo {
            name: name.into(),
            arn: None,
            class: None,
            retention_days: None,
            creation_ms: None,
        }
    }

    fn past() -> Deadline {
        Deadline::after(Duration::ZERO, Duration::ZERO)
    }

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

    /// The filter situations of issue 6 against moto: none, ours-same, ours-different, one
    /// foreign, two foreign, one foreign + ours.
    #[tokio::test]
    async fn every_filter_situation_ends_subscribed_once_and_foreign_filters_untouched() {
        let w = MotoWorld::new().await;
        let cfg = config(&w.ship_logs, &[]);
        for name in [
            "none",
            "same",
            "different",
            "one-foreign",
            "two-foreign",
            "foreign-and-ours",
        ] {
            w.group(&format!("/aws/lambda/{name}"), &[]).await;
        }
        w.filter("/aws/lambda/same", "shiplog", &w.ship_logs, "")
            .await;
        w.filter("/aws/lambda/different", "shiplog", &w.ship_logs, "ERROR")
            .await;
        w.filter("/aws/lambda/one-foreign", "dd", &w.foreign, "")
            .await;
        w.filter("/aws/lambda/two-foreign", "dd", &w.foreign, "")
            .await;
        w.filter("/aws/lambda/two-foreign", "dd2", &w.foreign, "ERROR")
            .await;
        w.filter("/aws/lambda/foreign-and-ours", "dd", &w.foreign, "")
            .await;
        w.filter("/aws/lambda/foreign-and-ours", "shiplog", &w.ship_logs, "")
            .await;

        let logs = w.adapter(&cfg);
        let reconciler = Reconciler::new(&logs, &cfg);
        // The two-foreign group is put to, and moto's LimitExceededException on it (moto keeps
        // the quota of two) makes it skipped: the slot count is AWS's, not shiplog's.
        let two_foreign = vec![
            ExistingFilter::new("dd", &w.foreign, ""),
            ExistingFilter::new("dd2", &w.foreign, "ERROR"),
        ];
        let expected = [
            ("none", GroupOutcome::Subscribed),
            ("same", GroupOutcome::Unchanged),
            ("different", GroupOutcome::Updated),
            ("one-foreign", GroupOutcome::Subscribed),
            (
                "two-foreign",
                GroupOutcome::SkippedNoSlot {
                    existing: two_foreign,
                },
            ),
            ("foreign-and-ours", GroupOutcome::Unchanged),
        ];
        for (name, want) in expected {
            let result = reconciler
                .reconcile_group(&group(&format!("/aws/lambda/{name}")), false)
                .await
                .unwrap();
            assert_eq!(result.outcome, want, "{name}");
        }
        let dd = w.foreign_filter("dd");
        let dd2 = (
            String::from("dd2"),
            w.foreign.clone(),
            String::from("ERROR"),
        );
        assert_eq!(w.filters("/aws/lambda/none").await, vec![w.ours()]);
        assert_eq!(w.filters("/aws/lambda/same").await, vec![w.ours()]);
        assert_eq!(w.filters("/aws/lambda/different").await, vec![w.ours()]);
        assert_eq!(
            w.filters("/aws/lambda/one-foreign").await,
            vec![dd.clone(), w.ours()]
        );
        assert_eq!(
            w.filters("/aws/lambda/two-foreign").await,
            vec![dd.clone(), dd2]
        );
        assert_eq!(
            w.filters("/aws/lambda/foreign-and-ours").await,
            vec![dd, w.ours()]
        );
    }

    /// Lays out: 5 selected Lambda groups (one without a free slot), shiplog's own two groups,
    /// an extra own group, and a non-Lambda group.
    async fn backfill_world() -> MotoWorld {
        let w = MotoWorld::new().await;
        for name in ["a", "b", "c", "d", "full"] {
            w.group(&format!("/aws/lambda/{name}"), &[]).await;
        }
        w.filter("/aws/lambda/b", "dd", &w.foreign, "").await;
        w.filter("/aws/lambda/full", "dd", &w.foreign, "").await;
        w.filter("/aws/lambda/full", "dd2", &w.foreign, "x").await;
        for own in [
            "/aws/lambda/shiplog-ship-logs",
            "/aws/lambda/shiplog-subscribe",
            "/aws/lambda/zz-own",
        ] {
            w.group(own, &[]).await;
        }
        w.group("/ecs/web", &[]).await;
        w
    }

    async fn assert_backfilled(w: &MotoWorld) {
        let dd = w.foreign_filter("dd");
        for name in ["a", "c", "d"] {
            assert_eq!(
                w.filters(&format!("/aws/lambda/{name}")).await,
                vec![w.ours()],
                "{name}"
            );
        }
        assert_eq!(w.filters("/aws/lambda/b").await, vec![dd.clone(), w.ours()]);
        assert_eq!(w.filters("/aws/lambda/full").await.len(), 2);
        assert!(!w.filters("/aws/lambda/full").await.contains(&w.ours()));
        for untouched in [
            "/aws/lambda/shiplog-ship-logs",
            "/aws/lambda/shiplog-subscribe",
            "/aws/lambda/zz-own",
            "/ecs/web",
        ] {
            assert_eq!(w.filters(untouched).await, vec![], "{untouched}");
        }
    }

    #[tokio::test]
    async fn backfill_interrupted_by_its_deadline_completes_on_continuation() {
        let w = backfill_world().await;
        let cfg = config(
            &w.ship_logs,
            &[
                (PAGE_SIZE_ENV, "2"),
                (OWN_LOG_GROUPS_ENV, "/aws/lambda/zz-own"),
            ],
        );
        let logs = w.adapter(&cfg);
        let reconciler = Reconciler::new(&logs, &cfg);
        let mut cursor = Cursor::default();
        let mut totals = Totals::default();
        let mut calls = 0;
        loop {
            calls += 1;
            assert!(calls <= 20, "no progress: {cursor:?}");
            let result = reconciler
                .reconcile_all(cursor.clone(), &past(), "run")
                .await;
            assert_eq!(result.fatal, None);
            totals.merge(&result.totals);
            match result.next {
                Some(next) => {
                    assert_ne!(next, cursor, "a continuation must progress");
                    cursor = next;
                }
                None => break,
            }
        }
        assert!(
            calls >= 8,
            "the past deadline lets one group through per call: {calls}"
        );
        assert_eq!(
            totals,
            Totals {
                scanned: 8,
                matched: 5,
                subscribed: 4,
                skipped_no_slot: 1,
                ..Totals::default()
            }
        );
        assert_backfilled(&w).await;
    }

    #[tokio::test]
    async fn backfill_with_time_to_spare_finishes_in_one_call_and_a_rerun_changes_nothing() {
        let w = backfill_world().await;
        let cfg = config(
            &w.ship_logs,
            &[
                (PAGE_SIZE_ENV, "3"),
                (OWN_LOG_GROUPS_ENV, "/aws/lambda/zz-own"),
            ],
        );
        let logs = w.adapter(&cfg);
        let reconciler = Reconciler::new(&logs, &cfg);
        let deadline = Deadline::after(FAR, Duration::ZERO);
        let first = reconciler
            .reconcile_all(Cursor::default(), &deadline, "run")
            .await;
        assert_eq!(first.next, None);
        assert_eq!(first.totals.subscribed, 4);
        assert_eq!(
            first.events.len(),
            1,
            "the group without a free slot is reported"
        );
        assert_eq!(first.events[0].detail["logGroup"], "/aws/lambda/full");
        assert_eq!(first.events[0].detail["reason"], "no-free-slot");
        assert_backfilled(&w).await;
        let second = reconciler
            .reconcile_all(Cursor::default(), &deadline, "run")
            .await;
        assert_eq!(second.totals.subscribed, 0);
        assert_eq!(second.totals.unchanged, 4);
        assert_backfilled(&w).await;
    }

    #[tokio::test]
    async fn tag_predicates_select_existing_groups_by_their_tags() {
        let w = MotoWorld::new().await;
        w.group("/aws/lambda/billing", &[("team", "billing")]).await;
        w.group("/aws/lambda/other", &[("team", "web")]).await;
        w.group("/aws/lambda/untagged", &[]).await;
        let cfg = config(&w.ship_logs, &[(INCLUDE_TAGS_ENV, "team=billing")]);
        let logs = w.adapter(&cfg);
        let result = Reconciler::new(&logs, &cfg)
            .reconcile_all(
                Cursor::default(),
                &Deadline::after(FAR, Duration::ZERO),
                "run",
            )
            .await;
        assert_eq!((result.totals.scanned, result.totals.matched), (3, 1));
        assert_eq!(w.filters("/aws/lambda/billing").await, vec![w.ours()]);
        assert_eq!(w.filters("/aws/lambda/other").await, vec![]);
        assert_eq!(w.filters("/aws/lambda/untagged").await, vec![]);
    }

    #[tokio::test]
    async fn new_group_gets_the_retention_only_when_it_has_none_unless_overwrite() {
        let w = MotoWorld::new().await;
        w.group("/aws/lambda/fresh", &[]).await;
        w.group("/aws/lambda/kept", &[]).await;
        w.set_retention("/aws/lambda/kept", 7).await;
        let new = |name: &str| NewGroup {
            log_group: name.into(),
            tags: Tags::new(),
        };
        let cfg = config(&w.ship_logs, &[(RETENTION_DAYS_ENV, "14")]);
        let logs = w.adapter(&cfg);
        let reconciler = Reconciler::new(&logs, &cfg);
        let fresh = reconciler
            .reconcile_new_group(&new("/aws/lambda/fresh"))
            .await
            .unwrap();
        assert_eq!(
            (fresh.outcome, fresh.retention_set),
            (GroupOutcome::Subscribed, true)
        );
        assert_eq!(w.retention("/aws/lambda/fresh").await, Some(14));
        let kept = reconciler
            .reconcile_new_group(&new("/aws/lambda/kept"))
            .await
            .unwrap();
        assert!(!kept.retention_set);
        assert_eq!(w.retention("/aws/lambda/kept").await, Some(7));

        let cfg = config(
            &w.ship_logs,
            &[
                (RETENTION_DAYS_ENV, "14"),
                (RETENTION_OVERWRITE_ENV, "true"),
            ],
        );
        let logs = w.adapter(&cfg);
        let kept = Reconciler::new(&logs, &cfg)
            .reconcile_new_group(&new("/aws/lambda/kept"))
            .await
            .unwrap();
        assert_eq!(
            (kept.outcome, kept.retention_set),
            (GroupOutcome::Unchanged, true)
        );
        assert_eq!(w.retention("/aws/lambda/kept").await, Some(14));
        let gone = Reconciler::new(&logs, &cfg)
            .reconcile_new_group(&new("/aws/lambda/deleted-meanwhile"))
            .await
            .unwrap();
        assert_eq!(gone.outcome, GroupOutcome::Vanished);
    }

    #[tokio::test]
    async fn could_not_execute_the_lambda_function_stops_the_run_with_a_clear_error() {
        let w = MotoWorld::new().await;
        for name in ["a", "b"] {
            w.group(&format!("/aws/lambda/{name}"), &[]).await;
        }
        let missing = "arn:aws:lambda:us-east-1:123456789012:function:not-deployed";
        let cfg = config(missing, &[]);
        let logs = w.adapter(&cfg);
        let result = Reconciler::new(&logs, &cfg)
            .reconcile_all(
                Cursor::default(),
                &Deadline::after(FAR, Duration::ZERO),
                "run",
            )
            .await;
        let Some(ReconcileError::DestinationNotInvokable {
            destination,
            log_group,
            message,
        }) = &result.fatal
        else {
            panic!("{:?}", result.fatal);
        };
        assert_eq!(
            (destination.as_str(), log_group.as_str()),
            (missing, "/aws/lambda/a")
        );
        assert!(message.contains("Could not execute the lambda function"));
        let text = result.fatal.as_ref().unwrap().to_string();
        assert!(text.contains("redeploy the stack"), "{text}");
        assert_eq!(
            result.totals.scanned, 1,
            "the run stops at the first such failure"
        );
    }

    #[tokio::test]
    async fn cleanup_removes_only_filters_matching_our_name_and_destination() {
        let w = MotoWorld::new().await;
        for name in ["ours", "mixed", "name-only"] {
            w.group(&format!("/aws/lambda/{name}"), &[]).await;
        }
        w.group("/ecs/ours-too", &[]).await;
        w.filter("/aws/lambda/ours", "shiplog", &w.ship_logs, "")
            .await;
        w.filter("/aws/lambda/mixed", "dd", &w.foreign, "").await;
        w.filter("/aws/lambda/mixed", "shiplog", &w.ship_logs, "")
            .await;
        w.filter("/aws/lambda/name-only", "shiplog", &w.foreign, "")
            .await;
        w.filter("/ecs/ours-too", "shiplog", &w.ship_logs, "").await;
        let cfg = config(&w.ship_logs, &[]);
        let logs = w.adapter(&cfg);
        let result = Reconciler::new(&logs, &cfg)
            .cleanup_all(&Deadline::after(FAR, Duration::ZERO))
            .await;
        assert!(result.complete);
        assert_eq!((result.totals.scanned, result.totals.removed), (4, 3));
        assert_eq!(w.filters("/aws/lambda/ours").await, vec![]);
        assert_eq!(
            w.filters("/aws/lambda/mixed").await,
            vec![w.foreign_filter("dd")]
        );
        assert_eq!(
            w.filters("/aws/lambda/name-only").await,
            vec![("shiplog".into(), w.foreign.clone(), String::new())]
        );
        assert_eq!(w.filters("/ecs/ours-too").await, vec![]);
    }

    // ---- recorded SDK responses (aws-smithy-mocks) ----

    fn filters_output(names: &[&str]) -> DescribeSubscriptionFiltersOutput {
        DescribeSubscriptionFiltersOutput::builder()
            .set_subscription_filters(Some(
                names
                    .iter()
                    .map(|n| {
                        SubscriptionFilter::builder()
                            .filter_name(*n)
                            .destination_arn(format!("arn:aws:lambda:us-east-1:1:function:{n}"))
                            .filter_pattern("")
                            .build()
                    })
                    .collect(),
            ))
            .build()
    }

    fn limit_exceeded() -> PutSubscriptionFilterError {
        PutSubscriptionFilterError::LimitExceededException(
            LimitExceededException::builder()
                .message("Resource limit exceeded.")
                .meta(
                    ErrorMetadata::builder()
                        .code("LimitExceededException")
                        .message("Resource limit exceeded.")
                        .build(),
                )
                .build(),
        )
    }

    /// Reconciles `/aws/lambda/a` under the default test configuration through `client`.
    async fn reconcile_group_a(client: aws_sdk_cloudwatchlogs::Client) -> GroupResult {
        let cfg = config("arn:aws:lambda:us-east-1:1:function:shiplog-ship-logs", &[]);
        let logs = LogsAdapter::new(client, cfg.rate_per_second, cfg.retry);
        Reconciler::new(&logs, &cfg)
            .reconcile_group(&group("/aws/lambda/a"), false)
            .await
            .unwrap()
    }

    /// As in production ([`crate::deps::logs_client`]): our retry layer is the only one.
    fn no_sdk_retry(
        builder: aws_sdk_cloudwatchlogs::config::Builder,
    ) -> aws_sdk_cloudwatchlogs::config::Builder {
        builder.retry_config(aws_sdk_cloudwatchlogs::config::retry::RetryConfig::disabled())
    }

    fn mocked(rules: &[&aws_smithy_mocks::Rule]) -> (Config, LogsAdapter) {
        let cfg = config("arn:aws:lambda:us-east-1:1:function:shiplog-ship-logs", &[]);
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::Sequential,
            rules,
            no_sdk_retry
        );
        let logs = LogsAdapter::new(client, cfg.rate_per_second, cfg.retry);
        (cfg, logs)
    }

    #[tokio::test]
    async fn limit_exceeded_is_re_described_and_a_slot_taken_meanwhile_means_skip() {
        let empty = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .then_output(|| filters_output(&[]));
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_subscription_filter)
            .then_error(limit_exceeded);
        let full = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .then_output(|| filters_output(&["dd", "sumo"]));
        let put_again = mock!(aws_sdk_cloudwatchlogs::Client::put_subscription_filter)
            .then_error(limit_exceeded);
        let still_full = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .then_output(|| filters_output(&["dd", "sumo"]));
        let (cfg, logs) = mocked(&[&empty, &put, &full, &put_again, &still_full]);
        let result = Reconciler::new(&logs, &cfg)
            .reconcile_group(&group("/aws/lambda/a"), false)
            .await
            .unwrap();
        let GroupOutcome::SkippedNoSlot { existing } = &result.outcome else {
            panic!("{:?}", result.outcome);
        };
        assert_eq!(existing.len(), 2);
        assert_eq!(
            (
                empty.num_calls(),
                put.num_calls(),
                full.num_calls(),
                put_again.num_calls(),
                still_full.num_calls()
            ),
            (1, 1, 1, 1, 1)
        );
    }

    /// No slot count is assumed: a group with ONE other tool's filter whose put answers
    /// `LimitExceededException` (a quota of one) is skipped and reported, and one with three
    /// (a larger quota) is put to.
    #[tokio::test]
    async fn the_free_slot_is_what_put_subscription_filter_answers_not_a_count() {
        let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .sequence()
            .output(|| filters_output(&["dd"]))
            .times(2)
            .build();
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_subscription_filter)
            .then_error(limit_exceeded);
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&describe, &put],
            no_sdk_retry
        );
        let result = reconcile_group_a(client).await;
        let GroupOutcome::SkippedNoSlot { existing } = &result.outcome else {
            panic!("{:?}", result.outcome);
        };
        assert_eq!(existing[0].name, "dd");
        assert_eq!((describe.num_calls(), put.num_calls()), (2, 1));
        let event = report::not_subscribed("/aws/lambda/a", &result.outcome).unwrap();
        assert_eq!(event.detail["reason"], "no-free-slot");

        let three = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .then_output(|| filters_output(&["a", "b", "c"]));
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_subscription_filter)
            .then_output(|| PutSubscriptionFilterOutput::builder().build());
        let (cfg, logs) = mocked(&[&three, &put]);
        let result = Reconciler::new(&logs, &cfg)
            .reconcile_group(&group("/aws/lambda/b"), false)
            .await
            .unwrap();
        assert_eq!(result.outcome, GroupOutcome::Subscribed);
    }

    #[tokio::test]
    async fn limit_exceeded_on_a_group_without_filters_is_retried() {
        let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .sequence()
            .output(|| filters_output(&[]))
            .times(2)
            .build();
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_subscription_filter)
            .match_requests(|r| {
                r.filter_name() == Some("shiplog")
                    && r.filter_pattern() == Some("")
                    && r.log_group_name() == Some("/aws/lambda/a")
                    && r.destination_arn()
                        == Some("arn:aws:lambda:us-east-1:1:function:shiplog-ship-logs")
            })
            .sequence()
            .error(limit_exceeded)
            .output(|| PutSubscriptionFilterOutput::builder().build())
            .build();
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&describe, &put],
            no_sdk_retry
        );
        let result = reconcile_group_a(client).await;
        assert_eq!(result.outcome, GroupOutcome::Subscribed);
        assert_eq!((describe.num_calls(), put.num_calls()), (2, 2));
    }

    #[tokio::test]
    async fn persistent_limit_exceeded_without_a_full_group_fails_after_the_rounds() {
        let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .then_output(|| filters_output(&[]));
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_subscription_filter)
            .then_error(limit_exceeded);
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&describe, &put],
            no_sdk_retry
        );
        let result = reconcile_group_a(client).await;
        let GroupOutcome::Failed { error } = &result.outcome else {
            panic!("{:?}", result.outcome);
        };
        assert!(error.contains("Resource limit exceeded."), "{error}");
        assert_eq!(put.num_calls(), MAX_DECIDE_ROUNDS as usize);
    }

    /// The answer CloudWatch Logs gives for a class without subscription filters: the group is
    /// skipped and reported with the class, at the first answer (no retry).
    #[tokio::test]
    async fn put_refused_for_the_group_class_is_skipped_and_not_retried() {
        let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .then_output(|| filters_output(&[]));
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_subscription_filter).then_error(|| {
            PutSubscriptionFilterError::InvalidOperationException(
                InvalidOperationException::builder()
                    .message(CLASS_REFUSAL)
                    .meta(
                        ErrorMetadata::builder()
                            .code("InvalidOperationException")
                            .message(CLASS_REFUSAL)
                            .build(),
                    )
                    .build(),
            )
        });
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&describe, &put],
            no_sdk_retry
        );
        let cfg = config("arn:aws:lambda:us-east-1:1:function:shiplog-ship-logs", &[]);
        let logs = LogsAdapter::new(client, cfg.rate_per_second, cfg.retry);
        let result = Reconciler::new(&logs, &cfg)
            .reconcile_group(&group("/aws/lambda/a"), true)
            .await
            .unwrap();
        assert_eq!(
            result.outcome,
            GroupOutcome::SkippedClass {
                class: "DELIVERY".into()
            }
        );
        assert!(!result.retention_set);
        assert_eq!((describe.num_calls(), put.num_calls()), (1, 1));
        let event = report::not_subscribed("/aws/lambda/a", &result.outcome).unwrap();
        assert_eq!(event.detail["reason"], "log-group-class");
    }

    /// DescribeSubscriptionFilters answers carrying the 2025 fields (`emitSystemFields`,
    /// `fieldSelectionCriteria`, `applyOnTransformedLogs`) are read; ours with a selection
    /// criteria is updated in place, another tool's centralizing filter is left alone.
    #[tokio::test]
    async fn filters_with_system_fields_and_selection_criteria_are_tolerated() {
        let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .then_output(|| {
                DescribeSubscriptionFiltersOutput::builder()
                    .subscription_filters(
                        SubscriptionFilter::builder()
                            .filter_name("central")
                            .log_group_name("/aws/lambda/a")
                            .destination_arn("arn:aws:logs:us-east-1:2:destination:central")
                            .filter_pattern("")
                            .distribution(Distribution::ByLogStream)
                            .apply_on_transformed_logs(false)
                            .emit_system_fields("@aws.account")
                            .emit_system_fields("@aws.region")
                            .field_selection_criteria(r#"@aws.region NOT IN ["cn-north-1"]"#)
                            .creation_time(1_750_000_000_000)
                            .build(),
                    )
                    .subscription_filters(
                        SubscriptionFilter::builder()
                            .filter_name("shiplog")
                            .destination_arn(SHIP_LOGS_ARN)
                            .filter_pattern("")
                            .emit_system_fields("@aws.account")
                            .field_selection_criteria(r#"@aws.account = "1""#)
                            .build(),
                    )
                    .build()
            });
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_subscription_filter)
            .match_requests(|r| {
                r.filter_name() == Some("shiplog") && r.field_selection_criteria().is_none()
            })
            .then_output(|| PutSubscriptionFilterOutput::builder().build());
        let describe_ours = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .then_output(|| {
                DescribeSubscriptionFiltersOutput::builder()
                    .subscription_filters(
                        SubscriptionFilter::builder()
                            .filter_name("shiplog")
                            .destination_arn(SHIP_LOGS_ARN)
                            .filter_pattern("")
                            .field_selection_criteria(r#"@aws.account = "1""#)
                            .build(),
                    )
                    .build()
            });
        let (cfg, logs) = mocked(&[&describe, &describe_ours, &put]);
        let existing = logs.filters("/aws/lambda/a").await.unwrap();
        assert_eq!(existing.len(), 2);
        assert_eq!(
            existing[0].emit_system_fields,
            vec!["@aws.account".to_owned(), "@aws.region".to_owned()]
        );
        assert_eq!(
            existing[1].field_selection_criteria.as_deref(),
            Some(r#"@aws.account = "1""#)
        );
        let result = Reconciler::new(&logs, &cfg)
            .reconcile_group(&group("/aws/lambda/a"), false)
            .await
            .unwrap();
        assert_eq!(result.outcome, GroupOutcome::Updated);
        assert_eq!(put.num_calls(), 1);
    }

    #[tokio::test]
    async fn throttling_and_operation_aborted_are_retried_with_backoff() {
        let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .sequence()
            .error(|| {
                DescribeSubscriptionFiltersError::generic(
                    ErrorMetadata::builder().code("ThrottlingException").build(),
                )
            })
            .http_status(503, None)
            .output(|| filters_output(&[]))
            .build();
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_subscription_filter)
            .sequence()
            .error(|| {
                PutSubscriptionFilterError::generic(
                    ErrorMetadata::builder()
                        .code("OperationAbortedException")
                        .build(),
                )
            })
            .output(|| PutSubscriptionFilterOutput::builder().build())
            .build();
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&describe, &put],
            no_sdk_retry
        );
        let result = reconcile_group_a(client).await;
        assert_eq!(result.outcome, GroupOutcome::Subscribed);
        assert_eq!((describe.num_calls(), put.num_calls()), (3, 2));
    }

    #[tokio::test]
    async fn persistent_throttling_fails_the_group_after_the_configured_attempts() {
        let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .sequence()
            .http_status(500, None)
            .repeatedly()
            .build();
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            [&describe],
            no_sdk_retry
        );
        let result = reconcile_group_a(client).await;
        let GroupOutcome::Failed { error } = &result.outcome else {
            panic!("{:?}", result.outcome);
        };
        assert!(error.contains("DescribeSubscriptionFilters"), "{error}");
        assert!(error.contains("after 5 attempt(s)"), "{error}");
        assert_eq!(describe.num_calls(), 5);
    }

    #[tokio::test]
    async fn non_standard_class_is_skipped_without_any_call() {
        for class in ["INFREQUENT_ACCESS", "DELIVERY"] {
            let (cfg, logs) = mocked(&[]);
            let mut group = group("/aws/lambda/a");
            group.class = Some(class.into());
            let result = Reconciler::new(&logs, &cfg)
                .reconcile_group(&group, true)
                .await
                .unwrap();
            assert_eq!(
                result.outcome,
                GroupOutcome::SkippedClass {
                    class: class.into()
                }
            );
        }
    }

    /// moto 5.2 has no log group classes: DescribeLogGroups' `logGroupClass` is a recorded
    /// response. A DELIVERY group is counted and reported as skipped, a STANDARD one subscribed.
    #[tokio::test]
    async fn reconcile_all_reports_groups_of_a_class_without_subscription_filters() {
        let list = mock!(aws_sdk_cloudwatchlogs::Client::describe_log_groups).then_output(|| {
            DescribeLogGroupsOutput::builder()
                .log_groups(
                    LogGroup::builder()
                        .log_group_name("/aws/lambda/archive")
                        .log_group_class(LogGroupClass::Delivery)
                        .build(),
                )
                .log_groups(
                    LogGroup::builder()
                        .log_group_name("/aws/lambda/api")
                        .log_group_class(LogGroupClass::Standard)
                        .build(),
                )
                .build()
        });
        let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_subscription_filters)
            .match_requests(|r| r.log_group_name() == Some("/aws/lambda/api"))
            .then_output(|| filters_output(&[]));
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_subscription_filter)
            .match_requests(|r| r.log_group_name() == Some("/aws/lambda/api"))
            .then_output(|| PutSubscriptionFilterOutput::builder().build());
        let (cfg, logs) = mocked(&[&list, &describe, &put]);
        let result = Reconciler::new(&logs, &cfg)
            .reconcile_all(
                Cursor::default(),
                &Deadline::after(FAR, Duration::ZERO),
                "r",
            )
            .await;
        assert_eq!(result.fatal, None);
        assert_eq!(
            (
                result.totals.scanned,
                result.totals.skipped_class,
                result.totals.subscribed,
                result.totals.failed
            ),
            (2, 1, 1, 0)
        );
        let [event] = result.events.as_slice() else {
            panic!("{:?}", result.events);
        };
        assert_eq!(
            event.detail,
            serde_json::json!({"logGroup": "/aws/lambda/archive", "reason": "log-group-class", "logGroupClass": "DELIVERY"})
        );
    }

    // ---- account-policy mode (moto 5.2 answers PutAccountPolicy with 500: recorded responses) ----

    const SHIP_LOGS_ARN: &str = "arn:aws:lambda:us-east-1:1:function:shiplog-ship-logs";
    const OWN_CRITERIA: &str =
        r#"LogGroupName NOT IN ["/aws/lambda/shiplog-ship-logs", "/aws/lambda/shiplog-subscribe"]"#;

    fn policies_output(policies: &[(&str, &str, &str)]) -> DescribeAccountPoliciesOutput {
        DescribeAccountPoliciesOutput::builder()
            .set_account_policies(Some(
                policies
                    .iter()
                    .map(|(name, document, criteria)| {
                        AccountPolicy::builder()
                            .policy_name(*name)
                            .policy_document(*document)
                            .selection_criteria(*criteria)
                            .policy_type(PolicyType::SubscriptionFilterPolicy)
                            .scope(Scope::All)
                            .build()
                    })
                    .collect(),
            ))
            .build()
    }

    fn account_mode(rules: &[&aws_smithy_mocks::Rule]) -> (Config, LogsAdapter) {
        let cfg = config(SHIP_LOGS_ARN, &[(SUBSCRIPTION_MODE_ENV, "account-policy")]);
        let client = mock_client!(
            aws_sdk_cloudwatchlogs,
            RuleMode::MatchAny,
            rules,
            no_sdk_retry
        );
        let logs = LogsAdapter::new(client, cfg.rate_per_second, cfg.retry);
        (cfg, logs)
    }

    #[tokio::test]
    async fn account_policy_is_put_for_every_group_but_shiplogs_own() {
        let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_account_policies)
            .match_requests(|r| r.policy_type() == Some(&PolicyType::SubscriptionFilterPolicy))
            .then_output(|| policies_output(&[]));
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_account_policy)
            .match_requests(|r| {
                let document: serde_json::Value =
                    serde_json::from_str(r.policy_document().unwrap_or("")).unwrap_or_default();
                r.policy_name() == Some("shiplog")
                    && r.policy_type() == Some(&PolicyType::SubscriptionFilterPolicy)
                    && r.scope() == Some(&Scope::All)
                    && r.selection_criteria() == Some(OWN_CRITERIA)
                    && document
                        == serde_json::json!({"DestinationArn": SHIP_LOGS_ARN, "FilterPattern": ""})
            })
            .then_output(|| PutAccountPolicyOutput::builder().build());
        let (cfg, logs) = account_mode(&[&describe, &put]);
        let outcome = Reconciler::new(&logs, &cfg).ensure_account_policy().await;
        assert_eq!(outcome, Ok(AccountPolicyOutcome::Put));
        assert_eq!(put.num_calls(), 1);
    }

    #[tokio::test]
    async fn account_policy_of_another_tool_is_never_overwritten() {
        let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_account_policies)
            .then_output(|| policies_output(&[("datadog-logs", "{}", "")]));
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_account_policy)
            .then_output(|| PutAccountPolicyOutput::builder().build());
        let delete = mock!(aws_sdk_cloudwatchlogs::Client::delete_account_policy)
            .then_output(|| DeleteAccountPolicyOutput::builder().build());
        let (cfg, logs) = account_mode(&[&describe, &put, &delete]);
        let reconciler = Reconciler::new(&logs, &cfg);
        assert_eq!(
            reconciler.ensure_account_policy().await,
            Err(AccountPolicyFailure::ForeignPolicy {
                existing_name: "datadog-logs".into()
            })
        );
        assert_eq!(reconciler.remove_account_policy().await, Ok(false));
        assert_eq!((put.num_calls(), delete.num_calls()), (0, 0));
    }

    #[tokio::test]
    async fn our_matching_account_policy_is_left_alone_and_removed_on_cleanup() {
        let document = format!(r#"{{"DestinationArn":"{SHIP_LOGS_ARN}","FilterPattern":""}}"#);
        let describe = mock!(aws_sdk_cloudwatchlogs::Client::describe_account_policies)
            .then_output(move || policies_output(&[("shiplog", &document, OWN_CRITERIA)]));
        let put = mock!(aws_sdk_cloudwatchlogs::Client::put_account_policy)
            .then_output(|| PutAccountPolicyOutput::builder().build());
        let delete = mock!(aws_sdk_cloudwatchlogs::Client::delete_account_policy)
            .match_requests(|r| {
                r.policy_name() == Some("shiplog")
                    && r.policy_type() == Some(&PolicyType::SubscriptionFilterPolicy)
            })
            .then_output(|| DeleteAccountPolicyOutput::builder().build());
        let (cfg, logs) = account_mode(&[&describe, &put, &delete]);
        let reconciler = Reconciler::new(&logs, &cfg);
        assert_eq!(
            reconciler.ensure_account_policy().await,
            Ok(AccountPolicyOutcome::Unchanged)
        );
        assert_eq!(reconciler.remove_account_policy().await, Ok(true));
        assert_eq!((put.num_calls(), delete.num_calls()), (0, 1));
    }
}
