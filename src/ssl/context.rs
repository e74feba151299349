//! A Context's settings, and the snapshot every Connection takes of them when it is created.
//!
//! Settings are plain values (cheap `Arc` clones for the heavy parts), so "a Connection keeps
//! the settings it was created with" is just `settings.clone()`, and no setter ever has to
//! refuse because a Context is in use. What must stay shared between connections (session
//! caches) lives behind `Arc`s that every snapshot points at.

use std::sync::Arc;

use rustls::crypto::SupportedKxGroup;
use rustls::server::ServerSessionMemoryCache;
use rustls::{DistinguishedName, SupportedCipherSuite};
use rustls_pki_types::CertificateDer;

use crate::ssl::cipher_list;
use crate::ssl::constants::{method, op, sess_cache, verify, version};
use crate::ssl::error::{Error, Result};
use crate::ssl::pem;
use crate::ssl::pkey::PKey;
use crate::ssl::roots::TrustStore;
use crate::ssl::x509::X509;

/// Which end of the handshake a connection plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Client,
    Server,
}

/// Caches shared by every connection made from one Context, as OpenSSL's `SSL_CTX` shares them.
#[derive(Debug)]
pub struct Shared {
    pub server_sessions: Arc<ServerSessionMemoryCache>,
}

/// The sessions a server keeps: OpenSSL's default is far larger, but each entry holds secrets
/// and a page or test harness rarely serves many clients at once.
const SESSION_CACHE_SIZE: usize = 256;

/// pyOpenSSL's default session timeout, in seconds.
const DEFAULT_TIMEOUT: u32 = 300;

/// OpenSSL limits the session-id context to 32 bytes (`SSL_MAX_SID_CTX_LENGTH`).
const MAX_SESSION_ID_CONTEXT: usize = 32;

#[derive(Debug, Clone)]
pub struct Settings {
    pub method: u32,
    pub options: u32,
    pub mode: u32,
    pub min_version: u32,
    pub max_version: u32,
    /// The leaf first, then the chain sent after it.
    pub chain: Vec<CertificateDer<'static>>,
    pub key: Option<PKey>,
    pub trust: Arc<TrustStore>,
    /// `None` until `setVerify` was called: a client then verifies anyway (API.md §5).
    pub verify_mode: Option<u32>,
    pub verify_depth: Option<u32>,
    pub alpn: Vec<Vec<u8>>,
    pub tls12_suites: Option<Vec<SupportedCipherSuite>>,
    pub tls13_suites: Option<Vec<SupportedCipherSuite>>,
    pub groups: Option<Vec<&'static dyn SupportedKxGroup>>,
    pub client_ca_names: Vec<DistinguishedName>,
    pub session_cache_mode: u32,
    pub session_id_context: Vec<u8>,
    pub timeout: u32,
    pub shared: Arc<Shared>,
    /// The user's verify callback, opaque to the core: the binding binds it to each
    /// Connection (as a `VerifyHook`) when the Connection takes its snapshot.
    pub verify_callback: Option<Arc<dyn std::any::Any + Send + Sync>>,
    /// Server callbacks that run on the ClientHello, opaque likewise.
    pub alpn_select_callback: Option<Arc<dyn std::any::Any + Send + Sync>>,
    pub servername_callback: Option<Arc<dyn std::any::Any + Send + Sync>>,
    /// `setKeylogCallback` and `setInfoCallback`, opaque likewise.
    pub keylog_callback: Option<Arc<dyn std::any::Any + Send + Sync>>,
    pub info_callback: Option<Arc<dyn std::any::Any + Send + Sync>>,
}

impl Settings {
    /// The role a method forces, if any.
    pub fn forced_role(&self) -> Option<Role> {
        match self.method {
            method::TLS_CLIENT => Some(Role::Client),
            method::TLS_SERVER => Some(Role::Server),
            _ => None,
        }
    }

    /// The verify mode as OpenSSL would report it.
    pub fn reported_verify_mode(&self) -> u32 {
        self.verify_mode.unwrap_or(if self.method == method::TLS_CLIENT {
            verify::PEER
        } else {
            verify::NONE
        })
    }

