//! OpenSSL's chain building and the checks it runs on every certificate of the chain, each
//! failure kept with its `X509_V_*` code and depth, so that the verify callback can be asked
//! about every one of them (API.md §5) rather than only about the first.
//!
//! The chain is built from the leaf up by issuer name (authority/subject key identifiers break
//! ties), looking in the trust anchors first (OpenSSL's default "trusted first") and then among
//! the certificates the peer sent; a certificate the peer sent that does not link is not part
//! of the chain. Then, at every depth: the chain's end (2, 18, 19, 20, 22), unhandled critical
//! extensions (34), CA flag (79), purpose (26), path length (25), key strength (66, 67) and
//! digest strength (68), the signature by the issuer's key (7), validity (9, 10) and name
//! constraints (47, 48). The host name (62, 64) is the caller's, since it needs the name.
//!
//! Signatures are checked with ring, directly, rather than through the rustls provider's
//! algorithm set: that set (rustls-webpki's) refuses RSA keys under 2048 bits outright, and
//! OpenSSL reports such a CA as "key too weak" (67) while still checking what it signed. With
//! ring's 1024-bit legacy variants the signature is still verified, so a callback that
//! accepts 67 is not also accepting a forged signature.

use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use rustls_pki_types::{alg_id, TrustAnchor};

use crate::ssl::cert::{oids, Certificate};
use crate::ssl::der::{self, oid_string, Reader};
use crate::ssl::name_constraints::Constraints;
use crate::ssl::verify::Purpose;
use crate::ssl::verify_code::VerifyCode;

/// OpenSSL's default verify depth (`X509_VERIFY_PARAM`'s 100): bounds the work when no
/// `setVerifyDepth` was given.
const DEFAULT_DEPTH: u32 = 100;

/// In which order OpenSSL finds the errors of one certificate; errors are reported to the
/// callback deepest certificate first, and at one depth in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Phase {
    Build,
    Extensions,
    Ca,
    Purpose,
    PathLength,
    KeyStrength,
    Host,
    Signature,
    Validity,
    NameConstraints,
    /// rustls-webpki's verdict, consulted when nothing else was found.
    Webpki,
}

/// One error, at one depth of the built chain.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Found {
    pub depth: u32,
    pub code: VerifyCode,
    pub phase: Phase,
    /// Why, precisely, naming the certificate.
    pub detail: String,
}

/// What chain building and checking produced: the chain, leaf first (a trust anchor known
/// only by name and key has no certificate to show, `None`), and every error found.
#[derive(Debug, Default)]
pub(crate) struct Examined {
    pub chain: Vec<Option<Vec<u8>>>,
    pub errors: Vec<Found>,
}

impl Examined {
    /// Errors in the order the callback hears them: deepest first, then by phase.
    pub(crate) fn sort(&mut self) {
        self.errors.sort_by_key(|f| (std::cmp::Reverse(f.depth), f.phase));
    }
}

/// What to check the peer's certificates against.
pub(crate) struct Inputs<'a> {
    pub leaf: &'a [u8],
    pub intermediates: &'a [&'a [u8]],
    pub anchors: &'a [TrustAnchor<'static>],
    /// The loaded anchors as whole certificates (the bundled roots are name and key only).
    pub anchor_certs: &'a [&'a [u8]],
    pub purpose: Purpose,
    /// At most this many intermediates.
    pub max_depth: Option<u32>,
    pub now: i64,
}

struct Cert<'a> {
    der: &'a [u8],
    x: Certificate<'a>,
}

/// A trust anchor, with its certificate when it was loaded as one.
struct Anchor<'a> {
    ta: &'a TrustAnchor<'static>,
    cert: Option<Cert<'a>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    Leaf,
    Peer(usize),
    Anchor(usize),
}

struct Pools<'a> {
    leaf: Cert<'a>,
    peer: Vec<Cert<'a>>,
    anchors: Vec<Anchor<'a>>,
    /// Signature checks left for choosing among same-named issuers: a peer sending hundreds
    /// of look-alike certificates must not buy itself quadratic work (rustls-webpki stops at
    /// 100 too). Past it, candidates are ranked without trying their keys; the chain's own
    /// signatures are still all checked.
    probes: std::cell::Cell<u32>,
}

