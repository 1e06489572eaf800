/*
 * modules/lua/lua_api.h - the engine API a script sees: log, json, fs, exec, http, emit.
 *
 * Each lua_api_<name>.c makes one table through lua_api_open_<name> (luaopen style: pushes it,
 * returns 1); the sandbox publishes it as a global opened on first use (lua_sandbox.c). emit is a
 * plain global function (lua_api_open_emit sets it). Functions find their sandbox, action and call through
 * sandbox_of(L). A function that cannot do what it was asked raises a Lua error naming itself
 * ("fs.read: ...") so the script sees a clear reason and may pcall it.
 */
#ifndef WEE_LUA_API_H
#define WEE_LUA_API_H

#include <lua.h>
#include "lua_sandbox.h"

int lua_api_open_log(lua_State *L);
int lua_api_open_json(lua_State *L);
int lua_api_open_fs(lua_State *L);
int lua_api_open_exec(lua_State *L);
int lua_api_open_http(lua_State *L);
void lua_api_open_emit(lua_State *L);

/* One log line attributed to the rule of the run in progress. */
void lua_api_log_line(lua_sandbox *sb, wee_log_level level, const char *text);

/* module_init / module_shutdown work of the http API (curl_global_init / cleanup). */
int lua_api_http_global_init(char *err, size_t err_size);
void lua_api_http_global_cleanup(void);
/* Frees a slot's CURL handle. */
void lua_api_http_handle_free(void *curl);

#endif
