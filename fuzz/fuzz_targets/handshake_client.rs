//! Our client fed mutated flights: ServerHello … Finished, the session tickets (TLS 1.3) or
//! NewSessionTicket/ChangeCipherSpec/Finished (TLS 1.2), then application data, close_notify,
//! and garbage after it. See `rustls_ssl_fuzz`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustls_ssl_fuzz::{fuzz_one, Side};

fuzz_target!(|data: &[u8]| fuzz_one(Side::Client, data));
