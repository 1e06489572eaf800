/*
 * modules/registry/reg_path.c - parsing and normalizing configured registry key paths.
 */
#include "reg_path.h"
#include <stdio.h>
#include <string.h>

static const struct { const char *shortname, *longname; } roots[REG_ROOT_COUNT] = {
    { "HKCU", "HKEY_CURRENT_USER" },
    { "HKLM", "HKEY_LOCAL_MACHINE" },
    { "HKU", "HKEY_USERS" },
    { "HKCR", "HKEY_CLASSES_ROOT" },
    { "HKCC", "HKEY_CURRENT_CONFIG" },
};

#define VALID_ROOTS "HKCU (HKEY_CURRENT_USER), HKLM (HKEY_LOCAL_MACHINE), HKU (HKEY_USERS), " \
                    "HKCR (HKEY_CLASSES_ROOT), HKCC (HKEY_CURRENT_CONFIG)"

const char *reg_root_short(reg_root r)
{
    return (unsigned)r < REG_ROOT_COUNT ? roots[r].shortname : "?";
}

static int same_fold(const char *a, size_t alen, const char *b)
{
    if (strlen(b) != alen) return 0;
    for (size_t i = 0; i < alen; i++) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = (char)(x - 32);
        if (x != y) return 0;
    }
    return 1;
}

int reg_path_parse(const char *in, const char *where, reg_root *root, char *out, size_t out_size,
                   char *err, size_t err_size)
{
    if (!in || !*in) {
        snprintf(err, err_size, "%s: empty key; write it like HKCU\\Software\\Example (roots: " VALID_ROOTS ")", where);
        return -1;
    }
    const char *sep = strchr(in, '\\');
    size_t rlen = sep ? (size_t)(sep - in) : strlen(in);
    int found = -1;
    for (int i = 0; i < REG_ROOT_COUNT; i++)
        if (same_fold(in, rlen, roots[i].shortname) || same_fold(in, rlen, roots[i].longname)) found = i;
    if (found < 0) {
        snprintf(err, err_size, "%s: \"%s\" does not start with a known root \"%.*s\"; use one of " VALID_ROOTS,
                 where, in, (int)(rlen > 64 ? 64 : rlen), in);
        return -1;
    }
    size_t n = (size_t)snprintf(out, out_size, "%s", roots[found].shortname);
    for (const char *p = sep; p && *p; p++) {
        if (*p == '\\' && (p[1] == '\\' || p[1] == '\0')) continue;   /* doubled or trailing separator */
        if (n + 1 >= out_size) {
            snprintf(err, err_size, "%s: key \"%.80s...\" is longer than %zu bytes", where, in, out_size - 1);
            return -1;
        }
        out[n++] = *p;
        out[n] = '\0';
    }
    *root = (reg_root)found;
    return 0;
}

size_t reg_path_short_root(const char *text, char *out, size_t out_size)
{
    const char *rest = text;
    const char *root = "";
    for (int i = 0; i < REG_ROOT_COUNT; i++) {
        size_t n = strlen(roots[i].longname);
        /* Only a whole root: "HKEY_USERS" is not the root of "HKEY_USERSX\..." */
        if (strlen(text) >= n && same_fold(text, n, roots[i].longname) &&
            (text[n] == '\\' || text[n] == '\0')) {
            root = roots[i].shortname;
            rest = text + n;
            break;
        }
    }
    int n = snprintf(out, out_size, "%s%s", root, rest);
    return n < 0 ? 0 : (size_t)n;
}

const char *reg_path_subkey(const char *normalized)
{
    const char *s = strchr(normalized, '\\');
    return s ? s + 1 : "";
}
