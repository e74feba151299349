//! The server's pause on the ClientHello. rustls's `Acceptor` reads the ClientHello before
//! any configuration is fixed, so the servername and ALPN select callbacks can look at it and
//! switch the Context (`conn.setContext`) before the handshake goes on, as OpenSSL's
//! client-hello and servername callbacks can.
//!
//! The pause is a state of this stage, not an error: while [`Stage::client_hello`] answers,
//! the binding runs the callbacks outside any borrow of the connection and then calls
//! `Connection::resume_accept`.

use std::collections::VecDeque;
use std::sync::Arc;

use rustls::server::{Accepted, Acceptor};
use rustls::{AlertDescription, ServerConfig, ServerConnection};

/// What the server callbacks get to see of the ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHelloInfo {
    pub server_name: Option<String>,
    pub alpn: Vec<Vec<u8>>,
}

/// What a server does about ALPN once its callbacks have seen the ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlpnChoice {
    /// The settings' list, in the server's order of preference.
    Default,
    Select(Vec<u8>),
    /// Go on without ALPN (`NO_OVERLAPPING_PROTOCOLS`).
    NoOverlap,
    /// Abort the handshake with a no_application_protocol alert.
    Refuse,
}

/// Where reading the ClientHello got to.
pub enum Polled {
    /// The ClientHello is not complete yet.
    NeedMore,
    /// The ClientHello is in and the callbacks must run before the handshake goes on.
    Paused,
    /// No callbacks to run: the handshake goes on with this connection.
    Connection(Box<ServerConnection>),
}

pub struct Stage {
    acceptor: Acceptor,
    accepted: Option<Accepted>,
    /// Built when the server starts, so a missing certificate is reported at once; used as
    /// is unless the callbacks replace the settings.
    config: Arc<ServerConfig>,
    /// The first bytes of the stream, up to the ClientHello's legacy_version (see
    /// `diagnose`).
    head: Vec<u8>,
}

/// Record header (5) + handshake header (4) + legacy_version (2).
const HEAD_LEN: usize = 11;

impl Stage {
    pub fn new(config: Arc<ServerConfig>) -> Self {
        Self {
            acceptor: Acceptor::default(),
            accepted: None,
            config,
            head: Vec::with_capacity(HEAD_LEN),
        }
    }

    pub fn config(&self) -> &Arc<ServerConfig> {
        &self.config
    }

    pub fn is_paused(&self) -> bool {
        self.accepted.is_some()
    }

    /// Reads queued ciphertext into the Acceptor. With `pause`, it stops once the ClientHello
    /// is in; otherwise it goes straight on with the config built at start. A failure leaves
    /// its alert in `outgoing`: every fatal error sends one.
    pub fn poll(
        &mut self,
        incoming: &mut VecDeque<u8>,
        outgoing: &mut VecDeque<u8>,
        pause: bool,
    ) -> Result<Polled, rustls::Error> {
        if self.accepted.is_some() {
            return Ok(Polled::Paused);
        }
        while !incoming.is_empty() {
            let before = incoming.len();
            let wanted: Vec<u8> = incoming
                .iter()
                .take(HEAD_LEN.saturating_sub(self.head.len()))
                .copied()
                .collect();
            let read = self.acceptor.read_tls(incoming);
            let taken = before.saturating_sub(incoming.len());
            self.head.extend(wanted.iter().take(taken));
            if let Err(e) = read {
                let e = rustls::Error::General(format!("record layer failure: {e}"));
                send_plaintext_alert(outgoing, AlertDescription::InternalError);
                return Err(e);
            }
            match self.acceptor.accept() {
                Ok(None) => {}
                Ok(Some(accepted)) if pause => {
                    self.accepted = Some(accepted);
                    return Ok(Polled::Paused);
                }
                Ok(Some(accepted)) => {
                    let config = self.config.clone();
                    return finish(accepted, config, outgoing).map(|c| Polled::Connection(Box::new(c)));
                }
                Err((e, mut alert)) => {
                    let before = outgoing.len();
                    let _ = alert.write_all(outgoing);
                    if outgoing.len() == before {
                        // rustls sends nothing when the first record is not a handshake
                        // record at all; a peer (and a TLS test suite) expects an alert.
                        send_plaintext_alert(outgoing, alert_for(&e));
                    }
                    return Err(self.diagnose(e));
                }
            }
        }
        Ok(Polled::NeedMore)
    }

