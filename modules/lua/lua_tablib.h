/*
 * modules/lua/lua_tablib.h - the table functions that loop over a script-chosen range, with the
 * sandbox's deadline checked while they run (see lua_tablib.c for why).
 */
#ifndef WEE_LUA_TABLIB_H
#define WEE_LUA_TABLIB_H
#include <lua.h>

/* Sets insert, remove, move, concat, unpack and sort in the table at the top of the stack (the table
 * library opened by luaopen_table). */
void lua_tablib_install(lua_State *L);

#endif
