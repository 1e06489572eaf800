/*
 * core/platform/platform.h - the only door from portable code to the operating system.
 *
 * Implemented twice, side by side: core/platform/posix/ and core/platform/win32/. Portable code
 * (core/, modules' portable files) includes this header and never <windows.h> or <unistd.h>.
 * Built as the static library `wee_platform` (position independent) so modules can link it too.
 *
 * Strings are UTF-8 everywhere; the Win32 side converts to UTF-16 at each call.
 * Functions returning int return 0 or a negative WEE_E* code (wee/errors.h).
 */
#ifndef WEE_PLATFORM_H
#define WEE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
/* Same layout as SRWLOCK / CONDITION_VARIABLE (one pointer each), so no <windows.h> here. */
typedef struct plat_mutex { void *opaque; } plat_mutex;
typedef struct plat_cond { void *opaque; } plat_cond;
#else
#include <pthread.h>
typedef struct plat_mutex { pthread_mutex_t m; } plat_mutex;
typedef struct plat_cond { pthread_cond_t c; } plat_cond;
#endif

typedef struct plat_thread { uintptr_t handle; } plat_thread;
typedef void (*plat_thread_fn)(void *arg);

/* --- threads and synchronisation --- */
/* Every thread start is checked (docs/modules.md "Out of memory"): the compilers that can say so warn
 * when the result is ignored. */
#if defined(__GNUC__) || defined(__clang__)
#define PLAT_MUST_CHECK __attribute__((warn_unused_result))
#else
#define PLAT_MUST_CHECK
#endif
/* 0, or WEE_ENOMEM / WEE_EFAILED (no thread: t must not be joined). */
PLAT_MUST_CHECK int plat_thread_start(plat_thread *t, plat_thread_fn fn, void *arg);
void plat_thread_join(plat_thread *t);
void plat_mutex_init(plat_mutex *m);
void plat_mutex_destroy(plat_mutex *m);
void plat_mutex_lock(plat_mutex *m);
void plat_mutex_unlock(plat_mutex *m);
void plat_cond_init(plat_cond *c);
void plat_cond_destroy(plat_cond *c);
void plat_cond_wait(plat_cond *c, plat_mutex *m);
/* Returns 0 when signalled (or spuriously woken), WEE_ETIMEOUT when timeout_ms elapsed. */
int plat_cond_timedwait(plat_cond *c, plat_mutex *m, int64_t timeout_ms);
void plat_cond_signal(plat_cond *c);
void plat_cond_broadcast(plat_cond *c);

/* --- time --- */
uint64_t plat_monotonic_ns(void);
int64_t plat_wall_time_ms(void);          /* Unix epoch, UTC */
void plat_sleep_ms(int64_t ms);
/* "2026-11-25T06:56:02.123Z" into buf (>= 32 bytes). */
void plat_format_rfc3339(int64_t epoch_ms, char *buf, size_t size);
/* Local broken-down time for daily schedules: fills hour, minute, second, weekday (0 = Sunday). */
int plat_local_time(int64_t epoch_ms, int *hour, int *minute, int *second, int *weekday);

/* --- system facts --- */
unsigned plat_cpu_count(void);
void plat_hostname(char *buf, size_t size);
int plat_exe_dir(char *buf, size_t size);  /* folder of the running executable, no trailing slash */
int plat_exe_path(char *buf, size_t size); /* the running executable itself (to run it as a child) */
uint64_t plat_getpid(void);
const char *plat_path_sep(void);          /* "/" or "\\" */
int plat_is_wine(void);                   /* 1 under Wine (wine_get_version exists) */
size_t plat_peak_rss_kb(void);            /* 0 if unknown */
size_t plat_current_rss_kb(void);         /* 0 if unknown */
int plat_home_dir(char *buf, size_t size); /* the user's home ($HOME, %USERPROFILE%); WEE_ENOTFOUND if unset */

/* --- dynamic libraries --- */
const char *plat_dl_suffix(void);         /* ".so" / ".dll" */
void *plat_dl_open(const char *path, char *err, size_t err_size);
void *plat_dl_sym(void *lib, const char *name);
void plat_dl_close(void *lib);

/* --- files and directories --- */
typedef int (*plat_dir_fn)(const char *name, int is_dir, void *ctx); /* non-zero stops the walk */
/* Calls fn for each entry of dir except "." and "..", in no particular order. */
int plat_dir_list(const char *dir, plat_dir_fn fn, void *ctx);
int plat_path_is_dir(const char *path);
int plat_path_exists(const char *path);
/* Reads a whole file into a NUL-terminated malloc'd buffer (caller frees with free()). */
int plat_read_file(const char *path, char **data, size_t *len);
/* Canonical absolute path (symlinks resolved) into buf; WEE_ENOTFOUND if it does not exist. */
int plat_realpath(const char *path, char *buf, size_t size);

