/*
 * modules/process/process_win32.c - Windows backend of the process source.
 *
 * auto mode: a real-time ETW session of our own with Microsoft-Windows-Kernel-Process
 *   {22FB2CD6-0E7B-422B-A0C7-2FAD1FD0E716}, keyword WINEVENT_KEYWORD_PROCESS (0x10): ProcessStart (id 1)
 *   and ProcessStop (id 2, with ExitCode) decoded by hand (process_etw_decode.c; no TDH). Needs an
 *   elevated process. The session (a stale one of the same name stopped first) is the shared
 *   modules/etw/etw_session.c. Its EventsLost is polled every second and reported as lost events.
 * Fallback (mode poll, StartTraceW/OpenTraceW/ProcessTrace refused; under Wine OpenTraceW always fails
 *   with error 5): CreateToolhelp32Snapshot every poll_ms, diffed (process_poll.c). A handle is kept on
 *   each process seen so its exit code can still be read once it ends.
 * Both paths fill exe (QueryFullProcessImageNameW, or the ETW image path with its \Device\... prefix
 *   rewritten to a drive letter), user (OpenProcessToken + LookupAccountSidW) and cmdline
 *   (NtQueryInformationProcess ProcessCommandLineInformation, loaded dynamically; Windows 8.1+).
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <tlhelp32.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "etw_session.h"
#include "platform/platform.h"
#include "process_backend.h"
#include "process_etw_decode.h"
#include "process_poll.h"

#define MODULE "process"
#define HELD_MAX 4096

static const GUID KERNEL_PROCESS_GUID = { 0x22FB2CD6, 0x0E7B, 0x422B, { 0xA0, 0xC7, 0x2F, 0xAD, 0x1F, 0xD0, 0xE7, 0x16 } };
#define KEYWORD_PROCESS 0x10ull

typedef LONG (NTAPI *nt_query_info_fn)(HANDLE, ULONG, PVOID, ULONG, PULONG);
#define PROCESS_COMMAND_LINE_INFORMATION 60
/* ntdll's UNICODE_STRING, without pulling in winternl.h */
typedef struct counted_wstr { USHORT Length, MaximumLength; PWSTR Buffer; } counted_wstr;

typedef struct held_process { int64_t pid; HANDLE h; uint64_t created; } held_process;
/* Processes whose handle said they ended: a snapshot may still list one (while handles to it are
 * open), which must not read as a new process with the same pid. */
#define ENDED_MAX 64
typedef struct ended_process { int64_t pid; uint64_t created; } ended_process;

/* A process found by polling before it finished starting up: its command line is not readable yet
 * (under Wine the new process builds its parameters block itself). Reported a few polls later. */
#define PENDING_MAX 256
#define PENDING_MIN_TRIES 3
#define PENDING_MAX_MS 3000
typedef struct pending_start { proc_info info; int tries; } pending_start;

struct process_backend {
    process_source *s;
    plat_thread worker, monitor;
    int monitor_running;
    /* ETW (modules/etw/etw_session.h, shared with the registry source) */
    wchar_t session_name[128];
    etw_session etw;
    int etw_on;
    ULONG process_trace_rc;
    /* \Device\HarddiskVolumeN -> C: */
    char dev[26][2][128];
    const char *dev_map[26][2];
    size_t dev_count;
    nt_query_info_fn nt_query;
    int no_cmdline_class;   /* ProcessCommandLineInformation refused once (Wine 8, Windows < 8.1) */
    /* polling */
    poll_proc *prev, *cur;
    size_t nprev, ncur, cap;
    held_process *held;
    size_t nheld;
    ended_process ended[ENDED_MAX];
    size_t ended_next;
    pending_start *pending;
    size_t npending;
};

