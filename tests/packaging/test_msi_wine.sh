#!/usr/bin/env bash
# The MSI round trip under Wine, as an admin (or Intune/GPO) would run it, in a Wine prefix of its own:
#   build two MSIs of this tree (the project version and the next patch version) with build-msi.sh,
#   install the older silently -> files, service, Event Log source; the service runs the starter config;
#   edit %ProgramData%\WinEventEngine\config.json to a timer rule -> it fires (reload, then a restart);
#   upgrade to the newer MSI with ADDTOPATH=1 -> one product, the edited config untouched, the rule fires,
#   the folder on PATH; installing the older MSI again is refused; break the install (host.exe and a module deleted) and repair -> files back;
#   uninstall -> binaries, service, Event Log source and PATH entry gone, the config folder kept.
#   test_msi_wine.sh BUILD_DIR      (registered in CTest by packaging/windows/CMakeLists.txt)
# Wine 8 differences handled here (packaging/windows/README.md, "Tested under Wine"): its StopServices
# does not wait for the service to stop, so the test stops it (host service stop) before an upgrade,
# repair or uninstall; its msiexec /f is not implemented, so repair runs as msiexec /i with
# REINSTALL=ALL REINSTALLMODE=omus (what /fomus means).
set -euo pipefail
SRC=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:?usage: test_msi_wine.sh BUILD_DIR}" && pwd)
TMP=$(mktemp -d "$BUILD/msi-test.XXXXXX")
export WEE_WINEPREFIX=$TMP/wineprefix
. "$SRC/tools/wine-env.sh"
# The prefix's wineserver is persistent: it must be ended whatever happens (every Wine call below is
# bounded, so a hang ends here too rather than in CTest's kill, which no trap survives).
trap 'wee_wine_stop; rm -rf "$TMP"' EXIT
trap 'exit 143' INT TERM

fail() {
  [ ! -s "$TMP/wine-stderr.log" ] || { echo "--- Wine's stderr (last lines):"; tail -20 "$TMP/wine-stderr.log"; }
  echo "FAIL: $*" >&2
  exit 1
}
step() { echo "== $* ($SECONDS s)"; }
winpath() { printf 'Z:%s' "${1//\//\\}"; }
wine() { timeout 120 "$WEE_WINE" "$@" 2>>"$TMP/wine-stderr.log"; }
# Waits up to $2 seconds for file $1 to contain the text $3.
wait_text() {
  local i
  for ((i = 0; i < $2 * 5; i++)); do
    grep -qF -- "$3" "$1" 2>/dev/null && return 0
    sleep 0.2
  done
  echo "--- $1:"; cat "$1" 2>/dev/null || echo "(missing)"
  echo "--- service log:"; cat "$PD/WinEventEngine-service.log" 2>/dev/null || echo "(missing)"
  return 1
}
msi() {   # msiexec ARGS... -> its exit status; the verbose log is printed when it fails
  local rc=0
  wine msiexec "$@" /qn /l*v "$(winpath "$TMP/msiexec.log")" || rc=$?
  [ $rc -eq 0 ] || { tail -40 "$TMP/msiexec.log" | tr -d '\r'; }
  return $rc
}
reg_query() { wine reg query "$@" | tr -d '\r'; }
# The host.exe service process of this prefix (a zombie has exited: its environ is unreadable).
host_running() {
  local p
  for p in $(pgrep -f 'WinEventEngine.host\.exe' || true); do
    grep -qxF "WINEPREFIX=$WINEPREFIX" <<<"$(tr '\0' '\n' <"/proc/$p/environ" 2>/dev/null)" && return 0
  done
  return 1
}
stop_service() {   # Windows' StopServices waits for the process; Wine's does not (see above)
  wine "$HOSTW" service stop >/dev/null || fail "host service stop"
  local i
  for ((i = 0; i < 150; i++)); do host_running || return 0; sleep 0.2; done
  fail "the service process did not exit after it stopped"
}
# (outputs are captured before grep -q reads them: with pipefail, a writer cut off by grep -q fails)
table() { msiinfo export "$1" "$2" | tr -d '\r'; }
product_code() { table "$1" Property | awk -F'\t' '$1 == "ProductCode" { print $2 }'; }
UNINSTALL='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall'
SVCKEY='HKLM\SYSTEM\CurrentControlSet\Services\WinEventEngine'
EVTKEY='HKLM\SYSTEM\CurrentControlSet\Services\EventLog\Application\WinEventEngine'
ENVKEY='HKLM\System\CurrentControlSet\Control\Session Manager\Environment'
HOSTW='C:\Program Files\WinEventEngine\host.exe'

