//! The DER loaders on arbitrary bytes: a certificate and every getter the binding exposes,
//! keys (plain and encrypted PKCS#8), a distinguished name, a trust anchor, and the
//! certificate/key pairing check.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustls_ssl::ssl::constants::method;
use rustls_ssl::ssl::pkey::PKey;
use rustls_ssl::ssl::x509::{X509Name, X509};
use rustls_ssl::ssl::Context;
use rustls_ssl_fuzz::loaders::{inspect_certificate, inspect_key, inspect_name, server_key};

fuzz_target!(|data: &[u8]| {
    if let Ok(cert) = X509::from_der(data) {
        inspect_certificate(&cert);
        if let Ok(mut ctx) = Context::new(method::TLS) {
            let _ = ctx.add_trust(vec![cert.der().clone()]);
            if ctx.settings.set_certificate(cert.clone()).is_ok()
                && ctx.settings.set_private_key(server_key()).is_ok()
            {
                let _ = ctx.settings.check_private_key();
            }
        }
    }
    if let Ok(key) = PKey::from_der(data) {
        inspect_key(&key);
    }
    if let Ok(key) = PKey::from_der_with_passphrase(data, Some(b"secret")) {
        inspect_key(&key);
    }
    if let Ok(name) = X509Name::from_der(data) {
        inspect_name(&name);
    }
});
