/*
 * core/util/env_name.h - comparing environment variable names the way the OS does, for modules that
 * build a child's environment (exec, pwsh). Header-only so a module needs no extra library.
 */
#ifndef WEE_UTIL_ENV_NAME_H
#define WEE_UTIL_ENV_NAME_H
#include <stddef.h>
#include <string.h>

/* 1 if the first len bytes of a and b name the same variable. */
static inline int env_name_equal(const char *a, const char *b, size_t len)
{
#ifdef _WIN32
    /* Windows environment names are case-insensitive: "Path" and "PATH" are one variable. */
    for (size_t i = 0; i < len; i++) {
        char x = a[i], y = b[i];
        if (x >= 'a' && x <= 'z') x = (char)(x - 'a' + 'A');
        if (y >= 'a' && y <= 'z') y = (char)(y - 'a' + 'A');
        if (x != y) return 0;
    }
    return 1;
#else
    return memcmp(a, b, len) == 0;
#endif
}

/* Event fields not passed as WEE_EVENT_<FIELD>: a batch's lists (core/event_batch.h) grow with the
 * batch past what the OS allows for one variable (128 KB on Linux) or a whole environment; the child
 * gets them as arguments ({{batch.each.path}}) or from batch.count. */
static inline int env_field_skipped(const char *field)
{
    return strcmp(field, "batch.paths") == 0 || strcmp(field, "batch.events") == 0;
}
#endif
