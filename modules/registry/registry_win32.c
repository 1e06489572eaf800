/*
 * modules/registry - Windows watcher. One thread per source waits with WaitForMultipleObjects on a
 * stop event plus two auto-reset events per watched key: one armed with an asynchronous
 * RegNotifyChangeKeyValue on the key (name + last-set changes, subtree when recursive), one on its
 * parent (subkey names only), because a watch on the key itself is not signalled when the key is
 * deleted (seen under Wine; the parent's is). On a signal both notifications are re-armed first (a
 * change made during the diff signals again rather than being missed), then the key is read into a
 * new snapshot and diffed against the previous one. Notifications are registered on this thread
 * because Windows drops them when the registering thread exits. A key that does not exist (yet, or
 * any more) is waited for on its nearest existing ancestor and read as soon as it appears.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "reg_data.h"
#include "registry_backend.h"
#include "registry_etw.h"
#include "platform/platform.h"

#define NOTIFY_FILTER (REG_NOTIFY_CHANGE_NAME | REG_NOTIFY_CHANGE_LAST_SET)

typedef struct watch {
    HKEY root;
    wchar_t *subkey;           /* below the root, L"" for the root itself */
    HKEY key;                  /* the watched key while it exists */
    HKEY ancestor;             /* its parent while it exists, else its nearest existing ancestor */
    HANDLE event;              /* signalled by the key's notification */
    HANDLE pevent;             /* signalled by the parent's / ancestor's notification */
    reg_snapshot *snap;
    uint64_t snap_ms;          /* when arming and reading snap began (plat_monotonic_ns / 1e6) */
    int warned_truncated;
    int warned_missing;
} watch;

struct reg_backend {
    reg_source *s;
    reg_etw *etw;              /* the writers, or NULL (mode notify, or ETW refused) */
    watch *w;
    size_t n;
    HANDLE stop;
    HANDLE ready;              /* set by the thread once every watch is armed (or setup failed) */
    plat_thread thread;
    int start_rc;
    char start_err[512];
};

static HKEY root_handle(reg_root r)
{
    switch (r) {
    case REG_ROOT_HKCU: return HKEY_CURRENT_USER;
    case REG_ROOT_HKLM: return HKEY_LOCAL_MACHINE;
    case REG_ROOT_HKU: return HKEY_USERS;
    case REG_ROOT_HKCR: return HKEY_CLASSES_ROOT;
    case REG_ROOT_HKCC: return HKEY_CURRENT_CONFIG;
    default: return NULL;
    }
}

static wchar_t *to_wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (w) MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

/* UTF-16 (count units, NULs kept) to UTF-8; *out_len bytes, NUL-terminated as well. */
static char *to_utf8(const wchar_t *w, int count, size_t *out_len)
{
    int n = count > 0 ? WideCharToMultiByte(CP_UTF8, 0, w, count, NULL, 0, NULL, NULL) : 0;
    char *s = malloc((size_t)(n > 0 ? n : 0) + 1);
    if (!s) return NULL;
    if (n > 0) WideCharToMultiByte(CP_UTF8, 0, w, count, s, n, NULL, NULL);
    s[n > 0 ? n : 0] = '\0';
    if (out_len) *out_len = (size_t)(n > 0 ? n : 0);
    return s;
}

/* ---- reading a key into a snapshot ---- */