step "build two MSIs"
OLD=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$BUILD/CMakeCache.txt")
IFS=. read -r major minor patch <<<"$OLD"
NEW="$major.$minor.$((patch + 1))"
bash "$SRC/packaging/windows/build-msi.sh" "$BUILD" "$TMP/old.msi" "$OLD"
bash "$SRC/packaging/windows/build-msi.sh" "$BUILD" "$TMP/new.msi" "$NEW"
grep -qP "^ProductVersion\t$NEW\r?$" <<<"$(table "$TMP/new.msi" Property)" || fail "new.msi: ProductVersion is not $NEW"
# The tables Wine 8's msi ignores (no MsiLockPermissionsEx, no MsiConfigureServices): present and right.
grep -qF 'DATADIR	CreateFolder	D:PAI(A;OICI;FA;;;SY)(A;OICI;FA;;;BA)(A;OICI;0x1200a9;;;BU)' <<<"$(table "$TMP/old.msi" MsiLockPermissionsEx)" ||
  fail "old.msi: no admin-only DACL for the ProgramData folder"
grep -qF 'WinEventEngine	5	86400			1[~]1[~]0	5000[~]5000[~]0	HostExe' <<<"$(table "$TMP/old.msi" MsiServiceConfigFailureActions)" ||
  fail "old.msi: no restart-on-failure actions"
grep -qP '^WeeRestartOnExit\tWinEventEngine\t5\t4\t1\tHostExe$' <<<"$(table "$TMP/old.msi" MsiServiceConfig)" ||
  fail "old.msi: no restart on a non-zero exit (FAILURE_ACTIONS_FLAG)"
grep -qP '^StarterConfig\t\S+\tDATADIR\t400\t' <<<"$(table "$TMP/old.msi" Component)" ||
  fail "old.msi: the starter config component is not Permanent + NeverOverwrite"
OLD_CODE=$(product_code "$TMP/old.msi") NEW_CODE=$(product_code "$TMP/new.msi")
[ "$OLD_CODE" != "$NEW_CODE" ] || fail "both MSIs have the product code $OLD_CODE"

step "fresh Wine prefix $WINEPREFIX"
wee_wine_start || fail "Wine prefix setup"
PF="$WINEPREFIX/drive_c/Program Files/WinEventEngine"
PD="$WINEPREFIX/drive_c/ProgramData/WinEventEngine"

