/*
 * modules/lua/lua_sandbox.c - state creation with a counted allocator, the instruction-count
 * deadline, and the safe standard library.
 *
 * What a script gets: base (minus dofile, loadfile, print -> log, warn; load forced to text mode, its
 * reader checking the deadline; setmetatable refusing __gc; xpcall skipping its handler after the
 * deadline; collectgarbage "count" only), table (the range loops replaced: lua_tablib.c), string (minus
 * dump; the matcher replaced: lua_pattern.c; rep of empty strings short-cut), math, utf8, coroutine,
 * os.time/date/clock, opened on first use. No io, debug, package/require. docs/modules/lua.md lists
 * what bounds each C function.
 *
 * Why __gc is refused: Lua runs finalizers with hooks disabled (lgc.c GCTM), so a finalizer that
 * loops would escape the time limit; scripts cannot create userdata, so setmetatable is the only way
 * to mark an object for finalization, and Lua only marks it when __gc is present at that moment.
 *
 * Why the hook switches to every instruction after the deadline: a script that wraps its loop in
 * pcall would otherwise catch the timeout error and carry on; with a count of 1 the very next
 * instruction in every enclosing frame raises again, so the error climbs out of any pcall nesting.
 */
#include <stdio.h>
#include <string.h>
#include <lauxlib.h>
#include <lualib.h>
#include "lua_api.h"
#include "lua_pattern.h"
#include "lua_sandbox.h"
#include "lua_tablib.h"

#define HOOK_EVERY 1000 /* instructions between deadline checks */
#define TRACE_FRAMES 6

lua_sandbox *sandbox_of(lua_State *L)
{
    void *ud = NULL;
    (void)lua_getallocf(L, &ud);
    return ud;
}

static void *sandbox_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    lua_sandbox *sb = ud;
    if (!ptr) osize = 0; /* for a new block osize is the object's type, not a size */
    if (nsize == 0) {
        if (ptr) {
            sb->host->free(ptr);
            sb->mem_used -= osize;
        }
        return NULL;
    }
    if (nsize > osize && (nsize - osize > sb->mem_limit || sb->mem_used + (nsize - osize) > sb->mem_limit)) {
        sb->mem_refused = 1;
        return NULL;
    }
    void *p = ptr ? sb->host->realloc(ptr, nsize) : sb->host->alloc(nsize);
    if (!p) {
        if (nsize > osize) sb->mem_refused = 1;
        return NULL;
    }
    sb->mem_used = sb->mem_used - osize + nsize;
    return p;
}

static void sandbox_hook(lua_State *L, lua_Debug *ar)
{
    (void)ar;
    sandbox_check_deadline(L);
}

void sandbox_check_deadline(lua_State *L)
{
    if (!sandbox_deadline_passed(L)) return; /* it also arms the hook of this thread (a coroutine has its own) */
    luaL_error(L, "timeout after %d ms", (int)sandbox_of(L)->timeout_ms);
}

int sandbox_deadline_passed(lua_State *L)
{
    lua_sandbox *sb = sandbox_of(L);
    if (!sb->timed_out) {
        if (sb->host->monotonic_ns() < sb->deadline_ns) return 0;
        sb->timed_out = 1;
    }
    lua_sethook(L, sandbox_hook, LUA_MASKCOUNT, 1);
    return 1;
}

void sandbox_arm(lua_sandbox *sb, int64_t timeout_ms)
{
    sb->timeout_ms = timeout_ms;
    sb->deadline_ns = sb->host->monotonic_ns() + (uint64_t)timeout_ms * 1000000u;
    sb->timed_out = 0;
    sb->mem_refused = 0;
    sb->emitted = 0;
    if (sb->L) lua_sethook(sb->L, sandbox_hook, LUA_MASKCOUNT, HOOK_EVERY);
}

int64_t sandbox_remaining_ms(const lua_sandbox *sb)
{
    uint64_t now = sb->host->monotonic_ns();
    if (now >= sb->deadline_ns) return 1;
    int64_t ms = (int64_t)((sb->deadline_ns - now) / 1000000u);
    return ms > 0 ? ms : 1;
}

/* --- the safe library --- */

/* Lua's load calls a reader function from C until it returns nil or ""; a C function as reader runs no
 * VM instruction, so each call looks at the clock first. */
static int load_reader(lua_State *L)
{
    sandbox_check_deadline(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_call(L, 0, 1);
    return 1;
}

/* load(chunk [, chunkname [, mode [, env]]]): mode is always "t" (no bytecode), env defaults to the
 * sandbox's globals. */
static int safe_load(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1)); /* the original load */
    lua_pushvalue(L, 1);
    if (lua_type(L, 1) == LUA_TFUNCTION) lua_pushcclosure(L, load_reader, 1);
    if (n >= 2) lua_pushvalue(L, 2); else lua_pushnil(L);
    lua_pushliteral(L, "t");
    if (n >= 4) lua_pushvalue(L, 4); else lua_pushglobaltable(L);
    lua_call(L, 4, LUA_MULTRET);
    return lua_gettop(L) - n;
}

