//! Configuration values as they come from environment variables: blank means unset, switches
//! are `true`/`false` words, lists are comma-separated. Pure text helpers; the callers do the
//! look-ups and collect the problems.

/// Words that switch a setting on (compared without case).
const TRUE_WORDS: [&str; 4] = ["true", "1", "yes", "on"];
/// Words that switch a setting off (compared without case).
const FALSE_WORDS: [&str; 4] = ["false", "0", "no", "off"];

/// The value without surrounding blanks; a blank value counts as unset.
pub fn non_blank(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

/// A switch: `true`, `1`, `yes`, `on` or `false`, `0`, `no`, `off`, in any case, surrounding
/// blanks ignored. `None` for anything else.
pub fn parse_bool(text: &str) -> Option<bool> {
    let word = text.trim();
    if TRUE_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word)) {
        Some(true)
    } else if FALSE_WORDS.iter().any(|w| w.eq_ignore_ascii_case(word)) {
        Some(false)
    } else {
        None
    }
}

/// The problem reported for a switch `variable` whose `value` [`parse_bool`] refuses.
pub fn bool_problem(variable: &str, value: &str) -> String {
    format!("{variable} must be true or false, got {value:?}")
}

/// The items of a comma-separated list, trimmed, blank items dropped.
pub fn list_items(text: &str) -> impl Iterator<Item = &str> {
    text.split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

/// [`list_items`] as owned strings (prefixes, log group names).
pub fn parse_list(text: &str) -> Vec<String> {
    list_items(text).map(str::to_owned).collect()
}

/// A look-up over fixed `(variable, value)` pairs, the last pair of a variable winning: what the
/// `from_lookup` readers take in tests and tools instead of the process environment.
pub fn fixed_lookup(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let owned: Vec<(String, String)> = pairs
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    move |variable| {
        owned
            .iter()
            .rev()
            .find(|(name, _)| name == variable)
            .map(|(_, value)| value.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn switch_words_are_read_in_any_case_and_others_refused() {
        for word in ["true", "TRUE", " 1 ", "yes", "On"] {
            assert_eq!(parse_bool(word), Some(true), "{word}");
        }
        for word in ["false", "False", "0", "no", " OFF\t"] {
            assert_eq!(parse_bool(word), Some(false), "{word}");
        }
        for word in ["", "2", "enabled", "tru", "y", "ön"] {
            assert_eq!(parse_bool(word), None, "{word}");
        }
        assert_eq!(
            bool_problem("GZIP", "maybe"),
            "GZIP must be true or false, got \"maybe\""
        );
    }

    #[test]
    fn blank_values_count_as_unset_and_others_are_trimmed() {
        assert_eq!(non_blank(None), None);
        assert_eq!(non_blank(Some(" \t".into())), None);
        assert_eq!(non_blank(Some(" x ".into())), Some("x".into()));
    }

    #[test]
    fn list_parsing_trims_and_drops_empty_items() {
        assert_eq!(parse_list(" /a/ , ,/b/"), vec!["/a/", "/b/"]);
        assert!(parse_list("").is_empty());
        assert_eq!(
            list_items("email, ,card").collect::<Vec<_>>(),
            ["email", "card"]
        );
    }

    #[test]
    fn fixed_lookup_finds_the_last_value_of_a_variable() {
        let lookup = fixed_lookup(&[("A", "1"), ("B", "2"), ("A", "3")]);
        assert_eq!(lookup("A").as_deref(), Some("3"));
        assert_eq!(lookup("B").as_deref(), Some("2"));
        assert_eq!(lookup("C"), None);
    }
}
