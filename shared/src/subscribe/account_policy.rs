//! Account-policy mode: one account-level subscription filter policy (`PutAccountPolicy`, type
//! `SUBSCRIPTION_FILTER_POLICY`) instead of a filter per group, with `selectionCriteria`
//! `LogGroupName NOT IN [shiplog's own groups]`. CloudWatch Logs allows one such policy per
//! account and Region, so an existing policy of another name belongs to another tool and is
//! never overwritten.

use super::filters::DesiredFilter;
use serde_json::{json, Value};

/// `policyType` of subscription filter policies.
pub const SUBSCRIPTION_FILTER_POLICY: &str = "SUBSCRIPTION_FILTER_POLICY";
/// Default `ACCOUNT_POLICY_NAME`.
pub const DEFAULT_POLICY_NAME: &str = "shiplog";
/// CloudWatch Logs' limit on `selectionCriteria` (UTF-8 bytes).
pub const MAX_SELECTION_CRITERIA_BYTES: usize = 25 * 1024;

/// The policy shiplog wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredAccountPolicy {
    /// `policyName`.
    pub name: String,
    /// `policyDocument` (JSON).
    pub document: String,
    /// `selectionCriteria`.
    pub selection_criteria: String,
}

/// An account policy as described by `DescribeAccountPolicies`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExistingAccountPolicy {
    /// `policyName`.
    pub name: String,
    /// `policyDocument`.
    pub document: Option<String>,
    /// `selectionCriteria`.
    pub selection_criteria: Option<String>,
}

/// Why the wanted policy cannot be expressed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountPolicyError {
    /// Too many excluded groups for `selectionCriteria`.
    #[error("selectionCriteria would be {bytes} bytes, over CloudWatch Logs' limit of {MAX_SELECTION_CRITERIA_BYTES}")]
    SelectionCriteriaTooLong {
        /// Its size.
        bytes: usize,
    },
}

/// What to do about the account policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountPolicyDecision {
    /// Ours is there as wanted.
    Unchanged,
    /// Create or update ours.
    Put,
    /// Another tool's subscription filter policy exists: refuse (never overwrite it).
    RefuseForeign {
        /// Its name.
        existing_name: String,
    },
}

/// Builds the wanted policy: the filter's destination, pattern and role, every group but
/// `excluded_groups` (shiplog's own).
pub fn desired_policy(
    name: &str,
    filter: &DesiredFilter,
    excluded_groups: &[String],
) -> Result<DesiredAccountPolicy, AccountPolicyError> {
    let mut document = json!({
        "DestinationArn": filter.destination_arn,
        "FilterPattern": filter.filter_pattern,
    });
    if let (Some(role), Some(object)) = (&filter.role_arn, document.as_object_mut()) {
        object.insert("RoleArn".to_owned(), Value::String(role.clone()));
    }
    let selection_criteria = selection_criteria(excluded_groups);
    if selection_criteria.len() > MAX_SELECTION_CRITERIA_BYTES {
        return Err(AccountPolicyError::SelectionCriteriaTooLong {
            bytes: selection_criteria.len(),
        });
    }
    Ok(DesiredAccountPolicy {
        name: name.to_owned(),
        document: document.to_string(),
        selection_criteria,
    })
}

/// `LogGroupName NOT IN ["a", "b"]`, names sorted, deduplicated and JSON-quoted.
pub fn selection_criteria(excluded_groups: &[String]) -> String {
    let mut names: Vec<&String> = excluded_groups.iter().collect();
    names.sort();
    names.dedup();
    let quoted: Vec<String> = names
        .iter()
        .map(|n| Value::String((*n).clone()).to_string())
        .collect();
    format!("LogGroupName NOT IN [{}]", quoted.join(", "))
}

/// Decides from the subscription filter policies that exist.
pub fn decide(
    desired: &DesiredAccountPolicy,
    existing: &[ExistingAccountPolicy],
) -> AccountPolicyDecision {
    if let Some(foreign) = existing.iter().find(|p| p.name != desired.name) {
        return AccountPolicyDecision::RefuseForeign {
            existing_name: foreign.name.clone(),
        };
    }
    match existing.iter().find(|p| p.name == desired.name) {
        Some(ours) if same_policy(desired, ours) => AccountPolicyDecision::Unchanged,
        _ => AccountPolicyDecision::Put,
    }
}

/// Whether an existing policy is owned by this deployment (name and destination match): the only
/// policy a cleanup may delete.
pub fn owns(desired: &DesiredAccountPolicy, existing: &ExistingAccountPolicy) -> bool {
    existing.name == desired.name
        && destination_of(existing.document.as_deref()) == destination_of(Some(&desired.document))
}

