# wee_add_module(NAME <name> SOURCES <files...> [LIBS <targets...>])
# Builds modules/<name>.so|.dll (no "lib" prefix) into ${WEE_MODULE_DIR}. A module sees the SDK headers
# and may link the static helpers wee_platform / wee_util; it never links the host.
function(wee_add_module)
  cmake_parse_arguments(M "" "NAME" "SOURCES;LIBS" ${ARGN})
  set(target mod_${M_NAME})
  add_library(${target} MODULE ${M_SOURCES})
  set_target_properties(${target} PROPERTIES
    OUTPUT_NAME ${M_NAME} PREFIX ""
    LIBRARY_OUTPUT_DIRECTORY ${WEE_MODULE_DIR}
    RUNTIME_OUTPUT_DIRECTORY ${WEE_MODULE_DIR})
  target_include_directories(${target} PRIVATE ${CMAKE_SOURCE_DIR}/sdk/include ${CMAKE_SOURCE_DIR}/core)
  target_link_libraries(${target} PRIVATE ${M_LIBS})
  if(MINGW)
    target_link_options(${target} PRIVATE -static-libgcc -Wl,--exclude-all-symbols)
    # keep only the entry symbol exported (it carries __declspec(dllexport))
  endif()
  set_property(GLOBAL APPEND PROPERTY WEE_MODULE_TARGETS ${target})
endfunction()

# wee_module_test(<test> [SOURCES files...] [INCLUDES dirs...] [LIBS targets...] [DEPENDS targets...]
#                 [PROPERTIES test-properties...] [TARGET_PROPERTIES target-properties...])
# A module folder's own test wiring: the test executable <test> (a unit test tests/unit/<test>.c, or a
# runtime test of tests/runtime) also compiles the named module sources (relative to this folder), sees
# this folder's headers and INCLUDES, links LIBS, is built after DEPENDS, and gets PROPERTIES
# (set_tests_properties) and TARGET_PROPERTIES. Recorded here, applied by wee_apply_module_tests() where
# the test is defined (tests/WeeTest.cmake), so a new module wires its tests without a central list.
# Several calls for one test add up.
function(wee_module_test test)
  cmake_parse_arguments(T "" "" "SOURCES;INCLUDES;LIBS;DEPENDS;PROPERTIES;TARGET_PROPERTIES" ${ARGN})
  set(sources "")
  foreach(s ${T_SOURCES})
    get_filename_component(abs ${s} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND sources ${abs})
  endforeach()
  set(includes ${CMAKE_CURRENT_SOURCE_DIR})
  foreach(d ${T_INCLUDES})
    get_filename_component(abs ${d} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    list(APPEND includes ${abs})
  endforeach()
  set_property(GLOBAL APPEND PROPERTY WEE_MODULE_TESTS ${test})
  foreach(kind SOURCES INCLUDES LIBS DEPENDS PROPERTIES TARGET_PROPERTIES)
    string(TOLOWER ${kind} var)
    if(kind STREQUAL "SOURCES" OR kind STREQUAL "INCLUDES")
      set(values ${${var}})
    else()
      set(values ${T_${kind}})
    endif()
    if(values)
      set_property(GLOBAL APPEND PROPERTY WEE_MODULE_TEST_${test}_${kind} ${values})
    endif()
  endforeach()
endfunction()
