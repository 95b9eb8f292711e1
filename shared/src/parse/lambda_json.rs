//! TODO(helper): the Lambda JSON log format (app records and `platform.*` records).

use crate::model::ParsedLine;
use serde_json::{Map, Value};

/// Reads a Lambda JSON-format record; gives the object back when it is not one.
pub fn from_object(obj: Map<String, Value>) -> Result<ParsedLine<'static>, Map<String, Value>> {
    Err(obj)
}
