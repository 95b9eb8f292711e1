//! Filtering and redaction (off by default): drop lines matching regexes, keep a sample of
//! low-severity application lines, and redact emails, IPv4 addresses, card numbers and custom
//! patterns in `body`, `attributes.fields` strings and exception messages before indexing.
//!
//! Sampling is decided by a hash of the CloudWatch event id, so a re-delivered payload keeps
//! exactly the same lines (retries stay idempotent). Metric lines, platform lines and lines at
//! WARN or above are never sampled out.

use crate::hash::fnv1a_64;
use crate::json::Member;
use crate::level::Level;
use crate::model::{Kind, ParsedLine};
use regex::Regex;
use serde_json::Value;
use std::borrow::Cow;
use std::sync::LazyLock;

/// Replacement text written in place of redacted data.
pub const REDACTED: &str = "[REDACTED]";

/// Built-in redaction rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BuiltinRedaction {
    /// E-mail addresses.
    Email,
    /// Dotted-quad IPv4 addresses.
    Ipv4,
    /// Payment card numbers (13–19 digits, optional spaces/dashes, Luhn-valid).
    CardNumber,
}

impl BuiltinRedaction {
    /// Parses `email`, `ipv4`, `card` (case-insensitive).
    pub fn from_name(name: &str) -> Option<Self> {
        match name.trim().to_ascii_lowercase().as_str() {
            "email" | "emails" => Some(BuiltinRedaction::Email),
            "ipv4" | "ip" => Some(BuiltinRedaction::Ipv4),
            "card" | "cards" | "card-number" | "card-numbers" | "pan" => {
                Some(BuiltinRedaction::CardNumber)
            }
            _ => None,
        }
    }
}

#[allow(clippy::expect_used)] // constant patterns, checked by the tests
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
        .expect("email regex")
});
#[allow(clippy::expect_used)]
static IPV4: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"\b(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\b",
    )
    .expect("ipv4 regex")
});
#[allow(clippy::expect_used)]
static CARD: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\b\d(?:[ -]?\d){12,18}\b").expect("card regex"));

fn luhn_valid(candidate: &str) -> bool {
    let digits: Vec<u32> = candidate.chars().filter_map(|c| c.to_digit(10)).collect();
    if !(13..=19).contains(&digits.len()) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// The configured filtering and redaction.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Raw messages matching any of these are dropped (counted as `filtered-out`).
    pub drop_patterns: Vec<Regex>,
    /// Fraction of sampleable lines kept, `0.0..=1.0` (`1.0` = keep all, the default).
    pub sample_rate: Option<f64>,
    /// Built-in redactions.
    pub redact_builtin: Vec<BuiltinRedaction>,
    /// Custom redaction patterns (every match replaced by [`REDACTED`]).
    pub redact_patterns: Vec<Regex>,
}

impl Filter {
    /// True when nothing is configured (the pipeline then skips this stage entirely).
    pub fn is_noop(&self) -> bool {
        self.drop_patterns.is_empty()
            && self.sample_rate.is_none_or(|r| r >= 1.0)
            && self.redact_builtin.is_empty()
            && self.redact_patterns.is_empty()
    }

    /// True when the raw message matches a drop pattern.
    pub fn drops(&self, message: &str) -> bool {
        self.drop_patterns.iter().any(|re| re.is_match(message))
    }

    /// True when the line is sampled out: only application lines below WARN (or without a level)
    /// are sampleable; the decision is a pure function of the event id.
    pub fn samples_out(&self, event_id: &str, line: &ParsedLine<'_>) -> bool {
        let Some(rate) = self.sample_rate.filter(|r| *r < 1.0) else {
            return false;
        };
        let sampleable = line.kind == Kind::App && line.level.is_none_or(|l| l < Level::Warn);
        sampleable && unit_hash(event_id) >= rate
    }

    /// Redacts a string; borrows when nothing matched.
    pub fn redact<'s>(&self, s: &'s str) -> Cow<'s, str> {
        let mut out = Cow::Borrowed(s);
        for rule in &self.redact_builtin {
            let replaced = match rule {
                BuiltinRedaction::Email => EMAIL.replace_all(&out, REDACTED).into_owned(),
                BuiltinRedaction::Ipv4 => IPV4.replace_all(&out, REDACTED).into_owned(),
                BuiltinRedaction::CardNumber => CARD
                    .replace_all(&out, |c: &regex::Captures<'_>| {
                        let m = c.get(0).map_or("", |m| m.as_str());
                        if luhn_valid(m) {
                            REDACTED.to_owned()
                        } else {
                            m.to_owned()
                        }
                    })
                    .into_owned(),
            };
            if replaced != *out {
                out = Cow::Owned(replaced);
            }
        }
        for re in &self.redact_patterns {
            if re.is_match(&out) {
                out = Cow::Owned(re.replace_all(&out, REDACTED).into_owned());
            }
        }
        out
    }

    /// Redacts the body, string values inside `fields` and the exception message/stack.
    pub fn redact_line(&self, line: &mut ParsedLine<'_>) {
        if self.redact_builtin.is_empty() && self.redact_patterns.is_empty() {
            return;
        }
        if let Cow::Owned(s) = self.redact(&line.body) {
            line.body = Cow::Owned(s);
        }
        if let Some(fields) = line.fields.as_mut() {
            for v in fields.values_mut() {
                match v {
                    Member::Str(s) => {
                        if let Cow::Owned(r) = self.redact(s) {
                            *s = Cow::Owned(r);
                        }
                    }
                    Member::Json(v) => self.redact_value(v),
                }
            }
        }
        if let Some(err) = line.error.as_mut() {
            for s in [&mut err.message, &mut err.stacktrace]
                .into_iter()
                .flatten()
            {
                if let Cow::Owned(r) = self.redact(s) {
                    *s = r;
                }
            }
        }
    }

    fn redact_value(&self, v: &mut Value) {
        match v {
            Value::String(s) => {
                if let Cow::Owned(r) = self.redact(s) {
                    *s = r;
                }
            }
            Value::Array(a) => a.iter_mut().for_each(|x| self.redact_value(x)),
            Value::Object(o) => o.values_mut().for_each(|x| self.redact_value(x)),
            _ => {}
        }
    }
}

