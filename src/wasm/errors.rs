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

/// Which JS error a core error becomes. Exhaustive, with no catch-all arm: a new variant
/// must be given its class here before the crate compiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Type,
    Range,
    WantRead,
    WantWrite,
    ZeroReturn,
    SysCall,
    Ssl,
}

fn kind(e: &Error) -> Kind {
    match e {
        Error::Type(_) => Kind::Type,
        Error::Range(_) => Kind::Range,
        Error::WantRead => Kind::WantRead,
        Error::WantWrite => Kind::WantWrite,
        Error::ZeroReturn => Kind::ZeroReturn,
        Error::SysCall { .. } => Kind::SysCall,
        Error::Tls(_)
        | Error::Verify { .. }
        | Error::UnsupportedProtocol
        | Error::NoCipherMatch
        | Error::Ssl { .. }
        | Error::NotSupported(_)
        | Error::CallbackFailed => Kind::Ssl,
    }
}

/// The one conversion from a core error to a JS error: `TypeError`/`RangeError` for argument
/// faults, otherwise an instance of the package's class for the condition, with pyOpenSSL's
/// `errors` triples. Each carries Node's `code`, and a verification failure its `verifyResult`
/// (API.md §8). `?` applies it wherever a binding function returns `JsResult`.
impl From<Error> for JsValue {
    fn from(e: Error) -> Self {
        let message = e.to_string();
        let errors = triples(&e);
        let kind = kind(&e);
        let code = e.code();
        let verify_result = e.verify_result();
        let built: JsValue = match kind {
            Kind::Type => js_sys::TypeError::new(&message).into(),
            Kind::Range => js_sys::RangeError::new(&message).into(),
            Kind::WantRead | Kind::WantWrite | Kind::ZeroReturn | Kind::SysCall | Kind::Ssl => {
                construct(&e, kind, &errors, &message).unwrap_or_else(|| {
                    // Without the classes (Rust-side tests load the module bare) a plain
                    // Error still says what, and carries the triples.
                    let err = js_sys::Error::new(&message);
                    let _ = Reflect::set(&err, &"errors".into(), &errors);
                    let _ = Reflect::set(&err, &"kind".into(), &format!("{kind:?}").into());
                    err.into()
                })
            }
        };
        set_code(&built, &code);
        if let Some(n) = verify_result {
            let _ = Reflect::set(&built, &"verifyResult".into(), &n.into());
        }
        built
    }
}

/// An instance of the package's class for `kind`, once the entry has handed the classes over.
fn construct(e: &Error, kind: Kind, errors: &Array, message: &str) -> Option<JsValue> {
    CLASSES.with(|c| {
        let c = c.borrow();
        let c = c.as_ref()?;
        let (class, args) = match (e, kind) {
            (Error::SysCall { errno, errstr }, _) => (
                &c.syscall,
                Array::of2(&JsValue::from(*errno), &JsValue::from(errstr.as_str())),
            ),
            (_, Kind::WantRead) => (&c.want_read, Array::of1(errors)),
            (_, Kind::WantWrite) => (&c.want_write, Array::of1(errors)),
            (_, Kind::ZeroReturn) => (&c.zero_return, Array::of1(errors)),
            _ => (&c.ssl, Array::of2(errors, &JsValue::from(message))),
        };
        Reflect::construct(class, &args).ok()
    })
}

fn set_code(err: &JsValue, code: &str) {
    let _ = Reflect::set(err, &"code".into(), &code.into());
}

/// For the places that need a function rather than `?`.
pub(crate) fn to_js(e: Error) -> JsValue {
    JsValue::from(e)
}

/// A transport failure: `SysCallError` carrying what the transport threw as `cause`, and
/// naming it in the message too (a limit, a reset), so the error alone says what happened.
/// Its `code` is the cause's own when it has one (`ECONNRESET`, `EPIPE`, a WebSocket's
/// `ERR_WEBSOCKET_*`), as Node passes a socket's error through; `EIO` when it says nothing.
pub(crate) fn syscall_with_cause(errstr: &str, cause: JsValue) -> JsValue {
    let code = Reflect::get(&cause, &"code".into())
        .ok()
        .and_then(|c| c.as_string())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| "EIO".into());
    syscall(errstr, cause, &code)
}

/// A transport whose `send`/`recv` returned something outside its contract: `SysCallError`
/// with the value as `cause`, and Node's code for a callback's bad return value.
pub(crate) fn invalid_return(errstr: &str, returned: JsValue) -> JsValue {
    syscall(errstr, returned, "ERR_INVALID_RETURN_VALUE")
}

