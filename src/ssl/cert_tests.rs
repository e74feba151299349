//! Our certificate reader (`cert`) against x509-parser, which the crate used before it (kept
//! as a dev-dependency for this only): every fixture certificate reads the same, field by
//! field, and over every truncation and single-byte change of several fixtures, nothing
//! panics and whatever we accept x509-parser accepted too, with the same fields.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use x509_parser::extensions::{GeneralName as XName, ParsedExtension};
use x509_parser::prelude::{FromDer, X509Certificate};

use crate::ssl::cert::{Certificate, GeneralName, Name};
use crate::ssl::der::oid_string;
use crate::ssl::x509::{X509Name, X509};

/// Every certificate of the fixtures (js-tests/fixtures and src/ssl/testdata), as DER.
fn fixtures() -> Vec<(String, Vec<u8>)> {
    use rustls_pki_types::pem::PemObject;
    use rustls_pki_types::CertificateDer;
    let root = env!("CARGO_MANIFEST_DIR");
    let mut out = Vec::new();
    for dir in ["js-tests/fixtures", "src/ssl/testdata"] {
        let mut entries: Vec<_> = std::fs::read_dir(format!("{root}/{dir}"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for path in entries {
            let name = path.display().to_string();
            let bytes = std::fs::read(&path).unwrap();
            if name.ends_with(".pem") {
                for (i, der) in CertificateDer::pem_slice_iter(&bytes).flatten().enumerate() {
                    out.push((format!("{name}#{i}"), der.to_vec()));
                }
            } else if name.ends_with(".der") && X509Certificate::from_der(&bytes).is_ok() {
                out.push((name, bytes));
            }
        }
    }
    assert!(out.len() > 40, "fixtures found: {}", out.len());
    out
}

/// What x509-parser made of an extension type that we judge too (`Extension::decodes`).
fn judged(oid: &str) -> bool {
    matches!(
        oid,
        "2.5.29.14"
            | "2.5.29.15"
            | "2.5.29.17"
            | "2.5.29.18"
            | "2.5.29.19"
            | "2.5.29.30"
            | "2.5.29.31"
            | "2.5.29.32"
            | "2.5.29.33"
            | "2.5.29.35"
            | "2.5.29.37"
            | "2.5.29.54"
            | "1.3.6.1.5.5.7.1.1"
            | "1.3.6.1.5.5.7.1.11"
            | "2.16.840.1.113730.1.1"
    )
}

fn same_name(ours: &Name<'_>, theirs: &x509_parser::x509::X509Name<'_>) {
    assert_eq!(ours.der, theirs.as_raw());
    // OIDs by their bytes: x509-parser's dotted text is wrong for a multi-byte first arc.
    let theirs_attrs: Vec<(Vec<u8>, Vec<u8>)> = theirs
        .iter_attributes()
        .map(|a| (a.attr_type().as_bytes().to_vec(), a.attr_value().data.to_vec()))
        .collect();
    let ours_attrs: Vec<(Vec<u8>, Vec<u8>)> = ours
        .attributes()
        .map(|a| (a.oid.to_vec(), a.value.to_vec()))
        .collect();
    assert_eq!(ours_attrs, theirs_attrs);
}

fn general_name_text(g: &GeneralName<'_>) -> String {
    match g {
        GeneralName::Dns(s) => format!("dns:{s}"),
        GeneralName::Email(s) => format!("email:{s}"),
        GeneralName::Uri(s) => format!("uri:{s}"),
        GeneralName::Ip(b) => format!("ip:{b:?}"),
        GeneralName::Directory(n) => format!("dir:{:?}", n.der),
        other => format!("kind:{}", other.kind()),
    }
}

fn x_general_name_text(g: &XName<'_>) -> String {
    match g {
        XName::DNSName(s) => format!("dns:{s}"),
        XName::RFC822Name(s) => format!("email:{s}"),
        XName::URI(s) => format!("uri:{s}"),
        XName::IPAddress(b) => format!("ip:{b:?}"),
        XName::DirectoryName(n) => format!("dir:{:?}", n.as_raw()),
        XName::OtherName(..) => "kind:0".into(),
        XName::X400Address(_) => "kind:3".into(),
        XName::EDIPartyName(_) => "kind:5".into(),
        XName::RegisteredID(_) => "kind:8".into(),
        XName::Invalid(tag, _) => format!("kind:{}", tag.0),
    }
}

/// Every field we read equals what x509-parser read from the same certificate. With `loose`
/// (mutated inputs), an extension value that x509-parser decoded may be refused by us: it
/// ignored the class of a tag (a `[16]` read as a SEQUENCE) and bytes after a value's end, where
/// DER and OpenSSL do not. The reverse, our decoding what it refused, fails.
fn same_fields(der: &[u8], ours: &Certificate<'_>, theirs: &X509Certificate<'_>, loose: bool) {
    assert_eq!(ours.version, theirs.version().0);
    assert_eq!(ours.serial, theirs.raw_serial());
    assert_eq!(
        ours.tbs_signature == ours.signature_algorithm,
        theirs.tbs_certificate.signature == theirs.signature_algorithm
    );
    assert_eq!(
        ours.signature_oid,
        theirs.signature_algorithm.algorithm.as_bytes()
    );
    same_name(&ours.issuer, theirs.issuer());
    same_name(&ours.subject, theirs.subject());
    assert_eq!(ours.not_before.0, theirs.validity().not_before.timestamp());
    assert_eq!(ours.not_after.0, theirs.validity().not_after.timestamp());
    assert_eq!(ours.spki.der, theirs.public_key().raw);
    assert_eq!(
        ours.spki.algorithm,
        theirs.public_key().algorithm.algorithm.as_bytes()
    );
    assert_eq!(ours.spki.key, &theirs.public_key().subject_public_key.data[..]);

    assert_eq!(ours.extensions.len(), theirs.extensions().len());
    for (o, t) in ours.extensions.iter().zip(theirs.extensions()) {
        assert_eq!(o.oid, t.oid.as_bytes());
        let oid = oid_string(o.oid);
        assert_eq!(o.critical, t.critical);
        assert_eq!(o.value, t.value);
        if judged(&oid) {
            let parse_error = matches!(t.parsed_extension(), ParsedExtension::ParseError { .. });
            if !loose || o.decodes() {
                assert_eq!(o.decodes(), !parse_error, "{oid} in {der:02x?}");
            }
        }
    }
    assert!(ours.is_ca() == theirs.is_ca() || (loose && !ours.is_ca()));
    let bc = theirs.basic_constraints();
    match (ours.basic_constraints(), bc) {
        (Ok(Some(o)), Ok(Some(t))) => {
            assert_eq!((o.ca, o.path_len), (t.value.ca, t.value.path_len_constraint));
        }
        (Ok(None), Ok(None)) | (Err(()), Err(_)) => {}
        (Ok(None), Ok(Some(_))) if loose => {}
        (o, t) => panic!("basicConstraints {o:?} vs {t:?}"),
    }
    match (ours.key_usage(), theirs.key_usage()) {
        (Ok(Some(o)), Ok(Some(t))) => assert_eq!(o.0, t.value.flags),
        (Ok(None), Ok(None)) | (Err(()), Err(_)) => {}
        (Err(()), Ok(Some(_))) if loose => {}
        (o, t) => panic!("keyUsage {o:?} vs {t:?}"),
    }
    match (ours.extended_key_usage(), theirs.extended_key_usage()) {
        (Ok(Some(o)), Ok(Some(t))) => {
            let has = |oid: &[u8]| o.contains(&oid);
            assert_eq!(has(crate::ssl::cert::oids::SERVER_AUTH), t.value.server_auth);
            assert_eq!(has(crate::ssl::cert::oids::CLIENT_AUTH), t.value.client_auth);
        }
        (Ok(None), Ok(None)) | (Err(()), Err(_)) => {}
        (Err(()), Ok(Some(_))) if loose => {}
        (o, t) => panic!("extendedKeyUsage {o:?} vs {t:?}"),
    }
    let ski = theirs
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(k) => Some(k.0),
            _ => None,
        });
    assert!(ours.subject_key_id() == ski || (loose && ours.subject_key_id().is_none()));
    let aki = theirs
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityKeyIdentifier(a) => a.key_identifier.as_ref().map(|k| k.0),
            _ => None,
        });
    assert!(ours.authority_key_id() == aki || (loose && ours.authority_key_id().is_none()));
    match (ours.subject_alt_names(), theirs.subject_alternative_name()) {
        (Ok(Some(o)), Ok(Some(t))) => {
            let o: Vec<String> = o.iter().map(general_name_text).collect();
            let t: Vec<String> = t.value.general_names.iter().map(x_general_name_text).collect();
            assert_eq!(o, t);
        }
        (Ok(None), Ok(None)) | (Err(_), Err(_)) => {}
        // A SAN that does not decode: x509-parser's accessor called it a wrong type.
        (Err(_), Ok(None)) => {}
        (Err(_), Ok(Some(_))) if loose => {}
        (o, t) => panic!("subjectAltName {o:?} vs {t:?}"),
    }
}

