//! What `subscribe` reports: the outcome of each reconciled group, the counts of a run, and the
//! EventBridge events (source `shiplog`, default bus) that make skipped groups, failures and run
//! summaries visible so users can route alerts.

use super::filters::ExistingFilter;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::fmt;

/// EventBridge `source` of shiplog's events.
pub const EVENT_SOURCE: &str = "shiplog";
/// detail-type of a selected group that is not (or could not be) subscribed.
pub const DETAIL_TYPE_NOT_SUBSCRIBED: &str = "Log Group Not Subscribed";
/// detail-type of a reconcile run's summary.
pub const DETAIL_TYPE_SUMMARY: &str = "Reconcile Summary";

/// What happened to one selected log group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    tag = "outcome"
)]
pub enum GroupOutcome {
    /// Our filter was created.
    Subscribed,
    /// Our filter was updated in place.
    Updated,
    /// Our filter was already there as configured.
    Unchanged,
    /// Another filter already delivers to our destination (nothing added).
    AlreadyShipped {
        /// That filter.
        filter_name: String,
    },
    /// Every slot is taken by other tools' filters (`PutSubscriptionFilter` answered
    /// `LimitExceededException` and the group holds only other tools' filters): a reported
    /// event, not a failure.
    SkippedNoSlot {
        /// Those filters.
        existing: Vec<ExistingFilter>,
    },
    /// The group's class takes no subscription filter (`INFREQUENT_ACCESS`, `DELIVERY`, or what
    /// `PutSubscriptionFilter` refused for the group's class): a reported event, not a failure.
    SkippedClass {
        /// The class.
        class: String,
    },
    /// The group was deleted while being reconciled.
    Vanished,
    /// A call failed (after retries).
    Failed {
        /// What failed.
        error: String,
    },
}

impl GroupOutcome {
    /// The kebab-case name of the outcome (as in the serialised `outcome` field).
    pub fn name(&self) -> &'static str {
        match self {
            GroupOutcome::Subscribed => "subscribed",
            GroupOutcome::Updated => "updated",
            GroupOutcome::Unchanged => "unchanged",
            GroupOutcome::AlreadyShipped { .. } => "already-shipped",
            GroupOutcome::SkippedNoSlot { .. } => "skipped-no-slot",
            GroupOutcome::SkippedClass { .. } => "skipped-class",
            GroupOutcome::Vanished => "vanished",
            GroupOutcome::Failed { .. } => "failed",
        }
    }
}

/// Counts of a run (one invocation, or a whole backfill across its hops).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Totals {
    /// Log groups listed.
    pub scanned: u64,
    /// Of those, selected.
    pub matched: u64,
    /// Filters created.
    pub subscribed: u64,
    /// Filters updated.
    pub updated: u64,
    /// Already as configured (or already shipped by another filter to our destination).
    pub unchanged: u64,
    /// Skipped: no free filter slot.
    pub skipped_no_slot: u64,
    /// Skipped: log group class without subscription filters.
    pub skipped_class: u64,
    /// Deleted while being reconciled.
    pub vanished: u64,
    /// Failed after retries.
    pub failed: u64,
    /// Retention policies set.
    pub retention_set: u64,
    /// Own filters removed (stack delete cleanup).
    pub removed: u64,
}

impl Totals {
    /// Counts one selected group's outcome (and the group as matched).
    pub fn record(&mut self, outcome: &GroupOutcome) {
        self.matched += 1;
        let counter = match outcome {
            GroupOutcome::Subscribed => &mut self.subscribed,
            GroupOutcome::Updated => &mut self.updated,
            GroupOutcome::Unchanged | GroupOutcome::AlreadyShipped { .. } => &mut self.unchanged,
            GroupOutcome::SkippedNoSlot { .. } => &mut self.skipped_no_slot,
            GroupOutcome::SkippedClass { .. } => &mut self.skipped_class,
            GroupOutcome::Vanished => &mut self.vanished,
            GroupOutcome::Failed { .. } => &mut self.failed,
        };
        *counter += 1;
    }

    /// Adds another run's counts.
    pub fn merge(&mut self, other: &Totals) {
        self.scanned += other.scanned;
        self.matched += other.matched;
        self.subscribed += other.subscribed;
        self.updated += other.updated;
        self.unchanged += other.unchanged;
        self.skipped_no_slot += other.skipped_no_slot;
        self.skipped_class += other.skipped_class;
        self.vanished += other.vanished;
        self.failed += other.failed;
        self.retention_set += other.retention_set;
        self.removed += other.removed;
    }

    /// The counts as CloudFormation custom-resource `Data` (PascalCase keys, string values).
    pub fn to_data(&self) -> BTreeMap<String, String> {
        [
            ("Scanned", self.scanned),
            ("Matched", self.matched),
            ("Subscribed", self.subscribed),
            ("Updated", self.updated),
            ("Unchanged", self.unchanged),
            ("SkippedNoSlot", self.skipped_no_slot),
            ("SkippedClass", self.skipped_class),
            ("Vanished", self.vanished),
            ("Failed", self.failed),
            ("RetentionSet", self.retention_set),
            ("Removed", self.removed),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_string()))
        .collect()
    }
}