/* --- who may change a path (docs/security.md: the config and modules of a root / SYSTEM engine) --- */
/* 0 if only administrators (POSIX: root; Windows: SYSTEM, Administrators, TrustedInstaller) or the
 * account running this process can change path: its owner is one of them and nobody else may write it.
 * POSIX checks every folder above it too (a writer of a parent can swap the folder; a sticky folder such
 * as /tmp counts as safe for entries owned by root). Windows checks path itself: ProgramData lets users
 * create folders but not replace another's. Otherwise WEE_EPERM and one line in why naming path, who
 * can write it and the command that fixes it; WEE_ENOTFOUND if path does not exist. */
int plat_path_check_admin_only(const char *path, char *why, size_t why_size);
/* 1 when this process runs as root (POSIX effective uid 0); 0 on Windows (the service mode is known
 * to the caller). */
int plat_running_as_root(void);

/* UTF-8 argv: on Windows rebuilt from GetCommandLineW (the CRT's argv is in the ANSI code page and
 * loses characters outside it); elsewhere argv itself. Lives until exit. */
char **plat_utf8_argv(int argc, char **argv);

/* --- signals / console control --- */
enum { PLAT_SIGNAL_NONE = 0, PLAT_SIGNAL_STOP = 1, PLAT_SIGNAL_RELOAD = 2 };
/* Call first in main(), before any thread starts: routes SIGINT/SIGTERM (Ctrl+C, Ctrl+Break, console
 * close on Windows) to STOP and SIGHUP to RELOAD, and installs the crash handler. */
int plat_signals_init(void);
/* Waits up to timeout_ms for a signal; returns PLAT_SIGNAL_*. */
int plat_signals_wait(int64_t timeout_ms);
/* Lets another thread wake plat_signals_wait as if a signal came (used by tests and reload). */
void plat_signals_raise(int which);

/* --- child processes (exec, pwsh, lua exec.run) --- */
typedef struct plat_process_spec {
    const char *const *argv;       /* argv[0] is the program (searched in PATH if it has no separator) */
    const char *const *env_add;    /* "NAME=value" strings added to (or replacing in) the inherited env */
    const char *cwd;               /* NULL: inherit */
    int64_t timeout_ms;            /* <= 0: no limit */
    size_t stdout_max;             /* bytes of stdout kept; the rest is drained and dropped */
    size_t stderr_max;
    int capture_stderr;            /* 0: stderr inherited */
} plat_process_spec;

typedef struct plat_process_result {
    int started;                   /* 0: could not start (see error) */
    int exit_code;                 /* exit status, or -signal on POSIX when killed by a signal */
    int timed_out;                 /* 1: killed with its whole process group / job at timeout */
    char *out;                     /* captured stdout, NUL-terminated, malloc'd (may be NULL) */
    size_t out_len;
    int out_truncated;
    char *err;                     /* captured stderr when capture_stderr */
    size_t err_len;
    uint64_t pid;
    char error[256];               /* why it could not start */
} plat_process_result;

/* Runs a child to completion (or timeout), without a shell: argv reaches the child byte for byte.
 * The child runs in its own process group (POSIX) / a kill-on-close job object (Windows), so a
 * timeout kills grandchildren too. Returns 0 if it ran (whatever its exit code).
 * Windows batch files (.bat/.cmd, however spelled) necessarily run under the system's cmd.exe; their
 * arguments are then escaped for cmd's own parsing so none can become cmd syntax or expand a %VAR%,
 * and one cmd cannot carry (a line break) is refused with WEE_EINVAL and the reason in error. */
int plat_process_run(const plat_process_spec *spec, plat_process_result *res);
void plat_process_result_free(plat_process_result *res);

/* A child started without waiting for it (the exec action's detached mode). */
typedef struct plat_child plat_child;
/* Starts spec->argv (spec->timeout_ms and the capture fields are ignored) and returns at once: stdin and
 * stdout are the null device, stderr is inherited. Like plat_process_run it gets its own process group
 * (POSIX) / job object (Windows) so plat_child_kill ends everything it started. kill_with_host (Windows):
 * the job is kill-on-close, so the child's tree also ends when the host process ends in any way, a crash
 * included; POSIX has no such tie. Fills res->started, res->pid or res->error; *out on success. */
int plat_process_start(const plat_process_spec *spec, int kill_with_host, plat_child **out, plat_process_result *res);
/* 1 (and its exit code, -signal on POSIX) once it has ended, else 0. Never blocks. */
int plat_child_exited(plat_child *c, int *exit_code);
/* Kills the child with its process group / job and waits for it. */
void plat_child_kill(plat_child *c);
/* Forgets the child without killing it (what it started keeps running too). */
void plat_child_free(plat_child *c);

#endif
