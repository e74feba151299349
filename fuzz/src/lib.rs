//! The handshake harness shared by `handshake_server`, `handshake_client` and the seed
//! generator (`examples/seeds.rs`).
//!
//! A run is a genuine in-memory session between our client and our server, driven in rounds.
//! One side is under test (T); the other is the genuine peer (P). Every batch of ciphertext P
//! produces for T is a *flight*; flights are numbered from 0 (for a server under test, flight 0
//! is the ClientHello; for a client under test, ServerHello … Finished). At the selected stage
//! T gets a mutated flight instead of the genuine one, and the run goes on for a bounded number
//! of rounds, then runs the input's extra actions on T. After the handshake P sends one
//! application-data message and a close_notify, so flights 2 and 3 are past the handshake;
//! a stage beyond the last flight injects the mutated bytes after everything.
//!
//! Input layout (every field is taken modulo its range, so any byte string is a valid input):
//!
//! ```text
//!   byte 0   flags: bits 0-2 stage, bit 3 TLS 1.2 (else 1.3), bit 4 client certificate,
//!            bit 5 resumed session, bits 6-7 delivery (whole, byte by byte, record by
//!            record, whole then end of input)
//!   byte 1   0: replace — u16 length, then the flight's bytes
//!            n > 0: n - 1 edit operations on the genuine flight (see `apply_op`)
//!   rest     T actions, one byte each (see `Run::act`)
//! ```
//!
//! Invariants checked on T, beyond "no panic":
//! - a fatal error (`Error::is_fatal`) is sticky: every later do_handshake, write, shutdown,
//!   and read without buffered plaintext, reports the very same error;
//! - the plaintext T reads is a prefix of what P wrote (and vice versa): no mutation yields
//!   forged, reordered or replayed data;
//! - with no edit, the session completes: T reads P's message, then a clean close;
//! - no call produces unbounded output.

pub mod loaders;

use rustls_ssl::ssl::constants::{method, verify};
use rustls_ssl::ssl::pkey::PKey;
use rustls_ssl::ssl::{pem, Connection, Context, Error};

pub const SERVER_CHAIN: &[u8] = include_bytes!("../../js-tests/fixtures/server-ecdsa-chain.pem");
pub const SERVER_KEY: &[u8] = include_bytes!("../../js-tests/fixtures/server-ecdsa.key");
pub const CLIENT_CHAIN: &[u8] = include_bytes!("../../js-tests/fixtures/client-chain.pem");
pub const CLIENT_KEY: &[u8] = include_bytes!("../../js-tests/fixtures/client.key");
pub const CA: &[u8] = include_bytes!("../../js-tests/fixtures/ca.pem");

/// What P sends once the handshake is done.
pub const MESSAGE: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n";

/// Rounds of the genuine exchange; a full session takes five.
const ROUNDS: usize = 8;
/// Extra actions on T taken from the input.
const MAX_ACTIONS: usize = 64;
/// Edit operations on a flight.
const MAX_OPS: usize = 16;
/// More ciphertext than this from one step, beyond what the caller asked to be encrypted
/// (plus record overhead), would mean output growing without bound.
const MAX_OUTPUT_PER_STEP: usize = 64 * 1024;
/// Byte-by-byte delivery of a flight larger than this goes in chunks, to keep runs short.
const MAX_BYTEWISE: usize = 4096;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    Client,
    Server,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Whole,
    Bytewise,
    PerRecord,
    WholeThenEof,
}

#[derive(Debug, Clone, Copy)]
pub struct Flags {
    pub stage: usize,
    pub tls12: bool,
    pub client_auth: bool,
    pub resume: bool,
    pub delivery: Delivery,
}

impl Flags {
    pub fn from_byte(b: u8) -> Self {
        Self {
            stage: usize::from(b & 7),
            tls12: b & 8 != 0,
            client_auth: b & 16 != 0,
            resume: b & 32 != 0,
            delivery: match b >> 6 {
                0 => Delivery::Whole,
                1 => Delivery::Bytewise,
                2 => Delivery::PerRecord,
                _ => Delivery::WholeThenEof,
            },
        }
    }

