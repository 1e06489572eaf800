/* core/net_policy.c - see net_policy.h. */
#include "net_policy.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/platform.h"
#include "util/strbuf.h"
#include "wee/errors.h"

static plat_mutex g_net_lock;
static int g_net_lock_ready;
static int g_net_enabled;
static char **g_net_allow;
static size_t g_net_allow_count;

void net_policy_set(int enabled, char *const *allow, size_t count)
{
    if (!g_net_lock_ready) { plat_mutex_init(&g_net_lock); g_net_lock_ready = 1; }
    char **copy = count ? calloc(count, sizeof *copy) : NULL;
    size_t n = 0;
    for (size_t i = 0; copy && i < count; i++)
        if ((copy[n] = str_dup(allow[i])) != NULL) n++;
    plat_mutex_lock(&g_net_lock);
    char **old = g_net_allow;
    size_t old_count = g_net_allow_count;
    g_net_enabled = enabled;
    g_net_allow = copy;
    g_net_allow_count = n;
    plat_mutex_unlock(&g_net_lock);
    for (size_t i = 0; i < old_count; i++) free(old[i]);
    free(old);
}

/* The host part of scheme://[user@]host[:port]/..., lower-cased; IPv6 literals keep no brackets. */
static int url_host(const char *url, char *out, size_t size)
{
    const char *p = strstr(url, "://");
    p = p ? p + 3 : url;
    const char *end = p + strcspn(p, "/?#");
    const char *at = NULL;
    for (const char *q = p; q < end; q++) if (*q == '@') at = q;
    if (at) p = at + 1;
    const char *stop;
    if (*p == '[') { p++; stop = memchr(p, ']', (size_t)(end - p)); if (!stop) return -1; }
    else { stop = memchr(p, ':', (size_t)(end - p)); if (!stop) stop = end; }
    size_t n = (size_t)(stop - p);
    if (n == 0 || n >= size) return -1;
    for (size_t i = 0; i < n; i++) out[i] = (char)((p[i] >= 'A' && p[i] <= 'Z') ? p[i] + 32 : p[i]);
    out[n] = '\0';
    return 0;
}

/* "example.com" matches itself; "*.example.com" matches any name below it. Case-insensitive. */
static int host_allowed(const char *host, const char *pattern)
{
    size_t hl = strlen(host), pl = strlen(pattern);
    if (pl > 2 && pattern[0] == '*' && pattern[1] == '.') {
        const char *tail = pattern + 1; /* ".example.com" */
        size_t tl = pl - 1;
        if (hl <= tl) return 0;
        for (size_t i = 0; i < tl; i++) {
            char a = host[hl - tl + i], b = tail[i];
            if (a >= 'A' && a <= 'Z') a = (char)(a + 32);
            if (b >= 'A' && b <= 'Z') b = (char)(b + 32);
            if (a != b) return 0;
        }
        return 1;
    }
    if (hl != pl) return 0;
    for (size_t i = 0; i < hl; i++) {
        char a = host[i], b = pattern[i];
        if (b >= 'A' && b <= 'Z') b = (char)(b + 32);
        if (a != b) return 0;
    }
    return 1;
}

int net_policy_check(const char *url, char *err, size_t err_size)
{
    char host[256];
    if (!url || url_host(url, host, sizeof host) != 0) {
        if (err && err_size) snprintf(err, err_size, "cannot tell the host of URL \"%s\"", url ? url : "(null)");
        return WEE_EINVAL;
    }
    if (!g_net_lock_ready) {
        if (err && err_size) snprintf(err, err_size, "network requests are off; set \"engine\": {\"http_enabled\": true}");
        return WEE_EPERM;
    }
    int rc = 0;
    plat_mutex_lock(&g_net_lock);
    if (!g_net_enabled) {
        rc = WEE_EPERM;
        if (err && err_size) snprintf(err, err_size, "network requests are off; set \"engine\": {\"http_enabled\": true}");
    } else if (g_net_allow_count) {
        rc = WEE_EPERM;
        for (size_t i = 0; i < g_net_allow_count; i++)
            if (host_allowed(host, g_net_allow[i])) { rc = 0; break; }
        if (rc && err && err_size)
            snprintf(err, err_size, "host \"%s\" is not in engine.http_allow; add it there to allow requests to it", host);
    }
    plat_mutex_unlock(&g_net_lock);
    return rc;
}

