//! Every number of the public API, written once: pyOpenSSL's method numbers and OpenSSL 3's
//! option, verify, version, session-cache, shutdown and info-callback values. The binding turns
//! [`GROUPS`] into the frozen JS enums and pyOpenSSL's flat names.

/// One constant: the enum member name, pyOpenSSL's flat name, and the value.
pub type Constant = (&'static str, &'static str, u32);

pub mod method {
    pub const SSLV2: u32 = 1;
    pub const SSLV3: u32 = 2;
    pub const SSLV23: u32 = 3;
    pub const TLSV1: u32 = 4;
    pub const TLSV1_1: u32 = 5;
    pub const TLSV1_2: u32 = 6;
    pub const TLS: u32 = 7;
    pub const TLS_SERVER: u32 = 8;
    pub const TLS_CLIENT: u32 = 9;
}

pub mod verify {
    pub const NONE: u32 = 0;
    pub const PEER: u32 = 1;
    pub const FAIL_IF_NO_PEER_CERT: u32 = 2;
    pub const CLIENT_ONCE: u32 = 4;
}

pub mod filetype {
    pub const PEM: u32 = 1;
    pub const ASN1: u32 = 2;
}

pub mod version {
    pub const SSL3: u32 = 0x300;
    pub const TLS1: u32 = 0x301;
    pub const TLS1_1: u32 = 0x302;
    pub const TLS1_2: u32 = 0x303;
    pub const TLS1_3: u32 = 0x304;
}

/// OpenSSL 3's `SSL_OP_*` bits that change what this package does; the rest are accepted
/// and ignored (see [`OPTIONS`]).
pub mod op {
    pub const IGNORE_UNEXPECTED_EOF: u32 = 0x80;
    pub const NO_TICKET: u32 = 0x4000;
    pub const CIPHER_SERVER_PREFERENCE: u32 = 0x40_0000;
    pub const NO_TLSV1_2: u32 = 0x800_0000;
    pub const NO_TLSV1_3: u32 = 0x2000_0000;
}

pub mod shutdown {
    pub const SENT: u32 = 1;
    pub const RECEIVED: u32 = 2;
}

pub mod sess_cache {
    pub const OFF: u32 = 0;
    pub const CLIENT: u32 = 1;
    pub const SERVER: u32 = 2;
    pub const BOTH: u32 = 3;
}

pub mod info {
    pub const LOOP: u32 = 0x1;
    pub const EXIT: u32 = 0x2;
    pub const READ: u32 = 0x4;
    pub const WRITE: u32 = 0x8;
    pub const HANDSHAKE_START: u32 = 0x10;
    pub const HANDSHAKE_DONE: u32 = 0x20;
    pub const ST_CONNECT: u32 = 0x1000;
    pub const ST_ACCEPT: u32 = 0x2000;
    pub const ALERT: u32 = 0x4000;
}

pub const MSG_PEEK: u32 = 2;
pub const MODE_RELEASE_BUFFERS: u32 = 0x10;

pub const METHODS: &[Constant] = &[
    ("SSLv2", "SSLv2_METHOD", method::SSLV2),
    ("SSLv3", "SSLv3_METHOD", method::SSLV3),
    ("SSLv23", "SSLv23_METHOD", method::SSLV23),
    ("TLSv1", "TLSv1_METHOD", method::TLSV1),
    ("TLSv1_1", "TLSv1_1_METHOD", method::TLSV1_1),
    ("TLSv1_2", "TLSv1_2_METHOD", method::TLSV1_2),
    ("TLS", "TLS_METHOD", method::TLS),
    ("TLS_SERVER", "TLS_SERVER_METHOD", method::TLS_SERVER),
    ("TLS_CLIENT", "TLS_CLIENT_METHOD", method::TLS_CLIENT),
];

pub const VERIFY_MODES: &[Constant] = &[
    ("NONE", "VERIFY_NONE", verify::NONE),
    ("PEER", "VERIFY_PEER", verify::PEER),
    (
        "FAIL_IF_NO_PEER_CERT",
        "VERIFY_FAIL_IF_NO_PEER_CERT",
        verify::FAIL_IF_NO_PEER_CERT,
    ),
    ("CLIENT_ONCE", "VERIFY_CLIENT_ONCE", verify::CLIENT_ONCE),
];

pub const FILE_TYPES: &[Constant] = &[
    ("PEM", "FILETYPE_PEM", filetype::PEM),
    ("ASN1", "FILETYPE_ASN1", filetype::ASN1),
];

