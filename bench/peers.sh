#!/usr/bin/env bash
# The host and the file-trigger tools a user would pick instead, side by side in one run on the same
# tmpfs folder, with the same work: a file created in the watched folder must make `touch DONE/<name>`
# happen. Per watcher: create -> marker latency p50/p99 over 200 trials, then a 10,000-file burst timed
# until the last marker (bench_file_exec --drive does the measuring, the same for every one of them).
#   floor              `touch` spawned back to back, no watcher: what a per-file trigger cannot beat
#   host               file source + one exec per file (settle_ms 0, created only)
#   host batched       the same rule with "batch_ms": 50, "batch_max": 10000: one exec per batch whose
#                      args are {{batch.each.path}} (a small sh turns the paths into DONE/<name>)
#   inotifywait | sh   inotify-tools: inotifywait -m piped into a shell loop running touch per file
#   incrond            incron: a private incrond (own table folder) with IN_CREATE -> touch DONE/$#
#   watchman trigger   watchman: a private server; a trigger fed the changed names on stdin
#                      (it batches by nature: one run per settled set of changes)
# Peers missing here are installed from Debian packages when run as root with apt-get; otherwise skipped.
# Prints each result, then a table with ratios to the floor and to the host. Takes about two minutes.
# usage: bash bench/peers.sh [BUILD_DIR]    (folder: $WEE_BENCH_DIR, else /dev/shm, else /tmp)
set -uo pipefail
cd "$(dirname "$0")/.."
b=${1:-build-release}
drv="$b/bench/bench_file_exec"
if [ ! -x "$drv" ] || [ ! -x "$b/host" ]; then
  echo "peers.sh: no $drv or $b/host; build a Release tree first (bash bench/run_all.sh does)" >&2
  exit 1
fi

need=()
command -v inotifywait >/dev/null || need+=(inotify-tools)
command -v incrond >/dev/null || need+=(incron)
command -v watchman >/dev/null || need+=(watchman)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "# installing ${need[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
      { apt-get update -qq >/dev/null 2>&1; apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1; } ||
      echo "# could not install ${need[*]}; those peers are skipped"
  else
    echo "# not installed (run as root to install them): ${need[*]}; those peers are skipped"
  fi
fi

base=${WEE_BENCH_DIR:-/dev/shm}
[ -d "$base" ] && [ -w "$base" ] || base=/tmp
root=$(mktemp -d "$base/wee-peers-XXXXXX")
results="$root/results.txt"
: > "$results"
pgids=()
stop_all() {
  for g in "${pgids[@]}"; do kill -TERM -- "-$g" 2>/dev/null; done
  pgids=()
}
trap 'stop_all; rm -rf "$root"' EXIT
echo "# peers.sh: $(date -u +%FT%TZ), folder $root ($(stat -f -c %T "$root")), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

fresh() { W="$root/$1/watch"; D="$root/$1/done"; mkdir -p "$W" "$D"; }
# Starts a command in its own process group (so stopping it stops its pipeline too).
start() { setsid "$@" & pgids+=($!); }
drive() { "$drv" --drive "$W" "$D" "$1" | tee -a "$results"; stop_all; sleep 0.3; }

host_cfg() { # $1 = rule json
  cat > "$root/$name/cfg.json" <<JSON
{ "version": 1, "engine": { "workers": 2, "log": { "level": "warn" } },
  "sources": [ { "id": "w", "module": "file", "paths": ["$W"], "settle_ms": 0, "events": ["created"] } ],
  "rules": [ $1 ] }
JSON
}
run_host() { # $1 label
  start "$b/host" --config "$root/$name/cfg.json" --modules "$b/modules" --control "$root/$name/ctl"
  drive "$1"
}

"$drv" --floor "$(mkdir -p "$root/floor" && echo "$root/floor")" | tee -a "$results"

name=host; fresh $name
host_cfg "{ \"name\": \"touch\", \"when\": { \"event\": \"file.created\" },
    \"do\": [ { \"action\": \"exec\", \"command\": \"/usr/bin/touch\", \"args\": [\"$D/{{name}}\"] } ] }"
