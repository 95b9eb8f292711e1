//! TODO(lead): correlation.
