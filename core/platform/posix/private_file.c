/* private_file.c - 0600 files written atomically, and /dev/urandom; see platform/private_file.h. */
#include "platform/private_file.h"
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "posix_errors.h"
#include "wee/errors.h"

int plat_random_bytes(void *buf, size_t n)
{
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return WEE_EIO;
    size_t got = 0;
    while (got < n) {
        ssize_t k = read(fd, (char *)buf + got, n - got);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        got += (size_t)k;
    }
    close(fd);
    return got == n ? 0 : WEE_EIO;
}

int plat_private_file_path(const char *control_path, const char *suffix, char *buf, size_t size)
{
    int k = snprintf(buf, size, "%s%s", control_path, suffix);
    return k > 0 && (size_t)k < size ? 0 : WEE_EINVAL;
}

int plat_service_private_file_path(const char *control_path, const char *suffix, char *buf, size_t size)
{
    (void)control_path; (void)suffix; (void)buf; (void)size;
    return WEE_EUNSUPPORTED;
}

int plat_write_private_file(const char *path, const char *data, size_t len, char *err, size_t err_size)
{
    char tmp[4096];
    if (snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid()) >= (int)sizeof tmp) {
        snprintf(err, err_size, "%s: path too long", path);
        return WEE_EINVAL;
    }
    unlink(tmp);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, err_size, "cannot create %s: %s", tmp, strerror(errno));
        return posix_error_to_wee(errno);
    }
    size_t done = 0;
    while (done < len) {
        ssize_t k = write(fd, data + done, len - done);
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) break;
        done += (size_t)k;
    }
    int e = errno;
    if (close(fd) != 0 || done != len || rename(tmp, path) != 0) {
        if (done == len) e = errno;
        snprintf(err, err_size, "cannot write %s: %s", path, strerror(e));
        unlink(tmp);
        return posix_error_to_wee(e);
    }
    return 0;
}