run_host host

name=hostb; fresh $name
# One exec per batch: each {{batch.each.path}} is one argument; sh maps them to DONE/<name> (in linear time:
# sed + xargs, not a shell loop rebuilding "$@") for one touch.
# inherit_event_env off: a batch's batch.paths / batch.events would each become one environment string,
# and Linux refuses a single one past 128 KB (E2BIG) once a batch holds a few thousand paths.
cat > "$root/$name/mark.sh" <<'SH'
d=$1; shift
printf '%s\n' "$@" | sed "s|.*/|$d/|" | xargs /usr/bin/touch --
SH
host_cfg "{ \"name\": \"touch-batch\", \"when\": { \"event\": \"file.created\" }, \"batch_ms\": 50, \"batch_max\": 10000,
    \"do\": [ { \"action\": \"exec\", \"command\": \"/bin/sh\", \"inherit_event_env\": false,
                \"args\": [\"$root/$name/mark.sh\", \"$D\", \"{{batch.each.path}}\"] } ] }"
run_host "host-batched"

if command -v inotifywait >/dev/null; then
  name=inotifywait; fresh $name
  start sh -c "inotifywait -m -q -e create --format %f '$W' | while read -r f; do /usr/bin/touch '$D'/\"\$f\"; done"
  drive "inotifywait|sh"
fi

if command -v incrond >/dev/null; then
  name=incron; fresh $name
  i="$root/$name"
  mkdir -p "$i/etc" "$i/spool"
  : > "$i/allow"; : > "$i/deny"
  printf 'system_table_dir = %s\nuser_table_dir = %s\nallowed_users = %s\ndenied_users = %s\nlockfile_dir = %s\nlockfile_name = incrond\n' \
    "$i/etc" "$i/spool" "$i/allow" "$i/deny" "$i" > "$i/incron.conf"
  echo "$W IN_CREATE /usr/bin/touch $D/\$#" > "$i/etc/bench"
  start incrond -n -f "$i/incron.conf"
  drive incrond
fi

if command -v watchman >/dev/null; then
  name=watchman; fresh $name
  m="$root/$name"
  wm=(watchman --sockname="$m/sock" --statefile="$m/state" --logfile="$m/log" --pidfile="$m/pid" --no-save-state)
  start "${wm[@]}" --foreground
  for _ in $(seq 50); do [ -S "$m/sock" ] && break; sleep 0.1; done
  "${wm[@]}" watch "$W" >/dev/null
  "${wm[@]}" -j >/dev/null <<JSON
["trigger", "$W", { "name": "touch", "expression": ["type", "f"], "stdin": "NAME_PER_LINE",
  "command": ["/bin/sh", "-c", "cd '$D' && exec xargs /usr/bin/touch --"] }]
JSON
  drive "watchman-trigger"
fi

echo
echo "# side by side (same run, same folder type); ratios: this / floor, this / host (per-file exec)"
awk '$1 == "RESULT" { lab[++n] = $2; p50[n] = $3; p99[n] = $4; bur[n] = $5; done[n] = $6
                       if ($2 == "floor") { f50 = $3; fb = $5 } if ($2 == "host") { h50 = $3; hb = $5 } }
     function r(a, b) { return (a == "-" || b == "" || b + 0 == 0) ? "-" : sprintf("%.2fx", a / b) }
     END {
       printf "%-18s %9s %9s %9s %8s | %9s %9s | %9s %9s\n", "watcher", "p50 ms", "p99 ms", "burst s", "done",
              "p50/floor", "burst/fl", "p50/host", "burst/ho"
       for (i = 1; i <= n; i++)
         printf "%-18s %9s %9s %9s %8s | %9s %9s | %9s %9s\n", lab[i], p50[i], p99[i], bur[i], done[i],
                r(p50[i], f50), r(bur[i], fb), r(p50[i], h50), r(bur[i], hb)
     }' "$results"
