//! The connection state machine: ciphertext queues on one side, plaintext on the other, and
//! OpenSSL's vocabulary (Want*, ZeroReturn, SysCall, two-step shutdown, sticky fatal errors)
//! on top of rustls. It does no I/O: in memory-BIO mode the user moves the ciphertext, in
//! transport mode the binding pumps it through JS callbacks.

use std::collections::VecDeque;
use std::io::{self, Read, Write};
use std::sync::Arc;

use rustls::server::{Accepted, Acceptor};
use rustls::{ClientConnection, HandshakeKind, KeyLog, ServerConfig};
use rustls_pki_types::{CertificateDer, ServerName};

use crate::ssl::cipher_list;
use crate::ssl::config;
use crate::ssl::constants::{info, shutdown};
use crate::ssl::context::{Role, Settings};
use crate::ssl::error::{Error, Result};
use crate::ssl::pkey::PKey;
use crate::ssl::server_sessions::PartitionedStore;
use crate::ssl::session::{ConnectionStore, Session};
use crate::ssl::verify::{read_outcome, SharedOutcome, VerifyHook, CALLBACK_RAISED};
use crate::ssl::verify_code::VerifyCode;
use crate::ssl::x509::X509;

/// At most one TLS record of plaintext per `send`, as OpenSSL in partial-write mode.
pub const MAX_RECORD_PLAINTEXT: usize = 16 * 1024;

/// The name a client uses internally when the user gave none: with SNI off it never goes on
/// the wire, and verification fails before it could matter (no name → verify result 62).
const NO_SERVER_NAME: &str = "no-server-name.invalid";

/// An unencrypted TLS 1.2-framed alert record: level fatal (2), internal_error (80).
const INTERNAL_ERROR_ALERT: [u8; 7] = [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x50];

pub struct Connection {
    settings: Settings,
    role: Option<Role>,
    host: Option<(String, ServerName<'static>)>,
    tls: Option<rustls::Connection>,
    /// Ciphertext from the peer that rustls has not taken yet.
    incoming: VecDeque<u8>,
    /// Ciphertext for the peer, in order, until the transport or `bioRead` takes it.
    outgoing: VecDeque<u8>,
    /// Decrypted data not yet returned (kept here so MSG_PEEK and `pending()` can see it).
    plaintext: VecDeque<u8>,
    /// The incoming stream has ended (transport EOF or `bioShutdown`).
    incoming_eof: bool,
    eof_given_to_tls: bool,
    /// rustls reported end of stream without close_notify.
    truncated: bool,
    shutdown_bits: u32,
    fatal: Option<Error>,
    outcome: SharedOutcome,
    wanted_read: bool,
    verify_hook: Option<Arc<dyn VerifyHook>>,
    /// Server side until the ClientHello is in: rustls's Acceptor, so that the servername
    /// and ALPN callbacks can run (and switch the Context) before the config is fixed.
    accepting: Option<Acceptor>,
    /// The ClientHello, waiting for the user's callbacks (`Error::ClientHelloReady`).
    hello: Option<Accepted>,
    /// Built when the server starts, so a missing certificate is reported at once; rebuilt
    /// only if the callbacks change the settings.
    server_config: Option<Arc<ServerConfig>>,
    settings_replaced: bool,
    key_log: Option<Arc<dyn KeyLog>>,
    /// Info-callback events (`where`, `ret`) not yet delivered: rustls has no state-machine
    /// hook, so the start and the end of the handshake are reported from here.
    info_events: Vec<(u32, i32)>,
    handshake_done_reported: bool,
    /// Client side: what `setSession` offered, then the store that captures new tickets.
    offered_session: Option<Session>,
    session_store: Option<Arc<ConnectionStore>>,
    /// Server side: this connection's partition of the Context's session cache.
    server_sessions: Option<Arc<PartitionedStore>>,
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

/// What the server callbacks get to see of the ClientHello.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientHelloInfo {
    pub server_name: Option<String>,
    pub alpn: Vec<Vec<u8>>,
}

impl Connection {
    pub fn new(settings: Settings) -> Self {
        Self {
            role: None,
            host: None,
            tls: None,
            incoming: VecDeque::new(),
            outgoing: VecDeque::new(),
            plaintext: VecDeque::new(),
            incoming_eof: false,
            eof_given_to_tls: false,
            truncated: false,
            shutdown_bits: 0,
            fatal: None,
            outcome: SharedOutcome::default(),
            wanted_read: false,
            verify_hook: None,
            accepting: None,
            hello: None,
            server_config: None,
            settings_replaced: false,
            key_log: None,
            info_events: Vec::new(),
            handshake_done_reported: false,
            offered_session: None,
            session_store: None,
            server_sessions: None,
            settings,
        }
    }

