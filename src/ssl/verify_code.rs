//! OpenSSL 3's X509 verify result numbers (`X509_V_*`), each written once, with the reason
//! string OpenSSL's `X509_verify_cert_error_string` gives for it.

/// An `X509_V_*` code. A newtype, so an unknown number is data rather than an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VerifyCode(pub i32);

macro_rules! verify_codes {
    ($($name:ident = $value:expr, $reason:expr;)*) => {
        impl VerifyCode {
            $(pub const $name: VerifyCode = VerifyCode($value);)*

            /// `(name without X509_V_, value)`, for `X509VerificationCodes`.
            pub const ALL: &'static [(&'static str, i32)] = &[$((stringify!($name), $value)),*];

            pub fn reason(self) -> &'static str {
                match self.0 {
                    $($value => $reason,)*
                    _ => "unknown certificate verification error",
                }
            }

            /// The name without `X509_V_` (`ERR_CERT_HAS_EXPIRED`), if OpenSSL 3 has one.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $($value => Some(stringify!($name)),)*
                    _ => None,
                }
            }
        }
    };
}

verify_codes! {
    OK = 0, "ok";
    ERR_UNSPECIFIED = 1, "unspecified certificate verification error";
    ERR_UNABLE_TO_GET_ISSUER_CERT = 2, "unable to get issuer certificate";
    ERR_UNABLE_TO_GET_CRL = 3, "unable to get crl";
    ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE = 4, "unable to decrypt cert signature";
    ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE = 5, "unable to decrypt crl signature";
    ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY = 6, "unable to decode issuer public key";
    ERR_CERT_SIGNATURE_FAILURE = 7, "certificate signature failure";
    ERR_CRL_SIGNATURE_FAILURE = 8, "crl signature failure";
    ERR_CERT_NOT_YET_VALID = 9, "certificate is not yet valid";
    ERR_CERT_HAS_EXPIRED = 10, "certificate has expired";
    ERR_CRL_NOT_YET_VALID = 11, "crl not yet valid";
    ERR_CRL_HAS_EXPIRED = 12, "crl has expired";
    ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD = 13, "error in cert not before field";
    ERR_ERROR_IN_CERT_NOT_AFTER_FIELD = 14, "error in cert not after field";
    ERR_ERROR_IN_CRL_LAST_UPDATE_FIELD = 15, "error in crl last update field";
    ERR_ERROR_IN_CRL_NEXT_UPDATE_FIELD = 16, "error in crl next update field";
    ERR_OUT_OF_MEM = 17, "out of mem";
    ERR_DEPTH_ZERO_SELF_SIGNED_CERT = 18, "self-signed certificate";
    ERR_SELF_SIGNED_CERT_IN_CHAIN = 19, "self-signed certificate in certificate chain";
    ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY = 20, "unable to get local issuer certificate";
    ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE = 21, "unable to verify the first certificate";
    ERR_CERT_CHAIN_TOO_LONG = 22, "certificate chain too long";
    ERR_CERT_REVOKED = 23, "certificate revoked";
    ERR_NO_ISSUER_PUBLIC_KEY = 24, "no issuer public key";
    ERR_PATH_LENGTH_EXCEEDED = 25, "path length constraint exceeded";
    ERR_INVALID_PURPOSE = 26, "unsupported certificate purpose";
    ERR_CERT_UNTRUSTED = 27, "certificate not trusted";
    ERR_CERT_REJECTED = 28, "certificate rejected";
    ERR_SUBJECT_ISSUER_MISMATCH = 29, "subject issuer mismatch";
    ERR_AKID_SKID_MISMATCH = 30, "akid skid mismatch";
    ERR_AKID_ISSUER_SERIAL_MISMATCH = 31, "akid issuer serial mismatch";
    ERR_KEYUSAGE_NO_CERTSIGN = 32, "key usage does not include certificate signing";
    ERR_UNABLE_TO_GET_CRL_ISSUER = 33, "unable to get crl issuer";
    ERR_UNHANDLED_CRITICAL_EXTENSION = 34, "unhandled critical extension";
    ERR_KEYUSAGE_NO_CRL_SIGN = 35, "keyusage no crl sign";
    ERR_UNHANDLED_CRITICAL_CRL_EXTENSION = 36, "unhandled critical crl extension";
    ERR_INVALID_NON_CA = 37, "invalid non-CA certificate (has CA markings)";
    ERR_PROXY_PATH_LENGTH_EXCEEDED = 38, "proxy path length exceeded";
    ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE = 39, "keyusage no digital signature";
    ERR_PROXY_CERTIFICATES_NOT_ALLOWED = 40, "proxy certificates not allowed";
    ERR_INVALID_EXTENSION = 41, "invalid or inconsistent certificate extension";
    ERR_INVALID_POLICY_EXTENSION = 42, "invalid policy extension";
    ERR_NO_EXPLICIT_POLICY = 43, "no explicit policy";
    ERR_DIFFERENT_CRL_SCOPE = 44, "different crl scope";
    ERR_UNSUPPORTED_EXTENSION_FEATURE = 45, "unsupported extension feature";
    ERR_UNNESTED_RESOURCE = 46, "unnested resource";
    ERR_PERMITTED_VIOLATION = 47, "permitted subtree violation";
    ERR_EXCLUDED_VIOLATION = 48, "excluded subtree violation";
    ERR_SUBTREE_MINMAX = 49, "subtree minmax";
    ERR_APPLICATION_VERIFICATION = 50, "application verification failure";
    ERR_UNSUPPORTED_CONSTRAINT_TYPE = 51, "unsupported constraint type";
    ERR_UNSUPPORTED_CONSTRAINT_SYNTAX = 52, "unsupported constraint syntax";
    ERR_UNSUPPORTED_NAME_SYNTAX = 53, "unsupported or invalid name syntax";
    ERR_CRL_PATH_VALIDATION_ERROR = 54, "crl path validation error";
    ERR_PATH_LOOP = 55, "path loop";
    ERR_SUITE_B_INVALID_VERSION = 56, "suite b invalid version";
    ERR_SUITE_B_INVALID_ALGORITHM = 57, "suite b invalid algorithm";
    ERR_SUITE_B_INVALID_CURVE = 58, "suite b invalid curve";
    ERR_SUITE_B_INVALID_SIGNATURE_ALGORITHM = 59, "suite b invalid signature algorithm";
    ERR_SUITE_B_LOS_NOT_ALLOWED = 60, "suite b los not allowed";
    ERR_SUITE_B_CANNOT_SIGN_P_384_WITH_P_256 = 61, "suite b cannot sign p 384 with p 256";
    ERR_HOSTNAME_MISMATCH = 62, "hostname mismatch";
    ERR_EMAIL_MISMATCH = 63, "email address mismatch";
    ERR_IP_ADDRESS_MISMATCH = 64, "IP address mismatch";
    ERR_DANE_NO_MATCH = 65, "dane no match";
    ERR_EE_KEY_TOO_SMALL = 66, "EE certificate key too weak";
    ERR_CA_KEY_TOO_SMALL = 67, "CA certificate key too weak";
    ERR_CA_MD_TOO_WEAK = 68, "ca md too weak";
    ERR_INVALID_CALL = 69, "invalid call";
    ERR_STORE_LOOKUP = 70, "store lookup";
    ERR_NO_VALID_SCTS = 71, "no valid scts";
    ERR_PROXY_SUBJECT_NAME_VIOLATION = 72, "proxy subject name violation";
    ERR_OCSP_VERIFY_NEEDED = 73, "ocsp verify needed";
    ERR_OCSP_VERIFY_FAILED = 74, "ocsp verify failed";
    ERR_OCSP_CERT_UNKNOWN = 75, "ocsp cert unknown";
    ERR_UNSUPPORTED_SIGNATURE_ALGORITHM = 76, "cannot find certificate signature algorithm";
    ERR_SIGNATURE_ALGORITHM_MISMATCH = 77, "signature algorithm mismatch";
    ERR_SIGNATURE_ALGORITHM_INCONSISTENCY = 78, "signature algorithm inconsistency";
    ERR_INVALID_CA = 79, "invalid CA certificate";
    ERR_PATHLEN_INVALID_FOR_NON_CA = 80, "pathlen invalid for non ca";
    ERR_PATHLEN_WITHOUT_KU_KEY_CERT_SIGN = 81, "pathlen without ku key cert sign";
    ERR_KU_KEY_CERT_SIGN_INVALID_FOR_NON_CA = 82, "ku key cert sign invalid for non ca";
    ERR_ISSUER_NAME_EMPTY = 83, "issuer name empty";
    ERR_SUBJECT_NAME_EMPTY = 84, "subject name empty";
    ERR_MISSING_AUTHORITY_KEY_IDENTIFIER = 85, "missing authority key identifier";
    ERR_MISSING_SUBJECT_KEY_IDENTIFIER = 86, "missing subject key identifier";
    ERR_EMPTY_SUBJECT_ALT_NAME = 87, "empty subject alt name";
    ERR_EMPTY_SUBJECT_SAN_NOT_CRITICAL = 88, "empty subject san not critical";
    ERR_CA_BCONS_NOT_CRITICAL = 89, "ca bcons not critical";
    ERR_AUTHORITY_KEY_IDENTIFIER_CRITICAL = 90, "authority key identifier critical";
    ERR_SUBJECT_KEY_IDENTIFIER_CRITICAL = 91, "subject key identifier critical";
    ERR_CA_CERT_MISSING_KEY_USAGE = 92, "ca cert missing key usage";
    ERR_EXTENSIONS_REQUIRE_VERSION_3 = 93, "extensions require version 3";
    ERR_EC_KEY_EXPLICIT_PARAMS = 94, "ec key explicit params";
}

