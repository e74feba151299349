//! What the JS host can do for the core that wasm cannot: read files (Node only). The package
//! entry registers the functions at load; in a browser there are none, and `*File` methods
//! say so.

use std::cell::RefCell;

use js_sys::{Array, Function, Reflect, Uint8Array};
use wasm_bindgen::prelude::*;

use crate::ssl::{Error, Result};
use crate::wasm::errors::JsResult;

#[derive(Default)]
struct Host {
    read_file: Option<Function>,
    read_dir: Option<Function>,
}

thread_local! {
    static HOST: RefCell<Host> = RefCell::new(Host::default());
}

/// `{ readFile(path) → Uint8Array, readDir(path) → string[] }`, from the Node entry.
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
