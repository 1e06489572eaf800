#!/usr/bin/env bash
# Idle resident memory of the host with every module file present (it opens only the ones its config
# names) and a file source running. Target: <= 4 MB. usage: bash bench/idle_rss.sh BUILD_DIR
set -euo pipefail
b=${1:-build-release}
d=$(mktemp -d)
mkdir -p "$d/w"
cat > "$d/cfg.json" <<JSON
{ "version": 1, "engine": { "workers": 2, "log": { "level": "warn" } },
  "sources": [ { "id": "w", "module": "file", "paths": ["$d/w"] } ],
  "rules": [ { "name": "r", "when": { "event": "file.created" },
               "do": [ { "action": "log", "message": "{{path}}" }, { "action": "exec", "command": "/bin/true" } ] } ] }
JSON
"$b/host" --config "$d/cfg.json" --modules "$b/modules" --stop-file "$d/STOP" &
pid=$!
sleep 3
mods=$(grep -c '\.so$' <(ls "$b/modules"))
rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
pss=$(awk '/^Pss:/ {s+=$2} END {print s}' /proc/$pid/smaps 2>/dev/null || echo "?")
echo "idle host: $mods module files in the folder (the config uses file, log, exec), VmRSS=${rss} kB, PSS=${pss} kB"
touch "$d/STOP"; wait $pid || true
rm -rf "$d"
