#!/usr/bin/env bash
# Authenticode-signs Windows files in place (host.exe, module DLLs, the MSI) with osslsigncode, on Linux.
#   packaging/windows/sign.sh FILE...
# The certificate comes from the environment, never from the source tree:
#   WEE_SIGN_PFX=code-signing.pfx          PKCS#12 with the key and the certificate chain, or
#   WEE_SIGN_CERT=chain.pem WEE_SIGN_KEY=key.pem
#   WEE_SIGN_PASS=...                       password of the PFX or the key (optional; handed to
#                                           osslsigncode through a private file, not its command line)
#   WEE_SIGN_TIMESTAMP=http://...           RFC 3161 time-stamp server: releases always use one, so the
#                                           signature stays valid after the certificate expires
#   WEE_SIGN_NAME / WEE_SIGN_URL            description and URL shown by Windows (default WinEventEngine)
# build-msi.sh calls this when WEE_SIGN_PFX or WEE_SIGN_CERT is set. packaging/windows/README.md says how
# a publisher signs a release.
set -euo pipefail
die() { echo "sign.sh: $*" >&2; exit 1; }
[ $# -gt 0 ] || die "usage: sign.sh FILE... (certificate in WEE_SIGN_PFX or WEE_SIGN_CERT + WEE_SIGN_KEY)"
command -v osslsigncode >/dev/null || die "osslsigncode not found (Debian package osslsigncode: tools/install-deps.sh)"
cred=()
if [ -n "${WEE_SIGN_PFX:-}" ]; then
  [ -r "$WEE_SIGN_PFX" ] || die "WEE_SIGN_PFX: cannot read $WEE_SIGN_PFX"
  cred=(-pkcs12 "$WEE_SIGN_PFX")
elif [ -n "${WEE_SIGN_CERT:-}" ]; then
  [ -r "$WEE_SIGN_CERT" ] || die "WEE_SIGN_CERT: cannot read $WEE_SIGN_CERT"
  [ -n "${WEE_SIGN_KEY:-}" ] && [ -r "$WEE_SIGN_KEY" ] || die "WEE_SIGN_KEY: set it to the private key of $WEE_SIGN_CERT"
  cred=(-certs "$WEE_SIGN_CERT" -key "$WEE_SIGN_KEY")
else
  die "no certificate: set WEE_SIGN_PFX (or WEE_SIGN_CERT and WEE_SIGN_KEY)"
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/wee-sign.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -n "${WEE_SIGN_PASS:-}" ]; then
  (umask 077; printf '%s' "$WEE_SIGN_PASS" >"$work/pass")
  cred+=(-readpass "$work/pass")
fi
ts=()
[ -z "${WEE_SIGN_TIMESTAMP:-}" ] || ts=(-ts "$WEE_SIGN_TIMESTAMP")
for f in "$@"; do
  [ -f "$f" ] || die "$f: no such file"
  osslsigncode sign "${cred[@]}" "${ts[@]}" -h sha256 -n "${WEE_SIGN_NAME:-WinEventEngine}" \
    ${WEE_SIGN_URL:+-i "$WEE_SIGN_URL"} -in "$f" -out "$f.signing" >"$work/log" 2>&1 ||
    { rm -f "$f.signing"; cat "$work/log" >&2; die "$f: osslsigncode sign failed"; }
  # the signed copy replaces the file only once complete, with the file's mode
  chmod --reference="$f" "$f.signing"
  mv -f "$f.signing" "$f"
  echo "sign.sh: signed $f"
done
