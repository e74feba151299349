//! TLS sessions for client resumption, pyOpenSSL's `Session`: what a client connection
//! received from its server (TLS 1.3 tickets, a TLS 1.2 session), offered again on a later
//! connection with `setSession`. As with OpenSSL, a client resumes only when told to.

use std::collections::VecDeque;
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};

use rustls::client::{
    ClientSessionStore, ResolvesClientCert, Tls12ClientSessionValue, Tls13ClientSessionValue,
};
use rustls::NamedGroup;
use rustls_pki_types::ServerName;

use crate::ssl::context::Shared;
use crate::ssl::verify::ServerVerifier;

/// A server issues a few TLS 1.3 tickets per connection (rustls sends 2); each is single-use.
/// More than this many are old news.
const MAX_TICKETS: usize = 8;

#[derive(Default)]
struct Tickets {
    tls13: VecDeque<Tls13ClientSessionValue>,
    tls12: Option<Tls12ClientSessionValue>,
    kx_hint: Option<NamedGroup>,
}

/// A shareable handle: a `Session` given to `setSession` keeps serving tickets to every
/// connection it is given to, until they run out.
#[derive(Clone, Default)]
pub struct Session {
    tickets: Arc<Mutex<Tickets>>,
    /// The Context it came from (pyOpenSSL 26.3 pins sessions to their Context); `None` for
    /// a session made with `new Session()`.
    origin: Option<Arc<Shared>>,
    /// rustls resumes a session only under the verifier and client-certificate resolver that
    /// made it, so they travel with it to the connection that resumes.
    handles: Option<Handles>,
    /// The server it came from: it is offered only to a connection for the same name.
    server_name: Option<ServerName<'static>>,
}

/// The verifier and client-certificate resolver of the connection that made a session.
#[derive(Clone, Debug)]
pub struct Handles {
    pub verifier: Arc<ServerVerifier>,
    pub resolver: Arc<dyn ResolvesClientCert>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.lock();
        f.debug_struct("Session")
            .field("tls13_tickets", &t.tls13.len())
            .field("tls12", &t.tls12.is_some())
            .finish()
    }
}

impl Session {
    fn new(origin: &Arc<Shared>, handles: Handles, server_name: ServerName<'static>) -> Self {
        Self {
            tickets: Arc::default(),
            origin: Some(origin.clone()),
            handles: Some(handles),
            server_name: Some(server_name),
        }
    }

    pub fn handles(&self) -> Option<&Handles> {
        self.handles.as_ref()
    }

    fn lock(&self) -> MutexGuard<'_, Tickets> {
        // A poisoned lock only means an earlier panic elsewhere; the tickets are plain data.
        self.tickets.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn is_empty(&self) -> bool {
        let t = self.lock();
        t.tls13.is_empty() && t.tls12.is_none()
    }

    /// Whether it may be used with a Context whose shared state is `shared`.
    pub fn belongs_to(&self, shared: &Arc<Shared>) -> bool {
        self.origin.as_ref().is_some_and(|o| Arc::ptr_eq(o, shared))
    }
}

/// The session store of one client connection: it records what the server sends (for
/// `getSession`) and serves what `setSession` offered.
#[derive(Debug)]
pub struct ConnectionStore {
    captured: Session,
    offered: Option<Session>,
}

impl ConnectionStore {
    pub fn new(
        shared: &Arc<Shared>,
        offered: Option<Session>,
        handles: Handles,
        server_name: ServerName<'static>,
    ) -> Self {
        Self {
            captured: Session::new(shared, handles, server_name),
            offered,
        }
    }

    /// The offered session, if it was made for `name`.
    fn offered_for(&self, name: &ServerName<'_>) -> Option<&Session> {
        self.offered
            .as_ref()
            .filter(|s| s.server_name.as_ref().is_some_and(|n| n == name))
    }

    /// The session to hand out: what this connection received, else what it was offered.
    pub fn session(&self) -> Option<Session> {
        if !self.captured.is_empty() {
            return Some(self.captured.clone());
        }
        self.offered.clone().filter(|s| !s.is_empty())
    }
}

impl ClientSessionStore for ConnectionStore {
    fn set_kx_hint(&self, _: ServerName<'static>, group: NamedGroup) {
        self.captured.lock().kx_hint = Some(group);
    }

    fn kx_hint(&self, name: &ServerName<'_>) -> Option<NamedGroup> {
        self.offered_for(name).and_then(|s| s.lock().kx_hint)
    }

    fn set_tls12_session(&self, _: ServerName<'static>, value: Tls12ClientSessionValue) {
        self.captured.lock().tls12 = Some(value);
    }

    fn tls12_session(&self, name: &ServerName<'_>) -> Option<Tls12ClientSessionValue> {
        self.offered_for(name).and_then(|s| s.lock().tls12.clone())
    }

    fn remove_tls12_session(&self, name: &ServerName<'static>) {
        if let Some(s) = self.offered_for(name) {
            s.lock().tls12 = None;
        }
    }

    fn insert_tls13_ticket(&self, _: ServerName<'static>, value: Tls13ClientSessionValue) {
        let mut t = self.captured.lock();
        if t.tls13.len() == MAX_TICKETS {
            t.tls13.pop_front();
        }
        t.tls13.push_back(value);
    }

    fn take_tls13_ticket(&self, name: &ServerName<'static>) -> Option<Tls13ClientSessionValue> {
        // Newest first: the freshest ticket is the least likely to have expired.
        self.offered_for(name).and_then(|s| s.lock().tls13.pop_back())
    }
}
