/*
 * modules/file - Linux backend: inotify, one watch per folder, folders created later get a watch and a
 * scan at once (files created before the watch existed are still reported). The reader thread only
 * reads and hands off to file.c's backlog (never blocked by the engine); IN_Q_OVERFLOW re-establishes
 * every watch and asks file.c for a rescan, which recovers creations and deletions.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>
#include "file_backend.h"
#include "platform/platform.h"

/* Reads closer together than this are a stream of changes: see reader_main. */
#define COALESCE_NS 2000000u

#define WATCH_MASK (IN_CREATE | IN_MODIFY | IN_CLOSE_WRITE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | \
                    IN_DELETE_SELF | IN_ONLYDIR | IN_EXCL_UNLINK)

struct file_backend {
    file_watch *w;
    int fd, wake[2];
    char **dirs;          /* indexed by watch descriptor */
    size_t ndirs;
    plat_thread thread;
    /* a MOVED_FROM waiting for its MOVED_TO */
    uint32_t from_cookie;
    char *from_path;
    int from_is_dir;
};

static void set_dir(file_backend *b, int wd, const char *path)
{
    if (wd < 0) return;
    if ((size_t)wd >= b->ndirs) {
        size_t n = b->ndirs ? b->ndirs : 64;
        while (n <= (size_t)wd) n *= 2;
        char **d = realloc(b->dirs, n * sizeof *d);
        if (!d) return;
        memset(d + b->ndirs, 0, (n - b->ndirs) * sizeof *d);
        b->dirs = d;
        b->ndirs = n;
    }
    free(b->dirs[wd]);
    b->dirs[wd] = strdup(path);
}

/* dir/name into buf when it fits (the common case: no allocation per change), else on the heap; the
 * result is released with unjoin. */
