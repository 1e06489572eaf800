/*
 * modules/lua/lua_api_fs.c - fs.read/write/exists/list/move/delete, limited to allow_paths.
 *
 *   local text = fs.read("/data/in/a.txt")
 *   fs.write("/data/out/a.txt", text)          -- fs.write(path, data, true) appends
 *   if fs.exists(p) then ... end
 *   for _, name in ipairs(fs.list("/data/in")) do ... end   -- names, sorted
 *   fs.move(from, to); fs.delete(path)          -- a file or an empty folder
 *
 * Every path goes through lua_path_resolve (absolute, "..", symlinks of the existing part) and must
 * land inside one of the real paths of allow_paths; the resolved path is the one used, and lua_fsops
 * uses it without following links or trusting the name a second time (see lua_fsops.h). Failures
 * are Lua errors: "fs.read: '/etc/passwd' is outside allow_paths (/srv/in)".
 *
 * Memory the platform hands back (a file's bytes, a folder's names) is held in a box userdata whose
 * __gc frees it, so a memory-limit error while copying it into Lua cannot leak it.
 */
#include <stdlib.h>
#include <string.h>
#include <lauxlib.h>
#include "lua_action.h"
#include "lua_api.h"
#include "lua_fsops.h"
#include "lua_paths.h"

#define FS_BOX "wee.lua.fs_box"
#define FS_PATH_MAX 4096

typedef struct fs_box {
    char *data;      /* malloc'd */
    size_t len, cap;
    size_t count;    /* names in data, each NUL-terminated (fs.list) */
    size_t limit;    /* fs.list: bytes of names it may hold (the memory left in the state) */
    int too_big;
} fs_box;

static int fs_box_gc(lua_State *L)
{
    fs_box *b = luaL_checkudata(L, 1, FS_BOX);
    free(b->data);
    b->data = NULL;
    return 0;
}

