//! OpenSSL cipher strings, TLS 1.3 suite lists and group names, mapped onto the suites and
//! key-exchange groups that rustls's *ring* provider offers, and OpenSSL's names for them.
//!
//! The TLS 1.2 parser follows OpenSSL 3.0's `ssl_cipher_process_rulestr` step by step (rule
//! prefixes, `+` combinations, where parsing resumes after an unknown name, "invalid command"
//! for characters it cannot read), so a cipher string copied from an OpenSSL setup selects the
//! same suites, in the same order, as `openssl ciphers -tls1_2 -s` restricted to the six AEAD
//! suites rustls has. Deliberate differences:
//! - IANA names (`TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256`) are also accepted, since JS users
//!   know suites by those names; OpenSSL 3.0 ignores them.
//! - `@SECLEVEL=n` is checked for syntax and otherwise ignored: rustls has no security levels
//!   (OpenSSL would drop the AES-128 suites at level 4 and above).
//! - `SUITEB128`/`SUITEB192` are not special: Suite B also restricts curves and signatures,
//!   which a cipher list cannot express here, so they match nothing.

use rustls::crypto::ring::kx_group;
use rustls::crypto::SupportedKxGroup;
use rustls::{CipherSuite, NamedGroup, SupportedCipherSuite};

use crate::crypto::{fast_chacha, fast_gcm};
use crate::ssl::error::{Error, Result};

/// Longest cipher, suite or group list accepted. Real lists are a few hundred bytes; the cap
/// keeps the work done on a hostile string small and bounded.
pub const MAX_SPEC_LEN: usize = 64 * 1024;

/// TLS 1.2 suites selected by an OpenSSL cipher string, in the string's order.
pub fn tls12_suites(spec: &str) -> Result<Vec<SupportedCipherSuite>> {
    check_len(spec, "cipher string")?;
    let mut order = Order::new();
    let mut rules = spec.as_bytes();
    // OpenSSL expands `DEFAULT` only as a prefix of the whole string, and by plain prefix
    // match ("DEFAULTX" is "DEFAULT" then "X"); anywhere else it is an unknown name.
    if let Some(rest) = rules.strip_prefix(b"DEFAULT") {
        apply_rules(OPENSSL_DEFAULT_RULES, &mut order)?;
        rules = rest.strip_prefix(b":").unwrap_or(rest);
    }
    apply_rules(rules, &mut order)?;
    let suites = order.selected();
    if suites.is_empty() {
        return Err(Error::NoCipherMatch);
    }
    Ok(suites)
}

/// TLS 1.3 suites from a colon-separated list of IANA names (OpenSSL's `set_ciphersuites`).
///
/// Like OpenSSL, names are case-sensitive, spaces around them are ignored and unknown names
/// are skipped. Unlike OpenSSL, an empty list is an error rather than a way to turn TLS 1.3
/// off: that is what `OP_NO_TLSv1_3` and the version bounds are for.
pub fn tls13_suites(spec: &str) -> Result<Vec<SupportedCipherSuite>> {
    check_len(spec, "cipher suite list")?;
    let mut suites: Vec<SupportedCipherSuite> = Vec::new();
    for name in spec.split(':').map(trim_ascii_space) {
        let Some(found) = TLS13.iter().find(|s| s.iana == name) else {
            continue;
        };
        // OpenSSL keeps repeats; offering a suite twice only lengthens the hello.
        if !suites.iter().any(|s| s.suite() == found.suite.suite()) {
            suites.push(*found.suite);
        }
    }
    if suites.is_empty() {
        return Err(Error::NoCipherMatch);
    }
    Ok(suites)
}

/// Key-exchange groups from a colon-separated list of OpenSSL group or curve names.
///
/// Commas also separate and names are case-insensitive, both more lenient than OpenSSL. As in
/// OpenSSL, an empty entry or a group named twice fails the whole list.
pub fn groups(spec: &str) -> Result<Vec<&'static dyn SupportedKxGroup>> {
    check_len(spec, "group list")?;
    if trim_ascii_space(spec).is_empty() {
        return Err(Error::Range("the group list is empty".into()));
    }
    let mut out: Vec<&'static dyn SupportedKxGroup> = Vec::new();
    for name in spec.split([':', ',']).map(trim_ascii_space) {
        if name.is_empty() {
            return Err(Error::Range("empty group name in the group list".into()));
        }
        let Some(group) = kx_group_named(name) else {
            return Err(Error::ssl(format!("unsupported group: {}", shorten(name))));
        };
        if out.iter().any(|g| g.name() == group.name()) {
            return Err(Error::ssl(format!("duplicate group: {}", shorten(name))));
        }
        out.push(group);
    }
    Ok(out)
}

/// OpenSSL's name for a suite ("ECDHE-RSA-AES128-GCM-SHA256", "TLS_AES_128_GCM_SHA256").
/// Suites rustls cannot negotiate fall back to their IANA name, then to the code point.
pub fn openssl_name(suite: CipherSuite) -> String {
    TLS12
        .iter()
        .find(|s| s.suite.suite() == suite)
        .map(|s| s.openssl)
        .or_else(|| TLS13.iter().find(|s| s.suite.suite() == suite).map(|s| s.iana))
        .or_else(|| suite.as_str())
        .map_or_else(|| format!("{suite:?}"), str::to_string)
}

/// The suite's symmetric key strength in bits, as `SSL_CIPHER_get_bits`; 0 if unknown.
pub fn bits(suite: CipherSuite) -> u32 {
    match suite {
        CipherSuite::TLS13_AES_128_GCM_SHA256
        | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
        | CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 => 128,
        CipherSuite::TLS13_AES_256_GCM_SHA384
        | CipherSuite::TLS13_CHACHA20_POLY1305_SHA256
        | CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
        | CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
        | CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
        | CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256 => 256,
        _ => 0,
    }
}