static int add_values(reg_snapshot *snap, long idx, HKEY h)
{
    DWORD name_max = 0, data_max = 0;
    if (RegQueryInfoKeyW(h, NULL, NULL, NULL, NULL, NULL, NULL, NULL, &name_max, &data_max, NULL, NULL) != ERROR_SUCCESS)
        return 0;
    DWORD name_cap = name_max + 1, data_cap = data_max + 2;
    wchar_t *name = malloc(name_cap * sizeof *name);
    BYTE *data = malloc(data_cap);
    int rc = 0;
    for (DWORD i = 0; name && data;) {
        DWORD nlen = name_cap, dlen = data_cap, type = 0;
        LONG e = RegEnumValueW(h, i, name, &nlen, NULL, &type, data, &dlen);
        if (e == ERROR_NO_MORE_ITEMS) break;
        if (e == ERROR_MORE_DATA) {           /* the value grew since RegQueryInfoKeyW: grow and retry */
            name_cap *= 2;
            data_cap = dlen > data_cap ? dlen + 2 : data_cap * 2;
            wchar_t *nn = realloc(name, name_cap * sizeof *name);
            if (nn) name = nn;
            BYTE *nd = realloc(data, data_cap);
            if (nd) data = nd;
            if (!nn || !nd) break;
            continue;
        }
        if (e != ERROR_SUCCESS) break;
        char *uname = to_utf8(name, (int)nlen, NULL);
        if (!uname) break;
        int added;
        if (type == REG_SZ || type == REG_EXPAND_SZ || type == REG_MULTI_SZ) {
            size_t ulen = 0;
            char *u = to_utf8((const wchar_t *)(const void *)data, (int)(dlen / sizeof(wchar_t)), &ulen);
            added = u ? reg_snapshot_add_value(snap, (size_t)idx, uname, type, u, ulen) : -1;
            free(u);
        } else {
            added = reg_snapshot_add_value(snap, (size_t)idx, uname, type, data, dlen);
        }
        free(uname);
        if (added != 0) { rc = -1; break; }
        i++;
    }
    free(name);
    free(data);
    return rc;
}

typedef struct name_list { char **items; size_t n; } name_list;

static int cmp_names(const void *a, const void *b)
{
    return reg_path_compare(*(char *const *)a, *(char *const *)b);
}

static void list_subkeys(HKEY h, name_list *out)
{
    DWORD count = 0, max_len = 0;
    out->items = NULL;
    out->n = 0;
    if (RegQueryInfoKeyW(h, NULL, NULL, NULL, &count, &max_len, NULL, NULL, NULL, NULL, NULL, NULL) != ERROR_SUCCESS || !count)
        return;
    wchar_t *name = malloc((max_len + 1) * sizeof *name);
    out->items = calloc(count, sizeof *out->items);
    if (!name || !out->items) { free(name); free(out->items); out->items = NULL; return; }
    for (DWORD i = 0; i < count; i++) {
        DWORD len = max_len + 1;
        if (RegEnumKeyExW(h, i, name, &len, NULL, NULL, NULL, NULL) != ERROR_SUCCESS) break;
        if (!(out->items[out->n] = to_utf8(name, (int)len, NULL))) break;
        out->n++;
    }
    free(name);
    /* a sorted walk, so a truncated snapshot is a prefix of the diff order (reg_snapshot.h) */
    qsort(out->items, out->n, sizeof *out->items, cmp_names);
}

/* Depth-first, subkeys in sorted order. Not recursive: the watched key's values and the names of its
 * direct subkeys (a subkey created or deleted is a change of the key; its values are not read).
 * Returns -1 once a bound stops the walk. */
static int walk(reg_snapshot *snap, HKEY h, const char *rel, int recursive)
{
    long idx = reg_snapshot_add_key(snap, rel);
    if (idx < 0) return -1;
    if (add_values(snap, idx, h) != 0) return -1;
    if (!recursive && *rel) return 0;
    name_list kids;
    list_subkeys(h, &kids);
    int rc = 0;
    for (size_t i = 0; i < kids.n; i++) {
        if (rc == 0 && !recursive) {
            if (reg_snapshot_add_key(snap, kids.items[i]) < 0) rc = -1;
        } else if (rc == 0) {
            wchar_t *wname = to_wide(kids.items[i]);
            HKEY sub = NULL;
            if (wname && RegOpenKeyExW(h, wname, 0, KEY_READ, &sub) == ERROR_SUCCESS) {
                size_t len = strlen(rel) + strlen(kids.items[i]) + 2;
                char *path = malloc(len);
                if (path) {
                    snprintf(path, len, "%s%s%s", rel, *rel ? "\\" : "", kids.items[i]);
                    rc = walk(snap, sub, path, recursive);
                    free(path);
                }
                RegCloseKey(sub);
            }
            free(wname);
        }
        free(kids.items[i]);
    }
    free(kids.items);
    return rc;
}

