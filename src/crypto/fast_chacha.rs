//! ChaCha20-Poly1305 record protection for TLS 1.3 and TLS 1.2 over RustCrypto's
//! `chacha20poly1305`, in place of *ring*'s.
//!
//! Why: the wasm is compiled for size (docs/size.md), and *ring*'s ChaCha20 on wasm is its
//! portable Rust, compiled at *ring*'s level. Kept at opt-level 3, *ring*'s optimised code for
//! everything it is linked for (P-256, P-384, RSA, X25519, SHA-2) was about 23 KB of the
//! gzipped wasm; at "s" it costs nothing measurable in handshakes, but ChaCha20 ran a third
//! slower. So the ChaCha20-Poly1305 that browsers prefer runs in `crates/aead-kernel`, at 3,
//! beside AES-GCM, and *ring* is compiled for size.
//!
//! Both are constant time: ChaCha20 is add-rotate-xor, and RustCrypto's Poly1305 (its 32-bit
//! "donna" code on wasm) multiplies without branches or tables. Hashing, HKDF and the TLS 1.2
//! PRF are *ring*'s SHA-2 and HMAC under rustls's generic HKDF and PRF, as in fast_gcm's
//! suites; the record framing is record.rs's.

use rustls::crypto::cipher::{
    AeadKey, Iv, KeyBlockShape, MessageDecrypter, MessageEncrypter, Tls12AeadAlgorithm, Tls13AeadAlgorithm,
    UnsupportedOperationError, NONCE_LEN,
};
use rustls::{
    CipherSuite, ConnectionTrafficSecrets, SupportedCipherSuite, Tls12CipherSuite, Tls13CipherSuite,
};
use rustls_ssl_aead_kernel::ChaChaKey;

use super::record::{RecordAead, Tls12Nonce, Tls12Opener, Tls12Sealer, Tls13Opener, Tls13Sealer, TAG_LEN};
use super::ring_hash::{tls12_suite, tls13_suite, TLS12_ECDSA_SCHEMES, TLS12_RSA_SCHEMES};

const KEY_LEN: usize = 32;

/// A key that was not 32 bytes is kept as `None` (`ChaChaKey::new` refuses it): every record
/// under it fails.
struct Key(Option<ChaChaKey>);

impl Key {
    fn new(key: &AeadKey) -> Self {
        Self(ChaChaKey::new(key.as_ref()))
    }
}

impl RecordAead for Key {
    fn seal(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], in_out: &mut [u8]) -> Option<[u8; TAG_LEN]> {
        self.0.as_ref()?.seal(nonce, aad, in_out)
    }

    fn open(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], in_out: &mut [u8], tag: &[u8; TAG_LEN]) -> bool {
        self.0.as_ref().is_some_and(|k| k.open(nonce, aad, in_out, tag))
    }
}

struct Tls13ChaCha;

impl Tls13AeadAlgorithm for Tls13ChaCha {
    fn encrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageEncrypter> {
        Box::new(Tls13Sealer::new(Key::new(&key), iv))
    }

    fn decrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageDecrypter> {
        Box::new(Tls13Opener::new(Key::new(&key), iv))
    }

    fn key_len(&self) -> usize {
        KEY_LEN
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: Iv,
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        Ok(ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv })
    }
}

struct Tls12ChaCha;

/// A placeholder IV for a key block of the wrong shape; the key is dropped with it, so every
/// record fails.
const NO_IV: [u8; NONCE_LEN] = [0; NONCE_LEN];

impl Tls12AeadAlgorithm for Tls12ChaCha {
    fn encrypter(&self, key: AeadKey, iv: &[u8], extra: &[u8]) -> Box<dyn MessageEncrypter> {
        let (key, iv) = match Tls12Nonce::Implicit.sealing_iv(iv, extra) {
            Some(iv) => (Key::new(&key), iv),
            None => (Key(None), Iv::new(NO_IV)),
        };
        Box::new(Tls12Sealer::new(key, iv, Tls12Nonce::Implicit))
    }

    fn decrypter(&self, key: AeadKey, iv: &[u8]) -> Box<dyn MessageDecrypter> {
        let (key, fixed) = match Tls12Nonce::Implicit.opening_iv(iv) {
            Some(fixed) => (Key::new(&key), fixed),
            None => (Key(None), NO_IV),
        };
        Box::new(Tls12Opener::new(key, fixed, Tls12Nonce::Implicit))
    }