/* UTF-16 -> UTF-8, truncated to fit out (never splitting a surrogate pair). wlen < 0: NUL-terminated. */
static void wide_to_utf8(const wchar_t *w, int wlen, char *out, size_t size)
{
    if (wlen < 0) wlen = (int)wcslen(w);
    if ((size_t)wlen > size - 1) wlen = (int)(size - 1);   /* each UTF-16 unit is at least one byte */
    int n;
    while ((n = WideCharToMultiByte(CP_UTF8, 0, w, wlen, out, (int)size - 1, NULL, NULL)) <= 0 && wlen > 0) {
        wlen--;
        if (wlen > 0 && w[wlen - 1] >= 0xD800 && w[wlen - 1] <= 0xDBFF) wlen--;
    }
    out[n > 0 ? n : 0] = '\0';
}

static void build_device_map(struct process_backend *b)
{
    wchar_t drive[3] = L"A:", target[512];
    for (int i = 0; i < 26; i++) {
        drive[0] = (wchar_t)(L'A' + i);
        if (!QueryDosDeviceW(drive, target, 512)) continue;
        size_t k = b->dev_count;
        wide_to_utf8(target, -1, b->dev[k][0], sizeof b->dev[k][0]);
        snprintf(b->dev[k][1], sizeof b->dev[k][1], "%c:", 'A' + i);
        b->dev_map[k][0] = b->dev[k][0];
        b->dev_map[k][1] = b->dev[k][1];
        b->dev_count++;
    }
}

static void token_user(HANDLE h, char *out, size_t size)
{
    HANDLE tok;
    if (!OpenProcessToken(h, TOKEN_QUERY, &tok)) return;
    union { TOKEN_USER tu; char bytes[512]; } info;
    DWORD got = 0;
    if (GetTokenInformation(tok, TokenUser, &info, sizeof info, &got)) {
        wchar_t name[256], dom[256];
        DWORD nn = 256, nd = 256;
        SID_NAME_USE use;
        if (LookupAccountSidW(NULL, info.tu.User.Sid, name, &nn, dom, &nd, &use)) {
            wchar_t full[520];
            _snwprintf(full, 520, nd ? L"%ls\\%ls" : L"%ls%ls", dom, name);
            full[519] = 0;
            wide_to_utf8(full, -1, out, size);
        }
    }
    CloseHandle(tok);
}

/* The command line from the process's own parameters block: PEB (from ProcessBasicInformation) ->
 * ProcessParameters (PEB + 0x20 on x64) -> CommandLine (RTL_USER_PROCESS_PARAMETERS + 0x70 on x64).
 * For systems without ProcessCommandLineInformation (before Windows 8.1; Wine 8). */
static int command_line_from_peb(struct process_backend *b, DWORD pid, char *out, size_t size)
{
#if defined(_WIN64)
    HANDLE h = OpenProcess(PROCESS_QUERY_INFORMATION | PROCESS_VM_READ, FALSE, pid);
    if (!h) return -1;
    struct { LONG_PTR exit_status; PVOID peb; ULONG_PTR affinity; LONG_PTR priority; ULONG_PTR pid, ppid; } pbi;
    ULONG got = 0;
    int rc = -1;
    PVOID params = NULL;
    counted_wstr cl;
    SIZE_T n = 0;
    if (b->nt_query(h, 0 /* ProcessBasicInformation */, &pbi, sizeof pbi, &got) >= 0 && pbi.peb &&
        ReadProcessMemory(h, (char *)pbi.peb + 0x20, &params, sizeof params, &n) && params &&
        ReadProcessMemory(h, (char *)params + 0x70, &cl, sizeof cl, &n) && cl.Buffer && cl.Length) {
        size_t units = cl.Length / sizeof(wchar_t);
        if (units > 32767) units = 32767;
        wchar_t *w = malloc((units + 1) * sizeof *w);
        if (w && ReadProcessMemory(h, cl.Buffer, w, units * sizeof *w, &n)) {
            wide_to_utf8(w, (int)(n / sizeof *w), out, size);
            rc = 0;
        }
        free(w);
    }
    CloseHandle(h);
    return rc;
#else
    (void)b; (void)pid; (void)out; (void)size;
    return -1;
#endif
}

