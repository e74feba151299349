//! User callbacks called from inside rustls: the verify callback, bound to its connection.
//! What a callback throws is kept and comes out of the I/O call that ran it, as the same
//! object (API.md §3).

// rustls wants verifiers `Send + Sync`; JS values are neither. wasm32-unknown-unknown
// without atomics has exactly one thread, so these values can never cross to another one.
#![allow(unsafe_code)]

// The `unsafe impl Send/Sync` below are sound only while there is one thread. A build with
// wasm threads (the `atomics` target feature) could move a JS value to another thread, so it
// must not compile rather than become unsound. (Stable rustc does not set this cfg for the
// unstable feature, but wasm threads need nightly's -Zbuild-std, where it is set.)
#[cfg(target_feature = "atomics")]
compile_error!(
    "rustls-ssl hands JS callbacks to rustls as Send + Sync, which is sound only without wasm threads: build without the `atomics` target feature"
);

use std::cell::RefCell;
use std::rc::Weak;

use js_sys::{Array, Function, Uint8Array};
use rustls_pki_types::CertificateDer;
use wasm_bindgen::prelude::*;

use crate::ssl::connection::{AlpnChoice, ClientHelloInfo};
use crate::ssl::context::Settings;
use crate::ssl::verify::{CallbackRaised, VerifyHook};
use crate::ssl::x509::X509 as CoreX509;
use crate::ssl::Error;
use crate::wasm::x509::X509;

/// A JS function stored in core settings, which must be `Send + Sync`.
#[derive(Debug, Clone)]
pub(crate) struct SendFunction(pub(crate) Function);

unsafe impl Send for SendFunction {}
unsafe impl Sync for SendFunction {}

/// What the hook needs from its connection: the JS object to pass as `conn`, and the slot
/// where a thrown exception waits to be rethrown.
pub(crate) trait CallbackHost {
    fn js_connection(&self) -> JsValue;
    /// What a verify callback threw: the handshake fails, and the error sticks.
    fn raised(&self) -> &RefCell<Option<JsValue>>;
    /// What a keylog callback threw: the I/O call that ran it rejects with it once, and the
    /// connection goes on (a key-log line cannot fail a handshake).
    fn pending(&self) -> &RefCell<Option<JsValue>>;
}

/// The keylog callback, bound to its connection: `callback(conn, line)` with NSS key-log
/// lines (`LABEL <client_random hex> <secret hex>`), as pyOpenSSL passes them.
pub(crate) struct JsKeyLog<H: CallbackHost> {
    pub(crate) callback: Function,
    pub(crate) host: Weak<H>,
}

unsafe impl<H: CallbackHost> Send for JsKeyLog<H> {}
unsafe impl<H: CallbackHost> Sync for JsKeyLog<H> {}

impl<H: CallbackHost> std::fmt::Debug for JsKeyLog<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsKeyLog")
    }
}

