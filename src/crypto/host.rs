//! A rustls `CryptoProvider` whose record protection, key exchange and signature verification
//! are done by the host through [`HostCrypto`], a handful of primitives over integer key
//! handles. In Node the host is `node:crypto` (OpenSSL, with AES-NI and assembly GHASH): a
//! 16 KiB AES-GCM record costs about 9 µs there against about 300 µs in *ring* compiled to
//! wasm, where AES has no hardware help.
//!
//! Everything else (hashes, HKDF, the TLS 1.2 PRF, signing, randomness) stays *ring*'s: those
//! run on a few hundred bytes per handshake, where crossing into JS costs more than it saves.
//!
//! The record framing (nonce = IV xor sequence number, the AAD, TLS 1.2's explicit GCM nonce,
//! TLS 1.3's inner content type) is done in Rust, by record.rs, as rustls's own providers do
//! it; the host only ever sees a key, a nonce, an AAD and a buffer to seal or open in place.
//!
//! The host is outside the crate's control (a JS function can throw, or be replaced), so every
//! host failure is an error or a fallback, never a panic: a key the host cannot make falls
//! back to *ring* for that key; a failing seal is `EncryptError`, a failing open is
//! `DecryptError` (bad_record_mac); key exchange and verification fall back to *ring* when the
//! host fails (a verdict of "invalid" is final, never retried).

use std::fmt;

use rustls::crypto::cipher::{
    AeadKey, Iv, KeyBlockShape, MessageDecrypter, MessageEncrypter, Tls12AeadAlgorithm, Tls13AeadAlgorithm,
    UnsupportedOperationError, NONCE_LEN,
};
use rustls::crypto::{ActiveKeyExchange, SharedSecret, SupportedKxGroup, WebPkiSupportedAlgorithms};
use rustls::{
    CipherSuite, ConnectionTrafficSecrets, Error, NamedGroup, PeerMisbehaved, SignatureScheme,
    SupportedCipherSuite, Tls12CipherSuite, Tls13CipherSuite,
};
use rustls_pki_types::{AlgorithmIdentifier, InvalidSignature, SignatureVerificationAlgorithm};

pub use super::record::TAG_LEN;
use super::record::{RecordAead, Tls12Nonce, Tls12Opener, Tls12Sealer, Tls13Opener, Tls13Sealer};

/// The AEADs a host implements, numbered for the JS side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Aead {
    Aes128Gcm = 0,
    Aes256Gcm = 1,
    Chacha20Poly1305 = 2,
}

/// Key-exchange groups, numbered for the JS side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Group {
    X25519 = 0,
    P256 = 1,
    P384 = 2,
}

/// Signature algorithms, numbered for the JS side. The curve of an ECDSA key is in its
/// SubjectPublicKeyInfo, so the host needs only the hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Sig {
    EcdsaSha256 = 0,
    EcdsaSha384 = 1,
    Ed25519 = 2,
    RsaPkcs1Sha256 = 3,
    RsaPkcs1Sha384 = 4,
    RsaPkcs1Sha512 = 5,
    RsaPssSha256 = 6,
    RsaPssSha384 = 7,
    RsaPssSha512 = 8,
}

/// The host could not do what was asked (it threw, or answered nonsense). Never a verdict
/// about the data: a record that fails authentication is `Ok(false)` from [`HostCrypto::open`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostError(pub String);

