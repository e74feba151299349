//! The connection state machine: ciphertext queues on one side, plaintext on the other, and
//! OpenSSL's vocabulary (Want*, ZeroReturn, SysCall, two-step shutdown, sticky fatal errors)
//! on top of rustls. It does no I/O: in memory-BIO mode the user moves the ciphertext, in
//! transport mode the binding pumps it through JS callbacks.

use std::io::Write;
use std::sync::Arc;

use rustls::{ClientConnection, HandshakeKind, KeyLog, ServerConfig};
use rustls_pki_types::{CertificateDer, ServerName};

use crate::ssl::ca_names::ReceivedCaNames;
use crate::ssl::cipher_list;
use crate::ssl::config;
use crate::ssl::constants::{info, shutdown};
use crate::ssl::context::{Role, Settings};
use crate::ssl::error::{Error, Result};
use crate::ssl::hello::{self, Polled};
pub use crate::ssl::hello::{AlpnChoice, ClientHelloInfo};
use crate::ssl::pkey::PKey;
use crate::ssl::pump::{Direct, Input, ProcessError, Pump, PLAINTEXT_LIMIT};
use crate::ssl::server_sessions::PartitionedStore;
use crate::ssl::session::{ConnectionStore, Session};
use crate::ssl::verify::{is_callback_raised, read_outcome, SharedOutcome, VerifyHook};
use crate::ssl::verify_code::VerifyCode;
use crate::ssl::x509::X509;

/// At most one TLS record of plaintext per `send`, as OpenSSL in partial-write mode.
pub const MAX_RECORD_PLAINTEXT: usize = 16 * 1024;

/// The name a client uses internally when the user gave none: with SNI off it never goes on
/// the wire, and verification fails before it could matter (no name → verify result 62).
const NO_SERVER_NAME: &str = "no-server-name.invalid";

