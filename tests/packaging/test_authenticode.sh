#!/usr/bin/env bash
# Authenticode signing of a Windows build (packaging/windows/sign.sh, build-msi.sh) with a throwaway
# certificate authority and code-signing certificate made here with the openssl CLI:
#   build-msi.sh with WEE_SIGN_PFX + WEE_SIGN_PASS -> the MSI verifies against the CA, and so do host.exe
#   and a module DLL extracted from it; sign.sh with WEE_SIGN_CERT + WEE_SIGN_KEY signs host.exe too;
#   an unsigned file, a tampered file (one byte of code changed), a tampered MSI and a foreign CA fail.
#   With a Windows emulator (wine64) as second argument, the signed host.exe from the MSI also loads every
#   signed module (signing rewrites the PE header's certificate-table entry and appends the certificate).
#   test_authenticode.sh BUILD_DIR [EMULATOR]      (registered in CTest by packaging/windows/CMakeLists.txt)
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:?usage: test_authenticode.sh BUILD_DIR [EMULATOR]}" && pwd)
EMU=${2:-}
TMP=$(mktemp -d "${TMPDIR:-/tmp}/wee-sign-test.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
verify() {   # FILE CAFILE -> osslsigncode's status; output in $TMP/verify.log
  osslsigncode verify -CAfile "$2" -in "$1" >"$TMP/verify.log" 2>&1
}
must_verify() {
  verify "$1" "$TMP/ca.pem" || { cat "$TMP/verify.log"; fail "$1 does not verify"; }
  grep -q "Signature verification: ok" "$TMP/verify.log" || { cat "$TMP/verify.log"; fail "$1: no 'Signature verification: ok'"; }
  grep -q "WEE Test Code Signing" "$TMP/verify.log" || { cat "$TMP/verify.log"; fail "$1: not signed by the test certificate"; }
}
must_fail() {   # FILE CAFILE WHY
  if verify "$1" "$2"; then cat "$TMP/verify.log"; fail "$3 verifies"; fi
  echo "as expected, $3 fails: $(grep -m1 -iE 'fail|mismatch|no signature|error' "$TMP/verify.log" || true)"
}
flip_byte() {   # FILE OFFSET: invert one byte in place
  local b
  b=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
  printf "$(printf '\\%03o' $(( 255 - b )))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

step "throwaway CA and code-signing certificate"
cd "$TMP"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=WEE Test Root CA" \
  -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout sign.key -out sign.csr -subj "/CN=WEE Test Code Signing" 2>/dev/null
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n' >ext.cnf
openssl x509 -req -in sign.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile ext.cnf -out sign.pem 2>/dev/null
openssl pkcs12 -export -inkey sign.key -in sign.pem -certfile ca.pem -passout pass:throwaway-pass -out sign.pfx
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other-ca.pem -days 2 -subj "/CN=Other CA" \
  -addext basicConstraints=critical,CA:TRUE 2>/dev/null

step "build-msi.sh with WEE_SIGN_PFX: host.exe, the modules and the MSI signed"
WEE_SIGN_PFX=$TMP/sign.pfx WEE_SIGN_PASS=throwaway-pass \
  bash "$SRC/packaging/windows/build-msi.sh" "$BUILD" "$TMP/signed.msi" | tee build.log
grep -q "signed .*/host.exe" build.log && grep -q "signed .*/modules/timer.dll" build.log || fail "build-msi.sh did not sign the binaries"
must_verify "$TMP/signed.msi"
mkdir x && (cd x && msiextract ../signed.msi >/dev/null)
host=$(find x -name host.exe) dll=$(find x -name timer.dll)
[ -n "$host" ] && [ -n "$dll" ] || fail "host.exe / timer.dll not found in the MSI"
must_verify "$host"
must_verify "$dll"
if [ -n "$EMU" ]; then
  (cd "$(dirname "$host")" && "$EMU" ./host.exe modules >"$TMP/modules.txt" 2>"$TMP/modules.err") ||
    { cat "$TMP/modules.txt" "$TMP/modules.err"; fail "the signed host.exe could not list its modules"; }
  want=$(find "$(dirname "$host")/modules" -name '*.dll' | wc -l)
  got=$(grep -c '\.dll' "$TMP/modules.txt" || true)
  [ "$got" -eq "$want" ] && [ "$want" -gt 0 ] || { cat "$TMP/modules.txt" "$TMP/modules.err"; fail "the signed host.exe loaded $got of $want signed modules"; }
  echo "the signed host.exe loads all $got signed modules"
fi

step "sign.sh with WEE_SIGN_CERT + WEE_SIGN_KEY"
cp "$BUILD/host.exe" host-pem.exe
must_fail host-pem.exe "$TMP/ca.pem" "the unsigned host.exe"
WEE_SIGN_CERT=$TMP/sign.pem WEE_SIGN_KEY=$TMP/sign.key bash "$SRC/packaging/windows/sign.sh" host-pem.exe
must_verify host-pem.exe

step "tampering and a foreign CA are caught"
must_fail host-pem.exe "$TMP/other-ca.pem" "host.exe checked against another CA"
cp "$host" tampered.exe
flip_byte tampered.exe 4096          # inside .text, well before the signature at the end of the file
must_fail tampered.exe "$TMP/ca.pem" "host.exe with one byte of code changed"
cp signed.msi tampered.msi
size=$(stat -c %s tampered.msi)
flip_byte tampered.msi $(( size / 2 ))   # inside the embedded cabinet
must_fail tampered.msi "$TMP/ca.pem" "the MSI with one byte changed"

step "no certificate: a clear error"
if out=$(env -u WEE_SIGN_PFX -u WEE_SIGN_CERT bash "$SRC/packaging/windows/sign.sh" host-pem.exe 2>&1); then
  fail "sign.sh without a certificate succeeded"
fi
grep -q "set WEE_SIGN_PFX" <<<"$out" || fail "sign.sh without a certificate: $out"
step "PASS"