/// What the host does. Handles are the host's; each `*_key`/`kx_start` handle is freed exactly
/// once, by `aead_free`/`kx_free` or by `kx_complete`.
pub trait HostCrypto: Send + Sync {
    /// What `cryptoProvider()` reports, e.g. "node:crypto".
    fn name(&self) -> &'static str;
    /// Imports a record key for `alg`; `key` has the algorithm's length.
    fn aead_key(&self, alg: Aead, key: &[u8]) -> Result<u32, HostError>;
    fn aead_free(&self, key: u32);
    /// Encrypts `in_out` in place under `nonce` and `aad`, and writes the tag.
    fn seal(
        &self,
        key: u32,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &mut [u8; TAG_LEN],
    ) -> Result<(), HostError>;
    /// Decrypts `in_out` in place when `tag` authenticates it (`Ok(true)`); `Ok(false)` when
    /// it does not, and then `in_out` may hold anything.
    fn open(
        &self,
        key: u32,
        nonce: &[u8; NONCE_LEN],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<bool, HostError>;
    /// A fresh ephemeral key pair: its handle and its public key in TLS encoding (32 raw bytes
    /// for X25519, an uncompressed SEC1 point for the NIST curves).
    fn kx_start(&self, group: Group) -> Result<(u32, Vec<u8>), HostError>;
    /// The shared secret with `peer` (already checked for length and form); frees `key`.
    fn kx_complete(&self, key: u32, peer: &[u8]) -> Result<Vec<u8>, HostError>;
    /// Frees a key pair that was never completed; a handle already freed is ignored.
    fn kx_free(&self, key: u32);
    /// Whether `sig` is a valid signature of `msg` by the key in `spki` (DER
    /// SubjectPublicKeyInfo) under `alg`, with *ring*'s limits: RSA moduli of 2048 to 8192
    /// bits, PSS salt as long as the hash, DER-encoded ECDSA signatures.
    fn verify(&self, alg: Sig, spki: &[u8], msg: &[u8], sig: &[u8]) -> Result<bool, HostError>;
}

/// Which algorithms the host takes over; *ring* keeps the others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Families {
    pub aead: bool,
    pub groups: &'static [Group],
    pub sigs: &'static [Sig],
}

impl Families {
    /// Everything the interface can do (the native tests run it all).
    pub const ALL: Self = Self {
        aead: true,
        groups: &[Group::X25519, Group::P256, Group::P384],
        sigs: &[
            Sig::EcdsaSha256,
            Sig::EcdsaSha384,
            Sig::Ed25519,
            Sig::RsaPkcs1Sha256,
            Sig::RsaPkcs1Sha384,
            Sig::RsaPkcs1Sha512,
            Sig::RsaPssSha256,
            Sig::RsaPssSha384,
            Sig::RsaPssSha512,
        ],
    };

    /// What is faster through `node:crypto` than in *ring* compiled to wasm, measured with
    /// bench/host-crypto.bench.mjs and whole handshakes toggling each family: the AEADs (by
    /// far), P-256 and P-384 key exchange and ECDSA verification (the NIST curves are
    /// generic, slow code in wasm), and RSA verification, which on its own costs about the
    /// same either way but through node:crypto is remembered per chain (js/host-crypto.js),
    /// so a server's RSA-signed chain is checked once, not on every connection. X25519 and
    /// Ed25519 are as fast or faster in *ring* (compact curve code) than the crossing plus
    /// `KeyObject` creation in JS, so they stay there.
    pub const FASTER_ON_NODE: Self = Self {
        aead: true,
        groups: &[Group::P256, Group::P384],
        sigs: &[
            Sig::EcdsaSha256,
            Sig::EcdsaSha384,
            Sig::RsaPkcs1Sha256,
            Sig::RsaPkcs1Sha384,
            Sig::RsaPkcs1Sha512,
            Sig::RsaPssSha256,
            Sig::RsaPssSha384,
            Sig::RsaPssSha512,
        ],
    };

    pub const NONE: Self = Self {
        aead: false,
        groups: &[],
        sigs: &[],
    };
}

/// The host's versions of *ring*'s suites, groups and verification algorithms, made once per
/// host (they must be `'static` for rustls, so [`HostProvider::new`] leaks them: call it once
/// per host, as `crypto::install` does).
pub struct HostProvider {
    host: &'static dyn HostCrypto,
    name: &'static str,
    families: Families,
    suites: Vec<SupportedCipherSuite>,
    groups: Vec<&'static dyn SupportedKxGroup>,
    verify: WebPkiSupportedAlgorithms,
}

impl fmt::Debug for HostProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostProvider")
            .field("name", &self.name)
            .field("families", &self.families)
            .finish_non_exhaustive()
    }
}

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

impl HostProvider {
    pub fn new(host: &'static dyn HostCrypto, families: Families) -> &'static Self {
        // fast_gcm's AES-GCM suites rather than *ring*'s, whose statics would link its AES.
        let ring = super::ring_provider::default();
        let suites = ring
            .cipher_suites
            .iter()
            .map(|s| if families.aead { host_suite(host, *s) } else { *s })
            .collect();
        let groups = ring
            .kx_groups
            .iter()
            .map(|g| host_group(host, *g, families.groups))
            .collect();
        let verify = host_verify(host, ring.signature_verification_algorithms, families.sigs);
        leak(Self {
            host,
            name: host.name(),
            families,
            suites,
            groups,
            verify,
        })
    }

    pub fn name(&self) -> &'static str {
        self.name
    }

