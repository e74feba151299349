//! X.509 certificates and names: parsing, and the getters pyOpenSSL's `X509` and `X509Name`
//! offer, printed the way OpenSSL prints them so that Python habits carry over.
//!
//! An `X509` keeps only its DER. Construction proves the DER parses, and each getter parses it
//! again on demand (`cert::Certificate`): a borrowed certificate cannot live beside the bytes it
//! borrows, and getters are called rarely enough that the re-parse costs nothing that matters.

use std::fmt::Write as _;

use crate::ssl::cert::{Attribute, Certificate, GeneralName, Name, Time};
use crate::ssl::der::oid_string;
use crate::ssl::error::{Error, Result};
use ring::digest;
use rustls_pki_types::pem::{self, PemObject};
use rustls_pki_types::CertificateDer;

/// A parsed-on-demand certificate. Construction checks that the DER parses.
#[derive(Debug, Clone, PartialEq)]
pub struct X509 {
    der: CertificateDer<'static>,
}

/// A distinguished name: its components in order, with OpenSSL short names.
#[derive(Debug, Clone, PartialEq)]
pub struct X509Name {
    /// `(short name, value)`, e.g. `("CN", "localhost")`, in the order they appear.
    pub components: Vec<(String, String)>,
    /// The DER of the Name, as sent in a CertificateRequest's certificate_authorities.
    pub der: Vec<u8>,
}

/// The digests `X509::digest` offers, as pyOpenSSL users name them.
pub const DIGEST_NAMES: &[&str] = &["sha1", "sha256", "sha384", "sha512"];

impl X509 {
    /// One DER certificate, with nothing after it.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        match Certificate::parse(der) {
            Ok(_) => Ok(Self {
                der: CertificateDer::from(der.to_vec()),
            }),
            Err(e) => Err(Error::x509(format!("not a valid certificate: {e}"))),
        }
    }

    /// The first CERTIFICATE block of a PEM text; other blocks and text around them are skipped,
    /// as OpenSSL's `PEM_read_bio_X509` does.
    pub fn from_pem(pem: &[u8]) -> Result<Self> {
        match CertificateDer::pem_slice_iter(pem).next() {
            Some(Ok(der)) => Self::from_der(der.as_ref()),
            Some(Err(e)) => Err(pem_error(e)),
            None => Err(Error::pem("no start line (no CERTIFICATE block found)")),
        }
    }

    pub fn der(&self) -> &CertificateDer<'static> {
        &self.der
    }

    /// `-----BEGIN CERTIFICATE-----`, base64 in 64-column lines, as OpenSSL writes it.
    pub fn to_pem(&self) -> String {
        pem_block("CERTIFICATE", self.der.as_ref())
    }

    pub fn subject(&self) -> X509Name {
        self.parsed()
            .map(|c| X509Name::from_parsed(&c.subject))
            .unwrap_or_else(X509Name::empty)
    }

    pub fn issuer(&self) -> X509Name {
        self.parsed()
            .map(|c| X509Name::from_parsed(&c.issuer))
            .unwrap_or_else(X509Name::empty)
    }

    /// Big-endian magnitude of the serial number.
    pub fn serial(&self) -> Vec<u8> {
        let Some(cert) = self.parsed() else {
            return vec![0];
        };
        let raw = cert.serial;
        // DER adds a 0x00 so that a serial with its top bit set stays positive; a caller building
        // a bigint from hex wants at least one digit, so zero stays `[0]`.
        let start = raw.iter().position(|&b| b != 0).unwrap_or(raw.len());
        match raw.get(start..) {
            Some(magnitude) if !magnitude.is_empty() => magnitude.to_vec(),
            _ => vec![0],
        }
    }

    /// `"YYYYMMDDhhmmssZ"`.
    pub fn not_before(&self) -> String {
        self.parsed()
            .map(|c| generalized_time(c.not_before))
            .unwrap_or_default()
    }

    pub fn not_after(&self) -> String {
        self.parsed()
            .map(|c| generalized_time(c.not_after))
            .unwrap_or_default()
    }

    pub fn not_before_unix(&self) -> i64 {
        self.parsed().map(|c| c.not_before.0).unwrap_or(0)
    }

    pub fn not_after_unix(&self) -> i64 {
        self.parsed().map(|c| c.not_after.0).unwrap_or(0)
    }

    /// OpenSSL's `X509_cmp_current_time(notAfter) < 0`: the last valid second is notAfter itself.
    pub fn has_expired(&self, now_unix: i64) -> bool {
        self.not_after_unix() < now_unix
    }

    /// `"AB:CD:…"` for sha1, sha256, sha384, sha512 (case-insensitive, dashes allowed).
    pub fn digest(&self, name: &str) -> Result<String> {
        let algorithm = digest_algorithm(name)?;
        Ok(hex_with_colons(
            digest::digest(algorithm, self.der.as_ref()).as_ref(),
        ))
    }

    /// `["DNS:localhost", "IP Address:127.0.0.1", "email:…", "URI:…"]`.
    pub fn subject_alt_names(&self) -> Vec<String> {
        let Some(cert) = self.parsed() else {
            return Vec::new();
        };
        // A certificate with two SAN extensions is malformed; OpenSSL would refuse to read any.
        match cert.subject_alt_names() {
            Ok(Some(names)) => names.iter().filter_map(general_name).collect(),
            _ => Vec::new(),
        }
    }

    /// OpenSSL's long name, e.g. `"sha256WithRSAEncryption"`, `"ecdsa-with-SHA256"`, `"ED25519"`.
    pub fn signature_algorithm(&self) -> String {
        self.parsed()
            .map(|c| {
                let oid = oid_string(c.signature_oid);
                signature_algorithm_name(&oid).map_or(oid, str::to_string)
            })
            .unwrap_or_default()
    }

    /// basicConstraints cA = true.
    pub fn is_ca(&self) -> bool {
        self.parsed().is_some_and(|c| c.is_ca())
    }

    pub fn is_self_issued(&self) -> bool {
        self.parsed().is_some_and(|c| c.subject.der == c.issuer.der)
    }

    /// The SubjectPublicKeyInfo DER, to compare with a private key's public half.
    pub fn public_key_der(&self) -> Vec<u8> {
        self.parsed().map(|c| c.spki.der.to_vec()).unwrap_or_default()
    }

    /// 0-based, as OpenSSL's `X509_get_version` (2 is v3).
    pub fn version(&self) -> u32 {
        self.parsed().map(|c| c.version).unwrap_or(0)
    }

    pub fn extension_count(&self) -> usize {
        self.parsed().map(|c| c.extensions.len()).unwrap_or(0)
    }

    /// `None` only if the DER stopped parsing after construction checked it, which cannot
    /// happen; getters then answer with empty values rather than trap.
    fn parsed(&self) -> Option<Certificate<'_>> {
        Certificate::parse(self.der.as_ref()).ok()
    }
}

