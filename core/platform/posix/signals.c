#include "platform/platform.h"
#include "wee/errors.h"
#include <errno.h>
#include <signal.h>
#include <time.h>
#include <unistd.h>

/*
 * Signals are taken synchronously: plat_signals_init blocks them in the main thread before any other
 * thread exists, so every thread inherits the mask and the kernel leaves them pending for
 * sigtimedwait. No handler runs, so nothing async-signal-unsafe can happen.
 *
 * No crash handler here: the default action already ends the process with the signal (a failed test
 * for CTest), and replacing SIGSEGV's handler would hide the reports of ASan and UBSan.
 */
static volatile sig_atomic_t signals_ready;

/* Before plat_signals_init (some tests) a raise is recorded here and read by the fallback wait. */
static plat_mutex fallback_lock = { PTHREAD_MUTEX_INITIALIZER };
static pthread_cond_t fallback_wake = PTHREAD_COND_INITIALIZER;
static int fallback_pending;

static void wait_set(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

int plat_signals_init(void)
{
    sigset_t set;
    wait_set(&set);
    if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0) return WEE_EFAILED;
    /* A child or a peer closing a pipe must give EPIPE to the writer, not kill the engine. */
    struct sigaction sa;
    sa.sa_handler = SIG_IGN;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    sigaction(SIGPIPE, &sa, NULL);
    signals_ready = 1;
    return 0;
}

static int map_signal(int sig)
{
    if (sig == SIGHUP) return PLAT_SIGNAL_RELOAD;
    if (sig == SIGINT || sig == SIGTERM) return PLAT_SIGNAL_STOP;
    return PLAT_SIGNAL_NONE;
}

static int fallback_wait(int64_t timeout_ms)
{
    pthread_mutex_lock(&fallback_lock.m);
    if (!fallback_pending && timeout_ms != 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        int64_t ms = timeout_ms < 0 ? INT64_C(86400000) * 365 : timeout_ms;
        ts.tv_sec += (time_t)(ms / 1000);
        ts.tv_nsec += (long)(ms % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        while (!fallback_pending) {
            if (pthread_cond_timedwait(&fallback_wake, &fallback_lock.m, &ts) == ETIMEDOUT) break;
        }
    }
    int which = fallback_pending;
    fallback_pending = PLAT_SIGNAL_NONE;
    pthread_mutex_unlock(&fallback_lock.m);
    return which;
}

int plat_signals_wait(int64_t timeout_ms)
{
    if (!signals_ready) return fallback_wait(timeout_ms);
    sigset_t set;
    wait_set(&set);
    if (timeout_ms < 0) {
        for (;;) {
            int sig = sigwaitinfo(&set, NULL);
            if (sig > 0) return map_signal(sig);
            if (errno != EINTR) return PLAT_SIGNAL_NONE;
        }
    }
    uint64_t deadline = plat_monotonic_ns() + (uint64_t)timeout_ms * 1000000u;
    for (;;) {
        uint64_t now = plat_monotonic_ns();
        uint64_t left = deadline > now ? deadline - now : 0;
        struct timespec ts = { (time_t)(left / 1000000000u), (long)(left % 1000000000u) };
        int sig = sigtimedwait(&set, NULL, &ts);
        if (sig > 0) return map_signal(sig);
        /* EINTR: some other signal's handler ran; wait out the rest of the time. */
        if (errno != EINTR || left == 0) return PLAT_SIGNAL_NONE;
    }
}

void plat_signals_raise(int which)
{
    if (which != PLAT_SIGNAL_STOP && which != PLAT_SIGNAL_RELOAD) return;
    if (signals_ready) {
        /* A real signal to the process: it stays pending until a waiter takes it, whichever thread
         * waits, exactly like one sent from outside (and coalesces the same way). */
        kill(getpid(), which == PLAT_SIGNAL_STOP ? SIGTERM : SIGHUP);
        return;
    }
    pthread_mutex_lock(&fallback_lock.m);
    /* STOP outranks a pending RELOAD: stopping is what the raiser will want in the end. */
    if (fallback_pending != PLAT_SIGNAL_STOP) fallback_pending = which;
    pthread_cond_broadcast(&fallback_wake);
    pthread_mutex_unlock(&fallback_lock.m);
}