/// OpenSSL 3 values. The legacy bug-workaround bits are 0 there, and so are they here.
pub const OPTIONS: &[Constant] = &[
    ("OP_NO_SSLv2", "OP_NO_SSLv2", 0),
    ("OP_NO_SSLv3", "OP_NO_SSLv3", 0x200_0000),
    ("OP_NO_TLSv1", "OP_NO_TLSv1", 0x400_0000),
    ("OP_NO_TLSv1_1", "OP_NO_TLSv1_1", 0x1000_0000),
    ("OP_NO_TLSv1_2", "OP_NO_TLSv1_2", op::NO_TLSV1_2),
    ("OP_NO_TLSv1_3", "OP_NO_TLSv1_3", op::NO_TLSV1_3),
    ("OP_NO_COMPRESSION", "OP_NO_COMPRESSION", 0x2_0000),
    ("OP_NO_TICKET", "OP_NO_TICKET", op::NO_TICKET),
    (
        "OP_CIPHER_SERVER_PREFERENCE",
        "OP_CIPHER_SERVER_PREFERENCE",
        op::CIPHER_SERVER_PREFERENCE,
    ),
    ("OP_NO_RENEGOTIATION", "OP_NO_RENEGOTIATION", 0x4000_0000),
    (
        "OP_IGNORE_UNEXPECTED_EOF",
        "OP_IGNORE_UNEXPECTED_EOF",
        op::IGNORE_UNEXPECTED_EOF,
    ),
    ("OP_LEGACY_SERVER_CONNECT", "OP_LEGACY_SERVER_CONNECT", 0x4),
    ("OP_TLS_ROLLBACK_BUG", "OP_TLS_ROLLBACK_BUG", 0x80_0000),
    (
        "OP_DONT_INSERT_EMPTY_FRAGMENTS",
        "OP_DONT_INSERT_EMPTY_FRAGMENTS",
        0x800,
    ),
    ("OP_NO_QUERY_MTU", "OP_NO_QUERY_MTU", 0x1000),
    ("OP_COOKIE_EXCHANGE", "OP_COOKIE_EXCHANGE", 0x2000),
    ("OP_ALL", "OP_ALL", 0x8000_0850),
    ("OP_SINGLE_DH_USE", "OP_SINGLE_DH_USE", 0),
    ("OP_SINGLE_ECDH_USE", "OP_SINGLE_ECDH_USE", 0),
    ("OP_EPHEMERAL_RSA", "OP_EPHEMERAL_RSA", 0),
    ("OP_MICROSOFT_SESS_ID_BUG", "OP_MICROSOFT_SESS_ID_BUG", 0),
    ("OP_NETSCAPE_CHALLENGE_BUG", "OP_NETSCAPE_CHALLENGE_BUG", 0),
    (
        "OP_NETSCAPE_REUSE_CIPHER_CHANGE_BUG",
        "OP_NETSCAPE_REUSE_CIPHER_CHANGE_BUG",
        0,
    ),
    (
        "OP_SSLREF2_REUSE_CERT_TYPE_BUG",
        "OP_SSLREF2_REUSE_CERT_TYPE_BUG",
        0,
    ),
    (
        "OP_MICROSOFT_BIG_SSLV3_BUFFER",
        "OP_MICROSOFT_BIG_SSLV3_BUFFER",
        0,
    ),
    ("OP_MSIE_SSLV2_RSA_PADDING", "OP_MSIE_SSLV2_RSA_PADDING", 0),
    ("OP_SSLEAY_080_CLIENT_DH_BUG", "OP_SSLEAY_080_CLIENT_DH_BUG", 0),
    ("OP_TLS_D5_BUG", "OP_TLS_D5_BUG", 0),
    ("OP_TLS_BLOCK_PADDING_BUG", "OP_TLS_BLOCK_PADDING_BUG", 0),
    ("OP_PKCS1_CHECK_1", "OP_PKCS1_CHECK_1", 0),
    ("OP_PKCS1_CHECK_2", "OP_PKCS1_CHECK_2", 0),
    ("OP_NETSCAPE_CA_DN_BUG", "OP_NETSCAPE_CA_DN_BUG", 0),
    (
        "OP_NETSCAPE_DEMO_CIPHER_CHANGE_BUG",
        "OP_NETSCAPE_DEMO_CIPHER_CHANGE_BUG",
        0,
    ),
];

pub const VERSIONS: &[Constant] = &[
    ("SSL3_VERSION", "SSL3_VERSION", version::SSL3),
    ("TLS1_VERSION", "TLS1_VERSION", version::TLS1),
    ("TLS1_1_VERSION", "TLS1_1_VERSION", version::TLS1_1),
    ("TLS1_2_VERSION", "TLS1_2_VERSION", version::TLS1_2),
    ("TLS1_3_VERSION", "TLS1_3_VERSION", version::TLS1_3),
];

