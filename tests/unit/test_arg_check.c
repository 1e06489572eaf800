/* `host validate`'s option-injection warnings (core/arg_check.c): a placeholder that begins an
 * argument is reported unless it is an absolute path or follows "--"; inline-script args are not. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "test_support.h"
#include "module_fields.h"
#include "arg_check.h"
#include "config.h"

static int fake_run(void *instance, wee_action_call *call) { (void)instance; (void)call; return 0; }

static const wee_option_spec exec_options[] = {
    WEE_OPTION(.name = "command", .type = WEE_OPT_STRING, .required = 1, .description = "program"),
    WEE_OPTION(.name = "args", .type = WEE_OPT_STRING_LIST, .default_value = "[]", .flags = WEE_OPTF_ARGV,
               .description = "arguments"),
    WEE_OPTION_END
};
/* As the real modules declare them: the checks come from the flags, not from module or option names. */
static const wee_option_spec pwsh_options[] = {
    WEE_OPTION(.name = "script", .type = WEE_OPT_STRING, .flags = WEE_OPTF_ARGV_AS_DATA, .description = "inline"),
    WEE_OPTION(.name = "file", .type = WEE_OPT_STRING, .description = "a .ps1"),
    WEE_OPTION(.name = "params", .type = WEE_OPT_STRING_LIST, .default_value = "[]", .flags = WEE_OPTF_ARGV,
               .description = "arguments"),
    WEE_OPTION_END
};
static loaded_module mod_exec = { .desc = { .struct_size = sizeof(wee_module_desc), .abi_version = WEE_ABI_VERSION,
                                            .name = "exec", .kind = WEE_MODULE_ACTION, .options = exec_options,
                                            .action_run = fake_run } };
static loaded_module mod_pwsh = { .desc = { .struct_size = sizeof(wee_module_desc), .abi_version = WEE_ABI_VERSION,
                                            .name = "pwsh", .kind = WEE_MODULE_ACTION, .options = pwsh_options,
                                            .action_run = fake_run } };
static loaded_module *all_modules[] = { &mod_exec, &mod_pwsh };
static const module_registry registry = { all_modules, 2, 0 };

/* The warnings for one rule's "do" array, as text. */
static char *warnings_for(const char *actions, size_t *count)
{
    char text[2048];
    snprintf(text, sizeof text, "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"file.created\"}, "
                                "\"do\": %s}]}", actions);
    diag_list d = DIAG_INIT;
    config *c = config_load_text(text, "cfg.json", &registry, NULL, 0, &d);
    if (!c) { diag_print(&d, "cfg.json", stderr); fail(); }
    char *dir = test_make_temp_dir("argcheck"), *path = test_path_join(dir, "out.txt");
    FILE *out = fopen(path, "wb");
    assert_non_null(out);
    *count = arg_check_warn(c, "cfg.json", out);
    fclose(out);
    char *got = test_read_file(path);
    config_free(c);
    diag_free(&d);
    test_remove_tree(dir);
    free(path);
    free(dir);
    return got;
}

static void test_leading_placeholders_warn(void **s)
{
    (void)s;
    size_t n;
    char *w = warnings_for("[{\"action\": \"exec\", \"command\": \"rm\", \"args\": [\"-v\", \"{{name}}\", \"{{FILENAME}}.bak\", "
                           "\"x{{name}}\", \"{{ title }}\"]}]", &n);
    assert_int_equal(n, 3);
    assert_non_null(strstr(w, "cfg.json: rules[0].do[0].args[1]: warning: \"{{name}}\" begins with the value of {{name}}; "
                              "event data that begins with '-' (a file named \"-rf\") reaches the program as an option. "
                              "Put \"--\" in the args before it"));
    assert_non_null(strstr(w, "rules[0].do[0].args[2]: warning: \"{{FILENAME}}.bak\" begins with the value of {{name}}"));
    assert_non_null(strstr(w, "rules[0].do[0].args[4]: warning: \"{{ title }}\""));
    assert_null(strstr(w, "args[3]"));  /* x{{name}} cannot begin with '-' */
    free(w);
    w = warnings_for("[{\"action\": \"pwsh\", \"file\": \"a.ps1\", \"params\": [\"{{exec.stdout}}\"]}]", &n);
    assert_int_equal(n, 1);
    assert_non_null(strstr(w, "rules[0].do[0].params[0]: warning: \"{{exec.stdout}}\" begins with the value of "
                              "{{exec.stdout}}; event data that begins with '-' (a file named \"-rf\") reaches the "
                              "program as an option. Put \"--\" in the params before it if the program accepts that, "
                              "pass an absolute path such as a path field, or read the value from the environment "
                              "(WEE_EVENT_<FIELD>) instead (docs/modules/pwsh.md)"));
    free(w);
}

static void test_safe_patterns_do_not_warn(void **s)
{
    (void)s;
    size_t n;
    char *w = warnings_for("[{\"action\": \"exec\", \"command\": \"rm\", \"args\": [\"-f\", \"--\", \"{{name}}\"]}, "
                           "{\"action\": \"exec\", \"command\": \"cp\", \"args\": [\"{{path}}\", \"{{EVENT_PATH}}\", "
                           "\"{{event.dir}}/x\", \"{{old_path}}\", \"{{exe}}\", \"--out={{name}}\", \"{{{{name}}\"]}, "
                           "{\"action\": \"pwsh\", \"script\": \"$WeeArgs\", \"params\": [\"{{name}}\"]}]", &n);
    assert_int_equal(n, 0);
    assert_string_equal(w, "");
    free(w);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leading_placeholders_warn),
        cmocka_unit_test(test_safe_patterns_do_not_warn),
    };
    module_fields_load(); /* the traits the host gets from the modules it loads */
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    module_fields_unload();
    return rc;
}
