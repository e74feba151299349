//! TLS record protection around any AEAD: what goes into the nonce and the additional data,
//! where the tag and TLS 1.2's explicit nonce sit, and which error a failure is. Both of this
//! crate's AEAD providers use it (host.rs over `node:crypto`, fast_gcm.rs over RustCrypto's
//! AES-GCM), so the framing that decides interoperability is written, and reviewed, once; a
//! provider supplies only a [`RecordAead`] and decides what to do with a key it cannot use.
//!
//! The framing is rustls's own providers' (RFC 8446 §5.2 for TLS 1.3; RFC 5288 for TLS 1.2
//! AES-GCM, RFC 7905 for TLS 1.2 ChaCha20-Poly1305), so a record sealed here is byte for byte
//! the one *ring*'s suites seal (src/crypto/tests.rs and fast_gcm's tests compare them).
//!
//! Every length is checked before it is used: a record comes from the peer, and a panic in wasm
//! would end every connection in the page.

use rustls::crypto::cipher::{
    make_tls12_aad, make_tls13_aad, InboundOpaqueMessage, InboundPlainMessage, Iv, MessageDecrypter,
    MessageEncrypter, Nonce, OutboundOpaqueMessage, OutboundPlainMessage, PrefixedPayload, NONCE_LEN,
};
use rustls::{ContentType, Error, ProtocolVersion};

/// Every AEAD TLS uses here (AES-GCM, ChaCha20-Poly1305) has a 16-byte tag.
pub const TAG_LEN: usize = 16;
/// The largest plaintext a TLS record may carry (RFC 8446 §5.1, RFC 5246 §6.2.1).
pub(crate) const MAX_FRAGMENT_LEN: usize = 16384;
/// TLS 1.2 GCM sends the last 8 nonce bytes in front of each record (RFC 5288 §3).
pub(crate) const GCM_EXPLICIT_LEN: usize = 8;
/// ... and takes the first 4 from the key block.
pub(crate) const GCM_SALT_LEN: usize = NONCE_LEN - GCM_EXPLICIT_LEN;

/// One record key of one AEAD with a 12-byte nonce and a 16-byte tag. Failures carry no
/// detail on purpose: whatever went wrong, the record is refused with the one error TLS has for
/// it, and no unauthenticated byte is ever handed on. The framing holds one as a
/// `Box<dyn RecordAead>`: one copy of it then serves every AEAD (generic over the key, it was
/// linked three times, 5 KB more of the wasm), for one indirect call per record.
pub(crate) trait RecordAead: Send + Sync {
    /// Encrypts `in_out` in place; its tag, or `None` when the key could not seal.
    fn seal(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], in_out: &mut [u8]) -> Option<[u8; TAG_LEN]>;

    /// Whether `tag` authenticates `in_out`, which is then decrypted in place. On `false`
    /// `in_out` may hold anything: the framing below drops the record.
    fn open(&self, nonce: &[u8; NONCE_LEN], aad: &[u8], in_out: &mut [u8], tag: &[u8; TAG_LEN]) -> bool;
}

/// Splits `sealed` (ciphertext, then tag) and opens it in place; the plaintext length.
fn open_sealed(
    key: &dyn RecordAead,
    nonce: &[u8; NONCE_LEN],
    aad: &[u8],
    sealed: &mut [u8],
) -> Result<usize, Error> {
    let ct_len = sealed.len().checked_sub(TAG_LEN).ok_or(Error::DecryptError)?;
    let (ct, tag) = sealed.split_at_mut(ct_len);
    let tag = <&[u8; TAG_LEN]>::try_from(&*tag).map_err(|_| Error::DecryptError)?;
    if key.open(nonce, aad, ct, tag) {
        Ok(ct_len)
    } else {
        Err(Error::DecryptError)
    }
}

/// Seals TLS 1.3 records (RFC 8446 §5.2).
pub(crate) struct Tls13Sealer {
    key: Box<dyn RecordAead>,
    iv: Iv,
}

impl Tls13Sealer {
    pub(crate) fn new(key: impl RecordAead + 'static, iv: Iv) -> Self {
        Self {
            key: Box::new(key),
            iv,
        }
    }
}

impl MessageEncrypter for Tls13Sealer {
    fn encrypt(&mut self, msg: OutboundPlainMessage<'_>, seq: u64) -> Result<OutboundOpaqueMessage, Error> {
        // TLSInnerPlaintext: content, then the real content type; no padding.
        let inner_len = msg.payload.len().checked_add(1).ok_or(Error::EncryptError)?;
        let total_len = inner_len.checked_add(TAG_LEN).ok_or(Error::EncryptError)?;
        let mut payload = PrefixedPayload::with_capacity(total_len);
        payload.extend_from_chunks(&msg.payload);
        payload.extend_from_slice(&[u8::from(msg.typ)]);
        let nonce = Nonce::new(&self.iv, seq).0;
        let tag = self
            .key
            .seal(&nonce, &make_tls13_aad(total_len), payload.as_mut())
            .ok_or(Error::EncryptError)?;
        payload.extend_from_slice(&tag);
        // Every TLS 1.3 record claims to be TLS 1.2 application data on the wire (§5.1).
        Ok(OutboundOpaqueMessage::new(
            ContentType::ApplicationData,
            ProtocolVersion::TLSv1_2,
            payload,
        ))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        // Only a size hint; encrypt() checks the real arithmetic.
        payload_len.saturating_add(1 + TAG_LEN)
    }
}

