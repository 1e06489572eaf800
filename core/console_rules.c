/*
 * core/console_rules.c - the console's Rules page API (docs/console.md, "Rules"): the rules of every
 * file with their counts, the config schema the form is built from, and checking and saving the one
 * file the console owns (engine.console.rules_file, config_include.h). The hand-written config is only
 * ever read here.
 *
 * A save is checked first by loading the whole config as the reload would, with the console's file
 * read from the request body instead of the disk; only a config without errors is written (a
 * temporary file renamed over the old one, the old one kept as <file>.bak) and then reloaded.
 * The schema comes from the host itself run as a child (`host schema`), so the modules it opens to read
 * their option tables, and the libraries they pull in, never load into the running host.
 * Locking: the module registry is used under the engine's reload_lock (as reloads do); the running
 * config under its lock; one save at a time.
 */
#include <cjson/cJSON.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_include.h"
#include "console_api.h"
#include "console_http.h"
#include "dispatcher.h"
#include "engine_control.h"
#include "engine_internal.h"
#include "host_api.h"
#include "log.h"
#include "metrics_table.h"
#include "platform/append_file.h"
#include "platform/platform.h"
#include "rule_state.h"
#include "util/glob.h"
#include "wee/errors.h"

#define MAX_WORKERS_READ 256
#define MAX_USED_MODULES 256
#define SCHEMA_TIMEOUT_MS 60000
#define SCHEMA_MAX_BYTES (16u * 1024 * 1024)

static atomic_int saving;

static void reply_cjson(struct mg_connection *c, int status, cJSON *o)
{
    char *s = o ? cJSON_PrintUnformatted(o) : NULL;
    if (s) console_reply_json(c, status, s);
    else console_reply_outcome(c, 500, 0, "out of memory");
    free(s);
    cJSON_Delete(o);
}

/* The parsed file, or NULL when it is missing or not JSON (its errors come from the check). */
static cJSON *read_doc(const char *file)
{
    char *text = NULL;
    size_t len = 0;
    if (plat_read_file(file, &text, &len) != 0) return NULL;
    cJSON *doc = cJSON_Parse(text);
    free(text);
    return doc;
}

/* Copies of the running config's file names: the config, and each included file (NULL-ended). */
typedef struct files { char *config; char *console; size_t count; char **included; int *editable; } files;

static void files_take(engine *e, files *f)
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
        f->included[f->count] = str_dup(cfg->includes.items[i].file);
        f->editable[f->count++] = cfg->includes.items[i].console;
    }
    plat_mutex_unlock(&e->lock);
}

static void files_free(files *f)
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

