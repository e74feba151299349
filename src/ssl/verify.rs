//! Certificate verification with OpenSSL's outcomes. `chain` builds the chain as OpenSSL does
//! and finds every error on it; this module adds the host name and rustls-webpki's second
//! opinion, puts each error before the verify callback (API.md §5), and decides by the verify
//! mode. What it stores is what pyOpenSSL users read back: the `X509_V_*` code, its depth and
//! why, and the verified chain.
//!
//! Why custom verifiers rather than rustls's `WebPkiServerVerifier`: OpenSSL reports a result
//! code even when it was told not to enforce it (`VERIFY_NONE`), accepts a pinned self-signed
//! leaf, limits chain depth, tells "expired" from "untrusted" by number, and asks its callback
//! about every error at every depth. None of that is visible through the stock verifier.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::ssl::chain::{self, Examined, Found, Phase};
use crate::ssl::verify_code::VerifyCode;
use crate::ssl::words;
use crate::ssl::x509::X509;

/// What the last verification found, shared between the verifier (inside rustls) and the
/// Connection that reports it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// `None` until a certificate was examined.
    pub code: Option<VerifyCode>,
    pub depth: u32,
    /// Why, in words, when OpenSSL's reason alone would not tell the user what to do.
    pub detail: String,
    /// Leaf first, anchor last, when a path was built.
    pub verified_chain: Vec<CertificateDer<'static>>,
    /// What the peer sent, leaf first. rustls keeps the peer's certificates only when they
    /// were accepted; OpenSSL (and a user reading why a handshake failed) still has them.
    pub presented: Vec<CertificateDer<'static>>,
}

pub type SharedOutcome = Arc<Mutex<Outcome>>;

/// Locks without panicking: a poisoned lock only means an earlier panic, and the data is
/// still a plain value.
pub fn read_outcome(shared: &SharedOutcome) -> Outcome {
    match shared.lock() {
        Ok(g) => g.clone(),
        Err(p) => p.into_inner().clone(),
    }
}

fn store_outcome(shared: &SharedOutcome, outcome: Outcome) {
    match shared.lock() {
        Ok(mut g) => *g = outcome,
        Err(p) => *p.into_inner() = outcome,
    }
}

/// The verification policy of one connection.
#[derive(Debug)]
pub struct Policy {
    pub roots: Arc<RootCertStore>,
    /// Loaded anchors, compared byte for byte with the peer's leaf (pinning).
    pub pinned: Vec<CertificateDer<'static>>,
    /// At most this many intermediates (OpenSSL's `set_verify_depth`).
    pub max_depth: Option<u32>,
    /// Whether a failure aborts the handshake (`VERIFY_PEER`), or is only reported.
    pub enforce: bool,
    pub algorithms: WebPkiSupportedAlgorithms,
    pub outcome: SharedOutcome,
    /// The user's verify callback, bound to its connection.
    pub hook: Option<Arc<dyn VerifyHook>>,
}

/// OpenSSL's verify callback, as the core sees it (API.md §5): for each certificate of the
/// built chain, deepest first, once with `ok == false` for every error found there, then once
/// with `ok == true`. `Err(CallbackRaised)` means the callback threw, or answered with
/// something other than a boolean; the binding keeps what it threw (or the `TypeError`).
pub trait VerifyHook: Send + Sync + std::fmt::Debug {
    fn call(
        &self,
        cert: &CertificateDer<'_>,
        errno: i32,
        depth: u32,
        ok: bool,
    ) -> Result<bool, CallbackRaised>;
}

/// "The verify callback raised": carried out of rustls as a typed error
/// (`rustls::Error::Other`) and recognised with [`is_callback_raised`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackRaised;

impl std::fmt::Display for CallbackRaised {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the verify callback raised an exception")
    }
}

impl std::error::Error for CallbackRaised {}

impl From<CallbackRaised> for rustls::Error {
    fn from(e: CallbackRaised) -> Self {
        rustls::Error::Other(rustls::OtherError(Arc::new(e)))
    }
}

/// Whether a rustls error is the verify callback's exception coming back out.
pub fn is_callback_raised(e: &rustls::Error) -> bool {
    matches!(e, rustls::Error::Other(o) if o.0.downcast_ref::<CallbackRaised>().is_some())
}

