//! Both ends of a TLS session in memory, for the core's unit tests and for `tests/web.rs`,
//! which includes this file by path. It names the crate `rustls_ssl` (see lib.rs) so the same
//! text compiles in both places.
#![allow(dead_code)] // each includer uses its own subset

use rustls_ssl::ssl::constants::method;
use rustls_ssl::ssl::pkey::PKey;
use rustls_ssl::ssl::{pem, Connection, Context, Error};

pub(crate) const CHAIN: &[u8] = include_bytes!("../../js-tests/fixtures/server-ecdsa-chain.pem");
pub(crate) const KEY: &[u8] = include_bytes!("../../js-tests/fixtures/server-ecdsa.key");
pub(crate) const CA: &[u8] = include_bytes!("../../js-tests/fixtures/ca.pem");
pub(crate) const EXPIRED_CHAIN: &[u8] = include_bytes!("../../js-tests/fixtures/expired-chain.pem");
pub(crate) const EXPIRED_KEY: &[u8] = include_bytes!("../../js-tests/fixtures/expired.key");

/// Hex to bytes, ignoring whitespace and colons (as test vectors are printed).
pub(crate) fn unhex(s: &str) -> Vec<u8> {
    let s: String = s.split(|c: char| c == ':' || c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

pub(crate) fn server_with(chain: &[u8], key: &[u8]) -> Connection {
    let mut ctx = Context::new(method::TLS_SERVER).unwrap();
    ctx.settings
        .set_certificate_chain(pem::certificates(chain).unwrap())
        .unwrap();
    ctx.settings
        .set_private_key(PKey::from_pem(key, None).unwrap())
        .unwrap();
    Connection::new(ctx.snapshot())
}

/// A client trusting the test CA, for host "localhost", with `options` set.
pub(crate) fn client(options: u32) -> Connection {
    let mut ctx = Context::new(method::TLS_CLIENT).unwrap();
    ctx.load_verify_data(CA).unwrap();
    ctx.set_options(options);
    let mut c = Connection::new(ctx.snapshot());
    c.set_host_name("localhost").unwrap();
    c
}

/// Moves all queued ciphertext from one end to the other.
pub(crate) fn pump(from: &mut Connection, to: &mut Connection) {
    while let Ok(out) = from.bio_read(usize::MAX) {
        to.bio_write(&out);
    }
}

/// Drives both handshakes; the first error other than WantRead ends it.
pub(crate) fn handshake(c: &mut Connection, s: &mut Connection) -> Result<(), Error> {
    for _ in 0..10 {
        let rc = c.do_handshake();
        pump(c, s);
        let rs = s.do_handshake();
        pump(s, c);
        match (rc, rs) {
            (Ok(()), Ok(())) => return Ok(()),
            (Err(e), _) | (_, Err(e)) if e != Error::WantRead => return Err(e),
            _ => {}
        }
    }
    Err(Error::WantRead)
}
