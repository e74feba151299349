//! Certificate verification with OpenSSL's outcomes: rustls-webpki builds and checks the
//! path, and this module turns its verdict into the `X509_V_*` code, the failing depth and the
//! verified chain that pyOpenSSL users read back, then decides by the verify mode.
//!
//! Why custom verifiers rather than rustls's `WebPkiServerVerifier`: OpenSSL reports a result
//! code even when it was told not to enforce it (`VERIFY_NONE`), accepts a pinned self-signed
//! leaf, limits chain depth, and tells "expired" from "untrusted" by number. None of that is
//! visible through the stock verifier.

use std::sync::{Arc, Mutex};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{CertificateError, DigitallySignedStruct, DistinguishedName, RootCertStore, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::ssl::verify_code::VerifyCode;
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

/// OpenSSL's verify callback, as the core sees it: called for each certificate from the
/// deepest up to the leaf, with `ok == false` and the error code at the depth that failed.
/// `Err(CallbackRaised)` means the callback threw; the binding keeps what it threw.
pub trait VerifyHook: Send + Sync + std::fmt::Debug {
    fn call(
        &self,
        cert: &CertificateDer<'_>,
        errno: i32,
        depth: u32,
        ok: bool,
    ) -> Result<bool, CallbackRaised>;
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallbackRaised;

/// The rustls error that stands for "the verify callback threw"; the Connection turns it
/// into `Error::CallbackFailed`.
pub const CALLBACK_RAISED: &str = "verify callback raised an exception";

/// Runs the hook over the presented chain and decides. Without a hook, the outcome decides
/// when verification is enforced.
fn decide(
    policy: &Policy,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    mut outcome: Outcome,
) -> Result<(), rustls::Error> {
    outcome.presented = std::iter::once(end_entity)
        .chain(intermediates)
        .map(|c| c.clone().into_owned())
        .collect();
    let mut code = outcome.code.unwrap_or(VerifyCode::OK);
    if let Some(hook) = &policy.hook {
        let chain: Vec<&CertificateDer<'_>> = std::iter::once(end_entity).chain(intermediates).collect();
        let top = chain.len().saturating_sub(1);
        let failing_depth = (outcome.depth as usize).min(top);
        for (depth, cert) in chain.iter().enumerate().rev() {
            let failing = code != VerifyCode::OK && depth == failing_depth;
            let errno = if failing { code.0 } else { 0 };
            let depth_u32 = u32::try_from(depth).unwrap_or(u32::MAX);
            match hook.call(cert, errno, depth_u32, !failing) {
                Err(CallbackRaised) => {
                    store_outcome(&policy.outcome, outcome);
                    return Err(rustls::Error::General(CALLBACK_RAISED.into()));
                }
                // With VERIFY_NONE the callback runs but its verdict is ignored, as OpenSSL.
                Ok(false) if policy.enforce => {
                    if code == VerifyCode::OK {
                        code = VerifyCode::ERR_APPLICATION_VERIFICATION;
                        outcome.code = Some(code);
                        outcome.depth = depth_u32;
                        outcome.detail = "rejected by the verify callback".into();
                    }
                    store_outcome(&policy.outcome, outcome);
                    return Err(rustls_error(code));
                }
                Ok(_) => {}
            }
        }
        // The callback accepted every step: the handshake goes on, and getVerifyResult()
        // still reports what was found, as OpenSSL does.
        store_outcome(&policy.outcome, outcome);
        return Ok(());
    }
    store_outcome(&policy.outcome, outcome);
    if policy.enforce && code != VerifyCode::OK {
        return Err(rustls_error(code));
    }
    Ok(())
}

/// Whose certificate is being judged: a server's (name checked) or a client's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Purpose {
    Server,
    Client,
}

/// Judges a chain and returns OpenSSL's code for it (0 = OK), the depth it applies to, and the
/// verified path.
pub fn evaluate(
    policy: &Policy,
    end_entity: &CertificateDer<'_>,
    intermediates: &[CertificateDer<'_>],
    purpose: Purpose,
    name: Option<&ServerName<'_>>,
    now: UnixTime,
) -> Outcome {
    let fail = |code: VerifyCode, depth: u32, detail: String| Outcome {
        code: Some(code),
        depth,
        detail,
        ..Outcome::default()
    };

    let ee = match webpki::EndEntityCert::try_from(end_entity) {
        Ok(ee) => ee,
        Err(e) => {
            return fail(
                VerifyCode::ERR_UNSPECIFIED,
                0,
                format!("unparsable certificate: {e}"),
            )
        }
    };

    let chain = if policy.pinned.iter().any(|p| p.as_ref() == end_entity.as_ref()) {
        // A trusted certificate presented as the leaf: OpenSSL accepts it as a one-link chain,
        // but its validity period still counts.
        if let Some((code, _)) = time_fault(&[end_entity.clone().into_owned()], now) {
            return fail(code, 0, String::new());
        }
        vec![end_entity.clone().into_owned()]
    } else {
        let anchors = &policy.roots.roots;
        let usage = match purpose {
            Purpose::Server => webpki::KeyUsage::server_auth(),
            Purpose::Client => webpki::KeyUsage::client_auth(),
        };
        match ee.verify_for_usage(
            policy.algorithms.all,
            anchors,
            intermediates,
            now,
            usage,
            None,
            None,
        ) {
            Ok(path) => {
                let mut chain = vec![end_entity.clone().into_owned()];
                chain.extend(path.intermediate_certificates().map(|c| c.der().into_owned()));
                if let Some(limit) = policy.max_depth {
                    let n = chain.len().saturating_sub(1);
                    if n > limit as usize {
                        return fail(
                            VerifyCode::ERR_CERT_CHAIN_TOO_LONG,
                            limit.saturating_add(1),
                            format!("{n} intermediates, verify depth is {limit}"),
                        );
                    }
                }
                chain
            }
            Err(e) => {
                let (code, depth) = map_webpki_error(&e, end_entity, intermediates, now);
                return fail(code, depth, e.to_string());
            }
        }
    };

    match name {
        Some(name) => {
            if let Err(e) = ee.verify_is_valid_for_subject_name(name) {
                let code = match name {
                    ServerName::IpAddress(_) => VerifyCode::ERR_IP_ADDRESS_MISMATCH,
                    _ => VerifyCode::ERR_HOSTNAME_MISMATCH,
                };
                let shown = match name {
                    ServerName::DnsName(d) => d.as_ref().to_string(),
                    ServerName::IpAddress(ip) => format!("{:?}", std::net::IpAddr::from(*ip)),
                    _ => String::new(),
                };
                return fail(code, 0, format!("certificate is not valid for {shown}: {e}"));
            }
        }
        None if purpose == Purpose::Server => {
            return fail(
                VerifyCode::ERR_HOSTNAME_MISMATCH,
                0,
                "no server name to check the certificate against: call setTlsextHostName() \
                 before the handshake, or setVerify(VERIFY_NONE) to skip verification"
                    .into(),
            );
        }
        None => {}
    }

    Outcome {
        code: Some(VerifyCode::OK),
        verified_chain: chain,
        ..Outcome::default()
    }
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
        VerifyCode::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
        | VerifyCode::ERR_SELF_SIGNED_CERT_IN_CHAIN
        | VerifyCode::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY
        | VerifyCode::ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE => CertificateError::UnknownIssuer,
        _ => CertificateError::BadEncoding,
    };
    rustls::Error::InvalidCertificate(e)
}

/// Verifies a server's certificate for a client connection.
#[derive(Debug)]
pub struct ServerVerifier {
    policy: Mutex<Policy>,
    /// The name the user asked for; `None` when `setTlsextHostName` was never called.
    expected_name: Mutex<Option<ServerName<'static>>>,
    algorithms: WebPkiSupportedAlgorithms,
}

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
        let outcome = evaluate(
            &policy,
            end_entity,
            intermediates,
            Purpose::Server,
            name.as_ref(),
            now,
        );
        decide(&policy, end_entity, intermediates, outcome)?;
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
#[derive(Debug)]
pub struct ClientVerifier {
    pub policy: Policy,
    pub mandatory: bool,
    pub hints: Vec<DistinguishedName>,
}

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
        let outcome = evaluate(
            &self.policy,
            end_entity,
            intermediates,
            Purpose::Client,
            None,
            now,
        );
        decide(&self.policy, end_entity, intermediates, outcome)?;
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
