/*
 * tests/runtime/kbd_hook_watch.c - a low-level keyboard hook (WH_KEYBOARD_LL) in its own process that
 * writes every key event it sees to a file: "<vk hex> down|up <injected 0|1>" per line. It is how the
 * media action's SendInput key presses are observed (test_rt_desktop_win32.c).
 *
 *   kbd_hook_watch LOG READY STOP     (READY is written once the hook is installed; exits on STOP)
 */
#include <stdio.h>
#include <windows.h>

static FILE *out;

static LRESULT CALLBACK on_key(int code, WPARAM wp, LPARAM lp)
{
    if (code == HC_ACTION) {
        const KBDLLHOOKSTRUCT *k = (const KBDLLHOOKSTRUCT *)lp;
        fprintf(out, "%02lx %s %d\n", (unsigned long)k->vkCode,
                (wp == WM_KEYUP || wp == WM_SYSKEYUP) ? "up" : "down", (k->flags & LLKHF_INJECTED) ? 1 : 0);
        fflush(out);
    }
    return CallNextHookEx(NULL, code, wp, lp);
}

int main(int argc, char **argv)
{
    if (argc != 4) { fprintf(stderr, "usage: kbd_hook_watch LOG READY STOP\n"); return 2; }
    out = fopen(argv[1], "ab");
    if (!out) { fprintf(stderr, "cannot open %s\n", argv[1]); return 1; }
    HHOOK hook = SetWindowsHookExW(WH_KEYBOARD_LL, on_key, GetModuleHandleW(NULL), 0);
    if (!hook) { fprintf(stderr, "SetWindowsHookEx(WH_KEYBOARD_LL) failed: %lu\n", GetLastError()); return 1; }
    FILE *ready = fopen(argv[2], "w");
    if (ready) fclose(ready);
    SetTimer(NULL, 0, 50, NULL);
    MSG m;
    while (GetMessageW(&m, NULL, 0, 0) > 0) {
        if (m.message == WM_TIMER && GetFileAttributesA(argv[3]) != INVALID_FILE_ATTRIBUTES) break;
        DispatchMessageW(&m);
    }
    UnhookWindowsHookEx(hook);
    fclose(out);
    return 0;
}
