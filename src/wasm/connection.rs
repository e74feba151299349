//! `Connection` for JS. Synchronous methods convert and call the core; the promise methods
//! run the core operation, and in transport mode pump ciphertext through the JS transport
//! until the operation completes or the transport says "not now" (Want*).
//!
//! State sits behind `Rc` so each promise owns what it needs; no borrow of the core is held
//! across an `await` or a call into JS, which keeps one connection full duplex.

use std::cell::RefCell;
use std::rc::{Rc, Weak};
use std::sync::Arc;

use js_sys::{Function, Promise, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::ssl::constants::{shutdown as shutdown_bits, MSG_PEEK};
use crate::ssl::verify::VerifyHook;
use crate::ssl::x509::X509 as CoreX509;
use crate::ssl::{self, Error};
use crate::wasm::abort::{detach, race, Abort};
use crate::wasm::callbacks::{self, CallbackHost, JsKeyLog, JsVerifyHook};
use crate::wasm::context::{self, certificate_arg, SharedContext};
use crate::wasm::convert;
use crate::wasm::errors::{to_js, JsResult};
use crate::wasm::host;
use crate::wasm::lock::{AsyncLock, Guard};
use crate::wasm::outbound::{self, Outbound};
use crate::wasm::session::{self, Session};
use crate::wasm::transport::{busy, Transport};
use crate::wasm::x509::X509;

struct State {
    core: RefCell<ssl::Connection>,
    context: RefCell<(SharedContext, JsValue)>,
    transport: Option<Transport>,
    app_data: RefCell<JsValue>,
    /// Itself, weakly, so a callback can be handed a `conn`.
    this: RefCell<Weak<State>>,
    /// The JS object the caller created (weakly: it must stay collectable), which callbacks
    /// receive as `conn`, so that `conn === connection` holds (API.md §5).
    owner: RefCell<Option<js_sys::WeakRef>>,
    /// Keeps reads in call order. Handshakes and shutdowns do not take it: a `recv` waiting
    /// on the transport must not hold them up (full duplex).
    read_lock: AsyncLock,
    /// Keeps writes (and the close_notify behind them) in call order, so each `sendall`
    /// arrives whole.
    write_lock: AsyncLock,
    /// The record a `send` encrypted before the transport would block. As with OpenSSL, the
    /// retry must offer the same bytes: it then resolves with this count once they are out,
    /// and anything else is a "bad write retry".
    send_taken: RefCell<Option<Vec<u8>>>,
    /// A `sendall` that hit "would block": its data and how far it got, for a retry with the
    /// same data to resume from.
    sendall_done: RefCell<Option<(Outbound, usize)>>,
    /// What a user callback threw, rethrown by every later operation (the error is sticky).
    raised: RefCell<Option<JsValue>>,
    /// What a keylog callback threw, for the I/O call that ran it to reject with once.
    pending: RefCell<Option<JsValue>>,
}

impl CallbackHost for State {
    fn js_connection(&self) -> JsValue {
        if let Some(owner) = self.owner.borrow().as_ref().and_then(|w| w.deref()) {
            return owner.into();
        }
        // The caller's object is gone (collected while an operation it started runs on): a
        // second handle on the same connection serves.
        self.this
            .borrow()
            .upgrade()
            .map_or(JsValue::NULL, |state| Connection { state }.into())
    }

    fn raised(&self) -> &RefCell<Option<JsValue>> {
        &self.raised
    }

    fn pending(&self) -> &RefCell<Option<JsValue>> {
        &self.pending
    }
}

/// Binds the keylog callback (from the Context's settings) to this connection.
fn bind_key_log(state: &Rc<State>, callback: Option<Function>) {
    let key_log = callback.map(|callback| {
        Arc::new(JsKeyLog {
            callback,
            host: Rc::downgrade(state),
        }) as Arc<dyn rustls::KeyLog>
    });
    if let Ok(mut core) = state.core.try_borrow_mut() {
        core.set_key_log(key_log);
    }
}

/// Delivers what happened during an operation, outside any borrow: info-callback events,
/// then a keylog callback's exception.
fn after_operation(state: &Rc<State>) -> JsResult<()> {
    let (events, callback) = {
        let mut core = state.core.try_borrow_mut().map_err(|_| busy())?;
        let events = core.take_info_events();
        (events, callbacks::stored(&core.settings().info_callback))
    };
    if let Some(cb) = callback {
        let conn = state.js_connection();
        for (place, ret) in events {
            cb.call3(&JsValue::NULL, &conn, &place.into(), &ret.into())?;
        }
    }
    match state.pending.borrow_mut().take() {
        Some(thrown) => Err(thrown),
        None => Ok(()),
    }
}

/// Binds a verify callback (from the Context's settings or `setVerify`) to this connection.
fn bind_verify_hook(state: &Rc<State>, callback: Option<Function>) {
    let hook = callback.map(|callback| {
        Arc::new(JsVerifyHook {
            callback,
            host: Rc::downgrade(state),
        }) as Arc<dyn VerifyHook>
    });
    if let Ok(mut core) = state.core.try_borrow_mut() {
        core.set_verify_hook(hook);
    }
}

fn settings_callback(settings: &ssl::context::Settings) -> Option<Function> {
    callbacks::stored(&settings.verify_callback)
}

/// The server has the ClientHello: run the user's callbacks with no borrow held (they may
/// call `conn.setContext()`), then let the core go on.
fn client_hello_callbacks(state: &Rc<State>) -> JsResult<()> {
    let hello = state.core.try_borrow().map_err(|_| busy())?.client_hello();
    let Some(hello) = hello else {
        return Ok(());
    };
    let current = |pick: fn(&ssl::context::Settings) -> Option<Function>| {
        state.core.try_borrow().ok().and_then(|c| pick(c.settings()))
    };
    match callbacks::on_client_hello(&state.js_connection(), current, &hello) {
        Ok(choice) => state
            .core
            .try_borrow_mut()
            .map_err(|_| busy())?
            .resume_accept(choice)
            .map_err(JsValue::from),
        Err(thrown) => {
            *state.raised.borrow_mut() = Some(thrown.clone());
            if let Ok(mut core) = state.core.try_borrow_mut() {
                core.abort_accept(Error::CallbackFailed);
            }
            Err(thrown)
        }
    }
}

#[wasm_bindgen]
pub struct Connection {
    state: Rc<State>,
}

/// Runs `op` on the core; in transport mode, flushes and receives until it stops wanting
/// input. The result's error is already a JS value.
async fn drive<T>(
    state: &Rc<State>,
    abort: Option<&Abort>,
    op: impl FnMut(&mut ssl::Connection) -> ssl::Result<T>,
) -> JsResult<T> {
    let v = drive_unflushed(state, abort, op).await?;
    flush(state, abort).await?;
    Ok(v)
}

/// Hands the queued ciphertext to the transport. With a signal, the transport's `send` runs
/// as a task of its own, so an abort stops only the waiting: how much the transport took is
/// still recorded, and the rest goes first next time.
async fn flush(state: &Rc<State>, abort: Option<&Abort>) -> JsResult<()> {
    if state.transport.is_none() {
        return Ok(());
    }
    if abort.is_none() {
        return flush_now(state).await;
    }
    let owned = state.clone();
    race(abort, detach(async move { flush_now(&owned).await })).await
}

async fn flush_now(state: &State) -> JsResult<()> {
    match &state.transport {
        Some(t) => t.flush(&state.core).await,
        None => Ok(()),
    }
}

/// One receive from the transport into the core's input queue; as with [`flush`], an abort
/// leaves the receive under way, and what it brings stays queued for the next call.
async fn fill(state: &Rc<State>, transport: &Transport, abort: Option<&Abort>) -> JsResult<bool> {
    if abort.is_none() {
        return transport.fill(&state.core).await;
    }
    let owned = state.clone();
    let received = detach(async move {
        match &owned.transport {
            Some(t) => t.fill(&owned.core).await,
            None => Ok(false),
        }
    });
    race(abort, received).await
}

/// The turn in `lock`'s queue, or the signal's reason; an aborted waiter leaves the queue.
async fn turn<'a>(lock: &'a AsyncLock, abort: Option<&Abort>) -> JsResult<Guard<'a>> {
    race(abort, async { Ok(lock.acquire().await) }).await
}