/// Everything the getters and checks read, on a certificate we accepted.
fn exercise(der: &[u8]) {
    let c = Certificate::parse(der).unwrap();
    for e in &c.extensions {
        let _ = e.decodes();
    }
    let _ = (c.basic_constraints(), c.key_usage(), c.extended_key_usage());
    let _ = (c.subject_alt_names(), c.subject_key_id(), c.authority_key_id());
    let _ = (c.not_before.fields(), c.not_after.fields());
    for name in [&c.subject, &c.issuer] {
        let parsed = X509Name::from_der(name.der).unwrap();
        let _ = parsed.to_rfc4514();
    }
    if let Some(nc) = c
        .extension(crate::ssl::cert::oids::NAME_CONSTRAINTS)
        .ok()
        .flatten()
    {
        if let Ok(constraints) = crate::ssl::name_constraints::Constraints::from_der(nc.value) {
            let _ = constraints.check(&c, true);
        }
    }
    let x = X509::from_der(der).unwrap();
    let _ = (x.subject_alt_names(), x.not_before(), x.not_after(), x.serial());
    let _ = (
        x.signature_algorithm(),
        x.is_ca(),
        x.public_key_der(),
        x.version(),
    );
}

#[test]
fn fixtures_read_as_x509_parser_read_them() {
    for (name, der) in fixtures() {
        let ours = Certificate::parse(&der).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (rest, theirs) = X509Certificate::from_der(&der).unwrap();
        assert!(rest.is_empty(), "{name}");
        same_fields(&der, &ours, &theirs, false);
        exercise(&der);
    }
}

