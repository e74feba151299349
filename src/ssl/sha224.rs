//! PBKDF2 with HMAC-SHA-224, the one PBES2 PRF *ring* lacks.
//!
//! Encrypted PKCS#8 keys may name hmacWithSHA224 (`openssl pkcs8 -v2prf hmacWithSHA224`) and
//! OpenSSL reads them; RustCrypto's `sha2` did this before, at the cost of a second SHA-2 in
//! the wasm beside *ring*'s. SHA-224 is SHA-256 with other initial values, cut to 28 bytes.

use std::num::NonZeroU32;

const OUT: usize = 28;
const BLOCK: usize = 64;

const K: [u32; 64] = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
];

const INITIAL: [u32; 8] = [
    0xc1059ed8, 0x367cd507, 0x3070dd17, 0xf70e5939, 0xffc00b31, 0x68581511, 0x64f98fa7, 0xbefa4fa4,
];

#[derive(Clone)]
struct Sha224 {
    state: [u32; 8],
    // Fixed-size so that cloning a keyed HMAC state (twice per PBKDF2 round) never allocates.
    pending: [u8; BLOCK],
    pending_len: usize,
    total: u64,
}

impl Sha224 {
    fn new() -> Self {
        Self {
            state: INITIAL,
            pending: [0; BLOCK],
            pending_len: 0,
            total: 0,
        }
    }

    fn update(&mut self, mut data: &[u8]) {
        self.total = self.total.wrapping_add(data.len() as u64);
        if self.pending_len > 0 {
            let take = (BLOCK - self.pending_len).min(data.len());
            let (head, rest) = data.split_at(take);
            if let Some(slot) = self.pending.get_mut(self.pending_len..self.pending_len + take) {
                slot.copy_from_slice(head);
            }
            self.pending_len += take;
            data = rest;
            if self.pending_len < BLOCK {
                return;
            }
            compress(&mut self.state, &self.pending);
            self.pending_len = 0;
        }
        let mut blocks = data.chunks_exact(BLOCK);
        for block in &mut blocks {
            compress(&mut self.state, block);
        }
        let rest = blocks.remainder();
        if let Some(slot) = self.pending.get_mut(..rest.len()) {
            slot.copy_from_slice(rest);
        }
        self.pending_len = rest.len();
    }

    fn finish(mut self) -> [u8; OUT] {
        let bits = self.total.wrapping_mul(8);
        // The message's last bytes, 0x80, zeros, and the bit length: one or two blocks.
        let mut tail = [0u8; 2 * BLOCK];
        let used = self.pending_len;
        if let Some(slot) = tail.get_mut(..used) {
            slot.copy_from_slice(self.pending.get(..used).unwrap_or_default());
        }
        if let Some(marker) = tail.get_mut(used) {
            *marker = 0x80;
        }
        let padded = if used + 1 > BLOCK - 8 { 2 * BLOCK } else { BLOCK };
        if let Some(slot) = tail.get_mut(padded - 8..padded) {
            slot.copy_from_slice(&bits.to_be_bytes());
        }
        for block in tail.get(..padded).unwrap_or_default().chunks_exact(BLOCK) {
            compress(&mut self.state, block);
        }
        let mut out = [0u8; OUT];
        for (o, w) in out.chunks_exact_mut(4).zip(self.state) {
            o.copy_from_slice(&w.to_be_bytes());
        }
        out
    }
}

/// One SHA-256 compression of a 64-byte block.
fn compress(state: &mut [u32; 8], block: &[u8]) {
    let mut w = [0u32; 64];
    for (wi, b) in w.iter_mut().zip(block.chunks_exact(4)) {
        *wi = u32::from_be_bytes(b.try_into().unwrap_or([0; 4]));
    }
    for i in 16..64 {
        let at = |j: usize| w.get(j).copied().unwrap_or(0);
        let (w15, w2) = (at(i - 15), at(i - 2));
        let s0 = w15.rotate_right(7) ^ w15.rotate_right(18) ^ (w15 >> 3);
        let s1 = w2.rotate_right(17) ^ w2.rotate_right(19) ^ (w2 >> 10);
        let value = at(i - 16)
            .wrapping_add(s0)
            .wrapping_add(at(i - 7))
            .wrapping_add(s1);
        if let Some(slot) = w.get_mut(i) {
            *slot = value;
        }
    }
    let [mut a, mut b, mut c, mut d, mut e, mut f, mut g, mut h] = *state;
    for (k, wi) in K.iter().zip(w) {
        let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
        let ch = (e & f) ^ (!e & g);
        let t1 = h
            .wrapping_add(s1)
            .wrapping_add(ch)
            .wrapping_add(*k)
            .wrapping_add(wi);
        let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
        let maj = (a & b) ^ (a & c) ^ (b & c);
        let t2 = s0.wrapping_add(maj);
        h = g;
        g = f;
        f = e;
        e = d.wrapping_add(t1);
        d = c;
        c = b;
        b = a;
        a = t1.wrapping_add(t2);
    }
    for (s, v) in state.iter_mut().zip([a, b, c, d, e, f, g, h]) {
        *s = s.wrapping_add(v);
    }
}

