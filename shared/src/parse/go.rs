//! Go standard library `log` package: `YYYY/MM/DD HH:MM:SS[.micro] <message>` (local time, which
//! is UTC on Lambda). No level, no request id: the line inherits them from its request.

use crate::model::{Format, ParsedLine};
use crate::time::{self, EpochMillis};
use std::borrow::Cow;

/// Recognises this format; `None` when the line is not in it.
pub fn parse(msg: &str) -> Option<ParsedLine<'_>> {
    let b = msg.as_bytes();
    if !b.first().is_some_and(u8::is_ascii_digit) || b.get(4) != Some(&b'/') {
        return None;
    }
    let (seconds, n) = time::parse_prefix(msg)?;
    let (timestamp, rest) = with_fraction(seconds, msg.get(n..)?)?;
    let body = if rest.is_empty() {
        rest
    } else {
        rest.strip_prefix(' ')?
    };
    Some(ParsedLine {
        format: Format::Go,
        timestamp: Some(timestamp),
        body: Cow::Borrowed(body),
        ..ParsedLine::default()
    })
}

/// Adds the `.123456` of the `log.Lmicroseconds` flag, when present, to the whole seconds.
fn with_fraction(seconds: EpochMillis, rest: &str) -> Option<(EpochMillis, &str)> {
    let Some(fraction) = rest.strip_prefix('.') else {
        return Some((seconds, rest));
    };
    let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 {
        return None;
    }
    let millis = fraction
        .bytes()
        .take(3)
        .take_while(u8::is_ascii_digit)
        .fold((0i64, 100i64), |(sum, scale), d| {
            (sum + i64::from(d - b'0') * scale, scale / 10)
        })
        .0;
    Some((
        EpochMillis::new(seconds.0 + millis)?,
        fraction.get(digits..)?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::errors::oracle;

    const CORPUS: &str = include_str!("../../../tests/fixtures/corpus/01-lambda-text/go.jsonl");

    #[test]
    fn every_go_corpus_record_meets_its_oracle() {
        oracle::check_file(CORPUS, &[]);
    }

    #[test]
    fn timestamp_prefix_is_removed_from_body() {
        let line = parse("2018/03/13 20:21:44 unexpected EOF").unwrap();
        assert_eq!(line.format, Format::Go);
        assert_eq!(line.body, "unexpected EOF");
        assert!(matches!(line.body, Cow::Borrowed(_)));
        assert_eq!(line.level, None);
        assert_eq!(line.request_id, None);
        assert_eq!(
            line.timestamp.map(EpochMillis::to_rfc3339).as_deref(),
            Some("2018-03-13T20:21:44.000Z")
        );
    }

    #[test]
    fn microseconds_flag_is_read_to_the_millisecond() {
        let line = parse("2009/01/23 01:23:23.123123 main.go:23: hi").unwrap();
        assert_eq!(
            line.timestamp.map(EpochMillis::to_rfc3339).as_deref(),
            Some("2009-01-23T01:23:23.123Z")
        );
        assert_eq!(line.body, "main.go:23: hi");
    }

    #[test]
    fn other_date_shapes_are_not_go() {
        for msg in [
            "2020-03-27 03:40:05 EVENT",
            "2020/03/27 03:40:05EVENT",
            "2020/13/27 03:40:05 EVENT",
            "2020/03/27 03:40:05. x",
            "2020/03/27",
            "ENVIRONMENT",
        ] {
            assert_eq!(parse(msg), None, "{msg}");
        }
        assert_eq!(
            parse("2020/03/27 03:40:05").map(|l| l.body),
            Some(Cow::Borrowed(""))
        );
    }

    proptest::proptest! {
        #[test]
        fn any_text_never_panics(s in "\\PC{0,80}") {
            let _ = parse(&s);
        }

        #[test]
        fn text_after_a_go_date_never_panics(rest in "[. 0-9a-zé🚀\u{a0}\n:]{0,40}") {
            let msg = format!("2020/03/27 03:40:05{rest}");
            let _ = parse(&msg);
            let _ = crate::parse::parse_line(&msg, &crate::parse::ParseOptions::default());
        }
    }
}
