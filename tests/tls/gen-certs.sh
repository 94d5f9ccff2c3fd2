#!/usr/bin/env bash
# gen-certs.sh DIR: the certificates the TLS tests use, made fresh with the
# openssl command each run (nothing secret or expiring lives in git):
#   ca.pem / ca.key            the test CA
#   server.pem / server.key    CN=localhost, SAN DNS:localhost, IP:127.0.0.1,
#                              IP:::1 (issued by ca)
#   client.pem / client.key    CN=alice, O=typerpc tests, SAN
#                              URI:spiffe://typerpc.test/alice,
#                              DNS:alice.typerpc.test (issued by ca; client
#                              auth)
#   other-ca.pem / .key        a second CA nobody trusts
#   other-server.pem / .key    like server.pem, issued by other-ca
#   other-client.pem / .key    a client certificate issued by other-ca
#   expired.pem / expired.key  like server.pem but expired (issued by ca)
#   wronghost.pem / .key       SAN DNS:wrong.example only (issued by ca)
# Keys are EC P-256 (fast to make and to use).
set -euo pipefail
dir=$1
mkdir -p "$dir"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

ca() { # ca NAME CN
    key "$1.key"
    openssl req -x509 -new -key "$1.key" -subj "/CN=$2/O=typerpc tests" -days 30 \
        -addext "basicConstraints=critical,CA:TRUE" \
        -addext "keyUsage=critical,keyCertSign,cRLSign" -out "$1.pem" 2>/dev/null
}

# leaf NAME CA SUBJECT EXTFILE-CONTENT [DAYS-ARGS...]
leaf() {
    local name=$1 ca=$2 subj=$3 ext=$4
    shift 4
    key "$name.key"
    openssl req -new -key "$name.key" -subj "$subj" -out "$name.csr" 2>/dev/null
    printf '%s\n' "$ext" > "$name.ext"
    openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial \
        -extfile "$name.ext" "$@" -out "$name.pem" 2>/dev/null
    rm -f "$name.csr" "$name.ext"
}

server_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'
client_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth
subjectAltName=URI:spiffe://typerpc.test/alice,DNS:alice.typerpc.test'

ca ca "typerpc test CA"
ca other-ca "typerpc untrusted CA"
leaf server ca "/CN=localhost/O=typerpc tests" "$server_ext" -days 30
leaf client ca "/CN=alice/O=typerpc tests" "$client_ext" -days 30
leaf other-server other-ca "/CN=localhost/O=typerpc other" "$server_ext" -days 30
leaf other-client other-ca "/CN=mallory/O=typerpc other" "$client_ext" -days 30
leaf wronghost ca "/CN=wrong.example/O=typerpc tests" \
    "$(printf '%s\n' "${server_ext%subjectAltName=*}subjectAltName=DNS:wrong.example")" -days 30
# Expired: valid for one day, a week ago (openssl x509 -not_before/-not_after
# need OpenSSL 3.4; a backdated signing works everywhere).
key expired.key
openssl req -new -key expired.key -subj "/CN=localhost/O=typerpc expired" -out expired.csr 2>/dev/null
printf '%s\n' "$server_ext" > expired.ext
if openssl x509 -help 2>&1 | grep -q -- '-not_after'; then
    openssl x509 -req -in expired.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
        -extfile expired.ext -not_before 20200101000000Z -not_after 20200102000000Z \
        -out expired.pem 2>/dev/null
else
    # openssl ca takes explicit dates.
    mkdir -p expired-ca
    : > expired-ca/index.txt
    echo 1000 > expired-ca/serial
    cat > expired-ca/ca.cnf <<CNF
[ ca ]
default_ca = tca
[ tca ]
dir = expired-ca
database = \$dir/index.txt
new_certs_dir = \$dir
serial = \$dir/serial
default_md = sha256
policy = any
copy_extensions = none
[ any ]
commonName = supplied
organizationName = optional
CNF
    openssl ca -batch -config expired-ca/ca.cnf -cert ca.pem -keyfile ca.key \
        -startdate 20200101000000Z -enddate 20200102000000Z -extfile expired.ext \
        -in expired.csr -out expired.pem -notext 2>/dev/null
    rm -rf expired-ca
fi
rm -f expired.csr expired.ext ./*.srl
