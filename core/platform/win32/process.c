#include "platform/platform.h"
#include "wee/errors.h"
#include "process_internal.h"
#include "platform/capture_buf.h"
#include "utf.h"
#include <windows.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* After the child exits, how long a survivor (a grandchild still holding the pipes) may keep us reading.
 * Same bound as the POSIX side: `cmd /c start app` must not hold the caller until app ends. */
#define EXIT_DRAIN_MS 250

/* Without PROC_THREAD_ATTRIBUTE_HANDLE_LIST a child inherits every inheritable handle, including another
 * thread's pipe ends, and that thread then waits for our child's exit before its EOF. Creating the
 * inheritable ends and the child under one lock keeps our own concurrent runs from leaking into each other. */
static SRWLOCK spawn_lock = SRWLOCK_INIT;

typedef struct capture {
    HANDLE h; /* read end; never inherited */
    capture_buf b;
    volatile LONG stop;
    plat_thread thread;
    int running;
} capture;

/* Reads what is already in the pipe without blocking: after a stop, output the child wrote before it
 * exited is still kept. */
static void drain_available(capture *c, char *chunk, DWORD size)
{
    DWORD avail = 0, got = 0;
    while (PeekNamedPipe(c->h, NULL, 0, NULL, &avail, NULL) && avail > 0) {
        if (!ReadFile(c->h, chunk, avail < size ? avail : size, &got, NULL) || got == 0) break;
        capture_buf_take(&c->b, chunk, got);
    }
}

static void reader_main(void *arg)
{
    capture *c = arg;
    char chunk[16384];
    while (!InterlockedCompareExchange(&c->stop, 0, 0)) {
        DWORD got = 0;
        /* A zero-byte read is a zero-byte write by the child, not EOF: EOF is ERROR_BROKEN_PIPE. */
        if (!ReadFile(c->h, chunk, sizeof chunk, &got, NULL)) break;
        capture_buf_take(&c->b, chunk, got);
    }
    drain_available(c, chunk, sizeof chunk);
}

static int capture_start(capture *c)
{
    if (plat_thread_start(&c->thread, reader_main, c) != 0) return WEE_EFAILED;
    c->running = 1;
    return 0;
}

/* Waits until deadline (monotonic ns) for EOF, then cancels the blocked read: whoever still holds the
 * write end outlived the child and is not waited for. */
static void capture_stop(capture *c, uint64_t deadline_ns)
{
    if (!c->running) return;
    HANDLE th = (HANDLE)c->thread.handle;
    uint64_t now = plat_monotonic_ns();
    DWORD ms = deadline_ns > now ? (DWORD)((deadline_ns - now + 999999u) / 1000000u) : 0;
    if (WaitForSingleObject(th, ms) == WAIT_TIMEOUT) {
        InterlockedExchange(&c->stop, 1);
        /* Repeated: a cancel that lands between two reads is lost, the next one is not. */
        do {
            CancelSynchronousIo(th);
        } while (WaitForSingleObject(th, 20) == WAIT_TIMEOUT);
    }
    plat_thread_join(&c->thread);
    c->running = 0;
}

static char *capture_finish(capture *c, size_t *len)
{
    if (c->h) CloseHandle(c->h);
    c->h = NULL;
    return capture_buf_finish(&c->b, len);
}

static void system_message(DWORD code, char *out, size_t size)
{
    wchar_t *msg = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, code, 0, (LPWSTR)&msg, 0, NULL);
    char *t = NULL;
    if (n && msg) {
        while (n > 0 && (msg[n - 1] == L'\r' || msg[n - 1] == L'\n' || msg[n - 1] == L' ' || msg[n - 1] == L'.'))
            msg[--n] = L'\0';
        t = win_wide_to_utf8(msg);
    }
    if (msg) LocalFree(msg);
    if (t) snprintf(out, size, "%s (error %lu)", t, (unsigned long)code);
    else snprintf(out, size, "error %lu", (unsigned long)code);
    free(t);
}

