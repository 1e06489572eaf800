/*
 * modules/lua/lua_fsops_win32.c - fs.* on handles (see lua_fsops.h). Paths are UTF-8, converted to
 * UTF-16 for the W functions.
 *
 * Each operation opens a handle with FILE_FLAG_OPEN_REPARSE_POINT (a symbolic link or junction at the
 * last name is opened itself, never followed), asks it where it really is (GetFinalPathNameByHandleW:
 * a folder on the way swapped for a junction after the name check shows here) and checks that path
 * against allow_paths again before reading, writing, deleting or renaming through the handle. A file
 * the write created in the wrong place is deleted again through its handle. Handles are opened without
 * FILE_SHARE_DELETE, so the object cannot be renamed away while it is in use.
 */
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "lua_fsops.h"
#include "lua_paths.h"
#include "platform/win32/utf.h"
#include "wee/errors.h"

#define FINAL_PATH_MAX 4096

static int fail(char *err, size_t err_size, const char *what, const char *path, DWORD e)
{
    snprintf(err, err_size, "cannot %s '%s': Windows error %lu", what, path, (unsigned long)e);
    return win_error_to_wee(e);
}

static void delete_by_handle(HANDLE h)
{
    FILE_DISPOSITION_INFO d;
    d.DeleteFile = TRUE;
    SetFileInformationByHandle(h, FileDispositionInfo, &d, sizeof d);
}

enum { OPEN_REFUSE_LINK = 1, OPEN_WANT_FILE = 2, OPEN_WANT_DIR = 4 };

/* Opens t->path and checks the handle: not a link (unless allowed), the right kind, and really inside
 * allow_paths. final (may be NULL) gets where it is. INVALID_HANDLE_VALUE with err set on refusal. */
static HANDLE open_checked(const fs_target *t, DWORD access, DWORD share, DWORD disposition, int want,
                           const char *what, char *final, size_t final_size, char *err, size_t err_size, int *rc)
{
    char here[FINAL_PATH_MAX];
    wchar_t *w = win_utf8_to_wide(t->path);
    *rc = 0;
    if (!w) {
        snprintf(err, err_size, "cannot convert '%s' to UTF-16", t->path);
        *rc = WEE_EINVAL;
        return INVALID_HANDLE_VALUE;
    }
    HANDLE h = CreateFileW(w, access, share, NULL, disposition,
                           FILE_FLAG_OPEN_REPARSE_POINT | FILE_FLAG_BACKUP_SEMANTICS, NULL);
    DWORD open_error = GetLastError();
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        *rc = fail(err, err_size, what, t->path, open_error);
        return h;
    }
    int created = (disposition == OPEN_ALWAYS || disposition == CREATE_ALWAYS) && open_error != ERROR_ALREADY_EXISTS;
    BY_HANDLE_FILE_INFORMATION info;
    if (!GetFileInformationByHandle(h, &info)) {
        *rc = fail(err, err_size, what, t->path, GetLastError());
    } else if ((want & OPEN_REFUSE_LINK) && (info.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT)) {
        snprintf(err, err_size, "cannot %s '%s': it is a symbolic link or junction", what, t->path);
        *rc = WEE_EPERM;
    } else if ((want & OPEN_WANT_FILE) &&
               ((info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) || GetFileType(h) != FILE_TYPE_DISK)) {
        snprintf(err, err_size, "'%s' is not a regular file (%s)", t->path,
                 (info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ? "a folder" : "a device or pipe");
        *rc = WEE_EPERM;
    } else if ((want & OPEN_WANT_DIR) && !(info.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY)) {
        snprintf(err, err_size, "cannot %s '%s': not a folder", what, t->path);
        *rc = WEE_EPERM;
    } else if (win_handle_final_path(h, here, sizeof here) != 0) {
        snprintf(err, err_size, "cannot %s '%s': cannot tell where it is (GetFinalPathNameByHandleW)", what, t->path);
        *rc = WEE_EIO;
    } else if (!lua_path_root_of(here, t->roots, t->root_count)) {
        snprintf(err, err_size, "cannot %s '%s': it is really '%s', outside allow_paths (a folder on the way "
                 "was replaced by a link?)", what, t->path, here);
        *rc = WEE_EPERM;
    } else if (final) {
        snprintf(final, final_size, "%s", here);
    }
    if (*rc != 0) {
        if (created) delete_by_handle(h);
        CloseHandle(h);
        return INVALID_HANDLE_VALUE;
    }
    return h;
}