static fs_box *fs_box_push(lua_State *L)
{
    fs_box *b = lua_newuserdatauv(L, sizeof *b, 0);
    memset(b, 0, sizeof *b);
    if (luaL_newmetatable(L, FS_BOX)) {
        lua_pushcfunction(L, fs_box_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    return b;
}

/* The checked, resolved form of argument `arg` into out (and t, whose path is out); raises a Lua error
 * naming fn otherwise. */
static void fs_checked_path(lua_State *L, int arg, const char *fn, char *out, fs_target *t)
{
    lua_sandbox *sb = sandbox_of(L);
    const char *path = luaL_checkstring(L, arg);
    const lua_action *a = sb->action;
    char err[600];
    if (!a || a->allow_count == 0) {
        luaL_error(L, "fs.%s: no folder is allowed; list the folders this script may use in the action's "
                   "\"allow_paths\"", fn);
        return;
    }
    if (lua_path_resolve(path, out, FS_PATH_MAX, err, sizeof err) != 0) {
        luaL_error(L, "fs.%s: %s", fn, err);
        return;
    }
    t->path = out;
    t->roots = a->allow_roots;
    t->root_count = a->allow_count;
    t->root = lua_path_root_of(out, a->allow_roots, a->allow_count);
    if (!t->root) {
        char roots[600];
        size_t o = 0;
        roots[0] = '\0';
        for (size_t i = 0; i < a->allow_count && o + 2 < sizeof roots; i++) {
            int n = snprintf(roots + o, sizeof roots - o, "%s%s", i ? ", " : "", a->allow_roots[i]);
            if (n < 0) break;
            o += (size_t)n;
            if (o >= sizeof roots) o = sizeof roots - 1;
        }
        if (strcmp(out, path) != 0)
            luaL_error(L, "fs.%s: '%s' (resolves to '%s') is outside allow_paths (%s)", fn, path, out, roots);
        else
            luaL_error(L, "fs.%s: '%s' is outside allow_paths (%s)", fn, path, roots);
    }
}

static int fs_read(lua_State *L)
{
    char path[FS_PATH_MAX], err[600];
    fs_target t;
    fs_checked_path(L, 1, "read", path, &t);
    lua_sandbox *sb = sandbox_of(L);
    /* The bytes are held outside the Lua allocator until copied in: never more than the state could take. */
    size_t left = sb->mem_limit > sb->mem_used ? sb->mem_limit - sb->mem_used : 0;
    fs_box *box = fs_box_push(L);
    if (fsops_read(&t, left, &box->data, &box->len, err, sizeof err) != 0) return luaL_error(L, "fs.read: %s", err);
    lua_pushlstring(L, box->data, box->len);
    return 1;
}

static int fs_write(lua_State *L)
{
    char path[FS_PATH_MAX], err[600];
    fs_target t;
    fs_checked_path(L, 1, "write", path, &t);
    size_t len;
    const char *data = luaL_checklstring(L, 2, &len);
    int append = lua_toboolean(L, 3);
    if (fsops_write(&t, data, len, append, err, sizeof err) != 0) return luaL_error(L, "fs.write: %s", err);
    lua_pushboolean(L, 1);
    return 1;
}

static int fs_exists(lua_State *L)
{
    char path[FS_PATH_MAX];
    fs_target t;
    fs_checked_path(L, 1, "exists", path, &t);
    lua_pushboolean(L, fsops_exists(&t));
    return 1;
}

static int fs_list_add(const char *name, int is_dir, void *ctx)
{
    (void)is_dir;
    fs_box *b = ctx;
    size_t n = strlen(name) + 1;
    /* Held outside the Lua allocator, then copied in: a folder of millions of names must stop at what
     * the state could take anyway (each name also costs a pointer and a Lua string). */
    if (b->len + n + (b->count + 1) * sizeof(char *) > b->limit) {
        b->too_big = 1;
        return 1;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 1024;
        while (cap < b->len + n) cap *= 2;
        char *d = realloc(b->data, cap);
        if (!d) return 1;
        b->data = d;
        b->cap = cap;
    }
    memcpy(b->data + b->len, name, n);
    b->len += n;
    b->count++;
    return 0;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int fs_list(lua_State *L)
{
    char path[FS_PATH_MAX], err[600];
    fs_target t;
    fs_checked_path(L, 1, "list", path, &t);
    fs_box *box = fs_box_push(L);
    lua_sandbox *sb = sandbox_of(L);
    box->limit = sb->mem_limit > sb->mem_used ? sb->mem_limit - sb->mem_used : 0;
    int rc = fsops_list(&t, fs_list_add, box, err, sizeof err);
    if (box->too_big)
        return luaL_error(L, "fs.list: '%s' holds more names than fit in the %d KB of memory_kb left", path,
                          (int)(box->limit / 1024));
    if (rc != 0) return luaL_error(L, "fs.list: %s", err);
    /* The name pointers live in a second box so a Lua error below frees them too. */
    fs_box *ptrs = fs_box_push(L);
    ptrs->data = malloc((box->count ? box->count : 1) * sizeof(char *));
    if (!ptrs->data) return luaL_error(L, "fs.list: out of memory");
    const char **names = (const char **)(void *)ptrs->data;
    size_t off = 0;
    for (size_t i = 0; i < box->count; i++) {
        names[i] = box->data + off;
        off += strlen(box->data + off) + 1;
    }
    qsort(names, box->count, sizeof *names, name_cmp);
    lua_createtable(L, (int)box->count, 0);
    for (size_t i = 0; i < box->count; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

static int fs_move(lua_State *L)
{
    char from[FS_PATH_MAX], to[FS_PATH_MAX], err[600];
    fs_target tf, tt;
    fs_checked_path(L, 1, "move", from, &tf);
    fs_checked_path(L, 2, "move", to, &tt);
    if (fsops_move(&tf, &tt, err, sizeof err) != 0) return luaL_error(L, "fs.move: %s", err);
    lua_pushboolean(L, 1);
    return 1;
}

static int fs_delete(lua_State *L)
{
    char path[FS_PATH_MAX], err[600];
    fs_target t;
    fs_checked_path(L, 1, "delete", path, &t);
    const lua_action *a = sandbox_of(L)->action;
    for (size_t i = 0; i < a->allow_count; i++)
        if (strcmp(path, a->allow_roots[i]) == 0)
            return luaL_error(L, "fs.delete: '%s' is an allowed folder itself; only what is inside may be deleted",
                              path);
    if (fsops_delete(&t, err, sizeof err) != 0) return luaL_error(L, "fs.delete: %s", err);
    lua_pushboolean(L, 1);
    return 1;
}

int lua_api_open_fs(lua_State *L)
{
    static const luaL_Reg fns[] = {
        { "read", fs_read }, { "write", fs_write }, { "exists", fs_exists }, { "list", fs_list },
        { "move", fs_move }, { "delete", fs_delete }, { NULL, NULL }
    };
    luaL_newlib(L, fns);
    return 1;
}