static int is_file(const wchar_t *p)
{
    DWORD a = GetFileAttributesW(p);
    return a != INVALID_FILE_ATTRIBUTES && !(a & FILE_ATTRIBUTE_DIRECTORY);
}

static wchar_t *with_suffix(const wchar_t *a, const wchar_t *b, const wchar_t *c)
{
    size_t na = wcslen(a), nb = wcslen(b), nc = wcslen(c);
    wchar_t *s = malloc((na + nb + nc + 1) * sizeof *s);
    if (!s) return NULL;
    memcpy(s, a, na * sizeof *s);
    memcpy(s + na, b, nb * sizeof *s);
    memcpy(s + na + nb, c, (nc + 1) * sizeof *s);
    return s;
}

static wchar_t *search_one(const wchar_t *path, const wchar_t *name, const wchar_t *ext)
{
    DWORD n = SearchPathW(path, name, ext, 0, NULL, NULL);
    wchar_t *found = n ? malloc((size_t)n * sizeof *found) : NULL;
    if (!found) return NULL;
    DWORD got = SearchPathW(path, name, ext, n, found, NULL);
    if (got == 0 || got >= n || !is_file(found)) {
        free(found);
        return NULL;
    }
    return found;
}

/*
 * The program to run, as CreateProcessW's lpApplicationName, so the file that runs is the one found here
 * (the command-line parse would otherwise search the exe's own folder and the cwd first).
 * A bare name is searched in PATH (as NAME.exe, then as given); a relative path is taken from the child's cwd,
 * as on POSIX; a path without its ".exe" gets one.
 */
static wchar_t *resolve_program(const char *prog, const char *cwd, DWORD *err)
{
    *err = ERROR_FILE_NOT_FOUND;
    wchar_t *w = win_utf8_to_wide(prog);
    if (!w) {
        *err = ERROR_INVALID_PARAMETER;
        return NULL;
    }
    if (!wcspbrk(w, L"\\/:")) {
        /* PATH of this process, like posix_spawnp; an unset PATH falls back to the system's order. */
        DWORD pn = GetEnvironmentVariableW(L"PATH", NULL, 0);
        wchar_t *path = pn ? malloc((size_t)pn * sizeof *path) : NULL;
        if (path && GetEnvironmentVariableW(L"PATH", path, pn) == 0) path[0] = L'\0';
        const wchar_t *search = path && path[0] ? path : NULL;
        wchar_t *found = search_one(search, w, L".exe");
        if (!found) found = search_one(search, w, NULL);
        free(path);
        free(w);
        return found;
    }
    int relative = w[0] != L'\\' && w[0] != L'/' && !(w[0] && w[1] == L':');
    if (relative && cwd) {
        wchar_t *wcwd = win_utf8_to_wide(cwd);
        wchar_t *joined = wcwd ? with_suffix(wcwd, L"\\", w) : NULL;
        free(wcwd);
        free(w);
        if (!joined) {
            *err = ERROR_NOT_ENOUGH_MEMORY;
            return NULL;
        }
        w = joined;
    }
    if (is_file(w)) return w;
    wchar_t *exe = with_suffix(w, L".exe", L"");
    free(w);
    if (exe && is_file(exe)) return exe;
    free(exe);
    return NULL;
}

/* Would CreateProcess hand this file to cmd.exe? Windows drops trailing dots and spaces from a file name,
 * so "x.bat. " is x.bat: they are dropped here first (from app itself, which then names the real file). */
static int is_batch(wchar_t *app)
{
    size_t n = wcslen(app);
    while (n > 0 && (app[n - 1] == L'.' || app[n - 1] == L' ')) app[--n] = L'\0';
    return n >= 4 && (_wcsicmp(app + n - 4, L".bat") == 0 || _wcsicmp(app + n - 4, L".cmd") == 0);
}