/// `drive` without the final flush, for callers that must know whether the operation
/// itself succeeded before the transport refused its output.
///
/// An info or keylog callback that throws makes the call reject with what it threw; the
/// operations are arranged so that this never hides an effect (a read only peeks until the
/// callbacks are through, a send runs its handshake as a separate step).
async fn drive_unflushed<T>(
    state: &Rc<State>,
    abort: Option<&Abort>,
    mut op: impl FnMut(&mut ssl::Connection) -> ssl::Result<T>,
) -> JsResult<T> {
    loop {
        // Before any step that could build a config: a context may also be swapped in by a
        // servername callback, which is why this is checked on every turn of the loop.
        let needs_roots = state
            .core
            .try_borrow()
            .is_ok_and(|core| core.needs_bundled_roots());
        if needs_roots {
            race(abort, host::ensure_bundled_roots()).await?;
        }
        let (result, paused) = {
            let mut core = state.core.try_borrow_mut().map_err(|_| busy())?;
            let result = op(&mut core);
            (result, core.client_hello().is_some())
        };
        if let Err(e) = after_operation(state) {
            // What the operation queued for the peer still goes out.
            let _ = flush(state, abort).await;
            return Err(e);
        }
        if paused {
            if let Err(e) = client_hello_callbacks(state) {
                let _ = flush(state, abort).await;
                return Err(e);
            }
            continue;
        }
        let Some(transport) = &state.transport else {
            return result.map_err(|e| match e {
                Error::CallbackFailed => callback_error(state),
                e => to_js(e),
            });
        };
        match result {
            Err(Error::WantRead) => {
                flush(state, abort).await?;
                if !fill(state, transport, abort).await? {
                    return Err(to_js(Error::WantRead));
                }
            }
            Err(Error::CallbackFailed) => {
                let _ = flush(state, abort).await;
                return Err(callback_error(state));
            }
            Err(e) => {
                // The alert for the peer goes out before the error does; if that fails too,
                // the first error is the one worth reporting.
                let _ = flush(state, abort).await;
                return Err(to_js(e));
            }
            Ok(v) => return Ok(v),
        }
    }
}

/// The object the user's callback threw.
fn callback_error(state: &State) -> JsValue {
    state
        .raised
        .borrow()
        .clone()
        .unwrap_or_else(|| to_js(Error::CallbackFailed))
}

fn promise<F>(f: F) -> Promise
where
    F: std::future::Future<Output = JsResult<JsValue>> + 'static,
{
    future_to_promise(f)
}

