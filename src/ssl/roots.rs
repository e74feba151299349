//! Trust anchors: the certificates a Context was told to trust, and the bundled Mozilla root
//! set that stands in for a platform store (there is none in wasm).
//!
//! The bundled set is not compiled into the wasm: its 54 KB of subjects and public keys hardly
//! compress, and a server, or a client that brings its own CA, never needs them. They ship
//! beside it as a module of their own (`pkg/web/roots.js`, written by `examples/roots_js.rs`
//! from `webpki-roots`), which the binding loads the first time a connection is about to use
//! them ([`TrustStore::needs_bundled`]) and hands over with [`install_bundled`].

use std::sync::{Arc, OnceLock};

use rustls::RootCertStore;
use rustls_pki_types::{CertificateDer, Der, TrustAnchor};

use crate::ssl::error::{Error, Result};

/// The bundled roots, once installed; never replaced afterwards, so every connection of the
/// instance sees the same set.
static BUNDLED: OnceLock<Arc<RootCertStore>> = OnceLock::new();

/// Whether the bundled roots have been installed in this instance.
pub fn bundled_installed() -> bool {
    BUNDLED.get().is_some()
}

/// Installs the bundled roots from their serialised form ([`encode_anchors`]). A second call
/// keeps the first set: trust must not change under connections already made.
pub fn install_bundled(blob: &[u8]) -> Result<()> {
    if bundled_installed() {
        return Ok(());
    }
    let _ = BUNDLED.set(Arc::new(bundled_store(blob)?));
    Ok(())
}

/// The store [`install_bundled`] installs; an empty set is refused, as a damaged file.
fn bundled_store(blob: &[u8]) -> Result<RootCertStore> {
    let anchors = decode_anchors(blob)?;
    if anchors.is_empty() {
        return Err(Error::x509("the bundled root set is empty"));
    }
    Ok(RootCertStore { roots: anchors })
}

/// The trust anchors as one byte string: for each, the subject, the SubjectPublicKeyInfo and
/// the name constraints (empty when there are none), each preceded by its length as two bytes,
/// big-endian. webpki only needs these three fields, and this keeps them a third the size of
/// the certificates they come from.
pub fn encode_anchors(anchors: &[TrustAnchor<'_>]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    for a in anchors {
        let nc: &[u8] = a.name_constraints.as_ref().map_or(&[], |n| n.as_ref());
        for field in [a.subject.as_ref(), a.subject_public_key_info.as_ref(), nc] {
            let len = u16::try_from(field.len())
                .map_err(|_| Error::x509("trust anchor field longer than 65535 bytes"))?;
            out.extend_from_slice(&len.to_be_bytes());
            out.extend_from_slice(field);
        }
    }
    Ok(out)
}

/// The inverse of [`encode_anchors`]. A truncated or empty field is an error: the blob is
/// read from a file beside the wasm, which a broken install or a proxy can damage.
pub fn decode_anchors(mut blob: &[u8]) -> Result<Vec<TrustAnchor<'static>>> {
    fn field<'a>(rest: &mut &'a [u8]) -> Result<&'a [u8]> {
        let damaged = || Error::x509("the bundled root set is damaged (truncated field)");
        let (len, tail) = rest.split_first_chunk::<2>().ok_or_else(damaged)?;
        let len = usize::from(u16::from_be_bytes(*len));
        let (value, tail) = tail.split_at_checked(len).ok_or_else(damaged)?;
        *rest = tail;
        Ok(value)
    }
    let mut anchors = Vec::new();
    while !blob.is_empty() {
        let subject = field(&mut blob)?;
        let spki = field(&mut blob)?;
        let nc = field(&mut blob)?;
        if subject.is_empty() || spki.is_empty() {
            return Err(Error::x509(
                "the bundled root set is damaged (empty subject or key)",
            ));
        }
        anchors.push(TrustAnchor {
            subject: Der::from(subject.to_vec()),
            subject_public_key_info: Der::from(spki.to_vec()),
            name_constraints: (!nc.is_empty()).then(|| Der::from(nc.to_vec())),
        });
    }
    Ok(anchors)
}

