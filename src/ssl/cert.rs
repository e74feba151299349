//! X.509 certificates (RFC 5280 §4.1), read with our own DER walker (`der`): a borrowed view
//! parsed once, with the TBS fields, the extensions as (OID, critical, value) slices, and
//! decoders for the few extensions that the getters (`x509`), the chain checks (`chain`) and
//! name constraints read.
//!
//! This replaced x509-parser (with asn1-rs, der-parser, nom, oid-registry and `time`), about
//! 100 KB of wasm code for what is read here (docs/size.md). Where x509-parser and RFC 5280
//! differ, this follows RFC 5280 and OpenSSL unless a test pins x509-parser's answer; each
//! such place says so. Nothing here panics on any input: malformed DER is a [`Malformed`].

use crate::ssl::der::{self, Malformed, Reader, Result, BIT_STRING, INTEGER, OCTET_STRING, OID, SEQUENCE};

const BOOLEAN: u8 = 0x01;
const SET: u8 = 0x31;
const UTC_TIME: u8 = 0x17;
const GENERALIZED_TIME: u8 = 0x18;

/// Extension OIDs (contents only).
pub(crate) mod oids {
    pub(crate) const SUBJECT_KEY_ID: &[u8] = &[0x55, 0x1d, 0x0e];
    pub(crate) const KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x0f];
    pub(crate) const SUBJECT_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x11];
    pub(crate) const ISSUER_ALT_NAME: &[u8] = &[0x55, 0x1d, 0x12];
    pub(crate) const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];
    pub(crate) const NAME_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x1e];
    pub(crate) const CRL_DISTRIBUTION_POINTS: &[u8] = &[0x55, 0x1d, 0x1f];
    pub(crate) const CERTIFICATE_POLICIES: &[u8] = &[0x55, 0x1d, 0x20];
    pub(crate) const POLICY_MAPPINGS: &[u8] = &[0x55, 0x1d, 0x21];
    pub(crate) const AUTHORITY_KEY_ID: &[u8] = &[0x55, 0x1d, 0x23];
    pub(crate) const POLICY_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x24];
    pub(crate) const EXT_KEY_USAGE: &[u8] = &[0x55, 0x1d, 0x25];
    pub(crate) const INHIBIT_ANY_POLICY: &[u8] = &[0x55, 0x1d, 0x36];
    pub(crate) const AUTHORITY_INFO_ACCESS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x01];
    pub(crate) const SUBJECT_INFO_ACCESS: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0b];
    pub(crate) const NS_CERT_TYPE: &[u8] = &[0x60, 0x86, 0x48, 0x01, 0x86, 0xf8, 0x42, 0x01, 0x01];
    pub(crate) const SERVER_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x01];
    pub(crate) const CLIENT_AUTH: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x02];
    /// Attribute types.
    pub(crate) const COMMON_NAME: &[u8] = &[0x55, 0x04, 0x03];
    pub(crate) const EMAIL_ADDRESS: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01];
}

/// A parsed certificate, borrowing its DER.
#[derive(Debug, Clone)]
pub(crate) struct Certificate<'a> {
    /// 0-based: 2 is v3.
    pub(crate) version: u32,
    /// The INTEGER's contents, sign byte included.
    pub(crate) serial: &'a [u8],
    /// The AlgorithmIdentifier inside the signed part, whole.
    pub(crate) tbs_signature: &'a [u8],
    pub(crate) issuer: Name<'a>,
    pub(crate) not_before: Time,
    pub(crate) not_after: Time,
    pub(crate) subject: Name<'a>,
    pub(crate) spki: Spki<'a>,
    pub(crate) extensions: Vec<Extension<'a>>,
    /// The outer AlgorithmIdentifier, whole, and its OID's contents.
    pub(crate) signature_algorithm: &'a [u8],
    pub(crate) signature_oid: &'a [u8],
}

/// A SubjectPublicKeyInfo.
#[derive(Debug, Clone)]
pub(crate) struct Spki<'a> {
    /// Whole, header included.
    pub(crate) der: &'a [u8],
    /// The AlgorithmIdentifier's OID contents.
    pub(crate) algorithm: &'a [u8],
    /// The parameters' tag and contents, if any.
    pub(crate) parameters: Option<(u8, &'a [u8])>,
    /// The key bits (the BIT STRING after its unused-bits byte).
    pub(crate) key: &'a [u8],
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Extension<'a> {
    pub(crate) oid: &'a [u8],
    pub(crate) critical: bool,
    /// The OCTET STRING's contents.
    pub(crate) value: &'a [u8],
}

