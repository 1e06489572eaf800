/*
 * modules/lua/lua_api_log.c - log.debug/info/warn/error(msg): one line in the engine's log,
 * attributed to the rule ("lua: rule 'x': msg"). Any value is accepted (tostring'd).
 */
#include <lauxlib.h>
#include "lua_action.h"
#include "lua_api.h"

void lua_api_log_line(lua_sandbox *sb, wee_log_level level, const char *text)
{
    const char *rule = sb->call && sb->host->call_rule_name ? sb->host->call_rule_name(sb->call) : NULL;
    sb->host->log(level, LUA_MODULE_NAME, "rule '%s': %s", rule ? rule : "?", text ? text : "");
}

static int log_at(lua_State *L, wee_log_level level)
{
    lua_sandbox *sb = sandbox_of(L);
    if (!sb->host->log_enabled(level)) return 0;
    lua_api_log_line(sb, level, luaL_tolstring(L, 1, NULL));
    return 0;
}

static int log_debug(lua_State *L) { return log_at(L, WEE_LOG_DEBUG); }
static int log_info(lua_State *L) { return log_at(L, WEE_LOG_INFO); }
static int log_warn(lua_State *L) { return log_at(L, WEE_LOG_WARN); }
static int log_error(lua_State *L) { return log_at(L, WEE_LOG_ERROR); }

int lua_api_open_log(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "debug", log_debug }, { "info", log_info }, { "warn", log_warn }, { "error", log_error },
        { NULL, NULL }
    };
    luaL_newlib(L, fns);
    return 1;
}