    pub fn to_byte(self) -> u8 {
        let delivery = match self.delivery {
            Delivery::Whole => 0,
            Delivery::Bytewise => 1,
            Delivery::PerRecord => 2,
            Delivery::WholeThenEof => 3,
        };
        (self.stage as u8 & 7)
            | (u8::from(self.tls12) << 3)
            | (u8::from(self.client_auth) << 4)
            | (u8::from(self.resume) << 5)
            | (delivery << 6)
    }
}

/// A little-endian-free byte cursor: every read past the end yields zeros.
pub struct Cursor<'a> {
    data: &'a [u8],
}

impl<'a> Cursor<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }

    pub fn u8(&mut self) -> u8 {
        match self.data.split_first() {
            Some((b, rest)) => {
                self.data = rest;
                *b
            }
            None => 0,
        }
    }

    pub fn u16(&mut self) -> u16 {
        u16::from_be_bytes([self.u8(), self.u8()])
    }

    pub fn bytes(&mut self, n: usize) -> &'a [u8] {
        let n = n.min(self.data.len());
        let (head, rest) = self.data.split_at(n);
        self.data = rest;
        head
    }

    pub fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.data)
    }
}

/// What replaces the genuine flight at the selected stage.
pub enum Edit<'a> {
    Replace(&'a [u8]),
    Ops(Vec<Op<'a>>),
}

/// One edit of a flight. Offsets and indices are taken modulo the flight's length or its
/// record count; record edits re-parse the flight into TLS records (5-byte headers).
#[derive(Debug, Clone, Copy)]
pub struct Op<'a> {
    pub kind: u8,
    pub a: u16,
    pub b: u16,
    pub blob: &'a [u8],
}

/// Op kinds, for the seed generator; any other byte is taken modulo their number.
pub mod op {
    pub const FLIP: u8 = 0;
    pub const SET: u8 = 1;
    pub const TRUNCATE: u8 = 2;
    pub const APPEND: u8 = 3;
    pub const INSERT: u8 = 4;
    pub const DELETE: u8 = 5;
    pub const DROP_RECORD: u8 = 6;
    pub const DUP_RECORD: u8 = 7;
    pub const SWAP_RECORDS: u8 = 8;
    pub const FRAGMENT: u8 = 9;
    pub const COALESCE: u8 = 10;
    pub const RECORD_TYPE: u8 = 11;
    pub const RECORD_VERSION: u8 = 12;
    pub const RECORD_LENGTH: u8 = 13;
    pub const INSERT_RECORD: u8 = 14;
    pub const COUNT: u8 = 15;
}

impl<'a> Op<'a> {
    fn parse(c: &mut Cursor<'a>) -> Self {
        let kind = c.u8() % op::COUNT;
        let a = c.u16();
        let b = c.u16();
        let blob = if matches!(kind, op::APPEND | op::INSERT | op::INSERT_RECORD) {
            let n = usize::from(c.u8());
            c.bytes(n)
        } else {
            &[]
        };
        Op { kind, a, b, blob }
    }

    pub fn encode(&self, out: &mut Vec<u8>) {
        out.push(self.kind);
        out.extend(self.a.to_be_bytes());
        out.extend(self.b.to_be_bytes());
        if matches!(self.kind, op::APPEND | op::INSERT | op::INSERT_RECORD) {
            let n = self.blob.len().min(255);
            out.push(n as u8);
            out.extend(&self.blob[..n]);
        }
    }
}

pub struct Input<'a> {
    pub flags: Flags,
    pub edit: Edit<'a>,
    pub actions: &'a [u8],
}

impl<'a> Input<'a> {
    pub fn parse(data: &'a [u8]) -> Self {
        let mut c = Cursor::new(data);
        let flags = Flags::from_byte(c.u8());
        let edit = match c.u8() {
            0 => {
                let n = usize::from(c.u16());
                Edit::Replace(c.bytes(n))
            }
            n => Edit::Ops((1..n).take(MAX_OPS).map(|_| Op::parse(&mut c)).collect()),
        };
        Input {
            flags,
            edit,
            actions: c.rest(),
        }
    }

    /// The genuine session, unedited.
    pub fn is_genuine(&self) -> bool {
        matches!(&self.edit, Edit::Ops(ops) if ops.is_empty())
    }
}