/* name -> {"fired", "last_fired"} of the running rules (since the last reload) */
static cJSON *running_stats(engine *e)
{
    cJSON *o = cJSON_CreateObject();
    plat_mutex_lock(&e->lock);
    rule_set *rs = e->cfg->rules;
    for (size_t i = 0; rs && i < rule_set_count(rs); i++) {
        const rule *r = rule_set_at(rs, i);
        cJSON *s = cJSON_CreateObject();
        cJSON_AddBoolToObject(s, "running", r->enabled);
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
    files f;
    files_take(e, &f);
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
    cJSON *doc = f.config ? read_doc(f.config) : NULL;
    list_file(rules, sources, f.config ? f.config : "", 0, doc, stats, matched);
    cJSON_Delete(doc);
    cJSON *console_doc = NULL;
    for (size_t i = 0; i < f.count; i++) {
        doc = read_doc(f.included[i]);
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
    files_free(&f);
    reply_cjson(c, 200, o);
}

/* ---- the schema the form is built from ----
 * `host --modules DIR schema` opens every module to read its option table. Done in this process, the
 * libraries those modules pull in (OpenSSL, D-Bus ...) would stay mapped after the modules are closed
 * again: megabytes for as long as the host runs. So the host runs itself as a child for it. */

/* The running host's modules folder: where its module files are (NULL: the default one). */
static char *modules_dir(engine *e)
{
    const module_registry *reg = e->reg;
    const char *any = NULL;
    plat_mutex_lock(&e->reload_lock);
    for (size_t i = 0; !any && i < reg->count; i++) any = reg->mods[i]->path;
    for (size_t i = 0; !any && i < reg->deferred_count; i++) any = reg->deferred[i];
    char *dir = any ? str_dup(any) : NULL;
    plat_mutex_unlock(&e->reload_lock);
    if (!dir) return NULL;
    char *cut = NULL;
    for (char *p = dir; *p; p++) if (*p == '/' || *p == '\\') cut = p;
    if (cut) *cut = '\0';
    else { free(dir); dir = NULL; }
    return dir;
}

static cJSON *run_schema(engine *e, char *err, size_t err_size)
{
    char exe[2048];
    if (plat_exe_path(exe, sizeof exe) != 0) {
        snprintf(err, err_size, "cannot find the host's own executable to run `host schema`");
        return NULL;
    }
    char *dir = modules_dir(e);
    const char *argv[6];
    size_t n = 0;
    argv[n++] = exe;
    if (dir) { argv[n++] = "--modules"; argv[n++] = dir; }
    argv[n++] = "schema";
    argv[n] = NULL;
    plat_process_spec spec = { argv, NULL, NULL, SCHEMA_TIMEOUT_MS, SCHEMA_MAX_BYTES, 4096, 1 };
    plat_process_result res;
    memset(&res, 0, sizeof res);
    cJSON *schema = NULL;
    int rc = plat_process_run(&spec, &res);
    if (rc != 0 || !res.started)
        snprintf(err, err_size, "cannot run `%s schema`: %s", exe, res.error[0] ? res.error : wee_strerror(rc));
    else if (res.exit_code != 0 || res.timed_out || res.out_truncated)
        snprintf(err, err_size, "`host schema` failed (exit %d%s): %.300s", res.exit_code, res.timed_out ? ", timed out" : "",
                 res.err ? res.err : "");
    else if (!(schema = cJSON_Parse(res.out)))
        snprintf(err, err_size, "`host schema` printed no JSON");
    plat_process_result_free(&res);
    free(dir);
    return schema;
}

/* [{"name", "description", "event_types"}] of the source modules, from the schema's annotations. */
static cJSON *source_modules_of(const cJSON *schema)
{
    cJSON *mods = cJSON_CreateArray();
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(schema, "definitions"), "source");
    const cJSON *branch;
    cJSON_ArrayForEach(branch, cJSON_GetObjectItemCaseSensitive(src, "allOf")) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(
            cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(branch, "if"), "properties"), "module"), "const");
        const cJSON *then = cJSON_GetObjectItemCaseSensitive(branch, "then");
        if (!cJSON_IsString(name)) continue;
        cJSON *mo = cJSON_CreateObject();
        cJSON_AddStringToObject(mo, "name", name->valuestring);
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(then, "description");
        cJSON_AddStringToObject(mo, "description", cJSON_IsString(desc) ? desc->valuestring : "");
        const cJSON *types = cJSON_GetObjectItemCaseSensitive(then, "x-event-types");
        cJSON_AddItemToObject(mo, "event_types", cJSON_IsArray(types) ? cJSON_Duplicate(types, 1) : cJSON_CreateArray());
        cJSON_AddItemToArray(mods, mo);
    }
    return mods;
}

/* The source modules' event types, for offering sources: learnt once (the modules do not change while
 * the host runs), kept until exit. NULL when `host schema` could not run. */
static _Atomic(cJSON *) known_mods;

static const cJSON *source_modules(engine *e, const cJSON *schema)
{
    cJSON *have = atomic_load(&known_mods);
    if (have) return have;
    char err[512];
    cJSON *own = schema ? NULL : run_schema(e, err, sizeof err);
    if (!schema && !own) {
        log_write(WEE_LOG_WARN, "console", "no source is offered for rules: %s", err);
        return NULL;
    }
    cJSON *mods = source_modules_of(schema ? schema : own);
    cJSON_Delete(own);
    cJSON *expected = NULL;
    if (!atomic_compare_exchange_strong(&known_mods, &expected, mods)) {
        cJSON_Delete(mods);
        return expected;
    }
    return mods;
}

void console_rules_schema(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    engine *e = cx->e;
    (void)ri;
    char err[512];
    cJSON *schema = run_schema(e, err, sizeof err);
    if (!schema) {
        console_reply_outcome(c, 500, 0, err);
        return;
    }
    cJSON *o = cJSON_CreateObject();
    const cJSON *mods = source_modules(e, schema);
    cJSON_AddItemToObject(o, "source_modules", mods ? cJSON_Duplicate(mods, 1) : cJSON_CreateArray());
    cJSON_AddItemToObject(o, "schema", schema);
    reply_cjson(c, 200, o);
}

