//! The server's session cache, seen through one connection: partitioned by what a resumed
//! client would be excused from, and carrying the verification that let the session in.
//!
//! A resumed client shows no certificate: the session stands for the one it showed (or did
//! not show) when it was made. So a session is found only by a connection with the same
//! session id context (`setSessionId`, as OpenSSL's `sid_ctx`) and the same client
//! certificate policy (verify mode, trust, depth, callback); anything else (another context,
//! a laxer or merely different policy) does not find it and runs a full handshake. The keys
//! in the Context's shared cache are prefixed with a digest of both.
//!
//! TLS 1.2 session ids and TLS 1.3 tickets both come through here: the configs never set a
//! `ticketer`, and rustls's default `NeverProducesTickets` makes TLS 1.3 tickets stateful
//! (`session_storage`) and leaves TLS 1.2 to session ids. Stateless tickets would carry the
//! session outside this partition, so they must stay off (see `tickets_are_stateful`).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use rustls::server::StoresServerSessions;
use rustls_pki_types::CertificateDer;

use crate::ssl::constants::verify;
use crate::ssl::context::{Role, Settings};
use crate::ssl::session::{finish, lock, trust_digest, update_bytes, write_outcome, CallbackUse};
use crate::ssl::verify::{read_outcome, Outcome, SharedOutcome};
use crate::ssl::verify_code::VerifyCode;

/// rustls issues 2 TLS 1.3 tickets per handshake (`send_tls13_tickets`); a few more is slack.
const MAX_PENDING: usize = 8;

/// Format of the header put before rustls's own session value.
const VALUE_VERSION: u8 = 1;

/// The partition of the cache a server connection under `settings` uses, `None` when its
/// client-certificate policy cannot be pinned down (a verify callback the settings do not
/// name): such a connection neither stores nor finds sessions.
pub fn partition(settings: &Settings, hooked: bool) -> Option<[u8; 32]> {
    let mode = settings.verify_mode.unwrap_or(verify::NONE);
    let mut d = ring::digest::Context::new(&ring::digest::SHA256);
    d.update(b"rustls-ssl server sessions v1");
    update_bytes(&mut d, &settings.session_id_context);
    if mode & verify::PEER == 0 {
        // No client certificate is asked for: trust, depth and callback play no part.
        d.update(&[0]);
        return Some(finish(d));
    }
    d.update(&[1]);
    let bits = verify::PEER | verify::FAIL_IF_NO_PEER_CERT | verify::CLIENT_ONCE;
    d.update(&(mode & bits).to_be_bytes());
    d.update(&trust_digest(settings, Role::Server));
    match settings.verify_depth {
        Some(depth) => {
            d.update(&[1]);
            d.update(&depth.to_be_bytes());
        }
        None => d.update(&[0]),
    }
    match CallbackUse::of(settings, hooked) {
        CallbackUse::None => d.update(&[0]),
        CallbackUse::Known(id) => {
            d.update(&[1]);
            d.update(&id.to_be_bytes());
        }
        CallbackUse::Unknown => return None,
    }
    Some(finish(d))
}

/// One server connection's view of its Context's session cache.
pub struct PartitionedStore {
    cache: Arc<dyn StoresServerSessions>,
    partition: [u8; 32],
    outcome: SharedOutcome,
    /// The verification recorded with the session last found, applied if the handshake
    /// turns out resumed (rustls may still refuse what it found and run a full one).
    found: Mutex<Option<Outcome>>,
    /// Sessions rustls stored before the handshake finished: their verification is final
    /// only then (a resumed handshake issues tickets before it knows it is one to us).
    pending: Mutex<Vec<(Vec<u8>, Vec<u8>)>>,
    finished: AtomicBool,
}

opaque_debug!(PartitionedStore);