impl VerifyCode {
    /// Node's `err.code` for this result: the OpenSSL name without `X509_V_ERR_`, as Node's
    /// `X509ErrorCode` writes it, except that a name mismatch is the error Node's own host check
    /// throws. Node's table stops at the codes OpenSSL 1.0 had (it says `UNSPECIFIED` beyond);
    /// the same rule carries on past it, so `UNHANDLED_CRITICAL_EXTENSION` says what happened.
    pub fn node_code(self) -> &'static str {
        match self {
            VerifyCode::ERR_HOSTNAME_MISMATCH | VerifyCode::ERR_IP_ADDRESS_MISMATCH => {
                "ERR_TLS_CERT_ALTNAME_INVALID"
            }
            _ => match self.name() {
                Some(name) => name.strip_prefix("ERR_").unwrap_or(name),
                None => "UNSPECIFIED",
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::VerifyCode;

    #[test]
    fn node_codes_are_nodes_names() {
        let cases = [
            (9, "CERT_NOT_YET_VALID"),
            (10, "CERT_HAS_EXPIRED"),
            (18, "DEPTH_ZERO_SELF_SIGNED_CERT"),
            (19, "SELF_SIGNED_CERT_IN_CHAIN"),
            (20, "UNABLE_TO_GET_ISSUER_CERT_LOCALLY"),
            (21, "UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
            (22, "CERT_CHAIN_TOO_LONG"),
            (25, "PATH_LENGTH_EXCEEDED"),
            (26, "INVALID_PURPOSE"),
            (7, "CERT_SIGNATURE_FAILURE"),
            (34, "UNHANDLED_CRITICAL_EXTENSION"),
            (79, "INVALID_CA"),
            (62, "ERR_TLS_CERT_ALTNAME_INVALID"),
            (64, "ERR_TLS_CERT_ALTNAME_INVALID"),
            (63, "EMAIL_MISMATCH"),
            (1000, "UNSPECIFIED"),
            (-1, "UNSPECIFIED"),
        ];
        for (n, code) in cases {
            assert_eq!(VerifyCode(n).node_code(), code, "{n}");
        }
        for &(name, value) in VerifyCode::ALL {
            assert_eq!(VerifyCode(value).name(), Some(name));
        }
    }
}
