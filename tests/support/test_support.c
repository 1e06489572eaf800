/*
 * tests/support/test_support.c - helpers shared by the CMocka tests; see test_support.h.
 * Two implementations: POSIX first, then Win32 (wide-char API, so UTF-8 paths survive).
 */
#if !defined(_WIN32) && !defined(_XOPEN_SOURCE)
#define _XOPEN_SOURCE 700 /* nftw and mkdtemp are XSI */
#endif
#include "test_support.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *test_path_join(const char *a, const char *b)
{
#ifdef _WIN32
    const char sep = '\\';
#else
    const char sep = '/';
#endif
    size_t la = strlen(a), lb = strlen(b);
    int need_sep = la > 0 && a[la - 1] != '/' && a[la - 1] != sep;
    char *s = malloc(la + lb + 2);
    if (!s) return NULL;
    memcpy(s, a, la);
    if (need_sep) s[la++] = sep;
    memcpy(s + la, b, lb + 1);
    return s;
}

#ifndef _WIN32
/* ---------------------------------------------------------------- POSIX */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void test_init(void)
{
    /* A crash already ends the process with its signal, which CTest reports as a failure; only make
     * sure what was printed before it is not lost in a buffer. */
    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
}

char *test_make_temp_dir(const char *tag)
{
    const char *base = getenv("TMPDIR");
    if (!base || !*base) base = "/tmp";
    char tmpl[4096];
    int n = snprintf(tmpl, sizeof tmpl, "%s/wee-%s-XXXXXX", base, tag ? tag : "test");
    if (n < 0 || (size_t)n >= sizeof tmpl) return NULL;
    if (!mkdtemp(tmpl)) {
        fprintf(stderr, "test_make_temp_dir: mkdtemp(%s): %s\n", tmpl, strerror(errno));
        return NULL;
    }
    size_t len = strlen(tmpl);
    char *dir = malloc(len + 1);
    if (dir) memcpy(dir, tmpl, len + 1);
    return dir;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    if ((type == FTW_DP ? rmdir(path) : unlink(path)) != 0)
        fprintf(stderr, "test_remove_tree: cannot remove %s: %s\n", path, strerror(errno));
    return 0; /* keep going: remove as much as possible */
}

