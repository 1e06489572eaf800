/* core/platform/posix/process_detached.c - children started without waiting (plat_process_start). */
#include "process_internal.h"
#include "posix_errors.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct plat_child {
    pid_t pid;
    int done, exit_code;
};

int plat_process_start(const plat_process_spec *spec, int kill_with_host, plat_child **out, plat_process_result *res)
{
    (void)kill_with_host; /* no POSIX equivalent of a kill-on-close job */
    memset(res, 0, sizeof *res);
    *out = NULL;
    if (!spec || !spec->argv || !spec->argv[0] || !spec->argv[0][0]) {
        snprintf(res->error, sizeof res->error, "cannot start a process: no program given");
        return WEE_EINVAL;
    }
    plat_child *c = calloc(1, sizeof *c);
    int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
    int e = !c ? ENOMEM : devnull < 0 ? errno : 0, stage = SPAWN_FAILED_SETUP;
    pid_t pid = 0;
    if (e == 0) e = posix_spawn_child(spec, devnull, -1, &pid, &stage);
    if (devnull >= 0) close(devnull);
    if (e != 0) {
        posix_describe_failure(res, spec, e, stage);
        free(c);
        return posix_error_to_wee(e);
    }
    c->pid = pid;
    res->started = 1;
    res->pid = (uint64_t)pid;
    *out = c;
    return 0;
}

static void record(plat_child *c, int status)
{
    c->done = 1;
    c->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? -WTERMSIG(status) : -1;
}

int plat_child_exited(plat_child *c, int *exit_code)
{
    if (!c->done) {
        int status = 0;
        pid_t r;
        do r = waitpid(c->pid, &status, WNOHANG);
        while (r < 0 && errno == EINTR);
        if (r == c->pid) record(c, status);
        else if (r < 0) { /* reaped elsewhere: gone all the same */
            c->done = 1;
            c->exit_code = -1;
        }
    }
    if (c->done && exit_code) *exit_code = c->exit_code;
    return c->done;
}

void plat_child_kill(plat_child *c)
{
    if (c->done) return;
    /* Not reaped yet, so the group id cannot have been reused: the whole group goes. */
    kill(-c->pid, SIGKILL);
    int status = 0;
    pid_t r;
    do r = waitpid(c->pid, &status, 0);
    while (r < 0 && errno == EINTR);
    if (r == c->pid) {
        record(c, status);
    } else {
        c->done = 1;
        c->exit_code = -SIGKILL;
    }
}

void plat_child_free(plat_child *c) { free(c); }
