//! The one error type of the core, and the OpenSSL-shaped `[lib, func, reason]` triples that
//! pyOpenSSL users match on. The binding maps each variant to a JS class in `wasm/errors.rs`.

use std::fmt;

use crate::ssl::verify_code::VerifyCode;
use crate::ssl::words;

/// Everything that can go wrong in the core. Caller mistakes (`Type`, `Range`), peer and
/// protocol faults (`Tls`, `Verify`), transport conditions (`Want*`, `SysCall`, `ZeroReturn`)
/// and unsupported features are separate variants, so the JS class is chosen in one place.
#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// More ciphertext from the peer is needed than is buffered.
    WantRead,
    /// The transport would not take the outgoing bytes now.
    WantWrite,
    /// The peer closed the TLS session cleanly (close_notify received).
    ZeroReturn,
    /// The transport failed, or ended without close_notify (`errno` −1).
    SysCall { errno: i32, errstr: String },
    /// A TLS failure reported by rustls (bad record, alert received, …).
    Tls(rustls::Error),
    /// Certificate verification failed; `code` is OpenSSL's `X509_V_ERR_*` number.
    Verify { code: VerifyCode, detail: String },
    /// A protocol version rustls does not speak (SSLv2 … TLS 1.1).
    UnsupportedProtocol,
    /// A cipher string that selects nothing rustls offers.
    NoCipherMatch,
    /// An OpenSSL-style failure of a setter or loader: `lib` and `reason` as OpenSSL words them.
    Ssl { lib: &'static str, reason: String },
    /// A pyOpenSSL feature that cannot exist on rustls.
    NotSupported(&'static str),
    /// A user callback threw; the binding rethrows the very object it threw.
    CallbackFailed,
    /// An argument of the wrong kind (a JS `TypeError`).
    Type(String),
    /// An argument of the right kind but out of range (a JS `RangeError`).
    Range(String),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

pub const LIB_SSL: &str = "SSL routines";
pub const LIB_PEM: &str = "PEM routines";
pub const LIB_X509: &str = "x509 certificate routines";
pub const LIB_SYS: &str = "system library";

impl Error {
    pub fn ssl(reason: impl Into<String>) -> Self {
        Error::Ssl {
            lib: LIB_SSL,
            reason: reason.into(),
        }
    }

    pub fn pem(reason: impl Into<String>) -> Self {
        Error::Ssl {
            lib: LIB_PEM,
            reason: reason.into(),
        }
    }

    pub fn x509(reason: impl Into<String>) -> Self {
        Error::Ssl {
            lib: LIB_X509,
            reason: reason.into(),
        }
    }

    pub fn unexpected_eof() -> Self {
        Error::SysCall {
            errno: -1,
            errstr: "Unexpected EOF".into(),
        }
    }

    /// pyOpenSSL's error-queue shape: `[(lib, func, reason)]`; `func` is empty on OpenSSL 3.
    pub fn errors(&self) -> Vec<(String, String, String)> {
        let one = |lib: &str, reason: String| vec![(lib.to_string(), String::new(), reason)];
        match self {
            Error::WantRead | Error::WantWrite | Error::ZeroReturn | Error::CallbackFailed => Vec::new(),
            Error::SysCall { errstr, .. } => one(LIB_SYS, errstr.clone()),
            Error::Ssl { lib, reason } => one(lib, reason.clone()),
            Error::Type(m) | Error::Range(m) => one(LIB_SSL, m.clone()),
            _ => one(LIB_SSL, self.to_string()),
        }
    }

    /// Node's `err.code` for this error (API.md §8). Exhaustive on purpose: a new variant must
    /// be given its code here.
    pub fn code(&self) -> String {
        match self {
            Error::WantRead => "ERR_SSL_WANT_READ".into(),
            Error::WantWrite => "ERR_SSL_WANT_WRITE".into(),
            Error::ZeroReturn => "ERR_SSL_ZERO_RETURN".into(),
            // The core's only system error is the transport ending without close_notify,
            // which Node reports as a reset; the binding gives transport failures their own.
            Error::SysCall { .. } => "ECONNRESET".into(),
            Error::Tls(e) => openssl_code(LIB_SSL, openssl_words(e)),
            Error::Verify { code, .. } => code.node_code().into(),
            Error::CallbackFailed => "ERR_SSL_CALLBACK_FAILED".into(),
            Error::Ssl { lib, reason } => openssl_code(lib, reason),
            Error::UnsupportedProtocol | Error::NoCipherMatch | Error::NotSupported(_) => {
                openssl_code(LIB_SSL, &self.to_string())
            }
            Error::Type(_) => "ERR_INVALID_ARG_TYPE".into(),
            Error::Range(_) => "ERR_OUT_OF_RANGE".into(),
        }
    }

    /// The `X509_V_*` number of a verification failure, carried as `verifyResult`.
    pub fn verify_result(&self) -> Option<i32> {
        match self {
            Error::Verify { code, .. } => Some(code.0),
            _ => None,
        }
    }

    /// Fatal errors poison the connection: every later operation reports the same one.
    pub fn is_fatal(&self) -> bool {
        matches!(self, Error::Tls(_) | Error::Verify { .. } | Error::CallbackFailed)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::WantRead => f.write_str("want read"),
            Error::WantWrite => f.write_str("want write"),
            Error::ZeroReturn => f.write_str("the peer closed the TLS session (close_notify)"),
            Error::SysCall { errstr, .. } => f.write_str(errstr),
            Error::Tls(e) => f.write_str(&tls_reason(e)),
            Error::Verify { code, detail } => {
                write!(f, "certificate verify failed: {}", code.reason())?;
                if !detail.is_empty() {
                    write!(f, " ({detail})")?;
                }
                Ok(())
            }
            Error::UnsupportedProtocol => f.write_str("unsupported protocol"),
            Error::NoCipherMatch => f.write_str("no cipher match"),
            Error::Ssl { reason, .. } => f.write_str(reason),
            Error::NotSupported(what) => write!(f, "{what} is not supported"),
            Error::CallbackFailed => f.write_str("a callback failed"),
            Error::Type(m) | Error::Range(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for Error {}

impl From<rustls::Error> for Error {
    fn from(e: rustls::Error) -> Self {
        Error::Tls(e)
    }
}

/// OpenSSL's wording for the failures people search for, then what rustls found, in words.
/// An alert is worded as OpenSSL words it: its reason and `SSL alert number N`.
fn tls_reason(e: &rustls::Error) -> String {
    match e {
        rustls::Error::AlertReceived(a) => {
            format!("{} (SSL alert number {})", openssl_words(e), u8::from(*a))
        }
        _ => format!("{}: {}", openssl_words(e), words::tls_detail(e)),
    }
}

/// The reason OpenSSL gives for the same failure (its `SSL_R_*` text), which is also what
/// the error's `code` is made from.
fn openssl_words(e: &rustls::Error) -> &'static str {
    use rustls::{
        AlertDescription as A, Error as E, InvalidMessage as IM, PeerIncompatible as PI, PeerMisbehaved as PM,
    };
    match e {
        E::AlertReceived(a) => match a {
            A::UnexpectedMessage => "sslv3 alert unexpected message",
            A::BadRecordMac => "sslv3 alert bad record mac",
            A::RecordOverflow => "tlsv1 alert record overflow",
            A::HandshakeFailure => "sslv3 alert handshake failure",
            A::BadCertificate => "sslv3 alert bad certificate",
            A::UnsupportedCertificate => "sslv3 alert unsupported certificate",
            A::CertificateRevoked => "sslv3 alert certificate revoked",
            A::CertificateExpired => "sslv3 alert certificate expired",
            A::CertificateUnknown => "sslv3 alert certificate unknown",
            A::IllegalParameter => "sslv3 alert illegal parameter",
            A::UnknownCA => "tlsv1 alert unknown ca",
            A::AccessDenied => "tlsv1 alert access denied",
            A::DecodeError => "tlsv1 alert decode error",
            A::DecryptError => "tlsv1 alert decrypt error",
            A::ProtocolVersion => "tlsv1 alert protocol version",
            A::InsufficientSecurity => "tlsv1 alert insufficient security",
            A::InternalError => "tlsv1 alert internal error",
            A::InappropriateFallback => "tlsv1 alert inappropriate fallback",
            A::UnsupportedExtension => "tlsv1 unsupported extension",
            A::UnrecognisedName => "tlsv1 unrecognized name",
            A::UnknownPSKIdentity => "tlsv1 alert unknown psk identity",
            A::CertificateRequired => "tlsv13 alert certificate required",
            A::NoApplicationProtocol => "tlsv1 alert no application protocol",
            _ => "alert received",
        },
        // A first record that is not TLS at all (an HTTP request or response, a banner).
        E::InvalidMessage(IM::InvalidContentType | IM::UnknownProtocolVersion) => "wrong version number",
        E::InvalidMessage(IM::MessageTooLarge) => "packet length too long",
        E::InvalidMessage(IM::HandshakePayloadTooLarge | IM::CertificatePayloadTooLarge) => {
            "excessive message size"
        }
        E::InvalidMessage(IM::InvalidCcs) => "bad change cipher spec",
        E::InvalidMessage(IM::UnexpectedMessage(_))
        | E::InappropriateMessage { .. }
        | E::InappropriateHandshakeMessage { .. } => "unexpected message",
        E::InvalidMessage(_) => "bad packet",
        E::DecryptError => "decryption failed or bad record mac",
        // No version both sides speak, on whichever side found out (rustls sends the peer a
        // protocol_version alert in each case, as OpenSSL does).
        E::PeerIncompatible(
            PI::Tls12NotOffered
            | PI::Tls12NotOfferedOrEnabled
            | PI::SupportedVersionsExtensionRequired
            | PI::Tls13RequiredForQuic
            | PI::ServerDoesNotSupportTls12Or13
            | PI::ServerTlsVersionIsDisabledByOurConfig,
        ) => "unsupported protocol",
        // A server hello whose supported_versions names something other than TLS 1.3.
        E::PeerMisbehaved(
            PM::SelectedTls12UsingTls13VersionExtension | PM::IllegalHelloRetryRequestWithUnsupportedVersion,
        ) => "bad protocol version number",
        // The TLS 1.3 downgrade sentinel in a TLS 1.2 server random.
        E::PeerMisbehaved(PM::AttemptedDowngradeToTls12WhenTls13IsSupported) => "inappropriate fallback",
        E::PeerIncompatible(PI::NoCipherSuitesInCommon) => "no shared cipher",
        E::PeerIncompatible(_) => "handshake failure",
        E::NoApplicationProtocol => "no application protocol",
        E::NoCertificatesPresented => "peer did not return a certificate",
        E::InvalidCertificate(_) => "certificate verify failed",
        E::PeerMisbehaved(_) => "peer misbehaved",
        _ => "tls error",
    }
}

/// Node's `err.code` for an OpenSSL-style reason: `ERR_SSL_` and the reason in capitals for
/// the SSL library, `ERR_OSSL_<LIB>_` for the others (`ERR_OSSL_PEM_NO_START_LINE`), as Node
/// derives them. Only OpenSSL's words count: what follows a `:` or `(` is our detail.
fn openssl_code(lib: &str, reason: &str) -> String {
    let prefix = match lib {
        LIB_PEM => "ERR_OSSL_PEM_",
        LIB_X509 => "ERR_OSSL_X509_",
        LIB_SYS => "ERR_OSSL_SYS_",
        _ => "ERR_SSL_",
    };
    let words = reason.split([':', '(']).next().unwrap_or_default();
    let mut code = String::from(prefix);
    for word in words
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !code.ends_with('_') {
            code.push('_');
        }
        code.push_str(&word.to_ascii_uppercase());
    }
    if code.ends_with('_') {
        code.push_str("ERROR");
    }
    code
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triples_use_openssl_libs() {
        assert_eq!(
            Error::NoCipherMatch.errors(),
            vec![("SSL routines".into(), String::new(), "no cipher match".into())]
        );
        assert_eq!(Error::unexpected_eof().errors()[0].0, "system library");
        assert!(Error::WantRead.errors().is_empty());
    }

    #[test]
    fn verify_reason_names_the_cause() {
        let e = Error::Verify {
            code: VerifyCode::ERR_CERT_HAS_EXPIRED,
            detail: String::new(),
        };
        assert_eq!(
            e.to_string(),
            "certificate verify failed: certificate has expired"
        );
    }

    #[test]
    fn every_version_mismatch_is_unsupported_protocol() {
        use rustls::PeerIncompatible as PI;
        for pi in [
            PI::Tls12NotOffered,
            PI::Tls12NotOfferedOrEnabled,
            PI::SupportedVersionsExtensionRequired,
            PI::Tls13RequiredForQuic,
            PI::ServerDoesNotSupportTls12Or13,
            PI::ServerTlsVersionIsDisabledByOurConfig,
        ] {
            let e = Error::Tls(rustls::Error::PeerIncompatible(pi.clone()));
            assert!(e.to_string().starts_with("unsupported protocol: "), "{pi:?}: {e}");
            assert!(e.errors()[0].2.starts_with("unsupported protocol"));
        }
        // Incompatible in something other than the version: not "unsupported protocol".
        let e = Error::Tls(rustls::Error::PeerIncompatible(PI::NoKxGroupsInCommon));
        assert!(e.to_string().starts_with("handshake failure"), "{e}");
        let e = Error::Tls(rustls::Error::AlertReceived(
            rustls::AlertDescription::ProtocolVersion,
        ));
        assert!(e.to_string().starts_with("tlsv1 alert protocol version"));
    }

    #[test]
    fn version_misbehaviour_reads_like_openssl() {
        use rustls::PeerMisbehaved as PM;
        let reason = |pm| Error::Tls(rustls::Error::PeerMisbehaved(pm)).to_string();
        assert!(
            reason(PM::SelectedTls12UsingTls13VersionExtension).starts_with("bad protocol version number: ")
        );
        assert!(reason(PM::IllegalHelloRetryRequestWithUnsupportedVersion)
            .starts_with("bad protocol version number: "));
        assert!(
            reason(PM::AttemptedDowngradeToTls12WhenTls13IsSupported).starts_with("inappropriate fallback: ")
        );
    }

    #[test]
    fn alerts_read_like_openssl() {
        let e = Error::Tls(rustls::Error::AlertReceived(rustls::AlertDescription::UnknownCA));
        assert!(e.to_string().starts_with("tlsv1 alert unknown ca"));
        assert!(e.is_fatal());
    }

    #[test]
    fn codes_are_nodes() {
        use rustls::{AlertDescription as A, Error as E, InvalidMessage as IM, PeerIncompatible as PI};
        let cases: Vec<(Error, &str)> = vec![
            (Error::WantRead, "ERR_SSL_WANT_READ"),
            (Error::WantWrite, "ERR_SSL_WANT_WRITE"),
            (Error::ZeroReturn, "ERR_SSL_ZERO_RETURN"),
            (Error::unexpected_eof(), "ECONNRESET"),
            (
                E::InvalidMessage(IM::InvalidContentType).into(),
                "ERR_SSL_WRONG_VERSION_NUMBER",
            ),
            (
                E::InvalidMessage(IM::MessageTooLarge).into(),
                "ERR_SSL_PACKET_LENGTH_TOO_LONG",
            ),
            (
                E::InvalidMessage(IM::MessageTooShort).into(),
                "ERR_SSL_BAD_PACKET",
            ),
            (
                E::DecryptError.into(),
                "ERR_SSL_DECRYPTION_FAILED_OR_BAD_RECORD_MAC",
            ),
            (
                E::AlertReceived(A::ProtocolVersion).into(),
                "ERR_SSL_TLSV1_ALERT_PROTOCOL_VERSION",
            ),
            (
                E::AlertReceived(A::HandshakeFailure).into(),
                "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE",
            ),
            (
                E::AlertReceived(A::UnknownCA).into(),
                "ERR_SSL_TLSV1_ALERT_UNKNOWN_CA",
            ),
            (
                E::AlertReceived(A::CertificateRequired).into(),
                "ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED",
            ),
            (
                E::PeerIncompatible(PI::Tls12NotOffered).into(),
                "ERR_SSL_UNSUPPORTED_PROTOCOL",
            ),
            (
                E::PeerIncompatible(PI::NoCipherSuitesInCommon).into(),
                "ERR_SSL_NO_SHARED_CIPHER",
            ),
            (Error::UnsupportedProtocol, "ERR_SSL_UNSUPPORTED_PROTOCOL"),
            (Error::NoCipherMatch, "ERR_SSL_NO_CIPHER_MATCH"),
            (
                Error::ssl("bad write retry: with other data"),
                "ERR_SSL_BAD_WRITE_RETRY",
            ),
            (
                Error::ssl("unsupported group: foo (bar)"),
                "ERR_SSL_UNSUPPORTED_GROUP",
            ),
            (
                Error::pem("no start line (expected DH PARAMETERS)"),
                "ERR_OSSL_PEM_NO_START_LINE",
            ),
            (
                Error::x509("key values mismatch"),
                "ERR_OSSL_X509_KEY_VALUES_MISMATCH",
            ),
            (Error::ssl(""), "ERR_SSL_ERROR"),
            (Error::ssl("::(("), "ERR_SSL_ERROR"),
            (
                Error::NotSupported("renegotiation"),
                "ERR_SSL_RENEGOTIATION_IS_NOT_SUPPORTED",
            ),
            (Error::CallbackFailed, "ERR_SSL_CALLBACK_FAILED"),
            (Error::Type("x".into()), "ERR_INVALID_ARG_TYPE"),
            (Error::Range("x".into()), "ERR_OUT_OF_RANGE"),
            (
                Error::Verify {
                    code: VerifyCode::ERR_CERT_HAS_EXPIRED,
                    detail: "a: b (c)".into(),
                },
                "CERT_HAS_EXPIRED",
            ),
        ];
        for (e, code) in cases {
            assert_eq!(e.code(), code, "{e:?}");
            assert_eq!(e.verify_result().is_some(), matches!(e, Error::Verify { .. }));
        }
        let e = Error::Verify {
            code: VerifyCode::ERR_IP_ADDRESS_MISMATCH,
            detail: String::new(),
        };
        assert_eq!(
            (e.code().as_str(), e.verify_result()),
            ("ERR_TLS_CERT_ALTNAME_INVALID", Some(64))
        );
    }

    #[test]
    fn garbage_reads_like_openssl() {
        use rustls::InvalidMessage as IM;
        let e = Error::Tls(rustls::Error::InvalidMessage(IM::InvalidContentType));
        assert!(e.to_string().starts_with("wrong version number: "), "{e}");
        let e = Error::Tls(rustls::Error::InappropriateMessage {
            expect_types: vec![],
            got_type: rustls::ContentType::ApplicationData,
        });
        assert!(e.to_string().starts_with("unexpected message: "), "{e}");
    }

    #[test]
    fn alerts_read_like_openssl_without_debug_names() {
        let e = Error::Tls(rustls::Error::AlertReceived(
            rustls::AlertDescription::HandshakeFailure,
        ));
        assert_eq!(
            e.to_string(),
            "sslv3 alert handshake failure (SSL alert number 40)"
        );
        assert_eq!(e.code(), "ERR_SSL_SSLV3_ALERT_HANDSHAKE_FAILURE");
        let e = Error::Tls(rustls::Error::AlertReceived(rustls::AlertDescription::Unknown(
            200,
        )));
        assert_eq!(e.to_string(), "alert received (SSL alert number 200)");
        let e = Error::Tls(rustls::Error::InvalidMessage(
            rustls::InvalidMessage::InvalidContentType,
        ));
        assert_eq!(
            e.to_string(),
            "wrong version number: received a corrupt message (invalid content type)"
        );
    }
}
