#!/usr/bin/env bash
# Regenerates the certificate and key fixtures in js-tests/fixtures/ with the OpenSSL 3.0 CLI.
#
# Every run makes fresh keys, so the files change; their names and properties do not. The
# generated files are committed: tests never run this script. It checks each "good" chain with
# `openssl verify` and fails loudly if one does not verify, then records in expected-verify.json
# what `openssl verify` says about each deliberately bad chain, so the tests compare the
# package's verify results with OpenSSL's own.
#
# Validity windows are set with `openssl ca -startdate/-enddate` (OpenSSL 3.0's `x509 -req` has
# no way to set notBefore), using a throwaway CA database in a temporary directory.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=js-tests/fixtures
mkdir -p "$OUT"

log() { printf '[gen-fixtures] %s\n' "$*" >&2; }
die() { printf '[gen-fixtures] FATAL: %s\n' "$*" >&2; exit 1; }

command -v openssl >/dev/null || die "openssl not found"
case "$(openssl version)" in
  "OpenSSL 3."*) ;;
  *) die "needs the OpenSSL 3 CLI, found: $(openssl version)" ;;
esac

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# "Good" certificates: 2020-01-01 for a hundred years.
GOOD_START=20200101000000Z
GOOD_END=21200101000000Z

# ---------------------------------------------------------------------------------------------
# The throwaway CA database and the extension sections every certificate picks from.
# shellcheck source=ca-db.sh
source scripts/ca-db.sh  # the cwd is the repository root (see the cd above)
ca_db "$WORK" 1000
cat >>"$WORK/ca.cnf" <<EOF
[ v3_root ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_int ]
basicConstraints       = critical, CA:TRUE, pathlen:0
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_server_rsa ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_selfsigned ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier   = hash

[ v3_client ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
EOF

# ---------------------------------------------------------------------------------------------
# Helpers.

# genkey NAME rsa2048|rsa1024|p256|p384|ed25519: a PKCS#8 PEM private key in $OUT/NAME.key.
genkey() {
  local name=$1 kind=$2 out="$OUT/$1.key"
  case "$kind" in
    rsa2048) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out" ;;
    rsa1024) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$out" ;;
    p256) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
      -pkeyopt ec_param_enc:named_curve -out "$out" ;;
    p384) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-384 \
      -pkeyopt ec_param_enc:named_curve -out "$out" ;;
    ed25519) openssl genpkey -quiet -algorithm ED25519 -out "$out" ;;
    *) die "unknown key kind $kind" ;;
  esac
}

# issue NAME SUBJECT EXT ISSUER|self START END: signs $OUT/NAME.key's request into $OUT/NAME.pem.
# ISSUER names a fixture (its .pem and .key); "self" makes a self-signed certificate.
issue() {
  local name=$1 subj=$2 ext=$3 issuer=$4 start=$5 end=$6
  local csr="$WORK/$name.csr"
  openssl req -new -config "$WORK/ca.cnf" -key "$OUT/$name.key" -subj "$subj" -out "$csr"
  local signer=()
  if [ "$issuer" = self ]; then
    signer=(-selfsign -keyfile "$OUT/$name.key")
  else
    signer=(-cert "$OUT/$issuer.pem" -keyfile "$OUT/$issuer.key")
  fi
  openssl ca -batch -notext -config "$WORK/ca.cnf" "${signer[@]}" \
    -extfile "$WORK/ca.cnf" -extensions "$ext" \
    -startdate "$start" -enddate "$end" \
    -in "$csr" -out "$OUT/$name.pem" 2>"$WORK/$name.ca.log" ||
    { cat "$WORK/$name.ca.log" >&2; die "openssl ca failed for $name"; }
  # The key must belong to the certificate.
  [ "$(openssl x509 -in "$OUT/$name.pem" -noout -pubkey)" = \
    "$(openssl pkey -in "$OUT/$name.key" -pubout)" ] || die "$name.key does not match $name.pem"
}

# chain NAME PARTS...: $OUT/NAME-chain.pem = NAME.pem followed by the PARTS' .pem files.
chain() {
  local name=$1
  shift
  local files=("$OUT/$name.pem")
  local p
  for p in "$@"; do files+=("$OUT/$p.pem"); done
  cat "${files[@]}" >"$OUT/$name-chain.pem"
}

