# Sourced by scripts/gen-fixtures.sh and scripts/gen-verify-fixtures.sh: the throwaway
# `openssl ca` database both sign with, and the head of its config with the extension sections
# both use (the others each script appends are its own). Validity windows are set per certificate with
# `openssl ca -startdate/-enddate`, which is why a CA database is needed at all.

# ca_db DIR FIRST_SERIAL: makes DIR/db and writes DIR/ca.cnf up to the extension sections.
ca_db() {
  local dir=$1 serial=$2
  mkdir -p "$dir/db/new"
  : >"$dir/db/index.txt"
  echo "$serial" >"$dir/db/serial"
  cat >"$dir/ca.cnf" <<EOF
[ ca ]
default_ca = test_ca

[ test_ca ]
dir               = $dir/db
database          = \$dir/index.txt
new_certs_dir     = \$dir/new
serial            = \$dir/serial
default_md        = sha256
policy            = policy_any
unique_subject    = no
preserve          = yes
email_in_dn       = no
copy_extensions   = none
default_days      = 36500

[ policy_any ]
countryName            = optional
stateOrProvinceName    = optional
localityName           = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied

[ req ]
distinguished_name = req_dn
prompt             = no
[ req_dn ]
CN = placeholder

[ v3_server ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:localhost, IP:127.0.0.1
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ v3_wronghost ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectAltName         = DNS:example.com
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

EOF
}
