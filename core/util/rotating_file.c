#include "util/rotating_file.h"
#include "util/path_name.h"
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "platform/append_file.h"
#include "platform/platform.h"
#include "wee/errors.h"

struct rotating_file {
    rotating_file *next;        /* registry list */
    unsigned refs;
    char *path;
    plat_mutex lock;            /* guards everything below */
    FILE *f;                    /* NULL after a failed reopen; the next write retries */
    uint64_t size;              /* bytes in the current file (at open, plus what we wrote) */
    uint64_t max_bytes;
    unsigned keep;
    uint64_t retry_after_ns;    /* after a failed rotation: no new attempt before this monotonic time */
    int failing;                /* in a run of failed rotations (reported once, at its start) */
    int torn;                   /* the last write stopped inside a record: the next one starts a new line */
    atomic_int rotate_error;    /* read without the lock: every line asks, rotations are rare */
};

#define ROTATE_RETRY_NS 1000000000ull

static plat_mutex registry_lock = PLAT_MUTEX_STATIC_INIT;
static rotating_file *registry;

static rotating_file *open_shared(const char *path, uint64_t max_bytes, unsigned keep, int open_now, int *err);

/* '\\' separates too where the platform's separator is '\\' (Windows), and there "C:" is a root. */
static int backslash_paths(void) { return plat_path_sep()[0] == '\\'; }

/* The folder above path into out ("" when path has no folder part: the current folder). 0 when
 * path is a root ("/", "C:\\", "\\\\server\\share") or does not fit. */
static int parent_of(const char *path, char *out, size_t size)
{
    size_t n = strlen(path);
    while (n > 1 && path_is_sep(path[n - 1])) n--;          /* "a/b/" is "a/b" */
    size_t cut = n;
    while (cut > 0 && !path_is_sep(path[cut - 1])) cut--;
    if (cut == 0) {
        if (n == 0 || (backslash_paths() && n == 2 && path[1] == ':')) return 0; /* "", "C:" */
        out[0] = '\0';                                   /* "name": the current folder */
        return 1;
    }
    if (cut == n) return 0;                              /* "/" */
    size_t keep = cut;
    while (keep > 1 && path_is_sep(path[keep - 1])) keep--;    /* "a//b" -> "a", "/x" -> "/" */
    if (backslash_paths()) {
        if (keep == 2 && path[1] == ':') keep = 3;      /* "C:\\x" -> "C:\\" */
        if (cut <= 2 && path_is_sep(path[0]) && path_is_sep(path[1])) return 0; /* "\\\\server" */
    }
    if (keep >= size) return 0;
    memcpy(out, path, keep);
    out[keep] = '\0';
    return 1;
}

/* mkdir -p of the folders above path. */
static int make_parent_dirs(const char *path)
{
    char dir[4096];
    if (!parent_of(path, dir, sizeof dir) || !dir[0] || plat_path_is_dir(dir)) return 0;
    if (plat_path_exists(dir)) return WEE_EEXISTS;
    int rc = make_parent_dirs(dir);
    return rc != 0 ? rc : plat_mkdir(dir);
}

static int open_current(rotating_file *rf)
{
    FILE *f = NULL;
    uint64_t size = 0;
    int rc = plat_append_open(rf->path, &f, &size);
    /* A log folder that does not exist yet is created at the first write (validating a config on
     * another machine, or before the first run, must not need it). */
    if (rc == WEE_ENOTFOUND && make_parent_dirs(rf->path) == 0) rc = plat_append_open(rf->path, &f, &size);
    if (rc != 0) return rc;
    /* Unbuffered: each fwrite of a whole record is one write() / WriteFile at the end of the file. */
    setvbuf(f, NULL, _IONBF, 0);
    rf->f = f;
    rf->size = size;
    return 0;
}

