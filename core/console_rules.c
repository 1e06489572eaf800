/*
 * core/console_rules.c - GET /api/rules (docs/console.md, "Rules"): the rules and sources of the config
 * and of every included file, each rule with its running state, match count and last firing, and the
 * console's own file as it is on disk (the page edits it and sends it back whole to
 * console_rules_save.c). Also the file names and documents the other Rules files read (console_rules.h).
 * Locking: the running config under the engine's lock, only to copy what is needed.
 */
#include "console_rules.h"
#include <stdlib.h>
#include <string.h>
#include "config_include.h"
#include "console_api.h"
#include "dispatcher.h"
#include "engine_internal.h"
#include "metrics_table.h"
#include "platform/platform.h"
#include "rule_state.h"

#define MAX_WORKERS_READ 256

cJSON *rules_read_doc(const char *file)
{
    char *text = NULL;
    size_t len = 0;
    if (plat_read_file(file, &text, &len) != 0) return NULL;
    cJSON *doc = cJSON_Parse(text);
    free(text);
    return doc;
}

void rules_files_take(engine *e, rules_files *f)
{
    memset(f, 0, sizeof *f);
    plat_mutex_lock(&e->lock);
    const config *cfg = e->cfg;
    f->config = str_dup(cfg->file);
    const config_include *ci = config_console_include(cfg);
    f->console = ci ? str_dup(ci->file) : NULL;
    f->included = calloc(cfg->includes.count + 1, sizeof *f->included);
    f->editable = calloc(cfg->includes.count + 1, sizeof *f->editable);
    for (size_t i = 0; f->included && f->editable && i < cfg->includes.count; i++) {
        if (!(f->included[f->count] = str_dup(cfg->includes.items[i].file))) continue; /* out of memory: not listed */
        f->editable[f->count++] = cfg->includes.items[i].console;
    }
    plat_mutex_unlock(&e->lock);
}

void rules_files_free(rules_files *f)
{
    for (size_t i = 0; i < f->count; i++) free(f->included[i]);
    free(f->included);
    free(f->editable);
    free(f->config);
    free(f->console);
}

static void add_matched(const mt_total *t, void *ctx)
{
    cJSON_AddNumberToObject(ctx, t->a, (double)t->count);
}

/* name -> {"last_fired"} of the running rules (kept across reloads) */
static cJSON *running_stats(engine *e)
{
    cJSON *o = cJSON_CreateObject();
    plat_mutex_lock(&e->lock);
    rule_set *rs = e->cfg->rules;
    for (size_t i = 0; rs && i < rule_set_count(rs); i++) {
        const rule *r = rule_set_at(rs, i);
        cJSON *s = cJSON_CreateObject();
        int64_t last = r->state ? (int64_t)atomic_load(&r->state->last_fired_ms) : 0;
        if (last) {
            char when[40];
            plat_format_rfc3339(last, when, sizeof when);
            cJSON_AddStringToObject(s, "last_fired", when);
        } else {
            cJSON_AddNullToObject(s, "last_fired");
        }
        cJSON_AddItemToObject(o, r->name, s);
    }
    plat_mutex_unlock(&e->lock);
    return o;
}

/* The rules and sources of one file into the answer's lists. */
static void list_file(cJSON *rules, cJSON *sources, const char *file, int editable, const cJSON *doc,
                      const cJSON *stats, const cJSON *matched)
{
    size_t i = 0;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "rules");
    for (const cJSON *r = cJSON_IsArray(arr) ? arr->child : NULL; r; r = r->next, i++) {
        if (!cJSON_IsObject(r)) continue;
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(r, "name");
        const cJSON *en = cJSON_GetObjectItemCaseSensitive(r, "enabled");
        const char *n = cJSON_IsString(name) ? name->valuestring : "";
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "name", n);
        cJSON_AddStringToObject(o, "file", file);
        cJSON_AddNumberToObject(o, "index", (double)i);
        cJSON_AddBoolToObject(o, "editable", editable);
        cJSON_AddBoolToObject(o, "enabled", !cJSON_IsFalse(en));
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(stats, n);
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(matched, n);
        cJSON_AddBoolToObject(o, "loaded", st != NULL);
        cJSON_AddNumberToObject(o, "matched", cJSON_IsNumber(m) ? m->valuedouble : 0);
        const cJSON *last = cJSON_GetObjectItemCaseSensitive(st, "last_fired");
        cJSON_AddItemToObject(o, "last_fired", cJSON_IsString(last) ? cJSON_CreateString(last->valuestring)
                                                                    : cJSON_CreateNull());
        cJSON_AddItemToObject(o, "rule", cJSON_Duplicate(r, 1));
        cJSON_AddItemToArray(rules, o);
    }
    arr = cJSON_GetObjectItemCaseSensitive(doc, "sources");
    i = 0;
    for (const cJSON *s = cJSON_IsArray(arr) ? arr->child : NULL; s; s = s->next, i++) {
        if (!cJSON_IsObject(s)) continue;
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", file);
        cJSON_AddNumberToObject(o, "index", (double)i);
        cJSON_AddBoolToObject(o, "editable", editable);
        cJSON_AddItemToObject(o, "source", cJSON_Duplicate(s, 1));
        cJSON_AddItemToArray(sources, o);
    }
}

void console_rules_list(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    engine *e = cx->e;
    (void)ri;
    rules_files f;
    rules_files_take(e, &f);
    cJSON *stats = running_stats(e);
    cJSON *matched = cJSON_CreateObject();
    mtable *tables[MAX_WORKERS_READ];
    size_t n = dispatcher_metric_tables(e->disp, DM_RULES, tables, MAX_WORKERS_READ);
    mtable_sum(tables, n, add_matched, matched);

    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "config", f.config ? f.config : "");
    cJSON_AddItemToObject(o, "console_file", f.console ? cJSON_CreateString(f.console) : cJSON_CreateNull());
    cJSON *rules = cJSON_AddArrayToObject(o, "rules");
    cJSON *sources = cJSON_AddArrayToObject(o, "sources");
    cJSON *doc = f.config ? rules_read_doc(f.config) : NULL;
    list_file(rules, sources, f.config ? f.config : "", 0, doc, stats, matched);
    cJSON_Delete(doc);
    cJSON *console_doc = NULL;
    for (size_t i = 0; i < f.count; i++) {
        doc = rules_read_doc(f.included[i]);
        list_file(rules, sources, f.included[i], f.editable[i], doc, stats, matched);
        if (f.editable[i] && cJSON_IsObject(doc)) console_doc = doc;
        else cJSON_Delete(doc);
    }
    /* The console's file as it is on disk: the page edits this and sends it back whole. */
    if (!console_doc) console_doc = cJSON_CreateObject();
    if (!cJSON_GetObjectItemCaseSensitive(console_doc, "sources")) cJSON_AddArrayToObject(console_doc, "sources");
    if (!cJSON_GetObjectItemCaseSensitive(console_doc, "rules")) cJSON_AddArrayToObject(console_doc, "rules");
    cJSON_AddItemToObject(o, "console", console_doc);
    cJSON_Delete(stats);
    cJSON_Delete(matched);
    rules_files_free(&f);
    console_reply_cjson(c, 200, o);
}

