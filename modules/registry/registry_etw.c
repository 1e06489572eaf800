/*
 * modules/registry/registry_etw.c - see registry_etw.h.
 */
#include "registry_etw.h"
#include <windows.h>
#include <sddl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "etw_session.h"
#include "platform/platform.h"

#define MODULE "registry"

static const GUID KERNEL_REGISTRY_GUID = { 0x70EB4F03, 0xC1DE, 0x4F73, { 0xA0, 0x51, 0x33, 0xD1, 0x3D, 0x54, 0x13, 0xBD } };

typedef LONG (NTAPI *nt_query_info_fn)(HANDLE, ULONG, PVOID, ULONG, PULONG);

struct reg_etw {
    const wee_host_api *host;          /* NULL without a session (reg_etw_new) */
    char source_id[128];
    etw_session session;
    plat_thread thread;
    volatile LONG stopping;
    volatile LONG ended;               /* ProcessTrace returned: no more records will come */
    /* consumer thread only */
    reg_key_names *names;
    reg_etw_op op;                     /* scratch: large, one event at a time */
    char (*prefixes)[REG_NT_NAME_MAX]; /* NT names of the watched keys, 2 per key at most */
    size_t nprefixes;
    nt_query_info_fn nt_query;
    DWORD self_pid;
    char sid[192];                     /* the engine user's SID: HKCU's NT name */
    /* shared with the watch thread */
    plat_mutex lock;
    plat_cond arrived;
    reg_write_log log;
};

static uint64_t now_ms(void) { return plat_monotonic_ns() / 1000000u; }

/* The event's timestamp (raw QueryPerformanceCounter: the session asks for it, ClientContext 1) in
 * plat_monotonic_ns's milliseconds, which count the same counter. */
static uint64_t event_ms(const EVENT_RECORD *r)
{
    static LARGE_INTEGER freq;
    if (freq.QuadPart == 0) QueryPerformanceFrequency(&freq);
    uint64_t f = (uint64_t)freq.QuadPart, c = (uint64_t)r->EventHeader.TimeStamp.QuadPart;
    return (c / f) * 1000u + (c % f) * 1000u / f;
}

static void wide_to_utf8(const wchar_t *w, int wlen, char *out, size_t size)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, w, wlen, out, (int)size - 1, NULL, NULL);
    out[n > 0 ? n : 0] = '\0';
}

/* The SID string of the user the engine runs as: HKCU is \REGISTRY\USER\<it>. */
static void user_sid(char *out, size_t size)
{
    HANDLE tok;
    out[0] = '\0';
    if (!OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) return;
    union { TOKEN_USER tu; char bytes[512]; } info;
    DWORD got = 0;
    LPSTR text = NULL;
    if (GetTokenInformation(tok, TokenUser, &info, sizeof info, &got) && ConvertSidToStringSidA(info.tu.User.Sid, &text)) {
        snprintf(out, size, "%s", text);
        LocalFree(text);
    }
    CloseHandle(tok);
}

static DWORD parent_pid(struct reg_etw *e, HANDLE h)
{
    struct { LONG_PTR exit_status; PVOID peb; ULONG_PTR affinity; LONG_PTR priority; ULONG_PTR pid, ppid; } pbi;
    ULONG got = 0;
    if (!e->nt_query || e->nt_query(h, 0 /* ProcessBasicInformation */, &pbi, sizeof pbi, &got) < 0) return 0;
    return (DWORD)pbi.ppid;
}

/* pid, exe, process and by_engine (the engine itself or a process it started directly). */
static void describe_writer(struct reg_etw *e, DWORD pid, reg_writer *who)
{
    memset(who, 0, sizeof *who);
    who->pid = pid;
    who->by_engine = pid == e->self_pid;
    HANDLE h = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
    if (!h) return;
    wchar_t path[1024];
    DWORD n = 1024;
    if (QueryFullProcessImageNameW(h, 0, path, &n)) {
        wide_to_utf8(path, (int)n, who->exe, sizeof who->exe);
        const char *base = strrchr(who->exe, '\\');
        snprintf(who->process, sizeof who->process, "%s", base ? base + 1 : who->exe);
    }
    if (!who->by_engine && parent_pid(e, h) == e->self_pid) who->by_engine = 1;
    CloseHandle(h);
}

void reg_etw_feed(reg_etw *e, const EVENT_RECORD *r)
{
    if (!e || !IsEqualGUID(&r->EventHeader.ProviderId, &KERNEL_REGISTRY_GUID)) return;
    unsigned ptr = (r->EventHeader.Flags & EVENT_HEADER_FLAG_32_BIT_HEADER) ? 4 : 8;
    reg_etw_op *op = &e->op;
    if (reg_etw_decode(r->EventHeader.EventDescriptor.Id, r->EventHeader.EventDescriptor.Version, ptr, r->UserData,
                       r->UserDataLength, op) != 0)
        return;
    char path[REG_NT_NAME_MAX];
    reg_change_kind kind = reg_etw_track(e->names, op, e->prefixes, e->nprefixes, path, sizeof path);
    if (!kind) return;
    reg_writer who;
    describe_writer(e, r->EventHeader.ProcessId, &who);
    plat_mutex_lock(&e->lock);
    reg_write_log_add(&e->log, event_ms(r), kind, path, op->value_name, &who);
    plat_cond_broadcast(&e->arrived);
    plat_mutex_unlock(&e->lock);
}