/* The system's cmd.exe by full path: never one planted in the cwd or PATH. */
static wchar_t *system_cmd(void)
{
    wchar_t dir[MAX_PATH];
    UINT n = GetSystemDirectoryW(dir, MAX_PATH);
    if (n == 0 || n >= MAX_PATH) return NULL;
    return with_suffix(dir, L"\\", L"cmd.exe");
}

/* The command line, and for a batch file cmd.exe as the program (see win_build_batch_cmdline). */
static wchar_t *build_cmdline(wchar_t **app, const char *const *argv, plat_process_result *res)
{
    if (!is_batch(*app)) return win_build_cmdline(argv);
    const char *why = NULL;
    wchar_t *shell = system_cmd();
    wchar_t *cmd = shell ? win_build_batch_cmdline(*app, argv, &why) : NULL;
    if (!cmd) {
        snprintf(res->error, sizeof res->error, "cannot run batch file '%s' safely: %s", argv[0],
                 why ? why : "cmd.exe not found in the system folder");
        free(shell);
        return NULL;
    }
    free(*app);
    *app = shell;
    return cmd;
}

static void fail(plat_process_result *res, const char *prog, const char *cwd, DWORD code)
{
    char why[200];
    system_message(code, why, sizeof why);
    if (cwd && code == ERROR_DIRECTORY)
        snprintf(res->error, sizeof res->error, "cannot start '%s': working directory '%s': %s", prog, cwd, why);
    else
        snprintf(res->error, sizeof res->error, "cannot start '%s': %s", prog, why);
}

static HANDLE kill_on_close_job(void)
{
    HANDLE job = CreateJobObjectW(NULL, NULL);
    if (!job) return NULL;
    JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
    memset(&li, 0, sizeof li);
    li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
    if (!SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof li)) {
        CloseHandle(job);
        return NULL;
    }
    return job;
}

/* The child's three standard handles, inheritable; our read ends are not. */
typedef struct child_io {
    HANDLE in, out, err; /* what the child gets */
    HANDLE own_err;      /* our duplicate of stderr to close, when stderr is inherited */
} child_io;

static DWORD open_child_io(child_io *io, capture *out, capture *err, int capture_stderr)
{
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    memset(io, 0, sizeof *io);
    io->in = CreateFileW(L"NUL", GENERIC_READ | GENERIC_WRITE, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa,
                         OPEN_EXISTING, 0, NULL);
    if (io->in == INVALID_HANDLE_VALUE) {
        io->in = NULL;
        return GetLastError();
    }
    if (!CreatePipe(&out->h, &io->out, &sa, 0)) return GetLastError();
    SetHandleInformation(out->h, HANDLE_FLAG_INHERIT, 0);
    if (capture_stderr) {
        if (!CreatePipe(&err->h, &io->err, &sa, 0)) return GetLastError();
        SetHandleInformation(err->h, HANDLE_FLAG_INHERIT, 0);
        return 0;
    }
    HANDLE mine = GetStdHandle(STD_ERROR_HANDLE);
    if (mine && mine != INVALID_HANDLE_VALUE &&
        DuplicateHandle(GetCurrentProcess(), mine, GetCurrentProcess(), &io->own_err, 0, TRUE, DUPLICATE_SAME_ACCESS))
        io->err = io->own_err;
    else
        io->err = io->in; /* no stderr of our own (a service, a GUI parent): NUL */
    return 0;
}

/* Closes our copies of the child's ends: until they are gone, EOF never comes. */
static void close_child_io(child_io *io)
{
    if (io->out) CloseHandle(io->out);
    if (io->err && io->err != io->in) CloseHandle(io->err);
    if (io->in) CloseHandle(io->in);
    memset(io, 0, sizeof *io);
}

