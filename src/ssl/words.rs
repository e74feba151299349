//! rustls, rustls-webpki and PEM errors in words a user can read. Their own `Display` prints
//! `Debug` for much of what matters (`CertNotValidForName(InvalidNameContext { … })`,
//! `peer misbehaved: SelectedUnofferedCipherSuite`, `Base64Decode("…")`), which reads as a
//! crash dump in a JS error message. The cases users meet are spelled out; the long tail of
//! the crates' (non-exhaustive) enums is named by its variant, de-camel-cased, so that a new
//! variant in a later release still comes out as words.

use rustls::{CertificateError, Error as TlsError};
use rustls_pki_types::pem;

/// What `e` says, after OpenSSL's reason (which the caller puts first). Alerts are the
/// caller's: OpenSSL words them by their number.
pub fn tls_detail(e: &TlsError) -> String {
    match e {
        TlsError::InappropriateMessage {
            expect_types,
            got_type,
        } => expected_got(&variant_words(got_type), expect_types.iter().map(variant_words)),
        TlsError::InappropriateHandshakeMessage {
            expect_types,
            got_type,
        } => expected_got(&variant_words(got_type), expect_types.iter().map(variant_words)),
        TlsError::InvalidMessage(m) => format!("received a corrupt message ({})", variant_words(m)),
        TlsError::PeerIncompatible(why) => format!("the peer is incompatible ({})", variant_words(why)),
        TlsError::PeerMisbehaved(why) => format!("the peer misbehaved ({})", variant_words(why)),
        TlsError::AlertReceived(a) => format!("the peer sent alert {}", u8::from(*a)),
        TlsError::InvalidCertificate(c) => certificate_words(c),
        TlsError::InvalidCertRevocationList(c) => {
            format!("invalid certificate revocation list ({})", variant_words(c))
        }
        TlsError::InvalidEncryptedClientHello(c) => {
            format!("encrypted client hello failed ({})", variant_words(c))
        }
        TlsError::InconsistentKeys(c) => format!("the keys do not match ({})", variant_words(c)),
        // These print no Debug: rustls's own sentence (for General and Other, the text the
        // code that raised them gave).
        TlsError::NoCertificatesPresented
        | TlsError::UnsupportedNameType
        | TlsError::DecryptError
        | TlsError::EncryptError
        | TlsError::PeerSentOversizedRecord
        | TlsError::HandshakeNotComplete
        | TlsError::NoApplicationProtocol
        | TlsError::FailedToGetCurrentTime
        | TlsError::FailedToGetRandomBytes
        | TlsError::BadMaxFragmentSize
        | TlsError::General(_) => e.to_string(),
        TlsError::Other(o) => other_words(o),
        _ => variant_words(e),
    }
}

fn expected_got(got: &str, expected: impl Iterator<Item = String>) -> String {
    let expected: Vec<String> = expected.collect();
    if expected.is_empty() {
        return format!("got {got}");
    }
    format!("got {got} when expecting {}", expected.join(" or "))
}

/// A certificate rustls refused.
pub fn certificate_words(e: &CertificateError) -> String {
    match e {
        CertificateError::NotValidForName => "the certificate is not valid for the name asked for".into(),
        CertificateError::NotValidForNameContext { expected, presented } => name_mismatch(
            presented.iter().map(|p| name_of_presented(p)),
            expected.to_str().as_ref(),
        ),
        CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
            "certificate has expired".into()
        }
        CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
            "certificate is not yet valid".into()
        }
        CertificateError::UnknownIssuer => "unable to get local issuer certificate".into(),
        CertificateError::BadSignature => "certificate signature failure".into(),
        CertificateError::ApplicationVerificationFailure => "application verification failure".into(),
        CertificateError::Other(o) => other_words(o),
        other => variant_words(other),
    }
}

/// rustls wraps the webpki errors it has no variant for in `Other`, whose text is webpki's
/// `Debug`; anything else there is the text of whoever raised it.
fn other_words(o: &rustls::OtherError) -> String {
    match o.0.downcast_ref::<webpki::Error>() {
        Some(w) => webpki_words(w),
        None => o.to_string(),
    }
}

