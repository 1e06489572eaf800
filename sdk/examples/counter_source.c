/*
 * counter_source - an example source module, built from the SDK headers alone.
 *
 * Emits `example.tick` events with fields `count` (1, 2, 3, ...) and `name`, every interval_ms, from
 * its own thread, until the host stops it:
 *
 *   { "id": "ticks", "module": "counter", "interval_ms": 500, "name": "heartbeat" }
 *
 * What it shows:
 *  - the option table: the host validates the config and fills defaults before source_create, and the
 *    module only reads values through host->opt_*;
 *  - the source life cycle: create (read options) -> start (spawn a thread, return at once) ->
 *    stop (wake the thread and join it: no emit after stop returns) -> destroy;
 *  - events: host->event_new, set fields, host->emit (which takes ownership whatever it returns);
 *  - ABI 1.3 field traits: the descriptor lists the fields its events carry and how rules compare them
 *    (`name` ignores case on Windows), so the host needs no knowledge of this module;
 *  - ABI 1.3 engine origin: with "engine_owned": true every tick is marked caused by the engine
 *    (host->origin_mark), and rules skip it unless they set "allow_engine_events": true. A real source
 *    marks the events the engine's own actions caused (a file an action wrote: host->origin_path_written).
 *
 * A module links nothing of the host, so this file carries its own small thread layer (CreateThread on
 * Windows, pthreads elsewhere) instead of the engine's platform library.
 */
#if !defined(_WIN32) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L /* pthread_condattr_setclock, clock_gettime */
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wee/wee.h>
#ifdef _WIN32
#include <windows.h>
#else
#include <errno.h>
#include <pthread.h>
#include <time.h>
#endif

typedef struct counter {
    const wee_host_api *host;
    wee_source *src;
    int64_t interval_ms;
    const char *name;      /* create()'s options live until destroy: no copy needed */
    int engine_owned;      /* mark the ticks as caused by the engine */
    int running;           /* a thread was started and not yet joined */
#ifdef _WIN32
    HANDLE thread;
    HANDLE stop_event;     /* manual-reset: signalled = stop requested */
#else
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;   /* waits on CLOCK_MONOTONIC so wall-clock jumps do not skew ticks */
    int stop_requested;
#endif
} counter;

/* Sleeps until the host's monotonic clock reaches deadline_ms, or until stop is requested.
 * Returns 1 if stop was requested. */
static int wait_until(counter *c, uint64_t deadline_ms)
{
    uint64_t now_ms = c->host->monotonic_ns() / 1000000u;
    uint64_t wait_ms = deadline_ms > now_ms ? deadline_ms - now_ms : 0;
#ifdef _WIN32
    return WaitForSingleObject(c->stop_event, (DWORD)wait_ms) == WAIT_OBJECT_0;
#else
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += (time_t)(wait_ms / 1000u);
    until.tv_nsec += (long)(wait_ms % 1000u) * 1000000L;
    if (until.tv_nsec >= 1000000000L) { until.tv_sec++; until.tv_nsec -= 1000000000L; }
    pthread_mutex_lock(&c->lock);
    int rc = 0;
    while (!c->stop_requested && rc != ETIMEDOUT) rc = pthread_cond_timedwait(&c->wake, &c->lock, &until);
    int stop = c->stop_requested;
    pthread_mutex_unlock(&c->lock);
    return stop;
#endif
}

static void counter_loop(counter *c)
{
    const wee_host_api *host = c->host;
    uint64_t interval = (uint64_t)c->interval_ms;
    /* Ticks follow a fixed schedule (start + k * interval), so the time spent emitting does not add up
     * into drift. */
    uint64_t next = host->monotonic_ns() / 1000000u + interval;
    int64_t count = 0;
    while (!wait_until(c, next)) {
        uint64_t now = host->monotonic_ns() / 1000000u;
        next += interval;
        if (next <= now) next = now + interval; /* after a long block in emit: skip, do not burst */
        wee_event *ev = host->event_new("example.tick");
        if (!ev) continue;
        host->event_set_int(ev, "count", ++count);
        host->event_set_string(ev, "name", c->name);
        /* A table from a host before ABI 1.3 ends before origin_mark (this module says 1.3, so the host
         * loading it has the entry; a test's own table may not). */
        if (host->struct_size > offsetof(wee_host_api, origin_mark) && host->origin_mark)
            host->origin_mark(ev, c->engine_owned);
        if (host->emit(c->src, ev) == WEE_ESTOPPED) break; /* the engine is shutting down */
    }
}

