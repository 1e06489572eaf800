/*
 * config: every kind of mistake reported once, at its exact JSON path, with the exact message; several
 * mistakes collected in one pass; a good config loaded with the right values; action instances created
 * only for a valid config and destroyed on every path (failed create, config_free).
 * Modules are hand-made static descriptors in a hand-made registry: no libraries are loaded.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include "test_support.h"
#include "config.h"
#include "config_include.h"
#include "log.h"
#include "event.h"
#include "platform/platform.h"
#include "util/strbuf.h"
#include "wee/errors.h"

/* --- the fake modules --- */

static const wee_option_spec file_options[] = {
    WEE_OPTION(.name = "paths", .type = WEE_OPT_STRING_LIST, .required = 1, .description = "directories"),
    WEE_OPTION(.name = "recursive", .type = WEE_OPT_BOOL, .default_value = "false", .description = "subdirs"),
    WEE_OPTION(.name = "settle_ms", .type = WEE_OPT_INT, .default_value = "200", .min = 0, .max = INT64_MAX,
               .description = "quiet time"),
    WEE_OPTION_END
};
static const wee_option_spec timer_options[] = {
    WEE_OPTION(.name = "interval_ms", .type = WEE_OPT_INT, .min = 1, .max = INT64_MAX, .description = "period"),
    WEE_OPTION_END
};
static const wee_option_spec log_options[] = {
    WEE_OPTION(.name = "message", .type = WEE_OPT_STRING, .required = 1, .description = "text"),
    WEE_OPTION(.name = "level", .type = WEE_OPT_STRING, .default_value = "\"info\"",
               .choices = "trace|debug|info|warn|error", .description = "level"),
    WEE_OPTION_END
};
static const wee_option_spec http_options[] = {
    WEE_OPTION(.name = "url", .type = WEE_OPT_STRING, .required = 1, .description = "where"),
    WEE_OPTION_END
};
static const wee_option_spec fake_options[] = {
    WEE_OPTION(.name = "fail", .type = WEE_OPT_BOOL, .default_value = "false", .description = "refuse create"),
    WEE_OPTION_END
};

static int created, destroyed;

static int fake_create(const wee_host_api *host, const wee_options *opts, void **instance, char *err,
                       size_t err_size)
{
    (void)host;
    if (options_bool(opts, "fail")) {
        snprintf(err, err_size, "refusing as asked");
        return WEE_EINVAL;
    }
    *instance = malloc(1);
    created++;
    return 0;
}

static void fake_destroy(void *instance)
{
    destroyed++;
    free(instance);
}

static int fake_run(void *instance, wee_action_call *call) { (void)instance; (void)call; return 0; }

#define SOURCE_MODULE(var, nm, opts) \
    static loaded_module var = { .desc = { .struct_size = sizeof(wee_module_desc), .abi_version = WEE_ABI_VERSION, \
                                           .name = nm, .kind = WEE_MODULE_SOURCE, .options = opts } }
#define ACTION_MODULE(var, nm, opts) \
    static loaded_module var = { .desc = { .struct_size = sizeof(wee_module_desc), .abi_version = WEE_ABI_VERSION, \
                                           .name = nm, .kind = WEE_MODULE_ACTION, .options = opts, \
                                           .action_create = fake_create, .action_run = fake_run, \
                                           .action_destroy = fake_destroy } }
SOURCE_MODULE(mod_file, "file", file_options);
SOURCE_MODULE(mod_timer, "timer", timer_options);
ACTION_MODULE(mod_log, "log", log_options);
/* Network use is declared by the flag, not recognised by name. */
static loaded_module mod_http = { .desc = { .struct_size = sizeof(wee_module_desc), .abi_version = WEE_ABI_VERSION,
                                            .name = "http", .kind = WEE_MODULE_ACTION, .options = http_options,
                                            .action_create = fake_create, .action_run = fake_run,
                                            .action_destroy = fake_destroy, .flags = WEE_MODULE_FLAG_NETWORK } };
ACTION_MODULE(mod_fake, "fake", fake_options);

static loaded_module *all_modules[] = { &mod_file, &mod_log, &mod_timer, &mod_http, &mod_fake };
static const module_registry registry = { all_modules, sizeof all_modules / sizeof all_modules[0], 0 };

/* --- helpers --- */

static void print_diags(const diag_list *d)
{
    for (size_t i = 0; i < d->count; i++) fprintf(stderr, "  got: %s: %s\n", d->items[i].path, d->items[i].message);
}

static config *load(const char *text, int create, diag_list *d)
{
    created = destroyed = 0;
    return config_load_text(text, "test.json", &registry, NULL, create, d);
}

/* The whole config must be refused with exactly this one error, and leave no instance alive. */
static void expect_one_error(const char *text, const char *path, const char *message)
{
    diag_list d = DIAG_INIT;
    config *c = load(text, 1, &d);
    if (c || d.count != 1 || strcmp(d.items[0].path, path) != 0 || strcmp(d.items[0].message, message) != 0) {
        fprintf(stderr, "config: %s\n  want: %s: %s\n", text, path, message);
        print_diags(&d);
        config_free(c);
        diag_free(&d);
        fail_msg("wrong result for a bad config");
    }
    assert_int_equal(created, destroyed);
    diag_free(&d);
}

