//! The little DER that private keys need: tag-length-value walking, INTEGERs and OIDs.
//!
//! Keys are read here rather than with the `der`/`pkcs8`/`pkcs5` crates, which cost about
//! 50 KB of wasm (docs/size.md) for the handful of structures `pkey` and `pbes2` read.
//! Certificates are read with it too (`cert`). It is strict where DER is: definite, minimal
//! lengths; single-byte tags; minimal INTEGERs.

pub(crate) const SEQUENCE: u8 = 0x30;
pub(crate) const INTEGER: u8 = 0x02;
pub(crate) const BIT_STRING: u8 = 0x03;
pub(crate) const OCTET_STRING: u8 = 0x04;
pub(crate) const NULL: u8 = 0x05;
pub(crate) const OID: u8 = 0x06;

/// What is wrong with the encoding, for the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Malformed(pub(crate) &'static str);

impl std::fmt::Display for Malformed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

pub(crate) type Result<T> = std::result::Result<T, Malformed>;

/// Reads consecutive TLVs from a slice.
#[derive(Clone)]
pub(crate) struct Reader<'a> {
    rest: &'a [u8],
}

impl<'a> Reader<'a> {
    pub(crate) fn new(der: &'a [u8]) -> Self {
        Self { rest: der }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    pub(crate) fn peek_tag(&self) -> Option<u8> {
        self.rest.first().copied()
    }

    /// The next TLV's tag and contents.
    pub(crate) fn any(&mut self) -> Result<(u8, &'a [u8])> {
        self.element().map(|(tag, contents, _)| (tag, contents))
    }

    /// The next TLV's tag, contents, and the whole TLV (header included).
    pub(crate) fn element(&mut self) -> Result<(u8, &'a [u8], &'a [u8])> {
        let start = self.rest;
        let (&tag, after_tag) = self.rest.split_first().ok_or(Malformed("truncated"))?;
        if tag & 0x1f == 0x1f {
            return Err(Malformed("multi-byte tag"));
        }
        let (&first, mut after_len) = after_tag.split_first().ok_or(Malformed("truncated"))?;
        let len = if first < 0x80 {
            usize::from(first)
        } else {
            let count = usize::from(first & 0x7f);
            if count == 0 || count > 4 {
                return Err(Malformed("indefinite or oversized length"));
            }
            let (bytes, rest) = after_len.split_at_checked(count).ok_or(Malformed("truncated"))?;
            after_len = rest;
            let len = bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            if bytes.first() == Some(&0) || len < 0x80 {
                return Err(Malformed("non-minimal length"));
            }
            len
        };
        let (contents, rest) = after_len.split_at_checked(len).ok_or(Malformed("truncated"))?;
        self.rest = rest;
        let whole_len = start.len().saturating_sub(rest.len());
        let whole = start.get(..whole_len).ok_or(Malformed("truncated"))?;
        Ok((tag, contents, whole))
    }

    /// The contents of the next TLV, which must have `tag`.
    pub(crate) fn expect(&mut self, tag: u8) -> Result<&'a [u8]> {
        match self.any()? {
            (t, contents) if t == tag => Ok(contents),
            _ => Err(Malformed("unexpected tag")),
        }
    }

    /// The contents of the next TLV if it has `tag`; nothing is consumed otherwise.
    pub(crate) fn optional(&mut self, tag: u8) -> Result<Option<&'a [u8]>> {
        if self.peek_tag() == Some(tag) {
            self.expect(tag).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A reader over the next TLV's contents, which must have `tag` (a SEQUENCE, usually).
    pub(crate) fn nested(&mut self, tag: u8) -> Result<Reader<'a>> {
        self.expect(tag).map(Reader::new)
    }

    pub(crate) fn finish(self) -> Result<()> {
        if self.rest.is_empty() {
            Ok(())
        } else {
            Err(Malformed("trailing data"))
        }
    }

    /// A non-negative INTEGER's big-endian magnitude, without the sign byte.
    pub(crate) fn uint(&mut self) -> Result<&'a [u8]> {
        let contents = self.expect(INTEGER)?;
        match contents {
            [] => Err(Malformed("empty INTEGER")),
            [0, next, ..] if *next < 0x80 => Err(Malformed("non-minimal INTEGER")),
            [0, rest @ ..] => Ok(rest),
            [first, ..] if *first >= 0x80 => Err(Malformed("negative INTEGER")),
            _ => Ok(contents),
        }
    }

    /// A non-negative INTEGER that fits in a u64.
    pub(crate) fn small_uint(&mut self) -> Result<u64> {
        let magnitude = self.uint()?;
        if magnitude.len() > 8 {
            return Err(Malformed("INTEGER too large"));
        }
        Ok(magnitude.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
    }
}

/// An AlgorithmIdentifier: the OID's contents, and the parameters' tag and contents if any.
pub(crate) struct Algorithm<'a> {
    pub(crate) oid: &'a [u8],
    pub(crate) parameters: Option<(u8, &'a [u8])>,
}