int rotating_file_check(const char *path, char *why, size_t why_size)
{
    char at[4096];
    if (!path || !*path) { snprintf(why, why_size, "no path given"); return WEE_EINVAL; }
    if (plat_path_is_dir(path)) { snprintf(why, why_size, "it is a directory; name a file in it"); return WEE_EINVAL; }
    if (plat_path_exists(path)) {
        int rc = plat_can_write(path);
        if (rc != 0) snprintf(why, why_size, "the file exists but cannot be written: %s", wee_strerror(rc));
        return rc;
    }
    /* Up to the nearest folder that exists: the rest is created at the first write. */
    snprintf(at, sizeof at, "%s", path);
    for (;;) {
        char up[4096];
        if (!parent_of(at, up, sizeof up)) { snprintf(why, why_size, "no existing folder above it"); return WEE_ENOTFOUND; }
        const char *dir = up[0] ? up : ".";
        if (plat_path_is_dir(dir)) {
            int rc = plat_can_write(dir);
            if (rc != 0) snprintf(why, why_size, "cannot create files in %s: %s", dir, wee_strerror(rc));
            return rc;
        }
        if (plat_path_exists(dir)) {
            snprintf(why, why_size, "%s is a file, not a folder", dir);
            return WEE_EEXISTS;
        }
        snprintf(at, sizeof at, "%s", up);
    }
}

rotating_file *rotating_file_open_deferred(const char *path, uint64_t max_bytes, unsigned keep, int *err)
{
    return open_shared(path, max_bytes, keep, 0, err);
}

rotating_file *rotating_file_open(const char *path, uint64_t max_bytes, unsigned keep, int *err)
{
    return open_shared(path, max_bytes, keep, 1, err);
}

static rotating_file *open_shared(const char *path, uint64_t max_bytes, unsigned keep, int open_now, int *err)
{
    int dummy;
    if (!err) err = &dummy;
    *err = 0;
    if (!path || !*path) { *err = WEE_EINVAL; return NULL; }
    if (keep > ROTATING_FILE_KEEP_MAX) keep = ROTATING_FILE_KEEP_MAX;
    plat_mutex_lock(&registry_lock);
    for (rotating_file *rf = registry; rf; rf = rf->next) {
        if (strcmp(rf->path, path) != 0) continue;
        rf->refs++;
        plat_mutex_unlock(&registry_lock);
        rotating_file_set_limits(rf, max_bytes, keep);
        return rf;
    }
    rotating_file *rf = calloc(1, sizeof *rf);
    size_t n = strlen(path) + 1;
    if (rf) rf->path = malloc(n);
    if (!rf || !rf->path) {
        if (rf) free(rf);
        plat_mutex_unlock(&registry_lock);
        *err = WEE_ENOMEM;
        return NULL;
    }
    memcpy(rf->path, path, n);
    rf->max_bytes = max_bytes;
    rf->keep = keep;
    rf->refs = 1;
    int rc = open_now ? open_current(rf) : 0;
    if (rc != 0) {
        free(rf->path);
        free(rf);
        plat_mutex_unlock(&registry_lock);
        *err = rc;
        return NULL;
    }
    plat_mutex_init(&rf->lock);
    rf->next = registry;
    registry = rf;
    plat_mutex_unlock(&registry_lock);
    return rf;
}

void rotating_file_set_limits(rotating_file *rf, uint64_t max_bytes, unsigned keep)
{
    if (keep > ROTATING_FILE_KEEP_MAX) keep = ROTATING_FILE_KEEP_MAX;
    plat_mutex_lock(&rf->lock);
    rf->max_bytes = max_bytes;
    rf->keep = keep;
    rf->retry_after_ns = 0;
    plat_mutex_unlock(&rf->lock);
}

static char *numbered(const char *path, unsigned i)
{
    size_t n = strlen(path) + 12;
    char *s = malloc(n);
    if (s) snprintf(s, n, "%s.%u", path, i);
    return s;
}

/* Shifts path.(keep-1) -> path.keep ... path -> path.1 (each rename replaces, which drops the
 * oldest). Called with rf->lock held and the current file closed. Stops at the first failure so
 * no file is lost; the caller then keeps appending to path. */
