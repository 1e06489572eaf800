/*
 * modules/window - Windows backend: SetWinEventHook, out of context, on a dedicated thread with its own
 * message loop (out-of-context callbacks are delivered while that thread waits in GetMessage).
 *
 * Hooks: EVENT_SYSTEM_FOREGROUND; EVENT_OBJECT_CREATE..EVENT_OBJECT_SHOW (create, destroy, show);
 * EVENT_OBJECT_NAMECHANGE. The range between SHOW and NAMECHANGE is left out on purpose: it holds
 * LOCATIONCHANGE, which fires for every mouse move. WINEVENT_SKIPOWNPROCESS: the engine's own windows
 * are not what a user watches.
 * Only top-level windows count: idObject OBJID_WINDOW, idChild CHILDID_SELF, GetAncestor(GA_ROOT) ==
 * hwnd. A window created hidden is reported as created when it is first shown (EVENT_OBJECT_SHOW) or
 * first seen visible by a later event; window.c keeps that state.
 * A destroyed window can no longer be asked anything: only its handle is passed on; window.c remembers
 * its title, class and process from earlier events.
 *
 * Under Wine 8 only EVENT_OBJECT_CREATE is raised by the system; the other three arrive only when some
 * program calls NotifyWinEvent (docs/modules/window.md). Without EVENT_OBJECT_SHOW, a window created
 * with WS_VISIBLE is often still invisible when the out-of-context CREATE is handled, so a top-level
 * window seen hidden at CREATE is re-checked every PENDING_CHECK_MS for PENDING_LIFE_MS (most such
 * windows are helpers that never show; they are dropped after that).
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "window_backend.h"
#include "platform/platform.h"

/* Windows created hidden whose showing nobody may announce (below): re-checked for a short while. */
#define PENDING_MAX 64
#define PENDING_CHECK_MS 50
#define PENDING_LIFE_MS 2000

struct window_backend {
    window_source *w;
    struct { HWND hwnd; ULONGLONG since; } pending[PENDING_MAX];
    size_t npending;
    UINT_PTR timer;
    plat_thread thread;
    DWORD tid;
    HANDLE ready;
    int start_rc;
    char err[256];
};

/* WinEventProc carries no context pointer; the callbacks run on the thread that set the hooks. */
static _Thread_local window_backend *tls_backend;

static void to_utf8(const wchar_t *s, char *out, size_t size)
{
    int n = WideCharToMultiByte(CP_UTF8, 0, s, -1, out, (int)size, NULL, NULL);
    if (n <= 0) {
        /* Too long for the buffer: convert what fits, never half a character. */
        size_t len = wcslen(s);
        out[0] = '\0';
        while (len > 0 && (n = WideCharToMultiByte(CP_UTF8, 0, s, (int)len, out, (int)size - 1, NULL, NULL)) <= 0) len /= 2;
        out[n > 0 ? n : 0] = '\0';
    }
}

/* 0 when the window was destroyed while being read: its empty answers must not replace what window.c
 * remembers about it. */
static int read_info(HWND hwnd, window_info *info)
{
    memset(info, 0, sizeof *info);
    info->id = (uint64_t)(uintptr_t)hwnd;
    info->visible = IsWindowVisible(hwnd) != 0;
    wchar_t buf[1024];
    /* For another process's window GetWindowTextW reads the stored caption without sending it a
     * message, so a hung program cannot block this thread. */
    buf[0] = L'\0';
    GetWindowTextW(hwnd, buf, (int)(sizeof buf / sizeof buf[0]));
    to_utf8(buf, info->title, sizeof info->title);
    buf[0] = L'\0';
    GetClassNameW(hwnd, buf, 256);
    to_utf8(buf, info->cls, sizeof info->cls);
    DWORD pid = 0;
    GetWindowThreadProcessId(hwnd, &pid);
    info->pid = pid;
    if (pid) {
        /* Refused e.g. for an elevated process seen from a non-elevated engine: exe stays "". */
        HANDLE p = OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, FALSE, pid);
        wchar_t path[1024];
        DWORD n = (DWORD)(sizeof path / sizeof path[0]);
        if (p && QueryFullProcessImageNameW(p, 0, path, &n)) to_utf8(path, info->exe, sizeof info->exe);
        if (p) CloseHandle(p);
    }
    return IsWindow(hwnd) != 0;
}

static int is_top_level(HWND hwnd)
{
    return IsWindow(hwnd) && GetAncestor(hwnd, GA_ROOT) == hwnd;
}

static void CALLBACK on_pending_timer(HWND unused, UINT msg, UINT_PTR id, DWORD now_ms)
{
    (void)unused; (void)msg; (void)id; (void)now_ms;
    window_backend *b = tls_backend;
    if (!b) return;
    ULONGLONG now = GetTickCount64();
    for (size_t i = 0; i < b->npending;) {
        HWND hwnd = b->pending[i].hwnd;
        int gone = !IsWindow(hwnd), shown = !gone && IsWindowVisible(hwnd);
        window_info info;
        if (shown && read_info(hwnd, &info)) window_report(b->w, WEV_CREATED, &info);
        if (gone || shown || now - b->pending[i].since > PENDING_LIFE_MS) b->pending[i] = b->pending[--b->npending];
        else i++;
    }
    if (!b->npending && b->timer) { KillTimer(NULL, b->timer); b->timer = 0; }
}