impl<'a> Pools<'a> {
    fn cert(&self, link: Link) -> Option<&Cert<'a>> {
        match link {
            Link::Leaf => Some(&self.leaf),
            Link::Peer(i) => self.peer.get(i),
            Link::Anchor(i) => self.anchors.get(i).and_then(|a| a.cert.as_ref()),
        }
    }

    fn subject(&self, link: Link) -> &[u8] {
        match (link, self.cert(link)) {
            (_, Some(c)) => c.x.subject.contents(),
            (Link::Anchor(i), None) => self.anchors.get(i).map_or(&[], |a| a.ta.subject.as_ref()),
            _ => &[],
        }
    }

    /// The SubjectPublicKeyInfo contents (no outer header) of a chain member.
    fn spki(&self, link: Link) -> &[u8] {
        match (link, self.cert(link)) {
            (_, Some(c)) => c.x.spki.contents(),
            (Link::Anchor(i), None) => self
                .anchors
                .get(i)
                .map_or(&[], |a| a.ta.subject_public_key_info.as_ref()),
            _ => &[],
        }
    }

    fn trusted(link: Link) -> bool {
        matches!(link, Link::Anchor(_))
    }
}

/// Builds the chain and runs every check on it. The leaf must parse (the caller reports an
/// unparsable leaf itself).
pub(crate) fn examine(inputs: &Inputs<'_>) -> Result<Examined, String> {
    let leaf = parse(inputs.leaf).ok_or_else(|| "the certificate does not parse".to_string())?;
    let peer = inputs.intermediates.iter().filter_map(|d| parse(d)).collect();
    let anchors = inputs
        .anchors
        .iter()
        .map(|ta| Anchor {
            ta,
            cert: inputs.anchor_certs.iter().filter_map(|d| parse(d)).find(|c| {
                c.x.subject.contents() == ta.subject.as_ref()
                    && c.x.spki.contents() == ta.subject_public_key_info.as_ref()
            }),
        })
        .collect();
    let pools = Pools {
        leaf,
        peer,
        anchors,
        probes: std::cell::Cell::new(100),
    };
    let mut out = Examined::default();
    let chain = build(&pools, inputs, &mut out.errors);
    check(&pools, &chain, inputs, &mut out.errors);
    out.chain = chain
        .iter()
        .map(|l| pools.cert(*l).map(|c| c.der.to_vec()))
        .collect();
    out.sort();
    Ok(out)
}

fn parse(der: &[u8]) -> Option<Cert<'_>> {
    Certificate::parse(der).ok().map(|x| Cert { der, x })
}

/// Who a certificate is, for error details.
fn who(c: &Cert<'_>) -> String {
    // The first common name when it is a UTF8String (as before, when x509-parser's `as_str`
    // read only those); otherwise the whole name.
    let cn =
        c.x.subject
            .all(oids::COMMON_NAME)
            .next()
            .filter(|a| a.tag == 0x0c)
            .and_then(|a| std::str::from_utf8(a.value).ok());
    match cn {
        Some(cn) => format!("CN={cn}"),
        None => crate::ssl::x509::name_text(c.x.subject.der),
    }
}

fn depth_of(i: usize) -> u32 {
    u32::try_from(i).unwrap_or(u32::MAX)
}

fn push(errors: &mut Vec<Found>, depth: usize, code: VerifyCode, phase: Phase, detail: String) {
    errors.push(Found {
        depth: depth_of(depth),
        code,
        phase,
        detail,
    });
}

// ---- building ----

fn build(pools: &Pools<'_>, inputs: &Inputs<'_>, errors: &mut Vec<Found>) -> Vec<Link> {
    // A leaf byte-identical to a loaded anchor is trusted as it stands (pinning a self-signed
    // server, as OpenSSL replaces a self-signed certificate by its identical trusted copy).
    if let Some(i) = pools
        .anchors
        .iter()
        .position(|a| a.cert.as_ref().is_some_and(|c| c.der == inputs.leaf))
    {
        return vec![Link::Anchor(i)];
    }
    let limit = inputs.max_depth.unwrap_or(DEFAULT_DEPTH);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX).saturating_add(1);
    let mut chain = vec![Link::Leaf];
    let mut used_peer = vec![false; pools.peer.len()];
    let mut used_anchor = vec![false; pools.anchors.len()];
    let mut too_long = false;
    while let Some(&top) = chain.last() {
        let top_cert = pools.cert(top);
        if Pools::trusted(top) {
            // A trusted certificate that is not a root: OpenSSL goes on looking for its issuer
            // in the trust store only.
            let Some(c) = top_cert.filter(|c| !self_signed(c)) else {
                break;
            };
            match find_issuer(pools, c, anchor_links(pools, &used_anchor), inputs.now) {
                Some(next @ Link::Anchor(i)) => {
                    if let Some(u) = used_anchor.get_mut(i) {
                        *u = true;
                    }
                    chain.push(next);
                    continue;
                }
                _ => break,
            }
        }
        let Some(c) = top_cert else { break };
        if chain.len() > limit {
            too_long = true;
            break;
        }
        if self_signed(c) {
            // Replaced by its trusted copy only when byte-identical: a look-alike with the
            // same name is an impersonation attempt.
            // A bundled root has no certificate to compare: the same name and the same key
            // are the same root (a forgery would need the root's private key).
            let same = |a: &Anchor<'_>| match &a.cert {
                Some(t) => t.der == c.der,
                None => {
                    a.ta.subject.as_ref() == c.x.subject.contents()
                        && a.ta.subject_public_key_info.as_ref() == c.x.spki.contents()
                }
            };
            if let Some(i) = pools.anchors.iter().position(same) {
                if let Some(last) = chain.last_mut() {
                    *last = Link::Anchor(i);
                }
            }
            break;
        }
        if let Some(next @ Link::Anchor(i)) =
            find_issuer(pools, c, anchor_links(pools, &used_anchor), inputs.now)
        {
            if let Some(u) = used_anchor.get_mut(i) {
                *u = true;
            }
            chain.push(next);
            continue;
        }
        let peers = (0..pools.peer.len())
            .filter(|i| !used_peer.get(*i).copied().unwrap_or(true))
            .map(Link::Peer)
            .collect::<Vec<_>>();
        match find_issuer(pools, c, peers, inputs.now) {
            Some(next @ Link::Peer(i)) => {
                if let Some(u) = used_peer.get_mut(i) {
                    *u = true;
                }
                chain.push(next);
            }
            _ => break,
        }
    }
    report_end(pools, &chain, too_long, errors);
    chain
}

