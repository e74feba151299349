//! Private keys: loading (PEM, DER, encrypted PKCS#8) and the `PKey` getters.
//!
//! rustls takes keys as `PrivateKeyDer`; this module adds what pyOpenSSL users also expect of
//! a key object: its type and size, passphrase-protected files, and an early, readable refusal
//! of keys that ring cannot sign with (RSA under 2048 bits, P-521, DSA, Ed448).

use pkcs8::der::asn1::{BitStringRef, ContextSpecific, OctetStringRef, UintRef};
use pkcs8::der::{Decode, Length, Reader, SliceReader, Tag, TagNumber};
use pkcs8::pkcs5::pbes2::Kdf;
use pkcs8::pkcs5::EncryptionScheme;
use pkcs8::{AlgorithmIdentifierRef, EncryptedPrivateKeyInfo, ObjectIdentifier, PrivateKeyInfo};
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

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
pub const MAX_PBKDF2_ITERATIONS: u32 = 10_000_000;

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
        if encryption_algorithm(der).is_some() {
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

// Constants are evaluated at compile time, so a mistyped OID fails the build, not a page.
const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_RSA_PSS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.10");
const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_ED25519: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.101.112");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");

fn inspect(der: &PrivateKeyDer<'_>) -> Result<Inspected> {
    let malformed =
        |what: &str, e: &dyn std::fmt::Display| Error::pem(format!("bad {what} private key: {e}"));
    match der {
        PrivateKeyDer::Pkcs1(k) => rsa_bits(k.secret_pkcs1_der())
            .map(|bits| Inspected::Known(KeyType::Rsa, bits))
            .map_err(|e| malformed("PKCS#1", &e)),
        PrivateKeyDer::Sec1(k) => ec_bits(k.secret_sec1_der(), None)
            .map(|bits| Inspected::Known(KeyType::Ec, bits))
            .map_err(|e| malformed("SEC1", &e)),
        PrivateKeyDer::Pkcs8(k) => inspect_pkcs8(k.secret_pkcs8_der()).map_err(|e| malformed("PKCS#8", &e)),
        _ => Err(Error::pem("unsupported private key encoding")),
    }
}

fn inspect_pkcs8(der: &[u8]) -> pkcs8::Result<Inspected> {
    let info = PrivateKeyInfo::try_from(der)?;
    let oid = info.algorithm.oid;
    Ok(if oid == OID_RSA || oid == OID_RSA_PSS {
        Inspected::Known(KeyType::Rsa, rsa_bits(info.private_key)?)
    } else if oid == OID_EC {
        let curve = info.algorithm.parameters_oid().ok();
        Inspected::Known(KeyType::Ec, ec_bits(info.private_key, curve)?)
    } else if oid == OID_ED25519 {
        // CurvePrivateKey ::= OCTET STRING, the 32-byte seed.
        let seed = OctetStringRef::from_der(info.private_key)?;
        if seed.as_bytes().len() != 32 {
            return Err(pkcs8::Error::KeyMalformed);
        }
        Inspected::Known(KeyType::Ed25519, 256)
    } else {
        Inspected::Unsupported(algorithm_name(&oid))
    })
}

fn algorithm_name(oid: &ObjectIdentifier) -> String {
    match oid.to_string().as_str() {
        "1.2.840.10040.4.1" => "DSA".into(),
        "1.2.840.113549.1.3.1" | "1.2.840.10046.2.1" => "DH".into(),
        "1.3.101.110" => "X25519".into(),
        "1.3.101.111" => "X448".into(),
        "1.3.101.113" => "Ed448".into(),
        "1.2.156.10197.1.301" => "SM2".into(),
        other => other.into(),
    }
}

/// RSAPrivateKey (RFC 8017 A.1.2): the modulus is the second INTEGER. Every two-prime field is
/// read so that a truncated or mangled key is refused at load time, not at first use.
fn rsa_bits(pkcs1: &[u8]) -> pkcs8::der::Result<u32> {
    let mut reader = SliceReader::new(pkcs1)?;
    let bits = reader.sequence(|seq| {
        let version = UintRef::decode(seq)?;
        let modulus = UintRef::decode(seq)?;
        for _ in 0..7 {
            // publicExponent, privateExponent, prime1, prime2, exponent1, exponent2, coefficient
            UintRef::decode(seq)?;
        }
        // otherPrimeInfos of a multi-prime key: ring refuses those when asked to sign.
        let rest = seq.remaining_len();
        seq.read_slice(rest)?;
        // Version 0 is two-prime, 1 multi-prime; anything else is not an RSAPrivateKey, and
        // would load from PEM while its own DER (guessed by its version) would not.
        let multi_prime = u8::from(rest != Length::ZERO);
        if version.as_bytes() != [multi_prime] {
            return Err(Tag::Integer.value_error());
        }
        Ok(magnitude_bits(modulus.as_bytes()))
    })?;
    reader.finish(bits)
}