/// A Name: its DER, and its attributes grouped by RDN in DER order.
#[derive(Debug, Clone)]
pub(crate) struct Name<'a> {
    /// Whole, header included.
    pub(crate) der: &'a [u8],
    pub(crate) rdns: Vec<Vec<Attribute<'a>>>,
}

#[derive(Debug, Clone, Copy)]
pub(crate) struct Attribute<'a> {
    pub(crate) oid: &'a [u8],
    pub(crate) tag: u8,
    pub(crate) value: &'a [u8],
    /// The value's whole TLV.
    pub(crate) value_der: &'a [u8],
}

/// A validity time, as seconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Time(pub(crate) i64);

/// Several extensions with one OID (RFC 5280 §4.2 forbids it): the typed accessors refuse them
/// rather than pick one, as x509-parser's did and OpenSSL does (it marks the certificate invalid).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Duplicate;

impl<'a> Certificate<'a> {
    /// Exactly one certificate: trailing bytes, after it or inside its SEQUENCE, are refused
    /// (x509-parser ignored those inside; OpenSSL and RFC 5280's DER refuse them).
    pub(crate) fn parse(der: &'a [u8]) -> Result<Self> {
        let mut outer = Reader::new(der);
        let mut cert = outer.nested(SEQUENCE)?;
        outer.finish()?;
        let (tag, tbs_contents) = cert.any()?;
        if tag != SEQUENCE {
            return Err(Malformed("TBSCertificate is not a SEQUENCE"));
        }
        let (_, _, signature_algorithm) = cert.clone().element()?;
        let signature_oid = cert.algorithm()?.oid;
        bit_string(cert.expect(BIT_STRING)?)?;
        cert.finish()?;

        let mut t = Reader::new(tbs_contents);
        // [0] EXPLICIT Version DEFAULT v1. An explicit v1 is tolerated (DER says omit it), as
        // OpenSSL and x509-parser do; RFC 5280 knows no version past v3, nor does OpenSSL.
        let version = match t.optional(0xa0)? {
            Some(v) => {
                let mut v = Reader::new(v);
                let n = v.small_uint()?;
                v.finish()?;
                u32::try_from(n)
                    .ok()
                    .filter(|n| *n <= 2)
                    .ok_or(Malformed("unknown certificate version"))?
            }
            None => 0,
        };
        let serial = t.expect(INTEGER)?;
        // Negative serials are common enough that OpenSSL reads them; empty or padded INTEGERs
        // are not DER, and OpenSSL refuses those too.
        match serial {
            [] => return Err(Malformed("empty serial number")),
            [0, next, ..] if *next < 0x80 => return Err(Malformed("non-minimal serial number")),
            [0xff, next, ..] if *next >= 0x80 => return Err(Malformed("non-minimal serial number")),
            _ => {}
        }
        let (_, _, tbs_signature) = t.clone().element()?;
        t.algorithm().and_then(|a| oid(a.oid))?;
        let issuer = Name::read(&mut t)?;
        let mut validity = t.nested(SEQUENCE)?;
        let not_before = Time::read(&mut validity)?;
        let not_after = Time::read(&mut validity)?;
        validity.finish()?;
        let subject = Name::read(&mut t)?;
        let spki = Spki::read(&mut t)?;
        // issuerUniqueID [1], subjectUniqueID [2]: IMPLICIT BIT STRINGs, v2 and v3 only.
        for tag in [0x81, 0xa1, 0x82, 0xa2] {
            if let Some(uid) = t.optional(tag)? {
                if version == 0 {
                    return Err(Malformed("unique identifier in a v1 certificate"));
                }
                if tag & 0x20 != 0 {
                    return Err(Malformed("constructed unique identifier"));
                }
                bit_string(uid)?;
            }
        }
        let mut extensions = Vec::new();
        if let Some(exts) = t.optional(0xa3)? {
            if version != 2 {
                return Err(Malformed("extensions in a certificate before v3"));
            }
            let mut wrapper = Reader::new(exts);
            // SIZE (1..MAX), but an empty list is read as none, as OpenSSL and x509-parser do.
            let mut list = wrapper.nested(SEQUENCE)?;
            wrapper.finish()?;
            while !list.is_empty() {
                extensions.push(Extension::read(&mut list)?);
            }
        }
        t.finish()?;
        Ok(Self {
            version,
            serial,
            tbs_signature,
            issuer,
            not_before,
            not_after,
            subject,
            spki,
            extensions,
            signature_algorithm,
            signature_oid,
        })
    }

