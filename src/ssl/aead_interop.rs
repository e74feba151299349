//! The AES-GCM suites of src/crypto/fast_gcm.rs and the ChaCha20-Poly1305 suites of
//! src/crypto/fast_chacha.rs on one end of a real handshake and *ring*'s on the other: each of
//! the nine suites, our client against a plain rustls + *ring* server and our
//! server against a plain rustls + *ring* client, then application data both ways. The plain
//! rustls peer is restricted to the one suite under test, so nothing else can be negotiated.

use std::io::{Read, Write};
use std::sync::Arc;

use rustls::crypto::ring::{cipher_suite as ring_suites, default_provider};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::{ClientConfig, RootCertStore, ServerConfig, SupportedCipherSuite};

use crate::crypto::{fast_chacha, fast_gcm};
use crate::ssl::constants::version;
use crate::ssl::test_support::{client, server_with, CA, CHAIN, KEY};
use crate::ssl::{Connection, Error};

const RSA_CHAIN: &[u8] = include_bytes!("../../js-tests/fixtures/server-rsa-chain.pem");
const RSA_KEY: &[u8] = include_bytes!("../../js-tests/fixtures/server-rsa.key");

/// Each suite with the certificate and key a server needs for it.
fn cases() -> Vec<(SupportedCipherSuite, &'static [u8], &'static [u8])> {
    use ring_suites::*;
    vec![
        (TLS13_AES_128_GCM_SHA256, CHAIN, KEY),
        (TLS13_AES_256_GCM_SHA384, CHAIN, KEY),
        (TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, CHAIN, KEY),
        (TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, CHAIN, KEY),
        (TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, RSA_CHAIN, RSA_KEY),
        (TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, RSA_CHAIN, RSA_KEY),
        (TLS13_CHACHA20_POLY1305_SHA256, CHAIN, KEY),
        (TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, CHAIN, KEY),
        (TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256, RSA_CHAIN, RSA_KEY),
    ]
}

fn ring_only(suite: SupportedCipherSuite) -> Arc<rustls::crypto::CryptoProvider> {
    let mut p = default_provider();
    p.cipher_suites = vec![suite];
    Arc::new(p)
}

fn versions(suite: SupportedCipherSuite) -> &'static [&'static rustls::SupportedProtocolVersion] {
    static V13: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS13];
    static V12: &[&rustls::SupportedProtocolVersion] = &[&rustls::version::TLS12];
    match suite {
        SupportedCipherSuite::Tls13(_) => V13,
        SupportedCipherSuite::Tls12(_) => V12,
    }
}

/// Moves ciphertext both ways until neither side has more to say.
/// The plain rustls end's plaintext is drained as it arrives (its buffer is bounded).
fn pump(ours: &mut Connection, theirs: &mut dyn DynConn) {
    for _ in 0..50 {
        let mut moved = false;
        while let Ok(out) = ours.bio_read(usize::MAX) {
            moved |= !out.is_empty();
            let mut rd = &out[..];
            while !rd.is_empty() {
                theirs.read_tls(&mut rd).unwrap();
                theirs.process_new_packets().unwrap();
                theirs.drain();
            }
        }
        let mut buf = Vec::new();
        while theirs.wants_write() {
            theirs.write_tls(&mut buf).unwrap();
        }
        moved |= !buf.is_empty();
        ours.bio_write(&buf);
        // Lets our end consume what arrived (handshake messages, records) and answer.
        if !ours.is_handshake_done() {
            let _ = ours.do_handshake();
        }
        if !moved {
            return;
        }
    }
}

/// The parts of rustls's client and server connections the pump needs.
trait DynConn {
    fn read_tls(&mut self, rd: &mut dyn Read) -> std::io::Result<usize>;
    fn write_tls(&mut self, wr: &mut dyn Write) -> std::io::Result<usize>;
    fn wants_write(&self) -> bool;
    fn process_new_packets(&mut self) -> Result<(), rustls::Error>;
    /// Moves received plaintext into `received()`.
    fn drain(&mut self);
}

impl<T: std::ops::DerefMut<Target = rustls::ConnectionCommon<D>>, D> DynConn for T {
    fn read_tls(&mut self, rd: &mut dyn Read) -> std::io::Result<usize> {
        (**self).read_tls(rd)
    }
    fn write_tls(&mut self, wr: &mut dyn Write) -> std::io::Result<usize> {
        (**self).write_tls(wr)
    }
    fn wants_write(&self) -> bool {
        (**self).wants_write()
    }
    fn process_new_packets(&mut self) -> Result<(), rustls::Error> {
        (**self).process_new_packets().map(|_| ())
    }
    fn drain(&mut self) {
        let mut buf = [0u8; 4096];
        while let Ok(n @ 1..) = (**self).reader().read(&mut buf) {
            RECEIVED.with(|r| r.borrow_mut().extend_from_slice(&buf[..n]));
        }
    }
}