/// Puts the errors before the callback (or, without one, lets the first decide), stores
/// what `getVerifyResult()` reports, and says whether the handshake goes on.
///
/// `getVerifyResult()` is the first error not overridden. Returning `false` ends the
/// verification there, as in OpenSSL, whether or not it is enforced; with `VERIFY_NONE` the
/// handshake then goes on and the error is only reported.
fn decide(
    policy: &Policy,
    presented: Vec<CertificateDer<'static>>,
    examined: Examined,
) -> Result<(), rustls::Error> {
    let chain: Vec<Option<CertificateDer<'static>>> = examined
        .chain
        .into_iter()
        .map(|c| c.map(CertificateDer::from))
        .collect();
    let mut outcome = Outcome {
        presented,
        ..Outcome::default()
    };
    let mut standing: Option<Found> = None;
    match &policy.hook {
        None => standing = examined.errors.first().cloned(),
        Some(hook) => {
            'chain: for (depth, cert) in chain.iter().enumerate().rev() {
                let depth = u32::try_from(depth).unwrap_or(u32::MAX);
                let here = examined.errors.iter().filter(|f| f.depth == depth);
                let Some(cert) = cert else {
                    // A bundled root known by name and key only: nothing to show the
                    // callback. No check reports an error there; if one did, it stands.
                    if let Some(f) = here.clone().next() {
                        standing = Some(f.clone());
                        break 'chain;
                    }
                    continue;
                };
                let mut last = VerifyCode::OK;
                for found in here {
                    last = found.code;
                    match hook.call(cert, found.code.0, depth, false) {
                        Ok(true) => {}
                        Ok(false) => {
                            standing = Some(found.clone());
                            break 'chain;
                        }
                        Err(raised) => {
                            outcome.set(Some(found));
                            store_outcome(&policy.outcome, outcome);
                            return Err(raised.into());
                        }
                    }
                }
                match hook.call(cert, last.0, depth, true) {
                    Ok(true) => {}
                    Ok(false) => {
                        standing = Some(Found {
                            depth,
                            code: VerifyCode::ERR_APPLICATION_VERIFICATION,
                            phase: Phase::Webpki,
                            detail: format!("rejected by the verify callback at depth {depth}"),
                        });
                        break 'chain;
                    }
                    Err(raised) => {
                        outcome.set(None);
                        store_outcome(&policy.outcome, outcome);
                        return Err(raised.into());
                    }
                }
            }
        }
    }
    outcome.set(standing.as_ref());
    if standing.is_none() {
        outcome.verified_chain = chain.into_iter().flatten().collect();
    }
    store_outcome(&policy.outcome, outcome);
    match standing {
        Some(f) if policy.enforce => Err(rustls_error(f.code)),
        _ => Ok(()),
    }
}

impl Outcome {
    fn set(&mut self, found: Option<&Found>) {
        match found {
            Some(f) => {
                self.code = Some(f.code);
                self.depth = f.depth;
                self.detail = f.detail.clone();
            }
            None => {
                self.code = Some(VerifyCode::OK);
                self.depth = 0;
                self.detail = String::new();
            }
        }
    }
}

/// Whose certificate is being judged: a server's (name checked) or a client's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Server,
    Client,
}

/// Builds the chain as OpenSSL does and finds every error on it, the host name's included;
/// when none was found, rustls-webpki's own verdict is asked too, so that nothing webpki
/// refuses passes unless the callback overrode a reported error.
fn evaluate(
    policy: &Policy,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    purpose: Purpose,
    name: Option<&ServerName<'_>>,
    now: UnixTime,
) -> Examined {
    let now_secs = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    let intermediates_der: Vec<&[u8]> = intermediates.iter().map(|c| c.as_ref()).collect();
    let anchor_certs: Vec<&[u8]> = policy.pinned.iter().map(|c| c.as_ref()).collect();
    let inputs = chain::Inputs {
        leaf: end_entity.as_ref(),
        intermediates: &intermediates_der,
        anchors: &policy.roots.roots,
        anchor_certs: &anchor_certs,
        purpose,
        max_depth: policy.max_depth,
        now: now_secs,
    };
    let mut examined = match chain::examine(&inputs) {
        Ok(e) => e,
        Err(why) => {
            return Examined {
                chain: vec![Some(end_entity.as_ref().to_vec())],
                errors: vec![Found {
                    depth: 0,
                    code: VerifyCode::ERR_UNSPECIFIED,
                    phase: Phase::Build,
                    detail: why,
                }],
            }
        }
    };
    for (code, detail) in host_faults(end_entity, intermediates, purpose, name, now) {
        // Why webpki cannot read the leaf was usually found already (e.g. 34): once is enough.
        if examined.errors.iter().any(|f| f.depth == 0 && f.code == code) {
            continue;
        }
        examined.errors.push(Found {
            depth: 0,
            code,
            phase: Phase::Host,
            detail,
        });
    }
    let pinned = examined.chain.len() == 1 && policy.pinned.iter().any(|p| p.as_ref() == end_entity.as_ref());
    if examined.errors.is_empty() && !pinned {
        if let Err(e) = webpki_verdict(policy, end_entity, intermediates, purpose, now) {
            let (code, depth) = map_webpki_error(&e, end_entity, intermediates, now);
            let top = u32::try_from(examined.chain.len().saturating_sub(1)).unwrap_or(u32::MAX);
            examined.errors.push(Found {
                depth: depth.min(top),
                code,
                phase: Phase::Webpki,
                detail: format!("rustls-webpki refuses the chain: {}", words::webpki_words(&e)),
            });
        }
    }
    examined.sort();
    examined
}

