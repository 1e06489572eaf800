/*
 * modules/lua/lua_fsops.h - the file operations fs.* needs beyond core/platform (write, move, delete),
 * one implementation per OS: lua_fsops_posix.c, lua_fsops_win32.c.
 *
 * Paths are already resolved and checked (lua_paths.h). A write never follows a symlink at the final
 * component (that would be a dangling link, since resolution replaced live ones), so a link planted
 * inside an allowed folder cannot redirect the write. Errors: negative WEE_E* and one line in err.
 */
#ifndef WEE_LUA_FSOPS_H
#define WEE_LUA_FSOPS_H
#include <stddef.h>

int fsops_write(const char *path, const char *data, size_t len, int append, char *err, size_t err_size);
int fsops_move(const char *from, const char *to, char *err, size_t err_size);
/* Size in bytes of a file (fs.read refuses one larger than the memory left before reading it). */
int fsops_file_size(const char *path, unsigned long long *size, char *err, size_t err_size);
/* Deletes a file or an empty folder. */
int fsops_delete(const char *path, char *err, size_t err_size);

#endif
