//! `Session` for JS: an opaque handle on what a client connection received for resumption.

use wasm_bindgen::prelude::*;

use crate::ssl;
use crate::wasm::registry::Registry;

thread_local! {
    static SESSIONS: Registry<ssl::session::Session> = const { Registry::new("__rustlsSslSessionId") };
}

/// The session behind a JS value, if it is a `Session`.
pub(crate) fn lookup(v: &JsValue) -> Option<ssl::session::Session> {
    SESSIONS.with(|r| r.get(v))
}

#[wasm_bindgen]
pub struct Session {
    id: u32,
}

impl From<ssl::session::Session> for Session {
    fn from(inner: ssl::session::Session) -> Self {
        Session {
            id: SESSIONS.with(|r| r.insert(inner)),
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let id = self.id;
        let _ = SESSIONS.try_with(|r| r.remove(id));
    }
}

#[wasm_bindgen]
impl Session {
    /// An empty session, as pyOpenSSL's `Session()`; it belongs to no Context, so
    /// `setSession` refuses it.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Session {
        ssl::session::Session::default().into()
    }

    #[wasm_bindgen(getter = __rustlsSslSessionId)]
    pub fn registry_id(&self) -> u32 {
        self.id
    }
}

impl Default for Session {
    fn default() -> Self {
        Self::new()
    }
}
