#include "process_internal.h"
#include "posix_errors.h"
#include "platform/capture_buf.h"
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* After the child exits, how long a grandchild still holding its stdout may keep us reading. Without
 * a bound, `sh -c 'daemon &'` would hold the caller until the daemon ends. */
#define EXIT_DRAIN_MS 250

typedef struct capture {
    int fd;           /* read end, -1 once closed */
    capture_buf b;
} capture;

static void capture_read(capture *c)
{
    char chunk[16384];
    ssize_t n = read(c->fd, chunk, sizeof chunk);
    if (n > 0) {
        capture_buf_take(&c->b, chunk, (size_t)n);
    } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
        close(c->fd);
        c->fd = -1;
    }
}

static char *capture_finish(capture *c, size_t *len)
{
    if (c->fd >= 0) close(c->fd);
    c->fd = -1;
    return capture_buf_finish(&c->b, len);
}

/* Without a pidfd: has pid exited? WNOWAIT leaves the zombie, so the pid (and the group id) cannot
 * be reused before the final waitpid and kill(-pid) stays safe. */
static int exited_nowait(pid_t pid)
{
    siginfo_t si;
    memset(&si, 0, sizeof si);
    return waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) == 0 && si.si_pid == pid;
}

static int64_t ms_until(uint64_t deadline_ns, uint64_t now_ns)
{
    return deadline_ns > now_ns ? (int64_t)((deadline_ns - now_ns + 999999u) / 1000000u) : 0;
}

/* Reads both pipes until the child has exited and they reach EOF, or the timeout kills the group. */
static void supervise(pid_t pid, int64_t timeout_ms, capture *out, capture *err, plat_process_result *res)
{
    uint64_t start = plat_monotonic_ns();
    uint64_t deadline = timeout_ms > 0 ? start + (uint64_t)timeout_ms * 1000000u : 0;
    int pidfd = posix_pidfd_open(pid);
    int exited = 0, backoff_ms = 1;
    uint64_t drain_until = 0;
    for (;;) {
        if (!exited && pidfd < 0) exited = exited_nowait(pid);
        uint64_t now = plat_monotonic_ns();
        if (exited && !drain_until) drain_until = now + (uint64_t)EXIT_DRAIN_MS * 1000000u;
        if (exited && out->fd < 0 && err->fd < 0) break;
        if (deadline && now >= deadline) {
            if (!exited) {
                kill(-pid, SIGKILL);
                res->timed_out = 1;
            }
            break;
        }
        if (exited && now >= drain_until) break;

        int64_t wait_ms = -1;
        if (deadline) wait_ms = ms_until(deadline, now);
        if (exited && (wait_ms < 0 || ms_until(drain_until, now) < wait_ms)) wait_ms = ms_until(drain_until, now);
        if (!exited && pidfd < 0) {
            if (wait_ms < 0 || backoff_ms < wait_ms) wait_ms = backoff_ms;
            if (backoff_ms < 50) backoff_ms *= 2;
        }
        struct pollfd fds[3];
        capture *owner[3];
        nfds_t nfds = 0;
        capture *caps[2] = { out, err };
        for (int i = 0; i < 2; i++) {
            if (caps[i]->fd < 0) continue;
            fds[nfds].fd = caps[i]->fd;
            fds[nfds].events = POLLIN;
            owner[nfds++] = caps[i];
        }
        if (pidfd >= 0 && !exited) {
            fds[nfds].fd = pidfd;
            fds[nfds].events = POLLIN;
            owner[nfds++] = NULL;
        }
        int ready = poll(fds, nfds, wait_ms > 1000000 ? 1000000 : (int)wait_ms);
        if (ready <= 0) continue; /* timeout or EINTR: the checks above decide */
        for (nfds_t i = 0; i < nfds; i++) {
            if (!fds[i].revents) continue;
            if (owner[i]) capture_read(owner[i]);
            else exited = 1;
        }
    }
    if (pidfd >= 0) close(pidfd);
    /* Past here nothing more is read: a grandchild still writing gets EPIPE, not our attention. */
    if (out->fd >= 0) { close(out->fd); out->fd = -1; }
    if (err->fd >= 0) { close(err->fd); err->fd = -1; }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    if (WIFEXITED(status)) res->exit_code = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) res->exit_code = -WTERMSIG(status);
}

void posix_describe_failure(plat_process_result *res, const plat_process_spec *spec, int e, int stage)
{
    char why[128];
    if (strerror_r(e, why, sizeof why) != 0) snprintf(why, sizeof why, "error %d", e);
    if (stage == SPAWN_FAILED_CWD)
        snprintf(res->error, sizeof res->error, "cannot start '%s': working directory '%s': %s", spec->argv[0],
                 spec->cwd, why);
    else
        snprintf(res->error, sizeof res->error, "cannot start '%s': %s", spec->argv[0], why);
}

int plat_process_run(const plat_process_spec *spec, plat_process_result *res)
{
    memset(res, 0, sizeof *res);
    if (!spec || !spec->argv || !spec->argv[0] || !spec->argv[0][0]) {
        snprintf(res->error, sizeof res->error, "cannot start a process: no program given");
        return WEE_EINVAL;
    }
    capture out = { -1, { NULL, 0, 0, spec->stdout_max, 0 } };
    capture err = { -1, { NULL, 0, 0, spec->stderr_max, 0 } };
    int out_pipe[2] = { -1, -1 }, err_pipe[2] = { -1, -1 };
    int e = posix_pipe_cloexec(out_pipe);
    if (e == 0 && spec->capture_stderr) e = posix_pipe_cloexec(err_pipe);
    pid_t pid = 0;
    int stage = SPAWN_FAILED_SETUP;
    if (e == 0) e = posix_spawn_child(spec, out_pipe[1], err_pipe[1], &pid, &stage);
    /* Our copies of the write ends must go, or EOF never comes. */
    if (out_pipe[1] >= 0) close(out_pipe[1]);
    if (err_pipe[1] >= 0) close(err_pipe[1]);
    out.fd = out_pipe[0];
    err.fd = err_pipe[0];
    if (e != 0) {
        if (out.fd >= 0) close(out.fd);
        if (err.fd >= 0) close(err.fd);
        posix_describe_failure(res, spec, e, stage);
        return posix_error_to_wee(e);
    }
    res->started = 1;
    res->pid = (uint64_t)pid;
    supervise(pid, spec->timeout_ms, &out, &err, res);
    res->out = capture_finish(&out, &res->out_len);
    res->out_truncated = out.b.truncated;
    if (spec->capture_stderr) res->err = capture_finish(&err, &res->err_len);
    else free(err.b.buf);
    return 0;
}

void plat_process_result_free(plat_process_result *res)
{
    if (!res) return;
    free(res->out);
    free(res->err);
    res->out = res->err = NULL;
    res->out_len = res->err_len = 0;
}