    fn key_block_shape(&self) -> KeyBlockShape {
        KeyBlockShape {
            enc_key_len: KEY_LEN,
            fixed_iv_len: NONCE_LEN,
            explicit_nonce_len: 0,
        }
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: &[u8],
        explicit: &[u8],
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        let iv = Tls12Nonce::Implicit
            .sealing_iv(iv, explicit)
            .ok_or(UnsupportedOperationError)?;
        Ok(ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv })
    }
}

/// rustls's record limit for ChaCha20-Poly1305: none that matters (RFC 8446 §5.5 gives
/// 2^64 for its integrity bound).
const LIMIT: u64 = u64::MAX;

static S13: Tls13CipherSuite = tls13_suite(
    CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
    false,
    LIMIT,
    &Tls13ChaCha,
);
static S12_ECDSA: Tls12CipherSuite = tls12_suite(
    CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
    false,
    LIMIT,
    TLS12_ECDSA_SCHEMES,
    &Tls12ChaCha,
);
static S12_RSA: Tls12CipherSuite = tls12_suite(
    CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    false,
    LIMIT,
    TLS12_RSA_SCHEMES,
    &Tls12ChaCha,
);

pub static TLS13_CHACHA20_POLY1305_SHA256: SupportedCipherSuite = SupportedCipherSuite::Tls13(&S13);
pub static TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256: SupportedCipherSuite =
    SupportedCipherSuite::Tls12(&S12_ECDSA);
pub static TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256: SupportedCipherSuite =
    SupportedCipherSuite::Tls12(&S12_RSA);

/// This module's suite with the IANA id `id`, if it has one.
pub(super) fn ours(id: CipherSuite) -> Option<SupportedCipherSuite> {
    Some(match id {
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256 => TLS13_CHACHA20_POLY1305_SHA256,
        CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256 => {
            TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        }
        CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => {
            TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
        }
        _ => return None,
    })
}

/// Whether `suite` is one of this module's (rather than *ring*'s with the same id). By the
/// suite statics' addresses: the AEAD types are zero-sized, and a zero-sized value's address
/// tells nothing apart.
pub fn is_ours(suite: &SupportedCipherSuite) -> bool {
    match suite {
        SupportedCipherSuite::Tls13(s) => std::ptr::eq(*s, &S13),
        SupportedCipherSuite::Tls12(s) => std::ptr::eq(*s, &S12_ECDSA) || std::ptr::eq(*s, &S12_RSA),
    }
}

#[cfg(test)]
mod tests {
    // Also run in wasm by `wasm-pack test`, where `chacha20` and `poly1305` take the portable
    // code the web build ships.
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    use super::*;
    use crate::crypto::record_checks::{against_ring, ends, open, seal, KEY32};
    use crate::crypto::substitute;
    use rustls::crypto::cipher::{OutboundChunks, OutboundPlainMessage};
    use rustls::{ContentType, Error, ProtocolVersion};

    use crate::ssl::test_support::unhex as hex;

    /// RFC 8439 §2.8.2's example: seal, open, and every single-bit forgery refused with the
    /// data left as it was.
    #[test]
    fn rfc8439_example() {
        let key = hex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        let nonce: [u8; 12] = hex("070000004041424344454647").try_into().unwrap();
        let aad = hex("50515253c0c1c2c3c4c5c6c7");
        let pt = b"Ladies and Gentlemen of the class of '99: If I could offer you only one tip \
                   for the future, sunscreen would be it.";
        let ct = hex("d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6\
             3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36\
             92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc\
             3ff4def08e4b7a9de576d26586cec64b6116");
        let tag: [u8; 16] = hex("1ae10b594f09e26a7e902ecbd0600691").try_into().unwrap();
        let k = Key::new(&AeadKey::from(<[u8; 32]>::try_from(&key[..]).unwrap()));

        let mut data = pt.to_vec();
        assert_eq!(k.seal(&nonce, &aad, &mut data), Some(tag));
        assert_eq!(data, ct);
        assert!(k.open(&nonce, &aad, &mut data, &tag));
        assert_eq!(data, pt);

        for bit in 0..(ct.len() + aad.len() + 12 + 16) * 8 {
            let (mut c, mut a, mut n, mut t) = (ct.clone(), aad.clone(), nonce, tag);
            let (byte, mask) = (bit / 8, 1u8 << (bit % 8));
            match byte {
                i if i < ct.len() => c[i] ^= mask,
                i if i < ct.len() + aad.len() => a[i - ct.len()] ^= mask,
                i if i < ct.len() + aad.len() + 12 => n[i - ct.len() - aad.len()] ^= mask,
                i => t[i - ct.len() - aad.len() - 12] ^= mask,
            }
            let before = c.clone();
            assert!(!k.open(&n, &a, &mut c, &t), "bit {bit} forged");
            assert_eq!(c, before, "bit {bit}: data changed by a failed open");
        }
    }