static void command_line(struct process_backend *b, DWORD pid, HANDLE h, char *out, size_t size)
{
    if (!b->nt_query) return;
    if (b->no_cmdline_class) { command_line_from_peb(b, pid, out, size); return; }
    ULONG need = 0;
    LONG st = b->nt_query(h, PROCESS_COMMAND_LINE_INFORMATION, NULL, 0, &need);
    if (st == (LONG)0xC0000003L) {   /* STATUS_INVALID_INFO_CLASS */
        b->no_cmdline_class = 1;
        command_line_from_peb(b, pid, out, size);
        return;
    }
    if (need < sizeof(counted_wstr) || need > (1u << 20)) need = 65536;
    counted_wstr *us = malloc(need);
    int ok = 0;
    if (us && b->nt_query(h, PROCESS_COMMAND_LINE_INFORMATION, us, need, &need) >= 0 && us->Buffer) {
        wide_to_utf8(us->Buffer, (int)(us->Length / sizeof(wchar_t)), out, size);
        ok = 1;
    }
    free(us);
    if (!ok) command_line_from_peb(b, pid, out, size);
}

/* Fills what can be asked of a live process; returns an open handle (SYNCHRONIZE | query) or NULL. */
static HANDLE describe_process(struct process_backend *b, DWORD pid, proc_info *info)
{
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION | SYNCHRONIZE, FALSE, pid);
    DWORD sess;
    if (info->session_id < 0 && ProcessIdToSessionId(pid, &sess)) info->session_id = sess;
    if (!h) return NULL;
    wchar_t path[1024];
    DWORD n = 1024;
    if (QueryFullProcessImageNameW(h, 0, path, &n)) wide_to_utf8(path, (int)n, info->exe, sizeof info->exe);
    token_user(h, info->user, sizeof info->user);
    command_line(b, pid, h, info->cmdline, sizeof info->cmdline);
    return h;
}

/* --- held handles (polling: exit codes) --- */

static held_process *held_find(struct process_backend *b, int64_t pid)
{
    for (size_t i = 0; i < b->nheld; i++)
        if (b->held[i].pid == pid) return &b->held[i];
    return NULL;
}

static void held_drop(struct process_backend *b, held_process *p)
{
    if (p->h) CloseHandle(p->h);
    *p = b->held[--b->nheld];
}

static uint64_t creation_time(HANDLE h)
{
    FILETIME c, e, k, u;
    if (!GetProcessTimes(h, &c, &e, &k, &u)) return 0;
    return (uint64_t)c.dwHighDateTime << 32 | c.dwLowDateTime;
}

static void held_add(struct process_backend *b, int64_t pid, HANDLE h)
{
    if (!h) return;
    held_process *old = held_find(b, pid);
    if (old) held_drop(b, old);   /* a reused pid: the old process's exit was missed */
    if (b->nheld == HELD_MAX) { CloseHandle(h); return; }
    b->held[b->nheld].pid = pid;
    b->held[b->nheld].h = h;
    b->held[b->nheld].created = creation_time(h);
    b->nheld++;
}

static int ended_already(struct process_backend *b, int64_t pid, uint64_t created)
{
    for (size_t i = 0; i < ENDED_MAX; i++)
        if (b->ended[i].pid == pid && b->ended[i].created == created && created) return 1;
    return 0;
}

/* --- polling with Toolhelp --- */

static int take_snapshot(struct process_backend *b)
{
    HANDLE snap = CreateToolhelp32Snapshot(TH32CS_SNAPPROCESS, 0);
    if (snap == INVALID_HANDLE_VALUE) return -1;
    PROCESSENTRY32W pe;
    pe.dwSize = sizeof pe;
    b->ncur = 0;
    for (BOOL ok = Process32FirstW(snap, &pe); ok; ok = Process32NextW(snap, &pe)) {
        if (b->ncur == b->cap) {
            size_t cap = b->cap ? b->cap * 2 : 512;
            poll_proc *a = realloc(b->prev, cap * sizeof *a), *c;
            if (!a) break;
            b->prev = a;
            if (!(c = realloc(b->cur, cap * sizeof *c))) break;
            b->cur = c;
            b->cap = cap;
        }
        char name[MAX_PATH * 3];
        wide_to_utf8(pe.szExeFile, -1, name, sizeof name);
        poll_proc p = { .pid = pe.th32ProcessID, .ppid = pe.th32ParentProcessID,
                        .ident = poll_hash(pe.th32ParentProcessID, "") };   /* not the name: see process_poll.h */
        snprintf(p.name, sizeof p.name, "%s", name);
        b->cur[b->ncur++] = p;
    }
    CloseHandle(snap);
    return 0;
}

