/*
 * core/console_rules_schema.c - GET /api/rules/schema: the config's JSON Schema (every source and action
 * option with its type, default and description) the Rules form is built from, and the source modules'
 * event types for offering sources (console_rules.h).
 * The schema comes from the host itself run as a child (`host schema`), so the modules it opens to read
 * their option tables, and the libraries they pull in, never load into the running host.
 * Locking: the module registry is read under the engine's reload_lock (as reloads do).
 */
#include "console_rules.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "console_api.h"
#include "engine_internal.h"
#include "log.h"
#include "platform/platform.h"
#include "wee/errors.h"

#define SCHEMA_TIMEOUT_MS 60000
#define SCHEMA_MAX_BYTES (16u * 1024 * 1024)

/* `host --modules DIR schema` opens every module to read its option table. Done in this process, the
 * libraries those modules pull in (OpenSSL, D-Bus ...) would stay mapped after the modules are closed
 * again: megabytes for as long as the host runs. So the host runs itself as a child for it. */

/* The running host's modules folder (NULL: the default one). */
static char *modules_dir(engine *e)
{
    plat_mutex_lock(&e->reload_lock);
    char *dir = str_dup(e->reg->dir);
    plat_mutex_unlock(&e->reload_lock);
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

/* Learnt once: the modules do not change while the host runs. */
static _Atomic(cJSON *) known_mods;

const cJSON *console_source_modules(engine *e, const cJSON *schema)
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
    if (!o) {
        cJSON_Delete(schema);
        console_reply_outcome(c, 503, 0, "out of memory");
        return;
    }
    const cJSON *mods = console_source_modules(e, schema);
    cJSON_AddItemToObject(o, "source_modules", mods ? cJSON_Duplicate(mods, 1) : cJSON_CreateArray());
    cJSON_AddItemToObject(o, "schema", schema);
    console_reply_cjson(c, 200, o);
}
