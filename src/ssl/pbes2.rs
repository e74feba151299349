//! PBES2 decryption (RFC 8018 §6.2) of encrypted PKCS#8 keys: PBKDF2 (HMAC-SHA-1, -224,
//! -256, -384, -512) or scrypt, then AES-128/192/256-CBC.
//!
//! The parameters are read with `super::der`; the crypto is *ring*'s PBKDF2, our own scrypt
//! and SHA-224 (`super::scrypt`, `super::sha224`), and the `aes` 0.9 block cipher that the
//! AES-GCM record cipher already links. `pkcs8`'s `encryption` feature did the same with
//! RustCrypto's whole stack (sha2, hmac, pbkdf2, scrypt, cbc and a second `aes`) over the
//! `der` crate: about 100 KB of wasm between them (docs/size.md).

use std::num::NonZeroU32;

use aes_gcm::aes::cipher::consts::U16;
use aes_gcm::aes::cipher::{Array, BlockCipherDecrypt, BlockSizeUser, KeyInit};
use aes_gcm::aes::{Aes128, Aes192, Aes256};

use super::der::{self, Malformed, Reader};
use super::{scrypt, sha224};

/// Why a PBES2 ciphertext was not decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pbes2Error {
    /// The DER does not parse.
    Malformed(Malformed),
    /// A KDF, PRF or cipher this module does not implement (its OID, dotted).
    Unsupported(String),
    /// Parameters no encryptor could have used (the reason, for the message).
    Invalid(String),
    /// Wrong passphrase, or corrupt ciphertext: the padding or length is wrong.
    BadDecrypt,
}

impl From<Malformed> for Pbes2Error {
    fn from(e: Malformed) -> Self {
        Self::Malformed(e)
    }
}

const BLOCK: usize = 16;

// DER contents of the OIDs (checked against their dotted forms in the tests).
pub(crate) const OID_PBES2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0d];
const OID_PBKDF2: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x05, 0x0c];
const OID_SCRYPT: &[u8] = &[0x2b, 0x06, 0x01, 0x04, 0x01, 0xda, 0x47, 0x04, 0x0b];
const OID_HMAC_SHA1: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x07];
const OID_HMAC_SHA224: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x08];
const OID_HMAC_SHA256: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x09];
const OID_HMAC_SHA384: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x0a];
const OID_HMAC_SHA512: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x02, 0x0b];
const OID_AES128_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x02];
const OID_AES192_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x16];
const OID_AES256_CBC: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x01, 0x2a];

/// An `EncryptedPrivateKeyInfo` (RFC 5958 §3), whatever its algorithm.
pub(crate) struct EncryptedKey<'a> {
    pub(crate) algorithm: der::Algorithm<'a>,
    pub(crate) data: &'a [u8],
}

/// `SEQUENCE { SEQUENCE { OID, ANY OPTIONAL }, OCTET STRING }`, exactly.
pub(crate) fn encrypted_key(der: &[u8]) -> der::Result<EncryptedKey<'_>> {
    let mut info = Reader::new(der::only(der, der::SEQUENCE)?);
    let algorithm = info.algorithm()?;
    let data = info.expect(der::OCTET_STRING)?;
    info.finish()?;
    Ok(EncryptedKey { algorithm, data })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Prf {
    Sha1,
    Sha224,
    Sha256,
    Sha384,
    Sha512,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kdf<'a> {
    Pbkdf2 {
        salt: &'a [u8],
        iterations: u64,
        key_length: Option<u64>,
        prf: Prf,
    },
    Scrypt {
        salt: &'a [u8],
        n: u64,
        r: u64,
        p: u64,
        key_length: Option<u64>,
    },
}

/// PBES2-params (RFC 8018 A.4) with the KDF and cipher this module implements.
pub(crate) struct Parameters<'a> {
    pub(crate) kdf: Kdf<'a>,
    key_len: usize,
    iv: &'a [u8],
}

