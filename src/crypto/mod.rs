//! Which crypto runs: *ring* with [`fast_gcm`]'s AES-GCM and [`fast_chacha`]'s
//! ChaCha20-Poly1305 by default, or the host's crypto
//! (`node:crypto` in the Node entry) for record protection, key exchange and signature
//! verification once the host has installed it. There is one wasm for every entry, so the
//! choice is made at run time.
//!
//! The choice is per thread. In wasm there is one thread, so it is the module's; natively
//! nothing installs a host outside tests, which install one per test thread and compare it
//! with *ring*.

use std::cell::Cell;
use std::sync::Arc;

use rustls::crypto::{CryptoProvider, SupportedKxGroup};
use rustls::SupportedCipherSuite;

pub mod fast_chacha;
pub mod fast_gcm;
pub mod host;
mod record;
#[cfg(test)]
mod record_checks;
mod ring_hash;
#[cfg(test)]
pub(crate) mod ring_host;
pub mod ring_provider;
#[cfg(test)]
mod tests;

pub use host::{Families, HostCrypto, HostProvider, Sig};

/// What `cryptoProvider()` reports when no host crypto is installed.
pub const RING: &str = "ring";

thread_local! {
    static ACTIVE: Cell<Option<&'static HostProvider>> = const { Cell::new(None) };
}

/// Makes `host` (or *ring*, for `None`) the crypto of every configuration built from now on
/// on this thread. Connections already configured keep what they have.
pub fn install(host: Option<&'static HostProvider>) {
    ACTIVE.with(|a| a.set(host));
}

fn active() -> Option<&'static HostProvider> {
    ACTIVE.with(Cell::get)
}

/// The active host's verdict on a signature of a kind it took over (see
/// [`HostProvider::verify`]); `None` means *ring* decides.
pub fn host_verify(alg: Sig, spki: &[u8], msg: &[u8], sig: &[u8]) -> Option<bool> {
    active()?.verify(alg, spki, msg, sig)
}

/// "ring", or the host's name (e.g. "node:crypto").
pub fn name() -> &'static str {
    active().map_or(RING, HostProvider::name)
}

/// Whether AES-GCM runs in software without hardware help (*ring* in wasm), where it is
/// several times slower than ChaCha20-Poly1305; then ChaCha20 is offered first.
pub fn aes_is_slow() -> bool {
    cfg!(target_arch = "wasm32") && !active().is_some_and(|h| h.families().aead)
}

/// `suite` (one of *ring*'s, say), or ours with the same id: the record AEAD then runs in
/// fast_gcm's or fast_chacha's kernel instead of *ring*'s. Order and selection stay the
/// caller's (cipher_list.rs): only the implementation changes.
pub fn substitute(suite: SupportedCipherSuite) -> SupportedCipherSuite {
    let id = suite.suite();
    fast_gcm::ours(id)
        .or_else(|| fast_chacha::ours(id))
        .unwrap_or(suite)
}

/// Every suite the default provider offers, in *ring*'s `ALL_CIPHER_SUITES` order, all of
/// them ours: none of *ring*'s AEAD suite statics is named outside tests, so none of its
/// AEAD code is linked (docs/size.md).
pub fn default_suites() -> Vec<SupportedCipherSuite> {
    vec![
        fast_gcm::TLS13_AES_256_GCM_SHA384,
        fast_gcm::TLS13_AES_128_GCM_SHA256,
        fast_chacha::TLS13_CHACHA20_POLY1305_SHA256,
        fast_gcm::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        fast_gcm::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        fast_chacha::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        fast_gcm::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        fast_gcm::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        fast_chacha::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
    ]
}

/// A provider offering `suites` (*ring*'s, in the caller's order) and `groups` (*ring*'s, or
/// all of them for `None`), implemented by the active crypto.
pub fn provider(
    suites: Vec<SupportedCipherSuite>,
    groups: Option<&[&'static dyn SupportedKxGroup]>,
) -> Arc<CryptoProvider> {
    let mut provider = ring_provider::default();
    match active() {
        None => {
            // Records sealed by our kernels instead of *ring* (AES-GCM about twice as fast in
            // wasm, docs/wasm-aes.md); the same suites in the same order.
            provider.cipher_suites = suites.into_iter().map(substitute).collect();
            if let Some(groups) = groups {
                provider.kx_groups = groups.to_vec();
            }
        }
        Some(host) => {
            provider.cipher_suites = suites
                .into_iter()
                .map(|s| {
                    if host.families().aead {
                        host.suite(s)
                    } else {
                        substitute(s)
                    }
                })
                .collect();
            provider.kx_groups = match groups {
                Some(groups) => groups.iter().map(|g| host.group(*g)).collect(),
                None => host.groups().to_vec(),
            };
            provider.signature_verification_algorithms = host.verify_algorithms();
        }
    }
    Arc::new(provider)
}
