//! `X509`, `X509Name` and the certificate helpers (`loadCertificate`, `dumpCertificate`) for JS:
//! conversions around `ssl::x509`, nothing more.

use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::ssl::{self, constants::filetype, Error};
use crate::wasm::convert;
use crate::wasm::errors::JsResult;

/// A certificate, as pyOpenSSL's `crypto.X509`.
#[wasm_bindgen(js_name = X509)]
pub struct X509 {
    pub(crate) inner: ssl::x509::X509,
}

impl From<ssl::x509::X509> for X509 {
    fn from(inner: ssl::x509::X509) -> Self {
        Self { inner }
    }
}

/// A distinguished name, as pyOpenSSL's `crypto.X509Name`. The package entry adds the `.CN`,
/// `.O`, … getters on the prototype.
#[wasm_bindgen(js_name = X509Name)]
pub struct X509Name {
    pub(crate) inner: ssl::x509::X509Name,
}

impl From<ssl::x509::X509Name> for X509Name {
    fn from(inner: ssl::x509::X509Name) -> Self {
        Self { inner }
    }
}

#[wasm_bindgen(js_class = X509)]
impl X509 {
    /// The first certificate in PEM `text` (a string or bytes).
    #[wasm_bindgen(js_name = fromPem)]
    pub fn from_pem(text: JsValue) -> JsResult<X509> {
        let data = convert::bytes(&text, "text")?;
        ssl::x509::X509::from_pem(&data)
            .map(X509::from)
            .map_err(JsValue::from)
    }

    #[wasm_bindgen(js_name = fromDer)]
    pub fn from_der(bytes: JsValue) -> JsResult<X509> {
        let data = convert::bytes(&bytes, "bytes")?;
        ssl::x509::X509::from_der(&data)
            .map(X509::from)
            .map_err(JsValue::from)
    }

    #[wasm_bindgen(js_name = toPem)]
    pub fn to_pem(&self) -> String {
        self.inner.to_pem()
    }

    #[wasm_bindgen(js_name = toDer)]
    pub fn to_der(&self) -> Vec<u8> {
        self.inner.der().to_vec()
    }

    #[wasm_bindgen(js_name = getSubject)]
    pub fn subject(&self) -> X509Name {
        self.inner.subject().into()
    }

    #[wasm_bindgen(js_name = getIssuer)]
    pub fn issuer(&self) -> X509Name {
        self.inner.issuer().into()
    }

    /// A `bigint`: serials are up to 20 bytes, far past `Number.MAX_SAFE_INTEGER`.
    #[wasm_bindgen(js_name = getSerialNumber)]
    pub fn serial_number(&self) -> JsResult<js_sys::BigInt> {
        let hex: String = self.inner.serial().iter().map(|b| format!("{b:02x}")).collect();
        js_sys::BigInt::new(&JsValue::from_str(&format!("0x{hex}"))).map_err(JsValue::from)
    }

    /// `"YYYYMMDDhhmmssZ"`.
    #[wasm_bindgen(js_name = getNotBefore)]
    pub fn not_before(&self) -> String {
        self.inner.not_before()
    }

    /// `"YYYYMMDDhhmmssZ"`.
    #[wasm_bindgen(js_name = getNotAfter)]
    pub fn not_after(&self) -> String {
        self.inner.not_after()
    }

    /// Against the JS clock, the only one wasm32 has.
    #[wasm_bindgen(js_name = hasExpired)]
    pub fn has_expired(&self) -> bool {
        // Seconds since 1970 are far inside i64, and `as` saturates rather than wraps.
        #[allow(clippy::cast_possible_truncation)]
        let now = (js_sys::Date::now() / 1000.0).floor() as i64;
        self.inner.has_expired(now)
    }

    /// `"AB:CD:…"`; `name` is `"sha1"`, `"sha256"`, `"sha384"` or `"sha512"`.
    pub fn digest(&self, name: JsValue) -> JsResult<String> {
        let name = convert::string(&name, "digest name")?;
        self.inner.digest(&name).map_err(JsValue::from)
    }

    /// `["DNS:localhost", "IP Address:127.0.0.1", …]`, in certificate order.
    #[wasm_bindgen(js_name = getSubjectAltNames)]
    pub fn subject_alt_names(&self) -> Vec<String> {
        self.inner.subject_alt_names()
    }

