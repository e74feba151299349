//! Private keys: loading (PEM, DER, encrypted PKCS#8) and the `PKey` getters.
//!
//! rustls takes keys as `PrivateKeyDer`; this module adds what pyOpenSSL users also expect of
//! a key object: its type and size, passphrase-protected files, and an early, readable refusal
//! of keys that ring cannot sign with (RSA under 2048 bits, P-521, DSA, Ed448).

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use crate::ssl::der::{self, Malformed, Reader};
use crate::ssl::error::{Error, Result};
use crate::ssl::pbes2::{self, Pbes2Error};

#[derive(Debug)]
pub struct PKey {
    der: PrivateKeyDer<'static>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyType {
    Rsa,
    Ec,
    Ed25519,
}

impl KeyType {
    /// pyOpenSSL's names: `"RSA"`, `"EC"`, `"Ed25519"`.
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Rsa => "RSA",
            KeyType::Ec => "EC",
            KeyType::Ed25519 => "Ed25519",
        }
    }
}

impl std::fmt::Display for KeyType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// PBKDF2 rounds accepted from an encrypted key. OpenSSL writes 2048 and careful tools up to a
/// few hundred thousand; a hostile file asking for billions would freeze the page.
pub const MAX_PBKDF2_ITERATIONS: u64 = 10_000_000;

/// scrypt memory (128·r·N·p bytes) accepted from an encrypted key. OpenSSL's own limit is
/// 32 MiB; more than this could exhaust a wasm32 heap, and failed allocation traps.
pub const MAX_SCRYPT_MEMORY: u64 = 64 * 1024 * 1024;

/// The smallest RSA key ring will sign with.
pub const MIN_RSA_BITS: u32 = 2048;

/// The largest RSA key ring will sign with.
pub const MAX_RSA_BITS: u32 = 8192;

impl Clone for PKey {
    fn clone(&self) -> Self {
        Self {
            der: self.der.clone_key(),
        }
    }
}

impl PKey {
    /// PEM (PKCS#1, PKCS#8, SEC1; encrypted PKCS#8 with `passphrase`).
    pub fn from_pem(pem: &[u8], passphrase: Option<&[u8]>) -> Result<Self> {
        if let Some(encrypted) = encrypted_pkcs8_block(pem)? {
            return Self::checked(decrypt_pkcs8(&encrypted, passphrase)?);
        }
        if contains(pem, b"Proc-Type: 4,ENCRYPTED") {
            return Err(Error::pem(
                "unsupported encryption: legacy OpenSSL PEM encryption (Proc-Type: 4,ENCRYPTED) \
                 cannot be read; convert the key to PKCS#8 with `openssl pkcs8 -topk8`",
            ));
        }
        let der = PrivateKeyDer::from_pem_slice(pem).map_err(pem_error)?;
        Self::checked(der)
    }

