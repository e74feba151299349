//! The host provider against rustls's own *ring* provider: record by record (the same bytes
//! for the same key, IV and sequence number, every suite of both versions) and whole
//! handshakes with one side on the host and the other on *ring*. The host here is *ring*
//! behind the `HostCrypto` interface (ring_host.rs), so these tests check the framing done in
//! host.rs; js-tests/provider.test.mjs checks `node:crypto` behind the same interface.

use std::sync::atomic::Ordering;

use rustls::crypto::cipher::{
    InboundOpaqueMessage, MessageDecrypter, MessageEncrypter, OutboundChunks, OutboundPlainMessage,
};
use rustls::{ContentType, Error as TlsError, ProtocolVersion, SupportedCipherSuite};

use super::host::{spki, Families, HostProvider};
use super::ring_host::{Fault, RingHost};
use crate::ssl::constants::op;
use crate::ssl::test_support::{client, handshake, server_with, CHAIN, KEY};
use crate::ssl::{cipher_list, Connection, Error};

const RSA_CHAIN: &[u8] = include_bytes!("../../js-tests/fixtures/server-rsa-chain.pem");
const RSA_KEY: &[u8] = include_bytes!("../../js-tests/fixtures/server-rsa.key");
const P384_CHAIN: &[u8] = include_bytes!("../../js-tests/fixtures/server-p384-chain.pem");
const P384_KEY: &[u8] = include_bytes!("../../js-tests/fixtures/server-p384.key");
const ED_CHAIN: &[u8] = include_bytes!("../../js-tests/fixtures/server-ed25519-chain.pem");
const ED_KEY: &[u8] = include_bytes!("../../js-tests/fixtures/server-ed25519.key");

fn host(fault: Fault) -> (&'static RingHost, &'static HostProvider) {
    let h: &'static RingHost = Box::leak(Box::new(RingHost::with_fault(fault)));
    (h, HostProvider::new(h, Families::ALL))
}

fn ring_suites() -> Vec<SupportedCipherSuite> {
    rustls::crypto::ring::default_provider().cipher_suites
}

/// Runs `f` with `p` installed on this thread, then goes back to *ring*.
fn on<T>(p: &'static HostProvider, f: impl FnOnce() -> T) -> T {
    super::install(Some(p));
    let out = f();
    super::install(None);
    out
}

// ---- records ----

fn seal(enc: &mut dyn MessageEncrypter, typ: ContentType, data: &[u8], seq: u64) -> Vec<u8> {
    let chunks = [data];
    let msg = OutboundPlainMessage {
        typ,
        version: ProtocolVersion::TLSv1_2,
        payload: OutboundChunks::new(&chunks),
    };
    enc.encrypt(msg, seq).unwrap().encode()
}

/// Opens an encoded record; the content type and plaintext.
fn open(dec: &mut dyn MessageDecrypter, record: &[u8], seq: u64) -> Result<(ContentType, Vec<u8>), TlsError> {
    let typ = ContentType::from(record[0]);
    let version = ProtocolVersion::from(u16::from_be_bytes([record[1], record[2]]));
    let mut payload = record[5..].to_vec();
    let msg = InboundOpaqueMessage::new(typ, version, &mut payload);
    dec.decrypt(msg, seq).map(|m| (m.typ, m.payload.to_vec()))
}

/// Each suite's encrypters and decrypters, host and *ring*, from the same key material.
type Encrypters = [Box<dyn MessageEncrypter>; 2];
type Decrypters = [Box<dyn MessageDecrypter>; 2];
type Cert = (&'static [u8], &'static [u8]);

