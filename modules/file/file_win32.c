/*
 * modules/file - Windows backend: one overlapped ReadDirectoryChangesW per watched root (recursive by
 * the API itself, so new subfolders need no extra watch and have no gap), all completing on one I/O
 * completion port served by one thread. A completion with 0 bytes means the system's buffer
 * overflowed: file.c rescans the tree against its known paths and counts the loss. Stop posts a
 * wake-up packet, then cancels each read with CancelIoEx and waits for the cancellation before the
 * buffer is freed.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "file_backend.h"
#include "platform/platform.h"

/* Local volumes accept large buffers; a 10,000-file burst must not overflow between two reads. */
#define BUF_SIZE (1024 * 1024)
#define STOP_KEY ((ULONG_PTR)-1)
#define NOTIFY_FILTER (FILE_NOTIFY_CHANGE_FILE_NAME | FILE_NOTIFY_CHANGE_DIR_NAME | FILE_NOTIFY_CHANGE_LAST_WRITE | \
                       FILE_NOTIFY_CHANGE_SIZE | FILE_NOTIFY_CHANGE_CREATION)

typedef struct root_watch {
    HANDLE dir;
    OVERLAPPED ov;
    DWORD *buf;           /* DWORD-aligned, as FILE_NOTIFY_INFORMATION requires */
    char *path;           /* UTF-8, no trailing separator */
    int active;
} root_watch;

struct file_backend {
    file_watch *w;
    HANDLE port;
    root_watch *roots;
    size_t nroots;
    plat_thread thread;
    char *old_name;       /* RENAMED_OLD_NAME waiting for its NEW_NAME */
};

static wchar_t *to_wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (w) MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

static char *join_utf8(const char *root, const WCHAR *name, DWORD name_bytes)
{
    int wlen = (int)(name_bytes / sizeof(WCHAR));
    int n = WideCharToMultiByte(CP_UTF8, 0, name, wlen, NULL, 0, NULL, NULL);
    size_t rl = strlen(root);
    char *p = malloc(rl + 1 + (size_t)(n > 0 ? n : 0) + 1);
    if (!p) return NULL;
    memcpy(p, root, rl);
    p[rl] = '\\';
    if (n > 0) WideCharToMultiByte(CP_UTF8, 0, name, wlen, p + rl + 1, n, NULL, NULL);
    p[rl + 1 + (n > 0 ? n : 0)] = '\0';
    return p;
}

static int is_directory(const char *path)
{
    wchar_t *w = to_wide(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_DIRECTORY);
}

static int issue_read(file_backend *b, root_watch *r)
{
    memset(&r->ov, 0, sizeof r->ov);
    return ReadDirectoryChangesW(r->dir, r->buf, BUF_SIZE, file_recursive(b->w) ? TRUE : FALSE, NOTIFY_FILTER,
                                 NULL, &r->ov, NULL) ? 0 : -1;
}

static void flush_old_name(file_backend *b)
{
    if (!b->old_name) return;
    file_report(b->w, FEV_DELETED, b->old_name, NULL, 0, 0);
    free(b->old_name);
    b->old_name = NULL;
}

static void handle_buffer(file_backend *b, root_watch *r)
{
    const BYTE *p = (const BYTE *)r->buf;
    for (;;) {
        const FILE_NOTIFY_INFORMATION *fi = (const FILE_NOTIFY_INFORMATION *)(const void *)p;
        char *path = join_utf8(r->path, fi->FileName, fi->FileNameLength);
        if (path) {
            if (b->old_name && fi->Action != FILE_ACTION_RENAMED_NEW_NAME) flush_old_name(b);
            switch (fi->Action) {
            case FILE_ACTION_ADDED:
                file_report(b->w, FEV_CREATED, path, NULL, is_directory(path), 0);
                break;
            case FILE_ACTION_REMOVED:
                file_report(b->w, FEV_DELETED, path, NULL, 0, 0);
                break;
            case FILE_ACTION_MODIFIED:
                /* a folder is "modified" whenever its contents change: only files count */
                if (!is_directory(path)) file_report(b->w, FEV_MODIFIED, path, NULL, 0, 0);
                break;
            case FILE_ACTION_RENAMED_OLD_NAME:
                b->old_name = path;
                path = NULL;
                break;
            case FILE_ACTION_RENAMED_NEW_NAME:
                if (b->old_name) {
                    file_report(b->w, FEV_RENAMED, path, b->old_name, is_directory(path), 0);
                    free(b->old_name);
                    b->old_name = NULL;
                } else {
                    file_report(b->w, FEV_CREATED, path, NULL, is_directory(path), 0);
                }
                break;
            default:
                break;
            }
            free(path);
        }
        if (!fi->NextEntryOffset) break;
        p += fi->NextEntryOffset;
    }
    flush_old_name(b);
    file_report_flush(b->w);
}

