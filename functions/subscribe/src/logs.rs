//! The CloudWatch Logs adapter: the few calls `subscribe` makes, each rate-limited and retried
//! ([`crate::retry`]), translated to and from the pure types of `shiplog::subscribe`. No
//! decisions here.

use crate::rate::RateLimiter;
use crate::retry::{with_retry, CallError, ErrorClass};
use aws_sdk_cloudwatchlogs::types::{PolicyType, Scope};
use aws_sdk_cloudwatchlogs::Client;
use shiplog::backoff::BackoffPolicy;
use shiplog::subscribe::account_policy::{DesiredAccountPolicy, ExistingAccountPolicy};
use shiplog::subscribe::filters::{DesiredFilter, ExistingFilter};
use shiplog::subscribe::retention::RetentionDays;
use shiplog::subscribe::selection::Tags;

/// Subscription filters per DescribeSubscriptionFilters page (the API's maximum; every page is
/// read, whatever the per-group quota is).
const FILTERS_PAGE_SIZE: i32 = 50;

/// A log group as listed by DescribeLogGroups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupInfo {
    /// Name.
    pub name: String,
    /// ARN without the trailing `:*` (for ListTagsForResource).
    pub arn: Option<String>,
    /// `STANDARD`, `INFREQUENT_ACCESS`, `DELIVERY` (absent = STANDARD).
    pub class: Option<String>,
    /// Current retention (absent = never expires).
    pub retention_days: Option<i32>,
    /// Creation time, epoch ms.
    pub creation_ms: Option<i64>,
}

/// One page of log groups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogGroupPage {
    /// The groups, in CloudWatch's (name) order.
    pub groups: Vec<LogGroupInfo>,
    /// Token of the next page.
    pub next_token: Option<String>,
}

/// CloudWatch Logs, rate-limited and retried.
#[derive(Debug)]
pub struct LogsAdapter {
    client: Client,
    limiter: RateLimiter,
    retry: BackoffPolicy,
}

impl LogsAdapter {
    /// Wraps a client (built with SDK retries disabled, see [`crate::deps`]).
    pub fn new(client: Client, requests_per_second: u32, retry: BackoffPolicy) -> Self {
        LogsAdapter {
            client,
            limiter: RateLimiter::per_second(requests_per_second),
            retry,
        }
    }

    /// The retry policy (also used to pace re-describes after `LimitExceededException`).
    pub fn retry_policy(&self) -> &BackoffPolicy {
        &self.retry
    }

    /// One page of DescribeLogGroups.
    pub async fn list_groups(
        &self,
        prefix: Option<&str>,
        token: Option<&str>,
        limit: i32,
    ) -> Result<LogGroupPage, CallError> {
        let output = with_retry("DescribeLogGroups", &self.retry, &self.limiter, || {
            self.client
                .describe_log_groups()
                .set_log_group_name_prefix(prefix.map(str::to_owned))
                .set_next_token(token.map(str::to_owned))
                .limit(limit)
                .send()
        })
        .await?;
        let groups = output
            .log_groups()
            .iter()
            .filter_map(|g| {
                Some(LogGroupInfo {
                    name: g.log_group_name()?.to_owned(),
                    arn: g
                        .log_group_arn()
                        .map(str::to_owned)
                        .or_else(|| g.arn().map(|a| a.trim_end_matches(":*").to_owned())),
                    class: g.log_group_class().map(|c| c.as_str().to_owned()),
                    retention_days: g.retention_in_days(),
                    creation_ms: g.creation_time(),
                })
            })
            .collect();
        Ok(LogGroupPage {
            groups,
            next_token: output.next_token().map(str::to_owned),
        })
    }

    /// The group of exactly this name, if it exists.
    pub async fn find_group(&self, name: &str) -> Result<Option<LogGroupInfo>, CallError> {
        let mut token: Option<String> = None;
        loop {
            let page = self
                .list_groups(Some(name), token.as_deref(), crate::config::MAX_PAGE_SIZE)
                .await?;
            let empty = page.groups.is_empty();
            if let Some(group) = page.groups.into_iter().find(|g| g.name == name) {
                return Ok(Some(group));
            }
            match page.next_token {
                Some(next) if !empty => token = Some(next),
                _ => return Ok(None),
            }
        }
    }

