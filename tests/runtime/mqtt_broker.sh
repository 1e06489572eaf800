#!/usr/bin/env bash
# Starts and stops Debian's mosquitto for the mqtt tests, on loopback ports nobody else uses.
#   mqtt_broker.sh setup DIR         make DIR (world-readable: the broker drops to the mosquitto user),
#                                    a test CA, server and client certificates, a wrong CA, a password
#                                    file, and DIR/env with the ports chosen (PLAIN TLS AUTH SPARE)
#   mqtt_broker.sh start DIR NAME    start instance NAME from DIR/NAME.conf (written by the caller or by
#                                    setup for "main"); waits until its first port answers
#   mqtt_broker.sh stop DIR NAME     SIGTERM (mosquitto saves its persistence), wait for exit
#   mqtt_broker.sh kill DIR NAME     SIGKILL
#   mqtt_broker.sh teardown DIR      stop every instance, remove DIR
# Never port 1883/8883: each port is one the kernel handed out as free.
set -euo pipefail
cmd=$1 dir=$2 name=${3:-main}
MOSQ=${MOSQUITTO:-/usr/sbin/mosquitto}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() {
  for _ in $(seq 1 100); do
    python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); sys.exit(s.connect_ex(('127.0.0.1',$1)))" && return 0
    sleep 0.05
  done
  echo "mqtt_broker.sh: broker $name did not listen on $1; its log:" >&2; cat "$dir/$name.log" >&2 || true
  return 1
}

case $cmd in
setup)
  rm -rf "$dir"; mkdir -p "$dir"; chmod 1777 "$dir"  # the broker (user mosquitto) writes its persistence here
  cd "$dir"
  ossl() { openssl "$@" >/dev/null 2>&1; }
  ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=wee test CA" -keyout ca.key -out ca.crt
  ossl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=wrong CA" -keyout wrong-ca.key -out wrong-ca.crt
  ossl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > san.ext
  ossl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile san.ext -out server.crt
  ossl req -newkey rsa:2048 -nodes -subj "/CN=wee-client" -keyout client.key -out client.csr
  ossl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -out client.crt
  : > passwd; chmod 644 passwd
  mosquitto_passwd -b passwd weeuser s3cret >/dev/null 2>&1
  chmod 644 ./*
  PLAIN=$(free_port) TLS=$(free_port) AUTH=$(free_port) SPARE=$(free_port)
  printf 'PLAIN=%s\nTLS=%s\nAUTH=%s\nSPARE=%s\nDIR=%s\n' "$PLAIN" "$TLS" "$AUTH" "$SPARE" "$dir" > env
  cat > main.conf <<CONF
per_listener_settings true
persistence false
max_queued_messages 0
max_inflight_messages 0
clientid_prefixes wee-
log_dest file $dir/main.log
log_type error
log_type warning
log_type notice
listener $PLAIN 127.0.0.1
allow_anonymous true
listener $TLS 127.0.0.1
allow_anonymous true
cafile $dir/ca.crt
certfile $dir/server.crt
keyfile $dir/server.key
require_certificate true
listener $AUTH 127.0.0.1
allow_anonymous false
password_file $dir/passwd
CONF
  chmod 644 main.conf
  ;;
start)
  : > "$dir/$name.log"; chmod 666 "$dir/$name.log"
  # -d forks: the broker writes its own pid (before it drops to the mosquitto user).
  grep -q '^pid_file' "$dir/$name.conf" || echo "pid_file $dir/$name.pid" >> "$dir/$name.conf"
  rm -f "$dir/$name.pid"
  "$MOSQ" -c "$dir/$name.conf" -d 2>>"$dir/$name.log"
  port=$(awk '/^listener/ {print $2; exit}' "$dir/$name.conf")
  wait_port "$port"
  ;;
stop|kill)
  [ -s "$dir/$name.pid" ] || exit 0
  pid=$(cat "$dir/$name.pid")
  kill -"$([ "$cmd" = stop ] && echo TERM || echo KILL)" "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.05; done
  rm -f "$dir/$name.pid"
  ;;
teardown)
  for p in "$dir"/*.pid; do [ -e "$p" ] && { kill "$(cat "$p")" 2>/dev/null || true; }; done
  sleep 0.2
  rm -rf "$dir"
  ;;
*) echo "usage: $0 setup|start|stop|kill|teardown DIR [NAME]" >&2; exit 2 ;;
esac