static void port_main(void *arg)
{
    file_backend *b = arg;
    for (;;) {
        DWORD bytes = 0;
        ULONG_PTR key = 0;
        OVERLAPPED *ov = NULL;
        BOOL ok = GetQueuedCompletionStatus(b->port, &bytes, &key, &ov, INFINITE);
        if (key == STOP_KEY) break;
        if (key >= b->nroots) continue;
        root_watch *r = &b->roots[key];
        if (!ok) {
            DWORD e = GetLastError();
            if (e == ERROR_OPERATION_ABORTED) { r->active = 0; continue; }
            file_host(b->w)->log(WEE_LOG_ERROR, "file", "watch on %s failed (error %lu); no more events from it",
                                 r->path, (unsigned long)e);
            r->active = 0;
            continue;
        }
        if (bytes == 0) file_report_overflow(b->w, "ReadDirectoryChangesW buffer overflowed (0-byte completion); "
                                             "the tree is rescanned against the known paths");
        else handle_buffer(b, r);
        if (issue_read(b, r) != 0) {
            file_host(b->w)->log(WEE_LOG_ERROR, "file", "cannot re-arm the watch on %s (error %lu)", r->path,
                                 (unsigned long)GetLastError());
            r->active = 0;
        }
    }
}

static void close_roots(file_backend *b)
{
    for (size_t i = 0; i < b->nroots; i++) {
        root_watch *r = &b->roots[i];
        if (r->dir && r->dir != INVALID_HANDLE_VALUE) {
            if (r->active) {
                DWORD n;
                CancelIoEx(r->dir, &r->ov);
                GetOverlappedResult(r->dir, &r->ov, &n, TRUE); /* the buffer is the kernel's until this returns */
            }
            CloseHandle(r->dir);
        }
        _aligned_free(r->buf);
        free(r->path);
    }
    free(b->roots);
}

int file_backend_start(file_watch *w, file_backend **out, char *err, size_t n)
{
    file_backend *b = calloc(1, sizeof *b);
    if (!b) return WEE_ENOMEM;
    b->w = w;
    b->nroots = file_root_count(w);
    b->roots = calloc(b->nroots ? b->nroots : 1, sizeof *b->roots);
    b->port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, NULL, 0, 1);
    if (!b->roots || !b->port) { snprintf(err, n, "cannot create an I/O completion port (error %lu)", (unsigned long)GetLastError()); goto fail; }
    for (size_t i = 0; i < b->nroots; i++) {
        root_watch *r = &b->roots[i];
        const char *root = file_root(w, i);
        size_t len = strlen(root);
        r->path = malloc(len + 1);
        if (r->path) { memcpy(r->path, root, len + 1); while (len > 3 && (r->path[len - 1] == '\\' || r->path[len - 1] == '/')) r->path[--len] = '\0'; }
        wchar_t *wp = to_wide(root);
        r->dir = wp ? CreateFileW(wp, FILE_LIST_DIRECTORY, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                                  OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OVERLAPPED, NULL) : INVALID_HANDLE_VALUE;
        free(wp);
        r->buf = _aligned_malloc(BUF_SIZE, sizeof(DWORD));
        if (r->dir == INVALID_HANDLE_VALUE || !r->buf || !r->path) {
            snprintf(err, n, "paths[%zu]: cannot open \"%s\" for watching (error %lu)", i, root, (unsigned long)GetLastError());
            goto fail;
        }
        if (!CreateIoCompletionPort(r->dir, b->port, (ULONG_PTR)i, 0) || issue_read(b, r) != 0) {
            snprintf(err, n, "paths[%zu]: ReadDirectoryChangesW refused \"%s\" (error %lu)", i, root, (unsigned long)GetLastError());
            goto fail;
        }
        r->active = 1;
    }
    if (plat_thread_start(&b->thread, port_main, b) != 0) { snprintf(err, n, "cannot start the watch thread"); goto fail; }
    *out = b;
    return 0;
fail:
    close_roots(b);
    if (b->port) CloseHandle(b->port);
    free(b);
    return WEE_EIO;
}

void file_backend_stop(file_backend *b)
{
    if (!b) return;
    PostQueuedCompletionStatus(b->port, 0, STOP_KEY, NULL);
    plat_thread_join(&b->thread);
    close_roots(b);
    CloseHandle(b->port);
    free(b->old_name);
    free(b);
}
