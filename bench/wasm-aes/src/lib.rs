//! Microbenchmark: AEAD seal/open of one 16 KiB TLS record, in wasm, for the AES-GCM
//! implementations considered in docs/wasm-aes.md. Exports plain functions (no imports, no
//! wasm-bindgen) so the same .wasm runs unchanged in Node and in Chromium.
//! Each export runs `iters` seal (or open) calls and returns a byte of the output so the work
//! cannot be optimised away; the caller times it.
#![allow(clippy::all, deprecated)] // ring::test::rand: a fixed "RNG" for the handshake exports

const LEN: usize = 16384;
const KEY: [u8; 32] = [7; 32];
const NONCE: [u8; 12] = [9; 12];
const AAD: [u8; 5] = [0x17, 3, 3, 0x40, 0x11];

fn ring_key(alg: &'static ring::aead::Algorithm) -> ring::aead::LessSafeKey {
    let k = ring::aead::UnboundKey::new(alg, &KEY[..alg.key_len()]).unwrap();
    ring::aead::LessSafeKey::new(k)
}

fn ring_seal(alg: &'static ring::aead::Algorithm, iters: u32) -> u32 {
    use ring::aead::{Aad, Nonce};
    let key = ring_key(alg);
    let src = vec![0x42u8; LEN];
    let mut buf = vec![0u8; LEN];
    let mut acc = 0u32;
    for _ in 0..iters {
        buf.copy_from_slice(&src);
        let tag = key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(NONCE), Aad::from(AAD), &mut buf)
            .unwrap();
        acc ^= u32::from(tag.as_ref()[0]);
    }
    acc
}

fn ring_open(alg: &'static ring::aead::Algorithm, iters: u32) -> u32 {
    use ring::aead::{Aad, Nonce};
    let key = ring_key(alg);
    let mut ct = vec![0x42u8; LEN];
    let tag = key
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(NONCE), Aad::from(AAD), &mut ct)
        .unwrap();
    ct.extend_from_slice(tag.as_ref());
    let mut buf = ct.clone();
    let mut acc = 0u32;
    for _ in 0..iters {
        buf.copy_from_slice(&ct);
        let pt = key
            .open_in_place(Nonce::assume_unique_for_key(NONCE), Aad::from(AAD), &mut buf)
            .unwrap();
        acc ^= u32::from(pt[0]);
    }
    acc
}

#[no_mangle]
pub extern "C" fn ring_aes128_seal(n: u32) -> u32 {
    ring_seal(&ring::aead::AES_128_GCM, n)
}
#[no_mangle]
pub extern "C" fn ring_aes128_open(n: u32) -> u32 {
    ring_open(&ring::aead::AES_128_GCM, n)
}
#[no_mangle]
pub extern "C" fn ring_aes256_seal(n: u32) -> u32 {
    ring_seal(&ring::aead::AES_256_GCM, n)
}
#[no_mangle]
pub extern "C" fn ring_chacha_seal(n: u32) -> u32 {
    ring_seal(&ring::aead::CHACHA20_POLY1305, n)
}
#[no_mangle]
pub extern "C" fn ring_chacha_open(n: u32) -> u32 {
    ring_open(&ring::aead::CHACHA20_POLY1305, n)
}

macro_rules! rustcrypto {
    ($seal:ident, $open:ident, $krate:ident, $ty:ident, $klen:expr, $enc:ident, $dec:ident, $into:expr) => {
        #[no_mangle]
        pub extern "C" fn $seal(n: u32) -> u32 {
            #[allow(unused_imports, deprecated)]
            use $krate::aead::*;
            use $krate::{$ty, KeyInit};
            let c = $ty::new_from_slice(&KEY[..$klen]).unwrap();
            let nonce = (&NONCE).into();
            let src = vec![0x42u8; LEN];
            let mut buf = vec![0u8; LEN];
            let mut acc = 0u32;
            for _ in 0..n {
                buf.copy_from_slice(&src);
                #[allow(deprecated)]
                let tag = c.$enc(nonce, &AAD, $into(&mut buf[..])).unwrap();
                acc ^= u32::from(tag[0]);
            }
            acc
        }
        #[no_mangle]
        pub extern "C" fn $open(n: u32) -> u32 {
            #[allow(unused_imports, deprecated)]
            use $krate::aead::*;
            use $krate::{$ty, KeyInit};
            let c = $ty::new_from_slice(&KEY[..$klen]).unwrap();
            let nonce = (&NONCE).into();
            let mut ct = vec![0x42u8; LEN];
            #[allow(deprecated)]
            let tag = c.$enc(nonce, &AAD, $into(&mut ct[..])).unwrap();
            let mut buf = ct.clone();
            let mut acc = 0u32;
            for _ in 0..n {
                buf.copy_from_slice(&ct);
                #[allow(deprecated)]
                c.$dec(nonce, &AAD, $into(&mut buf[..]), &tag).unwrap();
                acc ^= u32::from(buf[0]);
            }
            acc
        }
    };
}

