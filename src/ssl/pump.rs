//! The record pump: ciphertext in, ciphertext out, and the plaintext rustls decrypted, with
//! the end of the incoming stream as one explicit state.
//!
//! Memory is bounded by the connection, never by the peer (API.md §4): records are decrypted
//! only while less than one record's worth of plaintext waits to be read, so `pending()` is at
//! most [`PLAINTEXT_LIMIT`] however much ciphertext is buffered, as with OpenSSL.

use std::collections::VecDeque;
use std::io::{self, BufRead};

/// The most plaintext decrypted ahead of the reader: one full TLS record.
pub const PLAINTEXT_LIMIT: usize = 16 * 1024;

/// How much capacity a drained queue may keep. A queue keeps what it grew to; a connection
/// that once took a burst (a download, a big `sendall`) would otherwise hold that much for as
/// long as it lives, idle or not, and thousands of idle connections are a use case. A record
/// and its header fit, so steady traffic of one record at a time does not reallocate.
pub const IDLE_QUEUE_CAPACITY: usize = 32 * 1024;

/// Gives back a drained queue's memory past [`IDLE_QUEUE_CAPACITY`].
fn trim(queue: &mut VecDeque<u8>) {
    if queue.is_empty() && queue.capacity() > IDLE_QUEUE_CAPACITY {
        *queue = VecDeque::new();
    }
}

/// Where the incoming stream stands. One state instead of flags, so "ended but not yet told
/// to rustls" and "rustls saw the end without close_notify" cannot disagree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// More bytes may come.
    Open,
    /// The transport ended (or `bioShutdown`); rustls has not been told yet, because
    /// ciphertext before the end is still queued.
    Ended,
    /// rustls has been told, and has not (yet) reported how the stream ended.
    EndDelivered,
    /// The peer's close_notify was read: whatever comes after it is ignored.
    CloseNotify,
    /// The stream ended without close_notify.
    Truncated,
}

#[derive(Debug)]
pub struct Pump {
    /// Ciphertext from the peer that rustls has not taken yet.
    incoming: VecDeque<u8>,
    /// Ciphertext for the peer, in order, until the transport or `bioRead` takes it.
    outgoing: VecDeque<u8>,
    /// Decrypted data not yet returned (here so MSG_PEEK and `pending()` see it).
    plaintext: VecDeque<u8>,
    input: Input,
}

impl Default for Pump {
    fn default() -> Self {
        Self {
            incoming: VecDeque::new(),
            outgoing: VecDeque::new(),
            plaintext: VecDeque::new(),
            input: Input::Open,
        }
    }
}

impl Pump {
    // ---- the incoming side ----

    pub fn push_incoming(&mut self, data: &[u8]) {
        self.incoming.extend(data);
    }

    /// `push_incoming` of an owned buffer: when nothing is queued (a bulk reader's usual
    /// case: rustls took everything before the next receive) the buffer becomes the queue.
    pub fn try_push_incoming_owned(
        &mut self,
        data: Vec<u8>,
    ) -> Result<(), std::collections::TryReserveError> {
        if self.incoming.is_empty() {
            self.incoming = VecDeque::from(data);
            return Ok(());
        }
        self.try_push_incoming(&data)
    }

    /// `push_incoming` that reports, rather than aborts on, memory it cannot get (in wasm an
    /// allocation failure aborts every connection of the instance).
    pub fn try_push_incoming(&mut self, data: &[u8]) -> Result<(), std::collections::TryReserveError> {
        self.incoming.try_reserve(data.len())?;
        self.incoming.extend(data);
        Ok(())
    }

    pub fn end_input(&mut self) {
        if self.input == Input::Open {
            self.input = Input::Ended;
        }
    }

    pub fn input(&self) -> Input {
        self.input
    }

    /// Both ciphertext queues, for the server's ClientHello reader (which reads one and may
    /// answer with an alert on the other).
    pub fn queues_mut(&mut self) -> (&mut VecDeque<u8>, &mut VecDeque<u8>) {
        (&mut self.incoming, &mut self.outgoing)
    }

    // ---- the outgoing side ----

