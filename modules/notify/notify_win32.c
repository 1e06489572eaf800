/*
 * modules/notify/notify_win32.c - notify on Windows: a balloon from a notification-area icon
 * (Shell_NotifyIconW with NIF_INFO), which Windows 10 and 11 show as a toast in the Action Center.
 * Why not the WinRT toast API: docs/modules/notify.md.
 *
 * The tray icon belongs to a window, and the window to the thread that created it, so each action
 * instance owns one thread with a hidden window and a message loop, started at its first
 * notification. A worker hands it a request and waits at most call_timeout_ms (explorer can hang);
 * the request is reference-counted so whichever side finishes last frees it. The icon is removed
 * when the balloon's time is up (timeout_ms, default 10 s) and when the instance is destroyed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <windows.h>
#include <shellapi.h>
#include "desktop_session_win32.h"
#include "notify_backend.h"
#include "notify_text.h"
#include "platform/platform.h"
#include "platform/win32/utf.h"

#define WM_NOTIFY_SHOW (WM_APP + 1)
#define WM_NOTIFY_QUIT (WM_APP + 2)
#define WM_NOTIFY_TRAY (WM_APP + 3)
#define REMOVE_TIMER 1
#define DEFAULT_SHOW_MS 10000
#define ICON_ID 1

typedef struct show_request {
    volatile LONG refs;   /* worker + window thread */
    HANDLE done;
    NOTIFYICONDATAW nid;  /* prepared by the worker, hWnd filled in by the thread */
    HICON icon;           /* loaded from `icon`, or NULL for a stock icon; owned by the thread once taken */
    UINT remove_after_ms; /* 0: keep the icon until the instance goes */
    BOOL ok;
    DWORD error;
} show_request;

struct notify_backend {
    plat_mutex lock;      /* starting the thread */
    HANDLE thread, ready;
    DWORD thread_id;
    HWND hwnd;
    DWORD start_error;
    volatile LONG next_id;
};

/* State of the window thread (only that thread touches it). */
typedef struct tray_state {
    BOOL added;
    HICON icon;
} tray_state;

int notify_backend_module_init(char *err, size_t err_size) { (void)err; (void)err_size; return 0; }
void notify_backend_module_shutdown(void) {}

static void request_release(show_request *r)
{
    if (InterlockedDecrement(&r->refs) == 0) {
        if (r->icon) DestroyIcon(r->icon);
        CloseHandle(r->done);
        free(r);
    }
}

static void tray_remove(HWND hwnd, tray_state *st)
{
    if (st->added) {
        NOTIFYICONDATAW nid;
        memset(&nid, 0, sizeof nid);
        nid.cbSize = sizeof nid;
        nid.hWnd = hwnd;
        nid.uID = ICON_ID;
        Shell_NotifyIconW(NIM_DELETE, &nid);
        st->added = FALSE;
    }
    KillTimer(hwnd, REMOVE_TIMER);
    if (st->icon) { DestroyIcon(st->icon); st->icon = NULL; }
}

static void tray_show(HWND hwnd, tray_state *st, show_request *r)
{
    r->nid.hWnd = hwnd;
    if (r->icon) { /* the thread keeps the icon while it is in the tray */
        if (st->icon) DestroyIcon(st->icon);
        st->icon = r->icon;
        r->icon = NULL;
        r->nid.hIcon = st->icon;
        r->nid.hBalloonIcon = st->icon;
    }
    BOOL ok = FALSE;
    if (st->added) ok = Shell_NotifyIconW(NIM_MODIFY, &r->nid); /* fails if explorer restarted meanwhile */
    if (!ok) {
        ok = Shell_NotifyIconW(NIM_ADD, &r->nid);
        st->added = ok;
    }
    r->ok = ok;
    r->error = ok ? 0 : GetLastError();
    if (ok && r->remove_after_ms) SetTimer(hwnd, REMOVE_TIMER, r->remove_after_ms, NULL);
    else if (ok) KillTimer(hwnd, REMOVE_TIMER);
}

static LRESULT CALLBACK tray_proc(HWND hwnd, UINT msg, WPARAM wp, LPARAM lp)
{
    tray_state *st = (tray_state *)GetWindowLongPtrW(hwnd, GWLP_USERDATA);
    switch (msg) {
    case WM_NOTIFY_SHOW: {
        show_request *r = (show_request *)lp;
        if (st) tray_show(hwnd, st, r);
        SetEvent(r->done);
        request_release(r);
        return 0;
    }
    case WM_TIMER:
        if (wp == REMOVE_TIMER && st) tray_remove(hwnd, st);
        return 0;
    case WM_NOTIFY_TRAY:
        if ((lp == NIN_BALLOONUSERCLICK) && st) tray_remove(hwnd, st);
        return 0;
    case WM_NOTIFY_QUIT:
        if (st) tray_remove(hwnd, st);
        DestroyWindow(hwnd);
        return 0;
    case WM_DESTROY:
        PostQuitMessage(0);
        return 0;
    default:
        return DefWindowProcW(hwnd, msg, wp, lp);
    }
}