#define RULE_OK "{\"name\": \"r\", \"when\": {\"event\": \"file.created\"}, \"do\": [{\"action\": \"log\", \"message\": \"m\"}]"
#define FILE_SRC "{\"id\": \"downloads\", \"module\": \"file\", \"paths\": [\"/d\"]}"

typedef struct bad_case { const char *text, *path, *message; } bad_case;

static const bad_case bad_cases[] = {
    /* document and top level */
    { "{\"version\": 1,\n  \"rules\": [}", "",
      "invalid JSON at line 2, column 13; look there (or just before) for a missing comma, quote or bracket, a "
      "trailing comma, or a comment (JSON has none)" },
    { "{\"version\": 1,\n \"rules\": [", "",
      "invalid JSON: the document ends early at line 2, column 12; close every open \"{\", \"[\" and string" },
    { "{\"version\": 1} x", "",
      "invalid JSON at line 1, column 16; look there (or just before) for a missing comma, quote or bracket, a "
      "trailing comma, or a comment (JSON has none)" },
    { "[1]", "", "expected a JSON object ({\"version\": 1, \"sources\": [...], \"rules\": [...]}), got an array" },
    { "{}", "version", "missing; add \"version\": 1 at the top of the file" },
    { "{\"version\": 2}", "version", "expected 1, got 2" },
    { "{\"version\": 1, \"rule\": []}", "rule", "unknown key (allowed here: version, engine, sources, rules, $schema, modules, include)" },
    { "{\"version\": 1, \"version\": 1}", "version", "given twice; keep one" },
    /* engine */
    { "{\"version\": 1, \"engine\": \"fast\"}", "engine", "expected object, got \"fast\"" },
    { "{\"version\": 1, \"engine\": {\"workers\": -1}}", "engine.workers", "expected integer 0..256, got -1" },
    { "{\"version\": 1, \"engine\": {\"workers\": 2.5}}", "engine.workers", "expected integer 0..256, got 2.5" },
    { "{\"version\": 1, \"engine\": {\"queue_capacity\": 0}}", "engine.queue_capacity",
      "expected integer 1..16777216, got 0" },
    { "{\"version\": 1, \"engine\": {\"overflow\": \"drop\"}}", "engine.overflow",
      "expected one of block|drop_oldest|drop_newest, got \"drop\"" },
    { "{\"version\": 1, \"engine\": {\"http_enabled\": \"yes\"}}", "engine.http_enabled",
      "expected true or false, got \"yes\"" },
    { "{\"version\": 1, \"engine\": {\"http_allow\": [\"a.example\", 1]}}", "engine.http_allow[1]",
      "expected non-empty string (a host name), got 1" },
    { "{\"version\": 1, \"engine\": {\"threads\": 2}}", "engine.threads",
      "unknown key (allowed here: workers, queue_capacity, overflow, http_enabled, http_allow, log, control, metrics, "
      "stop_grace_ms, console)" },
    { "{\"version\": 1, \"engine\": {\"stop_grace_ms\": 50}}", "engine.stop_grace_ms",
      "expected integer 100..600000, got 50" },
    { "{\"version\": 1, \"engine\": {\"log\": {\"level\": \"loud\"}}}", "engine.log.level",
      "expected one of trace|debug|info|warn|error, got \"loud\"" },
    { "{\"version\": 1, \"engine\": {\"log\": {\"file\": 3}}}", "engine.log.file",
      "expected a file path or null (null logs to stderr), got 3" },
    { "{\"version\": 1, \"engine\": {\"log\": {\"format\": \"xml\"}}}", "engine.log.format",
      "expected one of text|json, got \"xml\"" },
    { "{\"version\": 1, \"engine\": {\"log\": {\"colour\": true}}}", "engine.log.colour",
      "unknown key (allowed here: level, file, format, max_size_mb, keep)" },
    { "{\"version\": 1, \"engine\": {\"log\": {\"max_size_mb\": -1}}}", "engine.log.max_size_mb",
      "expected integer 0..1048576, got -1" },
    { "{\"version\": 1, \"engine\": {\"log\": {\"max_size_mb\": 1.5}}}", "engine.log.max_size_mb",
      "expected integer 0..1048576, got 1.5" },
    { "{\"version\": 1, \"engine\": {\"log\": {\"keep\": \"3\"}}}", "engine.log.keep",
      "expected integer 0..1000, got \"3\"" },
    /* sources */
    { "{\"version\": 1, \"sources\": {}}", "sources", "expected array of source objects, got {}" },
    { "{\"version\": 1, \"sources\": [{\"module\": \"file\", \"paths\": [\"/d\"]}]}", "sources[0].id",
      "missing; give the source a unique \"id\" (events carry it as \"source\")" },
    { "{\"version\": 1, \"sources\": [" FILE_SRC ", {\"id\": \"t\", \"module\": \"timer\"}, " FILE_SRC "]}",
      "sources[2].id", "duplicate id \"downloads\" (also sources[0])" },
    { "{\"version\": 1, \"sources\": [{\"id\": \"engine\", \"module\": \"timer\"}]}", "sources[0].id",
      "\"engine\" is reserved for the engine's own events; choose another id" },
    { "{\"version\": 1, \"sources\": [{\"id\": \"a\"}]}", "sources[0].module",
      "missing; name the source module to use, e.g. \"file\" or \"timer\"" },
    { "{\"version\": 1, \"sources\": [{\"id\": \"a\", \"module\": \"fiel\"}]}", "sources[0].module",
      "no source module named \"fiel\" (loaded source modules: file, timer)" },
    { "{\"version\": 1, \"sources\": [{\"id\": \"a\", \"module\": \"log\"}]}", "sources[0].module",
      "\"log\" is an action module, not a source (loaded source modules: file, timer)" },
    { "{\"version\": 1, \"sources\": [{\"id\": \"a\", \"module\": \"file\", \"paths\": [\"/d\"], \"settle_ms\": \"5s\"}]}",
      "sources[0].settle_ms", "expected integer >= 0, got \"5s\"" },
    /* disabled sources are still validated */
    { "{\"version\": 1, \"sources\": [{\"id\": \"a\", \"module\": \"file\", \"enabled\": false, \"paths\": [\"/d\"], "
      "\"recurse\": true}]}",
      "sources[0].recurse", "unknown option (module \"file\" has: paths, recursive, settle_ms)" },
    { "{\"version\": 1, \"sources\": [{\"id\": \"a\", \"module\": \"timer\", \"enabled\": 0}]}", "sources[0].enabled",
      "expected true or false, got 0" },
    /* rules */
    { "{\"version\": 1, \"rules\": [1]}", "rules[0]", "expected object with \"name\", \"when\" and \"do\", got 1" },
    { "{\"version\": 1, \"rules\": [{\"when\": {\"event\": \"a\"}, \"do\": [{\"action\": \"log\", \"message\": \"m\"}]}]}",
      "rules[0].name", "missing; give the rule a unique \"name\" (it appears in logs)" },
    { "{\"version\": 1, \"rules\": [" RULE_OK "}, " RULE_OK "}]}", "rules[1].name",
      "duplicate name \"r\" (also rules[0])" },
    { "{\"version\": 1, \"rules\": [" RULE_OK ", \"throttle\": 5}]}", "rules[0].throttle",
      "unknown key (allowed here: name, enabled, when, do, throttle_ms, debounce_ms, concurrency, "
      "allow_engine_events, description, threshold, sequence, absence, batch_ms, batch_max)" },
    { "{\"version\": 1, \"rules\": [" RULE_OK ", \"throttle_ms\": \"5s\"}]}", "rules[0].throttle_ms",
      "expected integer 0..31536000000, got \"5s\"" },
    { "{\"version\": 1, \"rules\": [" RULE_OK ", \"debounce_ms\": -5}]}", "rules[0].debounce_ms",
      "expected integer 0..31536000000, got -5" },
    /* durations past 365 days would wrap once turned into nanoseconds */
    { "{\"version\": 1, \"rules\": [" RULE_OK ", \"throttle_ms\": 288230376151711744}]}", "rules[0].throttle_ms",
      "expected integer 0..31536000000, got 288230376151711744" },
    { "{\"version\": 1, \"rules\": [" RULE_OK ", \"debounce_ms\": 9007199254740992}]}", "rules[0].debounce_ms",
      "expected integer 0..31536000000, got 9007199254740992" },
    { "{\"version\": 1, \"sources\": [{\"id\": \"t\", \"module\": \"timer\", \"interval_ms\": 288230376151711744}]}",
      "sources[0].interval_ms", "expected integer <= 31536000000 (365 days), got 288230376151711744" },
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"x.y\", \"match\": {\"n\": {\"gt\": 1e400}}}, "
      "\"do\": [{\"action\": \"log\", \"message\": \"m\"}]}]}", "rules[0].when.match.n.gt",
      "expected an integer, got inf" },
    { "{\"version\": 1, \"rules\": [" RULE_OK ", \"concurrency\": 2}]}", "rules[0].concurrency",
      "expected 0 or 1, got 2" },
    { "{\"version\": 1, \"rules\": [" RULE_OK ", \"enabled\": \"no\"}]}", "rules[0].enabled",
      "expected true or false, got \"no\"" },
    { "{\"version\": 1, \"rules\": [" RULE_OK ", \"allow_engine_events\": 1}]}", "rules[0].allow_engine_events",
      "expected true or false, got 1" },
    { "{\"version\": 1, \"rules\": [" RULE_OK ", \"description\": 7}]}", "rules[0].description",
      "expected string, got 7" },
    /* when */
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"do\": [{\"action\": \"log\", \"message\": \"m\"}]}]}",
      "rules[0].when", "missing; say which events the rule reacts to: \"when\": {\"event\": \"custom.ping\"}" },
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": \"file.created\", \"do\": [{\"action\": \"log\", "
      "\"message\": \"m\"}]}]}",
      "rules[0].when", "expected object with \"event\", got \"file.created\"" },
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {}, \"do\": [{\"action\": \"log\", \"message\": \"m\"}]}]}",
      "rules[0].when.event",
      "missing; give an event type such as \"custom.ping\" or a glob such as \"custom.*\" (host modules --describe NAME lists a source's event types)" },
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\", \"evnt\": \"b\"}, \"do\": "
      "[{\"action\": \"log\", \"message\": \"m\"}]}]}",
      "rules[0].when.evnt", "unknown key (allowed here: event, source, match, all, any, not)" },
    { "{\"version\": 1, \"sources\": [" FILE_SRC ", {\"id\": \"tick\", \"module\": \"timer\", \"enabled\": false}], "
      "\"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\", \"source\": \"dowloads\"}, \"do\": "
      "[{\"action\": \"log\", \"message\": \"m\"}]}]}",
      "rules[0].when.source",
      "no source with id \"dowloads\" (configured source ids: downloads, tick; \"engine\" names the engine's own "
      "events)" },
    /* do */
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\"}}]}", "rules[0].do",
      "missing; list the actions to run: \"do\": [{\"action\": \"log\", \"message\": \"{{path}}\"}]" },
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\"}, \"do\": []}]}", "rules[0].do",
      "expected a non-empty array of actions such as [{\"action\": \"log\", \"message\": \"{{path}}\"}], got []" },
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\"}, \"do\": [{\"message\": \"m\"}]}]}",
      "rules[0].do[0].action", "missing; name the action module to run, e.g. \"log\" or \"exec\"" },
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\"}, \"do\": [{\"action\": \"lgo\"}]}]}",
      "rules[0].do[0].action", "no action module named \"lgo\" (loaded action modules: log, http, fake)" },
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\"}, \"do\": [{\"action\": \"file\"}]}]}",
      "rules[0].do[0].action", "\"file\" is a source module, not an action (loaded action modules: log, http, fake)" },
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\"}, \"do\": [{\"action\": \"log\"}]}]}",
      "rules[0].do[0].message", "required option missing" },
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\"}, \"do\": [{\"action\": \"log\", "
      "\"message\": \"m\", \"on_error\": \"ignore\"}]}]}",
      "rules[0].do[0].on_error", "expected one of stop|continue, got \"ignore\"" },
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\"}, \"do\": [{\"action\": \"log\", "
      "\"message\": \"{{path\"}]}]}",
      "rules[0].do[0].message", NULL /* filled from template.c's own message below */ },
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\"}, \"do\": [{\"action\": \"http\", "
      "\"url\": \"http://x\"}]}]}",
      "rules[0].do[0].action",
      "the http action makes network requests and they are off; set \"engine\": {\"http_enabled\": true} (and "
      "optionally \"http_allow\": [\"host\", ...]) to allow them" },
    /* create: only after everything validated; the first action's instance must be destroyed again */
    { "{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\"}, \"do\": [{\"action\": \"fake\"}, "
      "{\"action\": \"fake\", \"fail\": true}]}]}",
      "rules[0].do[1]", "cannot create the \"fake\" action: refusing as asked" },
};

