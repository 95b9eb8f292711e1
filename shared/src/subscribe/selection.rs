//! Which log groups shiplog subscribes: include prefixes, exclude prefixes, an optional regex and
//! optional tag predicates, **exclude wins**; shiplog's own log groups are always excluded,
//! whatever the configuration says (a shipper that ships its own log group feeds on itself).

use crate::config_value::list_items;
use regex::Regex;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;

/// Default include prefix: Lambda function log groups.
pub const DEFAULT_INCLUDE_PREFIX: &str = "/aws/lambda/";

/// Include-prefix value that selects every log group.
pub const ALL_GROUPS: &str = "*";

/// Tags of a log group.
pub type Tags = BTreeMap<String, String>;

/// One tag condition: `key` (the tag is present) or `key=value` (present with that value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TagPredicate {
    /// The tag is present, whatever its value.
    Present(String),
    /// The tag is present with exactly this value.
    Equals {
        /// Tag key.
        key: String,
        /// Tag value.
        value: String,
    },
}

impl TagPredicate {
    /// Parses `key` or `key=value`; `None` for an empty key.
    pub fn parse(text: &str) -> Option<Self> {
        let text = text.trim();
        let predicate = match text.split_once('=') {
            Some((key, value)) => TagPredicate::Equals {
                key: key.trim().to_owned(),
                value: value.trim().to_owned(),
            },
            None => TagPredicate::Present(text.to_owned()),
        };
        (!predicate.key().is_empty()).then_some(predicate)
    }

    /// Parses a comma-separated list; the items that are not predicates are returned as errors.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, Vec<String>> {
        let mut predicates = Vec::new();
        let mut bad = Vec::new();
        for item in list_items(text) {
            match Self::parse(item) {
                Some(predicate) => predicates.push(predicate),
                None => bad.push(item.to_owned()),
            }
        }
        if bad.is_empty() {
            Ok(predicates)
        } else {
            Err(bad)
        }
    }

    /// The tag key this predicate looks at.
    pub fn key(&self) -> &str {
        match self {
            TagPredicate::Present(key) | TagPredicate::Equals { key, .. } => key,
        }
    }

    /// Whether the predicate holds for these tags.
    pub fn holds(&self, tags: &Tags) -> bool {
        match self {
            TagPredicate::Present(key) => tags.contains_key(key),
            TagPredicate::Equals { key, value } => tags.get(key) == Some(value),
        }
    }
}

impl fmt::Display for TagPredicate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TagPredicate::Present(key) => f.write_str(key),
            TagPredicate::Equals { key, value } => write!(f, "{key}={value}"),
        }
    }
}

/// Why a log group is not selected.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "exclusion")]
pub enum Exclusion {
    /// One of shiplog's own log groups (loop guard; not configurable).
    OwnLogGroup,
    /// Matches an exclude prefix.
    ExcludedPrefix {
        /// The matching prefix.
        prefix: String,
    },
    /// Under none of the include prefixes.
    NotIncluded,
    /// Does not match the configured regex.
    PatternMismatch,
    /// Has a tag matching an exclude-tag predicate.
    ExcludedTag {
        /// The predicate that matched.
        predicate: String,
    },
    /// Lacks a tag required by an include-tag predicate.
    MissingTag {
        /// The predicate that failed.
        predicate: String,
    },
}

impl fmt::Display for Exclusion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Exclusion::OwnLogGroup => f.write_str("own log group (loop guard)"),
            Exclusion::ExcludedPrefix { prefix } => write!(f, "under exclude prefix {prefix}"),
            Exclusion::NotIncluded => f.write_str("not under an include prefix"),
            Exclusion::PatternMismatch => f.write_str("does not match the include pattern"),
            Exclusion::ExcludedTag { predicate } => write!(f, "has excluded tag {predicate}"),
            Exclusion::MissingTag { predicate } => write!(f, "lacks required tag {predicate}"),
        }
    }
}

/// The selection rules. Build with [`Selection::default`] (include `/aws/lambda/`) and set the
/// fields; [`Selection::own_groups`] must list shiplog's own log groups.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Include prefixes; `None` selects every group (configured as `*`).
    pub include_prefixes: Option<Vec<String>>,
    /// Exclude prefixes (win over everything else).
    pub exclude_prefixes: Vec<String>,
    /// Optional regex a group name must match (unanchored unless written with `^…$`).
    pub pattern: Option<Regex>,
    /// Every one of these must hold.
    pub include_tags: Vec<TagPredicate>,
    /// None of these may hold.
    pub exclude_tags: Vec<TagPredicate>,
    /// shiplog's own log groups: never selected.
    pub own_groups: Vec<String>,
}

impl Default for Selection {
    fn default() -> Self {
        Selection {
            include_prefixes: Some(vec![DEFAULT_INCLUDE_PREFIX.to_owned()]),
            exclude_prefixes: Vec::new(),
            pattern: None,
            include_tags: Vec::new(),
            exclude_tags: Vec::new(),
            own_groups: Vec::new(),
        }
    }
}

impl Selection {
    /// Whether `name` is one of shiplog's own log groups.
    pub fn is_own(&self, name: &str) -> bool {
        self.own_groups.iter().any(|own| own == name)
    }

    /// The checks that need only the name, in precedence order: own group, exclude prefixes,
    /// include prefixes, regex.
    pub fn by_name(&self, name: &str) -> Result<(), Exclusion> {
        if self.is_own(name) {
            return Err(Exclusion::OwnLogGroup);
        }
        if let Some(prefix) = self
            .exclude_prefixes
            .iter()
            .find(|p| name.starts_with(p.as_str()))
        {
            return Err(Exclusion::ExcludedPrefix {
                prefix: prefix.clone(),
            });
        }
        if let Some(includes) = &self.include_prefixes {
            if !includes.iter().any(|p| name.starts_with(p.as_str())) {
                return Err(Exclusion::NotIncluded);
            }
        }
        match &self.pattern {
            Some(pattern) if !pattern.is_match(name) => Err(Exclusion::PatternMismatch),
            _ => Ok(()),
        }
    }