    // ---- roles and per-connection settings (effective until the handshake starts) ----

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    pub fn settings_mut(&mut self) -> &mut Settings {
        &mut self.settings
    }

    /// `setContext`: a new snapshot; only meaningful before the handshake starts.
    pub fn replace_settings(&mut self, settings: Settings) {
        self.settings = settings;
        self.settings_replaced = true;
    }

    pub fn set_connect_state(&mut self) {
        self.role = Some(Role::Client);
    }

    pub fn set_accept_state(&mut self) {
        self.role = Some(Role::Server);
    }

    pub fn role(&self) -> Option<Role> {
        self.role.or(self.settings.forced_role())
    }

    /// The name to send as SNI and to check the certificate against. An IP literal is
    /// checked against the certificate's IP addresses and sends no SNI.
    pub fn set_host_name(&mut self, name: &str) -> Result<()> {
        if name.contains('\0') {
            return Err(Error::Type("server name must not contain a NUL byte".into()));
        }
        let parsed = ServerName::try_from(name)
            .map_err(|_| Error::Range(format!("invalid server name: {name:?}")))?
            .to_owned();
        self.host = Some((name.to_string(), parsed));
        Ok(())
    }

    /// Offers a session from an earlier connection for resumption (before the handshake).
    pub fn set_session(&mut self, session: Session) -> Result<()> {
        if !session.belongs_to(&self.settings.shared) {
            return Err(Error::Range("the session was made with another Context".into()));
        }
        self.offered_session = Some(session);
        Ok(())
    }

    /// The client's session: available once the server's tickets have been read (in TLS 1.3
    /// they arrive after the handshake, so after the first `recv`).
    pub fn session(&self) -> Option<Session> {
        self.session_store.as_ref().and_then(|s| s.session())
    }

    /// Where NSS key-log lines go (the user's keylog callback, bound by the binding).
    pub fn set_key_log(&mut self, key_log: Option<Arc<dyn KeyLog>>) {
        self.key_log = key_log;
    }

    /// The info-callback events since the last call, oldest first.
    pub fn take_info_events(&mut self) -> Vec<(u32, i32)> {
        if !self.handshake_done_reported && self.is_handshake_done() {
            self.handshake_done_reported = true;
            self.info_events.push((info::HANDSHAKE_DONE, 1));
        }
        std::mem::take(&mut self.info_events)
    }

    /// The user's verify callback, bound to this connection by the binding. `None` removes it.
    pub fn set_verify_hook(&mut self, hook: Option<Arc<dyn VerifyHook>>) {
        self.verify_hook = hook;
    }

    pub fn use_certificate(&mut self, cert: X509) -> Result<()> {
        self.settings.set_certificate(cert)
    }

    pub fn use_private_key(&mut self, key: PKey) -> Result<()> {
        self.settings.set_private_key(key)
    }

    // ---- memory BIO ----

    /// Accepts any bytes; the next operation reports what was wrong with them.
    pub fn bio_write(&mut self, data: &[u8]) -> usize {
        self.incoming.extend(data);
        data.len()
    }

    pub fn bio_read(&mut self, max: usize) -> Result<Vec<u8>> {
        self.flush_tls();
        if self.outgoing.is_empty() {
            return Err(Error::WantRead);
        }
        let n = max.min(self.outgoing.len());
        Ok(self.outgoing.drain(..n).collect())
    }

    pub fn bio_shutdown(&mut self) {
        self.incoming_eof = true;
    }

    /// The queued ciphertext, for a transport to send from the front.
    pub fn outgoing(&mut self) -> &[u8] {
        self.flush_tls();
        self.outgoing.make_contiguous()
    }

    pub fn consume_outgoing(&mut self, n: usize) {
        let n = n.min(self.outgoing.len());
        self.outgoing.drain(..n);
    }

    pub fn has_outgoing(&mut self) -> bool {
        self.flush_tls();
        !self.outgoing.is_empty()
    }

    pub fn incoming_ended(&self) -> bool {
        self.incoming_eof
    }

    // ---- the operations ----

