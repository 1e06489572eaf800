/*
 * test_lua_sandbox - escape attempts against the real lua module file, each of which must fail with a
 * clear error while the same action instance keeps serving normal events afterwards; run once with
 * "fresh" and once with "pooled" isolation.
 *
 * One script holds every attempt; the event's `case` field picks one. After each attempt a "normal"
 * event must succeed on the same instance (and, pooled, in a state that may have been rebuilt).
 * Files: <tmp>/allowed is the only allowed folder; <tmp>/secret.txt lies outside it; links inside the
 * allowed folder point out (symlinks on Linux; under Wine only if CreateSymbolicLinkW is allowed).
 */
#ifdef __linux__
#define _GNU_SOURCE /* renameat2(RENAME_EXCHANGE), dlsym(RTLD_NEXT): the swap test below */
#include <dlfcn.h>
#include <fcntl.h>
#include <stdio.h>
#endif
#include "test_lua_fixture.h"
#ifdef _WIN32
#include <windows.h>
#else
#include <sys/stat.h>
#include <unistd.h>
#endif

static const char escape_script[] =
    "local cases = {}\n"
    "cases.io_open = function(t) return io.open(t.secret) end\n"
    "cases.os_execute = function(t) return os.execute('echo hi') end\n"
    "cases.os_getenv = function(t) return os.getenv('PATH') end\n"
    "cases.os_exit = function(t) os.exit(1) end\n"
    "cases.require = function(t) return require('io') end\n"
    "cases.package = function(t) return package.loadlib('x', 'y') end\n"
    "cases.dofile = function(t) return dofile(t.secret) end\n"
    "cases.loadfile = function(t) return loadfile(t.secret) end\n"
    "cases.debug = function(t) return debug.getregistry() end\n"
    "cases.bytecode = function(t) return assert(load('\\27LuaT\\0\\25\\147\\r\\n\\26\\n', 'x', 'b'))() end\n"
    "cases.bytecode_reader = function(t)\n"
    "  local parts = {'\\27Lua', 'T\\0'}\n"
    "  return assert(load(function() return table.remove(parts, 1) end))()\n"
    "end\n"
    "cases.loaded_code_no_io = function(t) return assert(load('return io.open(...)'))(t.secret) end\n"
    "cases.string_dump = function(t) return string.dump(function() end) end\n"
    "cases.string_mt_index = function(t) getmetatable('').__index = {upper = function() return 'x' end} end\n"
    "cases.string_mt_rawset = function(t) rawset(getmetatable('a'), '__index', {}) end\n"
    "cases.setmetatable_string = function(t) setmetatable('', {}) end\n"
    "cases.globals_metatable = function(t) setmetatable(_G, {__index = function() return io end}) end\n"
    "cases.gc_finalizer = function(t) setmetatable({}, {__gc = function() while true do end end}) end\n"
    "cases.gc_false_then_set = function(t) local mt = {__gc = false}; setmetatable({}, mt) end\n"
    "cases.loop = function(t) while true do end end\n"
    "cases.pcall_loop = function(t) pcall(function() while true do end end); return {ok = true} end\n"
    "cases.pcall_forever = function(t) while true do pcall(function() while true do end end) end end\n"
    "cases.xpcall_handler_loops = function(t)\n"
    "  while true do xpcall(function() while true do end end, function() while true do end end) end\n"
    "end\n"
    "cases.error_tostring_loops = function(t)\n"
    "  error(setmetatable({}, {__tostring = function() while true do end end}))\n"
    "end\n"
    "cases.error_tostring_errors = function(t)\n"
    "  error(setmetatable({}, {__tostring = function() error('inner') end}))\n"
    "end\n"
    "cases.error_with_gc = function(t) error(setmetatable({}, {__gc = function() end})) end\n"
    "cases.coroutine_wrap_loop = function(t) coroutine.wrap(function() while true do end end)() end\n"
    "cases.coroutine_yield_out = function(t) coroutine.yield() end\n"
    "cases.coroutine_resume_forever = function(t)\n"
    "  local co = coroutine.create(function() while true do end end)\n"
    "  while true do coroutine.resume(co) end\n"
    "end\n"
    "cases.coroutine_pcall_inside = function(t)\n"
    "  local co = coroutine.wrap(function() while true do pcall(function() while true do end end) end end)\n"
    "  while true do pcall(co) end\n"
    "end\n"
    "cases.pattern_backtrack = function(t) return string.rep('a', 50000):find('.-.-.-.-b') end\n"
    "cases.pattern_match_captures = function(t) return string.match(string.rep('a', 50000), '(.-)(.-)(.-)b') end\n"
    "cases.pattern_gsub = function(t) return (string.rep('a', 50000)):gsub('a-a-a-a-b', 'x') end\n"
    "cases.pattern_gmatch = function(t) for x in string.rep('a', 50000):gmatch('.-.-.-b') do end end\n"
    "cases.pattern_greedy = function(t) return string.rep('a', 50000):find('a*a*a*a*b') end\n"
    "cases.plain_find_long_needle = function(t)\n"
    "  local h, n = string.rep('a', 1 << 19), string.rep('a', 1 << 18) .. 'b'\n"
    "  return h:find(n, 1, true)\n"
    "end\n"
    "cases.pattern_long_replacement = function(t)\n"
    "  return (string.rep('b', 100000)):gsub('', string.rep('%0', 300000))\n"
    "end\n"
    "cases.pattern_long_set = function(t)\n"
    "  return (string.rep('b', 100000)):find('[' .. string.rep('a', 500000) .. ']')\n"
    "end\n"
    "cases.json_encode_amplify = function(t)\n"
    "  local s, x = string.rep('x', 1 << 19), {} for i = 1, 4000 do x[i] = s end return json.encode(x)\n"
    "end\n"
    "cases.json_decode_big = function(t) return json.decode('[' .. string.rep('0,', 200000) .. '0]') end\n"
    "cases.fs_read_big = function(t) return fs.read(t.allowed .. '/big.bin') end\n"
    "cases.rep_bomb = function(t) local s = string.rep('x', 1 << 30) return #s end\n"
    "cases.rep_sep_bomb = function(t) local s = string.rep('x', 1 << 26, 'yyyyyyyy') return #s end\n"
    "cases.concat_bomb = function(t) local s = 'x' while true do s = s .. s end end\n"
    "cases.concat_bomb_pcall = function(t)\n"
    "  local keep = {} while true do pcall(function() keep[#keep + 1] = string.rep('x', 1 << 16) end) end\n"
    "end\n"
    "cases.table_bomb = function(t) local x = {} for i = 1, 1e9 do x[i] = i end end\n"
    "cases.table_concat_bomb = function(t)\n"
    "  local x = {} for i = 1, 64 do x[i] = string.rep('y', 1 << 14) end\n"
    "  local s = table.concat(x) while true do s = s .. table.concat(x) end\n"
    "end\n"
    "cases.deep_recursion = function(t) local function f(n) return f(n + 1) + 1 end return f(1) end\n"
    "cases.c_stack_recursion = function(t)\n"
    "  local x = setmetatable({}, {__index = function(tab, k) return tab[k] end}) return x.y\n"
    "end\n"
    "cases.collectgarbage_stop = function(t) collectgarbage('stop') end\n"
    "cases.collectgarbage_default = function(t) collectgarbage() end\n"
    "cases.fs_outside = function(t) return fs.read(t.secret) end\n"
    "cases.fs_traversal = function(t) return fs.read(t.allowed .. '/../secret.txt') end\n"
    "cases.fs_traversal_deep = function(t) return fs.read(t.allowed .. '/a/../../../../../../' .. t.secret_rel) end\n"
    "cases.fs_relative = function(t) return fs.read('secret.txt') end\n"
    "cases.fs_write_outside = function(t) return fs.write(t.allowed .. '/../written.txt', 'x') end\n"
    "cases.fs_list_parent = function(t) return fs.list(t.allowed .. '/..') end\n"
    "cases.fs_delete_root = function(t) return fs.delete(t.allowed) end\n"
    "cases.fs_move_out = function(t) fs.write(t.allowed .. '/m.txt', 'm') return fs.move(t.allowed .. '/m.txt', t.allowed .. '/../moved.txt') end\n"
    "cases.fs_symlink_file = function(t) return fs.read(t.allowed .. '/link_to_secret') end\n"
    "cases.fs_symlink_dir_write = function(t) return fs.write(t.allowed .. '/link_to_parent/planted.txt', 'x') end\n"
    "cases.fs_dangling_symlink_write = function(t) return fs.write(t.allowed .. '/dangling', 'x') end\n"
    "cases.table_move_empty = function(t) table.move({}, 1, 1 << 53, 2) end\n"
    "cases.table_move_to_other = function(t) table.move({}, 1, math.maxinteger - 1, 1, {}) end\n"
    "cases.table_insert_len = function(t)\n"
    "  table.insert(setmetatable({}, {__len = function() return 1 << 53 end}), 1, 'x')\n"
    "end\n"
    "cases.table_remove_len = function(t) table.remove(setmetatable({}, {__len = function() return 1 << 53 end}), 1) end\n"
    "cases.table_concat_c_index = function(t)\n"
    "  return table.concat(setmetatable({}, {__index = table.concat}), '', 1, 1 << 53)\n"
    "end\n"
    "cases.table_sort_c_meta = function(t)\n"
    "  table.sort(setmetatable({}, {__len = function() return (1 << 31) - 2 end, __index = rawlen, __newindex = rawequal}))\n"
    "end\n"
    "cases.rep_empty = function(t) local s = string.rep('', 1 << 62) return {ok = false, message = 'rep gave ' .. #s} end\n"
    "cases.rep_empty_sep = function(t)\n"
    "  local s = ('').rep('', math.maxinteger, '') return {ok = false, message = 'rep gave ' .. #s}\n"
    "end\n"
    "cases.emit_flood = function(t) for i = 1, 1e9 do emit('flood.x', {i = i}) end end\n"
    "cases.fs_read_fifo = function(t) return fs.read(t.allowed .. '/fifo') end\n"
    "cases.fs_write_fifo = function(t) return fs.write(t.allowed .. '/fifo', 'x') end\n"
    "cases.fs_read_folder = function(t) return fs.read(t.allowed) end\n"
    "cases.fs_read_device = function(t) return fs.read('/dev/null') end\n"
    "cases.fs_write_device = function(t) return fs.write('/dev/null', 'x') end\n"
    "cases.exec_without_allow = function(t) return exec.run({'whatever'}) end\n"
    "cases.http_without_enable = function(t) return http.request{url = 'http://127.0.0.1:9/'} end\n"
    "function on_event(t)\n"
    "  if t.case == 'normal' then\n"
    "    assert(getmetatable('') == false)\n"
    "    assert(('abc'):upper() == 'ABC')\n"
    "    assert(collectgarbage('count') > 0)\n"
    "    assert(getmetatable(_G) == false and math.floor(2.5) == 2 and type(os.time()) == 'number')\n"
    "    local k, v = ('key=value'):match('(%w+)=(%w+)')\n"
    "    assert(k == 'key' and v == 'value' and ('a,b,c'):gsub(',', ';') == 'a;b;c')\n"
    "    local parts = {} for w in ('x y z'):gmatch('%S+') do parts[#parts + 1] = w end\n"
    "    assert(#parts == 3 and ('hello'):find('l+') == 3 and ('a.b'):find('.', 1, true) == 2)\n"
    "    assert(os.execute == nil and os.getenv == nil and table.concat({1, 2}) == '12')\n"
    "    return {ok = true}\n"
    "  end\n"
    "  return cases[t.case](t)\n"
    "end\n";