static char *join_into(char *buf, size_t size, const char *dir, const char *name)
{
    size_t a = strlen(dir), n = strlen(name);
    char *p = a + n + 2 <= size ? buf : malloc(a + n + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    p[a] = '/';
    memcpy(p + a + 1, name, n + 1);
    return p;
}

static void unjoin(char *p, const char *buf) { if (p != buf) free(p); }

/* Adds a watch on dir and, when recursive, its subfolders. report: also report what is inside as
 * created (a folder that appeared after start). */
static void add_tree(file_backend *b, const char *dir, int report, int depth)
{
    if (depth > 64) return;
    int wd = inotify_add_watch(b->fd, dir, WATCH_MASK);
    if (wd < 0) {
        if (errno == ENOSPC)
            file_host(b->w)->log(WEE_LOG_ERROR, "file", "inotify watch limit reached at %s; raise "
                                 "/proc/sys/fs/inotify/max_user_watches", dir);
        return;
    }
    set_dir(b, wd, dir);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    char buf[1024];
    while ((e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char *p = join_into(buf, sizeof buf, dir, e->d_name);
        if (!p) continue;
        /* The entry's type usually comes with it; only file systems that do not say need an lstat. */
        int is_dir = e->d_type == DT_DIR;
        if (e->d_type == DT_UNKNOWN) { struct stat st; is_dir = lstat(p, &st) == 0 && S_ISDIR(st.st_mode); }
        if (report) file_report(b->w, FEV_CREATED, p, NULL, is_dir, 1);
        if (is_dir && file_recursive(b->w)) add_tree(b, p, report, depth + 1);
        unjoin(p, buf);
    }
    closedir(d);
}

/* A folder renamed inside the tree keeps its watch descriptors: rewrite their recorded paths. */
static void rename_dirs(file_backend *b, const char *from, const char *to)
{
    size_t fl = strlen(from);
    for (size_t i = 0; i < b->ndirs; i++) {
        char *d = b->dirs[i];
        if (!d || strncmp(d, from, fl) != 0 || (d[fl] != '/' && d[fl] != '\0')) continue;
        char *n = malloc(strlen(to) + strlen(d + fl) + 1);
        if (!n) continue;
        strcpy(n, to);
        strcat(n, d + fl);
        free(d);
        b->dirs[i] = n;
    }
}

/* A folder moved out of the tree keeps its inotify watches; without dropping them, changes in its new
 * place would be reported under its old path. Clearing the slot now also drops events already queued. */
static void forget_dirs(file_backend *b, const char *from)
{
    size_t fl = strlen(from);
    for (size_t i = 0; i < b->ndirs; i++) {
        char *d = b->dirs[i];
        if (!d || strncmp(d, from, fl) != 0 || (d[fl] != '/' && d[fl] != '\0')) continue;
        inotify_rm_watch(b->fd, (int)i);
        free(d);
        b->dirs[i] = NULL;
    }
}

static void flush_moved_from(file_backend *b)
{
    if (!b->from_path) return;
    if (b->from_is_dir) forget_dirs(b, b->from_path);
    file_report(b->w, FEV_DELETED, b->from_path, NULL, b->from_is_dir, 0);
    free(b->from_path);
    b->from_path = NULL;
}

static void rescan(file_backend *b)
{
    for (size_t i = 0; i < file_root_count(b->w); i++) add_tree(b, file_root(b->w, i), 0, 0);
    file_report_overflow(b->w, "inotify queue overflowed; watches re-established, the tree is rescanned against "
                         "the known paths");
}

static void handle(file_backend *b, const struct inotify_event *e)
{
    if (e->mask & IN_Q_OVERFLOW) { flush_moved_from(b); rescan(b); return; }
    if (e->mask & IN_IGNORED) {
        if (e->wd >= 0 && (size_t)e->wd < b->ndirs) { free(b->dirs[e->wd]); b->dirs[e->wd] = NULL; }
        return;
    }
    if (e->wd < 0 || (size_t)e->wd >= b->ndirs || !b->dirs[e->wd] || !e->len) return;
    int is_dir = (e->mask & IN_ISDIR) != 0;
    if (b->from_path && !((e->mask & IN_MOVED_TO) && e->cookie == b->from_cookie)) flush_moved_from(b);
    char buf[1024];
    char *path = join_into(buf, sizeof buf, b->dirs[e->wd], e->name);
    if (!path) return;
    if (e->mask & IN_CREATE) {
        file_report(b->w, FEV_CREATED, path, NULL, is_dir, 0);
        if (is_dir && file_recursive(b->w)) add_tree(b, path, 1, 1);
    } else if (e->mask & (IN_MODIFY | IN_CLOSE_WRITE)) {
        file_report(b->w, FEV_MODIFIED, path, NULL, 0, 0);
    } else if (e->mask & IN_DELETE) {
        file_report(b->w, FEV_DELETED, path, NULL, is_dir, 0);
    } else if (e->mask & IN_MOVED_FROM) {
        b->from_cookie = e->cookie;
        b->from_path = path == buf ? strdup(path) : path;
        b->from_is_dir = is_dir;
        return;
    } else if (e->mask & IN_MOVED_TO) {
        if (b->from_path) {
            if (is_dir) rename_dirs(b, b->from_path, path);
            file_report(b->w, FEV_RENAMED, path, b->from_path, is_dir, 0);
            free(b->from_path);
            b->from_path = NULL;
        } else {
            file_report(b->w, FEV_CREATED, path, NULL, is_dir, 0);
            if (is_dir && file_recursive(b->w)) add_tree(b, path, 1, 1);
        }
    }
    unjoin(path, buf);
}

static void reader_main(void *arg)
{
    file_backend *b = arg;
    /* Large enough for thousands of events per read, so a burst drains in few system calls. */
    static const size_t size = 256 * 1024;
    char *buf = malloc(size);
    if (!buf) return;
    uint64_t last_read = 0;
    for (;;) {
        struct pollfd p[2] = { { b->fd, POLLIN, 0 }, { b->wake[0], POLLIN, 0 } };
        /* A pending MOVED_FROM waits briefly for its MOVED_TO; otherwise it was a move out of the tree. */
        int rc = poll(p, 2, b->from_path ? 20 : -1);
        if (rc < 0 && errno == EINTR) continue;
        if (rc == 0) { flush_moved_from(b); file_report_flush(b->w); continue; }
        if (p[1].revents) break;
        ssize_t n = read(b->fd, buf, size);
        if (n <= 0) { if (n < 0 && (errno == EAGAIN || errno == EINTR)) continue; break; }
        size_t count = 0;
        for (char *q = buf; q < buf + n; count++) {
            const struct inotify_event *e = (const struct inotify_event *)(void *)q;
            handle(b, e);
            q += sizeof *e + e->len;
        }
        file_report_flush(b->w);
        /* In a burst, a short nap lets the kernel gather a buffer's worth instead of waking this thread
         * (which the writing program pays for too) per change. The first change after a quiet spell is
         * still read at once: only reads that came in a stream or brought several changes nap. */
        uint64_t now = plat_monotonic_ns();
        if (count > 1 || now - last_read < COALESCE_NS) plat_sleep_ms(1);
        last_read = now;
    }
    flush_moved_from(b);
    file_report_flush(b->w);
    free(buf);
}

int file_backend_start(file_watch *w, file_backend **out, char *err, size_t n)
{
    file_backend *b = calloc(1, sizeof *b);
    if (!b) return WEE_ENOMEM;
    b->w = w;
    b->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (b->fd < 0 || pipe2(b->wake, O_CLOEXEC) != 0) {
        snprintf(err, n, "inotify unavailable: %s", strerror(errno));
        if (b->fd >= 0) close(b->fd);
        free(b);
        return WEE_EIO;
    }
    for (size_t i = 0; i < file_root_count(w); i++) add_tree(b, file_root(w, i), 0, 0);
    if (plat_thread_start(&b->thread, reader_main, b) != 0) {
        snprintf(err, n, "cannot start the inotify reader thread");
        close(b->fd); close(b->wake[0]); close(b->wake[1]);
        free(b);
        return WEE_EFAILED;
    }
    *out = b;
    return 0;
}

void file_backend_stop(file_backend *b)
{
    if (!b) return;
    ssize_t ignored = write(b->wake[1], "x", 1);
    (void)ignored;
    plat_thread_join(&b->thread);
    close(b->fd);
    close(b->wake[0]);
    close(b->wake[1]);
    for (size_t i = 0; i < b->ndirs; i++) free(b->dirs[i]);
    free(b->dirs);
    free(b->from_path);
    free(b);
}