/* xpcall's message handler runs inside luaG_errormsg, before the error unwinds; when the error comes
 * from our hook that is still inside the hook, where Lua has debug hooks switched off, so a handler
 * that loops would never be stopped. After the deadline the script's handler is therefore skipped
 * and the timeout error passed on unchanged. (Cost: no yield across this xpcall.) */
static int xpcall_handler(lua_State *L)
{
    if (sandbox_of(L)->timed_out) return 1;
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int safe_xpcall(lua_State *L)
{
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    luaL_checkstack(L, n + 2, "xpcall: too many arguments");
    lua_pushvalue(L, lua_upvalueindex(1)); /* the original xpcall */
    lua_pushvalue(L, 1);
    lua_pushvalue(L, 2);
    lua_pushcclosure(L, xpcall_handler, 1);
    for (int i = 3; i <= n; i++) lua_pushvalue(L, i);
    lua_call(L, n, LUA_MULTRET);
    return lua_gettop(L) - n;
}

/* string.rep(s, n [, sep]): with s and sep both empty, Lua 5.4.4 runs its copy loop n times (up to
 * 2^63) copying nothing, so neither the memory limit nor the hook stops it; the result is "" for any
 * n. In every other case Lua allocates the whole result before the loop, so the memory limit bounds it. */
static int safe_rep(lua_State *L)
{
    size_t l, lsep;
    luaL_checklstring(L, 1, &l);
    luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (l == 0 && lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int safe_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc metamethods are not allowed in the sandbox");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

static int safe_collectgarbage(lua_State *L)
{
    const char *opt = luaL_optstring(L, 1, "collect");
    if (strcmp(opt, "count") != 0)
        return luaL_error(L, "collectgarbage(\"%s\") is not allowed in the sandbox; only \"count\"", opt);
    lua_pushnumber(L, (lua_Number)lua_gc(L, LUA_GCCOUNT, 0) + (lua_Number)lua_gc(L, LUA_GCCOUNTB, 0) / 1024.0);
    return 1;
}

static int safe_print(lua_State *L)
{
    lua_sandbox *sb = sandbox_of(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    lua_api_log_line(sb, WEE_LOG_INFO, lua_tostring(L, -1));
    return 0;
}

static void remove_field(lua_State *L, const char *table, const char *field)
{
    lua_getglobal(L, table);
    lua_pushnil(L);
    lua_setfield(L, -2, field);
    lua_pop(L, 1);
}

static void wrap_global(lua_State *L, const char *name, lua_CFunction wrapper)
{
    lua_getglobal(L, name);
    lua_pushcclosure(L, wrapper, 1);
    lua_setglobal(L, name);
}

/* os: only the clock and calendar functions. */
static int open_os_subset(lua_State *L)
{
    static const char *const keep[] = { "time", "date", "clock", NULL };
    luaopen_os(L);
    lua_createtable(L, 0, 3);
    for (size_t i = 0; keep[i]; i++) {
        lua_getfield(L, -2, keep[i]);
        lua_setfield(L, -2, keep[i]);
    }
    return 1;
}

/* table: Lua's, with the functions that loop over a script-chosen range replaced (lua_tablib.c). */
static int open_table_bounded(lua_State *L)
{
    luaopen_table(L);
    lua_tablib_install(L);
    return 1;
}

/* Libraries opened on first use (the globals table's __index): a fresh state per event only pays for
 * what its script touches. base and string are always there (string methods need the string table). */
static const luaL_Reg lazy_libs[] = {
    { LUA_TABLIBNAME, open_table_bounded }, { LUA_MATHLIBNAME, luaopen_math }, { LUA_UTF8LIBNAME, luaopen_utf8 },
    { LUA_COLIBNAME, luaopen_coroutine }, { LUA_OSLIBNAME, open_os_subset },
    { "log", lua_api_open_log }, { "json", lua_api_open_json }, { "fs", lua_api_open_fs },
    { "exec", lua_api_open_exec }, { "http", lua_api_open_http }, { NULL, NULL }
};

static int lazy_index(lua_State *L)
{
    if (lua_type(L, 2) != LUA_TSTRING) return 0;
    const char *key = lua_tostring(L, 2);
    for (const luaL_Reg *lib = lazy_libs; lib->name; lib++) {
        if (strcmp(key, lib->name) != 0) continue;
        lua_pushcfunction(L, lib->func);
        lua_call(L, 0, 1);
        lua_pushvalue(L, 2);
        lua_pushvalue(L, -2);
        lua_rawset(L, 1);
        return 1;
    }
    return 0;
}

/* Runs protected: every allocation here may fail against the limit. */
static int sandbox_setup(lua_State *L)
{
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    lua_pop(L, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    lua_pop(L, 1);

    static const char *const base_drop[] = { "dofile", "loadfile", "warn", NULL };
    for (size_t i = 0; base_drop[i]; i++) {
        lua_pushnil(L);
        lua_setglobal(L, base_drop[i]);
    }
    remove_field(L, LUA_STRLIBNAME, "dump");
    lua_getglobal(L, LUA_STRLIBNAME);
    lua_pattern_install(L); /* find/match/gmatch/gsub that stop at the deadline */
    lua_getfield(L, -1, "rep");
    lua_pushcclosure(L, safe_rep, 1);
    lua_setfield(L, -2, "rep");
    lua_pop(L, 1);
    wrap_global(L, "load", safe_load);
    wrap_global(L, "setmetatable", safe_setmetatable);
    wrap_global(L, "xpcall", safe_xpcall);
    lua_pushcfunction(L, safe_collectgarbage);
    lua_setglobal(L, "collectgarbage");
    lua_pushcfunction(L, safe_print);
    lua_setglobal(L, "print");

    /* getmetatable("") answers false: the shared string metatable cannot be reached or changed. */
    lua_pushliteral(L, "");
    if (lua_getmetatable(L, -1)) {
        lua_pushboolean(L, 0);
        lua_setfield(L, -2, "__metatable");
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    lua_api_open_emit(L);
    lua_newtable(L);
    lua_setglobal(L, "state");

    /* The globals' metatable opens the other libraries on first use; protected like the string one. */
    lua_pushglobaltable(L);
    lua_createtable(L, 0, 2);
    lua_pushcfunction(L, lazy_index);
    lua_setfield(L, -2, "__index");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
    lua_setmetatable(L, -2);
    lua_pop(L, 1);
    return 0;
}

static void sandbox_warn_ignore(void *ud, const char *msg, int tocont)
{
    (void)ud; (void)msg; (void)tocont; /* warnings (errors in finalizers) are not the engine's output */
}

int sandbox_open(lua_sandbox *sb, const wee_host_api *host, size_t mem_limit, const struct lua_action *action,
                 char *err, size_t err_size)
{
    memset(sb, 0, sizeof *sb);
    sb->host = host;
    sb->mem_limit = mem_limit;
    sb->action = action;
    sb->L = lua_newstate(sandbox_alloc, sb);
    if (!sb->L) {
        snprintf(err, err_size, "cannot create a Lua state within memory_kb=%zu", mem_limit / 1024);
        return WEE_ENOMEM;
    }
    lua_setwarnf(sb->L, sandbox_warn_ignore, NULL);
    sandbox_arm(sb, 5000);
    lua_pushcfunction(sb->L, sandbox_setup);
    int status = lua_pcall(sb->L, 0, 0, 0);
    if (status != LUA_OK) {
        snprintf(err, err_size, "cannot set up the Lua state (%s); raise memory_kb",
                 lua_type(sb->L, -1) == LUA_TSTRING ? lua_tostring(sb->L, -1) : "error");
        sandbox_close(sb);
        return WEE_ENOMEM;
    }
    return 0;
}

void sandbox_close(lua_sandbox *sb)
{
    if (!sb->L) return;
    /* Finalizers run here with hooks off; scripts cannot install any (see safe_setmetatable). */
    lua_close(sb->L);
    sb->L = NULL;
}

/* --- errors --- */

int sandbox_message_handler(lua_State *L)
{
    const char *msg;
    int t = lua_type(L, 1);
    if (t == LUA_TSTRING || t == LUA_TNUMBER) msg = lua_tostring(L, 1);
    else msg = lua_pushfstring(L, "error object is a %s value", lua_typename(L, t));
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    luaL_addstring(&b, msg);
    lua_Debug ar;
    int frames = 0;
    for (int level = 1; frames < TRACE_FRAMES && lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar) || ar.currentline <= 0) continue;
        luaL_addstring(&b, frames == 0 ? " [at " : " <- ");
        lua_pushfstring(L, "%s:%d", ar.short_src, ar.currentline);
        luaL_addvalue(&b);
        frames++;
    }
    if (frames) luaL_addchar(&b, ']');
    luaL_pushresult(&b);
    return 1;
}

void sandbox_error_text(lua_sandbox *sb, int status, char *out, size_t size)
{
    const char *msg = lua_type(sb->L, -1) == LUA_TSTRING ? lua_tostring(sb->L, -1) : NULL;
    if (sb->timed_out) {
        /* The script may have caught and replaced the timeout error on its way out. */
        const char *at = msg ? strstr(msg, " [at ") : NULL;
        snprintf(out, size, "timeout after %lld ms%s", (long long)sb->timeout_ms, at ? at : "");
    } else if (status == LUA_ERRMEM || (sb->mem_refused && msg && strstr(msg, "not enough memory"))) {
        /* A memory error re-raised through a script's pcall arrives as LUA_ERRRUN with Lua's text. */
        const char *at = msg ? strstr(msg, " [at ") : NULL;
        snprintf(out, size, "memory limit of %zu KB exceeded (memory_kb)%s", sb->mem_limit / 1024, at ? at : "");
    } else if (status == LUA_ERRERR) {
        snprintf(out, size, "error while handling an error%s%s", msg ? ": " : "", msg ? msg : "");
    } else {
        snprintf(out, size, "%s", msg ? msg : "error without a message");
    }
}
