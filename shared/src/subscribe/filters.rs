//! Reconcile one log group: given the subscription filters it has, what to do so that it ships to
//! shiplog exactly once, without ever touching another tool's filter.
//!
//! CloudWatch Logs limits the subscription filters of one log group (two per group in the API
//! reference as of 2026, for years the same); `PutSubscriptionFilter` with an existing filter's
//! name updates that filter in place. The limit is not counted here: whether a slot is free is
//! what `PutSubscriptionFilter` answers (`LimitExceededException`), read by
//! [`after_limit_exceeded`], so a changed quota changes nothing in this code.

use serde::Serialize;

/// Default name of shiplog's filter (`FILTER_NAME`).
pub const DEFAULT_FILTER_NAME: &str = "shiplog";

/// A subscription filter as described by `DescribeSubscriptionFilters`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExistingFilter {
    /// Filter name.
    pub name: String,
    /// Where it delivers.
    pub destination_arn: String,
    /// Its pattern (`""` = every event).
    pub filter_pattern: String,
    /// Role CloudWatch Logs assumes to deliver (Kinesis/Firehose).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    /// `fieldSelectionCriteria` (2025): a selection on system fields such as `@aws.account`;
    /// events it does not select are not delivered.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field_selection_criteria: Option<String>,
    /// `emitSystemFields` (2025): system fields (`@aws.account`, `@aws.region`, `@source.log`)
    /// added to the delivered events.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub emit_system_fields: Vec<String>,
}

impl ExistingFilter {
    /// A filter of this name, destination and pattern, without role or the 2025 fields.
    pub fn new(name: &str, destination_arn: &str, filter_pattern: &str) -> Self {
        ExistingFilter {
            name: name.to_owned(),
            destination_arn: destination_arn.to_owned(),
            filter_pattern: filter_pattern.to_owned(),
            role_arn: None,
            field_selection_criteria: None,
            emit_system_fields: Vec::new(),
        }
    }
}

/// shiplog's filter as configured.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredFilter {
    /// `FILTER_NAME`.
    pub name: String,
    /// `DESTINATION_ARN`.
    pub destination_arn: String,
    /// `FILTER_PATTERN`.
    pub filter_pattern: String,
    /// `DESTINATION_ROLE_ARN` (Kinesis/Firehose destinations).
    pub role_arn: Option<String>,
}

impl DesiredFilter {
    /// Whether an existing filter is ours by name.
    pub fn is_ours(&self, filter: &ExistingFilter) -> bool {
        filter.name == self.name
    }

    /// Whether an existing filter of ours already has the wanted destination, pattern and role
    /// (a role is compared only when one is configured: Lambda destinations have none) and no
    /// `fieldSelectionCriteria` (shiplog sets none; one would silently hold events back, and the
    /// in-place update without it removes it). `emitSystemFields` is left alone: ship-logs reads
    /// the events with or without them.
    pub fn matches(&self, filter: &ExistingFilter) -> bool {
        self.is_ours(filter)
            && filter.destination_arn == self.destination_arn
            && filter.filter_pattern == self.filter_pattern
            && (self.role_arn.is_none() || filter.role_arn == self.role_arn)
            && filter.field_selection_criteria.is_none()
    }

    /// Whether a filter is owned by this deployment: name **and** destination match (the only
    /// filters a cleanup may delete).
    pub fn owns(&self, filter: &ExistingFilter) -> bool {
        self.is_ours(filter) && filter.destination_arn == self.destination_arn
    }
}

/// What to do with one log group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    tag = "action"
)]
pub enum FilterDecision {
    /// Our filter is there as configured.
    Unchanged,
    /// Our filter is absent: `PutSubscriptionFilter`; CloudWatch Logs answers
    /// `LimitExceededException` when the group has no free slot ([`after_limit_exceeded`]).
    Create,
    /// Our filter is there but differs: `PutSubscriptionFilter` with its name (in-place update).
    Update {
        /// The filter as it is now.
        current: ExistingFilter,
    },
    /// Another filter already delivers to our destination: adding ours would ship twice.
    AlreadyShipped {
        /// That filter's name.
        filter_name: String,
    },
}

/// Decides for one group from its current filters.
pub fn decide(desired: &DesiredFilter, existing: &[ExistingFilter]) -> FilterDecision {
    if let Some(ours) = existing.iter().find(|f| desired.is_ours(f)) {
        return if desired.matches(ours) {
            FilterDecision::Unchanged
        } else {
            FilterDecision::Update {
                current: ours.clone(),
            }
        };
    }
    if let Some(twin) = existing
        .iter()
        .find(|f| f.destination_arn == desired.destination_arn)
    {
        return FilterDecision::AlreadyShipped {
            filter_name: twin.name.clone(),
        };
    }
    FilterDecision::Create
}