pub struct Connection {
    settings: Settings,
    role: Option<Role>,
    host: Option<(String, ServerName<'static>)>,
    pump: Pump,
    tls: Option<rustls::Connection>,
    /// Server side until the ClientHello is in (see `hello`).
    hello: Option<hello::Stage>,
    /// `setContext` was called: the server config built at start no longer applies.
    settings_replaced: bool,
    shutdown_bits: u32,
    fatal: Option<Error>,
    outcome: SharedOutcome,
    wanted_read: bool,
    verify_hook: Option<Arc<dyn VerifyHook>>,
    key_log: Option<Arc<dyn KeyLog>>,
    /// Info-callback events (`where`, `ret`) not yet delivered: rustls has no state-machine
    /// hook, so the start and the end of the handshake are reported from here.
    info_events: Vec<(u32, i32)>,
    handshake_done_reported: bool,
    /// Client side: what `setSession` offered, then the store that captures new tickets.
    offered_session: Option<Session>,
    session_store: Option<Arc<ConnectionStore>>,
    /// Client side: the CA names of the server's certificate request.
    ca_names: ReceivedCaNames,
    /// Server side: this connection's partition of the Context's session cache.
    server_sessions: Option<Arc<PartitionedStore>>,
}

impl Connection {
    pub fn new(settings: Settings) -> Self {
        Self {
            role: None,
            host: None,
            pump: Pump::default(),
            tls: None,
            hello: None,
            settings_replaced: false,
            shutdown_bits: 0,
            fatal: None,
            outcome: SharedOutcome::default(),
            wanted_read: false,
            verify_hook: None,
            key_log: None,
            info_events: Vec::new(),
            handshake_done_reported: false,
            offered_session: None,
            session_store: None,
            ca_names: ReceivedCaNames::default(),
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

    // ---- ciphertext: the memory BIO, and what a transport moves ----

    /// Accepts any bytes; the next operation reports what was wrong with them.
    pub fn bio_write(&mut self, data: &[u8]) -> usize {
        self.pump.push_incoming(data);
        data.len()
    }

    /// `bio_write` for bytes from outside: memory that cannot be had is a `RangeError`, never
    /// an abort.
    pub fn try_bio_write(&mut self, data: &[u8]) -> Result<usize> {
        self.pump
            .try_push_incoming(data)
            .map_err(|_| Error::Range(format!("{} bytes do not fit in memory now", data.len())))?;
        Ok(data.len())
    }

    /// `bio_write` of bytes already copied out of JS: into an empty queue they go without
    /// another copy.
    pub fn try_bio_write_owned(&mut self, data: Vec<u8>) -> Result<usize> {
        let n = data.len();
        self.pump
            .try_push_incoming_owned(data)
            .map_err(|_| Error::Range(format!("{n} bytes do not fit in memory now")))?;
        Ok(n)
    }

    pub fn bio_read(&mut self, max: usize) -> Result<Vec<u8>> {
        self.flush_tls();
        if !self.pump.has_outgoing() {
            return Err(Error::WantRead);
        }
        Ok(self.pump.take_outgoing(max))
    }

    /// End of the incoming stream (transport EOF or `bioShutdown`).
    pub fn bio_shutdown(&mut self) {
        self.pump.end_input();
    }

    /// At most `max` bytes of queued ciphertext for a transport, taken off the queue: the
    /// transport keeps them until the peer has them.
    pub fn take_outgoing(&mut self, max: usize) -> Vec<u8> {
        self.flush_tls();
        self.pump.take_outgoing(max)
    }

    pub fn has_outgoing(&mut self) -> bool {
        self.flush_tls();
        self.pump.has_outgoing()
    }

    /// Whether the next operation would verify with the bundled roots before they are
    /// installed: the binding loads them first (they are not in the wasm, src/ssl/roots.rs).
    pub fn needs_bundled_roots(&self) -> bool {
        self.fatal.is_none()
            && self
                .role()
                .is_some_and(|role| self.settings.trust.needs_bundled(role == Role::Client))
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
        if self.client_hello().is_some() {
            // Paused for the ClientHello callbacks: OpenSSL's SSL_ERROR_WANT_CLIENT_HELLO_CB.
            return Err(Error::WantRead);
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

    /// Up to `max` bytes of plaintext; with `peek`, they stay to be read again. At most one
    /// record is decrypted ahead of the reader.
    pub fn read(&mut self, max: usize, peek: bool) -> Result<Vec<u8>> {
        // Plaintext that arrived before a fatal error is still delivered first.
        if self.pump.pending() == 0 {
            self.start()?;
            if !self.is_handshake_done() {
                self.do_handshake()?;
            }
            let processed = self.process();
            self.flush_tls();
            if self.pump.pending() == 0 {
                processed?;
            }
        }
        if self.pump.pending() > 0 {
            return Ok(self.pump.read_plaintext(max, peek));
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
            self.process_to_close_notify()?;
            return Ok(self.shutdown_bits & shutdown::RECEIVED != 0);
        }
        self.process_to_close_notify()?;
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
        if let Some(forced) = self.settings.forced_role() {
            if forced != role {
                return Err(Error::ssl(match forced {
                    Role::Client => "wrong ssl method: a TLS_CLIENT_METHOD context cannot accept",
                    Role::Server => "wrong ssl method: a TLS_SERVER_METHOD context cannot connect",
                }));
            }
        }
        match role {
            Role::Client => {
                let name = self.host.as_ref().map(|(_, n)| n.clone());
                let sni_name = match &name {
                    Some(n) => n.clone(),
                    None => ServerName::try_from(NO_SERVER_NAME)
                        .map_err(|_| Error::ssl("internal: placeholder name"))?
                        .to_owned(),
                };
                let (config, store, ca_names) = config::client(
                    &self.settings,
                    name.as_ref(),
                    &sni_name,
                    &self.outcome,
                    self.verify_hook.clone(),
                    self.key_log.clone(),
                    self.offered_session.clone(),
                )?;
                self.session_store = Some(store);
                self.ca_names = ca_names;
                self.tls = Some(ClientConnection::new(Arc::new(config), sni_name)?.into());
                self.info_events
                    .push((info::HANDSHAKE_START | info::ST_CONNECT, 1));
            }
            Role::Server => {
                let config = self.server_config()?;
                self.settings_replaced = false;
                self.hello = Some(hello::Stage::new(config));
                self.info_events
                    .push((info::HANDSHAKE_START | info::ST_ACCEPT, 1));
            }
        }
        Ok(())
    }

    /// The server's config, and this connection's partition of the session cache with it.
    fn server_config(&mut self) -> Result<Arc<ServerConfig>> {
        let (config, sessions) = config::server(
            &self.settings,
            &self.outcome,
            self.verify_hook.clone(),
            self.key_log.clone(),
        )?;
        self.server_sessions = sessions;
        Ok(Arc::new(config))
    }

    /// Server side: reads the ClientHello. With servername or ALPN select callbacks set, the
    /// stage pauses there for the binding to run them outside any borrow.
    fn poll_hello(&mut self) -> Result<()> {
        let pause =
            self.settings.alpn_select_callback.is_some() || self.settings.servername_callback.is_some();
        let Some(stage) = self.hello.as_mut() else {
            return Ok(());
        };
        let (incoming, outgoing) = self.pump.queues_mut();
        match stage.poll(incoming, outgoing, pause) {
            Ok(Polled::NeedMore | Polled::Paused) => Ok(()),
            Ok(Polled::Connection(conn)) => {
                self.hello = None;
                self.tls = Some((*conn).into());
                Ok(())
            }
            Err(e) => {
                self.hello = None;
                let e = self.map_tls_error(e);
                Err(self.fail(e))
            }
        }
    }

    /// The ClientHello the callbacks are looking at (server side, while paused).
    pub fn client_hello(&self) -> Option<ClientHelloInfo> {
        self.hello.as_ref().and_then(hello::Stage::client_hello)
    }

    /// Goes on with the handshake after the callbacks, with the settings as they now are.
    pub fn resume_accept(&mut self, alpn: AlpnChoice) -> Result<()> {
        let Some(stage) = self.hello.as_ref() else {
            return Ok(());
        };
        let config = if self.settings_replaced {
            match self.server_config() {
                Ok(c) => c,
                // The new Context cannot serve (no certificate): the client hears why it stops.
                Err(e) => return Err(self.abort_accept(e)),
            }
        } else {
            stage.config().clone()
        };
        let Some(stage) = self.hello.as_mut() else {
            return Ok(());
        };
        let (_, outgoing) = self.pump.queues_mut();
        match stage.resume(config, alpn, outgoing) {
            Ok(Some(conn)) => {
                self.hello = None;
                self.tls = Some(conn.into());
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => {
                self.hello = None;
                let e = self.map_tls_error(e);
                Err(self.fail(e))
            }
        }
    }

    /// A callback failed while the ClientHello waited: the handshake is over.
    pub fn abort_accept(&mut self, e: Error) -> Error {
        if let Some(mut stage) = self.hello.take() {
            let (_, outgoing) = self.pump.queues_mut();
            stage.abort(outgoing);
        }
        self.fail(e)
    }

    /// Feeds buffered ciphertext (and a pending EOF) to rustls and collects at most a
    /// record's worth of plaintext. A rustls error becomes the connection's sticky fatal
    /// error, with the alert for the peer left in the outgoing queue.
    fn process(&mut self) -> Result<()> {
        self.process_into(&mut Direct::none())
    }

    /// `process`, with plaintext going straight to `direct` while nothing is queued.
    fn process_into(&mut self, direct: &mut Direct<'_>) -> Result<()> {
        if let Some(e) = &self.fatal {
            return Err(e.clone());
        }
        self.poll_hello()?;
        let Some(tls) = self.tls.as_mut() else {
            return Ok(());
        };
        let result = self.pump.process_into(tls, direct);
        if self.pump.input() == Input::CloseNotify {
            self.shutdown_bits |= shutdown::RECEIVED;
        }
        match result {
            Ok(()) => Ok(()),
            Err(ProcessError::Io(e)) => Err(self.fail(Error::ssl(format!("record layer failure: {e}")))),
            Err(ProcessError::Tls(e)) => {
                let e = self.map_tls_error(e);
                Err(self.fail(e))
            }
        }
    }

    /// `process` for a shutdown waiting on the peer's close_notify: application data in
    /// front of it is discarded once a record's worth waits unread, as OpenSSL's
    /// `SSL_shutdown` does after sending close_notify, so the close_notify can be reached
    /// without holding more than the usual bound.
    fn process_to_close_notify(&mut self) -> Result<()> {
        loop {
            self.process()?;
            if self.shutdown_bits & shutdown::RECEIVED != 0 || self.pump.pending() < PLAINTEXT_LIMIT {
                return Ok(());
            }
            self.pump.discard_plaintext();
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
        if is_callback_raised(&e) {
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
        if self.pump.input() == Input::Open {
            self.wanted_read = true;
            return Error::WantRead;
        }
        // The stream is over (or ended without close_notify). A handshake cut short is
        // never a clean close, whatever the options say.
        if !in_handshake && self.settings.ignores_unexpected_eof() {
            self.shutdown_bits |= shutdown::RECEIVED;
            return Error::ZeroReturn;
        }
        Error::unexpected_eof()
    }

    fn flush_tls(&mut self) {
        if let Some(tls) = self.tls.as_mut() {
            self.pump.flush(tls);
        }
    }

    // ---- state and parameters ----

    pub fn is_handshake_done(&self) -> bool {
        self.tls.as_ref().is_some_and(|t| !t.is_handshaking())
    }

    pub fn is_started(&self) -> bool {
        self.tls.is_some() || self.hello.is_some()
    }

    pub fn fatal_error(&self) -> Option<&Error> {
        self.fatal.as_ref()
    }

    pub fn pending(&self) -> usize {
        self.pump.pending()
    }

    /// Appends to `out` plaintext that needs no I/O and runs no callback, up to `max` bytes:
    /// records already queued after the handshake, decrypted one at a time, so `pending()`
    /// stays within one record. A failure is kept for the next read, as when plaintext
    /// precedes it in [`Self::read`].
    pub fn read_ready_into(&mut self, out: &mut Vec<u8>, max: usize) {
        let mut left = max;
        while left > 0 && self.fatal.is_none() && self.is_handshake_done() {
            if self.pump.pending() == 0 {
                // Straight into `out` (the queue only takes what does not fit), so a bulk
                // read copies each record out of rustls once.
                let mut direct = Direct::new(out, left);
                let _ = self.process_into(&mut direct);
                let rest = direct.left();
                self.flush_tls();
                if rest < left {
                    left = rest;
                    continue;
                }
            }
            let n = self.pump.take_plaintext_into(out, left);
            if n == 0 {
                break;
            }
            left = left.saturating_sub(n);
        }
    }

    /// What a read could still take without I/O, at most: plaintext and ciphertext queued
    /// here, plus a record's worth rustls may hold in its own buffers.
    pub fn ready_bound(&self) -> usize {
        self.pump
            .pending()
            .saturating_add(self.pump.incoming_len())
            .saturating_add(PLAINTEXT_LIMIT)
    }

    /// Drops the first `n` bytes of plaintext (at most what is pending): the second half of
    /// a read that peeked first, without copying the bytes again.
    pub fn consume(&mut self, n: usize) {
        self.pump.consume_plaintext(n);
    }

    pub fn want_read(&self) -> bool {
        self.wanted_read
    }

    pub fn want_write(&self) -> bool {
        self.pump.has_outgoing() || self.tls.as_ref().is_some_and(|t| t.wants_write())
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

    /// Client side: the CA names (DER) the server's certificate request listed, in its order;
    /// empty before one arrives.
    pub fn received_ca_names(&self) -> Vec<Vec<u8>> {
        self.ca_names.get()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssl::constants::{method, op};
    use crate::ssl::context::Context;
    use crate::ssl::pem;
    use crate::ssl::pump::PLAINTEXT_LIMIT;
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
    fn queues_give_back_a_burst_once_drained() {
        use crate::ssl::pump::IDLE_QUEUE_CAPACITY;
        let (mut c, mut s) = (client(0), server_with(CHAIN, KEY));
        handshake(&mut c, &mut s).unwrap();
        // 40 records queued on one side before the other reads any of them.
        let data = vec![5u8; 40 * MAX_RECORD_PLAINTEXT];
        let mut sent = 0;
        while sent < data.len() {
            sent += s.write(&data[sent..]).unwrap();
        }
        assert!(
            s.pump.capacity() > 10 * IDLE_QUEUE_CAPACITY,
            "the burst was queued"
        );
        let burst = s.take_outgoing(usize::MAX);
        assert!(
            s.pump.capacity() <= 3 * IDLE_QUEUE_CAPACITY,
            "{}",
            s.pump.capacity()
        );
        c.bio_write(&burst);
        assert!(c.pump.capacity() > 10 * IDLE_QUEUE_CAPACITY);
        let mut got = 0;
        while got < data.len() {
            got += c.read(usize::MAX, false).unwrap().len();
        }
        assert_eq!(got, data.len());
        assert!(
            c.pump.capacity() <= 3 * IDLE_QUEUE_CAPACITY,
            "{}",
            c.pump.capacity()
        );
        // And the connection goes on as before.
        c.write(b"after").unwrap();
        pump(&mut c, &mut s);
        assert_eq!(s.read(100, false).unwrap(), b"after");
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
            assert_eq!(s.do_handshake(), Err(Error::WantRead));
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
        assert_eq!(s.do_handshake(), Err(Error::WantRead));
        assert!(s.client_hello().is_some(), "paused on the ClientHello");
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
    fn memory_is_bounded_by_the_connection_not_the_peer() {
        let (mut c, mut s) = (client(0), server_with(CHAIN, KEY));
        handshake(&mut c, &mut s).unwrap();
        let block = vec![0x5a_u8; MAX_RECORD_PLAINTEXT];
        let total = 8 * 1024 * 1024;
        for _ in 0..total / block.len() {
            assert_eq!(c.write(&block).unwrap(), block.len());
        }
        pump(&mut c, &mut s);
        assert_eq!(s.read(1, false).unwrap(), vec![0x5a]);
        assert!(
            s.pending() <= PLAINTEXT_LIMIT,
            "pending {} after recv(1)",
            s.pending()
        );
        // Every byte still arrives, in order, a record at a time.
        let mut got = 1;
        while let Ok(chunk) = s.read(usize::MAX, false) {
            assert!(chunk.len() <= PLAINTEXT_LIMIT);
            assert!(chunk.iter().all(|&b| b == 0x5a));
            got += chunk.len();
        }
        assert_eq!(got, total);
    }

    #[test]
    fn read_ready_takes_queued_records_one_at_a_time_and_keeps_a_failure_for_later() {
        let (mut c, mut s) = (client(0), server_with(CHAIN, KEY));
        let ready = |s: &mut Connection, max: usize| {
            let mut out = Vec::new();
            s.read_ready_into(&mut out, max);
            out
        };
        // Before the handshake nothing is ready, and nothing is attempted.
        assert!(ready(&mut s, 1000).is_empty());
        handshake(&mut c, &mut s).unwrap();
        for i in 0..4u8 {
            c.write(&[i; MAX_RECORD_PLAINTEXT]).unwrap();
        }
        pump(&mut c, &mut s);
        let first = s.read(usize::MAX, false).unwrap();
        assert_eq!(first.len(), MAX_RECORD_PLAINTEXT);
        // Up to the limit asked, in order, never holding more than a record back.
        let more = ready(&mut s, MAX_RECORD_PLAINTEXT + 100);
        assert_eq!(more.len(), MAX_RECORD_PLAINTEXT + 100);
        assert!(
            more[..MAX_RECORD_PLAINTEXT].iter().all(|&b| b == 1)
                && more[MAX_RECORD_PLAINTEXT..].iter().all(|&b| b == 2)
        );
        assert!(s.pending() <= PLAINTEXT_LIMIT);
        // A damaged record behind good data: the data comes first, the failure next.
        c.write(b"tail").unwrap();
        let mut wire = c.bio_read(1 << 20).unwrap();
        let last = wire.len() - 1;
        wire[last] ^= 1;
        s.bio_write(&wire);
        let rest = ready(&mut s, usize::MAX);
        assert_eq!(rest.len(), 2 * MAX_RECORD_PLAINTEXT - 100);
        assert!(rest.iter().skip(MAX_RECORD_PLAINTEXT - 100).all(|&b| b == 3));
        assert!(ready(&mut s, usize::MAX).is_empty());
        assert!(
            s.read(100, false).is_err(),
            "the bad record's error is met by the next read"
        );
    }

    #[test]
    fn shutdown_reaches_a_close_notify_behind_unread_data() {
        let (mut c, mut s) = (client(0), server_with(CHAIN, KEY));
        handshake(&mut c, &mut s).unwrap();
        for _ in 0..8 {
            c.write(&[1u8; MAX_RECORD_PLAINTEXT]).unwrap();
        }
        assert!(!c.shutdown().unwrap());
        pump(&mut c, &mut s);
        // The server never reads the 128 KiB; its shutdown still finds the close_notify.
        assert!(s.shutdown().unwrap());
        assert!(s.pending() <= PLAINTEXT_LIMIT);
    }

    #[test]
    fn end_of_input_is_one_state() {
        let (mut c, mut s) = (client(0), server_with(CHAIN, KEY));
        handshake(&mut c, &mut s).unwrap();
        c.write(b"last words").unwrap();
        pump(&mut c, &mut s);
        s.bio_shutdown();
        // Bytes before the end are delivered; then the end without close_notify is an EOF.
        assert_eq!(s.read(100, false).unwrap(), b"last words");
        assert_eq!(s.read(100, false), Err(Error::unexpected_eof()));
        assert_eq!(s.read(100, false), Err(Error::unexpected_eof()));
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
