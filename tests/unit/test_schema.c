/*
 * The config's JSON Schema (core/schema*.c) against the real parser and the real module files:
 * - drift: every key, condition part and operator the parser accepts is in the schema with a type, and
 *   every property the schema offers (host keys and each loaded module's options) is accepted by the
 *   real config parser at that place; the probe itself is shown to catch an unknown key at each level;
 * - the committed config/schema/wee.schema.json is exactly what the generator produces for this build's
 *   modules (native only: Windows builds another set of modules).
 * tests/schema/validate.py (CTest test_schema_validate) checks the examples against the committed file.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_support.h"
#include "config.h"
#include "config_keys.h"
#include "host_api.h"
#include "loader.h"
#include "platform/platform.h"
#include "schema.h"

#define REGEN_HINT "run: host schema --out config/schema/wee.schema.json"

static module_registry reg;

static int setup(void **state)
{
    (void)state;
    char exe[1024], dir[1200];
    plat_exe_dir(exe, sizeof exe);
    snprintf(dir, sizeof dir, "%s%s..%smodules", exe, plat_path_sep(), plat_path_sep());
    loader_scan(&reg, dir, host_api_get());
    if (!loader_find(&reg, "timer") || !loader_find(&reg, "log")) fail_msg("the timer and log modules must be built in %s", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    loader_unload_all(&reg);
    return 0;
}

static cJSON *generated(void)
{
    char *text = schema_generate(&reg, NULL);
    assert_non_null(text);
    cJSON *s = cJSON_Parse(text);
    free(text);
    assert_non_null(s);
    return s;
}

/* Follows "a/b/c" through nested objects. */
static const cJSON *at(const cJSON *j, const char *path)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *part = strtok(buf, "/"); part && j; part = strtok(NULL, "/")) j = cJSON_GetObjectItemCaseSensitive(j, part);
    if (!j) fail_msg("schema has no %s", path);
    return j;
}

/* The property names at `props` are exactly `keys`, in order. */
static void assert_props_are(const cJSON *schema, const char *props, const char *const *keys)
{
    const cJSON *p = at(schema, props);
    size_t n = 0;
    for (const cJSON *c = p->child; c; c = c->next, n++) {
        if (!keys[n]) fail_msg("%s has %s, which the parser does not accept there", props, c->string);
        if (strcmp(c->string, keys[n]) != 0) fail_msg("%s: %s where the parser's list has %s", props, c->string, keys[n]);
    }
    if (keys[n]) fail_msg("the parser accepts %s at %s but the schema does not offer it; " REGEN_HINT, keys[n], props);
}

/* The same for a level described by an option table (the engine section): each WEE_OPT_OBJECT entry's
 * properties are its own table's, one level down. */
static void assert_table_props_are(const cJSON *schema, const char *props, const wee_option_spec *spec)
{
    const char *names[64];
    size_t n = 0;
    for (const wee_option_spec *o = options_spec_next(spec, NULL); o && n < 63; o = options_spec_next(spec, o)) {
        names[n++] = o->name;
        if (o->type != WEE_OPT_OBJECT) continue;
        char sub[256];
        snprintf(sub, sizeof sub, "%s/%s/properties", props, o->name);
        assert_table_props_are(schema, sub, options_spec_fields(o));
    }
    names[n] = NULL;
    assert_props_are(schema, props, names);
}

/* Loads `doc` with the real parser and the real modules; 1 unless a diagnostic at `where` says the key
 * (option, condition, operator) is unknown. Other errors (null values, missing keys) do not matter. */
static int parser_accepts(const char *doc, const char *where)
{
    diag_list d = DIAG_INIT;
    config *c = config_load_text(doc, "probe.json", &reg, NULL, 0, &d);
    config_free(c);
    int ok = 1;
    for (size_t i = 0; i < d.count; i++)
        if (strcmp(d.items[i].path, where) == 0 && strstr(d.items[i].message, "unknown")) ok = 0;
    diag_free(&d);
    return ok;
}