/// ECPrivateKey (RFC 5915): the curve comes from its `[0]` parameters, else from the PKCS#8
/// AlgorithmIdentifier, else from the private key's length.
fn ec_bits(sec1: &[u8], outer_curve: Option<ObjectIdentifier>) -> pkcs8::der::Result<u32> {
    let mut reader = SliceReader::new(sec1)?;
    let (private_len, inner_curve) = reader.sequence(|seq| {
        // ecPrivkeyVer1 is the only version (RFC 5915).
        if UintRef::decode(seq)?.as_bytes() != [1] {
            return Err(Tag::Integer.value_error());
        }
        let private = OctetStringRef::decode(seq)?;
        let curve = ContextSpecific::<ObjectIdentifier>::decode_explicit(seq, TagNumber::N0)?;
        let _public = ContextSpecific::<BitStringRef<'_>>::decode_explicit(seq, TagNumber::N1)?;
        Ok((private.as_bytes().len(), curve.map(|c| c.value)))
    })?;
    reader.finish(())?;
    Ok(match inner_curve.or(outer_curve) {
        Some(c) if c == OID_P256 => 256,
        Some(c) if c == OID_P384 => 384,
        Some(c) if c == OID_P521 => 521,
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
    let info = EncryptedPrivateKeyInfo::try_from(der).map_err(|e| match encryption_algorithm(der) {
        // Well-formed, but a scheme pkcs5 does not parse: PKCS#12 PBE, or PBES1 with DES/RC2.
        Some(oid) => unsupported_algorithm(&oid),
        None => Error::pem(format!("bad encrypted private key: {e}")),
    })?;
    check_kdf_cost(&info.encryption_algorithm)?;
    let Some(passphrase) = passphrase else {
        return Err(Error::pem(
            "bad decrypt: the key is encrypted and no passphrase was given",
        ));
    };
    let EncryptionScheme::Pbes2(params) = &info.encryption_algorithm else {
        return Err(unsupported_algorithm(&info.encryption_algorithm.oid()));
    };
    let plain =
        pbes2::decrypt(params, passphrase, info.encrypted_data, MAX_SCRYPT_MEMORY).map_err(|e| match e {
            Pbes2Error::Unsupported(oid) => unsupported_algorithm(&oid),
            Pbes2Error::Invalid(why) => Error::pem(format!("unsupported encryption: {why}")),
            Pbes2Error::BadDecrypt => Error::pem("bad decrypt"),
        })?;
    // A wrong passphrase gets past the CBC padding check about once in 256 tries; the
    // plaintext then does not parse as a key.
    if PrivateKeyInfo::try_from(plain.as_slice()).is_err() {
        return Err(Error::pem("bad decrypt"));
    }
    Ok(PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(plain)))
}

/// The algorithm of anything shaped like an EncryptedPrivateKeyInfo,
/// `SEQUENCE { AlgorithmIdentifier, OCTET STRING }`, whether or not pkcs5 knows the algorithm.
fn encryption_algorithm(der: &[u8]) -> Option<ObjectIdentifier> {
    let mut reader = SliceReader::new(der).ok()?;
    let oid = reader
        .sequence(|seq| {
            let algorithm = AlgorithmIdentifierRef::decode(seq)?;
            OctetStringRef::decode(seq)?;
            Ok(algorithm.oid)
        })
        .ok()?;
    reader.finish(oid).ok()
}

fn unsupported_algorithm(oid: &ObjectIdentifier) -> Error {
    let oid = oid.to_string();
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

/// Refuses key-derivation settings that would hang the page or exhaust its memory before the
/// passphrase is even tried.
fn check_kdf_cost(scheme: &EncryptionScheme<'_>) -> Result<()> {
    let EncryptionScheme::Pbes2(params) = scheme else {
        return Ok(());
    };
    match &params.kdf {
        Kdf::Pbkdf2(p) if p.iteration_count > MAX_PBKDF2_ITERATIONS => Err(Error::pem(format!(
            "unsupported encryption: {} PBKDF2 iterations is more than the {MAX_PBKDF2_ITERATIONS} allowed",
            p.iteration_count
        ))),
        Kdf::Scrypt(p) => {
            let memory = 128u64
                .saturating_mul(u64::from(p.block_size))
                .saturating_mul(p.cost_parameter)
                .saturating_mul(u64::from(p.parallelization.max(1)));
            if memory > MAX_SCRYPT_MEMORY {
                Err(Error::pem(format!(
                    "unsupported encryption: scrypt would need {memory} bytes, more than the {MAX_SCRYPT_MEMORY} allowed"
                )))
            } else {
                Ok(())
            }
        }
        _ => Ok(()),
    }
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