impl PartitionedStore {
    pub fn new(cache: Arc<dyn StoresServerSessions>, partition: [u8; 32], outcome: SharedOutcome) -> Self {
        Self {
            cache,
            partition,
            outcome,
            found: Mutex::new(None),
            pending: Mutex::new(Vec::new()),
            finished: AtomicBool::new(false),
        }
    }

    fn key(&self, key: &[u8]) -> Vec<u8> {
        let mut full = Vec::with_capacity(self.partition.len().saturating_add(key.len()));
        full.extend_from_slice(&self.partition);
        full.extend_from_slice(key);
        full
    }

    fn found(&self, stored: Option<Vec<u8>>) -> Option<Vec<u8>> {
        // Undecodable means not ours to trust: no resumption.
        let (outcome, value) = decode(&stored?)?;
        *lock(&self.found) = Some(outcome);
        Some(value)
    }

    /// The handshake is over: a resumed connection reports the verification of the one that
    /// made its session; the sessions it issued are stored with the verification now final.
    pub fn handshake_done(&self, resumed: bool) {
        if self.finished.swap(true, Ordering::SeqCst) {
            return;
        }
        if let (true, Some(found)) = (resumed, lock(&self.found).take()) {
            write_outcome(&self.outcome, found);
        }
        let outcome = read_outcome(&self.outcome);
        for (key, value) in std::mem::take(&mut *lock(&self.pending)) {
            self.cache.put(self.key(&key), encode(&outcome, &value));
        }
    }
}

impl StoresServerSessions for PartitionedStore {
    fn put(&self, key: Vec<u8>, value: Vec<u8>) -> bool {
        if self.finished.load(Ordering::SeqCst) {
            let outcome = read_outcome(&self.outcome);
            return self.cache.put(self.key(&key), encode(&outcome, &value));
        }
        let mut pending = lock(&self.pending);
        if pending.len() >= MAX_PENDING {
            return false;
        }
        pending.push((key, value));
        true
    }

    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.found(self.cache.get(&self.key(key)))
    }

    fn take(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.found(self.cache.take(&self.key(key)))
    }

    fn can_cache(&self) -> bool {
        self.cache.can_cache()
    }
}

/// Whether a server config resumes only through `session_storage`.
pub fn tickets_are_stateful(config: &rustls::ServerConfig) -> bool {
    !config.ticketer.enabled()
}

// ---- the stored value: our header, then rustls's bytes ----

fn put_bytes(out: &mut Vec<u8>, bytes: &[u8]) {
    // Certificates and details are far below 4 GiB; past that the field is cut, and cut
    // consistently with its length.
    let n = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&n.to_be_bytes());
    let n = usize::try_from(n).unwrap_or(usize::MAX);
    out.extend_from_slice(bytes.get(..n).unwrap_or(bytes));
}

/// The verify result, its depth and detail, and the verified chain. What the client sent is
/// not kept: rustls's value holds it and restores it as the peer's certificates.
fn encode(outcome: &Outcome, value: &[u8]) -> Vec<u8> {
    let mut out = vec![VALUE_VERSION];
    match outcome.code {
        Some(code) => {
            out.push(1);
            out.extend_from_slice(&code.0.to_be_bytes());
        }
        None => out.push(0),
    }
    out.extend_from_slice(&outcome.depth.to_be_bytes());
    put_bytes(&mut out, outcome.detail.as_bytes());
    out.extend_from_slice(
        &u32::try_from(outcome.verified_chain.len())
            .unwrap_or(u32::MAX)
            .to_be_bytes(),
    );
    for cert in &outcome.verified_chain {
        put_bytes(&mut out, cert.as_ref());
    }
    out.extend_from_slice(value);
    out
}

struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let head = self.0.get(..n)?;
        self.0 = self.0.get(n..)?;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_be_bytes(self.take(4)?.try_into().ok()?))
    }

    fn bytes(&mut self) -> Option<&'a [u8]> {
        let n = usize::try_from(self.u32()?).ok()?;
        self.take(n)
    }
}

