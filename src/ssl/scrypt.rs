//! scrypt (RFC 7914) for encrypted PKCS#8 keys, over *ring*'s PBKDF2-HMAC-SHA256.
//!
//! The `scrypt` crate brought RustCrypto's SHA-2, HMAC and PBKDF2 into the wasm beside
//! *ring*'s own; what scrypt adds to PBKDF2 is only ROMix over Salsa20/8, which is this file.
//! Its parameters come from the key file, so every cost is checked before anything is
//! allocated, and the one large allocation is fallible: a hostile file gets an error, never
//! an out-of-memory trap (which would kill every connection in the page).

use std::num::NonZeroU32;

/// Why a derivation was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ScryptError {
    /// N, r or p outside what RFC 7914 allows (N a power of two above 1, N < 2^(16·r),
    /// r and p at least 1, p·r under 2^30).
    InvalidParameters,
    /// 128·r·N·p bytes is more than the caller's limit.
    TooMuchMemory(u64),
    /// The allocator could not provide the working memory.
    OutOfMemory(u64),
}

/// Bytes scrypt needs for N, r, p, counted as 128·r·N·p (saturating): ROMix's table is
/// 128·r·N for each of the p lanes, which run one after another here but are bounded together
/// as OpenSSL bounds them.
pub(crate) fn memory_cost(n: u64, r: u64, p: u64) -> u64 {
    128u64
        .saturating_mul(r)
        .saturating_mul(n)
        .saturating_mul(p.max(1))
}

/// Fills `out` with scrypt(password, salt, N, r, p) if the parameters are valid and need at
/// most `max_memory` bytes.
pub(crate) fn scrypt(
    password: &[u8],
    salt: &[u8],
    n: u64,
    r: u32,
    p: u32,
    max_memory: u64,
    out: &mut [u8],
) -> Result<(), ScryptError> {
    if n < 2 || !n.is_power_of_two() || r == 0 || p == 0 {
        return Err(ScryptError::InvalidParameters);
    }
    // RFC 7914 §2: N < 2^(128·r/8), and p ≤ (2^32 − 1)·32 / (128·r).
    if u64::from(r) < 4 && n >= 1u64 << (16 * r) {
        return Err(ScryptError::InvalidParameters);
    }
    if u64::from(p).saturating_mul(u64::from(r)) >= 1 << 30 {
        return Err(ScryptError::InvalidParameters);
    }
    let memory = memory_cost(n, u64::from(r), u64::from(p));
    if memory > max_memory {
        return Err(ScryptError::TooMuchMemory(memory));
    }
    // Within `max_memory` these all fit in usize on wasm32 as well.
    let too_big = || ScryptError::TooMuchMemory(memory);
    let n_usize = usize::try_from(n).map_err(|_| too_big())?;
    let r_usize = usize::try_from(r).map_err(|_| too_big())?;
    let p_usize = usize::try_from(p).map_err(|_| too_big())?;
    let lane_bytes = r_usize.checked_mul(128).ok_or_else(too_big)?;
    let lanes_bytes = lane_bytes.checked_mul(p_usize).ok_or_else(too_big)?;
    let table_words = n_usize
        .checked_mul(r_usize.checked_mul(32).ok_or_else(too_big)?)
        .ok_or_else(too_big)?;

    let mut lanes = Vec::new();
    lanes
        .try_reserve_exact(lanes_bytes)
        .map_err(|_| ScryptError::OutOfMemory(memory))?;
    lanes.resize(lanes_bytes, 0);
    let mut table: Vec<u32> = Vec::new();
    table
        .try_reserve_exact(table_words)
        .map_err(|_| ScryptError::OutOfMemory(memory))?;

    pbkdf2_sha256_once(password, salt, &mut lanes);
    for lane in lanes.chunks_exact_mut(lane_bytes) {
        ro_mix(lane, n_usize, &mut table);
    }
    pbkdf2_sha256_once(password, &lanes, out);
    Ok(())
}