/// Truncations and single-byte changes of several fixtures: never a panic, and never accepted
/// where x509-parser refused (we are the stricter of the two), with the same fields when both
/// accept.
#[test]
fn mutations_never_panic_and_never_loosen() {
    let all = fixtures();
    let picked: Vec<&(String, Vec<u8>)> = all
        .iter()
        .filter(|(n, _)| {
            [
                "server-ecdsa.der",
                "server-rsa.der",
                "server-ed25519.der",
                "nc-ca.pem",
                "policies-leaf.pem",
                "leaf.pem",
                "odd-name-ed25519.pem",
                "critical-ext.pem",
            ]
            .iter()
            .any(|f| n.ends_with(&format!("/{f}")) || n.ends_with(&format!("/{f}#0")))
        })
        .collect();
    assert!(picked.len() >= 6, "{}", picked.len());
    let mut accepted = 0usize;
    let mut check = |bytes: &[u8]| {
        let ours = Certificate::parse(bytes);
        let theirs = X509Certificate::from_der(bytes);
        if let Ok(c) = ours {
            accepted += 1;
            let (rest, t) = theirs.unwrap_or_else(|e| panic!("x509-parser refused {e:?}: {bytes:02x?}"));
            assert!(rest.is_empty());
            same_fields(bytes, &c, &t, true);
            exercise(bytes);
        }
    };
    for (_, der) in picked {
        for len in 0..der.len() {
            assert!(Certificate::parse(&der[..len]).is_err());
        }
        for i in 0..der.len() {
            for flip in [0xff, 0x01, 0x80] {
                let mut m = der.clone();
                m[i] ^= flip;
                check(&m);
            }
        }
    }
    // Most changes land in key or signature bytes, which still parse.
    assert!(accepted > 1000, "{accepted}");
}

/// What the name-constraint changes fix, seen through x509-parser's reading (the code before
/// them): it read an IA5String emailAddress and a PrintableString value as "not a string".
#[test]
fn x509_parser_read_only_utf8_strings_as_text() {
    let all = fixtures();
    let (_, leaf) = all
        .iter()
        .find(|(n, _)| n.ends_with("testdata/leaf.pem#0"))
        .unwrap();
    let (_, x) = X509Certificate::from_der(leaf).unwrap();
    let email = x.subject().iter_email().next().unwrap();
    assert!(email.attr_value().as_str().is_err());
    let ours = Certificate::parse(leaf).unwrap();
    let email = ours
        .subject
        .all(crate::ssl::cert::oids::EMAIL_ADDRESS)
        .next()
        .unwrap();
    assert_eq!(email.ia5(), Some("admin@example.com"));
}
