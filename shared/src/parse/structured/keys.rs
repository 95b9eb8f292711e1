//! The well-known keys of structured lines, and [`Keys`]: an object split in one pass into
//! those keys (one slot each) and the rest.
//!
//! Looking the ~55 well-known names up one by one costs ~35 ns per probe on a typical 10-key
//! object (a B-tree node is searched linearly): more than parsing the line. Instead every key is
//! classified once by a `match` on string literals (a length switch plus fixed-size compares).

use crate::json::{Entries, Member};
use std::borrow::Cow;

/// Declares [`Slot`] with the key name of each variant, from one list.
macro_rules! slots {
    ($($slot:ident = $name:literal,)*) => {
        /// One well-known key of a structured line.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub(super) enum Slot {
            $(
                #[doc = concat!("`", $name, "`")]
                $slot,
            )*
        }

        impl Slot {
            /// Every slot, in declaration order.
            pub(super) const ALL: &'static [Slot] = &[$(Slot::$slot,)*];

            /// Number of slots.
            pub(super) const COUNT: usize = Slot::ALL.len();

            /// The slot of a key name, if the key is well known.
            pub(super) fn of(key: &str) -> Option<Slot> {
                match key {
                    $($name => Some(Slot::$slot),)*
                    _ => None,
                }
            }

            /// The bit of this slot in a presence mask.
            fn bit(self) -> u128 {
                1 << (self as u32)
            }

            /// The key name as written in log lines.
            pub(super) fn name(self) -> &'static str {
                match self {
                    $(Slot::$slot => $name,)*
                }
            }
        }
    };
}

slots! {
    // message
    Message = "message",
    Msg = "msg",
    AtM = "@m",
    AtMt = "@mt",
    RenderedMessage = "RenderedMessage",
    MessageTemplate = "MessageTemplate",
    MessageCap = "Message",
    // level
    SLevel = "sLevel",
    Level = "level",
    LogLevel = "log_level",
    LevelName = "levelname",
    Severity = "severity",
    AtL = "@l",
    LevelCap = "Level",
    LogDotLevel = "log.level",
    Status = "status",
    // timestamp
    Timestamp = "timestamp",
    Time = "time",
    AtT = "@t",
    Ts = "ts",
    Date = "date",
    AtTimestamp = "@timestamp",
    TimestampCap = "Timestamp",
    TimeMillis = "timeMillis",
    Instant = "instant",
    // request id
    RequestId = "requestId",
    AwsRequestIdUpper = "AWSRequestId",
    AwsRequestId = "awsRequestId",
    FunctionRequestId = "function_request_id",
    LambdaRequestId = "lambda_request_id",
    FunctionRequestIdCap = "FunctionRequestId",
    FunctionRequestIdCamel = "functionRequestId",
    // function identity and cold start
    FunctionName = "function_name",
    LambdaFunctionName = "lambda_function_name",
    FunctionNameCamel = "functionName",
    FunctionVersion = "function_version",
    FunctionVersionCamel = "functionVersion",
    FunctionNameCap = "FunctionName",
    FunctionVersionCap = "FunctionVersion",
    Service = "service",
    ServiceCap = "Service",
    ColdStart = "cold_start",
    ColdStartCap = "ColdStart",
    ColdStartCamel = "coldStart",
    // X-Ray
    XrayTraceId = "xray_trace_id",
    XrayTraceIdCamel = "xrayTraceId",
    AwsXrayTraceId = "AWS-XRAY-TRACE-ID",
    XRayTraceIdCap = "XRayTraceId",
    XRayTraceIdCamel = "xRayTraceId",
    TraceId = "traceId",
    TraceIdSnake = "trace_id",
    Tracing = "tracing",
    // correlation (dazn `x-correlation-*` keys are collected by prefix)
    CorrelationId = "correlation_id",
    CorrelationIdCap = "CorrelationId",
    CorrelationIdCamel = "correlationId",
    CorrelationIds = "correlation_ids",
    // Lambda durable functions (the SDK's log lines) and tenant isolation
    ExecutionArn = "executionArn",
    OperationId = "operationId",
    Attempt = "attempt",
    TenantId = "tenantId",
    DebugLogEnabled = "debug-log-enabled",
    CallChainLength = "call-chain-length",
    // errors
    Error = "error",
    Err = "err",
    ErrorType = "errorType",
    ErrorMessage = "errorMessage",
    StackTrace = "stackTrace",
    ExceptionName = "exception_name",
    Exception = "exception",
    AtX = "@x",
    ExceptionCap = "Exception",
    Type = "type",
    Stack = "stack",
}

