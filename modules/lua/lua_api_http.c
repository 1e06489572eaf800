/*
 * modules/lua/lua_api_http.c - http.request{method=, url=, headers=, body=, timeout_ms=}
 * -> {status=, body=, ok=, error=}.
 *
 *   local r = http.request{method = "POST", url = "http://127.0.0.1:8080/hook",
 *                          headers = {["Content-Type"] = "application/json"},
 *                          body = json.encode({path = t.path})}
 *   if not r.ok then return {ok = false, message = "hook answered " .. r.status} end
 *
 * Each request first asks host->net_check (engine.http_enabled and engine.http_allow of the running
 * config); a refusal is a Lua error saying which setting to change. The request itself is
 * modules/http/http_client.c (shared with the http action): TLS verified, no redirects, body kept up
 * to 1 MB, no retries. A connection failure or timeout is not an error: status = 0, ok = false and
 * error says what happened. ok is true for 2xx. The request's time is capped by what is left of the
 * script's timeout_ms (the instruction hook cannot fire while the script waits in C).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include "http_client.h"
#include "lua_action.h"
#include "lua_api.h"

#define HTTP_HEADERS_MAX 64
#define HTTP_BODY_MAX (1024 * 1024)
#define HTTP_BOX "wee.lua.http_box"

int lua_api_http_global_init(char *err, size_t err_size)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, err_size, "curl_global_init failed");
        return WEE_EFAILED;
    }
    return 0;
}

void lua_api_http_global_cleanup(void) { curl_global_cleanup(); }

void lua_api_http_handle_free(void *curl)
{
    if (curl) curl_easy_cleanup((CURL *)curl);
}

static int http_box_gc(lua_State *L)
{
    http_response *r = luaL_checkudata(L, 1, HTTP_BOX);
    http_response_free(r);
    return 0;
}

static const char *opt_string_field(lua_State *L, const char *name)
{
    int t = lua_getfield(L, 1, name); /* left on the stack: keeps the string alive */
    if (t == LUA_TNIL) return NULL;
    if (t != LUA_TSTRING) luaL_error(L, "http.request: '%s' must be a string, got a %s", name, lua_typename(L, t));
    return lua_tostring(L, -1);
}

static int has_line_break(const char *s) { return strchr(s, '\r') || strchr(s, '\n'); }

static int http_request_fn(lua_State *L)
{
    lua_sandbox *sb = sandbox_of(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    luaL_checkstack(L, HTTP_HEADERS_MAX + 16, "http.request");
    const char *url = opt_string_field(L, "url");
    if (!url || !*url) return luaL_error(L, "http.request: 'url' is required (http:// or https://)");
    const char *method = opt_string_field(L, "method");
    size_t body_len = 0;
    const char *body = NULL;
    if (lua_getfield(L, 1, "body") != LUA_TNIL) body = luaL_tolstring(L, -1, &body_len);
    long timeout = (long)sandbox_remaining_ms(sb);
    if (lua_getfield(L, 1, "timeout_ms") != LUA_TNIL) {
        if (!lua_isinteger(L, -1)) return luaL_error(L, "http.request: 'timeout_ms' must be an integer");
        lua_Integer t = lua_tointeger(L, -1);
        if (t > 0 && t < timeout) timeout = (long)t;
    }

    const char *headers[HTTP_HEADERS_MAX + 1];
    size_t nh = 0;
    int ht = lua_getfield(L, 1, "headers");
    if (ht == LUA_TTABLE) {
        int hidx = lua_gettop(L);
        lua_pushnil(L);
        while (lua_next(L, hidx)) {
            if (lua_type(L, -2) != LUA_TSTRING || lua_type(L, -1) != LUA_TSTRING)
                return luaL_error(L, "http.request: headers are {[\"Name\"] = \"value\"} strings");
            const char *name = lua_tostring(L, -2), *value = lua_tostring(L, -1);
            if (has_line_break(name) || has_line_break(value) || strchr(name, ':'))
                return luaL_error(L, "http.request: header '%s' holds a line break or ':' in its name", name);
            if (nh == HTTP_HEADERS_MAX) return luaL_error(L, "http.request: more than %d headers", HTTP_HEADERS_MAX);
            lua_pushfstring(L, "%s: %s", name, value);
            lua_insert(L, hidx); /* below the table being walked: stays alive until we return */
            hidx++;
            nh++;
            lua_pop(L, 1);
        }
        /* The pushed lines sit just below the headers table, in the order they were made. */
        for (size_t i = 0; i < nh; i++) headers[i] = lua_tostring(L, hidx - (int)nh + (int)i);
    } else if (ht != LUA_TNIL) {
        return luaL_error(L, "http.request: 'headers' must be a table");
    }
    headers[nh] = NULL;

    char err[512];
    if (!sb->host->net_check) return luaL_error(L, "http.request: this host has no network policy (ABI 1.1 needed)");
    if (sb->host->net_check(url, err, sizeof err) != 0) return luaL_error(L, "http.request: %s", err);
    if (!sb->slot) return luaL_error(L, "http.request: not available outside an event");
    if (!sb->slot->curl) {
        sb->slot->curl = curl_easy_init();
        if (!sb->slot->curl) return luaL_error(L, "http.request: cannot create a curl handle");
    }

    http_response *resp = lua_newuserdatauv(L, sizeof *resp, 0);
    memset(resp, 0, sizeof *resp);
    if (luaL_newmetatable(L, HTTP_BOX)) {
        lua_pushcfunction(L, http_box_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);

    http_request req;
    memset(&req, 0, sizeof req);
    req.method = method;
    req.url = url;
    req.headers = headers;
    req.body = body;
    req.body_len = body_len;
    req.timeout_ms = timeout;
    req.body_max = HTTP_BODY_MAX;
    req.retries = 0;
    err[0] = '\0';
    int rc = http_client_perform((CURL *)sb->slot->curl, &req, resp, err, sizeof err);

    lua_createtable(L, 0, 4);
    lua_pushinteger(L, rc == 0 ? resp->status : 0);
    lua_setfield(L, -2, "status");
    lua_pushlstring(L, resp->body ? resp->body : "", resp->body ? resp->body_len : 0);
    lua_setfield(L, -2, "body");
    lua_pushboolean(L, rc == 0 && resp->status >= 200 && resp->status < 300);
    lua_setfield(L, -2, "ok");
    if (rc != 0) {
        lua_pushstring(L, err[0] ? err : wee_strerror(rc));
        lua_setfield(L, -2, "error");
    }
    return 1;
}

int lua_api_open_http(lua_State *L)
{
    static const luaL_Reg fns[] = { { "request", http_request_fn }, { NULL, NULL } };
    luaL_newlib(L, fns);
    return 1;
}
