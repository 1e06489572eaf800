#!/usr/bin/env bash
# Idle resident memory of the host with every module file present (it opens only the ones its config
# names) and a file source running; then the same with the web console on (engine.console.listen), side
# by side. Target: <= 4 MB each. usage: bash bench/idle_rss.sh BUILD_DIR
set -euo pipefail
b=${1:-build-release}
d=$(mktemp -d)
mkdir -p "$d/w"
measure() {  # $1: label, $2: extra engine keys
  cat > "$d/cfg.json" <<JSON
{ "version": 1, "engine": { "workers": 2, "log": { "level": "warn" }, "control": { "path": "$d/ctl.sock" }$2 },
  "sources": [ { "id": "w", "module": "file", "paths": ["$d/w"] } ],
  "rules": [ { "name": "r", "when": { "event": "file.created" },
               "do": [ { "action": "log", "message": "{{path}}" }, { "action": "exec", "command": "/bin/true" } ] } ] }
JSON
  rm -f "$d/STOP"
  "$b/host" --config "$d/cfg.json" --modules "$b/modules" --stop-file "$d/STOP" &
  local pid=$!
  sleep 3
  if [ -n "$2" ]; then  # the console answered once (its pages and the API), then sits idle
    local url tok
    url=$("$b/host" --control "$d/ctl.sock" console)
    tok=${url##*token=}
    curl -s -o /dev/null "${url%%#*}" && curl -s -o /dev/null -H "X-WEE-Token: $tok" "${url%%#*}api/status"
    if [ -n "${3:-}" ]; then  # the Rules page: the schema (host schema in a child), the list, a check
      curl -s -o /dev/null -H "X-WEE-Token: $tok" "${url%%#*}api/rules/schema"
      curl -s -o /dev/null -H "X-WEE-Token: $tok" "${url%%#*}api/rules"
      curl -s -o /dev/null -H "X-WEE-Token: $tok" -H "Content-Type: application/json" -d '{"rules": []}' "${url%%#*}api/rules/check"
    fi
    sleep 2
  fi
  local mods rss pss
  mods=$(grep -c '\.so$' <(ls "$b/modules"))
  rss=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
  pss=$(awk '/^Pss:/ {s+=$2} END {print s}' /proc/$pid/smaps 2>/dev/null || echo "?")
  echo "idle host, $1: $mods module files in the folder (the config uses file, log, exec), VmRSS=${rss} kB, PSS=${pss} kB"
  touch "$d/STOP"; wait $pid || true
}
measure "console off" ""
measure "console on (127.0.0.1, 24 server threads)" ', "console": { "listen": "127.0.0.1:0" }'
measure "console on, after the Rules page was opened" ', "console": { "listen": "127.0.0.1:0" }' rules
rm -rf "$d"
