//! FNV-1a, the one non-cryptographic hash of the crate: span and trace ids derived from request
//! and correlation ids (`span::ids`), and the sampling decision by event id (`filter`). It is
//! plain FNV-1a of the UTF-8 bytes, so anyone can derive the same ids from a request id.

const FNV64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV64_PRIME: u64 = 0x0000_0100_0000_01b3;
const FNV128_OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
const FNV128_PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

/// FNV-1a, 64 bits.
pub fn fnv1a_64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(FNV64_OFFSET, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(FNV64_PRIME)
    })
}

/// FNV-1a, 128 bits.
pub fn fnv1a_128(bytes: &[u8]) -> u128 {
    bytes.iter().fold(FNV128_OFFSET, |h, b| {
        (h ^ u128::from(*b)).wrapping_mul(FNV128_PRIME)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_the_published_test_vectors() {
        // The FNV-1a test vectors of the reference suite (RFC draft-eastlake-fnv) for 64 bits;
        // the 128-bit values computed independently (Python, arbitrary-precision integers).
        assert_eq!(fnv1a_64(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a_64(b"a"), 0xaf63_dc4c_8601_ec8c);
        assert_eq!(fnv1a_64(b"foobar"), 0x8594_4171_f739_67e8);
        assert_eq!(fnv1a_128(b""), FNV128_OFFSET);
        assert_eq!(fnv1a_128(b"a"), 0xd228_cb69_6f1a_8caf_7891_2b70_4e4a_8964);
        assert_eq!(
            fnv1a_128(b"foobar"),
            0x343e_1662_793c_64bf_6f0d_3597_ba44_6f18
        );
    }
}
