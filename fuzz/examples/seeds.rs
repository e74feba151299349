//! Writes the seed corpus from real sessions and the fixtures:
//! `cargo run --example seeds` (from fuzz/), then minimise with `cargo fuzz cmin`.
//!
//! Handshake seeds carry the flights of a genuine in-memory session between our client and
//! our server, in every combination of version, client certificate and resumption: as
//! "replace" inputs (the flight itself, for the fuzzer to mutate byte by byte) and as edit
//! lists on the live flight (re-framed records, dropped and duplicated records, truncation),
//! which stay valid against the live session's keys.

use std::fs;
use std::path::{Path, PathBuf};

use rustls_ssl::ssl::x509::X509;
use rustls_ssl_fuzz::{op, Delivery, Edit, Flags, Op, Run, Side};

fn dir(target: &str) -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus").join(target);
    fs::create_dir_all(&d).expect("corpus directory");
    d
}

fn fixtures() -> Vec<(String, Vec<u8>)> {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("../js-tests/fixtures");
    let mut out: Vec<(String, Vec<u8>)> = fs::read_dir(&d)
        .expect("fixtures")
        .map(|e| e.expect("entry").path())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                fs::read(&p).unwrap(),
            )
        })
        .collect();
    out.sort();
    out
}

/// The DER inside a PEM block, for the DER seeds of the encrypted key.
fn pem_body(pem: &[u8]) -> Vec<u8> {
    let text = String::from_utf8_lossy(pem);
    let b64: String = text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect::<String>();
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let bits: Vec<u8> = b64.bytes().filter_map(value).collect();
    bits.chunks(4)
        .flat_map(|q| {
            let n = q.iter().fold(0u32, |acc, &v| acc << 6 | u32::from(v)) << (6 * (4 - q.len()));
            let bytes = n.to_be_bytes();
            bytes[1..q.len()].to_vec()
        })
        .collect()
}

fn handshake_seeds(side: Side, target: &str) {
    let d = dir(target);
    for bits in 0..8u8 {
        let base = Flags::from_byte(bits << 3);
        let mut run = Run::new(side, base).expect("genuine setup");
        run.exchange(usize::MAX, &Edit::Ops(Vec::new()));
        let flights = run.flights.clone();
        // Flights past the last one: garbage after close_notify.
        for stage in 0..=flights.len().min(7) {
            let flags = Flags { stage, ..base };
            let genuine = flights.get(stage).cloned().unwrap_or_default();
            let mut replace = vec![flags.to_byte(), 0];
            replace.extend((genuine.len() as u16).to_be_bytes());
            replace.extend(&genuine);
            fs::write(d.join(format!("replace-{bits}-{stage}")), &replace).unwrap();
            let edits: [(&str, Vec<Op<'_>>, Delivery); 4] = [
                ("genuine", vec![], Delivery::Whole),
                (
                    "fragment",
                    vec![Op {
                        kind: op::FRAGMENT,
                        a: 0,
                        b: 40,
                        blob: &[],
                    }],
                    Delivery::PerRecord,
                ),
                (
                    "dup",
                    vec![Op {
                        kind: op::DUP_RECORD,
                        a: 1,
                        b: 0,
                        blob: &[],
                    }],
                    Delivery::Whole,
                ),
                (
                    "cut",
                    vec![Op {
                        kind: op::TRUNCATE,
                        a: 90,
                        b: 0,
                        blob: &[],
                    }],
                    Delivery::Bytewise,
                ),
            ];
            for (name, ops, delivery) in edits {
                let flags = Flags { delivery, ..flags };
                let mut seed = vec![flags.to_byte(), ops.len() as u8 + 1];
                for o in &ops {
                    o.encode(&mut seed);
                }
                // Then T reads, writes, shuts down and reads again.
                seed.extend([1 | 8 << 3, 3 | 2 << 3, 4, 6, 1 | 8 << 3]);
                fs::write(d.join(format!("{name}-{bits}-{stage}")), &seed).unwrap();
            }
        }
    }
}

fn main() {
    handshake_seeds(Side::Server, "handshake_server");
    handshake_seeds(Side::Client, "handshake_client");

    let (pem, der) = (dir("pem_loaders"), dir("der_loaders"));
    for (name, data) in fixtures() {
        if name.ends_with(".pem") || name.ends_with(".key") {
            fs::write(pem.join(&name), &data).unwrap();
        }
        if name.ends_with(".der") {
            fs::write(der.join(&name), &data).unwrap();
            if let Ok(cert) = X509::from_der(&data) {
                fs::write(der.join(format!("{name}.subject")), cert.subject().der).unwrap();
            }
        }
        if name == "server-ecdsa-encrypted.key" {
            fs::write(der.join("server-ecdsa-encrypted.der"), pem_body(&data)).unwrap();
        }
    }

    let ciphers = dir("cipher_string");
    for (i, spec) in [
        "DEFAULT",
        "HIGH:!aNULL:!MD5",
        "ECDHE+AESGCM:ECDHE+CHACHA20:@STRENGTH",
        "@SECLEVEL=2:ECDHE-RSA-AES128-GCM-SHA256",
        "ALL:-RSA:+AES256:!SHA1",
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
        "kEECDH+aECDSA+AESGCM,kEECDH+aRSA",
        "DEFAULT:!ECDSA:COMPLEMENTOFDEFAULT",
    ]
    .iter()
    .enumerate()
    {
        fs::write(ciphers.join(format!("spec-{i}")), spec).unwrap();
    }

    let settings = dir("settings_args");
    let field = |s: &[u8]| {
        let mut v = vec![s.len() as u8];
        v.extend(s);
        v
    };
    for (i, (cipher, tls13, groups, alpn)) in [
        (
            &b"DEFAULT"[..],
            &b"TLS_AES_128_GCM_SHA256:TLS_CHACHA20_POLY1305_SHA256"[..],
            &b"X25519:P-256"[..],
            &b"h2,http/1.1"[..],
        ),
        (
            b"ECDHE-ECDSA-AES256-GCM-SHA384",
            b"TLS_AES_256_GCM_SHA384",
            b"secp384r1",
            b"http/1.1",
        ),
        (b"HIGH", b"TLS_AES_128_GCM_SHA256", b"prime256v1:x25519", b"x,,y"),
    ]
    .into_iter()
    .enumerate()
    {
        for flags in [0u8, 1, 2, 3] {
            let mut seed = vec![flags, 0];
            for _side in 0..2 {
                seed.extend(field(cipher));
                seed.extend(field(tls13));
                seed.extend(field(groups));
                seed.extend(field(alpn));
                seed.extend(field(b"sid"));
                seed.extend([0, 0, 0, 5, 0, 0, 0, 0]);
            }
            seed.extend(field(b"localhost"));
            fs::write(settings.join(format!("args-{i}-{flags}")), &seed).unwrap();
        }
    }
}