fn pbkdf2_sha256_once(password: &[u8], salt: &[u8], out: &mut [u8]) {
    // ring refuses only outputs over (2^32 − 1)·32 bytes; scrypt asks for at most
    // 128·r·p < 2^37 bytes, and the memory bound keeps that far lower.
    ring::pbkdf2::derive(
        ring::pbkdf2::PBKDF2_HMAC_SHA256,
        NonZeroU32::MIN,
        salt,
        password,
        out,
    );
}

/// RFC 7914 §5, in place on one 128·r-byte lane; `table` is reused across lanes.
fn ro_mix(lane: &mut [u8], n: usize, table: &mut Vec<u32>) {
    let mut x: Vec<u32> = lane
        .chunks_exact(4)
        .map(|w| u32::from_le_bytes(w.try_into().unwrap_or([0; 4])))
        .collect();
    let mut scratch = vec![0u32; x.len()];
    table.clear();
    for _ in 0..n {
        table.extend_from_slice(&x);
        block_mix(&x, &mut scratch);
        std::mem::swap(&mut x, &mut scratch);
    }
    let words = x.len();
    for _ in 0..n {
        let j = integerify(&x) & (n - 1);
        if let Some(v) = table.get(j * words..(j + 1) * words) {
            for (xw, vw) in x.iter_mut().zip(v) {
                *xw ^= vw;
            }
        }
        block_mix(&x, &mut scratch);
        std::mem::swap(&mut x, &mut scratch);
    }
    for (out, w) in lane.chunks_exact_mut(4).zip(&x) {
        out.copy_from_slice(&w.to_le_bytes());
    }
}

/// The first 64 bits of the last 64-byte block, little-endian, as an index (N ≤ 2^32 here,
/// but the high word is kept so a larger N would still be right).
fn integerify(x: &[u32]) -> usize {
    let last = x.len().saturating_sub(16);
    let lo = x.get(last).copied().unwrap_or(0);
    let hi = x.get(last + 1).copied().unwrap_or(0);
    let j = u64::from(lo) | (u64::from(hi) << 32);
    // Only the low bits survive the caller's mask, which is below usize::MAX.
    #[allow(clippy::cast_possible_truncation)]
    {
        j as usize
    }
}

/// RFC 7914 §4: `input` is 2·r 64-byte blocks as words; `out` gets the even-numbered results
/// first, then the odd ones.
fn block_mix(input: &[u32], out: &mut [u32]) {
    let blocks = input.len() / 16;
    let r = blocks / 2;
    let mut x = [0u32; 16];
    if let Some(last) = input.get(input.len().saturating_sub(16)..) {
        x.copy_from_slice(last);
    }
    for (i, block) in input.chunks_exact(16).enumerate() {
        for (xw, bw) in x.iter_mut().zip(block) {
            *xw ^= bw;
        }
        salsa20_8(&mut x);
        let dest = if i % 2 == 0 { i / 2 } else { r + i / 2 };
        if let Some(slot) = out.get_mut(dest * 16..dest * 16 + 16) {
            slot.copy_from_slice(&x);
        }
    }
}

