#!/usr/bin/env bash
# The module ABI's promise (DESIGN.md, sdk/include/wee/module.h): a module exports exactly one symbol,
# wee_module_entry. A static library linked into a module can break it behind our back (a mingw libcurl.a
# built without CURL_STATICLIB carries dllexport directives: http.dll and lua.dll then exported 82 curl_*
# functions). usage: check-module-exports.sh MODULE_FILE...  (ELF .so via nm, PE .dll via objdump)
set -uo pipefail
bad=0
for f in "$@"; do
  case "$f" in
    *.dll) syms=$(x86_64-w64-mingw32-objdump -p "$f" | sed -n '/\[Ordinal\/Name Pointer\] Table/,/^$/p' |
                  sed -n 's/^[[:space:]]*\[[[:space:]]*[0-9]*\] //p') ;;
    *) # the linker's own markers (_edata, _end, __bss_start, _init, _fini) are not the module's
       syms=$(nm -D --defined-only "$f" | awk '$2 ~ /^[TDBRVWi]$/ { print $3 }' | grep -vx '_init\|_fini\|__bss_start\|_edata\|_end') ;;
  esac
  if [ "$syms" != "wee_module_entry" ]; then
    echo "FAIL $f exports $(printf '%s\n' "$syms" | grep -c .) symbol(s), not only wee_module_entry:" >&2
    printf '%s\n' "$syms" | head -20 | sed 's/^/  /' >&2
    bad=1
  else
    echo "ok   $f: wee_module_entry only"
  fi
done
exit $bad
