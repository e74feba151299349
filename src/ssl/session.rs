//! TLS sessions for client resumption, pyOpenSSL's `Session`: what a client connection
//! received from its server (TLS 1.3 tickets, a TLS 1.2 session), offered again on a later
//! connection with `setSession`. As with OpenSSL, a client resumes only when told to.
//!
//! A resumed connection does not verify the server again: it inherits the verification of the
//! connection that made the session. So a session records the policy it was verified under
//! and the result, and a connection resumes it only when that policy is provably no laxer
//! than its own (`ClientPolicy::may_resume`); otherwise it runs a full handshake under its
//! own verifier, and a resumed connection reports the recorded result.

use std::any::Any;
use std::collections::VecDeque;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, Weak};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{
    ClientSessionStore, ResolvesClientCert, Tls12ClientSessionValue, Tls13ClientSessionValue,
};
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::sign::CertifiedKey;
use rustls::{DigitallySignedStruct, NamedGroup, SignatureScheme};
use rustls_pki_types::{CertificateDer, ServerName, UnixTime};

use crate::ssl::context::{Role, Settings, Shared};
use crate::ssl::verify::{read_outcome, Outcome, ServerVerifier, SharedOutcome};
use crate::ssl::verify_code::VerifyCode;

/// A server issues a few TLS 1.3 tickets per connection (rustls sends 2); each is single-use.
/// More than this many are old news.
const MAX_TICKETS: usize = 8;

pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A poisoned lock only means an earlier panic elsewhere; the data is plain values.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

pub(crate) fn write_outcome(shared: &SharedOutcome, outcome: Outcome) {
    *lock(shared) = outcome;
}

// ---- what a verification was made under ----

/// Which verify callback took part in a verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallbackUse {
    None,
    /// The callback stored in the settings, by `callback_id`.
    Known(u64),
    /// A callback ran that the settings do not name: nothing can be proved about it.
    Unknown,
}

impl CallbackUse {
    pub fn of(settings: &Settings, hooked: bool) -> Self {
        match (hooked, &settings.verify_callback) {
            (false, _) => Self::None,
            (true, Some(cb)) => Self::Known(callback_id(cb)),
            (true, None) => Self::Unknown,
        }
    }
}

struct CallbackIds {
    next: u64,
    live: Vec<(Weak<dyn Any + Send + Sync>, u64)>,
}

static CALLBACK_IDS: Mutex<CallbackIds> = Mutex::new(CallbackIds {
    next: 1,
    live: Vec::new(),
});

/// A number that names one callback object for as long as it lives and is never given to
/// another. An address alone would not do: a freed callback's memory is reused by the next
/// one (same size), which would then inherit the sessions the first one accepted. The `Weak`
/// kept here pins the allocation, so while an entry exists no other callback can share its
/// address; entries are dropped once their callback is gone, and a callback allocated there
/// later gets a new number.
pub(crate) fn callback_id(cb: &Arc<dyn Any + Send + Sync>) -> u64 {
    let mut ids = lock(&CALLBACK_IDS);
    ids.live.retain(|(w, _)| w.strong_count() > 0);
    let probe = Arc::downgrade(cb);
    if let Some((_, id)) = ids.live.iter().find(|(w, _)| Weak::ptr_eq(w, &probe)) {
        return *id;
    }
    let id = ids.next;
    ids.next = ids.next.wrapping_add(1);
    ids.live.push((probe, id));
    id
}

/// A digest of what a connection in `role` trusts (its loaded anchors, which also serve as
/// pins, and the Mozilla set), as `config::policy` derives its roots from it.
pub(crate) fn trust_digest(settings: &Settings, role: Role) -> [u8; 32] {
    let trust = &settings.trust;
    let mozilla = trust.uses_bundled(role == Role::Client);
    let mut d = ring::digest::Context::new(&ring::digest::SHA256);
    d.update(b"rustls-ssl trust v1");
    d.update(&[u8::from(mozilla)]);
    for anchor in &trust.anchors {
        update_bytes(&mut d, anchor.as_ref());
    }
    finish(d)
}

pub(crate) fn update_bytes(d: &mut ring::digest::Context, bytes: &[u8]) {
    // A length prefix keeps ("ab","c") and ("a","bc") apart; lengths past u64 cannot exist.
    d.update(&u64::try_from(bytes.len()).unwrap_or(u64::MAX).to_be_bytes());
    d.update(bytes);
}