    /// The one extension with `oid`, if any.
    pub(crate) fn extension(&self, oid: &[u8]) -> std::result::Result<Option<&Extension<'a>>, Duplicate> {
        let mut found = self.extensions.iter().filter(|e| e.oid == oid);
        let first = found.next();
        if found.next().is_some() {
            return Err(Duplicate);
        }
        Ok(first)
    }

    /// basicConstraints: `Ok(None)` when absent or malformed, `Err` when duplicated. A malformed
    /// one counts as absent, as in x509-parser's accessor and OpenSSL's `check_ca` (which then
    /// judges by keyUsage); the chain check reports it as 41 separately.
    pub(crate) fn basic_constraints(&self) -> std::result::Result<Option<BasicConstraints>, ()> {
        match self.extension(oids::BASIC_CONSTRAINTS) {
            Ok(Some(e)) => Ok(basic_constraints(e.value).ok()),
            Ok(None) => Ok(None),
            Err(Duplicate) => Err(()),
        }
    }

    /// keyUsage as bits (bit 0 digitalSignature … bit 8 decipherOnly).
    pub(crate) fn key_usage(&self) -> std::result::Result<Option<KeyUsage>, ()> {
        match self.extension(oids::KEY_USAGE) {
            Ok(Some(e)) => key_usage(e.value).map(Some).map_err(|_| ()),
            Ok(None) => Ok(None),
            Err(Duplicate) => Err(()),
        }
    }

    /// extendedKeyUsage purposes (OID contents).
    pub(crate) fn extended_key_usage(&self) -> std::result::Result<Option<Vec<&'a [u8]>>, ()> {
        match self.extension(oids::EXT_KEY_USAGE) {
            Ok(Some(e)) => oid_list(e.value).map(Some).map_err(|_| ()),
            Ok(None) => Ok(None),
            Err(Duplicate) => Err(()),
        }
    }

    /// subjectAltName entries.
    pub(crate) fn subject_alt_names(&self) -> std::result::Result<Option<Vec<GeneralName<'a>>>, Malformed> {
        match self.extension(oids::SUBJECT_ALT_NAME) {
            Ok(Some(e)) => general_names(e.value).map(Some),
            Ok(None) => Ok(None),
            Err(Duplicate) => Err(Malformed("duplicate subjectAltName")),
        }
    }

    /// The first subjectKeyIdentifier that decodes.
    pub(crate) fn subject_key_id(&self) -> Option<&'a [u8]> {
        self.extensions
            .iter()
            .filter(|e| e.oid == oids::SUBJECT_KEY_ID)
            .find_map(|e| der::only(e.value, OCTET_STRING).ok())
    }

    /// The first keyIdentifier among the authorityKeyIdentifiers that decode.
    pub(crate) fn authority_key_id(&self) -> Option<&'a [u8]> {
        self.extensions
            .iter()
            .filter(|e| e.oid == oids::AUTHORITY_KEY_ID)
            .find_map(|e| authority_key_id(e.value).ok().flatten())
    }

    /// basicConstraints cA, false when absent or unreadable.
    pub(crate) fn is_ca(&self) -> bool {
        matches!(self.basic_constraints(), Ok(Some(bc)) if bc.ca)
    }
}

impl<'a> Spki<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self> {
        let (tag, contents, der) = r.element()?;
        if tag != SEQUENCE {
            return Err(Malformed("SubjectPublicKeyInfo is not a SEQUENCE"));
        }
        let mut s = Reader::new(contents);
        let alg = s.algorithm()?;
        oid(alg.oid)?;
        let key = bit_string(s.expect(BIT_STRING)?)?;
        s.finish()?;
        Ok(Self {
            der,
            algorithm: alg.oid,
            parameters: alg.parameters,
            key,
        })
    }

    /// Parses a SubjectPublicKeyInfo on its own (nothing may follow it).
    #[cfg(test)]
    pub(crate) fn parse(der: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(der);
        let spki = Self::read(&mut r)?;
        r.finish()?;
        Ok(spki)
    }

    /// The DER contents of the SubjectPublicKeyInfo (without its header), as trust anchors
    /// keep it.
    pub(crate) fn contents(&self) -> &'a [u8] {
        der::only(self.der, SEQUENCE).unwrap_or(self.der)
    }
}

impl<'a> Extension<'a> {
    fn read(r: &mut Reader<'a>) -> Result<Self> {
        let mut e = r.nested(SEQUENCE)?;
        let oid_contents = e.expect(OID)?;
        oid(oid_contents)?;
        // BOOLEAN DEFAULT FALSE: read as BER (any non-zero byte is true, an explicit FALSE is
        // allowed), since some issuers encode it so and OpenSSL and x509-parser accept them.
        let critical = match e.optional(BOOLEAN)? {
            Some([b]) => *b != 0,
            Some(_) => return Err(Malformed("BOOLEAN of the wrong length")),
            None => false,
        };
        let value = e.expect(OCTET_STRING)?;
        e.finish()?;
        Ok(Self {
            oid: oid_contents,
            critical,
            value,
        })
    }

