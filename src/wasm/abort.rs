//! `{ signal }` on the promise methods (API.md §8): an `AbortSignal` makes a pending call
//! reject at once with `signal.reason`, without losing or repeating anything already taken.
//!
//! An aborted call returns early from whichever `await` it is at, so every `await` that can
//! be abandoned must leave the connection as it was or as it will be: the lock leaves the
//! queue in order (src/wasm/lock.rs), and the transport's `send` and `recv` run as tasks of
//! their own ([`detach`]), so ciphertext that arrives after the abort lands in the input
//! queue for the next call, and a send under way still records how much the transport took.
//! The operations themselves check [`Abort::check`] right before they take anything
//! (plaintext, the caller's data, the close_notify), which is the point of no return.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Poll, Waker};

use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;

use crate::ssl::Error;
use crate::wasm::convert;
use crate::wasm::errors::JsResult;

#[derive(Default)]
struct Fired {
    fired: Cell<bool>,
    /// The one task waiting (a call is one task).
    waker: RefCell<Option<Waker>>,
}

/// A call's watch on its signal: the `abort` listener is added when the call is made and
/// removed when this is dropped, which is when the call settles, so a long-lived signal
/// collects no listeners.
pub(crate) struct Abort {
    signal: JsValue,
    remove: Function,
    listener: Closure<dyn FnMut()>,
    fired: Rc<Fired>,
}

impl Abort {
    /// `None` without a signal (`undefined` or `null`). Rejects with a `TypeError` for
    /// something that is not an `AbortSignal`, and with `signal.reason` when it has already
    /// aborted, before anything is done.
    pub(crate) fn watch(signal: &JsValue) -> JsResult<Option<Abort>> {
        if convert::is_absent(signal) {
            return Ok(None);
        }
        let method = |name: &str| {
            Reflect::get(signal, &name.into())
                .ok()
                .and_then(|f| f.dyn_into::<Function>().ok())
        };
        let (Some(add), Some(remove), true) = (
            method("addEventListener"),
            method("removeEventListener"),
            signal.is_object() && Reflect::has(signal, &"aborted".into()).unwrap_or(false),
        ) else {
            return Err(Error::Type(format!(
                "options.signal must be an AbortSignal, not {}",
                convert::type_name(signal)
            ))
            .into());
        };
        if signal_aborted(signal) {
            return Err(reason(signal));
        }
        let fired = Rc::new(Fired::default());
        let listener = {
            let fired = fired.clone();
            Closure::<dyn FnMut()>::new(move || {
                fired.fired.set(true);
                if let Some(waker) = fired.waker.borrow_mut().take() {
                    waker.wake();
                }
            })
        };
        add.call2(signal, &"abort".into(), listener.as_ref())?;
        Ok(Some(Abort {
            signal: signal.clone(),
            remove,
            listener,
            fired,
        }))
    }

    pub(crate) fn aborted(&self) -> bool {
        self.fired.fired.get() || signal_aborted(&self.signal)
    }

    /// The point of no return: past it, the call completes whatever the signal does.
    pub(crate) fn check(&self) -> JsResult<()> {
        if self.aborted() {
            Err(reason(&self.signal))
        } else {
            Ok(())
        }
    }
}

impl Drop for Abort {
    fn drop(&mut self) {
        let _ = self
            .remove
            .call2(&self.signal, &"abort".into(), self.listener.as_ref());
    }
}

fn signal_aborted(signal: &JsValue) -> bool {
    Reflect::get(signal, &"aborted".into()).is_ok_and(|v| v.is_truthy())
}

/// `signal.reason`, or the `AbortError` a signal without one (an older runtime's, or a
/// look-alike) stands for.
fn reason(signal: &JsValue) -> JsValue {
    match Reflect::get(signal, &"reason".into()) {
        Ok(r) if !r.is_undefined() => r,
        _ => abort_error(),
    }
}

fn abort_error() -> JsValue {
    let message = JsValue::from("This operation was aborted");
    let built = Reflect::get(&js_sys::global(), &"DOMException".into())
        .ok()
        .and_then(|c| c.dyn_into::<Function>().ok())
        .and_then(|c| {
            let args = js_sys::Array::of2(&message, &"AbortError".into());
            Reflect::construct(&c, &args).ok()
        });
    built.unwrap_or_else(|| {
        let err = js_sys::Error::new("This operation was aborted");
        err.set_name("AbortError");
        err.into()
    })
}

/// `fut`, or `signal.reason` as soon as the signal aborts, whichever comes first; `fut` is
/// dropped then, so it must be one that can be abandoned at any `await`.
pub(crate) async fn race<T>(abort: Option<&Abort>, fut: impl Future<Output = JsResult<T>>) -> JsResult<T> {
    let Some(abort) = abort else {
        return fut.await;
    };
    let mut fut = pin!(fut);
    std::future::poll_fn(|cx| {
        if abort.aborted() {
            return Poll::Ready(Err(reason(&abort.signal)));
        }
        *abort.fired.waker.borrow_mut() = Some(cx.waker().clone());
        fut.as_mut().poll(cx)
    })
    .await
}

struct Slot<T> {
    value: Option<T>,
    waker: Option<Waker>,
}

/// Runs `fut` to its end as a task of its own, whatever becomes of the caller, and gives its
/// output to the caller if it is still there. What must not stop half-way (a transport call
/// whose answer says how many bytes it took, or carries ciphertext) goes through this when a
/// signal may abandon the call waiting on it.
pub(crate) fn detach<T: 'static>(fut: impl Future<Output = T> + 'static) -> impl Future<Output = T> {
    let slot = Rc::new(RefCell::new(Slot {
        value: None,
        waker: None,
    }));
    let filled = slot.clone();
    wasm_bindgen_futures::spawn_local(async move {
        let value = fut.await;
        let waker = {
            let mut slot = filled.borrow_mut();
            slot.value = Some(value);
            slot.waker.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    });
    std::future::poll_fn(move |cx| {
        let mut slot = slot.borrow_mut();
        match slot.value.take() {
            Some(v) => Poll::Ready(v),
            None => {
                slot.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    })
}