/// Splits ciphertext into TLS records; a trailing partial record is kept as the last item.
pub fn records(data: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let len = match rest.get(3..5) {
            Some(l) => 5 + usize::from(u16::from_be_bytes([l[0], l[1]])),
            None => rest.len(),
        };
        let (rec, tail) = rest.split_at(len.min(rest.len()));
        out.push(rec.to_vec());
        rest = tail;
    }
    out
}

fn header(typ: u8, version: [u8; 2], len: usize) -> [u8; 5] {
    let len = u16::try_from(len).unwrap_or(u16::MAX).to_be_bytes();
    [typ, version[0], version[1], len[0], len[1]]
}

/// Applies one edit to a flight.
pub fn apply_op(flight: &mut Vec<u8>, o: &Op<'_>) {
    let a = usize::from(o.a);
    let b = usize::from(o.b);
    match o.kind {
        op::FLIP | op::SET | op::DELETE if flight.is_empty() => {}
        op::FLIP => {
            let i = a % flight.len();
            flight[i] ^= (o.b as u8) | 1;
        }
        op::SET => {
            let i = a % flight.len();
            flight[i] = o.b as u8;
        }
        op::TRUNCATE => flight.truncate(a % (flight.len() + 1)),
        op::APPEND => flight.extend_from_slice(o.blob),
        op::INSERT => {
            let i = a % (flight.len() + 1);
            flight.splice(i..i, o.blob.iter().copied());
        }
        op::DELETE => {
            let i = a % flight.len();
            let end = (i + 1 + b % 64).min(flight.len());
            flight.drain(i..end);
        }
        _ => {
            let mut recs = records(flight);
            edit_records(&mut recs, o, a, b);
            *flight = recs.concat();
        }
    }
}

fn edit_records(recs: &mut Vec<Vec<u8>>, o: &Op<'_>, a: usize, b: usize) {
    if o.kind == op::INSERT_RECORD {
        let i = a % (recs.len() + 1);
        let mut rec = header(o.b as u8, [3, 3], o.blob.len()).to_vec();
        rec.extend_from_slice(o.blob);
        recs.insert(i, rec);
        return;
    }
    if recs.is_empty() {
        return;
    }
    let i = a % recs.len();
    match o.kind {
        op::DROP_RECORD => {
            recs.remove(i);
        }
        op::DUP_RECORD => {
            let r = recs[i].clone();
            recs.insert(i, r);
        }
        op::SWAP_RECORDS => {
            let j = b % recs.len();
            recs.swap(i, j);
        }
        op::FRAGMENT => {
            // Valid re-framing for plaintext records: the same bytes over smaller records.
            let rec = &recs[i];
            if rec.len() <= 5 {
                return;
            }
            let size = 1 + b % 512;
            let (typ, version) = (rec[0], [rec[1], rec[2]]);
            let pieces: Vec<Vec<u8>> = rec[5..]
                .chunks(size)
                .map(|p| {
                    let mut r = header(typ, version, p.len()).to_vec();
                    r.extend_from_slice(p);
                    r
                })
                .collect();
            recs.splice(i..=i, pieces);
        }
        op::COALESCE => {
            if i + 1 < recs.len() && recs[i].len() >= 5 && recs[i + 1].len() >= 5 {
                let next = recs.remove(i + 1);
                let rec = &mut recs[i];
                rec.extend_from_slice(&next[5..]);
                let len = header(rec[0], [rec[1], rec[2]], rec.len() - 5);
                rec[..5].copy_from_slice(&len);
            }
        }
        op::RECORD_TYPE => {
            recs[i][0] = o.b as u8;
        }
        op::RECORD_VERSION if recs[i].len() >= 3 => {
            recs[i][1..3].copy_from_slice(&o.b.to_be_bytes());
        }
        op::RECORD_LENGTH if recs[i].len() >= 5 => {
            recs[i][3..5].copy_from_slice(&o.b.to_be_bytes());
        }
        _ => {}
    }
}