    pub fn families(&self) -> Families {
        self.families
    }

    /// This host's version of a *ring* suite (the same code point); the suite itself if the
    /// host has none.
    pub fn suite(&self, suite: SupportedCipherSuite) -> SupportedCipherSuite {
        self.suites
            .iter()
            .find(|s| s.suite() == suite.suite())
            .copied()
            .unwrap_or(suite)
    }

    /// This host's version of a *ring* group (the same code point).
    pub fn group(&self, group: &'static dyn SupportedKxGroup) -> &'static dyn SupportedKxGroup {
        self.groups
            .iter()
            .find(|g| g.name() == group.name())
            .copied()
            .unwrap_or(group)
    }

    pub fn groups(&self) -> &[&'static dyn SupportedKxGroup] {
        &self.groups
    }

    pub fn verify_algorithms(&self) -> WebPkiSupportedAlgorithms {
        self.verify
    }

    /// The host's verdict on a signature of a kind it took over (`spki` is DER); `None` when
    /// that kind stays *ring*'s or the host could not run, and *ring* must decide.
    pub fn verify(&self, alg: Sig, spki: &[u8], msg: &[u8], sig: &[u8]) -> Option<bool> {
        if !self.families.sigs.contains(&alg) {
            return None;
        }
        self.host.verify(alg, spki, msg, sig).ok()
    }
}

// ---- record protection ----

fn aead_of(suite: CipherSuite) -> Option<Aead> {
    match suite {
        CipherSuite::TLS13_AES_128_GCM_SHA256
        | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        | CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => Some(Aead::Aes128Gcm),
        CipherSuite::TLS13_AES_256_GCM_SHA384
        | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        | CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 => Some(Aead::Aes256Gcm),
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256
        | CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        | CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => Some(Aead::Chacha20Poly1305),
        _ => None,
    }
}

/// *ring*'s suite with its AEAD replaced by the host's; hashes, HKDF and PRF stay *ring*'s.
fn host_suite(host: &'static dyn HostCrypto, suite: SupportedCipherSuite) -> SupportedCipherSuite {
    let Some(alg) = aead_of(suite.suite()) else {
        return suite;
    };
    match suite {
        SupportedCipherSuite::Tls13(s) => SupportedCipherSuite::Tls13(leak(Tls13CipherSuite {
            common: rustls::CipherSuiteCommon {
                suite: s.common.suite,
                hash_provider: s.common.hash_provider,
                confidentiality_limit: s.common.confidentiality_limit,
            },
            hkdf_provider: s.hkdf_provider,
            aead_alg: leak(HostTls13Aead {
                host,
                alg,
                ring: s.aead_alg,
            }),
            // No QUIC here: rustls-ssl speaks TLS over streams only.
            quic: None,
        })),
        SupportedCipherSuite::Tls12(s) => SupportedCipherSuite::Tls12(leak(Tls12CipherSuite {
            common: rustls::CipherSuiteCommon {
                suite: s.common.suite,
                hash_provider: s.common.hash_provider,
                confidentiality_limit: s.common.confidentiality_limit,
            },
            prf_provider: s.prf_provider,
            kx: s.kx,
            sign: s.sign,
            aead_alg: leak(HostTls12Aead {
                host,
                alg,
                ring: s.aead_alg,
            }),
        })),
    }
}

/// A record key held by the host, freed with its encrypter or decrypter.
struct HostKey {
    host: &'static dyn HostCrypto,
    id: u32,
}

impl HostKey {
    fn new(host: &'static dyn HostCrypto, alg: Aead, key: &AeadKey) -> Option<Self> {
        host.aead_key(alg, key.as_ref()).ok().map(|id| Self { host, id })
    }
}

impl RecordAead for HostKey {
    fn seal(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], in_out: &mut [u8]) -> Option<[u8; TAG_LEN]> {
        let mut tag = [0u8; TAG_LEN];
        self.host.seal(self.id, nonce, aad, in_out, &mut tag).ok()?;
        Some(tag)
    }

