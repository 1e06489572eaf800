/*
 * modules/lua/lua_api_json.c - json.encode(value) -> string, json.decode(string) -> value, json.null.
 *
 * Mapping: tables whose keys are exactly 1..n (n >= 1) are arrays, other tables objects (string keys
 * only), the empty table is {}; integers stay integers; json.null <-> null. Decoded numbers that are
 * whole and fit in 64 bits become integers (cJSON parses through a double: exact up to 2^53).
 *
 * Errors are Lua errors: "json.encode: cannot encode a function value at $.a[2]",
 * "json.decode: invalid JSON at byte 14 (line 2, column 3)".
 *
 * The cJSON tree and printed text live in a box userdata whose __gc frees them, so a Lua error (a
 * memory limit hit while building the result) cannot leak them. The box never reaches the script.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include <cjson/cJSON.h>
#include "lua_api.h"

#define JSON_MAX_DEPTH 100
#define JSON_BOX "wee.lua.json_box"
#define JSON_DECODE_RATIO 8

static const char json_null_tag = 0; /* &json_null_tag is json.null's light userdata */

typedef struct json_box {
    cJSON *tree;
    char *text;
} json_box;

static int json_box_gc(lua_State *L)
{
    json_box *b = luaL_checkudata(L, 1, JSON_BOX);
    cJSON_Delete(b->tree);
    if (b->text) cJSON_free(b->text);
    b->tree = NULL;
    b->text = NULL;
    return 0;
}

static json_box *json_box_push(lua_State *L)
{
    json_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    b->tree = NULL;
    b->text = NULL;
    if (luaL_newmetatable(L, JSON_BOX)) {
        lua_pushcfunction(L, json_box_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b;
}

/* JSON path of the value being encoded, for error messages. */
typedef struct json_path {
    char text[256];
    size_t len;
} json_path;

static size_t path_append(json_path *p, const char *text)
{
    size_t old = p->len, n = strlen(text);
    if (p->len + n >= sizeof p->text) n = sizeof p->text - 1 - p->len;
    memcpy(p->text + p->len, text, n);
    p->len += n;
    p->text[p->len] = '\0';
    return old;
}

static size_t path_push_index(json_path *p, size_t i)
{
    char part[32];
    snprintf(part, sizeof part, "[%zu]", i);
    return path_append(p, part);
}

static size_t path_push_key(json_path *p, const char *key)
{
    size_t old = path_append(p, ".");
    path_append(p, key);
    return old;
}

/* Returns NULL with err filled on failure. Never raises a Lua error (the tree would leak). */
typedef struct json_enc {
    json_path path;
    size_t budget; /* bytes the result may still take: what is left of memory_kb */
    unsigned steps; /* values visited: the deadline is looked at every SANDBOX_STEPS_PER_CHECK */
    int timed_out;
    char err[400];
} json_enc;

static cJSON *encode_value(lua_State *L, int idx, int depth, json_enc *e);

/* The output is copied into the Lua state at the end, so it can never be larger than the memory left
 * there; stopping early also keeps cJSON (outside the limit) from copying one big string many times. */
static int spend(json_enc *e, size_t bytes)
{
    if (bytes > e->budget) {
        snprintf(e->err, sizeof e->err, "the result would not fit in what is left of memory_kb (at %s)", e->path.text);
        return 0;
    }
    e->budget -= bytes;
    return 1;
}

static int table_is_array(lua_State *L, int idx, size_t *n_out)
{
    size_t n = (size_t)lua_rawlen(L, idx), keys = 0;
    if (n == 0) return 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        keys++;
        if (!lua_isinteger(L, -1)) { lua_pop(L, 1); return 0; }
        lua_Integer k = lua_tointeger(L, -1);
        if (k < 1 || (size_t)k > n) { lua_pop(L, 1); return 0; }
    }
    *n_out = n;
    return keys == n;
}

static cJSON *encode_table(lua_State *L, int idx, int depth, json_enc *e)
{
    json_path *path = &e->path;
    char *err = e->err;
    size_t err_size = sizeof e->err;
    size_t n = 0;
    if (table_is_array(L, idx, &n)) {
        cJSON *arr = cJSON_CreateArray();
        if (!arr) { snprintf(err, err_size, "out of memory"); return NULL; }
        for (size_t i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, (lua_Integer)i);
            size_t mark = path_push_index(path, i);
            cJSON *item = encode_value(L, lua_gettop(L), depth + 1, e);
            path->len = mark;
            path->text[mark] = '\0';
            lua_pop(L, 1);
            if (!item) { cJSON_Delete(arr); return NULL; }
            cJSON_AddItemToArray(arr, item);
        }
        return arr;
    }
    cJSON *obj = cJSON_CreateObject();
    if (!obj) { snprintf(err, err_size, "out of memory"); return NULL; }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        if (lua_type(L, -2) != LUA_TSTRING) {
            snprintf(err, err_size, "cannot encode a table with a %s key at %s (object keys must be strings)",
                     lua_typename(L, lua_type(L, -2)), path->text);
            lua_pop(L, 2);
            cJSON_Delete(obj);
            return NULL;
        }
        size_t klen;
        const char *key = lua_tolstring(L, -2, &klen);
        size_t mark = path_push_key(path, key);
        if (!spend(e, klen + 3)) { path->len = mark; path->text[mark] = '\0'; lua_pop(L, 2); cJSON_Delete(obj); return NULL; }
        cJSON *item = strlen(key) != klen ? NULL : encode_value(L, lua_gettop(L), depth + 1, e);
        if (strlen(key) != klen) snprintf(err, err_size, "cannot encode a key with a NUL byte at %s", path->text);
        path->len = mark;
        path->text[mark] = '\0';
        lua_pop(L, 1);
        if (!item) { lua_pop(L, 1); cJSON_Delete(obj); return NULL; }
        cJSON_AddItemToObject(obj, key, item);
    }
    return obj;
}