/// The flight T gets at the selected stage.
pub fn edited(genuine: &[u8], edit: &Edit<'_>) -> Vec<u8> {
    match edit {
        Edit::Replace(bytes) => bytes.to_vec(),
        Edit::Ops(ops) => {
            let mut flight = genuine.to_vec();
            for o in ops {
                apply_op(&mut flight, o);
            }
            flight
        }
    }
}

fn contexts(flags: Flags) -> (Context, Context) {
    let version = if flags.tls12 { method::TLSV1_2 } else { method::TLS };
    let mut client = Context::new(version).expect("client context");
    client.load_verify_data(CA).expect("CA");
    let mut server = Context::new(version).expect("server context");
    server
        .settings
        .set_certificate_chain(pem::certificates(SERVER_CHAIN).expect("server chain"))
        .expect("server chain");
    server
        .settings
        .set_private_key(PKey::from_pem(SERVER_KEY, None).expect("server key"))
        .expect("server key");
    if flags.client_auth {
        server.load_verify_data(CA).expect("CA");
        server
            .settings
            .set_verify(verify::PEER | verify::FAIL_IF_NO_PEER_CERT)
            .expect("verify mode");
        client
            .settings
            .set_certificate_chain(pem::certificates(CLIENT_CHAIN).expect("client chain"))
            .expect("client chain");
        client
            .settings
            .set_private_key(PKey::from_pem(CLIENT_KEY, None).expect("client key"))
            .expect("client key");
    }
    (client, server)
}

fn new_client(ctx: &Context) -> Connection {
    let mut c = Connection::new(ctx.snapshot());
    c.set_connect_state();
    c.set_host_name("localhost").expect("host name");
    c
}

fn new_server(ctx: &Context) -> Connection {
    let mut s = Connection::new(ctx.snapshot());
    s.set_accept_state();
    s
}

/// Moves everything `from` has queued, with a bound on how much may have piled up since the
/// last time: `plaintext` bytes written by the caller, plus handshake and alert records.
fn drain(from: &mut Connection, plaintext: usize) -> Vec<u8> {
    let limit = MAX_OUTPUT_PER_STEP + plaintext * 2;
    let mut out = Vec::new();
    while let Ok(chunk) = from.bio_read(usize::MAX) {
        assert!(
            !chunk.is_empty(),
            "bio_read gave an empty chunk instead of WantRead"
        );
        out.extend(chunk);
        assert!(out.len() <= limit, "over {limit} bytes queued in one step");
    }
    out
}

/// A session made by a genuine full handshake, for the resumption runs.
fn session_for(client_ctx: &Context, server_ctx: &Context) -> Option<rustls_ssl::ssl::session::Session> {
    let mut c = new_client(client_ctx);
    let mut s = new_server(server_ctx);
    for _ in 0..ROUNDS {
        let _ = c.do_handshake();
        s.bio_write(&drain(&mut c, 0));
        let _ = s.do_handshake();
        c.bio_write(&drain(&mut s, 0));
        if c.is_handshake_done() {
            // TLS 1.3 tickets arrive after the handshake.
            let _ = c.read(1, false);
        }
        if let Some(session) = c.session() {
            return Some(session);
        }
    }
    None
}

/// The genuine peer: handshake, read what comes, send `MESSAGE`, then close.
struct Peer {
    conn: Connection,
    sent_message: bool,
    sent_close: bool,
    received: Vec<u8>,
}

impl Peer {
    fn step(&mut self) {
        if !self.conn.is_handshake_done() {
            let _r = self.conn.do_handshake();
            trace(|| format!("P do_handshake {_r:?}"));
            return;
        }
        while let Ok(data) = trace_r("P read", self.conn.read(16 * 1024, false)) {
            if data.is_empty() {
                break;
            }
            self.received.extend(data);
        }
        if !self.sent_message {
            self.sent_message = true;
            let _r = self.conn.write(MESSAGE);
            trace(|| format!("P write {_r:?}"));
        } else if !self.sent_close {
            self.sent_close = true;
            let _r = self.conn.shutdown();
            trace(|| format!("P shutdown {_r:?}"));
        }
    }
}