fn same_policy(desired: &DesiredAccountPolicy, existing: &ExistingAccountPolicy) -> bool {
    let documents_equal = existing
        .document
        .as_deref()
        .and_then(|d| serde_json::from_str::<Value>(d).ok())
        == serde_json::from_str::<Value>(&desired.document).ok();
    let criteria_equal = existing.selection_criteria.as_deref().map(squeeze)
        == Some(squeeze(&desired.selection_criteria));
    documents_equal && criteria_equal
}

fn destination_of(document: Option<&str>) -> Option<String> {
    let value: Value = serde_json::from_str(document?).ok()?;
    value.get("DestinationArn")?.as_str().map(str::to_owned)
}

/// Whitespace-insensitive form for comparing criteria strings.
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIP_LOGS: &str = "arn:aws:lambda:us-east-1:123456789012:function:shiplog-ship-logs";

    fn filter() -> DesiredFilter {
        DesiredFilter {
            name: "shiplog".into(),
            destination_arn: SHIP_LOGS.into(),
            filter_pattern: String::new(),
            role_arn: None,
        }
    }

    fn own_groups() -> Vec<String> {
        vec![
            "/aws/lambda/shiplog-subscribe".into(),
            "/aws/lambda/shiplog-ship-logs".into(),
            "/aws/lambda/shiplog-ship-logs".into(),
        ]
    }

    fn wanted() -> DesiredAccountPolicy {
        desired_policy("shiplog", &filter(), &own_groups()).unwrap()
    }

    #[test]
    fn policy_excludes_own_groups_by_name() {
        let policy = wanted();
        assert_eq!(
            policy.selection_criteria,
            r#"LogGroupName NOT IN ["/aws/lambda/shiplog-ship-logs", "/aws/lambda/shiplog-subscribe"]"#
        );
        let document: Value = serde_json::from_str(&policy.document).unwrap();
        assert_eq!(
            document,
            json!({"DestinationArn": SHIP_LOGS, "FilterPattern": ""})
        );
    }

    #[test]
    fn kinesis_policy_carries_the_role() {
        let mut f = filter();
        f.destination_arn = "arn:aws:kinesis:us-east-1:1:stream/s".into();
        f.role_arn = Some("arn:aws:iam::1:role/r".into());
        let policy = desired_policy("shiplog", &f, &own_groups()).unwrap();
        let document: Value = serde_json::from_str(&policy.document).unwrap();
        assert_eq!(document["RoleArn"], "arn:aws:iam::1:role/r");
    }

    #[test]
    fn account_policy_decisions() {
        let ours_same = ExistingAccountPolicy {
            name: "shiplog".into(),
            document: Some(format!(
                r#"{{ "FilterPattern": "", "DestinationArn": "{SHIP_LOGS}" }}"#
            )),
            selection_criteria: Some(
                r#"LogGroupName NOT IN ["/aws/lambda/shiplog-ship-logs","/aws/lambda/shiplog-subscribe"]"#
                    .into(),
            ),
        };
        let ours_old = ExistingAccountPolicy {
            selection_criteria: Some("LogGroupName NOT IN []".into()),
            ..ours_same.clone()
        };
        let foreign = ExistingAccountPolicy {
            name: "datadog-forwarder".into(),
            document: Some("{}".into()),
            selection_criteria: None,
        };
        assert_eq!(decide(&wanted(), &[]), AccountPolicyDecision::Put);
        assert_eq!(
            decide(&wanted(), std::slice::from_ref(&ours_same)),
            AccountPolicyDecision::Unchanged
        );
        assert_eq!(decide(&wanted(), &[ours_old]), AccountPolicyDecision::Put);
        assert_eq!(
            decide(&wanted(), std::slice::from_ref(&foreign)),
            AccountPolicyDecision::RefuseForeign {
                existing_name: "datadog-forwarder".into()
            }
        );
        assert!(owns(&wanted(), &ours_same));
        assert!(!owns(&wanted(), &foreign));
    }

    #[test]
    fn too_many_excluded_groups_do_not_fit_the_criteria() {
        let many: Vec<String> = (0..2000)
            .map(|i| format!("/aws/lambda/group-{i:05}"))
            .collect();
        assert!(matches!(
            desired_policy("shiplog", &filter(), &many),
            Err(AccountPolicyError::SelectionCriteriaTooLong { .. })
        ));
    }
}
