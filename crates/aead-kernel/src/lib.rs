//! The record AEADs of rustls-ssl's wasm build: AES-GCM (`src/crypto/fast_gcm.rs`) and
//! ChaCha20-Poly1305 (`src/crypto/fast_chacha.rs`), seal and open in place.
//!
//! A crate of its own for one reason: the release build compiles the wasm for size
//! (opt-level "z", thin LTO) and only the hot crypto for speed, per crate. A generic cipher is
//! compiled in the crate that names its concrete type, so `AesGcm<Aes128>`'s code belongs to
//! whichever crate writes `Aes128Gcm`: this one, listed at opt-level 3 in the top-level
//! Cargo.toml. The functions are not inlined into callers for the same reason (inlined, they
//! would be compiled again at the caller's level).

use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes128Gcm, Aes256Gcm, KeyInit};
use chacha20poly1305::ChaCha20Poly1305;

pub const NONCE_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

/// An expanded AES-128 or AES-256 key. Boxed: the fixsliced round keys are large.
pub enum GcmKey {
    Aes128(Box<Aes128Gcm>),
    Aes256(Box<Aes256Gcm>),
}

impl GcmKey {
    /// `None` unless `key` is 16 or 32 bytes.
    #[inline(never)]
    pub fn new(key: &[u8]) -> Option<Self> {
        match key.len() {
            16 => Aes128Gcm::new_from_slice(key)
                .ok()
                .map(|k| Self::Aes128(Box::new(k))),
            32 => Aes256Gcm::new_from_slice(key)
                .ok()
                .map(|k| Self::Aes256(Box::new(k))),
            _ => None,
        }
    }

    /// Encrypts `data` in place and returns the tag.
    #[inline(never)]
    pub fn seal(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], data: &mut [u8]) -> Option<[u8; TAG_LEN]> {
        let tag = match self {
            Self::Aes128(k) => k.encrypt_inout_detached(nonce.into(), aad, data.into()),
            Self::Aes256(k) => k.encrypt_inout_detached(nonce.into(), aad, data.into()),
        };
        tag.ok().map(Into::into)
    }

    /// Decrypts `data` in place if `tag` authenticates it; on failure `data` is left as it was.
    #[inline(never)]
    pub fn open(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], data: &mut [u8], tag: &[u8; TAG_LEN]) -> bool {
        match self {
            Self::Aes128(k) => k.decrypt_inout_detached(nonce.into(), aad, data.into(), tag.into()),
            Self::Aes256(k) => k.decrypt_inout_detached(nonce.into(), aad, data.into(), tag.into()),
        }
        .is_ok()
    }
}

/// A ChaCha20-Poly1305 key (RFC 8439). The key is all the state; Poly1305's key is derived
/// per nonce.
pub struct ChaChaKey(ChaCha20Poly1305);

impl ChaChaKey {
    /// `None` unless `key` is 32 bytes.
    #[inline(never)]
    pub fn new(key: &[u8]) -> Option<Self> {
        ChaCha20Poly1305::new_from_slice(key).ok().map(Self)
    }

    /// Encrypts `data` in place and returns the tag.
    #[inline(never)]
    pub fn seal(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], data: &mut [u8]) -> Option<[u8; TAG_LEN]> {
        self.0
            .encrypt_inout_detached(nonce.into(), aad, data.into())
            .ok()
            .map(Into::into)
    }

    /// Decrypts `data` in place if `tag` authenticates it; on failure `data` is left as it was.
    #[inline(never)]
    pub fn open(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], data: &mut [u8], tag: &[u8; TAG_LEN]) -> bool {
        self.0
            .decrypt_inout_detached(nonce.into(), aad, data.into(), tag.into())
            .is_ok()
    }
}
