//! Timestamps: epoch milliseconds, RFC 3339 formatting and the timestamp shapes log lines use.
//!
//! Hand-written (days-from-civil) because it is on the hot path of every document and the shapes
//! are few and well known; every parser returns `None` on anything it does not fully understand.

use serde::{Serialize, Serializer};
use std::fmt;

/// Milliseconds since the Unix epoch, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EpochMillis(pub i64);

/// Earliest accepted timestamp: 1970-01-01. Later bound: year 9999.
const MAX_MILLIS: i64 = 253_402_300_799_999;

/// Milliseconds in a UTC day.
const MS_PER_DAY: i64 = 86_400_000;

impl EpochMillis {
    /// From milliseconds; `None` when outside 1970-01-01 ..= 9999-12-31.
    pub fn new(ms: i64) -> Option<Self> {
        (0..=MAX_MILLIS).contains(&ms).then_some(EpochMillis(ms))
    }

    /// From fractional seconds (e.g. Kinesis `approximateArrivalTimestamp`).
    pub fn from_secs_f64(secs: f64) -> Option<Self> {
        if !secs.is_finite() {
            return None;
        }
        let ms = (secs * 1000.0).round();
        if !(0.0..=MAX_MILLIS as f64).contains(&ms) {
            return None;
        }
        Some(EpochMillis(ms as i64))
    }

    /// The UTC day: whole days since 1970-01-01 (negative before it).
    pub fn day(self) -> i64 {
        self.0.div_euclid(MS_PER_DAY)
    }

    /// UTC calendar date `(year, month, day)`.
    pub fn date(self) -> (i64, u32, u32) {
        civil_from_days(self.day())
    }

    /// Writes `YYYY-MM-DDTHH:MM:SS.mmmZ` into `out`.
    pub fn write_rfc3339(self, out: &mut String) {
        let buf = self.rfc3339_bytes();
        // All bytes of the buffer are ASCII digits or separators.
        out.push_str(std::str::from_utf8(&buf).unwrap_or("1970-01-01T00:00:00.000Z"));
    }

    /// `YYYY-MM-DDTHH:MM:SS.mmmZ` as 24 ASCII bytes (no allocation).
    pub fn rfc3339_bytes(self) -> [u8; 24] {
        let days = self.day();
        let ms_of_day = self.0.rem_euclid(MS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        let secs = ms_of_day / 1000;
        let ms = ms_of_day % 1000;
        let mut buf = [0u8; 24];
        put4(&mut buf[0..4], y as u32);
        buf[4] = b'-';
        put2(&mut buf[5..7], m);
        buf[7] = b'-';
        put2(&mut buf[8..10], d);
        buf[10] = b'T';
        put2(&mut buf[11..13], (secs / 3600) as u32);
        buf[13] = b':';
        put2(&mut buf[14..16], ((secs / 60) % 60) as u32);
        buf[16] = b':';
        put2(&mut buf[17..19], (secs % 60) as u32);
        buf[19] = b'.';
        buf[20] = b'0' + (ms / 100) as u8;
        buf[21] = b'0' + ((ms / 10) % 10) as u8;
        buf[22] = b'0' + (ms % 10) as u8;
        buf[23] = b'Z';
        buf
    }

    /// RFC 3339 with milliseconds, UTC.
    pub fn to_rfc3339(self) -> String {
        let mut s = String::with_capacity(24);
        self.write_rfc3339(&mut s);
        s
    }
}

impl fmt::Display for EpochMillis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl Serialize for EpochMillis {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let buf = self.rfc3339_bytes();
        s.serialize_str(std::str::from_utf8(&buf).unwrap_or("1970-01-01T00:00:00.000Z"))
    }
}

fn put2(b: &mut [u8], v: u32) {
    b[0] = b'0' + ((v / 10) % 10) as u8;
    b[1] = b'0' + (v % 10) as u8;
}