    /// rustls checks for a signature_algorithms extension before it looks at versions, so a
    /// TLS 1.0/1.1 client (whose ClientHello has none) is refused as lacking it. OpenSSL
    /// reports that client as "unsupported protocol"; so does this, from the ClientHello's
    /// legacy_version (below 1.2 is a client that offers nothing newer: a TLS 1.3 client
    /// always writes 1.2 there). The alert already sent stays rustls's handshake_failure.
    fn diagnose(&self, e: rustls::Error) -> rustls::Error {
        use rustls::{Error as E, PeerIncompatible as PI};
        let is_client_hello = self.head.first() == Some(&0x16) && self.head.get(5) == Some(&0x01);
        let legacy_version = match (self.head.get(9), self.head.get(10)) {
            (Some(&hi), Some(&lo)) if is_client_hello => u16::from_be_bytes([hi, lo]),
            _ => return e,
        };
        match e {
            E::PeerIncompatible(PI::SignatureAlgorithmsExtensionRequired) if legacy_version < 0x0303 => {
                E::PeerIncompatible(PI::Tls12NotOffered)
            }
            e => e,
        }
    }

    /// The ClientHello the callbacks are looking at, while paused.
    pub fn client_hello(&self) -> Option<ClientHelloInfo> {
        let hello = self.accepted.as_ref()?.client_hello();
        Some(ClientHelloInfo {
            server_name: hello.server_name().map(str::to_string),
            alpn: hello
                .alpn()
                .map(|a| a.map(<[u8]>::to_vec).collect())
                .unwrap_or_default(),
        })
    }

    /// Goes on after the callbacks, with `config` (the one built at start, or a new one when
    /// the callbacks switched the Context) and their ALPN answer.
    pub fn resume(
        &mut self,
        config: Arc<ServerConfig>,
        alpn: AlpnChoice,
        outgoing: &mut VecDeque<u8>,
    ) -> Result<Option<ServerConnection>, rustls::Error> {
        let Some(accepted) = self.accepted.take() else {
            return Ok(None);
        };
        let config = match alpn {
            AlpnChoice::Default => config,
            other => {
                let mut c = (*config).clone();
                c.alpn_protocols = match other {
                    AlpnChoice::Select(p) => vec![p],
                    AlpnChoice::NoOverlap => Vec::new(),
                    // No client offers an empty protocol name, so rustls finds no overlap
                    // and sends no_application_protocol, as OpenSSL does for this answer.
                    _ => vec![Vec::new()],
                };
                Arc::new(c)
            }
        };
        finish(accepted, config, outgoing).map(Some)
    }

    /// A callback failed while the ClientHello waited: the handshake is over. Nothing is
    /// encrypted yet, so a plaintext alert record is what the client expects: fatal
    /// internal_error, as OpenSSL sends when a callback fails.
    pub fn abort(&mut self, outgoing: &mut VecDeque<u8>) {
        if self.accepted.take().is_some() {
            send_plaintext_alert(outgoing, AlertDescription::InternalError);
        }
    }
}

fn finish(
    accepted: Accepted,
    config: Arc<ServerConfig>,
    outgoing: &mut VecDeque<u8>,
) -> Result<ServerConnection, rustls::Error> {
    accepted.into_connection(config).map_err(|(e, mut alert)| {
        let before = outgoing.len();
        let _ = alert.write_all(outgoing);
        if outgoing.len() == before {
            send_plaintext_alert(outgoing, alert_for(&e));
        }
        e
    })
}

/// The alert rustls would send for `e`, for the failures where the Acceptor sends none.
fn alert_for(e: &rustls::Error) -> AlertDescription {
    use rustls::Error as E;
    match e {
        E::InappropriateMessage { .. } | E::InappropriateHandshakeMessage { .. } => {
            AlertDescription::UnexpectedMessage
        }
        E::InvalidMessage(_) => AlertDescription::DecodeError,
        E::PeerIncompatible(_) => AlertDescription::HandshakeFailure,
        E::PeerMisbehaved(_) => AlertDescription::IllegalParameter,
        _ => AlertDescription::InternalError,
    }
}

