//! Checks shared by the tests of our record AEADs (fast_gcm.rs, fast_chacha.rs): a suite of
//! ours against *ring*'s suite of the same id, record for record.

use rustls::crypto::cipher::{
    AeadKey, InboundOpaqueMessage, Iv, MessageDecrypter, MessageEncrypter, OutboundChunks,
    OutboundPlainMessage,
};
use rustls::{ContentType, Error, ProtocolVersion, SupportedCipherSuite};

use super::record::MAX_FRAGMENT_LEN;

/// 32 bytes: rustls offers no public way to make a 16-byte `AeadKey`, so records are compared
/// with 32-byte-key suites (AES-256-GCM, ChaCha20-Poly1305).
pub(crate) const KEY32: [u8; 32] = [0x5a; 32];

type Ends = (Box<dyn MessageEncrypter>, Box<dyn MessageDecrypter>);

/// Encrypter and decrypter of `suite` for one direction, keyed alike for every suite; a
/// TLS 1.2 suite gets the IV and explicit-nonce lengths its key block shape asks for.
pub(crate) fn ends(suite: SupportedCipherSuite) -> Ends {
    match suite {
        SupportedCipherSuite::Tls13(s) => (
            s.aead_alg.encrypter(AeadKey::from(KEY32), Iv::new([7; 12])),
            s.aead_alg.decrypter(AeadKey::from(KEY32), Iv::new([7; 12])),
        ),
        SupportedCipherSuite::Tls12(s) => {
            let shape = s.aead_alg.key_block_shape();
            let (iv, extra) = (vec![3; shape.fixed_iv_len], vec![9; shape.explicit_nonce_len]);
            (
                s.aead_alg.encrypter(AeadKey::from(KEY32), &iv, &extra),
                s.aead_alg.decrypter(AeadKey::from(KEY32), &iv),
            )
        }
    }
}

/// The record body (after the 5-byte header) that `enc` makes of `data`.
pub(crate) fn seal(enc: &mut dyn MessageEncrypter, data: &[u8], seq: u64) -> Vec<u8> {
    let msg = OutboundPlainMessage {
        typ: ContentType::ApplicationData,
        version: ProtocolVersion::TLSv1_2,
        payload: OutboundChunks::Single(data),
    };
    // encode() fills in the record header rustls reserves in front of the body.
    enc.encrypt(msg, seq).unwrap().encode()[5..].to_vec()
}

pub(crate) fn open(dec: &mut dyn MessageDecrypter, record: &[u8], seq: u64) -> Result<Vec<u8>, Error> {
    let mut body = record.to_vec();
    let msg = InboundOpaqueMessage::new(ContentType::ApplicationData, ProtocolVersion::TLSv1_2, &mut body);
    dec.decrypt(msg, seq).map(|m| m.payload.to_vec())
}

/// Every check below for each (ours, *ring*'s) pair, after `is_ours` tells them apart.
pub(crate) fn against_ring(
    pairs: &[(SupportedCipherSuite, SupportedCipherSuite)],
    is_ours: fn(&SupportedCipherSuite) -> bool,
) {
    for &(ours, ring) in pairs {
        assert!(is_ours(&ours) && !is_ours(&ring), "{:?}", ours.suite());
        matches_ring(ours, ring);
        refuses_damage(ours);
        refuses_oversized(ours, ring);
    }
}

/// `ours` seals exactly what `ring` seals, and each opens the other's records, across record
/// lengths around the AEADs' block sizes and sequence numbers up to the last.
fn matches_ring(ours: SupportedCipherSuite, ring: SupportedCipherSuite) {
    let ((mut oe, mut od), (mut re, mut rd)) = (ends(ours), ends(ring));
    for len in [0, 1, 15, 16, 17, 63, 64, 65, 255, 4096, 16384] {
        let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
        for seq in [0, 1, 0x0102_0304_0506_0708, u64::MAX] {
            let (mine, theirs) = (seal(&mut *oe, &data, seq), seal(&mut *re, &data, seq));
            assert_eq!(mine, theirs, "{:?} len {len} seq {seq}", ours.suite());
            assert_eq!(open(&mut *od, &theirs, seq).unwrap(), data);
            assert_eq!(open(&mut *rd, &mine, seq).unwrap(), data);
        }
    }
}

/// A wrong sequence number, any flipped bit of any byte and any truncation are all
/// `DecryptError`, and the good record still opens afterwards.
fn refuses_damage(ours: SupportedCipherSuite) {
    let (mut enc, mut dec) = ends(ours);
    let record = seal(&mut *enc, b"attack at dawn", 5);
    assert_eq!(open(&mut *dec, &record, 6), Err(Error::DecryptError), "wrong seq");
    for i in 0..record.len() {
        let mut bad = record.clone();
        bad[i] ^= 0x01;
        assert_eq!(open(&mut *dec, &bad, 5), Err(Error::DecryptError), "byte {i}");
    }
    for len in 0..record.len() {
        assert_eq!(
            open(&mut *dec, &record[..len], 5),
            Err(Error::DecryptError),
            "len {len}"
        );
    }
    assert_eq!(open(&mut *dec, &record, 5).unwrap(), b"attack at dawn");
}

/// An authentic record whose plaintext is over 2^14 bytes (sealed by *ring*) is refused.
fn refuses_oversized(ours: SupportedCipherSuite, ring: SupportedCipherSuite) {
    let (mut ring_enc, _) = ends(ring);
    let (_, mut dec) = ends(ours);
    let record = seal(&mut *ring_enc, &[0; MAX_FRAGMENT_LEN + 1], 0);
    assert_eq!(open(&mut *dec, &record, 0), Err(Error::PeerSentOversizedRecord));
}
