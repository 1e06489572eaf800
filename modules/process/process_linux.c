/*
 * modules/process/process_linux.c - Linux backend of the process source.
 *
 * auto mode: the netlink process connector (NETLINK_CONNECTOR, group CN_IDX_PROC, PROC_CN_MCAST_LISTEN).
 *   - PROC_EVENT_EXEC -> process.started: exec is the moment the program (exe, cmdline) is known. A fork
 *     without exec keeps running its parent's program, so FORK is not an event of its own; it is only
 *     remembered (parent pid, engine ownership) for the exec or exit that follows.
 *   - PROC_EVENT_EXIT of a thread-group leader -> process.stopped with the exit status.
 *   Fields are read from /proc/<pid> at once (exe link, cmdline, status, stat); a process gone
 *   before that still yields an event with what is known.
 *   Binding to the connector's multicast group needs CAP_NET_ADMIN (root). When it is refused the source
 *   logs one line saying why and polls /proc instead.
 * poll mode (or the fallback): /proc snapshots every poll_ms, diffed (process_poll.c); no exit codes.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include "platform/platform.h"
#include "process_backend.h"
#include "process_poll.h"

#define MODULE "process"

struct process_backend {
    process_source *s;
    plat_thread thread;
    int fd;                 /* netlink socket, -1 in poll mode */
    poll_proc *prev, *cur;  /* poll mode snapshots */
    size_t nprev, ncur, cap;
};

/* Reads at most size-1 bytes of a /proc file; returns the byte count or -1. */
static ssize_t read_small(const char *path, char *buf, size_t size)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    size_t got = 0;
    while (got + 1 < size) {
        ssize_t n = read(fd, buf + got, size - 1 - got);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += (size_t)n;
    }
    close(fd);
    buf[got] = '\0';
    return (ssize_t)got;
}

/* ppid, session id and start time (clock ticks since boot) from /proc/<pid>/stat. The command name in
 * parentheses may itself contain ") ", so fields are counted from the last ')'. */
static int read_stat(int64_t pid, int64_t *ppid, int64_t *session, uint64_t *start)
{
    char path[64], buf[1024];
    snprintf(path, sizeof path, "/proc/%lld/stat", (long long)pid);
    if (read_small(path, buf, sizeof buf) <= 0) return -1;
    char *p = strrchr(buf, ')');
    if (!p) return -1;
    p++;
    long long fields[20] = { 0 };
    /* after ')': state(3) ppid(4) pgrp(5) session(6) tty(7) tpgid(8) flags(9) minflt.. (10-17)
     * priority(18) nice(19) num_threads(20) itrealvalue(21) starttime(22) */
    char state;
    int n = sscanf(p, " %c %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
                   &state, &fields[0], &fields[1], &fields[2], &fields[3], &fields[4], &fields[5], &fields[6],
                   &fields[7], &fields[8], &fields[9], &fields[10], &fields[11], &fields[12], &fields[13],
                   &fields[14], &fields[15], &fields[16], &fields[17], &fields[18]);
    if (n < 4) return -1;
    if (ppid) *ppid = fields[0];
    if (session) *session = fields[2];
    if (start) *start = n >= 20 ? (uint64_t)fields[18] : 0;
    return 0;
}

static int read_uid(int64_t pid, long *uid)
{
    char path[64], buf[4096];
    snprintf(path, sizeof path, "/proc/%lld/status", (long long)pid);
    if (read_small(path, buf, sizeof buf) <= 0) return -1;
    const char *u = strstr(buf, "\nUid:");
    return u && sscanf(u + 5, "%ld", uid) == 1 ? 0 : -1;
}

static void user_name(long uid, char *out, size_t size)
{
    struct passwd pw, *res = NULL;
    char buf[2048];
    if (getpwuid_r((uid_t)uid, &pw, buf, sizeof buf, &res) == 0 && res && res->pw_name)
        snprintf(out, size, "%s", res->pw_name);
    else
        snprintf(out, size, "%ld", uid);
}

/* Everything /proc still tells about pid; fields stay unknown when it is already gone. */
static void read_proc_info(int64_t pid, proc_info *info)
{
    char path[64];
    proc_info_clear(info, pid);
    snprintf(path, sizeof path, "/proc/%lld/exe", (long long)pid);
    ssize_t n = readlink(path, info->exe, sizeof info->exe - 1);
    info->exe[n > 0 ? n : 0] = '\0';
    if (n <= 0) {   /* another user's process (not root), or a kernel thread: the kernel's name for it */
        snprintf(path, sizeof path, "/proc/%lld/comm", (long long)pid);
        ssize_t c = read_small(path, info->name, sizeof info->name);
        while (c > 0 && info->name[c - 1] == '\n') info->name[--c] = '\0';
    }
    snprintf(path, sizeof path, "/proc/%lld/cmdline", (long long)pid);
    n = read_small(path, info->cmdline, sizeof info->cmdline);
    for (ssize_t i = 0; i < n; i++)
        if (info->cmdline[i] == '\0') info->cmdline[i] = ' ';
    while (n > 0 && info->cmdline[n - 1] == ' ') info->cmdline[--n] = '\0';
    read_stat(pid, &info->ppid, &info->session_id, NULL);
    long uid;
    if (read_uid(pid, &uid) == 0) user_name(uid, info->user, sizeof info->user);
}

