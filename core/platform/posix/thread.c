#include "platform/platform.h"
#include "wee/errors.h"
#include <errno.h>
#include <stdlib.h>
#include <time.h>

/* plat_thread.handle points at this, so the header need not know pthread_t's shape. */
typedef struct posix_thread {
    pthread_t tid;
    plat_thread_fn fn;
    void *arg;
} posix_thread;

static void *thread_trampoline(void *p)
{
    posix_thread *t = p;
    t->fn(t->arg);
    return NULL;
}

int plat_thread_start(plat_thread *t, plat_thread_fn fn, void *arg)
{
    posix_thread *pt = malloc(sizeof *pt);
    if (!pt) return WEE_ENOMEM;
    pt->fn = fn;
    pt->arg = arg;
    int rc = pthread_create(&pt->tid, NULL, thread_trampoline, pt);
    if (rc != 0) {
        free(pt);
        t->handle = 0;
        return rc == EAGAIN ? WEE_ENOMEM : WEE_EFAILED;
    }
    t->handle = (uintptr_t)pt;
    return 0;
}

void plat_thread_join(plat_thread *t)
{
    posix_thread *pt = (posix_thread *)t->handle;
    if (!pt) return;
    pthread_join(pt->tid, NULL);
    free(pt);
    t->handle = 0;
}

void plat_mutex_init(plat_mutex *m) { pthread_mutex_init(&m->m, NULL); }
void plat_mutex_destroy(plat_mutex *m) { pthread_mutex_destroy(&m->m); }
void plat_mutex_lock(plat_mutex *m) { pthread_mutex_lock(&m->m); }
void plat_mutex_unlock(plat_mutex *m) { pthread_mutex_unlock(&m->m); }

void plat_cond_init(plat_cond *c)
{
    /* Timeouts measured on the monotonic clock, so a wall-clock jump neither stalls nor rushes them. */
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->c, &attr);
    pthread_condattr_destroy(&attr);
}

void plat_cond_destroy(plat_cond *c) { pthread_cond_destroy(&c->c); }
void plat_cond_wait(plat_cond *c, plat_mutex *m) { pthread_cond_wait(&c->c, &m->m); }
void plat_cond_signal(plat_cond *c) { pthread_cond_signal(&c->c); }
void plat_cond_broadcast(plat_cond *c) { pthread_cond_broadcast(&c->c); }

int plat_cond_timedwait(plat_cond *c, plat_mutex *m, int64_t timeout_ms)
{
    if (timeout_ms < 0) timeout_ms = 0;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_sec += (time_t)(timeout_ms / 1000);
    ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return pthread_cond_timedwait(&c->c, &m->m, &ts) == ETIMEDOUT ? WEE_ETIMEOUT : 0;
}
