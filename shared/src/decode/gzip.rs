//! Capped, multi-member gunzip.
//!
//! Every member of the stream is decompressed (a single-member decoder silently stops after the
//! first one), each by zlib in gzip mode, which checks the header, the CRC-32 and the size. The
//! output goes straight into the spare room of the buffer (no zero-filling first, as
//! `Read::read_to_end` does), grown at most to `cap + 1` bytes, so a gzip bomb costs at most that
//! much memory before it is rejected.

use crate::rejection::{RejectReason, Rejection};
use flate2::{Decompress, FlushDecompress, Status};

/// The gzip magic bytes.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Expected expansion of a CloudWatch Logs payload, used to pre-size the output buffer when the
/// gzip trailer gives no plausible size (real payloads decompress about 10×).
const EXPECTED_EXPANSION: usize = 8;

/// Bytes of the gzip trailer: CRC-32, then ISIZE (the member's input size mod 2^32, little endian).
const TRAILER_BYTES: usize = 8;

/// zlib's largest window (gzip streams may use any window up to it).
const WINDOW_BITS: u8 = 15;

/// Least room added when the output buffer is full.
const MIN_GROWTH: usize = 32 * 1024;

/// True when `data` starts with the gzip magic bytes `1f 8b`.
pub fn is_gzip(data: &[u8]) -> bool {
    data.starts_with(&GZIP_MAGIC)
}

/// Decompresses every gzip member of `data`; fails with
/// [`RejectReason::DecompressedTooLarge`] when the output would exceed `cap` bytes and with
/// [`RejectReason::InvalidGzip`] when the stream is truncated or corrupt.
pub fn gunzip_capped(data: &[u8], cap: usize) -> Result<Vec<u8>, Rejection> {
    let mut out = Vec::new();
    gunzip_into(data, cap, &mut out)?;
    Ok(out)
}

/// [`gunzip_capped`] into `out`: cleared first, then given room for the size the gzip trailer
/// announces (a buffer reused from payload to payload keeps its room).
pub fn gunzip_into(data: &[u8], cap: usize, out: &mut Vec<u8>) -> Result<(), Rejection> {
    out.clear();
    out.reserve_exact(output_size_hint(data).min(cap));
    let mut rest = data;
    loop {
        rest = inflate_member(rest, cap, out)?;
        if rest.is_empty() {
            return Ok(());
        }
    }
}

/// Decompresses the gzip member at the start of `data` onto `out`; returns the bytes after it.
fn inflate_member<'d>(
    data: &'d [u8],
    cap: usize,
    out: &mut Vec<u8>,
) -> Result<&'d [u8], Rejection> {
    let mut inflate = Decompress::new_gzip(WINDOW_BITS);
    let mut rest = data;
    loop {
        if out.len() == out.capacity() {
            if out.len() > cap {
                return Err(too_large(cap));
            }
            // Room up to one byte over the cap: enough to tell "exactly at the cap" from "over".
            let room = out
                .len()
                .max(MIN_GROWTH)
                .min(cap.saturating_add(1) - out.len());
            out.reserve_exact(room);
        }
        let (read, written) = (inflate.total_in(), out.len());
        let status = inflate
            .decompress_vec(rest, out, FlushDecompress::None)
            .map_err(|e| invalid(&e.to_string()))?;
        let consumed = usize::try_from(inflate.total_in() - read).unwrap_or(rest.len());
        rest = rest.get(consumed..).unwrap_or_default();
        if out.len() > cap {
            return Err(too_large(cap));
        }
        match status {
            Status::StreamEnd => return Ok(rest),
            _ if consumed == 0 && out.len() == written && out.len() < out.capacity() => {
                // No progress with input and room left: the stream ends before the member does.
                return Err(invalid("unexpected end of stream"));
            }
            _ => {}
        }
    }
}

/// The rejection of a stream zlib could not decompress.
fn invalid(why: &str) -> Rejection {
    Rejection::input(
        RejectReason::InvalidGzip,
        format!("gzip stream is truncated or corrupt: {why}"),
    )
}

/// The size to reserve for the output of `data`: the ISIZE of its (last) member when it is
/// plausible, so that a single-member payload is decompressed into a buffer of exactly its size
/// (growing a buffer by doubling would hold up to twice the payload), else an estimate.
/// `read_to_end` probes for the end before growing a full buffer, so an exact size never grows.
fn output_size_hint(data: &[u8]) -> usize {
    let estimate = data.len().saturating_mul(EXPECTED_EXPANSION);
    if data.len() < TRAILER_BYTES {
        return estimate;
    }
    let isize_field: Option<[u8; 4]> = data.get(data.len() - 4..).and_then(|b| b.try_into().ok());
    match isize_field.map(|b| usize::try_from(u32::from_le_bytes(b))) {
        // Smaller than the input means a multi-member stream (ISIZE of the last member only) or
        // bytes that are not a trailer.
        Some(Ok(size)) if size >= data.len() => size,
        _ => estimate,
    }
}

