/*
 * modules/lua/lua_paths.c - normalising a script's path and checking it against allow_paths.
 * See lua_paths.h for the rules.
 */
#include <stdio.h>
#include <string.h>
#include "lua_paths.h"
#include "platform/platform.h"
#include "util/path_name.h"
#include "wee/errors.h"

#ifdef _WIN32
#define SEP '\\'
static char fold(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }
#else
#define SEP '/'
static char fold(char c) { return c; }
#endif

#define MAX_COMPONENTS 256

/* Length of the root ("/", "C:\", "\\server\share\") at the start of path; 0 if path is relative. */
static size_t root_length(const char *p)
{
#ifdef _WIN32
    if (((p[0] >= 'A' && p[0] <= 'Z') || (p[0] >= 'a' && p[0] <= 'z')) && p[1] == ':' && path_is_sep(p[2])) return 3;
    if (path_is_sep(p[0]) && path_is_sep(p[1]) && p[2] && !path_is_sep(p[2])) {
        /* UNC: \\server\share\ - two names after the leading separators. */
        size_t i = 2;
        while (p[i] && !path_is_sep(p[i])) i++;
        if (!p[i]) return 0;
        i++;
        if (!p[i] || path_is_sep(p[i])) return 0;
        while (p[i] && !path_is_sep(p[i])) i++;
        return p[i] ? i + 1 : i;
    }
    return 0;
#else
    return p[0] == '/' ? 1 : 0;
#endif
}

int lua_path_normalize(const char *path, char *out, size_t out_size, char *err, size_t err_size)
{
    if (!path || !*path) {
        snprintf(err, err_size, "empty path");
        return WEE_EINVAL;
    }
    size_t root = root_length(path);
    if (root == 0) {
        snprintf(err, err_size, "'%s' is not an absolute path; give the full path", path);
        return WEE_EINVAL;
    }
    size_t total = strlen(path);
    if (total + 2 > out_size) {
        snprintf(err, err_size, "path too long (%zu bytes)", total);
        return WEE_EINVAL;
    }
    /* Components as (start, length) pairs into path. */
    size_t starts[MAX_COMPONENTS], lens[MAX_COMPONENTS], n = 0;
    size_t i = root;
    while (path[i]) {
        while (path_is_sep(path[i])) i++;
        if (!path[i]) break;
        size_t s = i;
        while (path[i] && !path_is_sep(path[i])) i++;
        size_t len = i - s;
        if (len == 1 && path[s] == '.') continue;
        if (len == 2 && path[s] == '.' && path[s + 1] == '.') {
            if (n > 0) n--; /* ".." above the root stays at the root, as the OS does */
            continue;
        }
        if (n == MAX_COMPONENTS) {
            snprintf(err, err_size, "path has more than %d components", MAX_COMPONENTS);
            return WEE_EINVAL;
        }
        starts[n] = s;
        lens[n] = len;
        n++;
    }
    size_t o = 0;
    for (size_t k = 0; k < root; k++) out[o++] = path_is_sep(path[k]) ? SEP : path[k];
    for (size_t c = 0; c < n; c++) {
        if (c > 0) out[o++] = SEP;
        memcpy(out + o, path + starts[c], lens[c]);
        o += lens[c];
    }
    out[o] = '\0';
    return 0;
}

int lua_path_resolve(const char *path, char *out, size_t out_size, char *err, size_t err_size)
{
    char norm[4096], prefix[4096], real[4096];
    int rc = lua_path_normalize(path, norm, sizeof norm, err, err_size);
    if (rc != 0) return rc;
    size_t root = root_length(norm), len = strlen(norm);
    /* Try the whole path, then drop one trailing component at a time until something exists. */
    size_t cut = len;
    for (;;) {
        memcpy(prefix, norm, cut);
        prefix[cut] = '\0';
        rc = plat_realpath(prefix, real, sizeof real);
        if (rc == 0) break;
        if (rc != WEE_ENOTFOUND) {
            snprintf(err, err_size, "cannot resolve '%s': %s", prefix, wee_strerror(rc));
            return rc;
        }
        if (cut <= root) {
            snprintf(err, err_size, "'%s' does not exist", prefix);
            return WEE_ENOTFOUND;
        }
        while (cut > root && norm[cut - 1] != SEP) cut--; /* back to the separator */
        if (cut > root) cut--;                             /* and drop it */
    }
    const char *rest = norm + cut; /* "" or "<SEP>name<SEP>name" (names that do not exist yet) */
    if (*rest == SEP) rest++;
    size_t rlen = strlen(real);
    int need_sep = *rest && rlen > 0 && real[rlen - 1] != SEP;
    if (rlen + (size_t)need_sep + strlen(rest) + 1 > out_size) {
        snprintf(err, err_size, "path too long");
        return WEE_EINVAL;
    }
    snprintf(out, out_size, "%s%s%s", real, need_sep ? (SEP == '/' ? "/" : "\\") : "", rest);
    return 0;
}

const char *lua_path_root_of(const char *resolved, char *const *roots, size_t root_count)
{
    for (size_t r = 0; r < root_count; r++) {
        const char *root = roots[r];
        size_t n = strlen(root);
        while (n > 1 && root[n - 1] == SEP) n--; /* a trailing separator is dropped; "/" itself stays */
        size_t i = 0;
        while (i < n && resolved[i] && fold(resolved[i]) == fold(root[i])) i++;
        if (i < n) continue;
        if (resolved[n] == '\0' || resolved[n] == SEP || root[n - 1] == SEP) return root;
    }
    return NULL;
}