static void bad_configs_report_one_exact_error(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *b = &bad_cases[i];
        if (b->message) {
            expect_one_error(b->text, b->path, b->message);
            continue;
        }
        /* The template error text belongs to template.c: only the path and the refusal are ours. */
        diag_list d = DIAG_INIT;
        assert_null(load(b->text, 1, &d));
        assert_int_equal(d.count, 1);
        assert_string_equal(d.items[0].path, b->path);
        assert_non_null(strstr(d.items[0].message, "bad template"));
        diag_free(&d);
    }
}

static void several_errors_are_collected_in_one_pass(void **state)
{
    (void)state;
    diag_list d = DIAG_INIT;
    config *c = load("{\"version\": 1, \"engine\": {\"workers\": -1},\n"
                     " \"sources\": [{\"id\": \"a\", \"module\": \"fiel\"}],\n"
                     " \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"a\", \"source\": \"a\"},\n"
                     "            \"do\": [{\"action\": \"fake\"}, {\"action\": \"log\"}], \"throttle_ms\": \"5s\"}]}",
                     1, &d);
    assert_null(c);
    static const char *const want[][2] = {
        { "engine.workers", "expected integer 0..256, got -1" },
        { "sources[0].module", "no source module named \"fiel\" (loaded source modules: file, timer)" },
        { "rules[0].do[1].message", "required option missing" },
        { "rules[0].throttle_ms", "expected integer 0..31536000000, got \"5s\"" },
    };
    if (d.count != 4) print_diags(&d);
    assert_int_equal(d.count, 4);
    for (size_t i = 0; i < 4; i++) {
        assert_string_equal(d.items[i].path, want[i][0]);
        assert_string_equal(d.items[i].message, want[i][1]);
    }
    /* The source id "a" was valid even though its module was not, so when.source found it; and with errors
     * nothing may be created. */
    assert_int_equal(created, 0);
    diag_free(&d);
}

