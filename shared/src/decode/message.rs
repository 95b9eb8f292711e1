//! TODO(helper): the subscription payload (DATA_MESSAGE / CONTROL_MESSAGE).

use super::Message;
use crate::limits::Limits;
use crate::rejection::Rejection;

/// Reads one decompressed payload.
pub fn parse_message<'a>(payload: &'a [u8], limits: &Limits) -> Result<Message<'a>, Rejection> {
    let _ = (payload, limits);
    Err(Rejection::input(crate::rejection::RejectReason::InvalidPayloadJson, "not implemented"))
}