    /// OpenSSL's long name, e.g. `"sha256WithRSAEncryption"`.
    #[wasm_bindgen(js_name = getSignatureAlgorithm)]
    pub fn signature_algorithm(&self) -> String {
        self.inner.signature_algorithm()
    }

    /// 0-based, as pyOpenSSL's `get_version` (2 is v3).
    #[wasm_bindgen(js_name = getVersion)]
    pub fn version(&self) -> u32 {
        self.inner.version()
    }
}

#[wasm_bindgen(js_class = X509Name)]
impl X509Name {
    /// `[[name, value], …]` in DER order, with OpenSSL short names.
    #[wasm_bindgen(js_name = getComponents)]
    pub fn components(&self) -> Array {
        self.inner
            .components
            .iter()
            .map(|(k, v)| Array::of2(&JsValue::from_str(k), &JsValue::from_str(v)))
            .collect()
    }

    /// RFC 4514, as OpenSSL prints it: `CN=…,O=…,C=US`.
    #[wasm_bindgen(js_name = toString)]
    pub fn to_rfc4514(&self) -> String {
        self.inner.to_rfc4514()
    }

    /// The last value of the component `short_name` (`"CN"`, `"O"`, …), or `undefined`.
    pub fn get(&self, short_name: JsValue) -> JsResult<Option<String>> {
        let short_name = convert::string(&short_name, "name")?;
        Ok(self.inner.get(&short_name).map(str::to_string))
    }

    #[wasm_bindgen(js_name = toDer)]
    pub fn to_der(&self) -> Vec<u8> {
        self.inner.der.clone()
    }
}

/// pyOpenSSL's `load_certificate(type, buffer)`.
#[wasm_bindgen(js_name = loadCertificate)]
pub fn load_certificate(file_type: JsValue, data: JsValue) -> JsResult<X509> {
    let file_type = file_type_arg(&file_type)?;
    let data = convert::bytes(&data, "data")?;
    let cert = if file_type == filetype::PEM {
        ssl::x509::X509::from_pem(&data)
    } else {
        ssl::x509::X509::from_der(&data)
    };
    cert.map(X509::from).map_err(JsValue::from)
}

/// pyOpenSSL's `dump_certificate(type, cert)`: PEM text as UTF-8 bytes, or DER.
#[wasm_bindgen(js_name = dumpCertificate)]
pub fn dump_certificate(file_type: JsValue, x509: JsValue) -> JsResult<Vec<u8>> {
    let file_type = file_type_arg(&file_type)?;
    // Taken as a plain value, so a wrong argument is a TypeError that says what it was (a
    // typed parameter would throw wasm-bindgen's bare "expected instance of X509").
    let der = match convert::der_via_method(&x509) {
        Some(der) if convert::is_x509(&x509) => der?,
        _ => {
            return Err(
                Error::Type(format!("x509 must be an X509, not {}", convert::type_name(&x509))).into(),
            )
        }
    };
    let cert = ssl::x509::X509::from_der(&der)?;
    Ok(if file_type == filetype::PEM {
        cert.to_pem().into_bytes()
    } else {
        cert.der().to_vec()
    })
}