impl X509Name {
    pub fn get(&self, short: &str) -> Option<&str> {
        self.components
            .iter()
            .rev()
            .find(|(k, _)| k == short)
            .map(|(_, v)| v.as_str())
    }

    /// RFC 4514, most significant last as OpenSSL prints it: `CN=…,O=…,C=US`.
    ///
    /// Matches `openssl x509 -nameopt RFC2253` except that non-ASCII text stays as UTF-8 where
    /// OpenSSL writes `\C3\A4`: JS strings are Unicode already.
    pub fn to_rfc4514(&self) -> String {
        let rdns = self.rdns().unwrap_or_else(|| {
            // Built by hand rather than parsed: each component is its own RDN.
            self.components
                .iter()
                .map(|(k, v)| vec![format!("{k}={}", escape_rfc4514(v))])
                .collect()
        });
        rdns.iter()
            .rev()
            .map(|rdn| rdn.iter().rev().cloned().collect::<Vec<_>>().join("+"))
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Parses a DER Name (as found in a CertificateRequest's certificate_authorities).
    pub fn from_der(der: &[u8]) -> Result<Self> {
        match Name::parse(der) {
            Ok(name) => Ok(Self::from_parsed(&name)),
            Err(e) => Err(Error::x509(format!("not a valid name: {e}"))),
        }
    }

    fn empty() -> Self {
        Self {
            components: Vec::new(),
            der: Vec::new(),
        }
    }

    fn from_parsed(name: &Name<'_>) -> Self {
        let components = name
            .attributes()
            .map(|atv| {
                let value = atv.text().unwrap_or_else(|| hex_der(atv));
                (short_name(&oid_string(atv.oid)), value)
            })
            .collect();
        Self {
            components,
            der: name.der.to_vec(),
        }
    }

    /// `"K=V"` entries grouped by RDN, in DER order, or `None` if `der` is not a Name.
    fn rdns(&self) -> Option<Vec<Vec<String>>> {
        let name = Name::parse(&self.der).ok()?;
        let rdns = name
            .rdns
            .iter()
            .map(|rdn| {
                rdn.iter()
                    .map(|atv| {
                        let key = short_name(&oid_string(atv.oid));
                        let value = match atv.text() {
                            Some(s) => escape_rfc4514(&s),
                            // RFC 4514 §2.4: a value that is not a string is `#` and its BER in hex.
                            None => hex_der(atv),
                        };
                        format!("{key}={value}")
                    })
                    .collect()
            })
            .collect();
        Some(rdns)
    }
}

impl std::fmt::Display for X509Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.to_rfc4514())
    }
}

