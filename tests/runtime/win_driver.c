/*
 * win_driver - a Win32 program for the window source's runtime test (Windows, and Wine with the null
 * graphics driver).
 *
 *   win_driver <events.log> <title (UTF-8)> <class> [lifecycle|seeded]
 *
 * seeded: the window is shown first, <events.log>.mapped is created, and the driver waits for
 * <events.log>.go (the engine starts meanwhile) before renaming and destroying it: a window that existed
 * before the source started gets title_changed and destroyed, never created.
 *
 * Creates a real visible top-level window, brings it to the foreground, renames it and destroys it. After
 * each real change it also calls NotifyWinEvent for the matching event, as Windows itself does: Wine 8
 * raises only EVENT_OBJECT_CREATE on its own (/work/shared/notes/windows-under-wine.md section 5), so
 * under Wine those three events reach the engine's hook only this way. On Windows the duplicate of a
 * system event is folded by the source (same foreground window, same title, already destroyed).
 * Before each next step it waits (pumping its messages) until the engine's log shows the previous
 * step's event.
 *
 * Prints "id=0x<hwnd> pid=<pid>" on stdout. Exit 0 when all four events were seen; 10 + step when the log
 * never showed a step's event (20 s per step); 2 on a setup failure.
 */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#include <windows.h>
#include <shellapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int file_has(const char *path, const char *needle)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return strstr(buf, needle) != NULL;
}

static void pump(void)
{
    MSG msg;
    while (PeekMessageW(&msg, NULL, 0, 0, PM_REMOVE)) { TranslateMessage(&msg); DispatchMessageW(&msg); }
}

static int wait_for(const char *log, const char *type, const char *title)
{
    char needle[1200];
    snprintf(needle, sizeof needle, "%s|%s|", type, title);
    for (int i = 0; i < 2000; i++) {
        if (file_has(log, needle)) return 1;
        pump();
        Sleep(10);
    }
    fprintf(stderr, "win_driver: no \"%s\" in %s after 20 s\n", needle, log);
    return 0;
}

static wchar_t *wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    wchar_t *w = calloc((size_t)(n > 0 ? n : 1), sizeof *w);
    if (w && n > 0) MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n);
    return w;
}

/* argv as UTF-8: the CRT's argv is in the ANSI code page. */
static char *arg_utf8(int i)
{
    int argc = 0;
    wchar_t **wargv = CommandLineToArgvW(GetCommandLineW(), &argc);
    if (!wargv || i >= argc) return NULL;
    int n = WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, NULL, 0, NULL, NULL);
    char *s = malloc((size_t)(n > 0 ? n : 1));
    if (s) { s[0] = '\0'; if (n > 0) WideCharToMultiByte(CP_UTF8, 0, wargv[i], -1, s, n, NULL, NULL); }
    LocalFree(wargv);
    return s;
}

int main(int argc, char **argv)
{
    (void)argv;
    if (argc != 4 && argc != 5) { fprintf(stderr, "usage: win_driver <events.log> <title> <class> [lifecycle|seeded]\n"); return 2; }
    int seeded = argc == 5 && !strcmp(argv[4], "seeded");
    char *log = arg_utf8(1), *title = arg_utf8(2), *cls = arg_utf8(3);
    if (!log || !title || !cls) return 2;
    wchar_t *wcls = wide(cls), *wtitle = wide(title);
    WNDCLASSW wc;
    memset(&wc, 0, sizeof wc);
    wc.lpfnWndProc = DefWindowProcW;
    wc.hInstance = GetModuleHandleW(NULL);
    wc.lpszClassName = wcls;
    if (!RegisterClassW(&wc)) { fprintf(stderr, "win_driver: RegisterClass error %lu\n", GetLastError()); return 2; }
    HWND hwnd = CreateWindowExW(0, wcls, wtitle, WS_OVERLAPPEDWINDOW | WS_VISIBLE, 10, 10, 200, 100, NULL, NULL,
                                wc.hInstance, NULL);
    if (!hwnd) { fprintf(stderr, "win_driver: CreateWindowEx error %lu\n", GetLastError()); return 2; }
    printf("id=0x%llx pid=%lu\n", (unsigned long long)(uintptr_t)hwnd, (unsigned long)GetCurrentProcessId());
    fflush(stdout);
    pump();
    if (seeded) {
        char marker[1100];
        snprintf(marker, sizeof marker, "%s.mapped", log);
        FILE *f = fopen(marker, "wb");
        if (f) fclose(f);
        snprintf(marker, sizeof marker, "%s.go", log);
        int i;
        for (i = 0; i < 2000 && GetFileAttributesA(marker) == INVALID_FILE_ATTRIBUTES; i++) { pump(); Sleep(10); }
        if (i == 2000) { fprintf(stderr, "win_driver: %s did not appear after 20 s\n", marker); return 15; }
        /* Wine 8 decides in the calling thread whether NotifyWinEvent has any hook to reach, from a hook
         * mask cached when the thread last *received* a message (win32u peek_message; an empty
         * PeekMessage does not refresh it). This thread cached it before the engine hooked anything:
         * receive one message now so the engine's hooks are seen. */
        PostMessageW(hwnd, WM_NULL, 0, 0);
        pump();
    } else {
        if (!wait_for(log, "window.created", title)) return 11;
        SetForegroundWindow(hwnd);
        NotifyWinEvent(EVENT_SYSTEM_FOREGROUND, hwnd, OBJID_WINDOW, CHILDID_SELF);
        if (!wait_for(log, "window.focused", title)) return 12;
    }

    char renamed[1100];
    snprintf(renamed, sizeof renamed, "%s renamed", title);
    wchar_t *wrenamed = wide(renamed);
    SetWindowTextW(hwnd, wrenamed);
    NotifyWinEvent(EVENT_OBJECT_NAMECHANGE, hwnd, OBJID_WINDOW, CHILDID_SELF);
    if (!wait_for(log, "window.title_changed", renamed)) return 13;

    /* Windows raises EVENT_OBJECT_DESTROY from inside DestroyWindow, while the handle is still valid. */
    NotifyWinEvent(EVENT_OBJECT_DESTROY, hwnd, OBJID_WINDOW, CHILDID_SELF);
    DestroyWindow(hwnd);
    if (!wait_for(log, "window.destroyed", renamed)) return 14;
    free(wrenamed); free(wcls); free(wtitle); free(log); free(title); free(cls);
    return 0;
}