/// OpenSSL's name for a group, as `SSL_get0_group_name` ("x25519", "secp256r1").
pub fn group_name(group: NamedGroup) -> String {
    let id = u16::from(group);
    OPENSSL_GROUP_NAMES
        .iter()
        .find(|(known, _)| *known == id)
        .map_or_else(
            || format!("{group:?}").to_ascii_lowercase(),
            |(_, name)| (*name).to_string(),
        )
}

/// OpenSSL names of `suites`, in order, as `get_cipher_list()` reports them.
pub fn cipher_list_names(suites: &[SupportedCipherSuite]) -> Vec<String> {
    suites.iter().map(|s| openssl_name(s.suite())).collect()
}

/// The provider's TLS 1.2 suites, in its preference order.
pub fn default_tls12() -> Vec<SupportedCipherSuite> {
    preferred_order(crate::crypto::default_suites())
        .into_iter()
        .filter(|s| !is_tls13(s))
        .collect()
}

/// The provider's TLS 1.3 suites, in this build's preference order.
pub fn default_tls13() -> Vec<SupportedCipherSuite> {
    preferred_order(crate::crypto::default_suites())
        .into_iter()
        .filter(is_tls13)
        .collect()
}

/// In WebAssembly, AES-GCM has no hardware help: even crate::crypto::fast_gcm's 64-bit
/// fixsliced code runs about 3x slower than ChaCha20-Poly1305 (90 vs 280 MiB/s of CPU in
/// Chromium; *ring*'s own AES-GCM was 6x slower; docs/wasm-aes.md), so where AES runs in wasm
/// (the web build, or Node forced onto *ring*) ChaCha20 is offered first; peers that follow
/// the client's order (OpenSSL's and rustls's default) then pick it. Natively, and in Node
/// with `node:crypto`'s AES, AES-GCM stays first, as the provider orders it.
pub fn preferred_order(suites: Vec<SupportedCipherSuite>) -> Vec<SupportedCipherSuite> {
    if !crate::crypto::aes_is_slow() {
        return suites;
    }
    // A partition rather than a stable sort: the same order (the provider's among the
    // others), without linking a stable sort for this one type.
    let (mut first, rest): (Vec<_>, Vec<_>) = suites.into_iter().partition(|s| is_chacha(s.suite()));
    first.extend(rest);
    first
}

fn is_chacha(suite: CipherSuite) -> bool {
    matches!(
        suite,
        CipherSuite::TLS13_CHACHA20_POLY1305_SHA256
            | CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256
            | CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256
    )
}

fn is_tls13(suite: &SupportedCipherSuite) -> bool {
    matches!(suite, SupportedCipherSuite::Tls13(_))
}

/// What `DEFAULT` expands to in OpenSSL 3.0 (`OSSL_default_cipher_list`).
const OPENSSL_DEFAULT_RULES: &[u8] = b"ALL:!COMPLEMENTOFDEFAULT:!eNULL";

/// Longest piece of a caller's name echoed back in an error message.
const MAX_NAME_IN_MESSAGE: usize = 64;

