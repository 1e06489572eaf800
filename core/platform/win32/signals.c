#include "platform/platform.h"
#include "wee/errors.h"
#include <windows.h>
#include <stdio.h>

/*
 * Console control events (Ctrl+C, Ctrl+Break, close, logoff, shutdown) become STOP. The handler runs on
 * a thread the system creates; it records the signal in `pending` and sets an auto-reset event that
 * plat_signals_wait waits on. `pending` is the truth, the event only a wake-up: a stale wake-up costs one
 * extra look at `pending`. The event is created lazily so plat_signals_raise / wait also work in tests
 * that never call plat_signals_init. RELOAD has no console event; it comes from plat_signals_raise.
 */
static volatile LONG pending;      /* PLAT_SIGNAL_* */
static HANDLE wake_event;
static INIT_ONCE wake_once = INIT_ONCE_STATIC_INIT;

static BOOL CALLBACK make_event(PINIT_ONCE once, PVOID param, PVOID *ctx)
{
    (void)once; (void)param; (void)ctx;
    wake_event = CreateEventW(NULL, FALSE, FALSE, NULL);
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
    case CTRL_C_EVENT: case CTRL_BREAK_EVENT:
        post(PLAT_SIGNAL_STOP);
        return TRUE;
    case CTRL_CLOSE_EVENT: case CTRL_LOGOFF_EVENT: case CTRL_SHUTDOWN_EVENT:
        /* Windows ends the process as soon as this handler returns (or after ~5 s): hold it so the
         * engine can stop cleanly; main() returning ends the process and this thread with it. */
        post(PLAT_SIGNAL_STOP);
        Sleep(4500);
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
    uint64_t deadline = timeout_ms > 0 ? plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000u : 0;
    for (;;) {
        LONG which = InterlockedExchange(&pending, PLAT_SIGNAL_NONE);
        if (which != PLAT_SIGNAL_NONE) return (int)which;
        if (!e || timeout_ms == 0) return PLAT_SIGNAL_NONE;
        DWORD ms = INFINITE;
        if (timeout_ms > 0) {
            uint64_t now = plat_monotonic_ns();
            if (now >= deadline) return PLAT_SIGNAL_NONE;
            uint64_t left = (deadline - now + 999999u) / 1000000u;
            ms = left >= 0xFFFFFFFEu ? 0xFFFFFFFEu : (DWORD)left;
        }
        WaitForSingleObject(e, ms);
    }
}

void plat_signals_raise(int which)
{
    if (which != PLAT_SIGNAL_STOP && which != PLAT_SIGNAL_RELOAD) return;
    post(which);
}