impl Connection {
    fn core(&self) -> JsResult<std::cell::RefMut<'_, ssl::Connection>> {
        self.state.core.try_borrow_mut().map_err(|_| busy())
    }

    fn core_ref(&self) -> JsResult<std::cell::Ref<'_, ssl::Connection>> {
        self.state.core.try_borrow().map_err(|_| busy())
    }

    fn memory_bio(&self) -> JsResult<std::cell::RefMut<'_, ssl::Connection>> {
        if self.state.transport.is_some() {
            return Err(to_js(Error::Type(
                "this Connection has a transport; bioRead/bioWrite/bioShutdown are for memory-BIO connections (transport null)".into(),
            )));
        }
        self.core()
    }
}

fn to_x509(der: &rustls_pki_types::CertificateDer<'_>) -> Option<X509> {
    CoreX509::from_der(der.as_ref()).ok().map(X509::from)
}

fn x509_array(certs: Vec<rustls_pki_types::CertificateDer<'static>>) -> JsValue {
    certs
        .iter()
        .filter_map(to_x509)
        .map(JsValue::from)
        .collect::<js_sys::Array>()
        .into()
}

#[wasm_bindgen]
impl Connection {
    #[wasm_bindgen(constructor)]
    pub fn new(context: JsValue, transport: JsValue) -> JsResult<Connection> {
        let shared = context::lookup(&context)?;
        let transport = if convert::is_absent(&transport) {
            None
        } else {
            Some(Transport::from_js(&transport)?)
        };
        let settings = shared
            .try_borrow()
            .map_err(|_| to_js(Error::ssl("context is busy")))?
            .snapshot();
        let callback = settings_callback(&settings);
        let keylog = callbacks::stored(&settings.keylog_callback);
        let state = Rc::new(State {
            core: RefCell::new(ssl::Connection::new(settings)),
            context: RefCell::new((shared, context)),
            transport,
            app_data: RefCell::new(JsValue::NULL),
            read_lock: AsyncLock::default(),
            write_lock: AsyncLock::default(),
            send_taken: RefCell::new(None),
            sendall_done: RefCell::new(None),
            raised: RefCell::new(None),
            pending: RefCell::new(None),
            this: RefCell::new(Weak::new()),
            owner: RefCell::new(None),
        });
        *state.this.borrow_mut() = Rc::downgrade(&state);
        bind_verify_hook(&state, callback);
        bind_key_log(&state, keylog);
        Ok(Connection { state })
    }

    /// Called once by the package's `Connection` constructor with the object it built: that
    /// object is the `conn` every callback receives. Later calls change nothing.
    #[wasm_bindgen(js_name = "__adopt")]
    pub fn adopt(&self, owner: JsValue) -> JsResult<()> {
        let Some(object) = owner.dyn_ref::<js_sys::Object>() else {
            return Err(Error::Type("__adopt takes the Connection object itself".into()).into());
        };
        let mut slot = self.state.owner.borrow_mut();
        if slot.is_none() {
            *slot = Some(js_sys::WeakRef::new(object));
        }
        Ok(())
    }

    // ---- roles and settings ----

    #[wasm_bindgen(js_name = setConnectState)]
    pub fn set_connect_state(&self) -> JsResult<()> {
        self.core()?.set_connect_state();
        Ok(())
    }

    #[wasm_bindgen(js_name = setAcceptState)]
    pub fn set_accept_state(&self) -> JsResult<()> {
        self.core()?.set_accept_state();
        Ok(())
    }

    #[wasm_bindgen(js_name = setTlsextHostName)]
    pub fn set_tlsext_host_name(&self, name: JsValue) -> JsResult<()> {
        let name = convert::string(&name, "name")?;
        self.core()?.set_host_name(&name).map_err(JsValue::from)
    }

    #[wasm_bindgen(js_name = getServername)]
    pub fn get_servername(&self) -> JsResult<JsValue> {
        Ok(nullable(self.core_ref()?.server_name()))
    }

    #[wasm_bindgen(js_name = setAlpnProtos)]
    pub fn set_alpn_protos(&self, protos: JsValue) -> JsResult<()> {
        let protos = convert::byte_list(&protos, "protos")?;
        self.core()?
            .settings_mut()
            .set_alpn_protos(protos)
            .map_err(JsValue::from)
    }

    #[wasm_bindgen(js_name = setVerify)]
    pub fn set_verify(&self, mode: JsValue, callback: JsValue) -> JsResult<()> {
        let mode = convert::uint(&mode, "mode")?;
        let callback = convert::optional_function(&callback, "callback")?;
        self.core()?.settings_mut().set_verify(mode)?;
        // sessions: the settings name the callback in force, so that a session it verified
        // resumes only under the very same one (ssl::session::CallbackUse).
        self.core()?.settings_mut().verify_callback = callbacks::store(callback.clone());
        bind_verify_hook(&self.state, callback);
        Ok(())
    }

    #[wasm_bindgen(js_name = getVerifyMode)]
    pub fn get_verify_mode(&self) -> JsResult<u32> {
        Ok(self.core_ref()?.settings().reported_verify_mode())
    }

    #[wasm_bindgen(js_name = useCertificate)]
    pub fn use_certificate(&self, cert: JsValue) -> JsResult<()> {
        let cert = certificate_arg(&cert, "cert")?;
        self.core()?.use_certificate(cert).map_err(JsValue::from)
    }

    #[wasm_bindgen(js_name = usePrivateKey)]
    pub fn use_private_key(&self, key: JsValue) -> JsResult<()> {
        if convert::is_x509(&key) {
            return Err(to_js(Error::Type(
                "key must be a PKey, PEM text or DER bytes, not an X509".into(),
            )));
        }
        let der = match convert::der_via_method(&key) {
            Some(der) => der?,
            None => convert::bytes(&key, "key")?,
        };
        let key = if ssl::pem::looks_like_pem(&der) {
            ssl::pkey::PKey::from_pem(&der, None)
        } else {
            ssl::pkey::PKey::from_der(&der)
        }?;
        self.core()?.use_private_key(key).map_err(JsValue::from)
    }