fn anchor_links(pools: &Pools<'_>, used: &[bool]) -> Vec<Link> {
    (0..pools.anchors.len())
        .filter(|i| !used.get(*i).copied().unwrap_or(true))
        .map(Link::Anchor)
        .collect()
}

/// OpenSSL's verdict on how the chain ends, at the depth of its top.
fn report_end(pools: &Pools<'_>, chain: &[Link], too_long: bool, errors: &mut Vec<Found>) {
    let Some(&top) = chain.last() else { return };
    let depth = chain.len() - 1;
    let name = pools.cert(top).map(who).unwrap_or_default();
    if too_long {
        push(
            errors,
            depth,
            VerifyCode::ERR_CERT_CHAIN_TOO_LONG,
            Phase::Build,
            format!(
                "more than {} intermediates above {name}: the verify depth forbids it",
                depth.saturating_sub(1)
            ),
        );
        return;
    }
    match (Pools::trusted(top), pools.cert(top)) {
        // A pinned leaf (depth 0) is a chain by itself, root or not.
        (true, Some(c)) if depth > 0 && !self_signed(c) => push(
            errors,
            depth,
            VerifyCode::ERR_UNABLE_TO_GET_ISSUER_CERT,
            Phase::Build,
            format!("{name} is trusted but is not a root, and its issuer is not trusted"),
        ),
        (true, _) => {}
        (false, Some(c)) if self_signed(c) => {
            let code = if depth == 0 {
                VerifyCode::ERR_DEPTH_ZERO_SELF_SIGNED_CERT
            } else {
                VerifyCode::ERR_SELF_SIGNED_CERT_IN_CHAIN
            };
            push(
                errors,
                depth,
                code,
                Phase::Build,
                format!("{name} is self-signed and not trusted"),
            );
        }
        (false, _) => {
            let issuer = pools
                .cert(top)
                .map(|c| crate::ssl::x509::name_text(c.x.issuer.der))
                .unwrap_or_default();
            push(
                errors,
                depth,
                VerifyCode::ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY,
                Phase::Build,
                format!("the issuer of {name} ({issuer}) is neither trusted nor sent by the peer"),
            );
            if depth == 0 {
                // OpenSSL then cannot check the leaf's signature, and says so separately.
                push(
                    errors,
                    0,
                    VerifyCode::ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE,
                    Phase::Signature,
                    format!("no issuer to check the signature of {name} with"),
                );
            }
        }
    }
}

/// Among `candidates`, the issuer of `c`: names must match and key identifiers must not
/// contradict; one whose key verifies the signature wins, then one currently valid, then the
/// first (as OpenSSL's `find_issuer`, which also prefers a valid one).
fn find_issuer(pools: &Pools<'_>, c: &Cert<'_>, candidates: Vec<Link>, now: i64) -> Option<Link> {
    let issuer = c.x.issuer.contents();
    let aki = c.x.authority_key_id();
    candidates
        .into_iter()
        .filter(|l| pools.subject(*l) == issuer)
        .filter(
            |l| match (aki, pools.cert(*l).and_then(|i| i.x.subject_key_id())) {
                (Some(a), Some(s)) => a == s,
                _ => true,
            },
        )
        .enumerate()
        .max_by_key(|(n, l)| {
            let left = pools.probes.get();
            pools.probes.set(left.saturating_sub(1));
            let signed = left > 0 && verify_signature(c.der, pools.spki(*l)).is_ok();
            let valid = pools.cert(*l).is_none_or(|i| time_fault(&i.x, now).is_none());
            (signed, valid, std::cmp::Reverse(*n))
        })
        .map(|(_, l)| l)
}

