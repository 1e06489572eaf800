#include "platform/append_file.h"
#include "platform/platform.h"
#include "posix_errors.h"
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

int plat_append_open(const char *path, FILE **out, uint64_t *size)
{
    *out = NULL;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return posix_error_to_wee(errno);
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return posix_error_to_wee(e);
    }
    FILE *f = fdopen(fd, "ab");
    if (!f) {
        int e = errno;
        close(fd);
        return posix_error_to_wee(e);
    }
    *out = f;
    if (size) *size = (uint64_t)st.st_size;
    return 0;
}

int plat_file_replace(const char *from, const char *to)
{
    return rename(from, to) == 0 ? 0 : posix_error_to_wee(errno);
}

int plat_file_remove(const char *path)
{
    if (unlink(path) == 0 || errno == ENOENT) return 0;
    return posix_error_to_wee(errno);
}

int plat_mkdir(const char *dir)
{
    if (mkdir(dir, 0755) == 0) return 0;
    int e = errno;
    struct stat st;
    if (e == EEXIST && stat(dir, &st) == 0 && S_ISDIR(st.st_mode)) return 0;
    return posix_error_to_wee(e);
}

int plat_can_write(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) return posix_error_to_wee(errno);
    /* A folder needs search permission too to create a file in it. */
    int mode = S_ISDIR(st.st_mode) ? (W_OK | X_OK) : W_OK;
    return access(path, mode) == 0 ? 0 : posix_error_to_wee(errno);
}

int plat_file_truncate(const char *path)
{
    return truncate(path, 0) == 0 ? 0 : posix_error_to_wee(errno);
}
