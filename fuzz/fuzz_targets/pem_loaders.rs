//! The PEM loaders on arbitrary text: certificate bundles, keys (PKCS#1, PKCS#8, SEC1, and
//! encrypted PKCS#8 with the fixtures' passphrase), and a Context's trust store.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustls_ssl::ssl::constants::method;
use rustls_ssl::ssl::pkey::PKey;
use rustls_ssl::ssl::x509::X509;
use rustls_ssl::ssl::{pem, Context};
use rustls_ssl_fuzz::loaders::{inspect_certificate, inspect_key};

fuzz_target!(|data: &[u8]| {
    let _ = pem::looks_like_pem(data);
    if let Ok(certs) = pem::certificates(data) {
        assert!(!certs.is_empty(), "certificates() gave Ok(empty)");
    }
    let _ = pem::private_key(data);
    let _ = PKey::is_encrypted_pem(data);
    for passphrase in [None, Some(&b"secret"[..])] {
        if let Ok(key) = PKey::from_pem(data, passphrase) {
            inspect_key(&key);
        }
    }
    if let Ok(cert) = X509::from_pem(data) {
        inspect_certificate(&cert);
    }
    if let Ok(mut ctx) = Context::new(method::TLS) {
        let _ = ctx.load_verify_data(data);
    }
});