static void poll_describe(struct process_backend *b, const poll_proc *p, proc_info *info)
{
    proc_info_clear(info, p->pid);
    info->ppid = p->ppid;
    snprintf(info->name, sizeof info->name, "%s", p->name);
    held_add(b, p->pid, describe_process(b, (DWORD)p->pid, info));
}

/* 1 if the snapshot lists a process already reported as ended (its object still exists). */
static int is_ended_listing(struct process_backend *b, const poll_proc *p)
{
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, (DWORD)p->pid);
    if (!h) return 0;
    int dead = ended_already(b, p->pid, creation_time(h));
    CloseHandle(h);
    return dead;
}

static void poll_on_new(void *ctx, const poll_proc *p)
{
    struct process_backend *b = ctx;
    proc_info info;
    if (is_ended_listing(b, p)) return;
    poll_describe(b, p, &info);
    held_process *hp = held_find(b, p->pid);
    if (!info.cmdline[0] && hp && b->npending < PENDING_MAX && WaitForSingleObject(hp->h, 0) == WAIT_TIMEOUT) {
        b->pending[b->npending].info = info;
        b->pending[b->npending].tries = 0;
        b->npending++;
        return;
    }
    process_report_started(b->s, &info);
}

static int pending_tries(struct process_backend *b)
{
    int64_t n = PENDING_MAX_MS / process_poll_ms(b->s);
    return n < PENDING_MIN_TRIES ? PENDING_MIN_TRIES : (int)n;
}

/* Retries the command line of processes found too early; reports them once it is readable, once they
 * have ended, or after about PENDING_MAX_MS (at least 3 polls), whichever comes first. Runs before exits are looked for,
 * so a process's started event always precedes its stopped event. */
static void flush_pending(struct process_backend *b, int force)
{
    size_t keep = 0;
    for (size_t i = 0; i < b->npending; i++) {
        pending_start *ps = &b->pending[i];
        held_process *hp = held_find(b, ps->info.pid);
        int alive = hp && WaitForSingleObject(hp->h, 0) == WAIT_TIMEOUT;
        if (alive) {
            command_line(b, (DWORD)ps->info.pid, hp->h, ps->info.cmdline, sizeof ps->info.cmdline);
            wchar_t path[1024];
            DWORD n = 1024;
            if (!ps->info.exe[0] && QueryFullProcessImageNameW(hp->h, 0, path, &n))
                wide_to_utf8(path, (int)n, ps->info.exe, sizeof ps->info.exe);
        }
        if (force || !alive || ps->info.cmdline[0] || ++ps->tries >= pending_tries(b))
            process_report_started(b->s, &ps->info);
        else
            b->pending[keep++] = *ps;
    }
    b->npending = keep;
}

static void seed_on_new(void *ctx, const poll_proc *p)
{
    struct process_backend *b = ctx;
    proc_info info;
    poll_describe(b, p, &info);
    process_seed(b->s, &info);
}

static void report_exit(struct process_backend *b, held_process *hp)
{
    DWORD code;
    if (GetExitCodeProcess(hp->h, &code) && code != STILL_ACTIVE)
        process_report_stopped(b->s, hp->pid, NULL, 1, (int64_t)code);
    else
        process_report_stopped(b->s, hp->pid, NULL, 0, 0);
}