static cJSON *encode_value(lua_State *L, int idx, int depth, json_enc *e)
{
    json_path *path = &e->path;
    char *err = e->err;
    size_t err_size = sizeof e->err;
    if (depth > JSON_MAX_DEPTH || !lua_checkstack(L, 4)) {
        snprintf(err, err_size, "nesting deeper than %d at %s (a table that contains itself?)", JSON_MAX_DEPTH,
                 path->text);
        return NULL;
    }
    cJSON *item = NULL;
    /* A table reached many times (t = {a, a}, a = {b, b}, ...) makes the walk long for little memory. */
    if (++e->steps % SANDBOX_STEPS_PER_CHECK == 0 && sandbox_deadline_passed(L)) {
        e->timed_out = 1;
        snprintf(err, err_size, "deadline passed");
        return NULL;
    }
    if (!spend(e, 8)) return NULL;
    switch (lua_type(L, idx)) {
    case LUA_TNIL: item = cJSON_CreateNull(); break;
    case LUA_TBOOLEAN: item = cJSON_CreateBool(lua_toboolean(L, idx)); break;
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx)) {
            char num[32];
            snprintf(num, sizeof num, "%lld", (long long)lua_tointeger(L, idx));
            item = cJSON_CreateRaw(num); /* exact beyond 2^53, unlike a double */
        } else {
            double d = (double)lua_tonumber(L, idx);
            if (!isfinite(d)) {
                snprintf(err, err_size, "cannot encode %s at %s (JSON has no NaN or infinity)",
                         isnan(d) ? "NaN" : "infinity", path->text);
                return NULL;
            }
            item = cJSON_CreateNumber(d);
        }
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        if (!spend(e, len + 2)) return NULL;
        if (strlen(s) != len) {
            snprintf(err, err_size, "cannot encode a string with a NUL byte at %s", path->text);
            return NULL;
        }
        item = cJSON_CreateString(s);
        break;
    }
    case LUA_TTABLE: return encode_table(L, idx, depth, e);
    case LUA_TLIGHTUSERDATA:
        if (lua_touserdata(L, idx) == &json_null_tag) { item = cJSON_CreateNull(); break; }
        /* fall through */
    default:
        snprintf(err, err_size, "cannot encode a %s value at %s", lua_typename(L, lua_type(L, idx)), path->text);
        return NULL;
    }
    if (!item) snprintf(err, err_size, "out of memory");
    return item;
}