    /// Whether a failed verification aborts the handshake in `role`. A client verifies unless
    /// `setVerify(VERIFY_NONE)` was said explicitly.
    pub fn enforces_verification(&self, role: Role) -> bool {
        match (role, self.verify_mode) {
            (Role::Client, None) => true,
            (_, Some(mode)) => mode & verify::PEER != 0,
            (Role::Server, None) => false,
        }
    }

    pub fn ignores_unexpected_eof(&self) -> bool {
        self.options & op::IGNORE_UNEXPECTED_EOF != 0
    }

    /// The protocol versions left after the method, the options and the min/max bounds.
    pub fn versions(&self) -> Result<Vec<&'static rustls::SupportedProtocolVersion>> {
        let mut out = Vec::new();
        let allowed = |v: u32| {
            (self.min_version == 0 || v >= self.min_version)
                && (self.max_version == 0 || v <= self.max_version)
        };
        if self.method != method::TLSV1_2 && self.options & op::NO_TLSV1_3 == 0 && allowed(version::TLS1_3) {
            out.push(&rustls::version::TLS13);
        }
        if self.options & op::NO_TLSV1_2 == 0 && allowed(version::TLS1_2) {
            out.push(&rustls::version::TLS12);
        }
        if out.is_empty() {
            return Err(Error::UnsupportedProtocol);
        }
        Ok(out)
    }

    /// The suites offered: TLS 1.3 first, each list as set or this build's default order.
    pub fn cipher_suites(&self) -> Vec<SupportedCipherSuite> {
        let mut suites = self
            .tls13_suites
            .clone()
            .unwrap_or_else(cipher_list::default_tls13);
        suites.extend(
            self.tls12_suites
                .clone()
                .unwrap_or_else(cipher_list::default_tls12),
        );
        suites
    }

    /// The certificate and key, checked against each other.
    pub fn identity(&self) -> Option<(&[CertificateDer<'static>], &PKey)> {
        match (&self.key, self.chain.is_empty()) {
            (Some(key), false) => Some((&self.chain, key)),
            _ => None,
        }
    }

    pub fn set_certificate(&mut self, cert: X509) -> Result<()> {
        if let Some(key) = &self.key {
            check_pair(cert.der(), key)?;
        }
        let extra = self.chain.get(1..).map(<[_]>::to_vec).unwrap_or_default();
        self.chain = std::iter::once(cert.der().clone()).chain(extra).collect();
        Ok(())
    }

    pub fn set_certificate_chain(&mut self, certs: Vec<CertificateDer<'static>>) -> Result<()> {
        let Some(leaf) = certs.first() else {
            return Err(Error::pem("no certificate found (no start line)"));
        };
        for cert in &certs {
            X509::from_der(cert.as_ref())?;
        }
        if let Some(key) = &self.key {
            check_pair(leaf, key)?;
        }
        self.chain = certs;
        Ok(())
    }

    pub fn add_extra_chain_cert(&mut self, cert: X509) -> Result<()> {
        if self.chain.is_empty() {
            // OpenSSL keeps extra certificates apart from the leaf; here they wait for it.
            return Err(Error::ssl(
                "no certificate assigned: call useCertificate() before addExtraChainCert()",
            ));
        }
        self.chain.push(cert.der().clone());
        Ok(())
    }

    pub fn set_private_key(&mut self, key: PKey) -> Result<()> {
        key.check_usable()?;
        if let Some(leaf) = self.chain.first() {
            check_pair(leaf, &key)?;
        }
        self.key = Some(key);
        Ok(())
    }

    pub fn check_private_key(&self) -> Result<()> {
        match (self.chain.first(), &self.key) {
            (None, _) => Err(Error::ssl("no certificate assigned")),
            (_, None) => Err(Error::ssl("no private key assigned")),
            (Some(leaf), Some(key)) => check_pair(leaf, key),
        }
    }

    pub fn set_verify(&mut self, mode: u32) -> Result<()> {
        let known = verify::PEER | verify::FAIL_IF_NO_PEER_CERT | verify::CLIENT_ONCE;
        if mode & !known != 0 {
            return Err(Error::Range(format!(
                "unknown verify mode bits: {:#x}",
                mode & !known
            )));
        }
        self.verify_mode = Some(mode);
        Ok(())
    }

    pub fn set_alpn_protos(&mut self, protos: Vec<Vec<u8>>) -> Result<()> {
        if protos.is_empty() {
            return Err(Error::Range("ALPN protocol list must not be empty".into()));
        }
        if let Some(bad) = protos.iter().find(|p| p.is_empty() || p.len() > 255) {
            return Err(Error::Range(format!(
                "an ALPN protocol name must be 1 to 255 bytes long, not {}",
                bad.len()
            )));
        }
        self.alpn = protos;
        Ok(())
    }
}