static int shift_files(rotating_file *rf)
{
    /* keep 0: emptied in place, not deleted - another writer of the same file (the host log and a log
     * action, or another process) would go on writing into a deleted file and its lines be lost. */
    if (rf->keep == 0) {
        int rc = plat_file_truncate(rf->path);
        return rc == WEE_ENOTFOUND ? 0 : rc;
    }
    for (unsigned i = rf->keep - 1; i >= 1; i--) {
        char *from = numbered(rf->path, i), *to = numbered(rf->path, i + 1);
        int rc = (from && to) ? plat_file_replace(from, to) : WEE_ENOMEM;
        free(from);
        free(to);
        if (rc != 0 && rc != WEE_ENOTFOUND) return rc;
    }
    char *first = numbered(rf->path, 1);
    int rc = first ? plat_file_replace(rf->path, first) : WEE_ENOMEM;
    free(first);
    return rc == WEE_ENOTFOUND ? 0 : rc; /* deleted behind our back: nothing to keep */
}

static int rotate(rotating_file *rf)
{
    fclose(rf->f);
    rf->f = NULL;
    int shifted = shift_files(rf);
    int opened = open_current(rf);
    if (shifted == 0) {
        rf->torn = 0; /* a fresh (or emptied) file */
        rf->failing = 0;
        rf->retry_after_ns = 0;
    } else {
        /* Typically a reader on Windows that opened a file without delete sharing: it will close it
         * soon, so try again in a second rather than on every line, and say it once per run. */
        if (!rf->failing) atomic_store(&rf->rotate_error, shifted);
        rf->failing = 1;
        rf->retry_after_ns = plat_monotonic_ns() + ROTATE_RETRY_NS;
    }
    return opened;
}

int rotating_file_write(rotating_file *rf, const void *data, size_t len)
{
    int rc = 0;
    plat_mutex_lock(&rf->lock);
    if (!rf->f) rc = open_current(rf);
    if (rc == 0 && rf->max_bytes > 0 && rf->size > 0 && rf->size + len > rf->max_bytes &&
        (rf->retry_after_ns == 0 || plat_monotonic_ns() >= rf->retry_after_ns))
        rc = rotate(rf);
    if (rc == 0) {
        /* After a torn record (disk full, quota) the file ends mid-line: this record starts with a
         * newline in the same write, so it is not glued onto the torn one. */
        char *joined = rf->torn ? malloc(len + 1) : NULL;
        const void *out = data;
        size_t out_len = len;
        if (joined) {
            joined[0] = '\n';
            memcpy(joined + 1, data, len);
            out = joined;
            out_len = len + 1;
        }
        size_t written = fwrite(out, 1, out_len, rf->f);
        if (written != out_len || fflush(rf->f) != 0) rc = WEE_EIO;
        rf->size += written;
        if (written > 0) rf->torn = written < out_len;
        free(joined);
    }
    plat_mutex_unlock(&rf->lock);
    return rc;
}

int rotating_file_take_rotate_error(rotating_file *rf)
{
    /* A second lock per written line halved the log action's throughput with two workers. */
    if (atomic_load_explicit(&rf->rotate_error, memory_order_relaxed) == 0) return 0;
    return atomic_exchange(&rf->rotate_error, 0);
}

void rotating_file_close(rotating_file *rf)
{
    if (!rf) return;
    plat_mutex_lock(&registry_lock);
    if (--rf->refs > 0) {
        plat_mutex_unlock(&registry_lock);
        return;
    }
    for (rotating_file **p = &registry; *p; p = &(*p)->next) {
        if (*p == rf) { *p = rf->next; break; }
    }
    plat_mutex_unlock(&registry_lock);
    if (rf->f) fclose(rf->f);
    plat_mutex_destroy(&rf->lock);
    free(rf->path);
    free(rf);
}