fn decode(stored: &[u8]) -> Option<(Outcome, Vec<u8>)> {
    let mut r = Reader(stored);
    if r.u8()? != VALUE_VERSION {
        return None;
    }
    let code = match r.u8()? {
        0 => None,
        1 => Some(VerifyCode(i32::from_be_bytes(r.take(4)?.try_into().ok()?))),
        _ => return None,
    };
    let depth = r.u32()?;
    let detail = String::from_utf8(r.bytes()?.to_vec()).ok()?;
    let count = r.u32()?;
    let mut verified_chain = Vec::new();
    for _ in 0..count {
        verified_chain.push(CertificateDer::from(r.bytes()?.to_vec()));
    }
    let outcome = Outcome {
        code,
        depth,
        detail,
        verified_chain,
        ..Outcome::default()
    };
    Some((outcome, r.0.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssl::config;
    use crate::ssl::constants::method;
    use crate::ssl::context::Context;
    use crate::ssl::pem;
    use crate::ssl::pkey::PKey;
    use crate::ssl::test_support::{CA, CHAIN, KEY};
    use rustls::server::ServerSessionMemoryCache;

    fn server_ctx() -> Context {
        let mut ctx = Context::new(method::TLS_SERVER).unwrap();
        ctx.settings
            .set_certificate_chain(pem::certificates(CHAIN).unwrap())
            .unwrap();
        ctx.settings
            .set_private_key(PKey::from_pem(KEY, None).unwrap())
            .unwrap();
        ctx
    }

    #[test]
    fn the_partition_follows_id_context_and_client_certificate_policy() {
        let mut ctx = server_ctx();
        let plain = partition(&ctx.settings, false).unwrap();
        // Without client certificates, trust plays no part.
        let mut trusting = ctx.clone();
        trusting.load_verify_data(CA).unwrap();
        assert_eq!(partition(&trusting.settings, false), Some(plain));

        ctx.set_session_id(b"A").unwrap();
        let a = partition(&ctx.settings, false).unwrap();
        assert_ne!(a, plain);
        ctx.set_session_id(b"B").unwrap();
        assert_ne!(partition(&ctx.settings, false).unwrap(), a);
        ctx.set_session_id(b"A").unwrap();
        assert_eq!(partition(&ctx.settings, false), Some(a));

        let mut seen = vec![a];
        for mode in [
            verify::PEER,
            verify::PEER | verify::FAIL_IF_NO_PEER_CERT,
            verify::PEER | verify::FAIL_IF_NO_PEER_CERT | verify::CLIENT_ONCE,
        ] {
            ctx.settings.set_verify(mode).unwrap();
            let p = partition(&ctx.settings, false).unwrap();
            assert!(!seen.contains(&p), "mode {mode:#x}");
            seen.push(p);
        }
        ctx.load_verify_data(CA).unwrap();
        let trusted = partition(&ctx.settings, false).unwrap();
        assert!(!seen.contains(&trusted));
        ctx.settings.verify_depth = Some(1);
        let deep = partition(&ctx.settings, false).unwrap();
        assert_ne!(deep, trusted);

        // A callback counts by identity; one the settings do not name disables the cache.
        assert_eq!(partition(&ctx.settings, true), None);
        let cb: Arc<dyn std::any::Any + Send + Sync> = Arc::new(());
        ctx.settings.verify_callback = Some(cb.clone());
        let with_cb = partition(&ctx.settings, true).unwrap();
        assert_ne!(with_cb, deep);
        assert_eq!(partition(&ctx.clone().settings, true), Some(with_cb));
        ctx.settings.verify_callback = Some(Arc::new(()));
        assert_ne!(partition(&ctx.settings, true), Some(with_cb));
    }

    fn outcome(code: i32) -> Outcome {
        Outcome {
            code: Some(VerifyCode(code)),
            depth: 1,
            detail: "why".into(),
            verified_chain: vec![CertificateDer::from(vec![1, 2, 3])],
            ..Outcome::default()
        }
    }

    #[test]
    fn sessions_are_found_only_in_their_partition_with_their_outcome() {
        let cache: Arc<dyn StoresServerSessions> = ServerSessionMemoryCache::new(16);
        let store = |p: u8, o: &SharedOutcome| PartitionedStore::new(cache.clone(), [p; 32], o.clone());

        let made = SharedOutcome::default();
        let maker = store(1, &made);
        assert!(maker.put(b"id".to_vec(), b"value".to_vec()));
        // Stored only once the handshake is over, with the verification then final.
        assert_eq!(cache.get(&maker.key(b"id")), None);
        write_outcome(&made, outcome(18));
        maker.handshake_done(false);
        assert!(cache.get(&maker.key(b"id")).is_some());

        let elsewhere = SharedOutcome::default();
        assert_eq!(store(2, &elsewhere).get(b"id"), None);
        assert_eq!(store(2, &elsewhere).take(b"id"), None);
        // The bare key is not a way round the prefix either.
        assert_eq!(cache.get(b"id"), None);

        let resumed = SharedOutcome::default();
        let resumer = store(1, &resumed);
        assert_eq!(resumer.get(b"id").as_deref(), Some(&b"value"[..]));
        // Applied only if the handshake did resume.
        assert_eq!(read_outcome(&resumed), Outcome::default());
        resumer.handshake_done(true);
        assert_eq!(read_outcome(&resumed), outcome(18));

        // Found but not resumed (rustls refused it): the full handshake's own result stays.
        let full = SharedOutcome::default();
        let refused = store(1, &full);
        assert!(refused.take(b"id").is_some());
        refused.handshake_done(false);
        assert_eq!(read_outcome(&full), Outcome::default());
        assert_eq!(store(1, &full).get(b"id"), None, "take removed it");

        // After the handshake, a session is stored at once.
        let late = store(3, &made);
        late.handshake_done(false);
        assert!(late.put(b"t".to_vec(), b"v".to_vec()));
        assert!(store(3, &full).get(b"t").is_some());
    }

    #[test]
    fn pending_sessions_are_bounded() {
        let cache: Arc<dyn StoresServerSessions> = ServerSessionMemoryCache::new(64);
        let s = PartitionedStore::new(cache, [0; 32], SharedOutcome::default());
        for i in 0..MAX_PENDING {
            assert!(s.put(vec![u8::try_from(i).unwrap()], vec![]));
        }
        assert!(!s.put(b"one too many".to_vec(), vec![]));
    }

    #[test]
    fn values_round_trip_and_garbage_is_not_found() {
        for o in [outcome(0), outcome(-1), outcome(i32::MAX), Outcome::default()] {
            let encoded = encode(&o, b"rustls bytes");
            assert_eq!(decode(&encoded), Some((o.clone(), b"rustls bytes".to_vec())));
            // Every truncation of the header is refused, never a panic.
            let header = encoded.len() - b"rustls bytes".len();
            for cut in 0..header {
                assert_eq!(decode(encoded.get(..cut).unwrap()), None, "cut at {cut}");
            }
        }
        assert_eq!(decode(&[2, 0]), None);
        assert_eq!(decode(&[1, 7]), None);
        let huge = [1u8, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(decode(&huge), None);
        let many = [1u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff];
        assert_eq!(decode(&many), None);
    }

    #[test]
    fn no_stateless_tickets_bypass_the_partition() {
        let ctx = server_ctx();
        let (config, store) = config::server(&ctx.settings, &SharedOutcome::default(), None, None).unwrap();
        assert!(tickets_are_stateful(&config));
        assert!(store.is_some());
        let mut off = ctx.clone();
        off.set_session_cache_mode(0);
        let (config, store) = config::server(&off.settings, &SharedOutcome::default(), None, None).unwrap();
        assert!(tickets_are_stateful(&config));
        assert!(store.is_none());
        assert!(!config.session_storage.can_cache());
    }
}
