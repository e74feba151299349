//! Finding the Rust object behind a JS object of one of the package's classes, by a hidden
//! id property. wasm-bindgen's own class check throws a plain `Error` where API.md promises a
//! `TypeError`, and taking a class by value would empty the caller's JS object.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::collections::HashMap;
use std::marker::PhantomData;
use std::rc::Rc;

use js_sys::Reflect;
use wasm_bindgen::JsValue;

/// The values are kept as `dyn Any` so that every registry shares one map instantiation, and
/// the map is std's `HashMap`, whose code rustls links anyway: a `BTreeMap<u32, T>` per
/// registry linked its own copy of the B-tree code (docs/size.md). `None` until the first
/// insert, since `HashMap::new` cannot be called in a `const` initialiser.
pub(crate) struct Registry<T: Clone + 'static> {
    entries: RefCell<Option<HashMap<u32, Rc<dyn Any>>>>,
    next: Cell<u32>,
    /// The getter each registered class exposes with its id.
    property: &'static str,
    kind: PhantomData<T>,
}

impl<T: Clone + 'static> Registry<T> {
    pub(crate) const fn new(property: &'static str) -> Self {
        Self {
            entries: RefCell::new(None),
            next: Cell::new(1),
            property,
            kind: PhantomData,
        }
    }

    pub(crate) fn insert(&self, value: T) -> u32 {
        let id = self.next.get();
        self.next.set(id.wrapping_add(1).max(1));
        self.entries
            .borrow_mut()
            .get_or_insert_with(HashMap::new)
            .insert(id, Rc::new(value));
        id
    }

    pub(crate) fn remove(&self, id: u32) {
        if let Some(map) = self.entries.borrow_mut().as_mut() {
            map.remove(&id);
        }
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
        self.entries
            .borrow()
            .as_ref()?
            .get(&id)?
            .downcast_ref::<T>()
            .cloned()
    }
}
