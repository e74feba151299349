//! X.509 name constraints (RFC 5280 §4.2.1.10) with OpenSSL's matching rules and codes
//! (`NAME_CONSTRAINTS_check`): a name of a type some subtree constrains must lie inside one of
//! the permitted subtrees of that type (else 47) and outside every excluded one (else 48); a
//! constrained name type this module cannot judge is 51, a name it cannot parse 53.
//!
//! Everything here is owned, so constraints from a certificate and from a bare trust anchor
//! (known only by its name, key and constraints) are handled alike.

use crate::ssl::cert::{self, oids, Certificate, GeneralName};
use crate::ssl::der::{Reader, SEQUENCE};
use crate::ssl::verify_code::VerifyCode;

/// OpenSSL stops at 2^20 name/constraint comparisons (`NAME_CHECK_MAX`): a certificate with
/// thousands of names under a CA with thousands of subtrees must not cost minutes.
const MAX_COMPARISONS: usize = 1 << 20;

/// One attribute of a distinguished name, compared as OpenSSL's canonical form does: the
/// type, and a value of any string type as UTF-8, case-folded with runs of spaces collapsed
/// (other values by their DER). x509-parser's reading folded UTF8Strings only and compared
/// the other string types by their bytes; OpenSSL's `x509_name_canon` folds them all.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Attribute {
    oid: Vec<u8>,
    text: bool,
    value: Vec<u8>,
}

type Rdns = Vec<Vec<Attribute>>;

/// A name, or a constraint on names, of one GeneralName type.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Name {
    Dns(String),
    Email(String),
    /// An address; as a constraint, address then mask.
    Ip(Vec<u8>),
    Uri(String),
    Dir(Rdns),
    /// Any other GeneralName type, by its tag number.
    Other(u8),
}

impl Name {
    fn kind(&self) -> u8 {
        match self {
            Name::Other(tag) => *tag,
            Name::Email(_) => 1,
            Name::Dns(_) => 2,
            Name::Dir(_) => 4,
            Name::Uri(_) => 6,
            Name::Ip(_) => 7,
        }
    }
}

/// A CA's name constraints, parsed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Constraints {
    permitted: Vec<Name>,
    excluded: Vec<Name>,
}

impl Constraints {
    /// From the DER of a nameConstraints extension's value (the NameConstraints SEQUENCE).
    ///
    /// Anything the structure does not account for is an error (41), as is a subtree with a
    /// minimum or maximum (49, as OpenSSL), so that a constraint is never silently dropped.
    pub(crate) fn from_der(der: &[u8]) -> Result<Self, VerifyCode> {
        let malformed = |_| VerifyCode::ERR_INVALID_EXTENSION;
        let mut outer = Reader::new(der);
        let mut seq = outer.nested(SEQUENCE).map_err(malformed)?;
        outer.finish().map_err(malformed)?;
        let mut out = Self::default();
        let mut minmax = false;
        for (tag, list) in [(0xa0, &mut out.permitted), (0xa1, &mut out.excluded)] {
            let Some(subtrees) = seq.optional(tag).map_err(malformed)? else {
                continue;
            };
            let mut subtrees = Reader::new(subtrees);
            if subtrees.is_empty() {
                return Err(VerifyCode::ERR_INVALID_EXTENSION);
            }
            while !subtrees.is_empty() {
                let mut subtree = subtrees.nested(SEQUENCE).map_err(malformed)?;
                list.push(general_name(&GeneralName::read(&mut subtree).map_err(malformed)?));
                minmax |= !subtree.is_empty();
            }
        }
        seq.finish().map_err(malformed)?;
        if minmax {
            return Err(VerifyCode::ERR_SUBTREE_MINMAX);
        }
        Ok(out)
    }

    /// From a trust anchor's `name_constraints`: the contents of the NameConstraints
    /// SEQUENCE, without its header (as rustls-webpki keeps them).
    pub(crate) fn from_anchor_value(value: &[u8]) -> Result<Self, VerifyCode> {
        let mut der = vec![0x30];
        der.extend(der_length(value.len()).ok_or(VerifyCode::ERR_INVALID_EXTENSION)?);
        der.extend_from_slice(value);
        Self::from_der(&der)
    }

    /// Checks one certificate's names (its subject, the e-mail addresses in it, its SANs, and
    /// for a leaf without DNS SANs its host-name-like common names, as OpenSSL).
    pub(crate) fn check(&self, cert: &Certificate<'_>, is_leaf: bool) -> Result<(), (VerifyCode, String)> {
        let names = names_of(cert, is_leaf)?;
        let work = names
            .len()
            .saturating_mul(self.permitted.len().saturating_add(self.excluded.len()));
        if work > MAX_COMPARISONS {
            return Err((
                VerifyCode::ERR_UNSPECIFIED,
                format!(
                    "{} names against {} name constraints: too many to check",
                    names.len(),
                    self.permitted.len() + self.excluded.len()
                ),
            ));
        }
        for name in &names {
            self.check_name(name)?;
        }
        Ok(())
    }

