#!/usr/bin/env bash
# ota-sign's output checked with tools that share none of its code: md5sum,
# sha256sum, and OpenSSL's command line verifying its image signatures the way
# the README tells a device developer to (Ed25519 over the raw digest; ECDSA
# P-256 with SHA-256). Then bad input: it must fail with a message, not print.
# Usage: ota_sign_test.sh PATH_TO_OTA_SIGN
set -euo pipefail
ota_sign=$1
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
fail() { echo "FAIL: $*" >&2; exit 1; }
field() { sed -n "s/.*\"$1\":\"\\{0,1\\}\\([^\",}]*\\).*/\\1/p" out.json; }

head -c 200000 /dev/urandom > image.bin  # more than one read of ota-sign's buffer
openssl genpkey -algorithm ed25519 -out ed.pem 2>/dev/null
openssl pkey -in ed.pem -pubout -out ed.pub
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ec.pem 2>/dev/null
openssl pkey -in ec.pem -pubout -out ec.pub

"$ota_sign" image.bin > out.json
[ "$(field size)" = 200000 ] || fail "size: $(cat out.json)"
[ "$(field md5)" = "$(md5sum image.bin | cut -d' ' -f1)" ] || fail "md5: $(cat out.json)"
[ "$(field sha256)" = "$(sha256sum image.bin | cut -d' ' -f1)" ] || fail "sha256: $(cat out.json)"
grep -q imageSignature out.json && fail "a signature without a key: $(cat out.json)"

# Ed25519: the signature is over the 32 raw bytes of the digest.
"$ota_sign" image.bin ed.pem > out.json
field imageSignature | base64 -d > ed.sig
openssl dgst -sha256 -binary image.bin > digest.bin
openssl pkeyutl -verify -pubin -inkey ed.pub -rawin -in digest.bin -sigfile ed.sig >/dev/null ||
  fail "openssl does not verify the Ed25519 signature"
# ... and a signature over another image does not verify.
head -c 10 /dev/urandom >> image.bin
openssl dgst -sha256 -binary image.bin > other.bin
openssl pkeyutl -verify -pubin -inkey ed.pub -rawin -in other.bin -sigfile ed.sig >/dev/null 2>&1 &&
  fail "an Ed25519 signature verifies another image"

# ECDSA P-256: what `openssl dgst -sha256 -sign` makes, verified as such.
"$ota_sign" image.bin ec.pem > out.json
field imageSignature | base64 -d > ec.sig
openssl dgst -sha256 -verify ec.pub -signature ec.sig image.bin >/dev/null || fail "openssl does not verify the ECDSA signature"

# Bad input: a message and a non-zero exit, nothing on stdout.
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out rsa.pem 2>/dev/null
echo "not a key" > garbage.pem
for args in "missing.bin" "image.bin missing.pem" "image.bin garbage.pem" "image.bin rsa.pem" ""; do
  # shellcheck disable=SC2086
  if "$ota_sign" $args > out.txt 2> err.txt; then fail "ota-sign $args succeeded"; fi
  [ -s out.txt ] && fail "ota-sign $args printed: $(cat out.txt)"
  [ -s err.txt ] || fail "ota-sign $args said nothing"
done
echo "ota-sign: digests and signatures verified by md5sum, sha256sum and openssl"