/* Reads the watched key afresh by path (a handle to a deleted key would read as empty, not gone).
 * A missing key gives a snapshot without keys. */
static reg_snapshot *capture(const reg_source *s, watch *w, size_t i)
{
    reg_snapshot *snap = reg_snapshot_new(REG_WATCH_MAX_KEYS, REG_WATCH_MAX_VALUES);
    if (!snap) return NULL;
    HKEY h = NULL;
    if (RegOpenKeyExW(w->root, w->subkey, 0, KEY_READ, &h) == ERROR_SUCCESS) {
        walk(snap, h, "", reg_source_recursive(s));
        RegCloseKey(h);
    }
    reg_snapshot_finish(snap);
    if (snap->truncated && !w->warned_truncated) {
        w->warned_truncated = 1;
        reg_source_host(s)->log(WEE_LOG_WARN, "registry", "%s: more than %d keys or %d values below it; only the first "
                                "ones (in name order) are watched", reg_source_watch_path(s, i), REG_WATCH_MAX_KEYS,
                                REG_WATCH_MAX_VALUES);
    }
    return snap;
}

/* ---- arming ---- */

static void close_key(HKEY *k)
{
    if (*k) RegCloseKey(*k);
    *k = NULL;
}

/* Opens the nearest existing ancestor of the watched key (its parent when the key exists) and waits
 * there for subkey name changes. */
static LONG arm_ancestor(const reg_source *s, watch *w, size_t i, int key_exists)
{
    close_key(&w->ancestor);
    size_t len = wcslen(w->subkey);
    wchar_t *path = malloc((len + 1) * sizeof *path);
    if (!path) return ERROR_OUTOFMEMORY;
    memcpy(path, w->subkey, (len + 1) * sizeof *path);
    LONG e = ERROR_FILE_NOT_FOUND;
    while (e != ERROR_SUCCESS) {
        wchar_t *cut = wcsrchr(path, L'\\');
        if (cut) *cut = L'\0'; else path[0] = L'\0';
        e = RegOpenKeyExW(w->root, path, 0, KEY_NOTIFY, &w->ancestor);
        if (e != ERROR_SUCCESS && !path[0]) break;
    }
    if (e == ERROR_SUCCESS) e = RegNotifyChangeKeyValue(w->ancestor, FALSE, REG_NOTIFY_CHANGE_NAME, w->pevent, TRUE);
    if (e == ERROR_SUCCESS && !key_exists && !w->warned_missing) {
        char *up = to_utf8(path, (int)wcslen(path), NULL);
        reg_source_host(s)->log(WEE_LOG_INFO, "registry", "%s does not exist (yet); waiting for it on %s%s%s",
                                reg_source_watch_path(s, i), reg_root_short(reg_source_watch_root(s, i)),
                                up && *up ? "\\" : "", up ? up : "");
        free(up);
        w->warned_missing = 1;
    }
    free(path);
    return e;
}

/* Arms watch i afresh and returns the key's current contents. Old registrations are ended by closing
 * their handles (registering again on a handle would stack them); the new ones are armed before
 * reading, so a change lands either in this read or in the next signal. */