/// The host name (or IP address) at depth 0; a verifying client without one fails with 62
/// and a reason that says what to do. The name is matched by rustls-webpki; when it cannot
/// read the certificate, that is one error and "the name could not be checked" another, so
/// that a callback accepting the first has not accepted an unchecked name.
fn host_faults(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    purpose: Purpose,
    name: Option<&ServerName<'_>>,
    now: UnixTime,
) -> Vec<(VerifyCode, String)> {
    let Some(name) = name else {
        if purpose == Purpose::Client {
            return Vec::new();
        }
        return vec![(
            VerifyCode::ERR_HOSTNAME_MISMATCH,
            "no server name to check the certificate against: call setTlsextHostName() \
             before the handshake, or setVerify(VERIFY_NONE) to skip verification"
                .into(),
        )];
    };
    let (code, shown) = match name {
        ServerName::IpAddress(ip) => (
            VerifyCode::ERR_IP_ADDRESS_MISMATCH,
            std::net::IpAddr::from(*ip).to_string(),
        ),
        ServerName::DnsName(d) => (VerifyCode::ERR_HOSTNAME_MISMATCH, d.as_ref().to_string()),
        _ => (VerifyCode::ERR_HOSTNAME_MISMATCH, String::new()),
    };
    match webpki::EndEntityCert::try_from(end_entity) {
        Ok(ee) => match ee.verify_is_valid_for_subject_name(name) {
            Ok(()) => Vec::new(),
            Err(webpki::Error::CertNotValidForName(_)) => {
                vec![(code, words::name_mismatch(host_names(end_entity), &shown))]
            }
            Err(e) => vec![(
                code,
                format!(
                    "certificate is not valid for {shown}: {}",
                    words::webpki_words(&e)
                ),
            )],
        },
        Err(e) => {
            let (unreadable, _) = map_webpki_error(&e, end_entity, intermediates, now);
            vec![
                (
                    unreadable,
                    format!(
                        "rustls-webpki cannot read the certificate: {}",
                        words::webpki_words(&e)
                    ),
                ),
                (
                    code,
                    format!("the certificate's names could not be checked against {shown}"),
                ),
            ]
        }
    }
}

/// The DNS names and IP addresses of a certificate's subjectAltName, as a mismatch lists them.
fn host_names(end_entity: &CertificateDer<'_>) -> impl Iterator<Item = String> {
    let sans = X509::from_der(end_entity.as_ref())
        .map(|x| x.subject_alt_names())
        .unwrap_or_default();
    sans.into_iter().filter_map(|san| {
        san.strip_prefix("DNS:")
            .or_else(|| san.strip_prefix("IP Address:"))
            .map(str::to_string)
    })
}

/// rustls-webpki's full path verification, as a second opinion.
fn webpki_verdict(
    policy: &Policy,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    purpose: Purpose,
    now: UnixTime,
) -> Result<(), webpki::Error> {
    let ee = webpki::EndEntityCert::try_from(end_entity)?;
    let usage = match purpose {
        Purpose::Server => webpki::KeyUsage::server_auth(),
        Purpose::Client => webpki::KeyUsage::client_auth(),
    };
    ee.verify_for_usage(
        policy.algorithms.all,
        &policy.roots.roots,
        intermediates,
        now,
        usage,
        None,
        None,
    )
    .map(|_| ())
}