    /// Moves what rustls wants to send into the outgoing queue.
    pub fn flush(&mut self, tls: &mut rustls::Connection) {
        while tls.wants_write() {
            match tls.write_tls(&mut self.outgoing) {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
    }

    pub fn has_outgoing(&self) -> bool {
        !self.outgoing.is_empty()
    }

    /// At most `max` queued bytes from the front, removed from the queue.
    pub fn take_outgoing(&mut self, max: usize) -> Vec<u8> {
        let n = max.min(self.outgoing.len());
        let out = front(&self.outgoing, n);
        self.outgoing.drain(..n);
        trim(&mut self.outgoing);
        out
    }

    // ---- plaintext ----

    pub fn pending(&self) -> usize {
        self.plaintext.len()
    }

    /// Up to `max` bytes; with `peek` they stay to be read again.
    pub fn read_plaintext(&mut self, max: usize, peek: bool) -> Vec<u8> {
        let n = max.min(self.plaintext.len());
        let out = front(&self.plaintext, n);
        if !peek {
            self.plaintext.drain(..n);
            trim(&mut self.plaintext);
        }
        out
    }

    /// Moves up to `max` bytes of plaintext onto the end of `out`; how many.
    pub fn take_plaintext_into(&mut self, out: &mut Vec<u8>, max: usize) -> usize {
        let n = copy_front(&self.plaintext, max, out);
        self.plaintext.drain(..n);
        trim(&mut self.plaintext);
        n
    }

    /// What the three queues hold in memory, used or not (tests of [`IDLE_QUEUE_CAPACITY`]).
    #[cfg(test)]
    pub fn capacity(&self) -> usize {
        self.incoming.capacity() + self.outgoing.capacity() + self.plaintext.capacity()
    }

    /// Ciphertext received and not yet decrypted.
    pub fn incoming_len(&self) -> usize {
        self.incoming.len()
    }

    /// Drops up to `n` bytes from the front of the plaintext.
    pub fn consume_plaintext(&mut self, n: usize) {
        let n = n.min(self.plaintext.len());
        self.plaintext.drain(..n);
        trim(&mut self.plaintext);
    }

    /// Forgets unread plaintext: `shutdown()` after our close_notify discards what the peer
    /// still sends, as OpenSSL does, so the close_notify behind it can be reached.
    pub fn discard_plaintext(&mut self) {
        self.plaintext.clear();
        trim(&mut self.plaintext);
    }

    /// Feeds queued ciphertext (and then the end of the stream) to rustls and decrypts, one
    /// read at a time, until there is a record's worth of plaintext to return, the input runs
    /// dry, or rustls fails. Plaintext decrypted before a failure stays readable.
    pub fn process(&mut self, tls: &mut rustls::Connection) -> Result<(), ProcessError> {
        self.process_into(tls, &mut Direct::none())
    }

    /// `process` that moves plaintext straight onto the end of `direct`'s buffer, while the
    /// queue is empty and the buffer has room, instead of through the queue (one copy less
    /// for a gathering read). What does not fit is queued as usual.
    pub fn process_into(
        &mut self,
        tls: &mut rustls::Connection,
        direct: &mut Direct<'_>,
    ) -> Result<(), ProcessError> {
        let result = self.feed(tls, direct);
        trim(&mut self.incoming);
        result
    }

    fn feed(&mut self, tls: &mut rustls::Connection, direct: &mut Direct<'_>) -> Result<(), ProcessError> {
        loop {
            if !self.drain(tls, direct) {
                // rustls still holds plaintext this queue has no room for: feeding it more
                // now would only make it refuse ("received plaintext buffer full").
                return Ok(());
            }
            if self.plaintext.len() >= PLAINTEXT_LIMIT {
                return Ok(());
            }
            let fed = if matches!(self.input, Input::CloseNotify) {
                // Nothing after close_notify counts.
                self.incoming.clear();
                false
            } else if !self.incoming.is_empty() {
                match tls.read_tls(&mut self.incoming) {
                    Ok(n) => n > 0,
                    Err(e) => return Err(ProcessError::Io(e)),
                }
            } else if self.input == Input::Ended {
                self.input = Input::EndDelivered;
                matches!(tls.read_tls(&mut io::empty()), Ok(0))
            } else {
                false
            };
            let result = tls.process_new_packets();
            self.drain(tls, direct);
            result.map_err(ProcessError::Tls)?;
            if !fed {
                return Ok(());
            }
        }
    }

    /// Moves decrypted bytes from rustls into the queue, up to the limit, and notes how the
    /// stream ended. `true` when rustls has no plaintext left.
    fn drain(&mut self, tls: &mut rustls::Connection, direct: &mut Direct<'_>) -> bool {
        loop {
            // Straight to the reader only while nothing is queued, so the order holds.
            let to_direct = self.plaintext.is_empty() && direct.left > 0;
            let room = if to_direct {
                direct.left
            } else {
                PLAINTEXT_LIMIT.saturating_sub(self.plaintext.len())
            };
            if room == 0 {
                return false;
            }
            // fill_buf lends rustls's own buffer: one copy out of it, not two.
            let mut reader = tls.reader();
            let taken = match reader.fill_buf() {
                Ok([]) => {
                    self.input = Input::CloseNotify;
                    return true;
                }
                Ok(chunk) => {
                    let n = chunk.len().min(room);
                    let part = chunk.get(..n).unwrap_or_default();
                    match (to_direct, direct.out.as_deref_mut()) {
                        (true, Some(out)) => {
                            out.extend_from_slice(part);
                            direct.left = direct.left.saturating_sub(n);
                        }
                        _ => self.plaintext.extend(part),
                    }
                    n
                }
                Err(e) if e.kind() == io::ErrorKind::UnexpectedEof => {
                    self.input = Input::Truncated;
                    return true;
                }
                // WouldBlock: nothing more decrypted for now.
                Err(_) => return true,
            };
            reader.consume(taken);
        }
    }
}

/// Where [`Pump::process_into`] may put plaintext ahead of the queue: the end of a read's
/// buffer, up to `left` more bytes.
pub struct Direct<'a> {
    out: Option<&'a mut Vec<u8>>,
    left: usize,
}

impl<'a> Direct<'a> {
    pub fn none() -> Self {
        Self { out: None, left: 0 }
    }

