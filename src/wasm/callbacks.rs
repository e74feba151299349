//! User callbacks called from inside rustls: the verify callback, bound to its connection.
//! What a callback throws is kept and comes out of the I/O call that ran it, as the same
//! object (API.md §3).

// rustls wants verifiers `Send + Sync`; JS values are neither. wasm32-unknown-unknown
// without atomics has exactly one thread, so these values can never cross to another one.
#![allow(unsafe_code)]

use std::cell::RefCell;
use std::rc::Weak;

use js_sys::{Array, Function};
use rustls_pki_types::CertificateDer;
use wasm_bindgen::JsValue;

use crate::ssl::verify::{CallbackRaised, VerifyHook};
use crate::ssl::x509::X509 as CoreX509;
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
    fn raised(&self) -> &RefCell<Option<JsValue>>;
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
        match self.callback.apply(&JsValue::NULL, &args) {
            Ok(verdict) => Ok(verdict.is_truthy()),
            Err(thrown) => {
                *host.raised().borrow_mut() = Some(thrown);
                Err(CallbackRaised)
            }
        }
    }
}