#[derive(Clone, Copy, PartialEq, Eq)]
enum Auth {
    Rsa,
    Ecdsa,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Enc {
    Aes128Gcm,
    Aes256Gcm,
    Chacha20Poly1305,
}

struct Tls12Suite {
    suite: &'static SupportedCipherSuite,
    openssl: &'static str,
    iana: &'static str,
    auth: Auth,
    enc: Enc,
}

/// The six TLS 1.2 suites in the order OpenSSL 3.0 ranks them (`openssl ciphers -s ALL`),
/// because an alias such as `HIGH` adds its matches in that order.
static TLS12: [Tls12Suite; 6] = [
    Tls12Suite {
        suite: &fast_gcm::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,
        openssl: "ECDHE-ECDSA-AES256-GCM-SHA384",
        iana: "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
        auth: Auth::Ecdsa,
        enc: Enc::Aes256Gcm,
    },
    Tls12Suite {
        suite: &fast_gcm::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
        openssl: "ECDHE-RSA-AES256-GCM-SHA384",
        iana: "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
        auth: Auth::Rsa,
        enc: Enc::Aes256Gcm,
    },
    Tls12Suite {
        suite: &fast_chacha::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
        openssl: "ECDHE-ECDSA-CHACHA20-POLY1305",
        iana: "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        auth: Auth::Ecdsa,
        enc: Enc::Chacha20Poly1305,
    },
    Tls12Suite {
        suite: &fast_chacha::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
        openssl: "ECDHE-RSA-CHACHA20-POLY1305",
        iana: "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
        auth: Auth::Rsa,
        enc: Enc::Chacha20Poly1305,
    },
    Tls12Suite {
        suite: &fast_gcm::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
        openssl: "ECDHE-ECDSA-AES128-GCM-SHA256",
        iana: "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
        auth: Auth::Ecdsa,
        enc: Enc::Aes128Gcm,
    },
    Tls12Suite {
        suite: &fast_gcm::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
        openssl: "ECDHE-RSA-AES128-GCM-SHA256",
        iana: "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
        auth: Auth::Rsa,
        enc: Enc::Aes128Gcm,
    },
];

struct Tls13Suite {
    suite: &'static SupportedCipherSuite,
    iana: &'static str,
}

static TLS13: [Tls13Suite; 3] = [
    Tls13Suite {
        suite: &fast_gcm::TLS13_AES_256_GCM_SHA384,
        iana: "TLS_AES_256_GCM_SHA384",
    },
    Tls13Suite {
        suite: &fast_chacha::TLS13_CHACHA20_POLY1305_SHA256,
        iana: "TLS_CHACHA20_POLY1305_SHA256",
    },
    Tls13Suite {
        suite: &fast_gcm::TLS13_AES_128_GCM_SHA256,
        iana: "TLS_AES_128_GCM_SHA256",
    },
];

/// OpenSSL 3.x group names by TLS code point, so a name reported for a peer's group matches
/// what pyOpenSSL would print even for groups rustls cannot negotiate.
static OPENSSL_GROUP_NAMES: &[(u16, &str)] = &[
    (1, "sect163k1"),
    (2, "sect163r1"),
    (3, "sect163r2"),
    (4, "sect193r1"),
    (5, "sect193r2"),
    (6, "sect233k1"),
    (7, "sect233r1"),
    (8, "sect239k1"),
    (9, "sect283k1"),
    (10, "sect283r1"),
    (11, "sect409k1"),
    (12, "sect409r1"),
    (13, "sect571k1"),
    (14, "sect571r1"),
    (15, "secp160k1"),
    (16, "secp160r1"),
    (17, "secp160r2"),
    (18, "secp192k1"),
    (19, "secp192r1"),
    (20, "secp224k1"),
    (21, "secp224r1"),
    (22, "secp256k1"),
    (23, "secp256r1"),
    (24, "secp384r1"),
    (25, "secp521r1"),
    (26, "brainpoolP256r1"),
    (27, "brainpoolP384r1"),
    (28, "brainpoolP512r1"),
    (29, "x25519"),
    (30, "x448"),
    (31, "brainpoolP256r1tls13"),
    (32, "brainpoolP384r1tls13"),
    (33, "brainpoolP512r1tls13"),
    (0x0100, "ffdhe2048"),
    (0x0101, "ffdhe3072"),
    (0x0102, "ffdhe4096"),
    (0x0103, "ffdhe6144"),
    (0x0104, "ffdhe8192"),
    (0x0200, "MLKEM512"),
    (0x0201, "MLKEM768"),
    (0x0202, "MLKEM1024"),
    (0x11eb, "SecP256r1MLKEM768"),
    (0x11ec, "X25519MLKEM768"),
    (0x11ed, "SecP384r1MLKEM1024"),
];

/// The group a name denotes, among those *ring* implements.
fn kx_group_named(name: &str) -> Option<&'static dyn SupportedKxGroup> {
    let is = |alias: &str| name.eq_ignore_ascii_case(alias);
    if is("X25519") {
        Some(kx_group::X25519)
    } else if is("P-256") || is("prime256v1") || is("secp256r1") {
        Some(kx_group::SECP256R1)
    } else if is("P-384") || is("secp384r1") {
        Some(kx_group::SECP384R1)
    } else {
        None
    }
}

/// A set of `TLS12` entries, bit `i` standing for `TLS12[i]`.
type Mask = u8;

const ALL: Mask = 0b11_1111;

fn mask_where(pick: impl Fn(&Tls12Suite) -> bool) -> Mask {
    TLS12
        .iter()
        .enumerate()
        .filter(|(_, s)| pick(s))
        .fold(0, |mask, (i, _)| mask | 1 << i)
}