static void WINAPI on_event(PEVENT_RECORD r) { reg_etw_feed(r->UserContext, r); }

static void consumer_thread(void *arg)
{
    struct reg_etw *e = arg;
    ULONG rc = etw_session_process(&e->session);
    plat_mutex_lock(&e->lock);
    InterlockedExchange(&e->ended, 1);
    plat_cond_broadcast(&e->arrived);
    plat_mutex_unlock(&e->lock);
    if (!e->stopping)
        e->host->log(WEE_LOG_WARN, MODULE, "ETW session ended (ProcessTrace error %lu%s); registry "
                                   "events carry no pid/process/exe from now on", rc,
                                   plat_is_wine() ? ", ETW is not implemented by Wine" : "");
}

reg_etw *reg_etw_new(const char *const *keys, size_t nkeys)
{
    struct reg_etw *e = calloc(1, sizeof *e);
    if (!e) return NULL;
    e->prefixes = calloc(2 * nkeys + 1, sizeof *e->prefixes);
    e->names = reg_key_names_new(REG_ETW_NAMES_MAX);
    if (!e->prefixes || !e->names || reg_write_log_init(&e->log) != 0) {
        reg_key_names_free(e->names);
        free(e->prefixes);
        free(e);
        return NULL;
    }
    e->self_pid = GetCurrentProcessId();
    HMODULE ntdll = GetModuleHandleW(L"ntdll.dll");
    if (ntdll) e->nt_query = (nt_query_info_fn)(void (*)(void))GetProcAddress(ntdll, "NtQueryInformationProcess");
    user_sid(e->sid, sizeof e->sid);
    for (size_t i = 0; i < nkeys; i++) {
        char nt[2][REG_NT_NAME_MAX];
        size_t n = reg_short_to_nt(keys[i], e->sid, nt);
        for (size_t k = 0; k < n; k++) memcpy(e->prefixes[e->nprefixes++], nt[k], REG_NT_NAME_MAX);
    }
    plat_mutex_init(&e->lock);
    plat_cond_init(&e->arrived);
    return e;
}

void reg_etw_free(reg_etw *e)
{
    if (!e) return;
    plat_cond_destroy(&e->arrived);
    plat_mutex_destroy(&e->lock);
    reg_key_names_free(e->names);
    reg_write_log_free(&e->log);
    free(e->prefixes);
    free(e);
}

reg_etw *reg_etw_start(const wee_host_api *host, const char *source_id, const char *const *keys, size_t nkeys)
{
    char why[256] = "out of memory";
    struct reg_etw *e = reg_etw_new(keys, nkeys);
    if (!e) goto refused;
    e->host = host;
    snprintf(e->source_id, sizeof e->source_id, "%s", source_id);
    wchar_t name[128];
    _snwprintf(name, 128, L"WinEventEngine-registry-%hs", source_id);
    name[127] = 0;
    if (etw_session_open(&e->session, name, &KERNEL_REGISTRY_GUID, "Microsoft-Windows-Kernel-Registry",
                         TRACE_LEVEL_INFORMATION, REG_ETW_KEYWORDS, on_event, e, why, sizeof why) != 0)
        goto refused;
    if (plat_thread_start(&e->thread, consumer_thread, e) != 0) {
        snprintf(why, sizeof why, "cannot start the ETW consumer thread");
        etw_session_stop(&e->session);
        etw_session_close(&e->session);
        goto refused;
    }
    host->log(WEE_LOG_INFO, MODULE, "source %s: ETW Microsoft-Windows-Kernel-Registry session started; events carry "
              "the writer's pid, process and exe", source_id);
    return e;
refused:
    host->log(WEE_LOG_WARN, MODULE, "source %s: ETW refused (%s); watching with RegNotifyChangeKeyValue only, so "
              "events carry no pid/process/exe", source_id, why);
    reg_etw_free(e);
    return NULL;
}

void reg_etw_stop(reg_etw *e)
{
    if (!e) return;
    InterlockedExchange(&e->stopping, 1);
    etw_session_stop(&e->session);
    plat_thread_join(&e->thread);
    etw_session_close(&e->session);
    reg_etw_free(e);
}

int reg_etw_writer(reg_etw *e, reg_change_kind kind, const char *key, const char *value, uint64_t since_ms,
                   uint64_t deadline_ms, reg_writer *who)
{
    char nt[2][REG_NT_NAME_MAX];
    if (!e) return 0;
    size_t n = reg_short_to_nt(key, e->sid, nt);
    if (n == 0) return 0;
    plat_mutex_lock(&e->lock);
    int found;
    for (;;) {
        uint64_t now = now_ms();
        found = reg_write_log_take(&e->log, since_ms, kind, nt, n, value, who);
        if (found || now >= deadline_ms || e->stopping || e->ended || !e->host) break;
        plat_cond_timedwait(&e->arrived, &e->lock, (int64_t)(deadline_ms - now));
    }
    plat_mutex_unlock(&e->lock);
    return found;
}
