/* engine.control and engine.metrics: defaults, accepted values, and one exact error per bad value. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "config.h"

static const module_registry no_modules = { NULL, 0, 0 };

/* A valid endpoint name, in JSON, and its value. */
#ifdef _WIN32
#define GOOD_PATH_JSON "\"\\\\\\\\.\\\\pipe\\\\wee-x\""
#define GOOD_PATH "\\\\.\\pipe\\wee-x"
#else
#define GOOD_PATH_JSON "\"/run/x/c.sock\""
#define GOOD_PATH "/run/x/c.sock"
#endif

static config *load(const char *engine_json, diag_list *d)
{
    char text[1024];
    snprintf(text, sizeof text, "{ \"version\": 1, \"engine\": %s, \"sources\": [], \"rules\": [] }", engine_json);
    return config_load_text(text, "t.json", &no_modules, NULL, 0, d);
}

static void expect_error(const char *engine_json, const char *path, const char *needle)
{
    diag_list d = DIAG_INIT;
    config *c = load(engine_json, &d);
    int ok = !c && d.count == 1 && strcmp(d.items[0].path, path) == 0 && strstr(d.items[0].message, needle);
    if (!ok) {
        fprintf(stderr, "engine %s\n  want %s: ...%s...\n", engine_json, path, needle);
        for (size_t i = 0; i < d.count; i++) fprintf(stderr, "  got  %s: %s\n", d.items[i].path, d.items[i].message);
    }
    config_free(c);
    diag_free(&d);
    assert_true(ok);
}

static void test_defaults(void **s)
{
    (void)s;
    diag_list d = DIAG_INIT;
    config *c = load("{}", &d);
    assert_non_null(c);
    assert_int_equal(c->engine.control_enabled, 1);
    assert_null(c->engine.control_path);
    assert_null(c->engine.metrics_listen);   /* metrics are off unless asked for */
    config_free(c);
    diag_free(&d);
}

static void test_values(void **s)
{
    (void)s;
    diag_list d = DIAG_INIT;
    config *c = load("{ \"control\": { \"enabled\": false, \"path\": " GOOD_PATH_JSON " },"
                     "  \"metrics\": { \"listen\": \"[::1]:9464\" } }", &d);
    assert_non_null(c);
    assert_int_equal(c->engine.control_enabled, 0);
    assert_string_equal(c->engine.control_path, GOOD_PATH);
    assert_string_equal(c->engine.metrics_listen, "[::1]:9464");
    config_free(c);
    c = load("{ \"control\": { \"path\": null }, \"metrics\": { \"listen\": null } }", &d);
    assert_non_null(c);
    assert_null(c->engine.control_path);
    assert_null(c->engine.metrics_listen);
    config_free(c);
    diag_free(&d);
}

static void test_errors(void **s)
{
    (void)s;
    expect_error("{ \"metrics\": { \"listen\": \"0.0.0.0:9464\" } }", "engine.metrics.listen",
                 "only loopback addresses are allowed");
    expect_error("{ \"metrics\": { \"listen\": \"10.1.2.3:80\" } }", "engine.metrics.listen",
                 "only loopback addresses are allowed");
    expect_error("{ \"metrics\": { \"listen\": \"127.0.0.1\" } }", "engine.metrics.listen", "expected host:port");
    expect_error("{ \"metrics\": { \"listen\": 9464 } }", "engine.metrics.listen", "got 9464");
    expect_error("{ \"metrics\": { \"port\": 9464 } }", "engine.metrics.port", "unknown key");
    expect_error("{ \"metrics\": true }", "engine.metrics", "expected object");
    expect_error("{ \"control\": { \"path\": 5 } }", "engine.control.path", "expected a socket path");
    expect_error("{ \"control\": { \"path\": \"\" } }", "engine.control.path", "expected a socket path");
    expect_error("{ \"control\": { \"enabled\": \"yes\" } }", "engine.control.enabled", "");
    expect_error("{ \"control\": { \"socket\": \"x\" } }", "engine.control.socket", "unknown key");
    expect_error("{ \"control\": \"/tmp/x.sock\" }", "engine.control", "expected object");
    /* The platform's own shape of an endpoint is checked when the config loads, not at start. */
#ifdef _WIN32
    expect_error("{ \"control\": { \"path\": \"/tmp/x.sock\" } }", "engine.control.path", "is not a pipe name");
    expect_error("{ \"control\": { \"path\": \"\\\\\\\\.\\\\pipe\\\\a\\\\b\" } }", "engine.control.path",
                 "is not a pipe name");
#else
    expect_error("{ \"control\": { \"path\": \"/tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.sock\" } }",
                 "engine.control.path", "longer than 107 bytes");
#endif
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