fn id<T>(x: T) -> T {
    x
}
fn inout(x: &mut [u8]) -> aes_gcm::aead::inout::InOutBuf<'_, '_, u8> {
    x.into()
}

rustcrypto!(
    rc011_aes128_seal,
    rc011_aes128_open,
    aes_gcm,
    Aes128Gcm,
    16,
    encrypt_inout_detached,
    decrypt_inout_detached,
    inout
);
rustcrypto!(
    rc011_aes256_seal,
    rc011_aes256_open,
    aes_gcm,
    Aes256Gcm,
    32,
    encrypt_inout_detached,
    decrypt_inout_detached,
    inout
);
rustcrypto!(
    rc010_aes128_seal,
    rc010_aes128_open,
    aes_gcm_010,
    Aes128Gcm,
    16,
    encrypt_in_place_detached,
    decrypt_in_place_detached,
    id
);

/// Deterministic "randomness" for the handshake-crypto exports: a benchmark, never a key.
fn no_random(out: &mut [u8]) -> Result<(), getrandom::Error> {
    static mut N: u8 = 1;
    for b in out {
        unsafe {
            N = N.wrapping_mul(31).wrapping_add(7);
            *b = N;
        }
    }
    Ok(())
}
getrandom::register_custom_getrandom!(no_random);

/// The two halves of AES-GCM separately, to see which one to speed up.
#[no_mangle]
pub extern "C" fn part_aes128ctr_seal(n: u32) -> u32 {
    use ctr::cipher::{KeyIvInit, StreamCipher};
    let mut buf = vec![0x42u8; LEN];
    for _ in 0..n {
        let mut c = ctr::Ctr32BE::<aes::Aes128>::new_from_slices(&KEY[..16], &[0u8; 16]).unwrap();
        c.apply_keystream(&mut buf);
    }
    u32::from(buf[0])
}
#[no_mangle]
pub extern "C" fn part_ghash_seal(n: u32) -> u32 {
    use ghash::universal_hash::{KeyInit, UniversalHash};
    let buf = vec![0x42u8; LEN];
    let mut acc = 0u32;
    for _ in 0..n {
        let mut g = ghash::GHash::new_from_slice(&KEY[..16]).unwrap();
        g.update_padded(&buf);
        acc ^= u32::from(g.finalize()[0]);
    }
    acc
}

// Handshake public-key operations, to see what simd128 does to them (µs per op).
fn agree(alg: &'static ring::agreement::Algorithm, n: u32) -> u32 {
    use ring::agreement::*;
    let rng = ring::test::rand::FixedByteRandom { byte: 0x42 };
    let peer = EphemeralPrivateKey::generate(alg, &rng)
        .unwrap()
        .compute_public_key()
        .unwrap();
    let peer = UnparsedPublicKey::new(alg, peer.as_ref().to_vec());
    let mut acc = 0u32;
    for _ in 0..n {
        let k = EphemeralPrivateKey::generate(alg, &rng).unwrap();
        let _ = k.compute_public_key().unwrap();
        acc ^= agree_ephemeral(k, &peer, |s| u32::from(s[0])).unwrap();
    }
    acc
}
#[no_mangle]
pub extern "C" fn hs_x25519_agree(n: u32) -> u32 {
    agree(&ring::agreement::X25519, n)
}
#[no_mangle]
pub extern "C" fn hs_p256_agree(n: u32) -> u32 {
    agree(&ring::agreement::ECDH_P256, n)
}
#[no_mangle]
pub extern "C" fn hs_p256_verify(n: u32) -> u32 {
    use ring::signature::*;
    let rng = ring::test::rand::FixedByteRandom { byte: 0x42 };
    let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &rng).unwrap();
    let kp = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &rng).unwrap();
    let sig = kp.sign(&rng, b"transcript hash").unwrap();
    let pk = UnparsedPublicKey::new(&ECDSA_P256_SHA256_ASN1, kp.public_key().as_ref().to_vec());
    let mut ok = 0;
    for _ in 0..n {
        ok += u32::from(pk.verify(b"transcript hash", sig.as_ref()).is_ok());
    }
    ok
}