thread_local! {
    /// What the plain rustls end of the current test received (tests run one per thread).
    static RECEIVED: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn received() -> Vec<u8> {
    RECEIVED.with(|r| std::mem::take(&mut *r.borrow_mut()))
}

fn tls12_only(c: &mut Connection, suite: SupportedCipherSuite) {
    if matches!(suite, SupportedCipherSuite::Tls12(_)) {
        let mut s = c.settings().clone();
        s.max_version = version::TLS1_2;
        c.replace_settings(s);
    }
}

/// Several records' worth, so that sequence numbers past 0 are exercised.
fn payload() -> Vec<u8> {
    (0..40_000u32).map(|i| (i % 253) as u8).collect()
}

/// `Connection::write` takes at most one record's worth at a time, as `SSL_write` may.
fn write_all(ours: &mut Connection, theirs: &mut dyn DynConn, mut data: &[u8]) {
    while !data.is_empty() {
        let n = ours.write(data).unwrap();
        data = &data[n..];
        pump(ours, theirs);
    }
}

fn read_all(c: &mut Connection, want: usize) -> Vec<u8> {
    let mut got = Vec::new();
    while got.len() < want {
        match c.read(want - got.len(), false) {
            Ok(b) => got.extend_from_slice(&b),
            Err(Error::WantRead) => break,
            Err(e) => panic!("read: {e:?}"),
        }
    }
    got
}

#[test]
fn our_client_against_a_ring_server() {
    for (suite, chain, key) in cases() {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(chain)
            .map(|c| c.unwrap())
            .collect();
        let key = PrivateKeyDer::from_pem_slice(key).unwrap();
        let config = ServerConfig::builder_with_provider(ring_only(suite))
            .with_protocol_versions(versions(suite))
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let mut theirs = rustls::ServerConnection::new(Arc::new(config)).unwrap();
        let mut ours = client(0);
        tls12_only(&mut ours, suite);

        let _ = ours.do_handshake();
        pump(&mut ours, &mut theirs);
        assert!(ours.is_handshake_done(), "{:?}", suite.suite());
        assert_eq!(
            theirs.negotiated_cipher_suite().map(|s| s.suite()),
            Some(suite.suite())
        );

        let data = payload();
        write_all(&mut ours, &mut theirs, &data);
        assert_eq!(received(), data, "{:?}: ours → ring", suite.suite());

        theirs.writer().write_all(&data).unwrap();
        pump(&mut ours, &mut theirs);
        assert_eq!(
            read_all(&mut ours, data.len()),
            data,
            "{:?}: ring → ours",
            suite.suite()
        );
    }
}

/// A plain rustls + *ring* client that trusts the test CA and offers only `suite`.
fn ring_client(suite: SupportedCipherSuite) -> rustls::ClientConnection {
    let mut roots = RootCertStore::empty();
    roots.add(CertificateDer::from_pem_slice(CA).unwrap()).unwrap();
    let config = ClientConfig::builder_with_provider(ring_only(suite))
        .with_protocol_versions(versions(suite))
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = ServerName::try_from("localhost").unwrap();
    rustls::ClientConnection::new(Arc::new(config), name).unwrap()
}

#[test]
fn a_ring_client_against_our_server() {
    for (suite, chain, key) in cases() {
        let mut theirs = ring_client(suite);
        let mut ours = server_with(chain, key);

        pump(&mut ours, &mut theirs);
        assert!(ours.is_handshake_done(), "{:?}", suite.suite());
        assert_eq!(
            theirs.negotiated_cipher_suite().map(|s| s.suite()),
            Some(suite.suite())
        );

        let data = payload();
        theirs.writer().write_all(&data).unwrap();
        pump(&mut ours, &mut theirs);
        assert_eq!(
            read_all(&mut ours, data.len()),
            data,
            "{:?}: ring → ours",
            suite.suite()
        );

        write_all(&mut ours, &mut theirs, &data);
        assert_eq!(received(), data, "{:?}: ours → ring", suite.suite());
    }
}

#[test]
fn a_damaged_record_from_the_peer_is_an_error_not_a_panic() {
    for (suite, chain, key) in cases() {
        let _ = (chain, key);
        let mut theirs = ring_client(suite);
        let mut ours = server_with(chain, key);
        pump(&mut ours, &mut theirs);
        assert!(ours.is_handshake_done());

        theirs.writer().write_all(b"hello").unwrap();
        let mut record = Vec::new();
        theirs.write_tls(&mut record).unwrap();
        let last = record.len() - 1;
        record[last] ^= 0x20; // a tag byte
        ours.bio_write(&record);
        match ours.read(100, false) {
            Err(Error::WantRead) | Ok(_) => panic!("{:?}: a forged record was accepted", suite.suite()),
            Err(_) => {}
        }
    }
}

#[test]
fn the_provider_runs_every_aead_on_our_kernels() {
    // Which AEADs the connections above used: the suites the core's provider hands rustls.
    let settings = client(0).settings().clone();
    let suites = super::config::provider(&settings).cipher_suites.clone();
    assert_eq!(suites.len(), 9, "{suites:?}");
    for s in &suites {
        let name = s.suite().as_str().unwrap_or_default();
        assert_eq!(fast_gcm::is_ours(s), name.contains("AES"), "{name}");
        assert_eq!(fast_chacha::is_ours(s), name.contains("CHACHA20"), "{name}");
    }
}