fn pairs(p: &HostProvider) -> Vec<(String, Encrypters, Decrypters)> {
    use rustls::crypto::cipher::{AeadKey, Iv};
    let mut out = Vec::new();
    for ring in ring_suites() {
        let name = cipher_list::openssl_name(ring.suite());
        let hosted = p.suite(ring);
        // rustls lets only itself make a 16-byte AeadKey, so the AES-128 suites are left to
        // the handshake tests below.
        let key = |len: usize| {
            assert_eq!(len, 32);
            let mut k = [0u8; 32];
            for (i, b) in k.iter_mut().enumerate() {
                *b = u8::try_from(i * 7 + 1).unwrap();
            }
            AeadKey::from(k)
        };
        let key_len = match ring {
            SupportedCipherSuite::Tls13(r) => r.aead_alg.key_len(),
            SupportedCipherSuite::Tls12(r) => r.aead_alg.key_block_shape().enc_key_len,
        };
        if key_len != 32 {
            continue;
        }
        match (ring, hosted) {
            (SupportedCipherSuite::Tls13(r), SupportedCipherSuite::Tls13(h)) => {
                assert!(!std::ptr::eq(r, h), "{name}: not replaced");
                let len = r.aead_alg.key_len();
                let iv = || Iv::new([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0xff, 0x80]);
                out.push((
                    name,
                    [
                        h.aead_alg.encrypter(key(len), iv()),
                        r.aead_alg.encrypter(key(len), iv()),
                    ],
                    [
                        h.aead_alg.decrypter(key(len), iv()),
                        r.aead_alg.decrypter(key(len), iv()),
                    ],
                ));
            }
            (SupportedCipherSuite::Tls12(r), SupportedCipherSuite::Tls12(h)) => {
                assert!(!std::ptr::eq(r, h), "{name}: not replaced");
                let shape = r.aead_alg.key_block_shape();
                let len = shape.enc_key_len;
                let iv: Vec<u8> = (0..shape.fixed_iv_len)
                    .map(|i| u8::try_from(0xa0 + i).unwrap())
                    .collect();
                let explicit: Vec<u8> = (0..shape.explicit_nonce_len)
                    .map(|i| u8::try_from(0x10 + i).unwrap())
                    .collect();
                out.push((
                    name,
                    [
                        h.aead_alg.encrypter(key(len), &iv, &explicit),
                        r.aead_alg.encrypter(key(len), &iv, &explicit),
                    ],
                    [
                        h.aead_alg.decrypter(key(len), &iv),
                        r.aead_alg.decrypter(key(len), &iv),
                    ],
                ));
            }
            _ => panic!("{name}: version changed"),
        }
    }
    out
}

#[test]
fn every_suite_seals_exactly_as_ring_and_opens_ring_records() {
    let (h, p) = host(Fault::None);
    let mut suites = pairs(p);
    assert_eq!(suites.len(), 6);
    for (name, [host_enc, ring_enc], [host_dec, ring_dec]) in &mut suites {
        for (seq, len) in [
            (0u64, 0usize),
            (1, 1),
            (7, 100),
            (1 << 40, 16384),
            (u64::MAX - 1, 33),
        ] {
            let data: Vec<u8> = (0..len).map(|i| u8::try_from(i % 251).unwrap()).collect();
            for typ in [ContentType::ApplicationData, ContentType::Handshake] {
                let ours = seal(host_enc.as_mut(), typ, &data, seq);
                let theirs = seal(ring_enc.as_mut(), typ, &data, seq);
                assert_eq!(ours, theirs, "{name}: seq {seq}, {len} bytes");
                let opened = open(host_dec.as_mut(), &theirs, seq).unwrap();
                assert_eq!(opened, (typ, data.clone()), "{name}: open");
                assert_eq!(
                    open(ring_dec.as_mut(), &ours, seq).unwrap().1,
                    data,
                    "{name}: ring opens ours"
                );
                // Any flipped bit, a wrong sequence number or a cut record is bad_record_mac.
                for at in [5, ours.len() / 2, ours.len() - 1] {
                    let mut bad = ours.clone();
                    bad[at] ^= 1;
                    assert_eq!(
                        open(host_dec.as_mut(), &bad, seq),
                        Err(TlsError::DecryptError),
                        "{name}: bit {at}"
                    );
                }
                assert_eq!(
                    open(host_dec.as_mut(), &ours, seq ^ 1),
                    Err(TlsError::DecryptError)
                );
                let short = &ours[..ours.len().min(5 + 10)];
                assert_eq!(
                    open(host_dec.as_mut(), short, seq),
                    Err(TlsError::DecryptError),
                    "{name}: short"
                );
            }
        }
    }
    assert!(h.counts.seal.load(Ordering::SeqCst) > 0);
    assert!(h.counts.open.load(Ordering::SeqCst) > 0);
    // Every key the host made is freed with its encrypter or decrypter.
    assert_eq!(h.counts.keys_live.load(Ordering::SeqCst), 12);
    drop(suites);
    assert_eq!(h.counts.keys_live.load(Ordering::SeqCst), 0);
}