static const char good_config[] =
    "{\n"
    "  \"version\": 1,\n"
    "  \"engine\": {\"workers\": 3, \"queue_capacity\": 100, \"overflow\": \"drop_oldest\", \"http_enabled\": true,\n"
    "             \"http_allow\": [\"a.example\", \"b.example\"],\n"
    "             \"log\": {\"level\": \"warn\", \"file\": \"/tmp/wee.log\", \"format\": \"json\",\n"
    "                     \"max_size_mb\": 10, \"keep\": 2}},\n"
    "  \"sources\": [\n"
    "    {\"id\": \"downloads\", \"module\": \"file\", \"paths\": [\"/d\"], \"recursive\": true},\n"
    "    {\"id\": \"off\", \"module\": \"timer\", \"enabled\": false, \"interval_ms\": 5},\n"
    "    {\"id\": \"tick\", \"module\": \"timer\", \"interval_ms\": 1000}\n"
    "  ],\n"
    "  \"rules\": [\n"
    "    {\"name\": \"exe\", \"description\": \"executables\",\n"
    "     \"when\": {\"event\": \"file.created\", \"source\": \"downloads\", \"match\": {\"ext\": \"exe\"}},\n"
    "     \"do\": [{\"action\": \"log\", \"message\": \"got {{path}}\", \"level\": \"warn\"},\n"
    "            {\"action\": \"fake\", \"on_error\": \"continue\"}],\n"
    "     \"throttle_ms\": 5000, \"debounce_ms\": 10, \"concurrency\": 1, \"allow_engine_events\": true},\n"
    "    {\"name\": \"any-file\", \"enabled\": false, \"when\": {\"event\": \"file.*\", \"source\": \"off\"},\n"
    "     \"do\": [{\"action\": \"http\", \"url\": \"http://a.example/{{name}}\"}]},\n"
    "    {\"name\": \"hello\", \"when\": {\"event\": \"engine.started\", \"source\": \"engine\"},\n"
    "     \"do\": [{\"action\": \"log\", \"message\": \"hi\"}]}\n"
    "  ]\n"
    "}\n";

