# Cross-compile for Windows x86_64 with mingw-w64; tests run under Wine through the emulator.
# The third-party prefix comes from tools/build-mingw-deps.sh: pass -DWEE_DEPS_PREFIX=... or set it in
# the environment (tools/test-windows.sh does both).
set(CMAKE_SYSTEM_NAME Windows)
set(CMAKE_SYSTEM_PROCESSOR x86_64)
set(CMAKE_C_COMPILER x86_64-w64-mingw32-gcc)
set(CMAKE_RC_COMPILER x86_64-w64-mingw32-windres)
if(NOT WEE_DEPS_PREFIX AND DEFINED ENV{WEE_DEPS_PREFIX})
  set(WEE_DEPS_PREFIX $ENV{WEE_DEPS_PREFIX})
endif()
set(WEE_DEPS_PREFIX "${WEE_DEPS_PREFIX}" CACHE PATH "mingw64 third-party prefix (tools/build-mingw-deps.sh)")
# try_compile projects re-read this file without the cache; hand them the prefix too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES WEE_DEPS_PREFIX)
set(CMAKE_FIND_ROOT_PATH /usr/x86_64-w64-mingw32 ${WEE_DEPS_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
set(CMAKE_CROSSCOMPILING_EMULATOR /usr/lib/wine/wine64)
