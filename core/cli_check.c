#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "engine_origin.h"
#include "action_call.h"
#include "arg_check.h"
#include "cli.h"
#include "config.h"
#include "event.h"
#include "host_api.h"
#include "platform/platform.h"
#include "rule_memory.h"
#include "rule_state.h"
#include <cjson/cJSON.h>
#include "util/glob.h"
#include "util/rotating_file.h"
#include "wee/errors.h"

int cli_validate(const module_registry *reg, const char *file)
{
    diag_list d = DIAG_INIT;
    config *c = config_load_file(file, reg, host_api_get(), 1, &d);
    if (!c) {
        diag_print(&d, file, stderr);
        fprintf(stderr, "%s: %zu error(s); nothing was started\n", file, d.count);
        diag_free(&d);
        return 1;
    }
    /* What the run opens before anything starts: the host's own log file (created with its folders
     * at start, so only what would stop that is an error; nothing is created here). */
    char why[512];
    if (c->engine.log_file && rotating_file_check(c->engine.log_file, why, sizeof why) != 0) {
        fprintf(stderr, "%s: engine.log.file: cannot write \"%s\": %s\n%s: 1 error(s); nothing was started\n", file,
                c->engine.log_file, why, file);
        config_free(c);
        diag_free(&d);
        return 1;
    }
    size_t warnings = arg_check_warn(c, file, stderr);
    printf("%s: OK (%zu source(s), %zu rule(s)%s)\n", file, c->source_count, c->rules ? rule_set_count(c->rules) : (size_t)0,
           warnings ? "; see the warnings" : "");
    config_free(c);
    diag_free(&d);
    return 0;
}

static void print_params(const rule_action *a, const wee_event *ev, const wee_event *results)
{
    render_ctx ctx = { ev, results };
    wee_options *view = options_view_render(a->params, &ctx);
    const wee_option_spec *spec = loader_action_options(&a->module->desc);
    for (const wee_option_spec *s = spec; s && s->name; s = options_spec_next(spec, s)) {
        if (!options_has(view, s->name)) continue;
        char *json = options_json(view, s->name);
        printf("      %s = %s\n", s->name, json ? json : "?");
        free(json);
    }
    options_view_free(view);
}

/* Why a rule is not even a candidate for this event; NULL if it is. */
static const char *candidate_miss(const rule *r, const wee_event *ev, char *buf, size_t size)
{
    const char *src = event_get_string(ev, "source");
    if (!r->enabled) return "rule is disabled (\"enabled\": false)";
    int type_ok = r->event_is_glob ? glob_match(r->event_pattern, ev->type, 0) : strcmp(r->event_pattern, ev->type) == 0;
    if (!type_ok) {
        snprintf(buf, size, "event type \"%s\" does not match \"%s\"", ev->type, r->event_pattern);
        return buf;
    }
    if (r->source && (!src || strcmp(src, r->source) != 0)) {
        snprintf(buf, size, "source \"%s\" is not \"%s\"", src ? src : "(none)", r->source);
        return buf;
    }
    if (ev->by_engine && !r->allow_engine_events) return "event was caused by the engine (set \"allow_engine_events\": true)";
    return NULL;
}

/* One event through every rule, as a worker would (stateful rules remember across the events of one
 * host test run). Counts into *matched and *failed. */
