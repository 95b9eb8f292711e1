//! CloudWatch `StandardUnit` names.

use serde::Serialize;

/// Every unit CloudWatch accepts in `PutMetricData`. Anything else must be sent as `None`:
/// one invalid unit fails the whole request. Each variant is the CloudWatch unit of its name.
#[allow(missing_docs)] // the variants are CloudWatch's unit names, one for one
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum StandardUnit {
    Seconds,
    Microseconds,
    Milliseconds,
    Bytes,
    Kilobytes,
    Megabytes,
    Gigabytes,
    Terabytes,
    Bits,
    Kilobits,
    Megabits,
    Gigabits,
    Terabits,
    Percent,
    Count,
    #[serde(rename = "Bytes/Second")]
    BytesPerSecond,
    #[serde(rename = "Kilobytes/Second")]
    KilobytesPerSecond,
    #[serde(rename = "Megabytes/Second")]
    MegabytesPerSecond,
    #[serde(rename = "Gigabytes/Second")]
    GigabytesPerSecond,
    #[serde(rename = "Terabytes/Second")]
    TerabytesPerSecond,
    #[serde(rename = "Bits/Second")]
    BitsPerSecond,
    #[serde(rename = "Kilobits/Second")]
    KilobitsPerSecond,
    #[serde(rename = "Megabits/Second")]
    MegabitsPerSecond,
    #[serde(rename = "Gigabits/Second")]
    GigabitsPerSecond,
    #[serde(rename = "Terabits/Second")]
    TerabitsPerSecond,
    #[serde(rename = "Count/Second")]
    CountPerSecond,
    None,
}

const ALL: [StandardUnit; 27] = [
    StandardUnit::Seconds,
    StandardUnit::Microseconds,
    StandardUnit::Milliseconds,
    StandardUnit::Bytes,
    StandardUnit::Kilobytes,
    StandardUnit::Megabytes,
    StandardUnit::Gigabytes,
    StandardUnit::Terabytes,
    StandardUnit::Bits,
    StandardUnit::Kilobits,
    StandardUnit::Megabits,
    StandardUnit::Gigabits,
    StandardUnit::Terabits,
    StandardUnit::Percent,
    StandardUnit::Count,
    StandardUnit::BytesPerSecond,
    StandardUnit::KilobytesPerSecond,
    StandardUnit::MegabytesPerSecond,
    StandardUnit::GigabytesPerSecond,
    StandardUnit::TerabytesPerSecond,
    StandardUnit::BitsPerSecond,
    StandardUnit::KilobitsPerSecond,
    StandardUnit::MegabitsPerSecond,
    StandardUnit::GigabitsPerSecond,
    StandardUnit::TerabitsPerSecond,
    StandardUnit::CountPerSecond,
    StandardUnit::None,
];

impl StandardUnit {
    /// The exact name CloudWatch expects (`Count/Second`).
    pub fn as_str(self) -> &'static str {
        use StandardUnit::*;
        match self {
            Seconds => "Seconds",
            Microseconds => "Microseconds",
            Milliseconds => "Milliseconds",
            Bytes => "Bytes",
            Kilobytes => "Kilobytes",
            Megabytes => "Megabytes",
            Gigabytes => "Gigabytes",
            Terabytes => "Terabytes",
            Bits => "Bits",
            Kilobits => "Kilobits",
            Megabits => "Megabits",
            Gigabits => "Gigabits",
            Terabits => "Terabits",
            Percent => "Percent",
            Count => "Count",
            BytesPerSecond => "Bytes/Second",
            KilobytesPerSecond => "Kilobytes/Second",
            MegabytesPerSecond => "Megabytes/Second",
            GigabytesPerSecond => "Gigabytes/Second",
            TerabytesPerSecond => "Terabytes/Second",
            BitsPerSecond => "Bits/Second",
            KilobitsPerSecond => "Kilobits/Second",
            MegabitsPerSecond => "Megabits/Second",
            GigabitsPerSecond => "Gigabits/Second",
            TerabitsPerSecond => "Terabits/Second",
            CountPerSecond => "Count/Second",
            None => "None",
        }
    }

    /// Case-insensitive match against the StandardUnit names; any other word (Datadog's `gauge`,
    /// `histogram`, `distribution`, `check`, or `latency`) is [`StandardUnit::None`].
    pub fn from_word(word: &str) -> StandardUnit {
        let w = word.trim();
        ALL.iter()
            .copied()
            .find(|u| u.as_str().eq_ignore_ascii_case(w))
            .unwrap_or(StandardUnit::None)
    }

    /// Every unit, in CloudWatch's documented order.
    pub fn all() -> &'static [StandardUnit] {
        &ALL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_match_case_insensitively_and_unknown_words_are_none() {
        assert_eq!(StandardUnit::from_word("count"), StandardUnit::Count);
        assert_eq!(
            StandardUnit::from_word("milliseconds"),
            StandardUnit::Milliseconds
        );
        assert_eq!(
            StandardUnit::from_word("count/second"),
            StandardUnit::CountPerSecond
        );
        assert_eq!(StandardUnit::from_word("gauge"), StandardUnit::None);
        assert_eq!(StandardUnit::from_word("latency"), StandardUnit::None);
        assert_eq!(StandardUnit::from_word("histogram"), StandardUnit::None);
    }

    #[test]
    fn serde_names_match_as_str() {
        for u in StandardUnit::all() {
            assert_eq!(
                serde_json::to_value(u).unwrap(),
                serde_json::json!(u.as_str())
            );
        }
    }
}