impl<H: CallbackHost> rustls::KeyLog for JsKeyLog<H> {
    fn log(&self, label: &str, client_random: &[u8], secret: &[u8]) {
        let Some(host) = self.host.upgrade() else {
            return;
        };
        let line = format!("{label} {} {}", hex(client_random), hex(secret));
        let line = Uint8Array::from(line.as_bytes());
        if let Err(thrown) = self.callback.call2(&JsValue::NULL, &host.js_connection(), &line) {
            host.pending().borrow_mut().get_or_insert(thrown);
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

pub(crate) struct JsVerifyHook<H: CallbackHost> {
    pub(crate) callback: Function,
    pub(crate) host: Weak<H>,
}

unsafe impl<H: CallbackHost> Send for JsVerifyHook<H> {}
unsafe impl<H: CallbackHost> Sync for JsVerifyHook<H> {}

impl<H: CallbackHost> std::fmt::Debug for JsVerifyHook<H> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("JsVerifyHook")
    }
}

impl<H: CallbackHost> VerifyHook for JsVerifyHook<H> {
    fn call(
        &self,
        cert: &CertificateDer<'_>,
        errno: i32,
        depth: u32,
        ok: bool,
    ) -> Result<bool, CallbackRaised> {
        let Some(host) = self.host.upgrade() else {
            return Err(CallbackRaised);
        };
        let x509 = CoreX509::from_der(cert.as_ref()).map_or(JsValue::NULL, |c| X509::from(c).into());
        let args = Array::of5(
            &host.js_connection(),
            &x509,
            &errno.into(),
            &depth.into(),
            &ok.into(),
        );
        let thrown = match self.callback.apply(&JsValue::NULL, &args) {
            Ok(verdict) => match verdict.as_bool() {
                Some(answer) => return Ok(answer),
                // A Promise is truthy: an async callback would accept every certificate
                // before it had looked at any. Only a boolean is an answer.
                None => crate::wasm::errors::to_js(Error::Type(format!(
                    "the verify callback must return a boolean (true to accept errno {errno} \
                     at depth {depth}), not {}",
                    describe(&verdict)
                ))),
            },
            Err(thrown) => thrown,
        };
        *host.raised().borrow_mut() = Some(thrown);
        Err(CallbackRaised)
    }
}

/// What a wrong answer was, for the TypeError's message.
fn describe(value: &JsValue) -> String {
    if value.is_undefined() {
        return "undefined".into();
    }
    if value.is_null() {
        return "null".into();
    }
    if value.has_type::<js_sys::Promise>() {
        return "a Promise (an async callback cannot decide: the handshake cannot wait)".into();
    }
    value.js_typeof().as_string().unwrap_or_default()
}

thread_local! {
    static NO_OVERLAP: RefCell<JsValue> = const { RefCell::new(JsValue::UNDEFINED) };
}

/// The package's `NO_OVERLAPPING_PROTOCOLS` sentinel, handed over at load.
#[wasm_bindgen(js_name = "__setNoOverlap")]
pub fn set_no_overlap(sentinel: JsValue) {
    NO_OVERLAP.with(|s| *s.borrow_mut() = sentinel);
}

/// A callback the Context stored opaquely in its settings.
pub(crate) fn stored(callback: &Option<std::sync::Arc<dyn std::any::Any + Send + Sync>>) -> Option<Function> {
    callback
        .as_ref()
        .and_then(|cb| cb.downcast_ref::<SendFunction>())
        .map(|f| f.0.clone())
}

pub(crate) fn store(callback: Option<Function>) -> Option<std::sync::Arc<dyn std::any::Any + Send + Sync>> {
    callback.map(|f| std::sync::Arc::new(SendFunction(f)) as std::sync::Arc<dyn std::any::Any + Send + Sync>)
}

/// Runs the servername callback, then the ALPN select callback (read after the first, which
/// may have switched the Context), and says how the handshake goes on. `Err` is what a
/// callback threw, or the `TypeError` for an answer of the wrong type.
pub(crate) fn on_client_hello(
    conn: &JsValue,
    current: impl Fn(fn(&Settings) -> Option<Function>) -> Option<Function>,
    hello: &ClientHelloInfo,
) -> Result<AlpnChoice, JsValue> {
    if let Some(cb) = current(|s| stored(&s.servername_callback)) {
        cb.call1(&JsValue::NULL, conn)?;
    }
    let Some(cb) = current(|s| stored(&s.alpn_select_callback)) else {
        return Ok(AlpnChoice::Default);
    };
    if hello.alpn.is_empty() {
        // OpenSSL runs the ALPN callback only when the client offered protocols.
        return Ok(AlpnChoice::Default);
    }
    let offered: Array = hello
        .alpn
        .iter()
        .map(|p| JsValue::from(String::from_utf8_lossy(p).into_owned()))
        .collect();
    let answer = cb.call2(&JsValue::NULL, conn, &offered)?;
    if NO_OVERLAP.with(|s| *s.borrow() == answer) {
        return Ok(AlpnChoice::NoOverlap);
    }
    let chosen = match (answer.as_string(), answer.dyn_ref::<Uint8Array>()) {
        (Some(s), _) => s.into_bytes(),
        (None, Some(bytes)) => crate::wasm::convert::copy_view(bytes, "the ALPN select callback's answer")
            .map_err(crate::wasm::errors::to_js)?,
        _ => {
            return Err(crate::wasm::errors::to_js(Error::Type(
                "the ALPN select callback must return a string, a Uint8Array or NO_OVERLAPPING_PROTOCOLS"
                    .into(),
            )))
        }
    };
    Ok(if chosen.is_empty() {
        AlpnChoice::Refuse
    } else {
        AlpnChoice::Select(chosen)
    })
}
