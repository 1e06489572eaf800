/*
 * modules/lua/lua_paths.h - where a script's fs.* call may go: normalisation and the allow_paths check.
 *
 * lua_path_resolve turns a script's path into the path actually used: it must be absolute; "." and
 * ".." are resolved lexically; then the longest part that exists is replaced by its real path
 * (plat_realpath: symlinks, junctions, case) and the rest (names that do not exist yet) appended.
 * The result is what the check sees and the path the file operation uses, so a link inside an allowed
 * folder that points outside it resolves to the outside path and is refused. The use does not trust
 * the name a second time: lua_fsops.h walks it without following links (or checks the handle).
 * Separators: '/' on POSIX; on Windows '/' and '\' are both accepted and '\' is produced.
 */
#ifndef WEE_LUA_PATHS_H
#define WEE_LUA_PATHS_H
#include <stddef.h>

/* 0 and the resolved path in out, or a negative WEE_E* code with a one-line reason in err. */
int lua_path_resolve(const char *path, char *out, size_t out_size, char *err, size_t err_size);

/* Lexical part only (no file system access): absolute check, separators, "." and "..".
 * 0, or WEE_EINVAL with the reason in err. */
int lua_path_normalize(const char *path, char *out, size_t out_size, char *err, size_t err_size);

/* The root of roots that resolved equals or lies below (component-wise; case-insensitive on Windows),
 * the first that matches; NULL when none. */
const char *lua_path_root_of(const char *resolved, char *const *roots, size_t root_count);

#endif