/// The Salsa20/8 core (RFC 7914 §3), on the state in place.
#[allow(clippy::indexing_slicing)] // constant indices below 16 into a [u32; 16]
fn salsa20_8(b: &mut [u32; 16]) {
    let mut x = *b;
    fn quarter(x: &mut [u32; 16], a: usize, b: usize, c: usize, d: usize) {
        x[b] ^= x[a].wrapping_add(x[d]).rotate_left(7);
        x[c] ^= x[b].wrapping_add(x[a]).rotate_left(9);
        x[d] ^= x[c].wrapping_add(x[b]).rotate_left(13);
        x[a] ^= x[d].wrapping_add(x[c]).rotate_left(18);
    }
    for _ in 0..4 {
        // Columns, then rows.
        quarter(&mut x, 0, 4, 8, 12);
        quarter(&mut x, 5, 9, 13, 1);
        quarter(&mut x, 10, 14, 2, 6);
        quarter(&mut x, 15, 3, 7, 11);
        quarter(&mut x, 0, 1, 2, 3);
        quarter(&mut x, 5, 6, 7, 4);
        quarter(&mut x, 10, 11, 8, 9);
        quarter(&mut x, 15, 12, 13, 14);
    }
    for (out, add) in b.iter_mut().zip(x) {
        *out = out.wrapping_add(add);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    use crate::ssl::test_support::unhex as hex;

    const LIMIT: u64 = 64 * 1024 * 1024;

    #[test]
    fn rfc7914_salsa20_8_core() {
        let input = hex("7e879a214f3ec9867ca940e641718f26baee555b8c61c1b50df846116dcd3b1d
             ee24f319df9b3d8514121e4b5ac5aa3276021d2909c74829edebc68db8b8c25e");
        let expected = hex("a41f859c6608cc993b81cacb020cef05044b2181a2fd337dfd7b1c6396682f29
             b4393168e3c9e6bcfe6bc5b7a06d96bae424cc102c91745c24ad673dc7618f81");
        let mut state = [0u32; 16];
        for (w, b) in state.iter_mut().zip(input.chunks_exact(4)) {
            *w = u32::from_le_bytes(b.try_into().unwrap());
        }
        salsa20_8(&mut state);
        let out: Vec<u8> = state.iter().flat_map(|w| w.to_le_bytes()).collect();
        assert_eq!(out, expected);
    }

    #[test]
    fn rfc7914_vectors() {
        type Case = (&'static [u8], &'static [u8], u64, u32, u32, &'static str);
        let cases: [Case; 3] = [
            (
                b"",
                b"",
                16,
                1,
                1,
                "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442
                 fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906",
            ),
            (
                b"password",
                b"NaCl",
                1024,
                8,
                16,
                "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162
                 2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640",
            ),
            (
                b"pleaseletmein",
                b"SodiumChloride",
                16384,
                8,
                1,
                "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2
                 d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887",
            ),
        ];
        for (password, salt, n, r, p, expected) in cases {
            let mut out = [0u8; 64];
            scrypt(password, salt, n, r, p, LIMIT, &mut out).unwrap();
            assert_eq!(out.to_vec(), hex(expected), "N={n} r={r} p={p}");
        }
    }

    #[test]
    fn hostile_parameters_are_errors_not_traps() {
        let mut out = [0u8; 32];
        let mut run = |n, r, p| scrypt(b"pw", b"salt", n, r, p, LIMIT, &mut out);
        // N = 2^30 with r = 8: 1 TiB.
        assert_eq!(run(1 << 30, 8, 1), Err(ScryptError::TooMuchMemory(1 << 40)));
        // Saturates rather than wrapping to something small.
        assert_eq!(run(1 << 63, 8, 1), Err(ScryptError::TooMuchMemory(u64::MAX)));
        assert!(matches!(
            run(1 << 20, 1 << 20, 1 << 20),
            Err(ScryptError::InvalidParameters)
        ));
        // Not a power of two, too small, zero r or p, N too big for r = 1.
        for (n, r, p) in [
            (1000, 8, 1),
            (1, 8, 1),
            (0, 8, 1),
            (16, 0, 1),
            (16, 1, 0),
            (1 << 16, 1, 1),
        ] {
            assert_eq!(
                run(n, r, p),
                Err(ScryptError::InvalidParameters),
                "N={n} r={r} p={p}"
            );
        }
        // The limit itself is allowed, one step past it is not.
        assert_eq!(
            scrypt(b"pw", b"salt", 16, 8, 2, 128 * 8 * 16 * 2, &mut out),
            Ok(())
        );
        assert_eq!(
            scrypt(b"pw", b"salt", 32, 8, 2, 128 * 8 * 16 * 2, &mut out),
            Err(ScryptError::TooMuchMemory(128 * 8 * 32 * 2))
        );
    }
}