/// The rejection for a payload larger than `cap` bytes.
pub fn too_large(cap: usize) -> Rejection {
    Rejection::input(
        RejectReason::DecompressedTooLarge,
        format!("decompressed payload exceeds the cap of {cap} bytes"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use flate2::write::GzEncoder;
    use flate2::Compression;
    use std::io::Write;

    const MIB: usize = 1024 * 1024;

    fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = GzEncoder::new(Vec::new(), Compression::fast());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    #[test]
    fn the_output_buffer_is_sized_from_the_trailer_not_doubled() {
        let data: Vec<u8> = (0..3 * MIB).map(|i| b"abcdefgh\t\n"[i % 10]).collect();
        let gz = gzip(&data);
        assert_eq!(output_size_hint(&gz), data.len());
        let out = gunzip_capped(&gz, 8 * MIB).unwrap();
        assert_eq!(out, data);
        assert_eq!(out.capacity(), data.len());
        // No trailer to trust: the estimate.
        assert_eq!(output_size_hint(b"\x1f\x8b"), 16);
    }

    #[test]
    fn output_beyond_the_announced_size_grows_the_buffer_and_a_reused_buffer_keeps_its_room() {
        // The last member's ISIZE (what the buffer is sized from) is smaller than the whole.
        let first: Vec<u8> = (0..300_000).map(|i| (i % 251) as u8).collect();
        let last = vec![b'z'; MIB];
        let mut data = gzip(&first);
        data.extend(gzip(&last));
        let mut out = Vec::new();
        gunzip_into(&data, 8 * MIB, &mut out).unwrap();
        assert_eq!(out.len(), first.len() + last.len());
        assert!(out[..first.len()] == first[..] && out[first.len()..] == last[..]);
        let room = out.capacity();
        gunzip_into(&gzip(b"small"), 8 * MIB, &mut out).unwrap();
        assert_eq!(out, b"small");
        assert_eq!(out.capacity(), room);
        // A failure leaves no partial output behind for the next use to trip on.
        assert!(gunzip_into(&data[..data.len() / 2], 8 * MIB, &mut out).is_err());
        gunzip_into(&gzip(b"again"), 8 * MIB, &mut out).unwrap();
        assert_eq!(out, b"again");
    }

    #[test]
    fn gzip_is_recognised_by_magic_bytes() {
        assert!(is_gzip(&gzip(b"x")));
        assert!(!is_gzip(b"{\"a\":1}"));
        assert!(!is_gzip(&[0x1f]));
    }

    #[test]
    fn round_trips_a_single_member() {
        let out = gunzip_capped(&gzip(b"hello world"), MIB).unwrap();
        assert_eq!(out, b"hello world");
    }

    #[test]
    fn decodes_every_member_of_a_concatenated_stream() {
        let mut data = gzip(b"first ");
        data.extend(gzip(b"second"));
        assert_eq!(gunzip_capped(&data, MIB).unwrap(), b"first second");
    }

    #[test]
    fn gzip_bomb_is_stopped_at_the_cap() {
        // 64 MiB of zeros as 64 members of 1 MiB (compressing 64 MiB at once is slow in debug
        // builds); the decoder stops after cap + 1 bytes either way.
        let member = gzip(&vec![0u8; MIB]);
        let bomb = member.repeat(64);
        assert!(
            bomb.len() * 100 < 64 * MIB,
            "the bomb compresses well: {}",
            bomb.len()
        );
        let err = gunzip_capped(&bomb, MIB).unwrap_err();
        assert_eq!(err.reason, RejectReason::DecompressedTooLarge);
        assert_eq!(
            err.detail,
            "decompressed payload exceeds the cap of 1048576 bytes"
        );
    }

    #[test]
    fn single_member_larger_than_the_cap_is_too_large() {
        let err = gunzip_capped(&gzip(&vec![0u8; 2 * MIB]), MIB).unwrap_err();
        assert_eq!(err.reason, RejectReason::DecompressedTooLarge);
    }

    #[test]
    fn output_exactly_at_the_cap_passes() {
        let data = vec![7u8; MIB];
        let out = gunzip_capped(&gzip(&data), MIB).unwrap();
        assert_eq!(out.len(), MIB);
        let err = gunzip_capped(&gzip(&data), MIB - 1).unwrap_err();
        assert_eq!(err.reason, RejectReason::DecompressedTooLarge);
    }

    #[test]
    fn truncated_stream_is_invalid_gzip() {
        let full = gzip(b"some text that is long enough to be cut in half somewhere");
        let half = full.get(..full.len() / 2).unwrap();
        let err = gunzip_capped(half, MIB).unwrap_err();
        assert_eq!(err.reason, RejectReason::InvalidGzip);
        assert!(
            err.detail
                .starts_with("gzip stream is truncated or corrupt"),
            "{}",
            err.detail
        );
    }

    #[test]
    fn corrupt_body_is_invalid_gzip() {
        let mut data = gzip(b"some text");
        // Flip the CRC32 in the trailer.
        let crc = data.len() - 8;
        data[crc] ^= 0xff;
        assert_eq!(
            gunzip_capped(&data, MIB).unwrap_err().reason,
            RejectReason::InvalidGzip
        );
    }

    #[test]
    fn non_gzip_bytes_are_invalid_gzip() {
        let err = gunzip_capped(b"plain text", MIB).unwrap_err();
        assert_eq!(err.reason, RejectReason::InvalidGzip);
    }

    #[test]
    fn trailing_garbage_after_a_member_is_invalid_gzip() {
        let mut data = gzip(b"ok");
        data.extend_from_slice(b"junk");
        assert_eq!(
            gunzip_capped(&data, MIB).unwrap_err().reason,
            RejectReason::InvalidGzip
        );
    }
}
