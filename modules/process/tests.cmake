# Test wiring of the process module (read by tests/CMakeLists.txt; helpers in tests/WeeTest.cmake).
# Cache, snapshot diff and the ETW payload decoder directly (the decoder on every OS).
wee_module_test(test_process SOURCES process_table.c process_poll.c process_etw_decode.c ../etw/etw_text.c
                INCLUDES ../etw)
# Real children (proc_child) started by the test and by an exec action; Linux runs the netlink connector
# and /proc polling, Windows the ETW path or (Wine) its Toolhelp fallback.
if(TARGET mod_process)
  wee_add_test_program(proc_child proc_child.c)
  wee_add_runtime_test(rt_process DEPENDS proc_child)
endif()