typedef struct escape_case {
    const char *name;
    const char *expect;   /* substring of the error */
    const char *expect2;  /* alternative substrings (or NULL): which limit is reached first depends on */
    const char *expect3;  /* the machine's speed (ASan, load) */
    int needs_symlink;    /* 1: symbolic links; 2: POSIX only (a FIFO in the allowed folder, /dev allowed) */
} escape_case;

static const escape_case cases[] = {
    { "io_open", "global 'io'", NULL, NULL, 0 },
    { "os_execute", "field 'execute'", NULL, NULL, 0 },
    { "os_getenv", "field 'getenv'", NULL, NULL, 0 },
    { "os_exit", "field 'exit'", NULL, NULL, 0 },
    { "require", "global 'require'", NULL, NULL, 0 },
    { "package", "global 'package'", NULL, NULL, 0 },
    { "dofile", "global 'dofile'", NULL, NULL, 0 },
    { "loadfile", "global 'loadfile'", NULL, NULL, 0 },
    { "debug", "global 'debug'", NULL, NULL, 0 },
    { "bytecode", "attempt to load a binary chunk", NULL, NULL, 0 },
    { "bytecode_reader", "attempt to load a binary chunk", NULL, NULL, 0 },
    { "loaded_code_no_io", "global 'io'", NULL, NULL, 0 },
    { "string_dump", "field 'dump'", NULL, NULL, 0 },
    { "string_mt_index", "attempt to index a boolean value", NULL, NULL, 0 },
    { "string_mt_rawset", "table expected", NULL, NULL, 0 },
    { "setmetatable_string", "table expected", NULL, NULL, 0 },
    { "globals_metatable", "cannot change a protected metatable", NULL, NULL, 0 },
    { "gc_finalizer", "__gc metamethods are not allowed", NULL, NULL, 0 },
    { "gc_false_then_set", "__gc metamethods are not allowed", NULL, NULL, 0 },
    { "loop", "timeout after 300 ms", NULL, NULL, 0 },
    { "pcall_loop", "timeout after 300 ms", NULL, NULL, 0 },
    { "pcall_forever", "timeout after 300 ms", NULL, NULL, 0 },
    { "xpcall_handler_loops", "timeout after 300 ms", NULL, NULL, 0 },
    { "error_tostring_loops", "error object is a table value", NULL, NULL, 0 },
    { "error_tostring_errors", "error object is a table value", NULL, NULL, 0 },
    { "error_with_gc", "__gc metamethods are not allowed", NULL, NULL, 0 },
    { "coroutine_wrap_loop", "timeout after 300 ms", NULL, NULL, 0 },
    { "coroutine_yield_out", "attempt to yield from outside a coroutine", NULL, NULL, 0 },
    { "coroutine_resume_forever", "timeout after 300 ms", NULL, NULL, 0 },
    { "coroutine_pcall_inside", "timeout after 300 ms", NULL, NULL, 0 },
    { "pattern_backtrack", "timeout after 300 ms", NULL, NULL, 0 },
    { "pattern_match_captures", "timeout after 300 ms", NULL, NULL, 0 },
    { "pattern_gsub", "timeout after 300 ms", NULL, NULL, 0 },
    { "pattern_gmatch", "timeout after 300 ms", NULL, NULL, 0 },
    { "pattern_greedy", "timeout after 300 ms", NULL, NULL, 0 },
    { "plain_find_long_needle", "timeout after 300 ms", NULL, NULL, 0 },
    { "pattern_long_replacement", "timeout after 300 ms", NULL, NULL, 0 },
    { "pattern_long_set", "timeout after 300 ms", NULL, NULL, 0 },
    { "json_encode_amplify", "would not fit in what is left of memory_kb", NULL, NULL, 0 },
    { "json_decode_big", "more than memory_kb/8 allows", NULL, NULL, 0 },
    { "fs_read_big", "KB of memory_kb left", NULL, NULL, 0 },
    { "rep_bomb", "memory limit of 2048 KB exceeded", "resulting string too large", NULL, 0 },
    { "rep_sep_bomb", "memory limit of 2048 KB exceeded", NULL, NULL, 0 },
    { "concat_bomb", "memory limit of 2048 KB exceeded", NULL, NULL, 0 },
    { "concat_bomb_pcall", "memory limit of 2048 KB exceeded", "timeout after 300 ms", NULL, 0 },
    { "table_bomb", "memory limit of 2048 KB exceeded", "timeout after 300 ms", NULL, 0 },
    { "table_concat_bomb", "memory limit of 2048 KB exceeded", NULL, NULL, 0 },
    { "deep_recursion", "stack overflow", "memory limit of 2048 KB exceeded", "timeout after 300 ms", 0 },
    { "c_stack_recursion", "stack overflow", NULL, NULL, 0 },
    { "collectgarbage_stop", "collectgarbage(\"stop\") is not allowed", NULL, NULL, 0 },
    { "collectgarbage_default", "collectgarbage(\"collect\") is not allowed", NULL, NULL, 0 },
    { "fs_outside", "is outside allow_paths", NULL, NULL, 0 },
    { "fs_traversal", "is outside allow_paths", NULL, NULL, 0 },
    { "fs_traversal_deep", "is outside allow_paths", NULL, NULL, 0 },
    { "fs_relative", "is not an absolute path", NULL, NULL, 0 },
    { "fs_write_outside", "is outside allow_paths", NULL, NULL, 0 },
    { "fs_list_parent", "is outside allow_paths", NULL, NULL, 0 },
    { "fs_delete_root", "is an allowed folder itself", NULL, NULL, 0 },
    { "fs_move_out", "is outside allow_paths", NULL, NULL, 0 },
    { "fs_symlink_file", "is outside allow_paths", NULL, NULL, 1 },
    { "fs_symlink_dir_write", "is outside allow_paths", NULL, NULL, 1 },
    { "fs_dangling_symlink_write", "symbolic link", NULL, NULL, 1 },
    { "table_move_empty", "timeout after 300 ms", NULL, NULL, 0 },
    { "table_move_to_other", "timeout after 300 ms", NULL, NULL, 0 },
    { "table_insert_len", "timeout after 300 ms", NULL, NULL, 0 },
    { "table_remove_len", "timeout after 300 ms", NULL, NULL, 0 },
    { "table_concat_c_index", "timeout after 300 ms", NULL, NULL, 0 },
    { "table_sort_c_meta", "timeout after 300 ms", NULL, NULL, 0 },
    { "rep_empty", "rep gave 0", NULL, NULL, 0 },
    { "rep_empty_sep", "rep gave 0", NULL, NULL, 0 },
    { "emit_flood", "more than 1000 events from one run", NULL, NULL, 0 },
    { "fs_read_fifo", "is not a regular file (a FIFO)", NULL, NULL, 2 },
    { "fs_write_fifo", "is not a regular file (a FIFO)", NULL, NULL, 2 },
    { "fs_read_folder", "is not a regular file (a folder)", NULL, NULL, 0 },
    { "fs_read_device", "is not a regular file (a device)", NULL, NULL, 2 },
    { "fs_write_device", "is not a regular file (a device)", NULL, NULL, 2 },
    { "exec_without_allow", "set \"allow_exec\": true", NULL, NULL, 0 },
    { "http_without_enable", "\"http_enabled\": true", NULL, NULL, 0 },
};