static void good_config_loads_with_every_value(void **state)
{
    (void)state;
    diag_list d = DIAG_INIT;
    config *c = load(good_config, 1, &d);
    print_diags(&d);
    assert_non_null(c);
    assert_int_equal(d.count, 0);
    assert_string_equal(c->file, "test.json");

    const engine_config *e = &c->engine;
    assert_int_equal(e->workers, 3);
    assert_int_equal(e->queue_capacity, 100);
    assert_int_equal(e->overflow, OVERFLOW_DROP_OLDEST);
    assert_int_equal(e->http_enabled, 1);
    assert_int_equal(e->http_allow_count, 2);
    assert_string_equal(e->http_allow[1], "b.example");
    assert_int_equal(e->log_level, WEE_LOG_WARN);
    assert_string_equal(e->log_file, "/tmp/wee.log");
    assert_int_equal(e->log_json, 1);
    assert_int_equal(e->log_max_bytes, 10u * 1024u * 1024u);
    assert_int_equal(e->log_keep, 2);

    /* "off" is disabled: validated, not kept; json_path still names its place in the file */
    assert_int_equal(c->source_count, 2);
    assert_string_equal(c->sources[0].id, "downloads");
    assert_ptr_equal(c->sources[0].module, &mod_file);
    assert_string_equal(c->sources[0].json_path, "sources[0]");
    assert_int_equal(options_bool(options_static_view(c->sources[0].options), "recursive"), 1);
    assert_int_equal(options_int(options_static_view(c->sources[0].options), "settle_ms"), 200);
    assert_string_equal(c->sources[1].id, "tick");
    assert_ptr_equal(c->sources[1].module, &mod_timer);
    assert_string_equal(c->sources[1].json_path, "sources[2]");
    assert_string_equal(c->sources[1].options_fingerprint,
                        "{\"id\":\"tick\",\"module\":\"timer\",\"interval_ms\":1000}");

    assert_int_equal(rule_set_count(c->rules), 3);
    const rule *r = rule_set_at(c->rules, 0);
    assert_string_equal(r->name, "exe");
    assert_int_equal(r->enabled, 1);
    assert_string_equal(r->event_pattern, "file.created");
    assert_int_equal(r->event_is_glob, 0);
    assert_string_equal(r->source, "downloads");
    assert_non_null(r->when);
    assert_int_equal(r->throttle_ms, 5000);
    assert_int_equal(r->debounce_ms, 10);
    assert_int_equal(r->serial, 1);
    assert_int_equal(r->allow_engine_events, 1);
    assert_string_equal(r->json_path, "rules[0]");
    assert_int_equal(r->index, 0);
    assert_non_null(r->state);
    assert_int_equal(r->action_count, 2);
    assert_ptr_equal(r->actions[0].module, &mod_log);
    assert_int_equal(r->actions[0].on_error, ON_ERROR_STOP);
    assert_string_equal(r->actions[0].json_path, "rules[0].do[0]");
    assert_non_null(r->actions[0].instance);
    /* create() sees the text as written: templates are rendered per call, not at load */
    assert_string_equal(options_string(options_static_view(r->actions[0].params), "message"), "got {{path}}");
    assert_string_equal(options_string(options_static_view(r->actions[0].params), "level"), "warn");
    assert_ptr_equal(r->actions[1].module, &mod_fake);
    assert_int_equal(r->actions[1].on_error, ON_ERROR_CONTINUE);

    r = rule_set_at(c->rules, 1);
    assert_int_equal(r->enabled, 0);
    assert_int_equal(r->event_is_glob, 1);
    assert_string_equal(r->source, "off"); /* a disabled source is still a configured one */
    assert_null(r->when);
    assert_int_equal(r->throttle_ms, 0);
    assert_int_equal(r->serial, 0);
    assert_int_equal(r->allow_engine_events, 0);

    r = rule_set_at(c->rules, 2);
    assert_string_equal(r->source, "engine");

    assert_int_equal(created, 4);
    assert_int_equal(destroyed, 0);
    config_free(c);
    assert_int_equal(destroyed, 4);
    diag_free(&d);
}

