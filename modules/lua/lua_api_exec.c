/*
 * modules/lua/lua_api_exec.c - exec.run(argv, {timeout_ms=, cwd=}) -> {exit_code=, stdout=, stderr=,
 * timed_out=, ok=}.
 *
 *   local r = exec.run({"git", "-C", dir, "status", "--short"}, {timeout_ms = 2000})
 *   if r.exit_code ~= 0 then return {ok = false, message = r.stderr} end
 *
 * Only with "allow_exec": true on the action (a child process is outside every sandbox rule).
 * No shell: argv reaches the program as given (plat_process_run, like the exec action), with
 * WEE_ENGINE_CHILD=1 in its environment (information for the child; by_engine comes from parent pids). The child's time is capped by what is left of the script's
 * own timeout_ms, since the instruction hook cannot fire while the script waits in C.
 * stdout and stderr are kept up to 1 MB each.
 */
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include "lua_action.h"
#include "lua_api.h"
#include "platform/platform.h"

#define EXEC_ARGS_MAX 256
#define EXEC_CAPTURE_MAX (1024 * 1024)
#define EXEC_BOX "wee.lua.exec_box"

static int exec_box_gc(lua_State *L)
{
    plat_process_result *r = luaL_checkudata(L, 1, EXEC_BOX);
    plat_process_result_free(r);
    memset(r, 0, sizeof *r);
    return 0;
}

static int exec_run(lua_State *L)
{
    lua_sandbox *sb = sandbox_of(L);
    if (!sb->action || !sb->action->allow_exec)
        return luaL_error(L, "exec.run: running programs is off for this action; set \"allow_exec\": true");
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 2); /* argv strings are pushed above the options from here on */
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    if (n < 1) return luaL_error(L, "exec.run: argv must list the program and its arguments, e.g. {\"ls\", \"-l\"}");
    if (n > EXEC_ARGS_MAX) return luaL_error(L, "exec.run: more than %d arguments", EXEC_ARGS_MAX);
    const char *argv[EXEC_ARGS_MAX + 1];
    luaL_checkstack(L, (int)n + 8, "exec.run: too many arguments");
    for (lua_Integer i = 1; i <= n; i++) {
        if (lua_rawgeti(L, 1, i) != LUA_TSTRING && !lua_isnumber(L, -1))
            return luaL_error(L, "exec.run: argv[%d] is a %s; give strings", (int)i, luaL_typename(L, -1));
        argv[i - 1] = lua_tostring(L, -1); /* stays on the stack, so the pointer stays valid */
    }
    argv[n] = NULL;

    int64_t left = sandbox_remaining_ms(sb), timeout = left;
    const char *cwd = NULL;
    if (lua_type(L, 2) == LUA_TTABLE) {
        if (lua_getfield(L, 2, "timeout_ms") != LUA_TNIL) {
            lua_Integer t = luaL_checkinteger(L, -1);
            if (t > 0 && t < timeout) timeout = t;
        }
        lua_pop(L, 1);
        if (lua_getfield(L, 2, "cwd") == LUA_TSTRING) cwd = lua_tostring(L, -1);
        else lua_pop(L, 1);
    } else if (!lua_isnoneornil(L, 2)) {
        return luaL_error(L, "exec.run: the second argument is a table of options ({timeout_ms = 1000})");
    }

    static const char *const env_add[] = { "WEE_ENGINE_CHILD=1", NULL };
    plat_process_spec spec;
    memset(&spec, 0, sizeof spec);
    spec.argv = argv;
    spec.env_add = env_add;
    spec.cwd = cwd;
    spec.timeout_ms = timeout;
    spec.stdout_max = EXEC_CAPTURE_MAX;
    spec.stderr_max = EXEC_CAPTURE_MAX;
    spec.capture_stderr = 1;

    plat_process_result *res = lua_newuserdatauv(L, sizeof *res, 0);
    memset(res, 0, sizeof *res);
    if (luaL_newmetatable(L, EXEC_BOX)) {
        lua_pushcfunction(L, exec_box_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    int rc = plat_process_run(&spec, res);
    if (rc != 0 || !res->started)
        return luaL_error(L, "exec.run: cannot start '%s': %s", argv[0],
                          res->error[0] ? res->error : wee_strerror(rc ? rc : WEE_EFAILED));

    lua_createtable(L, 0, 5);
    lua_pushinteger(L, res->exit_code);
    lua_setfield(L, -2, "exit_code");
    lua_pushlstring(L, res->out ? res->out : "", res->out ? res->out_len : 0);
    lua_setfield(L, -2, "stdout");
    lua_pushlstring(L, res->err ? res->err : "", res->err ? res->err_len : 0);
    lua_setfield(L, -2, "stderr");
    lua_pushboolean(L, res->timed_out);
    lua_setfield(L, -2, "timed_out");
    lua_pushboolean(L, !res->timed_out && res->exit_code == 0);
    lua_setfield(L, -2, "ok");
    return 1;
}

int lua_api_open_exec(lua_State *L)
{
    static const luaL_Reg fns[] = { { "run", exec_run }, { NULL, NULL } };
    luaL_newlib(L, fns);
    return 1;
}