    pub fn do_handshake(&mut self) -> Result<()> {
        self.start()?;
        self.process()?;
        self.flush_tls();
        if self.is_handshake_done() {
            self.sessions_handshake_done();
            return Ok(());
        }
        Err(self.need_more(true))
    }

    /// Encrypts at most one record of `data`; returns how much it took.
    pub fn write(&mut self, data: &[u8]) -> Result<usize> {
        self.start()?;
        if self.shutdown_bits & shutdown::SENT != 0 {
            return Err(Error::ssl("protocol is shutdown"));
        }
        if !self.is_handshake_done() {
            self.do_handshake()?;
        }
        let chunk = data.get(..data.len().min(MAX_RECORD_PLAINTEXT)).unwrap_or(data);
        if chunk.is_empty() {
            return Ok(0);
        }
        let n = match self.tls.as_mut() {
            Some(tls) => tls
                .writer()
                .write(chunk)
                .map_err(|e| Error::ssl(format!("write failed: {e}")))?,
            None => 0,
        };
        self.flush_tls();
        Ok(n)
    }

    /// Up to `max` bytes of plaintext; with `peek`, they stay to be read again.
    pub fn read(&mut self, max: usize, peek: bool) -> Result<Vec<u8>> {
        // Plaintext that arrived before a fatal error is still delivered first.
        if self.plaintext.is_empty() {
            self.start()?;
            if !self.is_handshake_done() {
                self.do_handshake()?;
            }
            let processed = self.process();
            self.flush_tls();
            if self.plaintext.is_empty() {
                processed?;
            }
        }
        if !self.plaintext.is_empty() {
            let n = max.min(self.plaintext.len());
            return Ok(if peek {
                self.plaintext.iter().take(n).copied().collect()
            } else {
                self.plaintext.drain(..n).collect()
            });
        }
        if max == 0 {
            return Ok(Vec::new());
        }
        if self.shutdown_bits & shutdown::RECEIVED != 0 {
            return Err(Error::ZeroReturn);
        }
        Err(self.need_more(false))
    }

    /// OpenSSL's two-step shutdown: `false` once our close_notify is queued, `true` once the
    /// peer's has been received too.
    pub fn shutdown(&mut self) -> Result<bool> {
        if let Some(e) = &self.fatal {
            return Err(e.clone());
        }
        let Some(tls) = self.tls.as_mut() else {
            return Err(Error::ssl("shutdown while in init"));
        };
        if self.shutdown_bits & shutdown::SENT == 0 {
            tls.send_close_notify();
            self.shutdown_bits |= shutdown::SENT;
            self.flush_tls();
            // The peer's close_notify may already be waiting in the queue.
            self.process()?;
            return Ok(self.shutdown_bits & shutdown::RECEIVED != 0);
        }
        self.process()?;
        if self.shutdown_bits & shutdown::RECEIVED != 0 {
            return Ok(true);
        }
        Err(self.need_more(false))
    }

    // ---- internals ----

    fn start(&mut self) -> Result<()> {
        self.wanted_read = false;
        if let Some(e) = &self.fatal {
            return Err(e.clone());
        }
        if self.is_started() {
            return Ok(());
        }
        let role = self.role().ok_or_else(|| {
            Error::ssl("connection type not set: call setConnectState() or setAcceptState() first")
        })?;
        let side = match role {
            Role::Client => info::ST_CONNECT,
            Role::Server => info::ST_ACCEPT,
        };
        if let Some(forced) = self.settings.forced_role() {
            if forced != role {
                return Err(Error::ssl(match forced {
                    Role::Client => "wrong ssl method: a TLS_CLIENT_METHOD context cannot accept",
                    Role::Server => "wrong ssl method: a TLS_SERVER_METHOD context cannot connect",
                }));
            }
        }
        let tls: rustls::Connection = match role {
            Role::Client => {
                let name = self.host.as_ref().map(|(_, n)| n.clone());
                let sni_name = match &name {
                    Some(n) => n.clone(),
                    None => ServerName::try_from(NO_SERVER_NAME)
                        .map_err(|_| Error::ssl("internal: placeholder name"))?
                        .to_owned(),
                };
                let (config, store) = config::client(
                    &self.settings,
                    name.as_ref(),
                    &sni_name,
                    &self.outcome,
                    self.verify_hook.clone(),
                    self.key_log.clone(),
                    self.offered_session.clone(),
                )?;
                self.session_store = Some(store);
                ClientConnection::new(Arc::new(config), sni_name)?.into()
            }
            Role::Server => {
                let (config, sessions) = config::server(
                    &self.settings,
                    &self.outcome,
                    self.verify_hook.clone(),
                    self.key_log.clone(),
                )?;
                self.server_config = Some(Arc::new(config));
                self.server_sessions = sessions;
                self.info_events.push((info::HANDSHAKE_START | side, 1));
                self.settings_replaced = false;
                self.accepting = Some(Acceptor::default());
                return Ok(());
            }
        };
        self.tls = Some(tls);
        self.info_events.push((info::HANDSHAKE_START | side, 1));
        Ok(())
    }

