//! The only place an `ssl::Error` becomes a JS error. The classes themselves are defined once,
//! in `js/errors.js`, and handed over at load time (`__setErrorClasses`): importing that file
//! from Rust would copy it into `pkg/snippets/`, giving a second set of classes that
//! `instanceof` would not recognise.

use std::cell::RefCell;

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::prelude::*;

use crate::ssl::Error;

pub(crate) type JsResult<T> = Result<T, JsValue>;

struct Classes {
    ssl: Function,
    want_read: Function,
    want_write: Function,
    zero_return: Function,
    syscall: Function,
}

thread_local! {
    static CLASSES: RefCell<Option<Classes>> = const { RefCell::new(None) };
}

/// Called once by the package entry with `{ SSLError, WantReadError, … }`.
#[wasm_bindgen(js_name = "__setErrorClasses")]
pub fn set_error_classes(classes: JsValue) -> JsResult<()> {
    let get = |name: &str| -> JsResult<Function> {
        Reflect::get(&classes, &JsValue::from_str(name))?
            .dyn_into::<Function>()
            .map_err(|_| js_sys::TypeError::new(&format!("{name} must be a class")).into())
    };
    let classes = Classes {
        ssl: get("SSLError")?,
        want_read: get("WantReadError")?,
        want_write: get("WantWriteError")?,
        zero_return: get("ZeroReturnError")?,
        syscall: get("SysCallError")?,
    };
    CLASSES.with(|c| *c.borrow_mut() = Some(classes));
    Ok(())
}

fn triples(e: &Error) -> Array {
    e.errors()
        .into_iter()
        .map(|(lib, func, reason)| {
            Array::of3(&JsValue::from(lib), &JsValue::from(func), &JsValue::from(reason))
        })
        .collect()
}

/// Builds the JS error for `e`: `TypeError`/`RangeError` for argument faults, otherwise an
/// instance of the package's class for the condition, with pyOpenSSL's `errors` triples.
pub(crate) fn to_js(e: Error) -> JsValue {
    match &e {
        Error::Type(m) => return js_sys::TypeError::new(m).into(),
        Error::Range(m) => return js_sys::RangeError::new(m).into(),
        _ => {}
    }
    let errors = triples(&e);
    let message = JsValue::from(e.to_string());
    let built = CLASSES.with(|c| {
        let c = c.borrow();
        let c = c.as_ref()?;
        let (class, args) = match &e {
            Error::WantRead => (&c.want_read, Array::of1(&errors)),
            Error::WantWrite => (&c.want_write, Array::of1(&errors)),
            Error::ZeroReturn => (&c.zero_return, Array::of1(&errors)),
            Error::SysCall { errno, errstr } => (
                &c.syscall,
                Array::of2(&JsValue::from(*errno), &JsValue::from(errstr.as_str())),
            ),
            _ => (&c.ssl, Array::of2(&errors, &message)),
        };
        Reflect::construct(class, &args).ok()
    });
    // Without the classes (Rust-side tests load the module bare) a plain Error still says what.
    built.unwrap_or_else(|| {
        let err = js_sys::Error::new(&e.to_string());
        let _ = Reflect::set(&err, &"errors".into(), &errors);
        err.into()
    })
}

/// A transport failure: `SysCallError` carrying what the transport threw as `cause`.
pub(crate) fn syscall_with_cause(errstr: &str, cause: JsValue) -> JsValue {
    let err = to_js(Error::SysCall {
        errno: -1,
        errstr: errstr.to_string(),
    });
    let _ = Reflect::set(&err, &"cause".into(), &cause);
    err
}
