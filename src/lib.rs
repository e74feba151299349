//! rustls-ssl: pyOpenSSL's `SSL` module for JavaScript, over rustls, compiled to WebAssembly.
//!
//! Two layers, kept apart so that the TLS logic can be tested natively with `cargo test`:
//!
//! ```text
//!   JS  ──►  wasm/   #[wasm_bindgen] only: JsValue ⇄ Rust, JS transports, JS callbacks
//!               │
//!               ▼
//!           ssl/    pure Rust over rustls: settings, configs, verification, the
//!                   connection state machine, error mapping. No JS types anywhere.
//! ```
//!
//! The core does no I/O: a connection is an encrypted pipe with ciphertext queues on one side
//! and plaintext on the other (rustls's own model). The binding pumps those queues through a
//! JS transport, or leaves them to the user (memory-BIO mode).

// Lets src/ssl/test_support.rs name the crate the same way from inside it and from tests/.
#[cfg(test)]
extern crate self as rustls_ssl;

pub mod crypto;
pub mod ssl;

#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;
