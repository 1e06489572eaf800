# Test wiring of the window module (read by tests/CMakeLists.txt; helpers in tests/WeeTest.cmake).
# On Linux a real X server (Xvfb, started by the test) and an xcb client that drives a window through its
# life; on Windows a Win32 program that does the same (see docs/modules/window.md).
if(TARGET mod_window)
  if(WIN32)
    wee_add_test_program(win_driver win_driver.c user32 shell32)
    wee_add_runtime_test(rt_window_win32 DEPENDS win_driver)
  else()
    wee_add_test_program(xwin_driver xwin_driver.c PkgConfig::WEE_XCB)
    wee_add_runtime_test(rt_window_x11 DEPENDS xwin_driver)
  endif()
endif()
