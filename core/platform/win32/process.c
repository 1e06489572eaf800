#include "platform/platform.h"
#include "wee/errors.h"
#include "utf.h"
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

/* ---- growable wide string ---- */
typedef struct wbuf {
    wchar_t *p;
    size_t len, cap;
    int oom;
} wbuf;

static void wb_putn(wbuf *b, const wchar_t *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (b->len + n + 1 > cap) cap *= 2;
        wchar_t *np = realloc(b->p, cap * sizeof *np);
        if (!np) {
            b->oom = 1;
            return;
        }
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, s, n * sizeof *s);
    b->len += n;
    b->p[b->len] = L'\0';
}

static void wb_putc(wbuf *b, wchar_t c) { wb_putn(b, &c, 1); }

/* Quotes one argument so CommandLineToArgvW (and the msvcrt startup) gives it back unchanged. */
static void append_arg(wbuf *b, const wchar_t *a)
{
    if (a[0] != L'\0' && !wcspbrk(a, L" \t\n\v\"")) {
        wb_putn(b, a, wcslen(a));
        return;
    }
    wb_putc(b, L'"');
    for (const wchar_t *p = a;; p++) {
        size_t bs = 0;
        while (*p == L'\\') {
            bs++;
            p++;
        }
        if (*p == L'\0') {
            for (size_t i = 0; i < bs * 2; i++) wb_putc(b, L'\\');
            break;
        }
        if (*p == L'"') {
            for (size_t i = 0; i < bs * 2 + 1; i++) wb_putc(b, L'\\');
            wb_putc(b, L'"');
        } else {
            for (size_t i = 0; i < bs; i++) wb_putc(b, L'\\');
            wb_putc(b, *p);
        }
    }
    wb_putc(b, L'"');
}

/* ---- environment block ---- */
static size_t name_len(const wchar_t *e)
{
    /* Entries like "=C:=C:\dir" keep their leading '='. */
    const wchar_t *eq = wcschr(e + (e[0] == L'=' ? 1 : 0), L'=');
    return eq ? (size_t)(eq - e) : wcslen(e);
}

static int env_cmp(const void *a, const void *b)
{
    const wchar_t *x = *(const wchar_t *const *)a, *y = *(const wchar_t *const *)b;
    size_t nx = name_len(x), ny = name_len(y);
    size_t n = nx < ny ? nx : ny;
    int c = _wcsnicmp(x, y, n);
    if (c != 0) return c;
    return nx < ny ? -1 : nx > ny ? 1 : 0;
}

static wchar_t *build_env(const char *const *env_add)
{
    wchar_t *cur = GetEnvironmentStringsW();
    size_t count = 0, extra = 0;
    for (const wchar_t *p = cur; p && *p; p += wcslen(p) + 1) count++;
    if (env_add)
        for (const char *const *e = env_add; *e; e++) extra++;
    wchar_t **items = calloc(count + extra + 1, sizeof *items);
    wchar_t **owned = calloc(extra + 1, sizeof *owned);
    wchar_t *block = NULL;
    size_t n = 0;
    if (!items || !owned) goto out;
    for (const wchar_t *p = cur; p && *p; p += wcslen(p) + 1) items[n++] = (wchar_t *)p;
    for (size_t i = 0; i < extra; i++) {
        owned[i] = win_utf8_to_wide(env_add[i]);
        wchar_t *w = owned[i];
        if (!w || !wcschr(w, L'=')) continue;
        size_t nl = name_len(w);
        size_t j = 0;
        for (size_t k = 0; k < n; k++) {
            if (name_len(items[k]) == nl && _wcsnicmp(items[k], w, nl) == 0) continue;
            items[j++] = items[k];
        }
        n = j;
        items[n++] = w;
    }
    qsort(items, n, sizeof *items, env_cmp);
    size_t total = 1;
    for (size_t i = 0; i < n; i++) total += wcslen(items[i]) + 1;
    block = malloc((total + 1) * sizeof *block);
    if (block) {
        size_t at = 0;
        for (size_t i = 0; i < n; i++) {
            size_t l = wcslen(items[i]);
            memcpy(block + at, items[i], (l + 1) * sizeof *block);
            at += l + 1;
        }
        block[at++] = L'\0';
        if (n == 0) block[at++] = L'\0';
    }
out:
    if (owned)
        for (size_t i = 0; i < extra; i++) free(owned[i]);
    free(owned);
    free(items);
    if (cur) FreeEnvironmentStringsW(cur);
    return block;
}