    fn check_name(&self, name: &Name) -> Result<(), (VerifyCode, String)> {
        let kind = name.kind();
        let mut permitted = self.permitted.iter().filter(|c| c.kind() == kind).peekable();
        if permitted.peek().is_some() {
            let mut any = false;
            for c in permitted {
                any |= matches(name, c)?;
            }
            if !any {
                return Err((
                    VerifyCode::ERR_PERMITTED_VIOLATION,
                    format!("{} is outside the permitted name constraints", show(name)),
                ));
            }
        }
        for c in self.excluded.iter().filter(|c| c.kind() == kind) {
            if matches(name, c)? {
                return Err((
                    VerifyCode::ERR_EXCLUDED_VIOLATION,
                    format!(
                        "{} is inside an excluded name constraint ({})",
                        show(name),
                        show(c)
                    ),
                ));
            }
        }
        Ok(())
    }
}

fn show(name: &Name) -> String {
    match name {
        Name::Dns(s) => format!("DNS:{s}"),
        Name::Email(s) => format!("email:{s}"),
        Name::Uri(s) => format!("URI host {s}"),
        Name::Ip(b) => format!(
            "IP:{}",
            b.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(".")
        ),
        Name::Dir(rdns) => format!("DirName with {} RDNs", rdns.len()),
        Name::Other(tag) => format!("a name of GeneralName type {tag}"),
    }
}

/// Whether `name` lies inside the subtree `base` (both of the same type).
fn matches(name: &Name, base: &Name) -> Result<bool, (VerifyCode, String)> {
    Ok(match (name, base) {
        (Name::Dns(n), Name::Dns(b)) => dns_within(n, b),
        (Name::Email(n), Name::Email(b)) => email_within(n, b)?,
        (Name::Uri(host), Name::Uri(b)) => uri_host_within(host, b),
        (Name::Ip(n), Name::Ip(b)) => ip_within(n, b),
        (Name::Dir(n), Name::Dir(b)) => n.len() >= b.len() && n.iter().zip(b).all(|(x, y)| x == y),
        _ => {
            return Err((
                VerifyCode::ERR_UNSUPPORTED_CONSTRAINT_TYPE,
                format!(
                    "cannot check {} against a name constraint of that type",
                    show(name)
                ),
            ))
        }
    })
}

/// OpenSSL's `nc_dns`: an empty base matches everything; otherwise the name equals the base
/// or ends with it at a label boundary (a base with a leading dot matches subdomains only).
fn dns_within(name: &str, base: &str) -> bool {
    if base.is_empty() {
        return true;
    }
    let (n, b) = (name.as_bytes(), base.as_bytes());
    if n.len() < b.len() {
        return false;
    }
    let split = n.len() - b.len();
    let Some(tail) = n.get(split..) else {
        return false;
    };
    if split > 0 && !b.starts_with(b".") && n.get(split - 1) != Some(&b'.') {
        return false;
    }
    tail.eq_ignore_ascii_case(b)
}

/// OpenSSL's `nc_email`: `.example.com` matches any address at a subdomain, `user@host`
/// exactly that mailbox (local part case-sensitive), `host` any mailbox at that host.
fn email_within(name: &str, base: &str) -> Result<bool, (VerifyCode, String)> {
    let Some((local, host)) = name.rsplit_once('@') else {
        return Err((
            VerifyCode::ERR_UNSUPPORTED_NAME_SYNTAX,
            format!("e-mail address without '@': {name:?}"),
        ));
    };
    if base.starts_with('.') {
        return Ok(name.len() > base.len()
            && name
                .get(name.len() - base.len()..)
                .is_some_and(|t| t.eq_ignore_ascii_case(base)));
    }
    Ok(match base.rsplit_once('@') {
        Some((base_local, base_host)) => {
            (base_local.is_empty() || base_local == local) && base_host.eq_ignore_ascii_case(host)
        }
        None => base.eq_ignore_ascii_case(host),
    })
}

/// OpenSSL's `nc_uri`, on the host part already extracted from the URI.
fn uri_host_within(host: &str, base: &str) -> bool {
    if base.starts_with('.') {
        return host.len() > base.len()
            && host
                .get(host.len() - base.len()..)
                .is_some_and(|t| t.eq_ignore_ascii_case(base));
    }
    host.eq_ignore_ascii_case(base)
}

/// An address against address-and-mask of the same family.
fn ip_within(ip: &[u8], base: &[u8]) -> bool {
    if base.len() != ip.len().saturating_mul(2) {
        return false;
    }
    let (addr, mask) = base.split_at(ip.len());
    ip.iter().zip(addr).zip(mask).all(|((i, a), m)| i & m == a & m)
}

