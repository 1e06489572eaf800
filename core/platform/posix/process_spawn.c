/* posix_spawn_file_actions_addchdir_np, pipe2 and syscall() are GNU/Linux extensions. */
#define _GNU_SOURCE
#include "process_internal.h"
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

/* addchdir_np arrived in glibc 2.29 and addclosefrom_np in 2.34. Without addchdir the child is
 * started with fork/chdir/execve instead; WEE_SPAWN_FORCE_FORK selects that path for testing it. */
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 29)) && \
    !defined(WEE_SPAWN_FORCE_FORK)
#define HAVE_SPAWN_ADDCHDIR 1
#else
#define HAVE_SPAWN_ADDCHDIR 0
#endif
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
#define HAVE_SPAWN_ADDCLOSEFROM 1
#else
#define HAVE_SPAWN_ADDCLOSEFROM 0
#endif

int posix_pipe_cloexec(int fds[2])
{
    if (pipe2(fds, O_CLOEXEC) != 0) return errno;
    /* With stdin/stdout/stderr closed (a daemon) the pipe could land on 0-2, and the child's
     * dup2 onto 0-2 would then clobber one end before using it: move such ends higher. */
    for (int i = 0; i < 2; i++) {
        if (fds[i] > 2) continue;
        int high = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
        int e = errno;
        close(fds[i]);
        if (high < 0) {
            close(fds[1 - i]);
            return e;
        }
        fds[i] = high;
    }
    return 0;
}

int posix_pidfd_open(pid_t pid)
{
#ifdef SYS_pidfd_open
    long fd = syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) {
        fcntl((int)fd, F_SETFD, FD_CLOEXEC); /* pidfds are close-on-exec already; be explicit */
        return (int)fd;
    }
#else
    (void)pid;
#endif
    return -1;
}

static size_t name_len(const char *entry)
{
    const char *eq = strchr(entry, '=');
    return eq ? (size_t)(eq - entry) : strlen(entry);
}

static int same_name(const char *a, const char *b)
{
    size_t n = name_len(a);
    return n == name_len(b) && memcmp(a, b, n) == 0;
}

/* The inherited environment with env_add applied: an added name replaces the inherited entry, and a
 * later added entry wins over an earlier one. Only the pointer array is allocated. */
static char **build_env(const char *const *add)
{
    size_t n_env = 0, n_add = 0;
    while (environ && environ[n_env]) n_env++;
    while (add && add[n_add]) n_add++;
    char **env = malloc((n_env + n_add + 1) * sizeof *env);
    if (!env) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n_env; i++) {
        int replaced = 0;
        for (size_t j = 0; j < n_add && !replaced; j++) replaced = same_name(environ[i], add[j]);
        if (!replaced) env[k++] = environ[i];
    }
    for (size_t j = 0; j < n_add; j++) {
        int superseded = 0;
        for (size_t l = j + 1; l < n_add && !superseded; l++) superseded = same_name(add[j], add[l]);
        if (!superseded) env[k++] = (char *)add[j];
    }
    env[k] = NULL;
    return env;
}

#if HAVE_SPAWN_ADDCHDIR
/* Signals the engine blocks or ignores for itself must reach the child with their defaults. */
static void child_signal_defaults(sigset_t *defaults)
{
    sigemptyset(defaults);
    sigaddset(defaults, SIGINT);
    sigaddset(defaults, SIGTERM);
    sigaddset(defaults, SIGHUP);
    sigaddset(defaults, SIGPIPE);
}

static int chdir_impossible(const char *dir)
{
    struct stat st;
    return stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, X_OK) != 0;
}

static int spawn_posix(const plat_process_spec *spec, char **envp, int out_w, int err_w, pid_t *pid, int *stage)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t empty, defaults;
    sigemptyset(&empty);
    child_signal_defaults(&defaults);
    *stage = SPAWN_FAILED_SETUP;
    int rc = posix_spawn_file_actions_init(&fa);
    if (rc != 0) return rc;
    rc = posix_spawnattr_init(&attr);
    if (rc != 0) {
        posix_spawn_file_actions_destroy(&fa);
        return rc;
    }
    /* Own process group (pgid = pid) so a timeout can kill grandchildren with kill(-pid). */
    rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0) rc = posix_spawnattr_setpgroup(&attr, 0);
    if (rc == 0) rc = posix_spawnattr_setsigmask(&attr, &empty);
    if (rc == 0) rc = posix_spawnattr_setsigdefault(&attr, &defaults);
    if (rc == 0) rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    if (rc == 0) rc = posix_spawn_file_actions_adddup2(&fa, out_w, 1);
    if (rc == 0 && err_w >= 0) rc = posix_spawn_file_actions_adddup2(&fa, err_w, 2);
    if (rc == 0 && spec->cwd) rc = posix_spawn_file_actions_addchdir_np(&fa, spec->cwd);
#if HAVE_SPAWN_ADDCLOSEFROM
    /* Descriptors other code opened without O_CLOEXEC must not reach the child either. */
    if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
    if (rc == 0) {
        *stage = SPAWN_FAILED_EXEC;
        rc = posix_spawnp(pid, spec->argv[0], &fa, &attr, (char *const *)spec->argv, envp);
    }
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    return rc;
}
#else
/* Candidate paths for argv[0] the way execvp searches them, built before fork because the child of a
 * threaded process may only call async-signal-safe functions (no malloc, no getenv). */
