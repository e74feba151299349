//! The data of `send` and `sendall`, taken when the call is made (API.md §4): a caller that
//! reuses its buffer at once must not change what goes out. Only what the next record needs
//! is ever copied into wasm memory, so a huge buffer is refused or streamed, never a trap.

use js_sys::Uint8Array;
use wasm_bindgen::JsValue;

use crate::ssl::connection::MAX_RECORD_PLAINTEXT;
use crate::ssl::{Error, Result};
use crate::wasm::convert::{self, MAX_BYTES};

/// The bytes of one `sendall`, owned by the call.
pub(crate) enum Outbound {
    /// A private copy in JS memory, of a view the caller passed.
    Js(Uint8Array),
    /// A string's UTF-8 (strings are already copies).
    Owned(Vec<u8>),
}

fn too_large(len: u32) -> Error {
    Error::Range(format!("data is {len} bytes; a send takes at most 2**31-1"))
}

fn view_of(data: &JsValue) -> Result<Uint8Array> {
    convert::byte_view(data).ok_or_else(|| {
        Error::Type(format!(
            "data must be a Uint8Array or a string, not {}",
            convert::type_name(data)
        ))
    })
}

/// For `send`: at most one record of `data`, copied now.
pub(crate) fn first_record(data: &JsValue) -> Result<Vec<u8>> {
    if let Some(s) = data.as_string() {
        let mut bytes = s.into_bytes();
        bytes.truncate(MAX_RECORD_PLAINTEXT);
        return Ok(bytes);
    }
    let view = view_of(data)?;
    let len = view.length();
    if len == 0 {
        // Also a detached view, on which `subarray` would throw.
        return Ok(Vec::new());
    }
    if len > MAX_BYTES {
        return Err(too_large(len));
    }
    let record = u32::try_from(MAX_RECORD_PLAINTEXT).unwrap_or(u32::MAX);
    convert::copy_view(&view.subarray(0, len.min(record)), "data")
}

impl Outbound {
    /// For `sendall`: a private copy of the whole, made now, in JS memory.
    pub(crate) fn take(data: &JsValue) -> Result<Self> {
        if let Some(s) = data.as_string() {
            return Ok(Self::Owned(s.into_bytes()));
        }
        let view = view_of(data)?;
        let len = view.length();
        if len == 0 {
            return Ok(Self::Owned(Vec::new()));
        }
        if len > MAX_BYTES {
            return Err(too_large(len));
        }
        let copy = convert::private_copy(&view)
            .ok_or_else(|| Error::Range(format!("data is {len} bytes, more than can be copied now")))?;
        Ok(Self::Js(copy))
    }

    pub(crate) fn len(&self) -> usize {
        match self {
            Self::Js(a) => a.length() as usize,
            Self::Owned(v) => v.len(),
        }
    }

    /// At most one record from `offset`, in wasm memory.
    pub(crate) fn record_at(&self, offset: usize) -> Vec<u8> {
        let end = offset.saturating_add(MAX_RECORD_PLAINTEXT).min(self.len());
        match self {
            Self::Js(a) => {
                let (start, end) = (
                    u32::try_from(offset).unwrap_or(u32::MAX),
                    u32::try_from(end).unwrap_or(u32::MAX),
                );
                a.subarray(start, end).to_vec()
            }
            Self::Owned(v) => v.get(offset..end).unwrap_or_default().to_vec(),
        }
    }

    /// Whether `other` holds the same bytes: only then may a `sendall` retry go on.
    pub(crate) fn same_bytes(&self, other: &Outbound) -> bool {
        if self.len() != other.len() {
            return false;
        }
        let mut offset = 0;
        while offset < self.len() {
            if self.record_at(offset) != other.record_at(offset) {
                return false;
            }
            offset += MAX_RECORD_PLAINTEXT;
        }
        true
    }
}
