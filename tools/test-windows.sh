#!/usr/bin/env bash
# Windows build (mingw-w64 cross) and the whole CTest suite under Wine 8 (Debian 12), headless.
#   1. tools/build-mingw-deps.sh (cached third-party prefix),
#   2. configure + build build-win64 with cmake/toolchain-mingw64.cmake (tests run through wine64),
#   3. a fresh Wine prefix: null display driver, no crash dialog, persistent pre-booted wineserver
#      (tools/wine-env.sh; shared notes "windows-under-wine" section 1.6),
#   4. ctest; the exit status is ctest's. The wineserver is killed on exit.
# Non-interactive, as root, no stdin needed.
# Parallel work: WEE_WIN_BUILD (build dir, default build-win64) and WEE_WINEPREFIX (default
# ~/.cache/wee/wineprefix) select an isolated pair; the lock is per prefix. Extra arguments go to
# ctest (e.g. -R test_registry).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
exec </dev/null

# One run at a time on this machine: a second run would delete the Wine prefix under the first and
# race it in build-win64.
BUILD=${WEE_WIN_BUILD:-$ROOT/build-win64}
case "$BUILD" in /*) ;; *) BUILD="$ROOT/$BUILD" ;; esac
export WEE_WINEPREFIX=${WEE_WINEPREFIX:-$HOME/.cache/wee/wineprefix}
mkdir -p "$HOME/.cache/wee"
LOCK="$WEE_WINEPREFIX.lock"
exec 9>"$LOCK"
if ! flock -n 9; then
  echo "test-windows.sh: another run holds $LOCK; waiting" >&2
  flock 9
fi

t0=$(date +%s)
PREFIX=$(bash tools/build-mingw-deps.sh | tail -1)
if [ -z "$PREFIX" ] || [ ! -f "$PREFIX/.complete" ]; then
  echo "test-windows.sh: building the mingw dependencies failed" >&2
  exit 1
fi
t1=$(date +%s)
echo "test-windows.sh: deps prefix $PREFIX ($((t1 - t0)) s)"

# The library paths found at configure time are cached: another prefix needs a fresh configure.
fresh=()
cached=$(sed -n 's/^WEE_DEPS_PREFIX:[A-Z]*=//p' "$BUILD/CMakeCache.txt" 2>/dev/null)
if [ -n "$cached" ] && [ "$cached" != "$PREFIX" ]; then fresh=(--fresh); fi
cmake "${fresh[@]}" -S "$ROOT" -B "$BUILD" -G Ninja \
  -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-mingw64.cmake" \
  -DWEE_DEPS_PREFIX="$PREFIX" -DWEE_BUILD_BENCH=OFF || { echo "test-windows.sh: configure failed" >&2; exit 1; }
# Keep going past a failing target: the tests that did build still run, and the failure is reported.
build_rc=0
cmake --build "$BUILD" -j2 -- -k 0 || { build_rc=1; echo "test-windows.sh: build FAILED (running what built)" >&2; }
t2=$(date +%s)
echo "test-windows.sh: build ($((t2 - t1)) s)"

. "$ROOT/tools/wine-env.sh"
trap wee_wine_stop EXIT
trap 'exit 130' INT TERM
# The lock (fd 9) stays with this script only: a daemon started below (the persistent wineserver, the
# tests' mosquitto) that inherited it would hold it after the run and make the next run wait forever.
wee_wine_start 9>&- || { echo "test-windows.sh: Wine prefix setup failed" >&2; exit 1; }
# A real Windows PowerShell 7 for the pwsh tests (Wine's powershell.exe is a stub); says so if absent.
bash "$ROOT/tools/install-pwsh-wine.sh" --prefix "$WINEPREFIX" || echo "test-windows.sh: no Windows PowerShell in the prefix" >&2
t3=$(date +%s)
echo "test-windows.sh: wine prefix ready ($((t3 - t2)) s)"

# Its output is kept ($OUT) to tell a failure of Wine itself from a test's (below).
OUT="$BUILD/Testing/test-windows.out"
mkdir -p "$BUILD/Testing"
ctest --test-dir "$BUILD" --output-on-failure --timeout 120 -j2 "$@" 9>&- | tee "$OUT"
rc=${PIPESTATUS[0]}
# Two failures of Wine itself, whatever the tests did (docs/testing.md, "Wine's own failures"):
# - the wineserver aborts: Wine 8's own assertion when a WSAPoll whose result is not yet collected
#   reaches its timeout (server/sock.c complete_async_poll), or glibc finding the server's heap corrupt
#   (seen once, under load, during the console's rule test). Every Wine process of the prefix dies.
# - A Wine process can fail to start before running any of its code ("failed to map the shared user
#   data: c0000018"): a test's child (exec action, msiexec) then never ran.
# Only when a failed run shows one of them (the server's log; the failed tests' printed output): restart
# the server and run the failed tests again (at most four times), saying which one. A test that fails
# for any other reason still fails the run.
SERVER_ABORT='Assertion .* failed|corrupted|double free|malloc\(\)|free\(\)|munmap_chunk'
wine_failed() {
  if grep -Eq "$SERVER_ABORT" "$WEE_WINESERVER_LOG" 2>/dev/null; then
    echo "the wineserver aborted:"; grep -E "$SERVER_ABORT" "$WEE_WINESERVER_LOG"
  elif grep -q 'failed to map the shared user data' "$OUT"; then
    echo "a Wine process failed to start:"; grep -m3 'failed to map the shared user data' "$OUT"
  else
    return 1
  fi
}
for rerun in 1 2 3 4; do
  [ $rc -ne 0 ] && why=$(wine_failed) || break
  echo "test-windows.sh: $why" >&2
  echo "test-windows.sh: restarting the server and re-running the failed tests (rerun $rerun of 4)" >&2
  wee_wine_restart 9>&-
  ctest --test-dir "$BUILD" --output-on-failure --timeout 120 -j2 --rerun-failed "$@" 9>&- | tee "$OUT"
  rc=${PIPESTATUS[0]}
done
t4=$(date +%s)
echo "test-windows.sh: ctest exit $rc, build status $build_rc ($((t4 - t3)) s; total $((t4 - t0)) s)"
[ $rc -eq 0 ] && rc=$build_rc
exit $rc