#[test]
fn a_host_that_throws_fails_records_without_panicking() {
    let (_, p) = host(Fault::Throws);
    // Keys cannot be made: each encrypter falls back to ring and still matches it.
    for (name, [mut host_enc, mut ring_enc], _) in pairs(p) {
        let a = seal(host_enc.as_mut(), ContentType::ApplicationData, b"x", 3);
        assert_eq!(
            a,
            seal(ring_enc.as_mut(), ContentType::ApplicationData, b"x", 3),
            "{name}"
        );
    }
    // Keys can be made but every open says no: a valid record is still refused.
    let (_, p) = host(Fault::RejectsRecords);
    for (name, [_, mut ring_enc], [mut host_dec, _]) in pairs(p) {
        let record = seal(ring_enc.as_mut(), ContentType::ApplicationData, b"y", 0);
        assert_eq!(
            open(host_dec.as_mut(), &record, 0),
            Err(TlsError::DecryptError),
            "{name}"
        );
    }
}

#[test]
fn an_empty_or_oversized_tls12_record_is_refused() {
    let (_, p) = host(Fault::None);
    for (name, [_, mut ring_enc], [mut host_dec, _]) in pairs(p) {
        if name.starts_with("TLS_") {
            continue;
        }
        let record = seal(
            ring_enc.as_mut(),
            ContentType::ApplicationData,
            &vec![0u8; 16385],
            0,
        );
        assert_eq!(
            open(host_dec.as_mut(), &record, 0),
            Err(TlsError::PeerSentOversizedRecord),
            "{name}"
        );
        assert_eq!(
            open(host_dec.as_mut(), &[23, 3, 3, 0, 0], 0),
            Err(TlsError::DecryptError),
            "{name}"
        );
    }
}

// ---- handshakes ----

/// A client on `client_host` (or ring) against a server on `server_host` (or ring), both
/// limited to `suite`, exchanging data both ways; the negotiated suite and group names.
fn talk(
    client_host: Option<&'static HostProvider>,
    server_host: Option<&'static HostProvider>,
    suite: &str,
    (chain, key): (&[u8], &[u8]),
    groups: Option<&str>,
) -> Result<(String, String), Error> {
    let tls12 = !suite.starts_with("TLS_");
    let mut c = client(if tls12 { op::NO_TLSV1_3 } else { 0 });
    let mut s = server_with(chain, key);
    for conn in [&mut c, &mut s] {
        let settings = conn.settings_mut();
        if tls12 {
            settings.tls12_suites = Some(cipher_list::tls12_suites(suite)?);
        } else {
            settings.tls13_suites = Some(cipher_list::tls13_suites(suite)?);
        }
        if let Some(g) = groups {
            settings.groups = Some(cipher_list::groups(g)?);
        }
    }
    // Each side's configuration is made at its first I/O, under what is installed then.
    super::install(client_host);
    let first = c.do_handshake();
    super::install(server_host);
    let _ = s.do_handshake();
    super::install(None);
    assert_eq!(first, Err(Error::WantRead));
    handshake(&mut c, &mut s)?;
    exchange(&mut c, &mut s)?;
    exchange(&mut s, &mut c)?;
    Ok((
        c.cipher_name().unwrap_or_default(),
        c.group_name().unwrap_or_default(),
    ))
}

