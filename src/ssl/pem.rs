//! Reading certificates and keys from PEM or DER bytes, through `rustls-pki-types`'
//! `PemObject` (the maintained home of what `rustls-pemfile` did).

use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::ssl::error::{Error, Result};

/// PEM is recognised by its armour; anything else is taken as DER.
pub fn looks_like_pem(data: &[u8]) -> bool {
    let start = data
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(data.len());
    data.get(start..).unwrap_or_default().starts_with(b"-----BEGIN")
}

/// Every certificate in a PEM bundle (leaf first, as written), or the one DER certificate.
pub fn certificates(data: &[u8]) -> Result<Vec<CertificateDer<'static>>> {
    if !looks_like_pem(data) {
        return if data.is_empty() {
            Err(Error::pem("no start line"))
        } else {
            Ok(vec![CertificateDer::from(data.to_vec())])
        };
    }
    let certs = CertificateDer::pem_slice_iter(data)
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(pem_error)?;
    if certs.is_empty() {
        return Err(Error::pem("no certificate found (no start line)"));
    }
    Ok(certs)
}

/// The first private key in PEM (PKCS#1, PKCS#8 or SEC1), or a DER key of any of those.
pub fn private_key(data: &[u8]) -> Result<PrivateKeyDer<'static>> {
    if looks_like_pem(data) {
        if data.windows(9).any(|w| w == b"ENCRYPTED") {
            return Err(Error::pem(
                "bad decrypt (encrypted key: use PKey.fromPem with a passphrase or setPasswdCb)",
            ));
        }
        return PrivateKeyDer::from_pem_slice(data).map_err(pem_error);
    }
    PrivateKeyDer::try_from(data.to_vec())
        .map_err(|e| Error::pem(format!("unsupported private key encoding: {e}")))
}

fn pem_error(e: pem::Error) -> Error {
    match e {
        pem::Error::NoItemsFound => Error::pem("no start line"),
        other => Error::pem(format!(
            "bad base64 decode or malformed PEM: {}",
            crate::ssl::words::pem_words(&other)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(certificates(b"-----BEGIN CERTIFICATE-----\n!!!\n").is_err());
        assert!(certificates(b"").is_err());
        assert!(private_key(b"-----BEGIN PRIVATE KEY-----\n").is_err());
        assert!(private_key(b"").is_err());
    }
}