/// The first certificate, from the leaf up, outside its validity period.
fn time_fault(chain: &[CertificateDer<'static>], now: UnixTime) -> Option<(VerifyCode, u32)> {
    let now = i64::try_from(now.as_secs()).unwrap_or(i64::MAX);
    for (depth, der) in chain.iter().enumerate() {
        let Ok(cert) = X509::from_der(der.as_ref()) else {
            continue;
        };
        let depth = u32::try_from(depth).unwrap_or(u32::MAX);
        if now < cert.not_before_unix() {
            return Some((VerifyCode::ERR_CERT_NOT_YET_VALID, depth));
        }
        if now > cert.not_after_unix() {
            return Some((VerifyCode::ERR_CERT_HAS_EXPIRED, depth));
        }
    }
    None
}

fn map_webpki_error(
    e: &webpki::Error,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    now: UnixTime,
) -> (VerifyCode, u32) {
    use webpki::Error as W;
    let presented: Vec<CertificateDer<'static>> = std::iter::once(end_entity)
        .chain(intermediates.iter())
        .map(|c| c.clone().into_owned())
        .collect();
    let self_issued = |c: &CertificateDer<'_>| {
        X509::from_der(c.as_ref())
            .map(|x| x.is_self_issued())
            .unwrap_or(false)
    };
    match e {
        W::CertExpired { .. } => time_fault(&presented, now).unwrap_or((VerifyCode::ERR_CERT_HAS_EXPIRED, 0)),
        W::CertNotValidYet { .. } => {
            time_fault(&presented, now).unwrap_or((VerifyCode::ERR_CERT_NOT_YET_VALID, 0))
        }
        W::UnknownIssuer => {
            let top = presented.len().saturating_sub(1);
            let depth = u32::try_from(top).unwrap_or(u32::MAX);
            match presented.last() {
                Some(c) if self_issued(c) && top == 0 => (VerifyCode::ERR_DEPTH_ZERO_SELF_SIGNED_CERT, 0),
                Some(c) if self_issued(c) => (VerifyCode::ERR_SELF_SIGNED_CERT_IN_CHAIN, depth),
                _ => (VerifyCode::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, depth),
            }
        }
        W::InvalidSignatureForPublicKey | W::SignatureAlgorithmMismatch => {
            (VerifyCode::ERR_CERT_SIGNATURE_FAILURE, 0)
        }
        W::UnsupportedSignatureAlgorithmContext(_)
        | W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            (VerifyCode::ERR_UNSUPPORTED_SIGNATURE_ALGORITHM, 0)
        }
        W::CaUsedAsEndEntity | W::EndEntityUsedAsCa => (VerifyCode::ERR_INVALID_CA, 0),
        W::RequiredEkuNotFoundContext(_) | W::EmptyEkuExtension => (VerifyCode::ERR_INVALID_PURPOSE, 0),
        W::UnsupportedCriticalExtension => (VerifyCode::ERR_UNHANDLED_CRITICAL_EXTENSION, 0),
        W::NameConstraintViolation => (VerifyCode::ERR_PERMITTED_VIOLATION, 0),
        W::MaximumPathDepthExceeded
        | W::MaximumPathBuildCallsExceeded
        | W::MaximumSignatureChecksExceeded => (VerifyCode::ERR_CERT_CHAIN_TOO_LONG, 0),
        W::PathLenConstraintViolated => (VerifyCode::ERR_PATH_LENGTH_EXCEEDED, 0),
        W::CertRevoked => (VerifyCode::ERR_CERT_REVOKED, 0),
        _ => (VerifyCode::ERR_UNSPECIFIED, 0),
    }
}

/// What the peer sent, leaf first, kept for `getPeerCertificate()` after a failure.
fn presented(
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
) -> Vec<CertificateDer<'static>> {
    std::iter::once(end_entity)
        .chain(intermediates)
        .map(|c| c.clone().into_owned())
        .collect()
}