/// webpki's `presented` names are `Debug` of its own types (`DnsName("a")`,
/// `IpAddress(1.2.3.4)`): the name inside.
fn name_of_presented(p: &str) -> String {
    let inner = p
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or(p);
    inner.trim_matches('"').replace("\\\"", "\"")
}

/// "certificate is valid for a, b, not c": the names a certificate holds against the one the
/// client asked for, as OpenSSL users read a hostname mismatch.
pub fn name_mismatch(valid_for: impl Iterator<Item = String>, asked: &str) -> String {
    let names: Vec<String> = valid_for.filter(|n| !n.is_empty()).collect();
    if names.is_empty() {
        return format!("certificate names no host name or IP address (no subjectAltName), not {asked}");
    }
    format!("certificate is valid for {}, not {asked}", names.join(", "))
}

/// A rustls-webpki error (its `Display` is its `Debug`).
pub fn webpki_words(e: &webpki::Error) -> String {
    use webpki::Error as W;
    match e {
        W::CertNotValidForName(ctx) => name_mismatch(
            ctx.presented.iter().map(|p| name_of_presented(p)),
            ctx.expected.to_str().as_ref(),
        ),
        W::CertExpired { .. } => "certificate has expired".into(),
        W::CertNotValidYet { .. } => "certificate is not yet valid".into(),
        W::UnknownIssuer => "unknown issuer".into(),
        W::BadDer => "the certificate's DER does not parse".into(),
        W::BadDerTime => "a time in the certificate does not parse".into(),
        W::CaUsedAsEndEntity => "a CA certificate used as an end entity".into(),
        W::EndEntityUsedAsCa => "an end-entity certificate used as a CA".into(),
        W::RequiredEkuNotFoundContext(_) => "extendedKeyUsage does not allow this use".into(),
        W::UnsupportedSignatureAlgorithmContext(_) => "unsupported signature algorithm".into(),
        W::UnsupportedSignatureAlgorithmForPublicKeyContext(_) => {
            "unsupported signature algorithm for this public key".into()
        }
        W::TrailingData(_) => "trailing data after the certificate".into(),
        W::UnsupportedCriticalExtension => "unhandled critical extension".into(),
        other => variant_words(other),
    }
}

/// A PEM section that does not parse.
pub fn pem_words(e: &pem::Error) -> String {
    match e {
        pem::Error::MissingSectionEnd { .. } => "a section has no end line".into(),
        pem::Error::IllegalSectionStart { .. } => "a section starts inside another".into(),
        pem::Error::Base64Decode(_) => "the base64 inside does not decode".into(),
        pem::Error::NoItemsFound => "no PEM section found".into(),
        other => variant_words(other),
    }
}

/// The variant name of `value`'s `Debug`, in lower-case words, and when it wraps one plain
/// name (`MissingData("Random")`), that name too: "missing data: random"; an unknown code
/// keeps its number. Bytes and nested structures are left out: a reader cannot act on them.
pub fn variant_words(value: &impl std::fmt::Debug) -> String {
    let debug = format!("{value:?}");
    let head_end = debug.find(['(', ' ', '{']).unwrap_or(debug.len());
    let (head, rest) = debug.split_at(head_end);
    let mut out = camel_words(head);
    let inner = rest
        .strip_prefix("(\"")
        .and_then(|r| r.strip_suffix("\")"))
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_alphanumeric()));
    // rustls's unknown codes are `ContentType(0x63)`: the number is what identifies them.
    let code = rest
        .strip_prefix("(0x")
        .and_then(|r| r.strip_suffix(')'))
        .filter(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_hexdigit()));
    if let Some(inner) = inner {
        out.push_str(": ");
        out.push_str(&camel_words(inner));
    } else if let Some(code) = code {
        out.push_str(" 0x");
        out.push_str(code);
    }
    if out.is_empty() {
        out.push_str("unknown");
    }
    out
}

