//! Our server fed mutated flights: the ClientHello, the client's second flight (Finished, or
//! Certificate/CertificateVerify/Finished with client auth, ClientKeyExchange in TLS 1.2),
//! then application data and close_notify, and garbage after it. See `rustls_ssl_fuzz`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustls_ssl_fuzz::{fuzz_one, Side};

fuzz_target!(|data: &[u8]| fuzz_one(Side::Server, data));
