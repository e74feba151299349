//! Trust anchors: the certificates a Context was told to trust, and the bundled Mozilla root
//! set that stands in for a platform store (there is none in wasm).

use std::sync::{Arc, OnceLock};

use rustls::RootCertStore;
use rustls_pki_types::CertificateDer;

use crate::ssl::error::{Error, Result};

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

    /// The parsed store; a verifying client with nothing loaded falls back to Mozilla's roots.
    pub fn root_store(&self, fallback_to_mozilla: bool) -> Arc<RootCertStore> {
        if fallback_to_mozilla && self.is_empty() {
            return mozilla_store();
        }
        self.store
            .get_or_init(|| {
                let mut store = RootCertStore::empty();
                for cert in &self.anchors {
                    if let Ok(anchor) = webpki::anchor_from_trusted_cert(cert) {
                        store.roots.push(anchor.to_owned());
                    }
                }
                if self.mozilla {
                    store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
                }
                Arc::new(store)
            })
            .clone()
    }

    pub fn is_anchor(&self, cert: &CertificateDer<'_>) -> bool {
        self.anchors.iter().any(|a| a.as_ref() == cert.as_ref())
    }
}

/// Parsed once per instance: about 150 anchors that every default client would otherwise copy.
fn mozilla_store() -> Arc<RootCertStore> {
    static MOZILLA: OnceLock<Arc<RootCertStore>> = OnceLock::new();
    MOZILLA
        .get_or_init(|| {
            let mut store = RootCertStore::empty();
            store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            Arc::new(store)
        })
        .clone()
}