static int parse_pid(const char *name, int64_t *pid)
{
    if (!*name) return 0;
    int64_t v = 0;
    for (const char *c = name; *c; c++) {
        if (*c < '0' || *c > '9') return 0;
        v = v * 10 + (*c - '0');
    }
    *pid = v;
    return 1;
}

/* Fills b->cur with the processes running now. */
static int take_snapshot(struct process_backend *b)
{
    DIR *d = opendir("/proc");
    if (!d) return -1;
    b->ncur = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        int64_t pid;
        if (!parse_pid(de->d_name, &pid)) continue;
        poll_proc p = { .pid = pid, .ppid = -1 };
        if (read_stat(pid, &p.ppid, NULL, &p.ident) != 0) continue;   /* gone meanwhile */
        if (b->ncur == b->cap) {
            size_t cap = b->cap ? b->cap * 2 : 512;
            poll_proc *a = realloc(b->prev, cap * sizeof *a), *c;
            if (!a) break;
            b->prev = a;
            c = realloc(b->cur, cap * sizeof *c);
            if (!c) break;
            b->cur = c;
            b->cap = cap;
        }
        b->cur[b->ncur++] = p;
    }
    closedir(d);
    return 0;
}

static void poll_on_new(void *ctx, const poll_proc *p)
{
    struct process_backend *b = ctx;
    proc_info info;
    read_proc_info(p->pid, &info);
    if (info.ppid < 0) info.ppid = p->ppid;
    process_report_started(b->s, &info);
}

static void poll_on_gone(void *ctx, const poll_proc *p)
{
    struct process_backend *b = ctx;
    process_report_stopped(b->s, p->pid, NULL, 0, 0);
}

static void seed_on_new(void *ctx, const poll_proc *p)
{
    struct process_backend *b = ctx;
    proc_info info;
    read_proc_info(p->pid, &info);
    if (info.ppid < 0) info.ppid = p->ppid;
    process_seed(b->s, &info);
}

static void ignore_proc(void *ctx, const poll_proc *p) { (void)ctx; (void)p; }

static void swap_snapshots(struct process_backend *b)
{
    poll_proc *t = b->prev;
    b->prev = b->cur;
    b->cur = t;
    b->nprev = b->ncur;
    b->ncur = 0;
}

/* Remembers the processes running now (no events), so their exit is reported with their program. */
static void seed_from_proc(struct process_backend *b)
{
    if (take_snapshot(b) != 0) return;
    poll_diff(NULL, 0, b->cur, b->ncur, seed_on_new, ignore_proc, b);
    swap_snapshots(b);
}

static void poll_thread(void *arg)
{
    struct process_backend *b = arg;
    seed_from_proc(b);
    while (!process_wait(b->s, process_poll_ms(b->s))) {
        if (take_snapshot(b) != 0) continue;
        poll_diff(b->prev, b->nprev, b->cur, b->ncur, poll_on_new, poll_on_gone, b);
        swap_snapshots(b);
    }
}

/* --- netlink process connector --- */

static int netlink_send_op(int fd, enum proc_cn_mcast_op op)
{
    /* nlmsghdr | cn_msg | op, laid out as the kernel reads them (NLMSG_LENGTH aligns the header). */
    union { struct nlmsghdr align; char bytes[NLMSG_SPACE(sizeof(struct cn_msg) + sizeof op)]; } msg;
    memset(&msg, 0, sizeof msg);
    struct nlmsghdr *nl = &msg.align;
    nl->nlmsg_len = NLMSG_LENGTH(sizeof(struct cn_msg) + sizeof op);
    nl->nlmsg_type = NLMSG_DONE;
    nl->nlmsg_pid = 0;
    struct cn_msg *cn = NLMSG_DATA(nl);
    cn->id.idx = CN_IDX_PROC;
    cn->id.val = CN_VAL_PROC;
    cn->len = sizeof op;
    memcpy(cn->data, &op, sizeof op);
    return send(fd, nl, nl->nlmsg_len, 0) == (ssize_t)nl->nlmsg_len ? 0 : -1;
}

static int netlink_open(char *why, size_t why_size)
{
    int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_CONNECTOR);
    if (fd < 0) { snprintf(why, why_size, "socket(NETLINK_CONNECTOR): %s", strerror(errno)); return -1; }
    struct sockaddr_nl sa;
    memset(&sa, 0, sizeof sa);
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = CN_IDX_PROC;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        snprintf(why, why_size, "bind to the proc connector group: %s%s", strerror(errno),
                 errno == EPERM ? " (needs root / CAP_NET_ADMIN)" : "");
        close(fd);
        return -1;
    }
    /* A big receive buffer rides out bursts (fork storms); as root FORCE ignores rmem_max. */
    int rcv = 4 * 1024 * 1024;
    if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcv, sizeof rcv) != 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    if (netlink_send_op(fd, PROC_CN_MCAST_LISTEN) != 0) {
        snprintf(why, why_size, "PROC_CN_MCAST_LISTEN: %s%s", strerror(errno),
                 errno == ECONNREFUSED ? " (the connector lives only in the host's initial network namespace: "
                                         "a container needs the host network)" : "");
        close(fd);
        return -1;
    }
    return fd;
}

