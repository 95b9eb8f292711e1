//! .NET runtime text prefix (`ILambdaLogger` / `ILogger` through the Lambda logger):
//! `<ISO ts>\t<requestId>\t<trce|dbug|info|warn|fail|crit>\t<message>`.
//!
//! The message may span lines and end with `Exception.ToString()` (`System.X: msg` then
//! `   at …` frames); [`super::errors::detect`] reads that from the body afterwards.
//! `Console.WriteLine` / `LambdaLogger.Log` output has no prefix and is plain text.

use super::text::{self, split_short_field, tab_prefix};
use crate::level::Level;
use crate::model::{Format, ParsedLine};
use std::borrow::Cow;

/// Length of every .NET level column (`info`, `fail`, …).
const LEVEL_BYTES: usize = 4;

/// Recognises this format; `None` when the line is not in it.
pub fn parse(msg: &str) -> Option<ParsedLine<'_>> {
    if !msg.as_bytes().first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let prefix = tab_prefix(msg)?;
    let (word, body) = split_short_field(prefix.rest, b'\t', LEVEL_BYTES)?;
    let level = Level::from_dotnet_word(word)?;
    Some(ParsedLine {
        format: Format::Dotnet,
        timestamp: Some(prefix.timestamp),
        request_id: text::request_id(prefix.request_id).map(Cow::Borrowed),
        level: Some(level),
        body: Cow::Borrowed(body),
        ..ParsedLine::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::errors::oracle;
    use crate::time::EpochMillis;

    const CORPUS: &str = include_str!("../../../tests/fixtures/corpus/01-lambda-text/dotnet.jsonl");

    #[test]
    fn every_dotnet_corpus_record_meets_its_oracle() {
        oracle::check_file(CORPUS, &[]);
    }

    #[test]
    fn four_letter_levels_map_to_the_normalised_scale() {
        let table = [
            ("trce", Level::Trace),
            ("dbug", Level::Debug),
            ("info", Level::Info),
            ("warn", Level::Warn),
            ("fail", Level::Error),
            ("crit", Level::Fatal),
        ];
        for (word, level) in table {
            let msg = format!("2024-01-15T10:20:30.123Z\tid\t{word}\tm");
            assert_eq!(parse(&msg).and_then(|l| l.level), Some(level), "{word}");
        }
        assert_eq!(parse("2024-01-15T10:20:30.123Z\tid\tINFO\tm"), None);
        assert_eq!(parse("2024-01-15T10:20:30.123Z\tid\tnone\tm"), None);
    }

    #[test]
    fn exception_after_the_message_becomes_the_error() {
        let r = oracle::record(CORPUS, "dotnet-03-ilambdalogger-fail-with-exception");
        let line = crate::parse::parse_line(&r.message, &crate::parse::ParseOptions::default());
        assert_eq!(line.format, Format::Dotnet);
        assert_eq!(
            line.request_id.as_deref(),
            Some("0d2b1e6c-3f6a-4f4a-9d2e-0b4a1c2d3e4f")
        );
        assert_eq!(
            line.timestamp.map(EpochMillis::to_rfc3339).as_deref(),
            Some("2024-01-15T10:20:30.456Z")
        );
        let error = line.error.unwrap();
        assert_eq!(
            error.kind.as_deref(),
            Some("System.InvalidOperationException")
        );
        assert_eq!(
            error.message.as_deref(),
            Some("Sequence contains no elements")
        );
        assert_eq!(error.stacktrace.map(|s| s.lines().count()), Some(3));
    }

    #[test]
    fn body_is_borrowed_and_may_hold_tabs() {
        let line = parse("2024-01-15T10:20:30.123Z\tid\twarn\ta\tb").unwrap();
        assert_eq!(line.body, "a\tb");
        assert!(matches!(line.body, Cow::Borrowed(_)));
    }
}
