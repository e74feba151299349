//! The JS transport: a `{ send, recv }` pair in the shape of a non-blocking socket (API.md §4).
//! Moves ciphertext between the core's queues and the callbacks, one flush and one receive at
//! a time, never holding a borrow of the connection across a call into JS or an `await`.

use std::cell::RefCell;

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use crate::ssl;
use crate::wasm::convert;
use crate::wasm::errors::{invalid_return, syscall_with_cause, to_js, JsResult};
use crate::wasm::lock::{pending, AsyncLock};

/// How much ciphertext one `recv` asks for: a full record with its header fits, and large
/// transfers need few calls.
const RECV_CHUNK: u32 = 64 * 1024;

/// A transport should return at most what `recv` asked for; beyond this much at once it is
/// refused before anything is copied into wasm memory, where an allocation failure would
/// abort the whole instance.
const RECV_HARD_LIMIT: u32 = 16 * 1024 * 1024;

/// How much queued ciphertext one `send` is offered at most.
const SEND_CHUNK: usize = 64 * 1024;

/// The promise receivers wait on, and what resolves it.
type Waiters = (Promise, Option<Function>);

pub(crate) struct Transport {
    object: JsValue,
    send: Function,
    recv: Function,
    flush_lock: AsyncLock,
    /// Ciphertext taken from the connection that the transport has not accepted yet: it
    /// goes first on the next flush. Later calls get `subarray`s of this one copy, so a
    /// transport that takes a byte per call costs the same per call however much is queued.
    unsent: RefCell<Option<Uint8Array>>,
    /// A receive is under way: others wait for it to be fed to the core rather than asking
    /// the transport twice. The promise they wait on is made by the first of them (most
    /// receives have no one waiting, and a promise each was a real part of a bulk `recv`).
    receiving: RefCell<Option<Option<Waiters>>>,
}

impl Transport {
    pub(crate) fn from_js(object: &JsValue) -> ssl::Result<Self> {
        let method = |name: &str| {
            Reflect::get(object, &name.into())
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
                .ok_or_else(|| {
                    ssl::Error::Type(format!(
                        "transport must be null or an object with send(data) and recv(maxBytes) methods; {name} is missing"
                    ))
                })
        };
        Ok(Self {
            object: object.clone(),
            send: method("send")?,
            recv: method("recv")?,
            flush_lock: AsyncLock::default(),
            unsent: RefCell::new(None),
            receiving: RefCell::new(None),
        })
    }

    /// Sends everything queued. `0` from the transport is "would block": `WantWriteError`,
    /// with the bytes left queued to go first next time.
    pub(crate) async fn flush(&self, core: &RefCell<ssl::Connection>) -> JsResult<()> {
        let _turn = self.flush_lock.acquire().await;
        loop {
            let queued = self.unsent.borrow_mut().take();
            let data = match queued {
                Some(data) => data,
                None => {
                    let chunk = core
                        .try_borrow_mut()
                        .map_err(|_| busy())?
                        .take_outgoing(SEND_CHUNK);
                    if chunk.is_empty() {
                        return Ok(());
                    }
                    Uint8Array::from(chunk.as_slice())
                }
            };
            let len = data.length();
            let returned = match self.send.call1(&self.object, &data) {
                Ok(v) => settle(v).await,
                Err(e) => Err(e),
            };
            let returned = match returned {
                Ok(v) => v,
                Err(e) => {
                    self.unsent.replace(Some(data));
                    return Err(syscall_with_cause("transport send failed", e));
                }
            };
            let taken = if convert::is_absent(&returned) {
                len
            } else {
                match returned.as_f64().and_then(convert::f64_to_u32) {
                    Some(n) if n <= len => n,
                    _ => {
                        self.unsent.replace(Some(data));
                        return Err(invalid_return(
                            "transport send returned neither a byte count nor undefined",
                            returned,
                        ));
                    }
                }
            };
            if taken < len {
                self.unsent.replace(Some(data.subarray(taken, len)));
            }
            if taken == 0 {
                return Err(to_js(ssl::Error::WantWrite));
            }
        }
    }

    /// Ciphertext the transport has not taken yet (part of `wantWrite()`).
    pub(crate) fn has_unsent(&self) -> bool {
        self.unsent.borrow().is_some()
    }

    /// Receives once and feeds the core. Resolves to `false` when the transport had nothing
    /// now (`null`), so the caller can reject with `WantReadError`.
    pub(crate) async fn fill(&self, core: &RefCell<ssl::Connection>) -> JsResult<bool> {
        let waiting = match &mut *self.receiving.borrow_mut() {
            Some(waiters) => Some(waiters.get_or_insert_with(pending).0.clone()),
            idle @ None => {
                *idle = Some(None);
                None
            }
        };
        if let Some(waiting) = waiting {
            let _ = JsFuture::from(waiting).await;
            return Ok(true);
        }
        let result = self.receive_once(core).await;
        let waiters = self.receiving.replace(None).flatten();
        if let Some((_, Some(resolve))) = waiters {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
        result
    }

    async fn receive_once(&self, core: &RefCell<ssl::Connection>) -> JsResult<bool> {
        let returned = match self.recv.call1(&self.object, &JsValue::from(RECV_CHUNK)) {
            Ok(v) => settle(v)
                .await
                .map_err(|e| syscall_with_cause("transport recv failed", e))?,
            Err(e) => return Err(syscall_with_cause("transport recv failed", e)),
        };
        if convert::is_absent(&returned) {
            return Ok(false);
        }
        let Some(bytes) = returned.dyn_ref::<Uint8Array>() else {
            return Err(invalid_return(
                "transport recv returned neither bytes, an empty array (end of stream) nor null",
                returned,
            ));
        };
        let len = bytes.length();
        if len > RECV_HARD_LIMIT {
            return Err(invalid_return(
                &format!(
                    "transport recv returned {len} bytes at once, more than the {RECV_HARD_LIMIT} accepted (it was asked for {RECV_CHUNK})"
                ),
                JsValue::from(len),
            ));
        }
        let bytes = convert::copy_view_in(bytes, "what transport recv returned")?;
        let mut core = core.try_borrow_mut().map_err(|_| busy())?;
        if bytes.is_empty() {
            core.bio_shutdown();
        } else {
            core.try_bio_write_owned(bytes)?;
        }
        Ok(true)
    }
}

/// Awaits a returned promise; passes any other value through.
async fn settle(v: JsValue) -> JsResult<JsValue> {
    match v.dyn_into::<Promise>() {
        Ok(p) => JsFuture::from(p).await,
        Err(v) => Ok(v),
    }
}

/// A user callback called back into this connection while it was in the middle of an
/// operation; refusing beats wasm-bindgen's "recursive use of an object" trap.
pub(crate) fn busy() -> JsValue {
    to_js(ssl::Error::ssl(
        "connection is busy: it cannot be used from inside its own callback",
    ))
}