/// Reads PBES2-params; `Unsupported` names the first algorithm this module does not implement.
pub(crate) fn parameters<'a>(key: &EncryptedKey<'a>) -> Result<Parameters<'a>, Pbes2Error> {
    if key.algorithm.oid != OID_PBES2 {
        return Err(Pbes2Error::Unsupported(der::oid_string(key.algorithm.oid)));
    }
    let Some((der::SEQUENCE, contents)) = key.algorithm.parameters else {
        return Err(Malformed("PBES2 parameters are not a SEQUENCE").into());
    };
    let mut params = Reader::new(contents);
    let kdf = params.algorithm()?;
    let cipher = params.algorithm()?;
    params.finish()?;

    let Some((der::SEQUENCE, kdf_params)) = kdf.parameters else {
        return Err(Malformed("KDF parameters are not a SEQUENCE").into());
    };
    let mut r = Reader::new(kdf_params);
    let kdf = if kdf.oid == OID_PBKDF2 {
        // salt CHOICE { specified OCTET STRING, otherSource AlgorithmIdentifier }: only the
        // first has ever been defined a use.
        let salt = r.expect(der::OCTET_STRING)?;
        let iterations = r.small_uint()?;
        let key_length = optional_uint(&mut r)?;
        let prf = if r.is_empty() {
            Prf::Sha1 // the DEFAULT
        } else {
            let prf = r.algorithm()?;
            if !matches!(prf.parameters, None | Some((der::NULL, []))) {
                return Err(Malformed("PRF parameters are not NULL").into());
            }
            match prf.oid {
                OID_HMAC_SHA1 => Prf::Sha1,
                OID_HMAC_SHA224 => Prf::Sha224,
                OID_HMAC_SHA256 => Prf::Sha256,
                OID_HMAC_SHA384 => Prf::Sha384,
                OID_HMAC_SHA512 => Prf::Sha512,
                other => return Err(Pbes2Error::Unsupported(der::oid_string(other))),
            }
        };
        Kdf::Pbkdf2 {
            salt,
            iterations,
            key_length,
            prf,
        }
    } else if kdf.oid == OID_SCRYPT {
        let salt = r.expect(der::OCTET_STRING)?;
        let n = r.small_uint()?;
        let block_size = r.small_uint()?;
        let parallelization = r.small_uint()?;
        let key_length = optional_uint(&mut r)?;
        Kdf::Scrypt {
            salt,
            n,
            r: block_size,
            p: parallelization,
            key_length,
        }
    } else {
        return Err(Pbes2Error::Unsupported(der::oid_string(kdf.oid)));
    };
    r.finish()?;

    let key_len = match cipher.oid {
        OID_AES128_CBC => 16,
        OID_AES192_CBC => 24,
        OID_AES256_CBC => 32,
        other => return Err(Pbes2Error::Unsupported(der::oid_string(other))),
    };
    let iv = match cipher.parameters {
        Some((der::OCTET_STRING, iv)) if iv.len() == BLOCK => iv,
        _ => return Err(Malformed("the AES-CBC IV is not a 16-byte OCTET STRING").into()),
    };
    Ok(Parameters { kdf, key_len, iv })
}

fn optional_uint(r: &mut Reader<'_>) -> der::Result<Option<u64>> {
    if r.peek_tag() == Some(der::INTEGER) {
        r.small_uint().map(Some)
    } else {
        Ok(None)
    }
}

/// The plaintext (a PKCS#8 `PrivateKeyInfo`, unchecked) of `ciphertext`.
pub(crate) fn decrypt(
    params: &Parameters<'_>,
    passphrase: &[u8],
    ciphertext: &[u8],
    max_iterations: u64,
    max_scrypt_memory: u64,
) -> Result<Vec<u8>, Pbes2Error> {
    let key_len = params.key_len;
    let (Kdf::Pbkdf2 { key_length, .. } | Kdf::Scrypt { key_length, .. }) = params.kdf;
    if let Some(len) = key_length {
        if len != key_len as u64 {
            return Err(Pbes2Error::Invalid(format!(
                "the KDF's key length {len} does not match the cipher's {key_len}"
            )));
        }
    }
    let mut key_buf = [0u8; 32];
    let key = key_buf.get_mut(..key_len).unwrap_or_default();
    derive_key(&params.kdf, passphrase, max_iterations, max_scrypt_memory, key)?;
    let plain = match key_len {
        16 => cbc_decrypt::<Aes128>(key, params.iv, ciphertext),
        24 => cbc_decrypt::<Aes192>(key, params.iv, ciphertext),
        _ => cbc_decrypt::<Aes256>(key, params.iv, ciphertext),
    };
    key_buf.fill(0);
    plain
}

/// Refuses key-derivation settings that would hang the page or exhaust its memory, before
/// anything is derived (and before the passphrase is even asked for).
pub(crate) fn check_cost(
    kdf: &Kdf<'_>,
    max_iterations: u64,
    max_scrypt_memory: u64,
) -> Result<(), Pbes2Error> {
    match *kdf {
        Kdf::Pbkdf2 { iterations, .. } if iterations > max_iterations => Err(Pbes2Error::Invalid(format!(
            "{iterations} PBKDF2 iterations is more than the {max_iterations} allowed"
        ))),
        Kdf::Scrypt { n, r, p, .. } => {
            let memory = scrypt::memory_cost(n, r, p);
            if memory > max_scrypt_memory {
                Err(Pbes2Error::Invalid(format!(
                    "scrypt would need {memory} bytes, more than the {max_scrypt_memory} allowed"
                )))
            } else {
                Ok(())
            }
        }
        Kdf::Pbkdf2 { .. } => Ok(()),
    }
}

