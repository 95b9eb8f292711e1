//! Reconcile one log group: given the subscription filters it has, what to do so that it ships to
//! shiplog exactly once, without ever touching another tool's filter.
//!
//! CloudWatch Logs allows [`MAX_SUBSCRIPTION_FILTERS_PER_GROUP`] subscription filters per log
//! group; `PutSubscriptionFilter` with an existing filter's name updates that filter in place.

use serde::Serialize;

/// CloudWatch Logs' limit of subscription filters on one log group.
pub const MAX_SUBSCRIPTION_FILTERS_PER_GROUP: usize = 2;

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
    /// (a role is compared only when one is configured: Lambda destinations have none).
    pub fn matches(&self, filter: &ExistingFilter) -> bool {
        self.is_ours(filter)
            && filter.destination_arn == self.destination_arn
            && filter.filter_pattern == self.filter_pattern
            && (self.role_arn.is_none() || filter.role_arn == self.role_arn)
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
    /// Our filter is absent and a slot is free: `PutSubscriptionFilter`.
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
    /// Our filter is absent and other tools' filters use every slot: skip and report; never
    /// delete them.
    NoFreeSlot {
        /// The filters occupying the slots.
        existing: Vec<ExistingFilter>,
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
    if existing.len() < MAX_SUBSCRIPTION_FILTERS_PER_GROUP {
        FilterDecision::Create
    } else {
        FilterDecision::NoFreeSlot {
            existing: existing.to_vec(),
        }
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
        ExistingFilter {
            name: name.into(),
            destination_arn: destination.into(),
            filter_pattern: pattern.into(),
            role_arn: None,
        }
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
            (
                "two foreign",
                vec![foreign(1), foreign(2)],
                FilterDecision::NoFreeSlot {
                    existing: vec![foreign(1), foreign(2)],
                },
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