# der NAME: the certificate in DER as $OUT/NAME.der.
der() { openssl x509 -in "$OUT/$1.pem" -outform DER -out "$OUT/$1.der"; }

# must_verify NAME PURPOSE [UNTRUSTED] [HOST]: a good chain must verify, or the script stops.
must_verify() {
  local name=$1 purpose=$2 untrusted=${3:-} host=${4:-}
  local args=(-CAfile "$OUT/ca.pem" -purpose "$purpose")
  [ -n "$untrusted" ] && args+=(-untrusted "$OUT/$untrusted.pem")
  [ -n "$host" ] && args+=(-verify_hostname "$host")
  local out
  out="$(openssl verify "${args[@]}" "$OUT/$name.pem" 2>&1)" ||
    die "good chain $name does not verify: $out"
  [ "$out" = "$OUT/$name.pem: OK" ] || die "good chain $name: unexpected output: $out"
  log "verified $name ($purpose${host:+, host $host})"
}

# ---------------------------------------------------------------------------------------------
# The trusted hierarchy: an RSA root and an ECDSA P-256 intermediate.
log "root and intermediate"
genkey ca rsa2048
issue ca "/C=US/O=rustls-ssl/CN=rustls-ssl Test Root CA" v3_root self "$GOOD_START" "$GOOD_END"
genkey int p256
issue int "/C=US/O=rustls-ssl/CN=rustls-ssl Test Intermediate CA" v3_int ca "$GOOD_START" "$GOOD_END"

LEAF_SUBJ="/C=US/O=rustls-ssl/CN=localhost"

log "good server certificates"
genkey server-rsa rsa2048
issue server-rsa "$LEAF_SUBJ" v3_server_rsa int "$GOOD_START" "$GOOD_END"
chain server-rsa int
genkey server-ecdsa p256
issue server-ecdsa "$LEAF_SUBJ" v3_server int "$GOOD_START" "$GOOD_END"
chain server-ecdsa int
genkey server-p384 p384
issue server-p384 "$LEAF_SUBJ" v3_server int "$GOOD_START" "$GOOD_END"
chain server-p384 int
# Signed by the root itself, so its chain is the leaf alone.
genkey server-ed25519 ed25519
issue server-ed25519 "$LEAF_SUBJ" v3_server ca "$GOOD_START" "$GOOD_END"
chain server-ed25519

log "client certificate"
genkey client p256
issue client "/C=US/O=rustls-ssl/CN=test client" v3_client int "$GOOD_START" "$GOOD_END"
chain client int

log "bad server certificates"
genkey expired p256
issue expired "$LEAF_SUBJ" v3_server int 20010101000000Z 20020101000000Z
chain expired int
genkey notyet p256
issue notyet "$LEAF_SUBJ" v3_server int 20900101000000Z 21000101000000Z
chain notyet int
genkey wronghost p256
issue wronghost "/C=US/O=rustls-ssl/CN=example.com" v3_wronghost int "$GOOD_START" "$GOOD_END"
chain wronghost int
genkey selfsigned p256
issue selfsigned "$LEAF_SUBJ" v3_selfsigned self "$GOOD_START" "$GOOD_END"
# A root nobody trusts, signing a leaf that is otherwise fine. untrusted-leaf-chain.pem also
# carries the untrusted root (OpenSSL then says 19, "self-signed certificate in chain").
genkey untrusted-ca rsa2048
issue untrusted-ca "/C=US/O=rustls-ssl/CN=rustls-ssl Untrusted Root CA" v3_root self "$GOOD_START" "$GOOD_END"
genkey untrusted-leaf p256
issue untrusted-leaf "$LEAF_SUBJ" v3_server untrusted-ca "$GOOD_START" "$GOOD_END"
chain untrusted-leaf untrusted-ca
# A CA that copies the name of a Mozilla root (ISRG Root X1, PrintableStrings as in the real
# one) with a key of its own, and a leaf it signs. Without the bundled roots the leaf's issuer
# is unknown (20); with them, path building reaches the real ISRG Root X1, whose key did not
# sign it (7): so a test can tell whether the bundled roots were loaded (src/ssl/roots.rs).
# `openssl ca` would re-encode the name, so req -x509 and x509 -req make these two.
cat >"$WORK/lookalike.cnf" <<'CNF'
[req]
distinguished_name = dn
string_mask = nombstr
prompt = no
[dn]
C = US
O = Internet Security Research Group
CN = ISRG Root X1
[root]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
[leaf]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = DNS:localhost
CNF
genkey lookalike-ca rsa2048
openssl req -x509 -new -config "$WORK/lookalike.cnf" -extensions root -key "$OUT/lookalike-ca.key" \
  -not_before "$GOOD_START" -not_after "$GOOD_END" -out "$OUT/lookalike-ca.pem" 2>/dev/null ||
  openssl req -x509 -new -config "$WORK/lookalike.cnf" -extensions root -key "$OUT/lookalike-ca.key" \
    -days 36500 -out "$OUT/lookalike-ca.pem"