fn derive_key(
    kdf: &Kdf<'_>,
    passphrase: &[u8],
    max_iterations: u64,
    max_scrypt_memory: u64,
    key: &mut [u8],
) -> Result<(), Pbes2Error> {
    check_cost(kdf, max_iterations, max_scrypt_memory)?;
    match *kdf {
        Kdf::Pbkdf2 {
            salt,
            iterations,
            prf,
            ..
        } => {
            let iterations = u32::try_from(iterations)
                .ok()
                .and_then(NonZeroU32::new)
                .ok_or_else(|| Pbes2Error::Invalid(format!("PBKDF2 with {iterations} iterations")))?;
            // ring refuses only salts and passphrases near 2^61 bytes, and outputs over
            // 2^32 hash lengths; these are at most a DER file long and 32 bytes.
            let algorithm = match prf {
                Prf::Sha1 => ring::pbkdf2::PBKDF2_HMAC_SHA1,
                Prf::Sha224 => {
                    sha224::pbkdf2_hmac_sha224(passphrase, salt, iterations, key);
                    return Ok(());
                }
                Prf::Sha256 => ring::pbkdf2::PBKDF2_HMAC_SHA256,
                Prf::Sha384 => ring::pbkdf2::PBKDF2_HMAC_SHA384,
                Prf::Sha512 => ring::pbkdf2::PBKDF2_HMAC_SHA512,
            };
            ring::pbkdf2::derive(algorithm, iterations, salt, passphrase, key);
            Ok(())
        }
        Kdf::Scrypt { salt, n, r, p, .. } => {
            let invalid = || Pbes2Error::Invalid(format!("invalid scrypt parameters N={n}, r={r}, p={p}"));
            let r32 = u32::try_from(r).map_err(|_| invalid())?;
            let p32 = u32::try_from(p).map_err(|_| invalid())?;
            scrypt::scrypt(passphrase, salt, n, r32, p32, max_scrypt_memory, key).map_err(|e| match e {
                scrypt::ScryptError::InvalidParameters => invalid(),
                scrypt::ScryptError::TooMuchMemory(bytes) => Pbes2Error::Invalid(format!(
                    "scrypt would need {bytes} bytes, more than the {max_scrypt_memory} allowed"
                )),
                scrypt::ScryptError::OutOfMemory(bytes) => {
                    Pbes2Error::Invalid(format!("scrypt could not get {bytes} bytes of memory"))
                }
            })
        }
    }
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8], ciphertext: &[u8]) -> Result<Vec<u8>, Pbes2Error>
where
    C: KeyInit + BlockCipherDecrypt + BlockSizeUser<BlockSize = U16>,
{
    if ciphertext.is_empty() || !ciphertext.len().is_multiple_of(BLOCK) {
        return Err(Pbes2Error::BadDecrypt);
    }
    let cipher = C::new_from_slice(key).map_err(|_| Pbes2Error::BadDecrypt)?;
    let mut plain = ciphertext.to_vec();
    // All blocks in one call: the bitsliced AES decrypts several at once.
    let (blocks, _) = Array::<u8, U16>::slice_as_chunks_mut(&mut plain);
    cipher.decrypt_blocks(blocks);
    let previous = std::iter::once(iv).chain(ciphertext.chunks_exact(BLOCK));
    for (block, prev) in plain.chunks_exact_mut(BLOCK).zip(previous) {
        block.iter_mut().zip(prev).for_each(|(p, c)| *p ^= c);
    }
    let len = unpadded_len(&plain).ok_or(Pbes2Error::BadDecrypt)?;
    plain.truncate(len);
    Ok(plain)
}