    /// Whether tag predicates are configured (only then are tags worth fetching).
    pub fn needs_tags(&self) -> bool {
        !self.include_tags.is_empty() || !self.exclude_tags.is_empty()
    }

    /// The tag checks: any exclude predicate holding excludes; every include predicate must hold.
    pub fn by_tags(&self, tags: &Tags) -> Result<(), Exclusion> {
        if let Some(hit) = self.exclude_tags.iter().find(|p| p.holds(tags)) {
            return Err(Exclusion::ExcludedTag {
                predicate: hit.to_string(),
            });
        }
        if let Some(miss) = self.include_tags.iter().find(|p| !p.holds(tags)) {
            return Err(Exclusion::MissingTag {
                predicate: miss.to_string(),
            });
        }
        Ok(())
    }

    /// Name and tag checks together (tags as known; pass an empty map when there are none).
    pub fn select(&self, name: &str, tags: &Tags) -> Result<(), Exclusion> {
        self.by_name(name)?;
        self.by_tags(tags)
    }

    /// The `logGroupNamePrefix` values a backfill scans: `[None]` (everything) when every group is
    /// included, else the include prefixes with those covered by a shorter one removed.
    pub fn scan_prefixes(&self) -> Vec<Option<String>> {
        let Some(includes) = &self.include_prefixes else {
            return vec![None];
        };
        let mut sorted: Vec<&String> = includes.iter().collect();
        sorted.sort();
        let mut kept: Vec<String> = Vec::new();
        for prefix in sorted {
            if !kept.iter().any(|k| prefix.starts_with(k.as_str())) {
                kept.push(prefix.clone());
            }
        }
        if kept.iter().any(|k| k.is_empty()) {
            return vec![None];
        }
        kept.into_iter().map(Some).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own() -> Selection {
        Selection {
            own_groups: vec![
                "/aws/lambda/shiplog-ship-logs".into(),
                "/aws/lambda/shiplog-subscribe".into(),
            ],
            ..Selection::default()
        }
    }

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn own_log_group_is_never_selected_even_when_explicitly_included() {
        let mut s = own();
        s.include_prefixes = None;
        s.pattern = Some(Regex::new("shiplog").unwrap());
        assert_eq!(
            s.by_name("/aws/lambda/shiplog-ship-logs"),
            Err(Exclusion::OwnLogGroup)
        );
        assert_eq!(
            s.by_name("/aws/lambda/shiplog-subscribe"),
            Err(Exclusion::OwnLogGroup)
        );
        assert_eq!(s.by_name("/aws/lambda/shiplog-other"), Ok(()));
    }

    #[test]
    fn default_selects_lambda_groups_only() {
        let s = own();
        assert_eq!(s.by_name("/aws/lambda/api"), Ok(()));
        assert_eq!(
            s.by_name("/aws/rds/instance/db/postgresql"),
            Err(Exclusion::NotIncluded)
        );
    }

    #[test]
    fn exclude_prefix_wins_over_include_prefix_and_pattern() {
        let mut s = own();
        s.exclude_prefixes = vec!["/aws/lambda/test-".into()];
        s.pattern = Some(Regex::new("test").unwrap());
        assert_eq!(
            s.by_name("/aws/lambda/test-api"),
            Err(Exclusion::ExcludedPrefix {
                prefix: "/aws/lambda/test-".into()
            })
        );
    }

    #[test]
    fn pattern_must_match_when_configured() {
        let mut s = own();
        s.pattern = Some(Regex::new("-prod-").unwrap());
        assert_eq!(s.by_name("/aws/lambda/order-prod-api"), Ok(()));
        assert_eq!(
            s.by_name("/aws/lambda/order-dev-api"),
            Err(Exclusion::PatternMismatch)
        );
    }

    #[test]
    fn exclude_tag_wins_and_include_tags_must_all_hold() {
        let mut s = own();
        s.include_tags = TagPredicate::parse_list("team, env=prod").unwrap();
        s.exclude_tags = TagPredicate::parse_list("shiplog=off").unwrap();
        assert!(s.needs_tags());
        assert_eq!(s.by_tags(&tags(&[("team", "a"), ("env", "prod")])), Ok(()));
        assert_eq!(
            s.by_tags(&tags(&[("team", "a"), ("env", "dev")])),
            Err(Exclusion::MissingTag {
                predicate: "env=prod".into()
            })
        );
        assert_eq!(
            s.by_tags(&tags(&[("team", "a"), ("env", "prod"), ("shiplog", "off")])),
            Err(Exclusion::ExcludedTag {
                predicate: "shiplog=off".into()
            })
        );
    }

    #[test]
    fn tag_list_with_empty_key_is_an_error() {
        assert_eq!(
            TagPredicate::parse_list("a,=b, c"),
            Err(vec!["=b".to_owned()])
        );
        assert_eq!(TagPredicate::parse_list(""), Ok(vec![]));
    }

    #[test]
    fn scan_prefixes_drop_covered_prefixes() {
        let mut s = own();
        s.include_prefixes = Some(vec![
            "/aws/lambda/orders-".into(),
            "/aws/lambda/".into(),
            "/ecs/".into(),
        ]);
        assert_eq!(
            s.scan_prefixes(),
            vec![Some("/aws/lambda/".to_owned()), Some("/ecs/".to_owned())]
        );
        s.include_prefixes = None;
        assert_eq!(s.scan_prefixes(), vec![None]);
    }
}
