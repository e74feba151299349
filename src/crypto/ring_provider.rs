//! rustls's *ring* `default_provider()`, rebuilt without *ring*'s AEADs.
//!
//! `default_provider()` copies rustls's `DEFAULT_CIPHER_SUITES`, whose entries link *ring*'s
//! AES-GCM and ChaCha20-Poly1305 into the wasm even when [`super::fast_gcm`] and
//! [`super::fast_chacha`] replace them in every configuration (docs/size.md). The rest of it (signature algorithms, randomness, key
//! loading) is private to rustls, so it is restated here; a test holds it equal to rustls's.

use rustls::crypto::{CryptoProvider, GetRandomFailed, KeyProvider, SecureRandom, WebPkiSupportedAlgorithms};
use rustls::pki_types::PrivateKeyDer;
use rustls::sign::SigningKey;
use rustls::SignatureScheme;
use std::sync::Arc;
use webpki::ring as algs;

/// *ring*'s provider with our AEAD suites.
pub fn default() -> CryptoProvider {
    CryptoProvider {
        cipher_suites: super::default_suites(),
        kx_groups: rustls::crypto::ring::DEFAULT_KX_GROUPS.to_vec(),
        signature_verification_algorithms: SIGNATURE_ALGORITHMS,
        secure_random: &Ring,
        key_provider: &Ring,
    }
}

/// What rustls's *ring* provider verifies with (its `SUPPORTED_SIG_ALGS`).
pub static SIGNATURE_ALGORITHMS: WebPkiSupportedAlgorithms = WebPkiSupportedAlgorithms {
    all: &[
        algs::ECDSA_P256_SHA256,
        algs::ECDSA_P256_SHA384,
        algs::ECDSA_P384_SHA256,
        algs::ECDSA_P384_SHA384,
        algs::ED25519,
        algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY,
        algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY,
        algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY,
        algs::RSA_PKCS1_2048_8192_SHA256,
        algs::RSA_PKCS1_2048_8192_SHA384,
        algs::RSA_PKCS1_2048_8192_SHA512,
        algs::RSA_PKCS1_2048_8192_SHA256_ABSENT_PARAMS,
        algs::RSA_PKCS1_2048_8192_SHA384_ABSENT_PARAMS,
        algs::RSA_PKCS1_2048_8192_SHA512_ABSENT_PARAMS,
    ],
    mapping: &[
        // For TLS 1.2 the curve is not fixed by the scheme; for TLS 1.3 it is.
        (
            SignatureScheme::ECDSA_NISTP384_SHA384,
            &[algs::ECDSA_P384_SHA384, algs::ECDSA_P256_SHA384],
        ),
        (
            SignatureScheme::ECDSA_NISTP256_SHA256,
            &[algs::ECDSA_P256_SHA256, algs::ECDSA_P384_SHA256],
        ),
        (SignatureScheme::ED25519, &[algs::ED25519]),
        (
            SignatureScheme::RSA_PSS_SHA512,
            &[algs::RSA_PSS_2048_8192_SHA512_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA384,
            &[algs::RSA_PSS_2048_8192_SHA384_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PSS_SHA256,
            &[algs::RSA_PSS_2048_8192_SHA256_LEGACY_KEY],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA512,
            &[algs::RSA_PKCS1_2048_8192_SHA512],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA384,
            &[algs::RSA_PKCS1_2048_8192_SHA384],
        ),
        (
            SignatureScheme::RSA_PKCS1_SHA256,
            &[algs::RSA_PKCS1_2048_8192_SHA256],
        ),
    ],
};

#[derive(Debug)]
struct Ring;

impl SecureRandom for Ring {
    fn fill(&self, buf: &mut [u8]) -> Result<(), GetRandomFailed> {
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), buf).map_err(|_| GetRandomFailed)
    }
}

impl KeyProvider for Ring {
    fn load_private_key(
        &self,
        key_der: PrivateKeyDer<'static>,
    ) -> Result<Arc<dyn SigningKey>, rustls::Error> {
        rustls::crypto::ring::sign::any_supported_type(&key_der)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(algs: &[&dyn rustls::pki_types::SignatureVerificationAlgorithm]) -> Vec<String> {
        algs.iter()
            .map(|a| format!("{:?}/{:?}", a.public_key_alg_id(), a.signature_alg_id()))
            .collect()
    }

    #[test]
    fn same_as_rustls_default_provider_but_for_the_aead_implementations() {
        let ring = rustls::crypto::ring::default_provider();
        let ours = default();
        let suite_ids = |p: &CryptoProvider| p.cipher_suites.iter().map(|s| s.suite()).collect::<Vec<_>>();
        assert_eq!(suite_ids(&ours), suite_ids(&ring));
        let group_names = |p: &CryptoProvider| p.kx_groups.iter().map(|g| g.name()).collect::<Vec<_>>();
        assert_eq!(group_names(&ours), group_names(&ring));

        let (a, b) = (
            ours.signature_verification_algorithms,
            ring.signature_verification_algorithms,
        );
        assert_eq!(ids(a.all), ids(b.all));
        assert_eq!(a.mapping.len(), b.mapping.len());
        for ((scheme_a, algs_a), (scheme_b, algs_b)) in a.mapping.iter().zip(b.mapping) {
            assert_eq!(scheme_a, scheme_b);
            assert_eq!(ids(algs_a), ids(algs_b), "{scheme_a:?}");
        }

        let mut buf = [0u8; 32];
        ours.secure_random.fill(&mut buf).unwrap();
        assert_ne!(buf, [0; 32]);
        let key = include_bytes!("../ssl/testdata/p256.pkcs8.pem");
        let der = <PrivateKeyDer<'_> as rustls::pki_types::pem::PemObject>::from_pem_slice(key).unwrap();
        let signer = ours.key_provider.load_private_key(der).unwrap();
        assert_eq!(signer.algorithm(), rustls::SignatureAlgorithm::ECDSA);
    }
}
