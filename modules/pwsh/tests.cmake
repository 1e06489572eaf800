# Test wiring of the pwsh module (read by tests/CMakeLists.txt; helpers in tests/WeeTest.cmake).
# The pure argument/environment builders directly; the action tests share the module's probe, so they
# agree with it on whether a real PowerShell is here.
wee_module_test(test_pwsh_args SOURCES pwsh_args.c)
# test_pwsh_action: ~20 PowerShell starts, ~1 min under Wine; testchild is the timeout test's grandchild.
wee_module_test(test_pwsh_action SOURCES pwsh_probe.c pwsh_args.c DEPENDS testchild PROPERTIES TIMEOUT 300)
wee_add_runtime_test(rt_pwsh SOURCES ${CMAKE_CURRENT_LIST_DIR}/pwsh_probe.c ${CMAKE_CURRENT_LIST_DIR}/pwsh_args.c
                     DEPENDS testchild)
target_include_directories(test_rt_pwsh PRIVATE ${CMAKE_CURRENT_LIST_DIR})
if(CMAKE_CROSSCOMPILING) # .NET under Wine loads IL-only assemblies through Wine's builtin mscoree
  set_tests_properties(test_pwsh_action test_rt_pwsh PROPERTIES ENVIRONMENT "WINEDLLOVERRIDES=mshtml=")
endif()
