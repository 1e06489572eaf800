/*
 * fuzz_lua - the Lua sandbox (modules/lua, the real module file) on scripts from a small grammar:
 * statements, loops with edge-case bounds, and calls into every library function the sandbox exposes
 * (string, table, utf8, math, coroutine, os, json, log, emit, load, metatables, pcall/error), with
 * arguments drawn from edge values. The bytes choose the productions, so mutations stay valid Lua.
 * An input whose second byte is 0xFF is Lua source as it stands instead (readable seeds: the known
 * ways out of the limits, corpus/lua/raw-*).
 * Each script runs under timeout_ms 10 and memory_kb 256, fresh or pooled (pooled: twice).
 * Invariants: every run returns (ok or an error with a message) within TIME_BOUND_MS of wall time,
 * which a loop in C that escapes the instruction hook would break; libFuzzer's -malloc_limit_mb
 * catches memory allocated outside the state's counted allocator; ASan/UBSan the rest.
 * No permissions are given (no allow_paths, allow_exec, network), so the fuzzer can touch nothing.
 */
#include <string.h>
#include <cjson/cJSON.h>
#include "action_call.h"
#include "fuzz_input.h"
#include "host_api.h"
#include "options.h"
#include "platform/platform.h"
#include "util/diag.h"
#include "wee/wee.h"

#define TIMEOUT_MS 10
/* Wall time a run may take: the limit plus room for a loaded machine and ASan. A script that gets
 * past the limit runs until libFuzzer's -timeout instead. */
#define TIME_BOUND_MS 3000
#define MAX_DEPTH 4
#define MAX_SCRIPT 6000

static const wee_module_desc *g_desc;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc; (void)argv;
    fuzz_quiet_log();
    char path[1200], err[256];
    snprintf(path, sizeof path, "%s%slua%s", WEE_FUZZ_MODULE_DIR, plat_path_sep(), plat_dl_suffix());
    void *lib = plat_dl_open(path, err, sizeof err);
    wee_module_entry_fn entry = lib ? (wee_module_entry_fn)plat_dl_sym(lib, WEE_ENTRY_SYMBOL) : NULL;
    g_desc = entry ? entry() : NULL;
    if (!g_desc || (g_desc->module_init && g_desc->module_init(host_api_get(), err, sizeof err) != 0)) {
        fprintf(stderr, "fuzz_lua: cannot load %s: %s (build mod_lua)\n", path, err);
        abort();
    }
    return 0;
}

/* ---- the script generator ---- */

typedef struct gen {
    fuzz_input *in;
    strbuf out;
} gen;

static const char *const numbers[] = {
    "0", "1", "-1", "2", "3.5", "255", "256", "1000", "100000", "1e6", "2^31", "2^53", "2^63", "-2^63",
    "math.maxinteger", "math.mininteger", "1e308", "-1e308", "0/0", "1/0", "-1/0", "-0.0", "0x7fffffff",
    "0xffffffffffffffff", "#v1", "i",
};
static const char *const strings[] = {
    "\"\"", "\"a\"", "\"abc\"", "\"%d\"", "\"%s%s%s\"", "\"%99d\"", "\"%.99f\"", "\"%q\"", "\"%a\"", "\"%c\"",
    "\"(.-)%1\"", "\"%f[%w]%w+\"", "\"[^%z]*\"", "\"((((a*)*)*)*)b\"", "\"%b()\"", "\".-.-.-.-$\"", "\"(a*)*\"",
    "\"\\xff\\xfe\"", "\"\\u{10FFFF}\"", "\"\\0\"", "\"i4\"", "\"z\"", "\"s1\"", "\"<i8\"", "\"!16\"", "\"Xi\"",
    "\"{\\\"a\\\":[1,2,{}]}\"", "\"[[[[[[[[[[\"", "\"*t\"", "\"%c\"", "\"return 1\"", "\"while true do end\"",
    "e.type", "e.path", "tostring(v0)",
};
static const char *const binops[] = { "+", "-", "*", "/", "//", "%", "^", "..", "==", "~=", "<", "<=", "and",
                                      "or", "&", "|", "~", "<<", ">>" };

