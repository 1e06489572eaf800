# Test wiring of the lua module (read by tests/CMakeLists.txt; helpers in tests/WeeTest.cmake).
# test_lua_sandbox defines realpath() to swap a folder for a link between the fs check and its use:
# the module's calls must reach it, so the executable exports its symbols.
if(CMAKE_SYSTEM_NAME STREQUAL "Linux")
  wee_module_test(test_lua_sandbox TARGET_PROPERTIES ENABLE_EXPORTS ON)
endif()
