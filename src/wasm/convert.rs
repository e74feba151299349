//! JsValue → Rust conversions for arguments. Every `TypeError` and `RangeError` the package
//! raises for a bad argument comes from here, so the wording is the same everywhere.

use js_sys::{Array, ArrayBuffer, Function, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};

use crate::ssl::{Error, Result};

/// `null` and `undefined` both mean "absent" (API.md §3).
pub(crate) fn is_absent(v: &JsValue) -> bool {
    v.is_null() || v.is_undefined()
}

/// The largest byte argument accepted: pyOpenSSL's limit for one send, and far below what
/// wasm32 memory can hold twice.
pub(crate) const MAX_BYTES: u32 = 0x7fff_ffff;

/// A `Uint8Array` over the bytes of a `Uint8Array` (Node `Buffer` included), any other
/// `ArrayBufferView` (its bytes, not its elements), or an `ArrayBuffer`; `None` for anything
/// else. No bytes are copied.
pub(crate) fn byte_view(v: &JsValue) -> Option<Uint8Array> {
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return Some(a.clone());
    }
    if let Some(b) = v.dyn_ref::<ArrayBuffer>() {
        // A detached buffer has no bytes, and `new Uint8Array` on it would throw through
        // wasm frames.
        if b.byte_length() == 0 {
            return Some(Uint8Array::new_with_length(0));
        }
        return Some(Uint8Array::new(b));
    }
    if ArrayBuffer::is_view(v) {
        let field = |name: &str| Reflect::get(v, &name.into()).ok();
        let buffer = field("buffer")?;
        let offset = field("byteOffset")?.as_f64().and_then(f64_to_u32)?;
        let length = field("byteLength")?.as_f64().and_then(f64_to_u32)?;
        // Detached, or out of bounds of a shrunk resizable buffer: byteLength reads 0.
        if length == 0 {
            return Some(Uint8Array::new_with_length(0));
        }
        return Some(Uint8Array::new_with_byte_offset_and_length(
            &buffer, offset, length,
        ));
    }
    None
}

/// Copies a view into wasm memory, refusing sizes that would not fit rather than letting an
/// allocation failure abort the instance.
///
/// The bytes are first copied in JS (with the intrinsic `slice`, through `Reflect`, so a
/// failure is an error here and not an exception unwinding through wasm frames): a caller's
/// view can be detached or shrunk at any moment JS runs, including by wasm memory growing
/// under a view of its old buffer, and `Uint8Array.prototype.set` from a detached view throws.
/// The private copy is one nobody else holds.
pub(crate) fn copy_view(view: &Uint8Array, what: &str) -> Result<Vec<u8>> {
    let len = view.length();
    if len == 0 {
        // Also what a detached or out-of-bounds view reads as.
        return Ok(Vec::new());
    }
    // Before the private copy: a view too large to accept is not copied in JS either.
    within_limit(len, what)?;
    let private = private_copy(view)
        .ok_or_else(|| Error::Type(format!("{what} could not be read (detached, or out of memory)")))?;
    let mut out = zeroed(private.length(), what)?;
    private.copy_to(&mut out);
    Ok(out)
}

/// A `RangeError` naming `what` when `len` is over [`MAX_BYTES`].
fn within_limit(len: u32, what: &str) -> Result<()> {
    if len > MAX_BYTES {
        return Err(Error::Range(format!(
            "{what} is {len} bytes; at most 2**31-1 are accepted"
        )));
    }
    Ok(())
}

/// A zeroed buffer of `len` bytes to copy into, or a `RangeError` naming `what` when `len` is
/// over [`MAX_BYTES`] or more than wasm memory can take now (a failed allocation would abort
/// the instance).
fn zeroed(len: u32, what: &str) -> Result<Vec<u8>> {
    within_limit(len, what)?;
    let mut out = Vec::new();
    out.try_reserve_exact(len as usize).map_err(|_| {
        Error::Range(format!(
            "{what} is {len} bytes, more than wasm memory can take now"
        ))
    })?;
    out.resize(len as usize, 0);
    Ok(out)
}

