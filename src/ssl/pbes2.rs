//! PBES2 decryption (RFC 8018 §6.2) of encrypted PKCS#8 keys: PBKDF2 (HMAC-SHA-1, -224,
//! -256, -384, -512) or scrypt, then AES-128/192/256-CBC.
//!
//! `pkcs5` parses the parameters; the crypto is *ring*'s PBKDF2, our own scrypt and SHA-224
//! (`super::scrypt`, `super::sha224`), and the `aes` 0.9 block cipher that the AES-GCM record
//! cipher already links. `pkcs8`'s `encryption` feature did the same with RustCrypto's whole
//! stack (sha2, hmac, pbkdf2, scrypt, cbc and a second `aes`), about 80 KB of wasm.

use std::num::NonZeroU32;

use aes_gcm::aes::cipher::consts::U16;
use aes_gcm::aes::cipher::{Array, BlockCipherDecrypt, BlockSizeUser, KeyInit};
use aes_gcm::aes::{Aes128, Aes192, Aes256};
use pkcs8::pkcs5::pbes2::{EncryptionScheme, Kdf, Parameters, Pbkdf2Prf};
use pkcs8::ObjectIdentifier;

use super::{scrypt, sha224};

/// Why a PBES2 ciphertext was not decrypted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Pbes2Error {
    /// A cipher or PRF this module does not implement.
    Unsupported(ObjectIdentifier),
    /// Parameters no encryptor could have used (the reason, for the message).
    Invalid(String),
    /// Wrong passphrase, or corrupt ciphertext: the padding or length is wrong.
    BadDecrypt,
}

const BLOCK: usize = 16;

/// The plaintext (a PKCS#8 `PrivateKeyInfo`, unchecked) of `ciphertext`.
pub(crate) fn decrypt(
    params: &Parameters<'_>,
    passphrase: &[u8],
    ciphertext: &[u8],
    max_scrypt_memory: u64,
) -> Result<Vec<u8>, Pbes2Error> {
    let (key_len, iv) = match params.encryption {
        EncryptionScheme::Aes128Cbc { iv } => (16, iv),
        EncryptionScheme::Aes192Cbc { iv } => (24, iv),
        EncryptionScheme::Aes256Cbc { iv } => (32, iv),
        other => return Err(Pbes2Error::Unsupported(other.oid())),
    };
    if let Some(len) = params.kdf.key_length() {
        if usize::from(len) != key_len {
            return Err(Pbes2Error::Invalid(format!(
                "the KDF's key length {len} does not match the cipher's {key_len}"
            )));
        }
    }
    let mut key_buf = [0u8; 32];
    let key = key_buf.get_mut(..key_len).unwrap_or_default();
    derive_key(&params.kdf, passphrase, max_scrypt_memory, key)?;
    let plain = match key_len {
        16 => cbc_decrypt::<Aes128>(key, iv, ciphertext),
        24 => cbc_decrypt::<Aes192>(key, iv, ciphertext),
        _ => cbc_decrypt::<Aes256>(key, iv, ciphertext),
    };
    key_buf.fill(0);
    plain
}