pub(crate) fn finish(d: ring::digest::Context) -> [u8; 32] {
    let mut out = [0u8; 32];
    out.copy_from_slice(d.finish().as_ref().get(..32).unwrap_or(&[0u8; 32]));
    out
}

fn identity_digest(settings: &Settings) -> [u8; 32] {
    let mut d = ring::digest::Context::new(&ring::digest::SHA256);
    d.update(b"rustls-ssl client identity v1");
    if settings.identity().is_some() {
        for cert in &settings.chain {
            update_bytes(&mut d, cert.as_ref());
        }
    }
    finish(d)
}

/// The policy a client connection verifies its server under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientPolicy {
    /// A failed verification aborts the handshake (anything but an explicit `VERIFY_NONE`).
    pub enforce: bool,
    /// `trust_digest` for the client role.
    pub trust: [u8; 32],
    /// `setVerifyDepth`: at most this many intermediates.
    pub max_depth: Option<u32>,
    /// The name the certificate is checked against (`setTlsextHostName`).
    pub name: Option<ServerName<'static>>,
    pub callback: CallbackUse,
    /// The client certificate chain offered (a digest; all zeros' digest when none).
    pub identity: [u8; 32],
}

impl ClientPolicy {
    pub fn new(settings: &Settings, name: Option<&ServerName<'static>>, hooked: bool) -> Self {
        Self {
            enforce: settings.enforces_verification(Role::Client),
            trust: trust_digest(settings, Role::Client),
            max_depth: settings.verify_depth,
            name: name.cloned(),
            callback: CallbackUse::of(settings, hooked),
            identity: identity_digest(settings),
        }
    }

    /// Whether a connection under this policy may resume a session verified under `made`
    /// with result `result`, i.e. whether the recorded verification proves at least what a
    /// full handshake under this policy would. The rule, conservative by design (equal
    /// policies always pass; whatever is not shown to be no laxer fails):
    ///
    /// - a result must have been recorded (`None`: no certificate was judged, or the
    ///   handshake never finished);
    /// - the same trust (anchors, pins, Mozilla set): other anchors may vouch for another
    ///   server, and even a result that is not 0 means something else under other trust;
    /// - the same host name: the name check is part of the result;
    /// - a verify depth at least as tight: no limit here, or the session's limit is ≤ ours;
    /// - the same verify callback object, or none on both sides. A callback can accept
    ///   errors (the result then hides them) or reject a clean chain, and it is not run on
    ///   resumption; an anonymous one (set where the settings do not record it) is never
    ///   taken as equal. A callback is taken to decide by what it is shown (certificate,
    ///   errno, depth); one that decides per connection must not be used with resumption;
    /// - the same client certificate, so that a resumed connection is the client it says;
    /// - when this connection enforces verification: the session was made enforcing too,
    ///   and its recorded result is 0 (`X509_V_OK`). A session made with `VERIFY_NONE` is
    ///   never upgraded, even with result 0 (it cannot be told from one whose errors a
    ///   callback's verdict would have been ignored for). A session made enforcing may be
    ///   resumed by a non-enforcing connection, which then reports the recorded result.
    pub fn may_resume(&self, made: &ClientPolicy, result: Option<VerifyCode>) -> bool {
        let Some(result) = result else {
            return false;
        };
        let depth_ok = match (self.max_depth, made.max_depth) {
            (None, _) => true,
            (Some(ours), Some(theirs)) => theirs <= ours,
            (Some(_), None) => false,
        };
        let callback_ok = self.callback == made.callback && self.callback != CallbackUse::Unknown;
        let enforcement_ok = !self.enforce || (made.enforce && result == VerifyCode::OK);
        self.trust == made.trust
            && self.name == made.name
            && depth_ok
            && callback_ok
            && self.identity == made.identity
            && enforcement_ok
    }
}

/// What a session's server was verified under, and what was found.
#[derive(Debug, Clone)]
struct Record {
    policy: ClientPolicy,
    outcome: Outcome,
}

// ---- the session ----

#[derive(Default)]
struct Tickets {
    tls13: VecDeque<Tls13ClientSessionValue>,
    tls12: Option<Tls12ClientSessionValue>,
    kx_hint: Option<NamedGroup>,
    /// Set when the connection that received the tickets finished its handshake; a session
    /// without one is never resumed.
    record: Option<Record>,
}

