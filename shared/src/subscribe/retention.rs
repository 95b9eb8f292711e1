//! Optional retention for new log groups: a value from CloudWatch Logs' allowed set, applied only
//! when the group has none, or always when overwrite is configured.

use std::fmt;

/// The retention values `PutRetentionPolicy` accepts, in days.
pub const ALLOWED_RETENTION_DAYS: [i32; 22] = [
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

/// How old a group may be, at a backfill, to still count as new (so it gets the retention the
/// CreateLogGroup event would have given it had CloudTrail delivered that event): 24 hours.
pub const NEW_GROUP_WINDOW_MS: i64 = 24 * 60 * 60 * 1000;

/// A retention value CloudWatch Logs accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionDays(i32);

/// A retention value outside the allowed set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0} is not a CloudWatch Logs retention value (allowed: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)")]
pub struct InvalidRetention(pub String);

impl RetentionDays {
    /// Validates a number of days.
    pub fn new(days: i64) -> Result<Self, InvalidRetention> {
        i32::try_from(days)
            .ok()
            .filter(|d| ALLOWED_RETENTION_DAYS.contains(d))
            .map(RetentionDays)
            .ok_or_else(|| InvalidRetention(days.to_string()))
    }

    /// Parses and validates a decimal number of days.
    pub fn parse(text: &str) -> Result<Self, InvalidRetention> {
        text.trim()
            .parse::<i64>()
            .map_err(|_| InvalidRetention(text.to_owned()))
            .and_then(Self::new)
    }

    /// The number of days.
    pub fn days(self) -> i32 {
        self.0
    }
}

impl fmt::Display for RetentionDays {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} days", self.0)
    }
}

/// The configured retention behaviour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionPolicy {
    /// The value to set.
    pub days: RetentionDays,
    /// Replace a different existing retention too.
    pub overwrite: bool,
}

/// The retention to set on a group whose current retention is `current` (`None` = never
/// expires), or `None` when nothing is to be done.
pub fn decide(policy: Option<&RetentionPolicy>, current: Option<i32>) -> Option<RetentionDays> {
    let policy = policy?;
    match current {
        None => Some(policy.days),
        Some(days) if days == policy.days.days() => None,
        Some(_) if policy.overwrite => Some(policy.days),
        Some(_) => None,
    }
}

/// Whether a group created at `creation_ms` counts as new at `now_ms`.
pub fn is_new_group(creation_ms: Option<i64>, now_ms: i64) -> bool {
    creation_ms.is_some_and(|created| now_ms.saturating_sub(created) <= NEW_GROUP_WINDOW_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_allowed_values_are_accepted() {
        assert_eq!(RetentionDays::parse("14").map(RetentionDays::days), Ok(14));
        assert_eq!(
            RetentionDays::parse(" 3653 ").map(RetentionDays::days),
            Ok(3653)
        );
        for bad in ["0", "2", "366", "-1", "seven", "", "99999999999"] {
            assert!(RetentionDays::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn retention_is_set_when_absent_and_replaced_only_with_overwrite() {
        let keep = RetentionPolicy {
            days: RetentionDays::new(30).unwrap(),
            overwrite: false,
        };
        let force = RetentionPolicy {
            overwrite: true,
            ..keep
        };
        assert_eq!(decide(None, None), None);
        assert_eq!(decide(Some(&keep), None), Some(keep.days));
        assert_eq!(decide(Some(&keep), Some(30)), None);
        assert_eq!(decide(Some(&keep), Some(7)), None);
        assert_eq!(decide(Some(&force), Some(7)), Some(force.days));
        assert_eq!(decide(Some(&force), Some(30)), None);
    }

    #[test]
    fn groups_younger_than_a_day_are_new() {
        let now = 10 * NEW_GROUP_WINDOW_MS;
        assert!(is_new_group(Some(now - 1000), now));
        assert!(!is_new_group(Some(now - NEW_GROUP_WINDOW_MS - 1), now));
        assert!(!is_new_group(None, now));
    }
}