int fsops_read(const fs_target *t, size_t limit, char **data, size_t *len, char *err, size_t err_size)
{
    int rc;
    *data = NULL;
    *len = 0;
    HANDLE h = open_checked(t, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, OPEN_EXISTING,
                            OPEN_REFUSE_LINK | OPEN_WANT_FILE, "read", NULL, 0, err, err_size, &rc);
    if (h == INVALID_HANDLE_VALUE) return rc;
    LARGE_INTEGER size;
    size_t cap = GetFileSizeEx(h, &size) && (unsigned long long)size.QuadPart < limit ? (size_t)size.QuadPart + 1
                                                                                      : limit + 1;
    size_t n = 0;
    char *b = malloc(cap + 1);
    if (!b) { CloseHandle(h); snprintf(err, err_size, "out of memory reading '%s'", t->path); return WEE_ENOMEM; }
    for (;;) {
        if (n == cap) { /* the file grew since GetFileSizeEx */
            if (cap > limit) break;
            size_t ncap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
            char *nb = realloc(b, ncap + 1);
            if (!nb) { free(b); CloseHandle(h); snprintf(err, err_size, "out of memory reading '%s'", t->path); return WEE_ENOMEM; }
            b = nb;
            cap = ncap;
        }
        DWORD chunk = (cap - n) > 0x40000000u ? 0x40000000u : (DWORD)(cap - n), got = 0;
        if (!ReadFile(h, b + n, chunk, &got, NULL)) {
            DWORD e = GetLastError();
            free(b);
            CloseHandle(h);
            return fail(err, err_size, "read", t->path, e);
        }
        if (got == 0) break;
        n += got;
    }
    CloseHandle(h);
    if (n > limit) {
        free(b);
        snprintf(err, err_size, "'%s' is at least %zu KB, more than the %zu KB of memory_kb left", t->path, n / 1024,
                 limit / 1024);
        return WEE_ENOMEM;
    }
    b[n] = '\0';
    *data = b;
    *len = n;
    return 0;
}

int fsops_write(const fs_target *t, const char *data, size_t len, int append, char *err, size_t err_size)
{
    int rc;
    /* OPEN_ALWAYS, not CREATE_ALWAYS: nothing is truncated before the handle is checked. */
    HANDLE h = open_checked(t, (append ? FILE_APPEND_DATA : GENERIC_WRITE) | FILE_READ_ATTRIBUTES | DELETE | SYNCHRONIZE,
                            FILE_SHARE_READ, OPEN_ALWAYS, OPEN_REFUSE_LINK | OPEN_WANT_FILE, "open for writing", NULL,
                            0, err, err_size, &rc);
    if (h == INVALID_HANDLE_VALUE) return rc;
    if (!append && !SetEndOfFile(h)) { /* at offset 0 right after the open */
        DWORD e = GetLastError();
        CloseHandle(h);
        return fail(err, err_size, "truncate", t->path, e);
    }
    size_t done = 0;
    while (done < len) {
        DWORD chunk = (len - done) > 0x40000000u ? 0x40000000u : (DWORD)(len - done), wrote = 0;
        if (!WriteFile(h, data + done, chunk, &wrote, NULL)) {
            DWORD e = GetLastError();
            CloseHandle(h);
            return fail(err, err_size, "write", t->path, e);
        }
        done += wrote;
    }
    CloseHandle(h);
    return 0;
}

/* The folder part of path (up to the last separator) into out. */
static void parent_of(const char *path, char *out, size_t size)
{
    snprintf(out, size, "%s", path);
    char *sep = strrchr(out, '\\');
    char *fwd = strrchr(out, '/');
    if (fwd && (!sep || fwd > sep)) sep = fwd;
    if (sep && sep > out && sep[-1] != ':') *sep = '\0';
    else if (sep) sep[1] = '\0';
}

int fsops_move(const fs_target *from, const fs_target *to, char *err, size_t err_size)
{
    int rc;
    char parent[FINAL_PATH_MAX], parent_final[FINAL_PATH_MAX];
    /* The source itself (a link is moved as the link), with DELETE access: the rename goes through it. */
    HANDLE src = open_checked(from, DELETE | FILE_READ_ATTRIBUTES | SYNCHRONIZE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                              OPEN_EXISTING, 0, "move", NULL, 0, err, err_size, &rc);
    if (src == INVALID_HANDLE_VALUE) return rc;
    /* The destination folder, held without FILE_SHARE_DELETE (it cannot be renamed away meanwhile) and
     * checked where it really is; the new name is joined to that real path. */
    parent_of(to->path, parent, sizeof parent);
    fs_target pt = *to;
    pt.path = parent;
    HANDLE dir = open_checked(&pt, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE,
                              OPEN_EXISTING, OPEN_REFUSE_LINK | OPEN_WANT_DIR, "move to", parent_final,
                              sizeof parent_final, err, err_size, &rc);
    if (dir == INVALID_HANDLE_VALUE) { CloseHandle(src); return rc; }
    const char *name = to->path + strlen(parent);
    while (*name == '\\' || *name == '/') name++;
    char target[FINAL_PATH_MAX];
    size_t pl = strlen(parent_final);
    snprintf(target, sizeof target, "%s%s%s", parent_final, pl && parent_final[pl - 1] == '\\' ? "" : "\\", name);
    wchar_t *wt = win_utf8_to_wide(target);
    size_t bytes = wt ? wcslen(wt) * sizeof(wchar_t) : 0;
    FILE_RENAME_INFO *ri = wt ? calloc(1, sizeof *ri + bytes + sizeof(wchar_t)) : NULL;
    if (!ri) {
        snprintf(err, err_size, "cannot move '%s': out of memory", from->path);
        rc = WEE_ENOMEM;
    } else {
        ri->ReplaceIfExists = TRUE;
        ri->RootDirectory = NULL;
        ri->FileNameLength = (DWORD)bytes;
        memcpy(ri->FileName, wt, bytes + sizeof(wchar_t));
        if (!SetFileInformationByHandle(src, FileRenameInfo, ri, (DWORD)(sizeof *ri + bytes + sizeof(wchar_t)))) {
            DWORD e = GetLastError();
            snprintf(err, err_size, "cannot move '%s' to '%s': Windows error %lu", from->path, to->path,
                     (unsigned long)e);
            rc = win_error_to_wee(e);
        }
    }
    free(ri);
    free(wt);
    CloseHandle(dir);
    CloseHandle(src);
    return rc;
}