static int json_encode(lua_State *L)
{
    luaL_checkany(L, 1);
    lua_settop(L, 1);
    json_box *box = json_box_push(L); /* index 2 */
    lua_sandbox *sb = sandbox_of(L);
    json_enc e;
    memset(&e, 0, sizeof e);
    snprintf(e.path.text, sizeof e.path.text, "$");
    e.path.len = 1;
    e.budget = sb->mem_limit > sb->mem_used ? sb->mem_limit - sb->mem_used : 0;
    box->tree = encode_value(L, 1, 0, &e);
    if (!box->tree && e.timed_out) sandbox_check_deadline(L); /* raises the timeout, nothing is held */
    if (!box->tree) return luaL_error(L, "json.encode: %s", e.err);
    box->text = cJSON_PrintUnformatted(box->tree);
    if (!box->text) return luaL_error(L, "json.encode: out of memory");
    lua_pushstring(L, box->text);
    return 1;
}

static void decode_push(lua_State *L, const cJSON *item, int depth)
{
    luaL_checkstack(L, 4, "json.decode: nesting too deep");
    if (cJSON_IsNull(item)) lua_pushlightuserdata(L, (void *)&json_null_tag);
    else if (cJSON_IsTrue(item)) lua_pushboolean(L, 1);
    else if (cJSON_IsFalse(item)) lua_pushboolean(L, 0);
    else if (cJSON_IsNumber(item)) {
        double d = item->valuedouble;
        if (d == floor(d) && d >= -9223372036854775808.0 && d < 9223372036854775808.0)
            lua_pushinteger(L, (lua_Integer)d);
        else
            lua_pushnumber(L, (lua_Number)d);
    } else if (cJSON_IsString(item)) lua_pushstring(L, item->valuestring);
    else if (cJSON_IsArray(item)) {
        lua_createtable(L, cJSON_GetArraySize(item), 0);
        lua_Integer i = 1;
        for (const cJSON *c = item->child; c; c = c->next) {
            decode_push(L, c, depth + 1);
            lua_rawseti(L, -2, i++);
        }
    } else if (cJSON_IsObject(item)) {
        lua_createtable(L, 0, cJSON_GetArraySize(item));
        for (const cJSON *c = item->child; c; c = c->next) {
            decode_push(L, c, depth + 1);
            lua_setfield(L, -2, c->string ? c->string : "");
        }
    } else lua_pushnil(L);
}

static int json_decode(lua_State *L)
{
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    lua_settop(L, 1);
    /* cJSON's tree lives outside the limit and takes up to ~32 bytes per input byte ("[0,0,...]"):
     * bound it to a few times memory_kb. */
    lua_sandbox *sb = sandbox_of(L);
    if (len > sb->mem_limit / JSON_DECODE_RATIO)
        return luaL_error(L, "json.decode: %d KB of text is more than memory_kb/%d allows; raise memory_kb",
                          (int)(len / 1024), JSON_DECODE_RATIO);
    json_box *box = json_box_push(L);
    const char *end = NULL;
    /* len + 1: the terminating NUL Lua keeps after every string, so trailing garbage is refused. */
    box->tree = cJSON_ParseWithLengthOpts(text, len + 1, &end, 1);
    if (!box->tree || (end && (size_t)(end - text) < len)) {
        size_t pos = end && end >= text ? (size_t)(end - text) : 0, line = 1, col = 1;
        if (pos > len) pos = len;
        for (size_t i = 0; i < pos; i++) {
            if (text[i] == '\n') { line++; col = 1; } else col++;
        }
        return luaL_error(L, "json.decode: invalid JSON at byte %d (line %d, column %d)", (int)pos + 1, (int)line,
                          (int)col);
    }
    decode_push(L, box->tree, 0);
    return 1;
}

int lua_api_open_json(lua_State *L)
{
    static const luaL_Reg fns[] = { { "encode", json_encode }, { "decode", json_decode }, { NULL, NULL } };
    luaL_newlib(L, fns);
    lua_pushlightuserdata(L, (void *)&json_null_tag);
    lua_setfield(L, -2, "null");
    return 1;
}