/* name, number of arguments */
static const struct { const char *name; int args; } calls[] = {
    { "string.rep", 3 }, { "string.format", 3 }, { "string.find", 4 }, { "string.match", 3 },
    { "string.gsub", 4 }, { "string.gmatch", 2 }, { "string.byte", 3 }, { "string.char", 3 },
    { "string.sub", 3 }, { "string.upper", 1 }, { "string.lower", 1 }, { "string.reverse", 1 },
    { "string.len", 1 }, { "string.pack", 3 }, { "string.unpack", 3 }, { "string.packsize", 1 },
    { "table.concat", 4 }, { "table.insert", 3 }, { "table.remove", 2 }, { "table.move", 5 },
    { "table.sort", 2 }, { "table.unpack", 3 }, { "table.pack", 3 }, { "select", 3 },
    { "utf8.char", 3 }, { "utf8.codepoint", 3 }, { "utf8.len", 3 }, { "utf8.offset", 3 }, { "utf8.codes", 1 },
    { "math.floor", 1 }, { "math.fmod", 2 }, { "math.tointeger", 1 }, { "math.abs", 1 }, { "math.max", 3 },
    { "math.random", 2 }, { "math.type", 1 }, { "math.ult", 2 },
    { "tostring", 1 }, { "tonumber", 2 }, { "ipairs", 1 }, { "pairs", 1 }, { "next", 2 }, { "rawlen", 1 },
    { "rawequal", 2 }, { "rawget", 2 }, { "rawset", 3 }, { "getmetatable", 1 }, { "type", 1 },
    { "assert", 2 }, { "error", 2 }, { "pcall", 3 }, { "xpcall", 3 }, { "load", 4 },
    { "coroutine.wrap", 1 }, { "coroutine.create", 1 }, { "coroutine.resume", 3 }, { "coroutine.status", 1 },
    { "coroutine.isyieldable", 0 }, { "coroutine.yield", 2 }, { "coroutine.close", 1 }, { "coroutine.running", 0 },
    { "os.time", 1 }, { "os.date", 2 }, { "os.clock", 0 }, { "collectgarbage", 1 },
    { "json.encode", 1 }, { "json.decode", 1 }, { "log.info", 1 }, { "log.debug", 2 }, { "print", 3 },
    { "emit", 2 }, { "fs.read", 1 }, { "fs.exists", 1 }, { "fs.list", 1 }, { "exec.run", 2 },
    { "http.request", 1 }, { "setmetatable", 2 },
};

static void expr(gen *g, int depth);

static void put(gen *g, const char *s) { strbuf_puts(&g->out, s); }

static void pick(gen *g, const char *const *list, size_t n) { put(g, list[fuzz_byte(g->in) % n]); }
#define PICK(g, list) pick(g, list, sizeof list / sizeof list[0])

static void raw_string(gen *g)
{
    size_t n = fuzz_byte(g->in) % 24;
    put(g, "\"");
    for (size_t i = 0; i < n; i++) strbuf_printf(&g->out, "\\%u", (unsigned)fuzz_byte(g->in));
    put(g, "\"");
}

static void var(gen *g)
{
    static const char *const vars[] = { "v0", "v1", "v2", "v3", "e", "state", "t", "f" };
    PICK(g, vars);
}

static void args(gen *g, int n, int depth)
{
    int count = fuzz_byte(g->in) % (n + 1);
    for (int i = 0; i < count; i++) {
        if (i) put(g, ", ");
        expr(g, depth + 1);
    }
}

static void metatable(gen *g, int depth)
{
    static const char *const events[] = { "__index", "__newindex", "__call", "__tostring", "__eq", "__lt",
                                          "__le", "__concat", "__len", "__add", "__unm", "__close", "__name",
                                          "__metatable", "__pairs", "__mode", "__gc" };
    put(g, "setmetatable({}, {");
    PICK(g, events);
    put(g, " = ");
    expr(g, depth + 1);
    put(g, "})");
}