    /// Reads the ClientHello into the Acceptor. With servername or ALPN select callbacks set,
    /// it stops there (`ClientHelloReady`) for the binding to run them outside any borrow;
    /// otherwise it goes straight on.
    fn accept(&mut self) -> Result<()> {
        let Some(acceptor) = self.accepting.as_mut() else {
            return Ok(());
        };
        while !self.incoming.is_empty() {
            match acceptor.read_tls(&mut self.incoming) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) => return Err(self.fail(Error::ssl(format!("record layer failure: {e}")))),
            }
            match acceptor.accept() {
                Ok(None) => continue,
                Ok(Some(accepted)) => {
                    self.accepting = None;
                    self.hello = Some(accepted);
                    if self.settings.alpn_select_callback.is_some()
                        || self.settings.servername_callback.is_some()
                    {
                        return Err(Error::ClientHelloReady);
                    }
                    return self.resume_accept(AlpnChoice::Default);
                }
                Err((e, mut alert)) => {
                    let _ = alert.write_all(&mut self.outgoing);
                    let e = self.map_tls_error(e);
                    return Err(self.fail(e));
                }
            }
        }
        Ok(())
    }

    /// The ClientHello the callbacks are looking at (server side, before `resume_accept`).
    pub fn client_hello(&self) -> Option<ClientHelloInfo> {
        let hello = self.hello.as_ref()?.client_hello();
        Some(ClientHelloInfo {
            server_name: hello.server_name().map(str::to_string),
            alpn: hello
                .alpn()
                .map(|a| a.map(<[u8]>::to_vec).collect())
                .unwrap_or_default(),
        })
    }

    /// Goes on with the handshake after the callbacks, with the settings as they now are.
    pub fn resume_accept(&mut self, alpn: AlpnChoice) -> Result<()> {
        let Some(hello) = self.hello.take() else {
            return Ok(());
        };
        let base = match self.server_config.take() {
            Some(c) if !self.settings_replaced => c,
            _ => {
                let (config, sessions) = config::server(
                    &self.settings,
                    &self.outcome,
                    self.verify_hook.clone(),
                    self.key_log.clone(),
                )?;
                self.server_sessions = sessions;
                Arc::new(config)
            }
        };
        let config = match alpn {
            AlpnChoice::Default => base,
            other => {
                let mut c = (*base).clone();
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
        match hello.into_connection(config) {
            Ok(conn) => {
                self.tls = Some(conn.into());
                Ok(())
            }
            Err((e, mut alert)) => {
                let _ = alert.write_all(&mut self.outgoing);
                let e = self.map_tls_error(e);
                Err(self.fail(e))
            }
        }
    }

    /// A callback failed while the ClientHello waited: the handshake is over.
    pub fn abort_accept(&mut self, e: Error) -> Error {
        if self.hello.take().is_some() {
            // Nothing is encrypted yet, so a plaintext alert record is what the client
            // expects: fatal internal_error, as OpenSSL sends when a callback fails.
            self.outgoing.extend(INTERNAL_ERROR_ALERT);
        }
        self.fail(e)
    }

    /// Feeds every buffered ciphertext byte (and a pending EOF) to rustls and collects the
    /// plaintext. A rustls error becomes the connection's sticky fatal error, with the alert
    /// for the peer left in the outgoing queue.
    fn process(&mut self) -> Result<()> {
        if let Some(e) = &self.fatal {
            return Err(e.clone());
        }
        if self.hello.is_some() {
            return Err(Error::ClientHelloReady);
        }
        self.accept()?;
        let Some(tls) = self.tls.as_mut() else {
            return Ok(());
        };
        loop {
            let mut fed = false;
            if !self.incoming.is_empty() {
                match tls.read_tls(&mut self.incoming) {
                    Ok(n) => fed = n > 0,
                    Err(e) => return Err(self.fail(Error::ssl(format!("record layer failure: {e}")))),
                }
            } else if self.incoming_eof && !self.eof_given_to_tls {
                self.eof_given_to_tls = true;
                fed = matches!(tls.read_tls(&mut io::empty()), Ok(0));
            }
            let result = tls.process_new_packets();
            drain_plaintext(
                tls,
                &mut self.plaintext,
                &mut self.shutdown_bits,
                &mut self.truncated,
            );
            if let Err(e) = result {
                let e = self.map_tls_error(e);
                return Err(self.fail(e));
            }
            if !fed {
                return Ok(());
            }
        }
    }

    fn fail(&mut self, e: Error) -> Error {
        // sessions: a failed client no longer holds its session's verifier.
        if let Some(store) = &self.session_store {
            store.release();
        }
        self.flush_tls();
        self.fatal = Some(e.clone());
        e
    }

    /// sessions: a resumed connection takes the verification recorded with its session;
    /// sessions made here are recorded with this one's (see session.rs, server_sessions.rs).
    fn sessions_handshake_done(&self) {
        let resumed = self.is_session_reused();
        if let Some(store) = &self.session_store {
            store.handshake_done(resumed);
        }
        if let Some(store) = &self.server_sessions {
            store.handshake_done(resumed);
        }
    }

    fn map_tls_error(&self, e: rustls::Error) -> Error {
        if matches!(&e, rustls::Error::General(m) if m == CALLBACK_RAISED) {
            return Error::CallbackFailed;
        }
        if matches!(e, rustls::Error::InvalidCertificate(_)) {
            let o = read_outcome(&self.outcome);
            if let Some(code) = o.code.filter(|c| *c != VerifyCode::OK) {
                return Error::Verify {
                    code,
                    detail: o.detail,
                };
            }
        }
        Error::Tls(e)
    }

    /// The error for "cannot go on without more input".
    fn need_more(&mut self, in_handshake: bool) -> Error {
        let ended = self.incoming_eof && self.incoming.is_empty();
        if ended || self.truncated {
            // A handshake cut short is never a clean close, whatever the options say.
            if !in_handshake && self.settings.ignores_unexpected_eof() {
                self.shutdown_bits |= shutdown::RECEIVED;
                return Error::ZeroReturn;
            }
            return Error::unexpected_eof();
        }
        self.wanted_read = true;
        Error::WantRead
    }

    fn flush_tls(&mut self) {
        if let Some(tls) = self.tls.as_mut() {
            while tls.wants_write() {
                match tls.write_tls(&mut self.outgoing) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
        }
    }

    // ---- state and parameters ----

    pub fn is_handshake_done(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| !t.is_handshaking())
    }

    pub fn is_started(&self) -> bool {
        self.tls.is_some() || self.accepting.is_some() || self.hello.is_some()
    }

    pub fn fatal_error(&self) -> Option<&Error> {
        self.fatal.as_ref()
    }

    pub fn pending(&self) -> usize {
        self.plaintext.len()
    }

    pub fn want_read(&self) -> bool {
        self.wanted_read
    }

    pub fn want_write(&self) -> bool {
        !self.outgoing.is_empty() || self.tls.as_ref().is_some_and(|t| t.wants_write())
    }

    pub fn shutdown_bits(&self) -> u32 {
        self.shutdown_bits
    }

    pub fn set_shutdown_bits(&mut self, bits: u32) {
        self.shutdown_bits = bits & (shutdown::SENT | shutdown::RECEIVED);
    }

    pub fn state_string(&self) -> &'static str {
        match (&self.tls, &self.fatal) {
            (_, Some(_)) => "error",
            (None, _) => "before SSL initialization",
            (Some(t), _) if t.is_handshaking() => match self.role() {
                Some(Role::Server) => "SSLv3/TLS read client hello",
                _ => "SSLv3/TLS write client hello",
            },
            (Some(_), _) => "SSL negotiation finished successfully",
        }
    }

    pub fn is_session_reused(&self) -> bool {
        self.tls.as_ref().and_then(|t| t.handshake_kind()) == Some(HandshakeKind::Resumed)
    }

    pub fn host_name(&self) -> Option<&str> {
        self.host.as_ref().map(|(s, _)| s.as_str())
    }

    /// The SNI the client sent (server side), or the name set (client side).
    pub fn server_name(&self) -> Option<String> {
        match &self.tls {
            Some(rustls::Connection::Server(s)) => s.server_name().map(str::to_string),
            _ if self.role() == Some(Role::Server) => self.client_hello().and_then(|h| h.server_name),
            _ => self.host.as_ref().map(|(s, _)| s.clone()),
        }
    }

    /// What the peer sent, leaf first; after a failed verification too, as OpenSSL.
    pub fn peer_certificates(&self) -> Option<Vec<CertificateDer<'static>>> {
        if let Some(certs) = self.tls.as_ref().and_then(|t| t.peer_certificates()) {
            return Some(certs.to_vec());
        }
        Some(read_outcome(&self.outcome).presented).filter(|p| !p.is_empty())
    }

    /// As OpenSSL: the leaf is part of the chain on the client side, not on the server side.
    pub fn peer_cert_chain(&self) -> Option<Vec<CertificateDer<'static>>> {
        let certs = self.peer_certificates()?;
        Some(match self.role() {
            Some(Role::Server) => certs.get(1..).unwrap_or_default().to_vec(),
            _ => certs,
        })
    }

    /// The chain that verification built, leaf first, ending with the trust anchor.
    pub fn verified_chain(&self) -> Option<Vec<CertificateDer<'static>>> {
        let o = read_outcome(&self.outcome);
        if o.code != Some(VerifyCode::OK) || o.verified_chain.is_empty() {
            return None;
        }
        let mut chain = o.verified_chain;
        let anchor = chain
            .last()
            .and_then(|top| X509::from_der(top.as_ref()).ok())
            .filter(|top| !top.is_self_issued())
            .and_then(|top| {
                let issuer = top.issuer().der;
                self.settings
                    .trust
                    .anchors
                    .iter()
                    .find(|a| X509::from_der(a.as_ref()).is_ok_and(|a| a.subject().der == issuer))
            })
            .cloned();
        chain.extend(anchor);
        Some(chain)
    }

    pub fn own_certificate(&self) -> Option<&CertificateDer<'static>> {
        self.settings.chain.first()
    }

    pub fn verify_result(&self) -> i32 {
        read_outcome(&self.outcome).code.unwrap_or(VerifyCode::OK).0
    }

    fn suite(&self) -> Option<rustls::SupportedCipherSuite> {
        self.tls
            .as_ref()
            .filter(|t| !t.is_handshaking())
            .and_then(|t| t.negotiated_cipher_suite())
    }

    pub fn cipher_name(&self) -> Option<String> {
        self.suite().map(|s| cipher_list::openssl_name(s.suite()))
    }

    pub fn cipher_bits(&self) -> Option<u32> {
        self.suite().map(|s| cipher_list::bits(s.suite()))
    }

    pub fn protocol_version(&self) -> Option<u16> {
        let v = self
            .tls
            .as_ref()
            .filter(|t| !t.is_handshaking())?
            .protocol_version()?;
        Some(u16::from(v))
    }

    pub fn protocol_version_name(&self) -> &'static str {
        match self.protocol_version() {
            Some(0x0304) => "TLSv1.3",
            Some(0x0303) => "TLSv1.2",
            _ => "Unknown",
        }
    }

    /// `SSL_CIPHER_get_version`: the protocol the suite belongs to.
    pub fn cipher_version(&self) -> Option<&'static str> {
        self.suite().map(|s| match s {
            rustls::SupportedCipherSuite::Tls13(_) => "TLSv1.3",
            rustls::SupportedCipherSuite::Tls12(_) => "TLSv1.2",
        })
    }

    pub fn cipher_list(&self) -> Vec<String> {
        cipher_list::cipher_list_names(&self.settings.cipher_suites())
    }

    pub fn group_name(&self) -> Option<String> {
        let t = self.tls.as_ref().filter(|t| !t.is_handshaking())?;
        t.negotiated_key_exchange_group()
            .map(|g| cipher_list::group_name(g.name()))
    }

    pub fn alpn_protocol(&self) -> Vec<u8> {
        self.tls
            .as_ref()
            .and_then(|t| t.alpn_protocol())
            .map(<[u8]>::to_vec)
            .unwrap_or_default()
    }

    pub fn export_keying_material(
        &self,
        label: &[u8],
        length: usize,
        context: Option<&[u8]>,
    ) -> Result<Vec<u8>> {
        /// RFC 5705 puts no bound, but an exporter longer than this is a bug, not a need.
        const MAX_EXPORT: usize = 16 * 1024;
        if length == 0 || length > MAX_EXPORT {
            return Err(Error::Range(format!(
                "keying material length must be 1 to {MAX_EXPORT}"
            )));
        }
        let tls = self
            .tls
            .as_ref()
            .filter(|t| !t.is_handshaking())
            .ok_or_else(|| Error::ssl("handshake not complete: no keying material yet"))?;
        tls.export_keying_material(vec![0u8; length], label, context)
            .map_err(Error::Tls)
    }
}

