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

/// The lock's queue: how many calls hold or wait for it, and the promise the next waiter
/// waits on.
#[derive(Default)]
struct Queue {
    /// Calls that hold the lock or wait for it (an abandoned waiter leaves at once: the place
    /// it passes on is chained to the call before it, which still counts).
    parties: usize,
    /// Settles when the last call in the queue is through; `None` when that call took the
    /// lock with no one in front of it and no one has queued behind it since.
    tail: Option<Promise>,
    /// Resolves `tail` for a call that took the lock with no one in front of it (it made no
    /// promise of its own: most calls never wait, and a promise plus an `await` on it was a
    /// real part of every bulk `recv`).
    uncontended_release: Option<Function>,
}

#[derive(Default)]
pub(crate) struct AsyncLock {
    queue: RefCell<Queue>,
}

/// Released on drop, so an early return or an error releases it too.
pub(crate) struct Guard<'a> {
    lock: &'a AsyncLock,
    /// The waiters' promise this call resolves; `None` for a call that never waited, which
    /// releases through `uncontended_release` if someone queued behind it.
    resolve: Option<Function>,
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let resolve = {
            let mut q = self.lock.queue.borrow_mut();
            q.parties = q.parties.saturating_sub(1);
            match self.resolve.take() {
                Some(resolve) => Some(resolve),
                None => q.uncontended_release.take(),
            }
        };
        if let Some(resolve) = resolve {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}

/// A place in the queue not yet reached. Dropped before its turn (the caller gave up), it
/// passes the turn on once the one before it is through: the next waiter waits on this
/// place's promise, which then settles exactly when the previous one does.
struct Waiting<'a> {
    lock: &'a AsyncLock,
    previous: Promise,
    resolve: Option<Function>,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let Some(resolve) = self.resolve.take() else {
            return;
        };
        {
            let mut q = self.lock.queue.borrow_mut();
            q.parties = q.parties.saturating_sub(1);
        }
        let previous = &self.previous;
        let chained = Reflect::get(previous, &"then".into())
            .ok()
            .and_then(|then| then.dyn_into::<Function>().ok())
            .and_then(|then| then.call1(previous, &resolve).ok());
        if chained.is_none() {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }
}

impl AsyncLock {
    /// Waits for the turn. The future may be dropped at its `await`; see [`Waiting`].
    pub(crate) async fn acquire(&self) -> Guard<'_> {
        let (previous, resolve) = {
            let mut q = self.queue.borrow_mut();
            if q.parties == 0 {
                // No one holds it and no one waits: taken at once, with no promise at all.
                q.parties = 1;
                q.tail = None;
                q.uncontended_release = None;
                return Guard {
                    lock: self,
                    resolve: None,
                };
            }
            let previous = match q.tail.take() {
                Some(previous) => previous,
                None => {
                    // The holder never made a promise: this waiter makes the one it resolves.
                    let (promise, resolve) = pending();
                    q.uncontended_release = resolve;
                    promise
                }
            };
            let (promise, resolve) = pending();
            q.tail = Some(promise);
            q.parties = q.parties.saturating_add(1);
            (previous, resolve)
        };
        let mut waiting = Waiting {
            lock: self,
            previous,
            resolve,
        };
        let _ = JsFuture::from(waiting.previous.clone()).await;
        Guard {
            lock: self,
            resolve: waiting.resolve.take(),
        }
    }
}
