/* core/platform/posix/path_trust.c - plat_path_check_admin_only: root-owned, not writable by others. */
#define _XOPEN_SOURCE 700 /* S_ISVTX, realpath */
#include "platform/platform.h"
#include "posix_errors.h"
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int plat_running_as_root(void) { return geteuid() == 0; }

static void user_of(uid_t uid, char *out, size_t size)
{
    struct passwd pw, *res = NULL;
    char buf[1024];
    if (getpwuid_r(uid, &pw, buf, sizeof buf, &res) == 0 && res) snprintf(out, size, "user %s", res->pw_name);
    else snprintf(out, size, "uid %lu", (unsigned long)uid);
}

static void group_of(gid_t gid, char *out, size_t size)
{
    struct group gr, *res = NULL;
    char buf[1024];
    if (getgrgid_r(gid, &gr, buf, sizeof buf, &res) == 0 && res) snprintf(out, size, "group %s", res->gr_name);
    else snprintf(out, size, "gid %lu", (unsigned long)gid);
}

/* One path component: owned by root (or us), not writable by group (other than root's) or others;
 * parent_sticky: its folder is world-writable but sticky, so only its owner may rename it. */
static int check_one(const char *path, const struct stat *st, int is_leaf, char *why, size_t why_size)
{
    uid_t me = geteuid();
    char who[160];
    if (st->st_uid != 0 && st->st_uid != me) {
        user_of(st->st_uid, who, sizeof who);
        snprintf(why, why_size, "%s is owned by %s, who can change it (fix: chown root %s)", path, who, path);
        return WEE_EPERM;
    }
    int dir_sticky = S_ISDIR(st->st_mode) && (st->st_mode & S_ISVTX);
    if ((st->st_mode & S_IWOTH) && !(dir_sticky && !is_leaf)) {
        snprintf(why, why_size, "%s is writable by every user (mode %04o; fix: chmod o-w %s)", path,
                 (unsigned)(st->st_mode & 07777), path);
        return WEE_EPERM;
    }
    if ((st->st_mode & S_IWGRP) && st->st_gid != 0 && !(dir_sticky && !is_leaf)) {
        group_of(st->st_gid, who, sizeof who);
        snprintf(why, why_size, "%s is writable by %s (mode %04o; fix: chmod g-w %s)", path, who,
                 (unsigned)(st->st_mode & 07777), path);
        return WEE_EPERM;
    }
    return 0;
}

/* path and every folder above it, as spelled (lstat: a symlink's own folder counts). */
static int check_chain(const char *path, char *why, size_t why_size)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        snprintf(why, why_size, "%s: path too long", path);
        return WEE_EINVAL;
    }
    size_t n = strlen(buf);
    while (n > 1 && buf[n - 1] == '/') buf[--n] = '\0';
    for (int leaf = 1;; leaf = 0) {
        struct stat st;
        if (lstat(buf, &st) != 0) {
            int e = errno;
            snprintf(why, why_size, "%s: %s", buf, strerror(e));
            return posix_error_to_wee(e);
        }
        int rc = check_one(buf, &st, leaf, why, why_size);
        if (rc != 0 && !leaf) {
            /* Say which path the folder is above, so the message reads right for the file checked. */
            char inner[1024];
            snprintf(inner, sizeof inner, "%s", why);
            snprintf(why, why_size, "%s: a folder above it: %s", path, inner);
        }
        if (rc != 0) return rc;
        char *slash = strrchr(buf, '/');
        if (!slash || (slash == buf && buf[1] == '\0')) break;
        if (slash == buf) slash[1] = '\0';
        else *slash = '\0';
    }
    return 0;
}

int plat_path_check_admin_only(const char *path, char *why, size_t why_size)
{
    char real[PATH_MAX], abs[PATH_MAX];
    if (!realpath(path, real)) {
        int e = errno;
        snprintf(why, why_size, "%s: %s", path, strerror(e));
        return posix_error_to_wee(e);
    }
    /* As given (made absolute) and as resolved: whoever can change a symlink on the way can redirect it. */
    if (path[0] != '/') {
        char cwd[PATH_MAX];
        if (!getcwd(cwd, sizeof cwd) || snprintf(abs, sizeof abs, "%s/%s", cwd, path) >= (int)sizeof abs)
            snprintf(abs, sizeof abs, "%s", real);
    } else {
        snprintf(abs, sizeof abs, "%s", path);
    }
    int rc = check_chain(abs, why, why_size);
    return rc != 0 ? rc : check_chain(real, why, why_size);
}