static void poll_on_gone(void *ctx, const poll_proc *p)
{
    struct process_backend *b = ctx;
    held_process *hp = held_find(b, p->pid);
    if (!hp) {
        for (size_t i = 0; i < ENDED_MAX; i++)
            if (b->ended[i].pid == p->pid) return;   /* the listing of an ended process went away */
        process_report_stopped(b->s, p->pid, NULL, 0, 0);
        return;
    }
    /* Under Wine a process can leave the list a moment before its handle is signalled: leave it to
     * check_held, which reports it with its exit code at a following poll. */
    if (WaitForSingleObject(hp->h, 0) != WAIT_OBJECT_0) return;
    report_exit(b, hp);
    held_drop(b, hp);
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

/* Processes whose handle is signalled have ended, whether or not the snapshot still lists them. They
 * leave the previous snapshot, so a pid reused by then (same parent: same ident) reads as new. */
static void check_held(struct process_backend *b)
{
    for (size_t i = 0; i < b->nheld;) {
        held_process *hp = &b->held[i];
        if (WaitForSingleObject(hp->h, 0) != WAIT_OBJECT_0) { i++; continue; }
        report_exit(b, hp);
        b->ended[b->ended_next].pid = hp->pid;
        b->ended[b->ended_next].created = hp->created;
        b->ended_next = (b->ended_next + 1) % ENDED_MAX;
        for (size_t k = 0; k < b->nprev; k++) {
            if (b->prev[k].pid != hp->pid) continue;
            memmove(b->prev + k, b->prev + k + 1, (b->nprev - k - 1) * sizeof *b->prev);
            b->nprev--;
            break;
        }
        held_drop(b, hp);   /* moves the last entry to i: look at i again */
    }
}

static void poll_loop(struct process_backend *b)
{
    if (take_snapshot(b) == 0) {
        poll_diff(NULL, 0, b->cur, b->ncur, seed_on_new, ignore_proc, b);
        swap_snapshots(b);
    }
    while (!process_wait(b->s, process_poll_ms(b->s))) {
        flush_pending(b, 0);
        check_held(b);
        if (take_snapshot(b) != 0) continue;
        poll_diff(b->prev, b->nprev, b->cur, b->ncur, poll_on_new, poll_on_gone, b);
        swap_snapshots(b);
    }
    flush_pending(b, 1);
}

/* --- ETW --- */

static void WINAPI on_etw_event(PEVENT_RECORD r)
{
    struct process_backend *b = r->UserContext;
    if (!b || !IsEqualGUID(&r->EventHeader.ProviderId, &KERNEL_PROCESS_GUID)) return;
    unsigned id = r->EventHeader.EventDescriptor.Id, version = r->EventHeader.EventDescriptor.Version;
    if (id == ETW_KP_EVENT_PROCESS_START) {
        etw_process_start st;
        if (etw_decode_process_start(version, r->UserData, r->UserDataLength, &st) != 0) return;
        proc_info info;
        proc_info_clear(&info, st.pid);
        info.ppid = st.ppid;
        info.session_id = st.session_id;
        HANDLE h = describe_process(b, st.pid, &info);
        if (h) CloseHandle(h);
        if (!info.exe[0]) etw_nt_to_dos_path(st.image, b->dev_map, b->dev_count, info.exe, sizeof info.exe);
        process_report_started(b->s, &info);
    } else if (id == ETW_KP_EVENT_PROCESS_STOP) {
        etw_process_stop sp;
        if (etw_decode_process_stop(version, r->UserData, r->UserDataLength, &sp) != 0) return;
        process_report_stopped(b->s, sp.pid, sp.image, 1, (int64_t)sp.exit_code);
    }
}

static void monitor_thread(void *arg)
{
    struct process_backend *b = arg;
    const wee_host_api *h = process_host(b->s);
    while (!process_wait(b->s, 1000)) {
        uint64_t lost = etw_session_take_lost(&b->etw);
        if (lost) {
            h->report_lost(process_wee_source(b->s), lost, "ETW session EventsLost");
            h->log(WEE_LOG_WARN, MODULE, "ETW session lost %llu event(s)", (unsigned long long)lost);
        }
    }
}

static void log_fallback(struct process_backend *b, const char *why)
{
    process_host(b->s)->log(WEE_LOG_WARN, MODULE, "ETW refused (%s); polling processes every %lld ms with "
                            "CreateToolhelp32Snapshot instead (processes shorter than the interval are missed)",
                            why, (long long)process_poll_ms(b->s));
}

static void worker_thread(void *arg)
{
    struct process_backend *b = arg;
    if (b->etw_on) {
        /* Seed on this thread: all reports for one source come from one thread. */
        if (take_snapshot(b) == 0) {
            poll_diff(NULL, 0, b->cur, b->ncur, seed_on_new, ignore_proc, b);
            swap_snapshots(b);
            for (size_t i = 0; i < b->nheld; i++) CloseHandle(b->held[i].h);   /* ETW reports exit codes */
            b->nheld = 0;
        }
        b->process_trace_rc = etw_session_process(&b->etw);
        if (process_stopping(b->s)) return;
        char why[128];
        snprintf(why, sizeof why, "ProcessTrace error %lu%s", b->process_trace_rc, plat_is_wine() ? " (ETW is not implemented by Wine)" : "");
        log_fallback(b, why);
        etw_session_stop(&b->etw);
        b->nprev = 0;
    }
    poll_loop(b);
}

int process_backend_start(process_source *s, process_backend **out, char *err, size_t err_size)
{
    const wee_host_api *h = process_host(s);
    struct process_backend *b = calloc(1, sizeof *b);
    if (!b) return WEE_ENOMEM;
    b->s = s;
    b->held = calloc(HELD_MAX, sizeof *b->held);
    b->pending = calloc(PENDING_MAX, sizeof *b->pending);
    if (!b->held || !b->pending) { free(b->held); free(b->pending); free(b); return WEE_ENOMEM; }
    build_device_map(b);
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    if (ntdll) b->nt_query = (nt_query_info_fn)(void (*)(void))GetProcAddress(ntdll, "NtQueryInformationProcess");
    _snwprintf(b->session_name, 128, L"WinEventEngine-process-%hs", h->source_id(process_wee_source(s)));
    b->session_name[127] = 0;
    if (process_get_mode(s) == PROCESS_MODE_AUTO) {
        char why[256];
        if (etw_session_open(&b->etw, b->session_name, &KERNEL_PROCESS_GUID, "Microsoft-Windows-Kernel-Process",
                             TRACE_LEVEL_INFORMATION, KEYWORD_PROCESS, on_etw_event, b, why, sizeof why) == 0)
            b->etw_on = 1;
        else
            log_fallback(b, why);
    } else {
        h->log(WEE_LOG_INFO, MODULE, "mode \"poll\": polling processes every %lld ms with CreateToolhelp32Snapshot",
               (long long)process_poll_ms(s));
    }
    if (plat_thread_start(&b->worker, worker_thread, b) != 0) {
        if (b->etw_on) { etw_session_stop(&b->etw); etw_session_close(&b->etw); }
        free(b->held);
        free(b->pending);
        free(b);
        snprintf(err, err_size, "cannot start the process source thread");
        return WEE_EFAILED;
    }
    if (b->etw_on) {
        if (plat_thread_start(&b->monitor, monitor_thread, b) == 0) b->monitor_running = 1;
        else h->log(WEE_LOG_WARN, MODULE, "cannot start the thread that reports events the ETW session loses: "
                    "such losses will not be counted");
    }
    *out = b;
    return 0;
}

void process_backend_stop(process_backend *b)
{
    /* process_stopping() is already true: stopping the session makes ProcessTrace return. */
    if (b->etw_on) etw_session_stop(&b->etw);
    plat_thread_join(&b->worker);
    if (b->monitor_running) plat_thread_join(&b->monitor);
    etw_session_close(&b->etw);
    for (size_t i = 0; i < b->nheld; i++) CloseHandle(b->held[i].h);
    free(b->held);
    free(b->pending);
    free(b->prev);
    free(b->cur);
    free(b);
}