    fn open(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], in_out: &mut [u8], tag: &[u8; TAG_LEN]) -> bool {
        // A host that throws is treated as a forged record: the connection ends with
        // bad_record_mac either way, and no unauthenticated byte is ever returned.
        matches!(self.host.open(self.id, nonce, aad, in_out, tag), Ok(true))
    }
}

impl Drop for HostKey {
    fn drop(&mut self) {
        self.host.aead_free(self.id);
    }
}

struct HostTls13Aead {
    host: &'static dyn HostCrypto,
    alg: Aead,
    ring: &'static dyn Tls13AeadAlgorithm,
}

impl Tls13AeadAlgorithm for HostTls13Aead {
    fn encrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageEncrypter> {
        match HostKey::new(self.host, self.alg, &key) {
            Some(key) => Box::new(Tls13Sealer::new(key, iv)),
            None => self.ring.encrypter(key, iv),
        }
    }

    fn decrypter(&self, key: AeadKey, iv: Iv) -> Box<dyn MessageDecrypter> {
        match HostKey::new(self.host, self.alg, &key) {
            Some(key) => Box::new(Tls13Opener::new(key, iv)),
            None => self.ring.decrypter(key, iv),
        }
    }

    fn key_len(&self) -> usize {
        self.ring.key_len()
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: Iv,
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        self.ring.extract_keys(key, iv)
    }
}

struct HostTls12Aead {
    host: &'static dyn HostCrypto,
    alg: Aead,
    ring: &'static dyn Tls12AeadAlgorithm,
}

impl HostTls12Aead {
    fn nonce(&self) -> Tls12Nonce {
        match self.alg {
            Aead::Aes128Gcm | Aead::Aes256Gcm => Tls12Nonce::Gcm,
            Aead::Chacha20Poly1305 => Tls12Nonce::Implicit,
        }
    }
}

impl Tls12AeadAlgorithm for HostTls12Aead {
    fn encrypter(&self, key: AeadKey, iv: &[u8], extra: &[u8]) -> Box<dyn MessageEncrypter> {
        // An IV of a shape rustls never hands out, or a key the host cannot make: *ring*'s own
        // suite takes the key instead.
        let Some(nonce_iv) = self.nonce().sealing_iv(iv, extra) else {
            return self.ring.encrypter(key, iv, extra);
        };
        match HostKey::new(self.host, self.alg, &key) {
            Some(host_key) => Box::new(Tls12Sealer::new(host_key, nonce_iv, self.nonce())),
            None => self.ring.encrypter(key, iv, extra),
        }
    }

    fn decrypter(&self, key: AeadKey, iv: &[u8]) -> Box<dyn MessageDecrypter> {
        let Some(fixed) = self.nonce().opening_iv(iv) else {
            return self.ring.decrypter(key, iv);
        };
        match HostKey::new(self.host, self.alg, &key) {
            Some(host_key) => Box::new(Tls12Opener::new(host_key, fixed, self.nonce())),
            None => self.ring.decrypter(key, iv),
        }
    }

    fn key_block_shape(&self) -> KeyBlockShape {
        self.ring.key_block_shape()
    }

    fn extract_keys(
        &self,
        key: AeadKey,
        iv: &[u8],
        explicit: &[u8],
    ) -> Result<ConnectionTrafficSecrets, UnsupportedOperationError> {
        self.ring.extract_keys(key, iv, explicit)
    }
}

// ---- key exchange ----

fn group_of(name: NamedGroup) -> Option<Group> {
    match name {
        NamedGroup::X25519 => Some(Group::X25519),
        NamedGroup::secp256r1 => Some(Group::P256),
        NamedGroup::secp384r1 => Some(Group::P384),
        _ => None,
    }
}

/// Whether `key` has the one encoding TLS allows for the group: 32 bytes for X25519, an
/// uncompressed point for the NIST curves (RFC 8446 §4.2.8.2). OpenSSL would also take a
/// compressed point; *ring* does not, and neither does this.
fn well_formed(group: Group, key: &[u8]) -> bool {
    match group {
        Group::X25519 => key.len() == 32,
        Group::P256 => key.len() == 65 && key.first() == Some(&4),
        Group::P384 => key.len() == 97 && key.first() == Some(&4),
    }
}