/// OpenSSL's short names (`OBJ_nid2sn`); anything else is shown as its dotted OID.
fn short_name(oid: &str) -> String {
    let name = match oid {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.13" => "description",
        "2.5.4.15" => "businessCategory",
        "2.5.4.16" => "postalAddress",
        "2.5.4.17" => "postalCode",
        "2.5.4.18" => "postOfficeBox",
        "2.5.4.41" => "name",
        "2.5.4.42" => "GN",
        "2.5.4.43" => "initials",
        "2.5.4.44" => "generationQualifier",
        "2.5.4.45" => "x500UniqueIdentifier",
        "2.5.4.46" => "dnQualifier",
        "2.5.4.65" => "pseudonym",
        "2.5.4.97" => "organizationIdentifier",
        "1.2.840.113549.1.9.1" => "emailAddress",
        "1.2.840.113549.1.9.2" => "unstructuredName",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.3.6.1.4.1.311.60.2.1.1" => "jurisdictionL",
        "1.3.6.1.4.1.311.60.2.1.2" => "jurisdictionST",
        "1.3.6.1.4.1.311.60.2.1.3" => "jurisdictionC",
        other => return other.to_string(),
    };
    name.to_string()
}

/// OpenSSL's long names (`OBJ_nid2ln`) for signature algorithms.
fn signature_algorithm_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.2.840.113549.1.1.2" => "md2WithRSAEncryption",
        "1.2.840.113549.1.1.4" => "md5WithRSAEncryption",
        "1.2.840.113549.1.1.5" => "sha1WithRSAEncryption",
        "1.2.840.113549.1.1.10" => "rsassaPss",
        "1.2.840.113549.1.1.11" => "sha256WithRSAEncryption",
        "1.2.840.113549.1.1.12" => "sha384WithRSAEncryption",
        "1.2.840.113549.1.1.13" => "sha512WithRSAEncryption",
        "1.2.840.113549.1.1.14" => "sha224WithRSAEncryption",
        "1.2.840.10045.4.1" => "ecdsa-with-SHA1",
        "1.2.840.10045.4.3.1" => "ecdsa-with-SHA224",
        "1.2.840.10045.4.3.2" => "ecdsa-with-SHA256",
        "1.2.840.10045.4.3.3" => "ecdsa-with-SHA384",
        "1.2.840.10045.4.3.4" => "ecdsa-with-SHA512",
        "1.2.840.10040.4.3" => "dsaWithSHA1",
        "2.16.840.1.101.3.4.3.1" => "dsa_with_SHA224",
        "2.16.840.1.101.3.4.3.2" => "dsa_with_SHA256",
        "1.3.101.112" => "ED25519",
        "1.3.101.113" => "ED448",
        _ => return None,
    })
}

fn digest_algorithm(name: &str) -> Result<&'static digest::Algorithm> {
    let normalized: String = name
        .chars()
        .filter(|c| *c != '-' && *c != '_')
        .collect::<String>()
        .to_ascii_lowercase();
    match normalized.as_str() {
        "sha1" => Ok(&digest::SHA1_FOR_LEGACY_USE_ONLY),
        "sha256" => Ok(&digest::SHA256),
        "sha384" => Ok(&digest::SHA384),
        "sha512" => Ok(&digest::SHA512),
        "md5" => Err(Error::Range(format!(
            "unknown digest name {name:?}: MD5 is not available in this build (ring has no MD5); \
             use one of {}",
            DIGEST_NAMES.join(", ")
        ))),
        _ => Err(Error::Range(format!(
            "unknown digest name {name:?} (expected one of {})",
            DIGEST_NAMES.join(", ")
        ))),
    }
}