static void function_literal(gen *g, int depth);

static void expr(gen *g, int depth)
{
    if (g->out.len > MAX_SCRIPT) { put(g, "0"); return; }
    uint8_t k = fuzz_byte(g->in) % (depth >= MAX_DEPTH ? 4 : 12);
    switch (k) {
    case 0: PICK(g, numbers); break;
    case 1: PICK(g, strings); break;
    case 2: var(g); break;
    case 3: raw_string(g); break;
    case 4:
        put(g, "(");
        expr(g, depth + 1);
        put(g, " ");
        PICK(g, binops);
        put(g, " ");
        expr(g, depth + 1);
        put(g, ")");
        break;
    case 5: {
        static const char *const un[] = { "-", "not ", "#", "~" };
        put(g, "(");
        PICK(g, un);
        expr(g, depth + 1);
        put(g, ")");
        break;
    }
    case 6:
        /* "{ " with a space: "{{" in an action option is a template placeholder. */
        put(g, "{ ");
        args(g, 4, depth);
        if (fuzz_byte(g->in) & 1) { put(g, (g->out.data[g->out.len - 1] == ' ') ? "" : ", "); put(g, "k = "); expr(g, depth + 1); }
        put(g, " }");
        break;
    case 7:
    case 8: {
        size_t c = fuzz_byte(g->in) % (sizeof calls / sizeof calls[0]);
        put(g, calls[c].name);
        put(g, "(");
        args(g, calls[c].args, depth);
        put(g, ")");
        break;
    }
    case 9: function_literal(g, depth); break;
    case 10: metatable(g, depth); break;
    default:
        var(g);
        put(g, (fuzz_byte(g->in) & 1) ? "(" : "[");
        if (g->out.data[g->out.len - 1] == '(') { args(g, 2, depth); put(g, ")"); }
        else { expr(g, depth + 1); put(g, "]"); }
        break;
    }
}

static void block(gen *g, int depth, int count);

static void function_literal(gen *g, int depth)
{
    put(g, "function(a, b, ...) ");
    block(g, depth + 1, 2);
    put(g, " return ");
    expr(g, depth + 1);
    put(g, " end");
}

static void stmt(gen *g, int depth)
{
    if (g->out.len > MAX_SCRIPT) return;
    uint8_t k = fuzz_byte(g->in) % (depth >= MAX_DEPTH ? 3 : 10);
    switch (k) {
    case 0: var(g); put(g, " = "); expr(g, depth); break;
    case 1: var(g); put(g, "["); expr(g, depth); put(g, "] = "); expr(g, depth); break;
    case 2: put(g, "local _ = "); expr(g, depth); break;
    case 3: put(g, "if "); expr(g, depth); put(g, " then "); block(g, depth + 1, 2); put(g, " else ");
            block(g, depth + 1, 1); put(g, " end"); break;
    case 4: put(g, "for i = "); expr(g, depth); put(g, ", "); PICK(g, numbers);
            if (fuzz_byte(g->in) & 1) { put(g, ", "); PICK(g, numbers); }
            put(g, " do "); block(g, depth + 1, 2); put(g, " end"); break;
    case 5: put(g, "while "); expr(g, depth); put(g, " do "); block(g, depth + 1, 2); put(g, " end"); break;
    case 6: put(g, "for k, x in pairs("); expr(g, depth); put(g, ") do "); block(g, depth + 1, 2); put(g, " end"); break;
    case 7: put(g, "repeat "); block(g, depth + 1, 2); put(g, " until "); expr(g, depth); break;
    case 8: put(g, "do local ok, m = pcall(function() "); block(g, depth + 1, 3); put(g, " end) end"); break;
    default: put(g, "local _ = "); expr(g, depth); break;
    }
    put(g, "\n");
}

static void block(gen *g, int depth, int count)
{
    int n = 1 + fuzz_byte(g->in) % count;
    for (int i = 0; i < n && g->in->n; i++) stmt(g, depth);
}