typedef struct level {
    const char *props;      /* in the schema */
    const char *doc;        /* printf format: %s is the key */
    const char *where;      /* printf format: the key's JSON path */
} level;

#define RULE(rest) "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"x\"" rest "}]}"
static const level levels[] = {
    { "properties", "{\"version\": 1, \"%s\": null}", "%s" },
    { "properties/engine/properties", "{\"version\": 1, \"engine\": {\"%s\": null}}", "engine.%s" },
    { "properties/engine/properties/log/properties", "{\"version\": 1, \"engine\": {\"log\": {\"%s\": null}}}", "engine.log.%s" },
    { "properties/engine/properties/control/properties", "{\"version\": 1, \"engine\": {\"control\": {\"%s\": null}}}", "engine.control.%s" },
    { "properties/engine/properties/metrics/properties", "{\"version\": 1, \"engine\": {\"metrics\": {\"%s\": null}}}", "engine.metrics.%s" },
    { "properties/engine/properties/console/properties", "{\"version\": 1, \"engine\": {\"console\": {\"%s\": null}}}", "engine.console.%s" },
    { "definitions/source/properties", "{\"version\": 1, \"sources\": [{\"id\": \"s\", \"module\": \"timer\", \"%s\": null}]}", "sources[0].%s" },
    { "definitions/rule/properties", "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"%s\": null}]}", "rules[0].%s" },
    { "definitions/when/properties", RULE(", \"%s\": null}, \"do\": [{\"action\": \"log\"}]"), "rules[0].when.%s" },
    { "definitions/condition/properties", RULE(", \"all\": [{\"%s\": null}]}, \"do\": [{\"action\": \"log\"}]"), "rules[0].when.all[0].%s" },
    { "definitions/action/properties", RULE("}, \"do\": [{\"action\": \"log\", \"%s\": null}]"), "rules[0].do[0].%s" },
};

static void probe(const char *doc_fmt, const char *where_fmt, const char *key, int expect_accepted)
{
    char doc[1024], where[256];
    snprintf(doc, sizeof doc, doc_fmt, key);
    snprintf(where, sizeof where, where_fmt, key);
    int ok = parser_accepts(doc, where);
    if (ok != expect_accepted)
        fail_msg("%s: the parser %s it but the schema %s it (%s)", where, ok ? "accepts" : "rejects",
                 expect_accepted ? "offers" : "rejects", doc);
}

static void test_every_parser_key_is_in_the_schema_and_typed(void **state)
{
    (void)state;
    diag_list untyped = DIAG_INIT;
    char *text = schema_generate(&reg, &untyped);
    assert_non_null(text);
    free(text);
    for (size_t i = 0; i < untyped.count; i++)
        print_message("untyped: %s: %s\n", untyped.items[i].path, untyped.items[i].message);
    if (untyped.count) fail_msg("%zu key(s) the parser accepts have no type in core/schema_rules.c or core/schema.c (first: %s); add them, then "
                                REGEN_HINT, untyped.count, untyped.items[0].path);
    diag_free(&untyped);

    cJSON *s = generated();
    assert_props_are(s, "properties", config_top_keys);
    assert_table_props_are(s, "properties/engine/properties", config_engine_options);
    assert_props_are(s, "definitions/source/properties", config_source_own_keys);
    assert_props_are(s, "definitions/rule/properties", config_rule_keys);
    assert_props_are(s, "definitions/when/properties", config_when_keys);
    assert_props_are(s, "definitions/condition/properties", config_cond_parts);
    assert_props_are(s, "definitions/action/properties", config_action_own_keys);
    const cJSON *ops = at(s, "definitions/operator/oneOf");
    assert_int_equal((size_t)cJSON_GetArraySize(ops), cond_op_count);
    for (size_t i = 0; i < cond_op_count; i++)
        assert_string_equal(cJSON_GetArrayItem(at(cJSON_GetArrayItem(ops, (int)i), "required"), 0)->valuestring,
                            cond_op_names[i]);
    cJSON_Delete(s);
}