typedef struct sandbox_env {
    char *root, *allowed, *secret, *secret_rel;
    int have_symlinks;
    char symlink_reason[256];
} sandbox_env;

static int make_symlink(const char *target, const char *link, int is_dir, char *why, size_t size)
{
#ifdef _WIN32
    wchar_t wt[1024], wl[1024];
    MultiByteToWideChar(CP_UTF8, 0, target, -1, wt, 1024);
    MultiByteToWideChar(CP_UTF8, 0, link, -1, wl, 1024);
    DWORD flags = (is_dir ? SYMBOLIC_LINK_FLAG_DIRECTORY : 0) | 0x2 /* ALLOW_UNPRIVILEGED_CREATE */;
    if (!CreateSymbolicLinkW(wl, wt, flags)) {
        snprintf(why, size, "CreateSymbolicLinkW refused (error %lu)", (unsigned long)GetLastError());
        return -1;
    }
    return 0;
#else
    (void)is_dir;
    if (symlink(target, link) != 0) {
        snprintf(why, size, "symlink() failed");
        return -1;
    }
    return 0;
#endif
}

static void env_setup(sandbox_env *e)
{
    memset(e, 0, sizeof *e);
    e->root = test_make_temp_dir("lua_sandbox");
    e->allowed = test_path_join(e->root, "allowed");
    e->secret = test_path_join(e->root, "secret.txt");
#ifdef _WIN32
    assert_true(CreateDirectoryA(e->allowed, NULL));
#else
    assert_int_equal(mkdir(e->allowed, 0755), 0);
#endif
    assert_int_equal(test_write_file(e->secret, "top secret"), 0);
    /* 3 MB inside the allowed folder: more than the 2 MB memory_kb of the action. */
    char *big = test_path_join(e->allowed, "big.bin"), *text = malloc(3u << 20);
    memset(text, 'b', (3u << 20) - 1);
    text[(3u << 20) - 1] = '\0';
    assert_int_equal(test_write_file(big, text), 0);
    free(text);
    free(big);
    /* The secret's path without its root ("tmp/x/secret.txt"), for a "../../.." walk from allowed. */
    const char *p = e->secret;
    while (*p == '/' || *p == '\\') p++;
    if (p[0] && p[1] == ':') p += 3;
    e->secret_rel = malloc(strlen(p) + 1);
    memcpy(e->secret_rel, p, strlen(p) + 1);
    char *l1 = test_path_join(e->allowed, "link_to_secret"), *l2 = test_path_join(e->allowed, "link_to_parent");
    char *l3 = test_path_join(e->allowed, "dangling"), *missing = test_path_join(e->root, "missing.txt");
    e->have_symlinks = make_symlink(e->secret, l1, 0, e->symlink_reason, sizeof e->symlink_reason) == 0 &&
                       make_symlink(e->root, l2, 1, e->symlink_reason, sizeof e->symlink_reason) == 0 &&
                       make_symlink(missing, l3, 0, e->symlink_reason, sizeof e->symlink_reason) == 0;
    if (e->have_symlinks) {
        /* A link the OS itself does not follow cannot lead anywhere: check that this one does. */
        char *through = test_read_file(l1);
        if (!through || strcmp(through, "top secret") != 0) {
            e->have_symlinks = 0;
            snprintf(e->symlink_reason, sizeof e->symlink_reason,
                     "links were created but opening one does not reach its target here (Wine)");
        }
        free(through);
    }
    free(l1); free(l2); free(l3); free(missing);
#ifndef _WIN32
    char *fifo = test_path_join(e->allowed, "fifo");
    assert_int_equal(mkfifo(fifo, 0600), 0); /* nobody ever opens its other end */
    free(fifo);
#endif
}