/// One SAN entry in OpenSSL's `i2v_GENERAL_NAME` wording; `None` for an entry that did not
/// decode (x509-parser keeps those as `Invalid`), which OpenSSL would not print either.
fn general_name(name: &GeneralName<'_>) -> Option<String> {
    Some(match name {
        GeneralName::Dns(s) => format!("DNS:{s}"),
        GeneralName::Email(s) => format!("email:{s}"),
        GeneralName::Uri(s) => format!("URI:{s}"),
        GeneralName::Ip(bytes) => format!("IP Address:{}", ip_address(bytes)),
        GeneralName::Directory(n) => {
            let mut oneline = String::new();
            for (k, v) in X509Name::from_parsed(n).components {
                let _ = write!(oneline, "/{k}={v}");
            }
            format!("DirName:{oneline}")
        }
        GeneralName::RegisteredId(oid) => format!("Registered ID:{}", oid_string(oid)),
        GeneralName::Other => "othername:<unsupported>".to_string(),
        GeneralName::X400 => "X400Name:<unsupported>".to_string(),
        GeneralName::EdiParty => "EdiPartyName:<unsupported>".to_string(),
        GeneralName::Invalid(_) => return None,
    })
}

/// IPv4 dotted; IPv6 as eight uncompressed upper-case groups (`0:0:0:0:0:0:0:1`), which is how
/// OpenSSL prints it and so what pyOpenSSL code compares against.
fn ip_address(bytes: &[u8]) -> String {
    if let Ok(v4) = <[u8; 4]>::try_from(bytes) {
        return std::net::Ipv4Addr::from(v4).to_string();
    }
    if bytes.len() == 16 {
        return bytes
            .chunks_exact(2)
            .filter_map(|pair| <[u8; 2]>::try_from(pair).ok())
            .map(|pair| format!("{:X}", u16::from_be_bytes(pair)))
            .collect::<Vec<_>>()
            .join(":");
    }
    "<invalid>".to_string()
}

/// `#` and the hex of the value's DER, RFC 4514's form for values that are not strings.
fn hex_der(value: &Attribute<'_>) -> String {
    let der = value.value_der;
    let mut out = String::with_capacity(1 + der.len() * 2);
    out.push('#');
    for b in der {
        let _ = write!(out, "{b:02x}");
    }
    out
}

