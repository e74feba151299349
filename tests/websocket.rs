//! `webSocketTransport` in a real browser (headless Chromium through `wasm-pack test --headless
//! --chrome`), against a fake WebSocket: an `EventTarget` with the WebSocket surface that the
//! test drives by hand (there is no WebSocket server in the harness). The tunnel itself, over a
//! real `ws` socket and a Node TLS server, is tested in js-tests/transports.test.mjs.
#![cfg(target_arch = "wasm32")]
// wasm_bindgen_test functions are not `#[test]`s to clippy: a failing unwrap is the point here.
#![allow(clippy::unwrap_used)]
// Test data sizes are small constants; truncation cannot happen and would only fail a test.
#![allow(clippy::cast_possible_truncation, clippy::indexing_slicing)]

use js_sys::{Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

use rustls_ssl::ssl::{Connection, Error};
use rustls_ssl::wasm::websocket::{
    web_socket_transport, WebSocketTransport, COALESCE_BUFFER, HIGH_WATER, MESSAGE_OVERHEAD, RECV_LIMIT,
    RECV_PAUSE, RECV_RESUME, SMALL_MESSAGE,
};

#[path = "../src/ssl/test_support.rs"]
mod test_support;
use test_support::{client, server_with, CHAIN, KEY};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen(inline_js = r#"
export class FakeSocket extends EventTarget {
  constructor(readyState) {
    super();
    this.readyState = readyState;
    this.bufferedAmount = 0;
    this.binaryType = 'blob';
    this.sent = [];
    this.closedWith = null;
    this.peer = null;
    this.chunk = 0;
    this.live = new Map();
  }
  addEventListener(type, fn, options) {
    this.live.set(type, (this.live.get(type) ?? 0) + 1);
    super.addEventListener(type, fn, options);
  }
  removeEventListener(type, fn, options) {
    this.live.set(type, (this.live.get(type) ?? 0) - 1);
    super.removeEventListener(type, fn, options);
  }
  listeners(type) { return this.live.get(type) ?? 0; }
  send(data) {
    if (this.readyState !== 1) throw new Error('fake: send while readyState ' + this.readyState);
    // Kept as given, not copied: the transport must hand over a copy of its own.
    this.sent.push(data);
    if (this.peer) {
      const bytes = new Uint8Array(data.buffer ?? data, data.byteOffset ?? 0, data.byteLength);
      const size = this.chunk || bytes.length;
      for (let i = 0; i < bytes.length; i += size) {
        const part = bytes.slice(i, i + size);
        setTimeout(() => this.peer.message(part), 0);
      }
    }
  }
  sentCount() { return this.sent.length; }
  sentBytes(i) { const d = this.sent[i]; return new Uint8Array(d.buffer ?? d, d.byteOffset ?? 0, d.byteLength); }
  close(code) {
    // A browser only lets a page send 1000 or 3000–4999.
    if (this.strictClose && code !== undefined && code !== 1000 && (code < 3000 || code > 4999)) {
      throw new DOMException(`close code ${code} is not allowed`, 'InvalidAccessError');
    }
    this.closedWith = code ?? null;
    this.readyState = 2;
  }
  strict() { this.strictClose = true; }
  /** The ws package's pause() and resume(), each call recorded. */
  static pausable() {
    const ws = new FakeSocket(1);
    ws.flow = [];
    ws.pause = () => ws.flow.push('pause');
    ws.resume = () => ws.flow.push('resume');
    return ws;
  }
  flowLog() { return (this.flow ?? []).join(','); }
  open() { this.readyState = 1; this.dispatchEvent(new Event('open')); }
  message(bytes) { this.dispatchEvent(new MessageEvent('message', { data: new Uint8Array(bytes).buffer })); }
  text(s) { this.dispatchEvent(new MessageEvent('message', { data: s })); }
  closeEvent(code, reason) {
    this.readyState = 3;
    this.dispatchEvent(new CloseEvent('close', { code, reason, wasClean: code !== 1006 }));
  }
  error() { this.dispatchEvent(new Event('error')); }
  /** Two open fakes: what one sends arrives at the other in messages of `chunk` bytes. */
  static pair(chunkAB, chunkBA) {
    const a = new FakeSocket(1), b = new FakeSocket(1);
    a.peer = b; b.peer = a; a.chunk = chunkAB; b.chunk = chunkBA;
    return [a, b];
  }
}
"#)]
extern "C" {
    #[derive(Clone)]
    type FakeSocket;
    #[wasm_bindgen(constructor)]
    fn new(ready_state: u16) -> FakeSocket;
    #[wasm_bindgen(static_method_of = FakeSocket)]
    fn pausable() -> FakeSocket;
    #[wasm_bindgen(method)]
    fn strict(this: &FakeSocket);
    #[wasm_bindgen(method, js_name = flowLog)]
    fn flow_log(this: &FakeSocket) -> String;
    #[wasm_bindgen(method, getter, js_name = readyState)]
    fn fake_ready_state(this: &FakeSocket) -> u16;
    #[wasm_bindgen(static_method_of = FakeSocket)]
    fn pair(chunk_ab: u32, chunk_ba: u32) -> js_sys::Array;
    #[wasm_bindgen(method)]
    fn open(this: &FakeSocket);
    #[wasm_bindgen(method)]
    fn message(this: &FakeSocket, bytes: &[u8]);
    #[wasm_bindgen(method)]
    fn text(this: &FakeSocket, s: &str);
    #[wasm_bindgen(method, js_name = closeEvent)]
    fn close_event(this: &FakeSocket, code: u16, reason: &str);
    #[wasm_bindgen(method)]
    fn error(this: &FakeSocket);
    #[wasm_bindgen(method)]
    fn listeners(this: &FakeSocket, kind: &str) -> u32;
    #[wasm_bindgen(method, js_name = sentCount)]
    fn sent_count(this: &FakeSocket) -> u32;
    #[wasm_bindgen(method, js_name = sentBytes)]
    fn sent_bytes(this: &FakeSocket, i: u32) -> Vec<u8>;
    #[wasm_bindgen(method, getter, js_name = closedWith)]
    fn closed_with(this: &FakeSocket) -> JsValue;
    #[wasm_bindgen(method, getter, js_name = binaryType)]
    fn binary_type(this: &FakeSocket) -> String;
    #[wasm_bindgen(method, setter, js_name = bufferedAmount)]
    fn set_buffered_amount(this: &FakeSocket, n: u32);
}

fn transport(ws: &FakeSocket) -> WebSocketTransport {
    web_socket_transport(ws.clone().into()).unwrap()
}

/// Awaits `v` when it is a promise.
async fn settle(v: JsValue) -> Result<JsValue, JsValue> {
    match v.dyn_into::<Promise>() {
        Ok(p) => JsFuture::from(p).await,
        Err(v) => Ok(v),
    }
}

async fn recv(t: &WebSocketTransport, max: u32) -> Result<Vec<u8>, JsValue> {
    let v = settle(t.recv(max.into())?).await?;
    Ok(v.dyn_into::<Uint8Array>().unwrap().to_vec())
}

fn bytes(v: &JsValue) -> Vec<u8> {
    v.dyn_ref::<Uint8Array>().unwrap().to_vec()
}

fn prop(v: &JsValue, name: &str) -> JsValue {
    Reflect::get(v, &name.into()).unwrap()
}

fn message_of(e: &JsValue) -> String {
    prop(e, "message").as_string().unwrap_or_default()
}

/// Whether `p` is still pending after a few event-loop turns.
async fn still_pending(p: &Promise) -> bool {
    let marker = JsValue::from_str("pending");
    let later = Promise::new(&mut |resolve, _| {
        let global = js_sys::global();
        let set_timeout: Function = prop(&global, "setTimeout").dyn_into().unwrap();
        let _ = set_timeout.call3(&global, &resolve, &30.into(), &marker);
    });
    let first = JsFuture::from(Promise::race(&js_sys::Array::of2(p, &later))).await;
    matches!(first, Ok(v) if v == "pending")
}

/// Everything `from` has queued goes out through `t_from`; `to` reads it back through `t_to`
/// in `recv(max)` calls, whatever the message boundaries.
async fn deliver(
    from: &mut Connection,
    t_from: &WebSocketTransport,
    t_to: &WebSocketTransport,
    to: &mut Connection,
    max: u32,
) {
    let Ok(out) = from.bio_read(usize::MAX) else {
        return;
    };
    let n = settle(t_from.send(Uint8Array::from(out.as_slice()).into()).unwrap())
        .await
        .unwrap();
    assert_eq!(
        n.as_f64(),
        Some(out.len() as f64),
        "send reports every byte taken"
    );
    let mut got = 0;
    while got < out.len() {
        let part = recv(t_to, max).await.unwrap();
        assert!(
            !part.is_empty() && part.len() <= max as usize,
            "{} bytes",
            part.len()
        );
        to.bio_write(&part);
        got += part.len();
    }
    assert_eq!(got, out.len());
}

#[wasm_bindgen_test]
async fn a_tls_session_survives_any_message_framing() {
    let pair = FakeSocket::pair(7, 1000);
    let (fa, fb): (FakeSocket, FakeSocket) = (pair.get(0).unchecked_into(), pair.get(1).unchecked_into());
    let (ta, tb) = (transport(&fa), transport(&fb));
    let (mut c, mut s) = (client(0), server_with(CHAIN, KEY));
    // Client → server in 7-byte messages read 100 at a time (a read spans messages); server →
    // client in 1000-byte messages read 50 at a time (a message spans reads).
    let mut done = false;
    for _ in 0..10 {
        let rc = c.do_handshake();
        deliver(&mut c, &ta, &tb, &mut s, 100).await;
        let rs = s.do_handshake();
        deliver(&mut s, &tb, &ta, &mut c, 50).await;
        if rc.is_ok() && rs.is_ok() {
            done = true;
            break;
        }
    }
    assert!(
        done && c.is_handshake_done() && s.is_handshake_done(),
        "handshake done"
    );
    assert_eq!(c.verify_result(), 0);
    let up: Vec<u8> = (0..50_000u32).map(|i| (i * 31 % 251) as u8).collect();
    let mut written = 0;
    while written < up.len() {
        written += c.write(&up[written..]).unwrap();
    }
    deliver(&mut c, &ta, &tb, &mut s, 100).await;
    let mut got = Vec::new();
    while got.len() < up.len() {
        got.extend(s.read(usize::MAX, false).unwrap());
    }
    assert_eq!(got, up);
    assert_eq!(s.read(10, false), Err(Error::WantRead));
}

#[wasm_bindgen_test]
async fn recv_reads_across_messages_and_waits_when_empty() {
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    assert_eq!(ws.binary_type(), "arraybuffer");
    ws.message(&[1, 2, 3]);
    ws.message(&[4, 5]);
    ws.message(&[6, 7, 8, 9]);
    assert_eq!(t.queued(), 9);
    let first = t.recv(2.into()).unwrap();
    assert!(
        first.is_instance_of::<Uint8Array>(),
        "queued bytes come back at once"
    );
    assert_eq!(bytes(&first), [1, 2]);
    assert_eq!(recv(&t, 4).await.unwrap(), [3, 4, 5, 6]);
    assert_eq!(recv(&t, 100).await.unwrap(), [7, 8, 9]);
    let waiting = t.recv(100.into()).unwrap().dyn_into::<Promise>().unwrap();
    assert!(
        still_pending(&waiting).await,
        "recv waits while the socket is open"
    );
    ws.message(&[10]);
    assert_eq!(bytes(&JsFuture::from(waiting).await.unwrap()), [10]);
    ws.message(&[]);
    assert!(
        t.recv(1.into()).unwrap().is_instance_of::<Promise>(),
        "an empty message is no data"
    );
    let zero = t.recv(0.into()).unwrap_err();
    assert!(zero.is_instance_of::<js_sys::RangeError>());
}

#[wasm_bindgen_test]
async fn a_clean_close_is_end_of_stream_once_the_queue_is_read() {
    for code in [1000, 1005] {
        let ws = FakeSocket::new(1);
        let t = transport(&ws);
        let waiting = t.recv(100.into()).unwrap();
        ws.message(&[1, 2]);
        ws.message(&[3]);
        ws.close_event(code, "");
        assert_eq!(
            bytes(&settle(waiting).await.unwrap()),
            [1, 2, 3],
            "both messages in one read"
        );
        assert_eq!(
            recv(&t, 100).await.unwrap(),
            [] as [u8; 0],
            "code {code}: end of stream"
        );
        assert_eq!(recv(&t, 100).await.unwrap(), [] as [u8; 0], "and it stays");
        let err = t.send(Uint8Array::new_with_length(1).into()).unwrap_err();
        assert!(
            message_of(&err).contains("not open: readyState 3 (CLOSED)"),
            "{err:?}"
        );
    }
}

#[wasm_bindgen_test]
async fn an_error_event_fails_recv_after_the_queue_and_send_at_once() {
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    ws.message(&[7]);
    ws.error();
    ws.close_event(1006, "");
    let err = t.send(Uint8Array::new_with_length(1).into()).unwrap_err();
    assert_eq!(prop(&err, "code"), "ERR_WEBSOCKET_ERROR");
    assert_eq!(message_of(&err), "WebSocket error");
    assert_eq!(
        prop(&prop(&err, "cause"), "type"),
        "error",
        "the event is the cause"
    );
    assert_eq!(
        recv(&t, 10).await.unwrap(),
        [7],
        "bytes that arrived first are still read"
    );
    let err = recv(&t, 10).await.unwrap_err();
    assert_eq!(prop(&err, "code"), "ERR_WEBSOCKET_ERROR");

    // A recv already waiting is woken with the error.
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    let waiting = t.recv(10.into()).unwrap();
    ws.error();
    assert_eq!(
        prop(&settle(waiting).await.unwrap_err(), "code"),
        "ERR_WEBSOCKET_ERROR"
    );
}

#[wasm_bindgen_test]
async fn a_close_with_another_code_is_an_error_naming_it() {
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    let waiting = t.recv(10.into()).unwrap();
    ws.close_event(1011, "target unreachable");
    let err = settle(waiting).await.unwrap_err();
    assert_eq!(prop(&err, "code"), "ERR_WEBSOCKET_CLOSED");
    assert_eq!(
        message_of(&err),
        "the WebSocket closed with code 1011: target unreachable"
    );
    assert_eq!(prop(&err, "closeCode"), 1011);
}

#[wasm_bindgen_test]
async fn a_text_message_fails_the_transport() {
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    ws.text("hello");
    let err = recv(&t, 10).await.unwrap_err();
    assert_eq!(prop(&err, "code"), "ERR_WEBSOCKET_NOT_BINARY");
    assert!(message_of(&err).contains("received a text message"), "{err:?}");
    ws.message(&[1]);
    assert_eq!(t.queued(), 0, "nothing is queued after the failure");
}

#[wasm_bindgen_test]
async fn send_waits_for_open_and_keeps_call_order() {
    let ws = FakeSocket::new(0);
    let t = transport(&ws);
    let first = t.send(Uint8Array::from(&[1u8, 2][..]).into()).unwrap();
    let second = t.send(Uint8Array::from(&[3u8][..]).into()).unwrap();
    let first = first.dyn_into::<Promise>().unwrap();
    assert!(still_pending(&first).await);
    assert_eq!(ws.sent_count(), 0);
    ws.open();
    assert_eq!(JsFuture::from(first).await.unwrap(), 2);
    assert_eq!(settle(second).await.unwrap(), 1);
    assert_eq!(ws.sent_count(), 2, "one message per send");
    assert_eq!(ws.sent_bytes(0), [1, 2]);
    assert_eq!(ws.sent_bytes(1), [3]);
    // Open, nothing waiting: the count comes back at once.
    assert_eq!(t.send(Uint8Array::from(&[4u8][..]).into()).unwrap(), 1);

    // Connecting, then failing: the waiting send rejects with the failure.
    let ws = FakeSocket::new(0);
    let t = transport(&ws);
    let waiting = t.send(Uint8Array::new_with_length(1).into()).unwrap();
    ws.error();
    assert_eq!(
        prop(&settle(waiting).await.unwrap_err(), "code"),
        "ERR_WEBSOCKET_ERROR"
    );
}

#[wasm_bindgen_test]
async fn send_copies_the_bytes() {
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    let data = Uint8Array::from(&[5u8, 6, 7][..]);
    assert_eq!(t.send(data.clone().into()).unwrap(), 3);
    data.fill(0, 0, 3);
    assert_eq!(
        ws.sent_bytes(0),
        [5, 6, 7],
        "the socket got a copy, not the caller's view"
    );
}

#[wasm_bindgen_test]
async fn send_waits_while_buffered_amount_is_above_the_high_water_mark() {
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    ws.set_buffered_amount(HIGH_WATER + 1);
    let first = t.send(Uint8Array::from(&[1u8][..]).into()).unwrap();
    let first = first.dyn_into::<Promise>().unwrap();
    assert_eq!(ws.sent_count(), 1, "the message itself went at once");
    let second = t.send(Uint8Array::from(&[2u8][..]).into()).unwrap();
    assert!(still_pending(&first).await, "waits for the buffer to drain");
    assert_eq!(ws.sent_count(), 1, "a later send waits behind it");
    ws.set_buffered_amount(HIGH_WATER);
    assert_eq!(JsFuture::from(first).await.unwrap(), 1);
    assert_eq!(settle(second).await.unwrap(), 1);
    assert_eq!(ws.sent_count(), 2);
    assert_eq!(ws.sent_bytes(1), [2]);

    // The socket closing while the buffer is full: the waiting send fails.
    ws.set_buffered_amount(HIGH_WATER + 1);
    let stuck = t.send(Uint8Array::from(&[3u8][..]).into()).unwrap();
    ws.close_event(1000, "");
    let err = settle(stuck).await.unwrap_err();
    assert!(
        message_of(&err).contains("before its buffered data was sent"),
        "{err:?}"
    );
}

#[wasm_bindgen_test]
async fn close_stops_listening_and_closes_with_1000() {
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    for kind in ["open", "message", "close", "error"] {
        assert_eq!(ws.listeners(kind), 1, "{kind}");
    }
    ws.message(&[1]);
    let queued = t.recv(10.into()).unwrap();
    let waiting = t.recv(10.into()).unwrap();
    t.close().unwrap();
    assert_eq!(ws.closed_with(), 1000);
    for kind in ["open", "message", "close"] {
        assert_eq!(ws.listeners(kind), 0, "{kind}");
    }
    assert_eq!(
        ws.listeners("error"),
        1,
        "only the do-nothing error listener stays"
    );
    assert_eq!(bytes(&queued), [1]);
    assert_eq!(
        bytes(&settle(waiting).await.unwrap()),
        [] as [u8; 0],
        "a waiting recv ends"
    );
    let err = t.send(Uint8Array::new_with_length(1).into()).unwrap_err();
    assert_eq!(prop(&err, "code"), "ERR_TRANSPORT_CLOSED");
    // Events after close reach no Rust closure (a dropped one would throw inside dispatch).
    ws.message(&[2]);
    ws.close_event(1000, "");
    assert_eq!(t.queued(), 0);

    // Freed without close(): listeners go too, and a waiting recv ends.
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    let waiting = t.recv(10.into()).unwrap();
    drop(t);
    assert_eq!(ws.listeners("message"), 0);
    assert_eq!(bytes(&settle(waiting).await.unwrap()), [] as [u8; 0]);
    ws.message(&[2]);
}

#[wasm_bindgen_test]
fn anything_but_a_websocket_is_a_type_error() {
    let err = web_socket_transport(js_sys::Object::new().into()).err().unwrap();
    assert!(err.is_instance_of::<js_sys::TypeError>());
    assert!(
        message_of(&err).contains("addEventListener is missing"),
        "{err:?}"
    );
    let ws = FakeSocket::new(3);
    let t = transport(&ws);
    assert_eq!(t.ready_state(), 3);
    assert!(
        t.recv(1.into()).unwrap().is_instance_of::<Uint8Array>(),
        "already closed: EOF"
    );
}

const MESSAGE: usize = 64 * 1024;
/// What a [`MESSAGE`]-byte message counts against the limit.
const MESSAGE_CHARGE: usize = MESSAGE + MESSAGE_OVERHEAD;

/// Byte `i` of the stream the limit tests send, so a lost or reordered byte shows.
fn stream_byte(i: usize) -> u8 {
    (i % 251) as u8
}

/// Sends the stream's bytes `at..at + len` as one message; returns where the stream is now.
fn send_part(ws: &FakeSocket, at: usize, len: usize) -> usize {
    let part: Vec<u8> = (at..at + len).map(stream_byte).collect();
    ws.message(&part);
    at + len
}

/// Reads `n` bytes in `recv(max)` calls and checks they are the stream's from `at`.
async fn read_part(t: &WebSocketTransport, at: usize, n: usize, max: u32) -> usize {
    let mut read = at;
    while read < at + n {
        let part = recv(t, max.min((at + n - read) as u32)).await.unwrap();
        assert!(
            part.iter().enumerate().all(|(i, &b)| b == stream_byte(read + i)),
            "bytes intact and in order at {read}"
        );
        read += part.len();
    }
    read
}

fn assert_limit_error(err: &JsValue) {
    assert_eq!(prop(err, "code"), "ERR_WEBSOCKET_RECV_LIMIT", "{err:?}");
    assert!(
        message_of(err).contains("WebSocket receive queue over 4 MiB unread"),
        "{err:?}"
    );
    assert_eq!(prop(err, "limit"), RECV_LIMIT as f64);
}

#[wasm_bindgen_test]
async fn a_socket_that_cannot_pause_fails_once_more_than_the_limit_is_unread() {
    let ws = FakeSocket::new(1);
    ws.strict();
    let t = transport(&ws);
    // Messages that make the queue hold exactly the limit.
    let full = RECV_LIMIT / MESSAGE_CHARGE;
    let mut at = 0;
    for _ in 0..full {
        at = send_part(&ws, at, MESSAGE);
    }
    at = send_part(&ws, at, RECV_LIMIT - full * MESSAGE_CHARGE - MESSAGE_OVERHEAD);
    assert_eq!(t.queued(), at, "exactly the limit is still fine");
    assert!(at <= RECV_LIMIT);
    // Reading part of a message frees nothing: its buffer is still held.
    read_part(&t, 0, 3, 100).await;
    send_part(&ws, at, 1);
    assert_eq!(t.queued(), 0, "the queue is dropped, not kept");
    assert_limit_error(&recv(&t, 10).await.unwrap_err());
    assert_limit_error(&recv(&t, 10).await.unwrap_err());
    assert_limit_error(&t.send(Uint8Array::new_with_length(1).into()).unwrap_err());
    assert_eq!(
        ws.fake_ready_state(),
        2,
        "the socket is closed (with close(): a browser refuses code 1009)"
    );
    assert_eq!(ws.closed_with(), JsValue::NULL);
    ws.message(&[1]);
    assert_eq!(t.queued(), 0, "nothing is queued after the failure");
}

#[wasm_bindgen_test]
async fn a_waiting_recv_gets_the_limit_error_and_the_socket_closes_with_1009() {
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    let waiting = t.recv(10.into()).unwrap();
    ws.message(&vec![0u8; RECV_LIMIT + 1]);
    assert_limit_error(&settle(waiting).await.unwrap_err());
    assert_eq!(ws.closed_with(), 1009);
    // The close event that follows does not replace the reason.
    ws.close_event(1009, "");
    assert_limit_error(&recv(&t, 10).await.unwrap_err());

    // Pausing does not lift the limit: one message over it fails a pausable socket too.
    let ws = FakeSocket::pausable();
    let t = transport(&ws);
    ws.message(&vec![0u8; RECV_LIMIT + 1]);
    assert_limit_error(&recv(&t, 10).await.unwrap_err());
}

#[wasm_bindgen_test]
async fn a_pausable_socket_is_paused_before_the_limit_and_resumed_as_the_reader_catches_up() {
    let ws = FakeSocket::pausable();
    let t = transport(&ws);
    let mut at = 0;
    let mut messages = 0;
    while (messages + 1) * MESSAGE_CHARGE < RECV_PAUSE {
        at = send_part(&ws, at, MESSAGE);
        messages += 1;
    }
    assert_eq!(ws.flow_log(), "", "below the mark: not paused");
    at = send_part(&ws, at, MESSAGE);
    messages += 1;
    assert_eq!(ws.flow_log(), "pause");
    // What a paused socket had already read still arrives, up to the limit, and is kept.
    while (messages + 1) * MESSAGE_CHARGE <= RECV_LIMIT {
        at = send_part(&ws, at, MESSAGE);
        messages += 1;
    }
    assert_eq!(t.queued(), at);
    assert_eq!(ws.flow_log(), "pause", "paused once");
    // Resumed once what is left holds at most RECV_RESUME: a message counts until read whole.
    let mut read = 0;
    while read < at {
        read = read_part(&t, read, 40_000.min(at - read), 40_000).await;
        let left = messages - read / MESSAGE;
        let expected = if left * MESSAGE_CHARGE > RECV_RESUME {
            "pause"
        } else {
            "pause,resume"
        };
        assert_eq!(ws.flow_log(), expected, "{left} messages left");
    }
    assert_eq!(t.queued(), 0);

    // Freed while paused: the socket is the caller's again, and not left paused.
    let ws = FakeSocket::pausable();
    let t = transport(&ws);
    for i in 0..RECV_PAUSE / MESSAGE {
        send_part(&ws, i * MESSAGE, MESSAGE);
    }
    assert_eq!(ws.flow_log(), "pause");
    drop(t);
    assert_eq!(ws.flow_log(), "pause,resume");
}

/// A xorshift generator, so a failing sequence can be replayed.
fn next(seed: &mut u32) -> u32 {
    *seed ^= *seed << 13;
    *seed ^= *seed >> 17;
    *seed ^= *seed << 5;
    *seed
}

#[wasm_bindgen_test]
async fn small_messages_are_copied_together_and_read_back_intact() {
    // Sizes around the small-message bound and the shared buffer's size, in any order, read
    // in any sizes while more arrive: every byte comes back once, in order.
    let sizes = [1, 2, 3, 100, 511, 512, 513, 4095, 4096, 4097, 9000];
    let mut seed = 0x5eed_u32;
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    let (mut at, mut read) = (0, 0);
    for _ in 0..3000 {
        let len = sizes[next(&mut seed) as usize % sizes.len()];
        at = send_part(&ws, at, len);
        if next(&mut seed).is_multiple_of(3) {
            let max = 1 + next(&mut seed) % 6000;
            read = read_part(&t, read, (max as usize).min(at - read), max).await;
        }
        assert_eq!(t.queued(), at - read);
    }
    read_part(&t, read, at - read, 7).await;
    assert_eq!(t.queued(), 0);

    // A hundred thousand one-byte messages hold their bytes, not a hundred thousand objects
    // (charged one by one they would be 25 MiB, far over the limit): no failure.
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    for i in 0..100_000 {
        send_part(&ws, i, 1);
    }
    assert_eq!(t.queued(), 100_000);
    read_part(&t, 0, 100_000, 65536).await;
}

#[wasm_bindgen_test]
async fn alternating_small_and_large_messages_count_what_they_keep() {
    // Each one-byte message after a larger one starts a new 4 KiB buffer, counted in full until
    // the next larger message ends it and its byte is copied out: what stays counted is what
    // is kept, so the transport fails once that reaches the limit, not after 4 MiB of buffers.
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    let pair = 1 + MESSAGE_OVERHEAD + SMALL_MESSAGE + MESSAGE_OVERHEAD;
    let mut at = 0;
    let mut pairs = 0;
    while ws.fake_ready_state() == 1 {
        at = send_part(&ws, at, 1);
        at = send_part(&ws, at, SMALL_MESSAGE);
        pairs += 1;
        assert!(pairs <= RECV_LIMIT / pair + 1, "still open after {pairs} pairs");
    }
    let room = COALESCE_BUFFER as usize + MESSAGE_OVERHEAD;
    assert!(
        pairs * pair + room > RECV_LIMIT,
        "failed at {pairs} pairs, with room to spare"
    );
    assert_limit_error(&recv(&t, 10).await.unwrap_err());

    // Read back before the limit, the copied-out bytes are the right ones.
    let ws = FakeSocket::new(1);
    let t = transport(&ws);
    let mut at = 0;
    for _ in 0..100 {
        at = send_part(&ws, at, 1);
        at = send_part(&ws, at, 3);
        at = send_part(&ws, at, SMALL_MESSAGE + 1);
    }
    read_part(&t, 0, at, 1000).await;
}
