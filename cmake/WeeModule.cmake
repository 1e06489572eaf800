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

# A static library of code modules share (or a module and its tests): its folder is public to who links
# it, the SDK and core headers are its own.
#   wee_add_module_library(NAME wee_x SOURCES a.c b.c LIBS wee_platform ...)
function(wee_add_module_library)
  cmake_parse_arguments(L "" "NAME" "SOURCES;LIBS" ${ARGN})
  add_library(${L_NAME} STATIC ${L_SOURCES})
  target_include_directories(${L_NAME} PUBLIC ${CMAKE_CURRENT_SOURCE_DIR}
    PRIVATE ${CMAKE_SOURCE_DIR}/sdk/include ${CMAKE_SOURCE_DIR}/core)
  target_link_libraries(${L_NAME} PUBLIC ${L_LIBS})
endfunction()