static void env_teardown(sandbox_env *e)
{
    test_remove_tree(e->root);
    free(e->root); free(e->allowed); free(e->secret); free(e->secret_rel);
}

static wee_event *case_event(const sandbox_env *e, const char *name)
{
    wee_event *ev = sample_event();
    event_set_string(ev, "case", name);
    event_set_string(ev, "allowed", e->allowed);
    event_set_string(ev, "secret", e->secret);
    event_set_string(ev, "secret_rel", e->secret_rel);
    return ev;
}

/* A case that escapes the time limit would hang this test for hours (a C loop cannot be interrupted
 * from outside): a watchdog ends the process with the case's name once one runs far past every limit. */
#define CASE_HARD_LIMIT_MS 30000
static int64_t case_hard_limit_ms = CASE_HARD_LIMIT_MS; /* WEE_LUA_CASE_LIMIT_MS overrides (old-code checks) */
static plat_mutex wd_lock;
static plat_cond wd_wake;
static plat_thread wd_thread;
static const char *wd_case;
static uint64_t wd_deadline;
static int wd_quit;

static void watchdog_main(void *arg)
{
    (void)arg;
    plat_mutex_lock(&wd_lock);
    while (!wd_quit) {
        if (wd_case && plat_monotonic_ns() >= wd_deadline) {
            fprintf(stderr, "FAIL: case %s still running after %lld ms: it escaped the time limit\n", wd_case,
                    (long long)case_hard_limit_ms);
            fflush(stderr);
            _Exit(1);
        }
        plat_cond_timedwait(&wd_wake, &wd_lock, 100);
    }
    plat_mutex_unlock(&wd_lock);
}

