//! TODO(helper): parser for this format. See `super` for the contract.

use crate::model::ParsedLine;

/// Recognises this format; `None` when the line is not in it.
pub fn parse(_msg: &str) -> Option<ParsedLine<'_>> {
    None
}
