/*
 * modules/lua - the `lua` action: a Lua 5.4 function per event, in a sandbox.
 *
 *   { "action": "lua", "file": "scripts/on-download.lua", "allow_paths": ["C:/Data/inbox"],
 *     "timeout_ms": 2000, "isolation": "pooled" }
 *
 * The script (file or inline code) is compiled once per config load, in text mode only, and kept as
 * a binary dump; that dump is ours, not the script's, so it is the one binary chunk ever loaded.
 * "fresh": a new state per event (nothing survives). "pooled": one state per worker per rule, created
 * on that worker's first event, with globals and the `state` table surviving between events; a state
 * that hit a limit (timeout, memory) is dropped and rebuilt on the next event.
 *
 * Threads: action_run runs on any worker; each worker uses its own slot (lock + pooled state + curl
 * handle), so concurrent events never share a Lua state.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include "lua_action.h"
#include "lua_api.h"
#include "lua_paths.h"
#include "util/path_name.h"

#define CODE_CHUNKNAME "=code"

typedef struct dump_buf {
    const wee_host_api *host;
    char *data;
    size_t len, cap;
    int failed;
} dump_buf;

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    dump_buf *b = ud;
    if (b->len + sz > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + sz) cap *= 2;
        char *d = b->host->realloc(b->data, cap);
        if (!d) { b->failed = 1; return 1; }
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, p, sz);
    b->len += sz;
    return 0;
}

static void action_free(lua_action *a)
{
    if (!a) return;
    const wee_host_api *host = a->host;
    for (unsigned i = 0; a->slots && i < a->slot_count; i++) {
        sandbox_close(&a->slots[i].pooled);
        lua_api_http_handle_free(a->slots[i].curl);
        plat_mutex_destroy(&a->slots[i].lock);
    }
    host->free(a->slots);
    for (size_t i = 0; i < a->allow_count; i++) host->free(a->allow_roots[i]);
    host->free(a->allow_roots);
    host->free(a->chunk);
    host->free(a);
}

static char *host_strdup(const wee_host_api *host, const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = host->alloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int valid_identifier(const char *s)
{
    if (!s || !*s || (*s >= '0' && *s <= '9')) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_')) return 0;
    return 1;
}

/* The options as bound (wee/bind.h). isolation: index in its choices, 0 fresh, 1 pooled. */
typedef struct lua_settings {
    const char *file, *code, *function_name;
    int64_t timeout_ms, memory_kb;
    wee_opt_list allow_paths;
    int isolation, allow_exec;
} lua_settings;

static const wee_option_spec lua_options[] = {
    WEE_OPTION(.name = "file", .type = WEE_OPT_STRING, .flags = WEE_OPTF_WATCHED_FILE,
               .description = "a .lua script (relative: from the config's folder; edits reload the config)",
               WEE_BIND(lua_settings, file)),
    WEE_OPTION(.name = "code", .type = WEE_OPT_STRING,
               .description = "inline Lua source (give exactly one of file or code)",
               WEE_BIND(lua_settings, code)),
    WEE_OPTION(.name = "function", .type = WEE_OPT_STRING, .default_value = "\"on_event\"",
               .description = "global function called with the event table",
               WEE_BIND(lua_settings, function_name)),
    WEE_OPTION(.name = "timeout_ms", .type = WEE_OPT_INT, .default_value = "5000", .min = 1, .max = 600000,
               .description = "time limit per event (loading the script included)",
               WEE_BIND(lua_settings, timeout_ms)),
    WEE_OPTION(.name = "memory_kb", .type = WEE_OPT_INT, .default_value = "16384", .min = 256,
               .max = 4 * 1024 * 1024, .description = "memory limit of the Lua state",
               WEE_BIND(lua_settings, memory_kb)),
    WEE_OPTION(.name = "allow_paths", .type = WEE_OPT_STRING_LIST, .default_value = "[]",
               .description = "folders fs.* may use (absolute; links leaving them are refused)",
               WEE_BIND(lua_settings, allow_paths)),
    WEE_OPTION(.name = "isolation", .type = WEE_OPT_STRING, .default_value = "\"fresh\"",
               .choices = "fresh|pooled",
               .description = "fresh: new state per event; pooled: one state per worker kept between events",
               WEE_BIND_INDEX(lua_settings, isolation)),
    WEE_OPTION(.name = "allow_exec", .type = WEE_OPT_BOOL, .default_value = "false",
               .description = "let the script run programs with exec.run",
               WEE_BIND(lua_settings, allow_exec)),
    WEE_OPTION_END
};

