//! The core in a real browser (headless Chromium through `wasm-pack test --headless --chrome`):
//! ring's wasm32 build, entropy from `crypto.getRandomValues`, and certificate time checks
//! from `Date.now()` all have to work there, or no page can do TLS.
#![cfg(target_arch = "wasm32")]
// wasm_bindgen_test functions are not `#[test]`s to clippy: a failing unwrap is the point here.
#![allow(clippy::unwrap_used)]

use rustls_ssl::ssl::constants::method;
use rustls_ssl::ssl::pkey::PKey;
use rustls_ssl::ssl::{pem, Connection, Context, Error};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CHAIN: &[u8] = include_bytes!("../js-tests/fixtures/server-ecdsa-chain.pem");
const KEY: &[u8] = include_bytes!("../js-tests/fixtures/server-ecdsa.key");
const CA: &[u8] = include_bytes!("../js-tests/fixtures/ca.pem");
const EXPIRED_CHAIN: &[u8] = include_bytes!("../js-tests/fixtures/expired-chain.pem");
const EXPIRED_KEY: &[u8] = include_bytes!("../js-tests/fixtures/expired.key");

fn server(chain: &[u8], key: &[u8]) -> Connection {
    let mut ctx = Context::new(method::TLS_SERVER).unwrap();
    ctx.settings
        .set_certificate_chain(pem::certificates(chain).unwrap())
        .unwrap();
    ctx.settings
        .set_private_key(PKey::from_pem(key, None).unwrap())
        .unwrap();
    Connection::new(ctx.snapshot())
}

fn client() -> Connection {
    let mut ctx = Context::new(method::TLS_CLIENT).unwrap();
    ctx.load_verify_data(CA).unwrap();
    let mut c = Connection::new(ctx.snapshot());
    c.set_host_name("localhost").unwrap();
    c
}

fn handshake(c: &mut Connection, s: &mut Connection) -> Result<(), Error> {
    for _ in 0..10 {
        let rc = c.do_handshake();
        while let Ok(b) = c.bio_read(usize::MAX) {
            s.bio_write(&b);
        }
        let rs = s.do_handshake();
        while let Ok(b) = s.bio_read(usize::MAX) {
            c.bio_write(&b);
        }
        match (rc, rs) {
            (Ok(()), Ok(())) => return Ok(()),
            (Err(e), _) | (_, Err(e)) if e != Error::WantRead => return Err(e),
            _ => {}
        }
    }
    Err(Error::WantRead)
}

#[wasm_bindgen_test]
fn verified_tls13_handshake_in_the_browser() {
    let (mut c, mut s) = (client(), server(CHAIN, KEY));
    handshake(&mut c, &mut s).unwrap();
    assert_eq!(c.protocol_version_name(), "TLSv1.3");
    assert_eq!(c.verify_result(), 0);
    assert_eq!(c.write(b"over the page").unwrap(), 13);
    while let Ok(b) = c.bio_read(usize::MAX) {
        s.bio_write(&b);
    }
    assert_eq!(s.read(100, false).unwrap(), b"over the page");
}

#[wasm_bindgen_test]
fn the_browser_clock_rejects_an_expired_certificate() {
    let (mut c, mut s) = (client(), server(EXPIRED_CHAIN, EXPIRED_KEY));
    let err = handshake(&mut c, &mut s).unwrap_err();
    assert!(err.to_string().contains("certificate has expired"), "{err}");
    assert_eq!(c.verify_result(), 10);
}