fn general_name(g: &GeneralName<'_>) -> Name {
    match g {
        GeneralName::Dns(s) => Name::Dns(s.to_ascii_lowercase()),
        GeneralName::Email(s) => Name::Email((*s).to_string()),
        GeneralName::Uri(s) => Name::Uri((*s).to_string()),
        GeneralName::Ip(b) => Name::Ip(b.to_vec()),
        GeneralName::Directory(n) => Name::Dir(rdns(n)),
        other => Name::Other(other.kind()),
    }
}

fn rdns(name: &cert::Name<'_>) -> Rdns {
    name.rdns
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| match atv.text() {
                    Some(s) => Attribute {
                        oid: atv.oid.to_vec(),
                        text: true,
                        value: canonical(&s).into_bytes(),
                    },
                    None => Attribute {
                        oid: atv.oid.to_vec(),
                        text: false,
                        value: atv.value_der.to_vec(),
                    },
                })
                .collect()
        })
        .collect()
}

/// OpenSSL's canonical name form (`asn1_string_canon`): ASCII whitespace trimmed and each
/// inner run of it made one space, ASCII letters lower-cased, every other character kept as
/// it is. OpenSSL folds no case beyond ASCII, so neither does this: `É` and `é` stay two
/// names, as they are to OpenSSL.
fn canonical(s: &str) -> String {
    let space = |c: char| matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r');
    let mut out = String::with_capacity(s.len());
    for word in s.split(space).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    }
    out
}

/// The host of `scheme://host[:port][/…]`, or `None` when there is none (OpenSSL: 53).
fn uri_host(uri: &str) -> Option<String> {
    let (_, rest) = uri.split_once("://")?;
    let end = rest.find([':', '/', '?', '#']).unwrap_or(rest.len());
    let host = rest.get(..end)?;
    (!host.is_empty()).then(|| host.to_string())
}

/// A common name that OpenSSL would take for a host name: dotted labels of letters, digits,
/// '-' and '_' (`cn2dnsid`).
fn host_like(cn: &str) -> Option<String> {
    let ok = cn.contains('.')
        && cn.split('.').all(|label| {
            !label.is_empty()
                && label
                    .bytes()
                    .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
        });
    ok.then(|| cn.to_ascii_lowercase())
}

fn names_of(cert: &Certificate<'_>, is_leaf: bool) -> Result<Vec<Name>, (VerifyCode, String)> {
    let mut names = Vec::new();
    let subject = &cert.subject;
    if !subject.rdns.is_empty() {
        names.push(Name::Dir(rdns(subject)));
    }
    // OpenSSL wants an IA5String (what emailAddress is); a UTF8String is accepted too, as it
    // was when x509-parser read these.
    for email in subject.all(oids::EMAIL_ADDRESS) {
        let text = email.ia5().or_else(|| {
            (email.tag == 0x0c)
                .then(|| std::str::from_utf8(email.value).ok())
                .flatten()
        });
        match text {
            Some(s) => names.push(Name::Email(s.to_string())),
            None => {
                return Err((
                    VerifyCode::ERR_UNSUPPORTED_NAME_SYNTAX,
                    "an emailAddress in the subject is not a string".into(),
                ))
            }
        }
    }
    let san = cert.subject_alt_names().map_err(|e| {
        (
            VerifyCode::ERR_INVALID_EXTENSION,
            format!("subjectAltName does not parse: {e}"),
        )
    })?;
    let mut has_dns = false;
    for g in san.iter().flatten() {
        let name = match general_name(g) {
            Name::Uri(uri) => Name::Uri(uri_host(&uri).ok_or_else(|| {
                (
                    VerifyCode::ERR_UNSUPPORTED_NAME_SYNTAX,
                    format!("URI without a host: {uri:?}"),
                )
            })?),
            other => other,
        };
        has_dns |= matches!(name, Name::Dns(_));
        names.push(name);
    }
    if is_leaf && !has_dns {
        // Common names of any string type, as OpenSSL's `cn2dnsid` converts them to UTF-8
        // (x509-parser's reading saw UTF8Strings only).
        for cn in subject.all(oids::COMMON_NAME) {
            if let Some(host) = cn.text().as_deref().and_then(host_like) {
                names.push(Name::Dns(host));
            }
        }
    }
    Ok(names)
}