static reg_snapshot *arm_and_capture(const reg_source *s, watch *w, size_t i, LONG *err)
{
    *err = ERROR_SUCCESS;
    for (int attempt = 0; attempt < 8; attempt++) {
        close_key(&w->key);
        close_key(&w->ancestor);
        LONG e = RegOpenKeyExW(w->root, w->subkey, 0, KEY_NOTIFY, &w->key);
        if (e != ERROR_SUCCESS) {
            w->key = NULL;
            if (e != ERROR_FILE_NOT_FOUND) { *err = e; return NULL; }
            if ((e = arm_ancestor(s, w, i, 0)) != ERROR_SUCCESS) { *err = e; return NULL; }
            /* it may have appeared just before the ancestor was armed */
            HKEY probe = NULL;
            if (RegOpenKeyExW(w->root, w->subkey, 0, KEY_NOTIFY, &probe) != ERROR_SUCCESS) return capture(s, w, i);
            RegCloseKey(probe);
            continue;
        }
        w->warned_missing = 0;
        e = RegNotifyChangeKeyValue(w->key, reg_source_recursive(s) ? TRUE : FALSE, NOTIFY_FILTER, w->event, TRUE);
        /* a root (HKCU itself) has no parent and cannot be deleted */
        if (e == ERROR_SUCCESS && w->subkey[0]) e = arm_ancestor(s, w, i, 1);
        if (e == ERROR_SUCCESS) {
            reg_snapshot *snap = capture(s, w, i);
            if (snap && reg_snapshot_has_root(snap)) return snap;
            reg_snapshot_free(snap);
        } else if (e != ERROR_KEY_DELETED && e != ERROR_FILE_NOT_FOUND) {
            *err = e;
            return NULL;
        }
        /* deleted between opening and reading: go round and wait on an ancestor */
    }
    *err = ERROR_KEY_DELETED;
    return NULL;
}

static void on_signal(reg_backend *b, size_t i)
{
    watch *w = &b->w[i];
    LONG e;
    uint64_t began_ms = plat_monotonic_ns() / 1000000u, deadline_ms = began_ms + REG_ETW_WAIT_MS;
    reg_snapshot *now = arm_and_capture(b->s, w, i, &e);
    if (!now) {
        reg_source_host(b->s)->log(WEE_LOG_ERROR, "registry", "%s: cannot watch any more (error %lu); no more events from it",
                                   reg_source_watch_path(b->s, i), (unsigned long)e);
        return;
    }
    reg_source_changes(b->s, i, w->snap, now, b->etw, w->snap_ms, deadline_ms);
    reg_snapshot_free(w->snap);
    w->snap = now;
    w->snap_ms = began_ms;
}

static void watch_thread(void *arg)
{
    reg_backend *b = arg;
    HANDLE handles[2 * REG_MAX_WATCHES + 1];
    handles[0] = b->stop;
    for (size_t i = 0; i < b->n; i++) {
        watch *w = &b->w[i];
        LONG e;
        handles[2 * i + 1] = w->event;
        handles[2 * i + 2] = w->pevent;
        w->snap_ms = plat_monotonic_ns() / 1000000u;
        w->snap = arm_and_capture(b->s, w, i, &e);
        if (!w->snap) {
            snprintf(b->start_err, sizeof b->start_err, "keys[%zu]: cannot watch %s (error %lu%s)", i,
                     reg_source_watch_path(b->s, i), (unsigned long)e,
                     e == ERROR_ACCESS_DENIED ? ": access denied; HKLM keys may need an elevated host" : "");
            b->start_rc = WEE_EIO;
            SetEvent(b->ready);
            return;
        }
    }
    SetEvent(b->ready);
    for (;;) {
        /* While a watched key is missing, also look for it once a second: its ancestor's notification
         * was seen not to arrive on a loaded machine under Wine, and a key that appears must not go
         * unnoticed until some later unrelated change. */
        int missing = 0;
        for (size_t i = 0; i < b->n; i++) missing |= b->w[i].key == NULL;
        DWORD r = WaitForMultipleObjects(2 * (DWORD)b->n + 1, handles, FALSE, missing ? 1000 : INFINITE);
        if (r == WAIT_OBJECT_0) break;
        if (r == WAIT_TIMEOUT) {
            for (size_t i = 0; i < b->n; i++) {
                HKEY probe = NULL;
                if (b->w[i].key || RegOpenKeyExW(b->w[i].root, b->w[i].subkey, 0, KEY_NOTIFY, &probe) != ERROR_SUCCESS)
                    continue;
                RegCloseKey(probe);
                on_signal(b, i);
            }
            continue;
        }
        if (r > WAIT_OBJECT_0 && r <= WAIT_OBJECT_0 + 2 * b->n) { on_signal(b, (r - WAIT_OBJECT_0 - 1) / 2); continue; }
        reg_source_host(b->s)->log(WEE_LOG_ERROR, "registry", "waiting for registry changes failed (error %lu); "
                                   "the source stops", (unsigned long)GetLastError());
        break;
    }
    /* closing the keys here, on the registering thread, ends the pending notifications */
    for (size_t i = 0; i < b->n; i++) { close_key(&b->w[i].key); close_key(&b->w[i].ancestor); }
}