static BOOL create_child(const wchar_t *app, wchar_t *cmd, wchar_t *env, const wchar_t *cwd, child_io *io,
                         PROCESS_INFORMATION *pi)
{
    STARTUPINFOEXW si;
    memset(&si, 0, sizeof si);
    si.StartupInfo.cb = sizeof si;
    si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
    si.StartupInfo.hStdInput = io->in;
    si.StartupInfo.hStdOutput = io->out;
    si.StartupInfo.hStdError = io->err;
    HANDLE list[3];
    DWORD nlist = 0;
    list[nlist++] = io->in;
    list[nlist++] = io->out;
    if (io->err != io->in) list[nlist++] = io->err;
    DWORD flags = CREATE_UNICODE_ENVIRONMENT | CREATE_SUSPENDED | CREATE_NO_WINDOW;
    SIZE_T size = 0;
    InitializeProcThreadAttributeList(NULL, 1, 0, &size);
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = size ? malloc(size) : NULL;
    BOOL ok = FALSE;
    DWORD e = 0;
    int tried = 0;
    if (attrs && InitializeProcThreadAttributeList(attrs, 1, 0, &size)) {
        /* Only these three handles reach the child, whatever else is inheritable in this process. */
        if (UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list, nlist * sizeof list[0],
                                      NULL, NULL)) {
            si.lpAttributeList = attrs;
            ok = CreateProcessW(app, cmd, NULL, NULL, TRUE, flags | EXTENDED_STARTUPINFO_PRESENT, env, cwd,
                                &si.StartupInfo, pi);
            e = ok ? 0 : GetLastError();
            tried = 1;
        }
        DeleteProcThreadAttributeList(attrs);
    }
    free(attrs);
    /* An attribute list this system refuses: plain inheritance (spawn_lock limits the damage). */
    if (!ok && (!tried || e == ERROR_INVALID_PARAMETER || e == ERROR_NOT_SUPPORTED)) {
        si.StartupInfo.cb = sizeof si.StartupInfo;
        ok = CreateProcessW(app, cmd, NULL, NULL, TRUE, flags, env, cwd, &si.StartupInfo, pi);
        e = ok ? 0 : GetLastError();
    }
    if (!ok) SetLastError(e);
    return ok;
}

/* Waits for the child (and kills its whole job at the timeout); returns 1 if it timed out. */
static int supervise(HANDLE process, HANDLE job, int64_t timeout_ms)
{
    DWORD ms = INFINITE;
    if (timeout_ms > 0) ms = timeout_ms >= 0xFFFFFFFE ? 0xFFFFFFFE : (DWORD)timeout_ms;
    if (WaitForSingleObject(process, ms) != WAIT_TIMEOUT) return 0;
    if (!job || !TerminateJobObject(job, 1)) TerminateProcess(process, 1);
    WaitForSingleObject(process, INFINITE);
    return 1;
}

/* What CreateProcessW needs from a spec: the program found, its command line (cmd.exe's for a batch file),
 * the environment block and the cwd. */
typedef struct launch {
    wchar_t *app, *cmd, *env, *cwd;
} launch;

static void launch_free(launch *l)
{
    free(l->app);
    free(l->cmd);
    free(l->env);
    free(l->cwd);
    memset(l, 0, sizeof *l);
}

/* 0, or a WEE_E* code with res->error saying why. */
static int launch_prepare(const plat_process_spec *spec, launch *l, plat_process_result *res)
{
    memset(l, 0, sizeof *l);
    if (!spec || !spec->argv || !spec->argv[0] || !spec->argv[0][0]) {
        snprintf(res->error, sizeof res->error, "cannot start a process: no program given");
        return WEE_EINVAL;
    }
    const char *prog = spec->argv[0];
    if (spec->cwd && !plat_path_is_dir(spec->cwd)) {
        fail(res, prog, spec->cwd, ERROR_DIRECTORY);
        return WEE_ENOTFOUND;
    }
    DWORD code = 0;
    l->app = resolve_program(prog, spec->cwd, &code);
    if (!l->app) {
        fail(res, prog, NULL, code);
        return win_error_to_wee(code);
    }
    l->cmd = build_cmdline(&l->app, spec->argv, res);
    if (!l->cmd && res->error[0]) {
        launch_free(l);
        return WEE_EINVAL;
    }
    l->env = l->cmd ? win_build_env(spec->env_add) : NULL;
    l->cwd = spec->cwd ? win_utf8_to_wide(spec->cwd) : NULL;
    if (!l->cmd || !l->env || (spec->cwd && !l->cwd)) {
        int rc = l->cmd && l->env ? WEE_EFAILED : WEE_ENOMEM;
        fail(res, prog, NULL, ERROR_NOT_ENOUGH_MEMORY);
        launch_free(l);
        return rc;
    }
    return 0;
}

