#!/usr/bin/env bash
# Makes the chain-verification fixtures in js-tests/fixtures/ with the OpenSSL 3 CLI, signed by
# the CAs that scripts/gen-fixtures.sh made (ca, int, untrusted-ca), which it does not touch:
# run it alone to remake only these, or through gen-fixtures.sh, which calls it at its end.
#
# Each fixture is a chain meant to make one check fail (or several at once), and
# expected-verify-chains.json records what `openssl verify -purpose sslserver` says about it:
# the first error (what SSL_get_verify_result reports) and every error it printed (the CLI's
# callback goes on past some errors), so the tests compare the package with OpenSSL itself.
set -euo pipefail

cd "$(dirname "$0")/.."
OUT=js-tests/fixtures

log() { printf '[gen-verify-fixtures] %s\n' "$*" >&2; }
die() { printf '[gen-verify-fixtures] FATAL: %s\n' "$*" >&2; exit 1; }

command -v openssl >/dev/null || die "openssl not found"
for f in ca int untrusted-ca; do
  [ -f "$OUT/$f.pem" ] && [ -f "$OUT/$f.key" ] || die "$OUT/$f.pem/.key missing: run scripts/gen-fixtures.sh"
done

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
GOOD_START=20200101000000Z
GOOD_END=21200101000000Z
LEAF_SUBJ="/C=US/O=rustls-ssl/CN=localhost"