fn syscall(errstr: &str, cause: JsValue, code: &str) -> JsValue {
    let detail = cause
        .dyn_ref::<js_sys::Error>()
        .map(|e| String::from(e.message()))
        .or_else(|| cause.as_string())
        .filter(|d| !d.is_empty());
    let errstr = match detail {
        Some(d) => format!("{errstr}: {d}"),
        None => errstr.to_string(),
    };
    let err = to_js(Error::SysCall { errno: -1, errstr });
    let _ = Reflect::set(&err, &"cause".into(), &cause);
    set_code(&err, code);
    err
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use js_sys::Reflect;
    use wasm_bindgen::{JsCast, JsValue};
    use wasm_bindgen_test::*;

    use crate::ssl::{Error, VerifyCode};

    fn field(v: &JsValue, name: &str) -> JsValue {
        Reflect::get(v, &name.into()).unwrap()
    }

    /// Every variant, arm by arm: the error it becomes, and what it carries. (Rust-side tests
    /// run without the package's classes, so those arms are told apart by `kind`.)
    #[wasm_bindgen_test]
    fn every_core_error_becomes_its_js_error() {
        let tls = Error::Tls(rustls::Error::DecryptError);
        let verify = Error::Verify {
            code: VerifyCode::ERR_CERT_HAS_EXPIRED,
            detail: "not after 2020".into(),
        };
        let cases: Vec<(Error, &str)> = vec![
            (Error::WantRead, "WantRead"),
            (Error::WantWrite, "WantWrite"),
            (Error::ZeroReturn, "ZeroReturn"),
            (Error::unexpected_eof(), "SysCall"),
            (tls, "Ssl"),
            (verify, "Ssl"),
            (Error::UnsupportedProtocol, "Ssl"),
            (Error::NoCipherMatch, "Ssl"),
            (Error::ssl("bad write retry"), "Ssl"),
            (Error::NotSupported("renegotiation"), "Ssl"),
            (Error::CallbackFailed, "Ssl"),
        ];
        for (e, kind) in cases {
            let message = e.to_string();
            let code = e.code();
            let js = JsValue::from(e);
            assert_eq!(field(&js, "code").as_string(), Some(code), "{kind}");
            assert!(js.is_instance_of::<js_sys::Error>(), "{kind}");
            assert_eq!(field(&js, "kind").as_string().as_deref(), Some(kind));
            assert_eq!(field(&js, "message").as_string(), Some(message));
            assert!(
                js_sys::Array::is_array(&field(&js, "errors")),
                "{kind} carries triples"
            );
        }
        let js = JsValue::from(Error::Type("bad".into()));
        assert!(js.is_instance_of::<js_sys::TypeError>());
        assert_eq!(
            field(&js, "code").as_string().as_deref(),
            Some("ERR_INVALID_ARG_TYPE")
        );
        let js = JsValue::from(Error::Range("far".into()));
        assert!(js.is_instance_of::<js_sys::RangeError>());
        assert_eq!(
            field(&js, "code").as_string().as_deref(),
            Some("ERR_OUT_OF_RANGE")
        );
        let js = JsValue::from(Error::WantRead);
        assert!(
            field(&js, "verifyResult").is_undefined(),
            "only verification failures carry one"
        );
        let js = JsValue::from(Error::Verify {
            code: VerifyCode::ERR_HOSTNAME_MISMATCH,
            detail: String::new(),
        });
        let message = field(&js, "message").as_string().unwrap();
        assert!(message.contains("certificate verify failed"), "{message}");
        assert_eq!(
            field(&js, "code").as_string().as_deref(),
            Some("ERR_TLS_CERT_ALTNAME_INVALID")
        );
        assert_eq!(field(&js, "verifyResult").as_f64(), Some(62.0));
        let triple = js_sys::Array::from(&js_sys::Array::from(&field(&js, "errors")).get(0));
        assert_eq!(triple.get(0).as_string().as_deref(), Some("SSL routines"));
        assert!(js.dyn_ref::<js_sys::Error>().is_some());
    }

    /// A transport's failure keeps the transport's own code; one that names none is `EIO`, and
    /// a value outside the transport contract is a bad return value.
    #[wasm_bindgen_test]
    fn transport_failures_carry_the_transports_code() {
        let cause = js_sys::Error::new("reset by peer");
        Reflect::set(&cause, &"code".into(), &"EPIPE".into()).unwrap();
        let err = super::syscall_with_cause("transport send failed", cause.clone().into());
        assert_eq!(field(&err, "code").as_string().as_deref(), Some("EPIPE"));
        assert!(Reflect::get(&err, &"cause".into()).unwrap() == JsValue::from(cause));
        let err = super::syscall_with_cause("transport recv failed", js_sys::Error::new("x").into());
        assert_eq!(field(&err, "code").as_string().as_deref(), Some("EIO"));
        let err = super::syscall_with_cause("transport recv failed", JsValue::from(7));
        assert_eq!(field(&err, "code").as_string().as_deref(), Some("EIO"));
        let err = super::invalid_return("transport recv returned 7", JsValue::from(7));
        assert_eq!(
            field(&err, "code").as_string().as_deref(),
            Some("ERR_INVALID_RETURN_VALUE")
        );
    }
}