fn self_signed(c: &Cert<'_>) -> bool {
    self_issued(c)
        && match (c.x.authority_key_id(), c.x.subject_key_id()) {
            (Some(a), Some(s)) => a == s,
            _ => true,
        }
}

fn self_issued(c: &Cert<'_>) -> bool {
    c.x.subject.der == c.x.issuer.der
}

// ---- checks ----

fn check(pools: &Pools<'_>, chain: &[Link], inputs: &Inputs<'_>, errors: &mut Vec<Found>) {
    let mut plen: u32 = 0;
    for (i, link) in chain.iter().enumerate() {
        let Some(c) = pools.cert(*link) else { continue };
        let name = who(c);
        extensions(c, i, &name, errors);
        if i > 0 && !is_ca(c) {
            push(
                errors,
                i,
                VerifyCode::ERR_INVALID_CA,
                Phase::Ca,
                format!("{name} issued a certificate but is not a CA (basicConstraints / keyUsage)"),
            );
        }
        if let Some(why) = purpose_fault(c, i, inputs.purpose) {
            push(
                errors,
                i,
                VerifyCode::ERR_INVALID_PURPOSE,
                Phase::Purpose,
                format!("{name}: {why}"),
            );
        }
        if let Ok(Some(bc)) = c.x.basic_constraints() {
            if let Some(max) = bc.path_len {
                if i > 1 && !self_issued(c) && plen > max {
                    push(
                        errors,
                        i,
                        VerifyCode::ERR_PATH_LENGTH_EXCEEDED,
                        Phase::PathLength,
                        format!("{name} allows {max} intermediate CAs below it, the chain has {plen}"),
                    );
                }
            }
        }
        if i > 0 && !self_issued(c) {
            plen = plen.saturating_add(1);
        }
        if let Some(why) = key_weakness(&c.x) {
            let code = if i == 0 {
                VerifyCode::ERR_EE_KEY_TOO_SMALL
            } else {
                VerifyCode::ERR_CA_KEY_TOO_SMALL
            };
            push(errors, i, code, Phase::KeyStrength, format!("{name}: {why}"));
        }
        let top = i + 1 == chain.len();
        if !top && weak_digest(&c.x) {
            push(
                errors,
                i,
                VerifyCode::ERR_CA_MD_TOO_WEAK,
                Phase::KeyStrength,
                format!("{name} is signed with a digest below the security floor (SHA-1 or weaker)"),
            );
        }
        if c.x.tbs_signature != c.x.signature_algorithm {
            push(
                errors,
                i,
                VerifyCode::ERR_SIGNATURE_ALGORITHM_MISMATCH,
                Phase::Signature,
                format!("{name}: the signature algorithm inside and outside the signed part differ"),
            );
        }
        if let Some(issuer) = chain.get(i + 1) {
            if let Some(ca) = pools.cert(*issuer) {
                if let Ok(Some(ku)) = ca.x.key_usage() {
                    if !ku.key_cert_sign() {
                        push(
                            errors,
                            i + 1,
                            VerifyCode::ERR_KEYUSAGE_NO_CERTSIGN,
                            Phase::Signature,
                            format!("{}: keyUsage does not allow signing certificates", who(ca)),
                        );
                    }
                }
            }
            if let Err((code, why)) = verify_signature(c.der, pools.spki(*issuer)) {
                push(errors, i, code, Phase::Signature, format!("{name}: {why}"));
            }
        }
        if let Some((code, why)) = time_fault(&c.x, inputs.now) {
            push(errors, i, code, Phase::Validity, format!("{name} {why}"));
        }
        name_constraints(pools, chain, i, c, &name, errors);
    }
}

/// OpenSSL's list of extensions it understands (`X509_supported_extension`); any other marked
/// critical makes the certificate unusable.
const SUPPORTED_EXTENSIONS: &[&[u8]] = &[
    oids::NS_CERT_TYPE,
    oids::KEY_USAGE,
    oids::SUBJECT_ALT_NAME,
    oids::BASIC_CONSTRAINTS,
    oids::CERTIFICATE_POLICIES,
    oids::CRL_DISTRIBUTION_POINTS,
    oids::EXT_KEY_USAGE,
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x07], // sbgp-ipAddrBlock
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x08], // sbgp-autonomousSysNum
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x01, 0x05], // id-pkix-OCSP-noCheck
    oids::POLICY_CONSTRAINTS,
    &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x01, 0x0e], // proxyCertInfo
    oids::NAME_CONSTRAINTS,
    oids::POLICY_MAPPINGS,
    oids::INHIBIT_ANY_POLICY,
];