fn secret_len(group: Group) -> usize {
    match group {
        Group::X25519 | Group::P256 => 32,
        Group::P384 => 48,
    }
}

fn host_group(
    host: &'static dyn HostCrypto,
    ring: &'static dyn SupportedKxGroup,
    hosted: &[Group],
) -> &'static dyn SupportedKxGroup {
    match group_of(ring.name()) {
        Some(group) if hosted.contains(&group) => leak(HostGroup { host, group, ring }),
        _ => ring,
    }
}

struct HostGroup {
    host: &'static dyn HostCrypto,
    group: Group,
    ring: &'static dyn SupportedKxGroup,
}

impl fmt::Debug for HostGroup {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostGroup({:?})", self.group)
    }
}

impl SupportedKxGroup for HostGroup {
    fn start(&self) -> Result<Box<dyn ActiveKeyExchange>, Error> {
        match self.host.kx_start(self.group) {
            Ok((id, pub_key)) if well_formed(self.group, &pub_key) => Ok(Box::new(HostKx {
                host: self.host,
                id,
                group: self.group,
                name: self.ring.name(),
                pub_key,
            })),
            Ok((id, _)) => {
                self.host.kx_free(id);
                self.ring.start()
            }
            Err(_) => self.ring.start(),
        }
    }

    fn name(&self) -> NamedGroup {
        self.ring.name()
    }
}

struct HostKx {
    host: &'static dyn HostCrypto,
    id: u32,
    group: Group,
    name: NamedGroup,
    pub_key: Vec<u8>,
}

impl ActiveKeyExchange for HostKx {
    fn complete(self: Box<Self>, peer: &[u8]) -> Result<SharedSecret, Error> {
        if !well_formed(self.group, peer) {
            return Err(PeerMisbehaved::InvalidKeyShare.into());
        }
        // The host rejects points off the curve and X25519's all-zero result (OpenSSL does
        // both), as *ring* does; either way the handshake ends with the same error.
        match self.host.kx_complete(self.id, peer) {
            Ok(secret) if secret.len() == secret_len(self.group) => Ok(SharedSecret::from(secret)),
            _ => Err(PeerMisbehaved::InvalidKeyShare.into()),
        }
    }

    fn pub_key(&self) -> &[u8] {
        &self.pub_key
    }

    fn group(&self) -> NamedGroup {
        self.name
    }
}

impl Drop for HostKx {
    fn drop(&mut self) {
        // After `complete` the host has already forgotten the key; freeing again is a no-op.
        self.host.kx_free(self.id);
    }
}

// ---- signature verification ----