fn derive_key(
    kdf: &Kdf<'_>,
    passphrase: &[u8],
    max_scrypt_memory: u64,
    key: &mut [u8],
) -> Result<(), Pbes2Error> {
    match kdf {
        Kdf::Pbkdf2(p) => {
            let iterations = NonZeroU32::new(p.iteration_count)
                .ok_or_else(|| Pbes2Error::Invalid("PBKDF2 with 0 iterations".into()))?;
            // ring refuses only salts and passphrases near 2^61 bytes, and outputs over
            // 2^32 hash lengths; these are at most a DER file long and 32 bytes.
            let algorithm = match p.prf {
                Pbkdf2Prf::HmacWithSha1 => ring::pbkdf2::PBKDF2_HMAC_SHA1,
                Pbkdf2Prf::HmacWithSha224 => {
                    sha224::pbkdf2_hmac_sha224(passphrase, p.salt, iterations, key);
                    return Ok(());
                }
                Pbkdf2Prf::HmacWithSha256 => ring::pbkdf2::PBKDF2_HMAC_SHA256,
                Pbkdf2Prf::HmacWithSha384 => ring::pbkdf2::PBKDF2_HMAC_SHA384,
                Pbkdf2Prf::HmacWithSha512 => ring::pbkdf2::PBKDF2_HMAC_SHA512,
                other => return Err(Pbes2Error::Unsupported(other.oid())),
            };
            ring::pbkdf2::derive(algorithm, iterations, p.salt, passphrase, key);
            Ok(())
        }
        Kdf::Scrypt(s) => scrypt::scrypt(
            passphrase,
            s.salt,
            s.cost_parameter,
            u32::from(s.block_size),
            u32::from(s.parallelization),
            max_scrypt_memory,
            key,
        )
        .map_err(|e| {
            Pbes2Error::Invalid(match e {
                scrypt::ScryptError::InvalidParameters => format!(
                    "invalid scrypt parameters N={}, r={}, p={}",
                    s.cost_parameter, s.block_size, s.parallelization
                ),
                scrypt::ScryptError::TooMuchMemory(bytes) => {
                    format!("scrypt would need {bytes} bytes, more than the {max_scrypt_memory} allowed")
                }
                scrypt::ScryptError::OutOfMemory(bytes) => {
                    format!("scrypt could not get {bytes} bytes of memory")
                }
            })
        }),
        other => Err(Pbes2Error::Unsupported(other.oid())),
    }
}

fn cbc_decrypt<C>(key: &[u8], iv: &[u8; BLOCK], ciphertext: &[u8]) -> Result<Vec<u8>, Pbes2Error>
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
    let previous = std::iter::once(&iv[..]).chain(ciphertext.chunks_exact(BLOCK));
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

    /// RFC 6070's PBKDF2-HMAC-SHA1 vectors, through ring as `derive_key` calls it.
    #[test]
    fn rfc6070_pbkdf2_sha1() {
        let cases: [(&[u8], &[u8], u32, &str); 4] = [
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
        ];
        for (password, salt, iterations, expected) in cases {
            let kdf = Kdf::Pbkdf2(pkcs8::pkcs5::pbes2::Pbkdf2Params {
                salt,
                iteration_count: iterations,
                key_length: None,
                prf: Pbkdf2Prf::HmacWithSha1,
            });
            let mut out = vec![0u8; expected.len() / 2];
            derive_key(&kdf, password, 0, &mut out).unwrap();
            let hex: String = out.iter().map(|b| format!("{b:02x}")).collect();
            assert_eq!(hex, expected);
        }
        // The embedded-NUL case.
        let kdf = Kdf::Pbkdf2(pkcs8::pkcs5::pbes2::Pbkdf2Params {
            salt: b"sa\0lt",
            iteration_count: 4096,
            key_length: None,
            prf: Pbkdf2Prf::HmacWithSha1,
        });
        let mut out = [0u8; 16];
        derive_key(&kdf, b"pass\0word", 0, &mut out).unwrap();
        assert_eq!(
            out,
            [
                0x56, 0xfa, 0x6a, 0xa7, 0x55, 0x48, 0x09, 0x9d, 0xcc, 0x37, 0xd7, 0xf0, 0x34, 0x25, 0xe0,
                0xc3
            ]
        );
    }

    #[test]
    fn zero_iterations_and_short_ciphertexts_are_errors() {
        let kdf = Kdf::Pbkdf2(pkcs8::pkcs5::pbes2::Pbkdf2Params {
            salt: b"salt",
            iteration_count: 0,
            key_length: None,
            prf: Pbkdf2Prf::HmacWithSha256,
        });
        assert!(matches!(
            derive_key(&kdf, b"pw", 0, &mut [0u8; 16]),
            Err(Pbes2Error::Invalid(_))
        ));
        let iv = [0u8; 16];
        for len in [0, 1, 15, 17, 31] {
            assert_eq!(
                cbc_decrypt::<Aes128>(&[0; 16], &iv, &vec![0; len]),
                Err(Pbes2Error::BadDecrypt)
            );
        }
    }
}
