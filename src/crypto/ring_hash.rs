//! SHA-256/384 and their HMACs over *ring*, as rustls's `Hash` and `Hmac`, for
//! [`super::fast_gcm`]'s suites (HKDF and the TLS 1.2 PRF are rustls's generic ones over these).
//!
//! rustls's *ring* provider has the same wrappers but keeps them private: the only way to its
//! hash and HKDF is through its AES-GCM suite statics, and naming those links *ring*'s whole
//! AES-GCM beside fast_gcm's (docs/size.md).

use rustls::crypto::hash::{Context, Hash, HashAlgorithm, Output};
use rustls::crypto::hmac::{Hmac, Key, Tag};

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
