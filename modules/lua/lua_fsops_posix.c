/*
 * modules/lua/lua_fsops_posix.c - fs.write/move/delete with POSIX calls (see lua_fsops.h).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lua_fsops.h"
#include "wee/errors.h"

static int errno_to_wee(int e)
{
    switch (e) {
    case ENOENT: case ENOTDIR: return WEE_ENOTFOUND;
    case EACCES: case EPERM: case EROFS: case ELOOP: return WEE_EPERM;
    case EEXIST: case ENOTEMPTY: return WEE_EEXISTS;
    case ENOMEM: return WEE_ENOMEM;
    default: return WEE_EIO;
    }
}

int fsops_write(const char *path, const char *data, size_t len, int append, char *err, size_t err_size)
{
    int flags = O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC | (append ? O_APPEND : O_TRUNC);
    int fd = open(path, flags, 0644);
    if (fd < 0) {
        int e = errno;
        snprintf(err, err_size, "cannot open '%s' for writing: %s", path,
                 e == ELOOP ? "it is a symbolic link" : strerror(e));
        return errno_to_wee(e);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            snprintf(err, err_size, "cannot write '%s': %s", path, strerror(e));
            close(fd);
            return errno_to_wee(e);
        }
        done += (size_t)n;
    }
    if (close(fd) != 0) {
        int e = errno;
        snprintf(err, err_size, "cannot write '%s': %s", path, strerror(e));
        return errno_to_wee(e);
    }
    return 0;
}

int fsops_move(const char *from, const char *to, char *err, size_t err_size)
{
    if (rename(from, to) != 0) {
        int e = errno;
        snprintf(err, err_size, "cannot move '%s' to '%s': %s", from, to, strerror(e));
        return errno_to_wee(e);
    }
    return 0;
}

int fsops_delete(const char *path, char *err, size_t err_size)
{
    struct stat st;
    if (lstat(path, &st) != 0) {
        int e = errno;
        snprintf(err, err_size, "cannot delete '%s': %s", path, strerror(e));
        return errno_to_wee(e);
    }
    if ((S_ISDIR(st.st_mode) ? rmdir(path) : unlink(path)) != 0) {
        int e = errno;
        snprintf(err, err_size, "cannot delete '%s': %s", path, strerror(e));
        return errno_to_wee(e);
    }
    return 0;
}

int fsops_file_size(const char *path, unsigned long long *size, char *err, size_t err_size)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        int e = errno;
        snprintf(err, err_size, "cannot read '%s': %s", path, strerror(e));
        return errno_to_wee(e);
    }
    *size = (unsigned long long)st.st_size;
    return 0;
}