/* The engine section is an option table bound into engine_config: every key lands in its field. */
static void engine_section_binds_every_key(void **state)
{
    (void)state;
    diag_list d = DIAG_INIT;
    config *c = load("{\"version\": 1, \"engine\": {\"workers\": 3, \"queue_capacity\": 9, \"overflow\": \"drop_newest\", "
                     "\"http_enabled\": true, \"http_allow\": \"one.example\", \"stop_grace_ms\": 150, "
                     "\"log\": {\"level\": \"error\", \"file\": \"h.log\", \"format\": \"json\", \"max_size_mb\": 2, \"keep\": 0}, "
                     "\"control\": {\"enabled\": false}, \"metrics\": {\"listen\": null}, "
                     "\"console\": {\"listen\": \"127.0.0.1:8090\"}}}", 0, &d);
    if (!c) diag_print(&d, "engine", stderr);
    assert_non_null(c);
    const engine_config *e = &c->engine;
    assert_int_equal(e->workers, 3);
    assert_int_equal(e->queue_capacity, 9);
    assert_int_equal(e->overflow, OVERFLOW_DROP_NEWEST);
    assert_int_equal(e->http_enabled, 1);
    assert_int_equal(e->http_allow_count, 1); /* one string is a list of one, as for every string list */
    assert_string_equal(e->http_allow[0], "one.example");
    assert_int_equal(e->stop_grace_ms, 150);
    assert_int_equal(e->log_level, WEE_LOG_ERROR);
    assert_string_equal(e->log_file, "h.log");
    assert_int_equal(e->log_json, 1);
    assert_int_equal(e->log_max_bytes, 2u * 1024u * 1024u);
    assert_int_equal(e->log_keep, 0);
    assert_int_equal(e->control_enabled, 0);
    assert_null(e->metrics_listen);
    assert_string_equal(e->console_listen, "127.0.0.1:8090");
    config_free(c);
    diag_free(&d);
    /* Every error of the section at once: a wrong value does not hide the later checks of the valid
     * ones (the listen address is checked after binding). */
    c = load("{\"version\": 1, \"engine\": {\"workers\": 999, \"overflow\": \"x\", \"log\": {\"level\": \"loud\"}, "
             "\"console\": {\"listen\": \"0.0.0.0:80\"}}}", 0, &d);
    assert_null(c);
    assert_int_equal(d.count, 4);
    assert_string_equal(d.items[0].path, "engine.workers");
    assert_string_equal(d.items[1].path, "engine.overflow");
    assert_string_equal(d.items[2].path, "engine.log.level");
    assert_string_equal(d.items[3].path, "engine.console.listen");
    diag_free(&d);
    /* engine.log.level binds the index of its choice: the choices are in wee_log_level order. */
    for (int level = WEE_LOG_TRACE; level <= WEE_LOG_ERROR; level++)
        assert_int_equal(wee_choice_index(LOG_LEVEL_CHOICES, log_level_name(level)), level);
}

static void missing_sections_take_the_defaults(void **state)
{
    (void)state;
    diag_list d = DIAG_INIT;
    config *c = load("\xEF\xBB\xBF{\"version\": 1, \"engine\": {\"log\": {\"file\": null}}}", 1, &d);
    assert_non_null(c);
    unsigned cores = plat_cpu_count();
    assert_int_equal(c->engine.workers, cores ? cores : 1);
    assert_int_equal(c->engine.queue_capacity, 4096);
    assert_int_equal(c->engine.overflow, OVERFLOW_BLOCK);
    assert_int_equal(c->engine.http_enabled, 0);
    assert_int_equal(c->engine.http_allow_count, 0);
    assert_int_equal(c->engine.log_level, WEE_LOG_INFO);
    assert_null(c->engine.log_file);
    assert_int_equal(c->engine.log_json, 0);
    assert_int_equal(c->engine.log_max_bytes, 0); /* no rotation unless asked */
    assert_int_equal(c->engine.log_keep, 5);
    assert_int_equal(c->source_count, 0);
    assert_non_null(c->rules);
    assert_int_equal(rule_set_count(c->rules), 0);
    config_free(c);
    assert_int_equal(d.count, 0);
}

static void without_create_actions_nothing_is_created(void **state)
{
    (void)state;
    diag_list d = DIAG_INIT;
    config *c = load(good_config, 0, &d);
    assert_non_null(c);
    const rule *r = rule_set_at(c->rules, 0);
    assert_null(r->actions[0].instance);
    assert_null(r->actions[1].instance);
    config_free(c);
    assert_int_equal(created, 0);
    assert_int_equal(destroyed, 0);
    diag_free(&d);
}

static char *dup_text(const char *s)
{
    char *p = malloc(strlen(s) + 1);
    assert_non_null(p);
    strcpy(p, s);
    return p;
}

static char *fingerprint_of(const char *text)
{
    diag_list d = DIAG_INIT;
    config *c = load(text, 0, &d);
    assert_non_null(c);
    assert_int_equal(c->source_count, 1);
    char *fp = dup_text(c->sources[0].options_fingerprint);
    config_free(c);
    return fp;
}

/* Reload keeps a source running when its object is unchanged: layout must not count, values must. */
static void fingerprints_ignore_layout_but_not_values(void **state)
{
    (void)state;
    char *a = fingerprint_of("{\"version\": 1, \"sources\": [{\"id\": \"t\", \"module\": \"timer\", \"interval_ms\": 5}]}");
    char *b = fingerprint_of("{\"version\":1,\"sources\":[\n  {\"id\":\"t\",\n   \"module\":  \"timer\",\"interval_ms\":5}\n]}");
    char *c = fingerprint_of("{\"version\": 1, \"sources\": [{\"id\": \"t\", \"module\": \"timer\", \"interval_ms\": 6}]}");
    assert_string_equal(a, b);
    assert_string_not_equal(a, c);
    free(a);
    free(b);
    free(c);
}