fn extensions(c: &Cert<'_>, i: usize, name: &str, errors: &mut Vec<Found>) {
    if let Some(bad) = c.x.extensions.iter().find(|e| !e.decodes()) {
        push(
            errors,
            i,
            VerifyCode::ERR_INVALID_EXTENSION,
            Phase::Extensions,
            format!("{name}: extension {} does not parse", oid_string(bad.oid)),
        );
    }
    let unknown: Vec<String> =
        c.x.extensions
            .iter()
            .filter(|e| e.critical && !SUPPORTED_EXTENSIONS.contains(&e.oid))
            .map(|e| oid_string(e.oid))
            .collect();
    if !unknown.is_empty() {
        push(
            errors,
            i,
            VerifyCode::ERR_UNHANDLED_CRITICAL_EXTENSION,
            Phase::Extensions,
            format!(
                "{name} has a critical extension this verifier does not know: {}",
                unknown.join(", ")
            ),
        );
    }
}

/// OpenSSL's `X509_check_ca` in its non-strict reading: keyUsage, when present, must allow
/// certificate signing; basicConstraints, when present, decides; without it a version 1 root
/// or a certificate with keyUsage counts as a CA.
fn is_ca(c: &Cert<'_>) -> bool {
    let ku = c.x.key_usage();
    if let Ok(Some(ku)) = &ku {
        if !ku.key_cert_sign() {
            return false;
        }
    }
    match c.x.basic_constraints() {
        Ok(Some(bc)) => bc.ca,
        Ok(None) => (c.x.version == 0 && self_signed(c)) || matches!(ku, Ok(Some(_))),
        Err(_) => false,
    }
}

/// Why the certificate may not serve this purpose (OpenSSL's `X509_check_purpose` for
/// `sslserver` / `sslclient`), or `None`.
fn purpose_fault(c: &Cert<'_>, i: usize, purpose: Purpose) -> Option<String> {
    let (wanted, label) = match purpose {
        Purpose::Server => ("server", "serverAuth"),
        Purpose::Client => ("client", "clientAuth"),
    };
    match c.x.extended_key_usage() {
        Ok(Some(eku)) => {
            let wanted_oid = match purpose {
                Purpose::Server => oids::SERVER_AUTH,
                Purpose::Client => oids::CLIENT_AUTH,
            };
            let ok = eku.contains(&wanted_oid);
            if !ok {
                return Some(format!("extendedKeyUsage does not include {label}"));
            }
        }
        Ok(None) => {}
        Err(_) => return Some("extendedKeyUsage does not parse".into()),
    }
    if i > 0 {
        return (!is_ca(c)).then(|| format!("not a CA, so it cannot issue {wanted} certificates"));
    }
    match c.x.key_usage() {
        Ok(Some(ku)) => {
            let ok = match purpose {
                Purpose::Server => ku.digital_signature() || ku.key_encipherment() || ku.key_agreement(),
                Purpose::Client => ku.digital_signature() || ku.key_agreement(),
            };
            (!ok).then(|| format!("keyUsage does not allow a TLS {wanted} key"))
        }
        Ok(None) => None,
        Err(_) => Some("keyUsage does not parse".into()),
    }
}

/// OpenSSL's security level 2 (112-bit keys), the default of current distributions: RSA and
/// DSA under 2048 bits, and elliptic curves under 224 bits, are refused. A key type this
/// package cannot use at all is refused too, rather than passed as strong.
fn key_weakness(x: &Certificate<'_>) -> Option<String> {
    let spki = &x.spki;
    let oid = oid_string(spki.algorithm);
    match oid.as_str() {
        // rsaEncryption, RSASSA-PSS. x509-parser read the RSAPublicKey only for rsaEncryption,
        // so a PSS key never parsed: kept, as "does not parse" is what OpenSSL's level 2
        // makes of a key it cannot size either way.
        "1.2.840.113549.1.1.1" => {
            let Some(bits) = rsa_modulus_bits(spki.key) else {
                return Some("the RSA key does not parse".into());
            };
            (bits < 2048).then(|| format!("RSA key of {bits} bits, below the 2048-bit floor"))
        }
        "1.2.840.113549.1.1.10" => Some("the RSA key does not parse".into()),
        // id-ecPublicKey: the curve decides.
        "1.2.840.10045.2.1" => {
            let curve = match spki.parameters {
                Some((0x06, curve)) => oid_string(curve),
                _ => String::new(),
            };
            match curve.as_str() {
                "1.3.132.0.33" | "1.2.840.10045.3.1.7" | "1.3.132.0.34" | "1.3.132.0.35" => None,
                _ => Some(format!("elliptic curve {curve:?} is too weak or not supported")),
            }
        }
        // Ed25519, Ed448
        "1.3.101.112" | "1.3.101.113" => None,
        _ => Some(format!(
            "key type {oid} is not supported, its strength cannot be judged"
        )),
    }
}