int fsops_delete(const fs_target *t, char *err, size_t err_size)
{
    int rc;
    /* A link is deleted as the link (never what it points to). */
    HANDLE h = open_checked(t, DELETE | FILE_READ_ATTRIBUTES | SYNCHRONIZE,
                            FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, OPEN_EXISTING, 0, "delete", NULL, 0,
                            err, err_size, &rc);
    if (h == INVALID_HANDLE_VALUE) return rc;
    FILE_DISPOSITION_INFO d;
    d.DeleteFile = TRUE;
    if (!SetFileInformationByHandle(h, FileDispositionInfo, &d, sizeof d)) rc = fail(err, err_size, "delete", t->path, GetLastError());
    CloseHandle(h);
    return rc;
}

int fsops_exists(const fs_target *t)
{
    int rc;
    char err[16];
    HANDLE h = open_checked(t, FILE_READ_ATTRIBUTES, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE,
                            OPEN_EXISTING, 0, "open", NULL, 0, err, sizeof err, &rc);
    if (h == INVALID_HANDLE_VALUE) return 0;
    CloseHandle(h);
    return 1;
}

int fsops_list(const fs_target *t, plat_dir_fn fn, void *ctx, char *err, size_t err_size)
{
    int rc;
    HANDLE h = open_checked(t, FILE_LIST_DIRECTORY | FILE_READ_ATTRIBUTES | SYNCHRONIZE, FILE_SHARE_READ | FILE_SHARE_WRITE,
                            OPEN_EXISTING, OPEN_REFUSE_LINK | OPEN_WANT_DIR, "list", NULL, 0, err, err_size, &rc);
    if (h == INVALID_HANDLE_VALUE) return rc;
    /* The entries come from the checked handle itself, not from the name again. */
    enum { LIST_BUF = 64 * 1024 };
    char *buf = malloc(LIST_BUF);
    char name[1024];
    int stop = 0;
    FILE_INFO_BY_HANDLE_CLASS cls = FileIdBothDirectoryRestartInfo;
    while (buf && !stop && rc == 0) {
        if (!GetFileInformationByHandleEx(h, cls, buf, LIST_BUF)) {
            DWORD e = GetLastError();
            if (e != ERROR_NO_MORE_FILES) rc = fail(err, err_size, "list", t->path, e);
            break;
        }
        cls = FileIdBothDirectoryInfo;
        for (const char *p = buf;;) {
            const FILE_ID_BOTH_DIR_INFO *fi = (const FILE_ID_BOTH_DIR_INFO *)(const void *)p;
            size_t wl = fi->FileNameLength / sizeof(wchar_t);
            wchar_t wname[512];
            if (wl < sizeof wname / sizeof wname[0]) {
                memcpy(wname, fi->FileName, wl * sizeof(wchar_t));
                wname[wl] = L'\0';
                int dot = wcscmp(wname, L".") == 0 || wcscmp(wname, L"..") == 0;
                if (!dot && win_wide_to_utf8_buf(wname, name, sizeof name) >= 0 &&
                    fn(name, (fi->FileAttributes & FILE_ATTRIBUTE_DIRECTORY) != 0, ctx) != 0) {
                    stop = 1;
                    break;
                }
            }
            if (!fi->NextEntryOffset) break;
            p += fi->NextEntryOffset;
        }
    }
    if (!buf) { snprintf(err, err_size, "cannot list '%s': out of memory", t->path); rc = WEE_ENOMEM; }
    free(buf);
    CloseHandle(h);
    return rc;
}