fn der_length(len: usize) -> Option<Vec<u8>> {
    if len < 0x80 {
        return Some(vec![u8::try_from(len).ok()?]);
    }
    let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
    let mut out = vec![0x80 | u8::try_from(bytes.len()).ok()?];
    out.extend(bytes);
    Some(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use rustls_pki_types::pem::PemObject;

    use super::*;

    #[test]
    fn dns_subtrees_follow_openssl() {
        assert!(dns_within("example.com", "example.com"));
        assert!(dns_within("www.Example.com", "example.com"));
        assert!(!dns_within("evilexample.com", "example.com"));
        assert!(!dns_within("example.com", ".example.com"));
        assert!(dns_within("a.example.com", ".example.com"));
        assert!(dns_within("anything", ""));
    }

    #[test]
    fn ip_and_email_subtrees() {
        assert!(ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_within(&[11, 1, 2, 3], &[10, 0, 0, 0, 255, 0, 0, 0]));
        assert!(!ip_within(&[10, 1, 2, 3], &[10, 0, 0, 0]));
        assert!(email_within("a@example.com", "example.com").unwrap());
        assert!(!email_within("a@x.example.com", "example.com").unwrap());
        assert!(email_within("a@x.example.com", ".example.com").unwrap());
        assert!(!email_within("b@example.com", "a@example.com").unwrap());
        assert!(email_within("nope", "example.com").is_err());
    }

    /// OpenSSL's canonical form folds every string type: a PrintableString `US` and a
    /// UTF8String `us` are one name (x509-parser's reading compared the first by its bytes).
    #[test]
    fn directory_names_compare_canonically_across_string_types() {
        let printable = [
            0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x06, 0x13, 0x02, b'U', b'S',
        ];
        let mut utf8 = printable;
        utf8[11..].copy_from_slice(&[0x0c, 0x02, b'u', b's']);
        let (a, b) = (
            cert::Name::parse(&printable).unwrap(),
            cert::Name::parse(&utf8).unwrap(),
        );
        assert_eq!(rdns(&a), rdns(&b));
        // A value that is not a string compares by its DER.
        let mut integer = printable;
        integer[11..].copy_from_slice(&[0x02, 0x02, b'U', b'S']);
        assert_ne!(rdns(&cert::Name::parse(&integer).unwrap()), rdns(&a));
    }

    /// As `asn1_string_canon`: only ASCII whitespace collapses and only ASCII letters fold;
    /// a no-break space and `É` are kept as they are.
    #[test]
    fn canonical_form_folds_ascii_only() {
        assert_eq!(canonical(" \x0bÉCOLE\u{a0}X \t\n Ltd\r\x0c"), "École\u{a0}x ltd");
        assert_ne!(canonical("É"), canonical("é"));
        assert_eq!(canonical("  "), "");
        assert_eq!(canonical("Acme"), "acme");
    }

    /// A subject emailAddress is an IA5String (OpenSSL requires one); x509-parser's `as_str`
    /// read UTF8Strings only, so it was "not a string" (53) instead of being checked.
    #[test]
    fn subject_email_is_an_ia5string() {
        let der = rustls_pki_types::CertificateDer::pem_slice_iter(include_bytes!("testdata/leaf.pem"))
            .next()
            .unwrap()
            .unwrap();
        let leaf = Certificate::parse(der.as_ref()).unwrap();
        // excludedSubtrees [1] { GeneralSubtree { rfc822Name "example.com" } }
        let mut value = vec![0xa1, 0x0f, 0x30, 0x0d, 0x81, 0x0b];
        value.extend_from_slice(b"example.com");
        let c = Constraints::from_anchor_value(&value).unwrap();
        let (code, why) = c.check(&leaf, true).unwrap_err();
        assert_eq!(code, VerifyCode::ERR_EXCLUDED_VIOLATION, "{why}");
        assert!(why.contains("admin@example.com"), "{why}");
    }

    #[test]
    fn anchor_constraints_parse_from_their_value() {
        // permittedSubtrees [0] { GeneralSubtree { dNSName "test" } }
        let value = [0xa0, 0x08, 0x30, 0x06, 0x82, 0x04, b't', b'e', b's', b't'];
        let c = Constraints::from_anchor_value(&value).unwrap();
        assert_eq!(c.permitted, vec![Name::Dns("test".into())]);
        assert!(Constraints::from_anchor_value(&[0xa0, 0x08]).is_err());
        // A permitted list that does not parse must not become "no constraint".
        let bad = [0xa0, 0x04, 0x30, 0x02, 0x82, 0x05];
        assert_eq!(
            Constraints::from_anchor_value(&bad),
            Err(VerifyCode::ERR_INVALID_EXTENSION)
        );
        // A maximum is OpenSSL's 49.
        let minmax = [
            0xa0, 0x0b, 0x30, 0x09, 0x82, 0x04, b't', b'e', b's', b't', 0x81, 0x01, 0x01,
        ];
        assert_eq!(
            Constraints::from_anchor_value(&minmax),
            Err(VerifyCode::ERR_SUBTREE_MINMAX)
        );
    }
}
