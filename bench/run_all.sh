#!/usr/bin/env bash
# Builds a Release tree and prints every benchmark figure. usage: bash bench/run_all.sh [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
b=${1:-build-release}
cmake -S . -B "$b" -G Ninja -DCMAKE_BUILD_TYPE=Release -DWEE_BUILD_TESTS=OFF >/dev/null
cmake --build "$b" -j2 >/dev/null
"$b/bench/bench_rules"
"$b/bench/bench_dispatcher" "$b/modules"
"$b/bench/bench_lua"
"$b/bench/bench_file_exec" "$b"
# The peer, measured the same way on the same machine (needs inotify-tools).
if command -v inotifywait >/dev/null; then "$b/bench/bench_file_exec" --peer-inotifywait; fi
if command -v mosquitto >/dev/null || [ -x /usr/sbin/mosquitto ]; then PATH=$PATH:/usr/sbin "$b/bench/bench_mqtt" "$b"; fi
bash bench/idle_rss.sh "$b"
# The writer's slowdown under the watchers (inotifywait's figure only when inotify-tools is installed).
"$b/bench/bench_writer" "$b" 5
# Host vs inotifywait, incron, watchman side by side (1.5-3 minutes, most of it incron's burst; installs
# the peers from Debian packages when run as root and they are missing).
bash bench/peers.sh "$b"
