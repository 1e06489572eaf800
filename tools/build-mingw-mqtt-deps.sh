#!/usr/bin/env bash
# Adds OpenSSL and libmosquitto (client library only: static, TLS, threaded) to the mingw-w64 prefix
# that tools/build-mingw-deps.sh builds, from Debian 12 source packages. Each library is its own step
# with its own stamp (<prefix>/.complete-openssl, .complete-mosquitto, listing the source version used),
# so a machine whose prefix already has the other libraries builds only these two, once.
#
# Usage: build-mingw-mqtt-deps.sh PREFIX   (WEE_DEPS_WORK as in build-mingw-deps.sh). Logs to stderr
# only: the caller's last stdout line stays the prefix. Recipes and pitfalls: shared notes
# "windows-under-wine", section "CivetWeb, OpenSSL and libmosquitto".
set -euo pipefail
P=$1
W=${WEE_DEPS_WORK:-$HOME/.cache/wee/src}
mkdir -p "$P"/lib "$P"/include "$W"
exec 1>&2
export DEBIAN_FRONTEND=noninteractive
[ -f "$P/.complete-openssl" ] && [ -f "$P/.complete-mosquitto" ] && exit 0

cd "$W"
# The newest version's .dsc may 404 on the mirror (seen for openssl 3.0.22-1~deb12u2): try each in turn.
fetch() {
  local pkg=$1 v
  ls "${pkg}"_*.dsc >/dev/null 2>&1 && return 0
  apt-get source --download-only "$pkg" >/dev/null 2>&1 && return 0
  for v in $(apt-cache showsrc "$pkg" | awk '/^Version:/ {print $2}'); do
    if apt-get source --download-only "$pkg=$v" >/dev/null 2>&1; then
      echo "build-mingw-mqtt-deps: $pkg: fell back to $v"
      return 0
    fi
  done
  echo "build-mingw-mqtt-deps: cannot fetch the source of $pkg (is there a deb-src entry? tools/build-mingw-deps.sh adds one)"
  return 1
}
unpack() { # unpacks <pkg>_*.dsc once; prints the source folder
  local pkg=$1 dsc dir
  dsc=$(ls "${pkg}"_*.dsc | sort -V | tail -1)
  dir=$(ls -d "$W/${pkg}"-*/ 2>/dev/null | sort -V | tail -1 || true)
  if [ -z "$dir" ]; then
    dpkg-source -x --no-check "$dsc" >/dev/null 2>&1
    dir=$(ls -d "$W/${pkg}"-*/ | sort -V | tail -1)
  fi
  echo "$dir"
}

if [ ! -f "$P/.complete-openssl" ]; then
  fetch openssl
  SRC=$(unpack openssl)
  B=$W/b-openssl-mingw
  rm -rf "$B" && mkdir -p "$B"
  # Out of tree; `no-docs` does not exist in 3.0. Only the libraries and headers are needed.
  ( cd "$B" && "$SRC/Configure" mingw64 --cross-compile-prefix=x86_64-w64-mingw32- no-shared no-tests \
      --prefix="$P" --libdir=lib >/dev/null &&
    make -j2 build_libs >/dev/null && make install_dev >/dev/null )
  basename "$(ls "$W"/openssl_*.dsc | sort -V | tail -1)" > "$P/.complete-openssl"
  echo "build-mingw-mqtt-deps: openssl done"
fi

if [ ! -f "$P/.complete-mosquitto" ]; then
  fetch mosquitto
  SRC=$(unpack mosquitto)
  # Its top-level project() enables C++; the client library is C only, so the build copy says so
  # (faking a C++ compiler makes CMake switch to MSVC library naming and FindOpenSSL fails).
  sed -i 's/^project(mosquitto)$/project(mosquitto C)/' "$SRC/CMakeLists.txt"
  T=$W/toolchain-mqtt-deps.cmake
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
  B=$W/b-mosquitto-mingw
  rm -rf "$B"
  cmake -S "$SRC" -B "$B" -G Ninja -DCMAKE_TOOLCHAIN_FILE="$T" -DCMAKE_BUILD_TYPE=Release \
    -DOPENSSL_ROOT_DIR="$P" -DOPENSSL_USE_STATIC_LIBS=TRUE -DWITH_STATIC_LIBRARIES=ON -DWITH_BROKER=OFF \
    -DWITH_APPS=OFF -DWITH_CLIENTS=OFF -DWITH_PLUGINS=OFF -DDOCUMENTATION=OFF -DWITH_CJSON=OFF \
    -DWITH_LIB_CPP=OFF -DWITH_THREADING=ON >/dev/null
  # WITH_THREADING on WIN32 names pthreadVC2.lib for the DLL: build only the static library (it uses
  # mingw's winpthreads) and copy it and the headers by hand (cmake --install wants the DLL).
  cmake --build "$B" -j2 -t libmosquitto_static >/dev/null
  cp "$(find "$B" -name libmosquitto_static.a | head -1)" "$P/lib/libmosquitto_static.a"
  cp "$SRC/include/mosquitto.h" "$SRC/include/mqtt_protocol.h" "$P/include/"
  basename "$(ls "$W"/mosquitto_*.dsc | sort -V | tail -1)" > "$P/.complete-mosquitto"
  echo "build-mingw-mqtt-deps: mosquitto done"
fi
