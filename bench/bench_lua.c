/*
 * Per-invocation overhead of the lua action with a trivial on_event, through the real module file and
 * the real host table (action_run as a worker calls it, event of 8 fields, earlier results of 2):
 *   fresh  - new sandboxed state per event (libraries, engine API, load of the compiled chunk)
 *   pooled - one state per worker, kept between events
 * Targets: fresh <= 25 us, pooled <= 3 us (median). Also compares, for fresh states, loading the
 * script's kept binary dump against compiling its source again (what create keeps, and why).
 * Run from a Release build: build/bench/bench_lua.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include "action_call.h"
#include "bench_support.h"
#include "event.h"
#include "host_api.h"
#include "log.h"
#include "options.h"
#include "platform/platform.h"
#include "util/diag.h"

static const char script[] =
    "local kinds = { exe = 'program', msi = 'program', bat = 'script', ps1 = 'script', js = 'script',\n"
    "  zip = 'archive', ['7z'] = 'archive', pdf = 'document', docx = 'document' }\n"
    "local risky = { program = true, script = true }\n"
    "local function kind_of(ext) return kinds[(ext or ''):lower()] or 'other' end\n"
    "function classify(t)\n"
    "  if t.is_dir then return end\n"
    "  local kind = kind_of(t.ext)\n"
    "  if risky[kind] then return {ok = false, message = 'risky ' .. kind} end\n"
    "end\n"
    "function on_event(t) end\n";

static const wee_module_desc *g_desc;

static void *load_lua_module(void)
{
    char exe_dir[1024], path[1200], err[256];
    if (plat_exe_dir(exe_dir, sizeof exe_dir) != 0) { fprintf(stderr, "no exe dir\n"); exit(1); }
    snprintf(path, sizeof path, "%s%s..%smodules%slua%s", exe_dir, plat_path_sep(), plat_path_sep(), plat_path_sep(),
             plat_dl_suffix());
    void *lib = plat_dl_open(path, err, sizeof err);
    if (!lib) { fprintf(stderr, "cannot load %s: %s\n", path, err); exit(1); }
    wee_module_entry_fn entry = (wee_module_entry_fn)plat_dl_sym(lib, WEE_ENTRY_SYMBOL);
    g_desc = entry();
    if (g_desc->module_init && g_desc->module_init(host_api_get(), err, sizeof err) != 0) {
        fprintf(stderr, "module_init: %s\n", err);
        exit(1);
    }
    return lib;
}

static void run(const char *isolation, size_t n)
{
    static const char *const own_keys[] = { "action", NULL };
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "code", script);
    cJSON_AddStringToObject(o, "isolation", isolation);
    diag_list d = DIAG_INIT;
    options_tree *tree = options_build(g_desc->options, o, "bench", own_keys, 1, &d);
    if (!tree) { diag_print(&d, "bench", stderr); exit(1); }
    void *inst = NULL;
    char err[512];
    if (g_desc->action_create(host_api_get(), options_static_view(tree), &inst, err, sizeof err) != 0) {
        fprintf(stderr, "create: %s\n", err);
        exit(1);
    }
    wee_event *ev = event_new("file.created");
    event_set_string(ev, "path", "/home/user/Downloads/setup.exe");
    event_set_string(ev, "name", "setup.exe");
    event_set_string(ev, "dir", "/home/user/Downloads");
    event_set_string(ev, "ext", "exe");
    event_set_bool(ev, "is_dir", 0);
    host_api_stamp(ev, "downloads");
    wee_event *results = event_new("results");
    event_set_int(results, "exec.exit_code", 0);
    event_set_string(results, "exec.stdout", "ok\n");

    uint64_t *samples = malloc(n * sizeof *samples);
    for (size_t i = 0; i < n + n / 10; i++) { /* the first tenth warms up */
        struct wee_action_call call;
        action_call_init(&call, tree, ev, results, "lua", "bench", 0);
        uint64_t t0 = plat_monotonic_ns();
        int rc = g_desc->action_run(inst, &call);
        uint64_t dt = plat_monotonic_ns() - t0;
        if (rc != 0) { fprintf(stderr, "run failed: %s\n", strbuf_cstr(&call.error)); exit(1); }
        action_call_finish(&call);
        if (i >= n / 10) samples[i - n / 10] = dt;
    }
    uint64_t p50 = bench_percentile(samples, n, 50), p99 = bench_percentile(samples, n, 99);
    printf("lua %-6s: median %.2f us, p99 %.2f us per event (%zu events, target %s)\n", isolation, p50 / 1000.0,
           p99 / 1000.0, n, strcmp(isolation, "fresh") == 0 ? "<= 25 us" : "<= 3 us");
    free(samples);
    event_free(ev);
    event_free(results);
    g_desc->action_destroy(inst);
    options_tree_free(tree);
    cJSON_Delete(o);
}

typedef struct dump_buf { char *data; size_t len, cap; } dump_buf;

static int dump_writer(lua_State *L, const void *p, size_t sz, void *ud)
{
    (void)L;
    dump_buf *b = ud;
    if (b->len + sz > b->cap) {
        b->cap = (b->len + sz) * 2;
        b->data = realloc(b->data, b->cap);
    }
    memcpy(b->data + b->len, p, sz);
    b->len += sz;
    return 0;
}

/* Loading the kept binary dump vs compiling the source again, into an existing state (so only the
 * load itself is timed). */
static void compare_chunk_loading(size_t n)
{
    lua_State *L = luaL_newstate();
    dump_buf b = { NULL, 0, 0 };
    if (luaL_loadbufferx(L, script, strlen(script), "=code", "t") != LUA_OK) exit(1);
    lua_dump(L, dump_writer, &b, 0);
    lua_pop(L, 1);
    uint64_t *src = malloc(n * sizeof *src), *bin = malloc(n * sizeof *bin);
    for (size_t i = 0; i < n; i++) {
        uint64_t t0 = plat_monotonic_ns();
        luaL_loadbufferx(L, script, strlen(script), "=code", "t");
        uint64_t t1 = plat_monotonic_ns();
        lua_pop(L, 1);
        luaL_loadbufferx(L, b.data, b.len, "=code", "b");
        uint64_t t2 = plat_monotonic_ns();
        lua_pop(L, 1);
        src[i] = t1 - t0;
        bin[i] = t2 - t1;
        if (i % 256 == 0) lua_gc(L, LUA_GCCOLLECT, 0);
    }
    printf("chunk load (%zu bytes of source, %zu bytes dumped): source %.2f us, binary dump %.2f us (median)\n",
           strlen(script), b.len, bench_percentile(src, n, 50) / 1000.0, bench_percentile(bin, n, 50) / 1000.0);
    free(src);
    free(bin);
    free(b.data);
    lua_close(L);
}

int main(void)
{
    log_configure(WEE_LOG_WARN, NULL, 0);
    void *lib = load_lua_module();
    compare_chunk_loading(20000);
    run("fresh", 20000);
    run("pooled", 200000);
    if (g_desc->module_shutdown) g_desc->module_shutdown();
    plat_dl_close(lib);
    return 0;
}