// Presence of slots is kept in a `u128`.
const _: () = assert!(Slot::COUNT <= 128);

impl Slot {
    /// Message keys are rendered into `body` and also stay in `fields` (the oracles want
    /// `fields.message`), so they are never taken out of the object: only their presence is
    /// recorded, which spares re-inserting them.
    fn stays_in_fields(self) -> bool {
        matches!(
            self,
            Slot::Message
                | Slot::Msg
                | Slot::AtM
                | Slot::AtMt
                | Slot::RenderedMessage
                | Slot::MessageTemplate
                | Slot::MessageCap
        )
    }
}

/// dazn correlation keys all start with this.
pub(super) const DAZN_CORRELATION_PREFIX: &str = "x-correlation-";

/// A JSON object split into its well-known keys (slots) and the rest (`fields`).
///
/// Readers consume slots they use; [`Keys::finish`] puts every unconsumed slot back into the
/// fields, so a key whose value was not understood is never lost. With `keep_all` (EMF records)
/// the slots hold copies and the fields stay the whole object.
pub(super) struct Keys<'a> {
    fields: Entries<'a>,
    slots: [Option<Member<'a>>; Slot::COUNT],
    /// Slots whose key stays in `fields` (see [`Slot::stays_in_fields`]) and was present.
    staying: u128,
    /// Slots that were filled at some point (so [`Keys::finish`] visits only those).
    filled: u128,
    /// dazn `x-correlation-*` keys, in key order.
    dazn: Vec<(Cow<'a, str>, Member<'a>)>,
    keep_all: bool,
}

impl<'a> Keys<'a> {
    /// Splits `obj` in one pass. `keep_all` leaves `obj` whole and copies the slots. Keys stay
    /// borrowed from the line.
    pub(super) fn new(obj: Entries<'a>, keep_all: bool) -> Keys<'a> {
        let mut slots = [const { None }; Slot::COUNT];
        let mut staying = 0u128;
        let mut filled = 0u128;
        let mut dazn = Vec::new();
        let fields = if keep_all {
            for (k, v) in obj.iter() {
                match Slot::of(k) {
                    Some(slot) if slot.stays_in_fields() => staying |= slot.bit(),
                    Some(slot) => {
                        filled |= slot.bit();
                        slots[slot as usize] = Some(v.clone());
                    }
                    None if k.starts_with(DAZN_CORRELATION_PREFIX) => {
                        dazn.push((Cow::Owned(k.to_owned()), v.clone()))
                    }
                    None => {}
                }
            }
            obj
        } else {
            let mut fields = Entries::with_capacity(obj.len());
            for (k, v) in obj {
                match Slot::of(&k) {
                    Some(slot) if slot.stays_in_fields() => {
                        staying |= slot.bit();
                        fields.push_absent(k, v);
                    }
                    Some(slot) => {
                        filled |= slot.bit();
                        slots[slot as usize] = Some(v);
                    }
                    None if k.starts_with(DAZN_CORRELATION_PREFIX) => dazn.push((k, v)),
                    None => fields.push_absent(k, v),
                }
            }
            fields
        };
        Keys {
            fields,
            slots,
            staying,
            filled,
            dazn,
            keep_all,
        }
    }

    /// The value of a slot, if the key was present (and is not consumed yet).
    pub(super) fn get(&self, slot: Slot) -> Option<&Member<'a>> {
        if self.staying & slot.bit() != 0 {
            return self.fields.get(slot.name());
        }
        self.slots[slot as usize].as_ref()
    }

    /// True when the key was present (and is not consumed yet).
    pub(super) fn has(&self, slot: Slot) -> bool {
        self.staying & slot.bit() != 0 || self.slots[slot as usize].is_some()
    }