pub const SESSION_CACHE_MODES: &[Constant] = &[
    ("SESS_CACHE_OFF", "SESS_CACHE_OFF", sess_cache::OFF),
    ("SESS_CACHE_CLIENT", "SESS_CACHE_CLIENT", sess_cache::CLIENT),
    ("SESS_CACHE_SERVER", "SESS_CACHE_SERVER", sess_cache::SERVER),
    ("SESS_CACHE_BOTH", "SESS_CACHE_BOTH", sess_cache::BOTH),
    ("SESS_CACHE_NO_AUTO_CLEAR", "SESS_CACHE_NO_AUTO_CLEAR", 0x80),
    (
        "SESS_CACHE_NO_INTERNAL_LOOKUP",
        "SESS_CACHE_NO_INTERNAL_LOOKUP",
        0x100,
    ),
    (
        "SESS_CACHE_NO_INTERNAL_STORE",
        "SESS_CACHE_NO_INTERNAL_STORE",
        0x200,
    ),
    ("SESS_CACHE_NO_INTERNAL", "SESS_CACHE_NO_INTERNAL", 0x300),
];

pub const SHUTDOWN: &[Constant] = &[
    ("SENT_SHUTDOWN", "SENT_SHUTDOWN", shutdown::SENT),
    ("RECEIVED_SHUTDOWN", "RECEIVED_SHUTDOWN", shutdown::RECEIVED),
];

pub const INFO_CALLBACK: &[Constant] = &[
    ("SSL_ST_CONNECT", "SSL_ST_CONNECT", info::ST_CONNECT),
    ("SSL_ST_ACCEPT", "SSL_ST_ACCEPT", info::ST_ACCEPT),
    ("SSL_ST_MASK", "SSL_ST_MASK", 0xfff),
    ("SSL_CB_LOOP", "SSL_CB_LOOP", info::LOOP),
    ("SSL_CB_EXIT", "SSL_CB_EXIT", info::EXIT),
    ("SSL_CB_READ", "SSL_CB_READ", info::READ),
    ("SSL_CB_WRITE", "SSL_CB_WRITE", info::WRITE),
    ("SSL_CB_ALERT", "SSL_CB_ALERT", info::ALERT),
    ("SSL_CB_READ_ALERT", "SSL_CB_READ_ALERT", info::ALERT | info::READ),
    (
        "SSL_CB_WRITE_ALERT",
        "SSL_CB_WRITE_ALERT",
        info::ALERT | info::WRITE,
    ),
    (
        "SSL_CB_ACCEPT_LOOP",
        "SSL_CB_ACCEPT_LOOP",
        info::ST_ACCEPT | info::LOOP,
    ),
    (
        "SSL_CB_ACCEPT_EXIT",
        "SSL_CB_ACCEPT_EXIT",
        info::ST_ACCEPT | info::EXIT,
    ),
    (
        "SSL_CB_CONNECT_LOOP",
        "SSL_CB_CONNECT_LOOP",
        info::ST_CONNECT | info::LOOP,
    ),
    (
        "SSL_CB_CONNECT_EXIT",
        "SSL_CB_CONNECT_EXIT",
        info::ST_CONNECT | info::EXIT,
    ),
    (
        "SSL_CB_HANDSHAKE_START",
        "SSL_CB_HANDSHAKE_START",
        info::HANDSHAKE_START,
    ),
    (
        "SSL_CB_HANDSHAKE_DONE",
        "SSL_CB_HANDSHAKE_DONE",
        info::HANDSHAKE_DONE,
    ),
];

pub const RECV_FLAGS: &[Constant] = &[("MSG_PEEK", "MSG_PEEK", MSG_PEEK)];

/// The JS enum name for each group, in the order the package exports them.
pub const GROUPS: &[(&str, &[Constant])] = &[
    ("Method", METHODS),
    ("VerifyMode", VERIFY_MODES),
    ("FileType", FILE_TYPES),
    ("Options", OPTIONS),
    ("Version", VERSIONS),
    ("SessionCacheMode", SESSION_CACHE_MODES),
    ("Shutdown", SHUTDOWN),
    ("InfoCallback", INFO_CALLBACK),
    ("RecvFlags", RECV_FLAGS),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_names_are_unique() {
        let mut names: Vec<&str> = GROUPS.iter().flat_map(|(_, g)| g.iter().map(|c| c.1)).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(n, names.len());
    }

    #[test]
    fn op_all_is_unsigned() {
        assert!(OPTIONS.iter().any(|c| c.0 == "OP_ALL" && c.2 == 0x8000_0850));
    }
}
