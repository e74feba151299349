//! A first-come, first-served async lock on JS promises. It keeps calls of one kind in call
//! order (each `sendall` arrives whole, after the ones before it) without ever holding a Rust
//! borrow across an `await`.
//!
//! A waiter may be abandoned (its call aborted through a signal, src/wasm/abort.rs): it then
//! leaves the queue without holding up the calls behind it, and without letting them pass
//! the calls before it.

use std::cell::RefCell;

use js_sys::{Function, Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// A promise and the function that resolves it.
pub(crate) fn pending() -> (Promise, Option<Function>) {
    let mut resolve = None;
    let promise = Promise::new(&mut |res, _rej| resolve = Some(res));
    (promise, resolve)
}

#[derive(Default)]
pub(crate) struct AsyncLock {
    tail: RefCell<Option<Promise>>,
}

/// Released on drop, so an early return or an error releases it too.
pub(crate) struct Guard(Option<Function>);

impl Drop for Guard {
    fn drop(&mut self) {
        if let Some(resolve) = self.0.take() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}

/// A place in the queue not yet reached. Dropped before its turn (the caller gave up), it
/// passes the turn on once the one before it is through: the next waiter waits on this
/// place's promise, which then settles exactly when the previous one does.
struct Waiting {
    previous: Option<Promise>,
    resolve: Option<Function>,
}

impl Drop for Waiting {
    fn drop(&mut self) {
        let Some(resolve) = self.resolve.take() else {
            return;
        };
        let chained = self.previous.as_ref().and_then(|previous| {
            let then = Reflect::get(previous, &"then".into()).ok()?;
            let then = then.dyn_into::<Function>().ok()?;
            then.call1(previous, &resolve).ok()
        });
        if chained.is_none() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}

impl AsyncLock {
    /// Waits for the turn. The future may be dropped at its `await`; see [`Waiting`].
    pub(crate) async fn acquire(&self) -> Guard {
        let (promise, resolve) = pending();
        let previous = self.tail.replace(Some(promise));
        let mut waiting = Waiting { previous, resolve };
        if let Some(previous) = waiting.previous.clone() {
            let _ = JsFuture::from(previous).await;
        }
        Guard(waiting.resolve.take())
    }
}