    #[test]
    fn a_key_of_the_wrong_size_fails_every_record() {
        assert!(Key::new(&AeadKey::from([1; 32])).0.is_some());
        let mut data = *b"x";
        for len in [0, 16, 31] {
            let k = Key(ChaChaKey::new(&[1; 32][..len]));
            assert!(k.0.is_none(), "{len}");
            assert!(k.seal(&[0; 12], &[], &mut data).is_none());
            assert!(!k.open(&[0; 12], &[], &mut data, &[0; 16]));
        }
    }

    fn pairs() -> [(SupportedCipherSuite, SupportedCipherSuite); 3] {
        use rustls::crypto::ring::cipher_suite::*;
        [
            TLS13_CHACHA20_POLY1305_SHA256,
            TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
            TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        ]
        .map(|ring| (substitute(ring), ring))
    }

    #[test]
    fn records_match_ring_and_refuse_damage() {
        against_ring(&pairs(), is_ours);
    }

    #[test]
    fn a_tls12_key_block_of_the_wrong_shape_fails_every_record() {
        for (ours, _) in pairs() {
            let SupportedCipherSuite::Tls12(s) = ours else {
                continue;
            };
            let shape = s.aead_alg.key_block_shape();
            assert_eq!(
                (shape.enc_key_len, shape.fixed_iv_len, shape.explicit_nonce_len),
                (32, 12, 0)
            );
            let mut enc = s.aead_alg.encrypter(AeadKey::from(KEY32), &[3; 4], &[9; 8]);
            let msg = OutboundPlainMessage {
                typ: ContentType::ApplicationData,
                version: ProtocolVersion::TLSv1_2,
                payload: OutboundChunks::Single(b"x"),
            };
            assert!(matches!(enc.encrypt(msg, 0), Err(Error::EncryptError)));
            let (mut good, _) = ends(ours);
            let record = seal(&mut *good, b"x", 0);
            let mut dec = s.aead_alg.decrypter(AeadKey::from(KEY32), &[3; 4]);
            assert_eq!(open(&mut *dec, &record, 0), Err(Error::DecryptError));
        }
    }

    #[test]
    fn traffic_secrets_are_the_keys_rustls_derived() {
        let SupportedCipherSuite::Tls13(s) = TLS13_CHACHA20_POLY1305_SHA256 else {
            unreachable!()
        };
        let got = s
            .aead_alg
            .extract_keys(AeadKey::from(KEY32), Iv::new([7; 12]))
            .unwrap();
        let ConnectionTrafficSecrets::Chacha20Poly1305 { key, iv } = got else {
            panic!("not ChaCha20-Poly1305 secrets")
        };
        assert_eq!((key.as_ref(), iv.as_ref()), (&KEY32[..], &[7; 12][..]));
        let SupportedCipherSuite::Tls12(s) = TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 else {
            unreachable!()
        };
        let got = s
            .aead_alg
            .extract_keys(AeadKey::from(KEY32), &[3; 12], &[])
            .unwrap();
        let ConnectionTrafficSecrets::Chacha20Poly1305 { iv, .. } = got else {
            panic!("not ChaCha20-Poly1305 secrets")
        };
        assert_eq!(iv.as_ref(), &[3; 12][..]);
        assert!(s
            .aead_alg
            .extract_keys(AeadKey::from(KEY32), &[3; 4], &[])
            .is_err());
    }

    #[test]
    fn every_chacha_suite_is_replaced_and_nothing_else() {
        let mut count = 0;
        for ring in rustls::crypto::ring::ALL_CIPHER_SUITES {
            let mine = substitute(*ring);
            assert_eq!(mine.suite(), ring.suite());
            let chacha = format!("{:?}", ring.suite()).contains("CHACHA20");
            assert_eq!(is_ours(&mine), chacha, "{:?}", ring.suite());
            count += usize::from(chacha);
            if chacha {
                let common = |s: SupportedCipherSuite| match s {
                    SupportedCipherSuite::Tls13(s) => s.common.confidentiality_limit,
                    SupportedCipherSuite::Tls12(s) => s.common.confidentiality_limit,
                };
                assert_eq!(common(mine), common(*ring));
                if let (SupportedCipherSuite::Tls12(x), SupportedCipherSuite::Tls12(y)) = (mine, *ring) {
                    assert_eq!((x.sign, x.kx), (y.sign, y.kx), "{:?}", ring.suite());
                }
            }
        }
        assert_eq!(count, 3);
    }
}