int plat_process_run(const plat_process_spec *spec, plat_process_result *res)
{
    memset(res, 0, sizeof *res);
    launch l;
    int prc = launch_prepare(spec, &l, res);
    if (prc != 0) return prc;
    const char *prog = spec->argv[0];
    DWORD code = 0;
    HANDLE job = kill_on_close_job();
    if (!job) {
        fail(res, prog, NULL, GetLastError());
        launch_free(&l);
        return WEE_EFAILED;
    }

    capture out = { 0 }, err = { 0 };
    out.b.max = spec->stdout_max;
    err.b.max = spec->stderr_max;
    child_io io;
    PROCESS_INFORMATION pi;
    memset(&pi, 0, sizeof pi);
    AcquireSRWLockExclusive(&spawn_lock);
    code = open_child_io(&io, &out, &err, spec->capture_stderr);
    BOOL ok = code == 0 && create_child(l.app, l.cmd, l.env, l.cwd, &io, &pi);
    if (code == 0 && !ok) code = GetLastError();
    close_child_io(&io);
    ReleaseSRWLockExclusive(&spawn_lock);
    launch_free(&l);

    if (!ok) {
        fail(res, prog, spec->cwd, code);
        if (out.h) CloseHandle(out.h);
        if (err.h) CloseHandle(err.h);
        CloseHandle(job);
        return win_error_to_wee(code);
    }
    /* In the job before it runs a single instruction, so nothing it starts can escape the timeout kill. */
    int in_job = AssignProcessToJobObject(job, pi.hProcess) != 0;
    res->started = 1;
    res->pid = (uint64_t)pi.dwProcessId;
    int readers_ok = capture_start(&out) == 0 && (!spec->capture_stderr || capture_start(&err) == 0);
    if (!readers_ok) TerminateProcess(pi.hProcess, 1); /* undrained pipes would block it: never let it run */
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    res->timed_out = supervise(pi.hProcess, in_job ? job : NULL, spec->timeout_ms);
    DWORD exit_code = 0;
    GetExitCodeProcess(pi.hProcess, &exit_code);
    res->exit_code = (int)exit_code;
    CloseHandle(pi.hProcess);
    if (!res->timed_out) {
        /* A normal exit leaves what the child started running, as on POSIX: drop kill-on-close first. */
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
        memset(&li, 0, sizeof li);
        SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof li);
    }
    CloseHandle(job);
    uint64_t deadline = plat_monotonic_ns() + (uint64_t)EXIT_DRAIN_MS * 1000000u;
    capture_stop(&out, deadline);
    capture_stop(&err, deadline);
    res->out = capture_finish(&out, &res->out_len);
    res->out_truncated = out.b.truncated;
    if (spec->capture_stderr) res->err = capture_finish(&err, &res->err_len);
    else free(err.b.buf);
    if (!readers_ok) {
        res->started = 0;
        snprintf(res->error, sizeof res->error, "cannot start '%s': no thread to read its output", prog);
        return WEE_ENOMEM;
    }
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

/* --- children started without waiting (plat_process_start) --- */
struct plat_child {
    HANDLE process, job;
    int done, killed, exit_code;
};

