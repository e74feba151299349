//! A first-come, first-served async lock on JS promises. It keeps calls of one kind in call
//! order (each `sendall` arrives whole, after the ones before it) without ever holding a Rust
//! borrow across an `await`.

use std::cell::RefCell;

use js_sys::{Function, Promise};
use wasm_bindgen::JsValue;
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

impl AsyncLock {
    pub(crate) async fn acquire(&self) -> Guard {
        let (promise, resolve) = pending();
        let previous = self.tail.replace(Some(promise));
        if let Some(previous) = previous {
            let _ = JsFuture::from(previous).await;
        }
        Guard(resolve)
    }
}