/// A shareable handle: a `Session` given to `setSession` keeps serving tickets to every
/// connection it is given to, until they run out.
#[derive(Clone, Default)]
pub struct Session {
    tickets: Arc<Mutex<Tickets>>,
    /// The Context it came from (pyOpenSSL 26.3 pins sessions to their Context); `None` for
    /// a session made with `new Session()`.
    origin: Option<Arc<Shared>>,
    /// The verifier and resolver rustls saw when the tickets arrived: it resumes only
    /// under those very objects.
    lineage: Option<Arc<Lineage>>,
    /// The server it came from: it is offered only to a connection for the same name.
    server_name: Option<ServerName<'static>>,
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = self.lock();
        f.debug_struct("Session")
            .field("tls13_tickets", &t.tls13.len())
            .field("tls12", &t.tls12.is_some())
            .field("recorded", &t.record.is_some())
            .finish()
    }
}

impl Session {
    fn new(origin: &Arc<Shared>, lineage: Arc<Lineage>, server_name: ServerName<'static>) -> Self {
        Self {
            tickets: Arc::default(),
            origin: Some(origin.clone()),
            lineage: Some(lineage),
            server_name: Some(server_name),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Tickets> {
        lock(&self.tickets)
    }

    pub fn is_empty(&self) -> bool {
        let t = self.lock();
        t.tls13.is_empty() && t.tls12.is_none()
    }

    /// Whether it may be used with a Context whose shared state is `shared`.
    pub fn belongs_to(&self, shared: &Arc<Shared>) -> bool {
        self.origin.as_ref().is_some_and(|o| Arc::ptr_eq(o, shared))
    }

    /// Whether a connection under `policy` may resume it (see `ClientPolicy::may_resume`).
    pub fn resumable_under(&self, policy: &ClientPolicy) -> bool {
        let t = self.lock();
        t.record
            .as_ref()
            .is_some_and(|r| policy.may_resume(&r.policy, r.outcome.code))
    }

    /// The verify result recorded for this session, once its handshake finished.
    pub fn verify_result(&self) -> Option<VerifyCode> {
        self.lock().record.as_ref().and_then(|r| r.outcome.code)
    }
}

// ---- one verifier identity for a line of resumptions ----

/// The connection a `Lineage` currently verifies for.
#[derive(Debug, Clone)]
struct Tenant {
    verifier: Arc<ServerVerifier>,
    resolver: Arc<dyn ResolvesClientCert>,
    /// True while its handshake may still call the verifier.
    active: Weak<AtomicBool>,
}

impl Tenant {
    fn busy(&self) -> bool {
        self.active.upgrade().is_some_and(|a| a.load(Ordering::SeqCst))
    }
}

/// rustls resumes a ticket only under the very verifier and client-certificate resolver
/// (`Arc`s, compared by address) that were configured when it arrived. So every connection
/// that makes or resumes sessions of one line shows rustls the same `Lineage`, which passes
/// each call to the connection now using it: its own verifier (its policy, name, outcome and
/// callback) and its own certificate. A connection that falls back to a full handshake
/// therefore verifies under its own policy, never under the one that made the session.
///
/// One connection at a time: a connection is admitted only while no other is still in a
/// handshake that could call the verifier (the holder releases when its handshake finishes
/// or fails, or when it is dropped); otherwise it gets a lineage of its own and a full
/// handshake. Routing by "the last connection configured" with two in flight would let one
/// connection's server be judged by the other's name, callback and outcome.
pub struct Lineage {
    tenant: Mutex<Tenant>,
    algorithms: WebPkiSupportedAlgorithms,
}

opaque_debug!(Lineage);

impl Lineage {
    fn new(tenant: Tenant, algorithms: WebPkiSupportedAlgorithms) -> Arc<Self> {
        Arc::new(Self {
            tenant: Mutex::new(tenant),
            algorithms,
        })
    }

    /// Makes `tenant` the connection verified for, unless another is mid-handshake.
    fn admit(&self, tenant: Tenant) -> bool {
        let mut current = lock(&self.tenant);
        if current.busy() {
            return false;
        }
        *current = tenant;
        true
    }

    fn tenant(&self) -> Tenant {
        lock(&self.tenant).clone()
    }
}

impl ServerCertVerifier for Lineage {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        self.tenant()
            .verifier
            .verify_server_cert(end_entity, intermediates, server_name, ocsp_response, now)
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

impl ResolvesClientCert for Lineage {
    fn resolve(
        &self,
        root_hint_subjects: &[&[u8]],
        sigschemes: &[SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.tenant().resolver.resolve(root_hint_subjects, sigschemes)
    }

    fn has_certs(&self) -> bool {
        self.tenant().resolver.has_certs()
    }
}

// ---- the store of one client connection ----

/// The session store of one client connection: it records what the server sends (for
/// `getSession`) and serves what `setSession` offered, if this connection may resume it.
pub struct ConnectionStore {
    captured: Session,
    /// The offered session, kept only when it passed `resumable_under` and its lineage
    /// admitted this connection.
    offered: Option<Session>,
    policy: ClientPolicy,
    outcome: SharedOutcome,
    /// This connection's hold on its lineage.
    active: Arc<AtomicBool>,
    finished: AtomicBool,
}

opaque_debug!(ConnectionStore);

/// What `ConnectionStore::new` needs to know about the connection.
pub struct ClientSide {
    pub policy: ClientPolicy,
    /// The connection's own verifier and certificate resolver.
    pub verifier: Arc<ServerVerifier>,
    pub resolver: Arc<dyn ResolvesClientCert>,
    pub algorithms: WebPkiSupportedAlgorithms,
    pub outcome: SharedOutcome,
}

impl ConnectionStore {
    /// The store, and the lineage to configure rustls with (as verifier and resolver): the
    /// offered session's when it may be resumed, a new one otherwise.
    pub fn new(
        shared: &Arc<Shared>,
        offered: Option<Session>,
        side: ClientSide,
        server_name: ServerName<'static>,
    ) -> (Arc<Self>, Arc<Lineage>) {
        let active = Arc::new(AtomicBool::new(true));
        let tenant = Tenant {
            verifier: side.verifier,
            resolver: side.resolver,
            active: Arc::downgrade(&active),
        };
        let joined = offered.filter(|s| s.resumable_under(&side.policy)).and_then(|s| {
            let lineage = s.lineage.clone()?;
            lineage.admit(tenant.clone()).then_some((s, lineage))
        });
        let (offered, lineage) = match joined {
            Some((s, lineage)) => (Some(s), lineage),
            None => (None, Lineage::new(tenant, side.algorithms)),
        };
        let store = Arc::new(Self {
            captured: Session::new(shared, lineage.clone(), server_name),
            offered,
            policy: side.policy,
            outcome: side.outcome,
            active,
            finished: AtomicBool::new(false),
        });
        (store, lineage)
    }

    /// Whether the offered session is in play (it may be resumed, if the server agrees).
    pub fn offers_session(&self) -> bool {
        self.offered.is_some()
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

    /// The handshake is over. A resumed connection takes the recorded verification (result,
    /// depth, chains) of the session it resumed, so it reports what was found then; the
    /// tickets it receives carry that same record, since that verification is what they
    /// rest on. A full handshake records its own policy and outcome.
    pub fn handshake_done(&self, resumed: bool) {
        if self.finished.swap(true, Ordering::SeqCst) {
            return;
        }
        self.release();
        let record = if resumed {
            self.offered.as_ref().and_then(|s| s.lock().record.clone())
        } else {
            Some(Record {
                policy: self.policy.clone(),
                outcome: read_outcome(&self.outcome),
            })
        };
        if let (true, Some(r)) = (resumed, &record) {
            write_outcome(&self.outcome, r.outcome.clone());
        }
        self.captured.lock().record = record;
    }

    /// This connection will not verify again (its handshake finished or failed): another
    /// may take the lineage.
    pub fn release(&self) {
        self.active.store(false, Ordering::SeqCst);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssl::connection::Connection;
    use crate::ssl::constants::{method, verify};
    use crate::ssl::context::Context;
    use crate::ssl::error::Error;
    use crate::ssl::test_support::{handshake, pump, CA, CHAIN, KEY};

    const UNTRUSTED_CHAIN: &[u8] = include_bytes!("../../js-tests/fixtures/untrusted-leaf-chain.pem");
    const UNTRUSTED_KEY: &[u8] = include_bytes!("../../js-tests/fixtures/untrusted-leaf.key");

    fn base() -> ClientPolicy {
        ClientPolicy {
            enforce: true,
            trust: [1; 32],
            max_depth: None,
            name: Some(ServerName::try_from("localhost").unwrap().to_owned()),
            callback: CallbackUse::None,
            identity: [2; 32],
        }
    }

    const OK: Option<VerifyCode> = Some(VerifyCode::OK);
    const UNTRUSTED: Option<VerifyCode> = Some(VerifyCode(19));

    #[test]
    fn equal_policies_resume_and_anything_laxer_does_not() {
        let cur = base();
        assert!(cur.may_resume(&base(), OK));
        // Nothing recorded: nothing proved.
        assert!(!cur.may_resume(&base(), None));
        let lax = ClientPolicy {
            enforce: false,
            ..base()
        };
        // Made without enforcement: never upgraded, even with result 0.
        assert!(!cur.may_resume(&lax, OK));
        assert!(!cur.may_resume(&lax, UNTRUSTED));
        // An enforcing connection resumes only a clean result.
        assert!(!cur.may_resume(&base(), UNTRUSTED));
        for other in [
            ClientPolicy {
                trust: [9; 32],
                ..base()
            },
            ClientPolicy {
                name: Some(ServerName::try_from("example.com").unwrap().to_owned()),
                ..base()
            },
            ClientPolicy { name: None, ..base() },
            ClientPolicy {
                callback: CallbackUse::Known(7),
                ..base()
            },
            ClientPolicy {
                identity: [3; 32],
                ..base()
            },
        ] {
            assert!(!cur.may_resume(&other, OK), "{other:?}");
            assert!(!other.may_resume(&cur, OK), "{other:?}");
        }
    }

    #[test]
    fn a_non_enforcing_connection_takes_what_was_recorded_under_the_same_trust() {
        let lax = ClientPolicy {
            enforce: false,
            ..base()
        };
        assert!(lax.may_resume(&lax, UNTRUSTED));
        assert!(lax.may_resume(&base(), OK));
        // Its result is only meaningful under the same trust and name.
        let elsewhere = ClientPolicy {
            trust: [9; 32],
            ..lax.clone()
        };
        assert!(!lax.may_resume(&elsewhere, OK));
    }

    #[test]
    fn verify_depth_and_callbacks() {
        let limited = |n| ClientPolicy {
            max_depth: Some(n),
            ..base()
        };
        assert!(base().may_resume(&limited(1), OK));
        assert!(limited(2).may_resume(&limited(1), OK));
        assert!(!limited(1).may_resume(&limited(2), OK));
        assert!(!limited(1).may_resume(&base(), OK));
        let known = ClientPolicy {
            callback: CallbackUse::Known(4),
            ..base()
        };
        assert!(known.may_resume(&known, OK));
        let unknown = ClientPolicy {
            callback: CallbackUse::Unknown,
            ..base()
        };
        assert!(!unknown.may_resume(&unknown, OK));
        let unknown_lax = ClientPolicy {
            enforce: false,
            ..unknown
        };
        assert!(!unknown_lax.may_resume(&unknown_lax, OK));
    }

    #[test]
    fn callback_ids_name_one_object_for_its_life() {
        let a: Arc<dyn Any + Send + Sync> = Arc::new(1u32);
        let a2 = a.clone();
        let b: Arc<dyn Any + Send + Sync> = Arc::new(1u32);
        assert_eq!(callback_id(&a), callback_id(&a2));
        assert_ne!(callback_id(&a), callback_id(&b));
        let old = callback_id(&b);
        drop(b);
        // Whatever the allocator does with the old place, a new callback is a new one.
        for _ in 0..16 {
            let c: Arc<dyn Any + Send + Sync> = Arc::new(1u32);
            assert_ne!(callback_id(&c), old);
        }
    }

    fn client_ctx(mode: Option<u32>) -> Context {
        let mut ctx = Context::new(method::TLS_CLIENT).unwrap();
        ctx.load_verify_data(CA).unwrap();
        if let Some(mode) = mode {
            ctx.settings.set_verify(mode).unwrap();
        }
        ctx
    }

    fn client_of(ctx: &Context) -> Connection {
        let mut c = Connection::new(ctx.snapshot());
        c.set_host_name("localhost").unwrap();
        c
    }

    fn server_ctx(chain: &[u8], key: &[u8]) -> Context {
        let mut ctx = Context::new(method::TLS_SERVER).unwrap();
        ctx.settings
            .set_certificate_chain(crate::ssl::pem::certificates(chain).unwrap())
            .unwrap();
        ctx.settings
            .set_private_key(crate::ssl::pkey::PKey::from_pem(key, None).unwrap())
            .unwrap();
        ctx
    }

    /// A handshake, then one record from the server so a TLS 1.3 client has its tickets.
    fn session_of(c: &mut Connection, s: &mut Connection) -> Session {
        handshake(c, s).unwrap();
        s.write(b"x").unwrap();
        pump(s, c);
        assert_eq!(c.read(1, false).unwrap(), b"x");
        c.session().unwrap()
    }

    #[test]
    fn a_verify_none_session_never_vouches_for_an_enforcing_connection() {
        let untrusted = server_ctx(UNTRUSTED_CHAIN, UNTRUSTED_KEY);
        let mut ctx = client_ctx(Some(verify::NONE));
        let mut c1 = client_of(&ctx);
        let session = session_of(&mut c1, &mut Connection::new(untrusted.snapshot()));
        assert_eq!(c1.verify_result(), 19);
        assert_eq!(session.verify_result(), Some(VerifyCode(19)));

        ctx.settings.set_verify(verify::PEER).unwrap();
        // The same server (it knows the session) and another one (it does not).
        for server in [&untrusted, &server_ctx(UNTRUSTED_CHAIN, UNTRUSTED_KEY)] {
            let mut c2 = client_of(&ctx);
            c2.set_session(session.clone()).unwrap();
            let err = handshake(&mut c2, &mut Connection::new(server.snapshot())).unwrap_err();
            assert!(matches!(err, Error::Verify { .. }), "{err:?}");
            assert_eq!(c2.verify_result(), 19);
            assert!(!c2.is_session_reused());
        }
    }

    #[test]
    fn a_resumed_connection_reports_the_recorded_result() {
        let untrusted = server_ctx(UNTRUSTED_CHAIN, UNTRUSTED_KEY);
        let ctx = client_ctx(Some(verify::NONE));
        let mut c1 = client_of(&ctx);
        let session = session_of(&mut c1, &mut Connection::new(untrusted.snapshot()));
        let mut c2 = client_of(&ctx);
        c2.set_session(session.clone()).unwrap();
        let next = session_of(&mut c2, &mut Connection::new(untrusted.snapshot()));
        assert!(c2.is_session_reused());
        assert_eq!(c2.verify_result(), 19);
        assert_eq!(c2.peer_certificates().map(|p| p.len()), Some(2));
        // The tickets a resumed connection receives rest on the same verification.
        assert_eq!(next.verify_result(), Some(VerifyCode(19)));
    }

    #[test]
    fn one_connection_at_a_time_per_line_of_sessions() {
        let good = server_ctx(CHAIN, KEY);
        let ctx = client_ctx(None);
        let mut c1 = client_of(&ctx);
        let session = session_of(&mut c1, &mut Connection::new(good.snapshot()));
        assert_eq!(session.verify_result(), Some(VerifyCode::OK));

        // Two connections offered the same session at once: the first holds the session's
        // verifier until its handshake ends; the second verifies on its own, in full.
        let (mut c2, mut s2) = (client_of(&ctx), Connection::new(good.snapshot()));
        let (mut c3, mut s3) = (client_of(&ctx), Connection::new(good.snapshot()));
        c2.set_session(session.clone()).unwrap();
        c3.set_session(session.clone()).unwrap();
        assert_eq!(c2.do_handshake(), Err(Error::WantRead));
        assert_eq!(c3.do_handshake(), Err(Error::WantRead));
        handshake(&mut c3, &mut s3).unwrap();
        handshake(&mut c2, &mut s2).unwrap();
        assert!(c2.is_session_reused());
        assert!(!c3.is_session_reused());
        assert_eq!((c2.verify_result(), c3.verify_result()), (0, 0));

        // Once c2 is done, the line is free again.
        let (mut c4, mut s4) = (client_of(&ctx), Connection::new(good.snapshot()));
        c4.set_session(session).unwrap();
        handshake(&mut c4, &mut s4).unwrap();
        assert!(c4.is_session_reused());
    }

    #[test]
    fn a_failed_connection_lets_go_of_its_line() {
        let good = server_ctx(CHAIN, KEY);
        let ctx = client_ctx(None);
        let mut c1 = client_of(&ctx);
        let session = session_of(&mut c1, &mut Connection::new(good.snapshot()));
        let mut c2 = client_of(&ctx);
        c2.set_session(session.clone()).unwrap();
        assert_eq!(c2.do_handshake(), Err(Error::WantRead));
        c2.bio_write(b"\x15\x03\x03\x00\x02\x02\x28");
        assert!(c2.do_handshake().unwrap_err().is_fatal());
        let mut c3 = client_of(&ctx);
        c3.set_session(session).unwrap();
        handshake(&mut c3, &mut Connection::new(good.snapshot())).unwrap();
        assert!(c3.is_session_reused());
    }
}