static void watchdog_arm(const char *name)
{
    plat_mutex_lock(&wd_lock);
    wd_case = name;
    wd_deadline = plat_monotonic_ns() + (uint64_t)case_hard_limit_ms * 1000000u;
    plat_mutex_unlock(&wd_lock);
}

static void run_escapes(const char *isolation)
{
    sandbox_env e;
    env_setup(&e);
    if (!e.have_symlinks) print_message("symlink cases skipped: %s\n", e.symlink_reason);
    cJSON *allow = cJSON_CreateString(e.allowed);
    char *allow_lit = cJSON_PrintUnformatted(allow);
    char extra[2048];
    /* /dev is allowed too (POSIX): what is there must still be refused, as not a regular file. */
    snprintf(extra, sizeof extra, ", \"timeout_ms\": 300, \"memory_kb\": 2048, \"isolation\": \"%s\", "
             "\"allow_paths\": [%s%s]", isolation, allow_lit,
#ifdef _WIN32
             ""
#else
             ", \"/dev\""
#endif
             );
    cJSON_free(allow_lit);
    cJSON_Delete(allow);
    char *opts = code_opts(escape_script, extra);
    lua_fixture f;
    fixture_open(&f, opts);
    free(opts);
    if (f.create_rc != 0) fail_msg("create failed: %s", f.err);
    net_policy_set(0, NULL, 0);

    char error[1024];
    size_t ran = 0;
    const char *only = getenv("WEE_LUA_ESCAPE_ONLY"); /* one case by name, for debugging */
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const escape_case *c = &cases[i];
        if (c->needs_symlink == 1 && !e.have_symlinks) continue;
#ifdef _WIN32
        if (c->needs_symlink == 2) continue;
#endif
        if (only && strcmp(only, c->name) != 0) continue;
        wee_event *ev = case_event(&e, c->name);
        uint64_t t0 = plat_monotonic_ns();
        watchdog_arm(c->name);
        int rc = fixture_run(&f, ev, error, sizeof error);
        watchdog_arm(NULL);
        uint64_t ms = (plat_monotonic_ns() - t0) / 1000000u;
        event_free(ev);
        if (rc == 0 || (!strstr(error, c->expect) && !(c->expect2 && strstr(error, c->expect2)) &&
                        !(c->expect3 && strstr(error, c->expect3))))
            fail_msg("[%s] case %s: rc=%d error='%s' (expected '%s')", isolation, c->name, rc, error, c->expect);
        /* The time limit ends every case; 10 s is far above any limit here (300 ms). */
        if (ms > 10000) fail_msg("[%s] case %s took %llu ms", isolation, c->name, (unsigned long long)ms);
        print_message("[%s] %-26s -> %s\n", isolation, c->name, error);
        ran++;

        ev = case_event(&e, "normal");
        rc = fixture_run(&f, ev, error, sizeof error);
        event_free(ev);
        if (rc != 0) fail_msg("[%s] normal event after %s failed: %s", isolation, c->name, error);
    }
    assert_true(only ? ran == 1 : ran >= 71); /* 78 cases; links and POSIX-only ones may be skipped */
    /* Nothing was written or moved outside the allowed folder, and the secret is intact. */
    char *written = test_path_join(e.root, "written.txt"), *moved = test_path_join(e.root, "moved.txt");
    char *planted = test_path_join(e.root, "planted.txt"), *missing = test_path_join(e.root, "missing.txt");
    assert_false(plat_path_exists(written));
    assert_false(plat_path_exists(moved));
    assert_false(plat_path_exists(planted));
    assert_false(plat_path_exists(missing));
    char *secret = test_read_file(e.secret);
    assert_non_null(secret);
    assert_string_equal(secret, "top secret");
    free(secret); free(written); free(moved); free(planted); free(missing);
    fixture_close(&f);
    env_teardown(&e);
}

