//! SHA-256/384 and their HMACs over *ring*, as rustls's `Hash` and `Hmac`, and the cipher
//! suites built on them for [`super::fast_gcm`]'s and [`super::fast_chacha`]'s AEADs (HKDF and
//! the TLS 1.2 PRF are rustls's generic ones over these, as in rustls's own *ring* suites).
//!
//! rustls's *ring* provider has the same wrappers but keeps them private: the only way to its
//! hash and HKDF is through its suite statics, and naming those links *ring*'s AEADs beside
//! ours (docs/size.md).

use rustls::crypto::cipher::{Tls12AeadAlgorithm, Tls13AeadAlgorithm};
use rustls::crypto::hash::{Context, Hash, HashAlgorithm, Output};
use rustls::crypto::hmac::{Hmac, Key, Tag};
use rustls::crypto::tls12::PrfUsingHmac;
use rustls::crypto::tls13::HkdfUsingHmac;
use rustls::crypto::KeyExchangeAlgorithm;
use rustls::{CipherSuite, CipherSuiteCommon, SignatureScheme, Tls12CipherSuite, Tls13CipherSuite};

/// A TLS 1.3 suite over SHA-256 or SHA-384 with `aead_alg`; `limit` is the most records one
/// key may protect (RFC 8446 §5.5, rustls's values).
pub(crate) const fn tls13_suite(
    suite: CipherSuite,
    sha384: bool,
    limit: u64,
    aead_alg: &'static dyn Tls13AeadAlgorithm,
) -> Tls13CipherSuite {
    Tls13CipherSuite {
        common: CipherSuiteCommon {
            suite,
            hash_provider: if sha384 { &SHA384 } else { &SHA256 },
            confidentiality_limit: limit,
        },
        hkdf_provider: if sha384 { &HKDF_SHA384 } else { &HKDF_SHA256 },
        aead_alg,
        // QUIC header protection would need raw AES / ChaCha20 too; this package does not
        // speak QUIC.
        quic: None,
    }
}

/// A TLS 1.2 ECDHE suite, authenticated by `sign`, over SHA-256 or SHA-384 with `aead_alg`.
pub(crate) const fn tls12_suite(
    suite: CipherSuite,
    sha384: bool,
    limit: u64,
    sign: &'static [SignatureScheme],
    aead_alg: &'static dyn Tls12AeadAlgorithm,
) -> Tls12CipherSuite {
    Tls12CipherSuite {
        common: CipherSuiteCommon {
            suite,
            hash_provider: if sha384 { &SHA384 } else { &SHA256 },
            confidentiality_limit: limit,
        },
        prf_provider: if sha384 { &PRF_SHA384 } else { &PRF_SHA256 },
        kx: KeyExchangeAlgorithm::ECDHE,
        sign,
        aead_alg,
    }
}

static HKDF_SHA256: HkdfUsingHmac<'static> = HkdfUsingHmac(&HMAC_SHA256);
static HKDF_SHA384: HkdfUsingHmac<'static> = HkdfUsingHmac(&HMAC_SHA384);
static PRF_SHA256: PrfUsingHmac<'static> = PrfUsingHmac(&HMAC_SHA256);
static PRF_SHA384: PrfUsingHmac<'static> = PrfUsingHmac(&HMAC_SHA384);

// The signature schemes rustls's *ring* suites allow for each TLS 1.2 authentication (the
// suites' tests compare them with *ring*'s own).
pub(crate) static TLS12_ECDSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::ED25519,
    SignatureScheme::ECDSA_NISTP521_SHA512,
    SignatureScheme::ECDSA_NISTP384_SHA384,
    SignatureScheme::ECDSA_NISTP256_SHA256,
];
pub(crate) static TLS12_RSA_SCHEMES: &[SignatureScheme] = &[
    SignatureScheme::RSA_PSS_SHA512,
    SignatureScheme::RSA_PSS_SHA384,
    SignatureScheme::RSA_PSS_SHA256,
    SignatureScheme::RSA_PKCS1_SHA512,
    SignatureScheme::RSA_PKCS1_SHA384,
    SignatureScheme::RSA_PKCS1_SHA256,
];

pub(crate) static SHA256: RingHash = RingHash(&ring::digest::SHA256, HashAlgorithm::SHA256);
pub(crate) static SHA384: RingHash = RingHash(&ring::digest::SHA384, HashAlgorithm::SHA384);
pub(crate) static HMAC_SHA256: RingHmac = RingHmac(ring::hmac::HMAC_SHA256);
pub(crate) static HMAC_SHA384: RingHmac = RingHmac(ring::hmac::HMAC_SHA384);

pub(crate) struct RingHash(&'static ring::digest::Algorithm, HashAlgorithm);

impl Hash for RingHash {
    fn start(&self) -> Box<dyn Context> {
        Box::new(RingContext(ring::digest::Context::new(self.0)))
    }

    fn hash(&self, data: &[u8]) -> Output {
        Output::new(ring::digest::digest(self.0, data).as_ref())
    }

    fn algorithm(&self) -> HashAlgorithm {
        self.1
    }

    fn output_len(&self) -> usize {
        self.0.output_len()
    }
}

struct RingContext(ring::digest::Context);

impl Context for RingContext {
    fn fork_finish(&self) -> Output {
        Output::new(self.0.clone().finish().as_ref())
    }

    fn fork(&self) -> Box<dyn Context> {
        Box::new(Self(self.0.clone()))
    }

    fn finish(self: Box<Self>) -> Output {
        Output::new(self.0.finish().as_ref())
    }

    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }
}

pub(crate) struct RingHmac(ring::hmac::Algorithm);

impl Hmac for RingHmac {
    fn with_key(&self, key: &[u8]) -> Box<dyn Key> {
        Box::new(RingKey(ring::hmac::Key::new(self.0, key)))
    }

    fn hash_output_len(&self) -> usize {
        self.0.digest_algorithm().output_len()
    }
}

struct RingKey(ring::hmac::Key);

impl Key for RingKey {
    fn sign_concat(&self, first: &[u8], middle: &[&[u8]], last: &[u8]) -> Tag {
        let mut ctx = ring::hmac::Context::with_key(&self.0);
        ctx.update(first);
        for part in middle {
            ctx.update(part);
        }
        ctx.update(last);
        Tag::new(ctx.sign().as_ref())
    }

    fn tag_len(&self) -> usize {
        self.0.algorithm().digest_algorithm().output_len()
    }
}
