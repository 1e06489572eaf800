#!/usr/bin/env bash
# CivetWeb for the Windows cross-build: libcivetweb.a + civetweb.h into the mingw deps prefix, from
# Debian's source package. Its own stamp (<prefix>/.civetweb) so a prefix built before this step
# existed is completed, not rebuilt. usage: build-mingw-civetweb.sh PREFIX WORKDIR (run by
# build-mingw-deps.sh, which has set up deb-src). Recipe: shared notes "CivetWeb, OpenSSL and libmosquitto".
set -euo pipefail
P=$1 W=$2
[ -f "$P/.civetweb" ] && exit 0
mkdir -p "$W" "$P/lib" "$P/include"
cd "$W"
if ! ls civetweb_*.dsc >/dev/null 2>&1; then
  apt-get source --download-only civetweb >/dev/null 2>&1 ||
    for v in $(apt-cache showsrc civetweb | awk '/^Version:/ {print $2}'); do
      apt-get source --download-only "civetweb=$v" >/dev/null 2>&1 && break
    done
fi
dsc=$(ls civetweb_*.dsc | head -1)
src=$W/civetweb-src
rm -rf "$src" "$W/b-civetweb" && dpkg-source -x --no-check "$dsc" "$src" >/dev/null
mkdir -p "$W/b-civetweb"
# No TLS (loopback only), no CGI/SSI/Lua; IPv6 for [::1].
x86_64-w64-mingw32-gcc -O2 -c "$src/src/civetweb.c" -I"$src/include" -DNO_SSL -DNO_CGI -DUSE_IPV6 \
  -o "$W/b-civetweb/civetweb.o"
x86_64-w64-mingw32-ar rcs "$P/lib/libcivetweb.a" "$W/b-civetweb/civetweb.o"
cp "$src/include/civetweb.h" "$P/include/"
basename "$dsc" > "$P/.civetweb"
echo "build-mingw-deps: civetweb done ($(cat "$P/.civetweb"))" >&2
