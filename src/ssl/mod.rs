//! The pure-Rust core: everything pyOpenSSL's `SSL` module does, expressed over rustls, with
//! no dependency on wasm-bindgen so that `cargo test` exercises it natively.
#![forbid(unsafe_code)]

/// `Debug` that prints only the type's name, for our types behind rustls's `dyn` traits
/// (verifiers, resolvers, session stores). Those traits have `Debug` as a supertrait, so a
/// type's `Debug::fmt` is linked into the wasm through its vtable whether or not anything
/// prints it; a derived one would bring the `Debug` of everything inside along (rustls's
/// session values, trust anchors, signature algorithm lists, mutexes): 2.6 KB of the gzipped
/// wasm (docs/size.md) for output nothing reads.
macro_rules! opaque_debug {
    ($($ty:ident),+ $(,)?) => {$(
        impl std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($ty)).finish_non_exhaustive()
            }
        }
    )+};
}

#[cfg(test)]
mod aead_interop;
pub mod ca_names;
pub(crate) mod cert;
#[cfg(test)]
mod cert_tests;
mod chain;
pub mod cipher_list;
mod config;
pub mod connection;
pub mod constants;
pub mod context;
mod der;
pub mod error;
pub mod hello;
mod name_constraints;
mod pbes2;
pub mod pem;
pub mod pkey;
pub mod pump;
pub mod roots;
mod scrypt;
pub mod server_sessions;
pub mod session;
mod sha224;
#[cfg(test)]
pub(crate) mod test_support;
pub mod verify;
pub mod verify_code;
pub mod words;
pub mod x509;

pub use connection::Connection;
pub use context::Context;
pub use error::{Error, Result};
pub use verify_code::VerifyCode;