static void pending_add(window_backend *b, HWND hwnd)
{
    if (b->npending == PENDING_MAX) return; /* a burst of hidden windows: the oldest ones keep their slots */
    b->pending[b->npending].hwnd = hwnd;
    b->pending[b->npending].since = GetTickCount64();
    b->npending++;
    if (!b->timer) b->timer = SetTimer(NULL, 0, PENDING_CHECK_MS, on_pending_timer);
}

static void CALLBACK on_win_event(HWINEVENTHOOK hook, DWORD event, HWND hwnd, LONG id_object, LONG id_child,
                                  DWORD thread, DWORD time_ms)
{
    (void)hook; (void)thread; (void)time_ms;
    window_backend *b = tls_backend;
    if (!b || !hwnd || id_object != OBJID_WINDOW || id_child != CHILDID_SELF) return;
    window_info info;
    if (event == EVENT_OBJECT_DESTROY) {
        memset(&info, 0, sizeof info);
        info.id = (uint64_t)(uintptr_t)hwnd;
        window_report(b->w, WEV_DESTROYED, &info);
        return;
    }
    if (!is_top_level(hwnd) || !read_info(hwnd, &info)) return;
    const wee_host_api *h = window_host(b->w);
    if (h->log_enabled(WEE_LOG_TRACE))
        h->log(WEE_LOG_TRACE, "window", "source '%s': win event 0x%lx hwnd 0x%llx visible %d class \"%s\" title \"%s\"",
               window_source_id(b->w), (unsigned long)event, (unsigned long long)info.id, info.visible, info.cls, info.title);
    switch (event) {
    case EVENT_OBJECT_CREATE:
        window_report(b->w, WEV_CREATED, &info);
        if (!info.visible) pending_add(b, hwnd);
        break;
    case EVENT_OBJECT_SHOW: window_report(b->w, WEV_CREATED, &info); break;
    case EVENT_OBJECT_NAMECHANGE: window_report(b->w, WEV_TITLE, &info); break;
    case EVENT_SYSTEM_FOREGROUND: window_report(b->w, WEV_FOCUSED, &info); break;
    default: break;
    }
}

/* Windows already on screen: remembered so their title changes and destruction are reported. */
static BOOL CALLBACK seed_one(HWND hwnd, LPARAM lp)
{
    window_backend *b = (window_backend *)lp;
    if (!IsWindowVisible(hwnd)) return TRUE;
    window_info info;
    if (read_info(hwnd, &info) && info.pid != (int64_t)GetCurrentProcessId()) window_seed(b->w, &info);
    return TRUE;
}

static void hook_main(void *arg)
{
    window_backend *b = arg;
    tls_backend = b;
    b->tid = GetCurrentThreadId();
    MSG msg;
    PeekMessageW(&msg, NULL, WM_USER, WM_USER, PM_NOREMOVE); /* creates the queue PostThreadMessage needs */
    const DWORD flags = WINEVENT_OUTOFCONTEXT | WINEVENT_SKIPOWNPROCESS;
    HWINEVENTHOOK hooks[3] = {
        SetWinEventHook(EVENT_SYSTEM_FOREGROUND, EVENT_SYSTEM_FOREGROUND, NULL, on_win_event, 0, 0, flags),
        SetWinEventHook(EVENT_OBJECT_CREATE, EVENT_OBJECT_SHOW, NULL, on_win_event, 0, 0, flags),
        SetWinEventHook(EVENT_OBJECT_NAMECHANGE, EVENT_OBJECT_NAMECHANGE, NULL, on_win_event, 0, 0, flags),
    };
    for (int i = 0; i < 3; i++) {
        if (!hooks[i]) {
            snprintf(b->err, sizeof b->err, "SetWinEventHook failed (error %lu); is this process in a desktop session?",
                     (unsigned long)GetLastError());
            b->start_rc = WEE_EFAILED;
        }
    }
    if (b->start_rc == 0) EnumWindows(seed_one, (LPARAM)b);
    SetEvent(b->ready);
    if (b->start_rc == 0) {
        BOOL got;
        while ((got = GetMessageW(&msg, NULL, 0, 0)) != 0 && got != -1) {
            TranslateMessage(&msg);
            DispatchMessageW(&msg);
        }
    }
    if (b->timer) KillTimer(NULL, b->timer);
    for (int i = 0; i < 3; i++) if (hooks[i]) UnhookWinEvent(hooks[i]);
    tls_backend = NULL;
}

int window_backend_start(window_source *w, window_backend **out, char *err, size_t n)
{
    window_backend *b = calloc(1, sizeof *b);
    if (!b) return WEE_ENOMEM;
    b->w = w;
    b->ready = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!b->ready || plat_thread_start(&b->thread, hook_main, b) != 0) {
        snprintf(err, n, "cannot start the window hook thread");
        if (b->ready) CloseHandle(b->ready);
        free(b);
        return WEE_EFAILED;
    }
    WaitForSingleObject(b->ready, INFINITE);
    CloseHandle(b->ready);
    if (b->start_rc != 0) {
        plat_thread_join(&b->thread);
        snprintf(err, n, "%s", b->err);
        int rc = b->start_rc;
        free(b);
        return rc;
    }
    *out = b;
    return 0;
}

void window_backend_stop(window_backend *b)
{
    if (!b) return;
    /* Fails only while the thread's queue is full; the loop drains it, so retry. */
    for (int i = 0; i < 100 && !PostThreadMessageW(b->tid, WM_QUIT, 0, 0); i++) Sleep(10);
    plat_thread_join(&b->thread);
    free(b);
}