genkey lookalike-leaf p256
openssl req -new -key "$OUT/lookalike-leaf.key" -subj /CN=localhost -out "$WORK/lookalike-leaf.csr"
openssl x509 -req -in "$WORK/lookalike-leaf.csr" -CA "$OUT/lookalike-ca.pem" \
  -CAkey "$OUT/lookalike-ca.key" -set_serial 7 -days 36500 -extfile "$WORK/lookalike.cnf" \
  -extensions leaf -out "$OUT/lookalike-leaf.pem" 2>/dev/null
[ "$(openssl asn1parse -in "$OUT/lookalike-leaf.pem" | grep -c PRINTABLESTRING)" = 3 ] ||
  die "lookalike-leaf's issuer is not ISRG Root X1's name in PrintableStrings"
# Too small for rustls (and for OpenSSL's default security level 2 in TLS).
genkey rsa1024 rsa1024
issue rsa1024 "$LEAF_SUBJ" v3_server_rsa int "$GOOD_START" "$GOOD_END"
chain rsa1024 int

# ---------------------------------------------------------------------------------------------
log "key format variants"
# RSA: PKCS#8 (the default .key), PKCS#1, and both in DER.
cp "$OUT/server-rsa.key" "$OUT/server-rsa-pkcs8.key"
openssl rsa -in "$OUT/server-rsa.key" -traditional -out "$OUT/server-rsa-pkcs1.key" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$OUT/server-rsa.key" -outform DER -out "$OUT/server-rsa-key.der"
openssl rsa -in "$OUT/server-rsa.key" -traditional -outform DER -out "$OUT/server-rsa-pkcs1-key.der" 2>/dev/null
# ECDSA: PKCS#8 (the default .key), SEC1, both in DER, and an encrypted PKCS#8.
cp "$OUT/server-ecdsa.key" "$OUT/server-ecdsa-pkcs8.key"
openssl ec -in "$OUT/server-ecdsa.key" -out "$OUT/server-ecdsa-sec1.key" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in "$OUT/server-ecdsa.key" -outform DER -out "$OUT/server-ecdsa-key.der"
openssl ec -in "$OUT/server-ecdsa.key" -outform DER -out "$OUT/server-ecdsa-sec1-key.der" 2>/dev/null
openssl pkcs8 -topk8 -v2 aes-256-cbc -passout pass:secret -in "$OUT/server-ecdsa.key" \
  -out "$OUT/server-ecdsa-encrypted.key"
# The client key in DER too, for FILETYPE_ASN1 client identities.
openssl pkcs8 -topk8 -nocrypt -in "$OUT/client.key" -outform DER -out "$OUT/client-key.der"