    #[wasm_bindgen(js_name = setContext)]
    pub fn set_context(&self, context: JsValue) -> JsResult<()> {
        let shared = context::lookup(&context)?;
        let settings = shared
            .try_borrow()
            .map_err(|_| to_js(Error::ssl("context is busy")))?
            .snapshot();
        let callback = settings_callback(&settings);
        let keylog = callbacks::stored(&settings.keylog_callback);
        self.core()?.replace_settings(settings);
        bind_verify_hook(&self.state, callback);
        bind_key_log(&self.state, keylog);
        *self.state.context.borrow_mut() = (shared, context);
        Ok(())
    }

    /// `callback(conn, where, ret)` for this connection only (pyOpenSSL 25.2).
    #[wasm_bindgen(js_name = setInfoCallback)]
    pub fn set_info_callback(&self, callback: JsValue) -> JsResult<()> {
        let cb = callbacks::store(convert::optional_function(&callback, "callback")?);
        self.core()?.settings_mut().info_callback = cb;
        Ok(())
    }

    /// Offers a session from an earlier connection of the same Context for resumption.
    #[wasm_bindgen(js_name = setSession)]
    pub fn set_session(&self, session: JsValue) -> JsResult<()> {
        let session = session::lookup(&session).ok_or_else(|| {
            to_js(Error::Type(format!(
                "session must be a Session, not {}",
                convert::type_name(&session)
            )))
        })?;
        self.core()?.set_session(session).map_err(JsValue::from)
    }

    /// `null` until the server's session data arrived (in TLS 1.3, after the first `recv`).
    #[wasm_bindgen(js_name = getSession)]
    pub fn get_session(&self) -> JsResult<JsValue> {
        Ok(nullable(self.core_ref()?.session().map(Session::from)))
    }

    #[wasm_bindgen(js_name = getContext)]
    pub fn get_context(&self) -> JsValue {
        self.state.context.borrow().1.clone()
    }

    #[wasm_bindgen(js_name = setAppData)]
    pub fn set_app_data(&self, data: JsValue) {
        *self.state.app_data.borrow_mut() = data;
    }

    #[wasm_bindgen(js_name = getAppData)]
    pub fn get_app_data(&self) -> JsValue {
        self.state.app_data.borrow().clone()
    }

    #[wasm_bindgen(js_name = setShutdown)]
    pub fn set_shutdown(&self, bits: JsValue) -> JsResult<()> {
        let bits = convert::uint(&bits, "state")?;
        self.core()?.set_shutdown_bits(bits);
        Ok(())
    }

    #[wasm_bindgen(js_name = getShutdown)]
    pub fn get_shutdown(&self) -> JsResult<u32> {
        Ok(self.core_ref()?.shutdown_bits())
    }

    // ---- promise operations ----
    //
    // Each takes a last `signal` (the entry moves it out of the `{ signal }` options). How an
    // abort leaves each operation is said in README.md ("Timeouts and cancellation").