static int load_allow_paths(lua_action *a, const wee_opt_list *allow_paths, char *err, size_t err_size)
{
    const wee_host_api *host = a->host;
    size_t n = allow_paths->count;
    if (n == 0) return 0;
    a->allow_roots = host->alloc(n * sizeof *a->allow_roots);
    if (!a->allow_roots) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    for (size_t i = 0; i < n; i++) {
        const char *p = wee_list_at(allow_paths, i);
        char norm[4096], real[4096], why[512];
        if (lua_path_normalize(p, norm, sizeof norm, why, sizeof why) != 0) {
            snprintf(err, err_size, "allow_paths[%zu]: %s", i, why);
            return WEE_ECONFIG;
        }
        int rc = plat_realpath(norm, real, sizeof real);
        if (rc != 0) {
            snprintf(err, err_size, "allow_paths[%zu]: '%s' %s; create the folder or remove it from the list", i, p,
                     rc == WEE_ENOTFOUND ? "does not exist" : wee_strerror(rc));
            return WEE_ECONFIG;
        }
        if (!plat_path_is_dir(real)) {
            snprintf(err, err_size, "allow_paths[%zu]: '%s' is not a folder", i, p);
            return WEE_ECONFIG;
        }
        a->allow_roots[i] = host_strdup(host, real);
        if (!a->allow_roots[i]) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
        a->allow_count++;
    }
    return 0;
}

/* Compiles the source (text only) in a throwaway sandbox and keeps its binary dump. */
static int compile_script(lua_action *a, const char *source, size_t len, char *err, size_t err_size)
{
    lua_sandbox sb;
    char why[512];
    if (sandbox_open(&sb, a->host, a->mem_limit, a, why, sizeof why) != 0) {
        snprintf(err, err_size, "%s", why);
        return WEE_ENOMEM;
    }
    int status = luaL_loadbufferx(sb.L, source, len, a->chunkname, "t");
    if (status != LUA_OK) {
        const char *msg = lua_tostring(sb.L, -1);
        snprintf(err, err_size, "%s: %s", status == LUA_ERRSYNTAX ? "syntax error" : "cannot compile the script",
                 msg ? msg : "unknown error");
        sandbox_close(&sb);
        return WEE_ECONFIG;
    }
    dump_buf b = { a->host, NULL, 0, 0, 0 };
    int drc = lua_dump(sb.L, dump_writer, &b, 0); /* keep line info: errors name chunk:line */
    sandbox_close(&sb);
    if (drc != 0 || b.failed) {
        a->host->free(b.data);
        snprintf(err, err_size, "out of memory keeping the compiled script");
        return WEE_ENOMEM;
    }
    a->chunk = b.data;
    a->chunk_len = b.len;
    return 0;
}

static int lua_create(const wee_host_api *host, const wee_options *opts, void **instance, char *err,
                      size_t err_size)
{
    lua_settings set;
    memset(&set, 0, sizeof set);
    wee_opt_bind(host, opts, lua_options, &set);
    const char *file = set.file, *code = set.code;
    if ((file != NULL) == (code != NULL)) {
        snprintf(err, err_size, "give exactly one of 'file' (a .lua script) or 'code' (inline Lua)");
        return WEE_ECONFIG;
    }
    if ((file && !*file) || (code && !*code)) {
        snprintf(err, err_size, "'%s' is empty", file ? "file" : "code");
        return WEE_ECONFIG;
    }
    const char *function = set.function_name;
    if (!valid_identifier(function) || strlen(function) >= 128) {
        snprintf(err, err_size, "function: '%s' is not a Lua global name (letters, digits, '_')",
                 function ? function : "");
        return WEE_ECONFIG;
    }
    lua_action *a = host->alloc(sizeof *a);
    if (!a) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    memset(a, 0, sizeof *a);
    a->host = host;
    snprintf(a->function, sizeof a->function, "%s", function);
    a->timeout_ms = set.timeout_ms;
    a->mem_limit = (size_t)set.memory_kb * 1024u;
    a->isolation = set.isolation == 1 ? LUA_ISOLATION_POOLED : LUA_ISOLATION_FRESH;
    a->allow_exec = set.allow_exec;

    int rc = load_allow_paths(a, &set.allow_paths, err, err_size);
    if (rc == 0) {
        char *source = NULL;
        size_t len = 0;
        if (file) {
            snprintf(a->chunkname, sizeof a->chunkname, "@%s", path_base_name(file));
            rc = plat_read_file(file, &source, &len);
            if (rc != 0)
                snprintf(err, err_size, "file: cannot read '%s': %s", file, wee_strerror(rc));
        } else {
            snprintf(a->chunkname, sizeof a->chunkname, "%s", CODE_CHUNKNAME);
        }
        if (rc == 0) rc = compile_script(a, file ? source : code, file ? len : strlen(code), err, err_size);
        free(source); /* plat_read_file's buffer is the C runtime's */
    }
    if (rc == 0) {
        a->slot_count = host->worker_count ? host->worker_count() : 1;
        if (a->slot_count == 0) a->slot_count = 1;
        a->slots = host->alloc(a->slot_count * sizeof *a->slots);
        if (!a->slots) { snprintf(err, err_size, "out of memory"); rc = WEE_ENOMEM; a->slot_count = 0; }
        else {
            memset(a->slots, 0, a->slot_count * sizeof *a->slots);
            for (unsigned i = 0; i < a->slot_count; i++) plat_mutex_init(&a->slots[i].lock);
        }
    }
    if (rc != 0) {
        action_free(a);
        return rc;
    }
    *instance = a;
    return 0;
}