    /// The group's subscription filters.
    pub async fn filters(&self, group: &str) -> Result<Vec<ExistingFilter>, CallError> {
        let mut filters = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let output = with_retry(
                "DescribeSubscriptionFilters",
                &self.retry,
                &self.limiter,
                || {
                    self.client
                        .describe_subscription_filters()
                        .log_group_name(group)
                        .set_next_token(token.clone())
                        .limit(FILTERS_PAGE_SIZE)
                        .send()
                },
            )
            .await?;
            filters.extend(output.subscription_filters().iter().map(|f| {
                ExistingFilter {
                    name: f.filter_name().unwrap_or_default().to_owned(),
                    destination_arn: f.destination_arn().unwrap_or_default().to_owned(),
                    filter_pattern: f.filter_pattern().unwrap_or_default().to_owned(),
                    role_arn: f.role_arn().filter(|r| !r.is_empty()).map(str::to_owned),
                    field_selection_criteria: f
                        .field_selection_criteria()
                        .filter(|c| !c.is_empty())
                        .map(str::to_owned),
                    emit_system_fields: f.emit_system_fields().to_vec(),
                }
            }));
            match output.next_token() {
                Some(next) if !output.subscription_filters().is_empty() => {
                    token = Some(next.to_owned())
                }
                _ => return Ok(filters),
            }
        }
    }

    /// PutSubscriptionFilter (creates, or updates the filter of that name in place).
    pub async fn put_filter(&self, group: &str, filter: &DesiredFilter) -> Result<(), CallError> {
        with_retry("PutSubscriptionFilter", &self.retry, &self.limiter, || {
            self.client
                .put_subscription_filter()
                .log_group_name(group)
                .filter_name(&filter.name)
                .filter_pattern(&filter.filter_pattern)
                .destination_arn(&filter.destination_arn)
                .set_role_arn(filter.role_arn.clone())
                .send()
        })
        .await
        .map(|_| ())
    }

    /// DeleteSubscriptionFilter (only ever called for a filter we own).
    pub async fn delete_filter(&self, group: &str, filter_name: &str) -> Result<(), CallError> {
        with_retry(
            "DeleteSubscriptionFilter",
            &self.retry,
            &self.limiter,
            || {
                self.client
                    .delete_subscription_filter()
                    .log_group_name(group)
                    .filter_name(filter_name)
                    .send()
            },
        )
        .await
        .map(|_| ())
    }

    /// ListTagsForResource of a log group ARN.
    pub async fn tags(&self, group_arn: &str) -> Result<Tags, CallError> {
        let output = with_retry("ListTagsForResource", &self.retry, &self.limiter, || {
            self.client
                .list_tags_for_resource()
                .resource_arn(group_arn)
                .send()
        })
        .await?;
        Ok(output
            .tags()
            .map(|tags| tags.iter().map(|(k, v)| (k.clone(), v.clone())).collect())
            .unwrap_or_default())
    }

    /// PutRetentionPolicy.
    pub async fn put_retention(&self, group: &str, days: RetentionDays) -> Result<(), CallError> {
        with_retry("PutRetentionPolicy", &self.retry, &self.limiter, || {
            self.client
                .put_retention_policy()
                .log_group_name(group)
                .retention_in_days(days.days())
                .send()
        })
        .await
        .map(|_| ())
    }

    /// The account's subscription filter policies.
    pub async fn subscription_policies(&self) -> Result<Vec<ExistingAccountPolicy>, CallError> {
        let output = with_retry(
            "DescribeAccountPolicies",
            &self.retry,
            &self.limiter,
            || {
                self.client
                    .describe_account_policies()
                    .policy_type(PolicyType::SubscriptionFilterPolicy)
                    .send()
            },
        )
        .await?;
        Ok(output
            .account_policies()
            .iter()
            .map(|p| ExistingAccountPolicy {
                name: p.policy_name().unwrap_or_default().to_owned(),
                document: p.policy_document().map(str::to_owned),
                selection_criteria: p.selection_criteria().map(str::to_owned),
            })
            .collect())
    }

    /// PutAccountPolicy of type `SUBSCRIPTION_FILTER_POLICY`, scope `ALL`.
    pub async fn put_subscription_policy(
        &self,
        policy: &DesiredAccountPolicy,
    ) -> Result<(), CallError> {
        with_retry("PutAccountPolicy", &self.retry, &self.limiter, || {
            self.client
                .put_account_policy()
                .policy_name(&policy.name)
                .policy_document(&policy.document)
                .policy_type(PolicyType::SubscriptionFilterPolicy)
                .scope(Scope::All)
                .selection_criteria(&policy.selection_criteria)
                .send()
        })
        .await
        .map(|_| ())
    }

    /// DeleteAccountPolicy of type `SUBSCRIPTION_FILTER_POLICY` (only ever ours).
    pub async fn delete_subscription_policy(&self, name: &str) -> Result<(), CallError> {
        with_retry("DeleteAccountPolicy", &self.retry, &self.limiter, || {
            self.client
                .delete_account_policy()
                .policy_name(name)
                .policy_type(PolicyType::SubscriptionFilterPolicy)
                .send()
        })
        .await
        .map(|_| ())
    }
}

/// Whether an error means the group (or filter) is gone.
pub fn is_not_found(error: &CallError) -> bool {
    error.class == ErrorClass::NotFound
}