/// The suites a cipher-string word selects; `None` for words OpenSSL does not know either.
fn alias(word: &[u8]) -> Option<Mask> {
    let mask = match word {
        b"ALL" | b"HIGH" | b"TLSv1.2" | b"kECDHE" | b"kEECDH" | b"ECDH" | b"ECDHE" | b"EECDH" => ALL,
        b"aRSA" => mask_where(|s| s.auth == Auth::Rsa),
        b"aECDSA" | b"ECDSA" => mask_where(|s| s.auth == Auth::Ecdsa),
        // CHACHA20 is not FIPS-approved, so `FIPS` is just the AES-GCM suites here.
        b"AES" | b"AESGCM" | b"FIPS" => mask_where(|s| s.enc != Enc::Chacha20Poly1305),
        b"AES128" => mask_where(|s| s.enc == Enc::Aes128Gcm),
        b"AES256" => mask_where(|s| s.enc == Enc::Aes256Gcm),
        b"CHACHA20" => mask_where(|s| s.enc == Enc::Chacha20Poly1305),
        // Known to OpenSSL, but none of the six qualify: `RSA` means RSA key exchange,
        // `SHA256`/`SHA384` mean an HMAC (CBC suites; AEAD suites have no MAC), `MEDIUM` and
        // `LOW` are weaker classes. Knowing them matters only for how the rest of an entry
        // is read, as in OpenSSL.
        b"COMPLEMENTOFALL"
        | b"COMPLEMENTOFDEFAULT"
        | b"kRSA"
        | b"RSA"
        | b"kEDH"
        | b"kDHE"
        | b"DH"
        | b"EDH"
        | b"DHE"
        | b"ADH"
        | b"AECDH"
        | b"kPSK"
        | b"kRSAPSK"
        | b"kECDHEPSK"
        | b"kDHEPSK"
        | b"PSK"
        | b"aPSK"
        | b"kSRP"
        | b"SRP"
        | b"aSRP"
        | b"kGOST"
        | b"kGOST18"
        | b"aGOST"
        | b"aGOST01"
        | b"aGOST12"
        | b"aDSS"
        | b"DSS"
        | b"aNULL"
        | b"NULL"
        | b"eNULL"
        | b"3DES"
        | b"RC4"
        | b"RC2"
        | b"IDEA"
        | b"SEED"
        | b"GOST89"
        | b"AESCCM"
        | b"AESCCM8"
        | b"CAMELLIA"
        | b"CAMELLIA128"
        | b"CAMELLIA256"
        | b"ARIA"
        | b"ARIAGCM"
        | b"ARIA128"
        | b"ARIA256"
        | b"CBC"
        | b"MD5"
        | b"SHA1"
        | b"SHA"
        | b"SHA256"
        | b"SHA384"
        | b"GOST94"
        | b"GOST89MAC"
        | b"GOST12"
        | b"SSLv3"
        | b"TLSv1"
        | b"TLSv1.0"
        | b"LOW"
        | b"MEDIUM" => 0,
        _ => {
            let i = TLS12
                .iter()
                .position(|s| s.openssl.as_bytes() == word || s.iana.as_bytes() == word)?;
            1 << i
        }
    };
    Some(mask)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Rule {
    /// No prefix: append matching suites not yet selected.
    Add,
    /// `-`: unselect; they move to the front, so a later add puts them back first.
    Del,
    /// `+`: move matching selected suites to the end.
    Ord,
    /// `!`: remove for good; no later rule brings them back.
    Kill,
    /// `@`: a command (`@STRENGTH`, `@SECLEVEL=n`).
    Special,
}

#[derive(Clone, Copy)]
struct Entry {
    index: usize,
    active: bool,
}

/// OpenSSL's working list: every suite not killed, selected or not, in its current position.
/// Unselected suites keep a position because it decides where a later rule puts them.
struct Order(Vec<Entry>);

impl Order {
    fn new() -> Self {
        Order(
            (0..TLS12.len())
                .map(|index| Entry { index, active: false })
                .collect(),
        )
    }

    fn apply(&mut self, rule: Rule, mask: Mask) {
        let hit = |e: &Entry| mask >> e.index & 1 == 1;
        match rule {
            Rule::Add => self.move_where(false, true, |e| hit(e) && !e.active),
            Rule::Ord => self.move_where(false, true, |e| hit(e) && e.active),
            Rule::Del => self.move_where(true, false, |e| hit(e) && e.active),
            Rule::Kill => self.0.retain(|e| !hit(e)),
            Rule::Special => {}
        }
    }

    /// Moves the picked entries, keeping their order, to the front or back and sets their state.
    fn move_where(&mut self, to_front: bool, active: bool, pick: impl Fn(&Entry) -> bool) {
        let (mut moved, rest): (Vec<Entry>, Vec<Entry>) = self.0.iter().partition(|e| pick(e));
        for e in &mut moved {
            e.active = active;
        }
        self.0 = if to_front {
            moved.into_iter().chain(rest).collect()
        } else {
            rest.into_iter().chain(moved).collect()
        };
    }

    /// `@STRENGTH`: selected suites by descending key size, ties kept in place.
    fn sort_by_strength(&mut self) {
        for strength in [256, 128] {
            self.apply(Rule::Ord, mask_where(|s| bits(s.suite.suite()) == strength));
        }
    }

    fn selected(&self) -> Vec<SupportedCipherSuite> {
        self.0
            .iter()
            .filter(|e| e.active)
            .filter_map(|e| TLS12.get(e.index))
            .map(|s| *s.suite)
            .collect()
    }
}

/// One pass over a rule string, as `ssl_cipher_process_rulestr`. Every step consumes at least
/// one byte, so the work is linear in the string's length.
fn apply_rules(rules: &[u8], order: &mut Order) -> Result<()> {
    let mut i = 0;
    while let Some(&first) = rules.get(i) {
        if is_separator(first) {
            i += 1;
            continue;
        }
        let rule = match first {
            b'-' => Rule::Del,
            b'+' => Rule::Ord,
            b'!' => Rule::Kill,
            b'@' => Rule::Special,
            _ => Rule::Add,
        };
        if rule != Rule::Add {
            i += 1;
        }
        if rule == Rule::Special {
            let command = take_word(rules, &mut i)?;
            if command == b"STRENGTH" {
                order.sort_by_strength();
            } else if !is_seclevel(command) {
                return Err(invalid_command());
            }
            // OpenSSL ignores whatever follows a command up to the next separator.
            skip_to_separator(rules, &mut i);
            continue;
        }
        // `A+B+C` selects what all of A, B and C select; one unknown word voids the entry.
        let mut selected = Some(ALL);
        loop {
            let word = take_word(rules, &mut i)?;
            let more = rules.get(i) == Some(&b'+');
            if more {
                i += 1;
            }
            selected = selected.zip(alias(word)).map(|(a, b)| a & b);
            if selected.is_none() || !more {
                break;
            }
        }
        match selected {
            Some(mask) => order.apply(rule, mask),
            None => skip_to_separator(rules, &mut i),
        }
    }
    Ok(())
}

fn is_separator(b: u8) -> bool {
    matches!(b, b':' | b' ' | b';' | b',')
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'=')
}

/// The word starting at `*i`; an empty one is OpenSSL's "invalid command" (a stray `$`, `++`,
/// or a rule prefix with nothing after it).
fn take_word<'a>(rules: &'a [u8], i: &mut usize) -> Result<&'a [u8]> {
    let start = *i;
    while rules.get(*i).is_some_and(|&b| is_word_byte(b)) {
        *i += 1;
    }
    match rules.get(start..*i) {
        Some(word) if !word.is_empty() => Ok(word),
        _ => Err(invalid_command()),
    }
}

fn skip_to_separator(rules: &[u8], i: &mut usize) {
    while rules.get(*i).is_some_and(|&b| !is_separator(b)) {
        *i += 1;
    }
}

