//! The binding layer: `#[wasm_bindgen]` types that convert between JS and the `ssl` core and
//! nothing else. One file per core module it wraps, plus the JS-facing plumbing (argument
//! conversion, error objects, transports, host functions).

// wasm-bindgen exports must be `pub`, though only JS reaches them.
#![allow(unreachable_pub)]

mod abort;
mod alloc;
mod callbacks;
mod connection;
mod context;
mod convert;
mod errors;
mod host;
mod host_crypto;
mod lock;
mod outbound;
mod pkey;
mod registry;
mod session;
mod transport;
pub mod websocket;
mod x509;

use js_sys::{Object, Reflect};
use wasm_bindgen::prelude::*;

use crate::ssl::constants::GROUPS;
use crate::ssl::VerifyCode;
use errors::JsResult;

/// `{ Method: { SSLv23: 3, … }, …, flat: { SSLv23_METHOD: 3, … }, X509VerificationCodes }`:
/// the entry freezes these into the exported enums, so each number is written once, in Rust.
#[wasm_bindgen(js_name = "__constants")]
pub fn constants() -> JsResult<JsValue> {
    let out = Object::new();
    let flat = Object::new();
    for (group, members) in GROUPS {
        let e = Object::new();
        for (member, flat_name, value) in *members {
            Reflect::set(&e, &(*member).into(), &(*value).into())?;
            Reflect::set(&flat, &(*flat_name).into(), &(*value).into())?;
        }
        Reflect::set(&out, &(*group).into(), &e)?;
    }
    let codes = Object::new();
    for (name, value) in VerifyCode::ALL {
        Reflect::set(&codes, &(*name).into(), &(*value).into())?;
    }
    Reflect::set(&out, &"X509VerificationCodes".into(), &codes)?;
    Reflect::set(&out, &"flat".into(), &flat)?;
    Ok(out.into())
}

/// The versions this build was made from.
#[wasm_bindgen(js_name = "__versions")]
pub fn versions() -> JsResult<JsValue> {
    let out = Object::new();
    Reflect::set(&out, &"package".into(), &env!("CARGO_PKG_VERSION").into())?;
    Reflect::set(&out, &"rustls".into(), &"0.23".into())?;
    Ok(out.into())
}