/// `copy_view` without the private copy in JS, for bytes that come in bulk (what a
/// transport's `recv` returns): they go straight from the view into wasm memory with the
/// intrinsic `Uint8Array.prototype.set`, through `Reflect.apply` so that a detached view is an
/// error here and not an exception unwinding through wasm frames. The view's length is read
/// with the intrinsic getter (no user code runs between it and the copy), and the destination
/// is allocated before the copy, so memory growing detaches nothing the copy still needs: a
/// view of wasm memory itself is refused as detached if it was, and copied correctly if not.
pub(crate) fn copy_view_in(view: &Uint8Array, what: &str) -> Result<Vec<u8>> {
    let unreadable = || Error::Type(format!("{what} could not be read (detached, or out of memory)"));
    let len = INTRINSICS
        .with(|i| {
            let (length, _) = i.as_ref()?;
            Reflect::apply(length, view, &Array::new()).ok()?.as_f64()
        })
        .and_then(f64_to_u32)
        .ok_or_else(unreadable)?;
    if len == 0 {
        return Ok(Vec::new());
    }
    let mut out = zeroed(len, what)?;
    let copied = INTRINSICS.with(|i| {
        let (_, set) = i.as_ref()?;
        apply_to_bytes(set, &mut out, &Array::of1(view)).ok()
    });
    copied.ok_or_else(unreadable)?;
    Ok(out)
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `Reflect.apply(f, target, args)` with `target` a view of `bytes` in wasm memory (a
    /// mutable slice is passed as a view, not a copy), which `f` may write into.
    #[wasm_bindgen(catch, js_namespace = Reflect, js_name = apply)]
    fn apply_to_bytes(f: &Function, bytes: &mut [u8], args: &Array) -> std::result::Result<JsValue, JsValue>;
}

thread_local! {
    /// `%TypedArray%.prototype`'s `length` getter and `set`, as they were when first needed.
    static INTRINSICS: Option<(Function, Function)> = typed_array_intrinsics();
}

fn typed_array_intrinsics() -> Option<(Function, Function)> {
    let u8_proto = Reflect::get_prototype_of(&Uint8Array::new_with_length(0)).ok()?;
    let typed_proto = Reflect::get_prototype_of(&u8_proto).ok()?;
    let length = Reflect::get_own_property_descriptor(&typed_proto, &"length".into()).ok()?;
    let getter = Reflect::get(&length, &"get".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    let set = Reflect::get(&typed_proto, &"set".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    Some((getter, set))
}

thread_local! {
    static SLICE: Option<Function> = Reflect::get_prototype_of(&Uint8Array::new_with_length(0))
        .ok()
        .and_then(|proto| Reflect::get(&proto, &"slice".into()).ok())
        .and_then(|f| f.dyn_into::<Function>().ok());
}

/// A copy of `view` in JS memory, made with the intrinsic `Uint8Array.prototype.slice` (not
/// one the caller's object may have been given); `None` when JS refused (detached, no memory).
pub(crate) fn private_copy(view: &Uint8Array) -> Option<Uint8Array> {
    let slice = SLICE.with(Clone::clone)?;
    Reflect::apply(&slice, view, &Array::new())
        .ok()?
        .dyn_into::<Uint8Array>()
        .ok()
}

/// Bytes from a `Uint8Array` (Node `Buffer` included), an `ArrayBuffer`, any other view, or
/// a string (UTF-8).
pub(crate) fn bytes(v: &JsValue, what: &str) -> Result<Vec<u8>> {
    if let Some(s) = v.as_string() {
        return Ok(s.into_bytes());
    }
    match byte_view(v) {
        Some(view) => copy_view(&view, what),
        None => Err(Error::Type(format!(
            "{what} must be a Uint8Array or a string, not {}",
            type_name(v)
        ))),
    }
}

pub(crate) fn string(v: &JsValue, what: &str) -> Result<String> {
    if let Some(s) = v.as_string() {
        return Ok(s);
    }
    if let Some(a) = v.dyn_ref::<Uint8Array>() {
        return String::from_utf8(copy_view(a, what)?)
            .map_err(|_| Error::Type(format!("{what} must be valid UTF-8")));
    }
    Err(Error::Type(format!(
        "{what} must be a string, not {}",
        type_name(v)
    )))
}

fn number(v: &JsValue, what: &str) -> Result<f64> {
    match v.as_f64() {
        Some(n) if n.is_finite() && n.fract() == 0.0 => Ok(n),
        Some(_) => Err(Error::Range(format!("{what} must be an integer"))),
        None => Err(Error::Type(format!(
            "{what} must be a number, not {}",
            type_name(v)
        ))),
    }
}

/// A number as JS writes it (`String(n)`), for messages. Rust's `f64` `Display` would link
/// core's float formatting, about 20 KB of wasm (docs/size.md), for a few error texts.
pub(crate) fn number_text(n: f64) -> String {
    js_sys::Number::from(n)
        .to_string_with_radix(10)
        .map(String::from)
        .unwrap_or_default()
}

/// An integer constant (method, verify mode, version…), as a u32.
pub(crate) fn uint(v: &JsValue, what: &str) -> Result<u32> {
    let n = number(v, what)?;
    f64_to_u32(n).ok_or_else(|| Error::Range(format!("{what} out of range: {}", number_text(n))))
}

/// An integral `f64` within `u32`'s range, as a `u32`; `None` for anything else, so no
/// number from JS is ever silently truncated.
pub(crate) fn f64_to_u32(n: f64) -> Option<u32> {
    if n.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&n) {
        return None;
    }
    // In range and integral, checked just above: the cast is exact.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(n as u32)
}

/// An option mask: `OP_ALL | x` is negative in JS, so normalise like `x >>> 0`.
pub(crate) fn mask(v: &JsValue, what: &str) -> Result<u32> {
    let n = number(v, what)?;
    f64_to_u32(n.rem_euclid(4_294_967_296.0))
        .ok_or_else(|| Error::Range(format!("{what} out of range: {}", number_text(n))))
}

/// A size or count, at most 2^31 − 1 (pyOpenSSL's limit for a single send).
pub(crate) fn size(v: &JsValue, what: &str) -> Result<usize> {
    let n = number(v, what)?;
    match f64_to_u32(n).filter(|n| *n <= MAX_BYTES) {
        Some(n) => Ok(n as usize),
        None => Err(Error::Range(format!(
            "{what} must be between 0 and 2**31-1, not {}",
            number_text(n)
        ))),
    }
}

pub(crate) fn optional_size(v: &JsValue, what: &str) -> Result<Option<usize>> {
    if is_absent(v) {
        return Ok(None);
    }
    size(v, what).map(Some)
}

/// A list of byte strings (ALPN protocols): strings or Uint8Arrays.
pub(crate) fn byte_list(v: &JsValue, what: &str) -> Result<Vec<Vec<u8>>> {
    if !Array::is_array(v) {
        return Err(Error::Type(format!(
            "{what} must be an array, not {}",
            type_name(v)
        )));
    }
    Array::from(v).iter().map(|item| bytes(&item, what)).collect()
}

pub(crate) fn function(v: &JsValue, what: &str) -> Result<Function> {
    v.dyn_ref::<Function>()
        .cloned()
        .ok_or_else(|| Error::Type(format!("{what} must be a function, not {}", type_name(v))))
}

/// A callback that may be absent (`null`/`undefined`).
pub(crate) fn optional_function(v: &JsValue, what: &str) -> Result<Option<Function>> {
    if is_absent(v) {
        return Ok(None);
    }
    function(v, what).map(Some)
}

/// DER of a certificate given as an `X509`, PEM text or DER bytes. `X509` objects are
/// recognised by their `toDer` method, so they are read without being consumed; what that
/// method returns is size-checked like any other bytes (it may be anyone's object).
pub(crate) fn der_via_method(v: &JsValue) -> Option<Result<Vec<u8>>> {
    if !v.is_object() || v.dyn_ref::<Uint8Array>().is_some() {
        return None;
    }
    let method = Reflect::get(v, &"toDer".into())
        .ok()?
        .dyn_into::<Function>()
        .ok()?;
    let out = method.call0(v).ok()?;
    out.dyn_ref::<Uint8Array>().map(|der| copy_view(der, "toDer()"))
}

/// An `X509` object (where a key was expected, it is a type error, not a parse error).
pub(crate) fn is_x509(v: &JsValue) -> bool {
    v.is_object() && Reflect::get(v, &"getSubject".into()).is_ok_and(|f| f.is_function())
}

pub(crate) fn type_name(v: &JsValue) -> String {
    if v.is_null() {
        return "null".into();
    }
    if Array::is_array(v) {
        return "an array".into();
    }
    match v.js_typeof().as_string().as_deref() {
        Some("object") => "an object".into(),
        Some(t) => format!("a {t}"),
        None => "an unknown value".into(),
    }
}
