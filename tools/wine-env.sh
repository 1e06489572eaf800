#!/usr/bin/env bash
# Headless Wine for the Windows tests (shared notes "windows-under-wine" sections 1.4-1.6):
# a fresh prefix with the null display driver and no crash dialog, a persistent wineserver and a
# pre-booted session, so each test exe then starts in ~30 ms instead of ~2.5 s.
#
# Sourced (tools/test-windows.sh):  . tools/wine-env.sh; wee_wine_start; ...; wee_wine_stop
# Run by hand:  tools/wine-env.sh start        prefix + server up (prints the exports to use)
#               tools/wine-env.sh run X.exe ..  run one exe in that prefix (e.g. a single test)
#               tools/wine-env.sh stop         end the server and every Wine process of the prefix
# The prefix is $WEE_WINEPREFIX (default ~/.cache/wee/wineprefix), recreated by each start: it is
# ~700 MB and rebuilding it (~7 s) is cheaper than trusting an old one. Never a WINEPREFIX of yours.

WEE_WINE=/usr/lib/wine/wine64
WEE_WINESERVER=/usr/lib/wine/wineserver
WEE_WINEPREFIX=${WEE_WINEPREFIX:-$HOME/.cache/wee/wineprefix}
export WINEPREFIX=$WEE_WINEPREFIX
export WINEDEBUG=fixme-all              # keeps loader errors (a missing DLL), drops the noise
export WINEDLLOVERRIDES="mscoree,mshtml="  # no Mono/Gecko install prompts; faster boot
unset DISPLAY                           # console tests need no X; windows use the null driver

wee_wine_stop() {
  "$WEE_WINESERVER" -k >/dev/null 2>&1 || true
  "$WEE_WINESERVER" -w >/dev/null 2>&1 || true
}

wee_wine_start() {
  wee_wine_stop
  rm -rf "$WINEPREFIX"
  mkdir -p "$(dirname "$WINEPREFIX")"
  "$WEE_WINE" wineboot -i >/dev/null 2>&1
  "$WEE_WINE" reg add 'HKCU\Software\Wine\Drivers' /v Graphics /d null /f >/dev/null 2>&1
  # With a display driver a crash opens an invisible dialog and the process hangs forever.
  "$WEE_WINE" reg add 'HKCU\Software\Wine\WineDbg' /v ShowCrashDialog /t REG_DWORD /d 0 /f >/dev/null 2>&1
  wee_wine_stop                          # explorer reads the driver only at session start
  # The server writes the registry files when it exits, so only now can they be checked.
  if ! grep -qs 'ShowCrashDialog' "$WINEPREFIX/user.reg"; then
    echo "wine-env: could not create and configure the prefix $WINEPREFIX" >&2
    return 1
  fi
  wee_wine_serve
}

# The persistent server of an existing prefix. Its stderr goes to $WEE_WINESERVER_LOG, so a
# run can tell that the server itself died (test-windows.sh).
WEE_WINESERVER_LOG=$WEE_WINEPREFIX.server.log
wee_wine_serve() {
  : >"$WEE_WINESERVER_LOG"
  "$WEE_WINESERVER" -p 2>>"$WEE_WINESERVER_LOG"   # persistent; daemonizes itself
  # Start services/explorer now, outside any test's pipes: otherwise the first test inherits them and
  # its runner waits for the session to end (or hangs until its timeout).
  "$WEE_WINE" wineboot >/dev/null 2>&1
}

# Restart the server on the same prefix (what is installed in it stays).
wee_wine_restart() {
  wee_wine_stop
  wee_wine_serve
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  set -uo pipefail
  case "${1:-}" in
    start)
      wee_wine_start || exit 1
      echo "export WINEPREFIX='$WINEPREFIX' WINEDEBUG=$WINEDEBUG WINEDLLOVERRIDES='$WINEDLLOVERRIDES'; unset DISPLAY"
      ;;
    stop) wee_wine_stop ;;
    run) shift; exec "$WEE_WINE" "$@" ;;
    *) echo "usage: $0 start|stop|run EXE [ARG...]" >&2; exit 2 ;;
  esac
fi
