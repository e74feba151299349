//! Finding the Rust object behind a JS object of one of the package's classes, by a hidden
//! id property. wasm-bindgen's own class check throws a plain `Error` where API.md promises a
//! `TypeError`, and taking a class by value would empty the caller's JS object.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::marker::PhantomData;
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// The values are kept as `dyn Any` so that every registry shares one `BTreeMap`
/// instantiation: each distinct `BTreeMap<u32, T>` linked its own copy of the tree code,
/// several KB of wasm apiece (docs/size.md).
pub(crate) struct Registry<T: Clone + 'static> {
    entries: RefCell<BTreeMap<u32, Rc<dyn Any>>>,
    next: Cell<u32>,
    /// The getter each registered class exposes with its id.
    property: &'static str,
    kind: PhantomData<T>,
}

impl<T: Clone + 'static> Registry<T> {
    pub(crate) const fn new(property: &'static str) -> Self {
        Self {
            entries: RefCell::new(BTreeMap::new()),
            next: Cell::new(1),
            property,
            kind: PhantomData,
        }
    }

    pub(crate) fn insert(&self, value: T) -> u32 {
        let id = self.next.get();
        self.next.set(id.wrapping_add(1).max(1));
        self.entries.borrow_mut().insert(id, Rc::new(value));
        id
    }

    pub(crate) fn remove(&self, id: u32) {
        self.entries.borrow_mut().remove(&id);
    }

    /// The value registered for the JS object `v`, if it is one of ours.
    pub(crate) fn get(&self, v: &JsValue) -> Option<T> {
        if !v.is_object() {
            return None;
        }
        let id = Reflect::get(v, &self.property.into()).ok()?.as_f64()?;
        let id = crate::wasm::convert::f64_to_u32(id)?;
        // Only this registry inserts, and only `T`s, so the downcast cannot miss; if it ever
        // did, the object would count as not ours, which is the safe answer.
        self.entries.borrow().get(&id)?.downcast_ref::<T>().cloned()
    }
}