/* ---- pipe readers ---- */
typedef struct capture {
    HANDLE h;
    char *buf;
    size_t len, max;
    int truncated;
    plat_thread thread;
    int running;
} capture;

static void reader_main(void *arg)
{
    capture *c = arg;
    char chunk[16384];
    for (;;) {
        DWORD got = 0;
        if (!ReadFile(c->h, chunk, sizeof chunk, &got, NULL) || got == 0) break;
        size_t keep = 0;
        if (c->len < c->max) keep = c->max - c->len;
        if (keep > got) keep = got;
        if (keep < got) c->truncated = 1;
        if (keep > 0 && c->buf) {
            memcpy(c->buf + c->len, chunk, keep);
            c->len += keep;
        }
    }
}

static int capture_start(capture *c)
{
    c->buf = malloc(c->max + 1);
    if (!c->buf) return WEE_ENOMEM;
    if (plat_thread_start(&c->thread, reader_main, c) != 0) return WEE_EFAILED;
    c->running = 1;
    return 0;
}

static char *capture_finish(capture *c, size_t *len)
{
    if (c->running) plat_thread_join(&c->thread);
    c->running = 0;
    if (c->h) CloseHandle(c->h);
    c->h = NULL;
    char *b = c->buf;
    c->buf = NULL;
    if (!b) b = malloc(1);
    if (b) b[c->len] = '\0';
    *len = b ? c->len : 0;
    return b;
}

static void system_message(DWORD code, char *out, size_t size)
{
    wchar_t *msg = NULL;
    DWORD n = FormatMessageW(FORMAT_MESSAGE_ALLOCATE_BUFFER | FORMAT_MESSAGE_FROM_SYSTEM |
                                 FORMAT_MESSAGE_IGNORE_INSERTS,
                             NULL, code, 0, (LPWSTR)&msg, 0, NULL);
    char *t = NULL;
    if (n && msg) {
        while (n > 0 && (msg[n - 1] == L'\r' || msg[n - 1] == L'\n' || msg[n - 1] == L' ')) msg[--n] = L'\0';
        t = win_wide_to_utf8(msg);
    }
    if (msg) LocalFree(msg);
    if (t) snprintf(out, size, "%s", t);
    else snprintf(out, size, "error %lu", (unsigned long)code);
    free(t);
}

static int has_sep(const char *s) { return strchr(s, '\\') || strchr(s, '/') || strchr(s, ':'); }