    /// DER of any of those encodings.
    ///
    /// PEM text is accepted here too, as `ssl::pem::private_key` always has.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        Self::from_der_with_passphrase(der, None)
    }

    /// DER of any of those encodings, or an `EncryptedPrivateKeyInfo` to decrypt with
    /// `passphrase` (what `loadPrivateKey(FILETYPE_ASN1, …, passphrase)` needs).
    pub fn from_der_with_passphrase(der: &[u8], passphrase: Option<&[u8]>) -> Result<Self> {
        if crate::ssl::pem::looks_like_pem(der) {
            return Self::from_pem(der, passphrase);
        }
        if pbes2::encrypted_key(der).is_ok() {
            return Self::checked(decrypt_pkcs8(der, passphrase)?);
        }
        let key = PrivateKeyDer::try_from(der.to_vec())
            .map_err(|e| Error::pem(format!("unsupported private key encoding: {e}")))?;
        Self::checked(key)
    }

    pub fn from_key_der(der: PrivateKeyDer<'static>) -> Self {
        Self { der }
    }

    pub fn der(&self) -> &PrivateKeyDer<'static> {
        &self.der
    }

    pub fn key_type(&self) -> Result<KeyType> {
        self.known().map(|(kind, _)| kind)
    }

    /// RSA modulus bits, the curve's size for EC (256, 384, 521), 256 for Ed25519.
    pub fn bits(&self) -> Result<u32> {
        self.known().map(|(_, bits)| bits)
    }

    /// Whether the PEM text is an encrypted key (needs a passphrase).
    pub fn is_encrypted_pem(pem: &[u8]) -> bool {
        contains(pem, b"-----BEGIN ENCRYPTED PRIVATE KEY-----") || contains(pem, b"Proc-Type: 4,ENCRYPTED")
    }

    /// The key's SubjectPublicKeyInfo DER, to match against a certificate's.
    pub fn public_key_spki(&self) -> Result<Vec<u8>> {
        self.check_usable()?;
        let signer = rustls::crypto::ring::sign::any_supported_type(&self.der)
            .map_err(|e| Error::ssl(format!("unusable private key: {e}")))?;
        signer
            .public_key()
            .map(|spki| spki.as_ref().to_vec())
            .ok_or_else(|| Error::ssl("unusable private key: no public key"))
    }

    /// Whether rustls (over ring) can sign with this key, with a reason when it cannot, so a
    /// bad key fails where it is loaded rather than in the middle of a handshake.
    pub fn check_usable(&self) -> Result<()> {
        match self.known()? {
            (KeyType::Rsa, bits) if bits < MIN_RSA_BITS => {
                return Err(Error::ssl(format!(
                    "key too small: RSA keys must be at least {MIN_RSA_BITS} bits (this one has {bits})"
                )));
            }
            (KeyType::Rsa, bits) if bits > MAX_RSA_BITS => {
                return Err(Error::ssl(format!(
                    "key too large: RSA keys must be at most {MAX_RSA_BITS} bits (this one has {bits})"
                )));
            }
            (KeyType::Ec, bits) if bits != 256 && bits != 384 => {
                return Err(Error::ssl(format!(
                    "unsupported elliptic curve: only P-256 and P-384 keys can sign (this one has {bits} bits)"
                )));
            }
            _ => {}
        }
        rustls::crypto::ring::sign::any_supported_type(&self.der)
            .map(|_| ())
            .map_err(|e| Error::ssl(format!("unusable private key: {e}")))
    }

    fn checked(der: PrivateKeyDer<'static>) -> Result<Self> {
        inspect(&der)?;
        Ok(Self { der })
    }

    fn known(&self) -> Result<(KeyType, u32)> {
        match inspect(&self.der)? {
            Inspected::Known(kind, bits) => Ok((kind, bits)),
            Inspected::Unsupported(what) => Err(Error::pem(format!(
                "unsupported key type {what}: only RSA, EC (P-256, P-384, P-521) and Ed25519 keys are supported"
            ))),
        }
    }
}

/// What a well-formed key holds; `Err` from `inspect` means it was not well-formed.
enum Inspected {
    Known(KeyType, u32),
    Unsupported(String),
}

// DER contents of the OIDs (checked against their dotted forms in the tests).
const OID_RSA: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_RSA_PSS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a];
const OID_EC: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_ED25519: &[u8] = &[0x2b, 0x65, 0x70];
const OID_P256: &[u8] = &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2b, 0x81, 0x04, 0x00, 0x23];

fn inspect(der: &PrivateKeyDer<'_>) -> Result<Inspected> {
    let malformed = |what: &str, e: Malformed| Error::pem(format!("bad {what} private key: {e}"));
    match der {
        PrivateKeyDer::Pkcs1(k) => rsa_bits(k.secret_pkcs1_der())
            .map(|bits| Inspected::Known(KeyType::Rsa, bits))
            .map_err(|e| malformed("PKCS#1", e)),
        PrivateKeyDer::Sec1(k) => ec_bits(k.secret_sec1_der(), None)
            .map(|bits| Inspected::Known(KeyType::Ec, bits))
            .map_err(|e| malformed("SEC1", e)),
        PrivateKeyDer::Pkcs8(k) => inspect_pkcs8(k.secret_pkcs8_der()).map_err(|e| malformed("PKCS#8", e)),
        _ => Err(Error::pem("unsupported private key encoding")),
    }
}

/// OneAsymmetricKey (RFC 5958 §2): the algorithm and the private key it wraps.
struct PrivateKeyInfo<'a> {
    algorithm: der::Algorithm<'a>,
    private_key: &'a [u8],
}

fn private_key_info(der: &[u8]) -> der::Result<PrivateKeyInfo<'_>> {
    let mut info = Reader::new(der::only(der, der::SEQUENCE)?);
    // v1 (0) has no public key, v2 (1) must have one.
    let with_public_key = match info.small_uint()? {
        0 => false,
        1 => true,
        _ => return Err(Malformed("unknown PKCS#8 version")),
    };
    let algorithm = info.algorithm()?;
    let private_key = info.expect(der::OCTET_STRING)?;
    // attributes [0] IMPLICIT, publicKey [1] IMPLICIT BIT STRING, then extensions (ignored).
    info.optional(0xa0)?;
    let public_key = info.optional(0x81)?.or(info.optional(0xa1)?);
    if with_public_key != public_key.is_some() {
        return Err(Malformed(
            "the PKCS#8 version does not match the public key's presence",
        ));
    }
    while !info.is_empty() {
        match info.any()? {
            (tag, _) if tag & 0xc0 == 0x80 => {}
            _ => return Err(Malformed("trailing data")),
        }
    }
    Ok(PrivateKeyInfo {
        algorithm,
        private_key,
    })
}

