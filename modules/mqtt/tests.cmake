# Test wiring of the mqtt module (read by tests/CMakeLists.txt; helpers in tests/WeeTest.cmake).
# The outbound queue / spool file and the payload-to-fields rules, directly (portable, so wired even where
# libmosquitto is missing and the module is not built).
wee_module_test(test_mqtt_queue SOURCES mqtt_queue.c mqtt_payload.c LIBS wee::cjson)

# The real host against Debian's mosquitto, started by the fixture on free loopback ports with a
# generated config, test CA and certificates (mqtt_broker.sh). Natively the test also starts and kills
# brokers of its own; under Wine the fixture (run natively by CTest) serves the Windows host.
if(TARGET mod_mqtt AND (NOT WIN32 OR WEE_MOSQUITTO_LIB))
  string(MD5 WEE_MQTT_HASH "${CMAKE_BINARY_DIR}")
  string(SUBSTRING "${WEE_MQTT_HASH}" 0 10 WEE_MQTT_HASH)
  set(WEE_MQTT_BROKER_DIR /tmp/wee-mqtt-${WEE_MQTT_HASH})
  set(WEE_MQTT_BROKER_SCRIPT ${WEE_RUNTIME_TEST_DIR}/mqtt_broker.sh)
  wee_add_runtime_test(rt_mqtt SOURCES mqtt_support.c LIBS wee_mosquitto TIMEOUT 400
    DEFINES WEE_MQTT_BROKER_DIR="${WEE_MQTT_BROKER_DIR}" WEE_MQTT_BROKER_SCRIPT="${WEE_MQTT_BROKER_SCRIPT}"
    PROPERTIES FIXTURES_REQUIRED mqtt_broker RESOURCE_LOCK mqtt_broker)
  add_test(NAME mqtt_broker_start COMMAND bash -c
           "bash '${WEE_MQTT_BROKER_SCRIPT}' setup '${WEE_MQTT_BROKER_DIR}' && bash '${WEE_MQTT_BROKER_SCRIPT}' start '${WEE_MQTT_BROKER_DIR}' main")
  set_tests_properties(mqtt_broker_start PROPERTIES FIXTURES_SETUP mqtt_broker)
  add_test(NAME mqtt_broker_stop COMMAND bash ${WEE_MQTT_BROKER_SCRIPT} teardown ${WEE_MQTT_BROKER_DIR})
  set_tests_properties(mqtt_broker_stop PROPERTIES FIXTURES_CLEANUP mqtt_broker)
endif()