static int run_fresh(lua_action *a, lua_slot *slot, wee_action_call *call, char *err, size_t err_size)
{
    lua_sandbox sb;
    int rc = sandbox_open(&sb, a->host, a->mem_limit, a, err, err_size);
    if (rc != 0) return rc;
    sb.call = call;
    sb.slot = slot;
    sandbox_arm(&sb, a->timeout_ms);
    rc = lua_action_load_chunk(a, &sb, err, err_size);
    if (rc == 0) rc = lua_action_call_function(a, &sb, call, err, err_size);
    sandbox_close(&sb);
    return rc;
}

static int run_pooled(lua_action *a, lua_slot *slot, wee_action_call *call, char *err, size_t err_size)
{
    lua_sandbox *sb = &slot->pooled;
    int rc = 0;
    int created = 0;
    if (!sb->L) {
        rc = sandbox_open(sb, a->host, a->mem_limit, a, err, err_size);
        if (rc != 0) return rc;
        created = 1;
    }
    sb->call = call;
    sb->slot = slot;
    sandbox_arm(sb, a->timeout_ms);
    if (created) rc = lua_action_load_chunk(a, sb, err, err_size);
    if (rc == 0) rc = lua_action_call_function(a, sb, call, err, err_size);
    int hit_limit = sb->timed_out || sb->mem_refused;
    sb->call = NULL;
    if (created && rc != 0) hit_limit = 1; /* a chunk that fails to load is retried in a new state */
    if (hit_limit) {
        if (a->host->log_enabled(WEE_LOG_WARN) && !(created && rc != 0))
            a->host->log(WEE_LOG_WARN, LUA_MODULE_NAME, "rule '%s': pooled Lua state dropped after it hit a "
                         "limit; the next event starts a new one (state is lost)", a->host->call_rule_name(call));
        sandbox_close(sb);
    }
    return rc;
}

static int lua_run(void *instance, wee_action_call *call)
{
    lua_action *a = instance;
    const wee_host_api *host = a->host;
    unsigned worker = host->call_worker_index ? host->call_worker_index(call) : 0;
    lua_slot *slot = &a->slots[worker % a->slot_count];
    char err[1024];
    err[0] = '\0';
    plat_mutex_lock(&slot->lock);
    int rc = a->isolation == LUA_ISOLATION_POOLED ? run_pooled(a, slot, call, err, sizeof err)
                                                  : run_fresh(a, slot, call, err, sizeof err);
    plat_mutex_unlock(&slot->lock);
    host->call_publish_bool(call, "ok", rc == 0);
    if (rc != 0) {
        host->call_set_error(call, "%s", err[0] ? err : wee_strerror(rc));
        return rc < 0 ? rc : WEE_EFAILED;
    }
    return 0;
}

static void lua_destroy(void *instance) { action_free(instance); }

static int lua_module_init(const wee_host_api *host, char *err, size_t err_size)
{
    (void)host;
    return lua_api_http_global_init(err, err_size);
}

static void lua_module_shutdown(void) { lua_api_http_global_cleanup(); }


static const wee_module_desc lua_desc = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = LUA_MODULE_NAME,
    .version = "1.0.0",
    .description = "runs a sandboxed Lua 5.4 function per event (log, json, fs, exec, http, emit)",
    .kind = WEE_MODULE_ACTION,
    .options = lua_options,
    .module_init = lua_module_init,
    .module_shutdown = lua_module_shutdown,
    .action_create = lua_create,
    .action_run = lua_run,
    .action_destroy = lua_destroy,
    .flags = 0, /* http.request asks host->net_check per request instead */
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &lua_desc; }