/* ---- check and save ---- */

typedef struct source_decl { const char *id, *module; } source_decl;
typedef struct decls { source_decl *v; size_t n, cap; } decls;

static void decls_add_doc(decls *d, const cJSON *doc)
{
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, "sources");
    for (const cJSON *s = cJSON_IsArray(arr) ? arr->child : NULL; s; s = s->next) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(s, "id");
        const cJSON *mod = cJSON_GetObjectItemCaseSensitive(s, "module");
        if (!cJSON_IsString(id) || !cJSON_IsString(mod)) continue;
        if (d->n == d->cap) {
            size_t cap = d->cap ? d->cap * 2 : 16;
            source_decl *p = realloc(d->v, cap * sizeof *p);
            if (!p) return;
            d->v = p;
            d->cap = cap;
        }
        d->v[d->n].id = id->valuestring;
        d->v[d->n++].module = mod->valuestring;
    }
}

static int declared(const decls *d, const char *key, int by_module)
{
    for (size_t i = 0; i < d->n; i++)
        if (strcmp(by_module ? d->v[i].module : d->v[i].id, key) == 0) return 1;
    return 0;
}

/* The source module whose event types the rule's event (exact or glob) names; NULL for none. */
static const char *module_for_event(const cJSON *mods, const char *event)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, mods) {
        const cJSON *t;
        cJSON_ArrayForEach(t, cJSON_GetObjectItemCaseSensitive(m, "event_types")) {
            if (cJSON_IsString(t) && glob_match(event, t->valuestring, 0))
                return cJSON_GetObjectItemCaseSensitive(m, "name")->valuestring;
        }
    }
    return NULL;
}

/* For each rule of the candidate whose trigger needs a source no file declares: a source to add to the
 * console's file ({"rule", "path", "why", "source": {"id", "module"}}). */
static cJSON *missing_sources(const cJSON *candidate, const decls *d, const cJSON *mods)
{
    cJSON *out = cJSON_CreateArray();
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(candidate, "rules");
    size_t i = 0;
    for (const cJSON *r = cJSON_IsArray(rules) ? rules->child : NULL; r; r = r->next, i++) {
        const cJSON *when = cJSON_GetObjectItemCaseSensitive(r, "when");
        const cJSON *ev = cJSON_GetObjectItemCaseSensitive(when, "event");
        const cJSON *src = cJSON_GetObjectItemCaseSensitive(when, "source");
        const char *module = cJSON_IsString(ev) ? module_for_event(mods, ev->valuestring) : NULL;
        char id[128], path[64], why[512];
        if (cJSON_IsString(src) && src->valuestring[0] && strcmp(src->valuestring, "engine") != 0) {
            if (declared(d, src->valuestring, 0)) continue;
            snprintf(id, sizeof id, "%s", src->valuestring);
            snprintf(path, sizeof path, "rules[%zu].when.source", i);
            snprintf(why, sizeof why, "the rule listens to source \"%s\", which no file declares", id);
        } else if (module && !src) {
            if (declared(d, module, 1)) continue;
            snprintf(id, sizeof id, "%s", module);
            for (int k = 2; declared(d, id, 0) && k < 100; k++) snprintf(id, sizeof id, "%s-%d", module, k);
            snprintf(path, sizeof path, "rules[%zu].when.event", i);
            snprintf(why, sizeof why, "%s events come from a \"%s\" source, and no file declares one", ev->valuestring,
                     module);
        } else {
            continue;
        }
        int dup = 0;
        const cJSON *o;
        cJSON_ArrayForEach(o, out) {
            const cJSON *have = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(o, "source"), "id");
            if (strcmp(have->valuestring, id) == 0) dup = 1;
        }
        if (dup) continue;
        cJSON *offer = cJSON_CreateObject();
        cJSON_AddNumberToObject(offer, "rule", (double)i);
        cJSON_AddStringToObject(offer, "path", path);
        cJSON_AddStringToObject(offer, "why", why);
        cJSON *s = cJSON_AddObjectToObject(offer, "source");
        cJSON_AddStringToObject(s, "id", id);
        if (module) cJSON_AddStringToObject(s, "module", module);
        cJSON_AddItemToArray(out, offer);
    }
    return out;
}

