# Test wiring of the notify module, and of notify + media together (read by tests/CMakeLists.txt;
# helpers in tests/WeeTest.cmake).
# The text cleaning every notification goes through, directly (portable).
wee_module_test(test_notify_text SOURCES notify_text.c)

# Linux: the real host against a private dbus-daemon with a fake notification server and MPRIS players
# (tests/runtime/desktop_bus_fakes.py, Debian's python3-dbus + python3-gi).
if(NOT WIN32 AND TARGET mod_notify AND TARGET mod_media)
  find_program(WEE_DEBIAN_PYTHON3 NAMES python3 PATHS /usr/bin NO_DEFAULT_PATH)
  if(NOT WEE_DEBIAN_PYTHON3)
    set(WEE_DEBIAN_PYTHON3 python3)
  endif()
  # See tools/test.sh: the LSan tracer crash that libsystemd's dynamic TLS can set off under ASan.
  wee_add_runtime_test(rt_desktop_dbus DEFINES WEE_PYTHON3="${WEE_DEBIAN_PYTHON3}"
                       PROPERTIES ENVIRONMENT LSAN_OPTIONS=intercept_tls_get_addr=0)
endif()

# Windows (Wine in CI): SendInput observed by a WH_KEYBOARD_LL hook in kbd_hook_watch, and a real
# Shell_NotifyIcon balloon.
if(WIN32 AND TARGET mod_notify AND TARGET mod_media)
  wee_add_test_program(kbd_hook_watch kbd_hook_watch.c user32)
  wee_add_runtime_test(rt_desktop_win32 LIBS user32 DEPENDS kbd_hook_watch testchild)
  # Cross-built on Linux: the same test once more in a Wine session with the X11 driver on Xvfb, where
  # explorer has a notification area, so the balloon path runs too (a Linux command: no emulator).
  if(CMAKE_CROSSCOMPILING AND CMAKE_HOST_UNIX)
    add_test(NAME test_rt_desktop_win32_x11 COMMAND bash ${WEE_RUNTIME_TEST_DIR}/wine_x11_desktop.sh
      $<TARGET_FILE:test_rt_desktop_win32>)
    set_tests_properties(test_rt_desktop_win32_x11 PROPERTIES TIMEOUT 300)
  endif()
endif()
