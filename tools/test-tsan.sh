#!/usr/bin/env bash
# The threaded tests under ThreadSanitizer (-DWEE_TSAN=ON, clang, own build dir build-tsan): the
# dispatcher's worker pool, reload under load, the control channel and metrics endpoint (one thread per
# connection), Lua pools (pooled states across workers), log rotation from many writers, the http
# action, and the other tests that start threads. Only these targets are built (plus the host and the
# modules the runtime tests run). Every report is a failure; the one suppression (tools/tsan.supp) is
# a library's own gmtime() call, never the project's code.
# Usage: bash tools/test-tsan.sh [extra ctest args]      Environment: WEE_TSAN_BUILD (default build-tsan)
set -uo pipefail
cd "$(dirname "$0")/.."
build=${WEE_TSAN_BUILD:-build-tsan}
tests=(test_dispatcher test_rt_reload test_rt_control test_ipc test_lua_action test_rt_lua test_log_rotate
       test_rt_log_rotate test_http_action test_rt_http test_rt_file_exec test_module_actions test_options
       test_platform test_rt_memory test_dispatcher_faults test_file_watch test_event_tap)
# Not built here (Python driving the host built above, with the console pages): the web console under load
# and its rule saves (each a reload while the file watch runs).
scripted=(test_console_api test_console_rules)
launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_C_COMPILER_LAUNCHER=ccache)
cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER="${CC:-clang}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWEE_TSAN=ON \
      -DWEE_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null || { echo "test-tsan.sh: configure failed" >&2; exit 1; }
cmake --build "$build" -j"$(nproc 2>/dev/null || echo 2)" -t "${tests[@]}" console_assets || { echo "test-tsan.sh: build failed" >&2; exit 1; }
regex="^($(IFS='|'; echo "${tests[*]}|${scripted[*]}"))\$"
# halt_on_error: the first race fails the process (a host under test exits non-zero, which its test checks).
TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tools/tsan.supp} \
  ctest --test-dir "$build" --output-on-failure -j"$(nproc 2>/dev/null || echo 2)" --timeout 300 -R "$regex" "$@"