typedef struct check {
    const char *config_file, *console_file, *text;
    const cJSON *candidate;
    const files *f;
    cJSON *answer;    /* gets "errors" and "missing_sources" */
    size_t errors;
} check;

/* Loads the whole config with the candidate as the console's file, as a reload would (actions created);
 * under reload_lock like a reload, closing again afterwards the modules the running config does not use. */
static void run_check(engine *e, check *k)
{
    diag_list d = DIAG_INIT;
    const cJSON *mods = source_modules(e, NULL);
    plat_mutex_lock(&e->reload_lock);
    config *cfg = config_load_file_with(k->config_file, k->console_file, k->text, e->reg, host_api_get(), 1, &d);
    config_free(cfg);
    const char *used[MAX_USED_MODULES];
    plat_mutex_lock(&e->lock);
    size_t n = config_module_names(e->cfg, used, MAX_USED_MODULES);
    if (n < MAX_USED_MODULES) loader_unload_unused((module_registry *)e->reg, used, n);
    plat_mutex_unlock(&e->lock);
    plat_mutex_unlock(&e->reload_lock);
    cJSON *errors = cJSON_AddArrayToObject(k->answer, "errors");
    for (size_t i = 0; i < d.count; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "file", d.items[i].file ? d.items[i].file : k->config_file);
        cJSON_AddStringToObject(o, "path", d.items[i].path ? d.items[i].path : "");
        cJSON_AddStringToObject(o, "message", d.items[i].message);
        cJSON_AddItemToArray(errors, o);
    }
    k->errors = d.count;
    diag_free(&d);

    decls ds = { NULL, 0, 0 };
    cJSON *docs[64];
    size_t nd = 0;
    docs[nd++] = read_doc(k->config_file);
    for (size_t i = 0; i < k->f->count && nd < 64; i++)
        if (!k->f->editable[i]) docs[nd++] = read_doc(k->f->included[i]);
    for (size_t i = 0; i < nd; i++) decls_add_doc(&ds, docs[i]);
    decls_add_doc(&ds, k->candidate);
    cJSON_AddItemToObject(k->answer, "missing_sources", missing_sources(k->candidate, &ds, mods));
    free(ds.v);
    for (size_t i = 0; i < nd; i++) cJSON_Delete(docs[i]);
}

/* Writes data to path through path.tmp renamed over it. 0, or a WEE_E* code. */
static int write_replace(const char *path, const char *data, size_t len)
{
    char tmp[1100];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    plat_file_remove(tmp);
    FILE *f = NULL;
    uint64_t size = 0;
    int rc = plat_append_open(tmp, &f, &size);
    if (rc != 0) return rc;
    int ok = fwrite(data, 1, len, f) == len;
    ok = fflush(f) == 0 && ok;
    ok = fclose(f) == 0 && ok;
    if (!ok) {
        plat_file_remove(tmp);
        return WEE_EIO;
    }
    rc = plat_file_replace(tmp, path);
    if (rc != 0) plat_file_remove(tmp);
    return rc;
}

/* Body -> candidate document; NULL after answering 400/413. */
static cJSON *read_candidate(struct mg_connection *c, const struct mg_request_info *ri, strbuf *body)
{
    int bad = console_read_body(c, ri, body);
    if (bad) {
        console_reply_outcome(c, bad, 0, bad == 413 ? "request body over 1 MiB; a rule file must be smaller"
                                                    : "incomplete request body");
        return NULL;
    }
    cJSON *doc = cJSON_Parse(strbuf_cstr(body));
    if (!cJSON_IsObject(doc)) {
        cJSON_Delete(doc);
        console_reply_outcome(c, 400, 0, "the body must be the console's rule file: a JSON object "
                                         "{\"sources\": [...], \"rules\": [...]}");
        return NULL;
    }
    return doc;
}

/* One check or save: the body, the file names, the check and its candidate document. */
typedef struct rules_request { strbuf body; files f; check k; cJSON *candidate; } rules_request;