    /// Whether a value of an extension type that is decoded anywhere (here, by OpenSSL's
    /// `x509v3_cache_extensions`, or by x509-parser before) decodes; other types are not
    /// judged. A value that does not decode makes the chain check report 41, as OpenSSL does.
    /// Like OpenSSL's `X509V3_EXT_d2i` (and x509-parser), bytes after the value are ignored.
    pub(crate) fn decodes(&self) -> bool {
        let v = self.value;
        match self.oid {
            oids::BASIC_CONSTRAINTS => basic_constraints(v).is_ok(),
            oids::KEY_USAGE => key_usage(v).is_ok(),
            oids::EXT_KEY_USAGE => oid_list(v).is_ok(),
            oids::SUBJECT_KEY_ID => first(v, OCTET_STRING).is_ok(),
            oids::AUTHORITY_KEY_ID => authority_key_id(v).is_ok(),
            oids::SUBJECT_ALT_NAME | oids::ISSUER_ALT_NAME => general_names(v).is_ok(),
            // A subtree with a minimum or maximum decodes (OpenSSL reports it as 49, later).
            oids::NAME_CONSTRAINTS => Reader::new(v).element().is_ok_and(|(_, _, nc)| {
                matches!(
                    crate::ssl::name_constraints::Constraints::from_der(nc),
                    Ok(_) | Err(crate::ssl::verify_code::VerifyCode::ERR_SUBTREE_MINMAX)
                )
            }),
            oids::NS_CERT_TYPE => first(v, BIT_STRING)
                .and_then(bit_string)
                .is_ok_and(|bits| bits.len() == 1),
            oids::CRL_DISTRIBUTION_POINTS => crl_distribution_points(v).is_ok(),
            oids::CERTIFICATE_POLICIES => sequence_of(v, |p| {
                let mut p = Reader::new(p);
                oid(p.expect(OID)?)?;
                Ok(())
            })
            .is_ok(),
            oids::POLICY_MAPPINGS => sequence_of(v, |m| {
                let mut m = Reader::new(m);
                oid(m.expect(OID)?)?;
                oid(m.expect(OID)?)?;
                m.finish()
            })
            .is_ok(),
            oids::POLICY_CONSTRAINTS => first(v, SEQUENCE).is_ok(),
            oids::INHIBIT_ANY_POLICY => Reader::new(v).small_uint().is_ok(),
            oids::AUTHORITY_INFO_ACCESS | oids::SUBJECT_INFO_ACCESS => sequence_of(v, |a| {
                let mut a = Reader::new(a);
                oid(a.expect(OID)?)?;
                GeneralName::read(&mut a)?;
                a.finish()
            })
            .is_ok(),
            _ => true,
        }
    }
}

/// The contents of the first TLV of `v`, which must have `tag`.
fn first(v: &[u8], tag: u8) -> Result<&[u8]> {
    Reader::new(v).expect(tag)
}

/// A non-empty SEQUENCE OF SEQUENCE, each element checked by `each`.
fn sequence_of(v: &[u8], mut each: impl FnMut(&[u8]) -> Result<()>) -> Result<()> {
    let mut list = Reader::new(v).nested(SEQUENCE)?;
    if list.is_empty() {
        return Err(Malformed("empty SEQUENCE OF"));
    }
    while !list.is_empty() {
        each(list.expect(SEQUENCE)?)?;
    }
    Ok(())
}

/// A BIT STRING's bits after the unused-bits byte; the unused bits must be zero (DER, X.690
/// §11.2.1, as x509-parser checked).
fn bit_string(contents: &[u8]) -> Result<&[u8]> {
    match contents.split_first() {
        Some((0, bits)) => Ok(bits),
        Some((&unused, bits))
            if unused < 8 && bits.last().is_some_and(|last| last & ((1u8 << unused) - 1) == 0) =>
        {
            Ok(bits)
        }
        _ => Err(Malformed("malformed BIT STRING")),
    }
}