static void files_are_read_and_named(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("config");
    char *path = test_path_join(dir, "wee.json");
    assert_int_equal(test_write_file(path, good_config), 0);
    diag_list d = DIAG_INIT;
    config *c = config_load_file(path, &registry, NULL, 0, &d);
    assert_non_null(c);
    assert_string_equal(c->file, path);
    assert_int_equal(rule_set_count(c->rules), 3);
    config_free(c);

    char *missing = test_path_join(dir, "missing.json");
    assert_null(config_load_file(missing, &registry, NULL, 0, &d));
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].path, "");
    assert_non_null(strstr(d.items[0].message, "cannot read the config file: "));
    diag_free(&d);
    test_remove_tree(dir);
    free(missing);
    free(path);
    free(dir);
}

/* "include" and the console's file (config_include.h): their sources and rules join the config's, a rule
 * may name a source of another file, and errors name the included file with its own index. */
static void included_files_are_merged_and_named(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("config-include");
    char *path = test_path_join(dir, "wee.json");
    char *extra = test_path_join(dir, "extra.json");
    char *console = test_path_join(dir, "automations.json");
    assert_int_equal(test_write_file(path, "{\"version\": 1, \"include\": [\"extra.json\"], \"engine\": {\"console\": {}},\n"
                                           " \"rules\": [{\"name\": \"own\", \"when\": {\"event\": \"timer.tick\", \"source\": \"t\"},\n"
                                           "             \"do\": [{\"action\": \"log\", \"message\": \"m\"}]}]}"), 0);
    assert_int_equal(test_write_file(extra, "{\"sources\": [{\"id\": \"t\", \"module\": \"timer\", \"interval_ms\": 5}],\n"
                                            " \"rules\": [{\"name\": \"x\", \"when\": {\"event\": \"a\"}, \"do\": [{\"action\": \"log\", \"message\": \"m\"}]}]}"), 0);
    diag_list d = DIAG_INIT;
    config *c = config_load_file(path, &registry, NULL, 0, &d);
    print_diags(&d);
    assert_non_null(c); /* the console's file does not exist yet: that is fine */
    assert_int_equal(rule_set_count(c->rules), 2);
    assert_int_equal(c->source_count, 1);
    assert_int_equal(c->includes.count, 2);
    assert_string_equal(c->includes.items[0].file, extra);
    assert_string_equal(c->includes.items[1].file, console);
    assert_int_equal(config_console_include(c) == &c->includes.items[1], 1);
    assert_int_equal(c->includes.items[0].rule_start, 1);
    assert_int_equal(c->includes.items[0].rule_count, 1);
    /* Run-time messages name the file the rule and its actions came from. */
    assert_string_equal(rule_set_at(c->rules, 1)->json_path, "extra.json: rules[0]");
    assert_string_equal(rule_set_at(c->rules, 1)->actions[0].json_path, "extra.json: rules[0].do[0]");
    assert_string_equal(rule_set_at(c->rules, 0)->json_path, "rules[0]");
    assert_string_equal(c->sources[0].json_path, "extra.json: sources[0]");
    config_free(c);

    /* The console's file as text that is not on disk; its mistake is reported in it, at its own index. */
    const char *cand = "{\"rules\": [{\"name\": \"y\", \"when\": {\"event\": \"a\"}, \"do\": [{\"action\": \"log\"}]}]}";
    assert_null(config_load_file_with(path, console, cand, &registry, NULL, 0, &d));
    assert_int_equal(d.count, 1);
    assert_string_equal(d.items[0].file, console);
    assert_string_equal(d.items[0].path, "rules[0].do[0].message");
    diag_free(&d);

    /* A missing listed file and a console file that is the config itself are errors at their keys. */
    assert_int_equal(test_write_file(path, "{\"version\": 1, \"include\": [\"nope.json\"], "
                                           "\"engine\": {\"console\": {\"rules_file\": \"wee.json\"}}}"), 0);
    assert_null(config_load_file(path, &registry, NULL, 0, &d));
    assert_int_equal(d.count, 2);
    assert_string_equal(d.items[0].path, "include[0]");
    assert_non_null(strstr(d.items[0].message, "cannot read the included rule file"));
    assert_string_equal(d.items[1].path, "engine.console.rules_file");
    diag_free(&d);
    test_remove_tree(dir);
    free(console);
    free(extra);
    free(path);
    free(dir);
}

/* engine.console.rules_file is checked by the engine's option table alone: a wrong value is one error at
 * its path, and no console file is read. */
static void console_rules_file_mistake_is_one_error(void **state)
{
    (void)state;
    const char *texts[] = { "{\"version\": 1, \"engine\": {\"console\": {\"rules_file\": \"\"}}}",
                            "{\"version\": 1, \"engine\": {\"console\": {\"rules_file\": 5}}}" };
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        diag_list d = DIAG_INIT;
        config *c = load(texts[i], 0, &d);
        print_diags(&d);
        assert_null(c);
        assert_int_equal(d.count, 1);
        assert_string_equal(d.items[0].path, "engine.console.rules_file");
        assert_null(d.items[0].file);
        assert_non_null(strstr(d.items[0].message, "expected the name of the file the console writes its rules to"));
        diag_free(&d);
    }
}

static void note_file(const char *file, void *ctx)
{
    strbuf *seen = ctx;
    strbuf_puts(seen, file);
    strbuf_putc(seen, '\n');
}

/* config_include_files (admin_paths.c) names the files the loader reads: after a byte order mark too,
 * entries that are not names skipped. */