    pub fn new(out: &'a mut Vec<u8>, left: usize) -> Self {
        Self { out: Some(out), left }
    }

    /// How many more bytes it may take.
    pub fn left(&self) -> usize {
        self.left
    }
}

/// The first `n` bytes of `queue` (at most its length), copied slice by slice: collecting a
/// deque's byte iterator copies one byte at a time, and was a fifth of a bulk download's time.
fn front(queue: &VecDeque<u8>, n: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(n.min(queue.len()));
    copy_front(queue, n, &mut out);
    out
}

/// Appends the first `n` bytes of `queue` (at most its length) to `out`; how many.
fn copy_front(queue: &VecDeque<u8>, n: usize, out: &mut Vec<u8>) -> usize {
    let (a, b) = queue.as_slices();
    let from_a = n.min(a.len());
    let from_b = n.saturating_sub(from_a).min(b.len());
    out.extend_from_slice(a.get(..from_a).unwrap_or_default());
    out.extend_from_slice(b.get(..from_b).unwrap_or_default());
    from_a.saturating_add(from_b)
}

/// Why `process` stopped.
#[derive(Debug)]
pub enum ProcessError {
    /// rustls refused the bytes before parsing them (the record layer).
    Io(io::Error),
    /// rustls parsed them and failed (bad record, alert, verification…).
    Tls(rustls::Error),
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A deque whose contents wrap around its buffer, so `as_slices` gives two parts.
    fn wrapped() -> VecDeque<u8> {
        let mut q = VecDeque::with_capacity(8);
        q.extend(0..6u8);
        q.drain(..4);
        q.extend(6..11u8);
        assert!(!q.as_slices().1.is_empty(), "the test needs a wrapped deque");
        q
    }

    #[test]
    fn front_copies_across_the_wrap_and_never_past_the_end() {
        let q = wrapped();
        for n in 0..=9 {
            let want: Vec<u8> = q.iter().take(n).copied().collect();
            assert_eq!(front(&q, n), want, "n = {n}");
        }
    }

    #[test]
    fn read_plaintext_peeks_and_consumes_in_order() {
        let mut pump = Pump {
            plaintext: wrapped(),
            ..Pump::default()
        };
        assert_eq!(pump.read_plaintext(3, true), [4, 5, 6]);
        assert_eq!(pump.read_plaintext(3, false), [4, 5, 6]);
        assert_eq!(pump.read_plaintext(100, false), [7, 8, 9, 10]);
        assert_eq!(pump.pending(), 0);
        pump.outgoing = wrapped();
        assert_eq!(pump.take_outgoing(5), [4, 5, 6, 7, 8]);
        assert_eq!(pump.take_outgoing(5), [9, 10]);
    }
}