static void test_every_schema_property_is_accepted_by_the_parser(void **state)
{
    (void)state;
    cJSON *s = generated();
    for (size_t l = 0; l < sizeof levels / sizeof levels[0]; l++) {
        /* The probe must be able to fail: an unknown key is reported at each level. */
        probe(levels[l].doc, levels[l].where, "no_such_key_zz", 0);
        for (const cJSON *p = at(s, levels[l].props)->child; p; p = p->next) probe(levels[l].doc, levels[l].where, p->string, 1);
    }
    const char *op_doc = RULE(", \"match\": {\"f\": {\"%s\": null}}}, \"do\": [{\"action\": \"log\"}]");
    probe(op_doc, "rules[0].when.match.f.%s", "no_such_op_zz", 0);
    for (const cJSON *b = at(s, "definitions/operator/oneOf")->child; b; b = b->next)
        for (const cJSON *p = at(b, "properties")->child; p; p = p->next) probe(op_doc, "rules[0].when.match.f.%s", p->string, 1);

    /* Each loaded module's branch: its options (and the host keys) are accepted where the branch applies. */
    size_t branches = 0;
    const char *kinds[] = { "definitions/source/allOf", "definitions/action/allOf" };
    for (int k = 0; k < 2; k++) {
        for (const cJSON *b = at(s, kinds[k])->child; b; b = b->next, branches++) {
            const cJSON *cond = at(b, "if/properties")->child;
            const char *name = at(cond, "const")->valuestring;
            char doc[512], where[64];
            if (k == 0) {
                snprintf(doc, sizeof doc, "{\"version\": 1, \"sources\": [{\"id\": \"s\", \"module\": \"%s\", \"%%s\": null}]}", name);
                snprintf(where, sizeof where, "sources[0].%%s");
            } else {
                /* Network actions also need engine.http_enabled; that error is not about keys. */
                snprintf(doc, sizeof doc, "{\"version\": 1, \"engine\": {\"http_enabled\": true}, \"rules\": [{\"name\": \"r\", "
                                          "\"when\": {\"event\": \"x\"}, \"do\": [{\"action\": \"%s\", \"%%s\": null}]}]}", name);
                snprintf(where, sizeof where, "rules[0].do[0].%%s");
            }
            probe(doc, where, "no_such_option_zz", 0);
            for (const cJSON *p = at(b, "then/properties")->child; p; p = p->next) probe(doc, where, p->string, 1);
        }
    }
    /* One branch per loaded module and kind (a source+action module has one of each, ABI 1.2). */
    size_t kinds_loaded = 0;
    for (size_t i = 0; i < reg.count; i++)
        kinds_loaded += ((reg.mods[i]->desc.kind & WEE_MODULE_SOURCE) != 0) + ((reg.mods[i]->desc.kind & WEE_MODULE_ACTION) != 0);
    assert_int_equal(branches, kinds_loaded);
    cJSON_Delete(s);
}

static void test_committed_schema_is_current(void **state)
{
    (void)state;
#ifdef _WIN32
    /* The committed file describes the native build's modules; a Windows build loads another set. */
    skip();
#else
    char *want = schema_generate(&reg, NULL);
    char *path = test_path_join(WEE_SOURCE_DIR, "config/schema/wee.schema.json");
    char *have = test_read_file(path);
    if (!have) fail_msg("%s is missing; " REGEN_HINT, path);
    if (strcmp(have, want) != 0) {
        size_t i = 0, line = 1;
        while (have[i] && have[i] == want[i]) line += have[i++] == '\n';
        fail_msg("%s differs from what this build generates (from line %zu; the config keys or a module's options "
                 "changed); " REGEN_HINT, path, line);
    }
    free(have);
    free(path);
    free(want);
#endif
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_parser_key_is_in_the_schema_and_typed),
        cmocka_unit_test(test_every_schema_property_is_accepted_by_the_parser),
        cmocka_unit_test(test_committed_schema_is_current),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