void test_remove_tree(const char *path)
{
    if (!path) return;
    /* DEPTH: children before their directory; PHYS: a symlink is removed, never followed. */
    nftw(path, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int test_write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    if (!f) return -1;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    if (fclose(f) != 0) ok = 0;
    return ok ? 0 : -1;
}

static FILE *open_read(const char *path) { return fopen(path, "rb"); }

static int path_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void sleep_ms(int ms)
{
    struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

#else
/* ---------------------------------------------------------------- Win32 */
#include <windows.h>

static wchar_t *to_wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    if (n <= 0) return NULL;
    wchar_t *w = malloc((size_t)n * sizeof *w);
    if (w) MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

static char *to_utf8(const wchar_t *w)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    if (n <= 0) return NULL;
    char *s = malloc((size_t)n);
    if (s) WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}

/* A crash must fail the test with a visible code: under Wine an unhandled exception may otherwise
 * end the process with exit code 0. */
static LONG WINAPI crash_filter(EXCEPTION_POINTERS *info)
{
    DWORD code = info && info->ExceptionRecord ? info->ExceptionRecord->ExceptionCode : 0;
    fprintf(stderr, "test crashed: unhandled exception 0x%08lx\n", (unsigned long)code);
    fflush(stderr);
    TerminateProcess(GetCurrentProcess(), 3);
    return EXCEPTION_EXECUTE_HANDLER;
}

void test_init(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    setvbuf(stderr, NULL, _IONBF, 0);
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    SetUnhandledExceptionFilter(crash_filter);
}

char *test_make_temp_dir(const char *tag)
{
    wchar_t base[MAX_PATH + 1];
    DWORD n = GetTempPathW(MAX_PATH + 1, base);
    if (n == 0 || n > MAX_PATH) return NULL;
    wchar_t *wtag = to_wide(tag ? tag : "test");
    if (!wtag) return NULL;
    wchar_t dir[MAX_PATH + 64];
    for (unsigned attempt = 0; attempt < 100; attempt++) {
        /* Unique enough across parallel test processes: pid, tick count, attempt. */
        _snwprintf(dir, sizeof dir / sizeof dir[0], L"%lswee-%ls-%lu-%lu-%u", base, wtag,
                   (unsigned long)GetCurrentProcessId(), (unsigned long)GetTickCount(), attempt);
        dir[sizeof dir / sizeof dir[0] - 1] = L'\0';
        if (CreateDirectoryW(dir, NULL)) {
            free(wtag);
            return to_utf8(dir);
        }
        if (GetLastError() != ERROR_ALREADY_EXISTS) break;
    }
    free(wtag);
    return NULL;
}

static void remove_tree_w(const wchar_t *dir)
{
    size_t len = wcslen(dir);
    wchar_t *pattern = malloc((len + 3) * sizeof *pattern);
    if (!pattern) return;
    memcpy(pattern, dir, len * sizeof *pattern);
    memcpy(pattern + len, L"\\*", 3 * sizeof *pattern);
    WIN32_FIND_DATAW fd;
    HANDLE h = FindFirstFileW(pattern, &fd);
    free(pattern);
    if (h != INVALID_HANDLE_VALUE) {
        do {
            if (wcscmp(fd.cFileName, L".") == 0 || wcscmp(fd.cFileName, L"..") == 0) continue;
            size_t nl = wcslen(fd.cFileName);
            wchar_t *child = malloc((len + nl + 2) * sizeof *child);
            if (!child) continue;
            memcpy(child, dir, len * sizeof *child);
            child[len] = L'\\';
            memcpy(child + len + 1, fd.cFileName, (nl + 1) * sizeof *child);
            /* A directory symlink or junction is removed as a link, never descended into. */
            int is_link = (fd.dwFileAttributes & FILE_ATTRIBUTE_REPARSE_POINT) != 0;
            if ((fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) && !is_link) {
                remove_tree_w(child);
            } else if (fd.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) {
                RemoveDirectoryW(child);
            } else {
                if (fd.dwFileAttributes & FILE_ATTRIBUTE_READONLY) SetFileAttributesW(child, FILE_ATTRIBUTE_NORMAL);
                DeleteFileW(child);
            }
            free(child);
        } while (FindNextFileW(h, &fd));
        FindClose(h);
    }
    RemoveDirectoryW(dir);
}

void test_remove_tree(const char *path)
{
    if (!path) return;
    wchar_t *w = to_wide(path);
    if (!w) return;
    remove_tree_w(w);
    free(w);
}

int test_write_file(const char *path, const char *text)
{
    wchar_t *w = to_wide(path);
    if (!w) return -1;
    FILE *f = _wfopen(w, L"wb");
    free(w);
    if (!f) return -1;
    size_t n = strlen(text);
    int ok = fwrite(text, 1, n, f) == n;
    if (fclose(f) != 0) ok = 0;
    return ok ? 0 : -1;
}

static FILE *open_read(const char *path)
{
    wchar_t *w = to_wide(path);
    if (!w) return NULL;
    FILE *f = _wfopen(w, L"rb");
    free(w);
    return f;
}

static int path_exists(const char *path)
{
    wchar_t *w = to_wide(path);
    if (!w) return 0;
    DWORD attr = GetFileAttributesW(w);
    free(w);
    return attr != INVALID_FILE_ATTRIBUTES;
}

static void sleep_ms(int ms) { Sleep((DWORD)ms); }
#endif

/* ---------------------------------------------------------------- both */
char *test_read_file(const char *path)
{
    FILE *f = open_read(path);
    if (!f) return NULL;
    size_t cap = 4096, len = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (cap - len < 2) {
            char *bigger = realloc(buf, cap * 2);
            if (!bigger) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t n = fread(buf + len, 1, cap - len - 1, f);
        if (n == 0) break;
        len += n;
    }
    fclose(f);
    if (buf) buf[len] = '\0';
    return buf;
}

int test_wait_for_file(const char *path, int timeout_ms)
{
    for (int waited = 0;; waited += 10) {
        if (path_exists(path)) return 1;
        if (waited >= timeout_ms) return 0;
        sleep_ms(10);
    }
}
