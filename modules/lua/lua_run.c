/*
 * modules/lua/lua_run.c - loading the compiled chunk into a state and calling the script's function
 * for one event.
 *
 * Everything that touches the Lua API runs inside lua_pcall (with sandbox_message_handler), because
 * any allocation may hit the memory limit and any table access may run a script's metamethod; an
 * error outside a protected call would abort the process.
 *
 * The function gets one table: every event field with its type (string / integer / boolean), `type`,
 * and the results earlier actions of the rule published ("exec.exit_code" = 0); for a batched rule also
 * `events`, the collected events as a list of such tables. It may return
 * nothing or true (success), false, or {ok = false, message = "..."} (the action fails with that
 * message).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include "lua_action.h"
#include "lua_api.h"

typedef struct run_ctx {
    const lua_action *a;
    wee_action_call *call;
    const wee_host_api *host;
    char fail[512]; /* set when the script itself reported failure */
} run_ctx;

static int protected_load(lua_State *L)
{
    const run_ctx *c = lua_touserdata(L, 1);
    if (luaL_loadbufferx(L, c->a->chunk, c->a->chunk_len, c->a->chunkname, "b") != LUA_OK) return lua_error(L);
    lua_call(L, 0, 0);
    return 0;
}

int lua_action_load_chunk(const lua_action *a, lua_sandbox *sb, char *err, size_t err_size)
{
    lua_State *L = sb->L;
    run_ctx c;
    memset(&c, 0, sizeof c);
    c.a = a;
    lua_settop(L, 0);
    lua_pushcfunction(L, sandbox_message_handler);
    lua_pushcfunction(L, protected_load);
    lua_pushlightuserdata(L, &c);
    int status = lua_pcall(L, 1, 0, 1);
    if (status != LUA_OK) {
        sandbox_error_text(sb, status, err, err_size);
        lua_settop(L, 0);
        return WEE_EFAILED;
    }
    lua_settop(L, 0);
    return 0;
}

static void push_fields(lua_State *L, const wee_host_api *host, const wee_event *ev)
{
    if (!ev) return;
    size_t n = host->event_field_count(ev);
    for (size_t i = 0; i < n; i++) {
        const char *name = host->event_field_name(ev, i);
        if (!name) continue;
        /* By index, from the text form (integers in decimal, booleans "true"/"false"): a lookup by
         * name per field would make this quadratic in the field count. */
        const char *text = host->event_field_string(ev, i);
        if (!text) text = "";
        switch (host->event_field_type(ev, i)) {
        case WEE_VALUE_INT: lua_pushinteger(L, (lua_Integer)strtoll(text, NULL, 10)); break;
        case WEE_VALUE_BOOL: lua_pushboolean(L, strcmp(text, "true") == 0); break;
        case WEE_VALUE_STRING: lua_pushstring(L, text); break;
        default: continue;
        }
        lua_setfield(L, -2, name);
    }
}

static int protected_call(lua_State *L)
{
    run_ctx *c = lua_touserdata(L, 1);
    const wee_host_api *host = c->host;
    if (lua_getglobal(L, c->a->function) != LUA_TFUNCTION)
        return luaL_error(L, "the script defines no function '%s' (set \"function\" or define it)", c->a->function);

    const wee_event *ev = host->call_event(c->call);
    lua_createtable(L, 0, 16);
    push_fields(L, host, ev);
    if (ev && lua_getfield(L, -1, "type") == LUA_TNIL) {
        lua_pop(L, 1);
        const char *type = host->event_type(ev);
        lua_pushstring(L, type ? type : "");
        lua_setfield(L, -2, "type");
    } else if (ev) {
        lua_pop(L, 1);
    }
    push_fields(L, host, host->call_results ? host->call_results(c->call) : NULL);
    /* A batched rule's event carries its events as JSON: the script gets them as a list of tables,
     * decoded by json.decode, so the memory limit applies to them too. */
    if (lua_getfield(L, -1, "batch.events") == LUA_TSTRING) {
        lua_api_open_json(L);
        lua_getfield(L, -1, "decode");
        lua_pushvalue(L, -3);
        lua_call(L, 1, 1);
        lua_setfield(L, -4, "events");
        lua_pop(L, 1); /* the json table */
    }
    lua_pop(L, 1);

    lua_call(L, 1, 1);
    int t = lua_type(L, -1);
    if (t == LUA_TBOOLEAN && !lua_toboolean(L, -1)) {
        snprintf(c->fail, sizeof c->fail, "%s returned false", c->a->function);
    } else if (t == LUA_TTABLE) {
        int ok_type = lua_getfield(L, -1, "ok");
        int failed = ok_type == LUA_TBOOLEAN && !lua_toboolean(L, -1);
        lua_pop(L, 1);
        if (failed) {
            int mt = lua_getfield(L, -1, "message");
            const char *msg = (mt == LUA_TSTRING || mt == LUA_TNUMBER) ? lua_tostring(L, -1) : NULL;
            snprintf(c->fail, sizeof c->fail, "%s", msg && *msg ? msg : "the script returned ok = false");
            lua_pop(L, 1);
        }
    }
    return 0;
}

int lua_action_call_function(const lua_action *a, lua_sandbox *sb, wee_action_call *call, char *err,
                             size_t err_size)
{
    lua_State *L = sb->L;
    run_ctx c;
    memset(&c, 0, sizeof c);
    c.a = a;
    c.call = call;
    c.host = sb->host;
    lua_settop(L, 0);
    lua_pushcfunction(L, sandbox_message_handler);
    lua_pushcfunction(L, protected_call);
    lua_pushlightuserdata(L, &c);
    int status = lua_pcall(L, 1, 0, 1);
    int rc = 0;
    if (status != LUA_OK) {
        sandbox_error_text(sb, status, err, err_size);
        rc = WEE_EFAILED;
    } else if (c.fail[0]) {
        snprintf(err, err_size, "%s", c.fail);
        rc = WEE_EFAILED;
    }
    lua_settop(L, 0);
    return rc;
}