fn inspect_pkcs8(der: &[u8]) -> der::Result<Inspected> {
    let info = private_key_info(der)?;
    let oid = info.algorithm.oid;
    Ok(if oid == OID_RSA || oid == OID_RSA_PSS {
        Inspected::Known(KeyType::Rsa, rsa_bits(info.private_key)?)
    } else if oid == OID_EC {
        let curve = match info.algorithm.parameters {
            Some((der::OID, curve)) => Some(curve),
            _ => None,
        };
        Inspected::Known(KeyType::Ec, ec_bits(info.private_key, curve)?)
    } else if oid == OID_ED25519 {
        // CurvePrivateKey ::= OCTET STRING, the 32-byte seed.
        if der::only(info.private_key, der::OCTET_STRING)?.len() != 32 {
            return Err(Malformed("an Ed25519 seed is 32 bytes"));
        }
        Inspected::Known(KeyType::Ed25519, 256)
    } else {
        Inspected::Unsupported(algorithm_name(oid))
    })
}

fn algorithm_name(oid: &[u8]) -> String {
    let dotted = der::oid_string(oid);
    match dotted.as_str() {
        "1.2.840.10040.4.1" => "DSA".into(),
        "1.2.840.113549.1.3.1" | "1.2.840.10046.2.1" => "DH".into(),
        "1.3.101.110" => "X25519".into(),
        "1.3.101.111" => "X448".into(),
        "1.3.101.113" => "Ed448".into(),
        "1.2.156.10197.1.301" => "SM2".into(),
        _ => dotted,
    }
}

/// RSAPrivateKey (RFC 8017 A.1.2): the modulus is the second INTEGER. Every two-prime field is
/// read so that a truncated or mangled key is refused at load time, not at first use.
fn rsa_bits(pkcs1: &[u8]) -> der::Result<u32> {
    let mut seq = Reader::new(der::only(pkcs1, der::SEQUENCE)?);
    let version = seq.uint()?;
    let modulus = seq.uint()?;
    for _ in 0..7 {
        // publicExponent, privateExponent, prime1, prime2, exponent1, exponent2, coefficient
        seq.uint()?;
    }
    // otherPrimeInfos of a multi-prime key: ring refuses those when asked to sign.
    let multi_prime = !seq.is_empty();
    if multi_prime {
        seq.expect(der::SEQUENCE)?;
        seq.finish()?;
    }
    // Version 0 is two-prime, 1 multi-prime; anything else is not an RSAPrivateKey, and
    // would load from PEM while its own DER (guessed by its version) would not.
    let expected: &[u8] = if multi_prime { &[1] } else { &[] };
    if version != expected {
        return Err(Malformed("wrong RSAPrivateKey version"));
    }
    Ok(magnitude_bits(modulus))
}

/// ECPrivateKey (RFC 5915): the curve comes from its `[0]` parameters, else from the PKCS#8
/// AlgorithmIdentifier, else from the private key's length.
fn ec_bits(sec1: &[u8], outer_curve: Option<&[u8]>) -> der::Result<u32> {
    let mut seq = Reader::new(der::only(sec1, der::SEQUENCE)?);
    // ecPrivkeyVer1 is the only version (RFC 5915).
    if seq.uint()? != [1] {
        return Err(Malformed("wrong ECPrivateKey version"));
    }
    let private_len = seq.expect(der::OCTET_STRING)?.len();
    let inner_curve = match seq.optional(0xa0)? {
        Some(explicit) => Some(der::only(explicit, der::OID)?),
        None => None,
    };
    if let Some(explicit) = seq.optional(0xa1)? {
        der::only(explicit, der::BIT_STRING)?;
    }
    seq.finish()?;
    Ok(match inner_curve.or(outer_curve) {
        Some(OID_P256) => 256,
        Some(OID_P384) => 384,
        Some(OID_P521) => 521,
        // Another named curve (secp256k1, brainpool…): its size is that of its private scalars.
        _ if private_len == 66 => 521,
        _ => u32::try_from(private_len.saturating_mul(8)).unwrap_or(u32::MAX),
    })
}

