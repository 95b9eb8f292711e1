//! TODO(helper): capped, multi-member gunzip.

use crate::rejection::Rejection;

/// True when `data` starts with the gzip magic bytes `1f 8b`.
pub fn is_gzip(data: &[u8]) -> bool {
    data.starts_with(&[0x1f, 0x8b])
}

/// Decompresses every gzip member of `data`; fails when the output would exceed `cap` bytes or the
/// stream is truncated/corrupt.
pub fn gunzip_capped(data: &[u8], cap: usize) -> Result<Vec<u8>, Rejection> {
    let _ = (data, cap);
    Err(Rejection::input(crate::rejection::RejectReason::InvalidGzip, "not implemented"))
}