/// The size of an RSAPublicKey's modulus in bits, counted exactly as OpenSSL's `BN_num_bits`
/// does (x509-parser counted whole bytes, so a 2047-bit modulus was "2040 bits"; both are weak).
fn rsa_modulus_bits(key: &[u8]) -> Option<usize> {
    let mut outer = Reader::new(key);
    let mut seq = outer.nested(der::SEQUENCE).ok()?;
    let modulus = seq.uint().ok()?;
    seq.uint().ok()?;
    seq.finish().ok()?;
    outer.finish().ok()?;
    let top = modulus.first().map_or(0, |b| 8 - b.leading_zeros());
    let top = usize::try_from(top).ok()?;
    Some(
        modulus
            .len()
            .saturating_sub(1)
            .saturating_mul(8)
            .saturating_add(top),
    )
}

/// Signed with SHA-1 or MD5, which OpenSSL's level 2 refuses below the top of the chain.
fn weak_digest(x: &Certificate<'_>) -> bool {
    matches!(
        oid_string(x.signature_oid).as_str(),
        "1.2.840.113549.1.1.4" | "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" | "1.2.840.10040.4.3"
    )
}

fn time_fault(x: &Certificate<'_>, now: i64) -> Option<(VerifyCode, String)> {
    if now < x.not_before.0 {
        return Some((
            VerifyCode::ERR_CERT_NOT_YET_VALID,
            format!(
                "is not valid before {}",
                crate::ssl::x509::openssl_time(x.not_before)
            ),
        ));
    }
    if now > x.not_after.0 {
        return Some((
            VerifyCode::ERR_CERT_HAS_EXPIRED,
            format!("expired at {}", crate::ssl::x509::openssl_time(x.not_after)),
        ));
    }
    None
}

/// Checks `c` (at depth `i`) against the name constraints of every CA above it, the trust
/// anchor included; a self-issued CA is exempt, as in OpenSSL.
fn name_constraints(
    pools: &Pools<'_>,
    chain: &[Link],
    i: usize,
    c: &Cert<'_>,
    name: &str,
    errors: &mut Vec<Found>,
) {
    if i > 0 && self_issued(c) {
        return;
    }
    for above in chain.iter().skip(i + 1).rev() {
        let (constraints, whose) = match (pools.cert(*above), above) {
            (Some(ca), _) => (
                ca.x.extensions
                    .iter()
                    .find(|e| e.oid == oids::NAME_CONSTRAINTS)
                    .map(|e| Constraints::from_der(e.value)),
                who(ca),
            ),
            (None, Link::Anchor(a)) => (
                pools
                    .anchors
                    .get(*a)
                    .and_then(|a| a.ta.name_constraints.as_ref())
                    .map(|v| Constraints::from_anchor_value(v.as_ref())),
                "a trust anchor".to_string(),
            ),
            _ => (None, String::new()),
        };
        let constraints = match constraints {
            Some(Ok(c)) => Some(c),
            Some(Err(code)) => {
                push(
                    errors,
                    i,
                    code,
                    Phase::NameConstraints,
                    format!("the name constraints of {whose} are malformed"),
                );
                None
            }
            None => None,
        };
        if let Some(constraints) = constraints {
            if let Err((code, why)) = constraints.check(&c.x, i == 0) {
                push(errors, i, code, Phase::NameConstraints, format!("{name}: {why}"));
            }
        }
    }
}

// ---- DER and signatures ----

/// One DER element split off the front of its input: tag, contents, the whole element (header
/// included), and what follows it.
type Element<'a> = (u8, &'a [u8], &'a [u8], &'a [u8]);

pub(crate) fn tlv(input: &[u8]) -> Option<Element<'_>> {
    let (&tag, after_tag) = input.split_first()?;
    let (&first, after_len) = after_tag.split_first()?;
    let (len, body) = if first < 0x80 {
        (usize::from(first), after_len)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, body) = after_len.split_at_checked(n)?;
        let len = bytes.iter().try_fold(0usize, |acc, b| {
            acc.checked_mul(256)?.checked_add(usize::from(*b))
        })?;
        (len, body)
    };
    let (contents, rest) = body.split_at_checked(len)?;
    let whole_len = input.len().checked_sub(rest.len())?;
    let whole = input.get(..whole_len)?;
    Some((tag, contents, whole, rest))
}

