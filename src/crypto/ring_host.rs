//! A [`HostCrypto`] made of *ring*, for native tests: it stands in for `node:crypto` so that
//! the host provider's framing (nonces, AADs, explicit nonces, handles) is tested against
//! rustls's own *ring* provider. It counts its calls, so a test can show the host ran, and it
//! can be told to fail, so a test can show what a throwing host does.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, AtomicUsize, Ordering};
use std::sync::Mutex;

use ring::aead::{self, LessSafeKey, UnboundKey};
use ring::agreement::{self, EphemeralPrivateKey};
use ring::rand::SystemRandom;
use ring::signature;

use super::host::{Aead, Group, HostCrypto, HostError, Sig, TAG_LEN};

#[derive(Default)]
pub(crate) struct Counts {
    pub seal: AtomicUsize,
    pub open: AtomicUsize,
    pub kx: AtomicUsize,
    pub verify: AtomicUsize,
    pub ed25519: AtomicUsize,
    pub keys_live: AtomicUsize,
}

/// What the host should get wrong.
#[derive(Default, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    #[default]
    None,
    /// Every call throws.
    Throws,
    /// Key import throws; sealing and opening would work.
    KeysThrow,
    /// Every verification says "invalid".
    RejectsSignatures,
    /// Every open says the tag is wrong.
    RejectsRecords,
}

#[derive(Default)]
pub(crate) struct RingHost {
    pub counts: Counts,
    pub fault: Fault,
    next: AtomicU32,
    keys: Mutex<HashMap<u32, LessSafeKey>>,
    kx: Mutex<HashMap<u32, (Group, EphemeralPrivateKey)>>,
}

impl RingHost {
    pub(crate) fn with_fault(fault: Fault) -> Self {
        Self {
            fault,
            ..Self::default()
        }
    }

    fn fail(&self) -> Result<(), HostError> {
        if self.fault == Fault::Throws {
            return Err(HostError("thrown".into()));
        }
        Ok(())
    }
}

fn err(_: impl std::fmt::Debug) -> HostError {
    HostError("ring failed".into())
}