/// Opens TLS 1.3 records.
pub(crate) struct Tls13Opener {
    key: Box<dyn RecordAead>,
    iv: Iv,
}

impl Tls13Opener {
    pub(crate) fn new(key: impl RecordAead + 'static, iv: Iv) -> Self {
        Self {
            key: Box::new(key),
            iv,
        }
    }
}

impl MessageDecrypter for Tls13Opener {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        let nonce = Nonce::new(&self.iv, seq).0;
        // The AAD is the record header, whose length field covers the tag.
        let aad = make_tls13_aad(msg.payload.len());
        let plain_len = open_sealed(&*self.key, &nonce, &aad, &mut msg.payload)?;
        msg.payload.truncate(plain_len);
        // Strips the padding and the inner content type, and rejects an oversized plaintext.
        msg.into_tls13_unpadded_message()
    }
}

/// Where a TLS 1.2 AEAD suite's per-record nonce comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Tls12Nonce {
    /// AES-GCM (RFC 5288): a 4-byte salt from the key block, then 8 bytes sent in front of
    /// each record. The sender picks those 8 freely; like rustls, ours are the key block's
    /// 8 "extra" bytes xor the sequence number, so they never repeat under one key.
    Gcm,
    /// ChaCha20-Poly1305 (RFC 7905): the 12-byte IV xor the sequence number; nothing is sent.
    Implicit,
}

impl Tls12Nonce {
    fn explicit_len(self) -> usize {
        match self {
            Self::Gcm => GCM_EXPLICIT_LEN,
            Self::Implicit => 0,
        }
    }

    /// The sender's 12-byte nonce base from the key block's `iv` (and, for GCM, the `extra`
    /// bytes rustls derives for the explicit part); `None` unless the lengths are exactly the
    /// ones the suite's key block shape asked for.
    pub(crate) fn sealing_iv(self, iv: &[u8], extra: &[u8]) -> Option<Iv> {
        let mut out = [0u8; NONCE_LEN];
        match self {
            Self::Gcm => {
                let (salt, explicit) = out.split_at_mut(GCM_SALT_LEN);
                salt.copy_from_slice(<&[u8; GCM_SALT_LEN]>::try_from(iv).ok()?);
                explicit.copy_from_slice(<&[u8; GCM_EXPLICIT_LEN]>::try_from(extra).ok()?);
            }
            Self::Implicit => out = <[u8; NONCE_LEN]>::try_from(iv).ok()?,
        }
        Some(Iv::new(out))
    }

    /// The receiver's nonce base: the 12-byte IV, or for GCM the salt followed by zeros that
    /// each record's explicit part replaces. `None` unless `iv` has the suite's length.
    pub(crate) fn opening_iv(self, iv: &[u8]) -> Option<[u8; NONCE_LEN]> {
        match self {
            Self::Gcm => {
                let mut out = [0u8; NONCE_LEN];
                let (salt, _) = out.split_at_mut(GCM_SALT_LEN);
                salt.copy_from_slice(<&[u8; GCM_SALT_LEN]>::try_from(iv).ok()?);
                Some(out)
            }
            Self::Implicit => <[u8; NONCE_LEN]>::try_from(iv).ok(),
        }
    }
}

/// Seals TLS 1.2 AEAD records (RFC 5246 §6.2.3.3).
pub(crate) struct Tls12Sealer {
    key: Box<dyn RecordAead>,
    /// From [`Tls12Nonce::sealing_iv`].
    iv: Iv,
    nonce: Tls12Nonce,
}

impl Tls12Sealer {
    pub(crate) fn new(key: impl RecordAead + 'static, iv: Iv, nonce: Tls12Nonce) -> Self {
        Self {
            key: Box::new(key),
            iv,
            nonce,
        }
    }
}

