//! TODO(helper): the Lambda event envelopes.

use super::DecodedInput;
use crate::limits::Limits;
use crate::rejection::Rejection;

/// Decodes a Lambda event's bytes into records. An `Err` means the input as a whole is unusable
/// (not JSON, no known shape); per-record problems are `RecordContent::Rejected`.
pub fn decode_input<'a>(input: &'a [u8], limits: &Limits) -> Result<DecodedInput<'a>, Rejection> {
    let _ = (input, limits);
    Err(Rejection::input(crate::rejection::RejectReason::InvalidEnvelope, "not implemented"))
}
