/* realpath is XSI, not base POSIX. */
#define _XOPEN_SOURCE 700
#include "platform/platform.h"
#include "posix_errors.h"
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int plat_dir_list(const char *dir, plat_dir_fn fn, void *ctx)
{
    DIR *d = opendir(dir);
    if (!d) return posix_error_to_wee(errno);
    int dfd = dirfd(d);
    struct dirent *e;
    int rc = 0;
    for (;;) {
        errno = 0;
        e = readdir(d);
        if (!e) {
            if (errno) rc = posix_error_to_wee(errno);
            break;
        }
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        /* A symlink is not followed, so a recursive walk cannot loop; Windows reports reparse points
         * by their own attributes too. */
        struct stat st;
        int is_dir = fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
        if (fn(e->d_name, is_dir, ctx) != 0) break;
    }
    closedir(d);
    return rc;
}

int plat_path_is_dir(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int plat_path_exists(const char *path)
{
    struct stat st;
    return path && stat(path, &st) == 0;
}

int plat_read_file(const char *path, char **data, size_t *len)
{
    *data = NULL;
    if (len) *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return posix_error_to_wee(errno);
    /* Read until EOF instead of trusting st_size: /proc files and pipes report 0. */
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap);
    int rc = buf ? 0 : WEE_ENOMEM;
    while (rc == 0) {
        if (cap - n < 2) {
            char *bigger = cap > SIZE_MAX / 2 ? NULL : realloc(buf, cap * 2);
            if (!bigger) {
                rc = WEE_ENOMEM;
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) {
            if (ferror(f)) rc = posix_error_to_wee(errno ? errno : EIO);
            break;
        }
    }
    fclose(f);
    if (rc != 0) {
        free(buf);
        return rc;
    }
    buf[n] = '\0';
    *data = buf;
    if (len) *len = n;
    return 0;
}

int plat_realpath(const char *path, char *buf, size_t size)
{
    char *r = realpath(path, NULL);
    if (!r) return posix_error_to_wee(errno);
    size_t n = strlen(r);
    int rc = 0;
    if (n >= size) rc = WEE_EINVAL;
    else memcpy(buf, r, n + 1);
    free(r);
    return rc;
}