static void include_files_are_listed_like_the_loader_reads_them(void **state)
{
    (void)state;
    char *dir = test_make_temp_dir("config-include-files");
    char *path = test_path_join(dir, "wee.json");
    char *extra = test_path_join(dir, "extra.json");
    char *console = test_path_join(dir, "automations.json");
    assert_int_equal(test_write_file(path, "\xEF\xBB\xBF{\"version\": 1, \"include\": [\"extra.json\", 5, \"\"],\n"
                                           " \"engine\": {\"console\": {}}}"), 0);
    strbuf seen = STRBUF_INIT, want = STRBUF_INIT;
    config_include_files(path, note_file, &seen);
    strbuf_printf(&want, "%s\n%s\n", extra, console);
    assert_string_equal(strbuf_cstr(&seen), strbuf_cstr(&want));
    strbuf_free(&seen);
    strbuf_free(&want);
    test_remove_tree(dir);
    free(console);
    free(extra);
    free(path);
    free(dir);
}

static wee_event *file_event(const char *name, const char *ext, const char *dir)
{
    wee_event *ev = event_new("file.created");
    assert_non_null(ev);
    event_set_string(ev, "name", name);
    event_set_string(ev, "ext", ext);
    event_set_string(ev, "dir", dir);
    return ev;
}

static int when_holds(const rule *r, const char *name, const char *ext, const char *dir)
{
    wee_event *ev = file_event(name, ext, dir);
    int ok = cond_eval(r->when, ev);
    event_unref(ev);
    return ok;
}

/* match, not and any together: every part must hold. */
static void condition_parts_all_have_to_hold(void **state)
{
    (void)state;
    diag_list d = DIAG_INIT;
    config *c = load("{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"file.created\",\n"
                     "  \"match\": {\"ext\": \"exe\"}, \"not\": {\"match\": {\"name\": \"bad.exe\"}},\n"
                     "  \"any\": [{\"match\": {\"dir\": \"/a\"}}, {\"match\": {\"dir\": \"/b\"}}]},\n"
                     "  \"do\": [{\"action\": \"log\", \"message\": \"m\"}]},\n"
                     " {\"name\": \"only-not\", \"when\": {\"event\": \"file.created\", \"not\": {\"match\": {\"ext\": \"tmp\"}}},\n"
                     "  \"do\": [{\"action\": \"log\", \"message\": \"m\"}]}]}",
                     0, &d);
    print_diags(&d);
    assert_non_null(c);
    const rule *r = rule_set_at(c->rules, 0);
    assert_non_null(r->when);
    assert_true(when_holds(r, "good.exe", "exe", "/a"));
    assert_true(when_holds(r, "good.exe", "exe", "/b"));
    assert_false(when_holds(r, "bad.exe", "exe", "/a"));  /* not fails */
    assert_false(when_holds(r, "good.exe", "exe", "/c")); /* any fails */
    assert_false(when_holds(r, "good.txt", "txt", "/a")); /* match fails */
    r = rule_set_at(c->rules, 1);
    assert_true(when_holds(r, "a.txt", "txt", "/a"));
    assert_false(when_holds(r, "a.tmp", "tmp", "/a"));
    config_free(c);
    diag_free(&d);
}

static void expect_path_prefix(const diag_item *item, const char *prefix)
{
    if (strncmp(item->path, prefix, strlen(prefix)) != 0)
        fail_msg("error at %s (%s), want a path under %s", item->path, item->message, prefix);
}

/* cond.c writes the messages; config must hand it each part so the paths point into the file as written. */
static void condition_errors_keep_their_real_paths(void **state)
{
    (void)state;
    diag_list d = DIAG_INIT;
    config *c = load("{\"version\": 1, \"rules\": [{\"name\": \"r\", \"when\": {\"event\": \"file.created\",\n"
                     "  \"match\": {\"name\": {\"globb\": \"*.exe\"}},\n"
                     "  \"any\": [{\"match\": {\"ext\": \"exe\"}}, {\"match\": {\"ext\": {\"globb\": \"x\"}}}],\n"
                     "  \"not\": {\"match\": {\"ext\": \"tmp\"}}},\n"
                     "  \"do\": [{\"action\": \"log\", \"message\": \"m\"}]}]}",
                     0, &d);
    assert_null(c);
    if (d.count != 2) print_diags(&d);
    assert_int_equal(d.count, 2);
    expect_path_prefix(&d.items[0], "rules[0].when.match.name");
    expect_path_prefix(&d.items[1], "rules[0].when.any[1].match.ext");
    diag_free(&d);
}

int main(void)
{
    test_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(bad_configs_report_one_exact_error),
        cmocka_unit_test(several_errors_are_collected_in_one_pass),
        cmocka_unit_test(good_config_loads_with_every_value),
        cmocka_unit_test(missing_sections_take_the_defaults),
        cmocka_unit_test(engine_section_binds_every_key),
        cmocka_unit_test(without_create_actions_nothing_is_created),
        cmocka_unit_test(fingerprints_ignore_layout_but_not_values),
        cmocka_unit_test(condition_parts_all_have_to_hold),
        cmocka_unit_test(condition_errors_keep_their_real_paths),
        cmocka_unit_test(files_are_read_and_named),
        cmocka_unit_test(included_files_are_merged_and_named),
        cmocka_unit_test(console_rules_file_mistake_is_one_error),
        cmocka_unit_test(include_files_are_listed_like_the_loader_reads_them),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