static void handle_proc_event(struct process_backend *b, const struct proc_event *ev)
{
    switch (ev->what) {
    case PROC_EVENT_FORK:
        if (ev->event_data.fork.child_pid == ev->event_data.fork.child_tgid)   /* a process, not a thread */
            process_note_fork(b->s, ev->event_data.fork.child_tgid, ev->event_data.fork.parent_tgid);
        break;
    case PROC_EVENT_EXEC: {
        proc_info info;
        read_proc_info(ev->event_data.exec.process_tgid, &info);
        process_report_started(b->s, &info);
        break;
    }
    case PROC_EVENT_EXIT: {
        if (ev->event_data.exit.process_pid != ev->event_data.exit.process_tgid) break;  /* a thread */
        /* exit_code is the wait status: exit(n) is n << 8, death by signal s is s (| 0x80 with a core). */
        unsigned st = ev->event_data.exit.exit_code;
        int64_t code = (st & 0x7f) == 0 ? (int64_t)((st >> 8) & 0xff) : -(int64_t)(st & 0x7f);
        process_report_stopped(b->s, ev->event_data.exit.process_tgid, NULL, 1, code);
        break;
    }
    default:
        break;
    }
}

static void netlink_thread(void *arg)
{
    struct process_backend *b = arg;
    const wee_host_api *h = process_host(b->s);
    seed_from_proc(b);
    union { struct nlmsghdr align; char bytes[65536]; } buf;
    while (!process_stopping(b->s)) {
        struct pollfd pfd = { .fd = b->fd, .events = POLLIN };
        int pr = poll(&pfd, 1, 200);
        if (pr <= 0) continue;
        ssize_t n = recv(b->fd, buf.bytes, sizeof buf.bytes, 0);
        if (n < 0) {
            if (errno == ENOBUFS) {
                /* The kernel dropped messages because we fell behind; it does not say how many. */
                h->report_lost(process_wee_source(b->s), 1, "netlink proc connector overflow (ENOBUFS)");
                h->log(WEE_LOG_WARN, MODULE, "netlink proc connector overflowed; some process events were lost");
            }
            continue;
        }
        for (struct nlmsghdr *nl = &buf.align; NLMSG_OK(nl, (unsigned)n); nl = NLMSG_NEXT(nl, n)) {
            if (nl->nlmsg_type == NLMSG_ERROR || nl->nlmsg_type == NLMSG_NOOP) continue;
            if (nl->nlmsg_len < NLMSG_LENGTH(sizeof(struct cn_msg))) continue;
            const struct cn_msg *cn = NLMSG_DATA(nl);
            if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC) continue;
            if (cn->len < sizeof(struct proc_event) - sizeof(((struct proc_event *)0)->event_data)) continue;
            struct proc_event ev;
            memset(&ev, 0, sizeof ev);
            memcpy(&ev, cn->data, cn->len < sizeof ev ? cn->len : sizeof ev);
            handle_proc_event(b, &ev);
        }
    }
    netlink_send_op(b->fd, PROC_CN_MCAST_IGNORE);
}

int process_backend_start(process_source *s, process_backend **out, char *err, size_t err_size)
{
    const wee_host_api *h = process_host(s);
    struct process_backend *b = calloc(1, sizeof *b);
    if (!b) return WEE_ENOMEM;
    b->s = s;
    b->fd = -1;
    if (process_get_mode(s) == PROCESS_MODE_AUTO) {
        char why[256];
        b->fd = netlink_open(why, sizeof why);
        if (b->fd < 0)
            h->log(WEE_LOG_WARN, MODULE, "netlink proc connector refused (%s); polling /proc every %lld ms instead "
                   "(no exit codes, processes shorter than the interval are missed)", why, (long long)process_poll_ms(s));
    } else {
        h->log(WEE_LOG_INFO, MODULE, "mode \"poll\": polling /proc every %lld ms", (long long)process_poll_ms(s));
    }
    if (plat_thread_start(&b->thread, b->fd >= 0 ? netlink_thread : poll_thread, b) != 0) {
        if (b->fd >= 0) close(b->fd);
        free(b);
        snprintf(err, err_size, "cannot start the process source thread");
        return WEE_EFAILED;
    }
    *out = b;
    return 0;
}

void process_backend_stop(process_backend *b)
{
    plat_thread_join(&b->thread);
    if (b->fd >= 0) close(b->fd);
    free(b->prev);
    free(b->cur);
    free(b);
}
