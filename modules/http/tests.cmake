# Test wiring of the http module (read by tests/CMakeLists.txt; helpers in tests/WeeTest.cmake).
# The client is tested directly against the loopback server.
wee_module_test(test_http_client LIBS wee_http_client)
