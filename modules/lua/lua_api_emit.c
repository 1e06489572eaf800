/*
 * modules/lua/lua_api_emit.c - emit(type, fields): a new event into the engine, as from a source.
 *
 *   emit("backup.done", {path = t.path, bytes = 1234, ok = true})
 *
 * Field values are strings, integers (whole floats too) or booleans. The host marks the event
 * by_engine (rules ignore it unless "allow_engine_events": true) and refuses it past a fixed chain
 * depth, so a rule reacting to its own events cannot loop forever; a refusal is a Lua error.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <lauxlib.h>
#include "lua_api.h"

#define EMIT_PER_RUN_MAX 1000

static int emit_set_field(lua_State *L, const wee_host_api *host, wee_event *ev, const char *name)
{
    switch (lua_type(L, -1)) {
    case LUA_TSTRING: return host->event_set_string(ev, name, lua_tostring(L, -1));
    case LUA_TBOOLEAN: return host->event_set_bool(ev, name, lua_toboolean(L, -1));
    case LUA_TNUMBER:
        if (lua_isinteger(L, -1)) return host->event_set_int(ev, name, (int64_t)lua_tointeger(L, -1));
        {
            double d = (double)lua_tonumber(L, -1);
            if (d == floor(d) && d >= -9.2e18 && d <= 9.2e18) return host->event_set_int(ev, name, (int64_t)d);
            char num[64];
            snprintf(num, sizeof num, "%.17g", d); /* not lua_tostring: it may allocate and raise */
            return host->event_set_string(ev, name, num);
        }
    default: return 1; /* the caller reports the type */
    }
}

static int lua_emit(lua_State *L)
{
    lua_sandbox *sb = sandbox_of(L);
    const wee_host_api *host = sb->host;
    const char *type = luaL_checkstring(L, 1);
    if (!*type || strlen(type) > 128) return luaL_error(L, "emit: the event type must be 1 to 128 characters");
    if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
    if (!sb->call || !host->call_emit) return luaL_error(L, "emit: not available outside an event");
    /* Each event is held outside the Lua allocator until a worker takes it: a loop of emits must not
     * fill the host's memory within one timeout_ms. */
    if (sb->emitted >= EMIT_PER_RUN_MAX)
        return luaL_error(L, "emit: more than %d events from one run of the script", EMIT_PER_RUN_MAX);

    /* Validate every field first: nothing below may raise while the event is held in C. */
    if (lua_istable(L, 2)) {
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            int kt = lua_type(L, -2), vt = lua_type(L, -1);
            if (kt != LUA_TSTRING) return luaL_error(L, "emit: field names must be strings, got a %s", lua_typename(L, kt));
            if (vt != LUA_TSTRING && vt != LUA_TNUMBER && vt != LUA_TBOOLEAN)
                return luaL_error(L, "emit: field '%s' is a %s; use a string, integer or boolean",
                                  lua_tostring(L, -2), lua_typename(L, vt));
            lua_pop(L, 1);
        }
    }
    wee_event *ev = host->event_new(type);
    if (!ev) return luaL_error(L, "emit: cannot create event '%s'", type);
    char bad[160] = "";
    if (lua_istable(L, 2)) {
        lua_pushnil(L);
        while (lua_next(L, 2)) {
            const char *name = lua_tostring(L, -2);
            if (emit_set_field(L, host, ev, name) != 0 && !bad[0]) {
                size_t n = strlen(name);
                if (n > sizeof bad - 1) n = sizeof bad - 1;
                memcpy(bad, name, n);
                bad[n] = '\0';
            }
            lua_pop(L, 1);
        }
    }
    if (bad[0]) {
        host->event_free(ev);
        return luaL_error(L, "emit: cannot set field '%s' (names are letters, digits, '_' and '.')", bad);
    }
    sb->emitted++;
    int rc = host->call_emit(sb->call, ev); /* takes ownership */
    if (rc != 0) return luaL_error(L, "emit: event '%s' refused: %s", type, wee_strerror(rc));
    lua_pushboolean(L, 1);
    return 1;
}

void lua_api_open_emit(lua_State *L)
{
    lua_pushcfunction(L, lua_emit);
    lua_setglobal(L, "emit");
}
