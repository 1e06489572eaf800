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