impl HostCrypto for RingHost {
    fn name(&self) -> &'static str {
        "ring-as-host"
    }

    fn aead_key(&self, alg: Aead, key: &[u8]) -> Result<u32, HostError> {
        self.fail()?;
        if self.fault == Fault::KeysThrow {
            return Err(HostError("no keys".into()));
        }
        let alg = match alg {
            Aead::Aes128Gcm => &aead::AES_128_GCM,
            Aead::Aes256Gcm => &aead::AES_256_GCM,
            Aead::Chacha20Poly1305 => &aead::CHACHA20_POLY1305,
        };
        let key = LessSafeKey::new(UnboundKey::new(alg, key).map_err(err)?);
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        self.keys.lock().unwrap().insert(id, key);
        self.counts.keys_live.fetch_add(1, Ordering::SeqCst);
        Ok(id)
    }

    fn aead_free(&self, key: u32) {
        if self.keys.lock().unwrap().remove(&key).is_some() {
            self.counts.keys_live.fetch_sub(1, Ordering::SeqCst);
        }
    }

    fn seal(
        &self,
        key: u32,
        nonce: &[u8; 12],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &mut [u8; TAG_LEN],
    ) -> Result<(), HostError> {
        self.fail()?;
        self.counts.seal.fetch_add(1, Ordering::SeqCst);
        let keys = self.keys.lock().unwrap();
        let k = keys.get(&key).ok_or_else(|| HostError("no such key".into()))?;
        let t = k
            .seal_in_place_separate_tag(
                aead::Nonce::assume_unique_for_key(*nonce),
                aead::Aad::from(aad),
                in_out,
            )
            .map_err(err)?;
        tag.copy_from_slice(t.as_ref());
        Ok(())
    }

    fn open(
        &self,
        key: u32,
        nonce: &[u8; 12],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<bool, HostError> {
        self.fail()?;
        self.counts.open.fetch_add(1, Ordering::SeqCst);
        if self.fault == Fault::RejectsRecords {
            return Ok(false);
        }
        let keys = self.keys.lock().unwrap();
        let k = keys.get(&key).ok_or_else(|| HostError("no such key".into()))?;
        let mut joined = [&*in_out, tag.as_slice()].concat();
        let ok = k
            .open_in_place(
                aead::Nonce::assume_unique_for_key(*nonce),
                aead::Aad::from(aad),
                &mut joined,
            )
            .map(|plain| in_out.copy_from_slice(plain))
            .is_ok();
        Ok(ok)
    }

    fn kx_start(&self, group: Group) -> Result<(u32, Vec<u8>), HostError> {
        self.fail()?;
        self.counts.kx.fetch_add(1, Ordering::SeqCst);
        let alg = ring_group(group);
        let key = EphemeralPrivateKey::generate(alg, &SystemRandom::new()).map_err(err)?;
        let public = key.compute_public_key().map_err(err)?.as_ref().to_vec();
        let id = self.next.fetch_add(1, Ordering::SeqCst);
        self.kx.lock().unwrap().insert(id, (group, key));
        Ok((id, public))
    }

    fn kx_complete(&self, key: u32, peer: &[u8]) -> Result<Vec<u8>, HostError> {
        self.fail()?;
        let (group, key) = self
            .kx
            .lock()
            .unwrap()
            .remove(&key)
            .ok_or_else(|| HostError("no such key".into()))?;
        let peer = agreement::UnparsedPublicKey::new(ring_group(group), peer);
        agreement::agree_ephemeral(key, &peer, |s| s.to_vec()).map_err(err)
    }

    fn kx_free(&self, key: u32) {
        self.kx.lock().unwrap().remove(&key);
    }

    fn verify(&self, alg: Sig, spki: &[u8], msg: &[u8], sig: &[u8]) -> Result<bool, HostError> {
        self.fail()?;
        self.counts.verify.fetch_add(1, Ordering::SeqCst);
        if alg == Sig::Ed25519 {
            self.counts.ed25519.fetch_add(1, Ordering::SeqCst);
        }
        if self.fault == Fault::RejectsSignatures {
            return Ok(false);
        }
        // Takes the key back out of the SubjectPublicKeyInfo, so the DER that
        // `host::spki` builds is checked too.
        let info = crate::ssl::cert::Spki::parse(spki).map_err(err)?;
        let p256 = info.parameters == Some((0x06, &[0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07][..]));
        let key = info.key;
        let alg: &dyn signature::VerificationAlgorithm = match (alg, p256) {
            (Sig::EcdsaSha256, true) => &signature::ECDSA_P256_SHA256_ASN1,
            (Sig::EcdsaSha384, true) => &signature::ECDSA_P256_SHA384_ASN1,
            (Sig::EcdsaSha256, false) => &signature::ECDSA_P384_SHA256_ASN1,
            (Sig::EcdsaSha384, false) => &signature::ECDSA_P384_SHA384_ASN1,
            (Sig::Ed25519, _) => &signature::ED25519,
            (Sig::RsaPkcs1Sha256, _) => &signature::RSA_PKCS1_2048_8192_SHA256,
            (Sig::RsaPkcs1Sha384, _) => &signature::RSA_PKCS1_2048_8192_SHA384,
            (Sig::RsaPkcs1Sha512, _) => &signature::RSA_PKCS1_2048_8192_SHA512,
            (Sig::RsaPssSha256, _) => &signature::RSA_PSS_2048_8192_SHA256,
            (Sig::RsaPssSha384, _) => &signature::RSA_PSS_2048_8192_SHA384,
            (Sig::RsaPssSha512, _) => &signature::RSA_PSS_2048_8192_SHA512,
        };
        Ok(signature::UnparsedPublicKey::new(alg, key)
            .verify(msg, sig)
            .is_ok())
    }
}

fn ring_group(group: Group) -> &'static agreement::Algorithm {
    match group {
        Group::X25519 => &agreement::X25519,
        Group::P256 => &agreement::ECDH_P256,
        Group::P384 => &agreement::ECDH_P384,
    }
}
