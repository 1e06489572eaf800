#!/usr/bin/env bash
# Builds the libFuzzer harnesses (tests/fuzz, clang, ASan+UBSan) and runs each for SECONDS (default 60).
#   bash tools/fuzz.sh [SECONDS] [HARNESS...]      e.g.  bash tools/fuzz.sh 600 fuzz_lua fuzz_config
# Each harness starts from its seeds (tests/fuzz/corpus/<name>, plus config/examples for fuzz_config) and
# keeps what it learns in <build>/fuzz-corpus/<name>, so later runs continue where earlier ones stopped.
# A finding (crash, UB, leak, failed invariant, hang past -timeout, oversized malloc) is saved under
# <build>/fuzz-findings/ and makes the exit status 1. To reproduce: <build>/fuzz/<name> <finding file>.
# When you fix one, add the finding file to tests/fuzz/corpus/<name>/ as regress-<what> so it stays fixed.
# Environment: WEE_FUZZ_BUILD (default build-fuzz), CC (default clang).
set -uo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
shift || true
case "$seconds" in ''|*[!0-9]*) echo "usage: $0 [SECONDS] [HARNESS...]" >&2; exit 2 ;; esac
build=${WEE_FUZZ_BUILD:-build-fuzz}
all=(fuzz_config fuzz_cond fuzz_template fuzz_event_json fuzz_control fuzz_http fuzz_etw_decode fuzz_reg_data fuzz_lua)
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache)
if [ ! -f "$build/CMakeCache.txt" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEE_FUZZ=ON \
        -DWEE_BUILD_TESTS=OFF -DWEE_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null || exit 1
fi
mkdir -p "$build/fuzz-findings"
cmake --build "$build" -t wee_fuzzers -j"$(nproc 2>/dev/null || echo 2)" >"$build/fuzz-findings/build.log" 2>&1 || {
  tail -40 "$build/fuzz-findings/build.log" >&2
  echo "fuzz.sh: build failed (cmake --build $build -t wee_fuzzers)" >&2; exit 1; }
rc=0
summary=()
for h in "${harnesses[@]}"; do
  name=${h#fuzz_}
  bin="$build/fuzz/fuzz_$name"
  [ -x "$bin" ] || { echo "fuzz.sh: no harness $bin" >&2; rc=1; continue; }
  work="$build/fuzz-corpus/$name"
  mkdir -p "$work"
  seeds=("tests/fuzz/corpus/$name")
  [ "$name" = config ] && seeds+=(config/examples)
  log="$build/fuzz-findings/$name.log"
  # -timeout: one input running 10 s is a hang (every limit in the engine is far below that).
  # -malloc_limit_mb: one allocation past 128 MB is a finding (all our inputs are tiny).
  ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1} \
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=128 -print_final_stats=1 \
           -artifact_prefix="$build/fuzz-findings/$name-" "$work" "${seeds[@]}" >"$log" 2>&1
  status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  cov=$(grep -E '^#[0-9]+' "$log" | tail -1 | sed -n 's/.*cov: \([0-9]*\).*/\1/p')
  if [ $status -ne 0 ]; then
    rc=1
    summary+=("$(printf '%-12s FINDING (exit %d) after %s runs; see %s' "$name" "$status" "${execs:-?}" "$log")")
    grep -E 'ERROR|runtime error|invariant failed|Test unit written' "$log" | head -5 | sed 's/^/    /' >&2
  else
    summary+=("$(printf '%-12s ok   %10s runs in %ss, coverage %s' "$name" "${execs:-?}" "$seconds" "${cov:-?}")")
  fi
done
echo "=== fuzzing ($seconds s per harness) ==="
printf '%s\n' "${summary[@]}"
exit $rc
