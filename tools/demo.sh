#!/usr/bin/env bash
# Installs what is needed, builds, and runs the host on config/examples/demo.json for 20 seconds while
# dropping a few files into the watched folder, so you see rules fire. Run from anywhere, as root on
# a fresh Debian 12 machine. Afterwards run it yourself: build/host --config config/examples/demo.json
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/install-deps.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j"$(nproc 2>/dev/null || echo 2)"
rm -rf /tmp/wee-demo && mkdir -p /tmp/wee-demo/inbox
echo "--- host modules ---"
build/host modules
echo "--- running build/host --config config/examples/demo.json for 20 s (Ctrl+C stops it early) ---"
build/host --config config/examples/demo.json --duration 20000 &
host_pid=$!
sleep 2
printf 'id,amount\n1,10\n2,32\n' > /tmp/wee-demo/inbox/report.csv
sleep 1
printf 'MZ' > "/tmp/wee-demo/inbox/setup (1).exe"
sleep 1
mv /tmp/wee-demo/inbox/report.csv /tmp/wee-demo/inbox/report-2026.csv
sleep 1
rm "/tmp/wee-demo/inbox/setup (1).exe"
wait $host_pid
echo "--- actions logged to /tmp/wee-demo/actions.log ---"
cat /tmp/wee-demo/actions.log