static void test_event(config *c, wee_event *ev, int run, int *matched, int *failed)
{
    if (!event_find(ev, "source")) event_set_string(ev, "source", "test");
    if (!event_find(ev, "time")) { char ts[40]; plat_format_rfc3339(plat_wall_time_ms(), ts, sizeof ts); event_set_string(ev, "time", ts); }
    event_set_string(ev, "type", ev->type);
    for (size_t i = 0; c->rules && i < rule_set_count(c->rules); i++) {
        rule *r = rule_set_at(c->rules, i);
        char why[512], note[512] = "";
        const char *miss = candidate_miss(r, ev, why, sizeof why);
        if (!miss && r->when && !cond_explain(r->when, ev, why, sizeof why)) miss = why;
        if (miss) {
            printf("no match  rule '%s' (%s): %s\n", r->name, r->json_path, miss);
            continue;
        }
        wee_event *fired = NULL;
        if (r->memory.kind != MEMORY_NONE) {
            fired = rule_memory_observe(r->state->memory, r, ev, plat_monotonic_ns(), note, sizeof note);
            if (!fired) {
                printf("no fire   rule '%s' (%s): %s\n", r->name, r->json_path, note[0] ? note : "nothing to remember");
                continue;
            }
        }
        const wee_event *use = fired ? fired : ev;
        (*matched)++;
        printf("MATCH     rule '%s' (%s)%s%s%s%s%s\n", r->name, r->json_path,
               r->throttle_ms ? " [throttled in the running host]" : "", r->debounce_ms ? " [debounced in the running host]" : "",
               r->batch_ms ? " [batched in the running host: the actions run once per batch]" : "", note[0] ? ": " : "", note);
        wee_event *results = event_new("results");
        for (size_t j = 0; j < r->action_count; j++) {
            rule_action *a = &r->actions[j];
            printf("    %s: %s\n", a->json_path, a->module->desc.name);
            print_params(a, use, results);
            if (!run) continue;
            struct wee_action_call call;
            action_call_init(&call, a->params, use, results, a->module->desc.name, r->name, 0);
            int rc = a->params && !call.params ? WEE_ENOMEM : a->module->desc.action_run(a->instance, &call);
            printf("      -> %s%s%s\n", rc == 0 ? "ok" : "FAILED", rc ? ": " : "",
                   rc ? (call.error.len ? strbuf_cstr(&call.error) : wee_strerror(rc)) : "");
            action_call_finish(&call);
            if (rc) (*failed)++;
            if (rc && a->on_error == ON_ERROR_STOP) break;
        }
        if (run) {
            for (size_t k = 0; k < event_field_count(results); k++)
                printf("      result %s = %s\n", event_field_name(results, k), event_field_string(results, k));
        }
        event_unref(results);
        event_unref(fired);
    }
}

int cli_test(const module_registry *reg, const char *config_file, const char *event_file, int run)
{
    diag_list d = DIAG_INIT;
    config *c = config_load_file(config_file, reg, host_api_get(), 1, &d);
    if (!c) {
        diag_print(&d, config_file, stderr);
        diag_free(&d);
        return 1;
    }
    diag_free(&d);
    char *text = NULL;
    size_t len = 0;
    if (plat_read_file(event_file, &text, &len) != 0) {
        fprintf(stderr, "%s: cannot read the event file\n", event_file);
        config_free(c);
        return 1;
    }
    /* One event object, or an array of them run in order (how a sequence or threshold is explained). */
    cJSON *doc = cJSON_Parse(text);
    size_t count = cJSON_IsArray(doc) ? (size_t)cJSON_GetArraySize(doc) : 1;
    int matched = 0, failed = 0, bad = 0;
    if (run) config_activate_modules(c); /* actions really run: modules open what they need */
    const cJSON *item = cJSON_IsArray(doc) ? doc->child : NULL;
    for (size_t n = 0; n < count && !bad; n++, item = item ? item->next : NULL) {
        char err[256], *one = item ? cJSON_PrintUnformatted(item) : NULL;
        wee_event *ev = event_from_json(one ? one : text, err, sizeof err);
        cJSON_free(one);
        if (!ev) {
            if (count > 1) fprintf(stderr, "%s: [%zu]: %s\n", event_file, n, err);
            else fprintf(stderr, "%s: %s\n", event_file, err);
            bad = 1;
            break;
        }
        engine_origin_adopt(ev); /* an input event may say it was caused by the engine */
        if (count > 1) printf("--- event [%zu] %s\n", n, ev->type);
        test_event(c, ev, run, &matched, &failed);
        event_unref(ev);
    }
    free(text);
    cJSON_Delete(doc);
    if (bad) {
        config_free(c);
        return 1;
    }
    printf("%d rule(s) matched%s\n", matched, run ? "" : " (actions not run; add --run to run them)");
    config_free(c);
    return failed ? 2 : 0;
}