/// What a `LimitExceededException` on `PutSubscriptionFilter` means, once the group has been
/// described again.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    rename_all = "kebab-case",
    rename_all_fields = "camelCase",
    tag = "verdict"
)]
pub enum LimitVerdict {
    /// The group's filters changed meanwhile: decide again from the new list.
    Changed,
    /// Every slot the group has is taken by other tools' filters: skip and report; never delete
    /// them.
    NoFreeSlot {
        /// The filters occupying the slots.
        existing: Vec<ExistingFilter>,
    },
    /// Not a full group (it has no filter at all, or ours is there and the put was an in-place
    /// update): another limit or throttling; back off and try again.
    Retry,
}

/// Reads a `LimitExceededException` from `PutSubscriptionFilter`: `before` is the list the put
/// was decided on, `after` the list described after the error. The group is full when it still
/// holds the same filters, none of them ours and at least one of them: then the quota,
/// whatever it is now, is used up by other tools. No count is assumed.
pub fn after_limit_exceeded(
    desired: &DesiredFilter,
    before: &[ExistingFilter],
    after: &[ExistingFilter],
) -> LimitVerdict {
    if before != after {
        return LimitVerdict::Changed;
    }
    if after.is_empty() || after.iter().any(|f| desired.is_ours(f)) {
        return LimitVerdict::Retry;
    }
    LimitVerdict::NoFreeSlot {
        existing: after.to_vec(),
    }
}