static char *generate(fuzz_input *in)
{
    gen g = { in, STRBUF_INIT };
    put(&g, "local v0, v1, v2, v3 = 1, {}, \"x\", {1, 2, 3}\nlocal t, f = {}, function() end\n");
    block(&g, 2, 3);
    put(&g, "function on_event(e)\n");
    block(&g, 1, 8);
    put(&g, "return ");
    expr(&g, 1);
    put(&g, "\nend\n");
    return strbuf_detach(&g.out);
}

/* ---- running it ---- */

static int discard_emit(void *ctx, wee_event *ev)
{
    (void)ctx;
    event_free(ev);
    return 0;
}

static void run_once(void *instance, options_tree *tree, const wee_event *ev, const char *script)
{
    struct wee_action_call call;
    wee_event *results = event_new("results");
    action_call_init(&call, tree, ev, results, g_desc->name, "fuzz", 0);
    call.emit = discard_emit;
    uint64_t t0 = plat_monotonic_ns();
    int rc = g_desc->action_run(instance, &call);
    uint64_t ms = (plat_monotonic_ns() - t0) / 1000000;
    FUZZ_CHECK(ms < TIME_BOUND_MS, "a run with timeout_ms %d took %llu ms:\n%s", TIMEOUT_MS, (unsigned long long)ms,
               script);
    if (rc != 0) FUZZ_CHECK(call.error.len > 0, "failed (%d) without a message", rc);
    action_call_finish(&call);
    event_free(results);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_input in = { data, size };
    int pooled = fuzz_byte(&in) & 1;
    char *script;
    if (in.n && in.p[0] == 0xFF) {
        fuzz_byte(&in);
        script = fuzz_take(&in, in.n);
        /* "{{" would be a template placeholder in an action option: write it as the escape. */
        strbuf esc = STRBUF_INIT;
        for (const char *c = script; *c; c++) {
            if (c[0] == '{' && c[1] == '{') { strbuf_puts(&esc, "{{{{"); c++; }
            else strbuf_putc(&esc, *c);
        }
        free(script);
        script = strbuf_detach(&esc);
    } else {
        script = generate(&in);
    }
    /* Reproducing a finding: WEE_FUZZ_LUA_PRINT=1 fuzz_lua <file> shows the script it stands for. */
    if (getenv("WEE_FUZZ_LUA_PRINT")) fprintf(stderr, "--- script (%s) ---\n%s\n", pooled ? "pooled" : "fresh", script);
    cJSON *opts = cJSON_CreateObject();
    cJSON_AddStringToObject(opts, "code", script);
    cJSON_AddNumberToObject(opts, "timeout_ms", TIMEOUT_MS);
    cJSON_AddNumberToObject(opts, "memory_kb", 256);
    cJSON_AddStringToObject(opts, "isolation", pooled ? "pooled" : "fresh");
    static const char *const own_keys[] = { "action", "on_error", NULL };
    diag_list d = DIAG_INIT;
    options_tree *tree = options_build(g_desc->options, opts, "rules[0].do[0]", own_keys, 1, &d);
    FUZZ_CHECK(tree != NULL, "options refused");
    diag_free(&d);
    void *instance = NULL;
    char err[1024] = "";
    if (g_desc->action_create(host_api_get(), options_static_view(tree), &instance, err, sizeof err) == 0) {
        wee_event *ev = event_new("file.created");
        event_set_string(ev, "path", "/tmp/in/a.txt");
        event_set_string(ev, "name", "a.txt");
        event_set_int(ev, "size", 42);
        run_once(instance, tree, ev, script);
        if (pooled) run_once(instance, tree, ev, script);
        event_free(ev);
        g_desc->action_destroy(instance);
    } else {
        FUZZ_CHECK(err[0] != '\0', "script refused without a message");
    }
    options_tree_free(tree);
    cJSON_Delete(opts);
    free(script);
    return 0;
}
