/*
 * modules/lua/lua_tablib.c - table.insert/remove/move/concat/unpack/sort that stop at the sandbox's
 * deadline.
 *
 * Why: Lua's own versions loop in C over a range the script chooses (arguments, or #t through a
 * __len metamethod) without running a VM instruction, and need not allocate either: reading and
 * writing nil slots of an empty table costs no memory, and a C function used as __index/__newindex
 * (rawlen, rawequal, ...) runs no Lua code. `table.move({}, 1, 2^53, 2)` therefore spun forever
 * past timeout_ms. These versions keep Lua 5.4's behaviour (arguments, errors, metamethods) and count
 * one step per element; every SANDBOX_STEPS_PER_CHECK steps the deadline is checked
 * (sandbox_step), so they end with "timeout after N ms" like a Lua loop would.
 *
 * table.sort is a heap sort (O(n log n) in every case, any order function); Lua's quicksort is not
 * stable either, so no script may rely on the order of equal elements. table.pack is Lua's own: it
 * loops over its arguments only, which the Lua stack limit bounds.
 */
#include <limits.h>
#include <lauxlib.h>
#include "lua_sandbox.h"
#include "lua_tablib.h"

#define TAB_R 1
#define TAB_W 2
#define TAB_L 4

static int has_field(lua_State *L, const char *key)
{
    lua_pushstring(L, key);
    int t = lua_rawget(L, -2);
    lua_pop(L, 1);
    return t != LUA_TNIL;
}

/* arg is a table, or has a metatable with the metamethods `what` needs (as Lua's checktab). */
static void check_table(lua_State *L, int arg, int what)
{
    if (lua_type(L, arg) == LUA_TTABLE) return;
    int ok = 0;
    if (lua_getmetatable(L, arg)) {
        ok = (!(what & TAB_R) || has_field(L, "__index")) && (!(what & TAB_W) || has_field(L, "__newindex")) &&
             (!(what & TAB_L) || has_field(L, "__len"));
        lua_pop(L, 1);
    }
    if (!ok) luaL_checktype(L, arg, LUA_TTABLE); /* raises Lua's own message */
}

static lua_Integer length_of(lua_State *L, int arg, int what)
{
    check_table(L, arg, what | TAB_L);
    return luaL_len(L, arg);
}

static int tab_insert(lua_State *L)
{
    lua_Integer e = length_of(L, 1, TAB_R | TAB_W);
    e = (lua_Integer)((lua_Unsigned)e + 1u); /* first empty slot (wraps like Lua's luaL_intop) */
    lua_Integer pos;
    switch (lua_gettop(L)) {
    case 2:
        pos = e;
        break;
    case 3: {
        pos = luaL_checkinteger(L, 2);
        luaL_argcheck(L, (lua_Unsigned)pos - 1u < (lua_Unsigned)e, 2, "position out of bounds");
        sandbox_steps steps;
        sandbox_steps_init(&steps, L);
        for (lua_Integer i = e; i > pos; i--) {
            sandbox_step(&steps);
            lua_geti(L, 1, i - 1);
            lua_seti(L, 1, i);
        }
        break;
    }
    default:
        return luaL_error(L, "wrong number of arguments to 'insert'");
    }
    lua_seti(L, 1, pos);
    return 0;
}

static int tab_remove(lua_State *L)
{
    lua_Integer size = length_of(L, 1, TAB_R | TAB_W);
    lua_Integer pos = luaL_optinteger(L, 2, size);
    if (pos != size)
        luaL_argcheck(L, (lua_Unsigned)pos - 1u <= (lua_Unsigned)size, 2, "position out of bounds");
    lua_geti(L, 1, pos);
    sandbox_steps steps;
    sandbox_steps_init(&steps, L);
    for (; pos < size; pos++) {
        sandbox_step(&steps);
        lua_geti(L, 1, pos + 1);
        lua_seti(L, 1, pos);
    }
    lua_pushnil(L);
    lua_seti(L, 1, pos);
    return 1;
}

static int tab_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3), t = luaL_checkinteger(L, 4);
    int tt = !lua_isnoneornil(L, 5) ? 5 : 1;
    check_table(L, 1, TAB_R);
    check_table(L, tt, TAB_W);
    if (e >= f) {
        luaL_argcheck(L, f > 0 || e < LUA_MAXINTEGER + f, 3, "too many elements to move");
        lua_Integer n = e - f + 1;
        luaL_argcheck(L, t <= LUA_MAXINTEGER - n + 1, 4, "destination wrap around");
        sandbox_steps steps;
        sandbox_steps_init(&steps, L);
        /* Increasing order unless the ranges overlap with the destination after the source. */
        if (t > e || t <= f || (tt != 1 && !lua_compare(L, 1, tt, LUA_OPEQ))) {
            for (lua_Integer i = 0; i < n; i++) {
                sandbox_step(&steps);
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        } else {
            for (lua_Integer i = n - 1; i >= 0; i--) {
                sandbox_step(&steps);
                lua_geti(L, 1, f + i);
                lua_seti(L, tt, t + i);
            }
        }
    }
    lua_pushvalue(L, tt);
    return 1;
}