# shellcheck source=ca-db.sh
source scripts/ca-db.sh  # the cwd is the repository root (see the cd above)
ca_db "$WORK" 2000
cat >>"$WORK/ca.cnf" <<EOF
# A server certificate with an extension nobody knows, marked critical.
[ v3_critical_unknown ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
1.3.6.1.4.1.55555.1    = critical, ASN1:UTF8String:must be understood

# An intermediate with a critical certificatePolicies: OpenSSL understands it, rustls-webpki
# does not and refuses the chain, which the package's own checks pass and only webpki's
# second opinion stops.
[ v3_policies_critical ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always
certificatePolicies    = critical, 1.3.6.1.4.1.55555.2

# An intermediate allowed to name only example.com and never 127/8.
[ v3_nc_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
nameConstraints        = critical, permitted;DNS:example.com, excluded;IP:127.0.0.0/255.0.0.0
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# An "intermediate" that is not a CA.
[ v3_not_ca ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# A CA below int (pathlen:0), which may sign no CA.
[ v3_sub_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_weak_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

# A self-signed leaf for a name the attacker wants.
[ v3_evil ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:evil.example, DNS:localhost
subjectKeyIdentifier   = hash

# Everything wrong at once: issuer untrusted, name wrong (and dates, by the issue call).
EOF

genkey() {
  local out="$OUT/$1.key"
  case "$2" in
    rsa2048) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$out" ;;
    rsa1024) openssl genpkey -quiet -algorithm RSA -pkeyopt rsa_keygen_bits:1024 -out "$out" ;;
    p256) openssl genpkey -quiet -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
      -pkeyopt ec_param_enc:named_curve -out "$out" ;;
    *) die "unknown key kind $2" ;;
  esac
}

# issue NAME SUBJECT EXT ISSUER|self START END
issue() {
  local name=$1 subj=$2 ext=$3 issuer=$4 start=$5 end=$6
  local csr="$WORK/$name.csr" signer=()
  openssl req -new -config "$WORK/ca.cnf" -key "$OUT/$name.key" -subj "$subj" -out "$csr"
  if [ "$issuer" = self ]; then
    signer=(-selfsign -keyfile "$OUT/$name.key")
  else
    signer=(-cert "$OUT/$issuer.pem" -keyfile "$OUT/$issuer.key")
  fi
  openssl ca -batch -notext -config "$WORK/ca.cnf" "${signer[@]}" \
    -extfile "$WORK/ca.cnf" -extensions "$ext" -startdate "$start" -enddate "$end" \
    -in "$csr" -out "$OUT/$name.pem" 2>"$WORK/$name.log" ||
    { cat "$WORK/$name.log" >&2; die "openssl ca failed for $name"; }
}

chain() {
  local name=$1
  shift
  local files=("$OUT/$name.pem") p
  for p in "$@"; do files+=("$OUT/$p.pem"); done
  cat "${files[@]}" >"$OUT/$name-chain.pem"
}

log "critical unknown extension"
genkey critical-ext p256
issue critical-ext "$LEAF_SUBJ" v3_critical_unknown int "$GOOD_START" "$GOOD_END"
chain critical-ext int

log "critical certificatePolicies (OpenSSL accepts, webpki refuses)"
genkey policies-ca p256
issue policies-ca "/C=US/O=rustls-ssl/CN=rustls-ssl Policies CA" v3_policies_critical ca "$GOOD_START" "$GOOD_END"
genkey policies-leaf p256
issue policies-leaf "$LEAF_SUBJ" v3_server policies-ca "$GOOD_START" "$GOOD_END"
chain policies-leaf policies-ca

log "name-constrained intermediate and a leaf outside its constraints"
genkey nc-ca p256
issue nc-ca "/C=US/O=rustls-ssl/CN=rustls-ssl Constrained CA" v3_nc_ca ca "$GOOD_START" "$GOOD_END"
genkey nc-leaf p256
issue nc-leaf "$LEAF_SUBJ" v3_server nc-ca "$GOOD_START" "$GOOD_END"
chain nc-leaf nc-ca

log "an intermediate that is not a CA"
genkey nonca-int p256
issue nonca-int "/C=US/O=rustls-ssl/CN=rustls-ssl Not A CA" v3_not_ca ca "$GOOD_START" "$GOOD_END"
genkey nonca-leaf p256
issue nonca-leaf "$LEAF_SUBJ" v3_server nonca-int "$GOOD_START" "$GOOD_END"
chain nonca-leaf nonca-int

log "a sub-CA under int (pathlen:0)"
genkey sub-ca p256
issue sub-ca "/C=US/O=rustls-ssl/CN=rustls-ssl Sub CA" v3_sub_ca int "$GOOD_START" "$GOOD_END"
genkey pathlen-leaf p256
issue pathlen-leaf "$LEAF_SUBJ" v3_server sub-ca "$GOOD_START" "$GOOD_END"
chain pathlen-leaf sub-ca int

log "an RSA-1024 CA"
genkey weak-ca rsa1024
issue weak-ca "/C=US/O=rustls-ssl/CN=rustls-ssl Weak CA" v3_weak_ca ca "$GOOD_START" "$GOOD_END"
genkey weak-ca-leaf p256
issue weak-ca-leaf "$LEAF_SUBJ" v3_server weak-ca "$GOOD_START" "$GOOD_END"
chain weak-ca-leaf weak-ca

log "the attacker's chain: a self-signed leaf with the real root appended"
genkey evil p256
issue evil "/C=US/O=rustls-ssl/CN=evil.example" v3_evil self "$GOOD_START" "$GOOD_END"
chain evil ca

log "expired, from an untrusted issuer, for the wrong name"
genkey exp-untrusted p256
issue exp-untrusted "/C=US/O=rustls-ssl/CN=example.com" v3_wronghost untrusted-ca 20010101000000Z 20020101000000Z
chain exp-untrusted untrusted-ca

# ---------------------------------------------------------------------------------------------
log "recording openssl verify results"
ENTRIES=()

# expect KEY WANT_CODE LEAF UNTRUSTED [EXTRA ARGS...]: -CAfile ca.pem -purpose sslserver
# -verify_hostname localhost, plus EXTRA.
expect() {
  local key=$1 want=$2 leaf=$3 untrusted=$4
  shift 4
  local args=(-CAfile ca.pem -purpose sslserver -verify_hostname localhost "$@")
  [ -n "$untrusted" ] && args+=(-untrusted "$untrusted")
  local out
  out="$(cd "$OUT" && openssl verify "${args[@]}" "$leaf" 2>&1 || true)"
  local lines errors="" code depth text
  lines="$(printf '%s\n' "$out" | grep -E '^error [0-9]+ at [0-9]+ depth lookup: ' || true)"
  if [ -z "$lines" ]; then
    printf '%s\n' "$out" | grep -qx "$leaf: OK" || die "$key: cannot parse openssl verify output: $out"
    code=0 depth=0 text=ok
  else
    local first
    first="$(head -n1 <<<"$lines")"
    code="$(sed -E 's/^error ([0-9]+) at ([0-9]+) depth lookup: (.*)$/\1/' <<<"$first")"
    depth="$(sed -E 's/^error ([0-9]+) at ([0-9]+) depth lookup: (.*)$/\2/' <<<"$first")"
    text="$(sed -E 's/^error ([0-9]+) at ([0-9]+) depth lookup: (.*)$/\3/' <<<"$first")"
    errors="$(sed -E 's/^error ([0-9]+) at ([0-9]+) depth lookup: .*$/[\1, \2]/' <<<"$lines" | paste -sd'|' - | sed 's/|/, /g')"
  fi
  [ "$code" = "$want" ] || die "$key: openssl verify says $code ($text), the fixture meant $want: $out"
  ENTRIES+=("  \"$key\": { \"code\": $code, \"depth\": $depth, \"text\": \"$text\", \"errors\": [$errors], \"command\": \"openssl verify ${args[*]} $leaf\" }")
  log "$key: $code ($text) at depth $depth; all: [$errors]"
}

expect critical-ext 34 critical-ext.pem int.pem
expect policies-critical 0 policies-leaf.pem policies-ca.pem
expect name-constraints 47 nc-leaf.pem nc-ca.pem
expect non-ca 79 nonca-leaf.pem nonca-int.pem
expect pathlen 25 pathlen-leaf.pem pathlen-leaf-chain.pem
expect rsa1024 66 rsa1024.pem int.pem -auth_level 2
expect weak-ca 67 weak-ca-leaf.pem weak-ca.pem -auth_level 2
expect evil 18 evil.pem ca.pem
expect exp-untrusted 20 exp-untrusted.pem ""
expect exp-untrusted-chain 19 exp-untrusted.pem untrusted-ca.pem
expect depth0 22 server-ecdsa.pem int.pem -verify_depth 0

{
  echo "{"
  last=$((${#ENTRIES[@]} - 1))
  for i in "${!ENTRIES[@]}"; do
    if [ "$i" -lt "$last" ]; then echo "${ENTRIES[$i]},"; else echo "${ENTRIES[$i]}"; fi
  done
  echo "}"
} >"$OUT/expected-verify-chains.json"

log "done"