/// `SECLEVEL=n` with a single digit 0–5, the only form OpenSSL accepts.
fn is_seclevel(command: &[u8]) -> bool {
    matches!(command.strip_prefix(b"SECLEVEL="), Some([b'0'..=b'5']))
}

fn invalid_command() -> Error {
    Error::ssl("invalid command")
}

fn check_len(spec: &str, what: &str) -> Result<()> {
    if spec.len() > MAX_SPEC_LEN {
        return Err(Error::Range(format!(
            "the {what} is longer than {MAX_SPEC_LEN} bytes"
        )));
    }
    Ok(())
}

/// OpenSSL trims with `isspace`, so only ASCII whitespace, not Unicode spaces.
fn trim_ascii_space(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_ascii_whitespace())
}

fn shorten(name: &str) -> String {
    if name.chars().count() <= MAX_NAME_IN_MESSAGE {
        return name.to_string();
    }
    let mut short: String = name.chars().take(MAX_NAME_IN_MESSAGE).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    const E256: &str = "ECDHE-ECDSA-AES256-GCM-SHA384";
    const R256: &str = "ECDHE-RSA-AES256-GCM-SHA384";
    const EC: &str = "ECDHE-ECDSA-CHACHA20-POLY1305";
    const RC: &str = "ECDHE-RSA-CHACHA20-POLY1305";
    const E128: &str = "ECDHE-ECDSA-AES128-GCM-SHA256";
    const R128: &str = "ECDHE-RSA-AES128-GCM-SHA256";
    const EVERY: &[&str] = &[E256, R256, EC, RC, E128, R128];

    /// Recorded from `openssl ciphers -tls1_2 -s -- STRING` (OpenSSL 3.0.19), keeping only
    /// the six suites rustls has. An empty list means OpenSSL selected none of them.
    /// `openssl_cli_agrees` re-runs these against the installed CLI.
    const OPENSSL_CASES: &[(&str, &[&str])] = &[
        ("ALL", EVERY),
        ("DEFAULT", EVERY),
        ("HIGH", EVERY),
        ("MEDIUM", &[]),
        ("LOW", &[]),
        ("aRSA", &[R256, RC, R128]),
        ("RSA", &[]),
        ("kRSA", &[]),
        ("aECDSA", &[E256, EC, E128]),
        ("ECDSA", &[E256, EC, E128]),
        ("ECDHE", EVERY),
        ("EECDH", EVERY),
        ("kEECDH", EVERY),
        ("kECDHE", EVERY),
        ("ECDH", EVERY),
        ("AESGCM", &[E256, R256, E128, R128]),
        ("AES", &[E256, R256, E128, R128]),
        ("FIPS", &[E256, R256, E128, R128]),
        ("AES128", &[E128, R128]),
        ("AES256", &[E256, R256]),
        ("CHACHA20", &[EC, RC]),
        ("SHA256", &[]),
        ("SHA384", &[]),
        ("SHA1", &[]),
        ("CBC", &[]),
        ("TLSv1", &[]),
        ("TLSv1.2", EVERY),
        ("ECDHE+AESGCM", &[E256, R256, E128, R128]),
        ("ECDHE+AES+SHA256", &[]),
        ("TLSv1.2+AES128", &[E128, R128]),
        ("kEECDH+ECDSA+AES128", &[E128]),
        ("ECDSA+AES", &[E256, E128]),
        ("aRSA+AES128", &[R128]),
        ("ECDHE-RSA-AES128-GCM-SHA256+aRSA", &[R128]),
        ("ECDHE-RSA-AES128-GCM-SHA256+aECDSA", &[]),
        ("AES128+ECDSA:AES", &[E128, E256, R256, R128]),
        (
            "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305",
            &[R128, EC],
        ),
        (
            "ECDHE-RSA-AES128-GCM-SHA256:ALL",
            &[R128, E256, R256, EC, RC, E128],
        ),
        (
            "ECDHE-ECDSA-AES128-GCM-SHA256 ECDHE-RSA-AES256-GCM-SHA384,CHACHA20;AES128",
            &[E128, R256, EC, RC, R128],
        ),
        ("AES128-SHA", &[]),
        (
            "AES128-SHA:DHE-RSA-AES256-GCM-SHA384:ECDHE-RSA-CHACHA20-POLY1305",
            &[RC],
        ),
        ("CHACHA20:AESGCM", &[EC, RC, E256, R256, E128, R128]),
        ("ALL:+AES128", EVERY),
        ("ALL:+AES256", &[EC, RC, E128, R128, E256, R256]),
        ("ALL:AES128:+AES256", &[EC, RC, E128, R128, E256, R256]),
        ("ECDSA:+RSA", &[E256, EC, E128]),
        ("ALL:-AESGCM:AES256", &[EC, RC, E256, R256]),
        ("ALL:!AESGCM:AES256", &[EC, RC]),
        ("ALL:!ECDSA:ECDSA", &[R256, RC, R128]),
        ("ALL:!AES128+ECDSA", &[E256, R256, EC, RC, R128]),
        ("!AES128:ALL", &[E256, R256, EC, RC]),
        ("-AES128:ALL", EVERY),
        ("+AES128:ALL", EVERY),
        ("ALL:-ALL:AES128:ALL", &[E128, R128, E256, R256, EC, RC]),
        ("ALL:-AES256:CHACHA20:AES256", &[EC, RC, E128, R128, E256, R256]),
        ("ALL:-AES:+CHACHA20:AES", &[EC, RC, E256, R256, E128, R128]),
        ("CHACHA20:AES128:-CHACHA20:ALL", &[E128, R128, EC, RC, E256, R256]),
        ("ALL:-AES128:-CHACHA20:AES256:ALL", EVERY),
        (
            "AES128:CHACHA20:-ALL:AESGCM:ALL",
            &[E128, R128, E256, R256, EC, RC],
        ),
        (
            "ALL:!ECDHE-RSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256",
            &[E256, R256, EC, RC, E128],
        ),
        ("ALL:@STRENGTH", EVERY),
        ("AES128:CHACHA20:@STRENGTH", &[EC, RC, E128, R128]),
        ("CHACHA20:ALL:@STRENGTH", &[EC, RC, E256, R256, E128, R128]),
        (
            "AES128:-AES128:CHACHA20:@STRENGTH:ALL",
            &[EC, RC, E128, R128, E256, R256],
        ),
        ("@STRENGTH:ALL", EVERY),
        ("ALL:@STRENGTH+AES", EVERY),
        ("ECDHE-ECDSA-AES128-GCM-SHA256@STRENGTH", &[E128]),
        ("HIGH:@SECLEVEL=3", EVERY),
        ("DEFAULT:@SECLEVEL=2", EVERY),
        ("HIGH:DEFAULT", EVERY),
        ("AES128:DEFAULT", &[E128, R128]),
        ("DEFAULT:!AES128", &[E256, R256, EC, RC]),
        ("DEFAULT:AES128", EVERY),
        ("DEFAULT AES128", EVERY),
        ("DEFAULTX", EVERY),
        (" DEFAULT", &[]),
        (":DEFAULT", &[]),
        ("ALL::", EVERY),
        ("ALL: ,;AES128", EVERY),
        ("ALL:!-AES", EVERY),
        ("ALL:+-AES", EVERY),
        ("FOO", &[]),
        ("FOO+AES128:CHACHA20", &[EC, RC]),
        ("FOO+$$:AES128", &[E128, R128]),
        ("high", &[]),
        ("ecdhe-rsa-aes128-gcm-sha256", &[]),
        ("AES128!AES", &[]),
        ("ALL:SSLv3", EVERY),
        ("COMPLEMENTOFDEFAULT", &[]),
        ("HIGH:!aNULL:!MD5", EVERY),
        ("EECDH+AESGCM:EDH+AESGCM", &[E256, R256, E128, R128]),
    ];

    /// Strings OpenSSL rejects with "invalid command" before selecting anything.
    const INVALID: &[&str] = &[
        "HIGH:$$",
        "HIGH:@FOO",
        "@FOO",
        "ALL+",
        "ALL:+",
        "ALL:!",
        "ALL:-",
        "ALL:+$",
        "ALL:!!AES",
        "ALL:-!AES",
        "ALL:!+AES",
        "AES128++CHACHA20",
        "CHACHA20:AES128+",
        "AES128@x",
        "ALL:@SECLEVEL=",
        "ALL:@SECLEVEL=9",
        "ALL:@SECLEVEL=10",
        "ALL:@SECLEVEL=-1",
        "ALL:@STRENGTHX",
    ];

    fn names(spec: &str) -> Result<Vec<String>> {
        tls12_suites(spec).map(|s| cipher_list_names(&s))
    }

    fn selects(want: &[&str]) -> Result<Vec<String>> {
        Ok(want.iter().map(ToString::to_string).collect())
    }

    #[test]
    fn matches_openssl_on_recorded_strings() {
        for (spec, want) in OPENSSL_CASES {
            let got = names(spec);
            if want.is_empty() {
                assert_eq!(got, Err(Error::NoCipherMatch), "{spec:?}");
            } else {
                assert_eq!(got, selects(want), "{spec:?}");
            }
        }
    }

    #[test]
    fn unreadable_strings_are_invalid_commands() {
        for spec in INVALID {
            let err = tls12_suites(spec).err();
            assert_eq!(err, Some(Error::ssl("invalid command")), "{spec:?}");
            assert_eq!(
                err.map(|e| e.errors()),
                Some(vec![(
                    "SSL routines".into(),
                    String::new(),
                    "invalid command".into()
                )])
            );
        }
    }

    #[test]
    fn aliases_select_by_attribute() {
        let all = |spec: &str, want: &[&str]| {
            assert_eq!(names(spec), selects(want), "{spec:?}");
        };
        all("aRSA", &[R256, RC, R128]);
        all("aECDSA", &[E256, EC, E128]);
        all("AES128", &[E128, R128]);
        all("AES256", &[E256, R256]);
        all("CHACHA20", &[EC, RC]);
        for spec in ["ALL", "DEFAULT", "HIGH", "ECDHE", "EECDH", "kEECDH", "TLSv1.2"] {
            all(spec, EVERY);
        }
    }

    #[test]
    fn prefixes_remove_kill_and_reorder() {
        // `-` removes for now; a later rule may add back.
        assert_eq!(names("ALL:-AES128:AES128"), names("ALL:+AES128"));
        assert_eq!(names("ALL:-AES128").map(|n| n.len()), Ok(4));
        // `!` removes for good.
        assert_eq!(names("ALL:!AES128:AES128").map(|n| n.len()), Ok(4));
        assert_eq!(names("!ALL:ALL"), Err(Error::NoCipherMatch));
        // `+` moves selected suites to the end and adds nothing.
        assert_eq!(names("AES128:+CHACHA20"), selects(&[E128, R128]));
        assert_eq!(names("CHACHA20:AES128:+CHACHA20"), selects(&[E128, R128, EC, RC]));
    }

    #[test]
    fn keeps_the_strings_order() {
        let spec = "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-CHACHA20-POLY1305";
        assert_eq!(names(spec), selects(&[R128, EC]));
        let reversed: Vec<&str> = EVERY.iter().rev().copied().collect();
        assert_eq!(names(&reversed.join(":")), selects(&reversed));
        let suites = tls12_suites("CHACHA20:AES128").unwrap_or_default();
        assert_eq!(
            suites.iter().map(|s| s.suite()).collect::<Vec<_>>(),
            vec![
                CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,
                CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,
                CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
            ]
        );
    }

    #[test]
    fn names_outside_rustls_select_nothing() {
        for spec in [
            "AES128-SHA",
            "DHE-RSA-AES256-GCM-SHA384",
            "AES256-GCM-SHA384",
            "ECDHE-RSA-AES128-SHA256",
            "kRSA:DHE:PSK:SSLv3",
            "",
            ":::",
        ] {
            assert_eq!(tls12_suites(spec), Err(Error::NoCipherMatch), "{spec:?}");
        }
    }

    #[test]
    fn accepts_iana_names_too() {
        assert_eq!(
            names("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256:TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"),
            selects(&[R128, EC])
        );
        assert_eq!(
            names("ALL:!TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384").map(|n| n.len()),
            Ok(5)
        );
    }

    #[test]
    fn seclevel_is_ignored() {
        // OpenSSL drops the AES-128 suites at level 4; rustls has no security levels.
        assert_eq!(names("ALL:@SECLEVEL=4").map(|n| n.len()), Ok(6));
        assert_eq!(names("ALL:@SECLEVEL=0").map(|n| n.len()), Ok(6));
    }

    #[test]
    fn huge_and_garbage_input_is_bounded() {
        let at_cap = "ALL:".repeat(MAX_SPEC_LEN / 4);
        assert_eq!(at_cap.len(), MAX_SPEC_LEN);
        assert_eq!(names(&at_cap).map(|n| n.len()), Ok(6));
        let over = format!("{at_cap}A");
        assert!(matches!(tls12_suites(&over), Err(Error::Range(_))));
        assert!(matches!(tls13_suites(&over), Err(Error::Range(_))));
        assert!(matches!(groups(&over), Err(Error::Range(_))));

        // Many rules, each touching every suite.
        let churn = "ALL:-ALL:+ALL:@STRENGTH:".repeat(MAX_SPEC_LEN / 24);
        assert_eq!(names(&churn), Err(Error::NoCipherMatch));
        let long_word = "A".repeat(MAX_SPEC_LEN);
        assert_eq!(tls12_suites(&long_word), Err(Error::NoCipherMatch));
        let plus = "+".repeat(MAX_SPEC_LEN);
        assert_eq!(tls12_suites(&plus), Err(invalid_command()));

        for spec in [
            "\0",
            "ALL\0",
            "ALL:é",
            "é",
            "ALL:\u{202e}",
            "\u{feff}ALL",
            "ALL\n",
        ] {
            assert_eq!(tls12_suites(spec), Err(invalid_command()), "{spec:?}");
        }
    }

    #[test]
    fn no_panic_on_token_soup() {
        // Deterministic pseudo-random strings built from the grammar's pieces.
        const PIECES: &[&str] = &[
            "ALL",
            "HIGH",
            "AES128",
            "CHACHA20",
            "aRSA",
            "ECDSA",
            "DEFAULT",
            "FOO",
            "+",
            "-",
            "!",
            "@",
            "STRENGTH",
            "SECLEVEL=3",
            ":",
            ",",
            " ",
            ";",
            "$",
            "é",
            "TLSv1.2",
            "",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "TLS_AES_128_GCM_SHA256",
            "X25519",
            "P-256",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..5_000 {
            let mut spec = String::new();
            for _ in 0..(seed % 12) {
                seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                let pick = usize::try_from(seed >> 33).unwrap_or(0) % PIECES.len();
                spec.push_str(PIECES.get(pick).copied().unwrap_or(""));
            }
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
            let _ = tls12_suites(&spec);
            let _ = tls13_suites(&spec);
            let _ = groups(&spec);
        }
    }

    #[test]
    fn tls13_names() {
        let got = tls13_suites("TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256")
            .map(|s| cipher_list_names(&s));
        assert_eq!(
            got,
            selects(&["TLS_CHACHA20_POLY1305_SHA256", "TLS_AES_128_GCM_SHA256"])
        );
        let all = tls13_suites(
            " TLS_AES_256_GCM_SHA384 :TLS_AES_128_CCM_SHA256:FOO::TLS_AES_128_CCM_8_SHA256:\
             TLS_AES_128_GCM_SHA256:TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256",
        )
        .map(|s| s.iter().map(|s| s.suite()).collect::<Vec<_>>());
        assert_eq!(
            all,
            Ok(vec![
                CipherSuite::TLS13_AES_256_GCM_SHA384,
                CipherSuite::TLS13_AES_128_GCM_SHA256,
                CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
            ])
        );
        assert!(tls13_suites("TLS_AES_128_GCM_SHA256").is_ok_and(|s| s.iter().all(is_tls13)));
        for spec in [
            "",
            "TLS_AES_128_CCM_SHA256",
            "tls_aes_128_gcm_sha256",
            "TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "ECDHE-RSA-AES128-GCM-SHA256",
            "HIGH",
        ] {
            assert_eq!(tls13_suites(spec), Err(Error::NoCipherMatch), "{spec:?}");
        }
    }

    #[test]
    fn group_names_map_to_ring_groups() {
        let ids = |spec: &str| groups(spec).map(|g| g.iter().map(|g| g.name()).collect::<Vec<_>>());
        assert_eq!(
            ids("X25519:P-256:P-384"),
            Ok(vec![
                NamedGroup::X25519,
                NamedGroup::secp256r1,
                NamedGroup::secp384r1
            ])
        );
        assert_eq!(
            ids(" secp384r1 , x25519:prime256v1"),
            Ok(vec![
                NamedGroup::secp384r1,
                NamedGroup::X25519,
                NamedGroup::secp256r1
            ])
        );
        assert_eq!(ids("SECP256R1"), Ok(vec![NamedGroup::secp256r1]));
        for name in [
            "secp521r1",
            "brainpoolP256r1",
            "sect163k1",
            "X25519MLKEM768",
            "ffdhe2048",
            "X448",
            "foo",
        ] {
            assert_eq!(
                groups(&format!("X25519:{name}")).err(),
                Some(Error::ssl(format!("unsupported group: {name}")))
            );
        }
        assert!(matches!(groups(""), Err(Error::Range(_))));
        assert!(matches!(groups("  "), Err(Error::Range(_))));
        assert!(matches!(groups("X25519::P-256"), Err(Error::Range(_))));
        assert!(matches!(groups("X25519:"), Err(Error::Range(_))));
        assert_eq!(
            groups("P-256:prime256v1").err(),
            Some(Error::ssl("duplicate group: prime256v1"))
        );
        let long = "x".repeat(1000);
        assert!(
            matches!(groups(&long), Err(Error::Ssl { reason, .. }) if reason.len() < 100),
            "a long unknown name is shortened in the message"
        );
    }

    #[test]
    fn name_and_bits_tables() {
        let table = [
            (
                CipherSuite::TLS13_AES_128_GCM_SHA256,
                "TLS_AES_128_GCM_SHA256",
                128,
            ),
            (
                CipherSuite::TLS13_AES_256_GCM_SHA384,
                "TLS_AES_256_GCM_SHA384",
                256,
            ),
            (
                CipherSuite::TLS13_CHACHA20_POLY1305_SHA256,
                "TLS_CHACHA20_POLY1305_SHA256",
                256,
            ),
            (CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, E128, 128),
            (CipherSuite::TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, R128, 128),
            (CipherSuite::TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, E256, 256),
            (CipherSuite::TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, R256, 256),
            (
                CipherSuite::TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,
                EC,
                256,
            ),
            (CipherSuite::TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, RC, 256),
        ];
        for (suite, name, size) in table {
            assert_eq!(openssl_name(suite), name);
            assert_eq!(bits(suite), size, "{name}");
        }
        assert_eq!(
            openssl_name(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA),
            "TLS_RSA_WITH_AES_128_CBC_SHA"
        );
        assert_eq!(bits(CipherSuite::TLS_RSA_WITH_AES_128_CBC_SHA), 0);
        assert_eq!(openssl_name(CipherSuite::Unknown(0xfefe)), "CipherSuite(0xfefe)");
    }

    #[test]
    fn group_names_read_like_openssl() {
        assert_eq!(group_name(NamedGroup::X25519), "x25519");
        assert_eq!(group_name(NamedGroup::secp256r1), "secp256r1");
        assert_eq!(group_name(NamedGroup::secp384r1), "secp384r1");
        assert_eq!(group_name(NamedGroup::secp521r1), "secp521r1");
        assert_eq!(group_name(NamedGroup::X448), "x448");
        assert_eq!(group_name(NamedGroup::X25519MLKEM768), "X25519MLKEM768");
        assert_eq!(group_name(NamedGroup::secp256r1MLKEM768), "SecP256r1MLKEM768");
        assert_eq!(group_name(NamedGroup::FFDHE2048), "ffdhe2048");
        assert_eq!(group_name(NamedGroup::FFDHE8192), "ffdhe8192");
        assert_eq!(group_name(NamedGroup::Unknown(26)), "brainpoolP256r1");
        assert_eq!(group_name(NamedGroup::Unknown(0xabcd)), "namedgroup(0xabcd)");
    }

    #[test]
    fn defaults_split_the_provider_by_version() {
        let tls12 = default_tls12();
        let tls13 = default_tls13();
        assert_eq!(tls12.len(), 6);
        assert_eq!(tls13.len(), 3);
        assert!(tls12.iter().all(|s| !is_tls13(s)));
        assert!(tls13.iter().all(is_tls13));
        // Every provider suite has a row in the tables, so none is ever unnamed.
        for s in tls12.iter().chain(&tls13) {
            assert!(!openssl_name(s.suite()).starts_with("CipherSuite("));
            assert_ne!(bits(s.suite()), 0);
        }
        let mut from_alias = cipher_list_names(&tls12_suites("ALL").unwrap_or_default());
        let mut from_provider = cipher_list_names(&tls12);
        from_alias.sort();
        from_provider.sort();
        assert_eq!(from_alias, from_provider);
    }

    /// Re-checks `OPENSSL_CASES` and `INVALID` against the installed `openssl` CLI.
    #[test]
    #[ignore = "needs the openssl 3.0 command-line tool"]
    fn openssl_cli_agrees() {
        let run = |spec: &str| {
            std::process::Command::new("openssl")
                .args(["ciphers", "-tls1_2", "-s", "--", spec])
                .output()
                .map(|o| {
                    let out = String::from_utf8_lossy(&o.stdout).into_owned();
                    (out, String::from_utf8_lossy(&o.stderr).into_owned())
                })
                .unwrap_or_default()
        };
        for (spec, want) in OPENSSL_CASES {
            let (out, _) = run(spec);
            let got: Vec<&str> = out.trim().split(':').filter(|n| EVERY.contains(n)).collect();
            assert_eq!(&got, want, "{spec:?}");
        }
        for spec in INVALID {
            let (_, err) = run(spec);
            assert!(err.contains("invalid command"), "{spec:?}: {err}");
        }
    }
}