static void test_escapes_fresh(void **state) { (void)state; run_escapes("fresh"); }
static void test_escapes_pooled(void **state) { (void)state; run_escapes("pooled"); }

#ifdef __linux__
/* Check-then-use, made deterministic: this executable's realpath() (exported with -rdynamic, so the
 * module's path check calls it) swaps allowed/d (a real folder) with allowed/x (a symbolic link to a
 * folder outside) right after the check resolved the armed path, i.e. exactly between the check and
 * the use, as another user's process could. Before the openat walk the use reopened the name and
 * followed the link: fs.read returned the outside file, fs.write created one outside, fs.list listed
 * outside, fs.delete and fs.move took the outside file. */
static char swap_trigger[1024], swap_a[1024], swap_b[1024];
static int swap_armed;

/* Default visibility: the project builds with hidden symbols, and the module must find this one. */
__attribute__((visibility("default"))) char *realpath(const char *path, char *resolved);
__attribute__((visibility("default"))) char *realpath(const char *path, char *resolved)
{
    static char *(*next)(const char *, char *);
    if (!next) *(void **)(&next) = dlsym(RTLD_NEXT, "realpath");
    char *r = next(path, resolved);
    if (swap_armed && path && strcmp(path, swap_trigger) == 0) {
        swap_armed = 0;
        if (renameat2(AT_FDCWD, swap_a, AT_FDCWD, swap_b, RENAME_EXCHANGE) != 0) swap_armed = -1;
    }
    return r;
}