impl<'a> Reader<'a> {
    pub(crate) fn algorithm(&mut self) -> Result<Algorithm<'a>> {
        let mut alg = self.nested(SEQUENCE)?;
        let oid = alg.expect(OID)?;
        let parameters = if alg.is_empty() { None } else { Some(alg.any()?) };
        alg.finish()?;
        Ok(Algorithm { oid, parameters })
    }
}

/// The contents of `der`, which must be exactly one TLV with `tag`.
pub(crate) fn only(der: &[u8], tag: u8) -> Result<&[u8]> {
    let mut outer = Reader::new(der);
    let contents = outer.expect(tag)?;
    outer.finish()?;
    Ok(contents)
}

/// An OID's contents in dotted form, for messages ("?" for arcs beyond u64).
pub(crate) fn oid_string(contents: &[u8]) -> String {
    let mut arcs: Vec<String> = Vec::new();
    let mut value: u64 = 0;
    for &byte in contents {
        value = match value.checked_mul(128) {
            Some(v) => v | u64::from(byte & 0x7f),
            None => return format!("{} ?", arcs.join(".")),
        };
        if byte & 0x80 == 0 {
            if arcs.is_empty() {
                let first = (value / 40).min(2);
                arcs.push(first.to_string());
                arcs.push((value - first * 40).to_string());
            } else {
                arcs.push(value.to_string());
            }
            value = 0;
        }
    }
    arcs.join(".")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn lengths_are_definite_minimal_and_bounded() {
        let mut r = Reader::new(&[0x04, 0x02, 1, 2, 0x05, 0x00]);
        assert_eq!(r.expect(OCTET_STRING), Ok(&[1u8, 2][..]));
        assert_eq!(r.expect(NULL), Ok(&[][..]));
        assert!(r.is_empty());

        let long: Vec<u8> = [0x04, 0x81, 0x80].into_iter().chain([7; 0x80]).collect();
        assert_eq!(Reader::new(&long).expect(OCTET_STRING).unwrap().len(), 0x80);
        for bad in [
            &[0x04, 0x81, 0x05, 0, 0, 0, 0, 0][..], // long form for a short length
            &[0x04, 0x82, 0x00, 0x80],              // leading zero length byte
            &[0x04, 0x80, 0x00, 0x00],              // indefinite
            &[0x04, 0x85, 1, 0, 0, 0, 0],           // five length bytes
            &[0x04, 0x84, 0xff, 0xff, 0xff, 0xff],  // longer than the input
            &[0x04, 0x03, 1, 2],                    // truncated contents
            &[0x04],                                // no length
            &[0x1f, 0x81, 0x01, 0x00],              // multi-byte tag
            &[],
        ] {
            assert!(Reader::new(bad).any().is_err(), "{bad:02x?}");
        }
        assert_eq!(
            only(&[0x30, 0x00, 0x00], SEQUENCE).err(),
            Some(Malformed("trailing data"))
        );
        assert_eq!(
            Reader::new(&[0x02, 0x01, 0x00]).expect(SEQUENCE).err(),
            Some(Malformed("unexpected tag"))
        );
    }

    #[test]
    fn integers_are_minimal_and_non_negative() {
        fn uint(der: &[u8]) -> Result<&[u8]> {
            Reader::new(der).uint()
        }
        assert_eq!(uint(&[0x02, 0x01, 0x00]), Ok(&[][..]));
        assert_eq!(uint(&[0x02, 0x01, 0x7f]), Ok(&[0x7f][..]));
        assert_eq!(uint(&[0x02, 0x02, 0x00, 0x80]), Ok(&[0x80][..]));
        assert!(uint(&[0x02, 0x00]).is_err());
        assert!(uint(&[0x02, 0x02, 0x00, 0x7f]).is_err());
        assert!(uint(&[0x02, 0x01, 0x80]).is_err());
        let small = |der: &[u8]| Reader::new(der).small_uint();
        assert_eq!(small(&[0x02, 0x02, 0x40, 0x00]), Ok(0x4000));
        assert_eq!(
            small(&[0x02, 0x09, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
            Ok(u64::MAX)
        );
        assert!(small(&[0x02, 0x09, 0x01, 0, 0, 0, 0, 0, 0, 0, 0]).is_err());
    }

    #[test]
    fn oids_print_dotted() {
        assert_eq!(
            oid_string(&[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01]),
            "1.2.840.113549.1.1.1"
        );
        assert_eq!(oid_string(&[0x2b, 0x65, 0x70]), "1.3.101.112");
        assert_eq!(oid_string(&[0x60, 0x86, 0x48, 0x01]), "2.16.840.1");
        assert_eq!(oid_string(&[0x88, 0x37]), "2.999");
        assert_eq!(oid_string(&[0xff; 12]), " ?");
    }
}
