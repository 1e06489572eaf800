/*
 * modules/lua/lua_fsops_posix.c - fs.* with descriptor-relative POSIX calls (see lua_fsops.h).
 *
 * Every operation starts at the allowed root and opens each folder below it with
 * openat(O_DIRECTORY | O_NOFOLLOW), then acts on the last name relative to that descriptor. A folder
 * replaced by a symbolic link after the name was checked, or a link planted at the last name, makes the
 * open fail with ELOOP/ENOTDIR instead of leading out of allow_paths. (One mechanism on every POSIX
 * system; Linux's openat2(RESOLVE_BENEATH) would do the same walk in one call.)
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "lua_fsops.h"
#include "wee/errors.h"

#define WALK_PATH_MAX 4096

static int errno_to_wee(int e)
{
    switch (e) {
    case ENOENT: return WEE_ENOTFOUND;
    case EACCES: case EPERM: case EROFS: case ELOOP: case ENOTDIR: case EISDIR: case ENXIO: return WEE_EPERM;
    case EEXIST: case ENOTEMPTY: return WEE_EEXISTS;
    case ENOMEM: return WEE_ENOMEM;
    default: return WEE_EIO;
    }
}

static const char *reason(int e)
{
    if (e == ELOOP) return "a symbolic link is in the way (links are never followed when the file is opened)";
    if (e == ENOTDIR) return "a part of the path is not a folder";
    return strerror(e);
}

static int fail(char *err, size_t err_size, const char *what, const char *path, int e)
{
    snprintf(err, err_size, "cannot %s '%s': %s", what, path, reason(e));
    return errno_to_wee(e);
}

/* openat with O_DIRECTORY | O_NOFOLLOW; a link there fails as ELOOP (Linux says ENOTDIR for it). */
static int open_dir_at(int dfd, const char *name)
{
    int fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0 && errno == ENOTDIR) {
        struct stat st;
        if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) errno = ELOOP;
        else errno = ENOTDIR;
    }
    return fd;
}

/* Opens the folder that holds the last name of t->path, one component at a time from t->root without
 * following any link. *name points at that last name inside buf ("" when the path is the root itself).
 * Returns the descriptor, or -1 with errno set. */
static int open_parent(const fs_target *t, char *buf, size_t size, const char **name)
{
    size_t rl = strlen(t->root);
    while (rl > 1 && t->root[rl - 1] == '/') rl--;
    if (strncmp(t->path, t->root, rl) != 0 || strlen(t->path) >= size) {
        errno = EINVAL;
        return -1;
    }
    const char *rest = t->path + rl;
    while (*rest == '/') rest++;
    snprintf(buf, size, "%s", rest);
    /* The root is a real path taken when the config loaded; it is opened as a folder, never via a link. */
    int fd = open(t->root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return -1;
    char *comp = buf;
    for (;;) {
        char *slash = strchr(comp, '/');
        if (!slash) break;
        *slash = '\0';
        int next = open_dir_at(fd, comp);
        int e = errno;
        close(fd);
        if (next < 0) {
            errno = e;
            return -1;
        }
        fd = next;
        comp = slash + 1;
    }
    *name = comp;
    return fd;
}

/* A regular file only: anything else is refused before it is opened for I/O (a FIFO would block, a
 * device would never end). */
static int check_regular(const struct stat *st, const char *path, char *err, size_t err_size)
{
    if (S_ISREG(st->st_mode)) return 0;
    snprintf(err, err_size, "'%s' is not a regular file (%s)", path,
             S_ISDIR(st->st_mode) ? "a folder" : S_ISFIFO(st->st_mode) ? "a FIFO" : S_ISLNK(st->st_mode)
             ? "a symbolic link" : S_ISSOCK(st->st_mode) ? "a socket" : "a device");
    return WEE_EPERM;
}

int fsops_read(const fs_target *t, size_t limit, char **data, size_t *len, char *err, size_t err_size)
{
    char buf[WALK_PATH_MAX];
    const char *name;
    *data = NULL;
    *len = 0;
    int dfd = open_parent(t, buf, sizeof buf, &name);
    if (dfd < 0) return fail(err, err_size, "read", t->path, errno);
    struct stat st;
    int rc;
    if (!*name) rc = fstat(dfd, &st) != 0 ? fail(err, err_size, "read", t->path, errno)
                                           : check_regular(&st, t->path, err, err_size);
    else if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0) rc = fail(err, err_size, "read", t->path, errno);
    else rc = check_regular(&st, t->path, err, err_size);
    int fd = -1;
    if (rc == 0) {
        /* O_NONBLOCK: should a FIFO take the file's place after the fstatat, the open does not wait. */
        fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) rc = fail(err, err_size, "read", t->path, errno);
        else if (fstat(fd, &st) != 0) rc = fail(err, err_size, "read", t->path, errno);
        else rc = check_regular(&st, t->path, err, err_size);
    }
    close(dfd);
    if (rc != 0) {
        if (fd >= 0) close(fd);
        return rc;
    }
    size_t cap = (size_t)st.st_size < limit ? (size_t)st.st_size + 1 : limit + 1, n = 0;
    char *b = malloc(cap + 1);
    if (!b) { close(fd); snprintf(err, err_size, "out of memory reading '%s'", t->path); return WEE_ENOMEM; }
    for (;;) {
        if (n == cap) { /* the file grew since fstat */
            if (cap > limit) break;
            size_t ncap = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
            char *nb = realloc(b, ncap + 1);
            if (!nb) { free(b); close(fd); snprintf(err, err_size, "out of memory reading '%s'", t->path); return WEE_ENOMEM; }
            b = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) { int e = errno; free(b); close(fd); return fail(err, err_size, "read", t->path, e); }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (n > limit) {
        free(b);
        size_t size = n > (size_t)st.st_size ? n : (size_t)st.st_size;
        snprintf(err, err_size, "'%s' is %s%zu KB, more than the %zu KB of memory_kb left", t->path,
                 n > (size_t)st.st_size ? "at least " : "", size / 1024, limit / 1024);
        return WEE_ENOMEM;
    }
    b[n] = '\0';
    *data = b;
    *len = n;
    return 0;
}