impl fmt::Display for Totals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "scanned={} matched={} subscribed={} updated={} unchanged={} skipped-no-slot={} \
             skipped-class={} vanished={} failed={} retention-set={} removed={}",
            self.scanned,
            self.matched,
            self.subscribed,
            self.updated,
            self.unchanged,
            self.skipped_no_slot,
            self.skipped_class,
            self.vanished,
            self.failed,
            self.retention_set,
            self.removed
        )
    }
}

/// The summary of a reconcile run (also the invocation's response for backfill events).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RunSummary {
    /// The run (request id of its first invocation).
    pub run_id: String,
    /// What started it: `schedule`, `cloudformation-create`, …
    pub trigger: String,
    /// Counts across every hop so far.
    pub totals: Totals,
    /// Whether every group was visited.
    pub complete: bool,
    /// Hops made (0 = finished in the first invocation).
    pub hops: u32,
    /// Why the run ended before completion, if it did.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
}

/// An event to publish on EventBridge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisibilityEvent {
    /// detail-type.
    pub detail_type: &'static str,
    /// detail (a JSON object).
    pub detail: Value,
}

/// The event for a selected group that ended unsubscribed, if its outcome is one.
pub fn not_subscribed(log_group: &str, outcome: &GroupOutcome) -> Option<VisibilityEvent> {
    let detail = match outcome {
        GroupOutcome::SkippedNoSlot { existing } => json!({
            "logGroup": log_group,
            "reason": "no-free-slot",
            "existingFilters": existing,
        }),
        GroupOutcome::SkippedClass { class } => json!({
            "logGroup": log_group,
            "reason": "log-group-class",
            "logGroupClass": class,
        }),
        GroupOutcome::Failed { error } => json!({
            "logGroup": log_group,
            "reason": "failed",
            "error": error,
        }),
        _ => return None,
    };
    Some(VisibilityEvent {
        detail_type: DETAIL_TYPE_NOT_SUBSCRIBED,
        detail,
    })
}

/// The event for a run's summary.
pub fn summary(run: &RunSummary) -> VisibilityEvent {
    VisibilityEvent {
        detail_type: DETAIL_TYPE_SUMMARY,
        detail: serde_json::to_value(run).unwrap_or(Value::Null),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_are_counted_once_each_and_every_one_as_matched() {
        let mut totals = Totals::default();
        for outcome in [
            GroupOutcome::Subscribed,
            GroupOutcome::Updated,
            GroupOutcome::Unchanged,
            GroupOutcome::AlreadyShipped {
                filter_name: "x".into(),
            },
            GroupOutcome::SkippedNoSlot { existing: vec![] },
            GroupOutcome::SkippedClass {
                class: "DELIVERY".into(),
            },
            GroupOutcome::Vanished,
            GroupOutcome::Failed {
                error: "boom".into(),
            },
        ] {
            totals.record(&outcome);
        }
        assert_eq!(
            totals,
            Totals {
                matched: 8,
                subscribed: 1,
                updated: 1,
                unchanged: 2,
                skipped_no_slot: 1,
                skipped_class: 1,
                vanished: 1,
                failed: 1,
                ..Totals::default()
            }
        );
        let mut sum = totals;
        sum.merge(&totals);
        assert_eq!(sum.matched, 16);
        assert_eq!(sum.to_data()["SkippedNoSlot"], "2");
    }

    #[test]
    fn skipped_and_failed_groups_are_published_as_not_subscribed() {
        let existing = vec![ExistingFilter::new(
            "datadog",
            "arn:aws:lambda:us-east-1:1:function:dd",
            "",
        )];
        let event = not_subscribed(
            "/aws/lambda/a",
            &GroupOutcome::SkippedNoSlot {
                existing: existing.clone(),
            },
        )
        .unwrap();
        assert_eq!(event.detail_type, "Log Group Not Subscribed");
        assert_eq!(
            event.detail,
            json!({"logGroup": "/aws/lambda/a", "reason": "no-free-slot", "existingFilters": [
                {"name": "datadog", "destinationArn": "arn:aws:lambda:us-east-1:1:function:dd", "filterPattern": ""}
            ]})
        );
        assert_eq!(
            not_subscribed("/g", &GroupOutcome::Failed { error: "e".into() })
                .unwrap()
                .detail["reason"],
            "failed"
        );
        assert_eq!(not_subscribed("/g", &GroupOutcome::Subscribed), None);
        assert_eq!(not_subscribed("/g", &GroupOutcome::Unchanged), None);
    }

    #[test]
    fn summary_event_carries_the_run() {
        let run = RunSummary {
            run_id: "r".into(),
            trigger: "schedule".into(),
            totals: Totals {
                scanned: 3,
                ..Totals::default()
            },
            complete: true,
            hops: 1,
            stopped: None,
        };
        let event = summary(&run);
        assert_eq!(event.detail_type, "Reconcile Summary");
        assert_eq!(event.detail["totals"]["scanned"], 3);
        assert_eq!(event.detail["complete"], true);
        assert!(event.detail.get("stopped").is_none());
    }
}