fn put4(b: &mut [u8], v: u32) {
    b[0] = b'0' + ((v / 1000) % 10) as u8;
    b[1] = b'0' + ((v / 100) % 10) as u8;
    b[2] = b'0' + ((v / 10) % 10) as u8;
    b[3] = b'0' + (v % 10) as u8;
}

/// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Cursor<'a> {
    fn digits(&mut self, n: usize) -> Option<u32> {
        let s = self.b.get(self.i..self.i + n)?;
        let mut v = 0u32;
        for &c in s {
            if !c.is_ascii_digit() {
                return None;
            }
            v = v * 10 + u32::from(c - b'0');
        }
        self.i += n;
        Some(v)
    }
    fn eat(&mut self, c: u8) -> bool {
        if self.b.get(self.i) == Some(&c) {
            self.i += 1;
            true
        } else {
            false
        }
    }
    fn eat_any(&mut self, cs: &[u8]) -> bool {
        match self.b.get(self.i) {
            Some(c) if cs.contains(c) => {
                self.i += 1;
                true
            }
            _ => false,
        }
    }
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
}

/// A broken-down UTC-offset date-time as read from text.
struct CivilTime {
    y: u32,
    mo: u32,
    d: u32,
    h: u32,
    mi: u32,
    s: u32,
    ms: u32,
}

fn assemble(t: CivilTime, offset_min: i64) -> Option<EpochMillis> {
    let CivilTime {
        y,
        mo,
        d,
        h,
        mi,
        s,
        ms,
    } = t;
    if !(1..=12).contains(&mo)
        || d == 0
        || d > days_in_month(i64::from(y), mo)
        || h > 23
        || mi > 59
        || s > 60
    {
        return None;
    }
    let s = s.min(59); // leap second folds into :59
    let days = days_from_civil(i64::from(y), mo, d);
    let ms_total = days * MS_PER_DAY
        + i64::from(h) * 3_600_000
        + i64::from(mi) * 60_000
        + i64::from(s) * 1000
        + i64::from(ms)
        - offset_min * 60_000;
    EpochMillis::new(ms_total)
}

/// Parses the timestamp shapes seen in Lambda logs and logging libraries, returning the parsed
/// instant and the number of bytes consumed. Accepted:
/// `YYYY-MM-DD[T| ]HH:MM:SS[.,fraction][Z|±HH:MM|±HHMM|±HH]` (no zone = UTC) and
/// `YYYY/MM/DD HH:MM:SS` (Go's `log` package). Fractions beyond milliseconds are truncated.
pub fn parse_prefix(s: &str) -> Option<(EpochMillis, usize)> {
    let mut c = Cursor {
        b: s.as_bytes(),
        i: 0,
    };
    let y = c.digits(4)?;
    let sep = c.peek()?;
    if sep != b'-' && sep != b'/' {
        return None;
    }
    c.i += 1;
    let mo = c.digits(2)?;
    if !c.eat(sep) {
        return None;
    }
    let d = c.digits(2)?;
    if !c.eat_any(b"T ") {
        return None;
    }
    let h = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let mi = c.digits(2)?;
    if !c.eat(b':') {
        return None;
    }
    let sec = c.digits(2)?;
    let mut ms = 0u32;
    if sep == b'-' && c.eat_any(b".,") {
        let start = c.i;
        let mut scale = 100;
        while let Some(ch) = c.peek().filter(u8::is_ascii_digit) {
            ms += u32::from(ch - b'0') * scale;
            scale /= 10;
            c.i += 1;
        }
        if c.i == start {
            return None;
        }
    }
    let mut offset = 0i64;
    if sep == b'-' {
        match c.peek() {
            Some(b'Z') | Some(b'z') => c.i += 1,
            Some(sign @ (b'+' | b'-')) => {
                let save = c.i;
                c.i += 1;
                if let Some(oh) = c.digits(2) {
                    c.eat(b':');
                    let om = c.digits(2).unwrap_or(0);
                    if oh > 23 || om > 59 {
                        return None;
                    }
                    let total = i64::from(oh * 60 + om);
                    offset = if sign == b'-' { -total } else { total };
                } else {
                    c.i = save;
                }
            }
            _ => {}
        }
    }
    let t = CivilTime {
        y,
        mo,
        d,
        h,
        mi,
        s: sec,
        ms,
    };
    Some((assemble(t, offset)?, c.i))
}