/// The rustls error that carries a failed verification out of the handshake; rustls picks
/// the alert from it, and the Connection swaps it for the richer `Outcome`.
fn rustls_error(code: VerifyCode) -> rustls::Error {
    let e = match code {
        VerifyCode::ERR_CERT_HAS_EXPIRED => CertificateError::Expired,
        VerifyCode::ERR_CERT_NOT_YET_VALID => CertificateError::NotValidYet,
        VerifyCode::ERR_HOSTNAME_MISMATCH | VerifyCode::ERR_IP_ADDRESS_MISMATCH => {
            CertificateError::NotValidForName
        }
        VerifyCode::ERR_CERT_SIGNATURE_FAILURE => CertificateError::BadSignature,
        VerifyCode::ERR_CERT_REVOKED => CertificateError::Revoked,
        VerifyCode::ERR_INVALID_PURPOSE => CertificateError::InvalidPurpose,
        VerifyCode::ERR_UNHANDLED_CRITICAL_EXTENSION => CertificateError::UnhandledCriticalExtension,
        VerifyCode::ERR_APPLICATION_VERIFICATION => CertificateError::ApplicationVerificationFailure,
        VerifyCode::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        | VerifyCode::ERR_SELF_SIGNED_CERT_IN_CHAIN
        | VerifyCode::ERR_UNABLE_TO_GET_ISSUER_CERT
        | VerifyCode::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | VerifyCode::ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE => CertificateError::UnknownIssuer,
        _ => CertificateError::BadEncoding,
    };
    rustls::Error::InvalidCertificate(e)
}

/// Verifies a server's certificate for a client connection.
pub struct ServerVerifier {
    policy: Mutex<Policy>,
    /// The name the user asked for; `None` when `setTlsextHostName` was never called.
    expected_name: Mutex<Option<ServerName<'static>>>,
    algorithms: WebPkiSupportedAlgorithms,
}

opaque_debug!(ServerVerifier);

impl ServerVerifier {
    pub fn new(policy: Policy, expected_name: Option<ServerName<'static>>) -> Self {
        Self {
            algorithms: policy.algorithms,
            policy: Mutex::new(policy),
            expected_name: Mutex::new(expected_name),
        }
    }

    /// rustls resumes a session only with the very verifier that made it, so a connection
    /// resuming another's session takes over its verifier: from then on the outcome, the
    /// callback and the name to check are this connection's. (The connection that made the
    /// session is past its handshake and never verifies again.)
    pub fn reroute(
        &self,
        outcome: SharedOutcome,
        hook: Option<Arc<dyn VerifyHook>>,
        name: Option<ServerName<'static>>,
    ) {
        let mut policy = self.policy.lock().unwrap_or_else(|p| p.into_inner());
        policy.outcome = outcome;
        policy.hook = hook;
        *self.expected_name.lock().unwrap_or_else(|p| p.into_inner()) = name;
    }
}

impl ServerCertVerifier for ServerVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let policy = self.policy.lock().unwrap_or_else(|p| p.into_inner());
        let name = self
            .expected_name
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let examined = evaluate(
            &policy,
            end_entity,
            intermediates,
            Purpose::Server,
            name.as_ref(),
            now,
        );
        decide(&policy, presented(end_entity, intermediates), examined)?;
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// Verifies client certificates on a server: requested with `VERIFY_PEER`, required with
/// `VERIFY_FAIL_IF_NO_PEER_CERT`.
pub struct ClientVerifier {
    pub policy: Policy,
    pub mandatory: bool,
    pub hints: Vec<DistinguishedName>,
}

opaque_debug!(ClientVerifier);