static void concat_field(lua_State *L, luaL_Buffer *b, lua_Integer i)
{
    lua_geti(L, 1, i);
    if (!lua_isstring(L, -1))
        luaL_error(L, "invalid value (%s) at index %I in table for 'concat'", luaL_typename(L, -1),
                   (LUAI_UACINT)i);
    luaL_addvalue(b);
}

static int tab_concat(lua_State *L)
{
    lua_Integer last = length_of(L, 1, TAB_R);
    size_t lsep;
    const char *sep = luaL_optlstring(L, 2, "", &lsep);
    lua_Integer i = luaL_optinteger(L, 3, 1);
    last = luaL_optinteger(L, 4, last);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    sandbox_steps steps;
    sandbox_steps_init(&steps, L);
    for (; i < last; i++) {
        sandbox_step(&steps);
        concat_field(L, &b, i);
        luaL_addlstring(&b, sep, lsep);
    }
    if (i == last) concat_field(L, &b, i);
    luaL_pushresult(&b);
    return 1;
}

static int tab_unpack(lua_State *L)
{
    lua_Integer i = luaL_optinteger(L, 2, 1);
    lua_Integer e = lua_isnoneornil(L, 3) ? luaL_len(L, 1) : luaL_checkinteger(L, 3);
    if (i > e) return 0;
    lua_Unsigned n = (lua_Unsigned)e - (lua_Unsigned)i; /* count minus 1, without overflow */
    if (n >= (unsigned int)INT_MAX || !lua_checkstack(L, (int)(++n)))
        return luaL_error(L, "too many results to unpack");
    sandbox_steps steps;
    sandbox_steps_init(&steps, L);
    for (; i < e; i++) {
        sandbox_step(&steps);
        lua_geti(L, 1, i);
    }
    lua_geti(L, 1, e);
    return (int)n;
}

/* --- sort --- */

typedef struct sorter {
    lua_State *L;
    int has_comp;
    sandbox_steps steps;
} sorter;

/* a < b for the values at stack indices ia, ib (absolute). */
static int sort_less(sorter *s, int ia, int ib)
{
    lua_State *L = s->L;
    sandbox_step(&s->steps);
    if (!s->has_comp) return lua_compare(L, ia, ib, LUA_OPLT);
    lua_pushvalue(L, 2);
    lua_pushvalue(L, ia);
    lua_pushvalue(L, ib);
    lua_call(L, 2, 1);
    int r = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return r;
}

/* Moves t[root] down the heap t[1..end]: children larger than it move up one level, and it lands in
 * the hole they leave. */
static void sift_down(sorter *s, lua_Integer root, lua_Integer end)
{
    lua_State *L = s->L;
    lua_geti(L, 1, root);
    int v = lua_gettop(L);
    for (;;) {
        lua_Integer child = root * 2;
        if (child > end) break;
        lua_geti(L, 1, child);
        if (child + 1 <= end) {
            lua_geti(L, 1, child + 1);
            if (sort_less(s, v + 1, v + 2)) {
                lua_remove(L, v + 1);
                child++;
            } else {
                lua_pop(L, 1);
            }
        }
        if (!sort_less(s, v, v + 1)) {
            lua_pop(L, 1);
            break;
        }
        lua_seti(L, 1, root); /* the larger child moves up into the hole */
        root = child;
    }
    lua_seti(L, 1, root);
}

static int tab_sort(lua_State *L)
{
    lua_Integer n = length_of(L, 1, TAB_R | TAB_W);
    if (n > 1) {
        luaL_argcheck(L, n < INT_MAX, 1, "array too big");
        sorter s;
        s.L = L;
        s.has_comp = !lua_isnoneornil(L, 2);
        if (s.has_comp) luaL_checktype(L, 2, LUA_TFUNCTION);
        lua_settop(L, 2);
        luaL_checkstack(L, 8, "table.sort");
        sandbox_steps_init(&s.steps, L);
        for (lua_Integer i = n / 2; i >= 1; i--) sift_down(&s, i, n);
        for (lua_Integer end = n; end > 1; end--) {
            lua_geti(L, 1, 1);
            lua_geti(L, 1, end);
            lua_seti(L, 1, 1);   /* t[1] = t[end] */
            lua_seti(L, 1, end); /* t[end] = the largest */
            sift_down(&s, 1, end - 1);
        }
    }
    return 0;
}

void lua_tablib_install(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "insert", tab_insert }, { "remove", tab_remove }, { "move", tab_move }, { "concat", tab_concat },
        { "unpack", tab_unpack }, { "sort", tab_sort }, { NULL, NULL }
    };
    luaL_setfuncs(L, fns, 0);
}
