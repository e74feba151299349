//! The core in a real browser (headless Chromium through `wasm-pack test --headless --chrome`):
//! ring's wasm32 build, entropy from `crypto.getRandomValues`, and certificate time checks
//! from `Date.now()` all have to work there, or no page can do TLS.
#![cfg(target_arch = "wasm32")]
// wasm_bindgen_test functions are not `#[test]`s to clippy: a failing unwrap is the point here.
#![allow(clippy::unwrap_used)]

use wasm_bindgen_test::*;

#[path = "../src/ssl/test_support.rs"]
mod test_support;
use test_support::{client, handshake, pump, server_with, CHAIN, EXPIRED_CHAIN, EXPIRED_KEY, KEY};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn verified_tls13_handshake_in_the_browser() {
    let (mut c, mut s) = (client(0), server_with(CHAIN, KEY));
    handshake(&mut c, &mut s).unwrap();
    assert_eq!(c.protocol_version_name(), "TLSv1.3");
    assert_eq!(c.verify_result(), 0);
    assert_eq!(c.write(b"over the page").unwrap(), 13);
    pump(&mut c, &mut s);
    assert_eq!(s.read(100, false).unwrap(), b"over the page");
}

#[wasm_bindgen_test]
fn the_browser_clock_rejects_an_expired_certificate() {
    let (mut c, mut s) = (client(0), server_with(EXPIRED_CHAIN, EXPIRED_KEY));
    let err = handshake(&mut c, &mut s).unwrap_err();
    assert!(err.to_string().contains("certificate has expired"), "{err}");
    assert_eq!(c.verify_result(), 10);
}