/// Whether `key` is the private half of `cert`'s public key.
fn check_pair(cert: &CertificateDer<'_>, key: &PKey) -> Result<()> {
    let cert = X509::from_der(cert.as_ref())?;
    let public = key.public_key_spki()?;
    if public != cert.public_key_der() {
        return Err(Error::x509("key values mismatch"));
    }
    Ok(())
}

/// `SSL_CTX`: the settings new Connections start from.
#[derive(Debug, Clone)]
pub struct Context {
    pub settings: Settings,
}

impl Context {
    pub fn new(method_number: u32) -> Result<Self> {
        match method_number {
            method::SSLV2 | method::SSLV3 | method::TLSV1 | method::TLSV1_1 => {
                return Err(Error::UnsupportedProtocol)
            }
            method::SSLV23 | method::TLSV1_2 | method::TLS | method::TLS_SERVER | method::TLS_CLIENT => {}
            other => return Err(Error::Range(format!("no such protocol method: {other}"))),
        }
        Ok(Self {
            settings: Settings {
                method: method_number,
                options: 0,
                mode: 0,
                min_version: 0,
                max_version: 0,
                chain: Vec::new(),
                key: None,
                trust: Arc::new(TrustStore::default()),
                verify_mode: None,
                verify_depth: None,
                alpn: Vec::new(),
                tls12_suites: None,
                tls13_suites: None,
                groups: None,
                client_ca_names: Vec::new(),
                session_cache_mode: sess_cache::SERVER,
                session_id_context: Vec::new(),
                timeout: DEFAULT_TIMEOUT,
                verify_callback: None,
                alpn_select_callback: None,
                servername_callback: None,
                keylog_callback: None,
                info_callback: None,
                shared: Arc::new(Shared {
                    server_sessions: ServerSessionMemoryCache::new(SESSION_CACHE_SIZE),
                }),
            },
        })
    }

    pub fn snapshot(&self) -> Settings {
        self.settings.clone()
    }

    pub fn set_options(&mut self, mask: u32) -> u32 {
        self.settings.options |= mask;
        self.settings.options
    }

    pub fn set_mode(&mut self, mask: u32) -> u32 {
        self.settings.mode |= mask;
        self.settings.mode
    }

    pub fn set_min_proto_version(&mut self, v: u32) -> Result<()> {
        self.settings.min_version = check_version(v)?;
        Ok(())
    }

    pub fn set_max_proto_version(&mut self, v: u32) -> Result<()> {
        self.settings.max_version = check_version(v)?;
        Ok(())
    }

    /// Trusts every certificate in `data` (PEM bundle or one DER certificate).
    pub fn load_verify_data(&mut self, data: &[u8]) -> Result<()> {
        let certs = pem::certificates(data)?;
        self.add_trust(certs)
    }

    pub fn add_trust(&mut self, certs: Vec<CertificateDer<'static>>) -> Result<()> {
        self.settings.trust = Arc::new(self.settings.trust.with_anchors(certs)?);
        Ok(())
    }