/* Our own stderr for the child, or NUL when this process has none (a service). */
static HANDLE inheritable_stderr(HANDLE fallback)
{
    HANDLE mine = GetStdHandle(STD_ERROR_HANDLE), dup = NULL;
    if (mine && mine != INVALID_HANDLE_VALUE &&
        DuplicateHandle(GetCurrentProcess(), mine, GetCurrentProcess(), &dup, 0, TRUE, DUPLICATE_SAME_ACCESS))
        return dup;
    return fallback;
}

static HANDLE open_nul(DWORD access)
{
    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    HANDLE h = CreateFileW(L"NUL", access, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
    return h == INVALID_HANDLE_VALUE ? NULL : h;
}

int plat_process_start(const plat_process_spec *spec, int kill_with_host, plat_child **out, plat_process_result *res)
{
    memset(res, 0, sizeof *res);
    *out = NULL;
    launch l;
    int prc = launch_prepare(spec, &l, res);
    if (prc != 0) return prc;
    const char *prog = spec->argv[0];
    DWORD code = 0;
    HANDLE job = kill_with_host ? kill_on_close_job() : CreateJobObjectW(NULL, NULL);
    plat_child *c = calloc(1, sizeof *c);
    BOOL ok = FALSE;
    PROCESS_INFORMATION pi;
    memset(&pi, 0, sizeof pi);
    if (job && c) {
        child_io io;
        memset(&io, 0, sizeof io);
        AcquireSRWLockExclusive(&spawn_lock);
        io.in = open_nul(GENERIC_READ);
        io.out = open_nul(GENERIC_WRITE);
        if (io.in && io.out) {
            io.err = inheritable_stderr(io.out);
            if (io.err == io.out) io.err = open_nul(GENERIC_WRITE); /* three distinct handles for the list */
            ok = io.err && create_child(l.app, l.cmd, l.env, l.cwd, &io, &pi);
        }
        code = ok ? 0 : GetLastError();
        close_child_io(&io);
        ReleaseSRWLockExclusive(&spawn_lock);
    } else {
        code = job ? ERROR_NOT_ENOUGH_MEMORY : GetLastError();
    }
    launch_free(&l);
    if (!ok) {
        fail(res, prog, spec->cwd, code ? code : ERROR_NOT_ENOUGH_MEMORY);
        if (job) CloseHandle(job);
        free(c);
        return win_error_to_wee(code);
    }
    /* In the job before it runs, so plat_child_kill reaches everything it starts. */
    AssignProcessToJobObject(job, pi.hProcess);
    ResumeThread(pi.hThread);
    CloseHandle(pi.hThread);
    c->process = pi.hProcess;
    c->job = job;
    res->started = 1;
    res->pid = (uint64_t)pi.dwProcessId;
    *out = c;
    return 0;
}

int plat_child_exited(plat_child *c, int *exit_code)
{
    if (!c->done && WaitForSingleObject(c->process, 0) == WAIT_OBJECT_0) {
        DWORD code = 0;
        GetExitCodeProcess(c->process, &code);
        c->exit_code = (int)code;
        c->done = 1;
    }
    if (c->done && exit_code) *exit_code = c->exit_code;
    return c->done;
}

void plat_child_kill(plat_child *c)
{
    if (!TerminateJobObject(c->job, 1)) TerminateProcess(c->process, 1);
    WaitForSingleObject(c->process, 10000);
    c->killed = 1;
    plat_child_exited(c, NULL);
}

void plat_child_free(plat_child *c)
{
    if (!c) return;
    if (!c->killed) {
        /* Forgotten, not killed: what it started keeps running when the job handle goes. */
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
        memset(&li, 0, sizeof li);
        SetInformationJobObject(c->job, JobObjectExtendedLimitInformation, &li, sizeof li);
    }
    CloseHandle(c->job);
    CloseHandle(c->process);
    free(c);
}
