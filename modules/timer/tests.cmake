# Test wiring of the timer module (read by tests/CMakeLists.txt; helpers in tests/WeeTest.cmake).
# The schedule arithmetic is tested directly as well as through the module file.
wee_module_test(test_timer SOURCES timer_schedule.c)