grep -q -- '-----BEGIN RSA PRIVATE KEY-----' "$OUT/server-rsa-pkcs1.key" || die "server-rsa-pkcs1.key is not PKCS#1"
grep -q -- '-----BEGIN PRIVATE KEY-----' "$OUT/server-rsa-pkcs8.key" || die "server-rsa-pkcs8.key is not PKCS#8"
grep -q -- '-----BEGIN EC PRIVATE KEY-----' "$OUT/server-ecdsa-sec1.key" || die "server-ecdsa-sec1.key is not SEC1"
grep -q -- '-----BEGIN PRIVATE KEY-----' "$OUT/server-ecdsa-pkcs8.key" || die "server-ecdsa-pkcs8.key is not PKCS#8"
grep -q -- '-----BEGIN ENCRYPTED PRIVATE KEY-----' "$OUT/server-ecdsa-encrypted.key" ||
  die "server-ecdsa-encrypted.key is not encrypted PKCS#8"
openssl pkey -in "$OUT/server-ecdsa-encrypted.key" -passin pass:secret -noout ||
  die "server-ecdsa-encrypted.key does not decrypt with 'secret'"

log "DER certificates"
for n in ca int server-rsa server-ecdsa server-p384 server-ed25519 client expired notyet \
  wronghost selfsigned untrusted-ca untrusted-leaf rsa1024; do
  der "$n"
done

# ---------------------------------------------------------------------------------------------
log "checking the good chains"
must_verify ca any
must_verify int any
must_verify server-rsa sslserver int localhost
must_verify server-ecdsa sslserver int localhost
must_verify server-p384 sslserver int localhost
must_verify server-ed25519 sslserver "" localhost
must_verify client sslclient int
must_verify rsa1024 sslserver int localhost
# IP addresses are checked against the IP SAN.
openssl verify -CAfile "$OUT/ca.pem" -untrusted "$OUT/int.pem" -verify_ip 127.0.0.1 \
  "$OUT/server-ecdsa.pem" >/dev/null 2>&1 || die "server-ecdsa does not verify for 127.0.0.1"
# A self-signed leaf loaded as a trust anchor is accepted (pinning).
openssl verify -CAfile "$OUT/selfsigned.pem" -verify_hostname localhost "$OUT/selfsigned.pem" \
  >/dev/null 2>&1 || die "pinned selfsigned.pem does not verify against itself"

# ---------------------------------------------------------------------------------------------
# expected-verify.json: what `openssl verify` says about each bad chain. The first error
# printed ("error N at D depth lookup: TEXT") is the one an OpenSSL client's
# SSL_get_verify_result reports.
log "recording openssl verify results"
ENTRIES=()

# expect KEY WANT_CODE LEAF CAFILE UNTRUSTED HOSTFLAG HOSTVALUE
expect() {
  local key=$1 want=$2 leaf=$3 cafile=$4 untrusted=$5 hostflag=$6 host=$7
  local args=(-CAfile "$cafile")
  [ -n "$untrusted" ] && args+=(-untrusted "$untrusted")
  [ -n "$hostflag" ] && args+=("$hostflag" "$host")
  local out
  out="$(cd "$OUT" && openssl verify "${args[@]}" "$leaf" 2>&1 || true)"
  local line code depth text
  line="$(printf '%s\n' "$out" | grep -E '^error [0-9]+ at [0-9]+ depth lookup: ' | head -n1 || true)"
  if [ -z "$line" ]; then
    if printf '%s\n' "$out" | grep -qx "$leaf: OK"; then
      code=0 depth=0 text=ok
    else
      die "$key: cannot parse openssl verify output: $out"
    fi
  else
    code="$(sed -E 's/^error ([0-9]+) at ([0-9]+) depth lookup: (.*)$/\1/' <<<"$line")"
    depth="$(sed -E 's/^error ([0-9]+) at ([0-9]+) depth lookup: (.*)$/\2/' <<<"$line")"
    text="$(sed -E 's/^error ([0-9]+) at ([0-9]+) depth lookup: (.*)$/\3/' <<<"$line")"
  fi
  [ "$code" = "$want" ] || die "$key: openssl verify says $code ($text), the fixture meant $want: $out"
  local cmd="openssl verify ${args[*]} $leaf"
  text="${text//\\/\\\\}"
  text="${text//\"/\\\"}"
  local hostjson=null
  [ -n "$host" ] && hostjson="\"$host\""
  ENTRIES+=("  \"$key\": { \"code\": $code, \"depth\": $depth, \"text\": \"$text\", \"host\": $hostjson, \"command\": \"$cmd\" }")
  log "$key: $code ($text) at depth $depth"
}

