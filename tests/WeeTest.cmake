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