/// T's view: what it read and wrote, and the fatal error it has reported, if any.
pub struct Run {
    t: Connection,
    peer: Peer,
    delivery: Delivery,
    fatal: Option<Error>,
    t_received: Vec<u8>,
    t_written: Vec<u8>,
    /// Plaintext T encrypted since its output was last taken.
    t_undrained: usize,
    t_closed: bool,
    /// Every flight P sent T, as P produced them (the seed generator writes these out).
    pub flights: Vec<Vec<u8>>,
}

impl Run {
    /// Builds T and P; `None` if the genuine setup itself could not be made (a resumed run
    /// whose first handshake gave no session).
    pub fn new(side: Side, flags: Flags) -> Option<Self> {
        let (client_ctx, server_ctx) = contexts(flags);
        let session = if flags.resume {
            Some(session_for(&client_ctx, &server_ctx)?)
        } else {
            None
        };
        let mut client = new_client(&client_ctx);
        if let Some(s) = session {
            client.set_session(s).expect("session of the same context");
        }
        let server = new_server(&server_ctx);
        let (t, p) = match side {
            Side::Client => (client, server),
            Side::Server => (server, client),
        };
        Some(Self {
            t,
            peer: Peer {
                conn: p,
                sent_message: false,
                sent_close: false,
                received: Vec::new(),
            },
            delivery: flags.delivery,
            fatal: None,
            t_received: Vec::new(),
            t_written: Vec::new(),
            t_undrained: 0,
            t_closed: false,
            flights: Vec::new(),
        })
    }

    /// Checks one result of T against the sticky-error invariant.
    fn check<V: std::fmt::Debug>(&mut self, what: &str, r: &Result<V, Error>) {
        trace(|| format!("T {what} {r:?}"));
        match (r, &self.fatal) {
            (Err(e), Some(f)) if e != f => {
                panic!("{what}: fatal error {f:?} was followed by a different error {e:?}")
            }
            (Ok(_), Some(f)) => panic!("{what}: succeeded after fatal error {f:?}"),
            (Err(e), None) if e.is_fatal() => self.fatal = Some(e.clone()),
            _ => {}
        }
    }

    fn t_handshake(&mut self) {
        let r = self.t.do_handshake();
        self.check("do_handshake", &r);
    }

    fn t_read(&mut self, max: usize, peek: bool) {
        let had_plaintext = self.t.pending() > 0;
        let r = self.t.read(max, peek);
        if let Ok(data) = &r {
            assert!(data.len() <= max, "read({max}) returned {} bytes", data.len());
            if !peek {
                self.t_received.extend(data);
            }
            let total = self.t_received.len() + if peek { data.len() } else { 0 };
            let expected = self.peer_sent();
            let got: Vec<u8> = if peek {
                self.t_received.iter().chain(data.iter()).copied().collect()
            } else {
                self.t_received.clone()
            };
            assert!(
                total <= expected.len() && got[..] == expected[..total],
                "T read data P never sent: {got:?}"
            );
        }
        if matches!(r, Err(Error::ZeroReturn)) {
            self.t_closed = true;
        }
        // Plaintext that arrived before a fatal error is still handed out first.
        if had_plaintext && r.is_ok() {
            return;
        }
        self.check("read", &r);
    }

    fn t_write(&mut self, n: usize) {
        let data: Vec<u8> = (0..n).map(|i| b'a' + (i % 26) as u8).collect();
        let r = self.t.write(&data);
        if let Ok(k) = r {
            assert!(k <= data.len(), "write took {k} of {} bytes", data.len());
            self.t_written.extend(&data[..k]);
            self.t_undrained += k;
        }
        self.check("write", &r);
    }

    fn t_shutdown(&mut self) {
        let r = self.t.shutdown();
        self.check("shutdown", &r);
    }