/// The filter a cleanup removes from this group, if any: ours by name and destination.
pub fn owned_filter<'a>(
    desired: &DesiredFilter,
    existing: &'a [ExistingFilter],
) -> Option<&'a ExistingFilter> {
    existing.iter().find(|f| desired.owns(f))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIP_LOGS: &str = "arn:aws:lambda:us-east-1:123456789012:function:shiplog-ship-logs";

    fn desired() -> DesiredFilter {
        DesiredFilter {
            name: DEFAULT_FILTER_NAME.into(),
            destination_arn: SHIP_LOGS.into(),
            filter_pattern: String::new(),
            role_arn: None,
        }
    }

    fn filter(name: &str, destination: &str, pattern: &str) -> ExistingFilter {
        ExistingFilter::new(name, destination, pattern)
    }

    fn ours() -> ExistingFilter {
        filter("shiplog", SHIP_LOGS, "")
    }

    fn foreign(n: u8) -> ExistingFilter {
        filter(
            &format!("datadog-{n}"),
            &format!("arn:aws:lambda:us-east-1:123456789012:function:forwarder-{n}"),
            "",
        )
    }

    /// The filter situations of issue 6, one row each.
    #[test]
    fn filter_situations_table() {
        let ours_other_pattern = filter("shiplog", SHIP_LOGS, "ERROR");
        let ours_other_destination = filter(
            "shiplog",
            "arn:aws:lambda:us-east-1:123456789012:function:old-ship-logs",
            "",
        );
        let rows: Vec<(&str, Vec<ExistingFilter>, FilterDecision)> = vec![
            ("none", vec![], FilterDecision::Create),
            ("ours-same", vec![ours()], FilterDecision::Unchanged),
            (
                "ours-different-pattern",
                vec![ours_other_pattern.clone()],
                FilterDecision::Update {
                    current: ours_other_pattern,
                },
            ),
            (
                "ours-different-destination",
                vec![ours_other_destination.clone()],
                FilterDecision::Update {
                    current: ours_other_destination.clone(),
                },
            ),
            ("one foreign", vec![foreign(1)], FilterDecision::Create),
            // No count of slots is assumed: the put tells (after_limit_exceeded).
            (
                "two foreign",
                vec![foreign(1), foreign(2)],
                FilterDecision::Create,
            ),
            (
                "three foreign (a larger quota)",
                vec![foreign(1), foreign(2), foreign(3)],
                FilterDecision::Create,
            ),
            (
                "one foreign + ours",
                vec![foreign(1), ours()],
                FilterDecision::Unchanged,
            ),
            (
                "one foreign + ours different",
                vec![foreign(1), ours_other_destination.clone()],
                FilterDecision::Update {
                    current: ours_other_destination,
                },
            ),
            (
                "other name, our destination",
                vec![filter("ship-logs-legacy", SHIP_LOGS, "")],
                FilterDecision::AlreadyShipped {
                    filter_name: "ship-logs-legacy".into(),
                },
            ),
        ];
        for (situation, existing, want) in rows {
            assert_eq!(decide(&desired(), &existing), want, "{situation}");
        }
    }

    #[test]
    fn configured_role_must_match_for_kinesis_destinations() {
        let mut want = desired();
        want.destination_arn = "arn:aws:kinesis:us-east-1:1:stream/logs".into();
        want.role_arn = Some("arn:aws:iam::1:role/cwl-to-kinesis".into());
        let mut current = filter("shiplog", &want.destination_arn, "");
        current.role_arn = Some("arn:aws:iam::1:role/old".into());
        assert!(matches!(
            decide(&want, std::slice::from_ref(&current)),
            FilterDecision::Update { .. }
        ));
        current.role_arn = want.role_arn.clone();
        assert_eq!(decide(&want, &[current]), FilterDecision::Unchanged);
    }

    /// `LimitExceededException` on put, read against the group described again.
    #[test]
    fn limit_exceeded_verdicts_follow_what_the_group_holds_not_a_count() {
        let rows: Vec<(&str, Vec<ExistingFilter>, Vec<ExistingFilter>, LimitVerdict)> = vec![
            (
                "one foreign, unchanged: that group's quota is one",
                vec![foreign(1)],
                vec![foreign(1)],
                LimitVerdict::NoFreeSlot {
                    existing: vec![foreign(1)],
                },
            ),
            (
                "two foreign, unchanged",
                vec![foreign(1), foreign(2)],
                vec![foreign(1), foreign(2)],
                LimitVerdict::NoFreeSlot {
                    existing: vec![foreign(1), foreign(2)],
                },
            ),
            (
                "five foreign, unchanged (a larger quota, used up)",
                (1..=5).map(foreign).collect(),
                (1..=5).map(foreign).collect(),
                LimitVerdict::NoFreeSlot {
                    existing: (1..=5).map(foreign).collect(),
                },
            ),
            (
                "a filter added meanwhile",
                vec![foreign(1)],
                vec![foreign(1), foreign(2)],
                LimitVerdict::Changed,
            ),
            (
                "ours added meanwhile",
                vec![],
                vec![ours()],
                LimitVerdict::Changed,
            ),
            ("no filter at all", vec![], vec![], LimitVerdict::Retry),
            (
                "ours there (an in-place update)",
                vec![foreign(1), filter("shiplog", SHIP_LOGS, "ERROR")],
                vec![foreign(1), filter("shiplog", SHIP_LOGS, "ERROR")],
                LimitVerdict::Retry,
            ),
        ];
        for (situation, before, after, want) in rows {
            assert_eq!(
                after_limit_exceeded(&desired(), &before, &after),
                want,
                "{situation}"
            );
        }
    }

    #[test]
    fn filters_with_the_2025_fields_are_decided_and_ours_loses_a_selection_criteria() {
        let mut foreign_centralized = foreign(1);
        foreign_centralized.emit_system_fields = vec!["@aws.account".into(), "@aws.region".into()];
        foreign_centralized.field_selection_criteria =
            Some(r#"@aws.region NOT IN ["cn-north-1"]"#.into());
        assert_eq!(
            decide(&desired(), std::slice::from_ref(&foreign_centralized)),
            FilterDecision::Create
        );
        let mut ours_emitting = ours();
        ours_emitting.emit_system_fields = vec!["@aws.account".into()];
        assert_eq!(
            decide(&desired(), &[foreign_centralized, ours_emitting.clone()]),
            FilterDecision::Unchanged
        );
        let mut ours_selecting = ours_emitting;
        ours_selecting.field_selection_criteria = Some(r#"@aws.account = "1""#.into());
        assert_eq!(
            decide(&desired(), std::slice::from_ref(&ours_selecting)),
            FilterDecision::Update {
                current: ours_selecting.clone()
            }
        );
        assert_eq!(
            serde_json::to_value(&ours_selecting).unwrap(),
            serde_json::json!({"name": "shiplog", "destinationArn": SHIP_LOGS, "filterPattern": "",
                "fieldSelectionCriteria": "@aws.account = \"1\"", "emitSystemFields": ["@aws.account"]})
        );
    }

    #[test]
    fn cleanup_removes_only_a_filter_matching_name_and_destination() {
        let other_destination = filter("shiplog", "arn:aws:lambda:us-east-1:1:function:x", "");
        assert_eq!(
            owned_filter(&desired(), &[foreign(1), ours()]),
            Some(&ours())
        );
        assert_eq!(owned_filter(&desired(), &[other_destination]), None);
        assert_eq!(
            owned_filter(&desired(), &[filter("legacy", SHIP_LOGS, "")]),
            None
        );
    }
}
