/* rule_test.c - one event through every rule, explained; see rule_test.h. */
#include "rule_test.h"
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>
#include "action_call.h"
#include "engine_origin.h"
#include "event.h"
#include "loader.h"
#include "options.h"
#include "platform/platform.h"
#include "rule_memory.h"
#include "util/glob.h"

struct rule_test {
    rule_set *rules;
    rule_memory **memories;   /* per rule index; only stateful rules have one */
    size_t count;
    unsigned worker;
};

rule_test *rule_test_new(rule_set *rs, unsigned worker)
{
    rule_test *t = calloc(1, sizeof *t);
    if (!t) return NULL;
    t->worker = worker;
    t->count = rs ? rule_set_count(rs) : 0;
    t->memories = calloc(t->count ? t->count : 1, sizeof *t->memories);
    if (!t->memories) { free(t); return NULL; }
    t->rules = rs ? rule_set_ref(rs) : NULL;
    uint64_t now = plat_monotonic_ns();
    for (size_t i = 0; i < t->count; i++) {
        rule *r = rule_set_at(rs, i);
        if (r->memory.kind != MEMORY_NONE && !(t->memories[i] = rule_memory_new(&r->memory, now))) {
            rule_test_free(t);
            return NULL;
        }
    }
    return t;
}

void rule_test_free(rule_test *t)
{
    if (!t) return;
    for (size_t i = 0; i < t->count; i++) rule_memory_unref(t->memories[i]);
    free(t->memories);
    if (t->rules) rule_set_unref(t->rules);
    free(t);
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

/* The action's options as rendered for this event (view), in its option table's order. */
static cJSON *args_json(const rule_action *a, const wee_options *view)
{
    const wee_option_spec *spec = loader_action_options(&a->module->desc);
    cJSON *args = cJSON_CreateObject();
    for (const wee_option_spec *s = spec; args && s && s->name; s = options_spec_next(spec, s)) {
        if (!options_has(view, s->name)) continue;
        char *json = options_json(view, s->name);
        cJSON *v = json ? cJSON_Parse(json) : NULL;
        cJSON_AddItemToObject(args, s->name, v ? v : cJSON_CreateNull());
        free(json);
    }
    return args;
}

static cJSON *results_json(const wee_event *results)
{
    cJSON *o = cJSON_CreateObject();
    for (size_t k = 0; o && k < event_field_count(results); k++) {
        const char *name = event_field_name(results, k), *text = event_field_string(results, k);
        switch (event_field_type(results, k)) {
        case WEE_VALUE_INT: cJSON_AddNumberToObject(o, name, (double)event_get_int(results, name, 0)); break;
        case WEE_VALUE_BOOL: cJSON_AddBoolToObject(o, name, event_get_bool(results, name, 0)); break;
        default: cJSON_AddStringToObject(o, name, text ? text : ""); break;
        }
    }
    return o;
}

/* Renders (and with run, runs) r's actions for ev into the rule's report o. */
static void test_actions(const rule_test *t, const rule *r, const wee_event *ev, int run, cJSON *o, int *failed)
{
    cJSON *actions = cJSON_AddArrayToObject(o, "actions");
    wee_event *results = event_new("results");
    for (size_t j = 0; actions && results && j < r->action_count; j++) {
        const rule_action *a = &r->actions[j];
        cJSON *ao = cJSON_CreateObject();
        cJSON_AddItemToArray(actions, ao);
        cJSON_AddStringToObject(ao, "path", a->json_path);
        cJSON_AddStringToObject(ao, "action", a->module->desc.name);
        if (!run) {
            render_ctx ctx = { ev, results };
            wee_options *view = options_view_render(a->params, &ctx);
            cJSON_AddItemToObject(ao, "args", args_json(a, view));
            options_view_free(view);
            continue;
        }
        /* Run: the arguments shown are the ones the action gets (rendered once, by the call). */
        struct wee_action_call call;
        action_call_init(&call, a->params, ev, results, a->module->desc.name, r->name, t->worker);
        cJSON_AddItemToObject(ao, "args", args_json(a, call.params));
        int rc = action_call_run(&call, &a->module->desc, a->instance);
        cJSON_AddBoolToObject(ao, "ok", rc == 0);
        if (rc) cJSON_AddStringToObject(ao, "error", action_call_error_text(&call, rc));
        action_call_finish(&call);
        if (rc) (*failed)++;
        if (rc && a->on_error == ON_ERROR_STOP) break;
    }
    if (run && results) cJSON_AddItemToObject(o, "results", results_json(results));
    event_unref(results);
}

cJSON *rule_test_event(rule_test *t, wee_event *ev, int run)
{
    engine_origin_adopt(ev); /* an input event may say it was caused by the engine */
    if (!event_find(ev, "source")) event_set_string(ev, "source", "test");
    if (!event_find(ev, "time")) {
        char ts[40];
        plat_format_rfc3339(plat_wall_time_ms(), ts, sizeof ts);
        event_set_string(ev, "time", ts);
    }
    event_set_string(ev, "type", ev->type);
    cJSON *report = cJSON_CreateObject();
    cJSON *ev_obj = event_to_cjson(ev);
    cJSON_AddItemToObject(report, "event", ev_obj ? ev_obj : cJSON_CreateObject());
    cJSON *list = cJSON_AddArrayToObject(report, "rules");
    int matched = 0, failed = 0;
    for (size_t i = 0; list && i < t->count; i++) {
        rule *r = rule_set_at(t->rules, i);
        char why[512], note[512] = "";
        cJSON *o = cJSON_CreateObject();
        cJSON_AddItemToArray(list, o);
        cJSON_AddStringToObject(o, "rule", r->name);
        cJSON_AddStringToObject(o, "path", r->json_path);
        const char *miss = candidate_miss(r, ev, why, sizeof why);
        if (!miss && r->when && !cond_explain(r->when, ev, why, sizeof why)) miss = why;
        if (miss) {
            cJSON_AddStringToObject(o, "verdict", "no match");
            cJSON_AddStringToObject(o, "reason", miss);
            continue;
        }
        wee_event *fired = NULL;
        if (t->memories[i]) {
            fired = rule_memory_observe(t->memories[i], r, ev, plat_monotonic_ns(), note, sizeof note);
            if (!fired) {
                cJSON_AddStringToObject(o, "verdict", "no fire");
                cJSON_AddStringToObject(o, "reason", note[0] ? note : "nothing to remember");
                continue;
            }
        }
        matched++;
        cJSON_AddStringToObject(o, "verdict", "match");
        if (note[0]) cJSON_AddStringToObject(o, "note", note);
        cJSON *running = cJSON_AddArrayToObject(o, "running");
        if (r->throttle_ms) cJSON_AddItemToArray(running, cJSON_CreateString("throttled"));
        if (r->debounce_ms) cJSON_AddItemToArray(running, cJSON_CreateString("debounced"));
        if (r->batch_ms) cJSON_AddItemToArray(running, cJSON_CreateString("batched"));
        test_actions(t, r, fired ? fired : ev, run, o, &failed);
        event_unref(fired);
    }
    cJSON_AddNumberToObject(report, "matched", matched);
    cJSON_AddNumberToObject(report, "failed", failed);
    return report;
}

static const char *str_of(const cJSON *o, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

static int has_string(const cJSON *arr, const char *s)
{
    const cJSON *v;
    cJSON_ArrayForEach(v, arr) if (cJSON_IsString(v) && strcmp(v->valuestring, s) == 0) return 1;
    return 0;
}

static void print_actions(const cJSON *r, FILE *out)
{
    const cJSON *a, *v;
    cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(r, "actions")) {
        fprintf(out, "    %s: %s\n", str_of(a, "path"), str_of(a, "action"));
        cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(a, "args")) {
            char *json = cJSON_PrintUnformatted(v);
            fprintf(out, "      %s = %s\n", v->string, json ? json : "?");
            free(json);
        }
        const cJSON *ok = cJSON_GetObjectItemCaseSensitive(a, "ok");
        if (cJSON_IsBool(ok))
            fprintf(out, "      -> %s%s%s\n", cJSON_IsTrue(ok) ? "ok" : "FAILED", cJSON_IsTrue(ok) ? "" : ": ",
                    cJSON_IsTrue(ok) ? "" : str_of(a, "error") ? str_of(a, "error") : "");
    }
    cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(r, "results")) {
        if (cJSON_IsString(v)) fprintf(out, "      result %s = %s\n", v->string, v->valuestring);
        else if (cJSON_IsBool(v)) fprintf(out, "      result %s = %s\n", v->string, cJSON_IsTrue(v) ? "true" : "false");
        else fprintf(out, "      result %s = %.0f\n", v->string, v->valuedouble);
    }
}

void rule_test_print(const cJSON *report, FILE *out)
{
    const cJSON *r;
    cJSON_ArrayForEach(r, cJSON_GetObjectItemCaseSensitive(report, "rules")) {
        const char *verdict = str_of(r, "verdict"), *name = str_of(r, "rule"), *path = str_of(r, "path");
        if (strcmp(verdict, "match") != 0) {
            fprintf(out, "%-9s rule '%s' (%s): %s\n", verdict, name, path, str_of(r, "reason"));
            continue;
        }
        const cJSON *running = cJSON_GetObjectItemCaseSensitive(r, "running");
        const char *note = str_of(r, "note");
        fprintf(out, "MATCH     rule '%s' (%s)%s%s%s%s%s\n", name, path,
                has_string(running, "throttled") ? " [throttled in the running host]" : "",
                has_string(running, "debounced") ? " [debounced in the running host]" : "",
                has_string(running, "batched") ? " [batched in the running host: the actions run once per batch]" : "",
                note ? ": " : "", note ? note : "");
        print_actions(r, out);
    }
}