/// Moves all the plaintext rustls holds into `out`, noting close_notify and truncation.
fn drain_plaintext(
    tls: &mut rustls::Connection,
    out: &mut VecDeque<u8>,
    bits: &mut u32,
    truncated: &mut bool,
) {
    let mut buf = [0u8; 4096];
    loop {
        match tls.reader().read(&mut buf) {
            Ok(0) => {
                *bits |= shutdown::RECEIVED;
                return;
            }
            Ok(n) => out.extend(buf.get(..n).unwrap_or_default()),
            Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                *truncated = true;
                return;
            }
            Err(_) => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssl::constants::{method, op};
    use crate::ssl::context::Context;
    use crate::ssl::pem;
    use crate::ssl::test_support::{
        client, handshake, pump, server_with, CA, CHAIN, EXPIRED_CHAIN, EXPIRED_KEY, KEY,
    };

    #[test]
    fn handshake_data_and_two_step_shutdown() {
        let (mut c, mut s) = (client(0), server_with(CHAIN, KEY));
        handshake(&mut c, &mut s).unwrap();
        assert_eq!(c.protocol_version_name(), "TLSv1.3");
        assert_eq!(c.verify_result(), 0);
        assert_eq!(s.server_name().as_deref(), Some("localhost"));

        assert_eq!(c.write(&[7u8; 40_000]).unwrap(), MAX_RECORD_PLAINTEXT);
        pump(&mut c, &mut s);
        assert_eq!(s.read(10, true).unwrap(), vec![7u8; 10]);
        assert_eq!(s.pending(), MAX_RECORD_PLAINTEXT);
        assert_eq!(s.read(usize::MAX, false).unwrap().len(), MAX_RECORD_PLAINTEXT);
        assert_eq!(s.read(10, false), Err(Error::WantRead));

        assert!(!c.shutdown().unwrap());
        pump(&mut c, &mut s);
        assert_eq!(s.read(10, false), Err(Error::ZeroReturn));
        assert!(s.shutdown().unwrap());
        pump(&mut s, &mut c);
        assert!(c.shutdown().unwrap());
        assert_eq!(c.shutdown_bits(), shutdown::SENT | shutdown::RECEIVED);
    }

    #[test]
    fn eof_without_close_notify() {
        for (options, expected) in [
            (0, Error::unexpected_eof()),
            (op::IGNORE_UNEXPECTED_EOF, Error::ZeroReturn),
        ] {
            let (mut c, mut s) = (client(options), server_with(CHAIN, KEY));
            handshake(&mut c, &mut s).unwrap();
            c.bio_shutdown();
            assert_eq!(c.read(10, false), Err(expected));
        }
        // Before the handshake, EOF is never a clean close.
        let mut c = client(op::IGNORE_UNEXPECTED_EOF);
        c.bio_shutdown();
        assert_eq!(c.read(10, false), Err(Error::unexpected_eof()));
    }

    #[test]
    fn expired_certificate_is_code_10_and_sticky() {
        let (mut c, mut s) = (client(0), server_with(EXPIRED_CHAIN, EXPIRED_KEY));
        let err = handshake(&mut c, &mut s).unwrap_err();
        assert!(
            matches!(
                err,
                Error::Verify {
                    code: VerifyCode::ERR_CERT_HAS_EXPIRED,
                    ..
                }
            ),
            "{err:?}"
        );
        assert_eq!(c.verify_result(), 10);
        // The rejected certificate can still be inspected, as with OpenSSL.
        assert_eq!(c.peer_certificates().map(|p| p.len()), Some(2));
        assert_eq!(c.do_handshake(), Err(err.clone()));
        assert_eq!(c.read(1, false), Err(err));
    }

    #[test]
    fn client_hello_callbacks_pause_the_server_and_choose_alpn() {
        for (choice, expected) in [
            (AlpnChoice::Select(b"h2".to_vec()), Ok(b"h2".to_vec())),
            (AlpnChoice::NoOverlap, Ok(Vec::new())),
            (AlpnChoice::Default, Ok(b"http/1.1".to_vec())),
            (AlpnChoice::Refuse, Err(())),
        ] {
            let mut s = server_with(CHAIN, KEY);
            s.settings_mut().alpn = vec![b"http/1.1".to_vec()];
            // Any value stands for "a callback is set"; the binding stores JS functions here.
            s.settings_mut().alpn_select_callback = Some(Arc::new(()));
            let mut c = client(0);
            c.settings_mut().alpn = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            assert_eq!(c.do_handshake(), Err(Error::WantRead));
            pump(&mut c, &mut s);
            assert_eq!(s.do_handshake(), Err(Error::ClientHelloReady));
            let hello = s.client_hello().unwrap();
            assert_eq!(hello.server_name.as_deref(), Some("localhost"));
            assert_eq!(hello.alpn, vec![b"h2".to_vec(), b"http/1.1".to_vec()]);
            assert_eq!(s.server_name().as_deref(), Some("localhost"));
            match (s.resume_accept(choice), expected) {
                (Ok(()), Ok(alpn)) => {
                    handshake(&mut c, &mut s).unwrap();
                    assert_eq!(c.alpn_protocol(), alpn);
                }
                (Err(e), Err(())) => assert!(e.to_string().contains("no application protocol"), "{e}"),
                (r, _) => panic!("unexpected {r:?}"),
            }
        }
    }

    #[test]
    fn a_failed_callback_sends_a_fatal_alert() {
        let mut s = server_with(CHAIN, KEY);
        s.settings_mut().servername_callback = Some(Arc::new(()));
        let mut c = client(0);
        let _ = c.do_handshake();
        pump(&mut c, &mut s);
        assert_eq!(s.do_handshake(), Err(Error::ClientHelloReady));
        assert_eq!(s.abort_accept(Error::CallbackFailed), Error::CallbackFailed);
        assert_eq!(s.do_handshake(), Err(Error::CallbackFailed));
        pump(&mut s, &mut c);
        let err = c.do_handshake().unwrap_err();
        assert!(err.to_string().contains("internal error"), "{err}");
    }

    #[test]
    fn sessions_resume_on_tls13_and_tls12_and_stay_with_their_context() {
        for options in [0, op::NO_TLSV1_3] {
            let mut server_ctx = Context::new(method::TLS_SERVER).unwrap();
            server_ctx
                .settings
                .set_certificate_chain(pem::certificates(CHAIN).unwrap())
                .unwrap();
            server_ctx
                .settings
                .set_private_key(PKey::from_pem(KEY, None).unwrap())
                .unwrap();
            let mut client_ctx = Context::new(method::TLS_CLIENT).unwrap();
            client_ctx.load_verify_data(CA).unwrap();
            client_ctx.set_options(options);
            let new_pair = || {
                let mut c = Connection::new(client_ctx.snapshot());
                c.set_host_name("localhost").unwrap();
                (c, Connection::new(server_ctx.snapshot()))
            };

            let (mut c, mut s) = new_pair();
            handshake(&mut c, &mut s).unwrap();
            // TLS 1.3 tickets come after the handshake: the session exists once they are read.
            s.write(b"x").unwrap();
            pump(&mut s, &mut c);
            assert_eq!(c.read(1, false).unwrap(), b"x");
            let session = c.session().expect("a session after the first read");
            assert!(!c.is_session_reused());

            let (mut c2, mut s2) = new_pair();
            c2.set_session(session.clone()).unwrap();
            handshake(&mut c2, &mut s2).unwrap();
            assert!(c2.is_session_reused(), "options {options:#x}");
            assert!(s2.is_session_reused());

            let other = Context::new(method::TLS_CLIENT).unwrap();
            let mut stranger = Connection::new(other.snapshot());
            assert!(matches!(stranger.set_session(session), Err(Error::Range(_))));
        }
    }

    #[test]
    fn garbage_is_a_fatal_error_with_an_alert() {
        let mut s = server_with(CHAIN, KEY);
        s.bio_write(b"GET / HTTP/1.1\r\n\r\n");
        let err = s.do_handshake().unwrap_err();
        assert!(err.is_fatal(), "{err:?}");
        assert_eq!(s.do_handshake(), Err(err));
        assert!(s.bio_read(100).is_ok(), "an alert for the peer");
    }
}
