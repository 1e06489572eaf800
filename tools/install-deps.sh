#!/usr/bin/env bash
# Installs every Debian package the native build, the Windows cross-build and both test suites need.
# Idempotent: re-running only installs what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
pkgs=(build-essential cmake ninja-build pkg-config python3 dpkg-dev
      python3-jsonschema
      liblua5.4-dev libcurl4-openssl-dev libcjson-dev libpcre2-dev libcmocka-dev
      libcivetweb-dev chromium
      libxcb1-dev xvfb
      libdbus-1-dev dbus-daemon python3-dbus python3-gi
      gcc-mingw-w64-x86-64-win32 binutils-mingw-w64-x86-64 wine64
      wixl msitools osslsigncode
      mosquitto mosquitto-clients libmosquitto-dev openssl
      clang libclang-rt-14-dev)   # libFuzzer harnesses, TSan and the pedantic C11 check (tools/test.sh)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# PowerShell 7 for the pwsh tests: Debian has none, so it comes as a .NET global tool where the .NET
# SDK is installed. It lands in ~/.dotnet/tools/pwsh, where the pwsh module's probe looks after PATH.
pwsh_version=7.6.9
: "${HOME:=$(getent passwd "$(id -un)" | cut -d: -f6)}"; export HOME   # dotnet needs it; set -u
pwsh_tool="$HOME/.dotnet/tools/pwsh"
if "$pwsh_tool" -NoProfile -NonInteractive -Command 'exit 0' >/dev/null 2>&1; then
  echo "install-deps: PowerShell present ($pwsh_tool)"
elif command -v dotnet >/dev/null 2>&1; then
  dotnet tool install --global PowerShell --version "$pwsh_version" ||
    dotnet tool update --global PowerShell --version "$pwsh_version"
  "$pwsh_tool" -NoProfile -NonInteractive -Command '"install-deps: PowerShell $($PSVersionTable.PSVersion) runs"'
else
  echo "install-deps: no 'dotnet' (.NET SDK) on this machine, so PowerShell 7 is NOT installed:" \
       "the pwsh tests that need a real PowerShell will be skipped (each prints why)" >&2
fi
# ... and the Windows PowerShell 7 + Windows .NET runtime for the same tests under Wine (NuGet packages,
# laid out once in ~/.cache/wee; tools/test-windows.sh links them into each fresh Wine prefix).
bash "$(dirname "$0")/install-pwsh-wine.sh"

# The console's browser test: node (Debian's nodejs + npm unless a node is already installed) and
# playwright-core in a cache outside the tree (1.56 runs on Debian 12's Node 18; 1.65 wants Node 20).
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  apt-get install -y -qq --no-install-recommends nodejs npm
fi
WEE_NPM_PREFIX=${WEE_NPM_PREFIX:-$HOME/.cache/wee/npm}
if [ ! -f "$WEE_NPM_PREFIX/node_modules/playwright-core/package.json" ]; then
  mkdir -p "$WEE_NPM_PREFIX"
  npm install --no-audit --no-fund --prefix "$WEE_NPM_PREFIX" playwright-core@1.56.1 >/dev/null
fi
