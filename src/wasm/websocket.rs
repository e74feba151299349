//! `webSocketTransport(ws)`: a transport (API.md §4) over a WebSocket that carries raw TCP bytes
//! in binary messages, websockify's convention. A page has no sockets, so a tunnel is how it
//! reaches a TLS server; this file owns the WebSocket side of that, apart from the transport
//! pump in `transport.rs`, because a socket's events and its buffering are a concern of their own.
//!
//! The socket is used structurally (`unchecked_ref`, never `instanceof`), so both a browser
//! `WebSocket` and the `ws` package's work. Messages are queued as bytes: a TLS record may span
//! messages and a message may hold several records, so `recv` reads across message boundaries.
//!
//! What is received waits in a queue until `recv` takes it, and that queue is capped
//! ([`RECV_LIMIT`]): the `ws` package's socket is paused well before the cap and resumed as the
//! reader catches up, so a fast sender only ever waits; a socket that cannot be paused (a
//! browser's) fails the transport once the cap is passed, rather than letting the peer decide
//! how much memory the page holds.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::rc::Rc;

use js_sys::{ArrayBuffer, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{BinaryType, WebSocket};

use crate::ssl;
use crate::wasm::convert;
use crate::wasm::errors::{to_js, JsResult};
use crate::wasm::lock::{pending, AsyncLock};

/// Above this many bytes waiting in the socket's own buffer, `send` returns a promise that
/// settles once the buffer has drained below it. WebSockets cannot say "would block", so without
/// a limit a fast writer on a slow link would buffer everything it sends.
pub const HIGH_WATER: u32 = 1024 * 1024;

/// How often a send waiting on `bufferedAmount` looks again: neither browsers nor the `ws`
/// package fire an event when the buffer drains.
pub const DRAIN_POLL_MS: i32 = 10;

/// At most this many received bytes wait unread in the queue. A WebSocket has no flow control
/// a page can use, so without a cap the tunnel's far end decides how much memory a connection
/// that is not reading holds. 4 MiB is 256 full TLS records: far more than a reader that is
/// merely slow ever has waiting, and little enough for a page with many connections.
/// A single message larger than this fails the transport too; tunnels carry what they read
/// from TCP (websockify and our own sends use messages of at most a record or two).
/// What counts against it is each queued message's bytes (or, for small ones, the buffer
/// they were copied into) plus [`MESSAGE_OVERHEAD`], until it is read to its end.
pub const RECV_LIMIT: usize = 4 * 1024 * 1024;

/// What holding one message costs beyond its bytes (its `ArrayBuffer`, the view on it and its
/// slot in the queue, a few hundred bytes in V8), counted against [`RECV_LIMIT`]: otherwise
/// a peer sending one-byte messages would hold a few hundred times the cap in objects.
pub const MESSAGE_OVERHEAD: usize = 256;

/// Messages shorter than this are copied into a shared buffer of [`COALESCE_BUFFER`] bytes
/// rather than queued one by one, so many tiny messages (which a paused `ws` socket still
/// emits from what it had read: one TCP read can hold twenty thousand) cost their bytes, not
/// [`MESSAGE_OVERHEAD`] each, and a slow reader of a chatty peer is paused, not failed.
pub const SMALL_MESSAGE: usize = 512;

/// The size of the buffers small messages are copied into; each counts in full, with
/// [`MESSAGE_OVERHEAD`], until a larger message ends it and its bytes are copied out.
pub const COALESCE_BUFFER: u32 = 4096;

/// Where the socket can be paused (the `ws` package's `pause()`/`resume()`), it is paused once
/// the queue holds this much (counted as for [`RECV_LIMIT`]), so a fast sender meets
/// backpressure long before the limit: the messages a paused socket still emits (what it had
/// already read, up to one TCP read) fit in what is left.
pub const RECV_PAUSE: usize = 1024 * 1024;

/// A paused socket resumes once the reader has taken what the queue holds (counted as for
/// [`RECV_LIMIT`]) down to this.
pub const RECV_RESUME: usize = 256 * 1024;

/// The close code sent when the queue overflows: "message too big" is the nearest the protocol
/// has. Browsers only let a page send 1000 or 3000–4999, so there it falls back to `close()`.
const OVERFLOW_CLOSE_CODE: u16 = 1009;

/// Close codes that end the stream cleanly: 1000 (normal) and 1005 (no code given). Any other
/// code is the tunnel reporting a fault, which `recv` throws once the queued bytes are read.
const CLEAN_CLOSE_CODES: [u16; 2] = [1000, 1005];

/// The events the transport listens to, removed again by `close()` or when it is freed.
const EVENTS: [&str; 4] = ["open", "message", "close", "error"];

/// Wraps `ws` (a browser `WebSocket` or the `ws` package's) as a transport. Sets
/// `ws.binaryType = 'arraybuffer'` and starts queueing its messages at once.
#[wasm_bindgen(js_name = webSocketTransport)]
pub fn web_socket_transport(ws: JsValue) -> JsResult<WebSocketTransport> {
    for method in ["addEventListener", "removeEventListener", "send", "close"] {
        let found = Reflect::get(&ws, &method.into()).unwrap_or(JsValue::UNDEFINED);
        if !found.is_function() {
            return Err(to_js(ssl::Error::Type(format!(
                "webSocketTransport needs a WebSocket (a browser one or the ws package's); \
                 {method} is missing from {}",
                convert::type_name(&ws)
            ))));
        }
    }
    let flow = Flow::of(&ws);
    let ws: WebSocket = ws.unchecked_into();
    ws.set_binary_type(BinaryType::Arraybuffer);
    let shared = Rc::new(Shared {
        ws: ws.clone(),
        flow,
        state: RefCell::new(State::default()),
        send_lock: AsyncLock::default(),
        sends_pending: Cell::new(0),
    });
    if ws.ready_state() == WebSocket::CLOSED {
        shared.state.borrow_mut().ending = Ending::Eof;
    }
    let listeners = Listeners::attach(&ws, &shared)?;
    Ok(WebSocketTransport {
        shared,
        listeners: RefCell::new(Some(listeners)),
    })
}

/// The transport object `webSocketTransport` returns: `send`, `recv` and `close`, plus the
/// socket's `readyState` and `bufferedAmount`.
#[wasm_bindgen]
pub struct WebSocketTransport {
    shared: Rc<Shared>,
    /// `None` once closed; dropping it removes the listeners before their closures go.
    listeners: RefCell<Option<Listeners>>,
}

#[wasm_bindgen]
impl WebSocketTransport {
    /// Sends `data` as one binary message (a copy: the view is only valid during the call).
    /// Returns `data.length`, or a promise of it while the socket is still connecting or its
    /// buffer is above [`HIGH_WATER`]. Throws once the socket has failed or closed; while it
    /// is closing, the promise waits for the 'close' event and rejects with what it says.
    pub fn send(&self, data: JsValue) -> JsResult<JsValue> {
        let copy = copy_bytes(&data)?;
        let len = JsValue::from(copy.length());
        let shared = &self.shared;
        if shared.sendable()? && shared.sends_pending.get() == 0 {
            shared.send_now(&copy)?;
            if shared.ws.buffered_amount() <= HIGH_WATER {
                return Ok(len);
            }
            return Ok(Shared::send_later(shared, None, len).into());
        }
        Ok(Shared::send_later(shared, Some(copy), len).into())
    }

    /// Up to `maxBytes` queued bytes, across message boundaries. Waits (returns a promise)
    /// while nothing is queued and the socket is open or connecting. After a clean close
    /// (code 1000 or 1005, or `close()`) the queue drains, then it returns an empty array;
    /// after an error, or a close with any other code, it drains, then throws. Once more than
    /// [`RECV_LIMIT`] bytes were waiting unread, the queue is gone and it throws at once.
    pub fn recv(&self, max_bytes: JsValue) -> JsResult<JsValue> {
        let max = convert::size(&max_bytes, "maxBytes").map_err(to_js)?;
        if max == 0 {
            return Err(to_js(ssl::Error::Range("maxBytes must be at least 1".into())));
        }
        if let Some(ready) = self.shared.poll_recv(max)? {
            return Ok(ready);
        }
        let shared = self.shared.clone();
        Ok(future_to_promise(async move {
            loop {
                if let Some(ready) = shared.poll_recv(max)? {
                    return Ok(ready);
                }
                shared.changed().await;
            }
        })
        .into())
    }

    /// Closes the socket with code 1000 and stops listening to it. Bytes already queued can
    /// still be read, then `recv` gives end of stream; `send` throws from now on.
    pub fn close(&self) -> JsResult<()> {
        self.shared.end(Ending::Closed);
        let listeners = self.listeners.borrow_mut().take();
        drop(listeners);
        let state = self.shared.ws.ready_state();
        if state == WebSocket::CONNECTING || state == WebSocket::OPEN {
            self.shared.ws.close_with_code(1000)?;
        }
        Ok(())
    }

    /// The socket's `readyState`: 0 connecting, 1 open, 2 closing, 3 closed.
    #[wasm_bindgen(getter, js_name = readyState)]
    pub fn ready_state(&self) -> u16 {
        self.shared.ws.ready_state()
    }

    /// Bytes the socket has accepted but not yet sent.
    #[wasm_bindgen(getter, js_name = bufferedAmount)]
    pub fn buffered_amount(&self) -> u32 {
        self.shared.ws.buffered_amount()
    }

    /// Received bytes that `recv` has not returned yet: never more than [`RECV_LIMIT`], and
    /// less when what holds them counts more (see [`MESSAGE_OVERHEAD`]).
    #[wasm_bindgen(getter)]
    pub fn queued(&self) -> usize {
        self.shared.state.borrow().queued
    }

    /// The WebSocket this transport wraps.
    #[wasm_bindgen(getter)]
    pub fn socket(&self) -> JsValue {
        self.shared.ws.clone().into()
    }
}

impl Drop for WebSocketTransport {
    /// Freed (by `free()` or the GC): a waiting `recv` gives end of stream, and the listeners
    /// go before their closures do.
    fn drop(&mut self) {
        self.shared.end(Ending::Closed);
        // The socket outlives the transport and is the caller's again: not left paused.
        let paused = std::mem::take(&mut self.shared.state.borrow_mut().paused);
        if paused {
            self.shared.set_paused(false);
        }
    }
}

/// What the listeners and the pending promises share.
struct Shared {
    ws: WebSocket,
    /// `None` for a socket that cannot be paused (a browser's).
    flow: Option<Flow>,
    state: RefCell<State>,
    /// Keeps sends that had to wait in call order, each one message.
    send_lock: AsyncLock,
    /// Sends still waiting (for 'open', the lock, or the buffer to drain): while any are, a
    /// new send waits behind them instead of overtaking.
    sends_pending: Cell<usize>,
}

#[derive(Default)]
struct State {
    chunks: VecDeque<Chunk>,
    /// Bytes in `chunks` not yet read.
    queued: usize,
    /// What `chunks` holds as counted against [`RECV_LIMIT`]: each chunk's charge.
    held: usize,
    /// The buffer small messages are being copied into; the last chunk is a view on it.
    open: Option<OpenBuffer>,
    /// This transport paused the socket and has not resumed it yet.
    paused: bool,
    ending: Ending,
    /// Resolved on every event, so waiting calls look at the state again.
    waiters: Vec<Function>,
}

/// A queued message (or run of small ones), from its first unread byte.
struct Chunk {
    bytes: Uint8Array,
    /// What it counts against [`RECV_LIMIT`] until it is read to its end.
    charge: usize,
}

struct OpenBuffer {
    buffer: Uint8Array,
    /// Bytes of `buffer` in use.
    end: u32,
}

#[derive(Clone, Default)]
enum Ending {
    #[default]
    Open,
    /// The socket closed cleanly: end of stream once the queue is read.
    Eof,
    /// `close()` was called, or the transport was freed.
    Closed,
    /// The error `recv` throws once the queue is read, and `send` throws at once.
    Failed(JsValue),
}

impl Shared {
    /// `Some(bytes)`, `Some(empty)` for end of stream, `None` to wait, or the failure.
    fn poll_recv(&self, max: usize) -> JsResult<Option<JsValue>> {
        let mut state = self.state.borrow_mut();
        if state.queued > 0 {
            let out = state.take(max);
            let resume = state.paused && state.held <= RECV_RESUME;
            if resume {
                state.paused = false;
            }
            // Released first: resuming may emit events whose listeners borrow the state.
            drop(state);
            if resume {
                self.set_paused(false);
            }
            return Ok(Some(out.into()));
        }
        match &state.ending {
            Ending::Open => Ok(None),
            Ending::Eof | Ending::Closed => Ok(Some(Uint8Array::new_with_length(0).into())),
            Ending::Failed(e) => Err(e.clone()),
        }
    }

    /// `Ok(true)` when a message can go now, `Ok(false)` while it has to wait: for 'open',
    /// or, once the socket is closing, for the 'close' event that says whether it closed
    /// cleanly or with an error worth reporting.
    fn sendable(&self) -> JsResult<bool> {
        // A copy, so no borrow is held while the socket's getters run.
        let ending = self.state.borrow().ending.clone();
        match ending {
            Ending::Open => {}
            Ending::Eof => return Err(not_open(self.ws.ready_state())),
            Ending::Closed => {
                return Err(error(
                    "ERR_TRANSPORT_CLOSED",
                    "the WebSocket transport was closed",
                ))
            }
            Ending::Failed(e) => return Err(e),
        }
        Ok(self.ws.ready_state() == WebSocket::OPEN)
    }

    fn send_now(&self, copy: &Uint8Array) -> JsResult<()> {
        self.ws.send_with_js_u8_array(copy)
    }

    /// A send that waits: for 'open' (when `copy` is still to go), then for the buffer to
    /// drain below [`HIGH_WATER`]. Counted as pending from the moment it is made.
    fn send_later(shared: &Rc<Self>, copy: Option<Uint8Array>, len: JsValue) -> Promise {
        let pending_send = PendingSend::new(shared);
        let shared = shared.clone();
        future_to_promise(async move {
            let _pending = pending_send;
            let _turn = shared.send_lock.acquire().await;
            if let Some(copy) = copy {
                shared.opened().await?;
                shared.send_now(&copy)?;
            }
            shared.drained().await?;
            Ok(len)
        })
    }

    /// Resolves once the socket is open; fails if it closes or fails first.
    async fn opened(&self) -> JsResult<()> {
        while !self.sendable()? {
            self.changed().await;
        }
        Ok(())
    }

    /// Resolves once `bufferedAmount` is at most [`HIGH_WATER`]; fails if the socket stops
    /// being open first, since what it still buffered will then not be sent.
    async fn drained(&self) -> JsResult<()> {
        loop {
            if let Ending::Failed(e) = &self.state.borrow().ending {
                return Err(e.clone());
            }
            if self.ws.ready_state() != WebSocket::OPEN {
                return Err(error(
                    "ERR_WEBSOCKET_CLOSED",
                    "the WebSocket closed before its buffered data was sent",
                ));
            }
            if self.ws.buffered_amount() <= HIGH_WATER {
                return Ok(());
            }
            sleep(DRAIN_POLL_MS).await?;
        }
    }

    /// Waits for the next event (or `close()`).
    async fn changed(&self) {
        let (promise, resolve) = pending();
        if let Some(resolve) = resolve {
            self.state.borrow_mut().waiters.push(resolve);
        }
        let _ = JsFuture::from(promise).await;
    }

    /// Wakes everything waiting, outside any borrow of the state.
    fn wake(&self) {
        let waiters = std::mem::take(&mut self.state.borrow_mut().waiters);
        for resolve in waiters {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }

    /// Records how the stream ended, unless it already had; a failure is never replaced.
    fn end(&self, ending: Ending) {
        {
            let mut state = self.state.borrow_mut();
            match (&state.ending, &ending) {
                (Ending::Open, _) | (Ending::Eof, Ending::Failed(_)) => state.ending = ending,
                _ => {}
            }
        }
        self.wake();
    }

    fn on_message(&self, event: &JsValue) {
        if !matches!(self.state.borrow().ending, Ending::Open) {
            return;
        }
        let data = Reflect::get(event, &"data".into()).unwrap_or(JsValue::UNDEFINED);
        let bytes = if data.dyn_ref::<ArrayBuffer>().is_some() || ArrayBuffer::is_view(&data) {
            // A private copy: another listener may transfer or resize the message's buffer
            // after this one returns, and the queue must not hold a view that can go dead.
            match convert::byte_view(&data).filter(|v| v.length() > 0) {
                None => return,
                // One message over the limit can never fit: fail before copying it.
                Some(view) if (view.length() as usize).saturating_add(MESSAGE_OVERHEAD) > RECV_LIMIT => {
                    return self.overflow();
                }
                Some(view) => match convert::private_copy(&view) {
                    Some(copy) => copy,
                    None => {
                        let e = ssl::Error::Type("a message's bytes could not be read".into());
                        return self.end(Ending::Failed(to_js(e)));
                    }
                },
            }
        } else {
            let what = if data.is_string() {
                "a text message".to_string()
            } else {
                format!("a message of type {}", convert::type_name(&data))
            };
            let message = format!(
                "the WebSocket received {what}; the tunnel carries raw bytes in binary messages \
                 only (binaryType must stay 'arraybuffer')"
            );
            return self.end(Ending::Failed(error("ERR_WEBSOCKET_NOT_BINARY", &message)));
        };
        if bytes.length() > 0 {
            let mut state = self.state.borrow_mut();
            if !state.push(bytes) {
                drop(state);
                return self.overflow();
            }
            let pause = self.flow.is_some() && !state.paused && state.held >= RECV_PAUSE;
            if pause {
                state.paused = true;
            }
            drop(state);
            if pause {
                self.set_paused(true);
            }
        }
        self.wake();
    }

    /// More arrived than [`RECV_LIMIT`] allows: the queue is dropped (the stream has a hole
    /// now, so none of it is worth reading), the socket closed, and every `recv` throws.
    fn overflow(&self) {
        {
            let mut state = self.state.borrow_mut();
            state.chunks.clear();
            state.queued = 0;
            state.held = 0;
            state.open = None;
        }
        let message = format!(
            "WebSocket receive queue over {} MiB unread: the peer sent more than the \
             connection read (webSocketTransport's limit)",
            RECV_LIMIT / (1024 * 1024)
        );
        let err = error("ERR_WEBSOCKET_RECV_LIMIT", &message);
        let _ = Reflect::set(&err, &"limit".into(), &(RECV_LIMIT as f64).into());
        self.end(Ending::Failed(err));
        if self.ws.close_with_code(OVERFLOW_CLOSE_CODE).is_err() {
            let _ = self.ws.close();
        }
    }

    /// Pauses or resumes the socket; does nothing for one that cannot be paused. A socket
    /// that throws here has closed, which its own events report.
    fn set_paused(&self, paused: bool) {
        if let Some(flow) = &self.flow {
            let f = if paused { &flow.pause } else { &flow.resume };
            let _ = f.call0(&self.ws);
        }
    }

    fn on_close(&self, event: &JsValue) {
        let code = Reflect::get(event, &"code".into())
            .ok()
            .and_then(|c| c.as_f64())
            .unwrap_or(1005.0);
        if CLEAN_CLOSE_CODES.iter().any(|&c| f64::from(c) == code) {
            return self.end(Ending::Eof);
        }
        let reason = Reflect::get(event, &"reason".into())
            .ok()
            .and_then(|r| r.as_string())
            .filter(|r| !r.is_empty());
        let shown = convert::number_text(code);
        let message = match reason {
            Some(reason) => format!("the WebSocket closed with code {shown}: {reason}"),
            None => format!("the WebSocket closed with code {shown}"),
        };
        let err = error("ERR_WEBSOCKET_CLOSED", &message);
        let _ = Reflect::set(&err, &"closeCode".into(), &code.into());
        self.end(Ending::Failed(err));
    }

    fn on_error(&self, event: &JsValue) {
        // The ws package's ErrorEvent says what went wrong; a browser's says nothing.
        let detail = Reflect::get(event, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .filter(|m| !m.is_empty());
        let message = match detail {
            Some(detail) => format!("WebSocket error: {detail}"),
            None => "WebSocket error".to_string(),
        };
        let err = error("ERR_WEBSOCKET_ERROR", &message);
        let cause = Reflect::get(event, &"error".into())
            .ok()
            .filter(|c| c.is_object())
            .unwrap_or_else(|| event.clone());
        let _ = Reflect::set(&err, &"cause".into(), &cause);
        self.end(Ending::Failed(err));
    }
}

impl State {
    /// Queues a message (not empty); `false`, queueing nothing, if that would take what the
    /// queue holds over [`RECV_LIMIT`].
    fn push(&mut self, bytes: Uint8Array) -> bool {
        let len = bytes.length();
        let small = (len as usize) < SMALL_MESSAGE;
        if small && self.append(&bytes) {
            return true;
        }
        if !small {
            self.seal();
        }
        let (charge, chunk, open) = if small {
            let buffer = Uint8Array::new_with_length(COALESCE_BUFFER);
            buffer.set(&bytes, 0);
            let chunk = buffer.subarray(0, len);
            let open = OpenBuffer { buffer, end: len };
            (COALESCE_BUFFER as usize, chunk, Some(open))
        } else {
            (len as usize, bytes, None)
        };
        let charge = charge.saturating_add(MESSAGE_OVERHEAD);
        let held = self.held.saturating_add(charge);
        if held > RECV_LIMIT {
            return false;
        }
        self.held = held;
        self.queued = self.queued.saturating_add(len as usize);
        self.chunks.push_back(Chunk { bytes: chunk, charge });
        self.open = open;
        true
    }

    /// Copies a small message into the open buffer, if it has room; its charge already counts.
    fn append(&mut self, bytes: &Uint8Array) -> bool {
        let (Some(open), Some(last)) = (self.open.as_mut(), self.chunks.back_mut()) else {
            return false;
        };
        let len = bytes.length();
        let Some(end) = open.end.checked_add(len).filter(|&e| e <= open.buffer.length()) else {
            return false;
        };
        open.buffer.set(bytes, open.end);
        open.end = end;
        // The last chunk is a view on the open buffer from its first unread byte.
        last.bytes = open.buffer.subarray(last.bytes.byte_offset(), end);
        self.queued = self.queued.saturating_add(len as usize);
        true
    }

    /// Ends the open buffer: its unread bytes are copied out, so the buffer's unused room is
    /// not held (nor counted) for as long as they wait.
    fn seal(&mut self) {
        let (Some(_), Some(last)) = (self.open.take(), self.chunks.back_mut()) else {
            return;
        };
        last.bytes = last.bytes.slice(0, last.bytes.length());
        let charge = (last.bytes.length() as usize).saturating_add(MESSAGE_OVERHEAD);
        self.held = self.held.saturating_sub(last.charge).saturating_add(charge);
        last.charge = charge;
    }

    /// Drops the front chunk, read to its end, and what it counted.
    fn pop_front(&mut self) -> Option<Chunk> {
        let chunk = self.chunks.pop_front()?;
        self.held = self.held.saturating_sub(chunk.charge);
        if self.chunks.is_empty() {
            // The open buffer's view was the last chunk: appending would go nowhere.
            self.open = None;
        }
        Some(chunk)
    }

    /// Up to `max` bytes from the front of the queue, which must not be empty. In `u32`,
    /// the unit of JS typed arrays: every length here comes from one.
    fn take(&mut self, max: usize) -> Uint8Array {
        let queued = u32::try_from(self.queued).unwrap_or(u32::MAX);
        let max = u32::try_from(max).unwrap_or(u32::MAX);
        if let Some(first) = self.chunks.front_mut() {
            let len = first.bytes.length();
            if len >= max {
                let out = first.bytes.subarray(0, max);
                if len == max {
                    self.pop_front();
                } else {
                    first.bytes = first.bytes.subarray(max, len);
                }
                self.queued = self.queued.saturating_sub(max as usize);
                return out;
            }
        }
        let total = max.min(queued);
        let out = Uint8Array::new_with_length(total);
        let mut at = 0u32;
        while at < total {
            let Some(first) = self.chunks.front_mut() else {
                break;
            };
            let len = first.bytes.length();
            let n = len.min(total - at);
            out.set(&first.bytes.subarray(0, n), at);
            if n < len {
                first.bytes = first.bytes.subarray(n, len);
            } else {
                self.pop_front();
            }
            at += n;
        }
        self.queued = self.queued.saturating_sub(at as usize);
        out.subarray(0, at)
    }
}

/// The `ws` package's `pause()` and `resume()`: they stop and restart reading from the TCP
/// socket, which is backpressure all the way to the sender. A browser `WebSocket` has neither.
struct Flow {
    pause: Function,
    resume: Function,
}

impl Flow {
    fn of(ws: &JsValue) -> Option<Self> {
        let method = |name: &str| {
            Reflect::get(ws, &name.into())
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
        };
        Some(Self {
            pause: method("pause")?,
            resume: method("resume")?,
        })
    }
}

/// The transport's event listeners. Dropping this removes them first, so no closure is called
/// after it is gone.
struct Listeners {
    target: WebSocket,
    handlers: Vec<(&'static str, Handler)>,
}

type Handler = Closure<dyn Fn(JsValue)>;

impl Listeners {
    fn attach(ws: &WebSocket, shared: &Rc<Shared>) -> JsResult<Self> {
        let mut listeners = Self {
            target: ws.clone(),
            handlers: Vec::with_capacity(EVENTS.len()),
        };
        for name in EVENTS {
            let shared = shared.clone();
            let handler = Closure::new(move |event: JsValue| match name {
                "message" => shared.on_message(&event),
                "close" => shared.on_close(&event),
                "error" => shared.on_error(&event),
                _ => shared.wake(),
            });
            // Pushed first, so a failing addEventListener still has it removed and dropped.
            listeners.handlers.push((name, handler));
            if let Some((_, handler)) = listeners.handlers.last() {
                ws.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref())?;
            }
        }
        Ok(listeners)
    }
}

impl Drop for Listeners {
    fn drop(&mut self) {
        for (name, handler) in &self.handlers {
            let _ = self
                .target
                .remove_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
        }
        // The ws package throws an 'error' event that nobody listens to (closing a socket that
        // is still connecting emits one), so a listener that does nothing stays behind. It is
        // owned by the JS GC, so it is never called after being dropped.
        let ignore = Handler::new(|_: JsValue| {}).into_js_value();
        let _ = self
            .target
            .add_event_listener_with_callback("error", ignore.unchecked_ref());
    }
}

/// Counts a waiting send for as long as it lives.
struct PendingSend(Rc<Shared>);

impl PendingSend {
    fn new(shared: &Rc<Shared>) -> Self {
        shared.sends_pending.set(shared.sends_pending.get() + 1);
        Self(shared.clone())
    }
}

impl Drop for PendingSend {
    fn drop(&mut self) {
        let n = self.0.sends_pending.get();
        self.0.sends_pending.set(n.saturating_sub(1));
    }
}

/// A copy of what `send` was given, made in JS when it is already a `Uint8Array`.
fn copy_bytes(data: &JsValue) -> JsResult<Uint8Array> {
    if let Some(view) = data.dyn_ref::<Uint8Array>() {
        return Ok(view.slice(0, view.length()));
    }
    let bytes = convert::bytes(data, "data").map_err(to_js)?;
    Ok(Uint8Array::from(bytes.as_slice()))
}

/// Resolves after `ms` milliseconds, through the global `setTimeout`.
async fn sleep(ms: i32) -> JsResult<()> {
    let global = js_sys::global();
    let set_timeout = Reflect::get(&global, &"setTimeout".into())?
        .dyn_into::<Function>()
        .map_err(|_| error("ERR_NO_TIMERS", "setTimeout is not available"))?;
    let promise = Promise::new(&mut |resolve, reject| {
        if let Err(e) = set_timeout.call2(&global, &resolve, &ms.into()) {
            let _ = reject.call1(&JsValue::UNDEFINED, &e);
        }
    });
    JsFuture::from(promise).await.map(|_| ())
}

/// Every error this transport throws: an `Error` with a stable `code`. The connection wraps it
/// in `SysCallError` as `cause`.
fn error(code: &str, message: &str) -> JsValue {
    let err: JsValue = js_sys::Error::new(message).into();
    let _ = Reflect::set(&err, &"code".into(), &code.into());
    err
}

fn not_open(state: u16) -> JsValue {
    let name = match state {
        WebSocket::CONNECTING => "CONNECTING",
        WebSocket::OPEN => "OPEN",
        WebSocket::CLOSING => "CLOSING",
        _ => "CLOSED",
    };
    error(
        "ERR_WEBSOCKET_CLOSED",
        &format!("the WebSocket is not open: readyState {state} ({name})"),
    )
}