    /// Consumes a slot and hands its value over. Keys that stay in `fields` are never handed
    /// over.
    pub(super) fn take(&mut self, slot: Slot) -> Option<Member<'a>> {
        self.slots[slot as usize].take()
    }

    /// Consumes a slot and hands its value over when `accept` holds for it.
    pub(super) fn take_when(
        &mut self,
        slot: Slot,
        accept: impl Fn(&Member<'a>) -> bool,
    ) -> Option<Member<'a>> {
        if self.get(slot).is_some_and(accept) {
            self.take(slot)
        } else {
            None
        }
    }

    /// Consumes a slot holding a string and hands the string over.
    pub(super) fn take_string(&mut self, slot: Slot) -> Option<String> {
        self.take_when(slot, Member::is_string)?.into_string()
    }

    /// Puts a (possibly reduced) value back: it returns to the fields at [`Keys::finish`].
    pub(super) fn put_back(&mut self, slot: Slot, value: Member<'a>) {
        self.filled |= slot.bit();
        self.slots[slot as usize] = Some(value);
    }

    /// Reads a slot with `read` and consumes it only when `read` gives a value.
    pub(super) fn take_if<T>(
        &mut self,
        slot: Slot,
        read: impl Fn(&Member<'a>) -> Option<T>,
    ) -> Option<T> {
        let found = self.get(slot).and_then(read)?;
        self.slots[slot as usize] = None;
        Some(found)
    }

    /// The first of `slots` whose value `read` accepts; that slot is consumed, the others stay.
    pub(super) fn take_first<T>(
        &mut self,
        slots: &[Slot],
        read: impl Fn(&Member<'a>) -> Option<T>,
    ) -> Option<T> {
        slots.iter().find_map(|s| self.take_if(*s, &read))
    }

    /// The first of `slots` that is present and not `null`; it is NOT consumed.
    pub(super) fn first_present(&self, slots: &[Slot]) -> Option<&Member<'a>> {
        slots
            .iter()
            .find_map(|s| self.get(*s).filter(|v| !v.is_null()))
    }

    /// True when a dazn `x-correlation-*` key was present.
    pub(super) fn has_dazn_keys(&self) -> bool {
        !self.dazn.is_empty()
    }

    /// Consumes the dazn `x-correlation-*` keys that `accept` holds for; the others return to
    /// the fields at [`Keys::finish`].
    pub(super) fn take_dazn_when(
        &mut self,
        accept: impl Fn(&str, &Member<'a>) -> bool,
    ) -> Vec<(Cow<'a, str>, Member<'a>)> {
        if self.dazn.iter().all(|(k, v)| accept(k, v)) {
            return std::mem::take(&mut self.dazn);
        }
        let (taken, left) = std::mem::take(&mut self.dazn)
            .into_iter()
            .partition(|(k, v)| accept(k, v));
        self.dazn = left;
        taken
    }

    /// The remaining fields: the object minus the consumed keys (the whole object for EMF).
    pub(super) fn finish(mut self) -> Entries<'a> {
        if self.keep_all {
            return self.fields;
        }
        let mut left = self.filled;
        while left != 0 {
            let index = left.trailing_zeros() as usize;
            left &= left - 1;
            let value = self.slots.get_mut(index).and_then(Option::take);
            if let (Some(slot), Some(v)) = (Slot::ALL.get(index), value) {
                self.fields.push_absent(Cow::Borrowed(slot.name()), v);
            }
        }
        for (k, v) in self.dazn {
            self.fields.push_absent(k, v);
        }
        self.fields
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::parse_object;
    use serde_json::json;

    #[test]
    fn every_slot_name_maps_back_to_its_slot() {
        for (index, slot) in Slot::ALL.iter().enumerate() {
            assert_eq!(
                *slot as usize, index,
                "slots are indexed by declaration order"
            );
            assert_eq!(Slot::of(slot.name()), Some(*slot), "{slot:?}");
        }
        assert_eq!(Slot::of("Message "), None);
        assert_eq!(Slot::of(""), None);
    }

    #[test]
    fn unconsumed_slots_return_to_the_fields() {
        let text = r#"{"level": "x", "msg": "m", "a": 1, "x-correlation-id": "c"}"#;
        let obj = parse_object(text, 8).unwrap();
        let original = obj.clone().into_map();
        let keys = Keys::new(obj, false);
        assert!(keys.has(Slot::Msg));
        assert!(keys.has_dazn_keys());
        assert_eq!(keys.finish().into_map(), original);
    }

    #[test]
    fn consumed_slots_leave_and_keep_all_keeps_everything() {
        let obj = parse_object(r#"{"level": "info", "a": 1}"#, 8).unwrap();
        let mut keys = Keys::new(obj.clone(), false);
        assert_eq!(keys.take(Slot::Level), Some(Member::Str("info".into())));
        assert_eq!(
            keys.finish().into_map(),
            json!({"a": 1}).as_object().cloned().unwrap()
        );
        let mut kept = Keys::new(obj.clone(), true);
        assert_eq!(kept.take(Slot::Level), Some(Member::Str("info".into())));
        assert_eq!(kept.finish(), obj, "the same members in the same order");
    }
}