    fn peer_sent(&self) -> &'static [u8] {
        if self.peer.sent_message {
            MESSAGE
        } else {
            &[]
        }
    }

    /// T's genuine move: handshake until done, then read.
    fn t_step(&mut self) {
        if self.t.is_handshake_done() {
            self.t_read(16 * 1024, false);
        } else {
            self.t_handshake();
        }
    }

    fn t_to_peer(&mut self) {
        let out = drain(&mut self.t, std::mem::take(&mut self.t_undrained));
        trace(|| format!("T -> P {} bytes", out.len()));
        self.peer.conn.bio_write(&out);
    }

    fn deliver(&mut self, flight: &[u8]) {
        match self.delivery {
            Delivery::Whole => {
                self.t.bio_write(flight);
                self.t_step();
            }
            Delivery::WholeThenEof => {
                self.t.bio_write(flight);
                self.t.bio_shutdown();
                self.t_step();
            }
            Delivery::Bytewise => {
                let size = flight.len().div_ceil(MAX_BYTEWISE).max(1);
                for chunk in flight.chunks(size) {
                    self.t.bio_write(chunk);
                    self.t_step();
                }
            }
            Delivery::PerRecord => {
                for rec in records(flight) {
                    self.t.bio_write(&rec);
                    self.t_step();
                }
            }
        }
    }

    /// The genuine exchange with `edit` in place of flight `stage`.
    pub fn exchange(&mut self, stage: usize, edit: &Edit<'_>) {
        let mut injected = false;
        for _ in 0..ROUNDS {
            self.peer.step();
            let flight = drain(&mut self.peer.conn, MESSAGE.len());
            if !flight.is_empty() {
                let index = self.flights.len();
                self.flights.push(flight.clone());
                if index == stage {
                    injected = true;
                    self.deliver(&edited(&flight, edit));
                } else {
                    self.deliver(&flight);
                }
            } else {
                self.t_step();
            }
            self.t_to_peer();
        }
        if !injected {
            self.deliver(&edited(&[], edit));
            self.t_to_peer();
        }
    }

    /// With nothing edited, the session must have worked end to end.
    pub fn check_genuine(&self) {
        assert!(self.fatal.is_none(), "genuine session failed: {:?}", self.fatal);
        assert!(self.t.is_handshake_done(), "genuine handshake did not finish");
        assert_eq!(self.t_received, MESSAGE, "genuine message not received");
        assert!(self.t_closed, "genuine close_notify not seen");
    }

    /// One extra action on T, chosen by an input byte.
    pub fn act(&mut self, byte: u8) {
        let arg = usize::from(byte >> 3);
        trace(|| format!("action {} arg {arg}", byte & 7));
        match byte & 7 {
            0 => self.t_handshake(),
            1 => self.t_read(arg * 600 + 1, false),
            2 => self.t_read(arg + 1, true),
            3 => self.t_write(arg * 700),
            4 => self.t_shutdown(),
            5 => self.t.bio_shutdown(),
            6 => {
                self.t_to_peer();
                self.peer.step();
                let out = drain(&mut self.peer.conn, MESSAGE.len());
                self.t.bio_write(&out);
            }
            _ => {
                let _ = self.t.bio_read(arg + 1);
            }
        }
        // P, genuine, reads only what T really wrote.
        let n = self.peer.received.len();
        assert!(
            n <= self.t_written.len() && self.peer.received[..] == self.t_written[..n],
            "P read data T never sent"
        );
    }

    /// After a fatal error every operation reports it again.
    pub fn check_sticky(&mut self) {
        if self.fatal.is_some() {
            self.t_handshake();
            self.t_write(1);
            self.t_shutdown();
            if self.t.pending() == 0 {
                self.t_read(1, false);
            }
        }
    }
}

/// With FUZZ_TRACE set, prints every step (for reading a crash).
fn trace(line: impl FnOnce() -> String) {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if *ON.get_or_init(|| std::env::var_os("FUZZ_TRACE").is_some()) {
        eprintln!("{}", line());
    }
}

fn trace_r<V: std::fmt::Debug>(what: &str, r: Result<V, Error>) -> Result<V, Error> {
    trace(|| format!("{what} {r:?}"));
    r
}

/// The whole fuzz iteration for one side.
pub fn fuzz_one(side: Side, data: &[u8]) {
    let input = Input::parse(data);
    let Some(mut run) = Run::new(side, input.flags) else {
        return;
    };
    run.exchange(input.flags.stage, &input.edit);
    if input.is_genuine() && input.flags.delivery != Delivery::WholeThenEof {
        run.check_genuine();
    }
    for &b in input.actions.iter().take(MAX_ACTIONS) {
        run.act(b);
    }
    run.check_sticky();
}
