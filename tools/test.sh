#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine (as root):
#   1. installs the packages (tools/install-deps.sh),
#   2. native build with AddressSanitizer + UndefinedBehaviorSanitizer, all CTest tests,
#   3. the Windows build (mingw-w64, dependencies cross-built from Debian sources) and all its
#      tests under Wine (tools/test-windows.sh).
# After 2: each libFuzzer harness briefly (tools/fuzz.sh), the threaded tests under ThreadSanitizer
# (tools/test-tsan.sh), and the strict C11 check (tools/check-pedantic.sh; its Windows half after 3).
# Options: --native-only, --windows-only. Exit status is non-zero if any part failed.
set -uo pipefail
cd "$(dirname "$0")/.."
native=1 windows=1
for a in "$@"; do
  case "$a" in
    --native-only) windows=0 ;;
    --windows-only) native=0 ;;
    *) echo "usage: $0 [--native-only|--windows-only]" >&2; exit 2 ;;
  esac
done
jobs=$(nproc 2>/dev/null || echo 2)
bash tools/install-deps.sh || { echo "test.sh: package installation failed" >&2; exit 1; }
rc=0
# LSAN_OPTIONS: libdbus (notify, media) pulls in libsystemd, whose thread-local storage is dynamic TLS
# in a dlopen'ed module; gcc 12's LeakSanitizer misreads such blocks depending on the address layout
# and its tracer dies with "Tracer caught signal 11" at exit (google/sanitizers#1322). Without the
# __tls_get_addr interception LSan scans no dynamic TLS: it could only report more, never hide a leak.
if [ $native = 1 ]; then
  echo "=== native build (ASan+UBSan) ==="
  start=$(date +%s)
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DWEE_SANITIZE=ON -DWEE_BUILD_BENCH=OFF >/dev/null \
    && cmake --build build-asan -j"$jobs" \
    && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
       LSAN_OPTIONS=intercept_tls_get_addr=0 \
       ctest --test-dir build-asan --output-on-failure -j"$jobs" --timeout 300 \
    || rc=1
  echo "=== native: $(( $(date +%s) - start )) s, status $rc ==="
  # Keep them out: fuzzing (WEE_CI_FUZZ_SECONDS per harness), ThreadSanitizer, strict C11 (docs/testing.md).
  start=$(date +%s)
  echo "=== fuzzing (libFuzzer) ==="
  bash tools/fuzz.sh "${WEE_CI_FUZZ_SECONDS:-15}" || rc=1
  echo "=== ThreadSanitizer: threaded tests ==="
  bash tools/test-tsan.sh || rc=1
  echo "=== strict C11 (clang -std=c11 -pedantic-errors) ==="
  bash tools/check-pedantic.sh --native-only || rc=1
  echo "=== fuzz + tsan + c11: $(( $(date +%s) - start )) s, status $rc ==="
fi
if [ $windows = 1 ]; then
  echo "=== Windows build + tests under Wine ==="
  start=$(date +%s)
  bash tools/test-windows.sh || rc=1
  bash tools/check-pedantic.sh --windows-only || rc=1   # the win32 sources, now that the deps prefix exists
  echo "=== windows: $(( $(date +%s) - start )) s, overall status $rc ==="
fi
exit $rc
