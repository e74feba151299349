//! `PKey` and `loadPrivateKey` for JS: conversions around `ssl::pkey`, nothing more.

use wasm_bindgen::prelude::*;

use crate::ssl::{self, constants::filetype};
use crate::wasm::convert;
use crate::wasm::errors::JsResult;
use crate::wasm::x509::file_type_arg;

/// A private key, as pyOpenSSL's `crypto.PKey`.
#[wasm_bindgen(js_name = PKey)]
pub struct PKey {
    pub(crate) inner: ssl::pkey::PKey,
}

impl From<ssl::pkey::PKey> for PKey {
    fn from(inner: ssl::pkey::PKey) -> Self {
        Self { inner }
    }
}

#[wasm_bindgen(js_class = PKey)]
impl PKey {
    /// PKCS#1, PKCS#8 or SEC1 PEM; `ENCRYPTED PRIVATE KEY` needs `passphrase` (string or bytes).
    #[wasm_bindgen(js_name = fromPem)]
    pub fn from_pem(text: JsValue, passphrase: JsValue) -> JsResult<PKey> {
        let data = convert::bytes(&text, "text")?;
        let passphrase = passphrase_arg(&passphrase)?;
        ssl::pkey::PKey::from_pem(&data, passphrase.as_deref())
            .map(PKey::from)
            .map_err(JsValue::from)
    }

    #[wasm_bindgen(js_name = fromDer)]
    pub fn from_der(bytes: JsValue) -> JsResult<PKey> {
        let data = convert::bytes(&bytes, "bytes")?;
        ssl::pkey::PKey::from_der(&data)
            .map(PKey::from)
            .map_err(JsValue::from)
    }

    /// `"RSA"`, `"EC"` or `"Ed25519"`.
    #[wasm_bindgen(js_name = getType)]
    pub fn key_type(&self) -> JsResult<String> {
        self.inner
            .key_type()
            .map(|t| t.name().to_string())
            .map_err(JsValue::from)
    }

    #[wasm_bindgen(js_name = getBits)]
    pub fn bits(&self) -> JsResult<u32> {
        self.inner.bits().map_err(JsValue::from)
    }

    /// The DER in the key's own encoding (PKCS#1, SEC1 or PKCS#8), never encrypted.
    #[wasm_bindgen(js_name = toDer)]
    pub fn to_der(&self) -> Vec<u8> {
        self.inner.der().secret_der().to_vec()
    }
}

/// pyOpenSSL's `load_privatekey(type, buffer, passphrase=None)`.
#[wasm_bindgen(js_name = loadPrivateKey)]
pub fn load_private_key(file_type: JsValue, data: JsValue, passphrase: JsValue) -> JsResult<PKey> {
    let file_type = file_type_arg(&file_type)?;
    let data = convert::bytes(&data, "data")?;
    let passphrase = passphrase_arg(&passphrase)?;
    let key = if file_type == filetype::PEM {
        ssl::pkey::PKey::from_pem(&data, passphrase.as_deref())
    } else {
        ssl::pkey::PKey::from_der_with_passphrase(&data, passphrase.as_deref())
    };
    key.map(PKey::from).map_err(JsValue::from)
}

/// `null`/`undefined` for none; otherwise a string (UTF-8) or bytes.
fn passphrase_arg(v: &JsValue) -> ssl::Result<Option<Vec<u8>>> {
    if convert::is_absent(v) {
        return Ok(None);
    }
    convert::bytes(v, "passphrase").map(Some)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use wasm_bindgen_test::*;

    use super::*;

    const P256_ENCRYPTED: &str = include_str!("../ssl/testdata/p256.encrypted.pem");
    const RSA2048: &str = include_str!("../ssl/testdata/rsa2048.pkcs1.pem");

    #[wasm_bindgen_test]
    fn passphrases_may_be_strings_bytes_or_absent() {
        let text = JsValue::from_str(P256_ENCRYPTED);
        let k = PKey::from_pem(text.clone(), JsValue::from_str("secret")).unwrap();
        assert_eq!(
            (k.key_type().unwrap(), k.bits().unwrap()),
            ("EC".to_string(), 256)
        );
        let bytes = js_sys::Uint8Array::from(&b"secret"[..]);
        assert!(load_private_key(JsValue::from(filetype::PEM), text.clone(), bytes.into()).is_ok());
        assert!(PKey::from_pem(text.clone(), JsValue::UNDEFINED).is_err());
        assert!(PKey::from_pem(text.clone(), JsValue::NULL).is_err());
        let e = PKey::from_pem(text, JsValue::from(7)).err().unwrap();
        assert!(e.is_instance_of::<js_sys::TypeError>());
    }

    #[wasm_bindgen_test]
    fn der_round_trips() {
        let k = load_private_key(
            JsValue::from(filetype::PEM),
            JsValue::from_str(RSA2048),
            JsValue::UNDEFINED,
        )
        .unwrap();
        let der = js_sys::Uint8Array::from(k.to_der().as_slice());
        let again = load_private_key(
            JsValue::from(filetype::ASN1),
            der.clone().into(),
            JsValue::UNDEFINED,
        )
        .unwrap();
        assert_eq!(again.to_der(), k.to_der());
        assert_eq!(PKey::from_der(der.into()).unwrap().bits().unwrap(), 2048);
        let e = load_private_key(JsValue::from(9), JsValue::from_str(RSA2048), JsValue::UNDEFINED)
            .err()
            .unwrap();
        assert!(e.is_instance_of::<js_sys::RangeError>());
    }
}