/// The host's variant of each *ring* algorithm it can verify.
fn sig_table() -> [(&'static dyn SignatureVerificationAlgorithm, Sig); 14] {
    use webpki::ring as w;
    [
        (w::ECDSA_P256_SHA256, Sig::EcdsaSha256),
        (w::ECDSA_P256_SHA384, Sig::EcdsaSha384),
        (w::ECDSA_P384_SHA256, Sig::EcdsaSha256),
        (w::ECDSA_P384_SHA384, Sig::EcdsaSha384),
        (w::ED25519, Sig::Ed25519),
        (w::RSA_PSS_2048_8192_SHA256_LEGACY_KEY, Sig::RsaPssSha256),
        (w::RSA_PSS_2048_8192_SHA384_LEGACY_KEY, Sig::RsaPssSha384),
        (w::RSA_PSS_2048_8192_SHA512_LEGACY_KEY, Sig::RsaPssSha512),
        (w::RSA_PKCS1_2048_8192_SHA256, Sig::RsaPkcs1Sha256),
        (w::RSA_PKCS1_2048_8192_SHA384, Sig::RsaPkcs1Sha384),
        (w::RSA_PKCS1_2048_8192_SHA512, Sig::RsaPkcs1Sha512),
        (w::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS, Sig::RsaPkcs1Sha256),
        (w::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS, Sig::RsaPkcs1Sha384),
        (w::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS, Sig::RsaPkcs1Sha512),
    ]
}

fn same_alg(a: &dyn SignatureVerificationAlgorithm, b: &dyn SignatureVerificationAlgorithm) -> bool {
    a.public_key_alg_id() == b.public_key_alg_id() && a.signature_alg_id() == b.signature_alg_id()
}

/// *ring*'s algorithm set with each algorithm the host knows replaced by a host one, in the
/// same order and under the same schemes.
fn host_verify(
    host: &'static dyn HostCrypto,
    ring: WebPkiSupportedAlgorithms,
    hosted: &[Sig],
) -> WebPkiSupportedAlgorithms {
    let table = sig_table();
    let wrap =
        |alg: &'static dyn SignatureVerificationAlgorithm| -> &'static dyn SignatureVerificationAlgorithm {
            match table.iter().find(|(known, _)| same_alg(*known, alg)) {
                Some((_, sig)) if hosted.contains(sig) => leak(HostSig {
                    host,
                    sig: *sig,
                    ring: alg,
                }),
                _ => alg,
            }
        };
    let all: Vec<&'static dyn SignatureVerificationAlgorithm> = ring.all.iter().map(|a| wrap(*a)).collect();
    let all: &'static [&'static dyn SignatureVerificationAlgorithm] = Box::leak(all.into_boxed_slice());
    let find = |alg: &&'static dyn SignatureVerificationAlgorithm| {
        all.iter().copied().find(|h| same_alg(*h, *alg)).unwrap_or(*alg)
    };
    let mapping: Vec<(
        SignatureScheme,
        &'static [&'static dyn SignatureVerificationAlgorithm],
    )> = ring
        .mapping
        .iter()
        .map(|(scheme, algs)| {
            let algs: Vec<_> = algs.iter().map(find).collect();
            let algs: &'static [_] = Box::leak(algs.into_boxed_slice());
            (*scheme, algs)
        })
        .collect();
    WebPkiSupportedAlgorithms {
        all,
        mapping: Box::leak(mapping.into_boxed_slice()),
    }
}

struct HostSig {
    host: &'static dyn HostCrypto,
    sig: Sig,
    ring: &'static dyn SignatureVerificationAlgorithm,
}

impl fmt::Debug for HostSig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "HostSig({:?})", self.sig)
    }
}

impl SignatureVerificationAlgorithm for HostSig {
    fn verify_signature(
        &self,
        public_key: &[u8],
        message: &[u8],
        signature: &[u8],
    ) -> Result<(), InvalidSignature> {
        let Some(spki) = spki(&self.ring.public_key_alg_id(), public_key) else {
            return Err(InvalidSignature);
        };
        match self.host.verify(self.sig, &spki, message, signature) {
            Ok(true) => Ok(()),
            Ok(false) => Err(InvalidSignature),
            // The host could not run (not a verdict): *ring* decides instead.
            Err(_) => self.ring.verify_signature(public_key, message, signature),
        }
    }

    fn public_key_alg_id(&self) -> AlgorithmIdentifier {
        self.ring.public_key_alg_id()
    }

    fn signature_alg_id(&self) -> AlgorithmIdentifier {
        self.ring.signature_alg_id()
    }
}

/// DER length octets; `None` past what a DER length can say here (4 bytes).
fn der_len(len: usize, out: &mut Vec<u8>) -> Option<()> {
    let bytes = u32::try_from(len).ok()?.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    let significant = bytes.get(skip..)?;
    match significant {
        [] => out.push(0),
        [b] if *b < 0x80 => out.push(*b),
        _ => {
            out.push(0x80 | u8::try_from(significant.len()).ok()?);
            out.extend_from_slice(significant);
        }
    }
    Some(())
}

/// SubjectPublicKeyInfo ::= SEQUENCE { algorithm AlgorithmIdentifier, subjectPublicKey BIT
/// STRING }, from the identifier's contents (as rustls-pki-types holds them) and the key.
pub fn spki(alg: &[u8], key: &[u8]) -> Option<Vec<u8>> {
    let mut alg_seq = vec![0x30];
    der_len(alg.len(), &mut alg_seq)?;
    alg_seq.extend_from_slice(alg);
    let mut bits = vec![0x03];
    der_len(key.len().checked_add(1)?, &mut bits)?;
    bits.push(0); // no unused bits
    bits.extend_from_slice(key);
    let mut out = vec![0x30];
    der_len(alg_seq.len().checked_add(bits.len())?, &mut out)?;
    out.extend_from_slice(&alg_seq);
    out.extend_from_slice(&bits);
    Some(out)
}