/// `SelectedTls12UsingTls13VersionExtension` → "selected TLS 1.2 using TLS 1.3 version
/// extension"; `ECPointsExtensionRequired` → "EC points extension required".
fn camel_words(ident: &str) -> String {
    let chars: Vec<char> = ident.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|p| chars.get(p)).copied();
        let next = chars.get(i.saturating_add(1)).copied();
        let boundary = c.is_ascii_uppercase()
            && match prev {
                Some(p) if p.is_ascii_lowercase() || p.is_ascii_digit() => true,
                // The last capital of an acronym starts the next word: "ECPoints" → EC Points.
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
        if boundary && !current.is_empty() {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words.iter().map(|w| word(w)).collect::<Vec<_>>().join(" ")
}

fn word(w: &str) -> String {
    let lower = w.to_ascii_lowercase();
    let known = match lower.as_str() {
        "tls12" => "TLS 1.2",
        "tls13" => "TLS 1.3",
        "tls" => "TLS",
        "ccs" => "CCS",
        "psk" => "PSK",
        "sni" => "SNI",
        "alpn" => "ALPN",
        "ech" => "ECH",
        "eku" => "EKU",
        "crl" => "CRL",
        "der" => "DER",
        "dns" => "DNS",
        "ip" => "IP",
        "ec" => "EC",
        "quic" => "QUIC",
        "ocsp" => "OCSP",
        "sct" => "SCT",
        _ if w.len() > 1 && w.chars().all(|c| c.is_ascii_uppercase() || c.is_ascii_digit()) => w,
        _ => return lower,
    };
    known.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustls::{AlertDescription, ContentType, InvalidMessage, PeerMisbehaved};

    #[test]
    fn camel_case_becomes_words() {
        assert_eq!(
            camel_words("SelectedTls12UsingTls13VersionExtension"),
            "selected TLS 1.2 using TLS 1.3 version extension"
        );
        assert_eq!(
            camel_words("ECPointsExtensionRequired"),
            "EC points extension required"
        );
        assert_eq!(camel_words("InvalidContentType"), "invalid content type");
        assert_eq!(camel_words(""), "");
    }

    #[test]
    fn variants_with_payloads_keep_a_plain_name_only() {
        assert_eq!(
            variant_words(&InvalidMessage::MissingData("ProtocolVersion")),
            "missing data: protocol version"
        );
        assert_eq!(variant_words(&ContentType::Unknown(99)), "content type 0x63");
        assert_eq!(
            variant_words(&AlertDescription::Unknown(200)),
            "alert description 0xc8"
        );
        assert_eq!(
            variant_words(&InvalidMessage::UnknownProtocolVersion),
            "unknown protocol version"
        );
    }

    #[test]
    fn tls_errors_read_as_words() {
        let e = TlsError::InappropriateMessage {
            expect_types: vec![ContentType::Handshake],
            got_type: ContentType::ApplicationData,
        };
        assert_eq!(tls_detail(&e), "got application data when expecting handshake");
        let e = TlsError::PeerMisbehaved(PeerMisbehaved::SelectedUnofferedCipherSuite);
        assert_eq!(
            tls_detail(&e),
            "the peer misbehaved (selected unoffered cipher suite)"
        );
        let e = TlsError::InvalidMessage(InvalidMessage::InvalidContentType);
        assert_eq!(
            tls_detail(&e),
            "received a corrupt message (invalid content type)"
        );
    }

    #[test]
    fn names_in_a_mismatch() {
        assert_eq!(name_of_presented("DnsName(\"localhost\")"), "localhost");
        assert_eq!(name_of_presented("IpAddress(127.0.0.1)"), "127.0.0.1");
        assert_eq!(
            name_mismatch(
                ["localhost".to_string(), "127.0.0.1".to_string()].into_iter(),
                "x.example"
            ),
            "certificate is valid for localhost, 127.0.0.1, not x.example"
        );
        assert_eq!(
            name_mismatch(std::iter::empty(), "x.example"),
            "certificate names no host name or IP address (no subjectAltName), not x.example"
        );
    }

    #[test]
    fn webpki_errors_inside_rustls_other() {
        let wrapped = CertificateError::Other(rustls::OtherError(std::sync::Arc::new(
            webpki::Error::UnsupportedCriticalExtension,
        )));
        assert_eq!(certificate_words(&wrapped), "unhandled critical extension");
        assert_eq!(
            webpki_words(&webpki::Error::MaximumPathDepthExceeded),
            "maximum path depth exceeded"
        );
    }

    #[test]
    fn pem_errors_have_no_bytes() {
        let e = pem::Error::IllegalSectionStart {
            line: b"-----BEGIN X-----".to_vec(),
        };
        assert_eq!(pem_words(&e), "a section starts inside another");
    }
}
