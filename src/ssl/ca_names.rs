//! The certificate authority names a server asked a client for: the `certificate_authorities`
//! of its CertificateRequest (TLS 1.2 and 1.3), which pyOpenSSL's client-side
//! `get_client_ca_list()` returns so a program can pick a certificate. rustls shows them only
//! to the client certificate resolver, so each client connection's own resolver is wrapped in
//! one that writes them down before answering.

use std::sync::{Arc, Mutex};

use rustls::client::ResolvesClientCert;
use rustls::sign::CertifiedKey;
use rustls::SignatureScheme;

use crate::ssl::session::lock;

/// The names received, DER `Name`s in the server's order; empty until a CertificateRequest
/// arrives (and on a connection that resumed, since no certificate is requested then).
#[derive(Debug, Clone, Default)]
pub struct ReceivedCaNames(Arc<Mutex<Vec<Vec<u8>>>>);

impl ReceivedCaNames {
    pub fn get(&self) -> Vec<Vec<u8>> {
        lock(&self.0).clone()
    }

    fn set(&self, names: &[&[u8]]) {
        // Replaced, not appended: only the latest request is what the server asks now. The
        // total is bounded by the handshake message that carried them.
        *lock(&self.0) = names.iter().map(|n| n.to_vec()).collect();
    }
}

/// `inner`, with what it is shown written to `slot` first.
pub(crate) struct Recording {
    inner: Arc<dyn ResolvesClientCert>,
    slot: ReceivedCaNames,
}

opaque_debug!(Recording);

impl Recording {
    pub(crate) fn new(inner: Arc<dyn ResolvesClientCert>, slot: ReceivedCaNames) -> Arc<Self> {
        Arc::new(Self { inner, slot })
    }
}

impl ResolvesClientCert for Recording {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.slot.set(root_hint_subjects);
        self.inner.resolve(root_hint_subjects, sigschemes)
    }

    fn only_raw_public_keys(&self) -> bool {
        self.inner.only_raw_public_keys()
    }

    fn has_certs(&self) -> bool {
        self.inner.has_certs()
    }
}

#[cfg(test)]
mod tests {
    use crate::ssl::connection::Connection;
    use crate::ssl::constants::{method, verify};
    use crate::ssl::context::Context;
    use crate::ssl::test_support::{handshake, pump, CA, CHAIN, KEY};
    use crate::ssl::x509::X509;

    const UNTRUSTED_CA: &[u8] = include_bytes!("../../js-tests/fixtures/untrusted-ca.pem");
    const CLIENT_CHAIN: &[u8] = include_bytes!("../../js-tests/fixtures/client-chain.pem");
    const CLIENT_KEY: &[u8] = include_bytes!("../../js-tests/fixtures/client.key");

    fn subject(pem: &[u8]) -> Vec<u8> {
        X509::from_pem(pem).unwrap().subject().der
    }

    fn server(names: Vec<Vec<u8>>, mode: u32, tls12: bool) -> Connection {
        let mut ctx = Context::new(if tls12 {
            method::TLSV1_2
        } else {
            method::TLS_SERVER
        })
        .unwrap();
        ctx.settings
            .set_certificate_chain(crate::ssl::pem::certificates(CHAIN).unwrap())
            .unwrap();
        ctx.settings
            .set_private_key(crate::ssl::pkey::PKey::from_pem(KEY, None).unwrap())
            .unwrap();
        ctx.load_verify_data(CA).unwrap();
        ctx.settings.set_verify(mode).unwrap();
        ctx.set_client_ca_list(names);
        let mut s = Connection::new(ctx.snapshot());
        s.set_accept_state();
        s
    }

    fn client(with_cert: bool) -> Connection {
        client_of(&client_ctx(with_cert))
    }

    fn client_of(ctx: &Context) -> Connection {
        let mut c = Connection::new(ctx.snapshot());
        c.set_host_name("localhost").unwrap();
        c
    }

    fn client_ctx(with_cert: bool) -> Context {
        let mut ctx = Context::new(method::TLS_CLIENT).unwrap();
        ctx.load_verify_data(CA).unwrap();
        if with_cert {
            ctx.settings
                .set_certificate_chain(crate::ssl::pem::certificates(CLIENT_CHAIN).unwrap())
                .unwrap();
            ctx.settings
                .set_private_key(crate::ssl::pkey::PKey::from_pem(CLIENT_KEY, None).unwrap())
                .unwrap();
        }
        ctx
    }

    #[test]
    fn a_client_sees_the_names_in_the_servers_order() {
        let names = vec![subject(UNTRUSTED_CA), subject(CA)];
        for tls12 in [false, true] {
            for with_cert in [false, true] {
                let mut c = client(with_cert);
                let mut s = server(names.clone(), verify::PEER, tls12);
                assert!(c.received_ca_names().is_empty());
                handshake(&mut c, &mut s).unwrap();
                assert_eq!(c.received_ca_names(), names, "tls12={tls12} cert={with_cert}");
                assert_eq!(s.peer_certificates().is_some(), with_cert);
            }
        }
    }

    #[test]
    fn names_land_in_the_connection_that_heard_them_across_a_line_of_sessions() {
        let first = vec![subject(CA)];
        let ctx = client_ctx(true);
        let mut c1 = client_of(&ctx);
        let mut s1 = server(first.clone(), verify::PEER, false);
        handshake(&mut c1, &mut s1).unwrap();
        s1.write(b"x").unwrap();
        pump(&mut s1, &mut c1);
        assert_eq!(c1.read(1, false).unwrap(), b"x");
        let session = c1.session().unwrap();

        // A server that does not know the session: a full handshake through the session's
        // lineage, whose certificate request is this connection's alone.
        let second = vec![subject(UNTRUSTED_CA), subject(CA)];
        let mut c2 = client_of(&ctx);
        c2.set_session(session).unwrap();
        handshake(&mut c2, &mut server(second.clone(), verify::PEER, false)).unwrap();
        assert!(!c2.is_session_reused());
        assert_eq!(c2.received_ca_names(), second);
        assert_eq!(c1.received_ca_names(), first);
    }

    #[test]
    fn nothing_when_no_certificate_is_requested() {
        let mut c = client(true);
        let mut s = server(vec![subject(CA)], verify::NONE, false);
        handshake(&mut c, &mut s).unwrap();
        s.write(b"x").unwrap();
        pump(&mut s, &mut c);
        assert!(c.received_ca_names().is_empty());
    }
}
