/*
 * modules/lua/lua_pattern.h - string.find/match/gmatch/gsub that stop at the sandbox's deadline
 * (see lua_pattern.c for why they are a copy of Lua's).
 */
#ifndef WEE_LUA_PATTERN_H
#define WEE_LUA_PATTERN_H
#include <lua.h>

/* Sets find, match, gmatch and gsub in the table at the top of the stack (the string library). */
void lua_pattern_install(lua_State *L);

#endif
