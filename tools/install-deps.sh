#!/usr/bin/env bash
# Installs every Debian package the native build, the Windows cross-build and both test suites need.
# Idempotent: re-running only installs what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(build-essential cmake ninja-build pkg-config python3 dpkg-dev
      python3-jsonschema
      liblua5.4-dev libcurl4-openssl-dev libcjson-dev libpcre2-dev libcmocka-dev
      libxcb1-dev xvfb
      gcc-mingw-w64-x86-64-win32 binutils-mingw-w64-x86-64 wine64
      clang libclang-rt-14-dev)   # libFuzzer harnesses, TSan and the pedantic C11 check (tools/test.sh)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
