//! The OpenSSL cipher-string parser (`setCipherList`) on arbitrary strings. Beyond "no panic":
//! a list it accepts is non-empty, and the OpenSSL names of what it selected, joined with
//! colons, select exactly the same suites in the same order.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rustls_ssl::ssl::cipher_list::{cipher_list_names, tls12_suites};

fuzz_target!(|data: &[u8]| {
    let spec = String::from_utf8_lossy(data);
    let Ok(suites) = tls12_suites(&spec) else {
        return;
    };
    assert!(!suites.is_empty());
    let names = cipher_list_names(&suites);
    let again = tls12_suites(&names.join(":")).expect("the names of selected suites parse");
    assert_eq!(cipher_list_names(&again), names, "spec {spec:?}");
});