/// An unencrypted fatal alert record (TLS 1.2 framing, as before any keys exist).
fn send_plaintext_alert(outgoing: &mut VecDeque<u8>, alert: AlertDescription) {
    const FATAL: u8 = 2;
    outgoing.extend([0x15, 0x03, 0x03, 0x00, 0x02, FATAL, u8::from(alert)]);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A TLS 1.1 ClientHello as `openssl s_client -tls1_1` writes it in essence: version
    /// 0x0302, one CBC suite, no extensions (so no signature_algorithms).
    fn tls11_client_hello() -> Vec<u8> {
        let mut body = vec![0x03, 0x02];
        body.extend([0x11; 32]);
        body.extend([0x00, 0x00, 0x02, 0xc0, 0x13, 0x01, 0x00]);
        let mut hs = vec![0x01, 0x00, 0x00, u8::try_from(body.len()).unwrap()];
        hs.extend(body);
        let mut rec = vec![0x16, 0x03, 0x01, 0x00, u8::try_from(hs.len()).unwrap()];
        rec.extend(hs);
        rec
    }

    fn stage() -> Stage {
        let server = crate::ssl::test_support::server_with(
            crate::ssl::test_support::CHAIN,
            crate::ssl::test_support::KEY,
        );
        let (config, _) =
            crate::ssl::config::server(server.settings(), &Default::default(), None, None).unwrap();
        Stage::new(Arc::new(config))
    }

    #[test]
    fn a_tls11_client_hello_is_an_unsupported_protocol_in_any_fragmentation() {
        let hello = tls11_client_hello();
        for split in [hello.len(), 1, 3, 5, 9, 10, 11, 12] {
            let mut stage = stage();
            let mut outgoing = VecDeque::new();
            let mut result = Ok(Polled::NeedMore);
            for piece in hello.chunks(split) {
                let mut incoming: VecDeque<u8> = piece.iter().copied().collect();
                result = stage.poll(&mut incoming, &mut outgoing, false);
                if result.is_err() {
                    break;
                }
            }
            let Err(e) = result else {
                panic!("split {split}: not refused")
            };
            assert_eq!(
                e,
                rustls::Error::PeerIncompatible(rustls::PeerIncompatible::Tls12NotOffered),
                "split {split}"
            );
            // The alert is rustls's own: handshake_failure, not protocol_version.
            let alert: Vec<u8> = outgoing.into_iter().collect();
            assert_eq!(alert.get(5..7), Some(&[2u8, 40][..]), "split {split}");
        }
    }

    #[test]
    fn a_tls12_client_hello_without_signature_algorithms_says_so() {
        let mut hello = tls11_client_hello();
        hello[10] = 0x03; // legacy_version 1.2
        let mut stage = stage();
        let mut incoming: VecDeque<u8> = hello.into_iter().collect();
        let Err(e) = stage.poll(&mut incoming, &mut VecDeque::new(), false) else {
            panic!("not refused")
        };
        assert_eq!(
            e,
            rustls::Error::PeerIncompatible(rustls::PeerIncompatible::SignatureAlgorithmsExtensionRequired)
        );
    }

    #[test]
    fn a_first_record_that_is_not_a_client_hello_gets_unexpected_message() {
        let server = crate::ssl::test_support::server_with(
            crate::ssl::test_support::CHAIN,
            crate::ssl::test_support::KEY,
        );
        let (config, _) =
            crate::ssl::config::server(server.settings(), &Default::default(), None, None).unwrap();
        let config = Arc::new(config);
        // A handshake record carrying Finished (type 20), a ChangeCipherSpec record, and an
        // application_data record: none is a ClientHello.
        for first in [
            &[0x16, 0x03, 0x03, 0x00, 0x04, 0x14, 0x00, 0x00, 0x00][..],
            &[0x14, 0x03, 0x03, 0x00, 0x01, 0x01][..],
            &[0x17, 0x03, 0x03, 0x00, 0x03, 0x01, 0x02, 0x03][..],
        ] {
            let mut stage = Stage::new(config.clone());
            let mut incoming: VecDeque<u8> = first.iter().copied().collect();
            let mut outgoing = VecDeque::new();
            assert!(stage.poll(&mut incoming, &mut outgoing, false).is_err());
            let alert: Vec<u8> = outgoing.into_iter().collect();
            assert_eq!(alert.first(), Some(&0x15), "an alert record for {first:02x?}");
            assert_eq!(
                alert.get(5..7),
                Some(&[2u8, 10][..]),
                "fatal unexpected_message for {first:02x?}"
            );
        }
    }
}
