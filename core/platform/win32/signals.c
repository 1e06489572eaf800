#include "platform/platform.h"
#include "wee/errors.h"
#include <windows.h>
#include <stdio.h>

/*
 * Console control events (Ctrl+C, Ctrl+Break, close, logoff, shutdown) become STOP. The handler runs on
 * a thread the system creates; it records the pending signal and sets a manual-reset event that
 * plat_signals_wait waits on. The event is created lazily so plat_signals_raise / wait also work in
 * tests that never call plat_signals_init.
 */
static volatile LONG pending;      /* PLAT_SIGNAL_* */
static HANDLE wake_event;
static INIT_ONCE wake_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK make_event(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once; (void)param; (void)ctx;
    wake_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    return wake_event != NULL;
}

static HANDLE get_event(void)
{
    InitOnceExecuteOnce(&wake_once, make_event, NULL, NULL);
    return wake_event;
}

static void post(int which)
{
    /* STOP outranks a pending RELOAD. */
    if (which == PLAT_SIGNAL_STOP) InterlockedExchange(&pending, PLAT_SIGNAL_STOP);
    else InterlockedCompareExchange(&pending, which, PLAT_SIGNAL_NONE);
    HANDLE e = get_event();
    if (e) SetEvent(e);
}

static BOOL WINAPI on_console_ctrl(DWORD type)
{
    switch (type) {
    case CTRL_C_EVENT: case CTRL_BREAK_EVENT: case CTRL_CLOSE_EVENT: case CTRL_LOGOFF_EVENT:
    case CTRL_SHUTDOWN_EVENT:
        post(PLAT_SIGNAL_STOP);
        return TRUE;
    default:
        return FALSE;
    }
}

static LONG WINAPI on_crash(EXCEPTION_POINTERS *ep)
{
    fprintf(stderr, "FATAL: exception 0x%08lx at %p\n", (unsigned long)ep->ExceptionRecord->ExceptionCode,
            ep->ExceptionRecord->ExceptionAddress);
    fflush(stderr);
    TerminateProcess(GetCurrentProcess(), 3);
    return EXCEPTION_EXECUTE_HANDLER;
}

int plat_signals_init(void)
{
    SetErrorMode(SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX);
    SetUnhandledExceptionFilter(on_crash);
    if (!get_event()) return WEE_EFAILED;
    if (!SetConsoleCtrlHandler(on_console_ctrl, TRUE)) return WEE_EFAILED;
    return 0;
}

int plat_signals_wait(int64_t timeout_ms)
{
    HANDLE e = get_event();
    if (!e) return PLAT_SIGNAL_NONE;
    uint64_t deadline = timeout_ms > 0 ? plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000u : 0;
    for (;;) {
        LONG which = InterlockedExchange(&pending, PLAT_SIGNAL_NONE);
        if (which != PLAT_SIGNAL_NONE) return (int)which;
        DWORD ms;
        if (timeout_ms < 0) ms = INFINITE;
        else if (timeout_ms == 0) return PLAT_SIGNAL_NONE;
        else {
            uint64_t now = plat_monotonic_ns();
            if (now >= deadline) return PLAT_SIGNAL_NONE;
            uint64_t left = (deadline - now + 999999u) / 1000000u;
            ms = left >= 0xFFFFFFFEu ? 0xFFFFFFFEu : (DWORD)left;
        }
        ResetEvent(e);
        /* Re-check after the reset so a post between the exchange and the reset is not lost. */
        which = InterlockedExchange(&pending, PLAT_SIGNAL_NONE);
        if (which != PLAT_SIGNAL_NONE) return (int)which;
        WaitForSingleObject(e, ms);
    }
}

void plat_signals_raise(int which)
{
    if (which != PLAT_SIGNAL_STOP && which != PLAT_SIGNAL_RELOAD) return;
    post(which);
}