#ifdef _WIN32
static DWORD WINAPI counter_thread(LPVOID arg) { counter_loop(arg); return 0; }
#else
static void *counter_thread(void *arg) { counter_loop(arg); return NULL; }
#endif

static int counter_create(const wee_host_api *host, wee_source *src, const wee_options *opts,
                          void **instance, char *err, size_t err_size)
{
    counter *c = calloc(1, sizeof *c);
    if (!c) { snprintf(err, err_size, "out of memory"); return WEE_ENOMEM; }
    c->host = host;
    c->src = src;
    c->interval_ms = host->opt_int(opts, "interval_ms");
    c->name = host->opt_string(opts, "name");
    c->engine_owned = host->opt_bool(opts, "engine_owned");
#ifdef _WIN32
    c->stop_event = CreateEventW(NULL, TRUE, FALSE, NULL);
    if (!c->stop_event) {
        snprintf(err, err_size, "CreateEvent failed (error %lu)", (unsigned long)GetLastError());
        free(c);
        return WEE_EFAILED;
    }
#else
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&c->wake, &attr);
    pthread_condattr_destroy(&attr);
    pthread_mutex_init(&c->lock, NULL);
#endif
    *instance = c;
    return 0;
}

static int counter_start(void *instance, char *err, size_t err_size)
{
    counter *c = instance;
#ifdef _WIN32
    ResetEvent(c->stop_event);
    c->thread = CreateThread(NULL, 0, counter_thread, c, 0, NULL);
    if (!c->thread) {
        snprintf(err, err_size, "cannot start the counter thread (error %lu)", (unsigned long)GetLastError());
        return WEE_EFAILED;
    }
#else
    c->stop_requested = 0;
    int rc = pthread_create(&c->thread, NULL, counter_thread, c);
    if (rc != 0) {
        snprintf(err, err_size, "cannot start the counter thread: %s", strerror(rc));
        return WEE_EFAILED;
    }
#endif
    c->running = 1;
    return 0;
}

static void counter_stop(void *instance)
{
    counter *c = instance;
    if (!c->running) return;
#ifdef _WIN32
    SetEvent(c->stop_event);
    WaitForSingleObject(c->thread, INFINITE);
    CloseHandle(c->thread);
#else
    pthread_mutex_lock(&c->lock);
    c->stop_requested = 1;
    pthread_cond_signal(&c->wake);
    pthread_mutex_unlock(&c->lock);
    pthread_join(c->thread, NULL);
#endif
    c->running = 0;
}

static void counter_destroy(void *instance)
{
    counter *c = instance;
    counter_stop(c); /* harmless if the host already stopped it */
#ifdef _WIN32
    CloseHandle(c->stop_event);
#else
    pthread_cond_destroy(&c->wake);
    pthread_mutex_destroy(&c->lock);
#endif
    free(c);
}

static const wee_option_spec counter_options[] = {
    WEE_OPTION(.name = "interval_ms", .type = WEE_OPT_INT, .default_value = "1000", .min = 1,
               .max = 86400000, .description = "time between two ticks"),
    WEE_OPTION(.name = "name", .type = WEE_OPT_STRING, .default_value = "\"counter\"",
               .description = "copied into each event's `name` field"),
    WEE_OPTION(.name = "engine_owned", .type = WEE_OPT_BOOL, .default_value = "false",
               .description = "mark the ticks as caused by the engine (rules skip them unless allow_engine_events)"),
    WEE_OPTION_END
};

/* ABI 1.3: what the events carry. The host compares `name` case-insensitively on Windows, like the
 * names of files and processes there; `count` is plain. */
static const wee_field_spec counter_fields[] = {
    WEE_FIELD(.name = "count", .description = "ticks so far: 1, 2, 3, ..."),
    WEE_FIELD(.name = "name", .traits = WEE_FIELD_CASELESS_ON_WINDOWS, .description = "the source's `name` option"),
    WEE_FIELD_END
};

static const char *const counter_event_types[] = { "example.tick", NULL };

static const wee_module_desc counter_desc = {
    .struct_size = sizeof(wee_module_desc),
    .abi_version = WEE_ABI_VERSION,
    .name = "counter",
    .version = "1.0.0",
    .description = "SDK example: emits example.tick events with a count, every interval_ms",
    .kind = WEE_MODULE_SOURCE,
    .options = counter_options,
    .source_create = counter_create,
    .source_start = counter_start,
    .source_stop = counter_stop,
    .source_destroy = counter_destroy,
    .event_types = counter_event_types,
    .fields = counter_fields,
};

WEE_EXTERN_C WEE_EXPORT const wee_module_desc *wee_module_entry(void) { return &counter_desc; }