static const char swap_script[] =
    "function on_event(t)\n"
    "  local d = t.allowed .. '/d'\n"
    "  if t.case == 'read' then return {ok = false, message = 'read: ' .. fs.read(d .. '/f')} end\n"
    "  if t.case == 'write' then fs.write(d .. '/w.txt', 'planted') return {ok = false, message = 'written'} end\n"
    "  if t.case == 'list' then return {ok = false, message = 'list: ' .. table.concat(fs.list(d), ',')} end\n"
    "  if t.case == 'delete' then fs.delete(d .. '/f') return {ok = false, message = 'deleted'} end\n"
    "  if t.case == 'move' then fs.move(d .. '/f', t.allowed .. '/moved') return {ok = false, message = 'moved'} end\n"
    "end\n";

static void test_fs_link_swapped_after_check(void **state)
{
    (void)state;
    char *root = test_make_temp_dir("lua_swap"), *allowed = test_path_join(root, "allowed");
    char *outside = test_path_join(root, "outside"), *d = test_path_join(allowed, "d"), *x = test_path_join(allowed, "x");
    char *fin = test_path_join(d, "f"), *fout = test_path_join(outside, "f"), *moved = test_path_join(allowed, "moved");
    char *marker = test_path_join(outside, "outside-only"), *planted = test_path_join(outside, "w.txt");
    assert_int_equal(mkdir(allowed, 0755), 0);
    assert_int_equal(mkdir(outside, 0755), 0);
    assert_int_equal(mkdir(d, 0755), 0);
    assert_int_equal(test_write_file(fin, "inside"), 0);
    assert_int_equal(test_write_file(fout, "outside secret"), 0);
    assert_int_equal(test_write_file(marker, "x"), 0);
    assert_int_equal(symlink(outside, x), 0);
    snprintf(swap_a, sizeof swap_a, "%s", d);
    snprintf(swap_b, sizeof swap_b, "%s", x);

    cJSON *ja = cJSON_CreateString(allowed);
    char *allow_lit = cJSON_PrintUnformatted(ja), extra[1200];
    cJSON_Delete(ja);
    snprintf(extra, sizeof extra, ", \"allow_paths\": [%s]", allow_lit);
    cJSON_free(allow_lit);
    char *opts = code_opts(swap_script, extra);
    lua_fixture f;
    fixture_open(&f, opts);
    free(opts);
    assert_int_equal(f.create_rc, 0);

    /* The path the check resolves: the file itself when it exists, else the folder holding the new name. */
    static const struct { const char *name, *trigger_rel; } cases[] = {
        { "read", "/d/f" }, { "write", "/d" }, { "list", "/d" }, { "delete", "/d/f" }, { "move", "/d/f" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char error[1024];
        snprintf(swap_trigger, sizeof swap_trigger, "%s%s", allowed, cases[i].trigger_rel);
        wee_event *ev = sample_event();
        event_set_string(ev, "case", cases[i].name);
        event_set_string(ev, "allowed", allowed);
        swap_armed = 1;
        int rc = fixture_run(&f, ev, error, sizeof error);
        int swapped = swap_armed == 0;
        swap_armed = 0;
        event_free(ev);
        print_message("[%s] %s\n", cases[i].name, error);
        if (!swapped) fail_msg("[%s] the swap did not happen between check and use (armed=%d)", cases[i].name, swap_armed);
        if (rc == 0 || !strstr(error, "symbolic link"))
            fail_msg("[%s] not refused as a link in the way: rc=%d '%s'", cases[i].name, rc, error);
        /* Outside untouched. */
        char *secret = test_read_file(fout);
        assert_non_null(secret);
        assert_string_equal(secret, "outside secret");
        free(secret);
        assert_false(plat_path_exists(planted));
        assert_false(plat_path_exists(moved));
        /* Back to the folder at allowed/d for the next case. */
        assert_int_equal(renameat2(AT_FDCWD, swap_a, AT_FDCWD, swap_b, RENAME_EXCHANGE), 0);
    }
    fixture_close(&f);
    test_remove_tree(root);
    free(root); free(allowed); free(outside); free(d); free(x); free(fin); free(fout); free(moved); free(marker);
    free(planted);
}
#endif

/* A script that loops at load time (top level) is stopped the same way, and a pooled state that hit
 * the limit is rebuilt for the next event. */
static void test_top_level_loop_times_out(void **state)
{
    (void)state;
    const char *isolations[] = { "fresh", "pooled" };
    for (size_t i = 0; i < 2; i++) {
        char extra[128], error[1024];
        snprintf(extra, sizeof extra, ", \"timeout_ms\": 200, \"isolation\": \"%s\"", isolations[i]);
        char *opts = code_opts("while true do end\nfunction on_event() end", extra);
        lua_fixture f;
        fixture_open(&f, opts);
        free(opts);
        assert_int_equal(f.create_rc, 0);
        wee_event *ev = sample_event();
        for (int round = 0; round < 2; round++) {
            assert_true(fixture_run(&f, ev, error, sizeof error) != 0);
            assert_non_null(strstr(error, "timeout after 200 ms"));
        }
        event_free(ev);
        fixture_close(&f);
    }
}

int main(void)
{
    test_init();
    fixture_dirs_init();
    const char *limit = getenv("WEE_LUA_CASE_LIMIT_MS");
    if (limit && atoi(limit) > 0) case_hard_limit_ms = atoi(limit);
    plat_mutex_init(&wd_lock);
    plat_cond_init(&wd_wake);
    if (plat_thread_start(&wd_thread, watchdog_main, NULL) != 0) {
        fprintf(stderr, "cannot start the watchdog thread\n");
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escapes_fresh),
        cmocka_unit_test(test_escapes_pooled),
        cmocka_unit_test(test_top_level_loop_times_out),
#ifdef __linux__
        cmocka_unit_test(test_fs_link_swapped_after_check),
#endif
    };
    int failed = cmocka_run_group_tests(tests, NULL, NULL);
    plat_mutex_lock(&wd_lock);
    wd_quit = 1;
    plat_cond_signal(&wd_wake);
    plat_mutex_unlock(&wd_lock);
    plat_thread_join(&wd_thread);
    return failed;
}
