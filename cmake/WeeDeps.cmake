# Imported targets for the third-party libraries, the same names on every platform:
#   wee::cjson wee::pcre2 wee::lua wee::curl wee::cmocka
# Linux: Debian -dev packages through pkg-config.
# Windows (mingw cross build): the prefix built by tools/build-mingw-deps.sh, passed as
# CMAKE_PREFIX_PATH / CMAKE_FIND_ROOT_PATH by the toolchain file. Static libraries, so host.exe and the
# module DLLs carry no third-party DLL next to them.
if(WIN32)
  find_path(WEE_DEPS_INCLUDE cjson/cJSON.h REQUIRED)
  find_library(WEE_CJSON_LIB NAMES libcjson.a cjson REQUIRED)
  find_library(WEE_PCRE2_LIB NAMES libpcre2-8.a pcre2-8 pcre2-8-static REQUIRED)
  find_library(WEE_LUA_LIB NAMES liblua54.a lua54 REQUIRED)
  find_library(WEE_CURL_LIB NAMES libcurl.a curl REQUIRED)
  find_library(WEE_CMOCKA_LIB NAMES libcmocka-static.a cmocka-static cmocka REQUIRED)

  add_library(wee::cjson INTERFACE IMPORTED)
  target_include_directories(wee::cjson INTERFACE ${WEE_DEPS_INCLUDE})
  target_link_libraries(wee::cjson INTERFACE ${WEE_CJSON_LIB})
  target_compile_definitions(wee::cjson INTERFACE CJSON_HIDE_SYMBOLS)

  add_library(wee::pcre2 INTERFACE IMPORTED)
  target_include_directories(wee::pcre2 INTERFACE ${WEE_DEPS_INCLUDE})
  target_link_libraries(wee::pcre2 INTERFACE ${WEE_PCRE2_LIB})
  target_compile_definitions(wee::pcre2 INTERFACE PCRE2_STATIC PCRE2_CODE_UNIT_WIDTH=8)

  add_library(wee::lua INTERFACE IMPORTED)
  target_include_directories(wee::lua INTERFACE ${WEE_DEPS_INCLUDE})
  target_link_libraries(wee::lua INTERFACE ${WEE_LUA_LIB})

  add_library(wee::curl INTERFACE IMPORTED)
  target_include_directories(wee::curl INTERFACE ${WEE_DEPS_INCLUDE})
  target_link_libraries(wee::curl INTERFACE ${WEE_CURL_LIB} ws2_32 crypt32 bcrypt secur32 advapi32 normaliz iphlpapi)
  target_compile_definitions(wee::curl INTERFACE CURL_STATICLIB)

  add_library(wee::cmocka INTERFACE IMPORTED)
  target_include_directories(wee::cmocka INTERFACE ${WEE_DEPS_INCLUDE})
  target_link_libraries(wee::cmocka INTERFACE ${WEE_CMOCKA_LIB})
  target_compile_definitions(wee::cmocka INTERFACE CMOCKA_STATIC)
else()
  find_package(PkgConfig REQUIRED)
  pkg_check_modules(WEE_PC_CJSON REQUIRED IMPORTED_TARGET libcjson)
  pkg_check_modules(WEE_PC_PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)
  pkg_check_modules(WEE_PC_LUA REQUIRED IMPORTED_TARGET lua5.4)
  pkg_check_modules(WEE_PC_CURL REQUIRED IMPORTED_TARGET libcurl)
  pkg_check_modules(WEE_PC_CMOCKA REQUIRED IMPORTED_TARGET cmocka)
  add_library(wee::cjson INTERFACE IMPORTED)
  target_link_libraries(wee::cjson INTERFACE PkgConfig::WEE_PC_CJSON)
  add_library(wee::pcre2 INTERFACE IMPORTED)
  target_link_libraries(wee::pcre2 INTERFACE PkgConfig::WEE_PC_PCRE2)
  target_compile_definitions(wee::pcre2 INTERFACE PCRE2_CODE_UNIT_WIDTH=8)
  add_library(wee::lua INTERFACE IMPORTED)
  target_link_libraries(wee::lua INTERFACE PkgConfig::WEE_PC_LUA)
  add_library(wee::curl INTERFACE IMPORTED)
  target_link_libraries(wee::curl INTERFACE PkgConfig::WEE_PC_CURL)
  add_library(wee::cmocka INTERFACE IMPORTED)
  target_link_libraries(wee::cmocka INTERFACE PkgConfig::WEE_PC_CMOCKA)
  find_package(Threads REQUIRED)
endif()
# CivetWeb (the host's HTTP server: metrics endpoint and web console). Linux: Debian's libcivetweb-dev
# (no pkg-config file). Windows: libcivetweb.a from tools/build-mingw-civetweb.sh in the same prefix.
find_path(WEE_CIVETWEB_INCLUDE civetweb.h REQUIRED)
find_library(WEE_CIVETWEB_LIB NAMES libcivetweb.a civetweb REQUIRED)
add_library(wee::civetweb INTERFACE IMPORTED)
target_include_directories(wee::civetweb INTERFACE ${WEE_CIVETWEB_INCLUDE})
target_link_libraries(wee::civetweb INTERFACE ${WEE_CIVETWEB_LIB})
if(WIN32)
  # CivetWeb uses pthreads (clock_gettime too): winpthread, static, so no libwinpthread-1.dll ships.
  find_library(WEE_WINPTHREAD_LIB NAMES libwinpthread.a REQUIRED)
  target_link_libraries(wee::civetweb INTERFACE ${WEE_WINPTHREAD_LIB} ws2_32)
endif()