/// Parses a whole string as a timestamp (see [`parse_prefix`]); trailing bytes are not allowed.
pub fn parse_rfc3339ish(s: &str) -> Option<EpochMillis> {
    match parse_prefix(s.trim()) {
        Some((t, n)) if n == s.trim().len() => Some(t),
        _ => None,
    }
}

/// Interprets a JSON number as an epoch: seconds (≤ 11 integer digits), milliseconds (12–14
/// digits) or microseconds/nanoseconds are *not* guessed: only s and ms are accepted.
pub fn from_epoch_number(n: f64) -> Option<EpochMillis> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    if n < 1e11 {
        EpochMillis::from_secs_f64(n)
    } else if n < 1e14 {
        EpochMillis::new(n.round() as i64)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_epoch_as_rfc3339_millis() {
        assert_eq!(EpochMillis(0).to_rfc3339(), "1970-01-01T00:00:00.000Z");
        assert_eq!(
            EpochMillis(1_503_796_961_882).to_rfc3339(),
            "2017-08-27T01:22:41.882Z"
        );
        assert_eq!(
            EpochMillis(951_782_400_000).to_rfc3339(),
            "2000-02-29T00:00:00.000Z"
        );
    }

    #[test]
    fn parses_iso_with_zone_and_fraction() {
        let t = parse_rfc3339ish("2019-06-07T19:11:20.562Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2019-06-07T19:11:20.562Z");
        let t = parse_rfc3339ish("2021-05-03 11:47:12,494+0000").unwrap();
        assert_eq!(t.to_rfc3339(), "2021-05-03T11:47:12.494Z");
        let t = parse_rfc3339ish("2016-06-07T03:44:57.8532799Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2016-06-07T03:44:57.853Z");
        let t = parse_rfc3339ish("2024-01-15T10:20:30+02:00").unwrap();
        assert_eq!(t.to_rfc3339(), "2024-01-15T08:20:30.000Z");
        let t = parse_rfc3339ish("2019-10-26T10:04:01.689856").unwrap();
        assert_eq!(t.to_rfc3339(), "2019-10-26T10:04:01.689Z");
    }

    #[test]
    fn parses_go_log_prefix_and_reports_length() {
        let (t, n) = parse_prefix("2020/03/27 03:40:05 EVENT").unwrap();
        assert_eq!(t.to_rfc3339(), "2020-03-27T03:40:05.000Z");
        assert_eq!(n, 19);
    }

    #[test]
    fn rejects_impossible_dates() {
        assert!(parse_rfc3339ish("2023-02-29T00:00:00Z").is_none());
        assert!(parse_rfc3339ish("2023-13-01T00:00:00Z").is_none());
        assert!(parse_rfc3339ish("2023-01-01T24:00:00Z").is_none());
        assert!(parse_rfc3339ish("not a date").is_none());
        assert!(parse_rfc3339ish("2023-01-01T00:00:00Zjunk").is_none());
    }

    #[test]
    fn civil_roundtrip_over_four_centuries() {
        for days in (-1000..200_000).step_by(37) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }

    #[test]
    fn epoch_numbers_are_seconds_or_millis() {
        assert_eq!(
            from_epoch_number(1_531_171_074.631).unwrap().0,
            1_531_171_074_631
        );
        assert_eq!(
            from_epoch_number(1_531_171_074_631.0).unwrap().0,
            1_531_171_074_631
        );
        assert!(from_epoch_number(1_531_171_074_631_000.0).is_none());
        assert!(from_epoch_number(f64::NAN).is_none());
    }
}