step "install $OLD silently"
msi /i "$(winpath "$TMP/old.msi")" || fail "msiexec /i old.msi"
for f in host.exe README.txt config/examples/heartbeat.json sdk/include/wee/wee.h sdk/examples/echo_action.c \
         docs/config.md console/index.html console/console.js $(cd "$BUILD" && ls modules/*.dll); do
  [ -f "$PF/$f" ] || fail "not installed: Program Files\\WinEventEngine\\$f"
done
cmp -s "$PD/config.json" "$SRC/packaging/windows/config.json" || fail "ProgramData\\WinEventEngine\\config.json is not the starter config"
svc=$(reg_query "$SVCKEY") || fail "no service key $SVCKEY"
echo "$svc"
grep -qF 'host.exe service run --config "C:\ProgramData\WinEventEngine\config.json" --name "WinEventEngine"' <<<"$svc" ||
  fail "service ImagePath"
grep -qP 'Start\s+REG_DWORD\s+0x2$' <<<"$svc" || fail "service is not automatic start"
grep -qP 'ObjectName\s+REG_SZ\s+LocalSystem$' <<<"$svc" || fail "service account"
grep -qF 'EventCreate.exe' <<<"$(reg_query "$EVTKEY")" || fail "no Event Log source $EVTKEY"
grep -qF "$OLD" <<<"$(reg_query "$UNINSTALL\\$OLD_CODE" /v DisplayVersion)" || fail "Programs and Features: no $OLD"
if grep -qF 'WinEventEngine' <<<"$(reg_query "$ENVKEY" /v PATH)"; then fail "PATH changed without ADDTOPATH=1"; fi

step "the installed service runs the starter config"
wait_text "$PD/WinEventEngine-service.log" 30 "WinEventEngine is running" || fail "the service did not run its starter rule"
grep -q RUNNING <<<"$(wine sc query WinEventEngine)" || fail "sc query: not RUNNING"

step "edit the config: a timer rule that logs to a file"
cat >"$PD/config.json" <<'EOF'
{ "version": 1,
  "sources": [ { "id": "beat", "module": "timer", "interval_ms": 200, "immediate": true } ],
  "rules": [ { "name": "beat", "when": { "event": "timer.tick", "source": "beat" },
    "do": [ { "action": "log", "target": "file", "file": "C:\\ProgramData\\WinEventEngine\\fired.log",
              "message": "fired {{count}}" } ] } ] }
EOF
cp "$PD/config.json" "$TMP/edited.json"
wait_text "$PD/fired.log" 30 "fired 2" || fail "the edited rule did not fire after the reload"
stop_service
rm -f "$PD/fired.log"
wine "$HOSTW" service start >/dev/null || fail "host service start"
wait_text "$PD/fired.log" 30 "fired 1" || fail "the restarted service did not run the edited config"

step "upgrade to $NEW with ADDTOPATH=1"
stop_service
rm -f "$PD/fired.log"
msi /i "$(winpath "$TMP/new.msi")" ADDTOPATH=1 || fail "msiexec /i new.msi (upgrade)"
cmp -s "$PD/config.json" "$TMP/edited.json" || fail "the upgrade changed the edited config.json"
grep -qF "$NEW" <<<"$(reg_query "$UNINSTALL\\$NEW_CODE" /v DisplayVersion)" || fail "Programs and Features: no $NEW"
if reg_query "$UNINSTALL\\$OLD_CODE" >/dev/null; then fail "$OLD is still registered after the upgrade"; fi
grep -qF 'service run' <<<"$(reg_query "$SVCKEY")" || fail "no service after the upgrade"
wait_text "$PD/fired.log" 30 "fired 1" || fail "the upgraded service did not run the edited config"
grep -qF 'C:\Program Files\WinEventEngine' <<<"$(reg_query "$ENVKEY" /v PATH)" || fail "ADDTOPATH=1: folder not on PATH"

step "a downgrade to $OLD is refused"
if msi /i "$(winpath "$TMP/old.msi")" >/dev/null; then fail "installing $OLD over $NEW succeeded"; fi
grep -qF "$NEW" <<<"$(reg_query "$UNINSTALL\\$NEW_CODE" /v DisplayVersion)" || fail "the refused downgrade removed $NEW"
cmp -s "$PD/config.json" "$TMP/edited.json" || fail "the refused downgrade changed config.json"

step "repair after host.exe and modules\\timer.dll were deleted"
stop_service
rm -f "$PF/host.exe" "$PF/modules/timer.dll" "$PD/fired.log"
msi /i "$(winpath "$TMP/new.msi")" REINSTALL=ALL REINSTALLMODE=omus || fail "repair"
[ -f "$PF/host.exe" ] && [ -f "$PF/modules/timer.dll" ] || fail "repair did not restore the files"
cmp -s "$PD/config.json" "$TMP/edited.json" || fail "the repair changed the edited config.json"
wait_text "$PD/fired.log" 30 "fired 1" || fail "the repaired service did not run"

step "uninstall"
stop_service
msi /x "$(winpath "$TMP/new.msi")" || fail "msiexec /x"
if [ -e "$PF" ]; then find "$PF"; fail "Program Files\\WinEventEngine is still there"; fi
if reg_query "$SVCKEY" >/dev/null; then fail "the service is still registered"; fi
if reg_query "$EVTKEY" >/dev/null; then fail "the Event Log source is still registered"; fi
if grep -qF 'WinEventEngine' <<<"$(reg_query "$ENVKEY" /v PATH)"; then fail "the PATH entry is still there"; fi
cmp -s "$PD/config.json" "$TMP/edited.json" || fail "uninstall removed or changed the config (it must stay)"
step "PASS"
