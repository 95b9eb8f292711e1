//! Robustness of the parsers of tab-separated runtime lines, `TIMESTAMP\tREQUEST_ID\tLEVEL\tMESSAGE`
//! (Node.js with upper-case levels, .NET with four-letter lower-case ones): one table, the same
//! generated lines for every parser.

use crate::model::{Format, ParsedLine};
use crate::parse::{dotnet, nodejs, parse_line, ParseOptions};
use proptest::prelude::*;

/// A format module's `parse`.
type Parser = fn(&str) -> Option<ParsedLine<'_>>;

/// The parsers of the tab-separated prefix, with the format each one claims.
const TAB_PREFIXED_PARSERS: &[(Format, Parser)] = &[
    (Format::Nodejs, nodejs::parse),
    (Format::Dotnet, dotnet::parse),
];

/// A timestamp both runtimes write.
const TIMESTAMP: &str = "2024-01-15T10:20:30.123Z";

/// Runs every parser of the table, then the dispatcher, on `msg`: none panics, and a parser that
/// reads the line claims its own format and takes the body from the line.
fn check_every_parser(msg: &str) -> Result<(), TestCaseError> {
    for (format, parse) in TAB_PREFIXED_PARSERS {
        if let Some(line) = parse(msg) {
            prop_assert_eq!(line.format, *format);
            prop_assert!(
                msg.contains(&*line.body),
                "{:?}: body {:?}",
                format,
                line.body
            );
        }
    }
    let _ = parse_line(msg, &ParseOptions::default());
    Ok(())
}

proptest! {
    #[test]
    fn any_text_never_panics(s in "\\PC{0,80}") {
        check_every_parser(&s)?;
    }

    #[test]
    fn text_after_a_tab_prefix_never_panics(
        id in "[a-z0-9\\-é🚀 ]{0,40}",
        level in "(INFO|ERROR|WARN|info|fail|inf|infoo|ïnfo|É|🚀|)",
        rest in "(Invoke Error \t|Uncaught Exception \t)?[\\{\\[\"a-zé🚀\t\n:,.]{0,40}",
    ) {
        check_every_parser(&format!("{TIMESTAMP}\t{id}\t{level}\t{rest}"))?;
    }
}