/// `FILETYPE_PEM` or `FILETYPE_ASN1`: a `TypeError` for a non-number, a `RangeError` for any
/// other number (pyOpenSSL raises `ValueError`).
pub(crate) fn file_type_arg(v: &JsValue) -> ssl::Result<u32> {
    match convert::uint(v, "fileType")? {
        t @ (filetype::PEM | filetype::ASN1) => Ok(t),
        other => Err(Error::Range(format!(
            "fileType must be FILETYPE_PEM ({}) or FILETYPE_ASN1 ({}), not {other}",
            filetype::PEM,
            filetype::ASN1
        ))),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    use super::*;

    const CA: &str = include_str!("../ssl/testdata/ca.pem");
    const LEAF: &str = include_str!("../ssl/testdata/leaf.pem");

    fn pem() -> JsValue {
        JsValue::from(filetype::PEM)
    }

    #[wasm_bindgen_test]
    fn loads_from_strings_and_bytes() {
        let ca = load_certificate(pem(), JsValue::from_str(CA)).unwrap();
        assert_eq!(
            ca.subject().to_rfc4514(),
            "CN=Testing Root CA,O=Testing,L=Chicago,ST=IL,C=US"
        );
        let der = js_sys::Uint8Array::from(ca.to_der().as_slice());
        let again = load_certificate(JsValue::from(filetype::ASN1), der.into()).unwrap();
        assert_eq!(again.to_pem(), CA);
        assert_eq!(
            X509::from_der(js_sys::Uint8Array::from(again.to_der().as_slice()).into())
                .unwrap()
                .to_pem(),
            CA
        );
    }

    #[wasm_bindgen_test]
    fn serial_is_a_bigint() {
        let leaf = X509::from_pem(JsValue::from_str(LEAF)).unwrap();
        let expected = js_sys::BigInt::new(&JsValue::from_str("0xa1b2c3d4e5f60718293a4b5c6d7e8f90")).unwrap();
        assert_eq!(leaf.serial_number().unwrap(), expected);
        let ca = X509::from_pem(JsValue::from_str(CA)).unwrap();
        assert_eq!(ca.serial_number().unwrap(), js_sys::BigInt::from(1u64));
    }

    #[wasm_bindgen_test]
    fn names_convert_to_arrays() {
        let leaf = X509::from_pem(JsValue::from_str(LEAF)).unwrap();
        let components = leaf.subject().components();
        assert_eq!(components.length(), 3);
        let first = Array::from(&components.get(0));
        assert_eq!(first.get(0).as_string().as_deref(), Some("CN"));
        assert_eq!(first.get(1).as_string().as_deref(), Some("localhost"));
        assert_eq!(
            leaf.subject().get(JsValue::from_str("O")).unwrap().as_deref(),
            Some("Testing")
        );
        assert_eq!(leaf.subject().get(JsValue::from_str("OU")).unwrap(), None);
        assert!(leaf.subject().get(JsValue::from(1)).is_err());
        assert_eq!(leaf.subject_alt_names()[0], "DNS:localhost");
        assert!(!leaf.has_expired() || js_sys::Date::now() > 2_111_097_838_000.0);
    }

    #[wasm_bindgen_test]
    fn argument_faults_become_type_and_range_errors() {
        let e = load_certificate(JsValue::from_str("PEM"), JsValue::from_str(CA))
            .err()
            .unwrap();
        assert!(e.is_instance_of::<js_sys::TypeError>());
        let e = load_certificate(JsValue::from(3), JsValue::from_str(CA))
            .err()
            .unwrap();
        assert!(e.is_instance_of::<js_sys::RangeError>());
        let e = load_certificate(pem(), JsValue::from(42)).err().unwrap();
        assert!(e.is_instance_of::<js_sys::TypeError>());
        let ca = X509::from_pem(JsValue::from_str(CA)).unwrap();
        let e = ca.digest(JsValue::from_str("md5")).err().unwrap();
        assert!(e.dyn_ref::<js_sys::RangeError>().is_some());
        assert!(dump_certificate(
            JsValue::NULL,
            JsValue::from(X509::from_pem(JsValue::from_str(CA)).unwrap())
        )
        .is_err());
        let e = dump_certificate(pem(), JsValue::from(42)).err().unwrap();
        assert!(
            e.is_instance_of::<js_sys::TypeError>(),
            "a non-X509 is a TypeError"
        );
        // A malformed certificate is the package's error, not an argument error.
        let e = load_certificate(
            pem(),
            JsValue::from_str("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"),
        )
        .err()
        .unwrap();
        assert!(!e.is_instance_of::<js_sys::TypeError>() && !e.is_instance_of::<js_sys::RangeError>());
    }

    #[wasm_bindgen_test]
    fn dump_round_trips() {
        let ca = X509::from_pem(JsValue::from_str(CA)).unwrap();
        assert_eq!(
            dump_certificate(
                pem(),
                JsValue::from(X509::from_pem(JsValue::from_str(CA)).unwrap())
            )
            .unwrap(),
            CA.as_bytes()
        );
        assert_eq!(
            dump_certificate(
                JsValue::from(filetype::ASN1),
                JsValue::from(X509::from_pem(JsValue::from_str(CA)).unwrap())
            )
            .unwrap(),
            ca.to_der()
        );
    }
}