/// HMAC-SHA-224 with the key's inner and outer states computed once.
struct Hmac {
    inner: Sha224,
    outer: Sha224,
}

impl Hmac {
    fn new(key: &[u8]) -> Self {
        let mut block = [0u8; BLOCK];
        if key.len() > BLOCK {
            let mut h = Sha224::new();
            h.update(key);
            let digest = h.finish();
            block.iter_mut().zip(digest).for_each(|(b, d)| *b = d);
        } else {
            block.iter_mut().zip(key).for_each(|(b, k)| *b = *k);
        }
        let mut inner = Sha224::new();
        inner.update(&block.map(|b| b ^ 0x36));
        let mut outer = Sha224::new();
        outer.update(&block.map(|b| b ^ 0x5c));
        Self { inner, outer }
    }

    fn sign(&self, parts: &[&[u8]]) -> [u8; OUT] {
        let mut inner = self.inner.clone();
        for part in parts {
            inner.update(part);
        }
        let mut outer = self.outer.clone();
        outer.update(&inner.finish());
        outer.finish()
    }
}

/// RFC 8018 §5.2 with HMAC-SHA-224.
pub(crate) fn pbkdf2_hmac_sha224(password: &[u8], salt: &[u8], iterations: NonZeroU32, out: &mut [u8]) {
    let hmac = Hmac::new(password);
    for (index, chunk) in (1u32..).zip(out.chunks_mut(OUT)) {
        let mut u = hmac.sign(&[salt, &index.to_be_bytes()]);
        let mut t = u;
        for _ in 1..iterations.get() {
            u = hmac.sign(&[&u]);
            t.iter_mut().zip(u).for_each(|(t, u)| *t ^= u);
        }
        chunk.iter_mut().zip(t).for_each(|(c, t)| *c = t);
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    use crate::ssl::test_support::unhex as hex;

    fn digest(data: &[u8]) -> Vec<u8> {
        let mut h = Sha224::new();
        h.update(data);
        h.finish().to_vec()
    }

    #[test]
    fn fips180_vectors() {
        assert_eq!(
            digest(b"abc"),
            hex("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")
        );
        assert_eq!(
            digest(b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            hex("75388b16512776cc5dba5da1fd890150b0c6455cb4f58b1952522525")
        );
        // Fed in pieces that straddle block boundaries.
        let million = vec![b'a'; 1_000_000];
        let mut h = Sha224::new();
        for piece in million.chunks(997) {
            h.update(piece);
        }
        assert_eq!(
            h.finish().to_vec(),
            hex("20794655980c91d8bbb4c1ea97618a4bf03f42581948b2ee4ee7ad67")
        );
    }

    /// From `openssl kdf -kdfopt digest:SHA224 … PBKDF2` (RFC 6070's inputs; it has no SHA-224
    /// vectors of its own).
    #[test]
    fn pbkdf2_vectors() {
        let mut out = [0u8; 40];
        pbkdf2_hmac_sha224(b"password", b"salt", NonZeroU32::new(4096).unwrap(), &mut out);
        assert_eq!(
            out.to_vec(),
            hex("21:8C:45:3B:F9:06:35:BD:0A:21:A7:5D:17:27:03:FF:61:08:EF:60:3F:65:BB:82:1A:ED:AD:E1:D6:96:16:83:BA:8F:67:87:7D:2A:3F:73")
        );
        // A password longer than the block is hashed first.
        let mut out = [0u8; 25];
        pbkdf2_hmac_sha224(
            b"passwordPASSWORDpasswordpasswordPASSWORDpasswordpasswordPASSWORDpassword",
            b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
            NonZeroU32::new(2).unwrap(),
            &mut out,
        );
        assert_eq!(
            out.to_vec(),
            hex("C6:9D:0D:08:61:BF:4E:9B:80:22:6A:A7:3A:72:9E:D5:E6:B4:68:4D:2D:2A:C7:A4:80")
        );
    }
}