fn magnitude_bits(be: &[u8]) -> u32 {
    let start = be.iter().position(|&b| b != 0).unwrap_or(be.len());
    let significant = be.get(start..).unwrap_or_default();
    match significant.first() {
        Some(&top) => {
            let whole = u32::try_from(significant.len() - 1).unwrap_or(u32::MAX / 16);
            whole.saturating_mul(8).saturating_add(8 - top.leading_zeros())
        }
        None => 0,
    }
}

/// The DER inside the first `ENCRYPTED PRIVATE KEY` block, if there is one.
fn encrypted_pkcs8_block(pem: &[u8]) -> Result<Option<Vec<u8>>> {
    const BEGIN: &[u8] = b"-----BEGIN ENCRYPTED PRIVATE KEY-----";
    const END: &[u8] = b"-----END ENCRYPTED PRIVATE KEY-----";
    let Some(start) = find(pem, BEGIN) else {
        return Ok(None);
    };
    let after_begin = pem.get(start + BEGIN.len()..).unwrap_or_default();
    let Some(body_len) = find(after_begin, END) else {
        return Err(Error::pem("bad end line: no -----END ENCRYPTED PRIVATE KEY-----"));
    };
    let body = after_begin.get(..body_len).unwrap_or_default();
    // The PEM reader skips labels it does not know, so the block is relabelled to reuse its
    // base64 decoder; the bytes stay ciphertext, decrypted below.
    let mut relabelled = Vec::with_capacity(body.len() + 64);
    relabelled.extend_from_slice(b"-----BEGIN PRIVATE KEY-----\n");
    relabelled.extend_from_slice(body);
    relabelled.extend_from_slice(b"\n-----END PRIVATE KEY-----\n");
    let der = PrivatePkcs8KeyDer::from_pem_slice(&relabelled).map_err(pem_error)?;
    Ok(Some(der.secret_pkcs8_der().to_vec()))
}

fn decrypt_pkcs8(der: &[u8], passphrase: Option<&[u8]>) -> Result<PrivateKeyDer<'static>> {
    let key = pbes2::encrypted_key(der).map_err(|e| Error::pem(format!("bad encrypted private key: {e}")))?;
    let pbes2_error = |e| match e {
        Pbes2Error::Malformed(e) => Error::pem(format!("bad encrypted private key: {e}")),
        Pbes2Error::Unsupported(oid) => unsupported_algorithm(&oid),
        Pbes2Error::Invalid(why) => Error::pem(format!("unsupported encryption: {why}")),
        Pbes2Error::BadDecrypt => Error::pem("bad decrypt"),
    };
    let params = pbes2::parameters(&key).map_err(pbes2_error)?;
    pbes2::check_cost(&params.kdf, MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_MEMORY).map_err(pbes2_error)?;
    let Some(passphrase) = passphrase else {
        return Err(Error::pem(
            "bad decrypt: the key is encrypted and no passphrase was given",
        ));
    };
    let plain = pbes2::decrypt(
        &params,
        passphrase,
        key.data,
        MAX_PBKDF2_ITERATIONS,
        MAX_SCRYPT_MEMORY,
    )
    .map_err(pbes2_error)?;
    // A wrong passphrase gets past the CBC padding check about once in 256 tries; the
    // plaintext then does not parse as a key.
    if private_key_info(&plain).is_err() {
        return Err(Error::pem("bad decrypt"));
    }
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(plain)))
}

fn unsupported_algorithm(oid: &str) -> Error {
    let scheme = if oid.starts_with("1.2.840.113549.1.12.1.") {
        "PKCS#12 PBE "
    } else if oid.starts_with("1.2.840.113549.1.5.") && oid != "1.2.840.113549.1.5.13" {
        "PBES1 "
    } else {
        ""
    };
    Error::pem(format!(
        "unsupported encryption algorithm {scheme}{oid}: only PBES2 (PBKDF2 with HMAC-SHA-1 or \
         SHA-2, or scrypt) with AES-CBC can be decrypted; re-encrypt with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"
    ))
}

