#!/usr/bin/env bash
# Strict ISO C11 check of every C file of the project: `clang -std=c11 -pedantic-errors -fsyntax-only`
# with each file's real flags (CMake's compile_commands.json), so a GNU extension that MSVC would
# refuse fails here. Two configurations, configure-only (nothing is built):
#   native  (build-pedantic):        the portable code, the POSIX platform layer, tests, benchmarks;
#   Windows (build-pedantic-win64):  the same tree for x86_64-w64-mingw32 (clang --target, mingw-w64
#            headers), so core/platform/win32 and the *_win32.c files are checked too. Needs the mingw
#            dependency prefix (tools/build-mingw-deps.sh builds it when missing; tools/test.sh runs this
#            half after the Windows tests, when it exists).
# Exit status 1 when any file fails. Usage: bash tools/check-pedantic.sh [--native-only|--windows-only]
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
native=1 windows=1
case "${1:-}" in
  --native-only) windows=0 ;;
  --windows-only) native=0 ;;
  '') ;;
  *) echo "usage: $0 [--native-only|--windows-only]" >&2; exit 2 ;;
esac
jobs=$(nproc 2>/dev/null || echo 2)

check() { # build-dir [clang --target ...]
  python3 - "$@" <<'PY'
import json, os, shlex, subprocess, sys
from concurrent.futures import ThreadPoolExecutor
build, extra = sys.argv[1], sys.argv[2:]
entries = json.load(open(os.path.join(build, "compile_commands.json")))
def run(e):
    args = shlex.split(e["command"]) if "command" in e else list(e["arguments"])
    out, skip = ["clang"] + extra, False
    for a in args[1:]:
        if skip: skip = False; continue
        if a in ("-o", "-MF", "-MT", "-MQ"): skip = True; continue
        if a in ("-c", "-MD", "-MMD") or a.startswith("-static-libgcc"): continue
        out.append(a)
    out += ["-fsyntax-only"]
    p = subprocess.run(out, cwd=e["directory"], capture_output=True, text=True)
    return e["file"], p.returncode, p.stderr
seen, failed = set(), 0
with ThreadPoolExecutor(int(os.environ.get("JOBS", "2"))) as ex:
    for f, rc, err in ex.map(run, [e for e in entries if not (e["file"] in seen or seen.add(e["file"]))]):
        if rc != 0:
            failed += 1
            sys.stderr.write(err)
print(f"{build}: {len(seen)} files, {failed} failed the strict C11 check")
sys.exit(1 if failed else 0)
PY
}

rc=0
if [ $native = 1 ]; then
  cmake -S . -B build-pedantic -G Ninja -DCMAKE_C_COMPILER=clang -DWEE_PEDANTIC=ON -DWEE_BUILD_BENCH=ON \
        -DCMAKE_EXPORT_COMPILE_COMMANDS=ON >/dev/null || { echo "check-pedantic: native configure failed" >&2; exit 1; }
  JOBS=$jobs check build-pedantic || rc=1
fi
if [ $windows = 1 ]; then
  # The same prefix test-windows.sh uses (already built there: this only prints its path).
  prefix=$(bash tools/build-mingw-deps.sh | tail -1)
  if [ -z "$prefix" ] || [ ! -f "$prefix/.complete" ]; then
    echo "check-pedantic: the mingw dependency prefix could not be built (tools/build-mingw-deps.sh)" >&2
    rc=1
  else
    cmake -S . -B build-pedantic-win64 -G Ninja -DCMAKE_TOOLCHAIN_FILE="$ROOT/cmake/toolchain-mingw64.cmake" \
          -DWEE_DEPS_PREFIX="$prefix" -DWEE_PEDANTIC=ON -DWEE_BUILD_BENCH=ON -DCMAKE_EXPORT_COMPILE_COMMANDS=ON \
          >/dev/null || { echo "check-pedantic: Windows configure failed" >&2; exit 1; }
    JOBS=$jobs check build-pedantic-win64 --target=x86_64-w64-mingw32 || rc=1
  fi
fi
exit $rc