/// FNV-1a of the id, finalised with the splitmix64 mixer (FNV's high bits are poorly mixed for
/// short, similar ids), mapped to `[0, 1)`.
fn unit_hash(id: &str) -> f64 {
    let mut h = fnv1a_64(id.as_bytes());
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^= h >> 31;
    (h >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(builtin: &[BuiltinRedaction]) -> Filter {
        Filter {
            redact_builtin: builtin.to_vec(),
            ..Filter::default()
        }
    }

    #[test]
    fn emails_ips_and_luhn_valid_cards_are_redacted() {
        let f = filter(&[
            BuiltinRedaction::Email,
            BuiltinRedaction::Ipv4,
            BuiltinRedaction::CardNumber,
        ]);
        let s = "user jane.doe+x@example.co.uk from 10.1.2.3 paid with 4111 1111 1111 1111, order 1234567890123";
        assert_eq!(
            f.redact(s),
            "user [REDACTED] from [REDACTED] paid with [REDACTED], order 1234567890123"
        );
        assert!(matches!(f.redact("nothing here"), Cow::Borrowed(_)));
        assert_eq!(f.redact("version 1.2.3.4000"), "version 1.2.3.4000");
    }

    #[test]
    fn custom_patterns_redact_fields_and_exceptions() {
        let f = Filter {
            redact_patterns: vec![Regex::new(r"tok_[A-Za-z0-9]+").unwrap()],
            ..Filter::default()
        };
        let mut line = ParsedLine::plain(Cow::Borrowed("charging tok_abc123"));
        line.fields = Some(crate::json::Entries::from(
            serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(
                r#"{"t":"tok_x","n":[{"k":"tok_y"}],"i":3}"#,
            )
            .unwrap(),
        ));
        line.error = Some(Box::new(crate::model::ErrorInfo {
            kind: Some("E".into()),
            message: Some("bad tok_zz".into()),
            stacktrace: None,
        }));
        f.redact_line(&mut line);
        assert_eq!(line.body, "charging [REDACTED]");
        assert_eq!(
            serde_json::Value::Object(line.fields.unwrap().into_map()),
            serde_json::json!({"t":"[REDACTED]","n":[{"k":"[REDACTED]"}],"i":3})
        );
        assert_eq!(
            line.error.unwrap().message.as_deref(),
            Some("bad [REDACTED]")
        );
    }

    #[test]
    fn sampling_is_deterministic_and_spares_warnings_metrics_and_platform_lines() {
        let f = Filter {
            sample_rate: Some(0.25),
            ..Filter::default()
        };
        let info = ParsedLine {
            level: Some(Level::Info),
            ..ParsedLine::default()
        };
        let kept = (0..10_000)
            .filter(|i| !f.samples_out(&format!("id{i}"), &info))
            .count();
        assert!(
            (2_200..2_800).contains(&kept),
            "kept {kept} of 10000 at 25%"
        );
        assert_eq!(f.samples_out("id7", &info), f.samples_out("id7", &info));
        let warn = ParsedLine {
            level: Some(Level::Warn),
            ..ParsedLine::default()
        };
        let report = ParsedLine {
            kind: Kind::Report,
            ..ParsedLine::default()
        };
        let metric = ParsedLine {
            kind: Kind::Metric,
            ..ParsedLine::default()
        };
        for i in 0..1000 {
            let id = format!("id{i}");
            assert!(
                !f.samples_out(&id, &warn)
                    && !f.samples_out(&id, &report)
                    && !f.samples_out(&id, &metric)
            );
        }
    }

    #[test]
    fn drop_patterns_match_raw_messages() {
        let f = Filter {
            drop_patterns: vec![Regex::new(r"^\S+\t\S+\tDEBUG\t").unwrap()],
            ..Filter::default()
        };
        assert!(f.drops("2024-01-01T00:00:00.000Z\tr\tDEBUG\tnoise\n"));
        assert!(!f.drops("2024-01-01T00:00:00.000Z\tr\tINFO\tkeep\n"));
        assert!(!f.is_noop());
        assert!(Filter::default().is_noop());
    }

    #[test]
    fn builtin_names_parse() {
        assert_eq!(
            BuiltinRedaction::from_name("Email"),
            Some(BuiltinRedaction::Email)
        );
        assert_eq!(
            BuiltinRedaction::from_name("cards"),
            Some(BuiltinRedaction::CardNumber)
        );
        assert_eq!(BuiltinRedaction::from_name("ssn"), None);
    }
}