fn pem_error(e: pem::Error) -> Error {
    match e {
        pem::Error::NoItemsFound => Error::pem("no start line (no private key found)"),
        pem::Error::MissingSectionEnd { .. } => Error::pem("bad end line"),
        other => Error::pem(format!(
            "bad base64 decode or malformed PEM: {}",
            crate::ssl::words::pem_words(&other)
        )),
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        // `windows(0)` would panic.
        return Some(0);
    }
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle).is_some()
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;
    use crate::ssl::x509::X509;

    // Made with the openssl CLI (genpkey, ecparam, pkcs8 -topk8, rsa -traditional).
    const RSA2048_PKCS1: &str = include_str!("testdata/rsa2048.pkcs1.pem");
    const RSA2048_PKCS8: &str = include_str!("testdata/rsa2048.pkcs8.pem");
    const RSA1024: &str = include_str!("testdata/rsa1024.pkcs8.pem");
    const P256_SEC1: &str = include_str!("testdata/p256.sec1.pem");
    const P256_PKCS8: &str = include_str!("testdata/p256.pkcs8.pem");
    const P384_SEC1: &str = include_str!("testdata/p384.sec1.pem");
    const P521_SEC1: &str = include_str!("testdata/p521.sec1.pem");
    const ED25519: &str = include_str!("testdata/ed25519.pkcs8.pem");
    /// PBES2, PBKDF2-HMAC-SHA256, AES-256-CBC, passphrase "secret".
    const P256_ENCRYPTED: &str = include_str!("testdata/p256.encrypted.pem");
    /// PBES2, PBKDF2-HMAC-SHA512, AES-128-CBC, passphrase "pässwörd" in UTF-8.
    const RSA2048_ENCRYPTED: &str = include_str!("testdata/rsa2048.encrypted.pem");
    /// PBES2, scrypt (N=16384, r=8, p=1), AES-256-CBC, passphrase "secret".
    const ED25519_SCRYPT: &str = include_str!("testdata/ed25519.scrypt.pem");
    /// PBKDF2 with 10,000,001 rounds.
    const TOO_MANY_ROUNDS: &str = include_str!("testdata/p256.too-many-rounds.pem");
    /// PBES1 pbeWithSHA1And3-KeyTripleDES-CBC, passphrase "secret".
    const PBES1: &str = include_str!("testdata/p256.pbes1.pem");
    const LEGACY_ENCRYPTED: &str = include_str!("testdata/rsa2048.legacy-encrypted.pem");

    fn key(pem: &str) -> PKey {
        PKey::from_pem(pem.as_bytes(), None).unwrap()
    }

    fn reason(e: Error) -> String {
        match e {
            Error::Ssl { reason, .. } => reason,
            other => panic!("expected an OpenSSL-style error, got {other:?}"),
        }
    }

    #[test]
    fn types_and_bits() {
        for (pem, kind, bits) in [
            (RSA2048_PKCS1, KeyType::Rsa, 2048),
            (RSA2048_PKCS8, KeyType::Rsa, 2048),
            (RSA1024, KeyType::Rsa, 1024),
            (P256_SEC1, KeyType::Ec, 256),
            (P256_PKCS8, KeyType::Ec, 256),
            (P384_SEC1, KeyType::Ec, 384),
            (P521_SEC1, KeyType::Ec, 521),
            (ED25519, KeyType::Ed25519, 256),
        ] {
            let k = key(pem);
            assert_eq!(k.key_type().unwrap(), kind, "{pem}");
            assert_eq!(k.bits().unwrap(), bits, "{pem}");
        }
        assert_eq!(KeyType::Ed25519.to_string(), "Ed25519");
        assert_eq!(KeyType::Rsa.name(), "RSA");
        assert_eq!(KeyType::Ec.name(), "EC");
    }

    #[test]
    fn encodings_are_kept() {
        assert!(matches!(key(RSA2048_PKCS1).der(), PrivateKeyDer::Pkcs1(_)));
        assert!(matches!(key(RSA2048_PKCS8).der(), PrivateKeyDer::Pkcs8(_)));
        assert!(matches!(key(P256_SEC1).der(), PrivateKeyDer::Sec1(_)));
        assert!(matches!(key(P256_PKCS8).der(), PrivateKeyDer::Pkcs8(_)));
        assert!(matches!(key(ED25519).der(), PrivateKeyDer::Pkcs8(_)));
    }

    #[test]
    fn der_loads_like_pem() {
        for pem in [RSA2048_PKCS1, RSA2048_PKCS8, P256_SEC1, P384_SEC1, ED25519] {
            let k = key(pem);
            let again = PKey::from_der(k.der().secret_der()).unwrap();
            assert_eq!(again.der().secret_der(), k.der().secret_der());
            assert_eq!(again.bits().unwrap(), k.bits().unwrap());
        }
        // PEM text handed to the DER loader still works, as the stub's helper allowed.
        assert_eq!(PKey::from_der(P256_SEC1.as_bytes()).unwrap().bits().unwrap(), 256);
    }

    #[test]
    fn unsupported_types_load_but_say_why() {
        for (file, name) in [
            (include_str!("testdata/dsa.pkcs8.pem"), "DSA"),
            (include_str!("testdata/x25519.pkcs8.pem"), "X25519"),
            (include_str!("testdata/ed448.pkcs8.pem"), "Ed448"),
        ] {
            let k = key(file);
            let msg = reason(k.key_type().unwrap_err());
            assert!(msg.starts_with(&format!("unsupported key type {name}")), "{msg}");
            assert!(k.bits().is_err());
            assert!(k.check_usable().is_err());
        }
    }

    #[test]
    fn usable_keys_match_their_certificates() {
        let pairs = [
            (RSA2048_PKCS8, include_str!("testdata/ca.pem")),
            (RSA2048_PKCS1, include_str!("testdata/ca.pem")),
            (P256_SEC1, include_str!("testdata/leaf.pem")),
            (P256_PKCS8, include_str!("testdata/leaf.pem")),
            (ED25519, include_str!("testdata/odd-name-ed25519.pem")),
        ];
        for (k, c) in pairs {
            let k = key(k);
            k.check_usable().unwrap();
            let cert = X509::from_pem(c.as_bytes()).unwrap();
            assert_eq!(k.public_key_spki().unwrap(), cert.public_key_der());
        }
        key(P384_SEC1).check_usable().unwrap();
    }

    #[test]
    fn ring_limits_are_explained() {
        let small = reason(key(RSA1024).check_usable().unwrap_err());
        assert!(
            small.starts_with("key too small: RSA keys must be at least 2048 bits"),
            "{small}"
        );
        assert!(key(RSA1024).public_key_spki().is_err());
        let p521 = reason(key(P521_SEC1).check_usable().unwrap_err());
        assert!(p521.starts_with("unsupported elliptic curve"), "{p521}");
    }

    #[test]
    fn encrypted_pkcs8_right_wrong_and_missing_passphrase() {
        let k = PKey::from_pem(P256_ENCRYPTED.as_bytes(), Some(b"secret")).unwrap();
        assert_eq!(k.der().secret_der(), key(P256_PKCS8).der().secret_der());
        assert_eq!((k.key_type().unwrap(), k.bits().unwrap()), (KeyType::Ec, 256));

        let rsa = PKey::from_pem(RSA2048_ENCRYPTED.as_bytes(), Some("pässwörd".as_bytes())).unwrap();
        assert_eq!(rsa.bits().unwrap(), 2048);

        let missing = reason(PKey::from_pem(P256_ENCRYPTED.as_bytes(), None).unwrap_err());
        assert_eq!(
            missing,
            "bad decrypt: the key is encrypted and no passphrase was given"
        );
        for wrong in [&b"Secret"[..], b"", b"secret\n", "pässwörd".as_bytes()] {
            let e = PKey::from_pem(P256_ENCRYPTED.as_bytes(), Some(wrong)).unwrap_err();
            assert_eq!(reason(e), "bad decrypt");
        }
        assert!(PKey::is_encrypted_pem(P256_ENCRYPTED.as_bytes()));
        assert!(PKey::is_encrypted_pem(LEGACY_ENCRYPTED.as_bytes()));
        assert!(!PKey::is_encrypted_pem(P256_PKCS8.as_bytes()));
    }

    #[test]
    fn encrypted_der_needs_the_passphrase_too() {
        let der = encrypted_pkcs8_block(P256_ENCRYPTED.as_bytes()).unwrap().unwrap();
        let k = PKey::from_der_with_passphrase(&der, Some(b"secret")).unwrap();
        assert_eq!(k.bits().unwrap(), 256);
        assert!(reason(PKey::from_der(&der).unwrap_err()).starts_with("bad decrypt: "));
    }

    #[test]
    fn scrypt_keys_decrypt() {
        let k = PKey::from_pem(ED25519_SCRYPT.as_bytes(), Some(b"secret")).unwrap();
        assert_eq!(k.der().secret_der(), key(ED25519).der().secret_der());
    }

    #[test]
    fn oids_are_the_ones_named() {
        for (oid, dotted) in [
            (OID_RSA, "1.2.840.113549.1.1.1"),
            (OID_RSA_PSS, "1.2.840.113549.1.1.10"),
            (OID_EC, "1.2.840.10045.2.1"),
            (OID_ED25519, "1.3.101.112"),
            (OID_P256, "1.2.840.10045.3.1.7"),
            (OID_P384, "1.3.132.0.34"),
            (OID_P521, "1.3.132.0.35"),
        ] {
            assert_eq!(der::oid_string(oid), dotted);
        }
    }

    #[test]
    fn pkcs8_v2_needs_its_public_key_and_v1_must_not_have_one() {
        let v1 = key(ED25519).der().secret_der().to_vec();
        assert_eq!(&v1[..5], &[0x30, 0x2e, 0x02, 0x01, 0x00]);
        let mut v2_without = v1.clone();
        v2_without[4] = 1;
        assert!(PKey::from_der(&v2_without).is_err());

        // publicKey [1] IMPLICIT BIT STRING (RFC 5958), then an unknown [5] extension.
        let tail = [&[0x81, 0x21, 0x00][..], &[0x42; 32], &[0x85, 0x01, 0x00]].concat();
        let mut v2 = v2_without.clone();
        v2[1] += u8::try_from(tail.len()).unwrap();
        v2.extend_from_slice(&tail);
        let k = PKey::from_der(&v2).unwrap();
        assert_eq!(
            (k.key_type().unwrap(), k.bits().unwrap()),
            (KeyType::Ed25519, 256)
        );

        let mut v1_with = v2.clone();
        v1_with[4] = 0;
        assert!(PKey::from_der(&v1_with).is_err());
        // Something other than a context-specific field after the key.
        let mut trailing = v1.clone();
        trailing[1] += 2;
        trailing.extend_from_slice(&[0x05, 0x00]);
        assert!(PKey::from_der(&trailing).is_err());
    }

    #[test]
    fn every_pbes2_prf_and_cipher_decrypts() {
        // openssl pkcs8 -topk8 -v2 <cipher> -v2prf <prf> (or -scrypt) of p256.pkcs8.pem.
        for (pem, what) in [
            (
                include_str!("testdata/p256.pbkdf2-sha1.pem"),
                "HMAC-SHA-1, AES-128-CBC",
            ),
            (
                include_str!("testdata/p256.pbkdf2-sha224.pem"),
                "HMAC-SHA-224, AES-192-CBC",
            ),
            (
                include_str!("testdata/p256.pbkdf2-sha384.pem"),
                "HMAC-SHA-384, AES-256-CBC",
            ),
            (
                include_str!("testdata/p256.pbkdf2-sha512.pem"),
                "HMAC-SHA-512, AES-128-CBC",
            ),
            (
                include_str!("testdata/p256.scrypt-p2.pem"),
                "scrypt N=1024 r=8 p=2, AES-128-CBC",
            ),
        ] {
            let k = PKey::from_pem(pem.as_bytes(), Some(b"secret")).unwrap_or_else(|e| panic!("{what}: {e}"));
            assert_eq!(k.der().secret_der(), key(P256_PKCS8).der().secret_der(), "{what}");
            let wrong = PKey::from_pem(pem.as_bytes(), Some(b"secreT")).unwrap_err();
            assert_eq!(reason(wrong), "bad decrypt", "{what}");
        }
    }

    #[test]
    fn invalid_scrypt_settings_are_errors() {
        let der = encrypted_pkcs8_block(ED25519_SCRYPT.as_bytes()).unwrap().unwrap();
        let at = der
            .windows(7)
            .position(|w| w == [0x02, 0x02, 0x40, 0x00, 0x02, 0x01, 0x08])
            .unwrap();
        // N = 0x4001 (not a power of two), then r = 0 (a valid DER INTEGER, not a valid r).
        for (offset, value) in [(3, 0x01), (6, 0x00)] {
            let mut der = der.clone();
            der[at + offset] = value;
            let e = reason(PKey::from_der_with_passphrase(&der, Some(b"secret")).unwrap_err());
            assert!(
                e.starts_with("unsupported encryption: invalid scrypt parameters"),
                "{e}"
            );
        }
    }

    #[test]
    fn costly_kdf_settings_are_refused_before_deriving() {
        let rounds = reason(PKey::from_pem(TOO_MANY_ROUNDS.as_bytes(), Some(b"secret")).unwrap_err());
        assert!(rounds.contains("10000001 PBKDF2 iterations"), "{rounds}");

        // Raise scrypt's r from 8 to 127 in place: N=16384 then needs 254 MiB.
        let mut der = encrypted_pkcs8_block(ED25519_SCRYPT.as_bytes()).unwrap().unwrap();
        let at = der
            .windows(7)
            .position(|w| w == [0x02, 0x02, 0x40, 0x00, 0x02, 0x01, 0x08])
            .unwrap();
        der[at + 6] = 0x7f;
        let memory = reason(PKey::from_der_with_passphrase(&der, Some(b"secret")).unwrap_err());
        assert!(
            memory.starts_with("unsupported encryption: scrypt would need"),
            "{memory}"
        );
    }

    #[test]
    fn unsupported_encryptions_say_what_to_do() {
        let legacy = reason(PKey::from_pem(LEGACY_ENCRYPTED.as_bytes(), Some(b"secret")).unwrap_err());
        assert!(
            legacy.contains("Proc-Type: 4,ENCRYPTED") && legacy.contains("openssl pkcs8 -topk8"),
            "{legacy}"
        );
        let pbes1 = reason(PKey::from_pem(PBES1.as_bytes(), Some(b"secret")).unwrap_err());
        assert!(
            pbes1.starts_with("unsupported encryption algorithm PKCS#12 PBE 1.2.840.113549.1.12.1.3")
                && pbes1.contains("openssl pkcs8 -topk8 -v2 aes-256-cbc"),
            "{pbes1}"
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        for pem in [
            RSA2048_PKCS1,
            RSA2048_PKCS8,
            P256_SEC1,
            P256_PKCS8,
            P521_SEC1,
            ED25519,
        ] {
            let der = key(pem).der().secret_der().to_vec();
            for len in 0..der.len() {
                assert!(PKey::from_der(&der[..len]).is_err(), "{pem} truncated to {len}");
            }
            for i in 0..der.len() {
                let mut mutated = der.clone();
                mutated[i] ^= 0x55;
                if let Ok(k) = PKey::from_der(&mutated) {
                    let _ = (k.key_type(), k.bits(), k.check_usable());
                }
            }
        }
        let encrypted = encrypted_pkcs8_block(P256_ENCRYPTED.as_bytes()).unwrap().unwrap();
        for len in 0..encrypted.len() {
            let _ = PKey::from_der_with_passphrase(&encrypted[..len], Some(b"secret"));
        }
        // Every byte of the parameters flipped (the ciphertext's own bytes only fail padding).
        for i in 0..encrypted.len().min(100) {
            let mut mutated = encrypted.clone();
            mutated[i] ^= 0x55;
            let _ = PKey::from_der_with_passphrase(&mutated, Some(b"secret"));
        }

        // A small xorshift keeps the random inputs the same on every run.
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            let len = (state % 200) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state.to_le_bytes()[0]
                })
                .collect();
            assert!(PKey::from_der(&bytes).is_err());
            assert!(PKey::from_pem(&bytes, Some(b"x")).is_err());
        }

        for bad in [
            &b""[..],
            b"-----BEGIN PRIVATE KEY-----\n!!!not base64!!!\n-----END PRIVATE KEY-----\n",
            b"-----BEGIN PRIVATE KEY-----\nMIIB\n",
            b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
            b"-----BEGIN EC PRIVATE KEY-----\nMAMCAQE=\n-----END EC PRIVATE KEY-----\n",
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIB\n",
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n%%%\n-----END ENCRYPTED PRIVATE KEY-----\n",
            b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
            include_bytes!("testdata/ca.pem"),
        ] {
            assert!(
                PKey::from_pem(bad, Some(b"secret")).is_err(),
                "{}",
                String::from_utf8_lossy(bad)
            );
        }
        assert_eq!(magnitude_bits(&[]), 0);
        assert_eq!(magnitude_bits(&[0, 0, 1]), 1);
        assert_eq!(magnitude_bits(&[0, 0x80, 0]), 16);
    }

    /// Found by fuzzing (fuzz/regressions/pem_loaders/sec1-version-10): a PEM key with a
    /// version RFC 5915 / RFC 8017 do not allow loaded from PEM, yet its own DER (`toDer`) did
    /// not load again, and ring could not use it.
    #[test]
    fn key_versions_outside_the_format_are_refused() {
        // 30 77 02 01 01 … → version 10 (0x0a).
        let sec1 = P256_SEC1.replacen("MHcCAQEE", "MHcCAQoE", 1);
        assert_ne!(sec1, P256_SEC1);
        assert!(PKey::from_pem(sec1.as_bytes(), None).is_err());
        // 30 82 04 a2 02 01 00 02 82 … → version 5; version 1 means multi-prime, and there
        // are no otherPrimeInfos.
        for (from, to) in [("MIIEogIBAAKC", "MIIEogIBBQKC"), ("MIIEogIBAAKC", "MIIEogIBAQKC")] {
            let pkcs1 = RSA2048_PKCS1.replacen(from, to, 1);
            assert_ne!(pkcs1, RSA2048_PKCS1);
            assert!(PKey::from_pem(pkcs1.as_bytes(), None).is_err(), "{to}");
        }
        // The genuine keys still load, and their DER loads again.
        for pem in [P256_SEC1, RSA2048_PKCS1] {
            let key = PKey::from_pem(pem.as_bytes(), None).unwrap();
            PKey::from_der(key.der().secret_der()).unwrap();
        }
    }
}
