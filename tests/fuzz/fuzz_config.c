/*
 * fuzz_config - the config parser and rule compiler (config_load_text) with the real modules' option
 * tables (every module file of this build, loaded once as `host validate` loads them), then the
 * compiled rules used as the dispatcher uses them: candidates for a generated event, conditions
 * evaluated, every action option rendered against the event.
 * Input: config JSON text, a NUL, then the bytes fuzz_event turns into an event.
 * The config is loaded without creating actions (create_actions 0): some creates have side effects a
 * fuzzer must not cause (log opens files, pwsh starts a probe, lua reads script files). The actions
 * whose create only parses (exec, http, lua with inline code) are then created and destroyed here.
 * Invariants: a config comes back exactly when no error was reported; every error has a message.
 */
#include <string.h>
#include "config.h"
#include "fuzz_input.h"
#include "host_api.h"
#include "options.h"

static module_registry g_reg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    fuzz_quiet_log();
    if (loader_scan(&g_reg, WEE_FUZZ_MODULE_DIR, host_api_get()) == 0) {
        fprintf(stderr, "fuzz_config: no module loaded from %s (build the module targets)\n", WEE_FUZZ_MODULE_DIR);
        abort();
    }
    return 0;
}

typedef struct visit {
    const wee_event *ev;
    size_t visited;
} visit;

static void render_all(const rule_action *a, const wee_event *ev)
{
    render_ctx ctx = { ev, NULL };
    wee_options *v = options_view_render(a->params, &ctx);
    for (const wee_option_spec *s = options_spec_next(a->module->desc.options, NULL); s;
         s = options_spec_next(a->module->desc.options, s)) {
        if (!options_has(v, s->name)) continue;
        switch (s->type) {
        case WEE_OPT_STRING: (void)options_string(v, s->name); break;
        case WEE_OPT_INT: (void)options_int(v, s->name); break;
        case WEE_OPT_BOOL: (void)options_bool(v, s->name); break;
        case WEE_OPT_STRING_LIST:
            for (size_t i = 0; i < options_list_count(v, s->name); i++) (void)options_list_at(v, s->name, i);
            break;
        case WEE_OPT_STRING_MAP:
            for (size_t i = 0; i < options_map_count(v, s->name); i++) {
                (void)options_map_key(v, s->name, i);
                (void)options_map_value(v, s->name, i);
            }
            break;
        default: free(options_json(v, s->name)); break;
        }
    }
    options_view_free(v);
}

/* Creates and destroys the actions whose create has no side effect, as a config load with
 * create_actions would. A refusal must say why. */
static void create_pure_actions(const rule_set *rs)
{
    for (size_t i = 0; i < rule_set_count(rs); i++) {
        const rule *r = rule_set_at(rs, i);
        for (size_t k = 0; k < r->action_count; k++) {
            const rule_action *a = &r->actions[k];
            const char *name = a->module->desc.name;
            const wee_options *o = options_static_view(a->params);
            if (strcmp(name, "exec") != 0 && strcmp(name, "http") != 0 &&
                !(strcmp(name, "lua") == 0 && !options_has(o, "file")))
                continue;
            void *instance = NULL;
            char err[512] = "";
            if (a->module->desc.action_create(host_api_get(), o, &instance, err, sizeof err) == 0)
                a->module->desc.action_destroy(instance);
            else
                FUZZ_CHECK(err[0] != '\0', "%s: create refused without a message", a->json_path);
        }
    }
}

static int on_candidate(rule *r, void *ctx)
{
    visit *vi = ctx;
    vi->visited++;
    char why[256];
    int matched = !r->when || cond_eval(r->when, vi->ev);
    if (r->when) FUZZ_CHECK(!!cond_explain(r->when, vi->ev, why, sizeof why) == !!matched, "explain disagrees");
    for (size_t i = 0; matched && i < r->action_count; i++) render_all(&r->actions[i], vi->ev);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    char *text = fuzz_until_nul(&in);
    diag_list d = DIAG_INIT;
    /* A folder that does not exist: relative script paths resolve there and are never found. */
    config *c = config_load_text(text, "/nonexistent-wee-fuzz/config.json", &g_reg, host_api_get(), 0, &d);
    FUZZ_CHECK((c != NULL) == (d.count == 0), "config %p with %zu error(s)", (void *)c, d.count);
    for (size_t i = 0; i < d.count; i++)
        FUZZ_CHECK(d.items[i].path && d.items[i].message && *d.items[i].message, "error without a message");
    if (c) {
        wee_event *ev = fuzz_event(&in, NULL, 0);
        const char *source = event_get_string(ev, "source");
        visit vi = { ev, 0 };
        rule_set_candidates(c->rules, event_type(ev), source, ev, on_candidate, &vi);
        FUZZ_CHECK(vi.visited <= rule_set_count(c->rules), "%zu candidates of %zu rules", vi.visited,
                   rule_set_count(c->rules));
        create_pure_actions(c->rules);
        const char *names[64];
        (void)config_module_names(c, names, 64);
        event_unref(ev);
        config_free(c);
    }
    diag_free(&d);
    free(text);
    return 0;
}
