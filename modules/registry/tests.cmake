# Test wiring of the registry module (read by tests/CMakeLists.txt; helpers in tests/WeeTest.cmake).
# The portable key-path parsing, data text and snapshot diff, directly on every OS.
wee_module_test(test_registry_diff SOURCES reg_path.c reg_data.c reg_snapshot.c)
# ETW mode: the Kernel-Registry payload decoder, key name cache and writer log, on every OS.
wee_module_test(test_registry_etw SOURCES reg_etw_decode.c reg_etw_names.c ../etw/etw_text.c INCLUDES ../etw)
if(WIN32) # the session callback's path on hand-built EVENT_RECORDs
  wee_module_test(test_registry_etw SOURCES registry_etw.c LIBS wee_etw)
endif()
# The real host and the real reg.exe (Windows only; see docs/modules/registry.md).
if(TARGET mod_registry)
  wee_add_runtime_test(rt_registry)
endif()
# Rule conditions and templates use the fields modules declare (ABI 1.3, tests/unit/module_fields.h): these
# core tests compile in the registry's field table and key normaliser (the module is Windows-only).
foreach(t test_cond test_rule_index test_template test_arg_check test_rule_memory test_module_actions)
  wee_module_test(${t} SOURCES reg_fields.c reg_path.c)
endforeach()