/// The length without PKCS#7 padding, checked over the whole last block without branching on
/// its bytes, so that the check's timing tells little about the plaintext.
fn unpadded_len(plain: &[u8]) -> Option<usize> {
    let last = plain.get(plain.len().checked_sub(BLOCK)?..)?;
    let pad = *last.last()?;
    let mut bad = u8::from(pad == 0) | u8::from(usize::from(pad) > BLOCK);
    for (i, &byte) in last.iter().rev().enumerate() {
        bad |= u8::from(i < usize::from(pad)) & u8::from(byte != pad);
    }
    if bad == 0 {
        plain.len().checked_sub(usize::from(pad))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    #[test]
    fn padding_is_checked_whole() {
        let mut block = [7u8; 16];
        assert_eq!(unpadded_len(&block), Some(9));
        block[15] = 16;
        assert_eq!(unpadded_len(&block), None);
        block = [16; 16];
        assert_eq!(unpadded_len(&block), Some(0));
        for bad in [0u8, 17, 255] {
            block[15] = bad;
            assert_eq!(unpadded_len(&block), None, "{bad}");
        }
        // One wrong byte inside the padding.
        let mut block = [4u8; 16];
        block[12] = 5;
        assert_eq!(unpadded_len(&block), None);
        block[11] = 5;
        block[12] = 4;
        assert_eq!(unpadded_len(&block), Some(12));
        assert_eq!(unpadded_len(&[]), None);
    }

    fn pbkdf2(salt: &[u8], iterations: u64, prf: Prf) -> Kdf<'_> {
        Kdf::Pbkdf2 {
            salt,
            iterations,
            key_length: None,
            prf,
        }
    }

    #[test]
    fn oids_are_the_ones_named() {
        for (oid, dotted) in [
            (OID_PBES2, "1.2.840.113549.1.5.13"),
            (OID_PBKDF2, "1.2.840.113549.1.5.12"),
            (OID_SCRYPT, "1.3.6.1.4.1.11591.4.11"),
            (OID_HMAC_SHA1, "1.2.840.113549.2.7"),
            (OID_HMAC_SHA224, "1.2.840.113549.2.8"),
            (OID_HMAC_SHA256, "1.2.840.113549.2.9"),
            (OID_HMAC_SHA384, "1.2.840.113549.2.10"),
            (OID_HMAC_SHA512, "1.2.840.113549.2.11"),
            (OID_AES128_CBC, "2.16.840.1.101.3.4.1.2"),
            (OID_AES192_CBC, "2.16.840.1.101.3.4.1.22"),
            (OID_AES256_CBC, "2.16.840.1.101.3.4.1.42"),
        ] {
            assert_eq!(der::oid_string(oid), dotted);
        }
    }

    /// RFC 6070's PBKDF2-HMAC-SHA1 vectors, through ring as `derive_key` calls it.
    #[test]
    fn rfc6070_pbkdf2_sha1() {
        let cases: [(&[u8], &[u8], u64, &str); 5] = [
            (
                b"password",
                b"salt",
                1,
                "0c60c80f961f0e71f3a9b524af6012062fe037a6",
            ),
            (
                b"password",
                b"salt",
                2,
                "ea6c014dc72d6f8ccd1ed92ace1d41f0d8de8957",
            ),
            (
                b"password",
                b"salt",
                4096,
                "4b007901b765489abead49d926f721d065a429c1",
            ),
            (
                b"passwordPASSWORDpassword",
                b"saltSALTsaltSALTsaltSALTsaltSALTsalt",
                4096,
                "3d2eec4fe41c849b80c8d83662c0e44a8b291a964cf2f07038",
            ),
            (b"pass\0word", b"sa\0lt", 4096, "56fa6aa75548099dcc37d7f03425e0c3"),
        ];
        for (password, salt, iterations, expected) in cases {
            let mut out = vec![0u8; expected.len() / 2];
            derive_key(
                &pbkdf2(salt, iterations, Prf::Sha1),
                password,
                u64::MAX,
                0,
                &mut out,
            )
            .unwrap();
            let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, expected);
        }
    }

    #[test]
    fn zero_or_huge_iterations_and_short_ciphertexts_are_errors() {
        for iterations in [0, u64::from(u32::MAX) + 1] {
            let kdf = pbkdf2(b"salt", iterations, Prf::Sha256);
            let e = derive_key(&kdf, b"pw", u64::MAX, 0, &mut [0u8; 16]);
            assert!(matches!(e, Err(Pbes2Error::Invalid(_))), "{iterations}");
        }
        let kdf = pbkdf2(b"salt", 1_000_000_000, Prf::Sha256);
        let e = derive_key(&kdf, b"pw", 10_000_000, 0, &mut [0u8; 16]);
        assert_eq!(
            e,
            Err(Pbes2Error::Invalid(
                "1000000000 PBKDF2 iterations is more than the 10000000 allowed".into()
            ))
        );
        let iv = [0u8; 16];
        for len in [0, 1, 15, 17, 31] {
            assert_eq!(
                cbc_decrypt::<Aes128>(&[0; 16], &iv, &vec![0; len]),
                Err(Pbes2Error::BadDecrypt)
            );
        }
    }

    #[test]
    fn hostile_scrypt_parameters_are_errors() {
        let scrypt = |n, r, p| Kdf::Scrypt {
            salt: b"salt",
            n,
            r,
            p,
            key_length: None,
        };
        let limit = 64 * 1024 * 1024;
        for (n, r, p) in [
            (1 << 30, 8, 1),
            (1 << 62, 1 << 40, 1 << 40),
            (16, 1 << 33, 1),
            (16, 8, 1 << 33),
        ] {
            let e = derive_key(&scrypt(n, r, p), b"pw", 0, limit, &mut [0u8; 16]).unwrap_err();
            assert!(matches!(e, Pbes2Error::Invalid(_)), "N={n} r={r} p={p}: {e:?}");
        }
    }
}