/// An OID's contents: non-empty, every arc minimal and complete (X.690 §8.19, as OpenSSL).
fn oid(contents: &[u8]) -> Result<&[u8]> {
    let complete = contents.last().is_some_and(|b| b & 0x80 == 0);
    let minimal = contents
        .iter()
        .enumerate()
        .all(|(i, &b)| b != 0x80 || (i > 0 && contents.get(i - 1).is_some_and(|p| p & 0x80 != 0)));
    if complete && minimal {
        Ok(contents)
    } else {
        Err(Malformed("malformed OBJECT IDENTIFIER"))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct BasicConstraints {
    pub(crate) ca: bool,
    pub(crate) path_len: Option<u32>,
}

/// `SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint INTEGER (0..MAX) OPTIONAL }`, a
/// DER BOOLEAN (00 or FF) and a path length that fits in 32 bits, as x509-parser read it.
fn basic_constraints(v: &[u8]) -> Result<BasicConstraints> {
    let mut s = Reader::new(v).nested(SEQUENCE)?;
    let ca = match s.optional(BOOLEAN)? {
        Some([0]) => false,
        Some([0xff]) => true,
        Some(_) => return Err(Malformed("not a DER BOOLEAN")),
        None => false,
    };
    let path_len = if s.is_empty() {
        None
    } else {
        let n = s.small_uint()?;
        Some(u32::try_from(n).map_err(|_| Malformed("path length too large"))?)
    };
    s.finish()?;
    Ok(BasicConstraints { ca, path_len })
}

/// keyUsage bits, bit 0 (digitalSignature) first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct KeyUsage(pub(crate) u16);

impl KeyUsage {
    fn bit(self, n: u16) -> bool {
        self.0 & (1 << n) != 0
    }
    pub(crate) fn digital_signature(self) -> bool {
        self.bit(0)
    }
    pub(crate) fn key_encipherment(self) -> bool {
        self.bit(2)
    }
    pub(crate) fn key_agreement(self) -> bool {
        self.bit(4)
    }
    pub(crate) fn key_cert_sign(self) -> bool {
        self.bit(5)
    }
}

fn key_usage(v: &[u8]) -> Result<KeyUsage> {
    let bits = bit_string(first(v, BIT_STRING)?)?;
    // Bits past the ninth (decipherOnly) have no meaning; x509-parser kept the first 16 too.
    let flags = bits
        .iter()
        .take(2)
        .enumerate()
        .fold(0u16, |acc, (i, b)| acc | (u16::from(b.reverse_bits()) << (8 * i)));
    Ok(KeyUsage(flags))
}

/// `SEQUENCE OF OBJECT IDENTIFIER`.
fn oid_list(v: &[u8]) -> Result<Vec<&[u8]>> {
    let mut list = Reader::new(v).nested(SEQUENCE)?;
    let mut out = Vec::new();
    while !list.is_empty() {
        out.push(oid(list.expect(OID)?)?);
    }
    Ok(out)
}

/// `SEQUENCE { [0] keyIdentifier OPTIONAL, [1] GeneralNames OPTIONAL, [2] serial OPTIONAL }`.
fn authority_key_id(v: &[u8]) -> Result<Option<&[u8]>> {
    let mut s = Reader::new(v).nested(SEQUENCE)?;
    let key_id = s.optional(0x80)?;
    if let Some(names) = s.optional(0xa1)? {
        let mut names = Reader::new(names);
        while !names.is_empty() {
            GeneralName::read(&mut names)?;
        }
    }
    s.optional(0x82)?;
    s.finish()?;
    Ok(key_id)
}

/// `SEQUENCE OF DistributionPoint`, each `SEQUENCE { [0] name, [1] reasons, [2] cRLIssuer }`
/// (all optional), the name being `[0] GeneralNames` or `[1] RelativeDistinguishedName`.
fn crl_distribution_points(v: &[u8]) -> Result<()> {
    sequence_of(v, |dp| {
        let mut dp = Reader::new(dp);
        if let Some(name) = dp.optional(0xa0)? {
            let mut name = Reader::new(name);
            match name.any()? {
                (0xa0, names) => {
                    let mut names = Reader::new(names);
                    if names.is_empty() {
                        return Err(Malformed("empty fullName"));
                    }
                    while !names.is_empty() {
                        GeneralName::read(&mut names)?;
                    }
                }
                (0xa1, rdn) => {
                    read_rdn(rdn)?;
                }
                _ => return Err(Malformed("unknown DistributionPointName")),
            }
            name.finish()?;
        }
        if let Some(reasons) = dp.optional(0x81)? {
            bit_string(reasons)?;
        }
        if let Some(issuer) = dp.optional(0xa2)? {
            let mut issuer = Reader::new(issuer);
            while !issuer.is_empty() {
                GeneralName::read(&mut issuer)?;
            }
        }
        dp.finish()
    })
}

/// One GeneralName (RFC 5280 §4.2.1.6).
#[derive(Debug, Clone)]
pub(crate) enum GeneralName<'a> {
    /// otherName (its type OID read, the value not).
    Other,
    Email(&'a str),
    Dns(&'a str),
    X400,
    Directory(Name<'a>),
    EdiParty,
    Uri(&'a str),
    Ip(&'a [u8]),
    RegisteredId(&'a [u8]),
    /// A known type whose contents do not decode (text that is not UTF-8, a Name that is not
    /// one), by its tag number. Kept rather than refused, as x509-parser did: OpenSSL
    /// prints such entries but cannot match them.
    Invalid(u8),
}

impl<'a> GeneralName<'a> {
    /// The tag number (0 otherName … 8 registeredID).
    pub(crate) fn kind(&self) -> u8 {
        match self {
            Self::Other => 0,
            Self::Email(_) => 1,
            Self::Dns(_) => 2,
            Self::X400 => 3,
            Self::Directory(_) => 4,
            Self::EdiParty => 5,
            Self::Uri(_) => 6,
            Self::Ip(_) => 7,
            Self::RegisteredId(_) => 8,
            Self::Invalid(n) => *n,
        }
    }

    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self> {
        let (tag, contents) = r.any()?;
        if tag & 0xc0 != 0x80 {
            return Err(Malformed("GeneralName is not context-specific"));
        }
        let number = tag & 0x1f;
        // IA5String in RFC 5280; UTF-8 is accepted as x509-parser did (some issuers use it).
        let text = || std::str::from_utf8(contents).ok();
        let name = match number {
            0 => Reader::new(contents).expect(OID).ok().map(|_| Self::Other),
            1 => text().map(Self::Email),
            2 => text().map(Self::Dns),
            3 => Some(Self::X400),
            4 => {
                let mut n = Reader::new(contents);
                Name::read(&mut n)
                    .ok()
                    .filter(|_| n.is_empty())
                    .map(Self::Directory)
            }
            5 => Some(Self::EdiParty),
            6 => text().map(Self::Uri),
            7 => Some(Self::Ip(contents)),
            8 => Some(Self::RegisteredId(contents)),
            _ => return Err(Malformed("unknown GeneralName type")),
        };
        Ok(name.unwrap_or(Self::Invalid(number)))
    }
}

/// `GeneralNames ::= SEQUENCE OF GeneralName`.
pub(crate) fn general_names(v: &[u8]) -> Result<Vec<GeneralName<'_>>> {
    let mut list = Reader::new(v).nested(SEQUENCE)?;
    let mut out = Vec::new();
    while !list.is_empty() {
        out.push(GeneralName::read(&mut list)?);
    }
    Ok(out)
}

fn read_rdn(contents: &[u8]) -> Result<Vec<Attribute<'_>>> {
    let mut set = Reader::new(contents);
    let mut rdn = Vec::new();
    // SET SIZE (1..MAX); DER's SET OF ordering is not checked, as OpenSSL does not.
    if set.is_empty() {
        return Err(Malformed("empty RDN"));
    }
    while !set.is_empty() {
        let mut atv = set.nested(SEQUENCE)?;
        let oid_contents = oid(atv.expect(OID)?)?;
        let (tag, value, value_der) = atv.element()?;
        atv.finish()?;
        rdn.push(Attribute {
            oid: oid_contents,
            tag,
            value,
            value_der,
        });
    }
    Ok(rdn)
}

impl<'a> Name<'a> {
    /// `SEQUENCE OF SET OF SEQUENCE { type OID, value ANY }`, with nothing else inside
    /// (x509-parser ignored bytes after the last RDN; DER does not allow them).
    pub(crate) fn read(r: &mut Reader<'a>) -> Result<Self> {
        let (tag, contents, der) = r.element()?;
        if tag != SEQUENCE {
            return Err(Malformed("Name is not a SEQUENCE"));
        }
        let mut seq = Reader::new(contents);
        let mut rdns = Vec::new();
        while !seq.is_empty() {
            rdns.push(read_rdn(seq.expect(SET)?)?);
        }
        Ok(Self { der, rdns })
    }

    /// One Name with nothing after it.
    pub(crate) fn parse(der: &'a [u8]) -> Result<Self> {
        let mut r = Reader::new(der);
        let name = Self::read(&mut r)?;
        r.finish()?;
        Ok(name)
    }

    /// The Name's contents without its header, as trust anchors keep subjects.
    pub(crate) fn contents(&self) -> &'a [u8] {
        der::only(self.der, SEQUENCE).unwrap_or(self.der)
    }

    pub(crate) fn attributes(&self) -> impl Iterator<Item = &Attribute<'a>> {
        self.rdns.iter().flatten()
    }

    /// The values of every attribute of type `oid`, in order.
    pub(crate) fn all(&self, oid: &'a [u8]) -> impl Iterator<Item = &Attribute<'a>> {
        self.attributes().filter(move |a| a.oid == oid)
    }
}

const UTF8_STRING: u8 = 0x0c;
const IA5_STRING: u8 = 0x16;

impl Attribute<'_> {
    /// The value as text, for the string types a DirectoryString (and friends) may be;
    /// `None` for a value that is not a string.
    pub(crate) fn text(&self) -> Option<String> {
        let data = self.value;
        match self.tag {
            // UTF8String, NumericString, PrintableString, IA5String, GraphicString,
            // VisibleString, GeneralString.
            UTF8_STRING | 0x12 | 0x13 | IA5_STRING | 0x19 | 0x1a | 0x1b => {
                Some(String::from_utf8_lossy(data).into_owned())
            }
            // TeletexString: Latin-1 in practice, as OpenSSL converts it.
            0x14 => Some(data.iter().map(|&b| char::from(b)).collect()),
            // BMPString: UTF-16BE.
            0x1e => {
                let units: Vec<u16> = data
                    .chunks_exact(2)
                    .filter_map(|pair| <[u8; 2]>::try_from(pair).ok())
                    .map(u16::from_be_bytes)
                    .collect();
                Some(String::from_utf16_lossy(&units))
            }
            // UniversalString: UTF-32BE.
            0x1c => Some(
                data.chunks_exact(4)
                    .filter_map(|quad| <[u8; 4]>::try_from(quad).ok())
                    .map(|quad| {
                        char::from_u32(u32::from_be_bytes(quad)).unwrap_or(char::REPLACEMENT_CHARACTER)
                    })
                    .collect(),
            ),
            _ => None,
        }
    }

    /// The value when it is an IA5String of valid UTF-8 (emailAddress, as OpenSSL requires).
    pub(crate) fn ia5(&self) -> Option<&str> {
        (self.tag == IA5_STRING)
            .then(|| std::str::from_utf8(self.value).ok())
            .flatten()
    }
}

impl Time {
    /// UTCTime `YYMMDDHHMMSSZ` (years 1950–2049) or GeneralizedTime `YYYYMMDDHHMMSSZ`: the only
    /// forms RFC 5280 §4.1.2.5 allows (seconds present, Zulu, no fractions). x509-parser also
    /// read other offsets and fractions; OpenSSL's strict X.509 time check refuses them.
    fn read(r: &mut Reader<'_>) -> Result<Self> {
        let bad = Malformed("malformed validity time");
        let (tag, text) = r.any()?;
        let (year, rest) = match (tag, text.len()) {
            (UTC_TIME, 13) => {
                let yy = digits(text.get(..2).ok_or(bad)?).ok_or(bad)?;
                (
                    if yy < 50 { 2000 + yy } else { 1900 + yy },
                    text.get(2..).ok_or(bad)?,
                )
            }
            (GENERALIZED_TIME, 15) => (
                digits(text.get(..4).ok_or(bad)?).ok_or(bad)?,
                text.get(4..).ok_or(bad)?,
            ),
            _ => return Err(bad),
        };
        let field = |at: usize| rest.get(at..at + 2).and_then(digits).ok_or(bad);
        let (month, day, hour, minute, second) = (field(0)?, field(2)?, field(4)?, field(6)?, field(8)?);
        if rest.get(10..) != Some(b"Z") {
            return Err(bad);
        }
        if !(1..=12).contains(&month)
            || day < 1
            || day > days_in_month(year, month)
            || hour > 23
            || minute > 59
            || second > 59
        {
            return Err(bad);
        }
        let days = days_from_civil(i64::from(year), i64::from(month), i64::from(day));
        Ok(Self(
            days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second),
        ))
    }

    /// Year, month, day, hour, minute, second.
    pub(crate) fn fields(self) -> (i64, u32, u32, u32, u32, u32) {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        let part = |v: i64| u32::try_from(v).unwrap_or(0);
        (y, m, d, part(secs / 3600), part(secs / 60 % 60), part(secs % 60))
    }
}

/// ASCII decimal digits as a number.
fn digits(text: &[u8]) -> Option<u32> {
    text.iter().try_fold(0u32, |acc, &b| {
        b.is_ascii_digit().then(|| acc * 10 + u32::from(b - b'0'))
    })
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, u32::try_from(m).unwrap_or(0), u32::try_from(d).unwrap_or(0))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]

    use super::*;

    fn time(tag: u8, text: &str) -> Result<i64> {
        let mut der = vec![tag, u8::try_from(text.len()).unwrap()];
        der.extend_from_slice(text.as_bytes());
        Time::read(&mut Reader::new(&der)).map(|t| t.0)
    }

    #[test]
    fn times_are_rfc5280_forms_only() {
        assert_eq!(time(UTC_TIME, "700101000000Z"), Ok(0));
        assert_eq!(time(UTC_TIME, "491231235959Z"), Ok(2_524_607_999));
        assert_eq!(time(UTC_TIME, "500101000000Z"), Ok(-631_152_000));
        assert_eq!(time(GENERALIZED_TIME, "20000229120000Z"), Ok(951_825_600));
        assert_eq!(time(GENERALIZED_TIME, "99991231235959Z"), Ok(253_402_300_799));
        let t = Time(time(GENERALIZED_TIME, "21261103000358Z").unwrap());
        assert_eq!(t.fields(), (2126, 11, 3, 0, 3, 58));
        assert_eq!(Time(-1).fields(), (1969, 12, 31, 23, 59, 59));
        for (tag, bad) in [
            (UTC_TIME, "7001010000Z"),               // no seconds
            (UTC_TIME, "700101000000+0000"),         // an offset
            (UTC_TIME, "700101000000z"),             // lower-case zulu
            (GENERALIZED_TIME, "20000229120000.5Z"), // fractions
            (GENERALIZED_TIME, "19000229120000Z"),   // not a leap year
            (GENERALIZED_TIME, "20001301000000Z"),   // month 13
            (GENERALIZED_TIME, "20000100000000Z"),   // day 0
            (GENERALIZED_TIME, "20000101240000Z"),   // hour 24
            (GENERALIZED_TIME, "20000101006000Z"),   // minute 60
            (GENERALIZED_TIME, "20000101000060Z"),   // leap second
            (GENERALIZED_TIME, "2000010100000 Z"),
            (GENERALIZED_TIME, "+2000101000000Z"),
            (UTC_TIME, "20000101000000Z"), // GeneralizedTime's length in a UTCTime
            (OCTET_STRING, "700101000000Z"),
        ] {
            assert!(time(tag, bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn oids_and_bit_strings_are_der() {
        assert!(oid(&[0x55, 0x04, 0x03]).is_ok());
        assert!(oid(&[0x2a, 0x86, 0x48]).is_ok());
        assert!(oid(&[]).is_err());
        assert!(oid(&[0x55, 0x84]).is_err(), "an arc cut short");
        assert!(oid(&[0x55, 0x80, 0x01]).is_err(), "a padded arc");
        assert!(oid(&[0x80, 0x01]).is_err());
        assert_eq!(bit_string(&[0, 1, 2]), Ok(&[1u8, 2][..]));
        assert_eq!(bit_string(&[7, 0x80]), Ok(&[0x80u8][..]));
        assert!(bit_string(&[7, 0x81]).is_err(), "unused bits set");
        assert!(bit_string(&[1]).is_err());
        assert!(bit_string(&[8, 0]).is_err());
        assert!(bit_string(&[]).is_err());
    }

    #[test]
    fn extension_decoders() {
        let bc = |v: &[u8]| basic_constraints(v);
        assert_eq!(
            bc(&[0x30, 0]),
            Ok(BasicConstraints {
                ca: false,
                path_len: None
            })
        );
        assert_eq!(
            bc(&[0x30, 6, 1, 1, 0xff, 2, 1, 3]),
            Ok(BasicConstraints {
                ca: true,
                path_len: Some(3)
            })
        );
        assert_eq!(bc(&[0x30, 3, 2, 1, 0]).unwrap().path_len, Some(0));
        assert!(bc(&[0x30, 3, 1, 1, 0x01]).is_err(), "BER true");
        assert!(
            bc(&[0x30, 7, 2, 5, 1, 0, 0, 0, 0]).is_err(),
            "path length past u32"
        );
        assert!(bc(&[0xb0, 0]).is_err(), "a [16] is not a SEQUENCE");
        // digitalSignature | keyCertSign, then decipherOnly.
        assert_eq!(key_usage(&[3, 2, 2, 0x84]), Ok(KeyUsage(0b10_0001)));
        assert_eq!(key_usage(&[3, 3, 7, 0, 0x80]), Ok(KeyUsage(1 << 8)));
        assert!(key_usage(&[4, 1, 0]).is_err());
        let names = general_names(&[0x30, 9, 0x82, 1, b'a', 0x82, 1, 0xff, 0x87, 1, 7]).unwrap();
        assert!(matches!(names[0], GeneralName::Dns("a")));
        assert!(
            matches!(names[1], GeneralName::Invalid(2)),
            "not UTF-8: kept, unusable"
        );
        assert!(matches!(names[2], GeneralName::Ip([7])));
        assert!(
            general_names(&[0x30, 3, 0x89, 1, 0]).is_err(),
            "no such GeneralName type"
        );
        assert!(
            general_names(&[0x30, 3, 0x02, 1, 0]).is_err(),
            "not context-specific"
        );
    }
}
