//! One JSON object written member by member, byte for byte as serde_json writes it: keys are
//! literals written in one copy ([`json_key!`](crate::json::json_key)), strings go through
//! [`write_json_str`].

use super::write_json_str;
use serde::Serialize;

/// Writes the decimal digits of `n`.
pub(crate) fn write_u64(out: &mut Vec<u8>, mut n: u64) {
    let mut buf = [0u8; 20];
    let mut at = buf.len();
    loop {
        at -= 1;
        buf[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(buf.get(at..).unwrap_or_default());
}

/// Writes the decimal digits of `n`, with its sign.
pub(crate) fn write_i64(out: &mut Vec<u8>, n: i64) {
    if n < 0 {
        out.push(b'-');
    }
    write_u64(out, n.unsigned_abs());
}

/// `json_key!("name")` is the literal `"name":` (a member's key, written in one copy).
macro_rules! json_key {
    ($name:literal) => {
        concat!("\"", $name, "\":")
    };
}
pub(crate) use json_key;

/// One JSON object being written: commas between members, keys as literals.
pub(crate) struct Obj<'o> {
    out: &'o mut Vec<u8>,
    empty: bool,
}

impl<'o> Obj<'o> {
    /// Opens an object: writes `{`.
    pub(crate) fn open(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Obj { out, empty: true }
    }

    /// Writes a member's `"key":`, given as [`json_key!`] makes it (quotes and colon included, no
    /// character that needs escaping), after a comma unless it is the first member.
    pub(crate) fn key(&mut self, quoted_key: &str) -> &mut Vec<u8> {
        if !self.empty {
            self.out.push(b',');
        }
        self.empty = false;
        self.out.extend_from_slice(quoted_key.as_bytes());
        self.out
    }

    /// A string member.
    pub(crate) fn str(&mut self, key: &str, value: &str) {
        write_json_str(self.key(key), value);
    }

    /// A string member when there is a value.
    pub(crate) fn opt_str(&mut self, key: &str, value: Option<&str>) {
        if let Some(v) = value {
            self.str(key, v);
        }
    }

    /// A boolean member when there is a value.
    pub(crate) fn opt_bool(&mut self, key: &str, value: Option<bool>) {
        if let Some(v) = value {
            let text: &[u8] = if v { b"true" } else { b"false" };
            self.key(key).extend_from_slice(text);
        }
    }

    /// A number as serde_json writes an `f64` (shortest round-trip form; `null` when not
    /// finite).
    pub(crate) fn opt_f64(&mut self, key: &str, value: Option<f64>) -> serde_json::Result<()> {
        match value {
            Some(v) => serde_json::to_writer(&mut *self.key(key), &v),
            None => Ok(()),
        }
    }

    /// A member written by serde_json.
    pub(crate) fn serde<T: Serialize + ?Sized>(
        &mut self,
        key: &str,
        value: &T,
    ) -> serde_json::Result<()> {
        serde_json::to_writer(&mut *self.key(key), value)
    }

    /// Closes the object: writes `}`.
    pub(crate) fn close(self) {
        self.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_as_display_writes_them() {
        for n in [0, 7, -7, 1_000_000_007, i64::MAX, i64::MIN] {
            let mut out = Vec::new();
            write_i64(&mut out, n);
            assert_eq!(out, n.to_string().into_bytes(), "{n}");
        }
        let mut out = Vec::new();
        write_u64(&mut out, u64::MAX);
        assert_eq!(out, u64::MAX.to_string().into_bytes());
    }
}