/// RFC 4514 §2.4 escaping, with OpenSSL's choice of escaping each special character by a
/// backslash before it and control characters as `\XX`.
fn escape_rfc4514(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 4);
    let last = value.chars().count().saturating_sub(1);
    for (i, c) in value.chars().enumerate() {
        match c {
            ',' | '+' | '"' | '\\' | '<' | '>' | ';' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            ' ' if i == 0 || i == last => out.push_str("\\ "),
            c if c.is_ascii_control() => {
                let _ = write!(out, "\\{:02X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out
}

/// A Name's DER as RFC 4514 text, for error details.
pub(crate) fn name_text(der: &[u8]) -> String {
    X509Name::from_der(der)
        .map(|n| n.to_rfc4514())
        .unwrap_or_default()
}

/// `Nov 27 00:03:58 2026 GMT`, as OpenSSL prints a validity time, for error details.
pub(crate) fn openssl_time(t: Time) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (year, month, day, hour, minute, second) = t.fields();
    let month = usize::try_from(month)
        .ok()
        .and_then(|m| MONTHS.get(m.saturating_sub(1)))
        .copied()
        .unwrap_or("???");
    format!("{month} {day:2} {hour:02}:{minute:02}:{second:02} {year} GMT")
}

fn generalized_time(t: Time) -> String {
    let (year, month, day, hour, minute, second) = t.fields();
    format!("{year:04}{month:02}{day:02}{hour:02}{minute:02}{second:02}Z")
}

fn hex_with_colons(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":")
}

fn pem_error(e: pem::Error) -> Error {
    match e {
        pem::Error::NoItemsFound => Error::pem("no start line"),
        pem::Error::MissingSectionEnd { .. } => Error::pem("bad end line"),
        other => Error::pem(format!(
            "bad base64 decode or malformed PEM: {}",
            crate::ssl::words::pem_words(&other)
        )),
    }
}

/// PEM armour around `der`, base64 in 64-column lines as OpenSSL writes it.
fn pem_block(label: &str, der: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let sextet = |v: u32| char::from(ALPHABET.get((v & 63) as usize).copied().unwrap_or(b'A'));
    let mut b64 = String::with_capacity(der.len().div_ceil(3) * 4);
    for chunk in der.chunks(3) {
        let b0 = chunk.first().copied().map_or(0, u32::from);
        let b1 = chunk.get(1).copied().map_or(0, u32::from);
        let b2 = chunk.get(2).copied().map_or(0, u32::from);
        let n = (b0 << 16) | (b1 << 8) | b2;
        b64.push(sextet(n >> 18));
        b64.push(sextet(n >> 12));
        b64.push(if chunk.len() > 1 { sextet(n >> 6) } else { '=' });
        b64.push(if chunk.len() > 2 { sextet(n) } else { '=' });
    }
    let mut out = format!("-----BEGIN {label}-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    let _ = writeln!(out, "-----END {label}-----");
    out
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]

    use super::*;

    // Made with the openssl CLI; the expected values below are what `openssl x509` prints.
    const CA: &str = include_str!("testdata/ca.pem");
    const LEAF: &str = include_str!("testdata/leaf.pem");
    const ODD_NAME: &str = include_str!("testdata/odd-name-ed25519.pem");

    fn cert(pem: &str) -> X509 {
        X509::from_pem(pem.as_bytes()).unwrap()
    }

    #[test]
    fn names_read_like_openssl_rfc2253() {
        let ca = cert(CA);
        let subject = ca.subject();
        assert_eq!(
            subject.to_rfc4514(),
            "CN=Testing Root CA,O=Testing,L=Chicago,ST=IL,C=US"
        );
        let keys: Vec<&str> = subject.components.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["C", "ST", "L", "O", "CN"]);
        assert_eq!(subject.get("CN"), Some("Testing Root CA"));
        assert_eq!(subject.get("OU"), None);
        assert_eq!(subject, ca.issuer());
        assert_eq!(subject.to_string(), subject.to_rfc4514());

        let leaf = cert(LEAF);
        assert_eq!(
            leaf.subject().to_rfc4514(),
            "emailAddress=admin@example.com,O=Testing,CN=localhost"
        );
        assert_eq!(leaf.issuer(), subject);
    }

    #[test]
    fn rfc4514_escapes_and_multi_valued_rdns() {
        let name = cert(ODD_NAME).subject();
        // Exactly `openssl x509 -noout -subject -nameopt RFC2253`.
        assert_eq!(
            name.to_rfc4514(),
            r#"title=\ lead space\ ,UID=jdoe+CN=Jane,OU=\#1 \"quoted\" \<team\>,O=Smith\, Jones & Co,DC=example,DC=com"#
        );
        assert_eq!(
            name.get("DC"),
            Some("example"),
            "the last one wins, as in pyOpenSSL"
        );
        assert_eq!(name.get("OU"), Some(r#"#1 "quoted" <team>"#));
        assert_eq!(name.get("title"), Some(" lead space "));
        assert_eq!(name.get("UID"), Some("jdoe"));
    }

    #[test]
    fn name_der_round_trips() {
        let name = cert(LEAF).issuer();
        assert_eq!(X509Name::from_der(&name.der).unwrap(), name);
        assert!(X509Name::from_der(&name.der[..name.der.len() - 1]).is_err());
        let built = X509Name {
            components: vec![("O".into(), "A, B".into()), ("CN".into(), "x".into())],
            der: Vec::new(),
        };
        assert_eq!(built.to_rfc4514(), r"CN=x,O=A\, B");
    }

    #[test]
    fn escaping_covers_the_edges() {
        assert_eq!(escape_rfc4514(""), "");
        assert_eq!(escape_rfc4514(" "), r"\ ");
        assert_eq!(escape_rfc4514("a;b\u{1}"), r"a\;b\01");
        assert_eq!(escape_rfc4514("ä#"), "ä#");
    }

    #[test]
    fn subject_alt_names_in_certificate_order() {
        assert_eq!(
            cert(LEAF).subject_alt_names(),
            [
                "DNS:localhost",
                "IP Address:127.0.0.1",
                "IP Address:0:0:0:0:0:0:0:1",
                "IP Address:2001:DB8:0:0:0:0:0:1",
                "email:x@y.example",
                "URI:https://example.com/path",
            ]
        );
        assert!(cert(CA).subject_alt_names().is_empty());
    }

    #[test]
    fn digests_match_openssl_fingerprints() {
        let ca = cert(CA);
        let sha256 =
            "04:79:52:A5:A5:D5:A5:D2:BB:B2:04:86:B1:B5:FF:A2:7C:2D:70:01:17:D9:02:F4:67:DC:76:F5:7C:00:B5:FC";
        assert_eq!(ca.digest("sha256").unwrap(), sha256);
        assert_eq!(ca.digest("SHA-256").unwrap(), sha256);
        assert_eq!(
            ca.digest("SHA1").unwrap(),
            "EB:AC:23:E1:68:49:F3:91:FA:44:0F:8D:17:1B:09:5A:C9:82:FF:37"
        );
        assert_eq!(
            cert(LEAF).digest("sha256").unwrap(),
            "16:10:1F:13:8D:73:A6:11:CF:33:8F:E1:CA:74:DA:0C:C3:03:D7:5F:DC:24:78:22:7B:69:72:00:A0:0A:BD:91"
        );
        assert!(cert(ODD_NAME)
            .digest("sha512")
            .unwrap()
            .starts_with("29:D3:03:51"));
        assert_eq!(ca.digest("sha384").unwrap().len(), 48 * 3 - 1);

        let Err(Error::Range(md5)) = ca.digest("md5") else {
            panic!("md5 must be a RangeError")
        };
        assert!(md5.contains("MD5 is not available"), "{md5}");
        assert!(
            matches!(ca.digest("sha3-256"), Err(Error::Range(m)) if m.starts_with("unknown digest name"))
        );
        assert!(matches!(ca.digest(""), Err(Error::Range(_))));
    }

    #[test]
    fn serial_is_the_magnitude() {
        // DER holds 00 A1 B2 …: the sign byte goes.
        assert_eq!(
            cert(LEAF).serial(),
            [
                0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6, 0x07, 0x18, 0x29, 0x3A, 0x4B, 0x5C, 0x6D, 0x7E, 0x8F,
                0x90
            ]
        );
        assert_eq!(cert(CA).serial(), [1]);
        assert_eq!(cert(ODD_NAME).serial(), [0]);
    }

    /// The texts for verification errors, made without x509-parser's `Display` (size).
    #[test]
    fn error_detail_texts() {
        let leaf = cert(LEAF);
        let parsed = leaf.parsed().expect("parses");
        assert_eq!(openssl_time(parsed.not_before), "Nov 27 00:03:58 2026 GMT");
        let ca = cert(CA);
        let ca_parsed = ca.parsed().expect("parses");
        // GeneralizedTime, and a day below 10 padded with a space as OpenSSL does.
        assert_eq!(openssl_time(ca_parsed.not_after), "Nov  3 00:03:58 2126 GMT");
        assert_eq!(name_text(parsed.issuer.der), leaf.issuer().to_rfc4514());
        assert_eq!(name_text(parsed.subject.der), leaf.subject().to_rfc4514());
        assert_eq!(name_text(b"\x30"), "");
    }

    #[test]
    fn dates_in_utc_and_generalized_time() {
        let leaf = cert(LEAF);
        assert_eq!(leaf.not_before(), "20261127000358Z");
        assert_eq!(leaf.not_after(), "20361124000358Z");
        assert_eq!(leaf.not_before_unix(), 1_795_737_838);
        assert_eq!(leaf.not_after_unix(), 2_111_097_838);
        // After 2049 the DER switches to GeneralizedTime.
        let ca = cert(CA);
        assert_eq!(ca.not_after(), "21261103000358Z");
        assert_eq!(ca.not_after_unix(), 4_949_337_838);

        assert!(!leaf.has_expired(leaf.not_after_unix()));
        assert!(leaf.has_expired(leaf.not_after_unix() + 1));
        assert!(!leaf.has_expired(0));
    }

    #[test]
    fn algorithm_version_and_flags() {
        let (ca, leaf, odd) = (cert(CA), cert(LEAF), cert(ODD_NAME));
        assert_eq!(ca.signature_algorithm(), "sha256WithRSAEncryption");
        assert_eq!(leaf.signature_algorithm(), "sha384WithRSAEncryption");
        assert_eq!(odd.signature_algorithm(), "ED25519");
        assert_eq!(
            signature_algorithm_name("1.2.840.10045.4.3.2"),
            Some("ecdsa-with-SHA256")
        );
        assert_eq!(ca.version(), 2);
        // `openssl req -x509` marks self-signed certificates CA:TRUE.
        assert!(ca.is_ca() && !leaf.is_ca() && odd.is_ca());
        assert!(ca.is_self_issued() && !leaf.is_self_issued() && odd.is_self_issued());
        assert_eq!(ca.extension_count(), 4, "SKI, AKI, basicConstraints, keyUsage");
        assert_eq!(leaf.extension_count(), 4);
        // Ed25519 SubjectPublicKeyInfo: 30 2a 30 05 06 03 2b 65 70 03 21 00 ‖ 32-byte key.
        let spki = odd.public_key_der();
        assert_eq!(spki.len(), 44);
        assert_eq!(
            spki[..12],
            [0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]
        );
    }

    #[test]
    fn pem_and_der_round_trip() {
        let ca = cert(CA);
        assert_eq!(ca.to_pem(), CA, "the same armour and line length as OpenSSL");
        assert_eq!(X509::from_der(ca.der().as_ref()).unwrap(), ca);
        let leaf = cert(LEAF);
        assert_eq!(X509::from_pem(leaf.to_pem().as_bytes()).unwrap(), leaf);

        // The first CERTIFICATE block wins; text and other blocks around it are skipped.
        let bundle = format!(
            "subject=whatever\n{}{LEAF}{CA}",
            include_str!("testdata/p256.sec1.pem")
        );
        assert_eq!(X509::from_pem(bundle.as_bytes()).unwrap(), leaf);
    }

    #[test]
    fn pem_block_pads_like_base64() {
        assert_eq!(pem_block("X", b""), "-----BEGIN X-----\n-----END X-----\n");
        assert_eq!(pem_block("X", b"f"), "-----BEGIN X-----\nZg==\n-----END X-----\n");
        assert_eq!(
            pem_block("X", b"fo"),
            "-----BEGIN X-----\nZm8=\n-----END X-----\n"
        );
        assert_eq!(
            pem_block("X", b"foo"),
            "-----BEGIN X-----\nZm9v\n-----END X-----\n"
        );
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let der = cert(LEAF).der().to_vec();
        for len in 0..der.len() {
            assert!(X509::from_der(&der[..len]).is_err(), "truncated to {len}");
        }
        let mut trailing = der.clone();
        trailing.push(0);
        assert!(
            matches!(X509::from_der(&trailing), Err(Error::Ssl { reason, .. }) if reason.contains("trailing"))
        );

        // Flip each byte in turn: whatever parses must answer every getter without trapping.
        for i in 0..der.len() {
            let mut mutated = der.clone();
            mutated[i] ^= 0xff;
            if let Ok(c) = X509::from_der(&mutated) {
                exercise(&c);
            }
        }
        // A small xorshift keeps the random inputs the same on every run.
        let mut state = 0x9e37_79b9_7f4a_7c15_u64;
        for _ in 0..2000 {
            let len = (state % 300) as usize;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state.to_le_bytes()[0]
                })
                .collect();
            assert!(X509::from_der(&bytes).is_err());
            assert!(X509::from_pem(&bytes).is_err());
            let _ = X509Name::from_der(&bytes);
        }

        assert!(X509::from_pem(b"").is_err());
        assert!(X509::from_pem(
            b"-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n"
        )
        .is_err());
        assert!(X509::from_pem(b"-----BEGIN CERTIFICATE-----\nMIIB\n").is_err());
        assert!(X509::from_pem(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n").is_err());
        assert!(X509::from_pem(include_bytes!("testdata/p256.sec1.pem")).is_err());
    }

    fn exercise(c: &X509) {
        let _ = (
            c.subject().to_rfc4514(),
            c.issuer().to_rfc4514(),
            c.serial(),
            c.not_before(),
        );
        let _ = (
            c.not_after(),
            c.has_expired(0),
            c.digest("sha1"),
            c.subject_alt_names(),
        );
        let _ = (
            c.signature_algorithm(),
            c.is_ca(),
            c.is_self_issued(),
            c.public_key_der(),
        );
        let _ = (c.version(), c.extension_count(), c.to_pem());
    }
}