fn exchange(from: &mut Connection, to: &mut Connection) -> Result<(), Error> {
    let data: Vec<u8> = (0..40_000u32).map(|i| u8::try_from(i % 253).unwrap()).collect();
    let mut sent = 0;
    let mut got = Vec::new();
    while got.len() < data.len() {
        if sent < data.len() {
            sent += from.write(&data[sent..])?;
        }
        crate::ssl::test_support::pump(from, to);
        match to.read(usize::MAX, false) {
            Ok(part) => got.extend(part),
            Err(Error::WantRead) => {}
            Err(e) => return Err(e),
        }
    }
    assert_eq!(got, data);
    Ok(())
}

const ALL_SUITES: [&str; 9] = [
    "TLS_AES_128_GCM_SHA256",
    "TLS_AES_256_GCM_SHA384",
    "TLS_CHACHA20_POLY1305_SHA256",
    "ECDHE-ECDSA-AES128-GCM-SHA256",
    "ECDHE-ECDSA-AES256-GCM-SHA384",
    "ECDHE-ECDSA-CHACHA20-POLY1305",
    "ECDHE-RSA-AES128-GCM-SHA256",
    "ECDHE-RSA-AES256-GCM-SHA384",
    "ECDHE-RSA-CHACHA20-POLY1305",
];

#[test]
fn every_suite_interoperates_with_ring_in_both_roles() {
    let (h, p) = host(Fault::None);
    for suite in ALL_SUITES {
        let cert = if suite.contains("RSA") {
            (RSA_CHAIN, RSA_KEY)
        } else {
            (CHAIN, KEY)
        };
        for (c, s) in [(Some(p), None), (None, Some(p)), (Some(p), Some(p))] {
            let before = h.counts.seal.load(Ordering::SeqCst);
            let (name, _) = talk(c, s, suite, cert, None).unwrap_or_else(|e| panic!("{suite}: {e:?}"));
            assert_eq!(name, suite);
            assert!(
                h.counts.seal.load(Ordering::SeqCst) > before,
                "{suite}: host not used"
            );
        }
    }
    assert!(h.counts.open.load(Ordering::SeqCst) > 0);
    assert_eq!(h.counts.keys_live.load(Ordering::SeqCst), 0);
}

#[test]
fn every_group_and_signature_kind_runs_on_the_host() {
    let (h, p) = host(Fault::None);
    for group in ["X25519", "P-256", "P-384"] {
        for tls12 in [false, true] {
            let suite = if tls12 {
                "ECDHE-ECDSA-AES128-GCM-SHA256"
            } else {
                "TLS_AES_128_GCM_SHA256"
            };
            let kx = h.counts.kx.load(Ordering::SeqCst);
            let (_, got) = talk(Some(p), None, suite, (CHAIN, KEY), Some(group)).unwrap();
            assert_eq!(
                got,
                cipher_list::group_name(cipher_list::groups(group).unwrap()[0].name())
            );
            assert!(
                h.counts.kx.load(Ordering::SeqCst) > kx,
                "{group}: host kx not used"
            );
        }
    }
    // ECDSA P-256 / P-384, Ed25519, RSA-PSS (TLS 1.3) and RSA PKCS#1 (TLS 1.2), each checked
    // by the host on the client side.
    let cases: [(&str, Cert); 5] = [
        ("TLS_AES_128_GCM_SHA256", (CHAIN, KEY)),
        ("TLS_AES_128_GCM_SHA256", (P384_CHAIN, P384_KEY)),
        ("TLS_AES_128_GCM_SHA256", (ED_CHAIN, ED_KEY)),
        ("TLS_AES_128_GCM_SHA256", (RSA_CHAIN, RSA_KEY)),
        ("ECDHE-RSA-AES128-GCM-SHA256", (RSA_CHAIN, RSA_KEY)),
    ];
    for (suite, cert) in cases {
        let before = h.counts.verify.load(Ordering::SeqCst);
        talk(Some(p), None, suite, cert, None).unwrap();
        assert!(
            h.counts.verify.load(Ordering::SeqCst) > before,
            "{suite}: host verify not used"
        );
    }
}

