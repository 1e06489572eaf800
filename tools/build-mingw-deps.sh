#!/usr/bin/env bash
# Cross-builds the Windows (mingw-w64 x86_64) third-party prefix from Debian 12 source packages:
# Lua 5.4, cJSON, PCRE2 (+JIT), libcurl (Schannel, HTTP only), cmocka - all static.
# OpenSSL and libmosquitto are added by build-mingw-mqtt-deps.sh as separately stamped steps.
#
# Prefix: ${WEE_DEPS_PREFIX:-$HOME/.cache/wee/mingw64-<versions tag>}; sources and build trees in
# ${WEE_DEPS_WORK:-$HOME/.cache/wee/src}. Skipped when <prefix>/.complete exists (it lists the source
# versions used). Progress goes to stderr; the last stdout line is the prefix
# (PREFIX=$(tools/build-mingw-deps.sh | tail -1)). Non-interactive, as root (it may add a deb-src entry
# and run apt-get update). Recipes and timings: shared notes "windows-under-wine" section 9.
set -euo pipefail

TAG=lua544-cjson1715-pcre21042-curl7881s-cmocka115
P=${WEE_DEPS_PREFIX:-$HOME/.cache/wee/mingw64-$TAG}
HERE=$(cd "$(dirname "$0")" && pwd)
CIVETWEB_STEP=$HERE/build-mingw-civetweb.sh
if [ -f "$P/.complete" ]; then
  bash "$CIVETWEB_STEP" "$P" "${WEE_DEPS_WORK:-$HOME/.cache/wee/src}" >&2  # own stamp
  bash "$HERE/build-mingw-mqtt-deps.sh" "$P"
  echo "build-mingw-deps: $P is complete, nothing to do" >&2
  echo "$P"
  exit 0
fi
W=${WEE_DEPS_WORK:-$HOME/.cache/wee/src}
mkdir -p "$P"/lib "$P"/include "$P"/bin "$W"
exec 3>&1 1>&2   # everything below logs to stderr; fd 3 is the real stdout
export DEBIAN_FRONTEND=noninteractive

# Source packages need a deb-src entry; a fresh machine lacks one. Same archive, same suites: copy the
# deb stanzas (deb822 or one-line format) with the type changed.
if ! grep -rqsE '^Types:.*deb-src|^deb-src ' /etc/apt/sources.list.d/ /etc/apt/sources.list; then
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    sed 's/^Types: deb$/Types: deb-src/' /etc/apt/sources.list.d/debian.sources > /etc/apt/sources.list.d/wee-deb-src.sources
  else
    grep -hE '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null | sed 's/^deb /deb-src /' \
      > /etc/apt/sources.list.d/wee-deb-src.list
  fi
  apt-get update -qq
fi

cd "$W"
fetch() {
  local pkg=$1
  ls "${pkg}"_*.dsc >/dev/null 2>&1 && return 0
  apt-get source --download-only "$pkg" >/dev/null 2>&1 && return 0
  # The newest version may be missing on the mirror (a 404 for a security update): try the others.
  local v
  for v in $(apt-cache showsrc "$pkg" | awk '/^Version:/ {print $2}'); do
    if apt-get source --download-only "$pkg=$v" >/dev/null 2>&1; then
      echo "build-mingw-deps: $pkg: fell back to $v" >&2
      return 0
    fi
  done
  echo "build-mingw-deps: cannot fetch the source of $pkg" >&2
  return 1
}
for p in lua5.4 cjson pcre2 curl cmocka; do fetch "$p"; done
for d in *.dsc; do dpkg-source -x --no-check "$d" >/dev/null 2>&1 || true; done

T=$W/toolchain-deps.cmake
cat > "$T" <<TC
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 $P)
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
TC
CC=x86_64-w64-mingw32-gcc
first_dir() { ls -d "$W"/$1/ 2>/dev/null | head -1; }

# Lua: no build system for mingw static; plain compiler, everything but the two mains.
LUA=$(first_dir 'lua5.4-*')
( cd "$LUA/src" && rm -rf "$W/b-lua" && mkdir -p "$W/b-lua" &&
  ls *.c | grep -vE '^(lua|luac)\.c$' |
    xargs -P2 -I{} sh -c "$CC -O2 -std=gnu99 -c {} -o '$W/b-lua/'\$(basename {} .c).o" &&
  x86_64-w64-mingw32-ar rcs "$P/lib/liblua54.a" "$W"/b-lua/*.o &&
  cp lua.h luaconf.h lualib.h lauxlib.h lua.hpp "$P/include/" )
echo "build-mingw-deps: lua done" >&2

b() {
  local src=$1 name=$2
  shift 2
  cmake -S "$src" -B "$W/b-$name" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$T" -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_INSTALL_PREFIX="$P" "$@" >/dev/null
  cmake --build "$W/b-$name" -j2 >/dev/null
  cmake --install "$W/b-$name" >/dev/null
  echo "build-mingw-deps: $name done" >&2
}
b "$(first_dir 'cjson-*')" cjson -DBUILD_SHARED_LIBS=OFF -DENABLE_CJSON_TEST=OFF -DENABLE_CJSON_UTILS=OFF \
  -DENABLE_CUSTOM_COMPILER_FLAGS=OFF -DENABLE_PUBLIC_SYMBOLS=OFF -DENABLE_HIDDEN_SYMBOLS=ON
b "$(first_dir 'pcre2-*')" pcre2 -DBUILD_SHARED_LIBS=OFF -DBUILD_STATIC_LIBS=ON -DPCRE2_BUILD_PCRE2_8=ON \
  -DPCRE2_BUILD_PCRE2_16=OFF -DPCRE2_BUILD_PCRE2_32=OFF -DPCRE2_SUPPORT_JIT=ON -DPCRE2_SUPPORT_UNICODE=ON \
  -DPCRE2_BUILD_PCRE2GREP=OFF -DPCRE2_BUILD_TESTS=OFF
b "$(first_dir 'cmocka-*')" cmocka -DWITH_STATIC_LIB=ON -DWITH_EXAMPLES=OFF -DUNIT_TESTING=OFF

CURL=$(first_dir 'curl-*')
# CURL_STATICLIB: without it libcurl.a carries dllexport directives, and http.dll / lua.dll exported every
# curl_* function beside wee_module_entry (tests: test_module_exports).
( cd "$CURL" && rm -rf lib/x86_64-w64-mingw32 lib/libcurl.a &&  # objects of an earlier build had other flags
  CROSSPREFIX=x86_64-w64-mingw32- CFLAGS=-O2 CPPFLAGS="-DHTTP_ONLY -DCURL_STATICLIB" \
    make -C lib -f Makefile.mk -j2 CFG=-schannel-winidn-sspi-ipv6-unicode x86_64-w64-mingw32 libcurl.a >/dev/null &&
  cp lib/libcurl.a "$P/lib/" && cp -r include/curl "$P/include/" )
echo "build-mingw-deps: curl done" >&2

bash "$CIVETWEB_STEP" "$P" "$W"  # own stamp: see that script
ls "$W"/*.dsc | xargs -n1 basename > "$P/.complete"
bash "$HERE/build-mingw-mqtt-deps.sh" "$P"
echo "$P" >&3