static DWORD WINAPI tray_thread(LPVOID arg)
{
    notify_backend *b = arg;
    static const wchar_t cls[] = L"WinEventEngineNotify";
    HINSTANCE inst = GetModuleHandleW(NULL);
    WNDCLASSEXW wc;
    memset(&wc, 0, sizeof wc);
    wc.cbSize = sizeof wc;
    wc.lpfnWndProc = tray_proc;
    wc.hInstance = inst;
    wc.lpszClassName = cls;
    tray_state st;
    memset(&st, 0, sizeof st);
    if (!RegisterClassExW(&wc) && GetLastError() != ERROR_CLASS_ALREADY_EXISTS) {
        b->start_error = GetLastError();
        SetEvent(b->ready);
        return 1;
    }
    /* A hidden top-level window: message-only windows (HWND_MESSAGE) receive no TaskbarCreated. */
    HWND hwnd = CreateWindowExW(0, cls, L"WinEventEngine notifications", WS_OVERLAPPED, 0, 0, 0, 0, NULL, NULL,
                                inst, NULL);
    if (!hwnd) {
        b->start_error = GetLastError();
        SetEvent(b->ready);
        return 1;
    }
    SetWindowLongPtrW(hwnd, GWLP_USERDATA, (LONG_PTR)&st);
    b->hwnd = hwnd;
    SetEvent(b->ready);
    MSG m;
    while (GetMessageW(&m, NULL, 0, 0) > 0) {
        TranslateMessage(&m);
        DispatchMessageW(&m);
    }
    /* Requests posted after the window went are never answered; their workers time out and free
     * them (refs). None can come: destroy runs after the last call. */
    return 0;
}

int notify_backend_create(const wee_host_api *host, notify_backend **out, char *err, size_t err_size)
{
    (void)host;
    notify_backend *b = calloc(1, sizeof *b);
    if (!b) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    plat_mutex_init(&b->lock);
    *out = b;
    return 0;
}

/* Starts the window thread once; 0 or -1 with err. */
static int ensure_thread(notify_backend *b, int timeout_ms, char *err, size_t err_size)
{
    int rc = 0;
    plat_mutex_lock(&b->lock);
    if (!b->thread) {
        b->ready = CreateEventW(NULL, TRUE, FALSE, NULL);
        b->thread = b->ready ? CreateThread(NULL, 0, tray_thread, b, 0, &b->thread_id) : NULL;
        if (!b->thread) {
            snprintf(err, err_size, "cannot start the notification thread (error %lu)", GetLastError());
            if (b->ready) CloseHandle(b->ready);
            b->ready = NULL;
            plat_mutex_unlock(&b->lock);
            return -1;
        }
    }
    if (WaitForSingleObject(b->ready, (DWORD)timeout_ms) != WAIT_OBJECT_0) {
        snprintf(err, err_size, "the notification window was not ready within call_timeout_ms");
        rc = -1;
    } else if (!b->hwnd) {
        snprintf(err, err_size, "cannot create the notification window (error %lu): this session has no desktop "
                 "to show it on", b->start_error);
        rc = -1;
    }
    plat_mutex_unlock(&b->lock);
    return rc;
}

/* Cleaned UTF-8 -> UTF-16 into a fixed NOTIFYICONDATA field, cut without splitting a surrogate pair. */
static int copy_wide(wchar_t *dst, size_t cap, const char *utf8, size_t max_bytes)
{
    char *clean = notify_text_clean(utf8, max_bytes, 0);
    wchar_t *w = clean ? win_utf8_to_wide(clean) : NULL;
    free(clean);
    if (!w) return -1;
    size_t n = wcslen(w);
    if (n > cap - 1) {
        n = cap - 1;
        if (n > 0 && w[n - 1] >= 0xD800 && w[n - 1] <= 0xDBFF) n--; /* a lone high surrogate */
    }
    memcpy(dst, w, n * sizeof *w);
    dst[n] = 0;
    free(w);
    return 0;
}

