#include "platform/platform.h"
#include "wee/errors.h"
#include <windows.h>
#include <process.h>
#include <stdlib.h>

typedef struct thread_boot {
    plat_thread_fn fn;
    void *arg;
} thread_boot;

static unsigned __stdcall thread_main(void *p)
{
    thread_boot b = *(thread_boot *)p;
    free(p);
    b.fn(b.arg);
    return 0;
}

int plat_thread_start(plat_thread *t, plat_thread_fn fn, void *arg)
{
    if (!t || !fn) return WEE_EINVAL;
    thread_boot *b = malloc(sizeof *b);
    if (!b) return WEE_ENOMEM;
    b->fn = fn;
    b->arg = arg;
    uintptr_t h = _beginthreadex(NULL, 0, thread_main, b, 0, NULL);
    if (h == 0) {
        free(b);
        t->handle = 0;
        return WEE_EFAILED;
    }
    t->handle = h;
    return 0;
}

void plat_thread_join(plat_thread *t)
{
    if (!t || !t->handle) return;
    WaitForSingleObject((HANDLE)t->handle, INFINITE);
    CloseHandle((HANDLE)t->handle);
    t->handle = 0;
}

_Static_assert(sizeof(((plat_mutex *)0)->opaque) == sizeof(SRWLOCK), "plat_mutex must hold an SRWLOCK");
_Static_assert(sizeof(((plat_cond *)0)->opaque) == sizeof(CONDITION_VARIABLE), "plat_cond must hold a CONDITION_VARIABLE");

void plat_mutex_init(plat_mutex *m) { InitializeSRWLock((PSRWLOCK)&m->opaque); }
void plat_mutex_destroy(plat_mutex *m) { (void)m; }
void plat_mutex_lock(plat_mutex *m) { AcquireSRWLockExclusive((PSRWLOCK)&m->opaque); }
void plat_mutex_unlock(plat_mutex *m) { ReleaseSRWLockExclusive((PSRWLOCK)&m->opaque); }

void plat_cond_init(plat_cond *c) { InitializeConditionVariable((PCONDITION_VARIABLE)&c->opaque); }
void plat_cond_destroy(plat_cond *c) { (void)c; }

void plat_cond_wait(plat_cond *c, plat_mutex *m)
{
    SleepConditionVariableSRW((PCONDITION_VARIABLE)&c->opaque, (PSRWLOCK)&m->opaque, INFINITE, 0);
}

int plat_cond_timedwait(plat_cond *c, plat_mutex *m, int64_t timeout_ms)
{
    DWORD ms;
    if (timeout_ms < 0) ms = INFINITE;
    else if (timeout_ms >= (int64_t)0xFFFFFFFE) ms = 0xFFFFFFFE;
    else ms = (DWORD)timeout_ms;
    if (SleepConditionVariableSRW((PCONDITION_VARIABLE)&c->opaque, (PSRWLOCK)&m->opaque, ms, 0)) return 0;
    return GetLastError() == ERROR_TIMEOUT ? WEE_ETIMEOUT : 0;
}

void plat_cond_signal(plat_cond *c) { WakeConditionVariable((PCONDITION_VARIABLE)&c->opaque); }
void plat_cond_broadcast(plat_cond *c) { WakeAllConditionVariable((PCONDITION_VARIABLE)&c->opaque); }