/// Checks that `cert_der` was signed by the key in `issuer_spki` (SubjectPublicKeyInfo
/// contents). `Err` carries the code: 7 for a signature that does not verify, 76 for an
/// algorithm (or key/algorithm pairing) that cannot be checked.
fn verify_signature(cert_der: &[u8], issuer_spki: &[u8]) -> Result<(), (VerifyCode, String)> {
    let bad_der = || {
        (
            VerifyCode::ERR_CERT_SIGNATURE_FAILURE,
            "the certificate's signature does not parse".to_string(),
        )
    };
    let (_, cert, _, _) = tlv(cert_der).ok_or_else(bad_der)?;
    let (_, _, tbs, rest) = tlv(cert).ok_or_else(bad_der)?;
    let (_, sig_alg, _, rest) = tlv(rest).ok_or_else(bad_der)?;
    let (_, sig_bits, _, _) = tlv(rest).ok_or_else(bad_der)?;
    let sig = match sig_bits.split_first() {
        Some((0, sig)) => sig,
        _ => return Err(bad_der()),
    };
    let (_, key_alg, _, rest) = tlv(issuer_spki).ok_or_else(bad_der)?;
    let (_, key_bits, _, _) = tlv(rest).ok_or_else(bad_der)?;
    let key = match key_bits.split_first() {
        Some((0, key)) => key,
        _ => return Err(bad_der()),
    };
    let alg = algorithm(sig_alg, key_alg).ok_or_else(|| {
        (
            VerifyCode::ERR_UNSUPPORTED_SIGNATURE_ALGORITHM,
            "signed with an algorithm (or by a key type) this verifier cannot check".to_string(),
        )
    })?;
    // Where the host checks this kind of signature faster (through node:crypto), it decides
    // for ECDSA. For RSA only its "valid" counts: it applies ring's 2048-bit floor, while
    // here a 1024-bit key's signature is still checked (the size is judged separately, 66
    // and 67), so anything else goes to ring. `None` (not its kind, or it could not run)
    // leaves it all to ring.
    let hosted = host_sig(sig_alg, key_alg).and_then(|(kind, final_no)| {
        let spki = crate::crypto::host::spki(key_alg, key)?;
        match crate::crypto::host_verify(kind, &spki, tbs, sig)? {
            true => Some(true),
            false if final_no => Some(false),
            false => None,
        }
    });
    let valid = hosted.unwrap_or_else(|| UnparsedPublicKey::new(alg, key).verify(tbs, sig).is_ok());
    if valid {
        Ok(())
    } else {
        Err((
            VerifyCode::ERR_CERT_SIGNATURE_FAILURE,
            "the signature does not verify with the issuer's key".to_string(),
        ))
    }
}

/// The host's name for a signature this verifier checks, and whether the host's "invalid" is
/// final (ECDSA) or only its "valid" (RSA); `None` for the rest (SHA-1, Ed25519). Only
/// pairings [`algorithm`] accepts reach here.
fn host_sig(sig_alg: &[u8], key_alg: &[u8]) -> Option<(crate::crypto::Sig, bool)> {
    use crate::crypto::Sig;
    let is = |id: alg_id::AlgorithmIdentifier| id.as_ref() == sig_alg;
    if key_alg == alg_id::ECDSA_P256.as_ref() || key_alg == alg_id::ECDSA_P384.as_ref() {
        let kind = if is(alg_id::ECDSA_SHA256) {
            Sig::EcdsaSha256
        } else if is(alg_id::ECDSA_SHA384) {
            Sig::EcdsaSha384
        } else {
            return None;
        };
        return Some((kind, true));
    }
    if key_alg == alg_id::RSA_ENCRYPTION.as_ref() {
        let kind = [
            (alg_id::RSA_PKCS1_SHA256, Sig::RsaPkcs1Sha256),
            (alg_id::RSA_PKCS1_SHA384, Sig::RsaPkcs1Sha384),
            (alg_id::RSA_PKCS1_SHA512, Sig::RsaPkcs1Sha512),
            (alg_id::RSA_PSS_SHA256, Sig::RsaPssSha256),
            (alg_id::RSA_PSS_SHA384, Sig::RsaPssSha384),
            (alg_id::RSA_PSS_SHA512, Sig::RsaPssSha512),
        ]
        .into_iter()
        .find(|(id, _)| is(*id))?
        .1;
        return Some((kind, false));
    }
    None
}

/// sha1WithRSAEncryption, which the provider's set has no constant for.
const RSA_PKCS1_SHA1: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x05, 0x05, 0x00,
];