int notify_backend_send(notify_backend *b, const notify_request *req, uint32_t *id, char *err, size_t err_size)
{
    if (desktop_session_check("notifications", err, err_size) != 0) return WEE_EUNSUPPORTED;
    show_request *r = calloc(1, sizeof *r);
    if (!r) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    r->refs = 1;
    r->done = CreateEventW(NULL, TRUE, FALSE, NULL);
    NOTIFYICONDATAW *nid = &r->nid;
    nid->cbSize = sizeof *nid;
    nid->uID = ICON_ID;
    nid->uFlags = NIF_ICON | NIF_TIP | NIF_INFO | NIF_MESSAGE;
    nid->uCallbackMessage = WM_NOTIFY_TRAY;
    if (!r->done || copy_wide(nid->szTip, sizeof nid->szTip / sizeof nid->szTip[0], req->app_name, 1024) != 0 ||
        copy_wide(nid->szInfoTitle, sizeof nid->szInfoTitle / sizeof nid->szInfoTitle[0], req->title, 1024) != 0 ||
        copy_wide(nid->szInfo, sizeof nid->szInfo / sizeof nid->szInfo[0], req->message, 16384) != 0) {
        request_release(r);
        snprintf(err, err_size, "out of memory");
        return WEE_ENOMEM;
    }
    if (!nid->szInfo[0]) { nid->szInfo[0] = L' '; nid->szInfo[1] = 0; } /* an empty text removes the balloon */
    if (req->icon[0]) {
        wchar_t *path = win_utf8_to_wide(req->icon);
        r->icon = path ? (HICON)LoadImageW(NULL, path, IMAGE_ICON, 0, 0, LR_LOADFROMFILE | LR_DEFAULTSIZE) : NULL;
        DWORD e = GetLastError();
        free(path);
        if (!r->icon) {
            request_release(r);
            snprintf(err, err_size, "icon '%s': cannot load it as a .ico file (error %lu)", req->icon, e);
            return WEE_EINVAL;
        }
        nid->dwInfoFlags = NIIF_USER | NIIF_LARGE_ICON;
    } else {
        nid->hIcon = LoadIconW(NULL, req->urgency == NOTIFY_CRITICAL ? (LPCWSTR)IDI_WARNING : (LPCWSTR)IDI_INFORMATION);
        nid->dwInfoFlags = req->urgency == NOTIFY_CRITICAL ? NIIF_WARNING : req->urgency == NOTIFY_LOW ? NIIF_NONE : NIIF_INFO;
    }
    if (req->urgency == NOTIFY_LOW) nid->dwInfoFlags |= NIIF_NOSOUND;
    r->remove_after_ms = req->timeout_ms < 0 ? DEFAULT_SHOW_MS : (UINT)req->timeout_ms;

    if (ensure_thread(b, req->call_timeout_ms, err, err_size) != 0) {
        request_release(r);
        return WEE_EFAILED;
    }
    InterlockedIncrement(&r->refs); /* the window thread's reference */
    if (!PostMessageW(b->hwnd, WM_NOTIFY_SHOW, 0, (LPARAM)r)) {
        DWORD e = GetLastError();
        InterlockedDecrement(&r->refs);
        request_release(r);
        snprintf(err, err_size, "cannot reach the notification thread (error %lu)", e);
        return WEE_EFAILED;
    }
    int rc = 0;
    if (WaitForSingleObject(r->done, (DWORD)req->call_timeout_ms) != WAIT_OBJECT_0) {
        snprintf(err, err_size, "the notification area did not answer within call_timeout_ms (explorer.exe hung?)");
        rc = WEE_ETIMEOUT;
    } else if (!r->ok) {
        snprintf(err, err_size, "Shell_NotifyIcon failed (error 0x%08lx): this session has no notification area "
                 "(is explorer.exe running?)", r->error);
        rc = WEE_EFAILED;
    } else {
        *id = (uint32_t)InterlockedIncrement(&b->next_id);
    }
    request_release(r);
    return rc;
}

void notify_backend_destroy(notify_backend *b)
{
    if (!b) return;
    if (b->thread) {
        if (b->hwnd) PostMessageW(b->hwnd, WM_NOTIFY_QUIT, 0, 0);
        else PostThreadMessageW(b->thread_id, WM_QUIT, 0, 0);
        if (WaitForSingleObject(b->thread, 5000) != WAIT_OBJECT_0) {
            /* Stuck inside Shell_NotifyIconW (explorer hung): the thread may wake up later, so this
             * DLL's code must stay mapped even if the host unloads the module; its state lives on its
             * own stack, and b is no longer touched by it. */
            HMODULE self;
            GetModuleHandleExW(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_PIN,
                               (LPCWSTR)(void *)tray_proc, &self);
        }
        CloseHandle(b->thread);
    }
    if (b->ready) CloseHandle(b->ready);
    plat_mutex_destroy(&b->lock);
    free(b);
}