int fsops_write(const fs_target *t, const char *data, size_t len, int append, char *err, size_t err_size)
{
    char buf[WALK_PATH_MAX];
    const char *name;
    int dfd = open_parent(t, buf, sizeof buf, &name);
    if (dfd < 0) return fail(err, err_size, "open for writing", t->path, errno);
    struct stat st;
    int rc = 0;
    if (!*name) rc = fail(err, err_size, "open for writing", t->path, EISDIR);
    else if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) rc = check_regular(&st, t->path, err, err_size);
    else if (errno != ENOENT) rc = fail(err, err_size, "open for writing", t->path, errno);
    int fd = -1;
    if (rc == 0) {
        /* No O_TRUNC before the type is known: truncation waits for the fstat below. */
        fd = openat(dfd, name, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC |
                    (append ? O_APPEND : 0), 0644);
        if (fd < 0) rc = fail(err, err_size, "open for writing", t->path, errno);
        else if (fstat(fd, &st) != 0) rc = fail(err, err_size, "open for writing", t->path, errno);
        else rc = check_regular(&st, t->path, err, err_size);
        if (rc == 0 && !append && ftruncate(fd, 0) != 0) rc = fail(err, err_size, "write", t->path, errno);
    }
    close(dfd);
    size_t done = 0;
    while (rc == 0 && done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) rc = fail(err, err_size, "write", t->path, errno);
        else done += (size_t)n;
    }
    if (fd >= 0 && close(fd) != 0 && rc == 0) rc = fail(err, err_size, "write", t->path, errno);
    return rc;
}

int fsops_move(const fs_target *from, const fs_target *to, char *err, size_t err_size)
{
    char fbuf[WALK_PATH_MAX], tbuf[WALK_PATH_MAX];
    const char *fname, *tname;
    int ffd = open_parent(from, fbuf, sizeof fbuf, &fname);
    if (ffd < 0) return fail(err, err_size, "move", from->path, errno);
    int tfd = open_parent(to, tbuf, sizeof tbuf, &tname);
    if (tfd < 0) {
        int e = errno;
        close(ffd);
        return fail(err, err_size, "move to", to->path, e);
    }
    int rc = 0;
    if (!*fname || !*tname) rc = fail(err, err_size, "move", !*fname ? from->path : to->path, EBUSY);
    else if (renameat(ffd, fname, tfd, tname) != 0) {
        int e = errno;
        snprintf(err, err_size, "cannot move '%s' to '%s': %s", from->path, to->path, reason(e));
        rc = errno_to_wee(e);
    }
    close(ffd);
    close(tfd);
    return rc;
}

int fsops_delete(const fs_target *t, char *err, size_t err_size)
{
    char buf[WALK_PATH_MAX];
    const char *name;
    int dfd = open_parent(t, buf, sizeof buf, &name);
    if (dfd < 0) return fail(err, err_size, "delete", t->path, errno);
    struct stat st;
    int rc = 0;
    if (!*name) rc = fail(err, err_size, "delete", t->path, EBUSY);
    else if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
             unlinkat(dfd, name, S_ISDIR(st.st_mode) ? AT_REMOVEDIR : 0) != 0)
        rc = fail(err, err_size, "delete", t->path, errno);
    close(dfd);
    return rc;
}

int fsops_exists(const fs_target *t)
{
    char buf[WALK_PATH_MAX];
    const char *name;
    int dfd = open_parent(t, buf, sizeof buf, &name);
    if (dfd < 0) return 0;
    struct stat st;
    int found = !*name || fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
    close(dfd);
    return found;
}

int fsops_list(const fs_target *t, plat_dir_fn fn, void *ctx, char *err, size_t err_size)
{
    char buf[WALK_PATH_MAX];
    const char *name;
    int dfd = open_parent(t, buf, sizeof buf, &name);
    if (dfd < 0) return fail(err, err_size, "list", t->path, errno);
    int fd = *name ? open_dir_at(dfd, name) : dup(dfd);
    int e = errno;
    close(dfd);
    if (fd < 0) return fail(err, err_size, "list", t->path, e);
    DIR *d = fdopendir(fd);
    if (!d) { e = errno; close(fd); return fail(err, err_size, "list", t->path, e); }
    int rc = 0;
    for (;;) {
        errno = 0;
        struct dirent *ent = readdir(d);
        if (!ent) {
            if (errno) rc = fail(err, err_size, "list", t->path, errno);
            break;
        }
        if (strcmp(ent->d_name, ".") == 0 || strcmp(ent->d_name, "..") == 0) continue;
        struct stat st;
        int is_dir = fstatat(dirfd(d), ent->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
        if (fn(ent->d_name, is_dir, ctx) != 0) break;
    }
    closedir(d);
    return rc;
}
