set(WEE_TEST_DIR ${CMAKE_BINARY_DIR}/tests)
add_library(wee_test_support STATIC ${CMAKE_CURRENT_LIST_DIR}/support/test_support.c
  ${CMAKE_CURRENT_LIST_DIR}/support/http_test_server.c)
target_include_directories(wee_test_support PUBLIC ${CMAKE_CURRENT_LIST_DIR}/support)
target_link_libraries(wee_test_support PUBLIC wee_core wee::cmocka)
if(WIN32)
  target_link_libraries(wee_test_support PUBLIC ws2_32) # http_test_server's Winsock
endif()

# wee_add_unit_test(name source [extra sources/libs via target_link_libraries afterwards])
function(wee_add_unit_test name src)
  add_executable(${name} ${src})
  target_link_libraries(${name} PRIVATE wee_test_support wee_core wee::cmocka)
  set_target_properties(${name} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${WEE_TEST_DIR})
  target_compile_definitions(${name} PRIVATE
    WEE_SOURCE_DIR="${CMAKE_SOURCE_DIR}" WEE_BINARY_DIR="${CMAKE_BINARY_DIR}")
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT 120)
endfunction()

# wee_module_test(<test> [SOURCES files...] [INCLUDES dirs...] [LIBS targets...] [DEPENDS targets...]
#                 [PROPERTIES test-properties...] [TARGET_PROPERTIES target-properties...])
# For a module's tests.cmake (see the end of tests/CMakeLists.txt): the test executable <test> also
# compiles the named module sources and sees INCLUDES (both relative to the module folder, which is always
# on the include path), links LIBS, is built after DEPENDS and gets PROPERTIES / TARGET_PROPERTIES.
# Nothing happens when <test> is not built on this platform.
function(wee_module_test test)
  if(NOT TARGET ${test})
    return()
  endif()
  cmake_parse_arguments(T "" "" "SOURCES;INCLUDES;LIBS;DEPENDS;PROPERTIES;TARGET_PROPERTIES" ${ARGN})
  set(dir ${CMAKE_CURRENT_LIST_DIR})  # the tests.cmake being read: its module's folder
  foreach(s ${T_SOURCES})
    get_filename_component(abs ${s} ABSOLUTE BASE_DIR ${dir})
    target_sources(${test} PRIVATE ${abs})
  endforeach()
  set(includes ${dir})
  foreach(d ${T_INCLUDES})
    get_filename_component(abs ${d} ABSOLUTE BASE_DIR ${dir})
    list(APPEND includes ${abs})
  endforeach()
  target_include_directories(${test} PRIVATE ${includes})
  if(T_LIBS)
    target_link_libraries(${test} PRIVATE ${T_LIBS})
  endif()
  if(T_DEPENDS)
    add_dependencies(${test} ${T_DEPENDS})
  endif()
  if(T_PROPERTIES)
    set_tests_properties(${test} PROPERTIES ${T_PROPERTIES})
  endif()
  if(T_TARGET_PROPERTIES)
    set_target_properties(${test} PROPERTIES ${T_TARGET_PROPERTIES})
  endif()
endfunction()

# wee_add_runtime_test(<name> [SOURCES extra.c...] [LIBS targets...] [DEFINES defs...] [DEPENDS targets...]
#                      [TIMEOUT seconds] [PROPERTIES test-properties...])
# test_<name> from tests/runtime/test_<name>.c + rt_support.c (SOURCES: relative to tests/runtime, or
# absolute): the real host (built first, with every module) driven by a CMocka executable in build/tests.
# WEE_SOURCE_DIR is defined for every one.
set(WEE_RUNTIME_TEST_DIR ${CMAKE_CURRENT_LIST_DIR}/runtime)
function(wee_add_runtime_test name)
  cmake_parse_arguments(R "" "TIMEOUT" "SOURCES;LIBS;DEFINES;DEPENDS;PROPERTIES" ${ARGN})
  set(t test_${name})
  set(sources ${WEE_RUNTIME_TEST_DIR}/${t}.c ${WEE_RUNTIME_TEST_DIR}/rt_support.c)
  foreach(s ${R_SOURCES})
    get_filename_component(abs ${s} ABSOLUTE BASE_DIR ${WEE_RUNTIME_TEST_DIR})
    list(APPEND sources ${abs})
  endforeach()
  add_executable(${t} ${sources})
  target_link_libraries(${t} PRIVATE wee_test_support wee_core wee::cmocka wee::cjson ${R_LIBS})
  target_compile_definitions(${t} PRIVATE WEE_SOURCE_DIR="${CMAKE_SOURCE_DIR}" ${R_DEFINES})
  set_target_properties(${t} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${WEE_TEST_DIR})
  get_property(modules GLOBAL PROPERTY WEE_MODULE_TARGETS)
  add_dependencies(${t} host ${modules} ${R_DEPENDS})
  add_test(NAME ${t} COMMAND ${t})
  if(NOT R_TIMEOUT)
    set(R_TIMEOUT 300)
  endif()
  set_tests_properties(${t} PROPERTIES TIMEOUT ${R_TIMEOUT} ${R_PROPERTIES})
endfunction()

# wee_add_test_program(<target> <source in tests/runtime> [libs...]): a helper program a runtime test starts
# (a child process, a window driver), built into build/tests.
function(wee_add_test_program target src)
  add_executable(${target} ${WEE_RUNTIME_TEST_DIR}/${src})
  if(ARGN)
    target_link_libraries(${target} PRIVATE ${ARGN})
  endif()
  set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${WEE_TEST_DIR})
endfunction()