/* Checks the body as the console's file; returns the answer (NULL after answering an error). */
static cJSON *check_body(engine *e, struct mg_connection *c, const struct mg_request_info *ri, rules_request *q)
{
    memset(q, 0, sizeof *q); /* an empty strbuf, NULL pointers */
    q->candidate = read_candidate(c, ri, &q->body);
    if (!q->candidate) return NULL;
    files_take(e, &q->f);
    if (!q->f.console || !q->f.config) {
        console_reply_outcome(c, 409, 0, "the running config has no engine.console section; the console has no file to write");
        return NULL;
    }
    cJSON *answer = cJSON_CreateObject();
    cJSON_AddStringToObject(answer, "file", q->f.console);
    q->k.config_file = q->f.config;
    q->k.console_file = q->f.console;
    q->k.text = strbuf_cstr(&q->body);
    q->k.candidate = q->candidate;
    q->k.f = &q->f;
    q->k.answer = answer;
    run_check(e, &q->k);
    cJSON_AddBoolToObject(answer, "ok", q->k.errors == 0);
    return answer;
}

static void request_free(rules_request *q)
{
    cJSON_Delete(q->candidate);
    files_free(&q->f);
    strbuf_free(&q->body);
}

void console_rules_check(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    engine *e = cx->e;
    rules_request q;
    cJSON *answer = check_body(e, c, ri, &q);
    if (answer) reply_cjson(c, 200, answer);
    request_free(&q);
}

/* Keeps the file as it is now in <file>.bak; then writes the new one over it. */
static int save_file(const char *file, const char *text, int *backed_up, char *err, size_t err_size)
{
    char bak[1100];
    snprintf(bak, sizeof bak, "%s.bak", file);
    char *old = NULL;
    size_t old_len = 0;
    *backed_up = 0;
    if (plat_path_exists(file)) {
        int rc = plat_read_file(file, &old, &old_len);
        if (rc == 0) rc = write_replace(bak, old, old_len);
        free(old);
        if (rc != 0) {
            snprintf(err, err_size, "cannot keep the previous version as %s: %s; nothing was written", bak, wee_strerror(rc));
            return rc;
        }
        *backed_up = 1;
    }
    int rc = write_replace(file, text, strlen(text));
    if (rc != 0) snprintf(err, err_size, "cannot write %s: %s; the file is as it was", file, wee_strerror(rc));
    return rc;
}

void console_rules_save(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    engine *e = cx->e;
    int expected = 0;
    if (!atomic_compare_exchange_strong(&saving, &expected, 1)) {
        console_reply_outcome(c, 409, 0, "another save is running; try again in a moment");
        return;
    }
    rules_request q;
    cJSON *answer = check_body(e, c, ri, &q);
    if (answer && q.k.errors) {
        cJSON_AddBoolToObject(answer, "saved", 0);
        reply_cjson(c, 422, answer);
    } else if (answer) {
        char *text = cJSON_Print(q.candidate);
        strbuf out = STRBUF_INIT;
        strbuf_puts(&out, text ? text : "{}");
        strbuf_putc(&out, '\n');
        free(text);
        char err[1300] = "";
        int backed_up = 0;
        int rc = save_file(q.f.console, strbuf_cstr(&out), &backed_up, err, sizeof err);
        strbuf_free(&out);
        cJSON_AddBoolToObject(answer, "saved", rc == 0);
        if (rc != 0) {
            cJSON_ReplaceItemInObject(answer, "ok", cJSON_CreateBool(0));
            cJSON_AddStringToObject(answer, "text", err);
            reply_cjson(c, 500, answer);
        } else {
            if (backed_up) {
                char bak[1100];
                snprintf(bak, sizeof bak, "%s.bak", q.f.console);
                cJSON_AddStringToObject(answer, "backup", bak);
            }
            log_write(WEE_LOG_INFO, "console", "rules saved to %s from the web console; reloading", q.f.console);
            strbuf report = STRBUF_INIT;
            int rrc = engine_reload(e, &report);
            cJSON *reload = cJSON_AddObjectToObject(answer, "reload");
            cJSON_AddBoolToObject(reload, "ok", rrc == 0);
            cJSON_AddStringToObject(reload, "text", report.len ? strbuf_cstr(&report) : rrc == 0 ? "reloaded" : wee_strerror(rrc));
            strbuf_free(&report);
            cJSON_ReplaceItemInObject(answer, "ok", cJSON_CreateBool(rrc == 0));
            reply_cjson(c, 200, answer);
        }
    }
    request_free(&q);
    atomic_store(&saving, 0);
}
