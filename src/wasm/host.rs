//! What the JS host can do for the core that wasm cannot: read files (Node only), and load the
//! bundled roots, which ship beside the wasm rather than in it (src/ssl/roots.rs). The package
//! entry registers the functions at load; in a browser there is no file access, and `*File`
//! methods say so.

use std::cell::RefCell;

use js_sys::{Array, Function, Promise, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

use crate::ssl::roots;
use crate::ssl::{Error, Result};
use crate::wasm::errors::{to_js, JsResult};

#[derive(Default)]
struct Host {
    read_file: Option<Function>,
    read_dir: Option<Function>,
    load_roots: Option<Function>,
}

thread_local! {
    static HOST: RefCell<Host> = RefCell::new(Host::default());
}

/// `{ readFile(path) → Uint8Array, readDir(path) → string[], loadRoots() → Promise<Uint8Array> }`
/// from the package entry (the first two only in Node).
#[wasm_bindgen(js_name = "__setHost")]
pub fn set_host(host: JsValue) -> JsResult<()> {
    let get = |name: &str| {
        Reflect::get(&host, &name.into())
            .ok()
            .and_then(|f| f.dyn_into::<Function>().ok())
    };
    let next = Host {
        read_file: get("readFile"),
        read_dir: get("readDir"),
        load_roots: get("loadRoots"),
    };
    HOST.with(|h| *h.borrow_mut() = next);
    Ok(())
}

fn unavailable() -> Error {
    Error::ssl("file access is not available here (a browser): pass the data itself instead, e.g. loadVerifyLocations(null, null, cadata)")
}

fn io_error(path: &str, e: &JsValue) -> Error {
    let reason = Reflect::get(e, &"code".into())
        .ok()
        .and_then(|c| c.as_string())
        .unwrap_or_else(|| "cannot read".into());
    Error::Ssl {
        lib: crate::ssl::error::LIB_SYS,
        reason: format!("{reason}: {path}"),
    }
}

pub(crate) fn read_file(path: &str) -> Result<Vec<u8>> {
    let f = HOST
        .with(|h| h.borrow().read_file.clone())
        .ok_or_else(unavailable)?;
    let out = f
        .call1(&JsValue::NULL, &path.into())
        .map_err(|e| io_error(path, &e))?;
    out.dyn_ref::<Uint8Array>()
        .map(Uint8Array::to_vec)
        .ok_or_else(|| Error::ssl("readFile returned no bytes"))
}

pub(crate) fn read_dir(path: &str) -> Result<Vec<String>> {
    let f = HOST
        .with(|h| h.borrow().read_dir.clone())
        .ok_or_else(unavailable)?;
    let out = f
        .call1(&JsValue::NULL, &path.into())
        .map_err(|e| io_error(path, &e))?;
    Ok(Array::from(&out).iter().filter_map(|v| v.as_string()).collect())
}

/// Installs the bundled roots if they are not yet: one `loadRoots()` per instance in the
/// normal case (the entry shares one pending load between connections); a failed load is an
/// SSLError for this call, and the next call tries again.
pub(crate) async fn ensure_bundled_roots() -> JsResult<()> {
    if roots::bundled_installed() {
        return Ok(());
    }
    let failed = |e: &JsValue| {
        let why = Reflect::get(e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .or_else(|| e.as_string())
            .unwrap_or_else(|| "the loader failed".into());
        to_js(Error::ssl(format!(
            "cannot load the bundled root certificates (rustls-ssl/pkg/web/roots.js): {why}"
        )))
    };
    let load = HOST.with(|h| h.borrow().load_roots.clone()).ok_or_else(|| {
        to_js(Error::ssl(
            "the bundled root certificates are not available: load trust anchors with loadVerifyLocations()",
        ))
    })?;
    let pending = load.call0(&JsValue::NULL).map_err(|e| failed(&e))?;
    let value = JsFuture::from(Promise::resolve(&pending))
        .await
        .map_err(|e| failed(&e))?;
    let bytes = value
        .dyn_ref::<Uint8Array>()
        .map(Uint8Array::to_vec)
        .ok_or_else(|| failed(&"loadRoots() did not give bytes".into()))?;
    roots::install_bundled(&bytes).map_err(to_js)
}
