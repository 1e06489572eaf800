/*
 * modules/lua/lua_fsops.h - the file operations behind fs.*, one implementation per OS:
 * lua_fsops_posix.c, lua_fsops_win32.c.
 *
 * The path was resolved and checked against allow_paths by name (lua_paths.h); between that check and
 * the use another process may swap a folder on the way for a symbolic link or junction. So the use
 * never trusts the name:
 * - POSIX: it walks from the allowed root one component at a time with openat(O_NOFOLLOW): a link met
 *   anywhere below the root, whenever it appeared, is refused, never followed; the last step works on
 *   the folder's descriptor (openat, fstatat, unlinkat, renameat).
 * - Windows: it opens a handle without following a reparse point at the last component
 *   (FILE_FLAG_OPEN_REPARSE_POINT), asks the handle where it really is (GetFinalPathNameByHandleW) and
 *   checks that path against allow_paths again; what is read, written, deleted or renamed is that handle.
 * Only regular files are read or written: a folder, a device (/dev/zero), a FIFO or a socket is refused
 * before it is opened for I/O, so nothing blocks and nothing grows without end. Reads stop at `limit`
 * bytes (the memory the Lua state has left). Errors: negative WEE_E* and one line in err.
 */
#ifndef WEE_LUA_FSOPS_H
#define WEE_LUA_FSOPS_H
#include <stddef.h>
#include "platform/platform.h"

typedef struct fs_target {
    const char *path;        /* resolved (lua_path_resolve) and inside root */
    const char *root;        /* the allow_paths real path it lies in */
    char *const *roots;      /* every allowed root (Windows checks a handle's final path against them) */
    size_t root_count;
} fs_target;

/* The whole file into a malloc'd buffer (*data, free()); refused past limit bytes. */
int fsops_read(const fs_target *t, size_t limit, char **data, size_t *len, char *err, size_t err_size);
int fsops_write(const fs_target *t, const char *data, size_t len, int append, char *err, size_t err_size);
int fsops_move(const fs_target *from, const fs_target *to, char *err, size_t err_size);
/* Deletes a file, a link itself, or an empty folder. */
int fsops_delete(const fs_target *t, char *err, size_t err_size);
/* 1 if something (a link included) is there, 0 otherwise (also when the way there is refused). */
int fsops_exists(const fs_target *t);
/* Calls fn for each entry of the folder except "." and ".."; 0, or a negative code with err set. */
int fsops_list(const fs_target *t, plat_dir_fn fn, void *ctx, char *err, size_t err_size);

#endif
