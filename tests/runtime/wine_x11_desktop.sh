#!/usr/bin/env bash
# Runs test_rt_desktop_win32.exe once more in a Wine session of its own with the X11 display driver on
# a private Xvfb. There Wine's explorer has a notification area (Shell_TrayWnd), which the null
# driver of the main Wine run lacks, so the Shell_NotifyIcon balloon path really runs; this run fails
# unless the balloon was accepted. Own prefix, own wineserver, own X display (-displayfd picks a free
# one); all of it is torn down on exit.   usage: wine_x11_desktop.sh path/to/test_rt_desktop_win32.exe
set -uo pipefail
exe=$1
command -v Xvfb >/dev/null || { echo "Xvfb is missing (package xvfb, tools/install-deps.sh)"; exit 1; }
W=/usr/lib/wine/wine64
S=/usr/lib/wine/wineserver
tmp=$(mktemp -d /tmp/wee-wine-x11.XXXXXX)
export WINEPREFIX=$tmp/prefix WINEDEBUG=fixme-all WINEDLLOVERRIDES="mscoree,mshtml="
Xvfb -displayfd 3 -screen 0 1024x768x24 -nolisten tcp 3>"$tmp/display" >/dev/null 2>&1 &
xpid=$!
cleanup() {
  "$S" -k >/dev/null 2>&1
  "$S" -w >/dev/null 2>&1
  kill "$xpid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
for _ in $(seq 100); do [ -s "$tmp/display" ] && break; sleep 0.1; done
[ -s "$tmp/display" ] || { echo "Xvfb did not start"; exit 1; }
export DISPLAY=:$(cat "$tmp/display")
# Same recipe as tools/wine-env.sh, with the X11 driver instead of null; every Wine process started
# here gets /dev/null, so none holds CTest's output pipes open.
"$W" wineboot -i </dev/null >/dev/null 2>&1
"$W" reg add 'HKCU\Software\Wine\WineDbg' /v ShowCrashDialog /t REG_DWORD /d 0 /f </dev/null >/dev/null 2>&1
"$S" -k >/dev/null 2>&1; "$S" -w >/dev/null 2>&1
"$S" -p </dev/null >/dev/null 2>&1
"$W" wineboot </dev/null >/dev/null 2>&1
"$W" "$exe" </dev/null >"$tmp/out.txt" 2>&1
rc=$?
grep -v ':err:' "$tmp/out.txt"
[ $rc -eq 0 ] || { echo "test_rt_desktop_win32 failed under the X11 driver (exit $rc)"; exit 1; }
grep -q "balloon accepted by Shell_TrayWnd" "$tmp/out.txt" || { echo "the X11 session had no notification area"; exit 1; }
echo "balloon path ran under Wine's X11 driver (DISPLAY $DISPLAY)"