/// What a Context trusts. Immutable once shared: setters build a new one (copy on write), so
/// a Connection's snapshot never changes under it and the parsed store is built once.
#[derive(Debug, Default)]
pub struct TrustStore {
    /// The loaded anchors as certificates: kept whole so a peer leaf byte-identical to one of
    /// them can be accepted (pinning a self-signed server, as OpenSSL allows).
    pub anchors: Vec<CertificateDer<'static>>,
    /// `setDefaultVerifyPaths()` was called.
    pub mozilla: bool,
    store: OnceLock<Arc<RootCertStore>>,
}

impl Clone for TrustStore {
    fn clone(&self) -> Self {
        Self {
            anchors: self.anchors.clone(),
            mozilla: self.mozilla,
            store: OnceLock::new(),
        }
    }
}

impl TrustStore {
    /// Adds certificates as anchors; each must parse as a trust anchor.
    pub fn with_anchors(&self, certs: Vec<CertificateDer<'static>>) -> Result<Self> {
        let mut next = self.clone();
        for cert in certs {
            webpki::anchor_from_trusted_cert(&cert)
                .map_err(|e| Error::x509(format!("cannot use certificate as a trust anchor: {e}")))?;
            if !next.anchors.contains(&cert) {
                next.anchors.push(cert);
            }
        }
        Ok(next)
    }

    pub fn with_mozilla(&self) -> Self {
        let mut next = self.clone();
        next.mozilla = true;
        next
    }

    pub fn is_empty(&self) -> bool {
        self.anchors.is_empty() && !self.mozilla
    }

    /// Whether this trust uses the bundled roots and they are not installed yet: the binding
    /// loads them before the connection goes on.
    pub fn needs_bundled(&self, fallback_to_mozilla: bool) -> bool {
        self.uses_bundled(fallback_to_mozilla) && !bundled_installed()
    }

    /// Whether this trust includes the bundled roots: `setDefaultVerifyPaths()`, or a client
    /// with nothing loaded.
    pub fn uses_bundled(&self, fallback_to_mozilla: bool) -> bool {
        self.mozilla || (fallback_to_mozilla && self.is_empty())
    }

    /// The parsed store; a verifying client with nothing loaded falls back to Mozilla's roots.
    /// Were the bundled roots not installed yet, they would be missing from it and
    /// verification fail closed (unable to get local issuer certificate), never open; such a
    /// store is not kept, so a later call sees them.
    pub fn root_store(&self, fallback_to_mozilla: bool) -> Arc<RootCertStore> {
        self.root_store_with(fallback_to_mozilla, BUNDLED.get())
    }

    fn root_store_with(
        &self,
        fallback_to_mozilla: bool,
        bundled: Option<&Arc<RootCertStore>>,
    ) -> Arc<RootCertStore> {
        if fallback_to_mozilla && self.is_empty() {
            return bundled
                .cloned()
                .unwrap_or_else(|| Arc::new(RootCertStore::empty()));
        }
        let build = || {
            let mut store = RootCertStore::empty();
            for cert in &self.anchors {
                if let Ok(anchor) = webpki::anchor_from_trusted_cert(cert) {
                    store.roots.push(anchor.to_owned());
                }
            }
            if self.mozilla {
                if let Some(b) = bundled {
                    store.roots.extend(b.roots.iter().cloned());
                }
            }
            Arc::new(store)
        };
        if self.mozilla && bundled.is_none() {
            return build();
        }
        self.store.get_or_init(build).clone()
    }

    pub fn is_anchor(&self, cert: &CertificateDer<'_>) -> bool {
        self.anchors.iter().any(|a| a.as_ref() == cert.as_ref())
    }
}