static char **exec_candidates(const char *prog)
{
    if (strchr(prog, '/')) {
        char **c = malloc(2 * sizeof *c);
        if (!c) return NULL;
        c[0] = strdup(prog);
        c[1] = NULL;
        if (!c[0]) { free(c); return NULL; }
        return c;
    }
    const char *path = getenv("PATH");
    if (!path || !*path) path = "/bin:/usr/bin";
    size_t dirs = 1;
    for (const char *p = path; *p; p++) dirs += *p == ':';
    char **c = calloc(dirs + 1, sizeof *c);
    if (!c) return NULL;
    size_t k = 0, plen = strlen(prog);
    for (const char *p = path;; p++) {
        const char *end = strchr(p, ':');
        size_t dlen = end ? (size_t)(end - p) : strlen(p);
        char *full = malloc(dlen + plen + 3);
        if (!full) break;
        if (dlen == 0) memcpy(full, ".", 2); /* an empty PATH entry means the current directory */
        else { memcpy(full, p, dlen); full[dlen] = '\0'; }
        strcat(full, "/");
        strcat(full, prog);
        c[k++] = full;
        if (!end) break;
        p = end;
    }
    return c;
}

static void free_candidates(char **c)
{
    for (size_t i = 0; c && c[i]; i++) free(c[i]);
    free(c);
}

/* dup2 onto itself keeps FD_CLOEXEC (the fd would vanish at exec): clear the flag instead. */
static int place_fd(int from, int to)
{
    return from == to ? fcntl(to, F_SETFD, 0) : dup2(from, to);
}

/* Descriptors other code opened without O_CLOEXEC must not reach the child either. */
static void close_inherited(long max_fd, int keep)
{
    for (long fd = 3; fd < max_fd; fd++)
        if (fd != keep) close((int)fd);
}

static int spawn_fork(const plat_process_spec *spec, char **envp, int out_w, int err_w, pid_t *pid, int *stage)
{
    *stage = SPAWN_FAILED_SETUP;
    char **cand = exec_candidates(spec->argv[0]);
    if (!cand) return ENOMEM;
    int report[2];
    int rc = posix_pipe_cloexec(report);
    if (rc != 0) {
        free_candidates(cand);
        return rc;
    }
    int devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devnull < 0) {
        rc = errno;
        close(report[0]);
        close(report[1]);
        free_candidates(cand);
        return rc;
    }
    sigset_t empty;
    sigemptyset(&empty);
    long max_fd = sysconf(_SC_OPEN_MAX);
    if (max_fd < 0 || max_fd > 65536) max_fd = 65536; /* closing beyond this costs more than it saves */
    pid_t child = fork();
    if (child == 0) {
        /* Child: async-signal-safe calls only. Failures go back through the report pipe. */
        int why[2] = { SPAWN_FAILED_SETUP, 0 };
        setpgid(0, 0);
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        static const int reset[] = { SIGINT, SIGTERM, SIGHUP, SIGPIPE };
        for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++) sigaction(reset[i], &dfl, NULL);
        sigprocmask(SIG_SETMASK, &empty, NULL);
        if (place_fd(devnull, 0) < 0 || place_fd(out_w, 1) < 0 || (err_w >= 0 && place_fd(err_w, 2) < 0)) {
            why[1] = errno;
        } else {
            close_inherited(max_fd, report[1]);
            if (spec->cwd && chdir(spec->cwd) != 0) {
                why[0] = SPAWN_FAILED_CWD;
                why[1] = errno;
            } else {
                why[0] = SPAWN_FAILED_EXEC;
                why[1] = ENOENT;
                for (size_t i = 0; cand[i]; i++) {
                    execve(cand[i], (char *const *)spec->argv, envp);
                    /* Like execvp: a more telling error (EACCES, ENOEXEC) beats "not in this dir". */
                    if (errno != ENOENT && errno != ENOTDIR) why[1] = errno;
                }
            }
        }
        ssize_t ignored = write(report[1], why, sizeof why);
        (void)ignored;
        _exit(127);
    }
    int fork_errno = errno;
    close(report[1]);
    close(devnull);
    free_candidates(cand);
    if (child < 0) {
        close(report[0]);
        return fork_errno;
    }
    setpgid(child, child); /* also from the parent, so kill(-pid) works before the child gets to it */
    int why[2];
    ssize_t n;
    do n = read(report[0], why, sizeof why);
    while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof why) {
        int status;
        while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
        }
        *stage = why[0];
        return why[1] ? why[1] : ENOEXEC;
    }
    *pid = child;
    return 0;
}
#endif

int posix_spawn_child(const plat_process_spec *spec, int out_w, int err_w, pid_t *pid, int *stage)
{
    char **envp = build_env(spec->env_add);
    if (!envp) {
        *stage = SPAWN_FAILED_SETUP;
        return ENOMEM;
    }
#if HAVE_SPAWN_ADDCHDIR
    int rc = spawn_posix(spec, envp, out_w, err_w, pid, stage);
    /* posix_spawn reports a bad cwd as the same ENOENT as a missing program: tell them apart. */
    if (rc != 0 && *stage == SPAWN_FAILED_EXEC && spec->cwd && chdir_impossible(spec->cwd)) *stage = SPAWN_FAILED_CWD;
#else
    int rc = spawn_fork(spec, envp, out_w, err_w, pid, stage);
#endif
    free(envp);
    return rc;
}
