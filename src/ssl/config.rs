//! Building rustls configurations from a Connection's settings snapshot. Built once per
//! connection, at its first I/O, because per-connection setters (host name, ALPN, verify
//! mode, certificate) may come after the Connection is created.

use std::sync::Arc;

use rustls::client::Resumption;
use rustls::crypto::CryptoProvider;
use rustls::{ClientConfig, KeyLog, ServerConfig};
use rustls_pki_types::ServerName;

use crate::ssl::ca_names::{ReceivedCaNames, Recording};
use crate::ssl::constants::{op, sess_cache, verify};
use crate::ssl::context::{Role, Settings};
use crate::ssl::error::{Error, Result};
use crate::ssl::server_sessions::{self, PartitionedStore};
use crate::ssl::session::{ClientPolicy, ClientSide, ConnectionStore, Session};
use crate::ssl::verify::{ClientVerifier, Policy, ServerVerifier, SharedOutcome, VerifyHook};

pub(super) fn provider(settings: &Settings) -> Arc<CryptoProvider> {
    crate::crypto::provider(settings.cipher_suites(), settings.groups.as_deref())
}

fn policy(
    settings: &Settings,
    role: Role,
    outcome: &SharedOutcome,
    provider: &CryptoProvider,
    hook: Option<Arc<dyn VerifyHook>>,
) -> Policy {
    Policy {
        roots: settings.trust.root_store(role == Role::Client),
        pinned: settings.trust.anchors.clone(),
        max_depth: settings.verify_depth,
        enforce: settings.enforces_verification(role),
        algorithms: provider.signature_verification_algorithms,
        outcome: outcome.clone(),
        hook,
    }
}

fn identity(
    settings: &Settings,
) -> Option<(
    Vec<rustls_pki_types::CertificateDer<'static>>,
    rustls_pki_types::PrivateKeyDer<'static>,
)> {
    settings
        .identity()
        .map(|(chain, key)| (chain.to_vec(), key.der().clone_key()))
}

/// A client config, the session store it uses and where the CA names of a certificate
/// request land; `name` is what `setTlsextHostName` asked for (`sni_name` is what rustls is
/// given, a placeholder when there is none).
///
/// The connection always verifies under its own policy: rustls is shown a `Lineage`, the
/// offered session's when that session may be resumed under this policy (see
/// `ClientPolicy::may_resume`), a new one otherwise, and the lineage passes every
/// verification to this connection's own verifier and every certificate request to its own
/// certificate.
pub(crate) fn client(
    settings: &Settings,
    name: Option<&ServerName<'static>>,
    sni_name: &ServerName<'static>,
    outcome: &SharedOutcome,
    hook: Option<Arc<dyn VerifyHook>>,
    key_log: Option<Arc<dyn KeyLog>>,
    offered: Option<Session>,
) -> Result<(ClientConfig, Arc<ConnectionStore>, ReceivedCaNames)> {
    let provider = provider(settings);
    let algorithms = provider.signature_verification_algorithms;
    let session_policy = ClientPolicy::new(settings, name, hook.is_some());
    let verifier = Arc::new(ServerVerifier::new(
        policy(settings, Role::Client, outcome, &provider, hook),
        name.cloned(),
    ));
    let builder = ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(&settings.versions()?)?
        .dangerous()
        .with_custom_certificate_verifier(verifier.clone());
    let mut config = match identity(settings) {
        Some((chain, key)) => builder.with_client_auth_cert(chain, key)?,
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = settings.alpn.clone();
    if let Some(key_log) = key_log {
        config.key_log = key_log;
    }
    // An IP literal or no name at all sends no SNI, as OpenSSL.
    config.enable_sni = matches!(name, Some(ServerName::DnsName(_)));
    // Recorded by this connection's own resolver, behind the lineage that rustls sees.
    let ca_names = ReceivedCaNames::default();
    // The connection's own store: it captures what the server sends (getSession) and offers
    // what setSession gave. A client resumes only when told to, as with OpenSSL.
    let (store, lineage) = ConnectionStore::new(
        &settings.shared,
        offered,
        ClientSide {
            policy: session_policy,
            verifier,
            resolver: Recording::new(config.client_auth_cert_resolver.clone(), ca_names.clone()),
            algorithms,
            outcome: outcome.clone(),
        },
        sni_name.clone(),
    );
    config.dangerous().set_certificate_verifier(lineage.clone());
    config.client_auth_cert_resolver = lineage;
    config.resumption = Resumption::store(store.clone());
    if settings.options & op::NO_TICKET != 0 {
        config.resumption = config
            .resumption
            .tls12_resumption(rustls::client::Tls12Resumption::SessionIdOnly);
    }
    Ok((config, store, ca_names))
}

/// A server config, and the view of the Context's session cache it stores sessions through
/// (`None` when it caches none).
pub(crate) fn server(
    settings: &Settings,
    outcome: &SharedOutcome,
    hook: Option<Arc<dyn VerifyHook>>,
    key_log: Option<Arc<dyn KeyLog>>,
) -> Result<(ServerConfig, Option<Arc<PartitionedStore>>)> {
    let provider = provider(settings);
    let partition = server_sessions::partition(settings, hook.is_some());
    let mode = settings.verify_mode.unwrap_or(verify::NONE);
    let builder = ServerConfig::builder_with_provider(provider.clone())
        .with_protocol_versions(&settings.versions()?)?;
    let builder = if mode & verify::PEER != 0 {
        builder.with_client_cert_verifier(Arc::new(ClientVerifier {
            policy: policy(settings, Role::Server, outcome, &provider, hook),
            mandatory: mode & verify::FAIL_IF_NO_PEER_CERT != 0,
            hints: settings.client_ca_names.clone(),
        }))
    } else {
        builder.with_no_client_auth()
    };
    let Some((chain, key)) = identity(settings) else {
        return Err(Error::ssl(
            "no certificate assigned: a server needs useCertificate() and usePrivateKey() before the handshake",
        ));
    };
    let mut config = builder.with_single_cert(chain, key)?;
    config.alpn_protocols = settings.alpn.clone();
    if let Some(key_log) = key_log {
        config.key_log = key_log;
    }
    config.ignore_client_order = settings.options & op::CIPHER_SERVER_PREFERENCE != 0;
    // The shared cache is reached only through this connection's partition (session id
    // context and client-certificate policy); resumption never bypasses it, since no
    // `ticketer` is set (rustls's default issues no stateless tickets).
    let store = match partition {
        Some(p) if settings.session_cache_mode & sess_cache::SERVER != 0 => Some(Arc::new(
            PartitionedStore::new(settings.shared.server_sessions.clone(), p, outcome.clone()),
        )),
        _ => None,
    };
    config.session_storage = match &store {
        Some(s) => s.clone(),
        None => Arc::new(rustls::server::NoServerSessionStorage {}),
    };
    if settings.options & op::NO_TICKET != 0 {
        config.send_tls13_tickets = 0;
    }
    Ok((config, store))
}
