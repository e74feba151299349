//! What the JS-facing setters hand to the core, on arbitrary arguments: TLS 1.3 suite lists,
//! group lists, cipher strings, ALPN lists, server names, session ids, verify modes, version
//! bounds and options, on both ends. Then the two ends try a handshake with what they were
//! given: if both finish, they must agree on the version, suite and ALPN protocol, and the
//! protocol must be one both offered.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustls_ssl::ssl::constants::{method, verify, version};
use rustls_ssl::ssl::{Connection, Context};
use rustls_ssl_fuzz::loaders::server_key;
use rustls_ssl_fuzz::{Cursor, CA, SERVER_CHAIN};

fn text<'a>(c: &mut Cursor<'a>) -> std::borrow::Cow<'a, str> {
    let n = usize::from(c.u8());
    String::from_utf8_lossy(c.bytes(n))
}

fn proto_version(c: &mut Cursor<'_>) -> u32 {
    let raw = c.u16();
    match raw % 8 {
        0 => 0,
        1..=5 => version::SSL3 + u32::from(raw % 8) - 1,
        _ => u32::from(raw >> 3),
    }
}

/// The settings one end takes from the input, applied the way the binding's setters do.
fn configure(ctx: &mut Context, c: &mut Cursor<'_>) -> Vec<Vec<u8>> {
    let _ = ctx.set_cipher_list(&text(c));
    let _ = ctx.set_tls13_ciphersuites(&text(c));
    let _ = ctx.set_groups(&text(c));
    let n = usize::from(c.u8());
    let alpn: Vec<Vec<u8>> = c.bytes(n).split(|&b| b == b',').map(<[u8]>::to_vec).collect();
    let alpn_ok = ctx.settings.set_alpn_protos(alpn.clone()).is_ok();
    let n = usize::from(c.u8() % 40);
    let _ = ctx.set_session_id(c.bytes(n));
    let _ = ctx.set_min_proto_version(proto_version(c));
    let _ = ctx.set_max_proto_version(proto_version(c));
    let options = u32::from(c.u16()) << 16 | u32::from(c.u16());
    ctx.set_options(options);
    if alpn_ok {
        alpn
    } else {
        Vec::new()
    }
}

fuzz_target!(|data: &[u8]| {
    let mut c = Cursor::new(data);
    let flags = c.u8();
    let m = if flags & 1 != 0 {
        method::TLSV1_2
    } else {
        method::TLS
    };
    let (Ok(mut client_ctx), Ok(mut server_ctx)) = (Context::new(m), Context::new(m)) else {
        return;
    };
    let _ = client_ctx.load_verify_data(CA);
    if flags & 2 != 0 {
        let _ = client_ctx.settings.set_verify(verify::NONE);
    }
    let _ = server_ctx.settings.set_verify(u32::from(c.u8()) & !verify::PEER);
    let chain = rustls_ssl::ssl::pem::certificates(SERVER_CHAIN).expect("fixture chain");
    server_ctx
        .settings
        .set_certificate_chain(chain)
        .expect("fixture chain");
    server_ctx
        .settings
        .set_private_key(server_key())
        .expect("fixture key");
    let client_alpn = configure(&mut client_ctx, &mut c);
    let server_alpn = configure(&mut server_ctx, &mut c);

    let mut client = Connection::new(client_ctx.snapshot());
    client.set_connect_state();
    let name = text(&mut c);
    if client.set_host_name(&name).is_ok() {
        assert_eq!(client.host_name(), Some(&*name));
    } else {
        client.set_host_name("localhost").expect("a valid name");
    }
    let mut server = Connection::new(server_ctx.snapshot());
    server.set_accept_state();

    for _ in 0..4 {
        let _ = client.do_handshake();
        while let Ok(out) = client.bio_read(usize::MAX) {
            server.bio_write(&out);
        }
        let _ = server.do_handshake();
        while let Ok(out) = server.bio_read(usize::MAX) {
            client.bio_write(&out);
        }
    }
    if client.is_handshake_done() && server.is_handshake_done() {
        assert_eq!(client.protocol_version(), server.protocol_version());
        assert_eq!(client.cipher_name(), server.cipher_name());
        let alpn = client.alpn_protocol();
        assert_eq!(alpn, server.alpn_protocol());
        if !alpn.is_empty() {
            assert!(
                client_alpn.contains(&alpn) && server_alpn.contains(&alpn),
                "ALPN {alpn:?}"
            );
        }
    }
});
