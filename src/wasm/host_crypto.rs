//! The host's crypto (`node:crypto`, from js/host-crypto.js) behind the core's `HostCrypto`
//! interface. Only conversion lives here: the framing and every fallback are in
//! src/crypto/host.rs. Each call is synchronous; slices are views of wasm memory, so a record
//! is read and written in place (the JS side cannot allocate wasm memory, so the views stay
//! valid for the call).

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, Ordering};

use js_sys::Reflect;
use wasm_bindgen::prelude::*;

use crate::crypto::host::{Aead, Group, HostError, Sig, TAG_LEN};
use crate::crypto::{self, Families, HostCrypto, HostProvider};
use crate::wasm::errors::JsResult;

#[wasm_bindgen]
extern "C" {
    /// See js/host-crypto.js for the contract of each method.
    pub type JsCrypto;

    #[wasm_bindgen(method, catch, js_name = aeadKey)]
    fn aead_key(this: &JsCrypto, id: u32, alg: u8, key: &[u8]) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch, js_name = aeadFree)]
    fn aead_free(this: &JsCrypto, id: u32) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn seal(
        this: &JsCrypto,
        id: u32,
        nonce: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag: &mut [u8],
    ) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn open(
        this: &JsCrypto,
        id: u32,
        nonce: &[u8],
        aad: &[u8],
        data: &mut [u8],
        tag: &[u8],
    ) -> Result<bool, JsValue>;
    #[wasm_bindgen(method, catch, js_name = kxStart)]
    fn kx_start(this: &JsCrypto, id: u32, group: u8) -> Result<Vec<u8>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = kxComplete)]
    fn kx_complete(this: &JsCrypto, id: u32, peer: &[u8]) -> Result<Vec<u8>, JsValue>;
    #[wasm_bindgen(method, catch, js_name = kxFree)]
    fn kx_free(this: &JsCrypto, id: u32) -> Result<(), JsValue>;
    #[wasm_bindgen(method, catch)]
    fn verify(this: &JsCrypto, alg: u8, spki: &[u8], msg: &[u8], sig: &[u8]) -> Result<bool, JsValue>;
}

thread_local! {
    static CRYPTO: RefCell<Option<JsCrypto>> = const { RefCell::new(None) };
    /// One provider per set of families ever installed (at most eight), since each leaks.
    static MADE: RefCell<Vec<(Families, &'static HostProvider)>> = const { RefCell::new(Vec::new()) };
}

/// Handles are numbered here, so one call makes a key and names it.
static NEXT_ID: AtomicU32 = AtomicU32::new(1);

fn next_id() -> u32 {
    NEXT_ID.fetch_add(1, Ordering::Relaxed)
}

fn host_error(e: JsValue) -> HostError {
    HostError(
        e.dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_else(|| "the host crypto threw".into()),
    )
}

fn with<T>(f: impl FnOnce(&JsCrypto) -> Result<T, JsValue>) -> Result<T, HostError> {
    CRYPTO.with(|c| match c.borrow().as_ref() {
        Some(js) => f(js).map_err(host_error),
        None => Err(HostError("no host crypto".into())),
    })
}

/// The JS object's methods; a zero-sized stand-in, since `JsValue`s are not `Sync`.
struct NodeCrypto;

static NODE_CRYPTO: NodeCrypto = NodeCrypto;

impl HostCrypto for NodeCrypto {
    fn name(&self) -> &'static str {
        "node:crypto"
    }

    fn aead_key(&self, alg: Aead, key: &[u8]) -> Result<u32, HostError> {
        let id = next_id();
        with(|js| js.aead_key(id, alg as u8, key)).map(|()| id)
    }

    fn aead_free(&self, key: u32) {
        let _ = with(|js| js.aead_free(key));
    }

    fn seal(
        &self,
        key: u32,
        nonce: &[u8; 12],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &mut [u8; TAG_LEN],
    ) -> Result<(), HostError> {
        with(|js| js.seal(key, nonce, aad, in_out, tag))
    }

    fn open(
        &self,
        key: u32,
        nonce: &[u8; 12],
        aad: &[u8],
        in_out: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<bool, HostError> {
        with(|js| js.open(key, nonce, aad, in_out, tag))
    }

    fn kx_start(&self, group: Group) -> Result<(u32, Vec<u8>), HostError> {
        let id = next_id();
        with(|js| js.kx_start(id, group as u8)).map(|public| (id, public))
    }

    fn kx_complete(&self, key: u32, peer: &[u8]) -> Result<Vec<u8>, HostError> {
        with(|js| js.kx_complete(key, peer))
    }

    fn kx_free(&self, key: u32) {
        let _ = with(|js| js.kx_free(key));
    }

    fn verify(&self, alg: Sig, spki: &[u8], msg: &[u8], sig: &[u8]) -> Result<bool, HostError> {
        with(|js| js.verify(alg as u8, spki, msg, sig))
    }
}

fn has(obj: &JsValue, name: &str) -> bool {
    Reflect::get(obj, &name.into()).is_ok_and(|f| f.is_function())
}

/// Installs the host's crypto (`undefined` or `null`: *ring* for everything), for the
/// algorithms where it beats *ring* in wasm (`Families::FASTER_ON_NODE`). A family whose
/// methods the object lacks stays *ring*'s: AEADs need `aeadKey`, `seal` and `open`; key
/// exchange `kxStart` and `kxComplete`; verification `verify`.
#[wasm_bindgen(js_name = "__setHostCrypto")]
pub fn set_host_crypto(host: JsValue) -> JsResult<()> {
    if host.is_undefined() || host.is_null() {
        CRYPTO.with(|c| *c.borrow_mut() = None);
        crypto::install(None);
        return Ok(());
    }
    let preferred = Families::FASTER_ON_NODE;
    let families = Families {
        aead: has(&host, "aeadKey") && has(&host, "seal") && has(&host, "open"),
        groups: if has(&host, "kxStart") && has(&host, "kxComplete") {
            preferred.groups
        } else {
            &[]
        },
        sigs: if has(&host, "verify") { preferred.sigs } else { &[] },
    };
    CRYPTO.with(|c| *c.borrow_mut() = Some(host.unchecked_into()));
    let provider = MADE.with(|m| {
        let mut made = m.borrow_mut();
        if let Some((_, p)) = made.iter().find(|(f, _)| *f == families) {
            return *p;
        }
        let p = HostProvider::new(&NODE_CRYPTO, families);
        made.push((families, p));
        p
    });
    crypto::install(Some(provider));
    Ok(())
}

/// "node:crypto" when the host's crypto is installed, "ring" otherwise.
#[wasm_bindgen(js_name = "__cryptoProvider")]
pub fn crypto_provider() -> String {
    crypto::name().to_string()
}