int plat_process_run(const plat_process_spec *spec, plat_process_result *res)
{
    memset(res, 0, sizeof *res);
    if (!spec || !spec->argv || !spec->argv[0] || !spec->argv[0][0]) {
        snprintf(res->error, sizeof res->error, "cannot start a process: no program given");
        return WEE_EINVAL;
    }
    const char *prog = spec->argv[0];
    char why[200];
    if (!has_sep(prog)) {
        wchar_t *wp = win_utf8_to_wide(prog);
        wchar_t found[MAX_PATH * 2];
        DWORD n = wp ? SearchPathW(NULL, wp, L".exe", (DWORD)(sizeof found / sizeof found[0]), found, NULL) : 0;
        free(wp);
        if (n == 0 || n >= sizeof found / sizeof found[0]) {
            system_message(ERROR_FILE_NOT_FOUND, why, sizeof why);
            snprintf(res->error, sizeof res->error, "cannot start '%s': %s", prog, why);
            return WEE_ENOTFOUND;
        }
    }
    if (spec->cwd && !plat_path_is_dir(spec->cwd)) {
        system_message(ERROR_DIRECTORY, why, sizeof why);
        snprintf(res->error, sizeof res->error, "cannot start '%s': working directory '%s': %s", prog, spec->cwd,
                 why);
        return WEE_ENOTFOUND;
    }

    int rc = 0;
    wbuf cmd = { 0 };
    wchar_t *env = NULL, *wcwd = NULL;
    HANDLE job = NULL, nul = INVALID_HANDLE_VALUE, err_dup = NULL;
    HANDLE out_w = NULL, err_w = NULL;
    capture out = { 0 }, err = { 0 };
    out.max = spec->stdout_max;
    err.max = spec->stderr_max;
    LPPROC_THREAD_ATTRIBUTE_LIST attrs = NULL;
    PROCESS_INFORMATION pi;
    memset(&pi, 0, sizeof pi);

    for (const char *const *a = spec->argv; *a; a++) {
        wchar_t *w = win_utf8_to_wide(*a);
        if (!w) {
            rc = WEE_EINVAL;
            break;
        }
        if (a != spec->argv) wb_putc(&cmd, L' ');
        append_arg(&cmd, w);
        free(w);
    }
    if (rc == 0 && cmd.oom) rc = WEE_ENOMEM;
    if (rc == 0) {
        env = build_env(spec->env_add);
        if (!env) rc = WEE_ENOMEM;
    }
    if (rc == 0 && spec->cwd) {
        wcwd = win_utf8_to_wide(spec->cwd);
        if (!wcwd) rc = WEE_EINVAL;
    }

    SECURITY_ATTRIBUTES sa = { sizeof sa, NULL, TRUE };
    if (rc == 0) {
        nul = CreateFileW(L"NUL", GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, &sa, OPEN_EXISTING, 0, NULL);
        if (nul == INVALID_HANDLE_VALUE) rc = WEE_EIO;
    }
    if (rc == 0) {
        if (!CreatePipe(&out.h, &out_w, &sa, 0)) rc = WEE_EIO;
        else SetHandleInformation(out.h, HANDLE_FLAG_INHERIT, 0);
    }
    if (rc == 0) {
        if (spec->capture_stderr) {
            if (!CreatePipe(&err.h, &err_w, &sa, 0)) rc = WEE_EIO;
            else SetHandleInformation(err.h, HANDLE_FLAG_INHERIT, 0);
        } else {
            HANDLE mine = GetStdHandle(STD_ERROR_HANDLE);
            if (mine && mine != INVALID_HANDLE_VALUE &&
                DuplicateHandle(GetCurrentProcess(), mine, GetCurrentProcess(), &err_dup, 0, TRUE,
                                DUPLICATE_SAME_ACCESS))
                err_w = err_dup;
            else
                err_w = nul;
        }
    }
    if (rc == 0) {
        job = CreateJobObjectW(NULL, NULL);
        JOBOBJECT_EXTENDED_LIMIT_INFORMATION li;
        memset(&li, 0, sizeof li);
        li.BasicLimitInformation.LimitFlags = JOB_OBJECT_LIMIT_KILL_ON_JOB_CLOSE;
        if (!job || !SetInformationJobObject(job, JobObjectExtendedLimitInformation, &li, sizeof li))
            rc = WEE_EFAILED;
    }

    BOOL ok = FALSE;
    DWORD create_err = 0;
    if (rc == 0) {
        STARTUPINFOEXW si;
        memset(&si, 0, sizeof si);
        si.StartupInfo.cb = sizeof si;
        si.StartupInfo.dwFlags = STARTF_USESTDHANDLES;
        si.StartupInfo.hStdInput = nul;
        si.StartupInfo.hStdOutput = out_w;
        si.StartupInfo.hStdError = err_w;
        HANDLE list[3];
        DWORD nlist = 0;
        list[nlist++] = nul;
        list[nlist++] = out_w;
        if (err_w != nul) list[nlist++] = err_w;
        SIZE_T asz = 0;
        InitializeProcThreadAttributeList(NULL, 1, 0, &asz);
        attrs = asz ? malloc(asz) : NULL;
        DWORD flags = CREATE_UNICODE_ENVIRONMENT | CREATE_SUSPENDED | CREATE_NO_WINDOW;
        if (attrs && InitializeProcThreadAttributeList(attrs, 1, 0, &asz)) {
            if (UpdateProcThreadAttribute(attrs, 0, PROC_THREAD_ATTRIBUTE_HANDLE_LIST, list, nlist * sizeof list[0],
                                          NULL, NULL)) {
                si.lpAttributeList = attrs;
                ok = CreateProcessW(NULL, cmd.p, NULL, NULL, TRUE, flags | EXTENDED_STARTUPINFO_PRESENT, env, wcwd,
                                    &si.StartupInfo, &pi);
                if (!ok) create_err = GetLastError();
            }
            DeleteProcThreadAttributeList(attrs);
        }
        free(attrs);
        attrs = NULL;
        if (!ok && create_err != ERROR_FILE_NOT_FOUND && create_err != ERROR_PATH_NOT_FOUND &&
            create_err != ERROR_DIRECTORY && create_err != ERROR_ACCESS_DENIED && create_err != ERROR_BAD_EXE_FORMAT) {
            /* No handle list support: plain inheritance of every inheritable handle. */
            si.StartupInfo.cb = sizeof si.StartupInfo;
            si.lpAttributeList = NULL;
            ok = CreateProcessW(NULL, cmd.p, NULL, NULL, TRUE, flags, env, wcwd, &si.StartupInfo, &pi);
            create_err = ok ? 0 : GetLastError();
        }
        if (!ok) {
            system_message(create_err, why, sizeof why);
            if (create_err == ERROR_DIRECTORY && spec->cwd)
                snprintf(res->error, sizeof res->error, "cannot start '%s': working directory '%s': %s", prog,
                         spec->cwd, why);
            else
                snprintf(res->error, sizeof res->error, "cannot start '%s': %s", prog, why);
            rc = win_error_to_wee(create_err);
        }
    } else {
        snprintf(res->error, sizeof res->error, "cannot start '%s': setup failed", prog);
    }

    /* Our copies of the child's ends must go, or EOF never comes. */
    if (out_w) CloseHandle(out_w);
    if (err_w && err_w != nul) CloseHandle(err_w);
    if (nul != INVALID_HANDLE_VALUE) CloseHandle(nul);

    if (ok) {
        if (!AssignProcessToJobObject(job, pi.hProcess)) {
            /* Still run it; a timeout then falls back to TerminateProcess. */
        }
        res->started = 1;
        res->pid = (uint64_t)pi.dwProcessId;
        if (capture_start(&out) != 0) rc = WEE_ENOMEM;
        if (spec->capture_stderr && capture_start(&err) != 0) rc = WEE_ENOMEM;
        ResumeThread(pi.hThread);
        CloseHandle(pi.hThread);
        DWORD ms = INFINITE;
        if (spec->timeout_ms > 0) ms = spec->timeout_ms >= 0xFFFFFFFE ? 0xFFFFFFFE : (DWORD)spec->timeout_ms;
        if (WaitForSingleObject(pi.hProcess, ms) == WAIT_TIMEOUT) {
            res->timed_out = 1;
            if (!TerminateJobObject(job, 1)) TerminateProcess(pi.hProcess, 1);
            WaitForSingleObject(pi.hProcess, INFINITE);
        }
        DWORD code = 0;
        GetExitCodeProcess(pi.hProcess, &code);
        res->exit_code = (int)code;
        CloseHandle(pi.hProcess);
        CloseHandle(job); /* kill-on-close: grandchildren holding the pipes die here */
        job = NULL;
        res->out = capture_finish(&out, &res->out_len);
        res->out_truncated = out.truncated;
        if (spec->capture_stderr) res->err = capture_finish(&err, &res->err_len);
        rc = 0;
    } else {
        if (out.h) CloseHandle(out.h);
        if (err.h) CloseHandle(err.h);
        free(out.buf);
        free(err.buf);
    }
    if (job) CloseHandle(job);
    free(cmd.p);
    free(env);
    free(wcwd);
    return rc;
}

void plat_process_result_free(plat_process_result *res)
{
    if (!res) return;
    free(res->out);
    free(res->err);
    res->out = res->err = NULL;
    res->out_len = res->err_len = 0;
}