impl MessageEncrypter for Tls12Sealer {
    fn encrypt(&mut self, msg: OutboundPlainMessage<'_>, seq: u64) -> Result<OutboundOpaqueMessage, Error> {
        let plain_len = msg.payload.len();
        let explicit_len = self.nonce.explicit_len();
        let total_len = plain_len
            .checked_add(explicit_len + TAG_LEN)
            .ok_or(Error::EncryptError)?;
        let nonce = Nonce::new(&self.iv, seq).0;
        let mut payload = PrefixedPayload::with_capacity(total_len);
        // GCM's explicit part is the nonce's tail; for ChaCha20 this is empty.
        let explicit = nonce.get(NONCE_LEN - explicit_len..).ok_or(Error::EncryptError)?;
        payload.extend_from_slice(explicit);
        payload.extend_from_chunks(&msg.payload);
        // The AAD carries the plaintext length, not the record's (RFC 5246 §6.2.3.3).
        let aad = make_tls12_aad(seq, msg.typ, msg.version, plain_len);
        let body = payload
            .as_mut()
            .get_mut(explicit_len..)
            .ok_or(Error::EncryptError)?;
        let tag = self.key.seal(&nonce, &aad, body).ok_or(Error::EncryptError)?;
        payload.extend_from_slice(&tag);
        Ok(OutboundOpaqueMessage::new(msg.typ, msg.version, payload))
    }

    fn encrypted_payload_len(&self, payload_len: usize) -> usize {
        payload_len.saturating_add(self.nonce.explicit_len() + TAG_LEN)
    }
}

/// Opens TLS 1.2 AEAD records.
pub(crate) struct Tls12Opener {
    key: Box<dyn RecordAead>,
    /// From [`Tls12Nonce::opening_iv`].
    fixed: [u8; NONCE_LEN],
    nonce: Tls12Nonce,
}

impl Tls12Opener {
    pub(crate) fn new(key: impl RecordAead + 'static, fixed: [u8; NONCE_LEN], nonce: Tls12Nonce) -> Self {
        Self {
            key: Box::new(key),
            fixed,
            nonce,
        }
    }
}

impl MessageDecrypter for Tls12Opener {
    fn decrypt<'a>(
        &mut self,
        mut msg: InboundOpaqueMessage<'a>,
        seq: u64,
    ) -> Result<InboundPlainMessage<'a>, Error> {
        let explicit_len = self.nonce.explicit_len();
        let (explicit, sealed) = msg
            .payload
            .split_at_mut_checked(explicit_len)
            .ok_or(Error::DecryptError)?;
        let plain_len = sealed.len().checked_sub(TAG_LEN).ok_or(Error::DecryptError)?;
        let nonce = match self.nonce {
            Tls12Nonce::Gcm => {
                let mut nonce = self.fixed;
                let (_, tail) = nonce.split_at_mut(GCM_SALT_LEN);
                tail.copy_from_slice(
                    <&[u8; GCM_EXPLICIT_LEN]>::try_from(&*explicit).map_err(|_| Error::DecryptError)?,
                );
                nonce
            }
            Tls12Nonce::Implicit => Nonce::new(&Iv::new(self.fixed), seq).0,
        };
        let aad = make_tls12_aad(seq, msg.typ, msg.version, plain_len);
        let opened = open_sealed(&*self.key, &nonce, &aad, sealed)?;
        // Checked only once authenticated, as rustls's suites do: a forged record is a
        // bad_record_mac whatever its length.
        if opened > MAX_FRAGMENT_LEN {
            return Err(Error::PeerSentOversizedRecord);
        }
        // The plaintext stays where it was decrypted, after the explicit nonce: no move.
        let end = explicit_len.checked_add(opened).ok_or(Error::DecryptError)?;
        Ok(msg.into_plain_message_range(explicit_len..end))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tls12_nonce_bases_take_only_the_key_block_shape() {
        let salt = [1, 2, 3, 4];
        let extra = [5, 6, 7, 8, 9, 10, 11, 12];
        let iv12: [u8; 12] = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        let gcm = Tls12Nonce::Gcm;
        assert_eq!(
            gcm.sealing_iv(&salt, &extra).map(|iv| iv.as_ref().to_vec()),
            Some(iv12.to_vec())
        );
        assert_eq!(gcm.opening_iv(&salt), Some([1, 2, 3, 4, 0, 0, 0, 0, 0, 0, 0, 0]));
        // Twelve bytes split any other way are not a GCM nonce base.
        assert!(gcm.sealing_iv(&iv12[..5], &iv12[5..]).is_none());
        assert!(gcm.sealing_iv(&iv12[..3], &iv12[3..]).is_none());
        assert!(gcm.sealing_iv(&iv12, &[]).is_none());
        for len in [0, 3, 5, 12] {
            assert!(gcm.opening_iv(&iv12[..len]).is_none(), "{len}");
        }

        let implicit = Tls12Nonce::Implicit;
        assert_eq!(
            implicit.sealing_iv(&iv12, &[]).map(|iv| iv.as_ref().to_vec()),
            Some(iv12.to_vec())
        );
        assert_eq!(implicit.opening_iv(&iv12), Some(iv12));
        let long = [0u8; 13];
        for len in [0, 4, 11, 13] {
            assert!(implicit.sealing_iv(&long[..len], &[]).is_none(), "{len}");
            assert!(implicit.opening_iv(&long[..len]).is_none(), "{len}");
        }
    }
}