    #[wasm_bindgen(js_name = doHandshake)]
    pub fn do_handshake(&self, signal: JsValue) -> Promise {
        let abort = match Abort::watch(&signal) {
            Ok(a) => a,
            Err(e) => return Promise::reject(&e),
        };
        let state = self.state.clone();
        promise(async move {
            // Handshake progress is the connection's, not the caller's: an abort leaves it
            // where it got to, and the next call carries on from there.
            drive(&state, abort.as_ref(), |c| c.do_handshake()).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// Encrypts at most one record (16 KiB) of `data`; resolves with how much it took. Only
    /// that record is copied, and it is copied now.
    pub fn send(&self, data: JsValue, _flags: JsValue, signal: JsValue) -> Promise {
        let abort = match Abort::watch(&signal) {
            Ok(a) => a,
            Err(e) => return Promise::reject(&e),
        };
        let record = match outbound::first_record(&data) {
            Ok(r) => r,
            Err(e) => return Promise::reject(&to_js(e)),
        };
        let state = self.state.clone();
        promise(async move {
            let abort = abort.as_ref();
            let _turn = turn(&state.write_lock, abort).await?;
            let n = send_one(&state, abort, &record).await?;
            // A completed `send` settles whatever a `sendall` had left pending.
            state.sendall_done.replace(None);
            Ok(JsValue::from(n as f64))
        })
    }

    pub fn write(&self, data: JsValue, flags: JsValue, signal: JsValue) -> Promise {
        self.send(data, flags, signal)
    }

    /// Sends all of `data`, a record at a time; the data is copied now (in JS memory), and
    /// wasm memory only ever holds the record being encrypted.
    pub fn sendall(&self, data: JsValue, _flags: JsValue, signal: JsValue) -> Promise {
        let abort = match Abort::watch(&signal) {
            Ok(a) => a,
            Err(e) => return Promise::reject(&e),
        };
        let data = match Outbound::take(&data) {
            Ok(d) => d,
            Err(e) => return Promise::reject(&to_js(e)),
        };
        let state = self.state.clone();
        promise(async move {
            let abort = abort.as_ref();
            let _turn = turn(&state.write_lock, abort).await?;
            let mut offset = 0;
            let resumed = state.sendall_done.borrow_mut().take();
            if let Some((earlier, done)) = resumed {
                if !earlier.same_bytes(&data) {
                    state.sendall_done.replace(Some((earlier, done)));
                    return Err(to_js(bad_write_retry()));
                }
                offset = done;
            }
            while offset < data.len() {
                let record = data.record_at(offset);
                match send_one(&state, abort, &record).await {
                    Ok(n) => offset += n,
                    Err(e) => {
                        // An abort before any of the data was taken leaves no trace: the
                        // next write may be anything. Otherwise, as after WantWriteError,
                        // a retry with the same data resumes where this one stopped.
                        let untouched = offset == 0 && state.send_taken.borrow().is_none();
                        if !(untouched && abort.is_some_and(Abort::aborted)) {
                            state.sendall_done.replace(Some((data, offset)));
                        }
                        return Err(e);
                    }
                }
            }
            Ok(JsValue::from(data.len() as f64))
        })
    }

    pub fn recv(&self, bufsiz: JsValue, flags: JsValue, signal: JsValue) -> Promise {
        let abort = match Abort::watch(&signal) {
            Ok(a) => a,
            Err(e) => return Promise::reject(&e),
        };
        let args = convert::size(&bufsiz, "bufsiz").and_then(|max| Ok((max, peek_flag(&flags)?)));
        let (max, peek) = match args {
            Ok(a) => a,
            Err(e) => return Promise::reject(&to_js(e)),
        };
        let state = self.state.clone();
        promise(async move {
            let abort = abort.as_ref();
            let _turn = turn(&state.read_lock, abort).await?;
            let data = read(&state, abort, max, peek).await?;
            Ok(Uint8Array::from(data.as_slice()).into())
        })
    }

    pub fn read(&self, bufsiz: JsValue, flags: JsValue, signal: JsValue) -> Promise {
        self.recv(bufsiz, flags, signal)
    }

    /// Reads into the caller's buffer. The buffer is checked again once data is there: if it
    /// was detached or shrank while the read waited, the call rejects and the data stays for
    /// the next read.
    #[wasm_bindgen(js_name = recvInto)]
    pub fn recv_into(&self, buffer: JsValue, nbytes: JsValue, flags: JsValue, signal: JsValue) -> Promise {
        let abort = match Abort::watch(&signal) {
            Ok(a) => a,
            Err(e) => return Promise::reject(&e),
        };
        let Some(buffer) = buffer.dyn_ref::<Uint8Array>().cloned() else {
            return Promise::reject(&to_js(Error::Type("buffer must be a Uint8Array".into())));
        };
        let capacity = buffer.length() as usize;
        let args = convert::optional_size(&nbytes, "nbytes")
            .and_then(|n| Ok((n.map_or(capacity, |n| n.min(capacity)), peek_flag(&flags)?)));
        let (max, peek) = match args {
            Ok(a) => a,
            Err(e) => return Promise::reject(&to_js(e)),
        };
        let state = self.state.clone();
        promise(async move {
            let abort = abort.as_ref();
            let _turn = turn(&state.read_lock, abort).await?;
            let data = drive_unflushed(&state, abort, |c| c.read(max, true)).await?;
            // The point of no return: an aborted call writes nothing into the buffer and
            // takes nothing from the connection.
            if let Some(abort) = abort {
                abort.check()?;
            }
            let now = buffer.length() as usize;
            if now < capacity {
                let e = if now == 0 {
                    Error::Type("the buffer was detached while recvInto waited; nothing was read".into())
                } else {
                    Error::Range(format!(
                        "the buffer shrank from {capacity} to {now} bytes while recvInto waited; nothing was read"
                    ))
                };
                return Err(to_js(e));
            }
            let n = u32::try_from(data.len()).unwrap_or(u32::MAX);
            if n > 0 {
                buffer.subarray(0, n).copy_from(&data);
            }
            if !peek {
                consume(&state, data.len())?;
            }
            // As in `read`: the data is the caller's before this flush can fail (or the
            // signal abort it).
            let _ = flush(&state, abort).await;
            Ok(JsValue::from(f64::from(n)))
        })
    }

    /// The first call sends close_notify after the writes before it, and never waits for the
    /// peer; later calls wait for the peer's, alongside any `recv` (they share the transport's
    /// receive, so neither holds the other up).
    pub fn shutdown(&self, signal: JsValue) -> Promise {
        let abort = match Abort::watch(&signal) {
            Ok(a) => a,
            Err(e) => return Promise::reject(&e),
        };
        let state = self.state.clone();
        promise(async move {
            let abort = abort.as_ref();
            let first = {
                let core = state.core.try_borrow().map_err(|_| busy())?;
                core.shutdown_bits() & shutdown_bits::SENT == 0
            };
            let done = if first {
                let _turn = turn(&state.write_lock, abort).await?;
                // Aborted before the close_notify is queued, the call did nothing; after,
                // it goes out as it would have (`getShutdown()` has SENT_SHUTDOWN).
                if let Some(abort) = abort {
                    abort.check()?;
                }
                let done = state.core.try_borrow_mut().map_err(|_| busy())?.shutdown()?;
                flush(&state, abort).await?;
                done
            } else {
                drive(&state, abort, |c| c.shutdown()).await?
            };
            Ok(JsValue::from(done))
        })
    }

    // ---- memory BIO ----

    #[wasm_bindgen(js_name = bioWrite)]
    pub fn bio_write(&self, data: JsValue) -> JsResult<f64> {
        let data = convert::bytes(&data, "data")?;
        self.memory_bio()?
            .try_bio_write(&data)
            .map(|n| n as f64)
            .map_err(JsValue::from)
    }

    #[wasm_bindgen(js_name = bioRead)]
    pub fn bio_read(&self, bufsiz: JsValue) -> JsResult<Uint8Array> {
        let max = convert::size(&bufsiz, "bufsiz")?;
        let data = self.memory_bio()?.bio_read(max)?;
        Ok(Uint8Array::from(data.as_slice()))
    }

    #[wasm_bindgen(js_name = bioShutdown)]
    pub fn bio_shutdown(&self) -> JsResult<()> {
        self.memory_bio()?.bio_shutdown();
        Ok(())
    }

    // ---- state ----

    pub fn pending(&self) -> JsResult<f64> {
        Ok(self.core_ref()?.pending() as f64)
    }

    #[wasm_bindgen(js_name = wantRead)]
    pub fn want_read(&self) -> JsResult<bool> {
        Ok(self.core_ref()?.want_read())
    }

    #[wasm_bindgen(js_name = wantWrite)]
    pub fn want_write(&self) -> JsResult<bool> {
        let unsent = self.state.transport.as_ref().is_some_and(Transport::has_unsent);
        Ok(unsent || self.core_ref()?.want_write())
    }

    #[wasm_bindgen(js_name = getStateString)]
    pub fn get_state_string(&self) -> JsResult<String> {
        Ok(self.core_ref()?.state_string().to_string())
    }

    #[wasm_bindgen(js_name = isHandshakeDone)]
    pub fn is_handshake_done(&self) -> JsResult<bool> {
        Ok(self.core_ref()?.is_handshake_done())
    }

    #[wasm_bindgen(js_name = isSessionReused)]
    pub fn is_session_reused(&self) -> JsResult<bool> {
        Ok(self.core_ref()?.is_session_reused())
    }

    // ---- peer and parameters ----

    #[wasm_bindgen(js_name = getPeerCertificate)]
    pub fn get_peer_certificate(&self) -> JsResult<JsValue> {
        Ok(nullable(
            self.core_ref()?
                .peer_certificates()
                .and_then(|c| c.first().and_then(to_x509)),
        ))
    }

    #[wasm_bindgen(js_name = getPeerCertChain)]
    pub fn get_peer_cert_chain(&self) -> JsResult<JsValue> {
        Ok(self
            .core_ref()?
            .peer_cert_chain()
            .map_or(JsValue::NULL, x509_array))
    }

    #[wasm_bindgen(js_name = getVerifiedChain)]
    pub fn get_verified_chain(&self) -> JsResult<JsValue> {
        Ok(self
            .core_ref()?
            .verified_chain()
            .map_or(JsValue::NULL, x509_array))
    }

    #[wasm_bindgen(js_name = getCertificate)]
    pub fn get_certificate(&self) -> JsResult<JsValue> {
        Ok(nullable(self.core_ref()?.own_certificate().and_then(to_x509)))
    }

    #[wasm_bindgen(js_name = getVerifyResult)]
    pub fn get_verify_result(&self) -> JsResult<i32> {
        Ok(self.core_ref()?.verify_result())
    }

    #[wasm_bindgen(js_name = getCipherName)]
    pub fn get_cipher_name(&self) -> JsResult<JsValue> {
        Ok(nullable(self.core_ref()?.cipher_name()))
    }

    #[wasm_bindgen(js_name = getCipherBits)]
    pub fn get_cipher_bits(&self) -> JsResult<JsValue> {
        Ok(nullable(self.core_ref()?.cipher_bits()))
    }

    #[wasm_bindgen(js_name = getCipherVersion)]
    pub fn get_cipher_version(&self) -> JsResult<JsValue> {
        Ok(nullable(self.core_ref()?.cipher_version()))
    }

    #[wasm_bindgen(js_name = getCipherList)]
    pub fn get_cipher_list(&self) -> JsResult<Vec<String>> {
        Ok(self.core_ref()?.cipher_list())
    }

    #[wasm_bindgen(js_name = getProtocolVersionName)]
    pub fn get_protocol_version_name(&self) -> JsResult<String> {
        Ok(self.core_ref()?.protocol_version_name().to_string())
    }

    #[wasm_bindgen(js_name = getProtocolVersion)]
    pub fn get_protocol_version(&self) -> JsResult<u32> {
        Ok(self.core_ref()?.protocol_version().map_or(0, u32::from))
    }

    #[wasm_bindgen(js_name = getGroupName)]
    pub fn get_group_name(&self) -> JsResult<JsValue> {
        Ok(nullable(self.core_ref()?.group_name()))
    }

    #[wasm_bindgen(js_name = getAlpnProtoNegotiated)]
    pub fn get_alpn_proto_negotiated(&self) -> JsResult<String> {
        Ok(String::from_utf8_lossy(&self.core_ref()?.alpn_protocol()).into_owned())
    }

    #[wasm_bindgen(js_name = exportKeyingMaterial)]
    pub fn export_keying_material(
        &self,
        label: JsValue,
        length: JsValue,
        context: JsValue,
    ) -> JsResult<Uint8Array> {
        let label = convert::bytes(&label, "label")?;
        let length = convert::size(&length, "length")?;
        let context = if convert::is_absent(&context) {
            None
        } else {
            Some(convert::bytes(&context, "context")?)
        };
        let out = self
            .core_ref()?
            .export_keying_material(&label, length, context.as_deref())?;
        Ok(Uint8Array::from(out.as_slice()))
    }

    #[wasm_bindgen(js_name = getClientCaList)]
    pub fn get_client_ca_list(&self) -> JsResult<JsValue> {
        // As OpenSSL's SSL_get_client_CA_list: a client gets the names the server's
        // certificate request listed (none before it), a server (or a connection without a
        // role yet) the names it sends.
        let core = self.core_ref()?;
        let names: Vec<Vec<u8>> = match core.role() {
            Some(ssl::context::Role::Client) => core.received_ca_names(),
            _ => core
                .settings()
                .client_ca_names
                .iter()
                .map(|dn| dn.as_ref().to_vec())
                .collect(),
        };
        // A received name that is not a DER Name cannot be an X509Name; it is left out.
        let names: js_sys::Array = names
            .iter()
            .filter_map(|der| crate::ssl::x509::X509Name::from_der(der).ok())
            .map(|n| JsValue::from(crate::wasm::x509::X509Name::from(n)))
            .collect();
        Ok(names.into())
    }

    // ---- what rustls cannot do: loud, not silent ----

    pub fn renegotiate(&self) -> JsResult<bool> {
        Err(to_js(Error::ssl("renegotiation is not supported")))
    }

    #[wasm_bindgen(js_name = renegotiatePending)]
    pub fn renegotiate_pending(&self) -> bool {
        false
    }

    #[wasm_bindgen(js_name = totalRenegotiations)]
    pub fn total_renegotiations(&self) -> u32 {
        0
    }

    #[wasm_bindgen(js_name = getFinished)]
    pub fn get_finished(&self) -> JsValue {
        JsValue::NULL
    }

    #[wasm_bindgen(js_name = getPeerFinished)]
    pub fn get_peer_finished(&self) -> JsValue {
        JsValue::NULL
    }

    #[wasm_bindgen(js_name = masterKey)]
    pub fn master_key(&self) -> JsValue {
        JsValue::NULL
    }

    #[wasm_bindgen(js_name = serverRandom)]
    pub fn server_random(&self) -> JsValue {
        JsValue::NULL
    }

    #[wasm_bindgen(js_name = clientRandom)]
    pub fn client_random(&self) -> JsValue {
        JsValue::NULL
    }
}

/// pyOpenSSL's `None` is `null` in this API; wasm-bindgen would make an `Option` `undefined`.
fn nullable<T: Into<JsValue>>(v: Option<T>) -> JsValue {
    v.map_or(JsValue::NULL, Into::into)
}

fn peek_flag(flags: &JsValue) -> ssl::Result<bool> {
    if convert::is_absent(flags) {
        return Ok(false);
    }
    Ok(convert::uint(flags, "flags")? & MSG_PEEK != 0)
}

fn bad_write_retry() -> Error {
    Error::ssl("bad write retry: a write that failed with WantWriteError must be retried with the same data")
}

/// One record: encrypt, then flush. A retry after `WantWriteError` only flushes, because the
/// data was already taken (OpenSSL's rule for non-blocking writes), and must offer the same
/// bytes again.
///
/// The record is noted as taken before the flush, so a call aborted while the transport
/// takes it leaves the connection as `WantWriteError` would: the record goes out once, and a
/// retry with the same data resolves with its count.
async fn send_one(state: &Rc<State>, abort: Option<&Abort>, record: &[u8]) -> JsResult<usize> {
    let taken = state.send_taken.borrow_mut().take();
    let n = match taken {
        Some(earlier) => {
            if record.get(..earlier.len()) != Some(earlier.as_slice()) {
                state.send_taken.replace(Some(earlier));
                return Err(to_js(bad_write_retry()));
            }
            let n = earlier.len();
            state.send_taken.replace(Some(earlier));
            n
        }
        None => {
            // The handshake first, as its own step: a callback that throws during it rejects
            // this call before any of the data is taken.
            let done = state.core.try_borrow().map_err(|_| busy())?.is_handshake_done();
            if !done {
                drive(state, abort, |c| c.do_handshake()).await?;
            }
            if let Some(abort) = abort {
                abort.check()?;
            }
            let n = drive_unflushed(state, abort, |c| c.write(record)).await?;
            let taken = record.get(..n).unwrap_or_default().to_vec();
            state.send_taken.replace(Some(taken));
            n
        }
    };
    flush(state, abort).await?;
    state.send_taken.replace(None);
    Ok(n)
}

/// Up to `max` bytes of plaintext. The data is only peeked until the callbacks that ran on
/// the way have all returned, so one that throws leaves it for the next read.
///
/// The data is taken before the final flush, which awaits: a `shutdown()` running meanwhile
/// may discard unread plaintext, and must not make this read take other bytes than it returns.
/// A flush that fails then is not this read's failure (its data is the caller's); the next
/// call meets it again. For the same reason a signal is checked right before the data is
/// taken, and not after.
async fn read(state: &Rc<State>, abort: Option<&Abort>, max: usize, peek: bool) -> JsResult<Vec<u8>> {
    let mut data = drive_unflushed(state, abort, |c| c.read(max, true)).await?;
    if let Some(abort) = abort {
        abort.check()?;
    }
    if !peek {
        consume(state, data.len())?;
        // Records already received go into this read too (still before the flush, with no
        // await in between): a bulk reader then pays one call per transport chunk instead
        // of one per 16 KiB record, and pending() never holds more than one record.
        let more = max.min(READ_GATHER_LIMIT).saturating_sub(data.len());
        if more > 0 {
            if let Ok(mut core) = state.core.try_borrow_mut() {
                // One allocation: plaintext is never more than the ciphertext it came from.
                let room = more.min(core.ready_bound());
                if data.try_reserve(room).is_ok() {
                    core.read_ready_into(&mut data, room);
                }
            }
        }
    }
    let _ = flush(state, abort).await;
    Ok(data)
}

/// The most one `recv` returns by decrypting records already received, beyond the first.
const READ_GATHER_LIMIT: usize = 256 * 1024;

fn consume(state: &State, n: usize) -> JsResult<()> {
    if n > 0 {
        let mut core = state.core.try_borrow_mut().map_err(|_| busy())?;
        core.consume(n);
    }
    Ok(())
}

#[cfg(test)]
// wasm_bindgen_test functions are not `#[test]`s to clippy: a failing unwrap is the point here.
#[allow(clippy::unwrap_used, clippy::panic)]
mod tests {
    use js_sys::{Object, Reflect};
    use wasm_bindgen::JsValue;
    use wasm_bindgen_futures::JsFuture;
    use wasm_bindgen_test::*;

    use super::Connection;
    use crate::ssl::constants::method;
    use crate::wasm::context::Context;

    const CHAIN: &[u8] = include_bytes!("../../js-tests/fixtures/server-ecdsa-chain.pem");
    const KEY: &[u8] = include_bytes!("../../js-tests/fixtures/server-ecdsa.key");
    const CA: &[u8] = include_bytes!("../../js-tests/fixtures/ca.pem");

    fn bytes(b: &[u8]) -> JsValue {
        js_sys::Uint8Array::from(b).into()
    }

    fn pair() -> (Connection, Connection) {
        let server_ctx = Context::new(method::TLS_SERVER.into()).unwrap();
        server_ctx.use_certificate_chain(bytes(CHAIN)).unwrap();
        server_ctx.use_private_key(bytes(KEY)).unwrap();
        let client_ctx = Context::new(method::TLS_CLIENT.into()).unwrap();
        client_ctx
            .load_verify_locations(JsValue::NULL, JsValue::NULL, bytes(CA))
            .unwrap();
        let client = Connection::new(client_ctx.into(), JsValue::NULL).unwrap();
        client.set_tlsext_host_name("localhost".into()).unwrap();
        let server = Connection::new(server_ctx.into(), JsValue::NULL).unwrap();
        (client, server)
    }

    /// Moves ciphertext both ways until both handshakes resolve.
    async fn handshake(client: &Connection, server: &Connection) {
        for _ in 0..10 {
            let c = JsFuture::from(client.do_handshake(JsValue::UNDEFINED)).await;
            while let Ok(out) = client.bio_read(16384.into()) {
                server.bio_write(out.into()).unwrap();
            }
            let s = JsFuture::from(server.do_handshake(JsValue::UNDEFINED)).await;
            while let Ok(out) = server.bio_read(16384.into()) {
                client.bio_write(out.into()).unwrap();
            }
            if c.is_ok() && s.is_ok() {
                return;
            }
        }
        panic!("handshake did not complete");
    }

    fn name(err: &JsValue) -> String {
        Reflect::get(err, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default()
    }

    #[wasm_bindgen_test]
    async fn memory_bio_handshake_and_data() {
        let (client, server) = pair();
        handshake(&client, &server).await;
        assert_eq!(client.get_protocol_version_name().unwrap(), "TLSv1.3");
        assert_eq!(client.get_verify_result().unwrap(), 0);
        JsFuture::from(client.sendall("ping".into(), JsValue::UNDEFINED, JsValue::UNDEFINED))
            .await
            .unwrap();
        let out = client.bio_read(65536.into()).unwrap();
        server.bio_write(out.into()).unwrap();
        let got = JsFuture::from(server.recv(100.into(), JsValue::UNDEFINED, JsValue::UNDEFINED))
            .await
            .unwrap();
        assert_eq!(js_sys::Uint8Array::from(got).to_vec(), b"ping");
    }

    #[wasm_bindgen_test]
    async fn empty_bio_is_want_read_and_bad_types_are_type_errors() {
        let (client, _server) = pair();
        let err = JsFuture::from(client.do_handshake(JsValue::UNDEFINED))
            .await
            .unwrap_err();
        // Without the JS entry's classes the error is a plain Error that still carries triples.
        assert!(Reflect::has(&err, &"errors".into()).unwrap());
        // The ClientHello is queued; once it is read, the empty BIO is "want read".
        let hello = client.bio_read(65536.into()).unwrap();
        assert_eq!(hello.get_index(0), 0x16, "a handshake record");
        let err = client.bio_read(10.into()).unwrap_err();
        let message = Reflect::get(&err, &"message".into())
            .unwrap()
            .as_string()
            .unwrap();
        assert_eq!(message, "want read");
        let err = client.bio_write(JsValue::from(42)).unwrap_err();
        assert_eq!(name(&err), "TypeError");
        let err = Connection::new(Object::new().into(), JsValue::NULL)
            .err()
            .unwrap();
        assert_eq!(name(&err), "TypeError");
    }

    #[wasm_bindgen_test]
    async fn garbage_from_the_peer_is_a_sticky_error_not_a_trap() {
        let (_client, server) = pair();
        server.bio_write(bytes(b"GET / HTTP/1.1\r\n\r\n")).unwrap();
        let first = JsFuture::from(server.do_handshake(JsValue::UNDEFINED))
            .await
            .unwrap_err();
        let again = JsFuture::from(server.do_handshake(JsValue::UNDEFINED))
            .await
            .unwrap_err();
        let msg = |e: &JsValue| Reflect::get(e, &"message".into()).unwrap().as_string().unwrap();
        assert_eq!(msg(&first), msg(&again));
        // The alert for the peer is still there to be read.
        assert!(server.bio_read(100.into()).is_ok());
        // And the instance still works.
        let (client, server) = pair();
        handshake(&client, &server).await;
    }
}
