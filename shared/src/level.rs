//! Severity levels: every runtime's and library's vocabulary normalised to OpenTelemetry's.

use serde::Serialize;

/// A normalised severity. Serialises as the upper-case text (`"INFO"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Level {
    /// TRACE, `trce`, 10.
    Trace,
    /// DEBUG, `dbug`, 20.
    Debug,
    /// INFO, `Information`, 30.
    Info,
    /// WARN, WARNING, 40.
    Warn,
    /// ERROR, `fail`, 50.
    Error,
    /// FATAL, CRITICAL, `crit`, 60.
    Fatal,
}

impl Level {
    /// The .NET runtime's four-letter level words: `trce dbug info warn fail crit`
    /// (`fail` → ERROR, `crit` → FATAL). Case-sensitive: the runtime writes them in lower case.
    pub fn from_dotnet_word(word: &str) -> Option<Level> {
        Some(match word {
            "trce" => Level::Trace,
            "dbug" => Level::Debug,
            "info" => Level::Info,
            "warn" => Level::Warn,
            "fail" => Level::Error,
            "crit" => Level::Fatal,
            _ => return None,
        })
    }

    /// The upper-case name written to `severity.text`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }

    /// OpenTelemetry severity number (the first of each range): 1/5/9/13/17/21.
    pub fn otel_number(self) -> u8 {
        match self {
            Level::Trace => 1,
            Level::Debug => 5,
            Level::Info => 9,
            Level::Warn => 13,
            Level::Error => 17,
            Level::Fatal => 21,
        }
    }

    /// Parses a level word as written by runtimes and logging libraries, case-insensitively:
    /// `TRACE trce DEBUG dbug INFO Information WARN WARNING ERROR fail FATAL CRITICAL crit`,
    /// plus `VERBOSE` (Serilog) → TRACE, `SEVERE` (java.util.logging) → ERROR,
    /// `notice` → INFO, `emerg`/`alert`/`panic` → FATAL. Numeric strings use the bunyan/pino scale.
    pub fn from_word(word: &str) -> Option<Level> {
        let w = word.trim();
        if w.is_empty() || w.len() > 11 {
            return None;
        }
        let mut buf = [0u8; 11];
        for (dst, src) in buf.iter_mut().zip(w.bytes()) {
            *dst = src.to_ascii_lowercase();
        }
        let lower = &buf[..w.len()];
        Some(match lower {
            b"trace" | b"trce" | b"verbose" | b"finest" | b"finer" => Level::Trace,
            b"debug" | b"dbug" | b"fine" => Level::Debug,
            b"info" | b"information" | b"notice" | b"informational" => Level::Info,
            b"warn" | b"warning" => Level::Warn,
            b"error" | b"fail" | b"err" | b"severe" => Level::Error,
            b"fatal" | b"critical" | b"crit" | b"emerg" | b"emergency" | b"alert" | b"panic" => {
                Level::Fatal
            }
            _ => return Level::from_number_str(w),
        })
    }

    /// Level words only when written in upper case (`INFO`, `WARNING`): the form runtime prefixes
    /// use. Avoids reading an ordinary leading word ("Error handling…") as a level.
    pub fn from_upper_word(word: &str) -> Option<Level> {
        Some(match word {
            "TRACE" => Level::Trace,
            "DEBUG" => Level::Debug,
            "INFO" => Level::Info,
            "WARN" | "WARNING" => Level::Warn,
            "ERROR" => Level::Error,
            "FATAL" | "CRITICAL" => Level::Fatal,
            _ => return None,
        })
    }

    /// bunyan / pino numeric levels: 10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal.
    pub fn from_number(n: f64) -> Option<Level> {
        if !n.is_finite() {
            return None;
        }
        Some(match n as i64 {
            10 => Level::Trace,
            20 => Level::Debug,
            30 => Level::Info,
            40 => Level::Warn,
            50 => Level::Error,
            60 => Level::Fatal,
            _ => return None,
        })
    }

    fn from_number_str(s: &str) -> Option<Level> {
        if s.bytes().all(|b| b.is_ascii_digit()) {
            s.parse::<f64>().ok().and_then(Level::from_number)
        } else {
            None
        }
    }

    /// From a JSON `level`-like value (string word or number).
    pub fn from_json(v: &serde_json::Value) -> Option<Level> {
        match v {
            serde_json::Value::String(s) => Level::from_word(s),
            serde_json::Value::Number(n) => n.as_f64().and_then(Level::from_number),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_vocabulary_of_the_corpus_table_normalises() {
        let table = [
            ("TRACE", Level::Trace),
            ("trce", Level::Trace),
            ("10", Level::Trace),
            ("DEBUG", Level::Debug),
            ("dbug", Level::Debug),
            ("debug", Level::Debug),
            ("20", Level::Debug),
            ("INFO", Level::Info),
            ("info", Level::Info),
            ("Information", Level::Info),
            ("30", Level::Info),
            ("WARN", Level::Warn),
            ("WARNING", Level::Warn),
            ("warn", Level::Warn),
            ("Warning", Level::Warn),
            ("40", Level::Warn),
            ("ERROR", Level::Error),
            ("error", Level::Error),
            ("fail", Level::Error),
            ("Error", Level::Error),
            ("50", Level::Error),
            ("FATAL", Level::Fatal),
            ("CRITICAL", Level::Fatal),
            ("crit", Level::Fatal),
            ("Critical", Level::Fatal),
            ("60", Level::Fatal),
        ];
        for (word, level) in table {
            assert_eq!(Level::from_word(word), Some(level), "{word}");
        }
        assert_eq!(Level::from_json(&serde_json::json!(30)), Some(Level::Info));
        assert_eq!(Level::from_word("hello"), None);
        assert_eq!(Level::from_word("35"), None);
    }

    #[test]
    fn otel_numbers_follow_the_spec() {
        let n: Vec<u8> = [
            Level::Trace,
            Level::Debug,
            Level::Info,
            Level::Warn,
            Level::Error,
            Level::Fatal,
        ]
        .iter()
        .map(|l| l.otel_number())
        .collect();
        assert_eq!(n, [1, 5, 9, 13, 17, 21]);
    }
}