impl ClientCertVerifier for ClientVerifier {
    fn client_auth_mandatory(&self) -> bool {
        self.mandatory
    }

    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &self.hints
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        let examined = evaluate(
            &self.policy,
            end_entity,
            intermediates,
            Purpose::Client,
            None,
            now,
        );
        decide(&self.policy, presented(end_entity, intermediates), examined)?;
        Ok(ClientCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.policy.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.policy.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.policy.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls_pki_types::pem::PemObject;

    fn fixture(name: &str) -> Vec<u8> {
        let path = format!("{}/js-tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read(path).unwrap()
    }

    fn certs(name: &str) -> Vec<CertificateDer<'static>> {
        CertificateDer::pem_slice_iter(&fixture(name))
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// Records every call; answers with `answer(errno, depth, ok)`.
    struct Recorder {
        calls: Mutex<Vec<(u32, i32, bool)>>,
        answer: Box<dyn Fn(i32, u32, bool) -> Result<bool, CallbackRaised> + Send + Sync>,
    }

    impl std::fmt::Debug for Recorder {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("Recorder")
        }
    }

    impl VerifyHook for Recorder {
        fn call(
            &self,
            _: &CertificateDer<'_>,
            errno: i32,
            depth: u32,
            ok: bool,
        ) -> Result<bool, CallbackRaised> {
            self.calls.lock().unwrap().push((depth, errno, ok));
            (self.answer)(errno, depth, ok)
        }
    }

    fn recorder(
        answer: impl Fn(i32, u32, bool) -> Result<bool, CallbackRaised> + Send + Sync + 'static,
    ) -> Arc<Recorder> {
        Arc::new(Recorder {
            calls: Mutex::new(Vec::new()),
            answer: Box::new(answer),
        })
    }

    fn policy(trusted: &[&str], hook: Option<Arc<dyn VerifyHook>>, enforce: bool) -> Policy {
        let pinned: Vec<CertificateDer<'static>> = trusted.iter().flat_map(|n| certs(n)).collect();
        let mut roots = RootCertStore::empty();
        for c in &pinned {
            roots
                .roots
                .push(webpki::anchor_from_trusted_cert(c).unwrap().to_owned());
        }
        Policy {
            roots: Arc::new(roots),
            pinned,
            max_depth: None,
            enforce,
            algorithms: rustls::crypto::ring::default_provider().signature_verification_algorithms,
            outcome: SharedOutcome::default(),
            hook,
        }
    }

    /// Verifies `chain` (a fixture) as a client for `host`; the result and the outcome.
    fn run(policy: Policy, chain: &str, host: Option<&str>) -> (Result<(), rustls::Error>, Outcome) {
        let certs = certs(chain);
        let name = host.map(|h| ServerName::try_from(h.to_string()).unwrap());
        let outcome = policy.outcome.clone();
        let v = ServerVerifier::new(policy, name);
        let placeholder = ServerName::try_from("placeholder.invalid").unwrap();
        let r = v
            .verify_server_cert(&certs[0], &certs[1..], &placeholder, &[], UnixTime::now())
            .map(|_| ());
        (r, read_outcome(&outcome))
    }

    fn code(o: &Outcome) -> i32 {
        o.code.unwrap().0
    }

    #[test]
    fn good_chain_passes_with_one_ok_call_per_certificate() {
        let hook = recorder(|_, _, ok| Ok(ok));
        let (r, o) = run(
            policy(&["ca.pem"], Some(hook.clone()), true),
            "server-ecdsa-chain.pem",
            Some("localhost"),
        );
        assert!(r.is_ok(), "{r:?}");
        assert_eq!(code(&o), 0);
        assert_eq!(o.verified_chain.len(), 3, "leaf, intermediate, root");
        assert_eq!(
            *hook.calls.lock().unwrap(),
            vec![(2, 0, true), (1, 0, true), (0, 0, true)]
        );
    }

    #[test]
    fn every_error_at_every_depth_is_reported_deepest_first() {
        // Expired, issued by an untrusted root that the peer sends, for example.com only.
        let hook = recorder(|_, _, _| Ok(true));
        let (r, o) = run(
            policy(&["ca.pem"], Some(hook.clone()), true),
            "exp-untrusted-chain.pem",
            Some("localhost"),
        );
        assert!(r.is_ok(), "the callback accepted every error: {r:?}");
        assert_eq!(code(&o), 0, "all overridden");
        assert_eq!(
            *hook.calls.lock().unwrap(),
            vec![
                (1, 19, false),
                (1, 19, true),
                (0, 62, false),
                (0, 10, false),
                (0, 10, true)
            ]
        );
    }

    #[test]
    fn accepting_expired_does_not_accept_untrusted_or_wrong_host() {
        let hook = recorder(|errno, _, ok| Ok(ok || errno == 10));
        let (r, o) = run(
            policy(&["ca.pem"], Some(hook.clone()), true),
            "exp-untrusted.pem",
            Some("localhost"),
        );
        assert!(r.is_err());
        assert_eq!(code(&o), 20);
        assert_eq!(
            *hook.calls.lock().unwrap(),
            vec![(0, 20, false)],
            "refusing 20 ends it"
        );

        // Accepting the issuer and the signature still leaves the host name.
        let hook = recorder(|errno, _, ok| Ok(ok || matches!(errno, 10 | 20 | 21)));
        let (r, o) = run(
            policy(&["ca.pem"], Some(hook.clone()), true),
            "exp-untrusted.pem",
            Some("localhost"),
        );
        assert!(r.is_err());
        assert_eq!(code(&o), 62);
        assert!(o.detail.contains("localhost"), "{}", o.detail);
    }

    #[test]
    fn an_appended_ca_is_not_part_of_a_self_signed_leafs_chain() {
        // The callback trusts any chain in which it sees its pinned CA at depth 1.
        let ca = certs("ca.pem").remove(0);
        let pinned_seen = Arc::new(Mutex::new(false));
        #[derive(Debug)]
        struct Pin(CertificateDer<'static>, Arc<Mutex<bool>>, Mutex<Vec<u32>>);
        impl VerifyHook for Pin {
            fn call(
                &self,
                cert: &CertificateDer<'_>,
                _: i32,
                depth: u32,
                ok: bool,
            ) -> Result<bool, CallbackRaised> {
                self.2.lock().unwrap().push(depth);
                let mut seen = self.1.lock().unwrap();
                if depth == 1 && cert.as_ref() == self.0.as_ref() {
                    *seen = true;
                }
                Ok(ok || *seen)
            }
        }
        let hook = Arc::new(Pin(ca, pinned_seen.clone(), Mutex::new(Vec::new())));
        let (r, o) = run(
            policy(&["ca.pem"], Some(hook.clone()), true),
            "evil-chain.pem",
            Some("evil.example"),
        );
        assert!(r.is_err(), "the attacker's leaf must not pass");
        assert_eq!(code(&o), 18);
        assert!(!*pinned_seen.lock().unwrap());
        assert_eq!(*hook.2.lock().unwrap(), vec![0], "only the leaf is shown");
    }

    #[test]
    fn codes_for_each_check() {
        let cases = [
            ("critical-ext-chain.pem", 34, 0),
            ("rsa1024-chain.pem", 66, 0),
            ("weak-ca-leaf-chain.pem", 67, 1),
            ("nc-leaf-chain.pem", 47, 0),
            ("nonca-leaf-chain.pem", 79, 1),
            ("pathlen-leaf-chain.pem", 25, 2),
            ("evil-chain.pem", 18, 0),
            ("exp-untrusted.pem", 20, 0),
            ("exp-untrusted-chain.pem", 19, 1),
            ("expired-chain.pem", 10, 0),
        ];
        for (chain, want, depth) in cases {
            let (r, o) = run(policy(&["ca.pem"], None, true), chain, Some("localhost"));
            assert!(r.is_err(), "{chain} must fail");
            assert_eq!((code(&o), o.depth), (want, depth), "{chain}: {}", o.detail);
            assert!(!o.detail.is_empty(), "{chain}: a detail says why");
        }
    }

    #[test]
    fn a_non_ca_issuer_reports_what_openssl_reports() {
        let hook = recorder(|_, _, _| Ok(true));
        let (r, _) = run(
            policy(&["ca.pem"], Some(hook.clone()), true),
            "nonca-leaf-chain.pem",
            Some("localhost"),
        );
        assert!(r.is_ok());
        // `openssl verify -purpose sslserver` prints 79, 26 and 32 at depth 1.
        assert_eq!(
            *hook.calls.lock().unwrap(),
            vec![
                (2, 0, true),
                (1, 79, false),
                (1, 26, false),
                (1, 32, false),
                (1, 32, true),
                (0, 0, true)
            ]
        );
    }

    #[test]
    fn verify_depth_limits_intermediates() {
        let mut p = policy(&["ca.pem"], None, true);
        p.max_depth = Some(0);
        let (r, o) = run(p, "server-ecdsa-chain.pem", Some("localhost"));
        assert!(r.is_err());
        assert_eq!((code(&o), o.depth), (22, 1));
        let mut p = policy(&["ca.pem"], None, true);
        p.max_depth = Some(1);
        assert!(run(p, "server-ecdsa-chain.pem", Some("localhost")).0.is_ok());
    }

    #[test]
    fn verify_none_runs_the_callback_but_does_not_fail() {
        let hook = recorder(|_, _, ok| Ok(ok));
        let (r, o) = run(
            policy(&["ca.pem"], Some(hook.clone()), false),
            "critical-ext-chain.pem",
            Some("localhost"),
        );
        assert!(r.is_ok());
        assert_eq!(code(&o), 34);
        // Refusing ends the verification, as in OpenSSL.
        assert_eq!(
            *hook.calls.lock().unwrap(),
            vec![(2, 0, true), (1, 0, true), (0, 34, false)]
        );
    }

    #[test]
    fn refusing_an_ok_call_is_application_verification() {
        let hook = recorder(|_, depth, _| Ok(depth != 1));
        let (r, o) = run(
            policy(&["ca.pem"], Some(hook), true),
            "server-ecdsa-chain.pem",
            Some("localhost"),
        );
        assert!(r.is_err());
        assert_eq!((code(&o), o.depth), (50, 1));
    }

    #[test]
    fn a_raising_callback_is_a_typed_error() {
        let hook = recorder(|_, _, _| Err(CallbackRaised));
        let (r, _) = run(
            policy(&["ca.pem"], Some(hook), true),
            "server-ecdsa-chain.pem",
            Some("localhost"),
        );
        let e = r.unwrap_err();
        assert!(is_callback_raised(&e), "{e:?}");
        assert!(!is_callback_raised(&rustls::Error::General(
            "the verify callback raised an exception".into()
        )));
    }

    #[test]
    fn pinned_leaf_is_a_chain_and_its_name_still_counts() {
        assert!(run(
            policy(&["selfsigned.pem"], None, true),
            "selfsigned.pem",
            Some("localhost")
        )
        .0
        .is_ok());
        let (r, o) = run(
            policy(&["selfsigned.pem"], None, true),
            "selfsigned.pem",
            Some("example.com"),
        );
        assert!(r.is_err());
        assert_eq!(code(&o), 62);
    }

    #[test]
    fn no_server_name_is_62_with_its_reason() {
        let (r, o) = run(policy(&["ca.pem"], None, true), "server-ecdsa-chain.pem", None);
        assert!(r.is_err());
        assert_eq!(code(&o), 62);
        assert!(o.detail.contains("setTlsextHostName"));
    }

    #[test]
    fn what_webpki_refuses_does_not_pass_unless_overridden() {
        // OpenSSL (and the chain checks) accept a critical certificatePolicies; webpki does not.
        let hook = recorder(|_, _, ok| Ok(ok));
        let (r, o) = run(
            policy(&["ca.pem"], Some(hook.clone()), true),
            "policies-leaf-chain.pem",
            Some("localhost"),
        );
        assert!(r.is_err());
        assert_eq!((code(&o), o.depth), (34, 0));
        assert!(o.detail.contains("webpki"), "{}", o.detail);
        assert_eq!(
            *hook.calls.lock().unwrap(),
            vec![(2, 0, true), (1, 0, true), (0, 34, false)]
        );
        // Only an explicit override lets it through.
        let hook = recorder(|errno, _, ok| Ok(ok || errno == 34));
        let (r, o) = run(
            policy(&["ca.pem"], Some(hook), true),
            "policies-leaf-chain.pem",
            Some("localhost"),
        );
        assert!(r.is_ok());
        assert_eq!(code(&o), 0);
    }

    #[test]
    fn a_leaf_webpki_cannot_read_leaves_its_name_unchecked() {
        let hook = recorder(|errno, _, ok| Ok(ok || errno == 34));
        let (r, o) = run(
            policy(&["ca.pem"], Some(hook.clone()), true),
            "critical-ext-chain.pem",
            Some("localhost"),
        );
        assert!(r.is_err(), "accepting 34 does not accept an unchecked name");
        assert_eq!(code(&o), 62);
        assert_eq!(
            *hook.calls.lock().unwrap(),
            vec![(2, 0, true), (1, 0, true), (0, 34, false), (0, 62, false)]
        );
    }

    #[test]
    fn webpki_is_a_second_opinion() {
        // An RSA leaf whose signature is damaged: found by the chain checks (7); if they had
        // missed it, webpki would still have refused.
        let mut chain = certs("server-rsa-chain.pem");
        let mut leaf = chain[0].as_ref().to_vec();
        let last = leaf.len() - 1;
        leaf[last] ^= 1;
        chain[0] = CertificateDer::from(leaf);
        let p = policy(&["ca.pem"], None, true);
        let outcome = p.outcome.clone();
        let v = ServerVerifier::new(p, Some(ServerName::try_from("localhost").unwrap()));
        let r = v.verify_server_cert(
            &chain[0],
            &chain[1..],
            &ServerName::try_from("x.invalid").unwrap(),
            &[],
            UnixTime::now(),
        );
        assert!(r.is_err());
        assert_eq!(
            read_outcome(&outcome).code,
            Some(VerifyCode::ERR_CERT_SIGNATURE_FAILURE)
        );
    }
}
