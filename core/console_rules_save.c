/*
 * core/console_rules_save.c - POST /api/rules/check and /api/rules/save: the one file the console owns
 * (engine.console.rules_file, config_include.h). A save is checked first by loading the whole config as
 * the reload would, with the console's file read from the request body instead of the disk; only a
 * config without errors is written (file_replace: a temporary file renamed over the old one, the old one
 * kept as <file>.bak) and then reloaded. Both answers list the errors at their JSON paths and the
 * sources the rules need (console_rules_offer.c).
 * Locking: the check loads under the engine's reload_lock, like a reload; one save at a time.
 */
#include "console_rules.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "config_include.h"
#include "console_api.h"
#include "engine_control.h"
#include "engine_internal.h"
#include "host_api.h"
#include "log.h"
#include "platform/platform.h"
#include "util/file_replace.h"
#include "wee/errors.h"

#define MAX_DOCS 64 /* files read for their declared sources: the config and its includes */

static atomic_int saving;

typedef struct check {
    const char *config_file, *console_file, *text;
    const cJSON *candidate;
    const rules_files *f;
    cJSON *answer;    /* gets "errors" and "missing_sources" */
    size_t errors;
} check;

/* Loads the whole config with the candidate as the console's file, as a reload would (actions created);
 * under reload_lock like a reload, closing again afterwards the modules the running config does not use. */
static void run_check(engine *e, check *k)
{
    diag_list d = DIAG_INIT;
    const cJSON *mods = console_source_modules(e, NULL);
    plat_mutex_lock(&e->reload_lock);
    config *cfg = config_load_file_with(k->config_file, k->console_file, k->text, e->reg, host_api_get(), 1, &d);
    config_free(cfg);
    config_unload_unused_modules(e->cfg, (module_registry *)e->reg); /* e->cfg: stable under reload_lock */
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

    /* Sources declared anywhere but the console's file (which the candidate replaces). */
    cJSON *docs[MAX_DOCS];
    size_t nd = 0;
    docs[nd++] = rules_read_doc(k->config_file);
    for (size_t i = 0; i < k->f->count && nd < MAX_DOCS; i++)
        if (!k->f->editable[i]) docs[nd++] = rules_read_doc(k->f->included[i]);
    cJSON_AddItemToObject(k->answer, "missing_sources",
                          console_missing_sources(k->candidate, (const cJSON *const *)docs, nd, mods));
    for (size_t i = 0; i < nd; i++) cJSON_Delete(docs[i]);
}

/* Body -> candidate document; NULL after answering an error. */
static cJSON *read_candidate(struct mg_connection *c, const struct mg_request_info *ri, strbuf *body)
{
    if (console_read_body(c, ri, body, "a rule file") != 0) return NULL;
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
typedef struct rules_request { strbuf body; rules_files f; check k; cJSON *candidate; } rules_request;

/* Checks the body as the console's file; returns the answer (NULL after answering an error). */
static cJSON *check_body(engine *e, struct mg_connection *c, const struct mg_request_info *ri, rules_request *q)
{
    memset(q, 0, sizeof *q); /* an empty strbuf, NULL pointers */
    q->candidate = read_candidate(c, ri, &q->body);
    if (!q->candidate) return NULL;
    rules_files_take(e, &q->f);
    if (!q->f.console || !q->f.config) {
        console_reply_outcome(c, 409, 0, "the running config has no engine.console section; the console has no file to write");
        return NULL;
    }
    cJSON *answer = cJSON_CreateObject();
    if (!answer) {
        console_reply_outcome(c, 503, 0, "out of memory");
        return NULL;
    }
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
    rules_files_free(&q->f);
    strbuf_free(&q->body);
}

void console_rules_check(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    engine *e = cx->e;
    rules_request q;
    cJSON *answer = check_body(e, c, ri, &q);
    if (answer) console_reply_cjson(c, 200, answer);
    request_free(&q);
}

/* "<file>.bak", or NULL when out of memory. */
static char *backup_name(const char *file)
{
    size_t n = strlen(file) + sizeof ".bak";
    char *bak = malloc(n);
    if (bak) snprintf(bak, n, "%s.bak", file);
    return bak;
}

/* The file's content: the text and a final line break (file_replace_with's writer). */
static int write_line(FILE *f, void *text)
{
    return fputs(text, f) < 0 || fputc('\n', f) == EOF;
}

/* Keeps the file as it is now in <file>.bak (*bak gets that name when it did); then writes text and a
 * line break over the file. 0, or a WEE_E* code with err saying what was left as it was. */
static int save_file(const char *file, const char *text, char **bak, char *err, size_t err_size)
{
    *bak = NULL;
    if (plat_path_exists(file)) {
        char *name = backup_name(file), *old = NULL;
        size_t old_len = 0;
        int rc = name ? plat_read_file(file, &old, &old_len) : WEE_ENOMEM;
        if (rc == 0) rc = file_replace(name, old, old_len);
        free(old);
        if (rc != 0) {
            snprintf(err, err_size, "cannot keep the previous version as %s.bak: %s; nothing was written", file,
                     wee_strerror(rc));
            free(name);
            return rc;
        }
        *bak = name;
    }
    int rc = file_replace_with(file, write_line, (void *)text);
    if (rc != 0) snprintf(err, err_size, "cannot write %s: %s; the file is as it was", file, wee_strerror(rc));
    return rc;
}

/* Writes the checked candidate and reloads; the answer says how both went. Its HTTP status. */
static int save_and_reload(engine *e, rules_request *q, cJSON *answer)
{
    char *text = cJSON_Print(q->candidate); /* indented: the file is for people too */
    if (!text) return 503;
    char err[1300] = "", *bak = NULL;
    int rc = save_file(q->f.console, text, &bak, err, sizeof err);
    free(text);
    cJSON_AddBoolToObject(answer, "saved", rc == 0);
    if (rc != 0) {
        cJSON_ReplaceItemInObject(answer, "ok", cJSON_CreateBool(0));
        cJSON_AddStringToObject(answer, "text", err);
        return 500;
    }
    if (bak) cJSON_AddStringToObject(answer, "backup", bak);
    free(bak);
    log_write(WEE_LOG_INFO, "console", "rules saved to %s from the web console; reloading", q->f.console);
    strbuf report = STRBUF_INIT;
    int rrc = engine_reload(e, &report);
    cJSON *reload = cJSON_AddObjectToObject(answer, "reload");
    cJSON_AddBoolToObject(reload, "ok", rrc == 0);
    cJSON_AddStringToObject(reload, "text", engine_reload_text(&report, rrc));
    strbuf_free(&report);
    cJSON_ReplaceItemInObject(answer, "ok", cJSON_CreateBool(rrc == 0));
    return 200;
}

void console_rules_save(const console_ctx *cx, struct mg_connection *c, const struct mg_request_info *ri)
{
    int expected = 0;
    if (!atomic_compare_exchange_strong(&saving, &expected, 1)) {
        console_reply_outcome(c, 409, 0, "another save is running; try again in a moment");
        return;
    }
    rules_request q;
    cJSON *answer = check_body(cx->e, c, ri, &q);
    if (answer && q.k.errors) {
        cJSON_AddBoolToObject(answer, "saved", 0);
        console_reply_cjson(c, 422, answer);
    } else if (answer) {
        int status = save_and_reload(cx->e, &q, answer);
        if (status == 503) {
            cJSON_Delete(answer);
            console_reply_outcome(c, 503, 0, "out of memory; nothing was written");
        } else {
            console_reply_cjson(c, status, answer);
        }
    }
    request_free(&q);
    atomic_store(&saving, 0);
}