fn algorithm(sig_alg: &[u8], key_alg: &[u8]) -> Option<&'static dyn VerificationAlgorithm> {
    let is = |id: alg_id::AlgorithmIdentifier| id.as_ref() == sig_alg;
    let key_is = |id: alg_id::AlgorithmIdentifier| id.as_ref() == key_alg;
    // The 1024-bit variants: key size is judged separately (66/67), the signature still counts.
    if key_is(alg_id::RSA_ENCRYPTION) {
        return Some(if is(alg_id::RSA_PKCS1_SHA256) {
            &signature::RSA_PKCS1_1024_8192_SHA256_FOR_LEGACY_USE_ONLY
        } else if is(alg_id::RSA_PKCS1_SHA384) {
            &signature::RSA_PKCS1_2048_8192_SHA384
        } else if is(alg_id::RSA_PKCS1_SHA512) {
            &signature::RSA_PKCS1_1024_8192_SHA512_FOR_LEGACY_USE_ONLY
        } else if is(alg_id::RSA_PSS_SHA256) {
            &signature::RSA_PSS_2048_8192_SHA256
        } else if is(alg_id::RSA_PSS_SHA384) {
            &signature::RSA_PSS_2048_8192_SHA384
        } else if is(alg_id::RSA_PSS_SHA512) {
            &signature::RSA_PSS_2048_8192_SHA512
        } else if sig_alg == RSA_PKCS1_SHA1 {
            &signature::RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY
        } else {
            return None;
        });
    }
    if key_is(alg_id::ECDSA_P256) {
        return Some(if is(alg_id::ECDSA_SHA256) {
            &signature::ECDSA_P256_SHA256_ASN1
        } else if is(alg_id::ECDSA_SHA384) {
            &signature::ECDSA_P256_SHA384_ASN1
        } else {
            return None;
        });
    }
    if key_is(alg_id::ECDSA_P384) {
        return Some(if is(alg_id::ECDSA_SHA256) {
            &signature::ECDSA_P384_SHA256_ASN1
        } else if is(alg_id::ECDSA_SHA384) {
            &signature::ECDSA_P384_SHA384_ASN1
        } else {
            return None;
        });
    }
    if key_is(alg_id::ED25519) && is(alg_id::ED25519) {
        return Some(&signature::ED25519);
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use std::sync::atomic::Ordering;

    use super::*;
    use crate::crypto::ring_host::{Fault, RingHost};
    use crate::crypto::{install, Families, HostProvider};

    const LEAF: &[u8] = include_bytes!("../../js-tests/fixtures/server-ecdsa.der");
    const INT: &[u8] = include_bytes!("../../js-tests/fixtures/int.der");
    const CA: &[u8] = include_bytes!("../../js-tests/fixtures/ca.der");

    fn spki_of(der: &[u8]) -> Vec<u8> {
        Certificate::parse(der).unwrap().spki.contents().to_vec()
    }

    #[test]
    fn ecdsa_chain_signatures_go_to_the_host_and_its_verdict_counts() {
        let (leaf_by_int, int_by_ca) = ((LEAF, spki_of(INT)), (INT, spki_of(CA)));
        assert!(verify_signature(leaf_by_int.0, &leaf_by_int.1).is_ok());

        let h: &'static RingHost = Box::leak(Box::new(RingHost::default()));
        install(Some(HostProvider::new(h, Families::FASTER_ON_NODE)));
        assert!(verify_signature(leaf_by_int.0, &leaf_by_int.1).is_ok());
        assert_eq!(h.counts.verify.load(Ordering::SeqCst), 1, "ECDSA by the host");
        // The intermediate is RSA-signed: the host's too.
        assert!(verify_signature(int_by_ca.0, &int_by_ca.1).is_ok());
        assert_eq!(h.counts.verify.load(Ordering::SeqCst), 2, "RSA by the host");

        // A host that says no is believed (a forged signature it catches stays caught)...
        let no: &'static RingHost = Box::leak(Box::new(RingHost::with_fault(Fault::RejectsSignatures)));
        install(Some(HostProvider::new(no, Families::FASTER_ON_NODE)));
        let (code, _) = verify_signature(leaf_by_int.0, &leaf_by_int.1).unwrap_err();
        assert_eq!(code, VerifyCode::ERR_CERT_SIGNATURE_FAILURE);
        // ...except for RSA, where its "no" may be ring's 2048-bit floor: ring decides.
        assert!(verify_signature(int_by_ca.0, &int_by_ca.1).is_ok());
        let mut forged_int = INT.to_vec();
        let end = forged_int.len() - 1;
        forged_int[end] ^= 1;
        assert!(verify_signature(&forged_int, &int_by_ca.1).is_err());
        // ...and one that cannot run leaves the verdict to ring, which still refuses a bad one.
        let broken: &'static RingHost = Box::leak(Box::new(RingHost::with_fault(Fault::Throws)));
        install(Some(HostProvider::new(broken, Families::FASTER_ON_NODE)));
        assert!(verify_signature(leaf_by_int.0, &leaf_by_int.1).is_ok());
        let mut forged = LEAF.to_vec();
        let last = forged.len() - 1;
        forged[last] ^= 1;
        assert!(verify_signature(&forged, &leaf_by_int.1).is_err());
        install(None);
    }
}