#[test]
fn a_host_that_rejects_signatures_fails_the_handshake() {
    let (_, p) = host(Fault::RejectsSignatures);
    assert!(talk(Some(p), None, "TLS_AES_128_GCM_SHA256", (CHAIN, KEY), None).is_err());
    assert!(talk(
        Some(p),
        None,
        "ECDHE-RSA-AES128-GCM-SHA256",
        (RSA_CHAIN, RSA_KEY),
        None
    )
    .is_err());
}

#[test]
fn a_host_that_throws_leaves_everything_to_ring() {
    for fault in [Fault::Throws, Fault::KeysThrow] {
        let (_, p) = host(fault);
        for suite in ALL_SUITES {
            let cert = if suite.contains("RSA") {
                (RSA_CHAIN, RSA_KEY)
            } else {
                (CHAIN, KEY)
            };
            talk(Some(p), Some(p), suite, cert, None).unwrap_or_else(|e| panic!("{suite}: {e:?}"));
        }
    }
}

#[test]
fn installing_switches_name_and_order() {
    let (_, p) = host(Fault::None);
    assert_eq!(super::name(), "ring");
    on(p, || {
        assert_eq!(super::name(), "ring-as-host");
        assert!(!super::aes_is_slow());
    });
    assert_eq!(super::aes_is_slow(), cfg!(target_arch = "wasm32"));
    // Without AES on the host, AES stays in wasm: slow there.
    let ring_only = HostProvider::new(
        Box::leak(Box::new(RingHost::default())),
        Families {
            aead: false,
            ..Families::ALL
        },
    );
    on(ring_only, || {
        assert_eq!(super::aes_is_slow(), cfg!(target_arch = "wasm32"))
    });
}

#[test]
fn spki_is_der() {
    // P-256 point under id-ecPublicKey/prime256v1: the 26-byte header every encoder writes.
    let alg = rustls_pki_types::alg_id::ECDSA_P256;
    let key = [4u8; 65];
    let out = spki(&alg, &key).unwrap();
    assert_eq!(out[..4], [0x30, 0x59, 0x30, 0x13]);
    assert_eq!(out[23..26], [0x03, 0x42, 0x00]);
    assert_eq!(out.len(), 91);
    // Long form lengths (an RSA key).
    let rsa = spki(&rustls_pki_types::alg_id::RSA_ENCRYPTION, &[1u8; 270]).unwrap();
    assert_eq!(rsa[..4], [0x30, 0x82, 0x01, 0x22]);
}

#[test]
fn only_the_chosen_algorithms_go_to_the_host() {
    let h: &'static RingHost = Box::leak(Box::new(RingHost::default()));
    let p = HostProvider::new(h, Families::FASTER_ON_NODE);
    // X25519 and Ed25519 stay ring's (the chain's RSA and ECDSA signatures go to the host);
    // P-256 goes to the host.
    talk(
        Some(p),
        None,
        "TLS_AES_128_GCM_SHA256",
        (ED_CHAIN, ED_KEY),
        Some("X25519"),
    )
    .unwrap();
    assert_eq!(h.counts.kx.load(Ordering::SeqCst), 0);
    assert_eq!(h.counts.ed25519.load(Ordering::SeqCst), 0);
    assert!(h.counts.seal.load(Ordering::SeqCst) > 0);
    talk(
        Some(p),
        None,
        "TLS_AES_128_GCM_SHA256",
        (CHAIN, KEY),
        Some("P-256"),
    )
    .unwrap();
    assert!(h.counts.kx.load(Ordering::SeqCst) > 0);
    assert!(h.counts.verify.load(Ordering::SeqCst) > 0);
    // Nothing at all: the suites are the default provider's own (ring's, and fast_gcm's
    // AES-GCM).
    let none = HostProvider::new(h, Families::NONE);
    for s in super::ring_provider::default().cipher_suites {
        assert!(
            matches!((s, none.suite(s)), (SupportedCipherSuite::Tls13(a), SupportedCipherSuite::Tls13(b)) if std::ptr::eq(a, b))
                || matches!((s, none.suite(s)), (SupportedCipherSuite::Tls12(a), SupportedCipherSuite::Tls12(b)) if std::ptr::eq(a, b))
        );
    }
}
