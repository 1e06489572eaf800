/*
 * A module is never closed while anything still uses it. Modules the running config does not use are
 * closed (at start, after a console check, after a console describe), but an older rule set can outlive
 * its config: an action still running after a reload, the event tester holding the rules it tests. Its
 * actions' instances belong to modules the new config may no longer name; closing such a module would
 * leave the worker returning into unmapped code and the rule set's last release calling an unmapped
 * action_destroy. Here with the real `log` module file through the real loader and config loader.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "config.h"
#include "host_api.h"
#include "loader.h"
#include "platform/platform.h"

static const char *WITH_LOG = "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"custom.x\"},"
                              " \"do\": [{\"action\": \"log\", \"message\": \"x {{type}}\"}]}]}";
static const char *WITHOUT = "{\"version\": 1, \"rules\": []}";

static config *load(const char *text, module_registry *reg)
{
    diag_list d = DIAG_INIT;
    config *c = config_load_text(text, "users.json", reg, host_api_get(), 1, &d);
    for (size_t i = 0; i < d.count; i++) fprintf(stderr, "%s: %s\n", d.items[i].path, d.items[i].message);
    diag_free(&d);
    assert_non_null(c);
    return c;
}

static void held_rule_set_keeps_its_modules_open(void **state)
{
    (void)state;
    char dir[1024], path[1400], err[512] = "";
    plat_exe_dir(dir, sizeof dir);
    snprintf(path, sizeof path, "%s%s..%smodules%slog%s", dir, plat_path_sep(), plat_path_sep(), plat_path_sep(),
             plat_dl_suffix());
    module_registry reg;
    memset(&reg, 0, sizeof reg);
    reg.api = host_api_get();
    assert_int_equal(loader_load_file(&reg, path, reg.api, err, sizeof err), 0);
    const loaded_module *m = reg.mods[0];

    config *old = load(WITH_LOG, &reg);
    rule_set *held = rule_set_ref(old->rules); /* an action still running, or the tester */
    config_free(old);
    config *now = load(WITHOUT, &reg);
    config_unload_unused_modules(now, &reg);
    assert_non_null(m->lib);
    assert_false(m->unloaded);

    /* The last user gone, the next clean-up closes it; a config that needs it opens it again. */
    rule_set_unref(held);
    config_unload_unused_modules(now, &reg);
    assert_null(m->lib);
    assert_true(m->unloaded);
    config *again = load(WITH_LOG, &reg);
    assert_non_null(m->lib);
    config_unload_unused_modules(again, &reg);
    assert_non_null(m->lib);
    config_free(again);
    config_free(now);
    loader_unload_all(&reg);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(held_rule_set_keeps_its_modules_open),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
