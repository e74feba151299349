//! Everything a JS caller can ask of a loaded certificate, key or name, with the invariants
//! that hold for any input: round trips, and answers that agree with each other.

use std::sync::OnceLock;

use rustls_ssl::ssl::pkey::{KeyType, PKey};
use rustls_ssl::ssl::x509::{X509Name, DIGEST_NAMES, X509};

/// The fixtures' P-256 server key, parsed once.
pub fn server_key() -> PKey {
    static KEY: OnceLock<PKey> = OnceLock::new();
    KEY.get_or_init(|| PKey::from_pem(crate::SERVER_KEY, None).expect("fixture key"))
        .clone()
}

pub fn inspect_certificate(cert: &X509) {
    inspect_name(&cert.subject());
    inspect_name(&cert.issuer());
    assert!(!cert.serial().is_empty(), "a serial has at least one byte");
    let _ = (cert.not_before(), cert.not_after());
    let (before, after) = (cert.not_before_unix(), cert.not_after_unix());
    let _ = (
        cert.has_expired(before),
        cert.has_expired(after),
        cert.has_expired(i64::MAX),
    );
    for name in DIGEST_NAMES {
        let d = cert.digest(name).expect("an offered digest");
        assert!(d.len() >= 59, "{name} digest {d}");
    }
    for name in ["SHA-256", "md5", "", "sha256\0"] {
        let _ = cert.digest(name);
    }
    let _ = cert.subject_alt_names();
    let _ = cert.signature_algorithm();
    let _ = (
        cert.is_ca(),
        cert.is_self_issued(),
        cert.version(),
        cert.extension_count(),
    );
    let _ = cert.public_key_der();
    let again = X509::from_pem(cert.to_pem().as_bytes()).expect("to_pem output parses");
    assert_eq!(again.der(), cert.der(), "PEM round trip changed the certificate");
}

pub fn inspect_name(name: &X509Name) {
    for short in ["CN", "O", "C", "emailAddress", ""] {
        let _ = name.get(short);
    }
    let _ = name.to_rfc4514();
    // x509-parser reads a certificate whose Name holds a malformed OID (`06 01 D5`) but
    // refuses that Name on its own, so only a Name that parses must round-trip.
    if let Ok(again) = X509Name::from_der(&name.der) {
        assert_eq!(again.components, name.components, "name DER round trip");
    }
}

pub fn inspect_key(key: &PKey) {
    let kind = key.key_type();
    let bits = key.bits();
    assert_eq!(
        kind.is_ok(),
        bits.is_ok(),
        "type and size disagree: {kind:?} {bits:?}"
    );
    if let (Ok(KeyType::Ed25519), Ok(b)) = (&kind, &bits) {
        assert_eq!(*b, 256);
    }
    let usable = key.check_usable();
    let spki = key.public_key_spki();
    if usable.is_ok() {
        assert!(spki.is_ok(), "a usable key has a public key: {spki:?}");
    }
    // A key's own DER loads again; the one exception is a multi-prime RSA key in PKCS#1,
    // whose DER the encoding guesser takes for SEC1 (both have version 1), and which ring
    // cannot sign with anyway.
    match PKey::from_der(key.der().secret_der()) {
        Ok(again) => assert_eq!(again.der().secret_der(), key.der().secret_der()),
        Err(e) => assert!(
            matches!(kind, Ok(KeyType::Rsa)) && usable.is_err(),
            "a loaded key's DER does not load: {e:?}"
        ),
    }
}