expect expired 10 expired.pem ca.pem int.pem -verify_hostname localhost
expect notyet 9 notyet.pem ca.pem int.pem -verify_hostname localhost
expect wronghost 62 wronghost.pem ca.pem int.pem -verify_hostname localhost
expect selfsigned 18 selfsigned.pem ca.pem "" -verify_hostname localhost
# The untrusted leaf alone, and with its (untrusted, self-signed) root in the chain.
expect untrusted 20 untrusted-leaf.pem ca.pem "" -verify_hostname localhost
expect untrusted-chain 19 untrusted-leaf.pem ca.pem untrusted-ca.pem -verify_hostname localhost
# A good certificate, checked against an IP address it does not carry.
expect wrongip 64 server-ecdsa.pem ca.pem int.pem -verify_ip 127.0.0.2
# Good chains, for comparison.
expect good-rsa 0 server-rsa.pem ca.pem int.pem -verify_hostname localhost
expect good-ecdsa 0 server-ecdsa.pem ca.pem int.pem -verify_hostname localhost
expect good-ip 0 server-ecdsa.pem ca.pem int.pem -verify_ip 127.0.0.1
expect selfsigned-pinned 0 selfsigned.pem selfsigned.pem "" -verify_hostname localhost

{
  echo "{"
  last=$((${#ENTRIES[@]} - 1))
  for i in "${!ENTRIES[@]}"; do
    if [ "$i" -lt "$last" ]; then echo "${ENTRIES[$i]},"; else echo "${ENTRIES[$i]}"; fi
  done
  echo "}"
} >"$OUT/expected-verify.json"

# ---------------------------------------------------------------------------------------------
cat >"$OUT/README.md" <<'EOF'
# Test fixtures

These certificates and keys were made by `scripts/gen-fixtures.sh` with the OpenSSL 3.0 CLI
(`openssl genpkey`, `req` and `ca -startdate/-enddate` against a throwaway CA database), and are
committed so that tests never generate them; rerun the script to regenerate all of them (keys
change, names and properties stay). `ca.pem` (RSA 2048, `CN=rustls-ssl Test Root CA`) is the
trusted root and `int.pem` (ECDSA P-256, `pathlen:0`) the intermediate that signs most leaves;
"good" certificates are valid from 2020-01-01 to 2120-01-01. `server-{rsa,ecdsa,p384,ed25519}`
are `CN=localhost` with SANs `DNS:localhost, IP:127.0.0.1` (ed25519 signed by the root
directly), `client` is `CN=test client` for clientAuth, and each `NAME-chain.pem` is the leaf
followed by the intermediates a server sends. `expired` (2001–2002), `notyet` (2090–2100),
`wronghost` (SAN `DNS:example.com` only), `selfsigned` (self-signed, `CA:FALSE`),
`untrusted-leaf` (signed by `untrusted-ca`, which no test trusts) and `rsa1024` (a key too small)
are the bad cases; key variants are `*-pkcs1.key`, `*-pkcs8.key`, `*-sec1.key`, `*-key.der`,
`*-pkcs1-key.der`, `*-sec1-key.der` and `server-ecdsa-encrypted.key` (PKCS#8, AES-256-CBC,
passphrase `secret`); `*.der` holds each certificate in DER. `expected-verify.json` records, for
each bad chain, the first error `openssl verify -CAfile ca.pem -untrusted <intermediates>
-verify_hostname localhost` printed (code, depth and text), so the tests compare
`getVerifyResult()` with what OpenSSL itself says; the script also fails if any good chain does
not verify. `lookalike-ca` copies ISRG Root X1's name byte for byte with a key of its own and
signs `lookalike-leaf`: a client with the bundled Mozilla roots reaches the real root and fails
on its key (7), one without them cannot find the issuer (20).
EOF

# The chain-verification fixtures, signed by the CAs above.
bash scripts/gen-verify-fixtures.sh

log "done: $(find "$OUT" -maxdepth 1 -type f | wc -l) files in $OUT"