static void backend_free(reg_backend *b)
{
    for (size_t i = 0; i < b->n; i++) {
        watch *w = &b->w[i];
        close_key(&w->key);
        close_key(&w->ancestor);
        if (w->event) CloseHandle(w->event);
        if (w->pevent) CloseHandle(w->pevent);
        reg_snapshot_free(w->snap);
        free(w->subkey);
    }
    free(b->w);
    reg_etw_stop(b->etw);
    if (b->stop) CloseHandle(b->stop);
    if (b->ready) CloseHandle(b->ready);
    free(b);
}

int reg_backend_start(reg_source *s, reg_backend **out, char *err, size_t n)
{
    reg_backend *b = calloc(1, sizeof *b);
    if (!b) return WEE_ENOMEM;
    b->s = s;
    b->n = reg_source_watch_count(s);
    b->w = calloc(b->n ? b->n : 1, sizeof *b->w);
    b->stop = CreateEventW(NULL, TRUE, FALSE, NULL);
    b->ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!b->w || !b->stop || !b->ready) { snprintf(err, n, "out of memory or event handles"); backend_free(b); return WEE_ENOMEM; }
    for (size_t i = 0; i < b->n; i++) {
        watch *w = &b->w[i];
        w->root = root_handle(reg_source_watch_root(s, i));
        w->subkey = to_wide(reg_path_subkey(reg_source_watch_path(s, i)));
        w->event = CreateEventW(NULL, FALSE, FALSE, NULL);
        w->pevent = CreateEventW(NULL, FALSE, FALSE, NULL);
        if (!w->subkey || !w->event || !w->pevent) { snprintf(err, n, "out of memory or event handles"); backend_free(b); return WEE_ENOMEM; }
    }
    /* ETW first, so a write made right after start is attributed too */
    if (reg_source_wants_etw(s)) {
        const char *keys[REG_MAX_WATCHES];
        for (size_t i = 0; i < b->n; i++) keys[i] = reg_source_watch_path(s, i);
        const wee_host_api *h = reg_source_host(s);
        b->etw = reg_etw_start(h, h->source_id(reg_source_wee_source(s)), keys, b->n);
    }
    if (plat_thread_start(&b->thread, watch_thread, b) != 0) {
        snprintf(err, n, "cannot start the registry watch thread");
        backend_free(b);
        return WEE_EIO;
    }
    WaitForSingleObject(b->ready, INFINITE);
    if (b->start_rc != 0) {
        snprintf(err, n, "%s", b->start_err);
        int rc = b->start_rc;
        plat_thread_join(&b->thread);
        backend_free(b);
        return rc;
    }
    *out = b;
    return 0;
}

void reg_backend_stop(reg_backend *b)
{
    if (!b) return;
    SetEvent(b->stop);
    plat_thread_join(&b->thread);
    backend_free(b);
}