#[cfg(test)]
pub(crate) fn install_bundled_for_tests() {
    if let Ok(blob) = encode_anchors(webpki_roots::TLS_SERVER_ROOTS) {
        let _ = install_bundled(&blob);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_serialised_set_is_webpki_roots_exactly() {
        let blob = encode_anchors(webpki_roots::TLS_SERVER_ROOTS).unwrap();
        let back = decode_anchors(&blob).unwrap();
        assert_eq!(back.len(), webpki_roots::TLS_SERVER_ROOTS.len());
        for (a, b) in back.iter().zip(webpki_roots::TLS_SERVER_ROOTS) {
            assert_eq!(a.subject.as_ref(), b.subject.as_ref());
            assert_eq!(
                a.subject_public_key_info.as_ref(),
                b.subject_public_key_info.as_ref()
            );
            assert_eq!(
                a.name_constraints.as_ref().map(|n| n.as_ref()),
                b.name_constraints.as_ref().map(|n| n.as_ref())
            );
        }
        assert!(
            back.iter().any(|a| a.name_constraints.is_some()),
            "constrained roots survive"
        );
    }

    #[test]
    fn every_truncation_and_flipped_length_is_an_error_or_a_parse_never_a_panic() {
        let blob = encode_anchors(&webpki_roots::TLS_SERVER_ROOTS[..3]).unwrap();
        for cut in 0..blob.len() {
            // Only a cut exactly between anchors can parse, and then to fewer anchors that
            // are exactly what the prefix holds.
            if let Ok(a) = decode_anchors(&blob[..cut]) {
                assert!(a.len() < 3);
                assert_eq!(encode_anchors(&a).unwrap(), &blob[..cut]);
            }
        }
        // A flipped byte is an error or a reading of exactly those bytes: nothing is skipped
        // or invented.
        for i in 0..blob.len() {
            let mut b = blob.clone();
            b[i] ^= 0xff;
            if let Ok(a) = decode_anchors(&b) {
                assert_eq!(encode_anchors(&a).unwrap(), b, "flip at {i}");
            }
        }
        assert!(decode_anchors(&[0, 5, 1]).is_err());
        assert!(decode_anchors(&[0, 0, 0, 1, 1, 0, 0]).is_err(), "empty subject");
    }

    #[test]
    fn a_store_built_before_the_roots_arrive_fails_closed_and_is_not_kept() {
        let ca = crate::ssl::pem::certificates(include_bytes!("../../js-tests/fixtures/ca.pem"))
            .unwrap()
            .remove(0);
        let trust = TrustStore::default()
            .with_anchors(vec![ca])
            .unwrap()
            .with_mozilla();
        assert_eq!(
            trust.root_store_with(false, None).roots.len(),
            1,
            "only its own anchor"
        );
        let bundled = Arc::new(RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        });
        assert_eq!(
            trust.root_store_with(false, Some(&bundled)).roots.len(),
            webpki_roots::TLS_SERVER_ROOTS.len() + 1,
            "the store made without the roots was not kept"
        );
        assert!(TrustStore::default().root_store_with(true, None).roots.is_empty());
        assert!(TrustStore::default().needs_bundled(true) || bundled_installed());
        assert!(!TrustStore::default().needs_bundled(false));

        let trust = TrustStore::default().with_mozilla();
        install_bundled_for_tests();
        assert!(!trust.needs_bundled(true));
        assert_eq!(
            trust.root_store(false).roots.len(),
            webpki_roots::TLS_SERVER_ROOTS.len()
        );
        assert_eq!(
            TrustStore::default().root_store(true).roots.len(),
            webpki_roots::TLS_SERVER_ROOTS.len()
        );
        assert!(TrustStore::default().root_store(false).roots.is_empty());
    }

    #[test]
    fn an_empty_set_is_refused() {
        assert!(decode_anchors(&[]).unwrap().is_empty());
        assert!(bundled_store(&[]).is_err());
        assert!(bundled_store(&encode_anchors(webpki_roots::TLS_SERVER_ROOTS).unwrap()).is_ok());
    }
}