    pub fn set_default_verify_paths(&mut self) {
        self.settings.trust = Arc::new(self.settings.trust.with_mozilla());
    }

    pub fn set_cipher_list(&mut self, spec: &str) -> Result<()> {
        self.settings.tls12_suites = Some(cipher_list::tls12_suites(spec)?);
        Ok(())
    }

    pub fn set_tls13_ciphersuites(&mut self, spec: &str) -> Result<()> {
        self.settings.tls13_suites = Some(cipher_list::tls13_suites(spec)?);
        Ok(())
    }

    pub fn set_groups(&mut self, spec: &str) -> Result<()> {
        self.settings.groups = Some(cipher_list::groups(spec)?);
        Ok(())
    }

    pub fn set_session_id(&mut self, id: &[u8]) -> Result<()> {
        if id.len() > MAX_SESSION_ID_CONTEXT {
            return Err(Error::ssl("ssl session id context too long"));
        }
        self.settings.session_id_context = id.to_vec();
        Ok(())
    }

    pub fn set_session_cache_mode(&mut self, mode: u32) -> u32 {
        std::mem::replace(&mut self.settings.session_cache_mode, mode)
    }

    pub fn set_timeout(&mut self, seconds: u32) -> u32 {
        std::mem::replace(&mut self.settings.timeout, seconds)
    }

    pub fn add_client_ca(&mut self, subject_der: Vec<u8>) {
        self.settings
            .client_ca_names
            .push(DistinguishedName::from(subject_der));
    }

    pub fn set_client_ca_list(&mut self, subjects: Vec<Vec<u8>>) {
        self.settings.client_ca_names = subjects.into_iter().map(DistinguishedName::from).collect();
    }
}

/// 0 means "no bound"; SSL 3.0 … TLS 1.3 are OpenSSL's known versions. Bounds below TLS 1.2
/// are kept (a max of TLS 1.1 then fails the handshake with "unsupported protocol").
fn check_version(v: u32) -> Result<u32> {
    match v {
        0 | version::SSL3..=version::TLS1_3 => Ok(v),
        other => Err(Error::Range(format!("unknown protocol version: {other:#x}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obsolete_methods_are_unsupported_protocols() {
        for m in [method::SSLV2, method::SSLV3, method::TLSV1, method::TLSV1_1] {
            assert_eq!(Context::new(m).err(), Some(Error::UnsupportedProtocol));
        }
        assert!(matches!(Context::new(13), Err(Error::Range(_))));
    }

    #[test]
    fn versions_follow_method_options_and_bounds() {
        let mut ctx = Context::new(method::TLS).unwrap();
        assert_eq!(ctx.settings.versions().unwrap().len(), 2);
        ctx.set_options(op::NO_TLSV1_3);
        assert_eq!(ctx.settings.versions().unwrap(), vec![&rustls::version::TLS12]);
        let pinned = Context::new(method::TLSV1_2).unwrap();
        assert_eq!(pinned.settings.versions().unwrap(), vec![&rustls::version::TLS12]);
        let mut old = Context::new(method::TLS).unwrap();
        old.set_max_proto_version(version::TLS1_1).unwrap();
        assert_eq!(old.settings.versions().err(), Some(Error::UnsupportedProtocol));
    }

    #[test]
    fn clients_verify_unless_told_not_to() {
        let generic = Context::new(method::TLS).unwrap();
        assert_eq!(generic.settings.reported_verify_mode(), verify::NONE);
        assert!(generic.settings.enforces_verification(Role::Client));
        assert!(!generic.settings.enforces_verification(Role::Server));
        let mut off = Context::new(method::TLS_CLIENT).unwrap();
        assert_eq!(off.settings.reported_verify_mode(), verify::PEER);
        off.settings.set_verify(verify::NONE).unwrap();
        assert!(!off.settings.enforces_verification(Role::Client));
    }

    #[test]
    fn options_stay_unsigned() {
        let mut ctx = Context::new(method::TLS).unwrap();
        assert_eq!(ctx.set_options(0x8000_0850), 0x8000_0850);
    }
}
